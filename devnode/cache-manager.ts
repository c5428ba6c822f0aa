// The chain's CacheManager, installed at genesis: nitro-devnode's setup script deploys a CacheManager and
// registers it with ArbOwner.addWasmCacheManager so that `cargo stylus cache bid` works on a dev chain.
// Here the contract is ours (contracts/CacheManager.sol, same interface and bidding rules as Arbitrum's),
// created by a keyless genesis sender (so its address is fixed and no dev account's nonce moves) and
// initialised with the size and decay nitro-contracts deploys with (scripts/deploymentUtils.ts:
// INIT_CACHE_SIZE 512 MiB, INIT_DECAY 10,322,197,911 wei per second).
import { Address, createAddressFromString, hexToBytes } from '@ethereumjs/util';
import type { EVM } from '@ethereumjs/evm';
import { encodeFunctionData, getContractAddress, parseAbi } from 'viem';
import { CACHE_MANAGER_INIT_CODE } from './contracts/cache-manager';

/** The genesis sender: no key exists for it; its first CREATE puts the CacheManager at CACHE_MANAGER_ADDRESS. */
export const CACHE_MANAGER_DEPLOYER = '0x00000000000000000000000000000000000ca4e0' as const;
export const CACHE_MANAGER_ADDRESS = getContractAddress({ from: CACHE_MANAGER_DEPLOYER, nonce: 0n });
export const INIT_CACHE_SIZE = 536_870_912n;
export const INIT_DECAY = 10_322_197_911n;

const INITIALIZE = parseAbi(['function initialize(uint64 initCacheSize, uint64 initDecay)']);

/** Creates and initialises the CacheManager; returns its address (the caller registers it as a cache manager). */
export async function installCacheManager(evm: EVM): Promise<Address> {
  const caller = createAddressFromString(CACHE_MANAGER_DEPLOYER);
  const created = await evm.runCall({ caller, data: hexToBytes(CACHE_MANAGER_INIT_CODE), gasLimit: 30_000_000n });
  const address = created.createdAddress;
  if (created.execResult.exceptionError !== undefined || address === undefined) {
    throw new Error(`genesis: the CacheManager's creation failed (${created.execResult.exceptionError?.error ?? 'no address'})`);
  }
  const data = encodeFunctionData({ abi: INITIALIZE, functionName: 'initialize', args: [INIT_CACHE_SIZE, INIT_DECAY] });
  const init = await evm.runCall({ caller, to: address, data: hexToBytes(data), gasLimit: 1_000_000n });
  if (init.execResult.exceptionError !== undefined) throw new Error(`genesis: CacheManager.initialize failed (${init.execResult.exceptionError.error})`);
  if (address.toString() !== CACHE_MANAGER_ADDRESS.toLowerCase()) throw new Error(`genesis: the CacheManager landed at ${address.toString()}, not ${CACHE_MANAGER_ADDRESS}`);
  return address;
}
