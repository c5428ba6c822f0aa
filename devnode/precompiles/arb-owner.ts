// ArbOwner 0x…70 (nitro precompiles/ArbOwner.go): the owner-only setters nitro-devnode's setup script
// and our version-change tests use. Every call by a non-owner fails burning its gas.
import type { ArbContext } from '../evm/arb-context';
import { assertSupportedArbos } from '../../nitro/arbos';
import { STORAGE_WRITE_COST } from '../../nitro/storage';
import { PrecompileRevert, type CallEnv, type MethodDef, type PrecompileDef } from './framework';
import { CACHE_MANAGERS, CHAIN_OWNERS, hex, isChainOwner, precompileAddress, requireOwner, toAddress } from './common';

export const ARB_OWNER_ADDRESS = precompileAddress('70');

type M = MethodDef<ArbContext>;
function ownerOnly(signature: string, outputs: string, run: M['run']): M {
  return {
    signature,
    purity: 'write',
    outputs,
    async run(ctx: ArbContext, env: CallEnv, args: readonly unknown[]) {
      await requireOwner(ctx, env);
      return run(ctx, env, args);
    },
  };
}

export const arbOwner: PrecompileDef<ArbContext> = {
  name: 'ArbOwner',
  address: ARB_OWNER_ADDRESS,
  methods: [
    ownerOnly('setL1PricePerUnit(uint256)', '', async (ctx, env, [price]) => {
      env.burn(STORAGE_WRITE_COST);
      await ctx.arbos.setU64('l1PricePerUnit', price as bigint);
      return [];
    }),
    ownerOnly('addWasmCacheManager(address)', '', async (ctx, env, [a]) => {
      env.burn(STORAGE_WRITE_COST);
      await ctx.arbos.addToSet(CACHE_MANAGERS, toAddress(a));
      return [];
    }),
    ownerOnly('removeWasmCacheManager(address)', '', async (ctx, env, [a]) => {
      if (!(await ctx.arbos.isMember(CACHE_MANAGERS, toAddress(a)))) throw new PrecompileRevert('tried to remove non-manager');
      env.burn(STORAGE_WRITE_COST);
      await ctx.arbos.removeFromSet(CACHE_MANAGERS, toAddress(a));
      return [];
    }),
    ownerOnly('addChainOwner(address)', '', async (ctx, env, [a]) => {
      env.burn(STORAGE_WRITE_COST);
      await ctx.arbos.addToSet(CHAIN_OWNERS, toAddress(a));
      return [];
    }),
    ownerOnly('removeChainOwner(address)', '', async (ctx, env, [a]) => {
      if (!(await isChainOwner(ctx, env, toAddress(a)))) throw new PrecompileRevert('tried to remove non-owner');
      await ctx.arbos.removeFromSet(CHAIN_OWNERS, toAddress(a));
      return [];
    }),
    ownerOnly('isChainOwner(address)', 'bool', async (ctx, env, [a]) => [await isChainOwner(ctx, env, toAddress(a))]),
    ownerOnly('getAllChainOwners()', 'address[]', async (ctx) => [(await ctx.arbos.members(CHAIN_OWNERS)).map((a) => hex(a.bytes))]),
    ownerOnly('scheduleArbOSUpgrade(uint64,uint64)', '', async (ctx, env, [version, timestamp]) => {
      // the devnode supports a fixed set of versions; upgrading past them would emulate rules it lacks
      assertSupportedArbos(Number(version));
      env.burn(2n * STORAGE_WRITE_COST);
      await ctx.arbos.setU64('upgrade.version', version as bigint);
      await ctx.arbos.setU64('upgrade.timestamp', timestamp as bigint);
      return [];
    }),
  ],
};
