// Code-size limits of an Arbitrum chain (geth params.DefaultMaxCodeSize, EIP-170, and EIP-3860's
// initcode limit; nitro keeps the defaults). A Stylus program's compressed code is bound by the same.

import { GETH_ARBOS } from './arbos';

/** MaxCodeSize: bytes of deployed code, for EVM contracts and Stylus programs alike. */
export const MAX_CODE_SIZE = 24576;

/**
 * Execution gas a transaction may use (arbos/tx_processor.go GasChargingHook): before ArbOS 50 the L2
 * per-block gas limit (l2pricing InitialPerBlockGasLimitV6), from ArbOS 50 the EIP-7825-like
 * PerTxGasLimit (InitialPerTxGasLimitV50) less the intrinsic gas already charged. Gas above the cap is
 * held back and refunded, not refused; eth_call runs uncapped.
 */
export const PER_BLOCK_GAS_LIMIT = 32_000_000n;
export const PER_TX_GAS_LIMIT = 32_000_000n;

/** The most gas a transaction's execution gets at `arbosVersion`, after `intrinsicGas` was charged. */
export function executionGasCap(arbosVersion: number, intrinsicGas: bigint): bigint {
  if (arbosVersion < GETH_ARBOS.v50) return PER_BLOCK_GAS_LIMIT;
  return PER_TX_GAS_LIMIT > intrinsicGas ? PER_TX_GAS_LIMIT - intrinsicGas : 0n;
}
