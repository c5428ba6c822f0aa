// Assignments: `x = e`, compound `x op= e` (every `+=`/`-=` is an accumulation, in a loop or written out
// term by term), and stores into arrays — strong where the index is known, weak (joined) where it is not,
// copy-on-write for arrays shared between states. Stores into output parameters are recorded (the
// manifest check reads what a layer produced from them).

import * as I from '../domain/interval';
import { arrOf, declaredInt, joinVal, UNKNOWN, type IntVal, type Val } from '../domain/values';
import type { ArithSite } from '../sites';
import { lvalueRoot, unparen, type Expr } from '../syntax/ast';
import { arith, binary, shiftResult } from './arith';
import type { Interp } from './context';
import type { State } from './state';

export function assign(cx: Interp, e: Extract<Expr, { k: 'assign' }>, st: State): void {
  const target = lvalueRoot(e.left);
  const b = target ? st.vars.get(target) : undefined;
  if (e.op === '=') {
    // `acc = acc + t` is an accumulation like `acc += t`
    let acc: ArithSite['accumulation'] = null;
    if (e.left.k === 'path' && target && b) {
      const r = unparen(e.right);
      if (r.k === 'binary' && (r.op === '+' || r.op === '-') && unparen(r.left).k === 'path' && (unparen(r.left) as { segs: string[] }).segs.join('::') === target) {
        acc = { target, iterations: iterations(cx, b.depth) };
      }
    }
    const expect = b?.ty ?? null;
    let v: Val;
    if (acc && e.right.k === 'binary') v = binary(cx, e.right, st, expect, acc);
    else {
      const r = unparen(e.right);
      v = acc && r.k === 'binary' ? binary(cx, r, st, expect, acc) : cx.ev(e.right, st, expect);
    }
    store(cx, e.left, v, st);
    return;
  }
  // compound: a op= b
  const op = e.op.slice(0, -1);
  const cur = cx.ev(e.left, st, null);
  const isShift = op === '<<' || op === '>>';
  const rv = cx.ev(e.right, st, isShift ? null : cur.t === 'int' ? cur.ty : null);
  if (cur.t !== 'int' || rv.t !== 'int') {
    store(cx, e.left, cur.t === 'int' && cur.ty ? declaredInt(cur.ty) : UNKNOWN, st);
    return;
  }
  const ty = cur.ty ?? rv.ty;
  let result: Val;
  if (isShift) {
    const t = ty ?? 'i32';
    const math = op === '<<' ? I.shl(cur.iv, rv.iv) : I.shr(cur.iv, rv.iv);
    result = shiftResult(cx, e, op as '<<' | '>>', 'compound', t, { ...cur, ty: t }, rv, math, e.left, e.right);
  } else {
    // every `+=` / `-=` accumulates: in a loop, or written out term by term (unrolled generated code)
    const acc = (op === '+' || op === '-') && target && b ? { target, iterations: iterations(cx, b.depth) } : null;
    result = arith(cx, e, op, ty, cur, rv, e.left, e.right, 'compound', acc);
  }
  if (b && b.ty === null && result.t === 'int' && result.ty) st.vars.set(target!, { ...b, ty: result.ty });
  store(cx, e.left, result, st);
}

/** Iterations of the loops nested deeper than `depth` (null when one of them is unbounded). */
export function iterations(cx: Interp, depth: number): bigint | null {
  let n = 1n;
  for (const l of cx.loops.slice(depth)) {
    if (!l.count) return null;
    n *= l.count.hi;
  }
  return n;
}

export function store(cx: Interp, lhs: Expr, v: Val, st: State): void {
  const l = unparen(lhs);
  if (l.k === 'path' && l.segs.length === 1) {
    const b = st.vars.get(l.segs[0]);
    if (!b) return;
    let val = v;
    let ty = b.ty;
    if (val.t === 'int') {
      ty = b.ty ?? val.ty;
      if (ty && val.ty !== ty) val = I.fitsTy(val.iv, ty) ? { ...val, ty } : declaredInt(ty);
    }
    st.vars.set(l.segs[0], { ...b, val, ty });
    return;
  }
  if (l.k !== 'index') return;
  storeIndexed(cx, st, l, cx.ev(l.index, st, 'usize'), v);
}

/** `a[i] = v` (or `a[i][j] = v`) with the index `i` already evaluated. */
export function storeIndexed(cx: Interp, st: State, l: Extract<Expr, { k: 'index' }>, idx: Val, v: Val): void {
  const root = lvalueRoot(l);
  const b = root ? st.vars.get(root) : undefined;
  const output = root && cx.quiet === 0 && cx.inlineDepth === 0 ? cx.outputs.get(root) : undefined;
  if (output) recordOutput(cx, output, l, idx, v);
  if (!b || b.val.t !== 'arr') return;
  if (l.base.k !== 'path') {
    // a[i][j] = v: strong update where an index is known (an unrolled copy into a padded buffer
    // overwrites its initial fill), weak where it is not
    const idxs: Val[] = [];
    for (let x: Expr = l; x.k === 'index'; x = unparen(x.base)) idxs.unshift(x === l ? idx : cx.ev(x.index, st, 'usize'));
    st.vars.set(root!, { ...b, val: updateAt(b.val, idxs, v) });
    return;
  }
  const a = b.val;
  if (a.elems && idx.t === 'int' && I.isSingleton(idx.iv) && idx.iv.lo >= 0n && idx.iv.lo < BigInt(a.elems.length)) {
    const k = Number(idx.iv.lo);
    if (a.owner === st && a.epoch === st.epoch) {
      a.elems[k] = v;
      a.elem = joinVal(a.elem, v);
      a.seg = undefined;
    } else {
      const elems = a.elems.slice();
      elems[k] = v;
      st.vars.set(root!, { ...b, val: { t: 'arr', elems, elem: joinVal(a.elem, v), len: a.len, owner: st, epoch: st.epoch } });
    }
  } else if (a.elems && idx.t === 'int') {
    const elems = a.elems.map((x, k) => (I.contains(idx.iv, BigInt(k)) ? joinVal(x, v) : x));
    st.vars.set(root!, { ...b, val: arrOf(elems) });
  } else {
    st.vars.set(root!, { ...b, val: { t: 'arr', elem: joinVal(a.elem, v), elems: null, len: a.len } });
  }
}

/** Elements one store at an interval of indices may join into (wider: the output is joined as a whole). */
const MAX_WEAK_STORE = 1n << 16n;

/**
 * A store into a parameter array (a layer's output): joined, and per element while every index is known
 * or within a range (joined into each element of the range: the element stored is one of them).
 */
function recordOutput(cx: Interp, root: string, l: Extract<Expr, { k: 'index' }>, idx: Val, v: Val): void {
  if (v.t !== 'int') {
    cx.storedAt.set(root, null);
    return;
  }
  const prev = cx.stored.get(root);
  cx.stored.set(root, prev ? (joinVal(prev, v) as IntVal) : v);
  // per element, while every store to it has a known index (`y[3] = ..`, an unrolled `y[n] = ..`)
  let at = cx.storedAt.get(root);
  if (at === undefined) cx.storedAt.set(root, (at = new Map()));
  if (at !== null && l.base.k === 'path' && idx.t === 'int' && idx.iv.lo >= 0n && idx.iv.hi - idx.iv.lo < MAX_WEAK_STORE) {
    // a known index, or a range of them (a summarised loop's `y[(oc * 28 + oh) * 28 + ow]` with oc known:
    // that output channel's elements), each joined with the value
    for (let k = Number(idx.iv.lo); k <= Number(idx.iv.hi); k++) {
      const p = at.get(k);
      at.set(k, p ? (joinVal(p, v) as IntVal) : v);
    }
  } else cx.storedAt.set(root, null);
}

/** `a[i0][i1]..= v` on a nested array value, copying along the path: a known index replaces that element, an
 * interval joins `v` into every element it covers. The join of each level is recomputed from its elements. */
function updateAt(a: Val, idxs: Val[], v: Val): Val {
  if (idxs.length === 0) return v;
  if (a.t !== 'arr') return UNKNOWN;
  const [i, ...rest] = idxs;
  if (!a.elems || i.t !== 'int') return { t: 'arr', elem: joinLeaves(a.elem, v, rest.length), elems: a.elems && a.elems.map((x) => joinLeaves(x, v, rest.length)), len: a.len };
  const elems = a.elems.map((x, k) => (I.isSingleton(i.iv) && i.iv.lo === BigInt(k) ? updateAt(x, rest, v) : I.contains(i.iv, BigInt(k)) ? joinLeaves(x, v, rest.length) : x));
  return { t: 'arr', elem: elemsJoin(elems), elems, len: a.len };
}

/** The join of an array's elements; for arrays of arrays, of their joins (one level, not every leaf). */
function elemsJoin(elems: Val[]): Val {
  if (elems.length === 0) return UNKNOWN;
  let out: Val = elems[0].t === 'arr' ? { ...elems[0], elems: null } : elems[0];
  for (let k = 1; k < elems.length; k++) {
    const x = elems[k];
    out = out.t === 'arr' && x.t === 'arr' ? { t: 'arr', elem: joinVal(out.elem, x.elem), elems: null, len: out.len === x.len ? out.len : null } : joinVal(out, x);
  }
  return out;
}

/** Weak update: `v` joined into every element `depth` levels down (an array's shape is kept). */
function joinLeaves(a: Val, v: Val, depth: number): Val {
  if (depth <= 0) return joinVal(a, v);
  if (a.t !== 'arr') return UNKNOWN;
  const elems = a.elems ? a.elems.map((x) => joinLeaves(x, v, depth - 1)) : null;
  return { t: 'arr', elem: joinLeaves(a.elem, v, depth - 1), elems, len: a.len };
}
