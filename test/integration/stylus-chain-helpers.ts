// Plain-transaction helpers for Stylus tests against a devnode, as a client would send them over JSON-RPC:
// deploy any code through the 43-byte prelude, activate with ArbWasm.activateProgram, call, read views.
import assert from 'node:assert/strict';
import { decodeFunctionResult, encodeFunctionData, parseAbi, toHex, type Hex } from 'viem';
import { stylusInitCode } from '../../core/build/deploy-bytes';
import { DEV_ACCOUNT } from '../../devnode/index';
import { rpc } from './devnode-helpers';

export const ARB_SYS = '0x0000000000000000000000000000000000000064';
export const ARB_OWNER = '0x0000000000000000000000000000000000000070';
export const ARB_OWNER_PUBLIC = '0x000000000000000000000000000000000000006b';
export const ARB_WASM = '0x0000000000000000000000000000000000000071';

export const ABI = parseAbi([
  'function arbOSVersion() view returns (uint256)',
  'function arbBlockNumber() view returns (uint256)',
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
  'function activateProgram(address program) payable returns (uint16 version, uint256 dataFee)',
  'function programVersion(address program) view returns (uint16)',
  'function programInitGas(address program) view returns (uint64 gas, uint64 gasWhenCached)',
  'function codehashKeepalive(bytes32 codehash) payable',
  'function scheduleArbOSUpgrade(uint64 newVersion, uint64 timestamp)',
  'function setInkPrice(uint32 price)',
  'function setWasmMaxStackDepth(uint32 depth)',
  'function setWasmFreePages(uint16 pages)',
  'function setWasmPageGas(uint16 gas)',
  'function setWasmPageLimit(uint16 limit)',
  'function setWasmMinInitGas(uint64 gas, uint64 cached)',
  'function setWasmInitCostScalar(uint64 percent)',
  'function setWasmExpiryDays(uint16 days)',
  'function setWasmKeepaliveDays(uint16 days)',
  'function setWasmBlockCacheSize(uint16 count)',
  'function setWasmMaxSize(uint32 size)',
  'function setMaxStylusContractFragments(uint8 maxFragments)',
  'function setWasmActivationGas(uint64 gas)',
  'error ProgramNotWasm()',
  'error ProgramNotActivated()',
  'error ProgramNeedsUpgrade(uint16 version, uint16 stylusVersion)',
  'error ProgramExpired(uint64 ageInSeconds)',
  'error ProgramUpToDate()',
  'error ProgramKeepaliveTooSoon(uint64 ageInSeconds)',
  'error ProgramInsufficientValue(uint256 have, uint256 want)',
]);
type Fn = (typeof ABI)[number] & { type: 'function' };
export type FnName = Fn['name'];

export interface Receipt {
  status: string;
  gasUsed: string;
  contractAddress: string | null;
  blockNumber: string;
  l1BlockNumber: string;
  transactionHash: string;
}

/** eth_sendTransaction from the dev account (the node signs), then the receipt. */
export async function send(url: string, tx: Record<string, unknown>): Promise<Receipt> {
  const h = await rpc(url, 'eth_sendTransaction', [{ from: DEV_ACCOUNT.address, ...tx }]);
  assert.ok(typeof h.result === 'string', JSON.stringify(h.error));
  return (await rpc(url, 'eth_getTransactionReceipt', [h.result])).result as Receipt;
}

/** Deploys `code` as a contract's runtime code with the prelude CREATE cargo-stylus uses. */
export async function deployCode(url: string, code: Uint8Array): Promise<Hex> {
  const r = await send(url, { data: toHex(stylusInitCode(code)), gas: toHex(10_000_000n) });
  assert.equal(r.status, '0x1', 'deployment succeeds');
  return r.contractAddress as Hex;
}

export const data = (functionName: FnName, args: readonly unknown[] = []): Hex =>
  encodeFunctionData({ abi: ABI, functionName, args } as never);

/** A view of a precompile, decoded; throws with the JSON-RPC error otherwise. */
export async function view(url: string, to: string, functionName: FnName, args: readonly unknown[] = []): Promise<unknown> {
  const r = await rpc(url, 'eth_call', [{ to, data: data(functionName, args) }, 'latest']);
  if (r.error) throw Object.assign(new Error(r.error.message), { rpc: r.error });
  return decodeFunctionResult({ abi: ABI, functionName, data: r.result as Hex } as never);
}

/** ArbWasm.activateProgram paid with 1 ETH (the excess is refunded), as a transaction. */
export function activate(url: string, program: string, extra: Record<string, unknown> = {}): Promise<Receipt> {
  return send(url, { to: ARB_WASM, data: data('activateProgram', [program]), value: toHex(10n ** 18n), gas: toHex(30_000_000n), ...extra });
}

/** An owner call to ArbOwner as the dev account (the chain owner). */
export function owner(url: string, functionName: FnName, args: readonly unknown[]): Promise<Receipt> {
  return send(url, { to: ARB_OWNER, data: data(functionName, args), gas: toHex(1_000_000n) });
}
