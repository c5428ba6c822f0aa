// Calling a deployed model: one case by eth_call (gas = eth_estimateGas) or by transaction (gas = the
// receipt's), with reverts reported as outcomes (the contract's named error decoded with the crate's ABI
// when it is known) instead of thrown, so that a revert the simulator predicts counts as agreement.
import { BaseError, decodeErrorResult, type Abi, type Hex } from 'viem';
import type { ChainClient } from './connect';
import { describeChainError, sendContract } from './deploy';

export interface CallOutcome {
  /** return data (a transaction's comes from an eth_call of the same pure call at the same state) */
  data: Hex | null;
  /** eth_estimateGas for calls, the receipt's gasUsed for transactions */
  gasUsed: number | null;
  hash?: Hex;
  /** why it reverted: the named error when the ABI knows it, else the node's message */
  error?: string;
}

function revertData(e: unknown): Hex | null {
  if (!(e instanceof BaseError)) return null;
  const x = e.walk((c) => typeof (c as { data?: unknown }).data === 'string' && /^0x[0-9a-fA-F]*$/.test((c as { data: string }).data)) as { data?: Hex } | null;
  return x?.data ?? null;
}

export function describeRevert(e: unknown, errorsAbi?: Abi): string {
  const data = revertData(e);
  if (data && data.length >= 10 && errorsAbi) {
    try {
      const d = decodeErrorResult({ abi: errorsAbi, data });
      return `${d.errorName}(${(d.args ?? []).map(String).join(', ')})`;
    } catch {
      /* not one of the crate's errors */
    }
  }
  if (data && data.length >= 10) return `reverted with data ${data.length > 74 ? data.slice(0, 74) + '…' : data}`;
  return describeChainError(e);
}

export async function callModel(client: ChainClient, to: Hex, data: Hex, opts: { send?: boolean; errorsAbi?: Abi } = {}): Promise<CallOutcome> {
  const account = client.account ?? undefined;
  let ret: Hex;
  try {
    ret = (await client.publicClient.call({ account, to, data })).data ?? '0x';
  } catch (e) {
    const error = describeRevert(e, opts.errorsAbi);
    if (!opts.send) return { data: null, gasUsed: null, error };
    // a reverting transaction still costs gas: send it with an explicit limit so the node mines it
    const tx = await sendContract(client, { to, data, gas: 30_000_000n });
    return { data: null, gasUsed: Number(tx.gasUsed), hash: tx.hash, error };
  }
  if (opts.send) {
    const tx = await sendContract(client, { to, data });
    if (tx.status !== 'success') return { data: null, gasUsed: Number(tx.gasUsed), hash: tx.hash, error: 'the transaction reverted' };
    return { data: ret, gasUsed: Number(tx.gasUsed), hash: tx.hash };
  }
  const gas = await client.publicClient.estimateGas({ account, to, data });
  return { data: ret, gasUsed: Number(gas) };
}
