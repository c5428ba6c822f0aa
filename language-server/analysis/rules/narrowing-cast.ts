// SML002: `x as T` where x's interval does not fit T: the value wraps silently. A clamp to T's range, a
// `T::try_from`, or a guard before the cast makes it safe (the interval then fits).

import { disjoint, fitsTy, fmt, ivOfTy } from '../interval';
import { isSigned, tyRangeText } from '../inttypes';
import { textOf, type CastSite, type Rule } from '../sites';
import { short } from './common';

export const narrowingCast: Rule<CastSite> = {
  code: 'SML002',
  name: 'narrowing-cast',
  kind: 'cast',
  // unsigned values known only by their declared type (lengths, indices) are not fixed-point data
  test: (s) => s.from !== s.to && !fitsTy(s.val.iv, s.to) && (s.from === null || isSigned(s.from) || !s.val.declared),
  certain: (s) => disjoint(s.val.iv, ivOfTy(s.to)),
  message: (s) =>
    `\`${short(textOf(s, s.arg))}\` ${fmt(s.val.iv)}${s.from ? ` (${s.from})` : ''} is narrowed to ${s.to} ${tyRangeText(s.to)} by \`as\` without saturation or a check: values outside the range wrap silently`,
};
