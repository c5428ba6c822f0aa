// Methods on integers, as `x.name(args)` or `T::name(x, args)`: clamp/min/max/abs, the wrapping_,
// saturating_, checked_ and overflowing_ families, pow. A clamp to a type's full range is a saturation
// point the manifest check looks at.

import * as I from '../domain/interval';
import type { Interval } from '../domain/interval';
import { tyInfo, type IntTy } from '../domain/inttypes';
import { BOOL, declaredInt, intVal, UNKNOWN, type IntVal, type Val } from '../domain/values';
import type { ArithOp, ArithSite } from '../sites';
import type { Expr } from '../syntax/ast';
import { arithResult, excludeZero } from './arith';
import { containerMethod } from './containers';
import type { Interp } from './context';
import type { State } from './state';

/** `recv.name(args)` or `T::name(recv, args)` (ufcs names T); arrays, iterators and options go to containers.ts. */
export function intMethod(cx: Interp, e: Expr, recvE: Expr, name: string, argsE: Expr[], st: State, ufcs: IntTy | null, expect: IntTy | null = null): Val {
  const recv = cx.ev(recvE, st, ufcs ?? expect);
  const ty = recv.t === 'int' ? (recv.ty ?? ufcs ?? expect) : null;
  const args = argsE.map((a) => cx.ev(a, st, name.endsWith('shl') || name.endsWith('shr') || name === 'pow' ? 'u32' : ty));
  const a0 = args[0];
  if (recv.t === 'arr' || recv.t === 'iter' || recv.t === 'opt') return containerMethod(recv, name, args);
  if (recv.t !== 'int' || !ty) return UNKNOWN;
  const r: IntVal = recv.ty ? recv : { ...recv, ty };
  const b = a0 && a0.t === 'int' ? (a0.ty ? a0 : { ...a0, ty }) : null;
  const tainted = r.tainted || b?.tainted;
  const full = I.ivOfTy(ty);
  switch (name) {
    case 'clamp': {
      const lo = args[0];
      const hi = args[1];
      if (lo?.t !== 'int' || hi?.t !== 'int') return declaredInt(ty);
      const out = I.clamp(r.iv, lo.iv, hi.iv);
      saturationPoint(cx, e, r.iv, I.iv(lo.iv.lo, hi.iv.hi), recvE);
      return intVal(ty, out, { tainted });
    }
    case 'min':
    case 'max':
      if (!b) return declaredInt(ty);
      return intVal(ty, name === 'min' ? I.imin(r.iv, b.iv) : I.imax(r.iv, b.iv), { tainted });
    case 'abs':
      return arithResult(cx, e, 'abs', 'operator', ty, r, null, I.abs(r.iv), recvE);
    case 'signum':
      return intVal(ty, I.iv(-1n, 1n));
    case 'count_ones':
    case 'count_zeros':
    case 'leading_zeros':
    case 'trailing_zeros':
      return intVal('u32', I.iv(0n, BigInt(tyInfo(ty).bits)));
    case 'unsigned_abs':
      return intVal(ty.replace('i', 'u') as IntTy, I.abs(r.iv));
    case 'is_negative':
    case 'is_positive':
      return BOOL;
    case 'into':
      return expect ? { ...r, ty: expect } : { ...r, ty: null };
    case 'pow': {
      if (!b || !I.isSingleton(b.iv) || b.iv.lo > 64n || b.iv.lo < 0n) return declaredInt(ty);
      return arithResult(cx, e, 'pow', 'operator', ty, r, b, power(r.iv, b.iv.lo), recvE, argsE[0] ?? null);
    }
  }
  const fam = /^(wrapping|saturating|checked|overflowing)_(add|sub|mul|div|rem|neg|abs|shl|shr|pow)$/.exec(name);
  if (!fam) return UNKNOWN;
  const form = fam[1] as 'wrapping' | 'saturating' | 'checked' | 'overflowing';
  const op = fam[2];
  const rt = argsE[0] ?? null;
  const lt = recvE;
  let math: Interval | null = null;
  let aop: ArithOp = '+';
  switch (op) {
    case 'add':
      if (b) math = I.add(r.iv, b.iv);
      aop = '+';
      break;
    case 'sub':
      if (b) math = I.sub(r.iv, b.iv);
      aop = '-';
      break;
    case 'mul':
      if (b) math = I.mul(r.iv, b.iv);
      aop = '*';
      break;
    case 'div':
      if (b) math = I.div(r.iv, (b.nz ? excludeZero(b.iv) : b.iv) ?? I.iv(1n));
      aop = '/';
      break;
    case 'rem':
      if (b) math = I.rem(r.iv, b.iv);
      aop = '%';
      break;
    case 'neg':
      math = I.neg(r.iv);
      aop = 'neg';
      break;
    case 'abs':
      math = I.abs(r.iv);
      aop = 'abs';
      break;
    case 'shl':
    case 'shr':
      if (a0?.t === 'int') math = op === 'shl' ? I.shl(r.iv, a0.iv) : I.shr(r.iv, a0.iv);
      aop = op === 'shl' ? '<<' : '>>';
      break;
    case 'pow':
      if (b && I.isSingleton(b.iv) && b.iv.lo >= 0n && b.iv.lo <= 64n) math = power(r.iv, b.iv.lo);
      aop = 'pow';
      break;
  }
  if (!math) {
    if (form === 'checked') return { t: 'opt', inner: declaredInt(ty) };
    if (form === 'overflowing') return { t: 'tuple', elems: [declaredInt(ty), BOOL] };
    return declaredInt(ty);
  }
  if (form === 'checked') {
    const m = I.meet(math, full);
    siteOnly(cx, e, aop, 'checked', ty, r, b ?? (a0?.t === 'int' ? a0 : null), math, lt, rt);
    return { t: 'opt', inner: m ? intVal(ty, m, { tainted }) : declaredInt(ty) };
  }
  if (form === 'overflowing') return { t: 'tuple', elems: [I.fitsTy(math, ty) ? intVal(ty, math) : declaredInt(ty), BOOL] };
  if (form === 'saturating' && (aop === '<<' || aop === '>>')) return declaredInt(ty);
  const right = b ?? (a0?.t === 'int' ? (a0 as IntVal) : null);
  return arithResult(cx, e, aop, form, ty, r, right, math, lt, rt);
}

function power(x: Interval, n: bigint): Interval {
  let m = I.iv(1n);
  for (let k = 0n; k < n; k++) m = I.mul(m, x);
  return m;
}

function siteOnly(cx: Interp, e: Expr, op: ArithOp, form: ArithSite['form'], ty: IntTy, l: IntVal, r: IntVal | null, math: Interval, lt: Expr | null, rt: Expr | null): void {
  if (!l.tainted && !r?.tainted) cx.site({ kind: 'arith', node: e, op, form, ty, left: l, right: r, math, src: cx.text, l: lt, r: rt, accumulation: null });
}

/** clamp(T::MIN, T::MAX)-style narrowing: a saturation point. */
function saturationPoint(cx: Interp, e: Expr, pre: Interval, bounds: Interval, argE: Expr): void {
  for (const ty of ['i8', 'i16', 'i32', 'u8', 'u16', 'u32'] as IntTy[]) {
    if (I.equal(bounds, I.ivOfTy(ty))) {
      cx.site({ kind: 'saturate', node: e, pre, bounds, src: cx.text, arg: argE });
      return;
    }
  }
}
