// Result intervals of stylus-ml runtime functions (stylus-templates/runtime/src/fixed.rs) that interval
// arithmetic alone cannot bound: table lookups with interpolation, whose result lies between two table
// entries. Applied only to functions of the recognised runtime (FnEntry.trusted), met with whatever the
// inlined body gives, so a tighter derived interval is kept.
//
// Proof obligation of each entry (what must stay true of fixed.rs and the tables.rs the generator writes):
// - `sigmoid30(x16)`: SIGMOID_TABLE holds sigma(k/32) in Q.30 for k >= 0, so every entry is in
//   [2^29, 2^30]; `lo + (((hi - lo) * fr + 2^10) >> 11)` with 0 <= fr < 2^11 lies between `lo` and `hi`,
//   and `ONE30 - v` for negative inputs maps [2^29, 2^30] to [0, 2^29]. Result: [0, 2^30].
// - `exp_neg30(u16)`: EXP2_TABLE holds 2^(-k/64) in Q.30, entries in [2^29, 2^30]; the interpolation
//   stays between two entries, and the final right shift by n >= 0 (or 0 for n >= 31) keeps it in
//   [0, 2^30]. Its precondition (0 <= u16 <= EXP_LIMIT, hence n >= 0) is the caller's: softmax passes
//   `max - x[a]` with `max` the maximum of `x`, and `exp_neg_q` clamps to EXP_LIMIT through `to_q16`
//   (a negative argument makes `1i64 << (n - 1)` shift by a negative amount).
// - `exp_neg_q(d, in_frac)`: `exp_neg30` of a clamped argument. Result: [0, 2^30].
// Everything else (rescale, sat_*, sigmoid_q, tanh_q, ...) is bounded by inlining its body.
// `nonNegativeArg`: the result is documented only for a first argument >= 0 (by its interval, or as
// `M - X[i]` with M the maximum of X, ratios.ts); otherwise the body's own interval stands.

import type { Interval } from '../domain/interval';

const ONE30 = 1n << 30n;

export interface RuntimeResult {
  result: Interval;
  nonNegativeArg?: boolean;
  /** a result that follows the first argument's interval (a monotone function) */
  of?: (arg: Interval) => Interval;
}

/** floor(sqrt(n)), 0 for n <= 0: isqrt in fixed.rs (digit by digit), monotone. */
function isqrtOf(n: Interval): Interval {
  const r = (x: bigint): bigint => {
    if (x <= 0n) return 0n;
    let a = BigInt(Math.floor(Math.sqrt(Number(x))));
    while (a * a > x) a--;
    while ((a + 1n) * (a + 1n) <= x) a++;
    return a;
  };
  return { lo: r(n.lo), hi: r(n.hi) };
}

export const RUNTIME_RESULTS: ReadonlyMap<string, RuntimeResult> = new Map([
  ['sigmoid30', { result: { lo: 0n, hi: ONE30 } }],
  ['exp_neg30', { result: { lo: 0n, hi: ONE30 }, nonNegativeArg: true }],
  ['exp_neg_q', { result: { lo: 0n, hi: ONE30 }, nonNegativeArg: true }],
  // isqrt's while loops are summarised (their bound is not a trip count): its result is the root's
  ['isqrt', { result: { lo: 0n, hi: (1n << 32n) - 1n }, of: isqrtOf }],
]);
