// What the evaluator reports to the rules: one "site" per arithmetic operation, cast or saturation it
// evaluates (once per visit; loops that are unrolled visit a site many times).

import * as I from './domain/interval';
import type { Interval } from './domain/interval';
import type { IntTy } from './domain/inttypes';
import { joinVal, type IntVal } from './domain/values';
import type { Fix, FnEnv } from './fixes/editor';
import type { Expr } from './syntax/ast';

export interface OffsetRange {
  s: number;
  e: number;
}

export type ArithOp = '+' | '-' | '*' | '/' | '%' | '<<' | '>>' | 'neg' | 'abs' | 'pow';

export interface ArithSite {
  kind: 'arith';
  node: Expr;
  op: ArithOp;
  /** operator (`a * b`), compound assignment (`a *= b`), or the method family (`a.wrapping_mul(b)`) */
  form: 'operator' | 'compound' | 'wrapping' | 'saturating' | 'checked';
  /** the type the operation is carried out in */
  ty: IntTy;
  left: IntVal;
  right: IntVal | null;
  /** the mathematical result (no wrapping) */
  math: Interval;
  /** source text of the unit and the operands' offsets in it (texts are sliced only for messages) */
  src: string;
  l: OffsetRange | null;
  r: OffsetRange | null;
  /** `acc += t` / `acc = acc + t` inside a loop: the accumulator and how many iterations feed it */
  accumulation: { target: string; iterations: bigint | null } | null;
}

export interface CastSite {
  kind: 'cast';
  node: Expr;
  from: IntTy | null;
  to: IntTy;
  val: IntVal;
  src: string;
  arg: OffsetRange;
}

/** A clamp to a type's full range or a call of a saturating helper: where the manifest says "unreachable". */
export interface SaturateSite {
  kind: 'saturate';
  node: Expr;
  pre: Interval;
  bounds: Interval;
  src: string;
  arg: OffsetRange | null;
}

export type Site = ArithSite | CastSite | SaturateSite;

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** A rule: a stable code, a per-visit test, and a message built from the joined site. */
export interface Rule<S extends Site = Site> {
  code: string;
  /** short kebab-case name, used in docs and tests */
  name: string;
  kind: S['kind'];
  /** does the rule fire on this visit? */
  test(site: S): boolean;
  /** does the problem happen for every value (not just some)? → error instead of warning */
  certain(site: S): boolean;
  message(site: S): string;
  /** range to flag, relative to the item (defaults to the site's node) */
  range?(site: S): { s: number; e: number };
  /** quick fixes for a hit at `node` (fixes/editor.ts has the editing machinery) */
  fixes?(env: FnEnv, node: Expr, site: S): Fix[];
  /** what the rule guards against and how to fix it, for hovers over a flagged range (markdown) */
  hover?: string;
}

/** A rule hit, aggregated over all visits of its site. */
export interface Hit {
  rule: Rule;
  site: Site;
  certain: boolean;
}

/** Source text of a site's operand. */
export function textOf(site: { src: string }, r: OffsetRange | null): string {
  return r ? site.src.slice(r.s, r.e) : '';
}

/** One site visited several times (an unrolled loop): operands and results joined. */
export function mergeSite(a: Site, b: Site): Site {
  if (a.kind === 'arith' && b.kind === 'arith') {
    const acc =
      a.accumulation && b.accumulation
        ? { target: a.accumulation.target, iterations: a.accumulation.iterations === null || b.accumulation.iterations === null ? null : a.accumulation.iterations > b.accumulation.iterations ? a.accumulation.iterations : b.accumulation.iterations }
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
