// The fixed-point primitives and the properties the generated code relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { divRound, divRoundBig, rescale, rescaleBig, truncFrac, truncFracBig, isqrt, isqrtBig, fracFor } from '../../core/quant/fixed';
import { snapNode } from '../../core/quant/plan-trees';
import { EXP2_TABLE, SIGMOID_TABLE, approxErrors, expNeg30, sigmoid30, sigmoidQ, tanhQ } from '../../core/quant/approx';
import { prng } from '../fixtures/onnx-builder';

test('rescale is round-half-up arithmetic shift, identical in Number and BigInt', () => {
  assert.equal(rescale(5, 1), 3); // 2.5 → 3
  assert.equal(rescale(-5, 1), -2); // -2.5 → -2 (half up)
  assert.equal(rescale(-6, 1), -3);
  assert.equal(rescale(7, -2), 28);
  const rnd = prng(1);
  for (let i = 0; i < 20000; i++) {
    const a = Math.floor((rnd() - 0.5) * 2 ** 50);
    const s = Math.floor(rnd() * 40) - 8;
    if (s < 0 && Math.abs(a) * 2 ** -s >= 2 ** 53) continue;
    assert.equal(BigInt(rescale(a, s)), rescaleBig(BigInt(a), s), `rescale(${a}, ${s})`);
  }
});

test('divRound rounds half up for every sign combination; truncFrac truncates toward zero; isqrt is floor', () => {
  assert.equal(divRound(5, 2), 3);
  assert.equal(divRound(-5, 2), -2);
  assert.equal(divRound(5, -2), -2);
  assert.equal(divRound(7, 3), 2);
  assert.equal(truncFrac(-5, 1), -2);
  assert.equal(truncFrac(5, 1), 2);
  const rnd = prng(2);
  for (let i = 0; i < 20000; i++) {
    const a = Math.floor((rnd() - 0.5) * 2 ** 40);
    const d = Math.floor((rnd() - 0.5) * 2 ** 20) || 1;
    assert.equal(BigInt(divRound(a, d)), divRoundBig(BigInt(a), BigInt(d)), `divRound(${a}, ${d})`);
    const exact = a / d;
    assert.ok(Math.abs(divRound(a, d) - exact) <= 0.5);
    const f = Math.floor(rnd() * 20);
    assert.equal(BigInt(truncFrac(a, f)), truncFracBig(BigInt(a), f));
    const n = Math.floor(rnd() * 2 ** 50);
    const r = isqrt(n);
    assert.ok(r * r <= n && (r + 1) * (r + 1) > n);
    assert.equal(BigInt(r), isqrtBig(BigInt(n)));
  }
});

test('fracFor picks the most fractional bits that still fit', () => {
  assert.equal(fracFor(1, 32767, 30), 14);
  assert.equal(fracFor(8, 32767, 30), 11);
  assert.equal(fracFor(0.001, 32767, 30), 24);
  assert.equal(fracFor(1e6, 32767, 30), -5);
  for (const m of [0.3, 1, 1.5, 7.99, 123.4, 1e-5]) {
    const f = fracFor(m, 32767, 40);
    assert.ok(m * 2 ** f <= 32767 && m * 2 ** (f + 1) > 32767, `fracFor(${m})`);
  }
});

test('tree thresholds snap exactly: x_q <= T holds exactly when the float comparison does', () => {
  const rnd = prng(3);
  const modes = ['LEQ', 'LT', 'GTE', 'GT', 'EQ', 'NEQ'] as const;
  for (let i = 0; i < 3000; i++) {
    const frac = Math.floor(rnd() * 20) - 2;
    // float32 thresholds, some exactly on the grid
    const t = rnd() < 0.3 ? Math.round((rnd() - 0.5) * 200) * 2 ** -frac : Math.fround((rnd() - 0.5) * 100);
    for (const mode of modes) {
      const s = snapNode(mode, t, undefined, frac);
      const centre = Math.round(t * 2 ** frac);
      for (let q = centre - 3; q <= centre + 3; q++) {
        const x = q * 2 ** -frac;
        const want = mode === 'LEQ' ? x <= t : mode === 'LT' ? x < t : mode === 'GTE' ? x >= t : mode === 'GT' ? x > t : mode === 'EQ' ? x === t : x !== t;
        const test = 'le' in s ? q <= s.le : s.oneOf.includes(q);
        assert.equal(s.swap ? !test : test, want, `${mode} t=${t} frac=${frac} q=${q}`);
      }
    }
  }
});

test('nonlinearity tables: exact at the anchors, monotone, and within the measured error', () => {
  assert.equal(SIGMOID_TABLE[0], 2 ** 29);
  assert.equal(EXP2_TABLE[0], 2 ** 30);
  assert.equal(expNeg30(0), 2 ** 30);
  const e = approxErrors();
  assert.ok(e.sigmoid < 2e-5 && e.tanh < 4e-5 && e.exp < 3e-5, JSON.stringify(e));
  let prev = -Infinity;
  for (let x = -(2 ** 20); x < 2 ** 20; x += 97) {
    const v = sigmoid30(Math.max(-(16 * 2 ** 16 - 1), Math.min(16 * 2 ** 16 - 1, x)));
    assert.ok(v >= prev);
    prev = v;
  }
  // through the kernels at various input formats
  for (const inFrac of [4, 12, 16, 20, 28]) {
    for (const x of [-7.3, -1, -0.01, 0, 0.5, 2.25, 9]) {
      const q = Math.round(x * 2 ** inFrac);
      const xq = q * 2 ** -inFrac;
      assert.ok(Math.abs(sigmoidQ(q, inFrac, 14) / 2 ** 14 - 1 / (1 + Math.exp(-xq))) <= e.sigmoid + 2 ** -15 + (inFrac > 16 ? 2 ** -19 : 0), `sigmoid ${x} @${inFrac}`);
      assert.ok(Math.abs(tanhQ(q, inFrac, 14) / 2 ** 14 - Math.tanh(xq)) <= e.tanh + 2 ** -15 + (inFrac > 16 ? 2 ** -17 : 0), `tanh ${x} @${inFrac}`);
    }
  }
});
