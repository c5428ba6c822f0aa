// The devnode's CacheManager: the committed creation code is what CacheManager.sol compiles to with the
// pinned solc, and its public interface is Arbitrum's — every selector of nitro-contracts'
// test/signatures/CacheManager table, no more, and the ABI core/chain/cache.ts calls it with.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toFunctionSelector, toEventSelector, type AbiEvent, type AbiFunction } from 'viem';
import { CACHE_MANAGER_INIT_CODE, CACHE_MANAGER_SOLC } from '../../devnode/contracts/cache-manager';
import { CACHE_MANAGER_ABI } from '../../core/chain/cache';
import { compileCacheManager } from '../../scripts/compile-cache-manager';

/** nitro-contracts test/signatures/CacheManager (method → identifier) */
const ARBITRUM_SELECTORS: Record<string, string> = {
  'cacheSize()': '674a64e0',
  'decay()': '54fac919',
  'entries(uint256)': 'b30906d4',
  'evictAll()': '5c32e943',
  'evictPrograms(uint256)': 'cadb43e2',
  'getEntries()': '17be85c3',
  'getMinBid(address)': '32052a9b',
  'getMinBid(bytes32)': 'c565a208',
  'getMinBid(uint64)': 'd29b303e',
  'getSmallestEntries(uint256)': 'e9c1bc0f',
  'initialize(uint64,uint64)': '20f2f345',
  'isPaused()': 'b187bd26',
  'makeSpace(uint64)': 'c1c013c4',
  'paused()': '5c975abb',
  'placeBid(address)': 'e4940157',
  'queueSize()': 'bae6c2ad',
  'setCacheSize(uint64)': '2dd4f566',
  'setDecayRate(uint64)': 'c77ed13e',
  'sweepFunds()': 'a8d6fe04',
  'unpause()': '3f4ba83a',
};

const compiled = compileCacheManager();
const sig = (f: { name?: string; inputs?: readonly { type: string; components?: readonly unknown[] }[] }) =>
  `${f.name}(${(f.inputs ?? []).map((i) => (i.type === 'tuple' ? `(${(i.components as { type: string }[]).map((c) => c.type).join(',')})` : i.type)).join(',')})`;

test('the committed creation code is what the pinned solc makes of CacheManager.sol (rerun scripts/compile-cache-manager.ts after editing it)', () => {
  assert.equal(compiled.solcVersion, CACHE_MANAGER_SOLC, 'the solc package-lock pins');
  assert.equal(compiled.initCode, CACHE_MANAGER_INIT_CODE);
});

test("its functions are exactly Arbitrum's CacheManager's, selector for selector", () => {
  const ours = Object.fromEntries(compiled.abi.filter((x) => x.type === 'function').map((f) => [sig(f), toFunctionSelector(sig(f)).slice(2)]));
  assert.deepEqual(ours, ARBITRUM_SELECTORS);
});

test('core/chain/cache.ts speaks the same ABI: functions, events and errors', () => {
  const kinds = ['function', 'event', 'error'] as const;
  for (const kind of kinds) {
    const solc = compiled.abi.filter((x) => x.type === kind).map(sig).sort();
    const core = CACHE_MANAGER_ABI.filter((x) => x.type === kind).map((x) => sig(x as AbiFunction)).sort();
    // OpenZeppelin's Initialized(uint8) is emitted once by initialize; core reads no such event
    assert.deepEqual(core, solc.filter((s) => s !== 'Initialized(uint8)'), kind);
  }
  const insert = CACHE_MANAGER_ABI.find((x) => x.type === 'event' && x.name === 'InsertBid') as AbiEvent;
  assert.equal(toEventSelector(insert), toEventSelector('InsertBid(bytes32,address,uint192,uint64)'));
});
