// Loops. A `for` with a known trip count is unrolled while the step budget lasts (exact per-element sums
// over const weight tables); otherwise it is summarised: accumulators (`acc += t`) get the closed form
// init + n·δ, other loop-carried variables are widened to their type. `while` and `loop` are always
// summarised.

import * as I from '../domain/interval';
import type { Interval } from '../domain/interval';
import { declaredInt, intVal, UNKNOWN, type IntVal, type IterVal, type Val } from '../domain/values';
import { childExprs, lvalueRoot, patNames, unparen, walkExpr, type Expr } from '../syntax/ast';
import { arrayIter } from './containers';
import type { Interp } from './context';
import { forInLanes } from './lanes';
import { adjacentSpan } from './ratios';
import { assignState, State, type LoopFrame } from './state';

export function forLoop(cx: Interp, e: Extract<Expr, { k: 'for' }>, st: State): void {
  const itv = cx.ev(e.iter, st, null);
  const it: IterVal | null = itv.t === 'iter' ? itv : itv.t === 'arr' ? arrayIter(itv) : null;
  if (!it) {
    summaryLoop(cx, e.body, st, null, (s) => cx.bindPat(e.pat, UNKNOWN, s, null));
    return;
  }
  const count = spanCount(cx, e, it.count);
  if (count && count.hi === 0n) return;
  if (cx.allowUnroll && count && I.isSingleton(count) && it.at && forInLanes(cx, e, st, it, count)) return;
  if (cx.allowUnroll && count && I.isSingleton(count) && it.at && cx.perValue > 0) {
    // inside a loop unrolled per value: this loop too while its body, summarised within, is small
    if (Number(count.lo) * perValueEstimate(cx, e.body) <= PER_VALUE_STEPS) unroll(cx, e, st, count, it.at);
    else summaryLoop(cx, e.body, st, count, (s) => cx.bindPat(e.pat, it.all, s, null));
    return;
  }
  const nest = hasLoop(e.body);
  const whole = count && I.isSingleton(count) ? Number(count.lo) * estimate(cx, e.body) : Infinity;
  if (cx.allowUnroll && count && I.isSingleton(count) && it.at && count.lo <= 65_536n && whole <= cx.budget - cx.steps && !(cx.perValueFirst && nest && whole > PER_VALUE_WHOLE)) {
    unroll(cx, e, st, count, it.at);
    return;
  }
  if (cx.allowUnroll && count && I.isSingleton(count) && it.at && count.lo <= PER_VALUE_TRIPS && nest && Number(count.lo) * perValueEstimate(cx, e.body) <= cx.budget - cx.steps) {
    cx.perValue++;
    try {
      unroll(cx, e, st, count, it.at);
    } finally {
      cx.perValue--;
    }
    return;
  }
  if (cx.allowUnroll && count && count.hi <= BOUNDED_UNROLL && Number(count.hi) * estimate(cx, e.body) <= cx.budget - cx.steps) {
    unrollBounded(cx, e, st, count, it.all);
    return;
  }
  summaryLoop(cx, e.body, st, count, (s) => cx.bindPat(e.pat, it.all, s, null));
}

/**
 * A loop too costly to unroll with its inner loops (a convolution's `for oc in 0..OC` over every output
 * position) is still unrolled per value of its variable when it runs at most this many times, its inner
 * loops unrolled while they cost at most PER_VALUE_STEPS each (`for c in 0..C` over a kernel's input
 * channels) and summarised past it (the output positions). The value of the variable is what selects a
 * weight table's row: summarising that loop instead would join the rows (every output channel's weights
 * at once), a bound far above the plan's, which proves each output channel with its own weights.
 */
const PER_VALUE_TRIPS = 1_024n;
const PER_VALUE_STEPS = 4_096;
/** On the second try (Interp.perValueFirst), loop nests up to this many steps are still unrolled whole (a padded copy). */
const PER_VALUE_WHOLE = 250_000;

/** Steps of a node that is no loop, each child counted by `child`: its let initialisers, its other children, and an inlined callee's body. */
function straightSteps(cx: Interp, e: Expr, child: (x: Expr) => number): number {
  let n = 0;
  const inits = e.k === 'block' ? letInits(e) : null;
  if (e.k === 'block') for (const st of e.stmts) if (st.k === 'let' && st.init) n += child(st.init);
  for (const c of childExprs(e)) if (!inits?.has(c)) n += child(c);
  if (e.k === 'call' && e.callee.k === 'path') {
    const f = cx.program.fns.get(e.callee.segs[e.callee.segs.length - 1]);
    if (f?.item.body && cx.inlineDepth < 3 && f.item.body !== e) n += Math.min(100_000, nodeCount(f.item.body));
  }
  return n;
}

/** Steps of `e` in a per-value unrolling: inner loops unrolled within PER_VALUE_STEPS, else twice (a summary's two passes). */
function perValueEstimate(cx: Interp, e: Expr): number {
  let memo = perValueEstimates.get(cx);
  if (!memo) perValueEstimates.set(cx, (memo = new WeakMap()));
  const hit = memo.get(e);
  if (hit !== undefined) return hit;
  let n = 1;
  if (e.k === 'for') {
    const body = perValueEstimate(cx, e.body);
    const trips = guessTrips(cx, e.iter);
    n += estimate(cx, e.iter) + (trips * body <= PER_VALUE_STEPS ? trips * body : 2 * body);
  } else if (e.k === 'while' || e.k === 'loop') {
    n += 2 * perValueEstimate(cx, e.body);
  } else n += straightSteps(cx, e, (x) => perValueEstimate(cx, x));
  memo.set(e, n);
  return n;
}
const perValueEstimates = new WeakMap<Interp, WeakMap<Expr, number>>();

const loopInside = new WeakMap<Expr, boolean>();
function hasLoop(e: Expr): boolean {
  let found = loopInside.get(e);
  if (found === undefined) {
    found = false;
    walkExpr(e, (x) => {
      if (x.k === 'for' || x.k === 'while' || x.k === 'loop') found = true;
    });
    loopInside.set(e, found);
  }
  return found;
}

/** Loops that run a few times, how many unknown, are unrolled that many times (the state joined over the counts). */
const BOUNDED_UNROLL = 16n;

/**
 * Between count.lo and count.hi iterations, each with the join of the elements bound (`k in k0..k1` with
 * k0, k1 unknown): the state after c iterations is covered by the c-th pass, whatever c is.
 */
function unrollBounded(cx: Interp, e: Extract<Expr, { k: 'for' }>, st: State, count: Interval, all: Val): void {
  const n = Number(count.hi);
  const names = patNames(e.pat);
  const frame: LoopFrame = { count, breaks: [], continues: [] };
  const exits: State[] = count.lo === 0n ? [st.copy()] : [];
  cx.loops.push(frame);
  try {
    for (let k = 1; k <= n; k++) {
      const shadow = names.map((nm) => [nm, st.vars.get(nm)] as const);
      cx.bindPat(e.pat, all, st, null);
      cx.ev(e.body, st, null);
      for (const [nm, prev] of shadow) {
        if (prev) st.vars.set(nm, prev);
        else st.vars.delete(nm);
      }
      for (const c of frame.continues) assignState(st, State.join(st, c));
      frame.continues = [];
      if (st.dead) break;
      if (BigInt(k) >= count.lo) exits.push(st.copy());
    }
  } finally {
    cx.loops.pop();
  }
  let out = exits.length ? exits[0] : st;
  for (const x of exits.slice(1)) out = State.join(out, x);
  for (const b of frame.breaks) out = State.join(out, b);
  assignState(st, out);
}

/**
 * The trip count of `for k in K0..K1` over adjacent entries of a const table (ratios.ts adjacentSpan): the
 * least and greatest difference of adjacent entries, met with what the two ranges give.
 */
function spanCount(cx: Interp, e: Extract<Expr, { k: 'for' }>, count: Interval | null): Interval | null {
  if (!cx.currentFn || cx.inlineDepth > 0) return count;
  const span = adjacentSpan(cx.currentFn, e.iter);
  const table = span ? cx.program.consts.get(span.table)?.value : undefined;
  if (!table || table.t !== 'arr' || !table.elems || table.elems.length < 2 || !table.elems.every((x) => x.t === 'int' && I.isSingleton(x.iv))) return count;
  let lo: bigint | null = null;
  let hi: bigint | null = null;
  for (let i = 0; i + 1 < table.elems.length; i++) {
    const d = (table.elems[i + 1] as IntVal).iv.lo - (table.elems[i] as IntVal).iv.lo;
    if (lo === null || d < lo) lo = d;
    if (hi === null || d > hi) hi = d;
  }
  if (lo === null || hi === null) return count;
  const c = { lo: lo < 0n ? 0n : lo, hi: hi < 0n ? 0n : hi };
  return count ? (I.meet(count, c) ?? c) : c;
}

/** Every iteration in turn, with the element of that iteration bound. */
function unroll(cx: Interp, e: Extract<Expr, { k: 'for' }>, st: State, count: Interval, at: (k: number) => Val): void {
  const n = Number(count.lo);
  const names = patNames(e.pat);
  const frame: LoopFrame = { count, breaks: [], continues: [] };
  cx.loops.push(frame);
  try {
    for (let k = 0; k < n; k++) {
      const shadow = names.map((nm) => [nm, st.vars.get(nm)] as const);
      cx.bindPat(e.pat, at(k), st, null);
      cx.ev(e.body, st, null);
      for (const [nm, prev] of shadow) {
        if (prev) st.vars.set(nm, prev);
        else st.vars.delete(nm);
      }
      for (const c of frame.continues) assignState(st, State.join(st, c));
      frame.continues = [];
      if (st.dead) break;
    }
  } finally {
    cx.loops.pop();
  }
  let out = st;
  for (const b of frame.breaks) out = State.join(out, b);
  assignState(st, out);
  st.dead = frame.breaks.length === 0 ? st.dead : false;
}

/** Steps one evaluation of `e` takes, counting nested loops by their (guessed) trip counts. */
export function estimate(cx: Interp, e: Expr): number {
  const hit = cx.estimates.get(e);
  if (hit !== undefined) return hit;
  let n = 1;
  if (e.k === 'for') {
    n += estimate(cx, e.iter) + guessTrips(cx, e.iter) * estimate(cx, e.body);
  } else if (e.k === 'while' || e.k === 'loop') {
    n += 2 * estimate(cx, e.body);
  } else n += straightSteps(cx, e, (x) => estimate(cx, x));
  cx.estimates.set(e, n);
  return n;
}

const lowerBounds = new WeakMap<Expr, number>();
/**
 * A lower bound of `estimate` that needs no state: loops count their trips only when the iterator is a
 * literal range (`0..64`), calls count nothing. It depends on the syntax alone, so it is cached across
 * analyses: a caller re-analysed after an edit elsewhere (`infer` calling a 50k-MAC layer) learns that the
 * callee is too large to inline without walking its body again.
 */
export function estimateLowerBound(e: Expr): number {
  const hit = lowerBounds.get(e);
  if (hit !== undefined) return hit;
  let n = 1;
  if (e.k === 'for') {
    const it = unparen(e.iter);
    const lit = (x: Expr) => (x.k === 'int' ? Number(x.value) : null);
    const a = it.k === 'range' && it.from ? lit(unparen(it.from)) : null;
    const b = it.k === 'range' && it.to ? lit(unparen(it.to)) : null;
    const trips = it.k === 'range' && a !== null && b !== null ? Math.max(0, b - a + (it.inclusive ? 1 : 0)) : 0;
    n += estimateLowerBound(e.iter) + trips * estimateLowerBound(e.body);
  } else if (e.k === 'while' || e.k === 'loop') n += estimateLowerBound(e.body);
  else for (const c of childExprs(e)) n += estimateLowerBound(c);
  lowerBounds.set(e, n);
  return n;
}

/** Node count of a callee body, without recursing into its calls. */
function nodeCount(e: Expr): number {
  let n = 0;
  walkExpr(e, () => n++);
  return n;
}

function guessTrips(cx: Interp, iter: Expr): number {
  cx.quiet++;
  const savedSteps = cx.steps;
  try {
    const v = cx.ev(iter, new State(), null);
    const it = v.t === 'iter' ? v : v.t === 'arr' ? arrayIter(v) : null;
    if (it?.count) return Number(it.count.hi > 1_000_000n ? 1_000_000n : it.count.hi);
    return 16;
  } catch {
    return 16;
  } finally {
    cx.steps = savedSteps;
    cx.quiet--;
  }
}

export function unboundedLoop(cx: Interp, e: Extract<Expr, { k: 'while' | 'loop' }>, st: State): void {
  summaryLoop(cx, e.body, st, null, () => {}, e.k === 'while' ? e.cond : null);
}

/**
 * A loop evaluated without unrolling. Accumulators (every assignment is `v += e` / `v = v ± e` with e
 * free of v) take the closed form init + k·δ (δ measured by a first, quiet pass from v = 0); other
 * loop-carried variables are widened to their type. The second pass records facts and sites.
 */
export function summaryLoop(cx: Interp, body: Expr, st: State, count: Interval | null, bind: (s: State) => void, cond: Expr | null = null): void {
  const { accs, others } = loopCarried(body, st);
  const widen = (s: State, names: Iterable<string>, taint: boolean) => {
    for (const n of names) {
      const b = s.vars.get(n);
      if (!b) continue;
      if (b.val.t === 'int') {
        const ty = b.ty ?? b.val.ty;
        s.vars.set(n, { ...b, val: ty ? { ...declaredInt(ty), tainted: taint || b.val.tainted } : UNKNOWN });
      } else if (b.val.t === 'arr') {
        s.vars.set(n, { ...b, val: { ...b.val, elems: null, elem: widenVal(b.val.elem) } });
      } else s.vars.set(n, { ...b, val: UNKNOWN });
    }
  };
  // pass 1 (quiet): δ per accumulator, and whether other variables settle
  const deltas = new Map<string, Interval>();
  const p1 = st.copy();
  for (const n of accs) {
    const b = p1.vars.get(n)!;
    const ty = b.ty ?? (b.val.t === 'int' ? b.val.ty : null);
    p1.vars.set(n, { ...b, val: intVal(ty, I.iv(0n)) });
  }
  widen(p1, others, count === null);
  // one evaluation of the body from state p (condition refined true, loop variable bound)
  const pass = (p: State, quiet: boolean): LoopFrame => {
    const frame: LoopFrame = { count, breaks: [], continues: [] };
    if (quiet) cx.quiet++;
    cx.loops.push(frame);
    try {
      if (cond) {
        cx.ev(cond, p, null);
        cx.refine(cond, p, true);
      }
      bind(p);
      cx.ev(body, p, null);
    } finally {
      cx.loops.pop();
      if (quiet) cx.quiet--;
    }
    return frame;
  };
  const frame1 = pass(p1, true);
  let end1 = p1;
  for (const c of frame1.continues) end1 = State.join(end1, c);
  for (const n of accs) {
    const v = end1.dead ? null : end1.vars.get(n)?.val;
    deltas.set(n, v && v.t === 'int' ? (v.tainted ? I.iv(0n) : v.iv) : I.iv(0n));
  }
  // pass 2 (recording): accumulators at the hull of their entry values over all iterations
  const p2 = st.copy();
  const exitVals = new Map<string, Val>();
  for (const n of accs) {
    const b = p2.vars.get(n)!;
    const init = b.val;
    const d = deltas.get(n)!;
    const ty = b.ty ?? (init.t === 'int' ? init.ty : null);
    if (init.t !== 'int' || !count) {
      const wide: Val = ty ? { ...declaredInt(ty), tainted: true } : UNKNOWN;
      p2.vars.set(n, { ...b, val: wide });
      exitVals.set(n, wide);
      continue;
    }
    const nMax = count.hi;
    const before = nMax > 0n ? nMax - 1n : 0n;
    const entry = I.add(init.iv, I.iv(min(0n, before * d.lo), max(0n, before * d.hi)));
    const exit = I.add(init.iv, I.iv(min(count.lo * d.lo, nMax * d.lo), max(count.lo * d.hi, nMax * d.hi)));
    const fits = ty ? I.fitsTy(entry, ty) : true;
    p2.vars.set(n, { ...b, val: fits ? intVal(ty, entry, { tainted: init.tainted }) : { ...declaredInt(ty!), tainted: true } });
    exitVals.set(n, ty && !I.fitsTy(exit, ty) ? { ...declaredInt(ty), tainted: true } : intVal(ty, exit, { tainted: init.tainted }));
  }
  widen(p2, others, count === null);
  const frame2 = pass(p2, false);
  // after the loop: accumulators at their exit values; others as widened (or unchanged if never run)
  let out = p2;
  for (const c of frame2.continues) out = State.join(out, c);
  for (const b of frame2.breaks) out = State.join(out, b);
  out = out.copy();
  out.dead = false;
  for (const [n, v] of exitVals) {
    const b = out.vars.get(n);
    if (b) out.vars.set(n, { ...b, val: v });
  }
  if (!count || count.lo === 0n) out = State.join(out, st);
  if (cond) cx.refine(cond, out, false);
  // keep bindings that existed before the loop
  for (const [k] of st.vars) {
    const nb = out.vars.get(k);
    if (nb) st.vars.set(k, nb);
  }
  if (cond === null && count === null && frame2.breaks.length === 0 && !hasBreak(body)) {
    // `loop {}` without break never finishes normally
    st.dead = true;
  }
}

/** Variables of `st` assigned in a loop body, split into accumulators and the rest. */
function loopCarried(body: Expr, st: State): { accs: string[]; others: string[] } {
  const assigned = new Map<string, boolean>();
  const declaredInside = new Set<string>();
  const visit = (x: Expr) => {
    if (x.k === 'block') {
      for (const s of x.stmts) if (s.k === 'let') for (const n of patNames(s.pat)) declaredInside.add(n);
    }
    if (x.k === 'assign') {
      const root = lvalueRoot(x.left);
      if (!root || !st.vars.has(root)) return;
      const l = unparen(x.left);
      let isAcc = false;
      if (l.k === 'path') {
        if ((x.op === '+=' || x.op === '-=') && !mentions(x.right, root)) isAcc = true;
        if (x.op === '=') {
          const r = unparen(x.right);
          if (r.k === 'binary' && (r.op === '+' || r.op === '-')) {
            const rl = unparen(r.left);
            if (rl.k === 'path' && rl.segs.length === 1 && rl.segs[0] === root && !mentions(r.right, root)) isAcc = true;
          }
        }
      }
      assigned.set(root, (assigned.get(root) ?? true) && isAcc);
    }
  };
  walkExpr(body, visit);
  const accs: string[] = [];
  const others: string[] = [];
  for (const [n, isAcc] of assigned) {
    if (declaredInside.has(n) && !st.vars.has(n)) continue;
    const b = st.vars.get(n);
    if (isAcc && b && b.val.t === 'int') accs.push(n);
    else others.push(n);
  }
  return { accs, others };
}

function widenVal(v: Val): Val {
  if (v.t === 'int') return v.ty ? declaredInt(v.ty) : UNKNOWN;
  // an array of arrays (a padded copy `xp[c][h][w]`) keeps its shape and element type
  if (v.t === 'arr') return { t: 'arr', elem: widenVal(v.elem), elems: null, len: v.len };
  return UNKNOWN;
}

/** The initialisers (and else blocks) of a block's lets. */
function letInits(b: Extract<Expr, { k: 'block' }>): Set<Expr> {
  const out = new Set<Expr>();
  for (const st of b.stmts) {
    if (st.k !== 'let') continue;
    if (st.init) out.add(st.init);
    if (st.else) out.add(st.else);
  }
  return out;
}

function hasBreak(body: Expr): boolean {
  let found = false;
  walkExpr(body, (x) => {
    if (x.k === 'break' || x.k === 'return') found = true;
  });
  return found;
}

function mentions(e: Expr, name: string): boolean {
  let found = false;
  walkExpr(e, (x) => {
    if (x.k === 'path' && x.segs.length === 1 && x.segs[0] === name) found = true;
  });
  return found;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);
