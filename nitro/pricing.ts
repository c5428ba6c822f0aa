// Hostio ink prices (nitro crates/arbutil/src/pricing.rs). The docs' table has wrong variable terms;
// these are the source's: writes into the guest cost 5040 + 30/byte beyond 32, reads from the guest
// 16381 + 55/byte beyond 32, keccak 121800 + 21000/word beyond 2 (and no hostio base).

import { GETH_ARBOS } from './arbos';
import { MAX_CODE_SIZE } from './limits';

export const HOSTIO_INK = 8400n;
export const PTR_INK = 13440n - HOSTIO_INK;
export const EVM_API_INK = 59673n;
/** evmApiGas: ink_to_gas(EVM_API_INK) from ArbOS 32, the raw ink figure before (nitro bug kept for consensus). */
export function evmApiGas(arbos: number): bigint {
  return arbos >= GETH_ARBOS.stylusChargingFixes ? 5n : EVM_API_INK;
}
export const DIV_INK = 20000n;
export const MUL_MOD_INK = 24100n;
export const ADD_MOD_INK = 21000n;

/** Base ink of each hostio (pricing.rs `hostio`). */
export const BASE_INK = {
  read_args: HOSTIO_INK,
  write_result: HOSTIO_INK,
  storage_load_bytes32: HOSTIO_INK + 2n * PTR_INK,
  storage_cache_bytes32: HOSTIO_INK + 2n * PTR_INK,
  storage_flush_cache: HOSTIO_INK + EVM_API_INK,
  transient_load_bytes32: HOSTIO_INK + 2n * PTR_INK + EVM_API_INK,
  transient_store_bytes32: HOSTIO_INK + 2n * PTR_INK + EVM_API_INK,
  call_contract: HOSTIO_INK + 3n * PTR_INK + EVM_API_INK,
  create1: HOSTIO_INK + 3n * PTR_INK + EVM_API_INK,
  create2: HOSTIO_INK + 4n * PTR_INK + EVM_API_INK,
  read_return_data: HOSTIO_INK + EVM_API_INK,
  return_data_size: HOSTIO_INK,
  emit_log: HOSTIO_INK + EVM_API_INK,
  account_balance: HOSTIO_INK + 2n * PTR_INK + EVM_API_INK,
  account_code: HOSTIO_INK + EVM_API_INK,
  account_code_size: HOSTIO_INK + EVM_API_INK,
  account_codehash: HOSTIO_INK + 2n * PTR_INK + EVM_API_INK,
  block_basefee: HOSTIO_INK + PTR_INK,
  block_coinbase: HOSTIO_INK + PTR_INK,
  block_gas_limit: HOSTIO_INK,
  block_number: HOSTIO_INK,
  block_timestamp: HOSTIO_INK,
  chainid: HOSTIO_INK,
  contract_address: HOSTIO_INK + PTR_INK,
  evm_gas_left: HOSTIO_INK,
  evm_ink_left: HOSTIO_INK,
  math_div: HOSTIO_INK + 3n * PTR_INK + DIV_INK,
  math_mod: HOSTIO_INK + 3n * PTR_INK + DIV_INK,
  math_pow: HOSTIO_INK + 3n * PTR_INK,
  math_add_mod: HOSTIO_INK + 4n * PTR_INK + ADD_MOD_INK,
  math_mul_mod: HOSTIO_INK + 4n * PTR_INK + MUL_MOD_INK,
  msg_reentrant: HOSTIO_INK,
  msg_sender: HOSTIO_INK + PTR_INK,
  msg_value: HOSTIO_INK + PTR_INK,
  tx_gas_price: HOSTIO_INK + PTR_INK,
  tx_ink_price: HOSTIO_INK,
  tx_origin: HOSTIO_INK + PTR_INK,
  pay_for_memory_grow: HOSTIO_INK,
} as const;

const satSub32 = (a: number) => Math.max(a - 32, 0);

/** Ink to copy `bytes` from the host into the guest. */
export function writePrice(bytes: number): bigint {
  return 5040n + 30n * BigInt(satSub32(bytes));
}

/** Ink to copy `bytes` from the guest into the host. */
export function readPrice(bytes: number): bigint {
  return 16381n + 55n * BigInt(satSub32(bytes));
}

/** Ink of native_keccak256 over `bytes` (I/O included). */
export function keccakPrice(bytes: number): bigint {
  const words = Math.ceil(bytes / 32);
  return 121800n + 21000n * BigInt(Math.max(words - 2, 0));
}

/** Variable ink of math_pow: 17500 per significant byte of the exponent (one minimum), plus 3000. */
export function powPrice(exponent: Uint8Array): bigint {
  let exp = 33;
  for (const byte of exponent) {
    if (byte !== 0) break;
    exp--;
  }
  return 3000n + BigInt(exp) * 17500n;
}

// EVM gas constants used by hostios (crates/arbutil/src/evm/mod.rs, storage.rs)
export const COLD_SLOAD_GAS = 2100n;
export const SSTORE_SENTRY_GAS = 2300n;
export const REQUIRED_ACCESS_GAS = 10n;
export const COLD_ACCOUNT_GAS = 2600n;
/** EIP-150 EXTCODESIZE: what reading an account's code adds to the access cost (geth WasmAccountTouchCost). */
export const EXTCODE_COST = 700n;
export const WARM_ACCOUNT_GAS = 100n;

/**
 * Gas of touching an account for account_code / account_code_size (geth vm.WasmAccountTouchCost with
 * withCode): the code charge, scaled by the chain's MaxCodeSize over the default 24,576, plus the cold or
 * warm access.
 */
export function accountCodeGas(maxCodeSize: number, cold: boolean): bigint {
  return (EXTCODE_COST * BigInt(maxCodeSize)) / BigInt(MAX_CODE_SIZE) + (cold ? COLD_ACCOUNT_GAS : WARM_ACCOUNT_GAS);
}
export const TLOAD_GAS = 100n;
export const TSTORE_GAS = 100n;
export const LOG_TOPIC_GAS = 375n;
export const LOG_DATA_GAS = 8n;
