// Blocks and `let` statements (with shadowing undone at the block's end), `match`, `if let`, and the
// macros that matter to values: panics end a path, asserts refine it.

import type { IntTy } from '../domain/inttypes';
import { joinVal, UNKNOWN, type Val } from '../domain/values';
import { patNames, tyOf, type Expr, type Stmt, type TypeRef } from '../syntax/ast';
import { refineCmp } from './conditions';
import type { Interp } from './context';
import { assignState, mergeInto, State, type Binding } from './state';

export function block(cx: Interp, e: Extract<Expr, { k: 'block' }>, st: State, expect: IntTy | null, expectTy: TypeRef | null): Val {
  const shadowed = new Map<string, Binding | undefined>();
  const declare = (name: string) => {
    if (!shadowed.has(name)) shadowed.set(name, st.vars.get(name));
  };
  for (const s of e.stmts) {
    if (st.dead) break;
    stmt(cx, s, st, declare);
  }
  let v: Val = { t: 'tuple', elems: [] };
  if (e.tail && !st.dead) v = cx.ev(e.tail, st, expect, expectTy);
  for (const [name, prev] of shadowed) {
    if (prev) st.vars.set(name, prev);
    else st.vars.delete(name);
  }
  return v;
}

function stmt(cx: Interp, s: Stmt, st: State, declare: (name: string) => void): void {
  switch (s.k) {
    case 'let': {
      const ty = s.ty;
      const it = tyOf(ty);
      let v: Val = s.init ? cx.ev(s.init, st, it, ty) : UNKNOWN;
      if (ty) v = s.init ? cx.conform(v, ty) : cx.declared(ty);
      if (s.else && v.t === 'opt') v = v.inner;
      if (s.else) {
        const els = st.copy();
        cx.ev(s.else, els, null);
      }
      for (const n of patNames(s.pat)) declare(n);
      cx.bindPat(s.pat, v, st, it);
      return;
    }
    case 'expr':
      cx.ev(s.expr, st, null);
      return;
    case 'item':
      return;
  }
}

export function matchExpr(cx: Interp, e: Extract<Expr, { k: 'match' }>, st: State, expect: IntTy | null, expectTy: TypeRef | null): Val {
  const sv = cx.ev(e.scrutinee, st, null);
  let out: Val | null = null;
  let acc: State | null = null;
  for (const arm of e.arms) {
    const s = st.copy();
    if (arm.pat.k === 'ident') cx.bindPat(arm.pat, sv, s, null);
    if (arm.guard) {
      cx.ev(arm.guard, s, null);
      cx.refine(arm.guard, s, true);
    }
    const v = cx.ev(arm.body, s, expect, expectTy);
    if (!s.dead) out = out ? joinVal(out, v) : v;
    acc = acc ? State.join(acc, s) : s;
  }
  if (acc) assignState(st, acc);
  return out ?? UNKNOWN;
}

/** `if let Some(v) = x.checked_mul(y)`: the pattern is lowered as `other`, so its bindings stay unknown. */
export function ifLet(cx: Interp, e: Extract<Expr, { k: 'iflet' }>, st: State, expect: IntTy | null, expectTy: TypeRef | null): Val {
  cx.ev(e.scrutinee, st, null);
  const then = st.copy();
  const tv = cx.ev(e.then, then, expect, expectTy);
  const els = st.copy();
  const ev = e.else ? cx.ev(e.else, els, expect, expectTy) : { t: 'tuple' as const, elems: [] };
  mergeInto(st, then, els);
  return then.dead ? ev : els.dead ? tv : joinVal(tv, ev);
}

export function macro(cx: Interp, e: Extract<Expr, { k: 'macro' }>, st: State): Val {
  switch (e.name) {
    case 'panic':
    case 'unreachable':
    case 'todo':
    case 'unimplemented':
      st.dead = true;
      return UNKNOWN;
    case 'assert':
    case 'debug_assert':
      if (e.args?.[0]) {
        cx.ev(e.args[0], st, null);
        cx.refine(e.args[0], st, true);
      }
      return UNKNOWN;
    case 'assert_eq':
    case 'debug_assert_eq':
    case 'assert_ne':
    case 'debug_assert_ne': {
      const [a, b] = e.args ?? [];
      if (a && b) {
        cx.ev(a, st, null);
        cx.ev(b, st, null);
        refineCmp(cx, a, e.name.endsWith('eq') ? '==' : '!=', b, st);
      }
      return UNKNOWN;
    }
    default:
      for (const a of e.args ?? []) cx.ev(a, st.copy(), null);
      return UNKNOWN;
  }
}
