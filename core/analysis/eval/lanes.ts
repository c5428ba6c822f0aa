// Loops evaluated for all their iterations at once. A generated dense layer is `for n in 0..N { let w =
// &W[n]; let mut acc = B[n]; acc += x[0] as i64 * w[0] as i64; ... y[n] = sat_i16(rescale(acc, s)); }`:
// its iterations are independent (each writes its own element of the outer arrays), so the body can be
// walked once with the loop variable and what depends on it held as lanes — one interval per iteration,
// in typed arrays — instead of being unrolled N times. The result is the unrolled evaluation's, element
// for element: the same stores, the same joined facts and sites. What lanes cannot do exactly (a value
// past 2^53, a rule that fires, control flow, an unknown construct) gives the loop back to unrolling.
//
// Expressions that do not mention a lane variable are evaluated once, by the ordinary evaluator; calls
// and other pure expressions over lane values are evaluated once per lane (the runtime's `rescale`,
// `sat_i16`); indexing, casts, `+ - *` and accumulations run on the lanes directly.

import * as I from '../domain/interval';
import { ivOfTy, type Interval } from '../domain/interval';
import type { IntTy } from '../domain/inttypes';
import { index } from './containers';
import { intVal, joinVal, UNKNOWN, type IntVal, type IterVal, type Val } from '../domain/values';
import { childExprs, lvalueRoot, patNames, unparen, walkExpr, type Expr } from '../syntax/ast';
import { tick, type Interp } from './context';
import { storeIndexed } from './stores';
import { State, type Binding, type LoopFrame } from './state';

/** Numbers are exact below this; past it the loop is unrolled with bigints. */
const EXACT = 2 ** 53;
/**
 * The pattern rules (rules/) whose tests, on a cast or a `+ - *`, fire only when the value leaves its
 * type: lanes evaluate exactly those natively and unroll whatever leaves a type. Another rule set
 * (none today) keeps loops unrolled.
 */
const OVERFLOW_ONLY = new Set(['SML001', 'SML002', 'SML003', 'SML004', 'SML005', 'SML006']);

/** Lanes of a loop (its trip count) at most; wider loops stay unrolled. */
const MAX_LANES = 4096;

class LaneAbort extends Error {}

/** An integer per lane: [lo[i], hi[i]] in the lane's iteration. */
class LaneInt {
  constructor(
    readonly ty: IntTy | null,
    readonly lo: Float64Array,
    readonly hi: Float64Array,
    readonly declared: boolean,
    /** the least lo and greatest hi, when the maker computed them on the way */
    private readonly hull: { lo: number; hi: number } | null = null,
  ) {}
  at(i: number): IntVal {
    const v = intVal(this.ty, { lo: BigInt(this.lo[i]), hi: BigInt(this.hi[i]) });
    if (this.declared) v.declared = true;
    return v;
  }
  private joined: IntVal | null = null;
  join(): IntVal {
    if (this.joined) return this.joined;
    let lo = this.hull ? this.hull.lo : this.lo[0];
    let hi = this.hull ? this.hull.hi : this.hi[0];
    if (!this.hull) {
      for (let i = 1; i < this.lo.length; i++) {
        if (this.lo[i] < lo) lo = this.lo[i];
        if (this.hi[i] > hi) hi = this.hi[i];
      }
    }
    const v = intVal(this.ty, { lo: BigInt(lo), hi: BigInt(hi) });
    if (this.declared) v.declared = true;
    this.joined = v;
    return v;
  }
}

/** Any other value per lane (a row of a weight table, `&W[n]`). */
class LaneAny {
  /** the lanes' values as numeric rows, when each is a row of integers (see numericRow) */
  rows?: ({ ty: IntTy | null; lo: Float64Array; hi: Float64Array } | null)[];
  constructor(readonly vals: Val[]) {}
  at(i: number): Val {
    return this.vals[i];
  }
  private joined: Val | null = null;
  /** For hovers: arrays by the join of their elements (rows of a table are not joined element by element). */
  join(): Val {
    return (this.joined ??= this.joinAll());
  }
  private joinAll(): Val {
    const first = this.vals[0];
    if (first.t === 'arr') {
      let elem = first.elem;
      for (let i = 1; i < this.vals.length; i++) {
        const x = this.vals[i];
        elem = x.t === 'arr' ? joinVal(elem, x.elem) : UNKNOWN;
      }
      return { t: 'arr', elem, elems: null, len: first.len };
    }
    let v: Val = first;
    for (let i = 1; i < this.vals.length; i++) v = joinVal(v, this.vals[i]);
    return v;
  }
}

type Lane = LaneInt | LaneAny;
type LV = Val | Lane;
const isLane = (x: LV): x is Lane => x instanceof LaneInt || x instanceof LaneAny;

/** Per-lane values as lanes: integers without flags go to typed arrays, anything else stays as values. */
function lanesOf(vals: Val[]): Lane {
  const first = vals[0];
  // two 32-bit lanes of one i64 (values.ts IntVal.pair): an interval per lane would lose them, unroll
  if (vals.some((v) => v.t === 'int' && v.pair)) throw new LaneAbort();
  if (first.t === 'int' && vals.every((v) => v.t === 'int' && v.ty === first.ty && !v.tainted && !v.nz && !!v.declared === !!first.declared)) {
    const lo = new Float64Array(vals.length);
    const hi = new Float64Array(vals.length);
    vals.forEach((v, i) => {
      const x = (v as IntVal).iv;
      lo[i] = exact(x.lo);
      hi[i] = exact(x.hi);
    });
    return new LaneInt(first.ty, lo, hi, !!first.declared);
  }
  return new LaneAny(vals);
}

const BIG_EXACT = BigInt(EXACT);
const BIG_NEG_EXACT = -BIG_EXACT;

function exact(b: bigint): number {
  if (b >= BIG_EXACT || b <= BIG_NEG_EXACT) throw new LaneAbort();
  return Number(b);
}

/** A table row's integer elements as numbers (rows of a weight table are indexed once per term). */
const numericRows = new WeakMap<object, { ty: IntTy | null; lo: Float64Array; hi: Float64Array } | null>();
function numericRow(a: Val): { ty: IntTy | null; lo: Float64Array; hi: Float64Array } | null {
  if (a.t !== 'arr' || !a.elems) return null;
  let r = numericRows.get(a.elems);
  if (r === undefined) {
    r = null;
    const es = a.elems;
    const first = es[0];
    if (first?.t === 'int' && es.every((x) => x.t === 'int' && x.ty === first.ty && !x.tainted && !x.nz && !x.declared)) {
      const lo = new Float64Array(es.length);
      const hi = new Float64Array(es.length);
      try {
        es.forEach((x, i) => {
          lo[i] = exact((x as IntVal).iv.lo);
          hi[i] = exact((x as IntVal).iv.hi);
        });
        r = { ty: first.ty, lo, hi };
      } catch (e) {
        if (!(e instanceof LaneAbort)) throw e;
      }
    }
    numericRows.set(a.elems, r);
  }
  return r;
}

interface LaneBinding {
  lane: Lane;
  ty: IntTy | null;
  declId: number;
  depth: number;
}

/** Evaluation of one loop in lanes. */
class LaneRun {
  /** variables whose value differs between lanes (the loop variable, what depends on it) */
  readonly lanes = new Map<string, LaneBinding>();
  constructor(
    private readonly cx: Interp,
    /** the working state: outer variables and lane-invariant locals */
    readonly ws: State,
    readonly n: number,
  ) {}

  /** bumped when a variable starts or stops varying (the cache of `varies` is per generation) */
  private gen = 0;
  private readonly variesCache = new WeakMap<Expr, number>();

  private varies(e: Expr): boolean {
    const c = this.variesCache.get(e);
    if (c !== undefined && c >> 1 === this.gen) return (c & 1) === 1;
    let v = false;
    const ns = names(e);
    for (const nm of this.lanes.keys()) {
      if (ns.has(nm)) {
        v = true;
        break;
      }
    }
    this.variesCache.set(e, (this.gen << 1) | (v ? 1 : 0));
    return v;
  }

  /** Sets or clears a varying variable, keeping `varies` current. */
  private setLane(name: string, b: LaneBinding | undefined): void {
    const had = this.lanes.has(name);
    if (b) this.lanes.set(name, b);
    else this.lanes.delete(name);
    if (had !== !!b) this.gen++;
  }

  ev(e: Expr, expect: IntTy | null): LV {
    if (!this.varies(e)) return this.cx.ev(e, this.ws, expect);
    tick(this.cx);
    const v = this.ev1(e, expect);
    this.cx.record(e, isLane(v) ? v.join() : v);
    return v;
  }

  private ev1(e: Expr, expect: IntTy | null): LV {
    switch (e.k) {
      case 'path': {
        const b = this.lanes.get(e.segs[0]);
        if (b) return b.lane;
        return this.cx.ev(e, this.ws, expect);
      }
      case 'paren':
      case 'ref':
        return this.ev(e.arg, expect);
      case 'index':
        return this.index(this.ev(e.base, null), this.ev(e.index, 'usize'));
      case 'cast':
        return this.cast(e, this.ev(e.arg, null));
      case 'binary':
        if (e.op === '+' || e.op === '-' || e.op === '*') return this.arith(e.op, this.ev(e.left, expect), this.ev(e.right, expect));
        return this.perLane(e, expect);
      case 'assign':
        this.assign(e);
        return { t: 'tuple', elems: [] };
      case 'block':
        return this.block(e, expect);
      case 'for':
        this.forLoop(e);
        return { t: 'tuple', elems: [] };
      case 'call':
      case 'method':
      case 'unary':
      case 'tuple':
      case 'array':
        return this.perLane(e, expect);
      default:
        throw new LaneAbort();
    }
  }

  /** A pure expression over lane values, evaluated once per lane by the ordinary evaluator. */
  private perLane(e: Expr, expect: IntTy | null): LV {
    if (!isPure(e)) throw new LaneAbort();
    const vals: Val[] = [];
    for (let i = 0; i < this.n; i++) {
      const s = new State(new Map(this.ws.vars));
      for (const [nm, b] of this.lanes) s.vars.set(nm, { val: b.lane.at(i), ty: b.ty, declId: b.declId, depth: b.depth });
      const v = this.cx.ev(e, s, expect);
      if (s.dead) throw new LaneAbort();
      vals.push(v);
    }
    return lanesOf(vals);
  }

  private index(b: LV, i: LV): LV {
    if (!isLane(b) && !isLane(i)) return index(b, i);
    // rows per lane at one known column: w[k] for w = &W[n]
    if (b instanceof LaneAny && !isLane(i) && i.t === 'int' && I.isSingleton(i.iv)) {
      const k = Number(i.iv.lo);
      const lo = new Float64Array(this.n);
      const hi = new Float64Array(this.n);
      let ty: IntTy | null | undefined;
      let ok = true;
      b.rows ??= b.vals.map(numericRow);
      let mlo = Infinity;
      let mhi = -Infinity;
      for (let l = 0; l < this.n && ok; l++) {
        const row = b.rows[l];
        if (!row || k < 0 || k >= row.lo.length || (ty !== undefined && row.ty !== ty)) ok = false;
        else {
          ty = row.ty;
          const x = row.lo[k];
          const y = row.hi[k];
          lo[l] = x;
          hi[l] = y;
          if (x < mlo) mlo = x;
          if (y > mhi) mhi = y;
        }
      }
      if (ok && ty !== undefined) return new LaneInt(ty, lo, hi, false, { lo: mlo, hi: mhi });
    }
    const vals: Val[] = [];
    for (let k = 0; k < this.n; k++) {
      const bk = isLane(b) ? b.at(k) : b;
      const ik = isLane(i) ? i.at(k) : i;
      if (bk.t !== 'arr') throw new LaneAbort();
      vals.push(index(bk, ik));
    }
    return lanesOf(vals);
  }

  /**
   * `v as T` on lanes. The pattern rules fire on a cast only when the value leaves T, and on `+ - *` only
   * when the result leaves its type (rules/): inside it no site is needed; outside it the loop is unrolled,
   * which reports the site as it always did.
   */
  private cast(e: Extract<Expr, { k: 'cast' }>, v: LV): LV {
    const to = e.ty.k === 'int' ? e.ty.ty : null;
    if (!(v instanceof LaneInt) || !to) throw new LaneAbort();
    const r = ivOfTy(to);
    const rlo = Number(r.lo);
    const rhi = Number(r.hi);
    const j = v.join();
    if (Number(j.iv.lo) < rlo || Number(j.iv.hi) > rhi) throw new LaneAbort();
    return new LaneInt(to, v.lo, v.hi, false, { lo: Number(j.iv.lo), hi: Number(j.iv.hi) });
  }

  /** `l op r` with at least one side in lanes (a lane-invariant side is the same in every lane). */
  private arith(op: '+' | '-' | '*', l: LV, r: LV): LaneInt {
    const a = this.side(l);
    const b = this.side(r);
    const ty = a.ty ?? b.ty;
    if (!ty) throw new LaneAbort();
    const t = ivOfTy(ty);
    const tlo = Math.max(Number(t.lo), -EXACT);
    const thi = Math.min(Number(t.hi), EXACT);
    const n = this.n;
    const lo = new Float64Array(n);
    const hi = new Float64Array(n);
    let mlo = Infinity;
    let mhi = -Infinity;
    for (let k = 0; k < n; k++) {
      const al = a.lo ? a.lo[k] : a.l;
      const ah = a.hi ? a.hi[k] : a.h;
      const bl = b.lo ? b.lo[k] : b.l;
      const bh = b.hi ? b.hi[k] : b.h;
      let x: number;
      let y: number;
      if (op === '+') {
        x = al + bl;
        y = ah + bh;
      } else if (op === '-') {
        x = al - bh;
        y = ah - bl;
      } else {
        const p1 = al * bl;
        const p2 = al * bh;
        const p3 = ah * bl;
        const p4 = ah * bh;
        x = Math.min(p1, p2, p3, p4);
        y = Math.max(p1, p2, p3, p4);
      }
      // outside the type (or past exact numbers, 2^53 < i64's bound): a rule may fire, unroll
      if (!(x >= tlo && y <= thi && x > -EXACT && y < EXACT)) throw new LaneAbort();
      lo[k] = x;
      hi[k] = y;
      if (x < mlo) mlo = x;
      if (y > mhi) mhi = y;
    }
    return new LaneInt(ty, lo, hi, false, { lo: mlo, hi: mhi });
  }

  /** An operand of `arith`: lanes, or one interval the same in every lane (not copied into lanes). */
  private side(v: LV): { ty: IntTy | null; lo: Float64Array | null; hi: Float64Array | null; l: number; h: number } {
    if (v instanceof LaneInt) return { ty: v.ty, lo: v.lo, hi: v.hi, l: 0, h: 0 };
    if (isLane(v) || v.t !== 'int' || v.tainted || v.nz) throw new LaneAbort();
    return { ty: v.ty, lo: null, hi: null, l: exact(v.iv.lo), h: exact(v.iv.hi) };
  }

  private assign(e: Extract<Expr, { k: 'assign' }>): void {
    const l = unparen(e.left);
    const root = lvalueRoot(l);
    if (!root) throw new LaneAbort();
    const local = this.lanes.get(root) ?? (l.k === 'path' ? this.ws.vars.get(root) : undefined);
    if (e.op === '=') {
      const v = this.ev(e.right, local?.ty ?? null);
      return this.store(l, root, v);
    }
    if (this.multiplyAdd(e)) return;
    const op = e.op.slice(0, -1);
    if (op !== '+' && op !== '-' && op !== '*') throw new LaneAbort();
    const cur = this.ev(e.left, null);
    const rv = this.ev(e.right, cur instanceof LaneInt ? cur.ty : !isLane(cur) && cur.t === 'int' ? cur.ty : null);
    this.store(l, root, this.arith(op, cur, rv));
  }

  /**
   * `acc += x[k] as T * w[k] as T` with `acc` a lane, `w` a row of a weight table per lane and the other
   * operand the same in every lane — the statement a generated dense layer repeats K times — in one pass
   * over the lanes: the ticks, facts and abort conditions of the general path (ev, index, cast, arith,
   * store above), without its intermediate lanes. False (nothing evaluated) when the statement or its
   * values are not of that form.
   */
  private multiplyAdd(e: Extract<Expr, { k: 'assign' }>): boolean {
    const m = macShape(e);
    if (!m) return false;
    const accB = this.lanes.get(m.acc);
    const cur = accB?.lane;
    if (!accB || !(cur instanceof LaneInt)) return false;
    const lv = this.varies(m.left);
    if (lv === this.varies(m.right)) return false;
    const laneCast = lv ? m.left : m.right;
    const invCast = lv ? m.right : m.left;
    const idx = laneCast.arg as Extract<Expr, { k: 'index' }>;
    const base = idx.base as Extract<Expr, { k: 'path' }>;
    const wb = this.lanes.get(base.segs[0]);
    const to = (laneCast.ty as { k: 'int'; ty: IntTy }).ty;
    const k = Number((idx.index as Extract<Expr, { k: 'int' }>).value);
    if (!wb || !(wb.lane instanceof LaneAny)) return false;
    const w = wb.lane;
    w.rows ??= w.vals.map(numericRow);
    const rows = w.rows;
    const ty0 = rows[0]?.ty;
    for (let l = 0; l < this.n; l++) {
      const row = rows[l];
      if (!row || row.ty !== ty0 || k < 0 || k >= row.lo.length) return false;
    }
    // the general path's ticks beyond the assignment's own (ev ticked it): `acc`, the product, the cast,
    // the index, `w`
    for (let t = 0; t < 5; t++) tick(this.cx);
    this.cx.record(e.left, cur.join());
    // the invariant operand, by the ordinary evaluator (its own ticks, facts and sites)
    const inv = this.cx.ev(invCast, this.ws, cur.ty);
    this.cx.record(base, w.join());
    this.cx.ev(idx.index, this.ws, 'usize');
    const s = this.side(inv);
    // the product's type is its left operand's, else its right's (arith)
    const pty = (lv ? to : s.ty) ?? (lv ? s.ty : to);
    if (!pty) throw new LaneAbort();
    const pt = ivOfTy(pty);
    const plo0 = Math.max(Number(pt.lo), -EXACT);
    const phi0 = Math.min(Number(pt.hi), EXACT);
    const sty = cur.ty ?? pty;
    const st = ivOfTy(sty);
    const slo0 = Math.max(Number(st.lo), -EXACT);
    const shi0 = Math.min(Number(st.hi), EXACT);
    const n = this.n;
    const lo = new Float64Array(n);
    const hi = new Float64Array(n);
    let wlo = Infinity;
    let whi = -Infinity;
    let plo = Infinity;
    let phi = -Infinity;
    let mlo = Infinity;
    let mhi = -Infinity;
    const a = s.l;
    const b = s.h;
    const clo = cur.lo;
    const chi = cur.hi;
    // one pass; whichever check fails first, the loop is unrolled (LaneAbort) as the general path would
    for (let l = 0; l < n; l++) {
      const row = rows[l]!;
      const wl = row.lo[k];
      const wh = row.hi[k];
      if (wl < wlo) wlo = wl;
      if (wh > whi) whi = wh;
      let x: number;
      let y: number;
      if (wl === wh) {
        // a weight: one value
        const p = a * wl;
        const q = b * wl;
        x = p < q ? p : q;
        y = p < q ? q : p;
      } else {
        const p1 = a * wl;
        const p2 = a * wh;
        const p3 = b * wl;
        const p4 = b * wh;
        x = Math.min(p1, p2, p3, p4);
        y = Math.max(p1, p2, p3, p4);
      }
      if (!(x >= plo0 && y <= phi0 && x > -EXACT && y < EXACT)) throw new LaneAbort();
      if (x < plo) plo = x;
      if (y > phi) phi = y;
      const u = clo[l] + x;
      const v = chi[l] + y;
      if (!(u >= slo0 && v <= shi0 && u > -EXACT && v < EXACT)) throw new LaneAbort();
      lo[l] = u;
      hi[l] = v;
      if (u < mlo) mlo = u;
      if (v > mhi) mhi = v;
    }
    const r = ivOfTy(to);
    if (wlo < Number(r.lo) || whi > Number(r.hi)) throw new LaneAbort();
    this.cx.record(idx, intVal(ty0 ?? null, { lo: BigInt(wlo), hi: BigInt(whi) }));
    this.cx.record(laneCast, intVal(to, { lo: BigInt(wlo), hi: BigInt(whi) }));
    this.cx.record(e.right, intVal(pty, { lo: BigInt(plo), hi: BigInt(phi) }));
    if (accB.ty && sty !== accB.ty) throw new LaneAbort();
    this.setLane(m.acc, { lane: new LaneInt(sty, lo, hi, false, { lo: mlo, hi: mhi }), ty: accB.ty ?? sty, declId: accB.declId, depth: accB.depth });
    return true;
  }

  /** Stores into a local (which then varies if the value does) or into `a[n]`, one element per lane. */
  private store(l: Expr, root: string, v: LV): void {
    if (l.k === 'path') {
      const lb = this.lanes.get(root);
      const wb = this.ws.vars.get(root);
      const b = lb ?? wb;
      if (!b) throw new LaneAbort();
      if (isLane(v)) {
        if (v instanceof LaneInt && b.ty && v.ty !== b.ty) throw new LaneAbort();
        this.setLane(root, { lane: v, ty: b.ty ?? (v instanceof LaneInt ? v.ty : null), declId: b.declId, depth: b.depth });
      } else {
        this.setLane(root, undefined);
        this.ws.vars.set(root, { val: v, ty: b.ty, declId: b.declId, depth: b.depth });
      }
      return;
    }
    if (l.k !== 'index' || unparen(l.base).k !== 'path' || this.lanes.has(root)) throw new LaneAbort();
    const idx = this.ev(l.index, 'usize');
    for (let k = 0; k < this.n; k++) {
      const ik = isLane(idx) ? idx.at(k) : idx;
      if (ik.t !== 'int' || !I.isSingleton(ik.iv)) throw new LaneAbort();
      storeIndexed(this.cx, this.ws, l, ik, isLane(v) ? v.at(k) : v);
    }
  }

  private block(e: Extract<Expr, { k: 'block' }>, expect: IntTy | null): LV {
    const shadowed = new Map<string, { lane?: LaneBinding; w?: Binding }>();
    const declare = (nm: string) => {
      if (!shadowed.has(nm)) shadowed.set(nm, { lane: this.lanes.get(nm), w: this.ws.vars.get(nm) });
    };
    for (const s of e.stmts) {
      if (s.k === 'item') continue;
      if (s.k === 'expr') {
        this.ev(s.expr, null);
        continue;
      }
      if (s.pat.k !== 'ident' || s.else) throw new LaneAbort();
      const ty = s.ty && s.ty.k === 'int' ? s.ty.ty : null;
      let v: LV = s.init ? this.ev(s.init, ty) : this.cx.declared(s.ty);
      if (s.ty && isLane(v)) {
        if (s.ty.k !== 'int' && s.ty.k !== 'ref') throw new LaneAbort();
        if (v instanceof LaneInt && ty && v.ty !== ty) {
          if (v.ty !== null) throw new LaneAbort();
          const r = ivOfTy(ty);
          for (let k = 0; k < this.n; k++) if (v.lo[k] < Number(r.lo) || v.hi[k] > Number(r.hi)) throw new LaneAbort();
          v = new LaneInt(ty, v.lo, v.hi, v.declared);
        }
      } else if (s.ty && !isLane(v)) v = this.cx.conform(v, s.ty);
      declare(s.pat.name);
      if (isLane(v)) {
        this.setLane(s.pat.name, { lane: v, ty: ty ?? (v instanceof LaneInt ? v.ty : null), declId: s.pat.id, depth: this.cx.loops.length });
        this.cx.record(s.pat, v.join());
      } else {
        this.setLane(s.pat.name, undefined);
        this.cx.bindPat(s.pat, v, this.ws, ty);
      }
    }
    const out = e.tail ? this.ev(e.tail, expect) : { t: 'tuple' as const, elems: [] };
    for (const [nm, prev] of shadowed) {
      this.setLane(nm, prev.lane);
      if (prev.w) this.ws.vars.set(nm, prev.w);
      else this.ws.vars.delete(nm);
    }
    return out;
  }

  /** A loop inside the lanes with a trip count that is the same in every lane: its iterations in turn. */
  private forLoop(e: Extract<Expr, { k: 'for' }>): void {
    if (this.varies(e.iter) || e.pat.k !== 'ident') throw new LaneAbort();
    const itv = this.cx.ev(e.iter, this.ws, null);
    if (itv.t !== 'iter' || !itv.count || !I.isSingleton(itv.count) || !itv.at || itv.count.lo > 65_536n) throw new LaneAbort();
    const count = Number(itv.count.lo);
    const name = e.pat.name;
    const prevLane = this.lanes.get(name);
    const prevW = this.ws.vars.get(name);
    this.setLane(name, undefined);
    const frame: LoopFrame = { count: itv.count, breaks: [], continues: [] };
    this.cx.loops.push(frame);
    try {
      for (let k = 0; k < count; k++) {
        this.cx.bindPat(e.pat, itv.at(k), this.ws, null);
        this.ev(e.body, null);
      }
    } finally {
      this.cx.loops.pop();
    }
    if (prevLane) this.setLane(name, prevLane);
    if (prevW) this.ws.vars.set(name, prevW);
    else this.ws.vars.delete(name);
  }
}

/**
 * `for v in it { body }` in lanes, when its iterations are independent (see laneSafe): true when done,
 * false when the loop must be unrolled (nothing of `st` changed then).
 */
export function forInLanes(cx: Interp, e: Extract<Expr, { k: 'for' }>, st: State, it: IterVal, count: Interval): boolean {
  if (e.pat.k !== 'ident' || !it.at || count.lo < 2n || count.lo > BigInt(MAX_LANES)) return false;
  if (!cx.rules.every((r) => OVERFLOW_ONLY.has(r.code))) return false;
  if (!laneSafe(e, st)) return false;
  const n = Number(count.lo);
  const vals: Val[] = [];
  for (let k = 0; k < n; k++) vals.push(it.at(k));
  const ws = st.copy();
  const run = new LaneRun(cx, ws, n);
  const frame: LoopFrame = { count, breaks: [], continues: [] };
  cx.loops.push(frame);
  const saved = cx.steps;
  try {
    const lane = lanesOf(vals);
    run.lanes.set(e.pat.name, { lane, ty: lane instanceof LaneInt ? lane.ty : null, declId: e.pat.id, depth: cx.loops.length });
    cx.record(e.pat, lane.join());
    run.ev(e.body, null);
  } catch (err) {
    if (!(err instanceof LaneAbort)) throw err;
    cx.steps = saved;
    return false;
  } finally {
    cx.loops.pop();
  }
  // the loop's own variables end with the loop; the outer ones take the lanes' stores
  for (const [k, b] of ws.vars) if (st.vars.has(k)) st.vars.set(k, b);
  return true;
}

type CastE = Extract<Expr, { k: 'cast' }>;
const macShapes = new WeakMap<Expr, { acc: string; left: CastE; right: CastE } | null>();

/** `acc += a[k] as T * b[k] as T` (literal k, no parentheses): the shape of multiplyAdd, from syntax alone. */
function macShape(e: Extract<Expr, { k: 'assign' }>): { acc: string; left: CastE; right: CastE } | null {
  let m = macShapes.get(e);
  if (m === undefined) {
    m = null;
    const r = e.right;
    const operand = (x: Expr): x is CastE => x.k === 'cast' && x.ty.k === 'int' && x.arg.k === 'index' && x.arg.base.k === 'path' && x.arg.base.segs.length === 1 && x.arg.index.k === 'int';
    if (e.op === '+=' && e.left.k === 'path' && e.left.segs.length === 1 && r.k === 'binary' && r.op === '*' && operand(r.left) && operand(r.right)) m = { acc: e.left.segs[0], left: r.left, right: r.right };
    macShapes.set(e, m);
  }
  return m;
}

interface LoopShape {
  /** locals the body declares */
  declared: Set<string>;
  /** variables assigned as a whole (`x = ..`, `x += ..`) */
  assigned: Set<string>;
}

const shapes = new WeakMap<Expr, LoopShape | null>();

/**
 * The iterations of a loop are independent: nothing escapes (break, continue, return, panics), no control
 * flow depends on values, variables from outside are written only as `a[v] = ..` / `a[v] op= ..` with
 * `v` the loop variable — each iteration its own element — and such arrays are read only at `[v]` and
 * never borrowed or passed whole; the body's own locals do not shadow an outer variable it assigns.
 */
function laneSafe(e: Extract<Expr, { k: 'for' }>, st: State): boolean {
  let shape = shapes.get(e);
  if (shape === undefined) {
    shape = loopShape(e);
    shapes.set(e, shape);
  }
  if (!shape) return false;
  for (const nm of shape.assigned) if (!shape.declared.has(nm) || st.vars.has(nm)) return false;
  return true;
}

/** What laneSafe needs of a loop, from its syntax alone (null: not independent). */
function loopShape(e: Extract<Expr, { k: 'for' }>): LoopShape | null {
  const declared = new Set<string>();
  let ok = true;
  walkExpr(e.body, (x) => {
    switch (x.k) {
      case 'if':
      case 'iflet':
      case 'match':
      case 'while':
      case 'loop':
      case 'break':
      case 'continue':
      case 'return':
      case 'macro':
      case 'try':
      case 'opaque':
        ok = false;
        return;
      case 'block':
        for (const s of x.stmts) {
          if (s.k === 'let') for (const nm of patNames(s.pat)) declared.add(nm);
          if (s.k === 'item') ok = false;
        }
        return;
      case 'for':
        for (const nm of patNames(x.pat)) declared.add(nm);
        return;
      default:
        return;
    }
  });
  if (!ok) return null;
  const v = (e.pat as { name: string }).name;
  const assigned = new Set<string>();
  const written = new Set<string>();
  walkExpr(e.body, (x) => {
    if (x.k !== 'assign') return;
    const root = lvalueRoot(x.left);
    const l = unparen(x.left);
    if (!root) ok = false;
    else if (l.k === 'path') assigned.add(root);
    else if (declared.has(root)) return;
    else if (l.k !== 'index' || unparen(l.base).k !== 'path' || !isVar(l.index, v)) ok = false;
    else written.add(root);
  });
  if (!ok) return null;
  // written arrays: read only at [v], never borrowed, never passed whole
  const reads = (x: Expr, atV: boolean): void => {
    if (x.k === 'path' && x.segs.length === 1 && written.has(x.segs[0]) && !atV) ok = false;
    if (x.k === 'index' && unparen(x.base).k === 'path') {
      const base = unparen(x.base) as Extract<Expr, { k: 'path' }>;
      reads(x.base, written.has(base.segs[0]) && isVar(x.index, v));
      reads(x.index, false);
      return;
    }
    for (const c of childExprs(x)) reads(c, false);
  };
  reads(e.body, false);
  return ok ? { declared, assigned } : null;
}

const nameCache = new WeakMap<Expr, Set<string>>();
/** Names an expression reads. */
function names(e: Expr): Set<string> {
  let s = nameCache.get(e);
  if (!s) {
    const out = new Set<string>();
    walkExpr(e, (x) => {
      if (x.k === 'path' && x.segs.length === 1) out.add(x.segs[0]);
    });
    nameCache.set(e, (s = out));
  }
  return s;
}

const pureCache = new WeakMap<Expr, boolean>();
/** No assignment, loop or exit inside: evaluating it once per lane changes nothing but its value. */
function isPure(e: Expr): boolean {
  let p = pureCache.get(e);
  if (p === undefined) {
    p = true;
    walkExpr(e, (x) => {
      if (x.k === 'assign' || x.k === 'for' || x.k === 'while' || x.k === 'loop' || x.k === 'return' || x.k === 'break' || x.k === 'continue' || x.k === 'macro') p = false;
    });
    pureCache.set(e, p);
  }
  return p;
}

function isVar(e: Expr, name: string): boolean {
  const x = unparen(e);
  return x.k === 'path' && x.segs.length === 1 && x.segs[0] === name;
}
