// Issue 12 part B, the devnode at ArbOS 61 (what Arbitrum One runs), through JSON-RPC as a client sends it:
// the default version and its views, a fragmented program (fragments first, then the root) activated and
// called, a float anywhere refused at activation, an ArbOS upgrade after which old programs answer
// ProgramNeedsUpgrade until re-activated, the owner's Stylus parameter setters behind ArbWasm's views, the
// per-block recent-wasm cache, the per-transaction gas cap, debug mode off by default, block_number = L1.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeErrorResult, toHex, type Hex } from 'viem';
import { brotliCompress, stylusDeployBytes } from '../../core/build/deploy-bytes';
import { prng } from '../../core/io/prng';
import { startEmbeddedDevnode, type EmbeddedDevnode } from '../../devnode/index';
import { DEFAULT_ARBOS_VERSION } from '../../nitro/arbos';
import { fragmentReadGasCost, MAX_FRAGMENT_PAYLOAD, rootProgramCode, splitIntoFragments } from '../../nitro/program-code';
import { stylusParamsFor } from '../../nitro/params';
import { ECHO_WAT, rpc, wat } from './devnode-helpers';
import { ABI, activate, ARB_OWNER_PUBLIC, ARB_SYS, ARB_WASM, data, deployCode, owner, send, view } from './stylus-chain-helpers';

const hexBytes = (h: string) => Uint8Array.from(Buffer.from(h.replace(/^0x/, ''), 'hex'));
const addressBytes = (a: string) => hexBytes(a);
const wasmData = (bytes: Uint8Array) => [...bytes].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');

/** A program whose data segment is `n` pseudo-random bytes (incompressible); it returns the first 32. */
function bigProgram(n: number, seed: number): Promise<Uint8Array> {
  const rand = prng(seed);
  const bytes = Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
  return wat(`(module
    (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
    (memory (export "memory") 2 2)
    (data (i32.const 0) "${wasmData(bytes)}")
    (func (export "user_entrypoint") (param i32) (result i32)
      (call $write_result (i32.const 0) (i32.const 32)) (i32.const 0)))`).then((w) => Object.assign(w, { head: bytes.slice(0, 32) }));
}

/** Deploys `wasm` as fragments (plain CREATEs) then a root listing them; returns the root's address. */
async function deployFragmented(url: string, wasm: Uint8Array): Promise<{ root: Hex; fragments: Hex[]; codes: Uint8Array[] }> {
  const codes = splitIntoFragments(brotliCompress(wasm));
  const fragments: Hex[] = [];
  for (const code of codes) fragments.push(await deployCode(url, code));
  const root = await deployCode(url, rootProgramCode({ dictionary: 0, decompressedLength: wasm.length, fragments: fragments.map(addressBytes) }));
  return { root, fragments, codes };
}

describe('ArbOS 61, the default', () => {
  let node: EmbeddedDevnode;
  before(async () => {
    node = await startEmbeddedDevnode({ port: 0 });
  });
  after(async () => {
    await node?.stop();
  });

  test("ArbSys.arbOSVersion and ArbWasm's views answer as nitro does at 61", async () => {
    assert.equal(DEFAULT_ARBOS_VERSION, 61);
    // ArbSys.go ArbOSVersion: 55 + the version
    assert.equal(await view(node.url, ARB_SYS, 'arbOSVersion'), 116n);
    const p = stylusParamsFor(61, false);
    assert.equal(await view(node.url, ARB_WASM, 'stylusVersion'), 3);
    assert.equal(await view(node.url, ARB_WASM, 'maxStackDepth'), 22000);
    assert.equal(await view(node.url, ARB_WASM, 'inkPrice'), 10000);
    assert.deepEqual(await view(node.url, ARB_WASM, 'minInitGas'), [8832n, 352n]);
    assert.equal(await view(node.url, ARB_WASM, 'activationGas'), 0n);
    assert.equal(await view(node.url, ARB_OWNER_PUBLIC, 'getMaxStylusContractFragments'), 4);
    assert.deepEqual([p.maxWasmSize, p.maxFragmentCount], [262144, 4]);
  });

  test('a fragmented program deploys (fragments first, then the root), activates, and is called', async () => {
    // ~40 KB of incompressible data: over one contract's 24,576 bytes, so two fragments
    const wasm = await bigProgram(40_000, 7);
    const compressed = brotliCompress(wasm);
    assert.ok(compressed.length > MAX_FRAGMENT_PAYLOAD, `${compressed.length} bytes compressed`);
    const { root, fragments, codes } = await deployFragmented(node.url, wasm);
    assert.equal(fragments.length, 2);
    // a fragment cannot be activated by itself: a plain revert that keeps the remaining gas
    const direct = await activate(node.url, fragments[0]);
    assert.equal(direct.status, '0x0');
    assert.ok(BigInt(direct.gasUsed) < 30_000_000n, 'not an activation failure: the gas is kept');

    // the same activation, once with the fragments cold and once warmed by an access list: the reads
    // cost 2,600 cold or 100 warm (+ 3 gas a word), and the list costs 2,400 an address, so the two
    // transactions differ by exactly 100 gas per fragment
    const snap = (await rpc(node.url, 'evm_snapshot')).result;
    const at = BigInt(((await rpc(node.url, 'eth_getBlockByNumber', ['latest', false])).result as { timestamp: string }).timestamp) + 100n;
    await rpc(node.url, 'evm_setNextBlockTimestamp', [toHex(at)]);
    const cold = await activate(node.url, root);
    assert.equal(cold.status, '0x1', 'the root activates');
    await rpc(node.url, 'evm_revert', [snap]);
    await rpc(node.url, 'evm_setNextBlockTimestamp', [toHex(at)]);
    const warm = await activate(node.url, root, { accessList: fragments.map((address) => ({ address, storageKeys: [] })) });
    assert.equal(warm.status, '0x1');
    assert.equal(BigInt(cold.gasUsed) - BigInt(warm.gasUsed), 100n * BigInt(fragments.length));
    assert.equal(fragmentReadGasCost(false, codes[0].length) - fragmentReadGasCost(true, codes[0].length), 2500n);

    // the root runs the reassembled program
    const out = await rpc(node.url, 'eth_call', [{ to: root, data: '0x' }, 'latest']);
    assert.equal(out.result, toHex((wasm as Uint8Array & { head: Uint8Array }).head));
    assert.equal(await view(node.url, ARB_WASM, 'programVersion', [root]), 3);
  });

  test("the root's limits: fragment count and MaxWasmSize, with the owner's setters", async () => {
    const wasm = await bigProgram(40_000, 8);
    const { root } = await deployFragmented(node.url, wasm);
    const snap = (await rpc(node.url, 'evm_snapshot')).result;
    assert.equal((await owner(node.url, 'setMaxStylusContractFragments', [1])).status, '0x1');
    assert.equal(await view(node.url, ARB_OWNER_PUBLIC, 'getMaxStylusContractFragments'), 1);
    assert.equal((await activate(node.url, root)).status, '0x0', 'two fragments over a limit of one');
    await rpc(node.url, 'evm_revert', [snap]);
    const snap2 = (await rpc(node.url, 'evm_snapshot')).result;
    assert.equal((await owner(node.url, 'setWasmMaxSize', [wasm.length - 1])).status, '0x1');
    assert.equal((await activate(node.url, root)).status, '0x0', 'the root declares more than MaxWasmSize');
    await rpc(node.url, 'evm_revert', [snap2]);
    assert.equal((await activate(node.url, root)).status, '0x1');
  });

  test('a module with an unreachable f32.add is refused at activation, through JSON-RPC', async () => {
    const wasm = await wat(ECHO_WAT.replace(/\)$/, ' (func $never (param f32 f32) (result f32) local.get 0 local.get 1 f32.add))'));
    const program = await deployCode(node.url, stylusDeployBytes(wasm).runtimeCode);
    // what cargo-stylus check does: eth_call of activateProgram
    const r = await rpc(node.url, 'eth_call', [{ from: '0x3f1Eae7D46d88F08fc2F8ed27FCb2AB183EB2d0E', to: ARB_WASM, data: data('activateProgram', [program]), value: toHex(10n ** 18n) }, 'latest']);
    assert.equal(r.error?.message, 'program activation failed: No implementation for floating point operation BinOp(F32, Add) in user');
    // the transaction fails and burns all the gas it was given
    const tx = await activate(node.url, program, { gas: toHex(5_000_000n) });
    assert.equal(tx.status, '0x0');
    assert.equal(BigInt(tx.gasUsed), 5_000_000n);
  });

  test('debug mode is off as on One: a start function or a console import is refused', async () => {
    const start = await wat(ECHO_WAT.replace(/\)$/, ' (func $init) (start $init))'));
    const p1 = await deployCode(node.url, stylusDeployBytes(start).runtimeCode);
    assert.equal((await activate(node.url, p1, { gas: toHex(5_000_000n) })).status, '0x0');
    const debugNode = await startEmbeddedDevnode({ port: 0, debug: true });
    try {
      const p2 = await deployCode(debugNode.url, stylusDeployBytes(start).runtimeCode);
      assert.equal((await activate(debugNode.url, p2)).status, '0x1', 'a debug chain moves the start function to stylus_start');
      assert.equal(((await rpc(debugNode.url, 'devnode_info')).result as { debug: boolean }).debug, true);
    } finally {
      await debugNode.stop();
    }
    assert.equal(((await rpc(node.url, 'devnode_info')).result as { debug: boolean }).debug, false);
  });

  test('block_number and NUMBER return the L1 block number (0: no parent chain, as nitro-devnode), not the L2 one', async () => {
    const wasm = await wat(`(module
      (import "vm_hooks" "block_number" (func $bn (result i64)))
      (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
      (memory (export "memory") 1 1)
      (func (export "user_entrypoint") (param i32) (result i32)
        (i64.store (i32.const 0) (call $bn))
        (call $write_result (i32.const 0) (i32.const 8)) (i32.const 0)))`);
    const program = await deployCode(node.url, stylusDeployBytes(wasm).runtimeCode);
    assert.equal((await activate(node.url, program)).status, '0x1');
    const l2 = BigInt((await rpc(node.url, 'eth_blockNumber')).result as string);
    assert.ok(l2 > 2n);
    assert.equal((await rpc(node.url, 'eth_call', [{ to: program, data: '0x' }, 'latest'])).result, '0x0000000000000000');
    // EVM: NUMBER PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN
    const at = '0x00000000000000000000000000000000000000aa';
    const evm = await rpc(node.url, 'eth_call', [{ to: at }, 'latest', { [at]: { code: '0x4360005260206000f3' } }]);
    assert.equal(BigInt(evm.result as string), 0n);
    assert.equal(await view(node.url, ARB_SYS, 'arbBlockNumber'), l2 + 1n, 'ArbSys.arbBlockNumber is the L2 number');
    const receipt = await send(node.url, { to: program, gas: toHex(1_000_000n) });
    assert.equal(receipt.l1BlockNumber, '0x0');
  });

  test('the recent-wasm cache: a program called again in the same block pays the cached init gas (ArbOS ≥ 60)', async () => {
    const program = await deployCode(node.url, stylusDeployBytes(await wat(ECHO_WAT)).runtimeCode);
    assert.equal((await activate(node.url, program)).status, '0x1');
    const [gas, gasWhenCached] = (await view(node.url, ARB_WASM, 'programInitGas', [program])) as [bigint, bigint];
    const used = await sameBlock(node.url, program, 3);
    assert.equal(used[0] - used[1], gas - gasWhenCached, 'the second call skips the init gas');
    assert.equal(used[1], used[2]);
    // a new block starts with an empty cache
    const next = await send(node.url, { to: program, data: '0x01', gas: toHex(1_000_000n) });
    assert.equal(BigInt(next.gasUsed), used[0]);
  });

  test('the per-transaction gas limit: 32M of execution, the rest held back; eth_call uncapped; eth_estimateGas refuses', async () => {
    const program = await deployCode(node.url, stylusDeployBytes(await wat(FILL_LOOP_WAT)).runtimeCode);
    assert.equal((await activate(node.url, program)).status, '0x1');
    const n = await itersFor(node.url, program, 36_000_000n);
    const calldata = iters(n);
    const intrinsic = 21_000n + 16n * 4n;
    // eth_call is not capped (only by the RPC gas cap, 50M)
    const call = await rpc(node.url, 'eth_call', [{ to: program, data: calldata, gas: toHex(45_000_000n) }, 'latest']);
    assert.equal(call.error, undefined, JSON.stringify(call.error));
    const est = await rpc(node.url, 'eth_estimateGas', [{ from: '0x3f1Eae7D46d88F08fc2F8ed27FCb2AB183EB2d0E', to: program, data: calldata }, 'latest']);
    assert.equal(est.error?.message, 'gas required exceeds allowance (50000000)');
    // a transaction may ask for 45M: it is included, its execution gets 32M less the intrinsic gas, runs
    // out, and only that is charged (GasChargingHook holds the rest back)
    const tx = await send(node.url, { to: program, data: calldata, gas: toHex(45_000_000n) });
    assert.equal(tx.status, '0x0');
    assert.equal(BigInt(tx.gasUsed), 32_000_000n, `${intrinsic} intrinsic + 32M − ${intrinsic} of execution`);
  });
});

/** Fills 64 KiB of memory as many times as the little-endian u32 in its calldata says. */
const FILL_LOOP_WAT = `(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (memory (export "memory") 1 1)
  (func (export "user_entrypoint") (param i32) (result i32) (local $n i32)
    (call $read_args (i32.const 0))
    (local.set $n (i32.load (i32.const 0)))
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (memory.fill (i32.const 0) (i32.const 0) (i32.const 65536))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $l)))
    (i32.const 0)))`;

const iters = (n: number): Hex => toHex(Uint8Array.from([n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff]));

/** Iterations of FILL_LOOP_WAT that need about `gas` (from two eth_estimateGas points). */
async function itersFor(url: string, program: string, gas: bigint): Promise<number> {
  const at = async (n: number) => BigInt((await rpc(url, 'eth_estimateGas', [{ to: program, data: iters(n) }, 'latest'])).result as string);
  const g1 = await at(1);
  const g2 = await at(1001);
  const per = (g2 - g1) / 1000n;
  return Number((gas - g1) / per);
}

/** Sends `count` calls of `program` in one block (interval mining); returns each one's gasUsed. */
async function sameBlock(url: string, program: string, count: number): Promise<bigint[]> {
  await rpc(url, 'evm_setIntervalMining', [toHex(3_600_000)]);
  const hashes: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const h = await rpc(url, 'eth_sendTransaction', [{ from: '0x3f1Eae7D46d88F08fc2F8ed27FCb2AB183EB2d0E', to: program, data: '0x01', gas: toHex(1_000_000n) }]);
      hashes.push(h.result as string);
    }
    await rpc(url, 'evm_mine');
  } finally {
    await rpc(url, 'evm_setIntervalMining', ['0x0']);
  }
  const receipts = await Promise.all(hashes.map(async (h) => (await rpc(url, 'eth_getTransactionReceipt', [h])).result as { gasUsed: string; blockNumber: string }));
  assert.equal(new Set(receipts.map((r) => r.blockNumber)).size, 1, 'one block');
  return receipts.map((r) => BigInt(r.gasUsed));
}

describe('an ArbOS upgrade on a running devnode', () => {
  for (const how of ['devnode_upgradeArbOS', 'ArbOwner.scheduleArbOSUpgrade'] as const) {
    test(`${how}: programs activated under Stylus v2 answer ProgramNeedsUpgrade until re-activated`, async () => {
      const node = await startEmbeddedDevnode({ port: 0, arbos: 50 });
      try {
        const program = await deployCode(node.url, stylusDeployBytes(await wat(ECHO_WAT)).runtimeCode);
        assert.equal((await activate(node.url, program)).status, '0x1');
        assert.equal(await view(node.url, ARB_WASM, 'programVersion', [program]), 2);
        assert.equal((await rpc(node.url, 'eth_call', [{ to: program, data: '0xbeef' }, 'latest'])).result, '0xbeef');

        if (how === 'devnode_upgradeArbOS') {
          assert.equal((await rpc(node.url, 'devnode_upgradeArbOS', ['0x3d'])).result, 61);
        } else {
          assert.equal((await owner(node.url, 'scheduleArbOSUpgrade', [61n, 0n])).status, '0x1');
          await rpc(node.url, 'evm_mine'); // the upgrade takes effect at the start of the next block
        }
        assert.equal(await view(node.url, ARB_SYS, 'arbOSVersion'), 116n);
        assert.equal(await view(node.url, ARB_WASM, 'stylusVersion'), 3);
        assert.equal(await view(node.url, ARB_OWNER_PUBLIC, 'getMaxStylusContractFragments'), 4, 'ArbOS 60 installed the fragment limit');

        // a call is not an ABI revert: all gas, the named error as the message
        const call = await rpc(node.url, 'eth_call', [{ to: program, data: '0xbeef' }, 'latest']);
        assert.match(call.error?.message ?? '', /ProgramNeedsUpgrade\(2, 3\)/);
        const v = await rpc(node.url, 'eth_call', [{ to: ARB_WASM, data: data('programVersion', [program]) }, 'latest']);
        const decoded = decodeErrorResult({ abi: ABI, data: v.error!.data as Hex });
        assert.equal(decoded.errorName, 'ProgramNeedsUpgrade');
        assert.deepEqual(decoded.args, [2, 3]);

        const again = await activate(node.url, program);
        assert.equal(again.status, '0x1', 're-activation under Stylus v3');
        assert.equal(await view(node.url, ARB_WASM, 'programVersion', [program]), 3);
        assert.equal((await rpc(node.url, 'eth_call', [{ to: program, data: '0xbeef' }, 'latest'])).result, '0xbeef');
      } finally {
        await node.stop();
      }
    });
  }

  test('an upgrade keeps owner-set parameters and applies each step (50 → 59 → 61)', async () => {
    const node = await startEmbeddedDevnode({ port: 0, arbos: 50 });
    try {
      assert.equal((await owner(node.url, 'setInkPrice', [12_345])).status, '0x1');
      assert.equal((await owner(node.url, 'setWasmPageLimit', [100])).status, '0x1');
      assert.equal((await rpc(node.url, 'devnode_upgradeArbOS', ['0x3b'])).result, 59);
      assert.equal(await view(node.url, ARB_WASM, 'inkPrice'), 12_345);
      assert.equal(await view(node.url, ARB_WASM, 'pageLimit'), 100);
      assert.equal(await view(node.url, ARB_WASM, 'stylusVersion'), 3);
      await assert.rejects(view(node.url, ARB_OWNER_PUBLIC, 'getMaxStylusContractFragments'), 'no fragments before 60');
      assert.equal((await rpc(node.url, 'devnode_upgradeArbOS', ['0x3d'])).result, 61);
      assert.equal(await view(node.url, ARB_OWNER_PUBLIC, 'getMaxStylusContractFragments'), 4);
      const down = await rpc(node.url, 'devnode_upgradeArbOS', ['0x32']);
      assert.match(down.error?.message ?? '', /not an upgrade/);
    } finally {
      await node.stop();
    }
  });
});

describe("ArbOwner's Stylus parameter setters and ArbWasm's views", () => {
  test('each setter changes what the view answers, with nitro\'s units; non-owners are refused', async () => {
    const node = await startEmbeddedDevnode({ port: 0 });
    try {
      const set = async (fn: Parameters<typeof owner>[1], args: unknown[]) => assert.equal((await owner(node.url, fn, args)).status, '0x1', fn);
      await set('setInkPrice', [20_000]);
      await set('setWasmMaxStackDepth', [30_000]);
      await set('setWasmFreePages', [3]);
      await set('setWasmPageGas', [2000]);
      await set('setWasmPageLimit', [64]);
      await set('setWasmMinInitGas', [9000n, 400n]); // rounded up to 128- and 32-gas units
      await set('setWasmInitCostScalar', [75n]); // rounded up to 2% units
      await set('setWasmExpiryDays', [100]);
      await set('setWasmKeepaliveDays', [7]);
      await set('setWasmBlockCacheSize', [16]);
      await set('setWasmActivationGas', [123_456n]);
      assert.equal(await view(node.url, ARB_WASM, 'inkPrice'), 20_000);
      assert.equal(await view(node.url, ARB_WASM, 'maxStackDepth'), 30_000);
      assert.equal(await view(node.url, ARB_WASM, 'freePages'), 3);
      assert.equal(await view(node.url, ARB_WASM, 'pageGas'), 2000);
      assert.equal(await view(node.url, ARB_WASM, 'pageLimit'), 64);
      assert.deepEqual(await view(node.url, ARB_WASM, 'minInitGas'), [71n * 128n, 13n * 32n]);
      assert.equal(await view(node.url, ARB_WASM, 'initCostScalar'), 76n);
      assert.equal(await view(node.url, ARB_WASM, 'expiryDays'), 100);
      assert.equal(await view(node.url, ARB_WASM, 'keepaliveDays'), 7);
      assert.equal(await view(node.url, ARB_WASM, 'blockCacheSize'), 16);
      assert.equal(await view(node.url, ARB_WASM, 'activationGas'), 123_456n);
      // ink price 0 is refused with a plain revert; a non-owner burns its gas
      assert.equal((await owner(node.url, 'setInkPrice', [0])).status, '0x0');
      const h = await rpc(node.url, 'eth_sendTransaction', [{ from: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266', to: '0x0000000000000000000000000000000000000070', data: data('setWasmPageGas', [1]), gas: '0x30000' }]);
      const r = (await rpc(node.url, 'eth_getTransactionReceipt', [h.result])).result as { status: string; gasUsed: string };
      assert.equal(r.status, '0x0');
      assert.equal(BigInt(r.gasUsed), 0x30000n);
      // activation pays the ActivationGas parameter up front
      const program = await deployCode(node.url, stylusDeployBytes(await wat(ECHO_WAT)).runtimeCode);
      const paid = await activate(node.url, program);
      assert.equal(paid.status, '0x1');
      assert.ok(BigInt(paid.gasUsed) > 123_456n + 1_659_168n);
    } finally {
      await node.stop();
    }
  });
});
