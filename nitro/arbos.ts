// ArbOS versions: the gates at which nitro changes Stylus behaviour (v3.10.0: go-ethereum
// params/config_arbitrum.go ArbosVersion_*, crates/arbutil/src/evm/mod.rs ARBOS_VERSION_*, the upgrade
// steps of arbos/arbosState/arbosstate.go), the versions our tools emulate, and ArbOS's clock.

export const GETH_ARBOS = {
  stylus: 30, // ArbosVersion_Stylus: programs exist, Stylus version 1
  stylusFixes: 31, // ArbosVersion_StylusFixes: Stylus version 2, return-data floor
  stylusChargingFixes: 32, // ArbosVersion_StylusChargingFixes: evmApiGas 5, flush charging, minInitGas view, import limit
  v40: 40, // MaxWasmSize becomes a stored parameter; ARBOS_VERSION_STYLUS_LAST_CODE_CACHE_FIX
  v50: 50, // MaxStackDepth 22,000; the per-transaction gas limit (PerTxGasLimit, 32M) replaces the block's
  stylusV3: 59, // [v3.10] Stylus version 3, page-limit OOG, ActivationGas, pay_for_memory_grow beyond u16
  stylusContractLimit: 60, // ArbosVersion_StylusContractLimit: MaxWasmSize 256 KiB, MaxFragmentCount 4, root + fragments; the recent-wasm block cache
} as const;

/**
 * The ArbOS versions the devnode emulates and the estimator prices. 61 ("Elara" on One and Nova) has the
 * Stylus rules of 60: nitro v3.10.0 stops at 60, and 61 re-released 60 with gas-refund fixes outside
 * Stylus (nitro/README.md "ArbOS 60 and 61").
 */
export const SUPPORTED_ARBOS_VERSIONS = [31, 32, 40, 50, 59, 60, 61] as const;
/** The version assumed when none is given (devnode, estimate, build): what Arbitrum One and Nova run. */
export const DEFAULT_ARBOS_VERSION = 61;

export function assertSupportedArbos(v: number): void {
  if (!(SUPPORTED_ARBOS_VERSIONS as readonly number[]).includes(v)) {
    throw new Error(`unsupported ArbOS version ${v}: supported are ${SUPPORTED_ARBOS_VERSIONS.join(', ')}`);
  }
}

/** Stylus version the chain requires at an ArbOS version (1 at 30, 2 from 31, 3 from 59). */
export function stylusVersionFor(arbos: number): number {
  if (arbos >= GETH_ARBOS.stylusV3) return 3;
  if (arbos >= GETH_ARBOS.stylusFixes) return 2;
  return 1;
}

/** arbos/programs/data_pricer.go ArbitrumStartTime: "the day it all began" (seconds). */
export const ARBITRUM_START_TIME = 1421388000n;

/** Hours since Arbitrum began, rounded down and capped at 24 bits (programs.go hoursSinceArbitrum). */
export function hoursSinceArbitrum(time: bigint): number {
  const t = time > ARBITRUM_START_TIME ? time - ARBITRUM_START_TIME : 0n;
  const hours = t / 3600n;
  return Number(hours < 0xffffffn ? hours : 0xffffffn);
}

/** Seconds since a program activated at `hours` (programs.go hoursToAge). */
export function hoursToAge(time: bigint, hours: number): bigint {
  const activatedAt = ARBITRUM_START_TIME + BigInt(hours) * 3600n;
  return time > activatedAt ? time - activatedAt : 0n;
}
