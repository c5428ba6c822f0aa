// SML001: a product of fixed-point (signed) values computed in a type it can overflow, i.e. multiplied
// without widening first. `i64::from(a) * i64::from(b)` or a proven-small operand makes it safe.

import { disjoint, fitsTy, ivOfTy } from '../domain/interval';
import { isSigned } from '../domain/inttypes';
import { offered, widerFor } from '../fixes/editor';
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
  fixes: (env, node, s) => {
    if (node.k === 'assign') return offered([env.attempt('Use saturating multiplication (`saturating_mul`)', (ed) => ed.compoundToMethod(node, 'saturating_mul'))]);
    if (node.k !== 'binary') return [];
    const wide = widerFor(s.ty, s.math.lo, s.math.hi);
    return offered([
      env.attempt(`Multiply in ${wide} (\`${wide}::from(a) * ${wide}::from(b)\`)`, (ed) => {
        ed.widenOperands(node, wide);
        ed.propagate(node, s.ty, wide);
      }),
      env.attempt('Use saturating multiplication (`saturating_mul`)', (ed) => ed.toMethod(node, 'saturating_mul')),
      env.attempt('Use checked multiplication (`checked_mul`, panics on overflow)', (ed) => ed.toMethod(node, 'checked_mul', '.expect("fixed-point overflow")')),
    ]);
  },
  hover:
    '**SML001 — product overflow.** Two fixed-point values multiplied in their own type: the product of a Qa.b and a Qc.d needs the bits of both. ' +
    'Widen the operands first (`i64::from(a) * i64::from(b)`), then rescale and saturate back.',
};
