// The interval domain and its propagation through Rust: literals, consts, lets, casts, arithmetic,
// clamps, saturating/checked forms, guards, loops and const tables. Each case reads the interval the
// analysis proves for a marked expression (what a hover shows).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { factAt } from '../../core/analysis/analyze';
import * as I from '../../core/analysis/domain/interval';
import { analyse } from './ls-harness';

// The interval proven for the expression `expr` at its last occurrence in `src` (or at the @-comment mark).
async function intervalOf(src: string, expr: string): Promise<string> {
  const at = src.includes('/*@*/') ? src.indexOf('/*@*/') + 5 : src.lastIndexOf(expr);
  assert.ok(at >= 0, `${expr} in source`);
  const r = await analyse(src.replace('/*@*/', '     '));
  const f = factAt(r.analysis, at + Math.floor(expr.length / 2));
  assert.ok(f, `a fact at ${expr}`);
  assert.equal(f.text, expr, 'the innermost expression with a fact');
  return `${f.val.ty} ${I.fmt(f.val.iv)}`;
}

describe('interval arithmetic', () => {
  const v = (lo: number, hi: number) => I.iv(BigInt(lo), BigInt(hi));
  it('multiplies across signs', () => {
    assert.equal(I.fmt(I.mul(v(-3, 2), v(-5, 7))), '[-21, 15]');
  });
  it('shifts right arithmetically (floor) and left as multiplication', () => {
    assert.equal(I.fmt(I.shr(v(-7, 9), v(1, 2))), '[-4, 4]');
    assert.equal(I.fmt(I.shl(v(-3, 5), v(0, 4))), '[-48, 80]');
  });
  it('divides by the non-zero part of the divisor, truncating', () => {
    assert.equal(I.fmt(I.div(v(-100, 50), v(-2, 4))!), '[-100, 100]');
    assert.equal(I.fmt(I.div(v(7, 7), v(2, 2))!), '[3, 3]');
    assert.equal(I.div(v(1, 2), v(0, 0)), null);
  });
  it('bounds remainders by the divisor and the dividend sign', () => {
    assert.equal(I.fmt(I.rem(v(-50, 50), v(7, 7))!), '[-6, 6]');
    assert.equal(I.fmt(I.rem(v(0, 3), v(-10, 10))!), '[0, 3]');
  });
  it('clamps monotonically', () => {
    assert.equal(I.fmt(I.clamp(v(-1000, 1000), v(-128, -128), v(127, 127))), '[-128, 127]');
    assert.equal(I.fmt(I.clamp(v(0, 10), v(-128, -128), v(127, 127))), '[0, 10]');
  });
});

describe('propagation through Rust code', () => {
  it('literals, consts and casts', async () => {
    const src = `const K: i32 = 300;\nconst S: u32 = K as u32 / 100;\npub fn f() -> u32 { let r = S + 1; r }\n`;
    assert.equal(await intervalOf(src, 'r'), 'u32 [4, 4]');
  });
  it('a comparison cast to an integer is 0 or 1 (a decision feeding a vote)', async () => {
    const src = `pub fn f(x: i16) -> i32 { let d = ((x as i64) > 0) as i32; d }\n`;
    assert.equal(await intervalOf(src, 'd'), 'i32 [0, 1]');
  });

  it('let bindings and parameters at their declared ranges', async () => {
    const src = `pub fn f(x: i8) -> i32 {\n    let y = x as i32 * 3 - 1;\n    y\n}\n`;
    assert.equal(await intervalOf(src, 'y'), 'i32 [-385, 380]');
  });

  it('clamp, min, max and their function forms', async () => {
    const src = `pub fn f(x: i32) -> i32 {\n    let a = x.clamp(-10, 20);\n    let b = core::cmp::max(a, 0);\n    let r = b.min(15) * 2;\n    r\n}\n`;
    assert.equal(await intervalOf(src, 'r'), 'i32 [0, 30]');
  });

  it('saturating and checked arithmetic stay in the type', async () => {
    const src = `pub fn f(a: i16, b: i16) -> i16 {\n    let s = a.saturating_mul(b);\n    let c = a.checked_add(1).unwrap_or(0);\n    /*@*/s\n}\n`;
    assert.equal(await intervalOf(src, 's'), 'i16 [-32768, 32767]');
    const src2 = `pub fn f(a: i16) -> i16 {\n    let a = a.clamp(0, 100);\n    let c = a.checked_add(1).unwrap_or(0);\n    c\n}\n`;
    assert.equal(await intervalOf(src2, 'c'), 'i16 [0, 101]');
  });

  it('if guards narrow the checked variable in each branch, and early returns after them', async () => {
    const src = `pub fn f(x: i32) -> i32 {\n    if x > 100 || x < -5 {\n        return 0;\n    }\n    x\n}\n`;
    assert.equal(await intervalOf(src, 'x'), 'i32 [-5, 100]');
    const src2 = `pub fn f(x: u8) -> u8 {\n    if x >= 200 { /*@*/x } else { 0 }\n}\n`;
    assert.equal(await intervalOf(src2, 'x'), 'u8 [200, 255]');
  });

  it('assert! and debug_assert! refine like guards', async () => {
    const src = `pub fn f(s: u32) -> u32 {\n    debug_assert!(s >= 1 && s < 63);\n    let r = s - 1;\n    r\n}\n`;
    assert.equal(await intervalOf(src, 'r'), 'u32 [0, 61]');
  });

  it('for-loop variables range over the loop bounds', async () => {
    const src = `const N: usize = 8;\npub fn f() -> usize {\n    let mut last = 0;\n    for i in 2..N {\n        last = /*@*/i;\n    }\n    last\n}\n`;
    assert.equal(await intervalOf(src, 'i'), 'usize [2, 7]');
  });

  it('accumulation over a const table sums element by element (exact)', async () => {
    const src = `const W: [i8; 4] = [10, -20, 30, 5];\npub fn f(x: &[i16; 4]) -> i64 {\n    let mut acc: i64 = 0;\n    for i in 0..4 {\n        acc += x[i] as i64 * W[i] as i64;\n    }\n    acc\n}\n`;
    // sum |w| = 65 -> 65 * 32768 and 65 * 32767
    assert.equal(await intervalOf(src, 'acc'), 'i64 [-2129900, 2129875]');
  });

  it('iterators: enumerate and zip over const arrays', async () => {
    const src = `const W: [i8; 3] = [1, -2, 3];\npub fn f(x: &[i8; 3]) -> i32 {\n    let mut acc = 0i32;\n    for (a, &w) in x.iter().zip(W.iter()) {\n        acc += *a as i32 * w as i32;\n    }\n    acc\n}\n`;
    assert.equal(await intervalOf(src, 'acc'), 'i32 [-766, 764]');
  });

  it('array lengths of const arrays', async () => {
    const src = `const T: [i16; 12] = [0; 12];\npub fn f() -> usize { let n = T.len() * 2; n }\n`;
    assert.equal(await intervalOf(src, 'n'), 'usize [24, 24]');
  });

  it('big loops are summarised soundly when unrolling would exceed the budget', async () => {
    const src = `pub fn f(x: &[i8; 100000]) -> i64 {\n    let mut acc: i64 = 0;\n    for i in 0..100000 {\n        acc += x[i] as i64;\n    }\n    acc\n}\n`;
    assert.equal(await intervalOf(src, 'acc'), 'i64 [-12800000, 12700000]');
  });

  it('nested loops accumulate over all iterations', async () => {
    const src = `pub fn f(x: &[i8; 10]) -> i32 {\n    let mut acc = 0i32;\n    for _o in 0..3 {\n        for i in 0..10 {\n            acc += x[i] as i32;\n        }\n    }\n    acc\n}\n`;
    assert.equal(await intervalOf(src, 'acc'), 'i32 [-3840, 3810]');
  });

  it('a loop too costly to unroll with its inner loops is unrolled per value: each row of a table on its own', async () => {
    // a convolution's shape: `oc` picks a row, the positions are too many to unroll; with `oc` joined the
    // rows' weights would be too ([-100, 100] each: [-51000, 51000])
    const src = `static W: [[i8; 2]; 2] = [[100, -100], [-100, 100]];\npub fn f(x: &[u8; 60001], y: &mut [i32; 120000]) {\n    for oc in 0..2 {\n        let wk = &W[oc];\n        for p in 0..60000 {\n            let mut acc: i32 = 0;\n            acc += x[p] as i32 * wk[0] as i32;\n            acc += x[p + 1] as i32 * wk[1] as i32;\n            y[oc * 60000 + p] = /*@*/acc;\n        }\n    }\n}\n`;
    assert.equal(await intervalOf(src, 'acc'), 'i32 [-25500, 25500]');
  });

  it('round-half-up rescale through a helper function', async () => {
    const src = `fn rescale(a: i64, s: u32) -> i64 { (a + (1i64 << (s - 1))) >> s }\npub fn f(x: i16) -> i64 {\n    let acc = x as i64 * 100;\n    let r = rescale(acc, 7);\n    r\n}\n`;
    // (-3276800 + 64) >> 7 = -25599.5 -> -25600 (floor), (3276700 + 64) >> 7 = 25599
    assert.equal(await intervalOf(src, 'r'), 'i64 [-25600, 25599]');
  });
});
