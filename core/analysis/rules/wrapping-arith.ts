// SML006: `wrapping_*` on fixed-point (signed) values where the interval shows it can actually wrap:
// a wrapped fixed-point value is a wrong value with the opposite sign, never a useful one.

import { disjoint, fitsTy, ivOfTy } from '../domain/interval';
import { isSigned, tyInfo } from '../domain/inttypes';
import { offered } from '../fixes/editor';
import type { Fix } from '../fixes/editor';
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
  fixes: (env, node) => {
    const op = methodName(node).replace(/^wrapping_/, '');
    const out: (Fix | null)[] = [];
    if (['add', 'sub', 'mul', 'neg', 'abs', 'pow', 'div'].includes(op)) out.push(env.attempt(`Use \`saturating_${op}\``, (ed) => ed.renameMethod(node, `saturating_${op}`)));
    if (['add', 'sub', 'mul', 'neg', 'abs', 'pow', 'div', 'rem', 'shl', 'shr'].includes(op)) {
      out.push(env.attempt(`Use \`checked_${op}\` (panics on overflow)`, (ed) => ed.renameMethod(node, `checked_${op}`, '.expect("fixed-point overflow")')));
    }
    return offered(out);
  },
  hover: '**SML006 — wrapping arithmetic.** A wrapped fixed-point value is a different number with the opposite sign, never a useful one. Use `saturating_*` (clips at the range) or `checked_*`.',
};
