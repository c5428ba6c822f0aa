// Chain-level behaviour of the embedded node: snapshots and reset, eth_call state overrides, EIP-3541
// with the Stylus exemption, nitro's code size limits, ArbWasmCache caching, ArbSys / ArbOwnerPublic /
// ArbGasInfo views, and interval mining.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encodeFunctionData, decodeFunctionResult, parseAbi, toHex, type Abi, type Hex } from 'viem';
import { startEmbeddedDevnode, type EmbeddedDevnode } from '../../devnode/index';
import { DEV_ACCOUNT, TEST_ACCOUNTS } from '../../devnode/accounts';
import { CACHE_MANAGER_ADDRESS } from '../../devnode/cache-manager';
import { stylusDeployBytes } from '../../core/build/deploy-bytes';
import { connect, deployProgram, type ChainClient } from '../../core/chain/index';
import { COUNTER_SOL, ECHO_WAT, compileSolidity, rpc, wat } from './devnode-helpers';

const counter = compileSolidity(COUNTER_SOL, 'Counter');
const abi = counter.abi as Abi;
const q = (n: bigint | number) => toHex(n);

async function send(url: string, tx: Record<string, unknown>): Promise<{ status: string; gasUsed: string; contractAddress: string | null; blockNumber: string }> {
  const h = await rpc(url, 'eth_sendTransaction', [{ from: DEV_ACCOUNT.address, ...tx }]);
  assert.ok(typeof h.result === 'string', JSON.stringify(h.error));
  return (await rpc(url, 'eth_getTransactionReceipt', [h.result])).result as never;
}

describe('embedded chain', () => {
  let node: EmbeddedDevnode;
  before(async () => {
    node = await startEmbeddedDevnode({ port: 0 });
  });
  after(async () => {
    await node.stop();
  });

  test('evm_snapshot / evm_revert restore balances, blocks and receipts; the reset returns to genesis', async () => {
    const snap = (await rpc(node.url, 'evm_snapshot')).result as string;
    const blockBefore = (await rpc(node.url, 'eth_blockNumber')).result;
    const r = await send(node.url, { to: TEST_ACCOUNTS[3].address, value: q(5n * 10n ** 18n) });
    assert.equal(r.status, '0x1');
    const bal = (await rpc(node.url, 'eth_getBalance', [TEST_ACCOUNTS[3].address, 'latest'])).result;
    assert.equal(BigInt(bal as string), 1005n * 10n ** 18n);
    assert.equal((await rpc(node.url, 'evm_revert', [snap])).result, true);
    assert.equal((await rpc(node.url, 'eth_blockNumber')).result, blockBefore);
    assert.equal(BigInt((await rpc(node.url, 'eth_getBalance', [TEST_ACCOUNTS[3].address, 'latest'])).result as string), 1000n * 10n ** 18n);
    assert.equal((await rpc(node.url, 'evm_revert', [snap])).result, false, 'a snapshot is used up by reverting to it');
    // history stays queryable at older blocks
    const r2 = await send(node.url, { to: TEST_ACCOUNTS[3].address, value: '0x1' });
    const prev = `0x${(BigInt(r2.blockNumber) - 1n).toString(16)}`;
    assert.equal(BigInt((await rpc(node.url, 'eth_getBalance', [TEST_ACCOUNTS[3].address, prev])).result as string), 1000n * 10n ** 18n);
    assert.equal(BigInt((await rpc(node.url, 'eth_getBalance', [TEST_ACCOUNTS[3].address, r2.blockNumber])).result as string), 1000n * 10n ** 18n + 1n);
    assert.equal((await rpc(node.url, 'devnode_reset')).result, true);
    assert.equal((await rpc(node.url, 'eth_blockNumber')).result, '0x0');
    assert.equal(BigInt((await rpc(node.url, 'eth_getBalance', [TEST_ACCOUNTS[3].address, 'latest'])).result as string), 1000n * 10n ** 18n);
  });

  test('evm_setNextBlockTimestamp: calls and the next block run at that time, later blocks go on from it', async () => {
    const ts = async (tag = 'latest') => BigInt(((await rpc(node.url, 'eth_getBlockByNumber', [tag, false])).result as { timestamp: string }).timestamp);
    const latest = await ts();
    const past = await rpc(node.url, 'evm_setNextBlockTimestamp', [toHex(latest)]);
    assert.equal(past.error?.code, -32602);
    assert.match(past.error!.message, /not after the latest block's timestamp/);
    const at = latest + 1000n;
    await rpc(node.url, 'evm_setNextBlockTimestamp', [toHex(at)]);
    // TIMESTAMP (0x42) returned by a call runs at the pinned time before the block exists
    const code = '0x4260005260206000f3';
    const called = await rpc(node.url, 'eth_call', [{ to: '0x00000000000000000000000000000000000ce11a', data: '0x' }, 'latest', { '0x00000000000000000000000000000000000ce11a': { code } }]);
    assert.equal(BigInt(called.result as string), at);
    await rpc(node.url, 'evm_mine');
    assert.equal(await ts(), at);
    await rpc(node.url, 'evm_mine');
    const next = await ts();
    assert.ok(next >= at && next < at + 60n, `the block after goes on from the pinned time (got ${next - at} s later)`);
  });

  test('eth_call state overrides: code, balance, state, stateDiff — and nothing persists', async () => {
    const at = '0x00000000000000000000000000000000000c0de1';
    const call = (data: Hex, overrides: unknown) => rpc(node.url, 'eth_call', [{ to: at, data }, 'latest', overrides]);
    const countData = encodeFunctionData({ abi, functionName: 'count' });
    const slot0 = `0x${'00'.repeat(32)}`;
    let r = await call(countData, { [at]: { code: counter.deployed, state: { [slot0]: `0x${'00'.repeat(31)}09` } } });
    assert.equal(BigInt(r.result as string), 9n);
    r = await call(countData, { [at]: { code: counter.deployed, stateDiff: { [slot0]: `0x${'00'.repeat(31)}0b` } } });
    assert.equal(BigInt(r.result as string), 11n);
    const who = '0x0000000000000000000000000000000000001234';
    r = await call(encodeFunctionData({ abi, functionName: 'balanceOf', args: [who] }), { [at]: { code: counter.deployed }, [who]: { balance: '0x2a' } });
    assert.equal(BigInt(r.result as string), 42n);
    assert.equal((await rpc(node.url, 'eth_getCode', [at, 'latest'])).result, '0x');
    assert.equal((await rpc(node.url, 'eth_getBalance', [who, 'latest'])).result, '0x0');
    const bad = await rpc(node.url, 'eth_call', [{ to: at }, 'latest', { [at]: { state: {}, stateDiff: {} } }]);
    assert.equal(bad.error?.code, -32602);
  });

  test('EIP-3541 rejects new code starting 0xEF except Stylus code (classic, and root and fragment from ArbOS 60)', async () => {
    // returns one byte 0xEF
    const ef = await send(node.url, { data: '0x60ef60005360016000f3', gas: '0x30000' });
    assert.equal(ef.status, '0x0');
    assert.equal(BigInt(ef.gasUsed), 0x30000n, 'the failed create consumes its gas');
    // returns EF F0 01 00: a fragment, deployable at the default ArbOS 61 (IsStylusComponentPrefix)
    const frag = await send(node.url, { data: '0x63eff0010060e01b60005260046000f3', gas: '0x30000' });
    assert.equal(frag.status, '0x1');
    // returns EF F0 03 00: no Stylus kind
    const other = await send(node.url, { data: '0x63eff0030060e01b60005260046000f3', gas: '0x30000' });
    assert.equal(other.status, '0x0');
    const stylus = await send(node.url, { data: '0x63eff0000060e01b60005260046000f3', gas: '0x30000' });
    assert.equal(stylus.status, '0x1');
    assert.equal((await rpc(node.url, 'eth_getCode', [stylus.contractAddress, 'latest'])).result, '0xeff00000');
  });

  test("code size limits are nitro's: 24,576 bytes of code and 49,152 of init code", async () => {
    // init code returning N zero bytes: PUSH3 N PUSH1 0 RETURN
    const returning = (n: number) => `0x62${n.toString(16).padStart(6, '0')}6000f3`;
    assert.equal((await send(node.url, { data: returning(24576), gas: '0x1000000' })).status, '0x1');
    assert.equal((await send(node.url, { data: returning(24577), gas: '0x1000000' })).status, '0x0');
    const tooLongInit = `0x${'5b'.repeat(49153)}`;
    const r = await rpc(node.url, 'eth_sendTransaction', [{ from: DEV_ACCOUNT.address, data: tooLongInit, gas: '0x1000000' }]);
    const okInit = `0x${'5b'.repeat(49152 - 6)}${'60006000f3'}00`;
    assert.equal((await send(node.url, { data: okInit, gas: '0x1000000' })).status, '0x1');
    if (r.result !== undefined) {
      const rec = (await rpc(node.url, 'eth_getTransactionReceipt', [r.result])).result as { status: string };
      assert.equal(rec.status, '0x0');
    } else {
      assert.match(r.error!.message, /initcode|init code|size/i);
    }
  });
});

describe('precompile views and caching', () => {
  let node: EmbeddedDevnode;
  let client: ChainClient;
  before(async () => {
    node = await startEmbeddedDevnode({ port: 0 });
    client = await connect({ mode: 'rpc', rpcUrl: node.url });
  });
  after(async () => {
    await client.close();
    await node.stop();
  });
  const sysAbi = parseAbi([
    'function arbBlockNumber() view returns (uint256)',
    'function arbChainID() view returns (uint256)',
    'function arbBlockHash(uint256) view returns (bytes32)',
    'function getAllChainOwners() view returns (address[])',
    'function isChainOwner(address) view returns (bool)',
    'function getMaxStylusContractFragments() view returns (uint8)',
    'function getPricesInWei() view returns (uint256,uint256,uint256,uint256,uint256,uint256)',
    'function getL1BaseFeeEstimate() view returns (uint256)',
    'function isCacheManager(address) view returns (bool)',
    'function allCacheManagers() view returns (address[])',
    'function cacheProgram(address)',
    'function codehashIsCached(bytes32) view returns (bool)',
    'function programInitGas(address) view returns (uint64, uint64)',
  ]);
  const view = async (to: string, fn: string, args: unknown[] = []) => {
    const data = encodeFunctionData({ abi: sysAbi, functionName: fn as 'arbChainID', args: args as [] });
    const r = await rpc(node.url, 'eth_call', [{ to, data }]);
    if (r.error) return { error: r.error.code };
    return decodeFunctionResult({ abi: sysAbi, functionName: fn as 'arbChainID', data: r.result as Hex }) as unknown;
  };

  test('ArbSys, ArbOwnerPublic, ArbGasInfo', async () => {
    const sys = '0x0000000000000000000000000000000000000064';
    await send(node.url, { to: TEST_ACCOUNTS[0].address, value: '0x1' });
    assert.equal(await view(sys, 'arbChainID'), 412346n);
    const head = BigInt((await rpc(node.url, 'eth_blockNumber')).result as string);
    // calls run in the context of the next block
    assert.equal(await view(sys, 'arbBlockNumber'), head + 1n);
    const b1 = (await rpc(node.url, 'eth_getBlockByNumber', ['0x1', false])).result as { hash: string };
    assert.equal(await view(sys, 'arbBlockHash', [1n]), b1.hash);
    assert.deepEqual(await view(sys, 'arbBlockHash', [head + 5n]), { error: 3 });
    const owners = (await view('0x000000000000000000000000000000000000006b', 'getAllChainOwners')) as string[];
    assert.deepEqual(owners.map((o) => o.toLowerCase()), [DEV_ACCOUNT.address.toLowerCase()]);
    assert.equal(await view('0x000000000000000000000000000000000000006b', 'isChainOwner', [TEST_ACCOUNTS[0].address]), false);
    // fragments arrive with ArbOS 60 (a failing call before): 4 at the default ArbOS 61
    assert.equal(await view('0x000000000000000000000000000000000000006b', 'getMaxStylusContractFragments'), 4);
    const prices = (await view('0x000000000000000000000000000000000000006c', 'getPricesInWei')) as bigint[];
    assert.equal(prices[5], 100_000_000n, 'L2 gas price 0.1 gwei');
    assert.equal(await view('0x000000000000000000000000000000000000006c', 'getL1BaseFeeEstimate'), 0n);
    // precompiles have code (INVALID), as on nitro
    assert.equal((await rpc(node.url, 'eth_getCode', ['0x0000000000000000000000000000000000000071', 'latest'])).result, '0xfe');
  });

  test('ArbWasmCache: only managers and owners may cache; a cached program pays only the cached init gas', async () => {
    const wasmCache = '0x0000000000000000000000000000000000000072';
    const bytes = stylusDeployBytes(await wat(ECHO_WAT));
    const prog = await deployProgram(client, bytes.initCode);
    // the CacheManager installed at genesis, as nitro-devnode's setup registers one
    assert.deepEqual(await view(wasmCache, 'allCacheManagers'), [CACHE_MANAGER_ADDRESS]);
    const [initGas, cachedGas] = (await view('0x0000000000000000000000000000000000000071', 'programInitGas', [prog.address])) as bigint[];
    assert.ok(initGas > cachedGas && cachedGas >= 352n);
    const callGas = async () => BigInt((await rpc(node.url, 'eth_estimateGas', [{ to: prog.address, data: '0x01' }])).result as string);
    const before = await callGas();
    // a non-manager, non-owner is refused (revert, all gas)
    const denied = await rpc(node.url, 'eth_sendTransaction', [{ from: TEST_ACCOUNTS[0].address, to: wasmCache, data: encodeFunctionData({ abi: sysAbi, functionName: 'cacheProgram', args: [prog.address] }), gas: '0x30000' }]);
    if (denied.result !== undefined) {
      const rec = (await rpc(node.url, 'eth_getTransactionReceipt', [denied.result])).result as { status: string };
      assert.equal(rec.status, '0x0');
    } else assert.equal(denied.error?.code, 3);
    // the chain owner may
    const ok = await send(node.url, { to: wasmCache, data: encodeFunctionData({ abi: sysAbi, functionName: 'cacheProgram', args: [prog.address] }) });
    assert.equal(ok.status, '0x1');
    const after = await callGas();
    // init gas (8832 + init cost) is no longer charged: the difference is initGas − cachedGas
    assert.equal(before - after, initGas - cachedGas);
  });

  test('interval mining: transactions wait in the pool until the next block', async () => {
    const n = await startEmbeddedDevnode({ port: 0, runtime: null, blockTimeMs: 150 });
    try {
      const h = await rpc(n.url, 'eth_sendTransaction', [{ from: DEV_ACCOUNT.address, to: TEST_ACCOUNTS[1].address, value: '0x7' }]);
      const h2 = await rpc(n.url, 'eth_sendTransaction', [{ from: DEV_ACCOUNT.address, to: TEST_ACCOUNTS[1].address, value: '0x8' }]);
      assert.equal((await rpc(n.url, 'eth_getTransactionCount', [DEV_ACCOUNT.address, 'pending'])).result, '0x2');
      let rec = null;
      for (let i = 0; i < 40 && rec === null; i++) {
        await new Promise((r) => setTimeout(r, 50));
        rec = (await rpc(n.url, 'eth_getTransactionReceipt', [h2.result])).result;
      }
      assert.ok(rec !== null);
      const r1 = (await rpc(n.url, 'eth_getTransactionReceipt', [h.result])).result as { blockNumber: string };
      assert.equal(r1.blockNumber, (rec as { blockNumber: string }).blockNumber, 'both in one block');
    } finally {
      await n.stop();
    }
  });
});
