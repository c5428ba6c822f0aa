// ArbOwner 0x…70 (nitro precompiles/ArbOwner.go): the owner-only setters nitro-devnode's setup script
// uses, ArbOS upgrades, and the Stylus parameter setters (SetInkPrice, SetWasm*, SetMaxStylusContractFragments,
// SetWasmActivationGas) with nitro's unit conversions and version gates (precompile.go). Every call by a
// non-owner fails burning its gas.
import type { ArbContext } from '../evm/arb-context';
import { assertSupportedArbos, GETH_ARBOS } from '../../nitro/arbos';
import { COST_SCALAR_PERCENT, MIN_CACHED_GAS_UNITS, MIN_INIT_GAS_UNITS, type StylusParams } from '../../nitro/params';
import { STORAGE_WRITE_COST, STORAGE_WRITE_ZERO_COST } from '../../nitro/storage';
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

const divCeil = (a: bigint, b: bigint) => (a + b - 1n) / b;
const satU8 = (x: bigint) => Number(x > 255n ? 255n : x);

/**
 * A Stylus parameter setter: Programs.Params (a warm read), the change, StylusParams.Save (one word
 * written). `minArbos` is the method's first ArbOS version (precompile.go).
 */
function paramSetter(signature: string, change: (p: StylusParams, args: readonly unknown[]) => void, minArbos: number = GETH_ARBOS.stylus): M {
  return {
    ...ownerOnly(signature, '', async (ctx, env, args) => {
      env.burn(100n);
      const p = await ctx.params();
      change(p, args);
      env.burn(STORAGE_WRITE_COST);
      await ctx.arbos.saveStylusParams(p);
      return [];
    }),
    minArbos,
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
    paramSetter('setInkPrice(uint32)', (p, [price]) => {
      const ink = Number(price);
      if (ink === 0 || ink > 0xffffff) throw new PrecompileRevert('ink price must be a positive uint24');
      p.inkPrice = ink;
    }),
    paramSetter('setWasmMaxStackDepth(uint32)', (p, [depth]) => void (p.maxStackDepth = Number(depth))),
    paramSetter('setWasmFreePages(uint16)', (p, [pages]) => void (p.freePages = Number(pages))),
    paramSetter('setWasmPageGas(uint16)', (p, [gas]) => void (p.pageGas = Number(gas))),
    paramSetter('setWasmPageLimit(uint16)', (p, [limit]) => void (p.pageLimit = Number(limit))),
    paramSetter('setWasmMinInitGas(uint64,uint64)', (p, [gas, cached]) => {
      p.minInitGas = satU8(divCeil(gas as bigint, MIN_INIT_GAS_UNITS));
      p.minCachedInitGas = satU8(divCeil(cached as bigint, MIN_CACHED_GAS_UNITS));
    }),
    paramSetter('setWasmInitCostScalar(uint64)', (p, [percent]) => void (p.initCostScalar = satU8(divCeil(percent as bigint, COST_SCALAR_PERCENT)))),
    paramSetter('setWasmExpiryDays(uint16)', (p, [days]) => void (p.expiryDays = Number(days))),
    paramSetter('setWasmKeepaliveDays(uint16)', (p, [days]) => void (p.keepaliveDays = Number(days))),
    paramSetter('setWasmBlockCacheSize(uint16)', (p, [count]) => void (p.blockCacheSize = Number(count))),
    paramSetter('setWasmMaxSize(uint32)', (p, [size]) => void (p.maxWasmSize = Number(size)), GETH_ARBOS.v40),
    paramSetter('setMaxStylusContractFragments(uint8)', (p, [n]) => void (p.maxFragmentCount = Number(n)), GETH_ARBOS.stylusContractLimit),
    {
      ...ownerOnly('setWasmActivationGas(uint64)', '', async (ctx, env, [gas]) => {
        env.burn((gas as bigint) === 0n ? STORAGE_WRITE_ZERO_COST : STORAGE_WRITE_COST);
        await ctx.arbos.setU64('activationGas', gas as bigint);
        return [];
      }),
      minArbos: GETH_ARBOS.stylusV3,
    },
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
