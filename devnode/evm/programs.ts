// Stylus program bookkeeping as nitro's arbos/programs/programs.go: activation (ActivateProgram),
// the active-program checks every call makes (getActiveProgram) and the named errors, which are ABI
// reverts inside ArbWasm and plain errors elsewhere. The formulas are nitro/'s (costs.ts, data-pricer.ts).
import { Address } from '@ethereumjs/util';
import { GETH_ARBOS, hoursSinceArbitrum, hoursToAge } from '../../nitro/arbos';
import type { StylusParams } from '../../nitro/params';
import { STORAGE_READ_COST, STORAGE_WRITE_COST } from '../../nitro/storage';
import { chargedFragmentSource, programWasm, ProgramNotWasm } from '../../nitro/program-code';
import { PrecompileFatal, PrecompileOutOfGas, PrecompileRevert, solError, type CallEnv } from '../precompiles/framework';
import type { ArbContext } from './arb-context';
import type { ProgramInfo } from './arbos-state';

export const programErrors = {
  notWasm: () => solError('ProgramNotWasm()', '', []),
  notActivated: () => solError('ProgramNotActivated()', '', []),
  needsUpgrade: (version: number, stylusVersion: number) =>
    solError('ProgramNeedsUpgrade(uint16,uint16)', 'uint16,uint16', [version, stylusVersion]),
  expired: (age: bigint) => solError('ProgramExpired(uint64)', 'uint64', [age]),
  upToDate: () => solError('ProgramUpToDate()', '', []),
  keepaliveTooSoon: (age: bigint) => solError('ProgramKeepaliveTooSoon(uint64)', 'uint64', [age]),
  insufficientValue: (have: bigint, want: bigint) =>
    solError('ProgramInsufficientValue(uint256,uint256)', 'uint256,uint256', [have, want]),
};

const DAY = 86400n;

/** getActiveProgram: activated, current version, not expired — else the named error. */
export async function getActiveProgram(ctx: ArbContext, codeHash: Uint8Array, params: StylusParams): Promise<ProgramInfo> {
  const program = await ctx.arbos.getProgram(codeHash);
  if (program.version === 0) throw programErrors.notActivated();
  if (program.version !== params.stylusVersion) throw programErrors.needsUpgrade(program.version, params.stylusVersion);
  const age = hoursToAge(ctx.blockTimestamp(), program.activatedAt);
  if (age > BigInt(params.expiryDays) * DAY) throw programErrors.expired(age);
  return program;
}

const divCeil = (a: bigint, b: bigint) => (a + b - 1n) / b;

export async function codeHashOf(ctx: ArbContext, address: Address): Promise<Uint8Array> {
  const account = await ctx.sm.getAccount(address);
  // geth GetCodeHash: zero for accounts that do not exist
  return account === undefined ? new Uint8Array(32) : account.codeHash;
}

export interface ActivationResult {
  version: number;
  codeHash: Uint8Array;
  moduleHash: Uint8Array;
  dataFee: bigint;
}

/** Programs.ActivateProgram plus the runtime's compile step; gas is burnt on `env`. */
export async function activateProgram(ctx: ArbContext, env: CallEnv, program: Address): Promise<ActivationResult> {
  const params = await ctx.params();
  env.burn(100n); // Params(): warm read
  const codeHash = await codeHashOf(ctx, program);
  env.burn(STORAGE_READ_COST); // programExists
  const existing = await ctx.arbos.getProgram(codeHash);
  const time = ctx.blockTimestamp();
  const expired = existing.activatedAt === 0 || hoursToAge(time, existing.activatedAt) > BigInt(params.expiryDays) * DAY;
  if (existing.version === params.stylusVersion && !expired) throw programErrors.upToDate();

  // getWasm with a fragment-read charger: a root's fragments are read and paid for here
  const code = await ctx.sm.getCode(program);
  const burner = {
    gasLeft: () => env.gasLimit - env.gasUsed,
    burn: (gas: bigint) => env.burn(gas),
    burnOut: (): never => {
      env.burn(env.gasLimit - env.gasUsed + 1n); // throws PrecompileOutOfGas with every gas unit burnt
      throw new PrecompileOutOfGas();
    },
  };
  const access = { isWarm: (a: Uint8Array) => ctx.journal.isWarmedAddress(a), warm: (a: Uint8Array) => ctx.journal.addWarmedAddress(a) };
  let wasm: Uint8Array;
  try {
    wasm = await programWasm(code, params, chargedFragmentSource(burner, access, (a) => ctx.sm.getCode(new Address(a))));
  } catch (e) {
    if (e instanceof ProgramNotWasm) throw programErrors.notWasm();
    if (e instanceof PrecompileOutOfGas) throw e;
    // plain errors: a revert that keeps the remaining gas (precompile.go, ArbOS ≥ 11)
    throw new PrecompileRevert((e as Error).message);
  }

  if (ctx.runtime === null) throw new PrecompileFatal('program activation failed: the Stylus runtime is not available');
  const pageLimit = Math.max(0, params.pageLimit - ctx.pagesOpen());
  const outcome = await ctx.activate(wasm, params, pageLimit);
  if (!outcome.ok) {
    // ErrProgramActivation: all gas is burnt and the error is not a revert
    throw new PrecompileFatal(`program activation failed: ${outcome.reason}`);
  }
  const info = outcome.program;
  env.burn(info.activationGas);

  const moduleHash = hexBytes(info.moduleHash);
  env.burn(STORAGE_WRITE_COST); // moduleHashes.Set
  await ctx.arbos.setModuleHash(codeHash, moduleHash);

  // UpdateModel prices the asm estimate in bytes; the runtime may give it exactly, else from kB
  const asmBytes = BigInt((info as { asmEstimate?: number }).asmEstimate ?? info.asmEstimateKb * 1024);
  env.burn(5n * STORAGE_READ_COST + 2n * STORAGE_WRITE_COST); // data pricer reads + writes
  const dataFee = await ctx.arbos.updateDataPricer(asmBytes, time);

  env.burn(STORAGE_WRITE_COST); // setProgram
  await ctx.arbos.setProgram(codeHash, {
    version: params.stylusVersion,
    initCost: info.initCost,
    cachedCost: info.cachedCost,
    footprint: info.footprint,
    asmEstimateKb: Number(divCeil(asmBytes, 1024n)),
    activatedAt: hoursSinceArbitrum(time),
    cached: existing.cached,
  });
  return { version: params.stylusVersion, codeHash, moduleHash, dataFee };
}

export function hexBytes(hex: string): Uint8Array {
  const h = hex.startsWith('0x') ? hex.slice(2) : hex;
  return Uint8Array.from(Buffer.from(h.padStart(64, '0'), 'hex'));
}

/** The page-limit check nitro ≥ v3.10 applies from ArbOS 59 (enforceStylusPageLimit). */
export function pageLimitEnforced(arbos: number): boolean {
  return arbos >= GETH_ARBOS.stylusV3;
}
