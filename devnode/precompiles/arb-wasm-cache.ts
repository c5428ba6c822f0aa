// ArbWasmCache 0x…72 (nitro precompiles/ArbWasmCache.go, arbos/programs/programs.go SetProgramCached).
import type { ArbContext } from '../evm/arb-context';
import { codeHashOf } from '../evm/programs';
import { programErrors } from '../evm/programs';
import { GETH_ARBOS, hoursToAge } from '../../nitro/arbos';
import { STORAGE_CODEHASH_COST, STORAGE_READ_COST, STORAGE_WRITE_COST } from '../../nitro/storage';
import { PrecompileBurnOut, type CallEnv, type PrecompileDef } from './framework';
import { CACHE_MANAGERS, CHAIN_OWNERS, hex, precompileAddress, toAddress, toBytes32 } from './common';

export const ARB_WASM_CACHE_ADDRESS = precompileAddress('72');

async function hasAccess(ctx: ArbContext, env: CallEnv): Promise<boolean> {
  env.burn(2n * STORAGE_READ_COST);
  return (await ctx.arbos.isMember(CACHE_MANAGERS, env.caller)) || (await ctx.arbos.isMember(CHAIN_OWNERS, env.caller));
}

async function setCached(ctx: ArbContext, env: CallEnv, codeHash: Uint8Array, cache: boolean): Promise<void> {
  if (!(await hasAccess(ctx, env))) throw new PrecompileBurnOut('caller is not a cache manager or chain owner');
  const params = await ctx.params();
  env.burn(100n + STORAGE_READ_COST);
  const program = await ctx.arbos.getProgram(codeHash);
  const age = hoursToAge(ctx.blockTimestamp(), program.activatedAt);
  const expired = age > BigInt(params.expiryDays) * 86400n;
  if (program.version !== params.stylusVersion && cache) throw programErrors.needsUpgrade(program.version, params.stylusVersion);
  if (expired && cache) throw programErrors.expired(age);
  if (program.cached === cache) return;
  env.emit('UpdateProgramCache(address,bytes32,bool)', [setLeft(env.caller.bytes), codeHash], 'bool', [cache]);
  env.burn(BigInt(program.initCost)); // pay to (re)cache
  env.burn(STORAGE_WRITE_COST);
  await ctx.arbos.setProgram(codeHash, { ...program, cached: cache });
}
const setLeft = (b: Uint8Array) => {
  const out = new Uint8Array(32);
  out.set(b, 32 - b.length);
  return out;
};

export const arbWasmCache: PrecompileDef<ArbContext> = {
  name: 'ArbWasmCache',
  address: ARB_WASM_CACHE_ADDRESS,
  methods: [
    {
      signature: 'isCacheManager(address)',
      purity: 'view',
      outputs: 'bool',
      async run(ctx, env, [a]) {
        env.burn(STORAGE_READ_COST);
        return [await ctx.arbos.isMember(CACHE_MANAGERS, toAddress(a))];
      },
    },
    {
      signature: 'allCacheManagers()',
      purity: 'view',
      outputs: 'address[]',
      async run(ctx, env) {
        const all = await ctx.arbos.members(CACHE_MANAGERS);
        env.burn(STORAGE_READ_COST * BigInt(all.length + 1));
        return [all.map((a) => hex(a.bytes))];
      },
    },
    {
      signature: 'cacheCodehash(bytes32)',
      purity: 'write',
      outputs: '',
      // only until ArbOS 30; cacheProgram replaces it from 31 (precompile.go maxArbosVersion)
      maxArbos: GETH_ARBOS.stylus,
      async run(ctx, env, [h]) {
        await setCached(ctx, env, toBytes32(h), true);
        return [];
      },
    },
    {
      signature: 'cacheProgram(address)',
      purity: 'write',
      outputs: '',
      minArbos: GETH_ARBOS.stylusFixes,
      async run(ctx, env, [a]) {
        env.burn(STORAGE_CODEHASH_COST);
        await setCached(ctx, env, await codeHashOf(ctx, toAddress(a)), true);
        return [];
      },
    },
    {
      signature: 'evictCodehash(bytes32)',
      purity: 'write',
      outputs: '',
      async run(ctx, env, [h]) {
        await setCached(ctx, env, toBytes32(h), false);
        return [];
      },
    },
    {
      signature: 'codehashIsCached(bytes32)',
      purity: 'view',
      outputs: 'bool',
      async run(ctx, env, [h]) {
        env.burn(STORAGE_READ_COST);
        return [(await ctx.arbos.getProgram(toBytes32(h))).cached];
      },
    },
  ],
};
