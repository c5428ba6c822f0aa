// Conditions: `if` evaluates both branches in states refined by the condition (`if d != 0` makes d
// non-zero, `if x < 100` bounds x), then joins them; asserts and match guards refine the same way.

import * as I from '../domain/interval';
import { joinVal, UNKNOWN, type IntVal, type Val } from '../domain/values';
import type { IntTy } from '../domain/inttypes';
import { unparen, type Expr, type TypeRef } from '../syntax/ast';
import type { Interp } from './context';
import { assignState, mergeInto, State } from './state';

export function ifExpr(cx: Interp, e: Extract<Expr, { k: 'if' }>, st: State, expect: IntTy | null, expectTy: TypeRef | null): Val {
  cx.ev(e.cond, st, null);
  const thenSt = st.copy();
  refine(cx, e.cond, thenSt, true);
  const elseSt = st.copy();
  refine(cx, e.cond, elseSt, false);
  const tv = thenSt.dead ? UNKNOWN : cx.ev(e.then, thenSt, expect, expectTy);
  let ev: Val = { t: 'tuple', elems: [] };
  if (e.else && !elseSt.dead) ev = cx.ev(e.else, elseSt, expect ?? (tv.t === 'int' ? tv.ty : null), expectTy);
  mergeInto(st, thenSt, elseSt);
  if (thenSt.dead) return ev;
  if (elseSt.dead) return tv;
  return joinVal(tv, ev);
}

/** Narrows variables in `st` assuming `cond` evaluates to `truth`. Marks the state dead if impossible. */
export function refine(cx: Interp, cond: Expr, st: State, truth: boolean): void {
  const c = unparen(cond);
  if (c.k === 'unary' && c.op === '!') return refine(cx, c.arg, st, !truth);
  if (c.k === 'bool') {
    if (c.value !== truth) st.dead = true;
    return;
  }
  if (c.k !== 'binary') return;
  if (c.op === '&&' || c.op === '||') {
    if ((c.op === '&&') === truth) {
      refine(cx, c.left, st, truth);
      refine(cx, c.right, st, truth);
    } else {
      // !(a && b) = !a || !b: join of the two refinements
      const a = st.copy();
      refine(cx, c.left, a, truth);
      const b = st.copy();
      refine(cx, c.right, b, truth);
      assignState(st, State.join(a, b));
      if (a.dead && b.dead) st.dead = true;
    }
    return;
  }
  const ops: Record<string, string> = { '<': '>=', '<=': '>', '>': '<=', '>=': '<', '==': '!=', '!=': '==' };
  if (!(c.op in ops)) return;
  refineCmp(cx, c.left, truth ? c.op : ops[c.op], c.right, st);
}

export function refineCmp(cx: Interp, left: Expr, op: string, right: Expr, st: State): void {
  const flip: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==', '!=': '!=' };
  refineSide(cx, left, op, right, st);
  refineSide(cx, right, flip[op], left, st);
}

/** `x op other`: narrow x (a variable, possibly behind a lossless cast or parentheses). */
function refineSide(cx: Interp, x: Expr, op: string, other: Expr, st: State): void {
  let v = unparen(x);
  while (v.k === 'cast') v = unparen(v.arg);
  if (v.k !== 'path' || v.segs.length !== 1) return;
  const b = st.vars.get(v.segs[0]);
  if (!b || b.val.t !== 'int') return;
  cx.quiet++;
  const o = cx.ev(other, st.copy(), b.ty);
  cx.quiet--;
  if (o.t !== 'int') return;
  const cur = b.val.iv;
  let lo = cur.lo;
  let hi = cur.hi;
  let nz = b.val.nz;
  switch (op) {
    case '<':
      hi = min(hi, o.iv.hi - 1n);
      break;
    case '<=':
      hi = min(hi, o.iv.hi);
      break;
    case '>':
      lo = max(lo, o.iv.lo + 1n);
      break;
    case '>=':
      lo = max(lo, o.iv.lo);
      break;
    case '==':
      lo = max(lo, o.iv.lo);
      hi = min(hi, o.iv.hi);
      break;
    case '!=':
      if (I.isSingleton(o.iv)) {
        if (lo === o.iv.lo) lo += 1n;
        if (hi === o.iv.lo) hi -= 1n;
        if (o.iv.lo === 0n) nz = true;
      }
      break;
  }
  if (lo > hi) {
    st.dead = true;
    return;
  }
  const val: IntVal = { ...b.val, iv: { lo, hi } };
  if (nz) val.nz = true;
  if (lo !== cur.lo || hi !== cur.hi) delete val.declared;
  st.vars.set(v.segs[0], { ...b, val });
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);
