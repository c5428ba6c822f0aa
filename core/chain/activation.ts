// Keeping a deployed program callable: ArbWasm.activateProgram when it is not active (never activated,
// activated at an older Stylus version, or expired — nitro lets any of these activate again), else
// ArbWasm.codehashKeepalive once it is KeepaliveDays old. Both pay the data pricer's fee for the
// program's size: it is asked of the chain first (activateProgram's return value; keepalive's
// ProgramInsufficientValue(0, fee) answer), sent with 20% more as cargo-stylus does, the excess refunded.
import { decodeEventLog, encodeFunctionData, type Hex } from 'viem';
import { UserError } from '../errors';
import type { ChainClient } from './connect';
import { priceTx, type TxCost, type TxRequest } from './cost';
import { ARB_WASM, ARB_WASM_ABI, estimateActivation, sendContract } from './deploy';
import { tryView, type ProgramStatus } from './lifecycle';

export const DATA_FEE_BUMP_PERCENT = 20n;

export type ActivationPlan =
  | { action: 'activate' | 'keepalive'; reason: string; dataFeeWei: bigint; tx: TxRequest & { to: Hex }; cost: TxCost }
  | { action: 'none'; reason: string };

const bumped = (fee: bigint) => (fee * (100n + DATA_FEE_BUMP_PERCENT)) / 100n;

/** The keepalive's data fee, or why the chain refuses a keepalive now. */
async function keepaliveFee(client: ChainClient, codehash: Hex): Promise<bigint | { refused: string }> {
  const r = await tryView<readonly []>(client, ARB_WASM, ARB_WASM_ABI, 'codehashKeepalive', [codehash]);
  if (r.ok) return 0n;
  if (r.name === 'ProgramInsufficientValue') return r.args[1] as bigint;
  return { refused: r.message };
}

/** What `activate` would do for a program in this state, and what it costs. */
export async function planActivation(client: ChainClient, s: ProgramStatus): Promise<ActivationPlan> {
  if (!s.activated || s.needsUpgrade || s.expired) {
    const reason = !s.activated
      ? 'not activated'
      : s.needsUpgrade
        ? `activated at Stylus version ${s.programVersion}, the chain runs ${s.stylusVersion}`
        : `expired (${s.ageDays} days since its activation or keepalive)`;
    const est = await estimateActivation(client, s.address);
    if (est === 'up-to-date') return { action: 'none', reason: 'the chain answers ProgramUpToDate' };
    const value = bumped(est.dataFeeWei);
    const tx = { to: ARB_WASM, data: encodeFunctionData({ abi: ARB_WASM_ABI, functionName: 'activateProgram', args: [s.address] }), value, paid: est.dataFeeWei } as const;
    return { action: 'activate', reason, dataFeeWei: est.dataFeeWei, tx, cost: await priceTx(client, tx) };
  }
  if (s.keepaliveAfterDays !== 0) {
    return { action: 'none', reason: `active at the chain's Stylus version; expires in ${s.expiresInDays} days, a keepalive is accepted in ${s.keepaliveAfterDays} days` };
  }
  const fee = await keepaliveFee(client, s.codehash);
  if (typeof fee !== 'bigint') return { action: 'none', reason: `the chain refuses a keepalive now: ${fee.refused}` };
  const value = bumped(fee);
  const tx = { to: ARB_WASM, data: encodeFunctionData({ abi: ARB_WASM_ABI, functionName: 'codehashKeepalive', args: [s.codehash] }), value, paid: fee } as const;
  return { action: 'keepalive', reason: `${s.ageDays} days since its activation or last keepalive (accepted from ${s.keepaliveDays}); expires in ${s.expiresInDays} days`, dataFeeWei: fee, tx, cost: await priceTx(client, tx) };
}

export interface SentAction {
  hash: Hex;
  gasUsed: number;
  /** the fee the chain took (from its ProgramActivated / ProgramLifetimeExtended event) */
  dataFeeWei: bigint;
}

export async function sendActivation(client: ChainClient, plan: Extract<ActivationPlan, { tx: unknown }>): Promise<SentAction> {
  const r = await sendContract(client, plan.tx);
  if (r.status !== 'success') throw new UserError(`${plan.action} transaction ${r.hash} reverted`);
  const receipt = await client.publicClient.getTransactionReceipt({ hash: r.hash });
  let dataFeeWei = plan.dataFeeWei;
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== ARB_WASM) continue;
    try {
      const ev = decodeEventLog({ abi: ARB_WASM_ABI, data: log.data, topics: log.topics });
      if (ev.eventName === 'ProgramActivated' || ev.eventName === 'ProgramLifetimeExtended') dataFeeWei = ev.args.dataFee;
    } catch {
      /* another event */
    }
  }
  return { hash: r.hash, gasUsed: Number(r.gasUsed), dataFeeWei };
}
