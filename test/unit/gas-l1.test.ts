// The L1 data component (core/gas/l1.ts): what a call on an Arbitrum chain pays the batch poster.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTransaction, toHex, type Hex } from 'viem';
import { posterGas, posterUnits, signedCallBytes } from '../../core/gas/l1';
import { estimateProgram } from '../../core/gas/estimate';
import { DEFAULT_LOWERING } from '../../core/codegen/lowering';
import { prepareModel } from '../../core/pipeline';
import { loadGraph } from '../../core/onnx/import';
import { mlp } from '../fixtures/onnx-builder';

const TO = '0x00000000000000000000000000000000000c0de1' as Hex;

test('the poster sees a signed EIP-1559 call that carries the calldata, and its stand-in signature does not compress', () => {
  const calldata = new Uint8Array(1000); // all zeros: compresses to almost nothing
  const bytes = signedCallBytes(TO, calldata, 123_456n, 10_000_000n, 42161);
  const tx = parseTransaction(toHex(bytes));
  assert.equal(tx.type, 'eip1559');
  assert.equal(tx.chainId, 42161);
  assert.equal(tx.to, TO);
  assert.equal(tx.data, toHex(calldata));
  assert.equal(tx.gas, 123_456n);
  const units = posterUnits(bytes, 0);
  assert.equal(units % 16, 0, '16 units per compressed byte');
  assert.ok(units < (16 * bytes.length) / 3, `1000 zero bytes compress (${bytes.length} → ${units / 16} bytes)`);
  assert.ok(units >= 16 * 64, 'r and s are 64 bytes of noise');
});

test('higher brotli levels compress at least as well; bad levels are refused', () => {
  const calldata = Uint8Array.from({ length: 600 }, (_, i) => (i % 32 < 28 ? 0 : (i * 37) & 0xff));
  const bytes = signedCallBytes(TO, calldata, 50_000n, 10_000_000n, 42161);
  const [l0, l1, l11] = [0, 1, 11].map((l) => posterUnits(bytes, l));
  assert.ok(l11 <= l1 && l1 <= l0, `${l0} ≥ ${l1} ≥ ${l11}`);
  assert.ok(l0 < 16 * bytes.length, 'level 0 still compresses ABI padding');
  assert.throws(() => posterUnits(bytes, 12), /brotli level must be 0–11/);
});

test('poster gas is the poster cost bought at the base fee, rounded down as nitro does', () => {
  assert.equal(posterGas(16, { pricePerUnitWei: 3n, l2BaseFeeWei: 7n }), 6); // 48 / 7
  assert.equal(posterGas(1600, { pricePerUnitWei: 0n, l2BaseFeeWei: 7n }), 0);
  assert.equal(posterGas(3936, { pricePerUnitWei: 20_000_000_000n, l2BaseFeeWei: 10_000_000n }), 7_872_000);
});

test('the estimate adds the L1 component to the transaction only, per sample, and scales with the L1 price', () => {
  const bytes = mlp([16, 8, 4], { seed: 3 });
  const prepared = prepareModel('m.onnx', { inputRange: '0:4' }, { bytes, graph: loadGraph(bytes, { file: 'm.onnx' }) });
  const none = estimateProgram(prepared.plan, DEFAULT_LOWERING, {});
  assert.equal(none.call.breakdown.l1, 0, 'no L1 component on a devnode');
  const at = (price: bigint) => estimateProgram(prepared.plan, DEFAULT_LOWERING, { l1PricePerUnitWei: price, l2BaseFeeWei: 10_000_000n });
  const one = at(1_000_000_000n);
  const two = at(2_000_000_000n);
  assert.deepEqual(one.call.executionGas, none.call.executionGas, 'execution is unchanged');
  assert.ok(one.call.breakdown.l1 > 0);
  assert.ok(Math.abs(one.call.totalTxGas.typical - none.call.totalTxGas.typical - one.call.breakdown.l1) <= 1);
  assert.ok(Math.abs(two.call.breakdown.l1 - 2 * one.call.breakdown.l1) <= 2, `${two.call.breakdown.l1} ≈ 2 × ${one.call.breakdown.l1}`);
  // each sample's transaction compresses differently: the all-zero corner least of all
  const width = (e: typeof one) => e.call.totalTxGas.max - e.call.totalTxGas.min;
  assert.ok(width(one) > width(none), `spread with L1 ${width(one)} > without ${width(none)}`);
});
