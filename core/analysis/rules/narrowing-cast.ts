// SML002: `x as T` where x's interval does not fit T: the value wraps silently. A clamp to T's range, a
// `T::try_from`, or a guard before the cast makes it safe (the interval then fits).

import { disjoint, fitsTy, fmt, ivOfTy } from '../domain/interval';
import { isSigned, tyInfo, tyRangeText } from '../domain/inttypes';
import { isAtom, offered } from '../fixes/editor';
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
  fixes: (env, node, s) => {
    if (node.k !== 'cast') return [];
    const to = s.to;
    const from = s.from ?? 'i32';
    const f = tyInfo(from);
    const t = tyInfo(to);
    const lo = t.min > f.min ? t.min : f.min;
    const hi = t.max < f.max ? t.max : f.max;
    return offered([
      env.attempt(`Saturate to ${to} before the cast (clamp to ${fmt({ lo, hi })})`, (ed) => {
        const bounds = t.min >= f.min && t.max <= f.max ? `${to}::MIN as ${from}, ${to}::MAX as ${from}` : `${lo}, ${hi}`;
        const atom = isAtom(node.arg);
        if (!atom) ed.insert(node.arg.s, '(', 2, node.arg.e - node.arg.s);
        ed.insert(node.arg.e, `${atom ? '' : ')'}.clamp(${bounds})`, 1, node.arg.e - node.arg.s);
      }),
      env.attempt(`Use \`${to}::try_from\` (panics when out of range)`, (ed) => ed.replace(node, `${to}::try_from(${ed.src(node.arg, false)}).expect("value out of ${to} range")`)),
    ]);
  },
  hover: '**SML002 — narrowing cast.** `as` keeps the low bits: a fixed-point value outside the target range comes out with a wrong magnitude or sign. Saturate first (`x.clamp(T::MIN as S, T::MAX as S) as T`) or use `T::try_from`.',
};
