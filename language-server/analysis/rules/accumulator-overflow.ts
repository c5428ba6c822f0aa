// SML004: an accumulation (`acc += term`, in a loop or written out term by term) whose trip count times
// the term's interval, plus the initial value, exceeds the accumulator's type.

import { disjoint, fitsTy, ivOfTy } from '../interval';
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
};
