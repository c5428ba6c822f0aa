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

/** The Stylus parameters a chain created at `arbos` has (initStylusParams + the upgrades up to `arbos`). */
export function stylusParamsFor(arbos: number, debugMode: boolean): StylusParams {
  const stylusVersion = stylusVersionFor(arbos);
  return {
    arbosVersion: arbos,
    stylusVersion,
    inkPrice: 10000, // initialInkPrice
    maxStackDepth: arbos >= GETH_ARBOS.v50 ? 22000 : 4 * 65536, // arbOS50MaxStackDepth, initialStackDepth
    freePages: 2, // InitialFreePages
    pageGas: 1000, // InitialPageGas
    pageLimit: 128, // initialPageLimit
    minInitGas: stylusVersion >= 2 ? 69 : 72, // v2MinInitGas (UpgradeToVersion(2)), initialMinInitGas
    minCachedInitGas: 11, // initialMinCachedGas
    initCostScalar: 50, // initialInitCostScalar
    cachedCostScalar: 50, // initialCachedCostScalar
    expiryDays: 365, // initialExpiryDays
    keepaliveDays: 31, // initialKeepaliveDays
    blockCacheSize: 32, // initialRecentCacheSize
    // arbOS60MaxWasmSize from ArbOS 60, initialMaxWasmSize before (a constant below 40, stored from 40)
    maxWasmSize: arbos >= GETH_ARBOS.stylusContractLimit ? 256 * KiB : 128 * KiB,
    maxFragmentCount: arbos >= GETH_ARBOS.stylusContractLimit ? 4 : 0, // initialMaxFragmentCount
    activationGas: 0,
    debugMode,
  };
}
