// ArbOwnerPublic 0x…6b (nitro precompiles/ArbOwnerPublic.go): what cargo-stylus and wallets read.
// getMaxStylusContractFragments exists from ArbOS 60 (cargo-stylus ≥ 0.10 reads it before splitting a
// large program into fragments, and treats its failure as "no fragment support").
import type { ArbContext } from '../evm/arb-context';
import { NETWORK_FEE_ACCOUNT } from '../evm/arbos-state';
import { STORAGE_READ_COST } from '../../nitro/storage';
import type { PrecompileDef } from './framework';
import { CHAIN_OWNERS, hex, isChainOwner, precompileAddress, toAddress } from './common';

export const ARB_OWNER_PUBLIC_ADDRESS = precompileAddress('6b');

export const arbOwnerPublic: PrecompileDef<ArbContext> = {
  name: 'ArbOwnerPublic',
  address: ARB_OWNER_PUBLIC_ADDRESS,
  methods: [
    {
      signature: 'getAllChainOwners()',
      purity: 'view',
      outputs: 'address[]',
      async run(ctx, env) {
        const all = await ctx.arbos.members(CHAIN_OWNERS);
        env.burn(STORAGE_READ_COST * BigInt(all.length + 1));
        return [all.map((a) => hex(a.bytes))];
      },
    },
    {
      signature: 'isChainOwner(address)',
      purity: 'view',
      outputs: 'bool',
      run: async (ctx, env, [a]) => [await isChainOwner(ctx, env, toAddress(a))],
    },
    { signature: 'getNetworkFeeAccount()', purity: 'view', outputs: 'address', run: () => [hex(NETWORK_FEE_ACCOUNT.bytes)] },
    { signature: 'getInfraFeeAccount()', purity: 'view', outputs: 'address', run: () => [hex(NETWORK_FEE_ACCOUNT.bytes)] },
    { signature: 'getBrotliCompressionLevel()', purity: 'view', outputs: 'uint64', run: () => [1n] },
    {
      signature: 'getScheduledUpgrade()',
      purity: 'view',
      outputs: 'uint64,uint64',
      run: async (ctx) => [await ctx.arbos.getU64('upgrade.version'), await ctx.arbos.getU64('upgrade.timestamp')],
    },
    { signature: 'isCalldataPriceIncreaseEnabled()', purity: 'view', outputs: 'bool', minArbos: 40, run: () => [false] },
    {
      signature: 'getMaxStylusContractFragments()',
      purity: 'view',
      outputs: 'uint8',
      minArbos: 60,
      async run(ctx, env) {
        env.burn(100n); // Params(): warm read
        return [(await ctx.params()).maxFragmentCount];
      },
    },
  ],
};
