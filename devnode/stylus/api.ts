// The boundary between the Stylus runtime (devnode/stylus/*) and the EVM side (devnode/evm/*).
// Mirrors nitro's split: the Rust side meters ink and calls hostios; every hostio that touches chain
// state goes through an `EvmApi` request (nitro crates/arbutil/src/evm/req.rs, arbos/programs/api.go).
// Gas figures crossing this boundary are EVM gas; ink stays inside the runtime.
//
// Extensions by the Stylus runtime (all optional/additive, existing signatures unchanged):
//  - EvmApi.getBytes32 gets `evmApiGas`, contractCall gets `gasLeft`, accountCode gets `gasLeft`:
//    the values nitro's Rust side sends to Go with these requests (api.go needs them for the 63/64 rule,
//    the cache-miss charge and the worst-case code-load check).
//  - CreateResult.error: nitro's "create failed before running" (static context, base gas short) —
//    the program then fails as a whole.
//  - ActivatedProgram.asmEstimate / dataPricer, StylusRuntime.activate(…, ctx), call(…).inkLeft,
//    StylusRuntime.load / hasModule.
// The chain's rules these types refer to are nitro's (nitro/: params, activation, the call context the
// hostios read). Nitro's per-call storage cache lives in devnode/evm/evm-api.ts.

import type { ActivationContext, ActivationOutcome } from '../../nitro/activate';
import type { CallContext, CallKind } from '../../nitro/host';
import type { StylusParams } from '../../nitro/params';

/** 20-byte address, 32-byte words: raw bytes, big-endian as on the wire. */
export type Address = Uint8Array;
export type Bytes32 = Uint8Array;

/** Outcome of a program run, as nitro's UserOutcomeKind (crates/arbutil/src/evm/user.rs). */
export type UserOutcome =
  | { kind: 'success'; output: Uint8Array }
  | { kind: 'revert'; output: Uint8Array }
  /** trap or host error: reverts with no data */
  | { kind: 'failure'; reason: string }
  /** out of ink: all gas is consumed */
  | { kind: 'outOfInk' }
  /** depth checker: ErrDepth */
  | { kind: 'outOfStack' };

export interface CallResult {
  /** 0 = success; nitro reports 2 for every failure of a sub-call */
  status: 0 | 1 | 2;
  returnData: Uint8Array;
  /** EVM gas the call cost the caller (base cost + gas used by the callee) */
  gasCost: bigint;
}

export interface CreateResult {
  /** zero address when the init code reverted */
  address: Address;
  /** revert data of the init code (empty unless it reverted, as opCreate) */
  returnData: Uint8Array;
  gasCost: bigint;
  /** set when the create could not start (write protection, gas below the base cost): the program fails */
  error?: string;
}

/**
 * Chain-side services a running program needs. Implemented by the EVM bridge over @ethereumjs/evm.
 * Every method is async because ethereumjs state is; the runtime runs the wasm in a worker thread and
 * blocks it (SharedArrayBuffer + Atomics.wait) while the main thread answers, as nitro blocks its Rust
 * thread on Go. So a program can call into the EVM, and the EVM into another program, to any depth.
 */
export interface EvmApi {
  /**
   * SLOAD through the per-call cache; gasCost includes EIP-2929 and evmApiGas as nitro charges them
   * (nitro req.rs: read surcharge 0/2/10 by read count; on a miss + SLOAD cost + `evmApiGas`).
   * The runtime passes `evmApiGas` (59673 before ArbOS 32, ink_to_gas(59673) = 5 from ArbOS 32).
   */
  getBytes32(key: Bytes32, evmApiGas?: bigint): Promise<{ value: Bytes32; gasCost: bigint }>;
  /**
   * storage_cache_bytes32: only records the write; gasCost is the write surcharge (0/7/10 by write count),
   * the SSTORE cost is charged at flush (the cache is devnode/evm/evm-api.ts's).
   */
  cacheBytes32(key: Bytes32, value: Bytes32): Promise<{ gasCost: bigint }>;
  /**
   * storage_flush_cache: writes dirty slots to state; `gasLeft` bounds what may be bought. As nitro,
   * the runtime passes its gas left + 1 (a flush costing exactly the gas left succeeds).
   */
  flushCache(clear: boolean, gasLeft: bigint): Promise<{ gasCost: bigint; outOfGas: boolean; writeProtection: boolean }>;
  getTransientBytes32(key: Bytes32): Promise<Bytes32>;
  setTransientBytes32(key: Bytes32, value: Bytes32): Promise<{ writeProtection: boolean }>;
  /**
   * `gas` is the gas the program asked for, already capped at its gas left (nitro `gas_req`);
   * `gasLeft` is the program's gas left, from which api.go takes the base cost and the 63/64 rule.
   */
  contractCall(
    kind: CallKind,
    to: Address,
    calldata: Uint8Array,
    gas: bigint,
    value: bigint,
    gasLeft?: bigint,
  ): Promise<CallResult>;
  create(code: Uint8Array, endowment: bigint, salt: Bytes32 | null, gas: bigint): Promise<CreateResult>;
  emitLog(data: Uint8Array, topics: Bytes32[]): Promise<{ writeProtection: boolean }>;
  accountBalance(address: Address): Promise<{ balance: Bytes32; gasCost: bigint }>;
  /** api.go returns empty code (still charging) when `gasLeft` is below the access cost. */
  accountCode(address: Address, gasLeft?: bigint): Promise<{ code: Uint8Array; gasCost: bigint }>;
  accountCodehash(address: Address): Promise<{ hash: Bytes32; gasCost: bigint }>;
  /** Memory model: pay for `pages` newly opened pages in this transaction (nitro memory.go GasCost). */
  addPages(pages: number): Promise<{ gasCost: bigint }>;
}

/**
 * The runtime the EVM bridge calls. Implemented in devnode/stylus/runtime.ts.
 * `activate` decompresses nothing: it takes the raw wasm (the bridge strips the EF F0 00 prefix and
 * brotli-decompresses, capped at maxWasmSize). `call` charges nothing for init/cached cost or the
 * footprint: the bridge does that before, as nitro's CallProgram does, and passes the gas left.
 */
export interface StylusRuntime {
  activate(wasm: Uint8Array, params: StylusParams, pageLimit: number, ctx?: ActivationContext): Promise<ActivationOutcome>;
  call(
    moduleHash: string,
    ctx: CallContext,
    api: EvmApi,
    gas: bigint,
    params: StylusParams,
  ): Promise<{ outcome: UserOutcome; gasLeft: bigint; inkLeft?: bigint }>;
  /**
   * Makes an already-activated program callable again (e.g. after the node restored its state from
   * disk) without activation checks or charges, as nitro recompiles a missing asm. Returns the moduleHash.
   */
  load?(wasm: Uint8Array, params: StylusParams): Promise<string>;
  /** whether `call` can run this module under these params without `load` */
  hasModule?(moduleHash: string, params: StylusParams): boolean;
  /** stop worker threads */
  close(): Promise<void>;
}
