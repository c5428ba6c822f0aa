// The evaluator as its parts see it. The interpreter is split by concern (arith.ts, int-methods.ts,
// containers.ts, calls.ts, stores.ts, conditions.ts, loops.ts, blocks.ts); each part is a set of
// functions over this context, and evaluator.ts ties them together. Parts reach each other through
// `ev` (and the few entry points below), never through imports of evaluator.ts, so there are no cycles.

import type { IntTy } from '../domain/inttypes';
import type { IntVal, Val } from '../domain/values';
import type { Hit, Rule, SaturateSite, Site } from '../sites';
import type { Expr, FnItem, Pat, TypeRef } from '../syntax/ast';
import type { Facts, ShiftFact } from './facts';
import type { Program } from './program';
import type { FnFrame, LoopFrame, State } from './state';

export interface Interp {
  readonly program: Program;
  readonly rules: Rule[];
  /** the text node offsets are relative to (the unit analysed, or an inlined callee's) */
  text: string;
  steps: number;
  budget: number;
  /** loops may be unrolled (false once the budget forced summaries) */
  allowUnroll: boolean;
  /**
   * >0 inside a loop unrolled per value with its inner loops cheap (loops.ts unrollPerValue): nested loops
   * are unrolled only while their summarised bodies are small, summarised otherwise
   */
  perValue: number;
  /**
   * loops with loops inside are unrolled per value only, never with their inner loops (the second try of
   * a function whose full unrolling ran out of steps, before everything is summarised)
   */
  perValueFirst: boolean;
  /** >0 while evaluating passes whose results are discarded (loop summaries' first pass, inlined calls) */
  quiet: number;
  inlineDepth: number;
  loops: LoopFrame[];
  fnStack: FnFrame[];
  hits: Map<string, Hit>;
  sats: Map<number, SaturateSite>;
  shifts: Map<number, ShiftFact>;
  stored: Map<string, IntVal>;
  storedAt: Map<string, Map<number, IntVal> | null>;
  /**
   * the function's parameters by the names they have where evaluation is (a local helper's parameter
   * bound to the caller's output array maps to that output's name): stores into them are what a layer produced
   */
  outputs: Map<string, string>;
  facts: Facts;
  /** collects rule hits inside a trusted callee (see FnEntry.trusted) */
  redirect: { hits: Map<string, Hit> } | null;
  /** the function analyzeFn is analysing (for its syntactic facts, ratios.ts) */
  currentFn: FnItem | null;
  /** local helpers being evaluated in place (calls.ts), against recursion */
  readonly activeLocals: Set<FnItem>;
  /** step estimates per expression (loops.ts) */
  readonly estimates: WeakMap<Expr, number>;

  /** Evaluates an expression (counts a step, records the fact for hovers). */
  ev(e: Expr, st: State, expect: IntTy | null, expectTy?: TypeRef | null): Val;
  /** Records a node's value for hovers (joined over visits). */
  record(e: { id: number }, v: Val): void;
  /** Reports a site to the rules; true when a rule fired (the result is then tainted). */
  site(s: Site): boolean;
  /** The value a declared type gives when nothing else is known. */
  declared(ty: TypeRef | null): Val;
  /** Gives a value the declared type (flexible literals settle; out-of-range values wrap to the range). */
  conform(v: Val, ty: TypeRef | null): Val;
  bindPat(p: Pat, v: Val, st: State, ty: IntTy | null): void;
  /** Narrows variables in `st` assuming `cond` evaluates to `truth` (conditions.ts). */
  refine(cond: Expr, st: State, truth: boolean): void;
}

/** Thrown when a function's step budget runs out: it is re-run with loops summarised. */
export class BudgetExceeded extends Error {}

export function tick(cx: Interp): void {
  if (++cx.steps > cx.budget) throw new BudgetExceeded();
}
