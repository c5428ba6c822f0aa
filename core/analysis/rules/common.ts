// Shared wording for rule messages.

import type { Expr } from '../syntax/ast';
import { fmt, ivOfTy, worstOutside, type Interval } from '../domain/interval';
import { tyRangeText, type IntTy } from '../domain/inttypes';

/** "can reach 6553400, which exceeds i16 [-32768, 32767]" */
export function exceeds(math: Interval, ty: IntTy): string {
  return `can reach ${worstOutside(math, ivOfTy(ty))}, which exceeds ${ty} ${tyRangeText(ty)}`;
}

/** "`x` [-32768, 32767]" (a literal operand is shown once) */
export function operand(text: string, iv: Interval): string {
  const t = text.trim();
  if (/^-?\d[\d_]*([iu](8|16|32|64|128|size))?$/.test(t)) return `\`${t}\``;
  return `\`${short(t)}\` ${fmt(iv)}`;
}

export function short(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > 40 ? `${one.slice(0, 37)}...` : one;
}

/** The method name of `a.wrapping_mul(b)` or `i32::wrapping_mul(a, b)`. */
export function methodName(e: Expr): string {
  if (e.k === 'method') return e.name;
  if (e.k === 'call' && e.callee.k === 'path') return e.callee.segs[e.callee.segs.length - 1];
  return '';
}
