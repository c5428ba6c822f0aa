// --network presets are viem's chain definitions; the endpoint's chain id must match.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arbitrum, arbitrumSepolia } from 'viem/chains';
import { checkNetworkChainId, networkPreset } from '../../core/chain/networks';

test("arbitrum-one and arbitrum-sepolia are viem's chains with their public RPC URLs", () => {
  const one = networkPreset('arbitrum-one');
  assert.equal(one.chain.id, 42161);
  assert.equal(one.chain, arbitrum);
  assert.equal(one.rpcUrl, 'https://arb1.arbitrum.io/rpc');
  const sepolia = networkPreset('arbitrum-sepolia');
  assert.equal(sepolia.chain, arbitrumSepolia);
  assert.equal(sepolia.chain.id, 421614);
  assert.equal(sepolia.rpcUrl, 'https://sepolia-rollup.arbitrum.io/rpc');
  assert.throws(() => networkPreset('mainnet'), /unknown network; the networks are arbitrum-one, arbitrum-sepolia/);
});

test('an endpoint answering another chain id is refused, naming both', () => {
  assert.doesNotThrow(() => checkNetworkChainId('arbitrum-one', 'https://x', 42161));
  assert.throws(() => checkNetworkChainId('arbitrum-one', 'https://x', 421614), /--network arbitrum-one is chain 42161, but https:\/\/x answers chain 421614/);
});
