// SML005: `/` or `%` (also wrapping_/saturating_ forms, which panic too) by a value whose interval
// contains zero and that no guard excluded.

import { contains } from '../interval';
import { textOf, type ArithSite, type Rule } from '../sites';
import { operand } from './common';

export const divisionByZero: Rule<ArithSite> = {
  code: 'SML005',
  name: 'division-by-zero',
  kind: 'arith',
  test: (s) => (s.op === '/' || s.op === '%') && s.form !== 'checked' && !!s.right && contains(s.right.iv, 0n) && !s.right.nz,
  certain: (s) => !!s.right && s.right.iv.lo === 0n && s.right.iv.hi === 0n,
  message: (s) => `${s.op === '/' ? 'divisor' : 'remainder divisor'} ${operand(textOf(s, s.r), s.right!.iv)} can be zero: the ${s.op === '/' ? 'division' : 'remainder'} panics; check it first or use \`checked_${s.op === '/' ? 'div' : 'rem'}\``,
};
