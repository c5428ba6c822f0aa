// Cost formulas fixed at activation and charged per call, exactly as nitro computes them:
//  - init/cached cost, footprint and asm estimate: crates/prover/src/binary.rs `instrument`
//  - activation compile gas: crates/prover/src/programs/mod.rs `Module::activate`
//  - per-call init/cached gas and the EVM memory floor on return data: arbos/programs/programs.go
// (the data fee is data-pricer.ts, the memory model memory.ts)
// Every term is an integer division of its own, as in the Rust/Go sources.

import { GETH_ARBOS } from './arbos';
import { COST_SCALAR_PERCENT, MIN_CACHED_GAS_UNITS, MIN_INIT_GAS_UNITS, type StylusParams } from './params';

const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
const U64_MAX = (1n << 64n) - 1n;
const satU64 = (x: bigint) => (x > U64_MAX ? U64_MAX : x);

export interface CostInputs {
  /** local functions */
  funcs: number;
  /** Σ (params + results) over local functions' types */
  typeLen: number;
  /** length of the (decompressed) wasm */
  wasmLen: number;
  /** globals after instrumentation (includes the 4 injected) */
  globals: number;
  /** Σ byte spans of whole data segments + Σ byte spans of whole element segments */
  dataLen: number;
  /** initial memory pages */
  footprint: number;
  stylusVersion: number;
}

export interface ProgramCosts {
  initCost: number;
  cachedCost: number;
  footprint: number;
  /** bytes */
  asmEstimate: number;
  /** ceil(asmEstimate / 1024), as stored by ArbOS */
  asmEstimateKb: number;
}

const term = (x: number, mul: number, div: number) => Math.floor((x * mul) / div);

/** Throws with nitro's reason when a cost does not fit its storage type. */
export function programCosts(c: CostInputs): ProgramCosts {
  let asm = 512000;
  asm += term(c.funcs, 996829, 1000);
  asm += term(c.typeLen, 11416, 1000);
  asm += term(c.wasmLen, 62628, 10000);

  let cached = 0;
  cached += term(c.funcs, 13420, 100_000);
  cached += term(c.typeLen, 89, 100_000);
  cached += term(c.wasmLen, 122, 100_000);
  cached += term(c.globals, 1628, 1000);
  cached += term(c.dataLen, 75244, 100_000);
  cached += c.footprint * 5;

  let init = c.stylusVersion === 1 ? cached : 0; // in version 1 the cached cost is part of the init cost
  init += term(c.funcs, 8252, 1000);
  init += term(c.typeLen, 1059, 1000);
  init += term(c.wasmLen, 1286, 10_000);

  if (init > U16_MAX) throw new Error('init cost too high');
  if (cached > U16_MAX) throw new Error('cached cost too high');
  if (asm > U32_MAX) throw new Error('asm estimate too large');
  return { initCost: init, cachedCost: cached, footprint: c.footprint, asmEstimate: asm, asmEstimateKb: Math.ceil(asm / 1024) };
}

export interface CompileGasInputs {
  wasmLen: number;
  funcs: number;
  /** Σ payload bytes of data segments (nitro `data.len()`, not the segment span) */
  dataBytes: number;
  /** Σ byte spans of element segments */
  elemBytes: number;
  initialPages: number;
  /** Σ operators of the instrumented function bodies (final `end`s included) */
  instrumentedOps: number;
  arbosVersion: number;
}

/** µs → gas: fudge 2 × speed 7e6 / sync rate 5e5 = ×28 */
const usToGas = (us: number) => BigInt(us) * 28n;

/** Gas charged by the activation's compile step (excludes ActivationGas and the fixed 1,659,168). */
export function activationCompileGas(c: CompileGasInputs): bigint {
  if (c.arbosVersion <= 0) return 0n;
  let gas = 0n;
  if (c.arbosVersion >= GETH_ARBOS.stylusChargingFixes) gas += usToGas(term(c.wasmLen, 31_733, 100_000));
  gas += usToGas(term(c.funcs, 17_263, 100_000));
  gas += usToGas(term(c.dataBytes, 17_376, 100_000));
  gas += usToGas(term(c.elemBytes, 17_376, 100_000));
  gas += usToGas(c.initialPages * 2217);
  gas += usToGas(term(c.instrumentedOps, 535, 1_000));
  return gas;
}

/** Fixed gas charged by ArbWasm.activateProgram before the compile charges (precompiles/ArbWasm.go). */
export const ACTIVATION_FIXED_GAS = 1_659_168n;

// ---- per-call charges (arbos/programs/programs.go) ----

const divCeil = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** Gas to initialise a non-cached program (MinInitGas units of 128 gas + scaled init cost). */
export function initGas(initCost: number, p: Pick<StylusParams, 'minInitGas' | 'initCostScalar'>): bigint {
  const base = BigInt(p.minInitGas) * MIN_INIT_GAS_UNITS;
  return satU64(base + divCeil(BigInt(initCost) * BigInt(p.initCostScalar) * COST_SCALAR_PERCENT, 100n));
}

/** Gas to initialise a cached program (MinCachedInitGas units of 32 gas + scaled cached cost). */
export function cachedGas(cachedCost: number, p: Pick<StylusParams, 'minCachedInitGas' | 'cachedCostScalar'>): bigint {
  const base = BigInt(p.minCachedInitGas) * MIN_CACHED_GAS_UNITS;
  return satU64(base + divCeil(BigInt(cachedCost) * BigInt(p.cachedCostScalar) * COST_SCALAR_PERCENT, 100n));
}

/** EVM memory cost of returning `size` bytes (ArbOS ≥ 31 floor on Stylus return data). */
export function evmMemoryCost(size: number): bigint {
  const words = BigInt(Math.ceil(size / 32));
  return words * 3n + (words * words) / 512n;
}
