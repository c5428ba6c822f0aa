// What a transaction will cost before it is sent: its gas by eth_estimateGas (the sender funded by a
// state override, so a read-only client can price too), the chain's gas price, and the value it pays
// for good (a data fee, a cache bid) beside the value it sends (fees are sent with a margin and the
// excess refunded). One shape for activate, keepalive, cache bids and deploy --dry-run.
import { formatEther, type Hex } from 'viem';
import { UserError } from '../errors';
import type { ChainClient } from './connect';
import { describeChainError } from './deploy';

export interface TxCost {
  /** eth_estimateGas */
  gas: number;
  gasPriceWei: string;
  /** value sent with the transaction */
  valueWei: string;
  /** the part of the value that is paid (data fee, bid); the rest comes back */
  paidWei: string;
  /** gas · gas price + paid value */
  totalWei: string;
  totalEth: string;
}

export interface TxRequest {
  to?: Hex;
  data: Hex;
  value?: bigint;
  /** the part of `value` kept by the chain (default: all of it) */
  paid?: bigint;
}

/** an address with no key and no code, funded by the override when the client has no account */
export const PRICING_SENDER = '0x00000000000000000000000000000000000fee01' as const;

export function costOf(gas: bigint, gasPrice: bigint, value: bigint, paid: bigint): TxCost {
  const total = gas * gasPrice + paid;
  return {
    gas: Number(gas),
    gasPriceWei: gasPrice.toString(),
    valueWei: value.toString(),
    paidWei: paid.toString(),
    totalWei: total.toString(),
    totalEth: formatEther(total),
  };
}

export async function gasPrice(client: ChainClient): Promise<bigint> {
  return client.publicClient.getGasPrice();
}

/** Prices a transaction without sending it. */
export async function priceTx(client: ChainClient, tx: TxRequest, price?: bigint): Promise<TxCost> {
  const account = client.account ?? PRICING_SENDER;
  const value = tx.value ?? 0n;
  let gas: bigint;
  try {
    gas = await client.publicClient.estimateGas({ account, to: tx.to, data: tx.data, value, stateOverride: [{ address: account, balance: value + 10n ** 24n }] });
  } catch (e) {
    throw new UserError(`the transaction${tx.to ? ` to ${tx.to}` : ' (contract creation)'} would fail: ${describeChainError(e)}`);
  }
  return costOf(gas, price ?? (await gasPrice(client)), value, tx.paid ?? value);
}

/** "0.000123 ETH (1,234,567 gas at 0.1 gwei + 0.0001 ETH data fee)" */
export function describeCost(c: TxCost, paidAs = 'paid'): string {
  const gwei = Number(BigInt(c.gasPriceWei)) / 1e9;
  const paid = BigInt(c.paidWei);
  const extra = paid > 0n ? ` + ${formatEther(paid)} ETH ${paidAs}` : '';
  const refund = BigInt(c.valueWei) > paid ? `; sends ${formatEther(BigInt(c.valueWei))} ETH, the excess refunded` : '';
  return `${c.totalEth} ETH (${c.gas.toLocaleString('en-US')} gas at ${gwei} gwei${extra}${refund})`;
}
