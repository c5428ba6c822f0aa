// The Stylus runtime of the embedded devnode (implements api.ts `StylusRuntime`).
// Programs run in a pool of worker threads, one call per worker at a time. A hostio that needs chain
// state posts a request and blocks its thread (Atomics.wait on a shared flag) while this thread awaits
// the async EvmApi and posts the answer to the worker's response port — as nitro blocks its Rust thread
// on Go. A nested Stylus → EVM → Stylus call simply takes another worker from the pool.
// Compiled modules are cached per (moduleHash, Stylus version, debug) and sent to each worker once.
// At most `maxRunning` workers execute at a time; a worker blocked on a request does not count, so a
// nested call always finds room and concurrency stays bounded however many callers arrive at once.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { ActivationContext, ActivationOutcome } from '../../nitro/activate';
import type { CallContext } from '../../nitro/host';
import type { StylusParams } from '../../nitro/params';
import type { EvmApi, StylusRuntime, UserOutcome } from './api';
import { activateWasm, moduleKey, recompileWasm, type CompiledProgram } from './compile';
import type { CallMessage, DoneMessage, LogMessage, RequestMessage, ResponseMessage, WorkerInit } from './protocol';

const U64_MAX = (1n << 64n) - 1n;

export interface RuntimeOptions {
  /** workers executing at once (default: the CPU count, at least 2); workers blocked on a request don't count */
  maxRunning?: number;
  /** idle workers kept warm (default 4) */
  maxIdleWorkers?: number;
  /** stack of each worker thread in MiB (default 64), so the depth checker fires before V8's stack does */
  workerStackMb?: number;
  /** receives debug-chain console output (console.log_* imports); default console.log */
  log?: (text: string) => void;
}

interface PooledWorker {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
  modules: Set<string>;
  onMessage: ((m: RequestMessage | DoneMessage) => void) | null;
  onFailure: ((e: Error) => void) | null;
  dead: boolean;
  /** waiting for the main thread to answer a request */
  blocked: boolean;
}

export interface CallOutput {
  outcome: UserOutcome;
  gasLeft: bigint;
  inkLeft: bigint;
}

export class WasmStylusRuntime implements StylusRuntime {
  private programs = new Map<string, CompiledProgram>();
  private wasms = new Map<string, Uint8Array>();
  private idle: PooledWorker[] = [];
  private all = new Set<PooledWorker>();
  private closed = false;
  /** busy workers that are not blocked on a request */
  private running = 0;
  private waiting: ((w: PooledWorker | null) => void)[] = [];
  private readonly maxRunning: number;
  private readonly maxIdle: number;
  private readonly stackMb: number;
  private readonly log: (text: string) => void;

  constructor(opts: RuntimeOptions = {}) {
    this.maxRunning = Math.max(1, opts.maxRunning ?? Math.max(2, availableParallelism()));
    this.maxIdle = opts.maxIdleWorkers ?? 4;
    this.stackMb = opts.workerStackMb ?? 64;
    this.log = opts.log ?? ((text) => console.log(text));
  }

  async activate(wasm: Uint8Array, params: StylusParams, pageLimit: number, ctx?: ActivationContext): Promise<ActivationOutcome> {
    const { outcome, compiled } = await activateWasm(wasm, params, pageLimit, ctx);
    if (compiled) {
      this.programs.set(compiled.key, compiled);
      this.wasms.set(compiled.moduleHash, wasm.slice());
    }
    return outcome;
  }

  async load(wasm: Uint8Array, params: StylusParams): Promise<string> {
    const compiled = await recompileWasm(wasm, params);
    this.programs.set(compiled.key, compiled);
    this.wasms.set(compiled.moduleHash, wasm.slice());
    return compiled.moduleHash;
  }

  hasModule(moduleHash: string, params: StylusParams): boolean {
    return this.programs.has(moduleKey(moduleHash, params.stylusVersion, params.debugMode)) || this.wasms.has(moduleHash);
  }

  /** The compiled program for a module under these params (recompiled if only the wasm is known). */
  async program(moduleHash: string, params: StylusParams): Promise<CompiledProgram> {
    const key = moduleKey(moduleHash, params.stylusVersion, params.debugMode);
    const known = this.programs.get(key);
    if (known) return known;
    const wasm = this.wasms.get(moduleHash);
    if (!wasm) throw new Error(`Stylus module ${moduleHash} is not loaded in the runtime`);
    const compiled = await recompileWasm(wasm, params);
    this.programs.set(key, compiled);
    return compiled;
  }

  async call(moduleHash: string, ctx: CallContext, api: EvmApi, gas: bigint, params: StylusParams): Promise<CallOutput> {
    if (this.closed) throw new Error('Stylus runtime is closed');
    const prog = await this.program(moduleHash, params);
    const inkPrice = BigInt(params.inkPrice);
    if (inkPrice <= 0n) throw new Error('ink price must be positive');
    const product = gas * inkPrice;
    const ink = product > U64_MAX ? U64_MAX : product;
    const w = await this.acquire();
    try {
      const done = await new Promise<DoneMessage>((resolve, reject) => {
        w.onFailure = reject;
        w.onMessage = (m) => {
          if (m.type === 'req') void this.answer(w, api, m);
          else resolve(m);
        };
        const msg: CallMessage = {
          type: 'call',
          key: prog.key,
          ctx,
          ink,
          inkPrice: params.inkPrice,
          maxStackDepth: params.maxStackDepth,
          arbosVersion: params.arbosVersion,
          debug: params.debugMode,
        };
        if (!w.modules.has(prog.key)) {
          msg.module = prog.module;
          w.modules.add(prog.key);
        }
        w.worker.postMessage(msg);
      });
      if (done.nativeStackOverflow) {
        this.log(`Stylus runtime: the worker's native stack overflowed before the depth limit (${params.maxStackDepth} words); raise workerStackMb`);
      }
      return { outcome: done.outcome, gasLeft: done.inkLeft / inkPrice, inkLeft: done.inkLeft };
    } finally {
      this.release(w);
    }
  }

  /** Starts `n` workers ahead of the first call. */
  async warmup(n = 1): Promise<void> {
    const started: PooledWorker[] = [];
    for (let i = 0; i < n; i++) started.push(await this.acquire());
    await Promise.all(started.map((w) => new Promise<void>((resolve) => w.worker.once('online', () => resolve()))));
    for (const w of started) this.release(w);
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = [...this.all];
    this.all.clear();
    this.idle = [];
    for (const wake of this.waiting.splice(0)) wake(null);
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }

  private async answer(w: PooledWorker, api: EvmApi, m: RequestMessage): Promise<void> {
    this.setBlocked(w, true);
    let res: ResponseMessage;
    try {
      res = { ok: true, value: await dispatch(api, m.method, m.args) };
    } catch (e) {
      res = { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    if (w.dead) return;
    this.setBlocked(w, false);
    w.port.postMessage(res);
    Atomics.store(w.flag, 0, 1);
    Atomics.notify(w.flag, 0);
  }

  /** A blocked worker frees its running slot for others (e.g. the nested call it waits for). */
  private setBlocked(w: PooledWorker, blocked: boolean): void {
    if (w.blocked === blocked) return;
    w.blocked = blocked;
    this.running += blocked ? -1 : 1;
    if (blocked) this.pump();
  }

  private acquire(): Promise<PooledWorker> {
    if (this.running < this.maxRunning) return Promise.resolve(this.take());
    return new Promise((resolve, reject) =>
      this.waiting.push((w) => (w ? resolve(w) : reject(new Error('Stylus runtime is closed')))),
    );
  }

  private take(): PooledWorker {
    const w = this.idle.pop() ?? this.spawn();
    w.worker.ref();
    this.running++;
    return w;
  }

  private pump(): void {
    while (!this.closed && this.waiting.length > 0 && this.running < this.maxRunning) this.waiting.shift()!(this.take());
  }

  private release(w: PooledWorker): void {
    w.onMessage = null;
    w.onFailure = null;
    if (w.blocked) w.blocked = false;
    else this.running--;
    if (!w.dead && !this.closed) {
      if (this.idle.length < this.maxIdle || this.waiting.length > 0) {
        w.worker.unref();
        this.idle.push(w);
      } else {
        this.all.delete(w);
        void w.worker.terminate();
      }
    }
    this.pump();
  }

  private spawn(): PooledWorker {
    const resourceLimits = { stackSizeMb: this.stackMb };
    const bundled = path.join(__dirname, 'stylus-worker.js');
    const source = path.join(__dirname, 'worker.ts');
    let worker: Worker;
    if (existsSync(bundled)) worker = new Worker(bundled, { resourceLimits });
    else if (existsSync(source)) {
      // running from TypeScript sources (tests, tsx): load the worker through tsx's CommonJS hook
      const tsx = require.resolve(['tsx', 'cjs'].join('/'));
      const code = `require(${JSON.stringify(tsx)}); require(${JSON.stringify(source)});`;
      worker = new Worker(code, { eval: true, resourceLimits });
    } else {
      throw new Error(`Stylus worker script not found in ${__dirname} (expected stylus-worker.js or worker.ts)`);
    }
    const channel = new MessageChannel();
    const flag = new SharedArrayBuffer(4);
    const w: PooledWorker = {
      worker,
      port: channel.port1,
      flag: new Int32Array(flag),
      modules: new Set(),
      onMessage: null,
      onFailure: null,
      dead: false,
      blocked: false,
    };
    const init: WorkerInit = { type: 'init', port: channel.port2, flag };
    worker.postMessage(init, [channel.port2]);
    worker.on('message', (m: RequestMessage | DoneMessage | LogMessage) => {
      if (m.type === 'log') this.log(m.text);
      else w.onMessage?.(m);
    });
    const fail = (e: Error) => {
      w.dead = true;
      this.all.delete(w);
      this.idle = this.idle.filter((x) => x !== w);
      w.onFailure?.(e);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`Stylus worker exited (code ${code})`)));
    channel.port1.unref();
    this.all.add(w);
    return w;
  }
}

/** Forwards a worker's request to the EvmApi. */
async function dispatch(api: EvmApi, method: string, a: unknown[]): Promise<unknown> {
  const b = (i: number) => a[i] as Uint8Array;
  const n = (i: number) => a[i] as bigint;
  switch (method) {
    case 'getBytes32':
      return api.getBytes32(b(0), n(1));
    case 'cacheBytes32':
      return api.cacheBytes32(b(0), b(1));
    case 'flushCache':
      return api.flushCache(a[0] as boolean, n(1));
    case 'getTransientBytes32':
      return api.getTransientBytes32(b(0));
    case 'setTransientBytes32':
      return api.setTransientBytes32(b(0), b(1));
    case 'contractCall':
      return api.contractCall(a[0] as 'call', b(1), b(2), n(3), n(4), n(5));
    case 'create':
      return api.create(b(0), n(1), a[2] as Uint8Array | null, n(3));
    case 'emitLog':
      return api.emitLog(b(0), a[1] as Uint8Array[]);
    case 'accountBalance':
      return api.accountBalance(b(0));
    case 'accountCode':
      return api.accountCode(b(0), n(1));
    case 'accountCodehash':
      return api.accountCodehash(b(0));
    case 'addPages':
      return api.addPages(a[0] as number);
    default:
      throw new Error(`unknown EvmApi request ${method}`);
  }
}

/** The runtime the EVM bridge uses. */
export function createStylusRuntime(opts?: RuntimeOptions): WasmStylusRuntime {
  return new WasmStylusRuntime(opts);
}
