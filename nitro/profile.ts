// Exact per-function ink profile of a Stylus program, in-process (no chain). The module is validated and
// instrumented exactly as activation does (validate.ts → programs/instrument.ts: StartMover, Meter with
// pricing_v1 and the 2450-ink header, DynamicMeter, DepthChecker, HeapBound), so the ink it meters is the
// ink the devnode charges for the program's own execution. A profiling pass then rewrites the
// *instrumented* module, adding only unmetered operators (it runs after the meter, as HeapBound's
// injected call does), so the metered ink is unchanged:
//   - after every meter header `ink -= cost` of function f: `ink_f += cost`
//   - after every dynamic-meter sequence (memory.fill / memory.copy): `ink_f += bytes * 100`
//   - at entry: `calls_f += 1; current = f`; after every call: `current = f`
// Hostios run in host.ts's Host, as in the devnode's worker; each vm_hooks import is wrapped to read
// the ink global before and after, and the difference is the hostio's ink, attributed to `current`
// (the calling function). A function's selfInk = its blocks' ink + its dynamic ink + its hostios' ink.
// Σ selfInk + unattributedInk == inkUsed; unattributedInk is 0 unless the run ended out of ink or out of
// stack, where the runtime reports no ink left (inkUsed = the limit) although the failing block was not paid.

import { encodeModule } from '../core/wasm/encode';
import { executableModule } from './programs/memory-fill';
import type { Instr, WasmModule } from '../core/wasm/types';
import { importedFuncCount, importedGlobalCount } from '../core/wasm/types';
import { DEFAULT_ARBOS_VERSION, stylusVersionFor } from './arbos';
import { ExitEarly, Host, HostFailure, OutOfInk, type CallContext } from './host';
import { MAX_CODE_SIZE } from './limits';
import { memoryGasCost, TxPages } from './memory';
import { accountCodeGas } from './pricing';
import { stylusParamsFor } from './params';
import { STYLUS_STACK_LEFT } from './programs/depth';
import { SCRATCH_GLOBAL } from './programs/dynamic';
import { STYLUS_INK_LEFT, STYLUS_INK_STATUS } from './programs/meter';
import { I } from './programs/middleware';
import { checkStylusWasm } from './validate';

export interface FunctionInk {
  /** function index in the module's index space (imports first), as in the name section */
  index: number;
  /** demangled name from opts.names, else the name section, else the export name; null when unknown */
  name: string | null;
  /** ink of the function's own basic blocks, memory.fill/copy bytes and hostio calls (callees excluded) */
  selfInk: bigint;
  /** times the function was entered */
  calls: number;
  /** the part of selfInk charged by hostios this function called */
  hostioInk: bigint;
}

export type ProfileStatus = 'success' | 'revert' | 'failure' | 'outOfInk' | 'outOfStack';

export interface ProfileResult {
  /** ink the program's execution used: the limit minus the ink left the runtime would report */
  inkUsed: bigint;
  /** every function defined in the module (imports excluded), by index */
  functions: FunctionInk[];
  status: ProfileStatus;
  /** write_result's bytes (empty unless success or revert) */
  output: Uint8Array;
  /** ink charged by hostios (read_args, write_result, msg_value, pay_for_memory_grow, ...), all functions */
  hostioInk: bigint;
  /** inkUsed − Σ selfInk: 0 unless the run ran out of ink or stack (then the runtime reports no ink left) */
  unattributedInk: bigint;
  /** the ink the run started with */
  inkLimit: bigint;
  /** the failure's reason, for status 'failure' */
  reason?: string;
}

export interface ProfileOptions {
  /** ink given to the program (default: 32M gas worth at the ink price) */
  inkLimit?: bigint;
  /** Stylus version to instrument for (default: the one the ArbOS version requires) */
  stylusVersion?: number;
  /** function index → name; overrides the wasm name section (e.g. from a build's `<lib>.names.json`) */
  names?: Map<number, string>;
  /** emulated ArbOS version (default: the devnode's) */
  arbosVersion?: number;
  /** chain debug mode (default true, as the embedded devnode); the ink metered is the same either way */
  debug?: boolean;
  /** fields of the call context hostios read (msg_value, block_number, ...); defaults are zeros */
  ctx?: Partial<Omit<CallContext, 'calldata'>>;
  /**
   * Other contracts' code, by lower-case 0x address, for account_code / account_code_size: each address
   * is cold the first time the call touches it (geth's access list), warm after. Unknown addresses have
   * no code.
   */
  codes?: Map<string, Uint8Array>;
}

/** A hostio asked for chain state the in-process profiler does not have (storage, calls, logs, ...). */
export class ProfileUnsupportedError extends Error {
  constructor(method: string) {
    super(`profileProgram runs without a chain: the program's ${method} request (storage, calls, logs, balances) needs one; measure it on the devnode instead`);
    this.name = 'ProfileUnsupportedError';
  }
}

const U64_MAX = (1n << 64n) - 1n;
const GAS_LIMIT = 32_000_000n;
const u64 = (v: unknown) => BigInt.asUintN(64, v as bigint);

interface Compiled {
  module: WebAssembly.Module;
  localFuncs: number;
  firstLocal: number;
  names: Map<number, string>;
  footprint: number;
  arbosVersion: number;
  inkPrice: bigint;
  maxStackDepth: number;
  freePages: number;
  pageGas: number;
  debug: boolean;
}

/** A program instrumented for profiling once, then run on any number of calldatas. */
export interface Profiler {
  profile(calldata: Uint8Array, opts?: { inkLimit?: bigint; ctx?: ProfileOptions['ctx'] }): ProfileResult;
}

export async function profileProgram(wasm: Uint8Array, calldata: Uint8Array, opts: ProfileOptions = {}): Promise<ProfileResult> {
  const p = await createProfiler(wasm, opts);
  return p.profile(calldata, { inkLimit: opts.inkLimit, ctx: opts.ctx });
}

export async function createProfiler(wasm: Uint8Array, opts: ProfileOptions = {}): Promise<Profiler> {
  const c = await compileForProfile(wasm, opts);
  return { profile: (calldata, o = {}) => run(c, calldata, o.inkLimit ?? opts.inkLimit, { ...opts.ctx, ...o.ctx }, opts.codes) };
}

async function compileForProfile(wasm: Uint8Array, opts: ProfileOptions): Promise<Compiled> {
  const arbosVersion = opts.arbosVersion ?? DEFAULT_ARBOS_VERSION;
  const debug = opts.debug ?? true;
  const params = stylusParamsFor(arbosVersion, debug);
  const stylusVersion = opts.stylusVersion ?? stylusVersionFor(arbosVersion);
  // the same checks and instrumentation as activation (activate.ts activateModule)
  const check = checkStylusWasm(wasm, { arbosVersion, debug, stylusVersion, pageLimit: params.pageLimit });
  const im = check.instrumented;
  if (!check.valid || !im?.data || !check.module) {
    throw new Error(`the program would not activate: ${check.violations[0]?.detail ?? 'activation failed'}`);
  }
  const source = check.module;
  const names = new Map<number, string>();
  for (const e of source.exports) if (e.kind === 'func') names.set(e.index, e.name);
  for (const [i, n] of source.names.functions) names.set(i, demangleRust(n));
  for (const [i, n] of opts.names ?? []) names.set(i, demangleRust(n));

  const module = addProfiling(im.module, im.data.inkGlobal, im.data.statusGlobal);
  const bytes = encodeModule(executableModule(module, stylusVersion));
  return {
    module: await WebAssembly.compile(bytes),
    localFuncs: module.codes.length,
    firstLocal: importedFuncCount(module),
    names,
    footprint: im.data.costs.footprint,
    arbosVersion,
    inkPrice: BigInt(params.inkPrice),
    maxStackDepth: params.maxStackDepth,
    freePages: params.freePages,
    pageGas: params.pageGas,
    debug,
  };
}

const inkExport = (f: number) => `stylus_ml_profile_ink_${f}`;
const callsExport = (f: number) => `stylus_ml_profile_calls_${f}`;
const CURRENT = 'stylus_ml_profile_current';

const is = (ins: Instr | undefined, op: number, idx?: number) => ins !== undefined && ins.op === op && (idx === undefined || ins.idx === idx);

/** Length of the meter header (programs/meter.ts) starting at `i`, or 0; its cost in `cost`. */
function meterHeader(body: Instr[], i: number, ink: number, status: number): { len: number; cost: bigint } | null {
  const b = body;
  if (!(is(b[i], 0x23, ink) && is(b[i + 1], 0x42) && is(b[i + 2], 0x54) && is(b[i + 3], 0x04) && is(b[i + 4], 0x41))) return null;
  if (!(is(b[i + 5], 0x24, status) && is(b[i + 6], 0x00) && is(b[i + 7], 0x0b) && is(b[i + 8], 0x23, ink) && is(b[i + 9], 0x42))) return null;
  if (!(is(b[i + 10], 0x7d) && is(b[i + 11], 0x24, ink) && b[i + 1].i64 === b[i + 9].i64)) return null;
  return { len: 12, cost: b[i + 9].i64! };
}

/** Length of the dynamic meter's sequence (programs/dynamic.ts) starting at `i`, or null; its per-byte coefficient. */
function dynamicMeter(body: Instr[], i: number, ink: number, scratch: number): { len: number; coefficient: bigint } | null {
  const b = body;
  const shape: [number, number?][] = [
    [0x24, scratch], [0x23, ink], [0x23, ink], [0x23, scratch], [0xad], [0x42], [0x7e], [0x7d], [0x24, ink],
    [0x23, ink], [0x54], [0x04], [0x41], [0x24], [0x00], [0x0b], [0x23, scratch],
  ];
  for (let k = 0; k < shape.length; k++) if (!is(b[i + k], shape[k][0], shape[k][1])) return null;
  return { len: shape.length, coefficient: b[i + 5].i64! };
}

/** The instrumented module plus unmetered per-function counters (see the header comment). */
function addProfiling(instrumented: WasmModule, ink: number, status: number): WasmModule {
  const m: WasmModule = { ...instrumented, globals: [...instrumented.globals], exports: [...instrumented.exports], codes: [...instrumented.codes] };
  const scratchExport = m.exports.find((e) => e.name === SCRATCH_GLOBAL && e.kind === 'global');
  if (!scratchExport) throw new Error(`internal: the instrumented module has no ${SCRATCH_GLOBAL}`);
  const scratch = scratchExport.index;
  const addGlobal = (name: string, type: number, init: Instr): number => {
    const index = importedGlobalCount(m) + m.globals.length;
    m.globals.push({ type: { type, mutable: true }, init: [init, { op: 0x0b }] });
    m.exports.push({ name, kind: 'global', index });
    return index;
  };
  const current = addGlobal(CURRENT, 0x7f, I.i32Const(-1));
  const first = importedFuncCount(m);
  m.codes = m.codes.map((code, local) => {
    const f = first + local;
    const inkF = addGlobal(inkExport(f), 0x7e, I.i64Const(0n));
    const callsF = addGlobal(callsExport(f), 0x7e, I.i64Const(0n));
    const body = code.body;
    const out: Instr[] = [
      I.i32Const(f), I.globalSet(current),
      I.globalGet(callsF), I.i64Const(1n), I.op(0x7c), I.globalSet(callsF),
    ];
    for (let i = 0; i < body.length; ) {
      const header = meterHeader(body, i, ink, status);
      if (header) {
        out.push(...body.slice(i, i + header.len));
        out.push(I.globalGet(inkF), I.i64Const(header.cost), I.op(0x7c), I.globalSet(inkF));
        i += header.len;
        continue;
      }
      const dyn = dynamicMeter(body, i, ink, scratch);
      if (dyn) {
        out.push(...body.slice(i, i + dyn.len));
        // the byte count is still in the scratch global
        out.push(I.globalGet(inkF), I.globalGet(scratch), I.op(0xad), I.i64Const(dyn.coefficient), I.op(0x7e), I.op(0x7c), I.globalSet(inkF));
        i += dyn.len;
        continue;
      }
      const ins = body[i++];
      out.push(ins);
      if (ins.op === 0x10 || ins.op === 0x11) out.push(I.i32Const(f), I.globalSet(current));
    }
    return { locals: code.locals, body: out };
  });
  return m;
}

function defaultContext(ctx: Partial<Omit<CallContext, 'calldata'>>, calldata: Uint8Array): CallContext {
  return {
    contractAddress: new Uint8Array(20),
    msgSender: new Uint8Array(20),
    msgValue: new Uint8Array(32),
    txOrigin: new Uint8Array(20),
    txGasPrice: new Uint8Array(32),
    blockBasefee: new Uint8Array(32),
    blockCoinbase: new Uint8Array(20),
    blockGasLimit: GAS_LIMIT,
    blockNumber: 0n,
    blockTimestamp: 0n,
    chainId: 412346n,
    reentrant: false,
    isStatic: false,
    ...ctx,
    calldata,
  };
}

function run(c: Compiled, calldata: Uint8Array, inkLimit: bigint | undefined, ctxFields: Partial<Omit<CallContext, 'calldata'>>, codes?: Map<string, Uint8Array>): ProfileResult {
  const limit = inkLimit ?? GAS_LIMIT * c.inkPrice;
  if (limit < 0n || limit > U64_MAX) throw new Error(`inkLimit ${limit} is not a u64`);
  // the memory model of one top-level call in a fresh transaction: the footprint opens first (as devnode/evm/stylus-bridge.ts)
  const pages = new TxPages();
  pages.add(c.footprint);
  const warm = new Set<string>();
  let unsupported: ProfileUnsupportedError | null = null;
  const host = new Host();
  host.begin({
    ctx: defaultContext(ctxFields, calldata),
    inkPrice: c.inkPrice,
    arbosVersion: c.arbosVersion,
    debug: c.debug,
    request: (method, args) => {
      if (method === 'addPages') {
        const n = args[0] as number;
        const { open, ever } = pages.add(n);
        return { gasCost: memoryGasCost(n, open, ever, c.freePages, c.pageGas) };
      }
      if (codes && method === 'accountCode') {
        const a = `0x${Buffer.from(args[0] as Uint8Array).toString('hex')}`;
        const gasCost = accountCodeGas(MAX_CODE_SIZE, !warm.has(a));
        warm.add(a);
        return { code: codes.get(a) ?? new Uint8Array(0), gasCost };
      }
      unsupported = new ProfileUnsupportedError(method);
      throw unsupported;
    },
    log: () => {},
  });

  // the instance's globals, set once it exists (imports run only after instantiation)
  const g = {} as { ink: WebAssembly.Global; status: WebAssembly.Global; current: WebAssembly.Global };
  const hostio = new Map<number, bigint>();
  let hostioInk = 0n;
  const hooks: Record<string, (...a: never[]) => unknown> = {};
  for (const [name, fn] of Object.entries(host.imports.vm_hooks as Record<string, (...a: never[]) => unknown>)) {
    hooks[name] = (...args: never[]) => {
      const before = u64(g.ink.value);
      try {
        return fn(...args);
      } finally {
        const after = g.status.value !== 0 ? 0n : u64(g.ink.value);
        const spent = before - after;
        if (spent !== 0n) {
          const f = g.current.value as number;
          hostio.set(f, (hostio.get(f) ?? 0n) + spent);
          hostioInk += spent;
        }
      }
    };
  }
  const instance = new WebAssembly.Instance(c.module, { ...host.imports, vm_hooks: hooks });
  const ex = instance.exports as Record<string, unknown>;
  g.ink = ex[STYLUS_INK_LEFT] as WebAssembly.Global;
  g.status = ex[STYLUS_INK_STATUS] as WebAssembly.Global;
  g.current = ex[CURRENT] as WebAssembly.Global;
  const { ink, status } = g;
  const stack = ex[STYLUS_STACK_LEFT] as WebAssembly.Global;
  host.attach(ex.memory as WebAssembly.Memory, ink, status);
  ink.value = limit;
  status.value = 0;
  stack.value = c.maxStackDepth;

  // outcome as the devnode's worker classifies it (nitro run.rs): OutOfStack, OutOfInk, exit_early, failure
  let result: { status: ProfileStatus; inkLeft: bigint; reason?: string };
  try {
    const code = (ex.user_entrypoint as (len: number) => number)(calldata.length) >>> 0;
    result = { status: code === 0 ? 'success' : 'revert', inkLeft: status.value === 0 ? u64(ink.value) : 0n };
  } catch (e) {
    if (unsupported) throw unsupported;
    if (stack.value === 0 || (e instanceof RangeError && /call stack/i.test(e.message))) result = { status: 'outOfStack', inkLeft: 0n };
    else if (status.value !== 0 || e instanceof OutOfInk) result = { status: 'outOfInk', inkLeft: 0n };
    else if (e instanceof ExitEarly) result = { status: e.status === 0 ? 'success' : 'revert', inkLeft: status.value === 0 ? u64(ink.value) : 0n };
    else {
      const reason = e instanceof HostFailure || e instanceof Error ? e.message : String(e);
      result = { status: 'failure', inkLeft: status.value === 0 ? u64(ink.value) : 0n, reason };
    }
  }

  const functions: FunctionInk[] = [];
  let attributed = 0n;
  for (let local = 0; local < c.localFuncs; local++) {
    const index = c.firstLocal + local;
    const own = hostio.get(index) ?? 0n;
    const selfInk = u64((ex[inkExport(index)] as WebAssembly.Global).value) + own;
    attributed += selfInk;
    functions.push({ index, name: c.names.get(index) ?? null, selfInk, calls: Number((ex[callsExport(index)] as WebAssembly.Global).value), hostioInk: own });
  }
  const inkUsed = limit - result.inkLeft;
  const withOutput = result.status === 'success' || result.status === 'revert';
  return {
    inkUsed,
    functions,
    status: result.status,
    output: withOutput ? host.outs : new Uint8Array(0),
    hostioInk,
    unattributedInk: inkUsed - attributed,
    inkLimit: limit,
    ...(result.reason !== undefined ? { reason: result.reason } : {}),
  };
}

/**
 * Rust's legacy symbol mangling (`_ZN4core3fmt5write17h0123456789abcdefE` → `core::fmt::write`), which
 * Debian's rustc leaves in the name section; other names are returned unchanged.
 */
export function demangleRust(symbol: string): string {
  const m = /^_?_ZN(.*)E$/.exec(symbol);
  if (!m) return symbol;
  const parts: string[] = [];
  let s = m[1];
  while (s.length > 0) {
    const len = /^\d+/.exec(s);
    if (!len) return symbol;
    const n = Number(len[0]);
    const part = s.slice(len[0].length, len[0].length + n);
    if (part.length !== n) return symbol;
    parts.push(part);
    s = s.slice(len[0].length + n);
  }
  if (parts.length > 1 && /^h[0-9a-f]{16}$/.test(parts[parts.length - 1])) parts.pop();
  const unescape = (p: string) =>
    p
      .replace(/^_\$/, '$')
      .replace(/\$(SP|BP|RF|LT|GT|LP|RP|C|u[0-9a-f]+)\$/g, (_, e: string) => {
        const map: Record<string, string> = { SP: '@', BP: '*', RF: '&', LT: '<', GT: '>', LP: '(', RP: ')', C: ',' };
        return map[e] ?? String.fromCodePoint(parseInt(e.slice(1), 16));
      })
      .replace(/\.\./g, '::');
  return parts.map(unescape).join('::');
}

/** The function a Rust fn name (e.g. a manifest layer's `fn`) compiled to: the last path segment matches. */
/** Whether a demangled function name is the Rust function `rustFn` (bare or path-qualified). */
export const isRustFn = (name: string, rustFn: string): boolean => name === rustFn || name.endsWith(`::${rustFn}`);

export function functionNamed(profile: ProfileResult, rustFn: string): FunctionInk | undefined {
  return profile.functions.find((f) => f.name !== null && isRustFn(f.name, rustFn));
}

/** Reads a build's `<lib>.names.json` ({ "index": "name" }) into the map profileProgram takes. */
export function namesFromJson(text: string): Map<number, string> {
  const raw = JSON.parse(text) as unknown;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('names file: expected an object mapping function index to name');
  const out = new Map<number, string>();
  for (const [k, v] of Object.entries(raw)) {
    if (!/^\d+$/.test(k) || typeof v !== 'string') throw new Error(`names file: bad entry ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
    out.set(Number(k), v);
  }
  return out;
}
