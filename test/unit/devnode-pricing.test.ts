// nitro's memory model and activation data pricer, against the figures the reference quotes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cachedGas, initGas } from '../../nitro/costs';
import { approxExpBasisPoints, dataFee, initialDataPricer } from '../../nitro/data-pricer';
import { memoryGasCost, TxPages } from '../../nitro/memory';
import { stylusParamsFor } from '../../nitro/params';

test('memory GasCost from (open 0, ever 0) matches the reference examples', () => {
  const examples: [number, bigint][] = [
    [1, 0n],
    [2, 0n],
    [3, 1000n],
    [8, 6001n],
    [16, 14007n],
    [32, 30074n],
    [64, 67644n],
    [128, 31_999_998n],
  ];
  for (const [pages, gas] of examples) assert.equal(memoryGasCost(pages, 0, 0), gas, `${pages} pages`);
  assert.equal(memoryGasCost(129, 0, 0), (1n << 64n) - 1n, 'more than 128 pages is unaffordable');
});

test('pages already open in the transaction make later growth pay only the difference', () => {
  const pages = new TxPages();
  const a = pages.add(8); // first program opens 8
  assert.deepEqual(a, { open: 0, ever: 0 });
  const cost = memoryGasCost(8, pages.open, pages.ever); // a nested program with 8 more
  assert.equal(cost, memoryGasCost(16, 0, 0) - memoryGasCost(8, 0, 0));
  pages.open = 0; // the first returns; `ever` stays
  assert.equal(pages.ever, 8);
  // reopening 8 pages now pays only the linear part: the exponential was paid for `ever` already
  assert.equal(memoryGasCost(8, 0, 8), 6n * 1000n);
});

test('data pricer: 12-term e^x in bips and the fresh-chain fee ≈ minPrice × asm bytes', () => {
  assert.equal(approxExpBasisPoints(0n), 10000n);
  // e^1 ≈ 2.71828: 12 terms are accurate to the bip
  assert.ok(approxExpBasisPoints(10000n) >= 27182n && approxExpBasisPoints(10000n) <= 27183n);
  const asm = 512_000;
  const pricer = initialDataPricer();
  const { fee, next } = dataFee(pricer, asm, pricer.lastUpdateTime);
  assert.equal(next.demand, asm, 'a fresh pricer: the demand is the new bytes');
  const float = pricer.minPrice * Math.exp(asm / pricer.inertia) * asm;
  assert.ok(Math.abs(Number(fee) - float) / float < 1e-3, `${fee} vs ${float}`);
  assert.ok(fee >= 42_500_000_000_000n, 'the reference floor of ~4.25e13 wei');
  assert.equal(pricer.bytesPerSecond, 34865);
});

test('call overhead: 8832 + 352 gas minimum from Stylus v2, init and cached terms rounded up', () => {
  const p = stylusParamsFor(40, false);
  assert.equal(initGas(0, p), 8832n);
  assert.equal(cachedGas(0, p), 352n);
  // 50 scalar units × 2% = 100%: cost × 100 / 100, ceil
  assert.equal(initGas(101, p), 8832n + 101n);
  const half = { ...p, initCostScalar: 25 };
  assert.equal(initGas(101, half), 8832n + 51n, 'ceil(101 × 50 / 100)');
  assert.equal(stylusParamsFor(30, false).minInitGas, 72, 'Stylus v1 charged 72 × 128');
});
