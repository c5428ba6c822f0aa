// Operators on integers: unary and binary operators, compound arithmetic, shifts and `as` casts. Each
// operation reports its site to the rules before its result is built; a result that leaves its type is
// the type's whole range (tainted, so what follows stays quiet), except an overflowing accumulator,
// which keeps its mathematical value so the report shows the whole sum.

import * as I from '../domain/interval';
import type { Interval } from '../domain/interval';
import { tyInfo, type IntTy } from '../domain/inttypes';
import { BOOL, declaredInt, intVal, UNKNOWN, type IntVal, type Val } from '../domain/values';
import type { ArithOp, ArithSite } from '../sites';
import { unparen, type Expr } from '../syntax/ast';
import type { Interp } from './context';
import type { State } from './state';

export function unary(cx: Interp, e: Extract<Expr, { k: 'unary' }>, st: State, expect: IntTy | null): Val {
  const v = cx.ev(e.arg, st, expect);
  if (e.op === '!') return v.t === 'int' && v.ty ? declaredInt(v.ty) : v.t === 'bool' ? BOOL : UNKNOWN;
  if (e.op === '*') return v;
  if (v.t !== 'int') return UNKNOWN;
  const math = I.neg(v.iv);
  if (!v.ty) return intVal(null, math);
  return arithResult(cx, e, 'neg', 'operator', v.ty, v, null, math);
}

/** Builds the result of an arithmetic operation, reporting the site first. */
export function arithResult(
  cx: Interp,
  node: Expr,
  op: ArithOp,
  form: ArithSite['form'],
  ty: IntTy,
  left: IntVal,
  right: IntVal | null,
  math: Interval,
  lE: Expr | null = null,
  rE: Expr | null = null,
  accumulation: ArithSite['accumulation'] = null,
): IntVal {
  const tainted = !!(left.tainted || right?.tainted);
  const blocked = (left.tainted && left.tainted !== node.id) || (right?.tainted && right.tainted !== node.id);
  let fired = false;
  if (!blocked) fired = cx.site({ kind: 'arith', node, op, form, ty, left, right, math, src: cx.text, l: lE, r: rE, accumulation });
  if (form === 'saturating') return intVal(ty, I.clamp(math, I.iv(tyInfo(ty).min), I.iv(tyInfo(ty).max)), { tainted });
  if (I.fitsTy(math, ty)) return intVal(ty, math, { tainted });
  // an overflowing accumulator keeps its mathematical value so the report shows the whole sum
  if (accumulation && fired) return intVal(ty, math, { tainted: node.id });
  return intVal(ty, I.ivOfTy(ty), { tainted: tainted || fired, declared: true });
}

/** Whether an expression is an integer literal whose type comes from context. */
export function flexible(e: Expr): boolean {
  switch (e.k) {
    case 'int':
      return e.suffix === null;
    case 'paren':
      return flexible(e.arg);
    case 'unary':
      return e.op === '-' && flexible(e.arg);
    case 'binary':
      return ['+', '-', '*', '/', '%', '&', '|', '^'].includes(e.op) ? flexible(e.left) && flexible(e.right) : e.op === '<<' || e.op === '>>' ? flexible(e.left) : false;
    default:
      return false;
  }
}

export function binary(cx: Interp, e: Extract<Expr, { k: 'binary' }>, st: State, expect: IntTy | null, accumulation: ArithSite['accumulation'] = null): Val {
  const op = e.op;
  if (op === '&&' || op === '||') {
    cx.ev(e.left, st, null);
    const s2 = st.copy();
    cx.refine(e.left, s2, op === '&&');
    cx.ev(e.right, s2, null);
    return BOOL;
  }
  if (op === '==' || op === '!=' || op === '<' || op === '<=' || op === '>' || op === '>=') {
    if (flexible(e.left) && !flexible(e.right)) {
      const r = cx.ev(e.right, st, null);
      cx.ev(e.left, st, r.t === 'int' ? r.ty : null);
    } else {
      const l = cx.ev(e.left, st, null);
      cx.ev(e.right, st, l.t === 'int' ? l.ty : null);
    }
    return BOOL;
  }
  if (op === '<<' || op === '>>') {
    const l = cx.ev(e.left, st, expect);
    const r = cx.ev(e.right, st, null);
    if (l.t !== 'int' || r.t !== 'int') return l.t === 'int' && l.ty ? declaredInt(l.ty) : UNKNOWN;
    const ty = l.ty ?? expect ?? 'i32';
    const lv = l.ty ? l : { ...l, ty };
    const math = op === '<<' ? I.shl(l.iv, r.iv) : I.shr(l.iv, r.iv);
    return withPair(shiftResult(cx, e, op, 'operator', ty, lv, r, math, e.left, e.right), ty === 'i64' ? shiftPair(op, lv, r) : null);
  }
  // arithmetic and bitwise: settle literal types from the other operand
  let l: Val;
  let r: Val;
  if (flexible(e.left) && !flexible(e.right)) {
    r = cx.ev(e.right, st, expect);
    l = cx.ev(e.left, st, r.t === 'int' ? (r.ty ?? expect) : expect);
  } else {
    l = cx.ev(e.left, st, expect);
    r = cx.ev(e.right, st, l.t === 'int' ? (l.ty ?? expect) : expect);
  }
  if (l.t !== 'int' || r.t !== 'int') {
    const t = (l.t === 'int' && l.ty) || (r.t === 'int' && r.ty) || null;
    return t ? declaredInt(t) : UNKNOWN;
  }
  const ty = l.ty ?? r.ty;
  return arith(cx, e, op, ty, l, r, e.left, e.right, 'operator', accumulation);
}

// ---- lane pairs (IntVal.pair) ----------------------------------------------------------------------

const ZERO: Interval = { lo: 0n, hi: 0n };
const TWO32 = 1n << 32n;

/** A constant as L + H·2^32 with L its low 32 bits, sign-extended. */
function splitConst(c: bigint): [bigint, bigint] {
  const lo = BigInt.asIntN(32, c);
  return [lo, (c - lo) / TWO32];
}

/** A value's lanes: its own pair, a constant's canonical split, else (the value, 0). */
function lanesOf(v: IntVal): readonly [Interval, Interval] {
  if (v.pair) return v.pair;
  if (I.isSingleton(v.iv)) {
    const [lo, hi] = splitConst(v.iv.lo);
    return [I.iv(lo), I.iv(hi)];
  }
  return [v.iv, ZERO];
}

/**
 * A known value's lanes when it is a lane pair (something in the high lane): a constant, or a masked word
 * whose lanes are exact. What makes a product worth tracking.
 */
function pairConst(v: IntVal): [bigint, bigint] | null {
  if (v.pair && I.isSingleton(v.pair[0]) && I.isSingleton(v.pair[1])) return v.pair[1].lo !== 0n ? [v.pair[0].lo, v.pair[1].lo] : null;
  if (!I.isSingleton(v.iv)) return null;
  const [lo, hi] = splitConst(v.iv.lo);
  return hi !== 0n ? [lo, hi] : null;
}

/** The lanes of `l op r`, when the operation keeps the two-lane form exact; null otherwise. */
function pairOf(op: string, l: IntVal, r: IntVal): readonly [Interval, Interval] | null {
  switch (op) {
    case '+':
    case '-': {
      // a pair, or a constant with something in the high lane (a pair kernel's `let mut a: i64 = b0 + b1·2^32`
      // followed by a term whose weights are (w, 0): `a += x[0] as i64 * -1`)
      if (!l.pair && !r.pair && !pairConst(l) && !pairConst(r)) return null;
      const [a, b] = [lanesOf(l), lanesOf(r)];
      return op === '+' ? [I.add(a[0], b[0]), I.add(a[1], b[1])] : [I.sub(a[0], b[0]), I.sub(a[1], b[1])];
    }
    case '*': {
      // (x) · (cl + ch·2^32) = x·cl + x·ch·2^32; a pair times a plain constant scales both lanes
      for (const [v, c] of [[l, r], [r, l]] as const) {
        const k = pairConst(c);
        if (k && !v.pair) return [I.mul(v.iv, I.iv(k[0])), I.mul(v.iv, I.iv(k[1]))];
        if (v.pair && I.isSingleton(c.iv) && !c.pair) return [I.mul(v.pair[0], c.iv), I.mul(v.pair[1], c.iv)];
      }
      // a plain value times a masked word whose lanes are ranges (weights read from memory)
      for (const [v, c] of [[l, r], [r, l]] as const) if (!v.pair && c.pair) return [I.mul(v.iv, c.pair[0]), I.mul(v.iv, c.pair[1])];
      return null;
    }
    case '&': {
      // x & (ml + mh·2^32) with both masks of 31 bits or fewer: (x & ml) + ((x >> 32) & mh)·2^32, each
      // lane exact when x is known (a word of a weight table), else within the mask
      const [mask, x] = pairConst(r) ? [r, l] : [l, r];
      const k = pairConst(mask);
      if (!k || k[0] < 0n || k[1] < 0n || k[0] >= 1n << 31n || k[1] >= 1n << 31n) return null;
      if (I.isSingleton(x.iv)) {
        const [lo, hi] = splitConst(BigInt.asIntN(64, x.iv.lo) & mask.iv.lo);
        return [I.iv(lo), I.iv(hi)];
      }
      return [I.iv(0n, k[0]), I.iv(0n, k[1])];
    }
    default:
      return null;
  }
}

/** `x << 32` of a plain value: the value moves to the high lane. */
function shiftPair(op: '<<' | '>>', l: IntVal, r: IntVal): readonly [Interval, Interval] | null {
  return op === '<<' && !l.pair && I.isSingleton(r.iv) && r.iv.lo === 32n ? [ZERO, l.iv] : null;
}

/** A result keeps its lanes only when it is exact (within its type); exact lanes make the value exact. */
function withPair(v: Val, pair: readonly [Interval, Interval] | null): Val {
  if (!pair || v.t !== 'int' || v.tainted || v.declared) return v;
  if (I.isSingleton(pair[0]) && I.isSingleton(pair[1])) return { ...v, iv: I.iv(pair[0].lo + pair[1].lo * TWO32), pair };
  return { ...v, pair };
}

export function arith(cx: Interp, node: Expr, op: string, ty: IntTy | null, l: IntVal, r: IntVal, lt: Expr, rt: Expr, form: ArithSite['form'], accumulation: ArithSite['accumulation']): Val {
  return withPair(arithPlain(cx, node, op, ty, l, r, lt, rt, form, accumulation), ty === 'i64' || ty === 'u64' ? pairOf(op, l, r) : null);
}

function arithPlain(cx: Interp, node: Expr, op: string, ty: IntTy | null, l: IntVal, r: IntVal, lt: Expr, rt: Expr, form: ArithSite['form'], accumulation: ArithSite['accumulation']): Val {
  let math: Interval | null;
  switch (op) {
    case '+':
      math = I.add(l.iv, r.iv);
      break;
    case '-':
      math = I.sub(l.iv, r.iv);
      break;
    case '*':
      math = I.mul(l.iv, r.iv);
      break;
    case '/': {
      const d = r.nz ? excludeZero(r.iv) : r.iv;
      math = d ? I.div(l.iv, d) : null;
      break;
    }
    case '%': {
      math = I.rem(l.iv, r.iv);
      break;
    }
    case '&':
      math = I.bitAnd(l.iv, r.iv);
      if (!math) return ty ? declaredInt(ty) : UNKNOWN;
      return intVal(ty, math, { tainted: l.tainted || r.tainted });
    case '|':
    case '^':
      math = I.bitOr(l.iv, r.iv);
      if (!math) return ty ? declaredInt(ty) : UNKNOWN;
      return intVal(ty, math, { tainted: l.tainted || r.tainted });
    default:
      return ty ? declaredInt(ty) : UNKNOWN;
  }
  if (!ty) return math ? intVal(null, math) : UNKNOWN;
  if (!math) {
    // a division by exactly zero: report the site with the dividend's interval
    arithResult(cx, node, op as ArithOp, form, ty, { ...l, ty }, { ...r, ty }, l.iv, lt, rt, accumulation);
    return intVal(ty, I.ivOfTy(ty), { tainted: true, declared: true });
  }
  return arithResult(cx, node, op as ArithOp, form, ty, l.ty === ty ? l : { ...l, ty }, r.ty === ty ? r : { ...r, ty }, math, lt, rt, accumulation);
}

export function shiftResult(cx: Interp, node: Expr, op: '<<' | '>>', form: ArithSite['form'], ty: IntTy, l: IntVal, r: IntVal, math: Interval, lt: Expr, rt: Expr): IntVal {
  const tainted = !!(l.tainted || r.tainted);
  let fired = false;
  // a tainted value may still be shifted by a bad amount: the shift rule checks the amount regardless
  if (!r.tainted) fired = cx.site({ kind: 'arith', node, op, form, ty, left: l, right: r, math, src: cx.text, l: lt, r: rt, accumulation: null });
  if (cx.quiet === 0 && cx.inlineDepth === 0) {
    const prev = cx.shifts.get(node.id);
    cx.shifts.set(node.id, { node, op, amount: prev ? I.join(prev.amount, r.iv) : r.iv, literalLeft: unparen(lt).k === 'int', amountNode: rt });
  }
  const bits = BigInt(tyInfo(ty).bits);
  const amountOk = r.iv.lo >= 0n && r.iv.hi < bits;
  if (amountOk && I.fitsTy(math, ty)) return intVal(ty, math, { tainted });
  if (op === '>>' && amountOk) return intVal(ty, math, { tainted });
  return intVal(ty, I.ivOfTy(ty), { tainted: tainted || fired, declared: true });
}

export function cast(cx: Interp, e: Extract<Expr, { k: 'cast' }>, st: State): Val {
  const v = cx.ev(e.arg, st, null);
  const to = e.ty.k === 'int' ? e.ty.ty : null;
  if (!to) return UNKNOWN;
  // `cond as i32`: a bool converts to exactly 0 or 1
  if (v.t === 'bool') return intVal(to, I.iv(0n, 1n));
  if (v.t !== 'int') return declaredInt(to);
  const from = v.ty ?? 'i32';
  const val: IntVal = v.ty ? v : { ...v, ty: from };
  let fired = false;
  if (!val.tainted) fired = cx.site({ kind: 'cast', node: e, from, to, val, src: cx.text, arg: e.arg });
  if (I.fitsTy(val.iv, to)) return intVal(to, val.iv, { tainted: val.tainted, nz: val.nz });
  return intVal(to, I.ivOfTy(to), { tainted: val.tainted || fired, declared: true });
}

/** A divisor's interval without 0 (after `d != 0`), or null when it is exactly 0. */
export function excludeZero(d: Interval): Interval | null {
  if (d.lo === 0n && d.hi === 0n) return null;
  if (d.lo === 0n) return I.iv(1n, d.hi);
  if (d.hi === 0n) return I.iv(d.lo, -1n);
  return d;
}
