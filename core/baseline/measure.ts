// Deploying the baseline and measuring predict as the Stylus program is measured: eth_estimateGas of the
// same calldata on the same node, split into the transaction's intrinsic and calldata gas (EIP-2028:
// 4 per zero byte, 16 per other byte, 21,000 base) and what execution adds beyond them.
import { encodeFunctionData, hexToBytes, type Abi, type Hex } from 'viem';
import { UserError } from '../errors';
import { calldataGas as bytesCalldataGas, TX_BASE_GAS } from '../gas/call';
import type { ChainClient } from '../chain/connect';
import { describeChainError } from '../chain/deploy';
import type { CompiledBaseline } from './compile';

export { TX_BASE_GAS };

/** EIP-2028 gas of hex calldata (core/gas/call.ts prices the bytes). */
export const calldataGas = (data: Hex): number => bytesCalldataGas(hexToBytes(data));

export interface PredictGas {
  /** eth_estimateGas of the predict transaction */
  totalGas: number;
  calldataGas: number;
  /** totalGas − 21,000 − calldataGas */
  executionGas: number;
}

export async function deployBaseline(client: ChainClient, c: CompiledBaseline): Promise<{ address: Hex; deployGas: bigint }> {
  const w = client.walletClient;
  if (w === null || w.account === undefined) throw new UserError(`no signing key for ${client.url}: cannot deploy the EVM baseline`);
  let hash: Hex;
  try {
    hash = await w.deployContract({ abi: c.abi, bytecode: c.bytecode, account: w.account, chain: w.chain });
  } catch (e) {
    throw new UserError(`EVM baseline deploy failed: ${describeChainError(e)}`);
  }
  const r = await client.publicClient.waitForTransactionReceipt({ hash });
  if (r.status !== 'success' || !r.contractAddress) throw new UserError(`EVM baseline deploy transaction ${hash} reverted`);
  return { address: r.contractAddress, deployGas: r.gasUsed };
}

/** A predict the EVM cannot run within the gas one transaction may use. */
export class OverGasCap extends UserError {}

/** Gas of `predict(input)` for flat fixed-point inputs; with `gasCap`, a call needing more is OverGasCap. */
export async function predictGas(client: ChainClient, address: Hex, abi: Abi, flat: number[], gasCap?: number): Promise<PredictGas> {
  const data = encodeFunctionData({ abi, functionName: 'predict', args: [flat] });
  let total: bigint;
  try {
    total = await client.publicClient.estimateGas({ account: client.account ?? undefined, to: address, data, ...(gasCap ? { gas: BigInt(gasCap) } : {}) });
  } catch (e) {
    const why = describeChainError(e);
    if (gasCap && /out of gas|gas required exceeds|exceeds allowance/i.test(why)) throw new OverGasCap(`EVM baseline predict needs more than ${gasCap.toLocaleString('en-US')} gas`);
    throw new UserError(`EVM baseline predict failed: ${why}`);
  }
  const cd = calldataGas(data);
  return { totalGas: Number(total), calldataGas: cd, executionGas: Number(total) - TX_BASE_GAS - cd };
}
