// SML004: an accumulation (`acc += term`, in a loop or written out term by term) whose trip count times
// the term's interval, plus the initial value, exceeds the accumulator's type.

import { disjoint, fitsTy, ivOfTy } from '../domain/interval';
import { offered, widerFor } from '../fixes/editor';
import type { Fix } from '../fixes/editor';
import { textOf, type ArithSite, type Rule } from '../sites';
import { exceeds, operand } from './common';

export const accumulatorOverflow: Rule<ArithSite> = {
  code: 'SML004',
  name: 'accumulator-overflow',
  kind: 'arith',
  test: (s) => s.accumulation !== null && (s.op === '+' || s.op === '-') && (s.form === 'operator' || s.form === 'compound') && !fitsTy(s.math, s.ty),
  certain: (s) => disjoint(s.math, ivOfTy(s.ty)),
  message: (s) => {
    const acc = s.accumulation!;
    const n = acc.iterations === null ? ' in a loop' : acc.iterations > 1n ? ` over ${acc.iterations} iterations` : '';
    return `accumulating ${operand(textOf(s, s.r), s.right?.iv ?? s.math)}${n} into \`${acc.target}\` (${s.ty}) ${exceeds(s.math, s.ty)}: widen the accumulator`;
  },
  fixes: (env, node, s) => {
    if (!s.accumulation) return [];
    const target = s.accumulation.target;
    const wide = widerFor(s.ty, s.math.lo, s.math.hi);
    const out: (Fix | null)[] = [env.attempt(`Widen the accumulator \`${target}\` to ${wide}`, (ed) => ed.widenVar(target, wide))];
    if (node.k === 'assign' && node.op !== '=') {
      out.push(env.attempt('Use saturating accumulation (`saturating_add`)', (ed) => ed.compoundToMethod(node, node.op === '+=' ? 'saturating_add' : 'saturating_sub')));
    } else if (node.k === 'binary') {
      out.push(env.attempt('Use saturating accumulation (`saturating_add`)', (ed) => ed.toMethod(node, node.op === '+' ? 'saturating_add' : 'saturating_sub')));
    }
    return offered(out);
  },
  hover: '**SML004 — accumulator overflow.** A sum of n products needs about log2(n) bits more than one product: the accumulator must hold the whole sum, not just one term. Widen it (i32 → i64) or bound the terms.',
};
