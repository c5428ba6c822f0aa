// Small helpers shared by the precompile definitions.
import { Address } from '@ethereumjs/util';
import type { ArbContext } from '../evm/arb-context';
import { STORAGE_READ_COST } from '../../nitro/storage';
import { PrecompileBurnOut, type CallEnv } from './framework';

export const precompileAddress = (hexTail: string): Address =>
  new Address(Uint8Array.from(Buffer.from(hexTail.padStart(40, '0'), 'hex')));
export const toAddress = (a: unknown): Address => new Address(Uint8Array.from(Buffer.from(String(a).slice(2), 'hex')));
export const toBytes32 = (h: unknown): Uint8Array => Uint8Array.from(Buffer.from(String(h).slice(2), 'hex'));
export const hex = (b: Uint8Array): `0x${string}` => `0x${Buffer.from(b).toString('hex')}`;

/** The set nitro's chain owners live in (arbosState.ChainOwners). */
export const CHAIN_OWNERS = 'chainOwners';
export const CACHE_MANAGERS = 'cacheManagers';

export async function isChainOwner(ctx: ArbContext, env: CallEnv, who: Address): Promise<boolean> {
  env.burn(STORAGE_READ_COST);
  return ctx.arbos.isMember(CHAIN_OWNERS, who);
}

/** ArbOwner's access control (precompiles/wrapper.go OwnerPrecompile): non-owners fail, burning the call's gas. */
export async function requireOwner(ctx: ArbContext, env: CallEnv): Promise<void> {
  if (!(await isChainOwner(ctx, env, env.caller))) {
    throw new PrecompileBurnOut('unauthorized caller to access-controlled method');
  }
}
