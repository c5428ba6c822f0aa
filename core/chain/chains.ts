// viem chain definitions for the three modes.
import { defineChain, type Chain } from 'viem';
import { arbitrum, arbitrumSepolia } from 'viem/chains';

import { DEVNODE_CHAIN_ID } from './chain-ids';

export { DEVNODE_CHAIN_ID };

/** nitro-devnode / the embedded devnode ("arb-dev-test"). */
export function devnodeChain(url: string): Chain {
  return defineChain({
    id: DEVNODE_CHAIN_ID,
    name: 'Arbitrum devnode',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [url] } },
    testnet: true,
  });
}

export const KNOWN_CHAINS: Record<number, Chain> = {
  [arbitrum.id]: arbitrum,
  [arbitrumSepolia.id]: arbitrumSepolia,
};

/** A viem chain for an RPC endpoint with this chain id (viem's own definition where it has one). */
export function chainFor(chainId: number, url: string): Chain {
  const known = KNOWN_CHAINS[chainId];
  if (known !== undefined) return { ...known, rpcUrls: { default: { http: [url] } } };
  if (chainId === DEVNODE_CHAIN_ID) return devnodeChain(url);
  return defineChain({
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
}
