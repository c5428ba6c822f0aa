// The interval analysis: an abstract interpreter over the AST of one function at a time.
//
// Values are intervals over mathematical integers with a Rust type. Loops with a known trip count are
// unrolled while a step budget lasts (exact per-element sums over const weight tables), otherwise
// summarised: accumulators (`acc += t`) get the closed form init + n·δ, other loop-carried variables are
// widened to their type. Rule sites are reported to the rules once per visit and joined per node.

import type { Expr, Item, Pat, Stmt, TypeRef } from './ast';
import { childExprs, walkExpr } from './ast';
import * as I from './interval';
import { type Interval } from './interval';
import { isIntTy, tyInfo, type IntTy } from './inttypes';
import type { ArithOp, ArithSite, Hit, Rule, SaturateSite, Site } from './sites';
import { isMaxMinusElement, sumFacts } from './ratios';
import { RUNTIME_RESULTS } from './runtime-results';
import { arrOf, BOOL, declaredInt, intVal, joinVal, RangeIndex, UNKNOWN, type ArrVal, type IntVal, type IterVal, type Val } from './values';

export type FnItem = Extract<Item, { k: 'fn' }>;
export type ConstItem = Extract<Item, { k: 'const' }>;

/** Names visible to the function being analysed: file-level consts and functions (and the crate's). */
export interface Program {
  consts: Map<string, ConstEntry>;
  fns: Map<string, FnEntry>;
}
export interface ConstEntry {
  item: ConstItem;
  /** the source text of the item (for operand names in messages) */
  text: string;
  value?: Val;
  evaluating?: boolean;
}
export interface FnEntry {
  item: FnItem;
  text: string;
  /**
   * from the stylus-ml runtime (fixed.rs): its preconditions are documented, not asserted, so its own
   * body is not checked with unbounded parameters; problems inside it are reported at the call site,
   * with the argument values the caller passes
   */
  trusted?: boolean;
}

/** Joined integer values per node id (for hovers): updated in place, no allocation per visit. */
export class Facts {
  private readonly lo: bigint[] = [];
  private readonly hi: bigint[] = [];
  private readonly ty: (IntTy | null)[] = [];
  private readonly tainted: boolean[] = [];
  /** node ids whose value is an array: the entry is the join of its elements */
  readonly arrays = new Set<number>();

  join(id: number, v: IntVal): void {
    const lo = this.lo[id];
    if (lo === undefined) {
      this.lo[id] = v.iv.lo;
      this.hi[id] = v.iv.hi;
      this.ty[id] = v.ty;
      this.tainted[id] = !!v.tainted;
      return;
    }
    if (v.iv.lo < lo) this.lo[id] = v.iv.lo;
    if (v.iv.hi > this.hi[id]) this.hi[id] = v.iv.hi;
    if (this.ty[id] === null) this.ty[id] = v.ty;
    if (v.tainted) this.tainted[id] = true;
  }

  get(id: number): IntVal | undefined {
    const lo = this.lo[id];
    if (lo === undefined) return undefined;
    const out: IntVal = { t: 'int', ty: this.ty[id], iv: { lo, hi: this.hi[id] } };
    if (this.tainted[id]) out.tainted = true;
    return out;
  }

  has(id: number): boolean {
    return this.lo[id] !== undefined;
  }
}

export interface FnAnalysis {
  hits: Hit[];
  facts: Facts;
  /** saturation points seen (for the manifest check), joined per node */
  saturations: SaturateSite[];
  /** every shift evaluated, with its amount joined over visits (the manifest check compares rescales) */
  shifts: ShiftFact[];
  /** values written into parameter arrays (`y[n] = ...` for a `y: &mut [T; n]` output), joined */
  stored: Map<string, IntVal>;
  /** the same per element index, when every store to that parameter had a known index (else null) */
  storedAt?: Map<string, Map<number, IntVal> | null>;
  /** joined value of the function's result */
  result: Val;
  /** true when the step budget forced loop summaries instead of unrolling */
  summarised: boolean;
}

export interface ShiftFact {
  node: Expr;
  op: '<<' | '>>';
  amount: Interval;
  /** the shifted value is a literal (a rounding term like `1 << (s - 1)`) */
  literalLeft: boolean;
  /** the expression giving the amount (an argument, when the shift happens in a called helper) */
  amountNode: Expr;
}

export interface EvalOptions {
  /** evaluation steps before loops stop being unrolled (per function) */
  budget?: number;
  /** parameter values to use instead of the declared types' ranges (the manifest's proven inputs) */
  seeds?: Map<string, Val>;
}

class BudgetExceeded extends Error {}

interface Binding {
  val: Val;
  /** declared or inferred integer type; null until inferred */
  ty: IntTy | null;
  /** declared (or inferred) array element type */
  declId: number;
  /** loop nesting depth at the declaration */
  depth: number;
}

class State {
  vars: Map<string, Binding>;
  dead = false;
  /** bumped whenever the state is copied: arrays it owned become shared (copy on write) */
  epoch = 0;
  constructor(vars?: Map<string, Binding>) {
    this.vars = vars ?? new Map();
  }
  copy(): State {
    this.epoch++;
    const s = new State(new Map(this.vars));
    s.dead = this.dead;
    return s;
  }
  static join(a: State, b: State): State {
    if (a.dead) return b.copy();
    if (b.dead) return a.copy();
    const out = new State();
    for (const [k, va] of a.vars) {
      const vb = b.vars.get(k);
      if (!vb) continue;
      out.vars.set(k, va === vb ? va : { ...va, val: joinVal(va.val, vb.val), ty: va.ty ?? vb.ty });
    }
    return out;
  }
}

interface LoopFrame {
  count: Interval | null;
  breaks: State[];
  continues: State[];
}

interface FnFrame {
  returns: Val[];
  ret: TypeRef | null;
}

/** evaluation steps a called function may take to be inlined */
const INLINE_LIMIT = 20_000;

const SAT_HELPER = /^(sat|saturate|saturating)(_|$)|_sat$|^narrow_sat|^clamp_to_/;

export class Evaluator {
  private steps = 0;
  private budget: number;
  private allowUnroll = true;
  /** >0 while evaluating passes whose results are discarded (loop summaries' first pass, inlined calls) */
  private quiet = 0;
  private loops: LoopFrame[] = [];
  private fnStack: FnFrame[] = [];
  private hits = new Map<string, Hit>();
  private sats = new Map<number, SaturateSite>();
  private shifts = new Map<number, ShiftFact>();
  private stored = new Map<string, IntVal>();
  private storedAt = new Map<string, Map<number, IntVal> | null>();
  private paramNames = new Set<string>();
  private facts = new Facts();
  /** while evaluating the right side of `x = x + e` inside a loop */
  private accTarget: string | null = null;
  private inlineDepth = 0;
  /** collects rule hits inside a trusted callee (see FnEntry.trusted) */
  private redirect: { hits: Map<string, Hit> } | null = null;
  private summarised = false;
  /** the function analyzeFn is analysing (for its syntactic facts, ratios.ts) */
  private currentFn: FnItem | null = null;

  constructor(
    private readonly program: Program,
    private readonly rules: Rule[],
    /** the text of the item being analysed (node offsets are relative to it) */
    private text: string,
    opts: EvalOptions = {},
  ) {
    this.budget = opts.budget ?? 400_000;
    this.seeds = opts.seeds ?? null;
  }
  private seeds: Map<string, Val> | null;

  // ---------------------------------------------------------------- entry points

  analyzeFn(fn: FnItem): FnAnalysis {
    this.currentFn = fn;
    const run = () => {
      this.reset();
      const st = new State();
      this.paramNames = new Set(fn.params.flatMap((p) => patNames(p.pat)));
      this.bindParams(fn, st, this.seeds);
      const frame: FnFrame = { returns: [], ret: fn.ret };
      this.fnStack.push(frame);
      let result: Val = UNKNOWN;
      if (fn.body) {
        const retTy = fn.ret?.k === 'int' ? fn.ret.ty : null;
        const v = this.ev(fn.body, st, retTy);
        result = st.dead ? UNKNOWN : this.conform(v, fn.ret);
        for (const r of frame.returns) result = result.t === 'unknown' && st.dead ? r : joinVal(result, r);
      }
      this.fnStack.pop();
      return result;
    };
    let result: Val;
    try {
      result = run();
    } catch (e) {
      if (!(e instanceof BudgetExceeded)) throw e;
      this.allowUnroll = false;
      this.summarised = true;
      this.budget = Number.MAX_SAFE_INTEGER;
      result = run();
    }
    return { hits: [...this.hits.values()], facts: this.facts, saturations: [...this.sats.values()], shifts: [...this.shifts.values()], stored: this.stored, storedAt: this.storedAt, result, summarised: this.summarised };
  }

  /** Analyses a const/static item's initialiser (for its own diagnostics and hovers). */
  analyzeConst(c: ConstItem): FnAnalysis {
    this.reset();
    let result: Val = UNKNOWN;
    if (c.value) result = this.conform(this.ev(c.value, new State(), c.ty.k === 'int' ? c.ty.ty : null, c.ty), c.ty);
    return { hits: [...this.hits.values()], facts: this.facts, saturations: [], shifts: [], stored: new Map(), result, summarised: false };
  }

  private reset() {
    this.steps = 0;
    this.hits.clear();
    this.sats.clear();
    this.shifts.clear();
    this.stored = new Map();
    this.storedAt = new Map();
    this.facts = new Facts();
    this.loops = [];
    this.fnStack = [];
  }

  // ---------------------------------------------------------------- helpers

  private record(e: { id: number }, v0: Val): void {
    if (this.quiet > 0 || this.inlineDepth > 0) return;
    let v = v0;
    if (v.t === 'arr') {
      // arrays (also nested tables) are shown by the join of their integer elements
      while (v.t === 'arr') v = v.elem;
      if (v.t === 'int') this.facts.arrays.add(e.id);
    }
    if (v.t !== 'int') return;
    this.facts.join(e.id, v);
  }

  /** Reports a site to the rules; returns true when a rule fired (the result is then tainted). */
  private site(s: Site): boolean {
    if (this.quiet > 0) return false;
    let fired = false;
    for (const r of this.rules) {
      if (r.kind !== s.kind) continue;
      if (!r.test(s as never)) continue;
      fired = true;
      if (this.redirect) {
        // inside a trusted runtime function: collected, then reported at the call
        const key = `${r.code}:${s.node.id}`;
        const prev = this.redirect.hits.get(key);
        if (!prev) this.redirect.hits.set(key, { rule: r, site: s, certain: r.certain(s as never) });
        else prev.site = mergeSite(prev.site, s);
        continue;
      }
      const key = `${r.code}:${s.node.id}`;
      const prev = this.hits.get(key);
      const certain = r.certain(s as never);
      if (!prev) this.hits.set(key, { rule: r, site: s, certain });
      else {
        prev.site = mergeSite(prev.site, s);
        prev.certain = prev.certain && certain;
      }
    }
    if (s.kind === 'saturate' && this.inlineDepth === 0) {
      const prev = this.sats.get(s.node.id);
      this.sats.set(s.node.id, prev ? (mergeSite(prev, s) as SaturateSite) : s);
    }
    return fired;
  }

  private tick(): void {
    if (++this.steps > this.budget) throw new BudgetExceeded();
  }

  /** Value a declared type gives when nothing else is known. */
  private declared(ty: TypeRef | null): Val {
    if (!ty) return UNKNOWN;
    switch (ty.k) {
      case 'int':
        return declaredInt(ty.ty);
      case 'ref':
        return this.declared(ty.inner);
      case 'array': {
        const len = this.arrayLen(ty);
        return { t: 'arr', elem: this.declared(ty.elem), elems: null, len };
      }
      default:
        return UNKNOWN;
    }
  }

  private arrayLen(ty: Extract<TypeRef, { k: 'array' }>): number | null {
    if (!ty.len) return null;
    this.quiet++;
    const v = this.ev(ty.len, new State(), 'usize');
    this.quiet--;
    return v.t === 'int' && I.isSingleton(v.iv) && v.iv.lo <= 1_000_000n ? Number(v.iv.lo) : null;
  }

  /** Gives a value the declared type (flexible literals settle; out-of-range values wrap to the range). */
  private conform(v: Val, ty: TypeRef | null): Val {
    if (!ty) return v;
    if (ty.k === 'ref') return this.conform(v, ty.inner);
    if (ty.k === 'int') {
      if (v.t !== 'int') return declaredInt(ty.ty);
      if (v.ty === ty.ty && I.fitsTy(v.iv, ty.ty)) return v;
      if (v.ty === ty.ty || v.ty === null) return I.fitsTy(v.iv, ty.ty) ? { ...v, ty: ty.ty } : { ...declaredInt(ty.ty), tainted: v.tainted };
      return I.fitsTy(v.iv, ty.ty) ? { ...v, ty: ty.ty } : declaredInt(ty.ty);
    }
    if (ty.k === 'array' && v.t === 'arr') {
      const et = ty.elem;
      if (v.elems) {
        // a const table already in its element type stays as it is (50k weights: no copy)
        let same = true;
        const out = v.elems.map((x) => {
          const y = this.conform(x, et);
          if (y !== x) same = false;
          return y;
        });
        return same ? v : arrOf(out);
      }
      return { ...v, elem: this.conform(v.elem, et) };
    }
    return v;
  }

  private bindParams(fn: FnItem, st: State, seeds: Map<string, Val> | null): void {
    for (const p of fn.params) {
      const name = p.pat.k === 'ident' ? p.pat.name : null;
      const seeded = name && seeds?.get(name);
      const v = seeded ? seeded : this.declared(p.ty);
      this.bindPat(p.pat, v, st, tyOf(p.ty));
    }
  }

  private bindPat(p: Pat, v: Val, st: State, ty: IntTy | null): void {
    switch (p.k) {
      case 'ident': {
        let val = v;
        let t = ty;
        if (val.t === 'int') {
          t = ty ?? val.ty;
          if (t && val.ty === null) val = I.fitsTy(val.iv, t) ? { ...val, ty: t } : declaredInt(t);
        }
        st.vars.set(p.name, { val, ty: t, declId: p.id, depth: this.loops.length });
        this.record(p, val);
        return;
      }
      case 'ref':
        return this.bindPat(p.pat, v, st, ty);
      case 'tuple':
        p.elems.forEach((q, i) => this.bindPat(q, v.t === 'tuple' && v.elems[i] ? v.elems[i] : UNKNOWN, st, null));
        return;
      default:
        return;
    }
  }

  // ---------------------------------------------------------------- expressions

  private ev(e: Expr, st: State, expect: IntTy | null, expectTy?: TypeRef | null): Val {
    this.tick();
    const v = this.ev1(e, st, expect, expectTy ?? null);
    this.record(e, v);
    return v;
  }

  private ev1(e: Expr, st: State, expect: IntTy | null, expectTy: TypeRef | null): Val {
    switch (e.k) {
      case 'int': {
        const ty = e.suffix ?? expect;
        return intVal(ty, I.iv(e.value));
      }
      case 'bool':
        return BOOL;
      case 'path':
        return this.path(e.segs, st, expect);
      case 'paren':
        return this.ev(e.arg, st, expect, expectTy);
      case 'ref':
        return this.ev(e.arg, st, expect, expectTy && expectTy.k === 'ref' ? expectTy.inner : expectTy);
      case 'unary':
        return this.unary(e, st, expect);
      case 'binary':
        return this.binary(e, st, expect);
      case 'assign':
        this.assign(e, st);
        return { t: 'tuple', elems: [] };
      case 'cast':
        return this.cast(e, st);
      case 'call':
        return this.call(e, st, expect);
      case 'method':
        return this.method(e, st, expect);
      case 'index': {
        const b = this.ev(e.base, st, null);
        const i = this.ev(e.index, st, 'usize');
        return this.index(b, i);
      }
      case 'field': {
        this.ev(e.base, st, null);
        return UNKNOWN;
      }
      case 'block':
        return this.block(e, st, expect, expectTy);
      case 'if':
        return this.ifExpr(e, st, expect, expectTy);
      case 'iflet': {
        const sv = this.ev(e.scrutinee, st, null);
        const then = st.copy();
        const inner = sv.t === 'opt' ? sv.inner : UNKNOWN;
        if (e.pat.k === 'other') this.bindTupleStruct(e.pat, inner, then);
        const tv = this.ev(e.then, then, expect, expectTy);
        const els = st.copy();
        const ev = e.else ? this.ev(e.else, els, expect, expectTy) : { t: 'tuple' as const, elems: [] };
        this.mergeInto(st, then, els);
        return then.dead ? ev : els.dead ? tv : joinVal(tv, ev);
      }
      case 'for':
        this.forLoop(e, st);
        return { t: 'tuple', elems: [] };
      case 'while':
      case 'loop':
        this.unboundedLoop(e, st);
        return { t: 'tuple', elems: [] };
      case 'array': {
        const et = expectTy && expectTy.k === 'array' ? expectTy.elem : null;
        const ei = et && et.k === 'int' ? et.ty : null;
        return arrOf(e.elems.map((x) => this.ev(x, st, ei, et)));
      }
      case 'repeat': {
        const et = expectTy && expectTy.k === 'array' ? expectTy.elem : null;
        const el = this.ev(e.elem, st, et && et.k === 'int' ? et.ty : null, et);
        const n = this.ev(e.count, st, 'usize');
        const len = n.t === 'int' && I.isSingleton(n.iv) && n.iv.lo <= 1_000_000n ? Number(n.iv.lo) : null;
        return { t: 'arr', elem: el, elems: len !== null && len <= 4096 ? new Array(len).fill(el) : null, len };
      }
      case 'tuple':
        return { t: 'tuple', elems: e.elems.map((x) => this.ev(x, st, null)) };
      case 'range': {
        const from = e.from ? this.ev(e.from, st, expect) : null;
        const to = e.to ? this.ev(e.to, st, from?.t === 'int' ? (from.ty ?? expect) : expect) : null;
        return this.rangeIter(from, to, e.inclusive);
      }
      case 'macro':
        return this.macro(e, st);
      case 'return': {
        const fr = this.fnStack.at(-1);
        const retTy = fr?.ret && fr.ret.k === 'int' ? fr.ret.ty : null;
        const v = e.arg ? this.ev(e.arg, st, retTy) : UNKNOWN;
        if (!st.dead && fr) fr.returns.push(this.conform(v, fr.ret ?? null));
        st.dead = true;
        return UNKNOWN;
      }
      case 'break': {
        if (e.arg) this.ev(e.arg, st, null);
        const lf = this.loops.at(-1);
        if (lf && !st.dead) lf.breaks.push(st.copy());
        st.dead = true;
        return UNKNOWN;
      }
      case 'continue': {
        const lf = this.loops.at(-1);
        if (lf && !st.dead) lf.continues.push(st.copy());
        st.dead = true;
        return UNKNOWN;
      }
      case 'match': {
        const sv = this.ev(e.scrutinee, st, null);
        let out: Val | null = null;
        let acc: State | null = null;
        for (const arm of e.arms) {
          const s = st.copy();
          if (arm.pat.k === 'ident') this.bindPat(arm.pat, sv, s, null);
          if (arm.guard) {
            this.ev(arm.guard, s, null);
            this.refine(arm.guard, s, true);
          }
          const v = this.ev(arm.body, s, expect, expectTy);
          if (!s.dead) out = out ? joinVal(out, v) : v;
          acc = acc ? State.join(acc, s) : s;
        }
        if (acc) this.assignState(st, acc);
        return out ?? UNKNOWN;
      }
      case 'try': {
        const v = this.ev(e.arg, st, expect);
        return v.t === 'opt' ? v.inner : UNKNOWN;
      }
      case 'opaque': {
        for (const c of e.children) {
          const s = st.copy();
          this.ev(c, s, null);
        }
        return UNKNOWN;
      }
    }
  }

  private bindTupleStruct(_p: Pat, _inner: Val, _st: State): void {
    // `if let Some(v) = x.checked_mul(y)`: the pattern is lowered as `other`; bindings stay unknown.
  }

  private path(segs: string[], st: State, expect: IntTy | null): Val {
    if (segs.length === 1) {
      const b = st.vars.get(segs[0]);
      if (b) return b.val;
    }
    if (segs.length === 2 && isIntTy(segs[0])) {
      const ty = segs[0];
      const info = tyInfo(ty);
      if (segs[1] === 'MAX') return intVal(ty, I.iv(info.max));
      if (segs[1] === 'MIN') return intVal(ty, I.iv(info.min));
      if (segs[1] === 'BITS') return intVal('u32', I.iv(BigInt(info.bits)));
    }
    const c = this.program.consts.get(segs[segs.length - 1]);
    if (c) return this.constValue(c);
    void expect;
    return UNKNOWN;
  }

  private constValue(c: ConstEntry): Val {
    if (c.value) return c.value;
    if (c.evaluating || !c.item.value) return this.declared(c.item.ty);
    c.evaluating = true;
    const savedText = this.text;
    const savedLoops = this.loops;
    this.text = c.text;
    this.loops = [];
    this.quiet++;
    try {
      const ty = c.item.ty;
      c.value = this.conform(this.ev(c.item.value, new State(), ty.k === 'int' ? ty.ty : null, ty), ty);
    } finally {
      this.quiet--;
      this.text = savedText;
      this.loops = savedLoops;
      c.evaluating = false;
    }
    return c.value;
  }

  private unary(e: Extract<Expr, { k: 'unary' }>, st: State, expect: IntTy | null): Val {
    const v = this.ev(e.arg, st, expect);
    if (e.op === '!') return v.t === 'int' && v.ty ? declaredInt(v.ty) : v.t === 'bool' ? BOOL : UNKNOWN;
    if (e.op === '*') return v;
    if (v.t !== 'int') return UNKNOWN;
    const math = I.neg(v.iv);
    if (!v.ty) return intVal(null, math);
    return this.arithResult(e, 'neg', 'operator', v.ty, v, null, math);
  }

  /** Builds the result of an arithmetic operation, reporting the site first. */
  private arithResult(
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
    if (!blocked) fired = this.site({ kind: 'arith', node, op, form, ty, left, right, math, src: this.text, l: lE, r: rE, accumulation });
    if (form === 'saturating') return intVal(ty, I.clamp(math, I.iv(tyInfo(ty).min), I.iv(tyInfo(ty).max)), { tainted });
    if (I.fitsTy(math, ty)) return intVal(ty, math, { tainted });
    // an overflowing accumulator keeps its mathematical value so the report shows the whole sum
    if (accumulation && fired) return intVal(ty, math, { tainted: node.id });
    return intVal(ty, I.ivOfTy(ty), { tainted: tainted || fired, declared: true });
  }

  /** Whether an expression is an integer literal whose type comes from context. */
  private flexible(e: Expr): boolean {
    switch (e.k) {
      case 'int':
        return e.suffix === null;
      case 'paren':
        return this.flexible(e.arg);
      case 'unary':
        return e.op === '-' && this.flexible(e.arg);
      case 'binary':
        return ['+', '-', '*', '/', '%', '&', '|', '^'].includes(e.op) ? this.flexible(e.left) && this.flexible(e.right) : e.op === '<<' || e.op === '>>' ? this.flexible(e.left) : false;
      default:
        return false;
    }
  }

  private binary(e: Extract<Expr, { k: 'binary' }>, st: State, expect: IntTy | null, accumulation: ArithSite['accumulation'] = null): Val {
    const op = e.op;
    if (op === '&&' || op === '||') {
      this.ev(e.left, st, null);
      const s2 = st.copy();
      this.refine(e.left, s2, op === '&&');
      this.ev(e.right, s2, null);
      return BOOL;
    }
    if (op === '==' || op === '!=' || op === '<' || op === '<=' || op === '>' || op === '>=') {
      if (this.flexible(e.left) && !this.flexible(e.right)) {
        const r = this.ev(e.right, st, null);
        this.ev(e.left, st, r.t === 'int' ? r.ty : null);
      } else {
        const l = this.ev(e.left, st, null);
        this.ev(e.right, st, l.t === 'int' ? l.ty : null);
      }
      return BOOL;
    }
    if (op === '<<' || op === '>>') {
      const l = this.ev(e.left, st, expect);
      const r = this.ev(e.right, st, null);
      if (l.t !== 'int' || r.t !== 'int') return l.t === 'int' && l.ty ? declaredInt(l.ty) : UNKNOWN;
      const ty = l.ty ?? expect ?? 'i32';
      const lv = l.ty ? l : { ...l, ty };
      const math = op === '<<' ? I.shl(l.iv, r.iv) : I.shr(l.iv, r.iv);
      return this.shiftResult(e, op, 'operator', ty, lv, r, math, e.left, e.right);
    }
    // arithmetic and bitwise: settle literal types from the other operand
    let l: Val;
    let r: Val;
    if (this.flexible(e.left) && !this.flexible(e.right)) {
      r = this.ev(e.right, st, expect);
      l = this.ev(e.left, st, r.t === 'int' ? (r.ty ?? expect) : expect);
    } else {
      l = this.ev(e.left, st, expect);
      r = this.ev(e.right, st, l.t === 'int' ? (l.ty ?? expect) : expect);
    }
    if (l.t !== 'int' || r.t !== 'int') {
      const t = (l.t === 'int' && l.ty) || (r.t === 'int' && r.ty) || null;
      return t ? declaredInt(t) : UNKNOWN;
    }
    const ty = l.ty ?? r.ty;
    return this.arith(e, op, ty, l, r, e.left, e.right, 'operator', accumulation);
  }

  private arith(node: Expr, op: string, ty: IntTy | null, l: IntVal, r: IntVal, lt: Expr, rt: Expr, form: ArithSite['form'], accumulation: ArithSite['accumulation']): Val {
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
      this.arithResult(node, op as ArithOp, form, ty, { ...l, ty }, { ...r, ty }, l.iv, lt, rt, accumulation);
      return intVal(ty, I.ivOfTy(ty), { tainted: true, declared: true });
    }
    return this.arithResult(node, op as ArithOp, form, ty, l.ty === ty ? l : { ...l, ty }, r.ty === ty ? r : { ...r, ty }, math, lt, rt, accumulation);
  }

  private shiftResult(node: Expr, op: '<<' | '>>', form: ArithSite['form'], ty: IntTy, l: IntVal, r: IntVal, math: Interval, lt: Expr, rt: Expr): IntVal {
    const tainted = !!(l.tainted || r.tainted);
    let fired = false;
    // a tainted value may still be shifted by a bad amount: the shift rule checks the amount regardless
    if (!r.tainted) fired = this.site({ kind: 'arith', node, op, form, ty, left: l, right: r, math, src: this.text, l: lt, r: rt, accumulation: null });
    if (this.quiet === 0 && this.inlineDepth === 0) {
      const prev = this.shifts.get(node.id);
      this.shifts.set(node.id, { node, op, amount: prev ? I.join(prev.amount, r.iv) : r.iv, literalLeft: unparen(lt).k === 'int', amountNode: rt });
    }
    const bits = BigInt(tyInfo(ty).bits);
    const amountOk = r.iv.lo >= 0n && r.iv.hi < bits;
    if (amountOk && I.fitsTy(math, ty)) return intVal(ty, math, { tainted });
    if (op === '>>' && amountOk) return intVal(ty, math, { tainted });
    return intVal(ty, I.ivOfTy(ty), { tainted: tainted || fired, declared: true });
  }

  private cast(e: Extract<Expr, { k: 'cast' }>, st: State): Val {
    const v = this.ev(e.arg, st, null);
    const to = e.ty.k === 'int' ? e.ty.ty : null;
    if (!to) return UNKNOWN;
    if (v.t !== 'int') return declaredInt(to);
    const from = v.ty ?? 'i32';
    const val: IntVal = v.ty ? v : { ...v, ty: from };
    let fired = false;
    if (!val.tainted) fired = this.site({ kind: 'cast', node: e, from, to, val, src: this.text, arg: e.arg });
    if (I.fitsTy(val.iv, to)) return intVal(to, val.iv, { tainted: val.tainted, nz: val.nz });
    return intVal(to, I.ivOfTy(to), { tainted: val.tainted || fired, declared: true });
  }

  private index(b: Val, i: Val): Val {
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

  // ---------------------------------------------------------------- calls and methods

  private call(e: Extract<Expr, { k: 'call' }>, st: State, expect: IntTy | null): Val {
    const segs = e.callee.k === 'path' ? e.callee.segs : null;
    const name = segs ? segs[segs.length - 1] : null;
    const owner = segs && segs.length >= 2 ? segs[segs.length - 2] : null;
    // T::from(x), T::try_from(x)
    if (owner && isIntTy(owner) && (name === 'from' || name === 'try_from') && e.args.length === 1) {
      const v = this.ev(e.args[0], st, null);
      if (v.t !== 'int') return name === 'from' ? declaredInt(owner) : { t: 'opt', inner: declaredInt(owner) };
      const m = I.meet(v.iv, I.ivOfTy(owner));
      const inner = m ? intVal(owner, m, { tainted: v.tainted, nz: v.nz }) : declaredInt(owner);
      return name === 'from' ? inner : { t: 'opt', inner };
    }
    // T::wrapping_mul(a, b) and friends, min/max as functions
    if (owner && isIntTy(owner) && name && e.args.length >= 1) {
      const [a, ...rest] = e.args;
      return this.intMethod(e, a, name, rest, st, owner, { s: e.callee.s, e: e.callee.e });
    }
    if (name && (name === 'min' || name === 'max') && e.args.length === 2 && (!owner || owner === 'cmp')) {
      const a = this.ev(e.args[0], st, expect);
      const b = this.ev(e.args[1], st, a.t === 'int' ? (a.ty ?? expect) : expect);
      if (a.t !== 'int' || b.t !== 'int') return UNKNOWN;
      return intVal(a.ty ?? b.ty, name === 'min' ? I.imin(a.iv, b.iv) : I.imax(a.iv, b.iv), { tainted: a.tainted || b.tainted });
    }
    if (name === 'Some' || name === 'Ok') {
      const v = e.args[0] ? this.ev(e.args[0], st, expect) : UNKNOWN;
      return { t: 'opt', inner: v };
    }
    const fn = name && (!owner || owner === 'self' || owner === 'Self' || owner === 'crate' || owner === 'super' || /^[a-z_][a-z0-9_]*$/.test(owner)) ? this.program.fns.get(name) : undefined;
    if (fn) {
      const args = e.args.map((a, i) => {
        const pt = fn.item.params[i]?.ty ?? null;
        return this.ev(a, st, tyOf(pt), pt);
      });
      if (this.quiet === 0 && this.inlineDepth === 0) {
        // `rescale(acc, 12)`: the shift happens in the helper, the amount is this argument
        for (const k of shiftParams(fn.item)) {
          const a = args[k];
          const an = e.args[k];
          if (a?.t !== 'int' || !an) continue;
          const prev = this.shifts.get(an.id);
          this.shifts.set(an.id, { node: an, op: '>>', amount: prev ? I.join(prev.amount, a.iv) : a.iv, literalLeft: false, amountNode: an });
        }
      }
      const share = fn.trusted && name === 'div_round' ? this.shareOfSum(e, st) : null;
      const d = args[1];
      if (share?.floor !== undefined && d?.t === 'int') {
        const m = I.meet(d.iv, { lo: share.floor, hi: d.iv.hi });
        if (m) args[1] = { ...d, iv: m, nz: m.lo > 0n || d.nz };
      }
      const out = this.callFn(e, fn, args);
      if (share?.result && out.t === 'int') {
        const m = I.meet(out.iv, share.result);
        if (m) return { ...out, iv: m };
      }
      return out;
    }
    for (const a of e.args) this.ev(a, st, null);
    return UNKNOWN;
  }

  /**
   * `div_round(A[j] << k, D)` after D summed A (ratios.ts): |A[j]| <= D, so the quotient, rounded half up,
   * is in [-2^k, 2^k] ([0, 2^k] when D summed A's elements and they are >= 0). A zero D is div_round's own
   * precondition, checked inside it, with D's floor when ratios.ts knows one (softmax).
   */
  private shareOfSum(e: Extract<Expr, { k: 'call' }>, st: State): { result: Interval | null; floor?: bigint } | null {
    const fn = this.currentFn;
    if (!fn || this.inlineDepth > 0 || e.args.length !== 2) return null;
    const num = unparen(e.args[0]);
    const den = unparen(e.args[1]);
    if (num.k !== 'binary' || num.op !== '<<' || den.k !== 'path' || den.segs.length !== 1) return null;
    const fact = sumFacts(fn).get(den.segs[0]);
    const x = unparen(num.left);
    if (!fact || e.s < fact.after || x.k !== 'index' || unparen(x.base).k !== 'path' || lvalueRoot(x) !== fact.arr) return null;
    this.quiet++;
    let k: Val;
    try {
      k = this.ev(num.right, st, null);
    } finally {
      this.quiet--;
    }
    if (k.t !== 'int' || !I.isSingleton(k.iv) || k.iv.lo < 0n || k.iv.lo > 62n) return null;
    const one = 1n << k.iv.lo;
    if (fact.abs) return { result: { lo: -one, hi: one }, floor: fact.floor };
    const a = st.vars.get(fact.arr)?.val;
    return { result: a?.t === 'arr' && a.elem.t === 'int' && a.elem.iv.lo >= 0n ? { lo: 0n, hi: one } : null, floor: fact.floor };
  }

  /** Calls a function of the program: inlined with the argument values when small, else its declared result. */
  private callFn(e: Expr, fn: FnEntry, args: Val[]): Val {
    const declaredRet = this.declared(fn.item.ret);
    let out: Val = declaredRet;
    // inline small helpers (rescale, saturate, activations); a whole layer called from `predict` is not
    // re-run here: its own analysis covers it, and the caller sees its declared result type
    if (fn.item.body && this.inlineDepth < 3 && fn.item.params.length === args.length && this.estimate(fn.item.body) <= Math.min(INLINE_LIMIT, this.budget - this.steps)) {
      const savedText = this.text;
      const savedLoops = this.loops;
      const savedRedirect = this.redirect;
      // a trusted runtime function called from reporting code: run its body with the rules on, and
      // report what fires at this call (`rescale(acc, 0)` overflows inside rescale)
      const redirect = fn.trusted && this.quiet === 0 && !this.redirect && this.inlineDepth === 0;
      this.text = fn.text;
      this.loops = [];
      if (redirect) this.redirect = { hits: new Map() };
      else this.quiet++;
      this.inlineDepth++;
      try {
        const st = new State();
        fn.item.params.forEach((p, i) => this.bindPat(p.pat, this.conform(args[i], p.ty), st, tyOf(p.ty)));
        const frame: FnFrame = { returns: [], ret: fn.item.ret };
        this.fnStack.push(frame);
        const retTy = fn.item.ret?.k === 'int' ? fn.item.ret.ty : null;
        const v = this.ev(fn.item.body, st, retTy);
        this.fnStack.pop();
        let r: Val | null = st.dead ? null : this.conform(v, fn.item.ret);
        for (const x of frame.returns) r = r ? joinVal(r, x) : x;
        if (r) out = r;
      } finally {
        const inner = this.redirect;
        if (redirect) this.redirect = savedRedirect;
        else this.quiet--;
        this.inlineDepth--;
        this.text = savedText;
        this.loops = savedLoops;
        if (redirect && inner) this.reportAtCall(e, fn, inner.hits);
      }
    }
    // table-driven runtime functions: their documented result (see runtime-results.ts) bounds what the body gives
    const doc = fn.trusted ? RUNTIME_RESULTS.get(fn.item.name) : undefined;
    const a0 = args[0];
    const pre =
      !doc?.nonNegativeArg ||
      (a0?.t === 'int' && a0.iv.lo >= 0n) ||
      (e.k === 'call' && e.args[0] !== undefined && this.inlineDepth === 0 && this.currentFn !== null && isMaxMinusElement(this.currentFn, e.args[0]));
    if (doc && pre && fn.item.ret?.k === 'int') {
      const got = out.t === 'int' ? I.meet(out.iv, doc.result) : null;
      out = intVal(fn.item.ret.ty, got ?? doc.result, out.t === 'int' && out.tainted ? { tainted: out.tainted } : {});
    }
    // saturating helpers (`sat_i16(x)`, `saturate(x)`) are where the manifest says "never reached"
    if (SAT_HELPER.test(fn.item.name) && args[0]?.t === 'int' && out.t === 'int' && fn.item.ret?.k === 'int') {
      const bounds = I.ivOfTy(fn.item.ret.ty);
      this.site({ kind: 'saturate', node: e, pre: args[0].iv, bounds, src: this.text, arg: e.k === 'call' ? (e.args[0] ?? null) : null });
    }
    return out;
  }

  /** Hits inside a trusted callee, reported at the call with the callee's message. */
  private reportAtCall(call: Expr, fn: FnEntry, inner: Map<string, Hit>): void {
    const callText = this.text.slice(call.s, call.e).replace(/\s+/g, ' ');
    for (const h of inner.values()) {
      const innerRule = h.rule;
      const innerSite = h.site;
      const calleeText = fn.text;
      const rule: Rule = {
        code: innerRule.code,
        name: innerRule.name,
        kind: innerRule.kind,
        test: () => true,
        certain: () => h.certain,
        message: () => `in \`${callText.length > 50 ? `${callText.slice(0, 47)}...` : callText}\` (\`fn ${fn.item.name}\`): ${innerRule.message({ ...innerSite, src: calleeText } as never)}`,
      };
      const site = { ...innerSite, node: call, src: this.text } as Site;
      const key = `${innerRule.code}:${call.id}`;
      const prev = this.hits.get(key);
      if (!prev) this.hits.set(key, { rule, site, certain: h.certain });
      else prev.certain = prev.certain && h.certain;
    }
  }

  private method(e: Extract<Expr, { k: 'method' }>, st: State, expect: IntTy | null): Val {
    return this.intMethod(e, e.recv, e.name, e.args, st, null, { s: e.nameS, e: e.nameE }, expect);
  }

  /** `recv.name(args)` or `T::name(recv, args)` (ufcs names T). */
  private intMethod(e: Expr, recvE: Expr, name: string, argsE: Expr[], st: State, ufcs: IntTy | null, _nameSpan: { s: number; e: number }, expect: IntTy | null = null): Val {
    const recv = this.ev(recvE, st, ufcs ?? expect);
    const ty = recv.t === 'int' ? (recv.ty ?? ufcs ?? expect) : null;
    const args = argsE.map((a) => this.ev(a, st, name.endsWith('shl') || name.endsWith('shr') || name === 'pow' ? 'u32' : ty));
    const a0 = args[0];
    // iterators and arrays
    if (recv.t === 'arr' || recv.t === 'iter' || recv.t === 'opt') return this.containerMethod(recv, name, args);
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
        this.saturationPoint(e, r.iv, I.iv(lo.iv.lo, hi.iv.hi), recvE);
        return intVal(ty, out, { tainted });
      }
      case 'min':
      case 'max':
        if (!b) return declaredInt(ty);
        return intVal(ty, name === 'min' ? I.imin(r.iv, b.iv) : I.imax(r.iv, b.iv), { tainted });
      case 'abs':
        return this.arithResult(e, 'abs', 'operator', ty, r, null, I.abs(r.iv), recvE);
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
        let m = I.iv(1n);
        for (let k = 0n; k < b.iv.lo; k++) m = I.mul(m, r.iv);
        return this.arithResult(e, 'pow', 'operator', ty, r, b, m, recvE, argsE[0] ?? null);
      }
    }
    const fam = /^(wrapping|saturating|checked|overflowing)_(add|sub|mul|div|rem|neg|abs|shl|shr|pow)$/.exec(name);
    if (fam) {
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
          if (b && I.isSingleton(b.iv) && b.iv.lo >= 0n && b.iv.lo <= 64n) {
            let m = I.iv(1n);
            for (let k = 0n; k < b.iv.lo; k++) m = I.mul(m, r.iv);
            math = m;
          }
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
        this.siteOnly(e, aop, 'checked', ty, r, b ?? (a0?.t === 'int' ? a0 : null), math, lt, rt);
        return { t: 'opt', inner: m ? intVal(ty, m, { tainted }) : declaredInt(ty) };
      }
      if (form === 'overflowing') return { t: 'tuple', elems: [I.fitsTy(math, ty) ? intVal(ty, math) : declaredInt(ty), BOOL] };
      if (form === 'saturating' && (aop === '<<' || aop === '>>')) return declaredInt(ty);
      const right = b ?? (a0?.t === 'int' ? (a0 as IntVal) : null);
      return this.arithResult(e, aop, form, ty, r, right, math, lt, rt);
    }
    return UNKNOWN;
  }

  private siteOnly(e: Expr, op: ArithOp, form: ArithSite['form'], ty: IntTy, l: IntVal, r: IntVal | null, math: Interval, lt: Expr | null, rt: Expr | null): void {
    if (!l.tainted && !r?.tainted) this.site({ kind: 'arith', node: e, op, form, ty, left: l, right: r, math, src: this.text, l: lt, r: rt, accumulation: null });
  }

  /** clamp(T::MIN, T::MAX)-style narrowing and saturating helpers. */
  private saturationPoint(e: Expr, pre: Interval, bounds: Interval, argE: Expr): void {
    for (const ty of ['i8', 'i16', 'i32', 'u8', 'u16', 'u32'] as IntTy[]) {
      if (I.equal(bounds, I.ivOfTy(ty))) {
        this.site({ kind: 'saturate', node: e, pre, bounds, src: this.text, arg: argE });
        return;
      }
    }
  }

  private containerMethod(recv: Val, name: string, args: Val[]): Val {
    if (recv.t === 'opt') {
      switch (name) {
        case 'unwrap':
        case 'expect':
          return recv.inner;
        case 'unwrap_or':
          return args[0] ? joinVal(recv.inner, args[0]) : recv.inner;
        case 'unwrap_or_default':
          return recv.inner.t === 'int' ? joinVal(recv.inner, intVal(recv.inner.ty, I.iv(0n))) : UNKNOWN;
        case 'is_some':
        case 'is_none':
        case 'is_ok':
        case 'is_err':
          return BOOL;
        default:
          return UNKNOWN;
      }
    }
    if (recv.t === 'arr') {
      switch (name) {
        case 'len':
          return recv.len !== null ? intVal('usize', I.iv(BigInt(recv.len))) : declaredInt('usize');
        case 'iter':
        case 'into_iter':
        case 'iter_mut':
          return this.arrayIter(recv);
        case 'as_slice':
        case 'to_vec':
        case 'clone':
        case 'as_ref':
          return recv;
        case 'get':
          return { t: 'opt', inner: args[0] ? this.index(recv, args[0]) : recv.elem };
        case 'first':
        case 'last':
          return { t: 'opt', inner: recv.elem };
        default:
          return UNKNOWN;
      }
    }
    if (recv.t === 'iter') {
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
          const other = args[0]?.t === 'arr' ? this.arrayIter(args[0]) : args[0]?.t === 'iter' ? args[0] : null;
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
    return UNKNOWN;
  }

  private arrayIter(a: ArrVal): IterVal {
    const count = a.len !== null ? I.iv(BigInt(a.len)) : null;
    const elems = a.elems;
    // without per-element values every iteration still sees the element join: unrolling stays exact
    return { t: 'iter', count, at: elems ? (k) => elems[k] ?? a.elem : () => a.elem, all: a.elem };
  }

  private rangeIter(from: Val | null, to: Val | null, inclusive: boolean): Val {
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

  private macro(e: Extract<Expr, { k: 'macro' }>, st: State): Val {
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
          this.ev(e.args[0], st, null);
          this.refine(e.args[0], st, true);
        }
        return UNKNOWN;
      case 'assert_eq':
      case 'debug_assert_eq':
      case 'assert_ne':
      case 'debug_assert_ne': {
        const [a, b] = e.args ?? [];
        if (a && b) {
          this.ev(a, st, null);
          this.ev(b, st, null);
          this.refineCmp(a, e.name.endsWith('eq') ? '==' : '!=', b, st);
        }
        return UNKNOWN;
      }
      default:
        for (const a of e.args ?? []) this.ev(a, st.copy(), null);
        return UNKNOWN;
    }
  }

  // ---------------------------------------------------------------- statements and blocks

  private block(e: Extract<Expr, { k: 'block' }>, st: State, expect: IntTy | null, expectTy: TypeRef | null): Val {
    const shadowed = new Map<string, Binding | undefined>();
    const declare = (name: string) => {
      if (!shadowed.has(name)) shadowed.set(name, st.vars.get(name));
    };
    for (const s of e.stmts) {
      if (st.dead) break;
      this.stmt(s, st, declare);
    }
    let v: Val = { t: 'tuple', elems: [] };
    if (e.tail && !st.dead) v = this.ev(e.tail, st, expect, expectTy);
    for (const [name, prev] of shadowed) {
      if (prev) st.vars.set(name, prev);
      else st.vars.delete(name);
    }
    return v;
  }

  private stmt(s: Stmt, st: State, declare: (name: string) => void): void {
    switch (s.k) {
      case 'let': {
        const ty = s.ty;
        const it = tyOf(ty);
        let v: Val = s.init ? this.ev(s.init, st, it, ty) : UNKNOWN;
        if (ty) v = s.init ? this.conform(v, ty) : this.declared(ty);
        if (s.else && v.t === 'opt') v = v.inner;
        if (s.else) {
          const els = st.copy();
          this.ev(s.else, els, null);
        }
        for (const n of patNames(s.pat)) declare(n);
        this.bindPat(s.pat, v, st, it);
        return;
      }
      case 'expr':
        this.ev(s.expr, st, null);
        return;
      case 'item':
        return;
    }
  }

  private assign(e: Extract<Expr, { k: 'assign' }>, st: State): void {
    const target = lvalueRoot(e.left);
    const b = target ? st.vars.get(target) : undefined;
    if (e.op === '=') {
      // `acc = acc + t` is an accumulation like `acc += t`
      let acc: ArithSite['accumulation'] = null;
      if (e.left.k === 'path' && target && b) {
        const r = unparen(e.right);
        if (r.k === 'binary' && (r.op === '+' || r.op === '-') && unparen(r.left).k === 'path' && (unparen(r.left) as { segs: string[] }).segs.join('::') === target) {
          acc = { target, iterations: this.iterations(b.depth) };
        }
      }
      const expect = b?.ty ?? null;
      let v: Val;
      if (acc && e.right.k === 'binary') v = this.binary(e.right, st, expect, acc);
      else {
        const r = unparen(e.right);
        v = acc && r.k === 'binary' ? this.binary(r, st, expect, acc) : this.ev(e.right, st, expect);
      }
      this.store(e.left, v, st);
      return;
    }
    // compound: a op= b
    const op = e.op.slice(0, -1);
    const cur = this.ev(e.left, st, null);
    const isShift = op === '<<' || op === '>>';
    const rv = this.ev(e.right, st, isShift ? null : cur.t === 'int' ? cur.ty : null);
    if (cur.t !== 'int' || rv.t !== 'int') {
      this.store(e.left, cur.t === 'int' && cur.ty ? declaredInt(cur.ty) : UNKNOWN, st);
      return;
    }
    const ty = cur.ty ?? rv.ty;
    let result: Val;
    if (isShift) {
      const t = ty ?? 'i32';
      const math = op === '<<' ? I.shl(cur.iv, rv.iv) : I.shr(cur.iv, rv.iv);
      result = this.shiftResult(e, op as '<<' | '>>', 'compound', t, { ...cur, ty: t }, rv, math, e.left, e.right);
    } else {
      // every `+=` / `-=` accumulates: in a loop, or written out term by term (unrolled generated code)
      const acc = (op === '+' || op === '-') && target && b ? { target, iterations: this.iterations(b.depth) } : null;
      result = this.arith(e, op, ty, cur, rv, e.left, e.right, 'compound', acc);
    }
    if (b && b.ty === null && result.t === 'int' && result.ty) st.vars.set(target!, { ...b, ty: result.ty });
    this.store(e.left, result, st);
  }

  /** Iterations of the loops nested deeper than `depth` (null when one of them is unbounded). */
  private iterations(depth: number): bigint | null {
    let n = 1n;
    for (const l of this.loops.slice(depth)) {
      if (!l.count) return null;
      n *= l.count.hi;
    }
    return n;
  }

  private store(lhs: Expr, v: Val, st: State): void {
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
    if (l.k === 'index') {
      const root = lvalueRoot(l);
      const b = root ? st.vars.get(root) : undefined;
      const idx = this.ev(l.index, st, 'usize');
      if (root && v.t === 'int' && this.quiet === 0 && this.inlineDepth === 0 && this.paramNames.has(root)) {
        const prev = this.stored.get(root);
        this.stored.set(root, prev ? (joinVal(prev, v) as IntVal) : v);
        // per element, while every store to it has a known index (`y[3] = ..`, an unrolled `y[n] = ..`)
        let at = this.storedAt.get(root);
        if (at === undefined) this.storedAt.set(root, (at = new Map()));
        if (at !== null && l.base.k === 'path' && idx.t === 'int' && I.isSingleton(idx.iv)) {
          const k = Number(idx.iv.lo);
          const p = at.get(k);
          at.set(k, p ? (joinVal(p, v) as IntVal) : v);
        } else this.storedAt.set(root, null);
      } else if (root && this.quiet === 0 && this.inlineDepth === 0 && this.paramNames.has(root)) this.storedAt.set(root, null);
      if (!b || b.val.t !== 'arr') return;
      if (l.base.k !== 'path') {
        // a[i][j] = v: strong update where an index is known (an unrolled copy into a padded buffer
        // overwrites its initial fill), weak where it is not
        const idxs: Val[] = [];
        for (let x: Expr = l; x.k === 'index'; x = unparen(x.base)) idxs.unshift(x === l ? idx : this.ev(x.index, st, 'usize'));
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
  }

  // ---------------------------------------------------------------- control flow

  private ifExpr(e: Extract<Expr, { k: 'if' }>, st: State, expect: IntTy | null, expectTy: TypeRef | null): Val {
    this.ev(e.cond, st, null);
    const thenSt = st.copy();
    this.refine(e.cond, thenSt, true);
    const elseSt = st.copy();
    this.refine(e.cond, elseSt, false);
    const tv = thenSt.dead ? UNKNOWN : this.ev(e.then, thenSt, expect, expectTy);
    let ev: Val = { t: 'tuple', elems: [] };
    if (e.else && !elseSt.dead) ev = this.ev(e.else, elseSt, expect ?? (tv.t === 'int' ? tv.ty : null), expectTy);
    this.mergeInto(st, thenSt, elseSt);
    if (thenSt.dead) return ev;
    if (elseSt.dead) return tv;
    return joinVal(tv, ev);
  }

  private mergeInto(st: State, a: State, b: State): void {
    this.assignState(st, State.join(a, b));
    if (a.dead && b.dead) st.dead = true;
  }

  private assignState(st: State, from: State): void {
    // keep bindings declared before the branch; values come from the joined branches
    for (const [k, bv] of st.vars) {
      const nb = from.vars.get(k);
      if (nb) st.vars.set(k, nb);
      else st.vars.set(k, bv);
    }
    st.dead = from.dead;
  }

  /** Narrows variables in `st` assuming `cond` evaluates to `truth`. Marks the state dead if impossible. */
  private refine(cond: Expr, st: State, truth: boolean): void {
    const c = unparen(cond);
    if (c.k === 'unary' && c.op === '!') return this.refine(c.arg, st, !truth);
    if (c.k === 'bool') {
      if (c.value !== truth) st.dead = true;
      return;
    }
    if (c.k !== 'binary') return;
    if (c.op === '&&' || c.op === '||') {
      if ((c.op === '&&') === truth) {
        this.refine(c.left, st, truth);
        this.refine(c.right, st, truth);
      } else {
        // !(a && b) = !a || !b: join of the two refinements
        const a = st.copy();
        this.refine(c.left, a, truth);
        const b = st.copy();
        this.refine(c.right, b, truth);
        this.assignState(st, State.join(a, b));
        if (a.dead && b.dead) st.dead = true;
      }
      return;
    }
    const ops: Record<string, string> = { '<': '>=', '<=': '>', '>': '<=', '>=': '<', '==': '!=', '!=': '==' };
    if (!(c.op in ops)) return;
    this.refineCmp(c.left, truth ? c.op : ops[c.op], c.right, st);
  }

  private refineCmp(left: Expr, op: string, right: Expr, st: State): void {
    const flip: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==', '!=': '!=' };
    this.refineSide(left, op, right, st);
    this.refineSide(right, flip[op], left, st);
  }

  /** `x op other`: narrow x (a variable, possibly behind a lossless cast or parentheses). */
  private refineSide(x: Expr, op: string, other: Expr, st: State): void {
    let v = unparen(x);
    while (v.k === 'cast') v = unparen(v.arg);
    if (v.k !== 'path' || v.segs.length !== 1) return;
    const b = st.vars.get(v.segs[0]);
    if (!b || b.val.t !== 'int') return;
    this.quiet++;
    const o = this.ev(other, st.copy(), b.ty);
    this.quiet--;
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

  // ---------------------------------------------------------------- loops

  private forLoop(e: Extract<Expr, { k: 'for' }>, st: State): void {
    const itv = this.ev(e.iter, st, null);
    const it: IterVal | null = itv.t === 'iter' ? itv : itv.t === 'arr' ? this.arrayIter(itv) : null;
    if (!it) {
      this.summaryLoop(e.body, st, null, (s) => this.bindPat(e.pat, UNKNOWN, s, null));
      return;
    }
    const count = it.count;
    if (count && count.hi === 0n) return;
    if (this.allowUnroll && count && I.isSingleton(count) && it.at && count.lo <= 65_536n && Number(count.lo) * this.estimate(e.body) <= this.budget - this.steps) {
      const n = Number(count.lo);
      const names = patNames(e.pat);
      const frame: LoopFrame = { count, breaks: [], continues: [] };
      this.loops.push(frame);
      try {
        for (let k = 0; k < n; k++) {
          const shadow = names.map((nm) => [nm, st.vars.get(nm)] as const);
          this.bindPat(e.pat, it.at(k), st, null);
          this.ev(e.body, st, null);
          for (const [nm, prev] of shadow) {
            if (prev) st.vars.set(nm, prev);
            else st.vars.delete(nm);
          }
          for (const c of frame.continues) this.assignState(st, State.join(st, c));
          frame.continues = [];
          if (st.dead) break;
        }
      } finally {
        this.loops.pop();
      }
      let out = st;
      for (const b of frame.breaks) out = State.join(out, b);
      this.assignState(st, out);
      st.dead = frame.breaks.length === 0 ? st.dead : false;
      return;
    }
    this.summaryLoop(e.body, st, count, (s) => this.bindPat(e.pat, it.all, s, null));
  }

  private estimates = new WeakMap<Expr, number>();
  /** Steps one evaluation of `e` takes, counting nested loops by their (guessed) trip counts. */
  private estimate(e: Expr): number {
    const hit = this.estimates.get(e);
    if (hit !== undefined) return hit;
    let n = 1;
    if (e.k === 'for') {
      n += this.estimate(e.iter) + this.guessTrips(e.iter) * this.estimate(e.body);
    } else if (e.k === 'while' || e.k === 'loop') {
      n += 2 * this.estimate(e.body);
    } else {
      if (e.k === 'block') for (const st of e.stmts) if (st.k === 'let' && st.init) n += this.estimate(st.init);
      for (const c of childExprs(e)) if (!(e.k === 'block' && isLetInit(e, c))) n += this.estimate(c);
      if (e.k === 'call' && e.callee.k === 'path') {
        const f = this.program.fns.get(e.callee.segs[e.callee.segs.length - 1]);
        if (f?.item.body && this.inlineDepth < 3 && f.item.body !== e) n += Math.min(100_000, this.estimateShallow(f.item.body));
      }
    }
    this.estimates.set(e, n);
    return n;
  }

  /** Node count of a callee body, without recursing into its calls. */
  private estimateShallow(e: Expr): number {
    let n = 0;
    walkExpr(e, () => n++);
    return n;
  }

  private guessTrips(iter: Expr): number {
    this.quiet++;
    const savedSteps = this.steps;
    try {
      const v = this.ev(iter, new State(), null);
      const it = v.t === 'iter' ? v : v.t === 'arr' ? this.arrayIter(v) : null;
      if (it?.count) return Number(it.count.hi > 1_000_000n ? 1_000_000n : it.count.hi);
      return 16;
    } catch {
      return 16;
    } finally {
      this.steps = savedSteps;
      this.quiet--;
    }
  }

  private unboundedLoop(e: Extract<Expr, { k: 'while' | 'loop' }>, st: State): void {
    const body = e.body;
    const cond = e.k === 'while' ? e.cond : null;
    this.summaryLoop(body, st, null, () => {}, cond);
  }

  /**
   * A loop evaluated without unrolling. Accumulators (every assignment is `v += e` / `v = v ± e` with e
   * free of v) take the closed form init + k·δ (δ measured by a first, quiet pass from v = 0); other
   * loop-carried variables are widened to their type. The second pass records facts and sites.
   */
  private summaryLoop(body: Expr, st: State, count: Interval | null, bind: (s: State) => void, cond: Expr | null = null): void {
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
    this.quiet++;
    const frame1: LoopFrame = { count, breaks: [], continues: [] };
    this.loops.push(frame1);
    try {
      if (cond) {
        this.ev(cond, p1, null);
        this.refine(cond, p1, true);
      }
      bind(p1);
      this.ev(body, p1, null);
    } finally {
      this.loops.pop();
      this.quiet--;
    }
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
    const frame2: LoopFrame = { count, breaks: [], continues: [] };
    this.loops.push(frame2);
    try {
      if (cond) {
        this.ev(cond, p2, null);
        this.refine(cond, p2, true);
      }
      bind(p2);
      this.ev(body, p2, null);
    } finally {
      this.loops.pop();
    }
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
    if (cond) this.refine(cond, out, false);
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
}

// ------------------------------------------------------------------ free helpers

function min(a: bigint, b: bigint) {
  return a < b ? a : b;
}
function max(a: bigint, b: bigint) {
  return a > b ? a : b;
}
function excludeZero(d: Interval): Interval | null {
  if (d.lo === 0n && d.hi === 0n) return null;
  if (d.lo === 0n) return I.iv(1n, d.hi);
  if (d.hi === 0n) return I.iv(d.lo, -1n);
  return d;
}

export function tyOf(t: TypeRef | null | undefined): IntTy | null {
  if (!t) return null;
  if (t.k === 'int') return t.ty;
  if (t.k === 'ref') return tyOf(t.inner);
  return null;
}

function unparen(e: Expr): Expr {
  let x = e;
  while (x.k === 'paren') x = x.arg;
  return x;
}

function lvalueRoot(e: Expr): string | null {
  const x = unparen(e);
  if (x.k === 'path' && x.segs.length === 1) return x.segs[0];
  if (x.k === 'index') return lvalueRoot(x.base);
  if (x.k === 'unary' && x.op === '*') return lvalueRoot(x.arg);
  return null;
}

export function patNames(p: Pat): string[] {
  switch (p.k) {
    case 'ident':
      return [p.name];
    case 'ref':
      return patNames(p.pat);
    case 'tuple':
      return p.elems.flatMap(patNames);
    default:
      return [];
  }
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

function widenVal(v: Val): Val {
  if (v.t === 'int') return v.ty ? declaredInt(v.ty) : UNKNOWN;
  return UNKNOWN;
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

function isLetInit(b: Extract<Expr, { k: 'block' }>, c: Expr): boolean {
  return b.stmts.some((st) => st.k === 'let' && (st.init === c || st.else === c));
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
          if (r.k === 'binary' && (r.op === '+' || (r.op === '-' && true))) {
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

function mergeSite(a: Site, b: Site): Site {
  if (a.kind === 'arith' && b.kind === 'arith') {
    const acc =
      a.accumulation && b.accumulation
        ? { target: a.accumulation.target, iterations: a.accumulation.iterations === null || b.accumulation.iterations === null ? null : max(a.accumulation.iterations, b.accumulation.iterations) }
        : (a.accumulation ?? b.accumulation);
    return {
      ...a,
      left: joinVal(a.left, b.left) as IntVal,
      right: a.right && b.right ? (joinVal(a.right, b.right) as IntVal) : (a.right ?? b.right),
      math: I.join(a.math, b.math),
      accumulation: acc,
    };
  }
  if (a.kind === 'cast' && b.kind === 'cast') return { ...a, val: joinVal(a.val, b.val) as IntVal };
  if (a.kind === 'saturate' && b.kind === 'saturate') return { ...a, pre: I.join(a.pre, b.pre) };
  return a;
}

