// deploy --dry-run: every transaction a deployment would send, priced on the target chain without sending
// anything. The CREATE is estimated as is; activateProgram is estimated (and its data fee asked) against a
// state override that puts the program's code at the address the CREATE will make — what `cargo stylus
// check` does. Each transaction's gas is split into execution and the L1 data component: the poster's
// share of the signed transaction's bytes at the L1 pricing of ArbGasInfo (core/gas/l1.ts). On an Arbitrum
// chain eth_estimateGas includes that share, so execution = the estimate − the share at the chain's own
// pricing, and the total adds the share at the pricing asked for (the chain's, or a recording's).
import { decodeFunctionResult, encodeFunctionData, formatEther, getContractAddress, toHex, type Hex } from 'viem';
import { UserError } from '../errors';
import { posterGas, posterUnits, signedTxBytes } from '../gas/l1';
import type { ChainClient } from './connect';
import { PRICING_SENDER } from './cost';
import { ARB_WASM, ARB_WASM_ABI, describeChainError } from './deploy';
import { DATA_FEE_BUMP_PERCENT } from './activation';
import type { ChainL1Pricing } from './l1-pricing';

export interface PlannedTx {
  name: string;
  /** null: a contract creation */
  to: Hex | null;
  dataBytes: number;
  valueWei: string;
  /** the part of the value the chain keeps (the activation data fee; the rest is refunded) */
  paidWei: string;
  /** execution + l1Gas */
  gas: number;
  executionGas: number;
  l1Gas: number;
  gasPriceWei: string;
  /** gas · gas price + paid value */
  costWei: string;
  costEth: string;
}

export interface DeployPlan {
  chainId: number;
  from: Hex;
  /** where the CREATE will put the program (the sender's next nonce) */
  address: Hex;
  transactions: PlannedTx[];
  total: { gas: number; costWei: string; costEth: string };
  l1Pricing: { source: string; pricePerUnitWei: string; l2BaseFeeWei: string; brotliLevel: number };
  notes: string[];
}

function l1GasOf(pricing: ChainL1Pricing, tx: { to: Hex | null; data: Hex; value: bigint; gas: bigint }): number {
  const bytes = signedTxBytes({ to: tx.to ?? undefined, data: Buffer.from(tx.data.slice(2), 'hex'), value: tx.value, gas: tx.gas, baseFeeWei: pricing.l2BaseFeeWei, chainId: pricing.chainId });
  return posterGas(posterUnits(bytes, pricing.brotliLevel), pricing);
}

/**
 * Prices the deployment of `runtimeCode` (EF F0 00 …, its init code `initCode`) on the client's chain.
 * `chainPricing` is the chain's own L1 pricing; `pricing` the one to charge (default: the chain's).
 */
export async function planDeployment(
  client: ChainClient,
  program: { runtimeCode: Uint8Array; initCode: Uint8Array },
  chainPricing: ChainL1Pricing,
  pricing: ChainL1Pricing = chainPricing,
): Promise<DeployPlan> {
  const pub = client.publicClient;
  const from = (client.account ?? PRICING_SENDER) as Hex;
  const nonce = await pub.getTransactionCount({ address: from });
  const address = getContractAddress({ from, nonce: BigInt(nonce) });
  const gasPrice = await pub.getGasPrice();
  const funded = { address: from, balance: 10n ** 24n };
  const notes: string[] = [];
  if (client.account === null) notes.push(`no signing key: priced as sent from ${from}; the address follows from the real sender's nonce`);
  if (pricing !== chainPricing) notes.push(`L1 data priced with ${pricing.source}, not chain ${client.chainId}'s own ArbGasInfo`);

  const txs: PlannedTx[] = [];
  const add = (name: string, to: Hex | null, data: Hex, value: bigint, paid: bigint, estimate: bigint) => {
    const execution = Math.max(0, Number(estimate) - l1GasOf(chainPricing, { to, data, value, gas: estimate }));
    const l1 = l1GasOf(pricing, { to, data, value, gas: estimate });
    const gas = execution + l1;
    const cost = BigInt(gas) * gasPrice + paid;
    txs.push({ name, to, dataBytes: (data.length - 2) / 2, valueWei: value.toString(), paidWei: paid.toString(), gas, executionGas: execution, l1Gas: l1, gasPriceWei: gasPrice.toString(), costWei: cost.toString(), costEth: formatEther(cost) });
  };

  const initCode = toHex(program.initCode);
  let createGas: bigint;
  try {
    createGas = await pub.estimateGas({ account: from, data: initCode, stateOverride: [funded] });
  } catch (e) {
    throw new UserError(`the deployment transaction would fail on chain ${client.chainId}: ${describeChainError(e)}`);
  }
  add('deploy (CREATE: 43-byte prelude + EF F0 00 00 + brotli)', null, initCode, 0n, 0n, createGas);

  // activateProgram against the code the CREATE will leave, as cargo-stylus check simulates it
  const overrides = [funded, { address, code: toHex(program.runtimeCode) }];
  const data = encodeFunctionData({ abi: ARB_WASM_ABI, functionName: 'activateProgram', args: [address] });
  let fee: bigint | null = null;
  try {
    const r = await pub.call({ account: from, to: ARB_WASM, data, value: 10n ** 18n, stateOverride: overrides });
    fee = decodeFunctionResult({ abi: ARB_WASM_ABI, functionName: 'activateProgram', data: r.data ?? '0x' })[1];
  } catch (e) {
    const why = describeChainError(e);
    if (!why.startsWith('ProgramUpToDate')) throw new UserError(`activation would fail on chain ${client.chainId}: ${why}`);
    notes.push('the chain already holds an activation of this code (same code hash, current Stylus version): no activateProgram transaction');
  }
  if (fee !== null) {
    const value = (fee * (100n + DATA_FEE_BUMP_PERCENT)) / 100n;
    const gas = await pub.estimateGas({ account: from, to: ARB_WASM, data, value, stateOverride: overrides });
    add(`activateProgram (data fee ${formatEther(fee)} ETH, sent with ${DATA_FEE_BUMP_PERCENT}% more, the excess refunded)`, ARB_WASM, data, value, fee, gas);
  }
  const totalWei = txs.reduce((a, t) => a + BigInt(t.costWei), 0n);
  return {
    chainId: client.chainId,
    from,
    address,
    transactions: txs,
    total: { gas: txs.reduce((a, t) => a + t.gas, 0), costWei: totalWei.toString(), costEth: formatEther(totalWei) },
    l1Pricing: { source: pricing.source, pricePerUnitWei: pricing.pricePerUnitWei.toString(), l2BaseFeeWei: pricing.l2BaseFeeWei.toString(), brotliLevel: pricing.brotliLevel },
    notes,
  };
}
