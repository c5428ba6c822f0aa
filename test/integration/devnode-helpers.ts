// Shared helpers for the devnode tests: small Stylus modules assembled from .wat with wabt, Solidity
// test contracts compiled with npm solc, raw JSON-RPC.

type Wabt = {
  parseWat(name: string, src: string, features?: Record<string, boolean>): {
    toBinary(o: Record<string, unknown>): { buffer: Uint8Array };
    destroy(): void;
  };
};
let wabtPromise: Promise<Wabt> | null = null;

export async function wat(src: string): Promise<Uint8Array> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  wabtPromise ??= (require('wabt') as () => Promise<Wabt>)();
  const wabt = await wabtPromise;
  const mod = wabt.parseWat('t.wat', src, { bulk_memory: true, sign_extension: true, sat_float_to_int: true });
  try {
    return mod.toBinary({}).buffer;
  } finally {
    mod.destroy();
  }
}

/** The smallest valid Stylus program: echoes its calldata. */
export const ECHO_WAT = `(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (memory (export "memory") 1 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 0))
    (call $write_result (i32.const 0) (local.get $len))
    (i32.const 0)))`;

export function minimalStylusWasm(): Promise<Uint8Array> {
  return wat(ECHO_WAT);
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>;
}

/** Compiles one Solidity source with npm solc; returns abi + creation and runtime bytecode of `name`. */
export function compileSolidity(source: string, name: string): { abi: unknown[]; bytecode: `0x${string}`; deployed: `0x${string}` } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require('solc') as { compile(input: string): string };
  const input = {
    language: 'Solidity',
    sources: { 'c.sol': { content: source } },
    settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: 'cancun', outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } } },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const c = out.contracts['c.sol'][name];
  return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}`, deployed: `0x${c.evm.deployedBytecode.object}` };
}

/** A contract with state, an event and a revert, for client tests. */
export const COUNTER_SOL = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract Counter {
  uint256 public count;
  event Incremented(address indexed by, uint256 newCount, string note);
  error TooBig(uint256 value);
  function increment(string calldata note) external returns (uint256) {
    count += 1;
    emit Incremented(msg.sender, count, note);
    return count;
  }
  function add(uint256 v) external { if (v > 100) revert TooBig(v); count += v; }
  function fail() external pure { revert("nope"); }
  function balanceOf(address a) external view returns (uint256) { return a.balance; }
  function codeSizeOf(address a) external view returns (uint256) { return a.code.length; }
}`;

export interface RpcReply {
  jsonrpc: string;
  id: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export async function rpc(url: string, method: string, params: unknown[] = []): Promise<RpcReply> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
  return (await res.json()) as RpcReply;
}

export async function rpcRaw(url: string, body: string): Promise<{ status: number; json: unknown; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, json, text };
}

/** Forwards calldata[20..] to the address in calldata[0..20] with call_contract; returns its output and status. */
export const FORWARD_WAT = `(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "call_contract" (func $call (param i32 i32 i32 i32 i64 i32) (result i32)))
  (import "vm_hooks" "read_return_data" (func $rrd (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (local $status i32) (local $rlen i32)
    (call $read_args (i32.const 0))
    (local.set $status
      (call $call (i32.const 0) (i32.const 20) (i32.sub (local.get $len) (i32.const 20)) (i32.const 1024) (i64.const -1) (i32.const 2048)))
    (local.set $rlen (i32.load (i32.const 2048)))
    (drop (call $rrd (i32.const 4096) (i32.const 0) (local.get $rlen)))
    (call $write_result (i32.const 4096) (local.get $rlen))
    (local.get $status)))`;

/** Stores calldata word 1 at slot calldata word 0 (when given 64 bytes), flushes, returns the slot's old value. */
export const STORE_WAT = `(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "storage_load_bytes32" (func $load (param i32 i32)))
  (import "vm_hooks" "storage_cache_bytes32" (func $cache (param i32 i32)))
  (import "vm_hooks" "storage_flush_cache" (func $flush (param i32)))
  (memory (export "memory") 1 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 0))
    (call $load (i32.const 0) (i32.const 128))
    (if (i32.eq (local.get $len) (i32.const 64))
      (then (call $cache (i32.const 0) (i32.const 32))))
    (call $flush (i32.const 0))
    (call $write_result (i32.const 128) (i32.const 32))
    (i32.const 0)))`;

/** Reverts with its calldata as revert data. */
export const REVERT_WAT = `(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (memory (export "memory") 1 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 0))
    (call $write_result (i32.const 0) (local.get $len))
    (i32.const 1)))`;

/** Loops forever: runs out of ink. */
export const LOOP_WAT = `(module
  (memory (export "memory") 1 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (loop $l (br $l))
    (i32.const 0)))`;

/** No memory export: nitro refuses it at activation. */
export const NO_MEMORY_WAT = `(module
  (func (export "user_entrypoint") (param $len i32) (result i32) (i32.const 0)))`;

/** A Solidity contract that calls a program (EVM → Stylus) and returns its output. */
export const CALLER_SOL = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract Caller {
  function callIt(address p, bytes calldata d) external returns (bytes memory) {
    (bool ok, bytes memory r) = p.call(d);
    require(ok, "program failed");
    return r;
  }
}`;

/** Creates a contract from its calldata (init code) with create1 and returns the new address. */
export const CREATE_WAT = `(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "create1" (func $create1 (param i32 i32 i32 i32 i32)))
  (import "vm_hooks" "transient_store_bytes32" (func $tstore (param i32 i32)))
  (import "vm_hooks" "transient_load_bytes32" (func $tload (param i32 i32)))
  (memory (export "memory") 2 2)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 0))
    (call $create1 (i32.const 0) (local.get $len) (i32.const 70000) (i32.const 70100) (i32.const 70200))
    ;; round-trip the address through transient storage (key = zero word at 70000)
    (call $tstore (i32.const 70000) (i32.const 70088))
    (call $tload (i32.const 70000) (i32.const 70300))
    (call $write_result (i32.const 70312) (i32.const 20))
    (i32.const 0)))`;
