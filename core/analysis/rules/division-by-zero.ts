// SML005: `/` or `%` (also wrapping_/saturating_ forms, which panic too) by a value whose interval
// contains zero and that no guard excluded.

import { contains } from '../domain/interval';
import { offered } from '../fixes/editor';
import { textOf, type ArithSite, type Rule } from '../sites';
import { operand } from './common';

export const divisionByZero: Rule<ArithSite> = {
  code: 'SML005',
  name: 'division-by-zero',
  kind: 'arith',
  test: (s) => (s.op === '/' || s.op === '%') && s.form !== 'checked' && !!s.right && contains(s.right.iv, 0n) && !s.right.nz,
  certain: (s) => !!s.right && s.right.iv.lo === 0n && s.right.iv.hi === 0n,
  message: (s) => `${s.op === '/' ? 'divisor' : 'remainder divisor'} ${operand(textOf(s, s.r), s.right!.iv)} can be zero: the ${s.op === '/' ? 'division' : 'remainder'} panics; check it first or use \`checked_${s.op === '/' ? 'div' : 'rem'}\``,
  fixes: (env, node) => {
    if (node.k !== 'binary' && node.k !== 'assign') return [];
    const m = (node.k === 'binary' ? node.op : node.op.slice(0, -1)) === '/' ? 'checked_div' : 'checked_rem';
    if (node.k === 'binary') {
      return offered([
        env.attempt(`Use \`${m}\` (0 when the divisor is 0)`, (ed) => ed.toMethod(node, m, '.unwrap_or(0)')),
        env.attempt('Guard the divisor (`if d != 0 { .. } else { 0 }`)', (ed) => ed.replace(node, `(if ${ed.src(node.right, true)} != 0 { ${ed.src(node, false)} } else { 0 })`)),
      ]);
    }
    return offered([
      env.attempt(`Use \`${m}\` (unchanged when the divisor is 0)`, (ed) => {
        const l = ed.src(node.left, false);
        ed.replace(node, `${l} = ${ed.src(node.left, true)}.${m}(${ed.src(node.right, false)}).unwrap_or(${l})`);
      }),
    ]);
  },
  hover: '**SML005 — division by zero.** An integer division or remainder by 0 panics, and a panic in a Stylus program reverts the call. Guard the divisor (`if d != 0`) or use `checked_div`.',
};
