// SML006: `wrapping_*` on fixed-point (signed) values where the interval shows it can actually wrap:
// a wrapped fixed-point value is a wrong value with the opposite sign, never a useful one.

import { disjoint, fitsTy, ivOfTy } from '../interval';
import { isSigned, tyInfo } from '../inttypes';
import { textOf, type ArithSite, type Rule } from '../sites';
import { exceeds, methodName, operand } from './common';

const wraps = (s: ArithSite) => {
  if (s.op === '<<' || s.op === '>>') {
    const bits = BigInt(tyInfo(s.ty).bits);
    if (s.right && (s.right.iv.lo < 0n || s.right.iv.hi >= bits)) return true;
    return s.op === '<<' && !fitsTy(s.math, s.ty);
  }
  return !fitsTy(s.math, s.ty);
};

export const wrappingArith: Rule<ArithSite> = {
  code: 'SML006',
  name: 'wrapping-arith',
  kind: 'arith',
  test: (s) => s.form === 'wrapping' && isSigned(s.ty) && wraps(s),
  certain: (s) => disjoint(s.math, ivOfTy(s.ty)),
  message: (s) => {
    const args = s.right ? `${operand(textOf(s, s.l), s.left.iv)} and ${operand(textOf(s, s.r), s.right.iv)}` : operand(textOf(s, s.l), s.left.iv);
    return `\`${methodName(s.node) || 'wrapping'}\` on ${args} ${exceeds(s.math, s.ty)} and wraps silently: use saturating_ or checked_ arithmetic`;
  },
};
