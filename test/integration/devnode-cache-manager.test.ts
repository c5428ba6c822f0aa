// The devnode's CacheManager (devnode/contracts/CacheManager.sol) against Arbitrum's rules, on the chain:
// the genesis instance is registered and sized as nitro-contracts deploys it; a small second instance
// (registered by the chain owner, as a chain would add one) shows the auction — a bid into a full cache
// evicts the lowest bid and is refused below it with the minimum named (also through core's planCacheBid,
// what `stylus-ml cache --bid` runs), the decay that ages bids, the owner-only controls, the pause,
// eviction of everything and the sweep of the bids to the network fee account.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeErrorResult, encodeFunctionData, keccak256, parseAbi, toHex, type Hex } from 'viem';
import { startEmbeddedDevnode, type EmbeddedDevnode } from '../../devnode/index';
import { TEST_ACCOUNTS } from '../../devnode/accounts';
import { CACHE_MANAGER_ADDRESS, INIT_CACHE_SIZE, INIT_DECAY } from '../../devnode/cache-manager';
import { CACHE_MANAGER_INIT_CODE } from '../../devnode/contracts/cache-manager';
import { stylusDeployBytes } from '../../core/build/deploy-bytes';
import { ARB_WASM, ARB_WASM_ABI, connect, deployProgram, sendContract, type ChainClient } from '../../core/chain/index';
import { CACHE_MANAGER_ABI, planCacheBid } from '../../core/chain/cache';
import { ARB_WASM_CACHE, ARB_WASM_CACHE_ABI, readProgramStatus } from '../../core/chain/lifecycle';
import { rpc, wat } from './devnode-helpers';

const ARB_OWNER = '0x0000000000000000000000000000000000000070';
const NETWORK_FEE_ACCOUNT = '0xa4b0500000000000000000000000000000000000';
const OWNER_ABI = parseAbi(['function addWasmCacheManager(address)']);
const KB4 = 4096n;

/** An echo program with its own code (and so its own codehash): a data segment tells them apart. */
const program = (n: number) => `(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (memory (export "memory") 1 1)
  (data (i32.const 1024) "program ${n}")
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 0))
    (call $write_result (i32.const 0) (local.get $len))
    (i32.const 0)))`;

describe('the CacheManager', () => {
  let node: EmbeddedDevnode;
  let c: ChainClient;
  let manager: Hex;
  const programs: Hex[] = [];
  const read = async <T>(to: Hex, fn: string, args: unknown[] = []) => (await c.publicClient.readContract({ address: to, abi: CACHE_MANAGER_ABI, functionName: fn as 'cacheSize', args: args as [] })) as T;
  const isCached = async (a: Hex) =>
    c.publicClient.readContract({ address: ARB_WASM_CACHE, abi: ARB_WASM_CACHE_ABI, functionName: 'codehashIsCached', args: [keccak256((await c.publicClient.getCode({ address: a }))!)] });
  const tx = (fn: string, args: unknown[], value = 0n, to: Hex = manager) => sendContract(c, { to, data: encodeFunctionData({ abi: CACHE_MANAGER_ABI, functionName: fn as 'placeBid', args: args as [Hex] }), value });
  /** the named error an eth_call of the same transaction answers */
  const refusal = async (fn: string, args: unknown[], value = 0n, from?: Hex) => {
    const r = await rpc(node.url, 'eth_call', [{ from: from ?? c.account, to: manager, data: encodeFunctionData({ abi: CACHE_MANAGER_ABI, functionName: fn as 'placeBid', args: args as [Hex] }), value: toHex(value) }]);
    assert.ok(r.error, `${fn} should revert`);
    const d = decodeErrorResult({ abi: CACHE_MANAGER_ABI, data: (r.error.data ?? (r.error as { data?: Hex }).data) as Hex });
    return `${d.errorName}(${(d.args ?? []).map(String).join(', ')})`;
  };

  before(async () => {
    node = await startEmbeddedDevnode({ port: 0 });
    c = await connect({ mode: 'rpc', rpcUrl: node.url });
    for (let i = 0; i < 4; i++) programs.push((await deployProgram(c, stylusDeployBytes(await wat(program(i))).initCode)).address);
  });
  after(async () => {
    await c.close();
    await node.stop();
  });

  test('genesis: one registered, initialised as nitro-contracts deploys it, at a fixed address', async () => {
    const managers = await c.publicClient.readContract({ address: ARB_WASM_CACHE, abi: ARB_WASM_CACHE_ABI, functionName: 'allCacheManagers' });
    assert.deepEqual(managers, [CACHE_MANAGER_ADDRESS]);
    assert.equal(await read<bigint>(CACHE_MANAGER_ADDRESS, 'cacheSize'), INIT_CACHE_SIZE);
    assert.equal(await read<bigint>(CACHE_MANAGER_ADDRESS, 'decay'), INIT_DECAY);
    assert.equal(await read<bigint>(CACHE_MANAGER_ADDRESS, 'queueSize'), 0n);
    assert.equal(await read<boolean>(CACHE_MANAGER_ADDRESS, 'isPaused'), false);
    // the dev accounts' nonces are untouched: the first deployment of a fresh chain still lands where it always did
    assert.equal((await rpc(node.url, 'eth_getTransactionCount', [TEST_ACCOUNTS[0].address, 'latest'])).result, '0x0');
  });

  test('a full cache: a bid evicts the lowest one, and is refused below it with the minimum named', async () => {
    // a manager with room for three of these programs (ArbWasm.codehashAsmSize, at least 4 KiB each), no decay
    const sizes = new Set<number>();
    for (const p of programs) {
      const h = keccak256((await c.publicClient.getCode({ address: p }))!);
      sizes.add(await c.publicClient.readContract({ address: ARB_WASM, abi: ARB_WASM_ABI, functionName: 'codehashAsmSize', args: [h] }));
    }
    assert.equal(sizes.size, 1, 'the four programs have one size');
    const size = BigInt([...sizes][0]);
    assert.ok(size >= KB4);
    const w = c.walletClient!;
    const created = await w.sendTransaction({ account: w.account!, chain: w.chain, data: CACHE_MANAGER_INIT_CODE as Hex });
    const receipt = await c.publicClient.waitForTransactionReceipt({ hash: created });
    manager = receipt.contractAddress!;
    assert.equal((await tx('initialize', [3n * size, 0n])).status, 'success');
    assert.equal((await sendContract(c, { to: ARB_OWNER, data: encodeFunctionData({ abi: OWNER_ABI, functionName: 'addWasmCacheManager', args: [manager] }) })).status, 'success');
    assert.match(await refusal('initialize', [1n, 1n]), /already initialized/, 'initialised once');

    assert.equal(await read<bigint>(manager, 'getMinBid', [programs[0]]), 0n, 'room left: any bid');
    for (const [i, bid] of [10n, 30n, 20n].entries()) assert.equal((await tx('placeBid', [programs[i]], bid)).status, 'success');
    assert.equal(await read<bigint>(manager, 'queueSize'), 3n * size);
    for (let i = 0; i < 3; i++) assert.equal(await isCached(programs[i]), true);
    assert.equal(await read<bigint>(manager, 'getMinBid', [programs[3]]), 10n, 'full: the lowest bid must be matched');
    assert.equal(await refusal('placeBid', [programs[3]], 9n), 'BidTooSmall(9, 10)');
    assert.equal(await refusal('placeBid', [programs[1]], 100n), `AlreadyCached(${keccak256((await c.publicClient.getCode({ address: programs[1] }))!)})`);

    // `stylus-ml cache --bid 9` is refused before anything is sent, naming the least accepted bid
    const status = await readProgramStatus(c, programs[3]);
    await assert.rejects(planCacheBid(c, status, 9n), /refuses the bid of 9 wei: the bid is too small: it counts 9 against the 10 of the bid it would evict/);
    const plan = await planCacheBid(c, status);
    assert.equal(plan.manager.toLowerCase(), manager.toLowerCase(), 'the last registered manager, as cargo-stylus picks');
    assert.equal(plan.bidWei, 10n, 'without --bid: the least bid accepted now');

    assert.equal((await tx('placeBid', [programs[3]], 10n)).status, 'success');
    assert.equal(await isCached(programs[0]), false, 'the lowest bid was evicted');
    assert.equal(await isCached(programs[3]), true);
    const smallest = await read<{ code: Hex; bid: bigint }[]>(manager, 'getSmallestEntries', [2n]);
    assert.deepEqual(smallest.map((e) => e.bid), [10n, 20n], 'ascending');
    const entries = await read<{ code: Hex; size: bigint; bid: bigint }[]>(manager, 'getEntries');
    assert.equal(entries.length, 3, 'the evicted slot is reused');
    assert.equal(entries[0].code, keccak256((await c.publicClient.getCode({ address: programs[3] }))!));
  });

  test('decay ages bids: a bid counts its value plus timestamp · decay, and older bids are cheaper to beat', async () => {
    await tx('setDecayRate', [1000n]);
    const block = await c.publicClient.getBlock();
    // the lowest stored bid (10, placed without decay) is far below the current decay term: beating it costs 0
    assert.equal(await read<bigint>(manager, 'getMinBid', [programs[0]]), 0n);
    const r = await tx('placeBid', [programs[0]], 0n);
    const log = (await c.publicClient.getTransactionReceipt({ hash: r.hash })).logs.find((l) => l.address.toLowerCase() === manager.toLowerCase() && l.topics.length === 2 && l.data.length > 2 + 64 * 2);
    assert.ok(log, 'InsertBid');
    const bid = BigInt(`0x${log.data.slice(2 + 64, 2 + 128)}`);
    assert.ok(bid >= block.timestamp * 1000n, 'the stored bid carries the decay term');
    await tx('setDecayRate', [0n]);
  });

  test('owner-only controls, pause, evictAll, makeSpace and sweepFunds', async () => {
    const stranger = TEST_ACCOUNTS[1].address as Hex;
    assert.equal(await refusal('setCacheSize', [1n], 0n, stranger), `NotChainOwner(${stranger})`);
    assert.equal((await tx('paused', [])).status, 'success');
    assert.equal(await refusal('placeBid', [programs[1]], 100n), 'BidsArePaused()');
    assert.equal((await tx('unpause', [])).status, 'success');
    assert.equal(await refusal('makeSpace', [6n * 1024n * 1024n]), `MakeSpaceTooLarge(${6 * 1024 * 1024}, ${5 * 1024 * 1024})`);
    const before = await c.publicClient.getBalance({ address: NETWORK_FEE_ACCOUNT });
    const held = await c.publicClient.getBalance({ address: manager });
    assert.equal(held, 10n + 30n + 20n + 10n, 'the bids paid');
    assert.equal((await tx('sweepFunds', [])).status, 'success');
    assert.equal((await c.publicClient.getBalance({ address: NETWORK_FEE_ACCOUNT })) - before, held);
    assert.equal((await tx('evictAll', [])).status, 'success');
    assert.equal(await read<bigint>(manager, 'queueSize'), 0n);
    for (const p of programs) assert.equal(await isCached(p), false);
    assert.deepEqual(await read<unknown[]>(manager, 'getEntries'), []);
  });
});
