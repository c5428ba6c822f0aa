// Nitro's chain-level cases on the devnode, through JSON-RPC, with programs of our own (the unit-level
// cases are test/unit/nitro-conformance.test.ts): transaction filtering on a Stylus v2 memory.fill overflow
// (system_tests/program_test.go TestProgramMemoryFillOverflow), msg_reentrant's frame counting
// (arbos/tx_processor.go PushContract: delegate calls do not count), codehashKeepalive's charges
// (arbos/programs/programs.go ProgramKeepalive, precompiles/ArbWasm.go), ActivationGas (system_tests/
// wasm_activation_gas_test.go), and the 128-page footprint limit at call entry (program_test.go testMemory).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encodeFunctionData, hexToBytes, keccak256, parseAbi, toHex } from 'viem';
import { stylusDeployBytes } from '../../core/build/deploy-bytes';
import { calldataGas } from '../../core/gas/call';
import { DEV_ACCOUNT, startEmbeddedDevnode, type EmbeddedDevnode } from '../../devnode/index';
import { ECHO_WAT, rpc, wat } from './devnode-helpers';
import { activate, ARB_WASM, data, deployCode, owner, send, view } from './stylus-chain-helpers';

const program = async (url: string, src: string) => {
  const code = stylusDeployBytes(await wat(src)).runtimeCode;
  const address = await deployCode(url, code);
  assert.equal((await activate(url, address)).status, '0x1', 'activates');
  return { address, code };
};

const FILL = `(module (import "vm_hooks" "write_result" (func $w (param i32 i32))) (memory (export "memory") 1 1)
  (func (export "user_entrypoint") (param i32) (result i32)
    (memory.fill (i32.const 0) (i32.const 0x1ab) (i32.const 4)) (call $w (i32.const 0) (i32.const 4)) (i32.const 0)))`;

describe('TestProgramMemoryFillOverflow: a Stylus v2 memory.fill over 0xFF', () => {
  test('ArbOS 50: the transaction is filtered ("internal error", not included); eth_call reverts', async () => {
    const node = await startEmbeddedDevnode({ port: 0, arbos: 50 });
    try {
      const { address } = await program(node.url, FILL);
      const nonce = (await rpc(node.url, 'eth_getTransactionCount', [DEV_ACCOUNT.address, 'latest'])).result;
      const head = (await rpc(node.url, 'eth_blockNumber')).result;
      const sent = await rpc(node.url, 'eth_sendTransaction', [{ from: DEV_ACCOUNT.address, to: address, gas: toHex(1_000_000n) }]);
      assert.equal(sent.error?.message, 'internal error');
      assert.equal((await rpc(node.url, 'eth_getTransactionCount', [DEV_ACCOUNT.address, 'latest'])).result, nonce, 'nothing of it stays');
      assert.equal((await rpc(node.url, 'eth_blockNumber')).result, head, 'no block for it');
      const call = await rpc(node.url, 'eth_call', [{ to: address }, 'latest']);
      assert.equal(call.error?.message, 'execution reverted');
    } finally {
      await node.stop();
    }
  });
  test('ArbOS 61 (Stylus v3): the value is masked to 0xAB', async () => {
    const node = await startEmbeddedDevnode({ port: 0 });
    try {
      const { address } = await program(node.url, FILL);
      assert.equal((await rpc(node.url, 'eth_call', [{ to: address }, 'latest'])).result, '0xabababab');
      assert.equal((await send(node.url, { to: address, gas: toHex(1_000_000n) })).status, '0x1');
    } finally {
      await node.stop();
    }
  });
});

describe('the devnode at its default ArbOS 61', () => {
  let node: EmbeddedDevnode;
  before(async () => {
    node = await startEmbeddedDevnode({ port: 0 });
  });
  after(async () => {
    await node?.stop();
  });

  test("msg_reentrant counts the acting address's frames, not delegate calls (PushContract)", async () => {
    const reentrant = await program(
      node.url,
      `(module (import "vm_hooks" "msg_reentrant" (func $re (result i32))) (import "vm_hooks" "write_result" (func $w (param i32 i32)))
        (memory (export "memory") 1 1)
        (func (export "user_entrypoint") (param i32) (result i32) (i32.store8 (i32.const 0) (call $re)) (call $w (i32.const 0) (i32.const 1)) (i32.const 0)))`,
    );
    // forwards calldata[21..] to the address in calldata[1..21], by delegate call when calldata[0] is 1
    const forward = await program(
      node.url,
      `(module
        (import "vm_hooks" "read_args" (func $read_args (param i32)))
        (import "vm_hooks" "write_result" (func $w (param i32 i32)))
        (import "vm_hooks" "call_contract" (func $call (param i32 i32 i32 i32 i64 i32) (result i32)))
        (import "vm_hooks" "delegate_call_contract" (func $dcall (param i32 i32 i32 i64 i32) (result i32)))
        (import "vm_hooks" "read_return_data" (func $rrd (param i32 i32 i32) (result i32)))
        (memory (export "memory") 1 1)
        (func (export "user_entrypoint") (param $len i32) (result i32) (local $n i32)
          (call $read_args (i32.const 0))
          (drop (if (result i32) (i32.load8_u (i32.const 0))
            (then (call $dcall (i32.const 1) (i32.const 21) (i32.sub (local.get $len) (i32.const 21)) (i64.const -1) (i32.const 2048)))
            (else (call $call (i32.const 1) (i32.const 21) (i32.sub (local.get $len) (i32.const 21)) (i32.const 4000) (i64.const -1) (i32.const 2048)))))
          (local.set $n (i32.load (i32.const 2048)))
          (drop (call $rrd (i32.const 4096) (i32.const 0) (local.get $n)))
          (call $w (i32.const 4096) (local.get $n))
          (i32.const 0)))`,
    );
    const via = (delegate: boolean, target: string, rest = '') => `0x${delegate ? '01' : '00'}${target.slice(2)}${rest}`;
    const call = async (to: string, d: string) => (await rpc(node.url, 'eth_call', [{ to, data: d }, 'latest'])).result;
    assert.equal(await call(reentrant.address, '0x'), '0x00');
    assert.equal(await call(forward.address, via(false, reentrant.address)), '0x00', 'a plain call: one frame for the callee');
    assert.equal(await call(forward.address, via(true, reentrant.address)), '0x00', 'a delegate call runs as the caller but adds no frame');
    // forward → forward (a second frame of the same address) → delegate into reentrant: 1
    const inner = via(true, reentrant.address).slice(2);
    assert.equal(await call(forward.address, via(false, forward.address, inner)), '0x01');
  });

  test("codehashKeepalive: nitro's storage charges (ProgramKeepalive, payActivationDataFee, the event)", async () => {
    const { address, code } = await program(node.url, ECHO_WAT);
    const codehash = keccak256(code);
    const early = await send(node.url, { to: ARB_WASM, data: data('codehashKeepalive', [codehash]), value: toHex(10n ** 18n), gas: toHex(500_000n) });
    assert.equal(early.status, '0x0', 'ProgramKeepaliveTooSoon within the 31 keepalive days');
    await rpc(node.url, 'evm_increaseTime', [toHex(32 * 86_400)]);
    const input = data('codehashKeepalive', [codehash]);
    const r = await send(node.url, { to: ARB_WASM, data: input, value: toHex(10n ** 18n), gas: toHex(500_000n) });
    assert.equal(r.status, '0x1');
    // OpenArbosState 800, the argument word 3, Params 100, the program 800, UpdateModel 5·800 + 2·20,000,
    // setProgram 20,000, NetworkFeeAccount 800, ProgramLifetimeExtended (2 topics, 1 word) 375 + 750 + 256
    const precompile = 800 + 3 + 100 + 800 + 5 * 800 + 2 * 20_000 + 20_000 + 800 + 375 + 2 * 375 + 8 * 32;
    assert.equal(BigInt(r.gasUsed), BigInt(21_000 + calldataGas(hexToBytes(input)) + precompile));
    assert.equal(await view(node.url, ARB_WASM, 'programVersion', [address]), 3);
  });

  test('ActivationGas: the owner-set charge is burnt up front, on top of its 800-gas read (ArbOS ≥ 59)', async () => {
    const src = ECHO_WAT.replace('(i32.const 0)))', '(i32.const 0)) (func $pad (result i32) i32.const 7))');
    const code = stylusDeployBytes(await wat(src)).runtimeCode;
    const a = await deployCode(node.url, code);
    const b = await deployCode(node.url, code);
    const snap = (await rpc(node.url, 'evm_snapshot')).result;
    const at = BigInt(((await rpc(node.url, 'eth_getBlockByNumber', ['latest', false])).result as { timestamp: string }).timestamp) + 50n;
    await rpc(node.url, 'evm_setNextBlockTimestamp', [toHex(at)]);
    const plain = await activate(node.url, a);
    await rpc(node.url, 'evm_revert', [snap]);
    assert.equal((await owner(node.url, 'setWasmActivationGas', [250_000n])).status, '0x1');
    await rpc(node.url, 'evm_setNextBlockTimestamp', [toHex(at)]);
    const charged = await activate(node.url, a);
    assert.equal(BigInt(charged.gasUsed) - BigInt(plain.gasUsed), 250_000n);
    // too little gas for the charge: the activation fails (nitro: "can be set above the block gas limit to block activations")
    assert.equal((await activate(node.url, b, { gas: toHex(200_000n) })).status, '0x0');
  });

  test('ArbWasmCache: cacheCodehash exists only up to ArbOS 30, cacheProgram from 31 (precompile.go)', async () => {
    const { address, code } = await program(node.url, ECHO_WAT.replace('(i32.const 0)))', '(i32.const 0)) (func $c (result i32) i32.const 3))'));
    const cache = '0x0000000000000000000000000000000000000072';
    const abi = parseAbi(['function cacheCodehash(bytes32 codehash)', 'function cacheProgram(address addr)', 'function codehashIsCached(bytes32 codehash) view returns (bool)']);
    const byHash = await send(node.url, { to: cache, data: encodeFunctionData({ abi, functionName: 'cacheCodehash', args: [keccak256(code)] }), gas: toHex(200_000n) });
    assert.equal(byHash.status, '0x0');
    assert.equal(BigInt(byHash.gasUsed), 200_000n, 'a method the version lacks reverts with all gas');
    const byAddress = await send(node.url, { to: cache, data: encodeFunctionData({ abi, functionName: 'cacheProgram', args: [address] }), gas: toHex(200_000n) });
    assert.equal(byAddress.status, '0x1');
    const cached = await rpc(node.url, 'eth_call', [{ to: cache, data: encodeFunctionData({ abi, functionName: 'codehashIsCached', args: [keccak256(code)] }) }, 'latest']);
    assert.equal(BigInt(cached.result as string), 1n);
  });

  test("testMemory: a call's footprint beyond the page limit fails, one page fewer runs", async () => {
    // at ArbOS ≥ 59 the open pages of a transaction are bounded by PageLimit (128) at call entry
    const big = await program(node.url, '(module (memory (export "memory") 120 120) (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))');
    assert.equal((await view(node.url, ARB_WASM, 'programVersion', [big.address])), 3);
    const ok = await rpc(node.url, 'eth_call', [{ to: big.address, gas: toHex(30_000_000n) }, 'latest']);
    assert.equal(ok.result, '0x', 'a 120-page footprint fits');
    assert.equal((await owner(node.url, 'setWasmPageLimit', [119])).status, '0x1');
    const over = await rpc(node.url, 'eth_call', [{ to: big.address, gas: toHex(30_000_000n) }, 'latest']);
    assert.equal(over.error?.message, 'out of gas', 'over the page limit: out of gas');
  });
});
