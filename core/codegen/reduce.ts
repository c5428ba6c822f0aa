// Layers that combine elements along an axis or move them: softmax, argmax, normalizer, transpose,
// concat.
import { sizeOf, stridesOf } from '../ir/graph';
import type { LayerCode, LayerCtx } from './layer';
import { docComment, forLoop, indent, paramsOf, rescaleExpr, tensorOf, writeSignature } from './layer';
import { satFn } from './rust';

/** `o * 30 + j`, leaving out terms whose loop has one iteration. */
function sumTerms(terms: [string, number, number][]): string {
  const out = terms.filter(([, n, k]) => n > 1 && k !== 0).map(([v, , k]) => (k === 1 ? v : `${v} * ${k}`));
  return out.length ? out.join(' + ') : '0';
}

/** Wraps `body` in loops over (outer, inner) when they have more than one iteration. */
function outerInner(outer: number, inner: number, body: string[]): string[] {
  let b = body;
  if (inner > 1) b = [forLoop('j', inner), ...indent(b), '}'];
  if (outer > 1) b = [forLoop('o', outer), ...indent(b), '}'];
  return b;
}

function plus(base: string, term: string): string {
  if (base === '0') return term;
  if (term === '0') return base;
  return `${base} + ${term}`;
}

export function emitSoftmax(ctx: LayerCtx): LayerCode {
  const op = ctx.qn.node.op;
  if (op.op !== 'softmax') throw new Error('internal: not softmax');
  const p = paramsOf(ctx, 'softmax');
  const { outer, axisLen, inner } = op;
  const sat = satFn(tensorOf(ctx, ctx.qn.node.outputs[0]).format.storage);
  const base = sumTerms([['o', outer, axisLen * inner], ['j', inner, 1]]);
  const at = (a: string) => plus(base, inner === 1 ? a : `${a} * ${inner}`);
  const body = [
    `let mut max = x[${plus(base, '0')}] as i64;`,
    `for a in 1..${axisLen} {`,
    `    max = max.max(x[${at('a')}] as i64);`,
    '}',
    `let mut e = [0i64; ${axisLen}];`,
    'let mut sum: i64 = 0;',
    forLoop('a', axisLen),
    `    e[a] = exp_neg_q(max - x[${at('a')}] as i64, ${p.inFrac});`,
    '    sum += e[a];',
    '}',
    forLoop('a', axisLen),
    `    y[${at('a')}] = ${sat}(div_round(e[a] << ${p.outFrac}, sum));`,
    '}',
  ];
  const detail = [`Softmax over an axis of ${axisLen}: e^(x - max) by table (2^-k/64 steps, Q.30), then e * 2^${p.outFrac} / sum with round half up; in Q.${p.inFrac}, out Q.${p.outFrac}.`];
  return { items: [], fn: [...docComment(ctx, detail), ...writeSignature(ctx), ...indent(outerInner(outer, inner, body)), '}'], kind: 'write' };
}

export function emitArgmax(ctx: LayerCtx): LayerCode {
  const op = ctx.qn.node.op;
  if (op.op !== 'argmax') throw new Error('internal: not argmax');
  const { outer, axisLen, inner } = op;
  const base = sumTerms([['o', outer, axisLen * inner], ['j', inner, 1]]);
  const at = (a: string) => plus(base, inner === 1 ? a : `${a} * ${inner}`);
  const body = [
    'let mut best = 0;',
    `let mut bv = x[${plus(base, '0')}];`,
    `for a in 1..${axisLen} {`,
    `    let v = x[${at('a')}];`,
    `    if v ${op.selectLast ? '>=' : '>'} bv {`,
    '        best = a;',
    '        bv = v;',
    '    }',
    '}',
    `y[${sumTerms([['o', outer, inner], ['j', inner, 1]])}] = best as i32;`,
  ];
  const detail = [`Index of the maximum over an axis of ${axisLen}; ties go to the ${op.selectLast ? 'last' : 'first'}.`];
  return { items: [], fn: [...docComment(ctx, detail), ...writeSignature(ctx), ...indent(outerInner(outer, inner, body)), '}'], kind: 'write' };
}

export function emitNormalize(ctx: LayerCtx): LayerCode {
  const op = ctx.qn.node.op;
  if (op.op !== 'normalize') throw new Error('internal: not normalize');
  const p = paramsOf(ctx, 'normalize');
  const out = tensorOf(ctx, ctx.qn.node.outputs[0]);
  const C = out.shape[out.shape.length - 1];
  const rows = sizeOf(out.shape) / C;
  const sat = satFn(out.format.storage);
  const rc = rows > 1 ? `r * ${C} + c` : 'c';
  const body: string[] = [`let mut xs = [0i64; ${C}];`, forLoop('c', C), `    xs[c] = ${rescaleExpr(`x[${rc}] as i64`, p.preShift)};`, '}'];
  if (op.norm === 'L1') body.push('let mut d: i64 = 0;', forLoop('c', C), '    d += xs[c].abs();', '}');
  else if (op.norm === 'L2') body.push('let mut d: i64 = 0;', forLoop('c', C), '    d += xs[c] * xs[c];', '}', 'let d = isqrt(d);');
  else body.push('let mut d = xs[0];', `for c in 1..${C} {`, '    d = d.max(xs[c]);', '}');
  body.push(forLoop('c', C), `    y[${rc}] = if d == 0 {`, '        0', '    } else {', `        ${sat}(div_round(xs[c] << ${p.outFrac}, d))`, '    };', '}');
  const wrapped = rows > 1 ? [forLoop('r', rows), ...indent(body), '}'] : body;
  const detail = [`${op.norm} normalisation of each row of ${C}: x * 2^${p.outFrac} / ${op.norm === 'L1' ? 'sum |x|' : op.norm === 'L2' ? 'isqrt(sum x^2)' : 'max x'} with round half up (0 when the norm is 0); pre-shift ${p.preShift}.`];
  return { items: [], fn: [...docComment(ctx, detail), ...writeSignature(ctx), ...indent(wrapped), '}'], kind: 'write' };
}

export function emitTranspose(ctx: LayerCtx): LayerCode {
  const op = ctx.qn.node.op;
  if (op.op !== 'transpose') throw new Error('internal: not transpose');
  const inShape = tensorOf(ctx, ctx.qn.node.inputs[0]).shape;
  const outShape = tensorOf(ctx, ctx.qn.node.outputs[0]).shape;
  const inStrides = stridesOf(inShape);
  const outStrides = stridesOf(outShape);
  const oi = sumTerms(outShape.map((n, d) => [`d${d}`, n, outStrides[d]]));
  const si = sumTerms(outShape.map((n, d) => [`d${d}`, n, inStrides[op.perm[d]]]));
  let body = [`y[${oi}] = x[${si}];`];
  for (let d = outShape.length - 1; d >= 0; d--) if (outShape[d] > 1) body = [forLoop(`d${d}`, outShape[d]), ...indent(body), '}'];
  return { items: [], fn: [...docComment(ctx, [`Transpose with perm [${op.perm.join(', ')}].`]), ...writeSignature(ctx), ...indent(body), '}'], kind: 'write' };
}

export function emitConcat(ctx: LayerCtx): LayerCode {
  const op = ctx.qn.node.op;
  if (op.op !== 'concat') throw new Error('internal: not concat');
  const p = paramsOf(ctx, 'concat');
  const out = tensorOf(ctx, ctx.qn.node.outputs[0]);
  const outer = sizeOf(out.shape.slice(0, op.axis));
  const total = sizeOf(out.shape.slice(op.axis));
  const sat = satFn(out.format.storage);
  const body: string[] = [];
  let offset = 0;
  ctx.qn.node.inputs.forEach((id, k) => {
    const part = sizeOf(tensorOf(ctx, id).shape.slice(op.axis));
    const src = plus(outer > 1 ? `o * ${part}` : '0', 'i');
    const dst = plus(plus(outer > 1 ? `o * ${total}` : '0', offset ? String(offset) : '0'), 'i');
    body.push(forLoop('i', part), `    y[${dst}] = ${sat}(${rescaleExpr(`x${k}[${src}] as i64`, p.shifts[k])});`, '}');
    offset += part;
  });
  const wrapped = outer > 1 ? [forLoop('o', outer), ...indent(body), '}'] : body;
  const detail = [`Concatenation of ${ctx.qn.node.inputs.length} tensors on axis ${op.axis}, each rescaled to the output format (shifts ${p.shifts.join(', ')}).`];
  const names = ctx.qn.node.inputs.map((_, k) => `x${k}`);
  return { items: [], fn: [...docComment(ctx, detail), ...writeSignature(ctx, names), ...indent(wrapped), '}'], kind: 'write' };
}
