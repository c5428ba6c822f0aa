// Caching a program through the chain's CacheManager, as `cargo stylus cache bid` does (cargo-stylus
// main/src/cache.rs): the manager is the last of ArbWasmCache.allCacheManagers(); placeBid(program) is
// tried by eth_call first, its named error turned into words, then sent with the bid as value. Before
// sending, the least bid that is accepted now (getMinBid) and the cost are known; after it, the cache
// flag is read back — a manager that answers without caching (nitro-devnode's setup deploys only the
// first 48 bytes of the CacheManager's creation code, so its code is 7,452 zero bytes) is reported.
import { decodeErrorResult, encodeFunctionData, parseAbi, type Hex } from 'viem';
import { UserError } from '../errors';
import type { ChainClient } from './connect';
import { PRICING_SENDER, priceTx, type TxCost } from './cost';
import { ARB_WASM_ABI, describeChainError, sendContract } from './deploy';
import { ARB_WASM_CACHE, ARB_WASM_CACHE_ABI, revertDataOf, tryView, type ProgramStatus } from './lifecycle';

/** Arbitrum's CacheManager interface (nitro-contracts src/chain/CacheManager.sol; our devnode's is contracts/CacheManager.sol). */
export const CACHE_MANAGER_ABI = parseAbi([
  'function cacheSize() view returns (uint64)',
  'function queueSize() view returns (uint64)',
  'function decay() view returns (uint64)',
  'function isPaused() view returns (bool)',
  'function entries(uint256) view returns (bytes32 code, uint64 size, uint192 bid)',
  'function initialize(uint64 initCacheSize, uint64 initDecay)',
  'function setCacheSize(uint64 newSize)',
  'function setDecayRate(uint64 newDecay)',
  'function paused()',
  'function unpause()',
  'function evictAll()',
  'function evictPrograms(uint256 count)',
  'struct Entry { bytes32 code; uint64 size; uint192 bid; }',
  'function getEntries() view returns (Entry[])',
  'function getSmallestEntries(uint256 k) view returns (Entry[] result)',
  'function getMinBid(uint64 size) view returns (uint192 min)',
  'function getMinBid(bytes32 codehash) view returns (uint192 min)',
  'function getMinBid(address program) view returns (uint192 min)',
  'function sweepFunds()',
  'function placeBid(address program) payable',
  'function makeSpace(uint64 size) payable returns (uint64 space)',
  'error NotChainOwner(address sender)',
  'error AsmTooLarge(uint256 asm, uint256 queueSize, uint256 cacheSize)',
  'error AlreadyCached(bytes32 codehash)',
  'error BidTooLarge(uint256 bid)',
  'error BidTooSmall(uint192 bid, uint192 min)',
  'error BidsArePaused()',
  'error MakeSpaceTooLarge(uint64 size, uint64 limit)',
  'event InsertBid(bytes32 indexed codehash, address program, uint192 bid, uint64 size)',
  'event DeleteBid(bytes32 indexed codehash, uint192 bid, uint64 size)',
  'event SetCacheSize(uint64 size)',
  'event SetDecayRate(uint64 decay)',
  'event Pause()',
  'event Unpause()',
]);

/** the manager's own errors and ArbWasm's (its views and ArbWasmCache's checks revert with them) */
const ERRORS_ABI = [...CACHE_MANAGER_ABI, ...ARB_WASM_ABI.filter((x) => x.type === 'error')];

/** cargo-stylus's words for the manager's answers, plus ArbWasm's */
function refusal(name: string, args: readonly unknown[], message: string): string {
  switch (name) {
    case 'AsmTooLarge':
      return `the program (${args[0]} bytes) is too large for the cache (${args[1]} of ${args[2]} bytes queued)`;
    case 'AlreadyCached':
      return 'the program is already cached';
    case 'BidsArePaused':
      return 'bidding is paused on the CacheManager';
    case 'BidTooSmall':
      return `the bid is too small: it counts ${args[0]} against the ${args[1]} of the bid it would evict (ask with no --bid for the least bid accepted now)`;
    case 'ProgramNotActivated':
      return 'the program is not activated: run `stylus-ml activate` first';
    case 'ProgramNeedsUpgrade':
      return `the program needs re-activation (Stylus version ${args[0]} → ${args[1]}): run \`stylus-ml activate\` first`;
    case 'ProgramExpired':
      return 'the program has expired: run `stylus-ml activate` first';
    default:
      return message;
  }
}

export async function cacheManagerAddress(client: ChainClient): Promise<Hex> {
  const r = await tryView<readonly Hex[]>(client, ARB_WASM_CACHE, ARB_WASM_CACHE_ABI, 'allCacheManagers');
  if (!r.ok) throw new UserError(`ArbWasmCache.allCacheManagers() reverted: ${r.message}`);
  const last = r.value[r.value.length - 1];
  if (last === undefined) throw new UserError(`no cache managers on chain ${client.chainId}: the Stylus cache is not enabled there`);
  return last;
}

export interface CacheBidPlan {
  manager: Hex;
  /** the least bid accepted now (CacheManager.getMinBid(program)) */
  minBidWei: bigint;
  bidWei: bigint;
  cacheSize: bigint;
  queueSize: bigint;
  tx: { to: Hex; data: Hex; value: bigint };
  cost: TxCost;
}

/** The bid `cache` would place (`bid`, else the least accepted now) and its cost; a refusal is a UserError in cargo-stylus's words. */
export async function planCacheBid(client: ChainClient, s: ProgramStatus, bid?: bigint): Promise<CacheBidPlan> {
  if (s.cached) throw new UserError('the program is already cached', { details: { alreadyCached: true } });
  const manager = await cacheManagerAddress(client);
  const read = async <T>(fn: string, args: readonly unknown[] = []): Promise<T> => {
    const r = await tryView<T>(client, manager, ERRORS_ABI, fn, args);
    if (!r.ok) throw new UserError(`the CacheManager at ${manager} refuses: ${refusal(r.name, r.args, r.message)}`);
    return r.value;
  };
  const minBidWei = await read<bigint>('getMinBid', [s.address]);
  const cacheSize = await read<bigint>('cacheSize');
  const queueSize = await read<bigint>('queueSize');
  const bidWei = bid ?? minBidWei;
  const data = encodeFunctionData({ abi: CACHE_MANAGER_ABI, functionName: 'placeBid', args: [s.address] });
  // "Checking if contract can be cached...": the bid by eth_call, its error in words
  const from = client.account ?? PRICING_SENDER;
  try {
    await client.publicClient.call({ account: from, to: manager, data, value: bidWei, stateOverride: [{ address: from, balance: bidWei + 10n ** 24n }] });
  } catch (e) {
    const d = revertDataOf(e);
    let why = describeChainError(e);
    if (d !== null) {
      try {
        const err = decodeErrorResult({ abi: ERRORS_ABI, data: d });
        why = refusal(err.errorName, err.args ?? [], why);
      } catch {
        /* not a known error */
      }
    }
    throw new UserError(`the CacheManager at ${manager} refuses the bid of ${bidWei} wei: ${why}`);
  }
  const tx = { to: manager, data, value: bidWei };
  return { manager, minBidWei, bidWei, cacheSize, queueSize, tx, cost: await priceTx(client, tx) };
}

export interface PlacedBid {
  hash: Hex;
  gasUsed: number;
}

/** Sends the bid, then reads the cache flag back: the manager must really have cached it. */
export async function placeCacheBid(client: ChainClient, plan: CacheBidPlan, codehash: Hex): Promise<PlacedBid> {
  const r = await sendContract(client, plan.tx);
  if (r.status !== 'success') throw new UserError(`the cache bid ${r.hash} reverted`);
  const cached = await tryView<boolean>(client, ARB_WASM_CACHE, ARB_WASM_CACHE_ABI, 'codehashIsCached', [codehash]);
  if (!cached.ok || !cached.value) {
    throw new UserError(`the cache bid ${r.hash} succeeded but ArbWasmCache says the program is not cached: the CacheManager at ${plan.manager} did not cache it (nitro-devnode's setup deploys a CacheManager without its runtime code)`);
  }
  return { hash: r.hash, gasUsed: Number(r.gasUsed) };
}
