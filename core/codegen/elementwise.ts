// Element-wise layers: affine (Mul/Add/Sub/Div by constants, Scaler, BatchNormalization), binary ops of
// two tensors with broadcasting, activations, casts, thresholds, constants and reshapes.
import { sizeOf, stridesOf } from '../ir/graph';
import type { LayerCode, LayerCtx } from './layer';
import type { LayerWeight } from '../manifest/schema';
import { arrayRef, docComment, forLoop, indent, narrow, paramsOf, rescaleExpr, rescaleText, signature, tensorOf, weightTable, writeSignature } from './layer';
import { constName, fmtText, intLit, rustType, satFn, staticArray } from './rust';

function fnOf(ctx: LayerCtx, detail: string[], body: string[], names?: string[]): LayerCode['fn'] {
  return [...docComment(ctx, detail), ...writeSignature(ctx, names), ...indent(body), '}'];
}

function outType(ctx: LayerCtx): string {
  return rustType(tensorOf(ctx, ctx.qn.node.outputs[0]).format.storage);
}

function size(ctx: LayerCtx): number {
  return sizeOf(tensorOf(ctx, ctx.qn.node.outputs[0]).shape);
}

export function emitAffine(ctx: LayerCtx): LayerCode {
  const op = ctx.qn.node.op;
  if (op.op !== 'affine') throw new Error('internal: not affine');
  const p = paramsOf(ctx, 'affine');
  const n = size(ctx);
  const { mid, inner } = op.broadcast;
  if (n % (mid * inner) !== 0) throw new Error(`internal: affine broadcast (${mid}, ${inner}) does not divide ${n}`);
  const outer = n / (mid * inner);
  const sName = constName(ctx.fn, 'SCALE');
  const oName = constName(ctx.fn, 'OFFSET');
  const items: string[][] = [];
  const scalar = mid === 1;
  const x = tensorOf(ctx, ctx.qn.node.inputs[0]);
  const weights: LayerWeight[] = [];
  if (!scalar) {
    items.push(staticArray(sName, rustType(p.scale.format.storage), p.scale.q, [`\`${ctx.qn.node.origin.name}\` scale, ${fmtText(p.scale.format)}.`]));
    items.push(staticArray(oName, 'i64', p.offset, [`\`${ctx.qn.node.origin.name}\` offset at the accumulator's scale (Q.${x.format.frac + p.scale.format.frac}).`]));
    weights.push(weightTable(ctx, 'scale', sName, p.scale.format.storage, p.scale.format.frac, p.scale.q), weightTable(ctx, 'offset', oName, 'i64', x.format.frac + p.scale.format.frac, p.offset));
  }
  const s = scalar ? intLit(p.scale.q[0]) : `${sName}[c] as i64`;
  const o = scalar ? intLit(p.offset[0]) : `${oName}[c]`;
  const body: string[] = [];
  const expr = (i: string) => `y[${i}] = ${narrow(ctx, `x[${i}] as i64 * s + o`, p.shift)};`;
  if (scalar) {
    body.push(`let s: i64 = ${s};`, `let o: i64 = ${o};`, forLoop('i', n), `    ${expr('i')}`, '}');
  } else {
    const idx = [outer > 1 ? `a * ${mid * inner}` : '', inner > 1 ? `c * ${inner}` : 'c', inner > 1 ? 'k' : ''].filter(Boolean).join(' + ');
    const lines = [forLoop('c', mid), `    let s = ${s};`, `    let o = ${o};`];
    if (inner > 1) lines.push(`    ${forLoop('k', inner)}`, `        let i = ${idx};`, `        ${expr('i')}`, '    }');
    else lines.push(`    let i = ${idx};`, `    ${expr('i')}`);
    lines.push('}');
    if (outer > 1) body.push(forLoop('a', outer), ...indent(lines), '}');
    else body.push(...lines);
  }
  const detail = [`y = sat(rescale(x * scale[c] + offset[c])), scale ${fmtText(p.scale.format)} broadcast as (outer ${outer}, channels ${mid}, inner ${inner}); accumulator i64; ${rescaleText(p.shift)}.`];
  return { items, fn: fnOf(ctx, detail, body), kind: 'write', weights };
}

/** Index of operand `inShape` broadcast to `out`, as an expression in loop counters d0, d1, ... */
function broadcastIndex(inShape: number[], out: number[]): string {
  const rank = out.length;
  const padded = [...new Array(rank - inShape.length).fill(1), ...inShape];
  const strides = stridesOf(padded).map((s, d) => (padded[d] === 1 ? 0 : s));
  const terms = strides.flatMap((s, d) => (s === 0 || out[d] === 1 ? [] : [s === 1 ? `d${d}` : `d${d} * ${s}`]));
  return terms.length ? terms.join(' + ') : '0';
}

export function emitBinary(ctx: LayerCtx): LayerCode {
  const op = ctx.qn.node.op;
  if (op.op !== 'binary') throw new Error('internal: not binary');
  const p = paramsOf(ctx, 'binary');
  const [aId, bId] = ctx.qn.node.inputs;
  const out = tensorOf(ctx, ctx.qn.node.outputs[0]).shape;
  const a = tensorOf(ctx, aId).shape;
  const b = tensorOf(ctx, bId).shape;
  const dims = out.map((d, i) => [d, i] as const).filter(([d]) => d > 1);
  const oi = broadcastIndex(out, out);
  const ai = broadcastIndex(a, out);
  const bi = broadcastIndex(b, out);
  const shl = (v: string, s: number) => (s === 0 ? v : `(${v} << ${s})`);
  const acc = op.fn === 'mul' ? 'va * vb' : `${shl('va', p.shiftA)} ${op.fn === 'add' ? '+' : '-'} ${shl('vb', p.shiftB)}`;
  let body = [`let va = a[${ai}] as i64;`, `let vb = b[${bi}] as i64;`, `let acc = ${acc};`, `y[${oi}] = ${narrow(ctx, 'acc', p.shift)};`];
  for (let k = dims.length - 1; k >= 0; k--) body = [forLoop(`d${dims[k][1]}`, dims[k][0]), ...indent(body), '}'];
  const detail = [`${op.fn === 'mul' ? 'y = sat(rescale(a * b))' : `y = sat(rescale((a << ${p.shiftA}) ${op.fn === 'add' ? '+' : '-'} (b << ${p.shiftB})))`}, numpy broadcasting of ${JSON.stringify(a)} and ${JSON.stringify(b)}; accumulator i64; ${rescaleText(p.shift)}.`];
  return { items: [], fn: fnOf(ctx, detail, body, ['a', 'b']), kind: 'write' };
}

export function emitUnary(ctx: LayerCtx): LayerCode {
  const p = ctx.qn.params;
  const n = size(ctx);
  const st = tensorOf(ctx, ctx.qn.node.outputs[0]).format.storage;
  const sat = satFn(st);
  let line: string;
  let detail: string;
  switch (p.op) {
    case 'relu':
      line = 'y[i] = x[i].max(0);';
      detail = 'y = max(x, 0).';
      break;
    case 'leakyRelu':
      line = `y[i] = ${sat}(leaky(x[i] as i64, ${intLit(p.alpha)}, ${p.alphaFrac}));`;
      detail = `y = x for x >= 0, else sat(rescale(x * ${p.alpha})) (alpha at Q.${p.alphaFrac}).`;
      break;
    case 'clip':
      line = `y[i] = x[i].max(${intLit(p.lo, rustType(st))}).min(${intLit(p.hi, rustType(st))});`;
      detail = `y = min(max(x, ${p.lo}), ${p.hi}).`;
      break;
    case 'sigmoid':
      line = `y[i] = ${sat}(sigmoid_q(x[i] as i64, ${p.inFrac}, ${p.outFrac}));`;
      detail = `Sigmoid by table (1/32 steps in Q.16, linear interpolation, Q.30); in Q.${p.inFrac}, out Q.${p.outFrac}; max approximation error ${ctx.qn.approxError?.toExponential(2)}.`;
      break;
    case 'tanh':
      line = `y[i] = ${sat}(tanh_q(x[i] as i64, ${p.inFrac}, ${p.outFrac}));`;
      detail = `tanh(x) = 2 sigmoid(2x) - 1 by table; in Q.${p.inFrac}, out Q.${p.outFrac}; max approximation error ${ctx.qn.approxError?.toExponential(2)}.`;
      break;
    case 'castInt':
      line = `y[i] = sat_i32(trunc_frac(x[i] as i64, ${p.frac}));`;
      detail = `Cast to integer: truncation toward zero of x * 2^-${p.frac}.`;
      break;
    case 'threshold':
      line = `y[i] = ((x[i] as i64) > ${intLit(p.t)}) as i32;`;
      detail = `Label 1 when x > ${p.t} (the threshold at the input's scale), else 0.`;
      break;
    default:
      throw new Error(`internal: ${p.op} is not unary`);
  }
  const body = [forLoop('i', n), `    ${line}`, '}'];
  return { items: [], fn: fnOf(ctx, [detail], body), kind: 'write' };
}

export function emitBinaryScores(ctx: LayerCtx): LayerCode {
  const op = ctx.qn.node.op;
  if (op.op !== 'binaryScores') throw new Error('internal: not binaryScores');
  const p = paramsOf(ctx, 'binaryScores');
  const rows = size(ctx) / 2;
  const sat = satFn(tensorOf(ctx, ctx.qn.node.outputs[0]).format.storage);
  const body: string[] = [forLoop('r', rows), '    let p = x[r] as i64;'];
  if (op.mode === 'logistic') {
    body.push(`    y[2 * r] = ${sat}(sigmoid_q(-p, ${p.inFrac}, ${p.outFrac}));`, `    y[2 * r + 1] = ${sat}(sigmoid_q(p, ${p.inFrac}, ${p.outFrac}));`);
  } else {
    body.push(`    let q = ${rescaleExpr('p', p.inFrac - p.outFrac)};`);
    body.push(`    y[2 * r] = ${sat}(${op.mode === 'complement' ? `${intLit(2 ** p.outFrac)} - q` : '-q'});`, `    y[2 * r + 1] = ${sat}(q);`);
  }
  body.push('}');
  const what = op.mode === 'logistic' ? '[sigmoid(-p), sigmoid(p)]' : op.mode === 'complement' ? '[1 - p, p]' : '[-p, p]';
  return { items: [], fn: fnOf(ctx, [`Two-class scores ${what} from one score p (Q.${p.inFrac} -> Q.${p.outFrac}).`], body), kind: 'write' };
}

export function emitConstant(ctx: LayerCtx): LayerCode {
  const p = paramsOf(ctx, 'constant');
  const name = constName(ctx.fn, 'VALUE');
  const t = outType(ctx);
  const item = staticArray(name, t, p.q, [`\`${ctx.qn.node.origin.name}\` constant, ${fmtText(tensorOf(ctx, ctx.qn.node.outputs[0]).format)}.`], 'const');
  return { items: [item], fn: fnOf(ctx, ['A constant tensor.'], [`*y = ${name};`]), kind: 'write' };
}

export function emitReshape(ctx: LayerCtx): LayerCode {
  const x = tensorOf(ctx, ctx.qn.node.inputs[0]);
  const sig = signature(ctx.fn, [['x', arrayRef(x)]], arrayRef(x));
  return { items: [], fn: [...docComment(ctx, ['Shape only: the data stays where it is.']), ...sig, '    x', '}'], kind: 'alias' };
}

/** QLinearAdd: y = requant((a − za)·ma + (b − zb)·mb) with one round-half-even shift. */
export function emitQAdd(ctx: LayerCtx): LayerCode {
  const op = ctx.qn.node.op;
  if (op.op !== 'qadd') throw new Error('internal: not qadd');
  const p = paramsOf(ctx, 'qadd');
  const n = size(ctx);
  const items: string[][] = [];
  const bName = constName(ctx.fn, 'B');
  let bExpr = 'b[i]';
  if (p.bConst) {
    items.push(staticArray(bName, 'i8', p.bConst, [`\`${ctx.qn.node.origin.name}\` constant B (i8; broadcast every ${op.bConst!.inner} elements).`], 'static'));
    const idx = op.bConst!.mid === 1 ? '0' : op.bConst!.inner === 1 ? (op.bConst!.mid === n ? 'i' : `i % ${op.bConst!.mid}`) : `(i / ${op.bConst!.inner}) % ${op.bConst!.mid}`;
    bExpr = `${bName}[${idx}]`;
  }
  const body = [
    forLoop('i', n),
    `    let acc = (x${p.bConst ? '' : 'a'}[i] as i64 - ${intLit(p.za)}) * ${intLit(p.ma)} + (${bExpr} as i64 - ${intLit(p.zb)}) * ${intLit(p.mb)};`,
    `    y[i] = requant_i8(acc, 1, ${p.s}, ${intLit(p.zy)});`,
    '}',
  ];
  const detail = [`Pre-quantized add: y = sat(round_half_even(((a - ${p.za}) * ${p.ma} + (b - ${p.zb}) * ${p.mb}) / 2^${p.s}) + ${p.zy}).`];
  return { items, fn: p.bConst ? fnOf(ctx, detail, body) : fnOf(ctx, detail, body, ['xa', 'b']), kind: 'write' };
}

/** A pre-quantized unary op (QLinearSigmoid, QLinearLeakyRelu, ...) as its 256 outputs. */
export function emitQLut(ctx: LayerCtx): LayerCode {
  const op = ctx.qn.node.op;
  if (op.op !== 'qlut') throw new Error('internal: not qlut');
  const p = paramsOf(ctx, 'qlut');
  const tName = constName(ctx.fn, 'TABLE');
  const items = [staticArray(tName, 'i8', p.table, [`\`${ctx.qn.node.origin.name}\`: ${op.fn} of every i8 input (index x + 128), quantised as onnxruntime does.`], 'static')];
  const body = [forLoop('i', size(ctx)), `    y[i] = ${tName}[(x[i] as i16 + 128) as usize];`, '}'];
  return { items, fn: fnOf(ctx, [`Pre-quantized ${op.fn} by table: y = TABLE[x + 128].`], body), kind: 'write' };
}
