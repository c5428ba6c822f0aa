// Abstract values of the interval analysis.

import { ivOfTy, join, type Interval } from './interval';
import type { IntTy } from './inttypes';

export interface IntVal {
  t: 'int';
  /** null: an integer whose type inference has not settled (an unsuffixed literal) */
  ty: IntTy | null;
  iv: Interval;
  /** known to be non-zero even though the interval spans 0 (after `if d != 0`) */
  nz?: boolean;
  /**
   * derived from a value a rule already reported (or from an unbounded loop): rules stay quiet. A node id
   * marks an accumulator that overflowed at that site: the site itself keeps reporting (so its message
   * shows how far the sum goes), everything downstream stays quiet.
   */
  tainted?: boolean | number;
  /** only the declared type's range is known (a parameter, a field) */
  declared?: boolean;
  /**
   * Two 32-bit lanes (core/codegen's two-products-per-multiply kernels): the value is exactly L + H·2^32
   * with L in pair[0] and H in pair[1]. Tracked through +, −, × by a constant, a lane mask and << 32, so
   * `lane_lo` / `lane_hi` (fixed.rs) can be shown to return each lane exactly when both fit i32.
   */
  pair?: readonly [Interval, Interval];
}

export interface ArrVal {
  t: 'arr';
  /** join of all elements */
  elem: Val;
  /** per-element values when known (consts, small locals) */
  elems: Val[] | null;
  len: number | null;
  /** segment trees over integer elements for range joins (built on first use) */
  seg?: RangeIndex | null;
  /** copy-on-write: the evaluation state allowed to mutate `elems` in place, and its epoch */
  owner?: object;
  epoch?: number;
}

/** Bottom-up segment trees of element minima (lo) and maxima (hi): O(log n) range joins. */
export class RangeIndex {
  private readonly n: number;
  private readonly mins: bigint[];
  private readonly maxs: bigint[];
  constructor(
    elems: IntVal[],
    readonly ty: IntTy | null,
    readonly flags: Partial<IntVal>,
  ) {
    const n = elems.length;
    this.n = n;
    this.mins = new Array(2 * n);
    this.maxs = new Array(2 * n);
    for (let i = 0; i < n; i++) {
      this.mins[n + i] = elems[i].iv.lo;
      this.maxs[n + i] = elems[i].iv.hi;
    }
    for (let i = n - 1; i > 0; i--) {
      const a = this.mins[2 * i];
      const b = this.mins[2 * i + 1];
      this.mins[i] = a < b ? a : b;
      const c = this.maxs[2 * i];
      const d = this.maxs[2 * i + 1];
      this.maxs[i] = c > d ? c : d;
    }
  }
  /** join of elements lo..hi inclusive */
  query(lo: number, hi: number): IntVal {
    let l = lo + this.n;
    let r = hi + this.n + 1;
    let mn = this.mins[l];
    let mx = this.maxs[l];
    while (l < r) {
      if (l & 1) {
        if (this.mins[l] < mn) mn = this.mins[l];
        if (this.maxs[l] > mx) mx = this.maxs[l];
        l++;
      }
      if (r & 1) {
        r--;
        if (this.mins[r] < mn) mn = this.mins[r];
        if (this.maxs[r] > mx) mx = this.maxs[r];
      }
      l >>= 1;
      r >>= 1;
    }
    return { t: 'int', ty: this.ty, iv: { lo: mn, hi: mx }, ...this.flags };
  }
  static build(elems: Val[]): RangeIndex | null {
    if (elems.length === 0 || elems.some((e) => e.t !== 'int')) return null;
    const ints = elems as IntVal[];
    const ty = ints[0].ty;
    const flags: Partial<IntVal> = {};
    if (ints.some((e) => e.tainted)) flags.tainted = true;
    if (ints.some((e) => e.declared)) flags.declared = true;
    return new RangeIndex(ints, ty, flags);
  }
}

export interface TupleVal {
  t: 'tuple';
  elems: Val[];
}

/** Option/Result from checked_*, try_from, get: the value when present. */
export interface OptVal {
  t: 'opt';
  inner: Val;
}

/** Something iterable by `for`: a trip count and the element of each iteration. */
export interface IterVal {
  t: 'iter';
  count: Interval | null;
  /** the element of iteration k, when each is known */
  at: ((k: number) => Val) | null;
  /** the join of all elements */
  all: Val;
}

export interface BoolVal {
  t: 'bool';
}

export interface UnknownVal {
  t: 'unknown';
}

export type Val = IntVal | ArrVal | TupleVal | OptVal | IterVal | BoolVal | UnknownVal;

export const UNKNOWN: UnknownVal = { t: 'unknown' };
export const BOOL: BoolVal = { t: 'bool' };

export const intVal = (ty: IntTy | null, iv: Interval, extra: Partial<IntVal> = {}): IntVal => ({ t: 'int', ty, iv, ...extra });
export const declaredInt = (ty: IntTy): IntVal => ({ t: 'int', ty, iv: ivOfTy(ty), declared: true });

export function joinVal(a: Val, b: Val): Val {
  if (a === b) return a;
  if (a.t === 'int' && b.t === 'int') {
    // no allocation when a already covers b (the common case in unrolled loops)
    if (!a.pair && !b.pair && a.iv.lo <= b.iv.lo && a.iv.hi >= b.iv.hi && (a.ty !== null || b.ty === null) && (!a.nz || b.nz) && (a.tainted || !b.tainted) && (a.declared || !b.declared)) return a;
    const ty = a.ty ?? b.ty;
    const out: IntVal = { t: 'int', ty, iv: join(a.iv, b.iv) };
    if (a.pair && b.pair) out.pair = [join(a.pair[0], b.pair[0]), join(a.pair[1], b.pair[1])];
    if (a.nz && b.nz) out.nz = true;
    if (a.tainted || b.tainted) out.tainted = a.tainted || b.tainted;
    if (a.declared || b.declared) out.declared = true;
    return out;
  }
  if (a.t === 'arr' && b.t === 'arr') {
    const len = a.len === b.len ? a.len : null;
    let elems: Val[] | null = null;
    if (a.elems && b.elems && a.elems.length === b.elems.length) elems = a.elems.map((x, i) => joinVal(x, b.elems![i]));
    return { t: 'arr', elem: joinVal(a.elem, b.elem), elems, len };
  }
  if (a.t === 'tuple' && b.t === 'tuple' && a.elems.length === b.elems.length) return { t: 'tuple', elems: a.elems.map((x, i) => joinVal(x, b.elems[i])) };
  if (a.t === 'opt' && b.t === 'opt') return { t: 'opt', inner: joinVal(a.inner, b.inner) };
  if (a.t === 'bool' && b.t === 'bool') return BOOL;
  return UNKNOWN;
}

/** Two values carry the same information (used to detect loop fixpoints). */
export function sameVal(a: Val, b: Val): boolean {
  if (a === b) return true;
  if (a.t === 'int' && b.t === 'int') return a.ty === b.ty && a.iv.lo === b.iv.lo && a.iv.hi === b.iv.hi && !!a.tainted === !!b.tainted && !!a.nz === !!b.nz && samePair(a.pair, b.pair);
  if (a.t === 'arr' && b.t === 'arr') return a.len === b.len && sameVal(a.elem, b.elem) && (a.elems === b.elems || (!!a.elems && !!b.elems && a.elems.every((x, i) => sameVal(x, b.elems![i]))));
  if (a.t === 'tuple' && b.t === 'tuple') return a.elems.length === b.elems.length && a.elems.every((x, i) => sameVal(x, b.elems[i]));
  if (a.t === 'opt' && b.t === 'opt') return sameVal(a.inner, b.inner);
  return a.t === b.t && (a.t === 'bool' || a.t === 'unknown');
}

function samePair(a: IntVal['pair'], b: IntVal['pair']): boolean {
  if (!a || !b) return a === b;
  return a[0].lo === b[0].lo && a[0].hi === b[0].hi && a[1].lo === b[1].lo && a[1].hi === b[1].hi;
}

/** An array value from per-element values. */
export function arrOf(elems: Val[]): ArrVal {
  const ints = intsJoin(elems);
  if (ints) return { t: 'arr', elem: ints, elems, len: elems.length };
  // a table of rows: their join is one row of everything (not column by column: 50k joins per table)
  if (elems.length > 0 && elems.every((x) => x.t === 'arr')) {
    let elem = (elems[0] as ArrVal).elem;
    let len = (elems[0] as ArrVal).len;
    for (let i = 1; i < elems.length; i++) {
      const x = elems[i] as ArrVal;
      elem = joinVal(elem, x.elem);
      if (x.len !== len) len = null;
    }
    return { t: 'arr', elem: { t: 'arr', elem, elems: null, len }, elems, len: elems.length };
  }
  let elem: Val = elems.length > 0 ? elems[0] : UNKNOWN;
  for (let i = 1; i < elems.length; i++) elem = joinVal(elem, elems[i]);
  return { t: 'arr', elem, elems, len: elems.length };
}

/** The join of plain integers of one type (a table of weights) without a value per step, else null. */
function intsJoin(elems: Val[]): IntVal | null {
  const first = elems[0];
  if (!first || first.t !== 'int' || first.tainted || first.nz || first.declared) return null;
  let lo = first.iv.lo;
  let hi = first.iv.hi;
  for (let i = 1; i < elems.length; i++) {
    const x = elems[i];
    if (x.t !== 'int' || x.ty !== first.ty || x.tainted || x.nz || x.declared) return null;
    if (x.iv.lo < lo) lo = x.iv.lo;
    if (x.iv.hi > hi) hi = x.iv.hi;
  }
  return lo === first.iv.lo && hi === first.iv.hi ? first : { t: 'int', ty: first.ty, iv: { lo, hi } };
}
