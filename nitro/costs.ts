// Cost formulas fixed at activation and charged per call, exactly as nitro computes them:
//  - init/cached cost, footprint and asm estimate: crates/prover/src/binary.rs `instrument`
//  - activation compile gas: crates/prover/src/programs/mod.rs `Module::activate`
//  - data fee: arbos/programs/data_pricer.go with util/arbmath ApproxExpBasisPoints
//  - per-call init/cached gas and the memory model: arbos/programs/programs.go, memory.go
// Every term is an integer division of its own, as in the Rust/Go sources.

import type { DataPricerState, StylusParams } from './api';

export type { DataPricerState };

const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
const U64_MAX = (1n << 64n) - 1n;

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
  if (c.arbosVersion >= 32) gas += usToGas(term(c.wasmLen, 31_733, 100_000));
  gas += usToGas(term(c.funcs, 17_263, 100_000));
  gas += usToGas(term(c.dataBytes, 17_376, 100_000));
  gas += usToGas(term(c.elemBytes, 17_376, 100_000));
  gas += usToGas(c.initialPages * 2217);
  gas += usToGas(term(c.instrumentedOps, 535, 1_000));
  return gas;
}

/** Fixed gas charged by ArbWasm.activateProgram before the compile charges (precompiles/ArbWasm.go). */
export const ACTIVATION_FIXED_GAS = 1_659_168n;

// ---- data pricer (arbos/programs/data_pricer.go) ----

export const ARBITRUM_START_TIME = 1421388000n;

export function initialDataPricer(): DataPricerState {
  const hourly = Math.floor(2 ** 40 / (365 * 24)); // 1 TB total footprint
  return {
    demand: 0,
    bytesPerSecond: Math.floor(hourly / 3600),
    lastUpdateTime: ARBITRUM_START_TIME,
    minPrice: 82928201, // 5 MB = $1
    inertia: 21360419,
  };
}

const satU32 = (x: number) => Math.min(Math.max(x, 0), U32_MAX);
const satU64 = (x: bigint) => (x > U64_MAX ? U64_MAX : x);

/** util/arbmath ApproxExpBasisPoints: b·e^(x/b) by a Horner-evaluated Maclaurin series (b = 10000). */
export function approxExpBasisPoints(value: bigint, accuracy = 12n): bigint {
  const negative = value < 0n;
  const x = negative ? -value : value;
  const b = 10000n;
  let res = b + x / accuracy;
  for (let i = accuracy - 1n; i > 0n; i--) res = b + satU64(res * x) / (i * b);
  return negative ? (b * b) / res : res;
}

/** Updates the pricer with `tempBytes` of new demand at `time`; returns the fee in wei and the new state. */
export function dataFee(state: DataPricerState, tempBytes: number, time: bigint): { fee: bigint; next: DataPricerState } {
  const elapsed = time >= state.lastUpdateTime ? time - state.lastUpdateTime : (time - state.lastUpdateTime) & U64_MAX;
  const passed = elapsed > BigInt(U32_MAX) ? U32_MAX : Number(elapsed);
  const credit = satU32(state.bytesPerSecond * passed);
  let demand = satU32(state.demand - credit);
  demand = satU32(demand + tempBytes);
  const exponent = (10000n * BigInt(demand)) / BigInt(state.inertia);
  const multiplier = approxExpBasisPoints(exponent, 12n);
  const costPerByte = multiplier <= 0n ? 0n : satU64(BigInt(state.minPrice) * multiplier) / 10000n;
  const fee = satU64(costPerByte * BigInt(tempBytes));
  return { fee, next: { ...state, demand, lastUpdateTime: time } };
}

// ---- per-call charges (arbos/programs/programs.go, memory.go) ----

const divCeil = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** Gas to initialise a non-cached program (MinInitGas units of 128 gas + scaled init cost). */
export function initGas(initCost: number, p: Pick<StylusParams, 'minInitGas' | 'initCostScalar'>): bigint {
  const base = BigInt(p.minInitGas) * 128n;
  return satU64(base + divCeil(BigInt(initCost) * BigInt(p.initCostScalar) * 2n, 100n));
}

/** Gas to initialise a cached program (MinCachedInitGas units of 32 gas + scaled cached cost). */
export function cachedGas(cachedCost: number, p: Pick<StylusParams, 'minCachedInitGas' | 'cachedCostScalar'>): bigint {
  const base = BigInt(p.minCachedInitGas) * 32n;
  return satU64(base + divCeil(BigInt(cachedCost) * BigInt(p.cachedCostScalar) * 2n, 100n));
}

/** The 129-entry exponential of the memory model (arbos/programs/memory.go). */
export const MEMORY_EXPONENTS = [
  1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 5, 6, 7, 8, 9, 11, 12, 14, 17, 19, 22, 25, 29, 33, 38,
  43, 50, 57, 65, 75, 85, 98, 112, 128, 147, 168, 193, 221, 253, 289, 331, 379, 434, 497, 569,
  651, 745, 853, 976, 1117, 1279, 1463, 1675, 1917, 2194, 2511, 2874, 3290, 3765, 4309, 4932,
  5645, 6461, 7395, 8464, 9687, 11087, 12689, 14523, 16621, 19024, 21773, 24919, 28521, 32642,
  37359, 42758, 48938, 56010, 64104, 73368, 83971, 96106, 109994, 125890, 144082, 164904, 188735,
  216010, 247226, 282953, 323844, 370643, 424206, 485509, 555672, 635973, 727880, 833067, 953456,
  1091243, 1248941, 1429429, 1636000, 1872423, 2143012, 2452704, 2807151, 3212820, 3677113,
  4208502, 4816684, 5512756, 6309419, 7221210, 8264766, 9459129, 10826093, 12390601, 14181199,
  16230562, 18576084, 21260563, 24332984, 27849408, 31873999,
];

const memExp = (pages: number) => (pages < MEMORY_EXPONENTS.length ? BigInt(MEMORY_EXPONENTS[pages]) : U64_MAX);

/** Gas for opening `pages` more pages with `open` open and `ever` the most ever open in this tx. */
export function memoryGasCost(pages: number, open: number, ever: number, freePages = 2, pageGas = 1000): bigint {
  const newOpen = Math.min(open + pages, U16_MAX);
  const newEver = Math.max(ever, newOpen);
  if (newEver <= freePages) return 0n;
  const subFree = (p: number) => Math.max(p - freePages, 0);
  const adding = Math.max(subFree(newOpen) - subFree(open), 0);
  const linear = BigInt(adding) * BigInt(pageGas);
  const expand = (memExp(newEver) - memExp(ever)) & U64_MAX; // Go uint64 arithmetic
  return satU64(linear + expand);
}

/** EVM memory cost of returning `size` bytes (ArbOS ≥ 31 floor on Stylus return data). */
export function evmMemoryCost(size: number): bigint {
  const words = BigInt(Math.ceil(size / 32));
  return words * 3n + (words * words) / 512n;
}
