// Named networks for --network: viem's chain definitions (id, name, public RPC URL, explorer). The URL
// can be overridden with --rpc (a provider's endpoint); the chain id the endpoint answers must be the
// network's, so a key is never used on a chain the user did not name.
import type { Chain } from 'viem';
import { arbitrum, arbitrumSepolia } from 'viem/chains';
import { UserError } from '../errors';

export const NETWORKS = {
  'arbitrum-one': arbitrum,
  'arbitrum-sepolia': arbitrumSepolia,
} as const satisfies Record<string, Chain>;

export type NetworkName = keyof typeof NETWORKS;

export function networkPreset(name: string): { name: NetworkName; chain: Chain; rpcUrl: string } {
  if (!(name in NETWORKS)) throw new UserError(`--network ${name}: unknown network; the networks are ${Object.keys(NETWORKS).join(', ')} (or pass --rpc URL for any other chain)`);
  const chain = NETWORKS[name as NetworkName];
  return { name: name as NetworkName, chain, rpcUrl: chain.rpcUrls.default.http[0] };
}

/** The endpoint must be the named network's chain. */
export function checkNetworkChainId(name: NetworkName, url: string, chainId: number): void {
  const want = NETWORKS[name].id;
  if (chainId !== want) throw new UserError(`--network ${name} is chain ${want}, but ${url} answers chain ${chainId}: pass the ${NETWORKS[name].name} endpoint with --rpc, or leave out --network`);
}
