// Shared helpers for the Stylus runtime tests: .wat assembly with wabt, a call context, and a small
// in-memory EvmApi that returns fixed gas costs (the real EVM bridge is tested separately).

import type { CallContext, CallKind } from '../../nitro/host';
import { stylusParamsFor, type StylusParams } from '../../nitro/params';
import type { Address, Bytes32, CallResult, CreateResult, EvmApi } from '../../devnode/stylus/api';
import type { WasmStylusRuntime } from '../../devnode/stylus/runtime';

type Wabt = {
  parseWat(name: string, src: string, features?: Record<string, boolean>): {
    toBinary(o: Record<string, unknown>): { buffer: Uint8Array<ArrayBuffer> };
    destroy(): void;
  };
};
let wabtPromise: Promise<Wabt> | null = null;

/** Assembles WebAssembly text with wabt (npm). */
export async function wat(src: string, features: Record<string, boolean> = {}): Promise<Uint8Array<ArrayBuffer>> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  wabtPromise ??= (require('wabt') as () => Promise<Wabt>)();
  const wabt = await wabtPromise;
  const mod = wabt.parseWat('test.wat', src, { bulk_memory: true, sign_extension: true, sat_float_to_int: true, ...features });
  try {
    return mod.toBinary({ write_debug_names: true }).buffer;
  } finally {
    mod.destroy();
  }
}

export const bytes = (n: number, fill = 0) => new Uint8Array(n).fill(fill);

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

export function word(x: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

export function context(over: Partial<CallContext> = {}): CallContext {
  return {
    contractAddress: bytes(20, 0xc0),
    msgSender: bytes(20, 0x5e),
    msgValue: word(7n),
    txOrigin: bytes(20, 0x0a),
    txGasPrice: word(100_000_000n),
    blockBasefee: word(100_000_000n),
    blockCoinbase: bytes(20, 0xcb),
    blockGasLimit: 32_000_000n,
    blockNumber: 123_456n,
    blockTimestamp: 1_700_000_000n,
    chainId: 412346n,
    reentrant: false,
    isStatic: false,
    calldata: new Uint8Array(0),
    ...over,
  };
}

export const PARAMS: StylusParams = stylusParamsFor(40, false);

/** In-memory chain side with fixed, recognisable gas costs; records every request. */
export class FixedCostEvmApi implements EvmApi {
  storage = new Map<string, Bytes32>();
  transient = new Map<string, Bytes32>();
  logs: { data: Uint8Array; topics: Bytes32[] }[] = [];
  requests: string[] = [];
  pagesOpen = 0;
  pagesEver = 0;
  readOnly = false;
  costs = { sload: 2200n, sstoreCache: 0n, flush: 20000n, call: 700n, create: 32000n, balance: 2600n, code: 2600n, codehash: 2600n, page: 0n };
  code = new Map<string, Uint8Array>();
  callHandler: ((kind: CallKind, to: Address, data: Uint8Array, gas: bigint, value: bigint, gasLeft?: bigint) => Promise<CallResult>) | null = null;
  pageCost: (pages: number, open: number, ever: number) => bigint = () => 0n;

  async getBytes32(key: Bytes32, evmApiGas?: bigint) {
    this.requests.push(`getBytes32:${evmApiGas}`);
    return { value: this.storage.get(hex(key)) ?? bytes(32), gasCost: this.costs.sload };
  }
  async cacheBytes32(key: Bytes32, value: Bytes32) {
    this.requests.push('cacheBytes32');
    this.storage.set(hex(key), value);
    return { gasCost: this.costs.sstoreCache };
  }
  async flushCache(clear: boolean, gasLeft: bigint) {
    this.requests.push(`flushCache:${clear}:${gasLeft}`);
    if (this.readOnly) return { gasCost: 0n, outOfGas: false, writeProtection: true };
    if (this.costs.flush > gasLeft) return { gasCost: gasLeft, outOfGas: true, writeProtection: false };
    return { gasCost: this.costs.flush, outOfGas: false, writeProtection: false };
  }
  async getTransientBytes32(key: Bytes32) {
    this.requests.push('getTransientBytes32');
    return this.transient.get(hex(key)) ?? bytes(32);
  }
  async setTransientBytes32(key: Bytes32, value: Bytes32) {
    this.requests.push('setTransientBytes32');
    if (this.readOnly) return { writeProtection: true };
    this.transient.set(hex(key), value);
    return { writeProtection: false };
  }
  async contractCall(kind: CallKind, to: Address, data: Uint8Array, gas: bigint, value: bigint, gasLeft?: bigint): Promise<CallResult> {
    this.requests.push(`contractCall:${kind}:${gas}:${value}:${gasLeft}`);
    if (this.callHandler) return this.callHandler(kind, to, data, gas, value, gasLeft);
    return { status: 0, returnData: new Uint8Array([...data].reverse()), gasCost: this.costs.call };
  }
  async create(code: Uint8Array, endowment: bigint, salt: Bytes32 | null, gas: bigint): Promise<CreateResult> {
    this.requests.push(`create:${code.length}:${endowment}:${salt ? 'salt' : 'nosalt'}:${gas}`);
    if (this.readOnly) return { address: bytes(20), returnData: new Uint8Array(0), gasCost: 0n, error: 'write protection' };
    return { address: bytes(20, 0xee), returnData: new Uint8Array(0), gasCost: this.costs.create };
  }
  async emitLog(data: Uint8Array, topics: Bytes32[]) {
    this.requests.push('emitLog');
    if (this.readOnly) return { writeProtection: true };
    this.logs.push({ data, topics });
    return { writeProtection: false };
  }
  async accountBalance(address: Address) {
    this.requests.push('accountBalance');
    return { balance: word(BigInt(address[19]) * 1000n), gasCost: this.costs.balance };
  }
  async accountCode(address: Address, gasLeft?: bigint) {
    this.requests.push(`accountCode:${gasLeft}`);
    return { code: this.code.get(hex(address)) ?? new Uint8Array(0), gasCost: this.costs.code };
  }
  async accountCodehash(address: Address) {
    this.requests.push('accountCodehash');
    return { hash: word(BigInt(address[0]) + 1n), gasCost: this.costs.codehash };
  }
  async addPages(pages: number) {
    this.requests.push(`addPages:${pages}`);
    const cost = this.pageCost(pages, this.pagesOpen, this.pagesEver);
    this.pagesOpen += pages;
    this.pagesEver = Math.max(this.pagesEver, this.pagesOpen);
    return { gasCost: cost };
  }
}

/** Activates `wasm` and calls it once; returns the call result and the ink it used. */
export async function run(
  rt: WasmStylusRuntime,
  wasm: Uint8Array,
  opts: { params?: StylusParams; gas?: bigint; calldata?: Uint8Array; api?: EvmApi; ctx?: Partial<CallContext> } = {},
) {
  const params = opts.params ?? PARAMS;
  const act = await rt.activate(wasm, params, 128);
  if (!act.ok) throw new Error(`activation failed: ${act.reason}`);
  const gas = opts.gas ?? 10_000_000n;
  const ctx = context({ calldata: opts.calldata ?? new Uint8Array(0), ...opts.ctx });
  const res = await rt.call(act.program.moduleHash, ctx, opts.api ?? new FixedCostEvmApi(), gas, params);
  const inkUsed = gas * BigInt(params.inkPrice) - res.inkLeft;
  return { ...res, inkUsed, program: act.program };
}
