// Layers of dynamically quantized models (Graph.float32): tensors are float32 keys (i32), the float32
// arithmetic is the integer soft-float of softfloat.rs, op for op as onnxruntime computes it (core/quant/
// f32.ts). A dense or convolution layer quantizes its input at run time (`sf_dynamic_quantize`), sums
// integer products in an i32 accumulator and turns the sum into float32 with its scales and bias.
import { bitsOf } from '../quant/f32';
import type { LayerCode, LayerCtx, Scratch } from './layer';
import { docComment, forLoop, indent, paramsOf, tensorOf, writeSignature } from './layer';
import { constName, rustType, staticArray, staticMatrix } from './rust';
import { nestedWeights, padCopy, padded, padScratch, tapIndex } from './dense';

/** float32 bits as a Rust u32 literal */
export function f32Lit(v: number): string {
  return `0x${bitsOf(v).toString(16).padStart(8, '0').replace(/(....)(....)$/, '$1_$2')}`;
}

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** DynamicQuantizeMatMul / DynamicQuantizeConv. */
export function emitDynamic(ctx: LayerCtx): LayerCode {
  const op = ctx.qn.node.op;
  const p = ctx.qn.params;
  if ((p.op !== 'matmul' && p.op !== 'conv2d') || !p.dynamic || (op.op !== 'matmul' && op.op !== 'conv2d')) throw new Error('internal: not a dynamic layer');
  const d = p.dynamic;
  const x = tensorOf(ctx, ctx.qn.node.inputs[0]);
  const y = tensorOf(ctx, ctx.qn.node.outputs[0]);
  const n = sizeOf(x.shape);
  const acc = p.acc;
  const wt = rustType(p.W.format.storage);
  const channels = op.op === 'matmul' ? op.N : op.outChannels;
  const per = p.W.q.length / channels;
  const items: string[][] = [];
  const wName = constName(ctx.fn, 'W');
  const sName = constName(ctx.fn, 'W_SCALE');
  const bName = constName(ctx.fn, 'BIAS');
  items.push(staticMatrix(wName, wt, channels, per, p.W.q, [`\`${ctx.qn.node.origin.name}\` quantized weights minus their zero point, one row per output channel.`]));
  const perChannel = d.wScale.length > 1;
  if (perChannel) items.push(staticArray(sName, 'u32', d.wScale.map(f32Lit), ['Weight scale per output channel (float32 bits).'], 'static'));
  if (d.bias) items.push(staticArray(bName, 'u32', d.bias.map(f32Lit), [`\`${ctx.qn.node.origin.name}\` bias per output channel (float32 bits).`], 'static'));
  const m = perChannel && op.op === 'matmul' ? `sf_mul(s, ${sName}[c])` : 'm';
  // the quantized input `d` (and a convolution's padded copy `xp`) are scratch buffers in the arena
  const scratch: Scratch[] = [{ name: 'd', type: `[i16; ${n}]`, bytes: 2 * n }];
  const out = (accExpr: string) => (d.bias ? `sf_epilogue(${accExpr}, ${m}, ${bName}[c])` : `sf_scale(${accExpr}, ${m})`);
  const accI32 = acc === 'i32' ? 'acc' : 'acc as i32';
  const body: string[] = ['let s = sf_dynamic_quantize(x, d);'];
  if (!perChannel) body.push(`let m = sf_mul(s, ${f32Lit(d.wScale[0])});`);
  if (op.op === 'matmul') {
    const { M, K, N } = op;
    const rows = M > 1 ? [forLoop('r', M)] : [];
    const xo = M > 1 ? `r * ${K} + ` : '';
    const yo = M > 1 ? `r * ${N} + ` : '';
    const inner = [
      forLoop('c', N),
      `    let w = &${wName}[c];`,
      `    let mut acc: ${acc} = 0;`,
      `    ${forLoop('k', K)}`,
      `        acc += d[${xo}k] as ${acc} * w[k] as ${acc};`,
      '    }',
      `    y[${yo}c] = ${out(accI32)};`,
      '}',
    ];
    body.push(...(M > 1 ? [...rows, ...indent(inner), '}'] : inner));
  } else {
    if (op.op !== 'conv2d') throw new Error('internal');
    // the quantized input is copied into a zero-padded image: q − zero point is 0 on the padding, as
    // ConvInteger pads with the zero point, so the taps need no border tests
    const [Nb, C, H, W] = x.shape;
    const [, OC, OH, OW] = y.shape;
    const [KH, KW] = op.kernel;
    const [SH, SW] = op.strides;
    const [DH, DW] = op.dilations;
    const [PT, PL, PB, PR] = op.pads;
    const HP = padded(H, OH, SH, KH, DH, PT, PB);
    const WP = padded(W, OW, SW, KW, DW, PL, PR);
    items.splice(0, 1, nestedWeights(wName, wt, p.W.q, OC, C, KH, KW, [`\`${ctx.qn.node.origin.name}\` quantized weights minus their zero point.`]));
    const images = Nb > 1;
    const yAt = images ? `((nb * ${OC} + oc) * ${OH} + oh) * ${OW} + ow` : `(oc * ${OH} + oh) * ${OW} + ow`;
    const taps: string[] = [];
    for (let i = 0; i < KH; i++) for (let j = 0; j < KW; j++) taps.push(`            acc += xp[c][${tapIndex('oh', SH, i * DH)}][${tapIndex('ow', SW, j * DW)}] as ${acc} * wc[${i}][${j}] as ${acc};`);
    const inner = [
      ...padCopy(C, H, W, HP, WP, PT, PL, '0i16', images ? 'nb' : null, 'd'),
      forLoop('oc', OC),
      `    let wk = &${wName}[oc];`,
      ...(perChannel ? [`    let m = sf_mul(s, ${sName}[oc]);`] : []),
      `    ${forLoop('oh', OH)}`,
      `        ${forLoop('ow', OW)}`,
      `            let mut acc: ${acc} = 0;`,
      `            ${forLoop('c', C)}`,
      '                let wc = &wk[c];',
      ...indent(taps, 1),
      '            }',
      `            y[${yAt}] = ${out(accI32).replace(/\[c\]/g, '[oc]')};`,
      '        }',
      '    }',
      '}',
    ];
    body.push(...(images ? [forLoop('nb', Nb), ...indent(inner), '}'] : inner));
    scratch.push(padScratch('i16', C, HP, WP, 2));
  }
  const detail = [
    `Dynamically quantized ${op.op === 'matmul' ? 'dense layer' : `convolution ${op.kernel.join('x')}, strides [${op.strides.join(', ')}], pads [${op.pads.join(', ')}]`} (onnxruntime's DynamicQuantizeMatMul): the float32 input is quantized to uint8 with a scale and zero point computed from its values,`,
    `the integer products with the ${wt} weights are summed in ${acc}, and y = f32(f32(acc) * f32(x_scale * w_scale))${d.bias ? ' + bias' : ''} in float32 (soft-float, bit for bit as onnxruntime).`,
  ];
  return { items, fn: [...docComment(ctx, detail), ...writeSignature(ctx, undefined, scratch), ...indent(body), '}'], kind: 'write', scratch };
}

/** A float32 element-wise op or the per-channel mean. */
export function emitF32(ctx: LayerCtx): LayerCode {
  const p = paramsOf(ctx, 'f32');
  const y = tensorOf(ctx, ctx.qn.node.outputs[0]);
  const n = sizeOf(y.shape);
  const items: string[][] = [];
  let body: string[];
  let detail: string;
  switch (p.fn) {
    case 'leakyRelu':
      body = [forLoop('i', n), `    y[i] = sf_leaky(x[i], ${f32Lit(p.alpha)});`, '}'];
      detail = `LeakyRelu in float32: x >= 0 ? x : ${p.alpha} * x.`;
      break;
    case 'sigmoid':
      body = [forLoop('i', n), '    y[i] = sf_logistic(x[i]);', '}'];
      detail = "Sigmoid in float32 as onnxruntime computes it (MLAS's rational approximation).";
      break;
    case 'mean':
      body = [forLoop('i', n), `    y[i] = sf_mean(&x[i * ${p.count}..(i + 1) * ${p.count}]);`, '}'];
      detail = `Mean of each channel's ${p.count} values in float32, summed in onnxruntime's order.`;
      break;
    case 'add':
    case 'mul': {
      const vName = constName(ctx.fn, 'VALUES');
      const scalar = p.mid === 1;
      if (!scalar) items.push(staticArray(vName, 'u32', p.values.map(f32Lit), [`\`${ctx.qn.node.origin.name}\` constant (float32 bits), broadcast every ${p.inner} elements.`], 'static'));
      const idx = p.inner === 1 ? (p.mid === n ? 'i' : `i % ${p.mid}`) : `(i / ${p.inner}) % ${p.mid}`;
      const c = scalar ? f32Lit(p.values[0]) : `${vName}[${idx}]`;
      body = [forLoop('i', n), `    y[i] = sf_key(sf_${p.fn}(sf_from_key(x[i]), ${c}));`, '}'];
      detail = `${p.fn === 'add' ? 'Add' : 'Mul'} by a constant in float32.`;
      break;
    }
  }
  return { items, fn: [...docComment(ctx, [detail]), ...writeSignature(ctx), ...indent(body), '}'], kind: 'write' };
}
