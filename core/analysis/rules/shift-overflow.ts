// SML003: shifts that lose information: an amount that can reach the bit width (or be negative), or a
// left shift of a signed value whose result leaves the type (including shifting a negative value left
// past the sign bit).

import { disjoint, fitsTy, fmt, ivOfTy } from '../domain/interval';
import { isSigned, tyInfo } from '../domain/inttypes';
import { CannotFix, isAtom, offered, widerFor } from '../fixes/editor';
import type { Fix } from '../fixes/editor';
import { textOf, type ArithSite, type Rule } from '../sites';
import { exceeds, operand, short } from './common';

const isShift = (s: ArithSite) => (s.op === '<<' || s.op === '>>') && (s.form === 'operator' || s.form === 'compound');
const badAmount = (s: ArithSite) => !!s.right && (s.right.iv.lo < 0n || s.right.iv.hi >= BigInt(tyInfo(s.ty).bits));
const lostBits = (s: ArithSite) => s.op === '<<' && isSigned(s.ty) && !s.left.tainted && !fitsTy(s.math, s.ty);

export const shiftOverflow: Rule<ArithSite> = {
  code: 'SML003',
  name: 'shift-overflow',
  kind: 'arith',
  test: (s) => isShift(s) && ((badAmount(s) && (isSigned(s.ty) || !s.right!.declared)) || lostBits(s)),
  certain: (s) => {
    const bits = BigInt(tyInfo(s.ty).bits);
    if (badAmount(s)) return !!s.right && (s.right.iv.lo >= bits || s.right.iv.hi < 0n);
    return disjoint(s.math, ivOfTy(s.ty));
  },
  message: (s) => {
    const bits = tyInfo(s.ty).bits;
    if (badAmount(s)) {
      const a = s.right!.iv;
      const why = a.lo < 0n ? `can be negative (${a.lo})` : `can reach ${a.hi}, not below the ${bits}-bit width of ${s.ty}`;
      return `shift amount \`${short(textOf(s, s.r))}\` ${fmt(a)} ${why}: the shift panics in debug builds and is masked in release`;
    }
    const neg = s.left.iv.lo < 0n ? ' (a negative value shifted left)' : '';
    return `left shift of ${operand(textOf(s, s.l), s.left.iv)} by ${operand(textOf(s, s.r), s.right?.iv ?? s.left.iv)} ${exceeds(s.math, s.ty)}${neg}: bits and the sign are lost`;
  },
  fixes: (env, node, s) => {
    const bits = tyInfo(s.ty).bits;
    const rhs = node.k === 'binary' || node.k === 'assign' ? node.right : null;
    const out: (Fix | null)[] = [];
    if (badAmount(s) && rhs) {
      const amtTy = s.right?.ty ?? null;
      const lit = amtTy === null || rhs.k === 'int';
      out.push(
        env.attempt(`Keep the shift amount within 0..${bits - 1}`, (ed) => {
          if (lit) throw new CannotFix('literal shift amount');
          const signedAmt = amtTy && isSigned(amtTy);
          const atom = isAtom(rhs);
          ed.wrap(rhs, atom ? '' : '(', `${atom ? '' : ')'}${signedAmt ? `.clamp(0, ${bits - 1})` : `.min(${bits - 1})`}`);
        }),
      );
    } else if (node.k === 'binary' && node.op === '<<') {
      const wide = widerFor(s.ty, s.math.lo, s.math.hi);
      out.push(
        env.attempt(`Shift in ${wide} (\`${wide}::from(x) << k\`)`, (ed) => {
          ed.widenOperand(node.left, wide);
          ed.propagate(node, s.ty, wide);
        }),
      );
      const k = node.right.k === 'int' ? node.right.value : null;
      if (k !== null && k >= 0n && k < BigInt(bits - 1)) {
        out.push(env.attempt('Use saturating arithmetic (`saturating_mul(1 << k)`)', (ed) => ed.replace(node, `${ed.src(node.left, true)}.saturating_mul(1 << ${k})`)));
      }
    }
    return offered(out);
  },
  hover: '**SML003 — shift overflow.** A shift amount outside `0..bits` panics in debug builds and is masked in release; a left shift of a fixed-point value that leaves the type loses its high bits and sign. Bound the amount, or shift in a wider type.',
};
