// Closed integer intervals [lo, hi] over unbounded integers (bigint), the analysis' value domain.
// Results are mathematical (no wrapping): the rules compare them with a type's range.

import { tyInfo, type IntTy } from './inttypes';

export interface Interval {
  readonly lo: bigint;
  readonly hi: bigint;
}

export const iv = (lo: bigint, hi: bigint = lo): Interval => (lo <= hi ? { lo, hi } : { lo: hi, hi: lo });
const TY_RANGES = new Map<IntTy, Interval>();
/** A type's range (one frozen interval per type: this is asked for at every operation). */
export const ivOfTy = (ty: IntTy): Interval => {
  let r = TY_RANGES.get(ty);
  if (!r) {
    const i = tyInfo(ty);
    r = Object.freeze({ lo: i.min, hi: i.max });
    TY_RANGES.set(ty, r);
  }
  return r;
};

const min2 = (a: bigint, b: bigint) => (a < b ? a : b);
const max2 = (a: bigint, b: bigint) => (a > b ? a : b);
const minOf = (xs: bigint[]) => xs.reduce(min2);
const maxOf = (xs: bigint[]) => xs.reduce(max2);

export const isSingleton = (a: Interval) => a.lo === a.hi;
export const contains = (a: Interval, x: bigint) => a.lo <= x && x <= a.hi;
export const within = (a: Interval, outer: Interval) => a.lo >= outer.lo && a.hi <= outer.hi;
export const fitsTy = (a: Interval, ty: IntTy) => within(a, ivOfTy(ty));
/** No value of `a` lies in `outer`. */
export const disjoint = (a: Interval, outer: Interval) => a.hi < outer.lo || a.lo > outer.hi;
export const equal = (a: Interval, b: Interval) => a.lo === b.lo && a.hi === b.hi;

export const join = (a: Interval, b: Interval): Interval =>
  a.lo <= b.lo && a.hi >= b.hi ? a : { lo: min2(a.lo, b.lo), hi: max2(a.hi, b.hi) };
/** Intersection, or null when empty. */
export const meet = (a: Interval, b: Interval): Interval | null => {
  const lo = max2(a.lo, b.lo);
  const hi = min2(a.hi, b.hi);
  return lo <= hi ? { lo, hi } : null;
};

export const add = (a: Interval, b: Interval): Interval => ({ lo: a.lo + b.lo, hi: a.hi + b.hi });
export const sub = (a: Interval, b: Interval): Interval => ({ lo: a.lo - b.hi, hi: a.hi - b.lo });
export const neg = (a: Interval): Interval => ({ lo: -a.hi, hi: -a.lo });
export const mul = (a: Interval, b: Interval): Interval => {
  if (a.lo === a.hi && b.lo === b.hi) {
    const p = a.lo * b.lo;
    return { lo: p, hi: p };
  }
  const ps = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi];
  return { lo: minOf(ps), hi: maxOf(ps) };
};

export const abs = (a: Interval): Interval => {
  if (a.lo >= 0n) return a;
  if (a.hi <= 0n) return neg(a);
  return { lo: 0n, hi: max2(-a.lo, a.hi) };
};
export const imin = (a: Interval, b: Interval): Interval => ({ lo: min2(a.lo, b.lo), hi: min2(a.hi, b.hi) });
export const imax = (a: Interval, b: Interval): Interval => ({ lo: max2(a.lo, b.lo), hi: max2(a.hi, b.hi) });
/** x.clamp(lo, hi) = min(max(x, lo), hi): monotone in all three arguments. */
export const clamp = (x: Interval, lo: Interval, hi: Interval): Interval => imin(imax(x, lo), hi);

/** Shift amounts are capped to keep bigints small; beyond 256 bits every type has overflowed anyway. */
const CAP = 256n;
const capAmt = (a: Interval): Interval => ({ lo: max2(0n, min2(a.lo, CAP)), hi: max2(0n, min2(a.hi, CAP)) });

/** x << s as multiplication by 2^s (the mathematical value; the rules decide about bits lost). */
export const shl = (x: Interval, s: Interval): Interval => {
  const c = capAmt(s);
  const ps = [x.lo << c.lo, x.lo << c.hi, x.hi << c.lo, x.hi << c.hi];
  return { lo: minOf(ps), hi: maxOf(ps) };
};
/** Arithmetic x >> s (floor division by 2^s), monotone in x, antitone in |x| for s. */
export const shr = (x: Interval, s: Interval): Interval => {
  const c = capAmt(s);
  const ps = [x.lo >> c.lo, x.lo >> c.hi, x.hi >> c.lo, x.hi >> c.hi];
  return { lo: minOf(ps), hi: maxOf(ps) };
};

/** Truncating division; the zero divisor is excluded (the division rule reports it). Null if d ⊆ {0}. */
export const div = (x: Interval, d: Interval): Interval | null => {
  const parts: Interval[] = [];
  if (d.lo <= -1n) parts.push({ lo: d.lo, hi: min2(d.hi, -1n) });
  if (d.hi >= 1n) parts.push({ lo: max2(d.lo, 1n), hi: d.hi });
  if (parts.length === 0) return null;
  const qs: bigint[] = [];
  for (const p of parts) qs.push(x.lo / p.lo, x.lo / p.hi, x.hi / p.lo, x.hi / p.hi);
  // truncation makes x/d non-monotone around 0 only through sign; endpoints above cover the extremes,
  // and 0 is reachable whenever |x| can be smaller than |d|.
  if (x.lo <= 0n && x.hi >= 0n) qs.push(0n);
  return { lo: minOf(qs), hi: maxOf(qs) };
};
/** Remainder: |r| < |d|, sign of the dividend. Null if d ⊆ {0}. */
export const rem = (x: Interval, d: Interval): Interval | null => {
  if (d.lo === 0n && d.hi === 0n) return null;
  const m = max2(d.lo < 0n ? -d.lo : d.lo, d.hi < 0n ? -d.hi : d.hi) - 1n;
  const lo = x.lo < 0n ? max2(x.lo, -m) : 0n;
  const hi = x.hi > 0n ? min2(x.hi, m) : 0n;
  return { lo, hi };
};
/** Bitwise and/or/xor: exact only in simple non-negative cases; otherwise the caller uses the type range. */
export const bitAnd = (a: Interval, b: Interval): Interval | null => {
  if (a.lo >= 0n && b.lo >= 0n) return { lo: 0n, hi: min2(a.hi, b.hi) };
  if (a.lo >= 0n) return { lo: 0n, hi: a.hi };
  if (b.lo >= 0n) return { lo: 0n, hi: b.hi };
  return null;
};
export const bitOr = (a: Interval, b: Interval): Interval | null => {
  if (a.lo >= 0n && b.lo >= 0n) {
    const m = max2(a.hi, b.hi);
    let p = 1n;
    while (p <= m) p <<= 1n;
    return { lo: max2(a.lo, b.lo), hi: p - 1n };
  }
  return null;
};

export const fmt = (a: Interval) => `[${a.lo}, ${a.hi}]`;
/** The bound of `a` farthest outside `outer` (for "can reach N" messages). */
export const worstOutside = (a: Interval, outer: Interval): bigint => {
  const over = a.hi - outer.hi;
  const under = outer.lo - a.lo;
  return over >= under ? a.hi : a.lo;
};
