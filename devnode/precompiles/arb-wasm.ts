// ArbWasm 0x…71 (nitro precompiles/ArbWasm.go): activation with its data fee and refund, and the views.
import { Address } from '@ethereumjs/util';
import { GETH_ARBOS, hoursSinceArbitrum, hoursToAge } from '../../nitro/arbos';
import { ACTIVATION_FIXED_GAS, cachedGas, initGas } from '../../nitro/costs';
import { COST_SCALAR_PERCENT, MIN_CACHED_GAS_UNITS, MIN_INIT_GAS_UNITS, PAGE_RAMP } from '../../nitro/params';
import { STORAGE_CODEHASH_COST, STORAGE_READ_COST, STORAGE_WRITE_COST } from '../../nitro/storage';
import type { ArbContext } from '../evm/arb-context';
import { NETWORK_FEE_ACCOUNT } from '../evm/arbos-state';
import { activateProgram, codeHashOf, getActiveProgram, programErrors } from '../evm/programs';
import { PrecompileRevert, type CallEnv, type MethodDef, type PrecompileDef } from './framework';

export const ARB_WASM_ADDRESS = new Address(Uint8Array.from(Buffer.from('0000000000000000000000000000000000000071', 'hex')));

type M = MethodDef<ArbContext>;
const toAddr = (a: unknown) => new Address(Uint8Array.from(Buffer.from(String(a).slice(2), 'hex')));
const toHash = (h: unknown) => Uint8Array.from(Buffer.from(String(h).slice(2), 'hex'));
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`;

/** Params() is a warm read (100 gas) in nitro */
async function params(ctx: ArbContext, env: CallEnv) {
  env.burn(100n);
  return ctx.params();
}
const view = (signature: string, outputs: string, run: M['run'], minArbos?: number): M => ({ signature, purity: 'view', outputs, run, minArbos });

export const arbWasm: PrecompileDef<ArbContext> = {
  name: 'ArbWasm',
  address: ARB_WASM_ADDRESS,
  methods: [
    {
      signature: 'activateProgram(address)',
      purity: 'payable',
      outputs: 'uint16,uint256',
      async run(ctx, env, [program]) {
        const p = await ctx.params();
        // Programs.ActivationGas: a storage read (800) from ArbOS 59, then the configured charge
        if (p.arbosVersion >= GETH_ARBOS.stylusV3) env.burn(STORAGE_READ_COST + BigInt(p.activationGas));
        env.burn(ACTIVATION_FIXED_GAS);
        const res = await activateProgram(ctx, env, toAddr(program));
        // payActivationDataFee: the fee goes to the network account, the rest back to the caller
        if (env.value < res.dataFee) throw programErrors.insufficientValue(env.value, res.dataFee);
        env.burn(STORAGE_READ_COST); // NetworkFeeAccount
        await ctx.transfer(ARB_WASM_ADDRESS, NETWORK_FEE_ACCOUNT, res.dataFee);
        await ctx.transfer(ARB_WASM_ADDRESS, env.caller, env.value - res.dataFee);
        env.emit(
          'ProgramActivated(bytes32,bytes32,address,uint256,uint16)',
          [res.codeHash],
          'bytes32,address,uint256,uint16',
          [hex(res.moduleHash), hex(toAddr(program).bytes), res.dataFee, res.version],
        );
        return [res.version, res.dataFee];
      },
    },
    {
      signature: 'codehashKeepalive(bytes32)',
      purity: 'payable',
      outputs: '',
      async run(ctx, env, [codehash]) {
        const p = await params(ctx, env);
        const h = toHash(codehash);
        env.burn(STORAGE_READ_COST); // getActiveProgram
        const program = await getActiveProgram(ctx, h, p);
        const age = hoursToAge(ctx.blockTimestamp(), program.activatedAt);
        if (age < BigInt(p.keepaliveDays) * 86400n) throw programErrors.keepaliveTooSoon(age);
        // ProgramKeepalive: the data pricer's UpdateModel (5 reads, 2 writes), then setProgram
        env.burn(5n * STORAGE_READ_COST + 2n * STORAGE_WRITE_COST);
        const fee = await ctx.arbos.updateDataPricer(BigInt(program.asmEstimateKb) * 1024n, ctx.blockTimestamp());
        env.burn(STORAGE_WRITE_COST);
        await ctx.arbos.setProgram(h, { ...program, activatedAt: hoursSinceArbitrum(ctx.blockTimestamp()) });
        // payActivationDataFee
        if (env.value < fee) throw programErrors.insufficientValue(env.value, fee);
        env.burn(STORAGE_READ_COST); // NetworkFeeAccount
        await ctx.transfer(ARB_WASM_ADDRESS, NETWORK_FEE_ACCOUNT, fee);
        await ctx.transfer(ARB_WASM_ADDRESS, env.caller, env.value - fee);
        env.emit('ProgramLifetimeExtended(bytes32,uint256)', [h], 'uint256', [fee]);
        return [];
      },
    },
    view('stylusVersion()', 'uint16', async (ctx, env) => [(await params(ctx, env)).stylusVersion]),
    view('inkPrice()', 'uint32', async (ctx, env) => [(await params(ctx, env)).inkPrice]),
    view('maxStackDepth()', 'uint32', async (ctx, env) => [(await params(ctx, env)).maxStackDepth]),
    view('freePages()', 'uint16', async (ctx, env) => [(await params(ctx, env)).freePages]),
    view('pageGas()', 'uint16', async (ctx, env) => [(await params(ctx, env)).pageGas]),
    view('pageRamp()', 'uint64', async (ctx, env) => {
      await params(ctx, env);
      return [PAGE_RAMP];
    }),
    view('pageLimit()', 'uint16', async (ctx, env) => [(await params(ctx, env)).pageLimit]),
    view('minInitGas()', 'uint64,uint64', async (ctx, env) => {
      const p = await params(ctx, env);
      // reverts before ArbOS 32 (ArbosVersion_StylusChargingFixes)
      if (p.arbosVersion < GETH_ARBOS.stylusChargingFixes) throw new PrecompileRevert('minInitGas');
      return [BigInt(p.minInitGas) * MIN_INIT_GAS_UNITS, BigInt(p.minCachedInitGas) * MIN_CACHED_GAS_UNITS];
    }),
    view('initCostScalar()', 'uint64', async (ctx, env) => [BigInt((await params(ctx, env)).initCostScalar) * COST_SCALAR_PERCENT]),
    view('expiryDays()', 'uint16', async (ctx, env) => [(await params(ctx, env)).expiryDays]),
    view('keepaliveDays()', 'uint16', async (ctx, env) => [(await params(ctx, env)).keepaliveDays]),
    view('blockCacheSize()', 'uint16', async (ctx, env) => [(await params(ctx, env)).blockCacheSize]),
    view(
      'activationGas()',
      'uint64',
      async (ctx, env) => {
        env.burn(STORAGE_READ_COST); // Programs.ActivationGas: its own storage word, not Params()
        return [BigInt((await ctx.params()).activationGas)];
      },
      GETH_ARBOS.stylusV3,
    ),
    view('codehashVersion(bytes32)', 'uint16', async (ctx, env, [h]) => {
      const p = await params(ctx, env);
      env.burn(STORAGE_READ_COST);
      return [(await getActiveProgram(ctx, toHash(h), p)).version];
    }),
    view('codehashAsmSize(bytes32)', 'uint32', async (ctx, env, [h]) => {
      const p = await params(ctx, env);
      env.burn(STORAGE_READ_COST);
      return [(await getActiveProgram(ctx, toHash(h), p)).asmEstimateKb * 1024];
    }),
    view('programVersion(address)', 'uint16', async (ctx, env, [a]) => {
      env.burn(STORAGE_CODEHASH_COST);
      const h = await codeHashOf(ctx, toAddr(a));
      const p = await params(ctx, env);
      env.burn(STORAGE_READ_COST);
      return [(await getActiveProgram(ctx, h, p)).version];
    }),
    view('programInitGas(address)', 'uint64,uint64', async (ctx, env, [a]) => {
      const p = await params(ctx, env);
      env.burn(STORAGE_CODEHASH_COST + STORAGE_READ_COST);
      const program = await getActiveProgram(ctx, await codeHashOf(ctx, toAddr(a)), p);
      const cached = cachedGas(program.cachedCost, p);
      let init = initGas(program.initCost, p);
      if (p.stylusVersion > 1) init += cached;
      return [init, cached];
    }),
    view('programMemoryFootprint(address)', 'uint16', async (ctx, env, [a]) => {
      const p = await params(ctx, env);
      env.burn(STORAGE_CODEHASH_COST + STORAGE_READ_COST);
      return [(await getActiveProgram(ctx, await codeHashOf(ctx, toAddr(a)), p)).footprint];
    }),
    view('programTimeLeft(address)', 'uint64', async (ctx, env, [a]) => {
      const p = await params(ctx, env);
      env.burn(STORAGE_CODEHASH_COST + STORAGE_READ_COST);
      const program = await getActiveProgram(ctx, await codeHashOf(ctx, toAddr(a)), p);
      const age = hoursToAge(ctx.blockTimestamp(), program.activatedAt);
      const expiry = BigInt(p.expiryDays) * 86400n;
      return [expiry > age ? expiry - age : 0n];
    }),
  ],
};
