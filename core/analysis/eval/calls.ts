// Function calls: integer conversions (`T::from`, `T::try_from`), `T::wrapping_mul(a, b)` and friends,
// `min`/`max`, `Some`/`Ok`, and calls of the program's own functions — inlined with the argument values
// when small (rescale, saturate, activations), else their declared result. Functions of the stylus-ml
// runtime are inlined with the rules on and report at the call; their documented results
// (runtime-results.ts) and the share-of-a-sum relation (ratios.ts) sharpen what inlining gives.

import * as I from '../domain/interval';
import type { Interval } from '../domain/interval';
import { isIntTy, type IntTy } from '../domain/inttypes';
import { declaredInt, intVal, joinVal, UNKNOWN, type Val } from '../domain/values';
import type { Hit, Rule, Site } from '../sites';
import { lvalueRoot, tyOf, unparen, walkExpr, type Expr, type FnItem } from '../syntax/ast';
import { BudgetExceeded, type Interp } from './context';
import { flexible } from './arith';
import { intMethod } from './int-methods';
import { estimate, estimateLowerBound } from './loops';
import type { FnEntry } from './program';
import { isMaxMinusElement, sumFacts } from './ratios';
import { RUNTIME_RESULTS } from './runtime-results';
import { State, type FnFrame } from './state';

/** evaluation steps a called function may take to be inlined */
const INLINE_LIMIT = 20_000;

/** saturating helpers (`sat_i16(x)`, `saturate(x)`): where the manifest says "never reached" */
const SAT_HELPER = /^(sat|saturate|saturating)(_|$)|_sat$|^narrow_sat|^clamp_to_/;

export function call(cx: Interp, e: Extract<Expr, { k: 'call' }>, st: State, expect: IntTy | null): Val {
  const segs = e.callee.k === 'path' ? e.callee.segs : null;
  const name = segs ? segs[segs.length - 1] : null;
  const owner = segs && segs.length >= 2 ? segs[segs.length - 2] : null;
  // T::from(x), T::try_from(x)
  if (owner && isIntTy(owner) && (name === 'from' || name === 'try_from') && e.args.length === 1) {
    const v = cx.ev(e.args[0], st, null);
    if (v.t !== 'int') return name === 'from' ? declaredInt(owner) : { t: 'opt', inner: declaredInt(owner) };
    const m = I.meet(v.iv, I.ivOfTy(owner));
    const inner = m ? intVal(owner, m, { tainted: v.tainted, nz: v.nz }) : declaredInt(owner);
    return name === 'from' ? inner : { t: 'opt', inner };
  }
  // T::wrapping_mul(a, b) and friends, min/max as functions
  if (owner && isIntTy(owner) && name && e.args.length >= 1) {
    const [a, ...rest] = e.args;
    return intMethod(cx, e, a, name, rest, st, owner);
  }
  if (name && (name === 'min' || name === 'max') && e.args.length === 2 && (!owner || owner === 'cmp')) {
    const a = cx.ev(e.args[0], st, expect);
    const b = cx.ev(e.args[1], st, a.t === 'int' ? (a.ty ?? expect) : expect);
    if (a.t !== 'int' || b.t !== 'int') return UNKNOWN;
    return intVal(a.ty ?? b.ty, name === 'min' ? I.imin(a.iv, b.iv) : I.imax(a.iv, b.iv), { tainted: a.tainted || b.tainted });
  }
  if (name === 'Some' || name === 'Ok') {
    const v = e.args[0] ? cx.ev(e.args[0], st, expect) : UNKNOWN;
    return { t: 'opt', inner: v };
  }
  const local = name && !owner && cx.inlineDepth === 0 && cx.currentFn ? localFns(cx.currentFn).get(name) : undefined;
  if (local && !cx.activeLocals.has(local)) return callLocal(cx, e, local, st);
  const fn = name && (!owner || owner === 'self' || owner === 'Self' || owner === 'crate' || owner === 'super' || /^[a-z_][a-z0-9_]*$/.test(owner)) ? cx.program.fns.get(name) : undefined;
  if (fn) {
    const args = e.args.map((a, i) => {
      const pt = fn.item.params[i]?.ty ?? null;
      return cx.ev(a, st, tyOf(pt), pt);
    });
    if (cx.quiet === 0 && cx.inlineDepth === 0) {
      // `rescale(acc, 12)`: the shift happens in the helper, the amount is this argument
      for (const k of shiftParams(fn.item)) {
        const a = args[k];
        const an = e.args[k];
        if (a?.t !== 'int' || !an) continue;
        const prev = cx.shifts.get(an.id);
        cx.shifts.set(an.id, { node: an, op: '>>', amount: prev ? I.join(prev.amount, a.iv) : a.iv, literalLeft: false, amountNode: an });
      }
    }
    // `lane_lo(a)` / `lane_hi(a)` of a two-lane accumulator whose lanes both fit i32: each lane exactly
    // (the lanes cannot carry into each other); otherwise the body runs and its shifts are checked
    if (fn.trusted && (name === 'lane_lo' || name === 'lane_hi')) {
      const a = args[0];
      const fits = (x: Interval) => x.lo >= -(1n << 31n) && x.hi < 1n << 31n;
      if (a?.t === 'int' && a.pair && !a.tainted && fits(a.pair[0]) && fits(a.pair[1])) return intVal('i64', name === 'lane_lo' ? a.pair[0] : a.pair[1]);
    }
    const share = fn.trusted && name === 'div_round' ? shareOfSum(cx, e, st) : null;
    const d = args[1];
    if (share?.floor !== undefined && d?.t === 'int') {
      const m = I.meet(d.iv, { lo: share.floor, hi: d.iv.hi });
      if (m) args[1] = { ...d, iv: m, nz: m.lo > 0n || d.nz };
    }
    const out = callFn(cx, e, fn, args);
    if (share?.result && out.t === 'int') {
      const m = I.meet(out.iv, share.result);
      if (m) return { ...out, iv: m };
    }
    return out;
  }
  // an unknown function: a literal argument's type is its parameter's, unknown here (not i32)
  for (const a of e.args) {
    if (flexible(a)) cx.quiet++;
    try {
      cx.ev(a, st, null);
    } finally {
      if (flexible(a)) cx.quiet--;
    }
  }
  return UNKNOWN;
}

/**
 * `div_round(A[j] << k, D)` after D summed A (ratios.ts): |A[j]| <= D, so the quotient, rounded half up,
 * is in [-2^k, 2^k] ([0, 2^k] when D summed A's elements and they are >= 0). A zero D is div_round's own
 * precondition, checked inside it, with D's floor when ratios.ts knows one (softmax).
 */
function shareOfSum(cx: Interp, e: Extract<Expr, { k: 'call' }>, st: State): { result: Interval | null; floor?: bigint } | null {
  const fn = cx.currentFn;
  if (!fn || cx.inlineDepth > 0 || e.args.length !== 2) return null;
  const num = unparen(e.args[0]);
  const den = unparen(e.args[1]);
  if (num.k !== 'binary' || num.op !== '<<' || den.k !== 'path' || den.segs.length !== 1) return null;
  const fact = sumFacts(fn).get(den.segs[0]);
  const x = unparen(num.left);
  if (!fact || e.s < fact.after || x.k !== 'index' || unparen(x.base).k !== 'path' || lvalueRoot(x) !== fact.arr) return null;
  cx.quiet++;
  let k: Val;
  try {
    k = cx.ev(num.right, st, null);
  } finally {
    cx.quiet--;
  }
  if (k.t !== 'int' || !I.isSingleton(k.iv) || k.iv.lo < 0n || k.iv.lo > 62n) return null;
  const one = 1n << k.iv.lo;
  if (fact.abs) return { result: { lo: -one, hi: one }, floor: fact.floor };
  const a = st.vars.get(fact.arr)?.val;
  return { result: a?.t === 'arr' && a.elem.t === 'int' && a.elem.iv.lo >= 0n ? { lo: 0n, hi: one } : null, floor: fact.floor };
}

/**
 * A function too large ever to be inlined (its syntactic lower bound is past the limit): a caller's
 * analysis sees only its signature, so the caller's cache key need not cover what it reaches.
 */
export function neverInlined(fn: FnEntry): boolean {
  return !!fn.item.body && estimateLowerBound(fn.item.body) > INLINE_LIMIT;
}

/** Calls a function of the program: inlined with the argument values when small, else its declared result. */
export function callFn(cx: Interp, e: Expr, fn: FnEntry, args: Val[]): Val {
  const declaredRet = cx.declared(fn.item.ret);
  let out: Val = declaredRet;
  // inline small helpers (rescale, saturate, activations); a whole layer called from `predict` is not
  // re-run here: its own analysis covers it, and the caller sees its declared result type
  const limit = Math.min(INLINE_LIMIT, cx.budget - cx.steps);
  if (fn.item.body && cx.inlineDepth < 3 && fn.item.params.length === args.length && estimateLowerBound(fn.item.body) <= limit && estimate(cx, fn.item.body) <= limit) {
    const savedText = cx.text;
    const savedLoops = cx.loops;
    const savedRedirect = cx.redirect;
    // a trusted runtime function called from reporting code: run its body with the rules on, and
    // report what fires at this call (`rescale(acc, 0)` overflows inside rescale)
    const redirect = !!fn.trusted && cx.quiet === 0 && !cx.redirect && cx.inlineDepth === 0;
    // a pure runtime function (integers in, an integer out) at these arguments before: its result, and
    // the steps it took (rescale and sat_i16 of each lane of a layer, again after an edit elsewhere)
    const memoKey = pureCallKey(cx, fn, args, redirect);
    const memo = memoKey ? pureCalls.get(memoKey) : undefined;
    if (memo) {
      // most recently used last: the memo drops what no analysis has asked for longest
      pureCalls.delete(memoKey!);
      pureCalls.set(memoKey!, memo);
      cx.steps += memo.steps;
      if (cx.steps > cx.budget) throw new BudgetExceeded();
      return afterCall(cx, e, fn, args, memo.out);
    }
    const steps0 = cx.steps;
    cx.text = fn.text;
    cx.loops = [];
    if (redirect) cx.redirect = { hits: new Map() };
    else cx.quiet++;
    cx.inlineDepth++;
    let innerHits = 0;
    try {
      const st = new State();
      fn.item.params.forEach((p, i) => cx.bindPat(p.pat, cx.conform(args[i], p.ty), st, tyOf(p.ty)));
      const frame: FnFrame = { returns: [], ret: fn.item.ret };
      cx.fnStack.push(frame);
      const retTy = fn.item.ret?.k === 'int' ? fn.item.ret.ty : null;
      const v = cx.ev(fn.item.body, st, retTy);
      cx.fnStack.pop();
      let r: Val | null = st.dead ? null : cx.conform(v, fn.item.ret);
      for (const x of frame.returns) r = r ? joinVal(r, x) : x;
      if (r) out = r;
    } finally {
      const inner = cx.redirect;
      if (redirect) cx.redirect = savedRedirect;
      else cx.quiet--;
      cx.inlineDepth--;
      cx.text = savedText;
      cx.loops = savedLoops;
      if (redirect && inner) {
        innerHits = inner.hits.size;
        reportAtCall(cx, e, fn, inner.hits);
      }
    }
    if (memoKey && innerHits === 0) remember(memoKey, out, cx.steps - steps0);
  }
  return afterCall(cx, e, fn, args, out);
}

/** What a call gives beyond the callee's body: a table function's documented result, a saturation site. */
function afterCall(cx: Interp, e: Expr, fn: FnEntry, args: Val[], result: Val): Val {
  let out = result;
  // table-driven runtime functions: their documented result (see runtime-results.ts) bounds what the body gives
  const doc = fn.trusted ? RUNTIME_RESULTS.get(fn.item.name) : undefined;
  const a0 = args[0];
  const pre =
    !doc?.nonNegativeArg ||
    (a0?.t === 'int' && a0.iv.lo >= 0n) ||
    (e.k === 'call' && e.args[0] !== undefined && cx.inlineDepth === 0 && cx.currentFn !== null && isMaxMinusElement(cx.currentFn, e.args[0]));
  if (doc && pre && fn.item.ret?.k === 'int') {
    const documented = doc.of && a0?.t === 'int' ? doc.of(a0.iv) : doc.result;
    const got = out.t === 'int' ? I.meet(out.iv, documented) : null;
    out = intVal(fn.item.ret.ty, got ?? documented, out.t === 'int' && out.tainted ? { tainted: out.tainted } : {});
  }
  if (SAT_HELPER.test(fn.item.name) && args[0]?.t === 'int' && out.t === 'int' && fn.item.ret?.k === 'int') {
    const bounds = I.ivOfTy(fn.item.ret.ty);
    cx.site({ kind: 'saturate', node: e, pre: args[0].iv, bounds, src: cx.text, arg: e.k === 'call' ? (e.args[0] ?? null) : null });
  }
  return out;
}

const pureCalls = new Map<string, { out: Val; steps: number }>();
/** a few analyses' worth of a large model's calls (two per lane of each layer); each entry ~200 bytes */
const PURE_CALLS_MAX = 8_192;

function remember(key: string, out: Val, steps: number): void {
  if (pureCalls.size >= PURE_CALLS_MAX) pureCalls.delete(pureCalls.keys().next().value!);
  pureCalls.set(key, { out, steps });
}

/**
 * The memo key of a call of a trusted runtime function whose parameters and result are integers (it can
 * touch nothing but its result, and hits reported at the call): what the callee can reach, how it is run
 * (rules on or quiet, inlining depth) and the arguments. Null for any other call.
 */
function pureCallKey(cx: Interp, fn: FnEntry, args: Val[], redirect: boolean): string | null {
  if (!fn.trusted || !cx.program.reachKey || fn.item.ret?.k !== 'int' || !fn.item.params.every((p) => p.ty.k === 'int')) return null;
  let k = `${fn.item.name}|${cx.program.reachKey(fn.item.name)}|${redirect ? 'r' : 'q'}${cx.inlineDepth}`;
  for (const a of args) {
    if (a.t !== 'int') return null;
    k += `|${a.ty}:${a.iv.lo}:${a.iv.hi}:${a.tainted ? 't' : ''}${a.nz ? 'n' : ''}${a.declared ? 'd' : ''}`;
  }
  return k;
}

/** Hits inside a trusted callee, reported at the call with the callee's message. */
function reportAtCall(cx: Interp, callE: Expr, fn: FnEntry, inner: Map<string, Hit>): void {
  const callText = cx.text.slice(callE.s, callE.e).replace(/\s+/g, ' ');
  for (const h of inner.values()) {
    const innerRule = h.rule;
    const innerSite = h.site;
    const calleeText = fn.text;
    const rule: Rule = {
      ...innerRule,
      test: () => true,
      certain: () => h.certain,
      message: () => `in \`${callText.length > 50 ? `${callText.slice(0, 47)}...` : callText}\` (\`fn ${fn.item.name}\`): ${innerRule.message({ ...innerSite, src: calleeText } as never)}`,
      // the site is the call, not an operation of ours: no in-place rewrite applies
      fixes: undefined,
    };
    const site = { ...innerSite, node: callE, src: cx.text } as Site;
    const key = `${innerRule.code}:${callE.id}`;
    const prev = cx.hits.get(key);
    if (!prev) cx.hits.set(key, { rule, site, certain: h.certain });
    else prev.certain = prev.certain && h.certain;
  }
}

/**
 * A call of a function declared inside the one being analysed (the gas lowering splits a long
 * straight-line layer into `#[inline(never)] fn outputs_0_8(x, y)` helpers): evaluated in place, with the
 * rules on and facts recorded — its nodes are part of the unit being analysed — so the helper's work is
 * the layer's: a parameter bound to the caller's output array stores into that output, arrays passed by
 * `&mut` come back changed.
 */
function callLocal(cx: Interp, e: Extract<Expr, { k: 'call' }>, fn: FnItem, st: State): Val {
  const args = e.args.map((a, i) => {
    const pt = fn.params[i]?.ty ?? null;
    return cx.ev(a, st, tyOf(pt), pt);
  });
  if (!fn.body || fn.params.length !== args.length) return cx.declared(fn.ret);
  const inner = new State();
  const outputs = new Map<string, string>();
  const writeBack: [string, string][] = [];
  fn.params.forEach((p, i) => {
    cx.bindPat(p.pat, cx.conform(args[i], p.ty), inner, tyOf(p.ty));
    const root = argRoot(e.args[i]);
    if (p.pat.k !== 'ident' || !root) return;
    const out = cx.outputs.get(root);
    if (out) outputs.set(p.pat.name, out);
    // through a reference the helper's writes are the caller's (a shared reference cannot write: no change)
    if (p.ty.k === 'ref' && st.vars.has(root)) writeBack.push([p.pat.name, root]);
  });
  const saved = { outputs: cx.outputs, loops: cx.loops };
  cx.outputs = outputs;
  cx.loops = [];
  cx.activeLocals.add(fn);
  const frame: FnFrame = { returns: [], ret: fn.ret };
  cx.fnStack.push(frame);
  let r: Val | null;
  try {
    const v = cx.ev(fn.body, inner, fn.ret?.k === 'int' ? fn.ret.ty : null);
    r = inner.dead ? null : cx.conform(v, fn.ret);
    for (const x of frame.returns) r = r ? joinVal(r, x) : x;
  } finally {
    cx.fnStack.pop();
    cx.activeLocals.delete(fn);
    cx.outputs = saved.outputs;
    cx.loops = saved.loops;
  }
  for (const [param, root] of writeBack) {
    const after = inner.vars.get(param);
    const b = st.vars.get(root);
    if (after && b) st.vars.set(root, { ...b, val: after.val });
  }
  return r ?? cx.declared(fn.ret);
}

/** `y`, `&y`, `&mut y`: the variable an argument passes. */
function argRoot(a: Expr): string | null {
  let x = unparen(a);
  if (x.k === 'ref') x = unparen(x.arg);
  return x.k === 'path' && x.segs.length === 1 ? x.segs[0] : null;
}

const localFnCache = new WeakMap<FnItem, Map<string, FnItem>>();
/** Functions declared in blocks of a function's body, by name. */
function localFns(fn: FnItem): Map<string, FnItem> {
  const hit = localFnCache.get(fn);
  if (hit) return hit;
  const out = new Map<string, FnItem>();
  if (fn.body) {
    walkExpr(fn.body, (x) => {
      if (x.k !== 'block') return;
      for (const s of x.stmts) if (s.k === 'item' && s.item.k === 'fn') out.set(s.item.name, s.item);
    });
  }
  localFnCache.set(fn, out);
  return out;
}

const shiftParamCache = new WeakMap<FnItem, number[]>();
/** Indices of parameters a function uses as the amount of a right shift. */
function shiftParams(fn: FnItem): number[] {
  const hit = shiftParamCache.get(fn);
  if (hit) return hit;
  const names = new Map<string, number>();
  fn.params.forEach((p, i) => {
    if (p.pat.k === 'ident') names.set(p.pat.name, i);
  });
  const out = new Set<number>();
  if (fn.body) {
    walkExpr(fn.body, (x) => {
      let amt: Expr | null = null;
      if (x.k === 'binary' && x.op === '>>') amt = x.right;
      else if (x.k === 'assign' && x.op === '>>=') amt = x.right;
      else if (x.k === 'method' && /_shr$/.test(x.name)) amt = x.args[0] ?? null;
      const a = amt ? unparen(amt) : null;
      if (a && a.k === 'path' && a.segs.length === 1 && names.has(a.segs[0])) out.add(names.get(a.segs[0])!);
    });
  }
  const r = [...out];
  shiftParamCache.set(fn, r);
  return r;
}
