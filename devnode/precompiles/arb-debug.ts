// ArbDebug 0x…ff (nitro precompiles/ArbDebug.go), present because nitro-devnode allows debug precompiles.
import type { ArbContext } from '../evm/arb-context';
import { STORAGE_WRITE_COST } from '../../nitro/storage';
import type { PrecompileDef } from './framework';
import { CHAIN_OWNERS, precompileAddress } from './common';

export const ARB_DEBUG_ADDRESS = precompileAddress('ff');

export const arbDebug: PrecompileDef<ArbContext> = {
  name: 'ArbDebug',
  address: ARB_DEBUG_ADDRESS,
  methods: [
    {
      signature: 'becomeChainOwner()',
      purity: 'write',
      outputs: '',
      async run(ctx, env) {
        env.burn(STORAGE_WRITE_COST);
        await ctx.arbos.addToSet(CHAIN_OWNERS, env.caller);
        return [];
      },
    },
  ],
};
