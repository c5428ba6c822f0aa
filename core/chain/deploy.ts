// Deploying and activating a Stylus program the way cargo-stylus does without a constructor: a plain
// CREATE of the 43-byte prelude + code, then ArbWasm.activateProgram paid with the data fee that an
// eth_call of activateProgram returns, bumped by 20% (cargo-stylus --data-fee-bump-percent default);
// ArbWasm refunds the excess. Plus eth_call / transaction helpers for calling the program.
import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  decodeEventLog,
  decodeFunctionResult,
  encodeFunctionData,
  parseAbi,
  toHex,
  type Hex,
} from 'viem';
import { UserError } from '../errors';
import { MAX_CODE_SIZE } from '../../nitro/limits';
import { isStylusProgram, runtimeFromInitCode, stylusInitCode } from '../build/deploy-bytes';
import type { ChainClient } from './connect';

export const ARB_WASM = '0x0000000000000000000000000000000000000071' as const;
export const ARB_WASM_ABI = parseAbi([
  'function activateProgram(address program) payable returns (uint16 version, uint256 dataFee)',
  'function stylusVersion() view returns (uint16)',
  'function codehashVersion(bytes32 codehash) view returns (uint16)',
  'function programVersion(address program) view returns (uint16)',
  'function programInitGas(address program) view returns (uint64 gas, uint64 gasWhenCached)',
  'function programMemoryFootprint(address program) view returns (uint16 footprint)',
  'function programTimeLeft(address program) view returns (uint64)',
  'function codehashAsmSize(bytes32 codehash) view returns (uint32)',
  'function codehashKeepalive(bytes32 codehash) payable',
  'function expiryDays() view returns (uint16)',
  'function keepaliveDays() view returns (uint16)',
  'event ProgramActivated(bytes32 indexed codehash, bytes32 moduleHash, address program, uint256 dataFee, uint16 version)',
  'event ProgramLifetimeExtended(bytes32 indexed codehash, uint256 dataFee)',
  'error ProgramNotWasm()',
  'error ProgramNotActivated()',
  'error ProgramNeedsUpgrade(uint16 version, uint16 stylusVersion)',
  'error ProgramExpired(uint64 ageInSeconds)',
  'error ProgramUpToDate()',
  'error ProgramKeepaliveTooSoon(uint64 ageInSeconds)',
  'error ProgramInsufficientValue(uint256 have, uint256 want)',
]);

export interface DeployResult {
  address: Hex;
  deploy: { hash: Hex; gasUsed: bigint };
  /** hash null when the code was already activated (same codehash, current version) */
  activate: { hash: Hex | null; gasUsed: bigint; dataFeeWei: bigint };
  compressedBytes: number;
}

export interface DeployOptions {
  /** percentage added to the estimated data fee (cargo-stylus default 20) */
  dataFeeBumpPercent?: number;
}

/** Accepts the runtime code (EF F0 00 …) or the prelude-wrapped init code; returns both. */
export function normaliseDeployBytes(bytes: Uint8Array): { runtimeCode: Uint8Array; initCode: Uint8Array } {
  const fromInit = runtimeFromInitCode(bytes);
  if (fromInit !== null && isStylusProgram(fromInit)) return { runtimeCode: fromInit, initCode: bytes };
  if (isStylusProgram(bytes)) return { runtimeCode: bytes, initCode: stylusInitCode(bytes) };
  throw new UserError('not Stylus deployment bytes: expected code starting EF F0 00 or the 43-byte init-code prelude followed by it');
}

function wallet(client: ChainClient) {
  if (client.walletClient === null || client.walletClient.account === undefined) {
    throw new UserError(`no signing key for ${client.url}: pass --key-file F`);
  }
  return { w: client.walletClient, account: client.walletClient.account };
}

/** The revert's named error (ArbWasm's), or the node's message, without the noise of viem's wrapping. */
export function describeChainError(e: unknown): string {
  if (e instanceof BaseError) {
    const revert = e.walk((x) => x instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null;
    if (revert?.data?.errorName) return `${revert.data.errorName}(${(revert.data.args ?? []).map(String).join(', ')})`;
    const withData = e.walk((x) => typeof (x as { data?: unknown }).data === 'string') as { data?: Hex } | null;
    if (withData?.data && withData.data.length >= 10) {
      try {
        const d = decodeErrorResult({ abi: ARB_WASM_ABI, data: withData.data });
        return `${d.errorName}(${(d.args ?? []).map(String).join(', ')})`;
      } catch {
        /* not an ArbWasm error */
      }
    }
    return e.details || e.shortMessage;
  }
  return (e as Error)?.message ?? String(e);
}

/** Data fee from an eth_call of activateProgram, funded by a balance override as cargo-stylus check does. */
export async function estimateActivation(client: ChainClient, address: Hex): Promise<{ version: number; dataFeeWei: bigint } | 'up-to-date'> {
  const from = client.account ?? '0x0000000000000000000000000000000000000001';
  const value = 10n ** 18n;
  try {
    const { data } = await client.publicClient.call({
      account: from,
      to: ARB_WASM,
      data: encodeFunctionData({ abi: ARB_WASM_ABI, functionName: 'activateProgram', args: [address] }),
      value,
      stateOverride: [{ address: from, balance: 10n ** 24n }],
    });
    const [version, dataFee] = decodeFunctionResult({ abi: ARB_WASM_ABI, functionName: 'activateProgram', data: data ?? '0x' });
    return { version, dataFeeWei: dataFee };
  } catch (e) {
    const why = describeChainError(e);
    if (why.startsWith('ProgramUpToDate')) return 'up-to-date';
    throw new UserError(`activation would fail: ${why}`);
  }
}

export async function deployProgram(client: ChainClient, bytes: Uint8Array, opts: DeployOptions = {}): Promise<DeployResult> {
  const { runtimeCode, initCode } = normaliseDeployBytes(bytes);
  if (runtimeCode.length > MAX_CODE_SIZE) {
    throw new UserError(`program too large: ${runtimeCode.length} bytes of code > MaxCodeSize ${MAX_CODE_SIZE}`);
  }
  const { w, account } = wallet(client);
  const pub = client.publicClient;
  let deployHash: Hex;
  try {
    deployHash = await w.sendTransaction({ account, chain: w.chain, data: toHex(initCode) });
  } catch (e) {
    throw new UserError(`deploy transaction failed: ${describeChainError(e)}`);
  }
  const deployReceipt = await pub.waitForTransactionReceipt({ hash: deployHash });
  if (deployReceipt.status !== 'success' || !deployReceipt.contractAddress) {
    throw new UserError(`deploy transaction ${deployHash} reverted`);
  }
  const address = deployReceipt.contractAddress;
  const result: DeployResult = {
    address,
    deploy: { hash: deployHash, gasUsed: deployReceipt.gasUsed },
    activate: { hash: null, gasUsed: 0n, dataFeeWei: 0n },
    compressedBytes: runtimeCode.length - 4,
  };
  result.activate = await activateProgram(client, address, opts);
  return result;
}

/**
 * ArbWasm.activateProgram for the program at `address`, paid with the estimated data fee plus the bump
 * (the excess is refunded); `hash: null` when the code is already activated at the current version.
 */
export async function activateProgram(client: ChainClient, address: Hex, opts: DeployOptions = {}): Promise<DeployResult['activate']> {
  const { w, account } = wallet(client);
  const est = await estimateActivation(client, address);
  if (est === 'up-to-date') return { hash: null, gasUsed: 0n, dataFeeWei: 0n };
  const bump = BigInt(opts.dataFeeBumpPercent ?? 20);
  const value = (est.dataFeeWei * (100n + bump)) / 100n;
  let hash: Hex;
  try {
    hash = await w.sendTransaction({
      account,
      chain: w.chain,
      to: ARB_WASM,
      data: encodeFunctionData({ abi: ARB_WASM_ABI, functionName: 'activateProgram', args: [address] }),
      value,
    });
  } catch (e) {
    throw new UserError(`activation failed: ${describeChainError(e)}`);
  }
  const receipt = await client.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new UserError(`activation transaction ${hash} reverted`);
  let dataFeeWei = est.dataFeeWei;
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== ARB_WASM) continue;
    try {
      const ev = decodeEventLog({ abi: ARB_WASM_ABI, data: log.data, topics: log.topics });
      if (ev.eventName === 'ProgramActivated') dataFeeWei = ev.args.dataFee;
    } catch {
      /* other events */
    }
  }
  return { hash, gasUsed: receipt.gasUsed, dataFeeWei };
}

export interface CallArgs {
  to: Hex;
  data: Hex;
  value?: bigint;
  gas?: bigint;
}

/** eth_call with the client's account as sender; returns data and the gas eth_estimateGas reports. */
export async function callContract(client: ChainClient, args: CallArgs): Promise<{ data: Hex; gasEstimate: bigint }> {
  const account = client.account ?? undefined;
  try {
    const { data } = await client.publicClient.call({ account, to: args.to, data: args.data, value: args.value, gas: args.gas });
    const gasEstimate = await client.publicClient.estimateGas({ account, to: args.to, data: args.data, value: args.value });
    return { data: data ?? '0x', gasEstimate };
  } catch (e) {
    throw new UserError(`call to ${args.to} failed: ${describeChainError(e)}`);
  }
}

/** A transaction to a contract; resolves with its receipt figures (reverts are reported, not thrown). */
export async function sendContract(client: ChainClient, args: CallArgs): Promise<{ hash: Hex; gasUsed: bigint; status: 'success' | 'reverted'; blockNumber: bigint }> {
  const { w, account } = wallet(client);
  let hash: Hex;
  try {
    hash = await w.sendTransaction({ account, chain: w.chain, to: args.to, data: args.data, value: args.value, gas: args.gas });
  } catch (e) {
    throw new UserError(`transaction to ${args.to} failed: ${describeChainError(e)}`);
  }
  const r = await client.publicClient.waitForTransactionReceipt({ hash });
  return { hash, gasUsed: r.gasUsed, status: r.status, blockNumber: r.blockNumber };
}
