// The interval analysis: an abstract interpreter over the AST of one function at a time.
//
// Values are intervals over mathematical integers with a Rust type (domain/). This file holds the
// evaluator's state, its entry points and the dispatch over expression kinds; each kind is evaluated by
// the part named for it (arith.ts, int-methods.ts, containers.ts, calls.ts, stores.ts, conditions.ts,
// loops.ts, blocks.ts). Rule sites are reported to the rules once per visit and joined per node.

import * as I from '../domain/interval';
import { isIntTy, tyInfo, type IntTy } from '../domain/inttypes';
import { arrOf, BOOL, declaredInt, intVal, joinVal, UNKNOWN, type IntVal, type Val } from '../domain/values';
import { mergeSite, type Hit, type Rule, type SaturateSite, type Site } from '../sites';
import { patNames, tyOf, type ConstItem, type Expr, type FnItem, type Pat, type TypeRef } from '../syntax/ast';
import { binary, cast, unary } from './arith';
import { block, ifLet, macro, matchExpr } from './blocks';
import { call } from './calls';
import { ifExpr, refine } from './conditions';
import { index, rangeIter } from './containers';
import { BudgetExceeded, tick, type Interp } from './context';
import { Facts, type FnAnalysis, type ShiftFact } from './facts';
import { intMethod } from './int-methods';
import { forLoop, unboundedLoop } from './loops';
import type { ConstEntry, Program } from './program';
import { State, type FnFrame, type LoopFrame } from './state';
import { assign } from './stores';

/** The value of each literal row of a const table, per element type (see `ev1` 'array'). */
const literalRows = new WeakMap<Expr, Map<IntTy | null, Val>>();
/** `conform` of integer rows to an element type, per row value (pure: it depends on the value and the type). */
const conformedRows = new WeakMap<Val, Map<IntTy, Val>>();

export interface EvalOptions {
  /** evaluation steps before loops stop being unrolled (per function) */
  budget?: number;
  /** parameter values to use instead of the declared types' ranges (the manifest's proven inputs) */
  seeds?: Map<string, Val>;
}

export class Evaluator implements Interp {
  steps = 0;
  budget: number;
  allowUnroll = true;
  perValue = 0;
  perValueFirst = false;
  quiet = 0;
  inlineDepth = 0;
  loops: LoopFrame[] = [];
  fnStack: FnFrame[] = [];
  hits = new Map<string, Hit>();
  sats = new Map<number, SaturateSite>();
  shifts = new Map<number, ShiftFact>();
  stored = new Map<string, IntVal>();
  storedAt = new Map<string, Map<number, IntVal> | null>();
  outputs = new Map<string, string>();
  facts = new Facts();
  redirect: { hits: Map<string, Hit> } | null = null;
  currentFn: FnItem | null = null;
  readonly estimates = new WeakMap<Expr, number>();
  readonly activeLocals = new Set<FnItem>();
  private summarised = false;
  private literalFacts = true;
  private readonly seeds: Map<string, Val> | null;

  constructor(
    readonly program: Program,
    readonly rules: Rule[],
    /** the text of the item being analysed (node offsets are relative to it) */
    public text: string,
    opts: EvalOptions = {},
  ) {
    this.budget = opts.budget ?? 400_000;
    this.seeds = opts.seeds ?? null;
  }

  // ---------------------------------------------------------------- entry points

  analyzeFn(fn: FnItem): FnAnalysis {
    this.currentFn = fn;
    const run = () => {
      this.reset();
      const st = new State();
      this.outputs = new Map(fn.params.flatMap((p) => patNames(p.pat)).map((n) => [n, n]));
      this.bindParams(fn, st);
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
      // the first loops unrolled whole took the steps the later ones needed (a layer split into helpers,
      // each a loop nest): again with loop nests unrolled per value of their outer variables only
      this.perValueFirst = true;
      try {
        result = run();
      } catch (e2) {
        if (!(e2 instanceof BudgetExceeded)) throw e2;
        this.perValueFirst = false;
        this.allowUnroll = false;
        this.summarised = true;
        this.budget = Number.MAX_SAFE_INTEGER;
        result = run();
      }
    }
    return { hits: [...this.hits.values()], facts: this.facts, saturations: [...this.sats.values()], shifts: [...this.shifts.values()], stored: this.stored, storedAt: this.storedAt, result, summarised: this.summarised };
  }

  /** Analyses a const/static item's initialiser (for its own diagnostics and hovers). */
  analyzeConst(c: ConstItem): FnAnalysis {
    this.reset();
    // a table's literals are their own facts (analyze.ts factAt): 50k weights need no entry each
    this.literalFacts = false;
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
    this.perValue = 0;
    this.fnStack = [];
  }

  // ---------------------------------------------------------------- facts and sites

  record(e: { id: number }, v0: Val): void {
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

  site(s: Site): boolean {
    if (this.quiet > 0) return false;
    let fired = false;
    for (const r of this.rules) {
      if (r.kind !== s.kind) continue;
      if (!r.test(s as never)) continue;
      fired = true;
      // inside a trusted runtime function: collected, then reported at the call
      const hits = this.redirect ? this.redirect.hits : this.hits;
      const key = `${r.code}:${s.node.id}`;
      const prev = hits.get(key);
      const certain = r.certain(s as never);
      if (!prev) hits.set(key, { rule: r, site: s, certain });
      else {
        prev.site = mergeSite(prev.site, s);
        if (!this.redirect) prev.certain = prev.certain && certain;
      }
    }
    if (s.kind === 'saturate' && this.inlineDepth === 0) {
      const prev = this.sats.get(s.node.id);
      this.sats.set(s.node.id, prev ? (mergeSite(prev, s) as SaturateSite) : s);
    }
    return fired;
  }

  // ---------------------------------------------------------------- types

  declared(ty: TypeRef | null): Val {
    if (!ty) return UNKNOWN;
    switch (ty.k) {
      case 'int':
        return declaredInt(ty.ty);
      case 'ref':
        return this.declared(ty.inner);
      case 'array':
        return { t: 'arr', elem: this.declared(ty.elem), elems: null, len: this.arrayLen(ty) };
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

  conform(v: Val, ty: TypeRef | null): Val {
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
      // a row of integers conformed before to this element type (a table's rows across edits)
      const rowKey = et.k === 'int' && v.elems && v.elems.length >= 16 ? et.ty : null;
      const seen = rowKey ? conformedRows.get(v)?.get(rowKey) : undefined;
      if (seen) return seen;
      if (v.elems && rowKey && v.elems.every((x) => x.t === 'int')) {
        const out = this.conformElems(v, et);
        let m = conformedRows.get(v);
        if (!m) conformedRows.set(v, (m = new Map()));
        m.set(rowKey, out);
        return out;
      }
      if (v.elems) return this.conformElems(v, et);
      return { ...v, elem: this.conform(v.elem, et) };
    }
    return v;
  }

  /** `conform` of an array's elements: the array itself when every element already conforms (a const table: no copy). */
  private conformElems(v: Extract<Val, { t: 'arr' }>, et: TypeRef): Val {
    let same = true;
    const out = v.elems!.map((x) => {
      const y = this.conform(x, et);
      if (y !== x) same = false;
      return y;
    });
    return same ? v : arrOf(out);
  }

  // ---------------------------------------------------------------- bindings

  private bindParams(fn: FnItem, st: State): void {
    for (const p of fn.params) {
      const name = p.pat.k === 'ident' ? p.pat.name : null;
      const seeded = name && this.seeds?.get(name);
      const v = seeded ? seeded : this.declared(p.ty);
      this.bindPat(p.pat, v, st, tyOf(p.ty));
    }
  }

  bindPat(p: Pat, v: Val, st: State, ty: IntTy | null): void {
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

  refine(cond: Expr, st: State, truth: boolean): void {
    refine(this, cond, st, truth);
  }

  // ---------------------------------------------------------------- expressions

  ev(e: Expr, st: State, expect: IntTy | null, expectTy?: TypeRef | null): Val {
    tick(this);
    const v = this.ev1(e, st, expect, expectTy ?? null);
    this.record(e, v);
    return v;
  }

  private ev1(e: Expr, st: State, expect: IntTy | null, expectTy: TypeRef | null): Val {
    switch (e.k) {
      case 'int':
        return intVal(e.suffix ?? expect, I.iv(e.value));
      case 'bool':
        return BOOL;
      case 'path':
        return this.path(e.segs, st);
      case 'paren':
        return this.ev(e.arg, st, expect, expectTy);
      case 'ref':
        return this.ev(e.arg, st, expect, expectTy && expectTy.k === 'ref' ? expectTy.inner : expectTy);
      case 'unary':
        return unary(this, e, st, expect);
      case 'binary':
        return binary(this, e, st, expect);
      case 'assign':
        assign(this, e, st);
        return { t: 'tuple', elems: [] };
      case 'cast':
        return cast(this, e, st);
      case 'call':
        return call(this, e, st, expect);
      case 'method':
        return intMethod(this, e, e.recv, e.name, e.args, st, null, expect);
      case 'index': {
        const b = this.ev(e.base, st, null);
        const i = this.ev(e.index, st, 'usize');
        return index(b, i);
      }
      case 'field':
        this.ev(e.base, st, null);
        return UNKNOWN;
      case 'block':
        return block(this, e, st, expect, expectTy);
      case 'if':
        return ifExpr(this, e, st, expect, expectTy);
      case 'iflet':
        return ifLet(this, e, st, expect, expectTy);
      case 'for':
        forLoop(this, e, st);
        return { t: 'tuple', elems: [] };
      case 'while':
      case 'loop':
        unboundedLoop(this, e, st);
        return { t: 'tuple', elems: [] };
      case 'array': {
        const et = expectTy && expectTy.k === 'array' ? expectTy.elem : null;
        // elements share one type: a suffixed literal among them gives it (`[0i64, 1 << 40]`)
        const ei = et && et.k === 'int' ? et.ty : (e.elems.find((x): x is Extract<Expr, { k: 'int' }> => x.k === 'int' && x.suffix !== null)?.suffix ?? null);
        // a row of a const table: its value is its literals', whatever the analysis (cached by the row's
        // node, which a re-lowered table keeps for every row the edit did not touch: syntax/tables.ts)
        if (!this.literalFacts && e.elems.length > 0 && e.elems[0].k === 'int') {
          const hit = literalRows.get(e)?.get(ei);
          if (hit) {
            this.steps += e.elems.length;
            if (this.steps > this.budget) throw new BudgetExceeded();
            return hit;
          }
        }
        // a table of literals (weights): each literal's value directly, as `ev` would give it
        const out = arrOf(e.elems.map((x) => (x.k === 'int' ? this.literal(x, ei) : this.ev(x, st, ei, et))));
        if (!this.literalFacts && e.elems.every((x) => x.k === 'int')) {
          let m = literalRows.get(e);
          if (!m) literalRows.set(e, (m = new Map()));
          m.set(ei, out);
        }
        return out;
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
        return rangeIter(from, to, e.inclusive);
      }
      case 'macro':
        return macro(this, e, st);
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
      case 'match':
        return matchExpr(this, e, st, expect, expectTy);
      case 'try': {
        const v = this.ev(e.arg, st, expect);
        return v.t === 'opt' ? v.inner : UNKNOWN;
      }
      case 'opaque':
        for (const c of e.children) this.ev(c, st.copy(), null);
        return UNKNOWN;
    }
  }

  /** An integer literal as an element of an array literal: `ev` without the dispatch. */
  private literal(x: Extract<Expr, { k: 'int' }>, expect: IntTy | null): Val {
    tick(this);
    const v = intVal(x.suffix ?? expect, { lo: x.value, hi: x.value });
    if (this.literalFacts && this.quiet === 0 && this.inlineDepth === 0) this.facts.join(x.id, v);
    return v;
  }

  /** A variable, `T::MAX`/`MIN`/`BITS`, or a const of the program. */
  private path(segs: string[], st: State): Val {
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
    return UNKNOWN;
  }

  /** A const's value, evaluated once (quietly: the const's own analysis reports on it). */
  private constValue(c: ConstEntry): Val {
    if (c.value) return c.value;
    if (c.evaluating || !c.item.value) return this.declared(c.item.ty);
    c.evaluating = true;
    const savedText = this.text;
    const savedLoops = this.loops;
    const savedPerValue = this.perValue;
    this.text = c.text;
    this.loops = [];
    this.perValue = 0;
    this.quiet++;
    try {
      const ty = c.item.ty;
      c.value = this.conform(this.ev(c.item.value, new State(), ty.k === 'int' ? ty.ty : null, ty), ty);
    } finally {
      this.quiet--;
      this.text = savedText;
      this.loops = savedLoops;
      this.perValue = savedPerValue;
      c.evaluating = false;
    }
    return c.value;
  }
}
