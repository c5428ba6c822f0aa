// Worker-thread side of the Stylus runtime: instantiates an instrumented module for one program call,
// runs user_entrypoint and classifies the outcome as nitro's run.rs does (OutOfStack first, then
// OutOfInk, then exit_early / failure). Chain-state hostios post a request to the main thread and block
// on Atomics.wait until the answer is in the response port (see runtime.ts).

import { parentPort, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { ExitEarly, Host, HostFailure, MEMORY_FILL_OVERFLOW, OutOfInk } from '../../nitro/host';
import { FILL_OVERFLOW_GLOBAL } from '../../nitro/programs/memory-fill';
import type { UserOutcome } from './api';
import type { CallMessage, DoneMessage, LogMessage, RequestMessage, ResponseMessage, WorkerInit } from './protocol';

if (!parentPort) throw new Error('devnode/stylus/worker.ts must run in a worker thread');
const parent = parentPort;

let port: MessagePort;
let flag: Int32Array;
const modules = new Map<string, WebAssembly.Module>();
const host = new Host();

function request(method: string, args: unknown[]): unknown {
  const msg: RequestMessage = { type: 'req', method, args };
  parent.postMessage(msg);
  for (;;) {
    Atomics.wait(flag, 0, 0);
    Atomics.store(flag, 0, 0);
    let got = receiveMessageOnPort(port);
    for (let spins = 0; !got && spins < 1000; spins++) {
      Atomics.wait(flag, 0, 0, 1);
      got = receiveMessageOnPort(port);
    }
    if (!got) continue;
    const res = got.message as ResponseMessage;
    if (!res.ok) throw new HostFailure(res.error);
    return res.value;
  }
}

function run(msg: CallMessage): DoneMessage {
  let module = modules.get(msg.key);
  if (msg.module) {
    module = msg.module;
    modules.set(msg.key, module);
  }
  if (!module) return { type: 'done', outcome: { kind: 'failure', reason: `module ${msg.key} not loaded in worker` }, inkLeft: 0n };

  host.begin({
    ctx: msg.ctx,
    inkPrice: BigInt(msg.inkPrice),
    arbosVersion: msg.arbosVersion,
    debug: msg.debug,
    request,
    log: (text) => parent.postMessage({ type: 'log', text } satisfies LogMessage),
  });
  const instance = new WebAssembly.Instance(module, host.imports);
  const ex = instance.exports as Record<string, unknown>;
  const memory = ex.memory as WebAssembly.Memory;
  const ink = ex.stylus_ink_left as WebAssembly.Global;
  const status = ex.stylus_ink_status as WebAssembly.Global;
  const stack = ex.stylus_stack_left as WebAssembly.Global;
  const entry = ex.user_entrypoint as (len: number) => number;
  host.attach(memory, ink, status);
  ink.value = msg.ink;
  status.value = 0;
  stack.value = msg.maxStackDepth;

  let code: number;
  try {
    code = entry(msg.ctx.calldata.length) >>> 0;
  } catch (e) {
    const fill = ex[FILL_OVERFLOW_GLOBAL] as WebAssembly.Global | undefined;
    const outcome = fill !== undefined && fill.value !== 0 ? { kind: 'failure' as const, reason: MEMORY_FILL_OVERFLOW } : classify(e, stack, status);
    if (!outcome) code = (e as ExitEarly).status;
    else {
      const left = outcome.kind === 'failure' && status.value === 0 ? BigInt.asUintN(64, ink.value as bigint) : 0n;
      const native = outcome.kind === 'outOfStack' && stack.value !== 0;
      return { type: 'done', outcome, inkLeft: left, ...(native ? { nativeStackOverflow: true } : {}) };
    }
  }
  const inkLeft = status.value === 0 ? BigInt.asUintN(64, ink.value as bigint) : 0n; // i64 global holds a u64
  const output = host.outs;
  const outcome: UserOutcome = code === 0 ? { kind: 'success', output } : { kind: 'revert', output };
  return { type: 'done', outcome, inkLeft };
}

/** nitro run.rs: stack_left == 0 ⇒ OutOfStack; ink exhausted ⇒ OutOfInk; exit_early ⇒ its status (null). */
function classify(e: unknown, stack: WebAssembly.Global, status: WebAssembly.Global): UserOutcome | null {
  if (stack.value === 0) return { kind: 'outOfStack' };
  if (status.value !== 0 || e instanceof OutOfInk) return { kind: 'outOfInk' };
  if (e instanceof ExitEarly) return null;
  // V8's own stack ran out before the depth checker's budget did (nitro: NativeStackOverflow, retried
  // with a bigger stack); the worker's stack is sized so this should not happen.
  if (e instanceof RangeError && /call stack/i.test(e.message)) return { kind: 'outOfStack' };
  const reason = e instanceof Error ? e.message : String(e);
  return { kind: 'failure', reason };
}

parent.on('message', (msg: WorkerInit | CallMessage | { type: 'forget'; key: string }) => {
  if (msg.type === 'init') {
    port = msg.port;
    flag = new Int32Array(msg.flag);
    return;
  }
  if (msg.type === 'forget') {
    modules.delete(msg.key);
    return;
  }
  let done: DoneMessage;
  try {
    done = run(msg);
  } catch (e) {
    done = { type: 'done', outcome: { kind: 'failure', reason: e instanceof Error ? e.message : String(e) }, inkLeft: 0n };
  }
  parent.postMessage(done);
});
