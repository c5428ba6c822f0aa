// Arrays, iterators and Option/Result values: indexing (with range joins over const tables), the methods
// of each (`len`, `iter`, `enumerate`, `zip`, `unwrap_or`, ...) and ranges as iterators.

import * as I from '../domain/interval';
import { BOOL, declaredInt, intVal, joinVal, RangeIndex, UNKNOWN, type ArrVal, type IterVal, type Val } from '../domain/values';

/** `b[i]`: the element, or the join of the elements the index can reach. */
export function index(b: Val, i: Val): Val {
  if (b.t !== 'arr') return UNKNOWN;
  if (i.t !== 'int' || !b.elems) return b.elem;
  const n = b.elems.length;
  const lo = i.iv.lo < 0n ? 0 : Number(i.iv.lo < BigInt(n) ? i.iv.lo : BigInt(n - 1));
  const hi = i.iv.hi >= BigInt(n) ? n - 1 : Number(i.iv.hi < 0n ? 0n : i.iv.hi);
  if (n === 0 || lo > hi) return b.elem;
  if (lo === hi) return b.elems[lo];
  if (lo === 0 && hi === n - 1) return b.elem;
  if (hi - lo < 16) {
    let v = b.elems[lo];
    for (let k = lo + 1; k <= hi; k++) v = joinVal(v, b.elems[k]);
    return v;
  }
  if (b.seg === undefined) b.seg = RangeIndex.build(b.elems);
  if (b.seg) return b.seg.query(lo, hi);
  let v = b.elems[lo];
  for (let k = lo + 1; k <= hi; k++) v = joinVal(v, b.elems[k]);
  return v;
}

export function containerMethod(recv: Val, name: string, args: Val[]): Val {
  if (recv.t === 'opt') return optionMethod(recv.inner, name, args);
  if (recv.t === 'arr') return arrayMethod(recv, name, args);
  if (recv.t === 'iter') return iterMethod(recv, name, args);
  return UNKNOWN;
}

function optionMethod(inner: Val, name: string, args: Val[]): Val {
  switch (name) {
    case 'unwrap':
    case 'expect':
      return inner;
    case 'unwrap_or':
      return args[0] ? joinVal(inner, args[0]) : inner;
    case 'unwrap_or_default':
      return inner.t === 'int' ? joinVal(inner, intVal(inner.ty, I.iv(0n))) : UNKNOWN;
    case 'is_some':
    case 'is_none':
    case 'is_ok':
    case 'is_err':
      return BOOL;
    default:
      return UNKNOWN;
  }
}

function arrayMethod(recv: ArrVal, name: string, args: Val[]): Val {
  switch (name) {
    case 'len':
      return recv.len !== null ? intVal('usize', I.iv(BigInt(recv.len))) : declaredInt('usize');
    case 'iter':
    case 'into_iter':
    case 'iter_mut':
      return arrayIter(recv);
    case 'as_slice':
    case 'to_vec':
    case 'clone':
    case 'as_ref':
      return recv;
    case 'get':
      return { t: 'opt', inner: args[0] ? index(recv, args[0]) : recv.elem };
    case 'first':
    case 'last':
      return { t: 'opt', inner: recv.elem };
    default:
      return UNKNOWN;
  }
}

function iterMethod(recv: IterVal, name: string, args: Val[]): Val {
  switch (name) {
    case 'enumerate': {
      const inner = recv;
      const idx = (k: number) => intVal('usize', I.iv(BigInt(k)));
      const cmax = inner.count ? inner.count.hi : null;
      return {
        t: 'iter',
        count: inner.count,
        at: inner.at ? (k) => ({ t: 'tuple', elems: [idx(k), inner.at!(k)] }) : null,
        all: { t: 'tuple', elems: [cmax !== null && cmax > 0n ? intVal('usize', I.iv(0n, cmax - 1n)) : declaredInt('usize'), inner.all] },
      };
    }
    case 'zip': {
      const other = args[0]?.t === 'arr' ? arrayIter(args[0]) : args[0]?.t === 'iter' ? args[0] : null;
      if (!other) return UNKNOWN;
      const a = recv;
      const count = a.count && other.count ? I.imin(a.count, other.count) : (a.count ?? other.count);
      return {
        t: 'iter',
        count,
        at: a.at && other.at ? (k) => ({ t: 'tuple', elems: [a.at!(k), other.at!(k)] }) : null,
        all: { t: 'tuple', elems: [a.all, other.all] },
      };
    }
    case 'rev': {
      const a = recv;
      if (!a.count || !I.isSingleton(a.count) || !a.at) return { ...a, at: null };
      const n = Number(a.count.lo);
      return { ...a, at: (k) => a.at!(n - 1 - k) };
    }
    case 'copied':
    case 'cloned':
    case 'iter':
    case 'into_iter':
      return recv;
    case 'step_by': {
      const s = args[0];
      if (s?.t !== 'int' || !I.isSingleton(s.iv) || s.iv.lo <= 0n) return { ...recv, at: null, count: null };
      const step = s.iv.lo;
      const a = recv;
      const count = a.count ? { lo: (a.count.lo + step - 1n) / step, hi: (a.count.hi + step - 1n) / step } : null;
      return { t: 'iter', count, at: a.at ? (k) => a.at!(k * Number(step)) : null, all: a.all };
    }
    case 'take': {
      const n = args[0];
      if (n?.t !== 'int') return { ...recv, count: null };
      return { ...recv, count: recv.count ? I.imin(recv.count, n.iv) : I.iv(0n, n.iv.hi) };
    }
    case 'skip': {
      const n = args[0];
      if (n?.t !== 'int' || !I.isSingleton(n.iv) || !recv.count) return { ...recv, count: null, at: null };
      const sk = n.iv.lo;
      const c = I.iv(recv.count.lo - sk < 0n ? 0n : recv.count.lo - sk, recv.count.hi - sk < 0n ? 0n : recv.count.hi - sk);
      const a = recv;
      return { t: 'iter', count: c, at: a.at ? (k) => a.at!(k + Number(sk)) : null, all: a.all };
    }
    default:
      return UNKNOWN;
  }
}

export function arrayIter(a: ArrVal): IterVal {
  const count = a.len !== null ? I.iv(BigInt(a.len)) : null;
  const elems = a.elems;
  // without per-element values every iteration still sees the element join: unrolling stays exact
  return { t: 'iter', count, at: elems ? (k) => elems[k] ?? a.elem : () => a.elem, all: a.elem };
}

/** `from..to` / `from..=to` as an iterator. */
export function rangeIter(from: Val | null, to: Val | null, inclusive: boolean): Val {
  if (!from || from.t !== 'int' || !to || to.t !== 'int') return UNKNOWN;
  const ty = from.ty ?? to.ty;
  const last = inclusive ? to.iv : I.sub(to.iv, I.iv(1n));
  // trip count: max(0, last - from + 1)
  const cLo = last.lo - from.iv.hi + 1n;
  const cHi = last.hi - from.iv.lo + 1n;
  const count = I.iv(cLo < 0n ? 0n : cLo, cHi < 0n ? 0n : cHi);
  const allHi = last.hi;
  const all = allHi >= from.iv.lo ? intVal(ty, I.iv(from.iv.lo, allHi)) : intVal(ty, from.iv);
  const start = from.iv;
  const at = I.isSingleton(start) ? (k: number) => intVal(ty, I.iv(start.lo + BigInt(k))) : null;
  return { t: 'iter', count, at, all };
}
