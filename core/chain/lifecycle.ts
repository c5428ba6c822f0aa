// A deployed program's life on chain, read from ArbWasm's and ArbWasmCache's views (nitro
// precompiles/ArbWasm.go, ArbWasmCache.go; arbos/programs/programs.go): is it activated, at which Stylus
// version, when does it expire, when may it be kept alive, is it cached, what does a call's init cost.
// The views answer through getActiveProgram, so a program that needs an upgrade or has expired answers
// with the named error instead of a value: the error itself is the status.
import { BaseError, decodeErrorResult, decodeFunctionResult, encodeFunctionData, keccak256, parseAbi, type Abi, type Hex } from 'viem';
import { UserError } from '../errors';
import type { ChainClient } from './connect';
import { ARB_WASM, ARB_WASM_ABI, describeChainError } from './deploy';

export const ARB_WASM_CACHE = '0x0000000000000000000000000000000000000072' as const;
export const ARB_WASM_CACHE_ABI = parseAbi([
  'function allCacheManagers() view returns (address[])',
  'function isCacheManager(address manager) view returns (bool)',
  'function codehashIsCached(bytes32 codehash) view returns (bool)',
  'function cacheProgram(address addr)',
  'function evictCodehash(bytes32 codehash)',
  'event UpdateProgramCache(address indexed manager, bytes32 indexed codehash, bool cached)',
]);

const DAY = 86_400;
/** the warning thresholds the status and the extension's deployments view share */
export const EXPIRY_WARNING_DAYS = 30;

export interface ProgramStatus {
  chainId: number;
  address: Hex;
  /** keccak-256 of the code at the address (what ArbOS keys programs by) */
  codehash: Hex;
  /** ArbOS holds an activation for this code (possibly at an older Stylus version, possibly expired) */
  activated: boolean;
  programVersion: number | null;
  stylusVersion: number;
  /** activated at an older Stylus version: every call answers ProgramNeedsUpgrade until it is activated again */
  needsUpgrade: boolean;
  /** older than ExpiryDays without a keepalive: every call answers ProgramExpired until it is activated again */
  expired: boolean;
  /** whole days until it expires (0 once expired); null when unknown (not activated, or needs an upgrade) */
  expiresInDays: number | null;
  /** whole days until a keepalive is accepted (0: now); null when unknown */
  keepaliveAfterDays: number | null;
  ageDays: number | null;
  expiryDays: number;
  keepaliveDays: number;
  cached: boolean;
  /** gas a call pays to start the program, uncached and cached (ArbWasm.programInitGas) */
  initGas: number | null;
  cachedInitGas: number | null;
  /** what needs doing, in words the extension shows beside the deployment */
  warnings: string[];
}

type Outcome<T> = { ok: true; value: T } | { ok: false; name: string; args: readonly unknown[]; message: string };

export function revertDataOf(e: unknown): Hex | null {
  if (!(e instanceof BaseError)) return null;
  const x = e.walk((c) => typeof (c as { data?: unknown }).data === 'string' && /^0x[0-9a-fA-F]{8,}$/.test((c as { data: string }).data)) as { data?: Hex } | null;
  return x?.data ?? null;
}

/** eth_call of a view; a revert comes back decoded with `abi`'s errors (the named error is information here). */
export async function tryView<T>(client: ChainClient, to: Hex, abi: Abi, functionName: string, args: readonly unknown[] = []): Promise<Outcome<T>> {
  const data = encodeFunctionData({ abi, functionName, args } as never);
  try {
    const r = await client.publicClient.call({ to, data });
    return { ok: true, value: decodeFunctionResult({ abi, functionName, data: r.data ?? '0x' } as never) as T };
  } catch (e) {
    const d = revertDataOf(e);
    if (d !== null) {
      try {
        const err = decodeErrorResult({ abi, data: d });
        return { ok: false, name: err.errorName, args: err.args ?? [], message: `${err.errorName}(${(err.args ?? []).map(String).join(', ')})` };
      } catch {
        /* not one of abi's errors */
      }
    }
    const message = describeChainError(e);
    if (d === null && !/revert/i.test(message)) throw new UserError(`${functionName} on ${to} failed: ${message}`);
    return { ok: false, name: 'revert', args: [], message };
  }
}

async function view<T>(client: ChainClient, to: Hex, abi: Abi, fn: string, args: readonly unknown[] = []): Promise<T> {
  const r = await tryView<T>(client, to, abi, fn, args);
  if (!r.ok) throw new UserError(`${fn} on ${to} reverted: ${r.message}`);
  return r.value;
}

export async function codehashAt(client: ChainClient, address: Hex): Promise<Hex> {
  const code = await client.publicClient.getCode({ address });
  if (code === undefined || code === '0x') throw new UserError(`no code at ${address} on chain ${client.chainId}`);
  return keccak256(code);
}

/** The status of the program at `address`, from the chain's views. */
export async function readProgramStatus(client: ChainClient, address: Hex): Promise<ProgramStatus> {
  const codehash = await codehashAt(client, address);
  const stylusVersion = await view<number>(client, ARB_WASM, ARB_WASM_ABI, 'stylusVersion');
  const expiryDays = await view<number>(client, ARB_WASM, ARB_WASM_ABI, 'expiryDays');
  const keepaliveDays = await view<number>(client, ARB_WASM, ARB_WASM_ABI, 'keepaliveDays');
  const cached = await view<boolean>(client, ARB_WASM_CACHE, ARB_WASM_CACHE_ABI, 'codehashIsCached', [codehash]);
  const version = await tryView<number>(client, ARB_WASM, ARB_WASM_ABI, 'programVersion', [address]);

  let activated = true;
  let programVersion: number | null = null;
  let needsUpgrade = false;
  let expired = false;
  let ageSeconds: number | null = null;
  if (version.ok) programVersion = version.value;
  else if (version.name === 'ProgramNotActivated') activated = false;
  else if (version.name === 'ProgramNeedsUpgrade') {
    needsUpgrade = true;
    programVersion = Number(version.args[0]);
  } else if (version.name === 'ProgramExpired') {
    // getActiveProgram checks the version before the age: an expired program is at the current version
    expired = true;
    programVersion = stylusVersion;
    ageSeconds = Number(version.args[0]);
  } else throw new UserError(`ArbWasm.programVersion(${address}) reverted: ${version.message}`);

  let initGas: number | null = null;
  let cachedInitGas: number | null = null;
  if (version.ok) {
    const left = Number(await view<bigint>(client, ARB_WASM, ARB_WASM_ABI, 'programTimeLeft', [address]));
    ageSeconds = expiryDays * DAY - left;
    const [g, c] = await view<readonly [bigint, bigint]>(client, ARB_WASM, ARB_WASM_ABI, 'programInitGas', [address]);
    initGas = Number(g);
    cachedInitGas = Number(c);
  }
  const expiresInDays = ageSeconds === null ? null : Math.max(0, Math.floor((expiryDays * DAY - ageSeconds) / DAY));
  // nitro refuses a keepalive while ageSeconds < KeepaliveDays·86400 (ProgramKeepalive)
  const keepaliveAfterDays = ageSeconds === null || expired ? null : Math.max(0, Math.ceil((keepaliveDays * DAY - ageSeconds) / DAY));
  const status: ProgramStatus = {
    chainId: client.chainId,
    address,
    codehash,
    activated,
    programVersion,
    stylusVersion,
    needsUpgrade,
    expired,
    expiresInDays,
    keepaliveAfterDays,
    ageDays: ageSeconds === null ? null : Math.floor(ageSeconds / DAY),
    expiryDays,
    keepaliveDays,
    cached,
    initGas,
    cachedInitGas,
    warnings: [],
  };
  status.warnings = statusWarnings(status);
  return status;
}

/** The warnings of a status, worst first (one definition for the CLI and the extension's tree). */
export function statusWarnings(s: Pick<ProgramStatus, 'activated' | 'needsUpgrade' | 'expired' | 'expiresInDays' | 'cached' | 'programVersion' | 'stylusVersion'>): string[] {
  const out: string[] = [];
  if (!s.activated) out.push('not activated');
  else if (s.needsUpgrade) out.push(`needs re-activation (Stylus version ${s.programVersion} → ${s.stylusVersion})`);
  else if (s.expired) out.push('expired: needs re-activation');
  else if (s.expiresInDays !== null && s.expiresInDays < EXPIRY_WARNING_DAYS) out.push(`expires in < ${EXPIRY_WARNING_DAYS} days (${s.expiresInDays})`);
  if (!s.cached) out.push('not cached');
  return out;
}
