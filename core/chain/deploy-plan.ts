// deploy --dry-run: every transaction a deployment would send, priced on the target chain without sending
// anything. The CREATE is estimated as is; activateProgram is estimated (and its data fee asked) against a
// state override that puts the program's code at the address the CREATE will make — what `cargo stylus
// check` does. Each transaction's gas is split into execution and the L1 data component: the poster's
// share of the signed transaction's bytes at the L1 pricing of ArbGasInfo (core/gas/l1.ts). On an Arbitrum
// chain eth_estimateGas includes that share, so execution = the estimate − the share at the chain's own
// pricing, and the total adds the share at the pricing asked for (the chain's, or a recording's).
// A multi-part layout (fragments, data contracts) sends each part missing on chain through the CREATE2
// proxy, as `deploy` will: each is estimated on its own (their addresses are fixed by their content), and
// activation against an override holding the root's and its fragments' code.
import { decodeFunctionResult, encodeFunctionData, formatEther, getContractAddress, parseTransaction, sliceHex, toHex, type Hex } from 'viem';
import { CREATE2_PROXY, CREATE2_PROXY_DEPLOYMENT, CREATE2_PROXY_FUNDING, CREATE2_PROXY_SIGNER, proxyCalldata } from '../layout/create2';
import { partPresent, type PartToDeploy } from './deploy-parts';
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

/** The proxy's runtime code: what its keyless deployment (init code of 14 bytes, then the code) leaves. */
const PROXY_RUNTIME = sliceHex(parseTransaction(CREATE2_PROXY_DEPLOYMENT).data!, 14);

/** A multi-part layout's parts in deployment order (data, fragments, the program last) and the fragments' code. */
export interface PlannedParts {
  parts: PartToDeploy[];
  fragments: { address: Hex; code: Uint8Array }[];
}

/**
 * Prices the deployment of `runtimeCode` (EF F0 00 …, its init code `initCode`) on the client's chain, or
 * of `multi`'s parts when the layout has several. `chainPricing` is the chain's own L1 pricing; `pricing`
 * the one to charge (default: the chain's).
 */
export async function planDeployment(
  client: ChainClient,
  program: { runtimeCode: Uint8Array; initCode: Uint8Array },
  chainPricing: ChainL1Pricing,
  pricing: ChainL1Pricing = chainPricing,
  multi: PlannedParts | null = null,
): Promise<DeployPlan> {
  const pub = client.publicClient;
  const from = (client.account ?? PRICING_SENDER) as Hex;
  const nonce = await pub.getTransactionCount({ address: from });
  const address = multi ? multi.parts[multi.parts.length - 1].address : getContractAddress({ from, nonce: BigInt(nonce) });
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

  const created: { address: Hex; code: Hex }[] = [];
  if (multi) {
    // the parts through the CREATE2 proxy; where the chain has no proxy yet, deploy installs it first
    const proxy = (await pub.getCode({ address: CREATE2_PROXY })) ?? '0x';
    const proxyOverride = proxy === '0x' ? [{ address: CREATE2_PROXY as Hex, code: PROXY_RUNTIME }] : [];
    if (proxy === '0x') {
      const fund = await pub.estimateGas({ account: from, to: CREATE2_PROXY_SIGNER, value: CREATE2_PROXY_FUNDING, stateOverride: [funded] });
      add(`install the CREATE2 proxy ${CREATE2_PROXY}: fund its one-time signer, which sends the proxy's keyless deployment`, CREATE2_PROXY_SIGNER, '0x', CREATE2_PROXY_FUNDING, CREATE2_PROXY_FUNDING, fund);
    }
    for (const part of multi.parts) {
      if (await partPresent(client, part)) {
        notes.push(`${part.name}: already on chain at ${part.address} with its code; not sent again`);
        continue;
      }
      const data = proxyCalldata(part.initCode);
      let gas: bigint;
      try {
        gas = await pub.estimateGas({ account: from, to: CREATE2_PROXY, data, stateOverride: [funded, ...proxyOverride] });
      } catch (e) {
        throw new UserError(`${part.name}: its deployment through the CREATE2 proxy would fail on chain ${client.chainId}: ${describeChainError(e)}`);
      }
      add(`deploy ${part.name} (${part.kind}, ${part.bytes.toLocaleString('en-US')} bytes) through the CREATE2 proxy at ${part.address}`, CREATE2_PROXY, data, 0n, 0n, gas);
    }
    if (txs.some((t) => t.to === CREATE2_PROXY)) notes.push("a part's gas is eth_estimateGas's: the gas limit it is sent with, which leaves the 1/64 the proxy's CREATE2 must keep back; it uses up to about 2% less");
    created.push(...multi.fragments.map((f) => ({ address: f.address, code: toHex(f.code) })));
  } else {
    const initCode = toHex(program.initCode);
    let createGas: bigint;
    try {
      createGas = await pub.estimateGas({ account: from, data: initCode, stateOverride: [funded] });
    } catch (e) {
      throw new UserError(`the deployment transaction would fail on chain ${client.chainId}: ${describeChainError(e)}`);
    }
    add('deploy (CREATE: 43-byte prelude + EF F0 00 00 + brotli)', null, initCode, 0n, 0n, createGas);
  }

  // activateProgram against the code the deployment will leave (a root reads its fragments' code), as
  // cargo-stylus check simulates it
  const overrides = [funded, { address, code: toHex(program.runtimeCode) }, ...created];
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
