// A chain's live Stylus parameters, read through its precompiles' views (nitro precompiles/ArbSys.go
// ArbOSVersion, ArbWasm.go, ArbOwnerPublic.go) instead of assumed from the table: chain owners change ink
// price, init gas, scalars, page gas and limits with ArbOwner. Two parameters have no view
// (CachedCostScalar, MaxWasmSize): those come from the table at the chain's version, and say so.
import { createPublicClient, http, parseAbi, type PublicClient } from 'viem';
import { GETH_ARBOS } from '../../nitro/arbos';
import { COST_SCALAR_PERCENT, MIN_CACHED_GAS_UNITS, MIN_INIT_GAS_UNITS, stylusParamsFor, type StylusParams } from '../../nitro/params';
import { UserError } from '../errors';

const ARB_SYS = '0x0000000000000000000000000000000000000064';
const ARB_WASM = '0x0000000000000000000000000000000000000071';
const ARB_OWNER_PUBLIC = '0x000000000000000000000000000000000000006b';
/** ArbSys.arbOSVersion() answers 55 + the ArbOS version (ArbSys.go) */
const ARBOS_VERSION_OFFSET = 55n;

const VIEWS = parseAbi([
  'function arbOSVersion() view returns (uint256)',
  'function stylusVersion() view returns (uint16)',
  'function inkPrice() view returns (uint32)',
  'function maxStackDepth() view returns (uint32)',
  'function freePages() view returns (uint16)',
  'function pageGas() view returns (uint16)',
  'function pageLimit() view returns (uint16)',
  'function minInitGas() view returns (uint64, uint64)',
  'function initCostScalar() view returns (uint64)',
  'function expiryDays() view returns (uint16)',
  'function keepaliveDays() view returns (uint16)',
  'function blockCacheSize() view returns (uint16)',
  'function activationGas() view returns (uint64)',
  'function getMaxStylusContractFragments() view returns (uint8)',
]);

export interface ChainParams {
  params: StylusParams;
  /** the parameters not readable from the chain, taken from the table at its version */
  fromTable: (keyof StylusParams)[];
}

/** Reads the Stylus parameters of the chain at `rpcUrl`. */
export async function readChainParams(rpcUrl: string, client?: PublicClient): Promise<ChainParams> {
  const pub = client ?? createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: 15_000 }) });
  const read = async <T>(address: `0x${string}`, functionName: (typeof VIEWS)[number]['name']): Promise<T> =>
    (await pub.readContract({ address, abi: VIEWS, functionName } as never)) as T;
  let arbos: number;
  try {
    arbos = Number((await read<bigint>(ARB_SYS, 'arbOSVersion')) - ARBOS_VERSION_OFFSET);
  } catch (e) {
    throw new UserError(`--rpc ${rpcUrl}: cannot read ArbSys.arbOSVersion() (is this an Arbitrum chain?): ${(e as Error).message.split('\n')[0]}`);
  }
  if (arbos < GETH_ARBOS.stylus) throw new UserError(`--rpc ${rpcUrl}: the chain runs ArbOS ${arbos}, before Stylus (ArbOS ${GETH_ARBOS.stylus})`);
  // the table at the chain's version for what no view answers (and for the views a version lacks)
  const table = stylusParamsFor(arbos, false);
  const fromTable: (keyof StylusParams)[] = ['cachedCostScalar', 'maxWasmSize'];
  const p: StylusParams = { ...table };
  p.stylusVersion = await read<number>(ARB_WASM, 'stylusVersion');
  p.inkPrice = await read<number>(ARB_WASM, 'inkPrice');
  p.maxStackDepth = await read<number>(ARB_WASM, 'maxStackDepth');
  p.freePages = await read<number>(ARB_WASM, 'freePages');
  p.pageGas = await read<number>(ARB_WASM, 'pageGas');
  p.pageLimit = await read<number>(ARB_WASM, 'pageLimit');
  p.initCostScalar = Number((await read<bigint>(ARB_WASM, 'initCostScalar')) / COST_SCALAR_PERCENT);
  p.expiryDays = await read<number>(ARB_WASM, 'expiryDays');
  p.keepaliveDays = await read<number>(ARB_WASM, 'keepaliveDays');
  p.blockCacheSize = await read<number>(ARB_WASM, 'blockCacheSize');
  if (arbos >= GETH_ARBOS.stylusChargingFixes) {
    const [gas, cached] = await read<[bigint, bigint]>(ARB_WASM, 'minInitGas');
    p.minInitGas = Number(gas / MIN_INIT_GAS_UNITS);
    p.minCachedInitGas = Number(cached / MIN_CACHED_GAS_UNITS);
  } else fromTable.push('minInitGas', 'minCachedInitGas');
  if (arbos >= GETH_ARBOS.stylusV3) p.activationGas = Number(await read<bigint>(ARB_WASM, 'activationGas'));
  if (arbos >= GETH_ARBOS.stylusContractLimit) p.maxFragmentCount = await read<number>(ARB_OWNER_PUBLIC, 'getMaxStylusContractFragments');
  return { params: p, fromTable };
}
