// SML001: a product of fixed-point (signed) values computed in a type it can overflow, i.e. multiplied
// without widening first. `i64::from(a) * i64::from(b)` or a proven-small operand makes it safe.

import { disjoint, fitsTy, ivOfTy } from '../interval';
import { isSigned } from '../inttypes';
import { textOf, type ArithSite, type Rule } from '../sites';
import { exceeds, operand } from './common';

export const mulOverflow: Rule<ArithSite> = {
  code: 'SML001',
  name: 'mul-overflow',
  kind: 'arith',
  test: (s) => (s.op === '*' || s.op === 'pow') && (s.form === 'operator' || s.form === 'compound') && isSigned(s.ty) && !fitsTy(s.math, s.ty),
  certain: (s) => disjoint(s.math, ivOfTy(s.ty)),
  message: (s) => {
    const what = s.op === 'pow' ? `power of ${operand(textOf(s, s.l), s.left.iv)}` : `product of ${operand(textOf(s, s.l), s.left.iv)} and ${operand(textOf(s, s.r), s.right?.iv ?? s.left.iv)}`;
    return `${what} ${exceeds(s.math, s.ty)}: multiply in a wider type (e.g. i64) or bound the operands`;
  },
};
