// Chain-wide constants and the ArbOS-version-gated Stylus parameters of the embedded devnode.
// Numbers from nitro arbos/programs/params.go, memory.go and the version gates listed in
// shared/reference/stylus-platform.md §3 ("Top 10" #6).
import type { StylusParams } from './stylus/api';

export const CHAIN_ID = 412346n;
/** nitro-devnode's parent chain id (cmd/nitro/config --dev). */
export const PARENT_CHAIN_ID = 1337n;
export const DEFAULT_PORT = 8547;
/** nitro-devnode's default image v3.7.1 runs ArbOS 40. */
export const DEFAULT_ARBOS_VERSION = 40;
export const SUPPORTED_ARBOS_VERSIONS = [31, 32, 40, 50, 59] as const;
/** Arbitrum's L2 base fee floor (0.1 gwei), fixed here: the devnode has no congestion pricing. */
export const BASE_FEE = 100_000_000n;
export const BLOCK_GAS_LIMIT = 1_125_899_906_842_624n; // nitro's L2 block gas limit (2^50)
/** Per-tx gas cap for eth_call / eth_estimateGas, as nitro's rpc gascap default (50M). */
export const RPC_GAS_CAP = 50_000_000n;
export const MAX_CODE_SIZE = 24576;
export const MAX_INIT_CODE_SIZE = 2 * MAX_CODE_SIZE;
/** arbos/programs/data_pricer.go */
export const ARBITRUM_START_TIME = 1421388000n;
export const CLIENT_VERSION = 'stylus-ml-devnode/0.1.0';

export const GETH_ARBOS = {
  stylusFixes: 31, // ArbosVersion_StylusFixes: return-data floor
  stylusChargingFixes: 32, // evmApiGas 5, flush charging, minInitGas view
  v40: 40,
  v50: 50,
  stylusV3: 59, // [v3.10] Stylus version 3, page-limit OOG, ActivationGas
} as const;

/** Stylus version the chain requires at an ArbOS version (1 at 30, 2 from 31, 3 from 59). */
export function stylusVersionFor(arbos: number): number {
  if (arbos >= GETH_ARBOS.stylusV3) return 3;
  if (arbos >= GETH_ARBOS.stylusFixes) return 2;
  return 1;
}

/** The Stylus parameters a fresh chain has at `arbos` (initStylusParams + upgrades). */
export function stylusParamsFor(arbos: number, debugMode = true): StylusParams {
  const version = stylusVersionFor(arbos);
  return {
    arbosVersion: arbos,
    stylusVersion: version,
    inkPrice: 10000,
    maxStackDepth: arbos >= GETH_ARBOS.v50 ? 22000 : 4 * 65536,
    freePages: 2,
    pageGas: 1000,
    pageLimit: 128,
    minInitGas: version >= 2 ? 69 : 72,
    minCachedInitGas: 11,
    initCostScalar: 50,
    cachedCostScalar: 50,
    expiryDays: 365,
    keepaliveDays: 31,
    blockCacheSize: 32,
    maxWasmSize: 128 * 1024,
    activationGas: 0,
    debugMode,
  };
}

export function assertSupportedArbos(v: number): void {
  if (!(SUPPORTED_ARBOS_VERSIONS as readonly number[]).includes(v)) {
    throw new Error(`unsupported ArbOS version ${v}: supported are ${SUPPORTED_ARBOS_VERSIONS.join(', ')}`);
  }
}

/** What activation/call costs derive from. */
export const PAGE_RAMP = 620674314n;
export const MIN_INIT_GAS_UNITS = 128n;
export const MIN_CACHED_GAS_UNITS = 32n;
export const COST_SCALAR_PERCENT = 2n;
/** Fixed gas ArbWasm.activateProgram burns before compiling (precompiles/ArbWasm.go). */
export const ACTIVATION_FIXED_GAS = 1659168n;
/** evmApiGas: ink_to_gas(EVM_API_INK 59673) from ArbOS 32, the raw ink figure before (nitro bug kept). */
export function evmApiGas(arbos: number): bigint {
  return arbos >= GETH_ARBOS.stylusChargingFixes ? 5n : 59673n;
}
