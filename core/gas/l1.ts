// The L1 data component of a transaction on an Arbitrum chain (nitro arbos/l1pricing/l1pricing.go,
// getPosterUnitsWithoutCache; arbos/tx_processor.go, GasChargingHook): the signed transaction's bytes are
// brotli-compressed at the chain's BrotliCompressionLevel (0 at genesis; the chain owner sets it), each
// compressed byte is 16 units, the poster cost is units × the L1 price per unit, and the sender buys it as
// L2 gas at the base fee, rounded down. On a devnode the L1 price is 0, so is this.
import { brotliCompressSync, constants } from 'node:zlib';
import { keccak256, serializeTransaction, toHex, type Hex } from 'viem';
import { spread, spreadOf, type Spread } from './call';

export interface L1Pricing {
  /** ArbGasInfo's L1 price per calldata unit, wei */
  pricePerUnitWei: bigint;
  /** the L2 base fee the poster cost is bought at, wei */
  l2BaseFeeWei: bigint;
  /** ArbOwnerPublic.getBrotliCompressionLevel (0–11) */
  brotliLevel?: number;
  chainId?: number;
}

/** params.TxDataNonZeroGasEIP2028: units per compressed byte */
const UNITS_PER_BYTE = 16;
/** the window nitro's arbcompress uses (brotli's default) */
const WINDOW_BITS = 22;

/**
 * A signed EIP-1559 call carrying `calldata`, as the batch poster sees it. The signature is a stand-in
 * derived from the calldata's hash: 64 bytes that do not compress, as a real one's do not.
 */
export function signedCallBytes(to: Hex, calldata: Uint8Array, gas: bigint, baseFeeWei: bigint, chainId: number): Uint8Array {
  return signedTxBytes({ to, data: calldata, gas, baseFeeWei, chainId });
}

/** The same for any transaction: a contract creation (no `to`), one carrying value. */
export function signedTxBytes(t: { to?: Hex; data: Uint8Array; value?: bigint; gas: bigint; baseFeeWei: bigint; chainId: number; nonce?: number }): Uint8Array {
  const data = toHex(t.data);
  const h = keccak256(data);
  const tx = serializeTransaction(
    { type: 'eip1559', chainId: t.chainId, nonce: t.nonce ?? 1000, to: t.to, data, gas: t.gas, maxFeePerGas: 2n * t.baseFeeWei, maxPriorityFeePerGas: 0n, value: t.value ?? 0n },
    { r: h, s: keccak256(h), yParity: 1 },
  );
  return Uint8Array.from(Buffer.from(tx.slice(2), 'hex'));
}

/** Calldata units the poster charges for these transaction bytes. */
export function posterUnits(txBytes: Uint8Array, brotliLevel = 0): number {
  if (!Number.isInteger(brotliLevel) || brotliLevel < 0 || brotliLevel > 11) throw new Error(`brotli level must be 0–11, got ${brotliLevel}`);
  const compressed = brotliCompressSync(txBytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: brotliLevel, [constants.BROTLI_PARAM_LGWIN]: WINDOW_BITS },
  });
  return UNITS_PER_BYTE * compressed.length;
}

/** L2 gas the poster cost of these units buys (rounded down, as nitro does). */
export function posterGas(units: number, pricing: L1Pricing): number {
  if (pricing.pricePerUnitWei === 0n || pricing.l2BaseFeeWei === 0n) return 0;
  return Number((BigInt(units) * pricing.pricePerUnitWei) / pricing.l2BaseFeeWei);
}

/** The L1 component of calls to a contract, over sample calldatas: min / typical (mean) / max. */
export function l1GasOfCalls(calldatas: Uint8Array[], pricing: L1Pricing, gasLimit: bigint): Spread {
  if (pricing.pricePerUnitWei === 0n || pricing.l2BaseFeeWei === 0n || calldatas.length === 0) return spread(0);
  // any contract address: 20 bytes that do not compress
  const to = keccak256('0x5157').slice(0, 42) as Hex;
  const gas = calldatas.map((c) => posterGas(posterUnits(signedCallBytes(to, c, gasLimit, pricing.l2BaseFeeWei, pricing.chainId ?? 42161), pricing.brotliLevel ?? 0), pricing));
  return spreadOf(gas);
}
