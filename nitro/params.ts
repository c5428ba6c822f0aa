// The Stylus parameters of a chain at each ArbOS version: the one table the devnode runs on and the
// estimator prices with. Numbers from nitro v3.10.0 arbos/programs/params.go (initStylusParams, the
// initial* constants, UpgradeToVersion, UpgradeToArbosVersion) applied along the upgrade path of
// arbos/arbosState/arbosstate.go, as a chain created at that version has them.

import { GETH_ARBOS, stylusVersionFor } from './arbos';

/** Parameters of the chain that change program behaviour (nitro programs.go StylusParams, plus the chain's own). */
export interface StylusParams {
  arbosVersion: number;
  /** program version the chain currently requires (1 at ArbOS 30, 2 from 31, 3 from 59) */
  stylusVersion: number;
  inkPrice: number;
  maxStackDepth: number;
  freePages: number;
  pageGas: number;
  pageLimit: number;
  /** in units of MIN_INIT_GAS_UNITS gas */
  minInitGas: number;
  /** in units of MIN_CACHED_GAS_UNITS gas */
  minCachedInitGas: number;
  /** in units of COST_SCALAR_PERCENT % */
  initCostScalar: number;
  /** in units of COST_SCALAR_PERCENT % */
  cachedCostScalar: number;
  expiryDays: number;
  keepaliveDays: number;
  blockCacheSize: number;
  /** max decompressed wasm bytes */
  maxWasmSize: number;
  /** max fragments of a root program (0 before ArbOS 60: no fragmented programs) */
  maxFragmentCount: number;
  /** gas burnt at the start of every activation (Programs.ActivationGas, settable from ArbOS 59; 0 at genesis) */
  activationGas: number;
  /** the chain's debug mode (start functions, `console` imports, extra exports) */
  debugMode: boolean;
}

/** programs.go initialPageRamp: not stored, the same at every version (8 MiB costs 32M gas). */
export const PAGE_RAMP = 620674314n;
/** MinInitGasUnits: MinInitGas counts 128-gas units. */
export const MIN_INIT_GAS_UNITS = 128n;
/** MinCachedGasUnits: MinCachedInitGas counts 32-gas units. */
export const MIN_CACHED_GAS_UNITS = 32n;
/** CostScalarPercent: the cost scalars count 2% units. */
export const COST_SCALAR_PERCENT = 2n;

const KiB = 1024;

// params.go's initial* constants and the values its upgrades install
const INITIAL = {
  inkPrice: 10000, // initialInkPrice
  maxStackDepth: 4 * 65536, // initialStackDepth
  freePages: 2, // InitialFreePages
  pageGas: 1000, // InitialPageGas
  pageLimit: 128, // initialPageLimit
  minInitGas: 72, // initialMinInitGas: 72 · 128 = 9,216 gas
  minCachedInitGas: 11, // initialMinCachedGas: 11 · 32 = 352 gas
  initCostScalar: 50, // initialInitCostScalar (100%)
  cachedCostScalar: 50, // initialCachedCostScalar (100%)
  expiryDays: 365, // initialExpiryDays
  keepaliveDays: 31, // initialKeepaliveDays
  blockCacheSize: 32, // initialRecentCacheSize
  maxWasmSize: 128 * KiB, // initialMaxWasmSize (a constant before ArbOS 40)
  maxFragmentCount: 4, // initialMaxFragmentCount
};
const V2_MIN_INIT_GAS = 69; // v2MinInitGas: 69 · 128 = 8,832 gas
const ARBOS50_MAX_STACK_DEPTH = 22000; // arbOS50MaxStackDepth
const ARBOS60_MAX_WASM_SIZE = 256 * KiB; // arbOS60MaxWasmSize

/** initStylusParams at ArbOS 30, where programs begin (arbosstate.go case ArbosVersion_30). */
export function initialStylusParams(debugMode: boolean): StylusParams {
  return {
    arbosVersion: GETH_ARBOS.stylus,
    stylusVersion: 1,
    inkPrice: INITIAL.inkPrice,
    maxStackDepth: INITIAL.maxStackDepth,
    freePages: INITIAL.freePages,
    pageGas: INITIAL.pageGas,
    pageLimit: INITIAL.pageLimit,
    minInitGas: INITIAL.minInitGas,
    minCachedInitGas: INITIAL.minCachedInitGas,
    initCostScalar: INITIAL.initCostScalar,
    cachedCostScalar: INITIAL.cachedCostScalar,
    expiryDays: INITIAL.expiryDays,
    keepaliveDays: INITIAL.keepaliveDays,
    blockCacheSize: INITIAL.blockCacheSize,
    maxWasmSize: INITIAL.maxWasmSize,
    maxFragmentCount: 0,
    activationGas: 0,
    debugMode,
  };
}

/**
 * One ArbOS upgrade step of the Stylus parameters (arbosstate.go UpgradeArbosVersion, params.go
 * UpgradeToVersion and UpgradeToArbosVersion): what changes when a chain moves from `next - 1` to `next`.
 * Owner-set values survive every step except where the step itself installs a value.
 */
export function upgradeStylusParams(p: StylusParams, next: number): StylusParams {
  const out = { ...p, arbosVersion: next };
  switch (next) {
    case GETH_ARBOS.stylusFixes: // UpgradeToVersion(2)
      out.stylusVersion = 2;
      out.minInitGas = V2_MIN_INIT_GAS;
      break;
    case GETH_ARBOS.v40: // MaxWasmSize becomes a stored parameter, at its old constant
      out.maxWasmSize = INITIAL.maxWasmSize;
      break;
    case GETH_ARBOS.v50:
      if (out.maxStackDepth > ARBOS50_MAX_STACK_DEPTH) out.maxStackDepth = ARBOS50_MAX_STACK_DEPTH;
      break;
    case GETH_ARBOS.stylusV3: // UpgradeToVersion(3)
      out.stylusVersion = 3;
      break;
    case GETH_ARBOS.stylusContractLimit:
      out.maxWasmSize = ARBOS60_MAX_WASM_SIZE;
      out.maxFragmentCount = INITIAL.maxFragmentCount;
      break;
  }
  return out;
}

/** The parameters of `p`'s chain after upgrading it to `target`, step by step. */
export function upgradeStylusParamsTo(p: StylusParams, target: number): StylusParams {
  let out = p;
  for (let v = p.arbosVersion + 1; v <= target; v++) out = upgradeStylusParams(out, v);
  return out;
}

/** The Stylus parameters a chain created at `arbos` has (initStylusParams + the upgrades up to `arbos`). */
export function stylusParamsFor(arbos: number, debugMode: boolean): StylusParams {
  if (arbos < GETH_ARBOS.stylus) throw new Error(`ArbOS ${arbos} has no Stylus (programs begin at ArbOS ${GETH_ARBOS.stylus})`);
  const p = upgradeStylusParamsTo(initialStylusParams(debugMode), arbos);
  if (stylusVersionFor(arbos) !== p.stylusVersion) throw new Error(`stylus version table disagrees at ArbOS ${arbos}`);
  return p;
}

// ---------------------------------------------------------------- storage layout (params.go Params/Save)

/** Fields stored in ArbOS state, in nitro's order and widths (bytes), packed big-endian into 32-byte words. */
const STORED: [keyof StylusParams, number][] = [
  ['stylusVersion', 2],
  ['inkPrice', 3],
  ['maxStackDepth', 4],
  ['freePages', 2],
  ['pageGas', 2],
  ['pageLimit', 2],
  ['minInitGas', 1],
  ['minCachedInitGas', 1],
  ['initCostScalar', 1],
  ['cachedCostScalar', 1],
  ['expiryDays', 2],
  ['keepaliveDays', 2],
  ['blockCacheSize', 2],
];

function storedFields(arbos: number): [keyof StylusParams, number][] {
  const fields = [...STORED];
  if (arbos >= GETH_ARBOS.v40) fields.push(['maxWasmSize', 4]);
  if (arbos >= GETH_ARBOS.stylusContractLimit) fields.push(['maxFragmentCount', 1]);
  return fields;
}

/** StylusParams.Save: the words ArbOS stores (right-padded with zeros). */
export function encodeStylusParams(p: StylusParams): Uint8Array[] {
  const bytes: number[] = [];
  for (const [key, width] of storedFields(p.arbosVersion)) {
    let v = BigInt(p[key] as number);
    if (v < 0n || v >= 1n << BigInt(8 * width)) throw new Error(`Stylus parameter ${key} = ${v} does not fit ${width} bytes`);
    const field: number[] = [];
    for (let i = 0; i < width; i++) {
      field.unshift(Number(v & 0xffn));
      v >>= 8n;
    }
    bytes.push(...field);
  }
  const words: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += 32) {
    const w = new Uint8Array(32);
    w.set(bytes.slice(at, at + 32));
    words.push(w);
  }
  return words;
}

/** Programs.Params: the parameters read back from the stored words at `arbos` (MaxWasmSize is the old constant before 40). */
export function decodeStylusParams(words: readonly Uint8Array[], arbos: number, extra: { activationGas: number; debugMode: boolean }): StylusParams {
  const bytes = new Uint8Array(words.length * 32);
  words.forEach((w, i) => bytes.set(w, i * 32));
  const p: StylusParams = { ...initialStylusParams(extra.debugMode), arbosVersion: arbos, maxWasmSize: INITIAL.maxWasmSize, maxFragmentCount: 0, activationGas: extra.activationGas };
  let at = 0;
  for (const [key, width] of storedFields(arbos)) {
    let v = 0;
    for (let i = 0; i < width; i++) v = v * 256 + bytes[at + i];
    (p as unknown as Record<string, number>)[key] = v;
    at += width;
  }
  return p;
}

/** Words of the packed parameters at `arbos` (25 bytes, 29 from 40, 30 from 60: always one word). */
export const stylusParamWords = (arbos: number): number => Math.ceil(storedFields(arbos).reduce((n, [, w]) => n + w, 0) / 32);
