// The host functions a Stylus program may import, with their exact wasm signatures.
// vm_hooks: nitro crates/wasm-libraries/forward/lib.rs `HOSTIOS` (the list activation links against).
// console: nitro crates/prover/src/host.rs `Hostio::ty` (debug chains only).

import type { FuncType } from '../core/wasm/types';

const I32 = 0x7f;
const I64 = 0x7e;
const F32 = 0x7d;
const F64 = 0x7c;

function sig(params: string, results = ''): FuncType {
  const map: Record<string, number> = { i32: I32, i64: I64, f32: F32, f64: F64 };
  const parse = (s: string) => (s ? s.split(' ').map((t) => map[t]) : []);
  return { params: parse(params), results: parse(results) };
}

/** vm_hooks imports, in nitro's order. */
export const VM_HOOKS: ReadonlyMap<string, FuncType> = new Map([
  ['read_args', sig('i32')],
  ['write_result', sig('i32 i32')],
  ['exit_early', sig('i32')],
  ['storage_load_bytes32', sig('i32 i32')],
  ['storage_cache_bytes32', sig('i32 i32')],
  ['storage_flush_cache', sig('i32')],
  ['transient_load_bytes32', sig('i32 i32')],
  ['transient_store_bytes32', sig('i32 i32')],
  ['call_contract', sig('i32 i32 i32 i32 i64 i32', 'i32')],
  ['delegate_call_contract', sig('i32 i32 i32 i64 i32', 'i32')],
  ['static_call_contract', sig('i32 i32 i32 i64 i32', 'i32')],
  ['create1', sig('i32 i32 i32 i32 i32')],
  ['create2', sig('i32 i32 i32 i32 i32 i32')],
  ['read_return_data', sig('i32 i32 i32', 'i32')],
  ['return_data_size', sig('', 'i32')],
  ['emit_log', sig('i32 i32 i32')],
  ['account_balance', sig('i32 i32')],
  ['account_code', sig('i32 i32 i32 i32', 'i32')],
  ['account_code_size', sig('i32', 'i32')],
  ['account_codehash', sig('i32 i32')],
  ['evm_gas_left', sig('', 'i64')],
  ['evm_ink_left', sig('', 'i64')],
  ['block_basefee', sig('i32')],
  ['chainid', sig('', 'i64')],
  ['block_coinbase', sig('i32')],
  ['block_gas_limit', sig('', 'i64')],
  ['block_number', sig('', 'i64')],
  ['block_timestamp', sig('', 'i64')],
  ['contract_address', sig('i32')],
  ['math_div', sig('i32 i32')],
  ['math_mod', sig('i32 i32')],
  ['math_pow', sig('i32 i32')],
  ['math_add_mod', sig('i32 i32 i32')],
  ['math_mul_mod', sig('i32 i32 i32')],
  ['msg_reentrant', sig('', 'i32')],
  ['msg_sender', sig('i32')],
  ['msg_value', sig('i32')],
  ['native_keccak256', sig('i32 i32 i32')],
  ['tx_gas_price', sig('i32')],
  ['tx_ink_price', sig('', 'i32')],
  ['tx_origin', sig('i32')],
  ['pay_for_memory_grow', sig('i32')],
]);

/** console imports, available only on debug chains. */
export const CONSOLE_HOOKS: ReadonlyMap<string, FuncType> = new Map([
  ['log_txt', sig('i32 i32')],
  ['log_i32', sig('i32')],
  ['log_i64', sig('i64')],
  ['log_f32', sig('f32')],
  ['log_f64', sig('f64')],
  ['tee_i32', sig('i32', 'i32')],
  ['tee_i64', sig('i64', 'i64')],
  ['tee_f32', sig('f32', 'f32')],
  ['tee_f64', sig('f64', 'f64')],
]);
