// Conv (2-D, group 1), MaxPool, AveragePool, GlobalAveragePool, BatchNormalization.
import { notLowerable, prod, type LowerContext } from './context';

type Pads = [number, number, number, number];

interface Window {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  pads: Pads;
  out: [number, number];
}

/** Output size and padding of a 2-D window op, following ONNX's auto_pad and ceil_mode rules. */
export function windowGeometry(ctx: LowerContext, H: number, W: number, kernel: [number, number], allowCeil: boolean): Window {
  const strides = (ctx.attrs.ints('strides', [1, 1]) as [number, number]);
  const dilations = (ctx.attrs.ints('dilations', [1, 1]) as [number, number]);
  if (strides.length !== 2 || dilations.length !== 2) notLowerable('only 2-D windows are supported');
  if (strides.some((s) => s < 1) || dilations.some((d) => d < 1)) notLowerable('strides and dilations must be ≥ 1');
  const autoPad = ctx.attrs.string('auto_pad', 'NOTSET');
  const ceil = allowCeil && ctx.attrs.int('ceil_mode', 0) === 1;
  const inDims = [H, W];
  const eff = [0, 1].map((i) => (kernel[i] - 1) * dilations[i] + 1);
  let pads: Pads = [0, 0, 0, 0];
  const out: [number, number] = [0, 0];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    for (let i = 0; i < 2; i++) {
      out[i] = Math.ceil(inDims[i] / strides[i]);
      const total = Math.max((out[i] - 1) * strides[i] + eff[i] - inDims[i], 0);
      const begin = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : Math.ceil(total / 2);
      pads[i] = begin;
      pads[i + 2] = total - begin;
    }
    return { kernel, strides, dilations, pads, out };
  }
  if (autoPad === 'VALID') pads = [0, 0, 0, 0];
  else if (autoPad === 'NOTSET') {
    const p = ctx.attrs.ints('pads', [0, 0, 0, 0]);
    if (p.length !== 4) notLowerable('pads must have 4 values for a 2-D window');
    pads = p as Pads;
  } else notLowerable(`auto_pad ${autoPad} is not supported`);
  for (let i = 0; i < 2; i++) {
    const span = inDims[i] + pads[i] + pads[i + 2] - eff[i];
    if (span < 0) notLowerable(`the window (${eff[i]}) is larger than the padded input (${inDims[i] + pads[i] + pads[i + 2]})`);
    out[i] = (ceil ? Math.ceil(span / strides[i]) : Math.floor(span / strides[i])) + 1;
    // ceil mode: a last window that starts in the end padding is dropped (as onnxruntime does)
    if (ceil && (out[i] - 1) * strides[i] >= inDims[i] + pads[i]) out[i]--;
  }
  return { kernel, strides, dilations, pads, out };
}

export function lowerConv(ctx: LowerContext): void {
  const x = ctx.tensorInput(0);
  const w = ctx.constInput(1, 'Conv weights must be a constant');
  const group = ctx.attrs.int('group', 1);
  if (group !== 1) notLowerable(`Conv group ${group} is not supported (only group 1)`);
  if (x.shape.length !== 4 || w.shape.length !== 4) notLowerable(`only 2-D convolutions are supported (input ${JSON.stringify(x.shape)}, weights ${JSON.stringify(w.shape)})`);
  const [N, C, H, W] = x.shape;
  const [OC, IC, kh, kw] = w.shape;
  if (IC !== C) notLowerable(`Conv weights expect ${IC} input channels, the input has ${C}`);
  const ks = ctx.attrs.ints('kernel_shape', [kh, kw]);
  if (ks[0] !== kh || ks[1] !== kw) notLowerable('kernel_shape does not match the weights');
  const g = windowGeometry(ctx, H, W, [kh, kw], false);
  let bias: Float64Array | null = null;
  if (ctx.operand(2)) {
    const b = ctx.constInput(2, 'Conv bias must be a constant');
    if (prod(b.shape) !== OC) notLowerable(`Conv bias has ${prod(b.shape)} values for ${OC} output channels`);
    bias = Float64Array.from(b.data);
  }
  ctx.emit(
    { op: 'conv2d', W: Float64Array.from(w.data), bias, inChannels: C, outChannels: OC, kernel: [kh, kw], strides: g.strides, pads: g.pads, dilations: g.dilations },
    [x.id],
    [N, OC, g.out[0], g.out[1]],
    'real',
  );
}

function poolKernel(ctx: LowerContext): [number, number] {
  const k = ctx.attrs.ints('kernel_shape');
  if (k.length !== 2) notLowerable('only 2-D pooling is supported');
  return [k[0], k[1]];
}

export function lowerMaxPool(ctx: LowerContext): void {
  const x = ctx.tensorInput(0);
  if (x.shape.length !== 4) notLowerable('only 2-D pooling (NCHW input) is supported');
  if (ctx.outputCount() > 1) notLowerable('MaxPool with an Indices output is not supported');
  const [N, C, H, W] = x.shape;
  const g = windowGeometry(ctx, H, W, poolKernel(ctx), true);
  ctx.emit({ op: 'maxpool2d', kernel: g.kernel, strides: g.strides, pads: g.pads, dilations: g.dilations }, [x.id], [N, C, g.out[0], g.out[1]], x.kind);
}

export function lowerAveragePool(ctx: LowerContext): void {
  const x = ctx.tensorInput(0);
  if (x.shape.length !== 4) notLowerable('only 2-D pooling (NCHW input) is supported');
  const [N, C, H, W] = x.shape;
  const g = windowGeometry(ctx, H, W, poolKernel(ctx), true);
  if (g.dilations[0] !== 1 || g.dilations[1] !== 1) notLowerable('AveragePool with dilations is not supported');
  const countIncludePad = ctx.attrs.int('count_include_pad', 0) === 1;
  ctx.emit({ op: 'avgpool2d', kernel: g.kernel, strides: g.strides, pads: g.pads, countIncludePad }, [x.id], [N, C, g.out[0], g.out[1]], 'real');
}

export function lowerGlobalAveragePool(ctx: LowerContext): void {
  const x = ctx.tensorInput(0);
  if (x.shape.length !== 4) notLowerable('only 2-D pooling (NCHW input) is supported');
  const [N, C, H, W] = x.shape;
  ctx.emit({ op: 'avgpool2d', kernel: [H, W], strides: [1, 1], pads: [0, 0, 0, 0], countIncludePad: false }, [x.id], [N, C, 1, 1], 'real');
}

export function lowerBatchNorm(ctx: LowerContext): void {
  const x = ctx.tensorInput(0);
  if (ctx.opset >= 14 && ctx.attrs.int('training_mode', 0) === 1) notLowerable('BatchNormalization in training mode');
  if (ctx.outputCount() > 1) notLowerable('BatchNormalization with running-statistics outputs (training) is not supported');
  if (ctx.opset < 9 && ctx.attrs.int('spatial', 1) !== 1) notLowerable('BatchNormalization with spatial=0 is not supported');
  const eps = ctx.attrs.float('epsilon', 1e-5);
  const scale = ctx.constInput(1, 'BatchNormalization scale must be a constant').data;
  const bias = ctx.constInput(2, 'BatchNormalization bias must be a constant').data;
  const mean = ctx.constInput(3, 'BatchNormalization mean must be a constant').data;
  const variance = ctx.constInput(4, 'BatchNormalization variance must be a constant').data;
  const C = x.shape[1] ?? 1;
  if ([scale, bias, mean, variance].some((a) => a.length !== C)) notLowerable(`BatchNormalization parameters must have ${C} values (one per channel)`);
  const s = new Float64Array(C);
  const o = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    s[c] = scale[c] / Math.sqrt(variance[c] + eps);
    o[c] = bias[c] - mean[c] * s[c];
  }
  ctx.emit({ op: 'affine', scale: s, offset: o, broadcast: { mid: C, inner: prod(x.shape.slice(2)) } }, [x.id], x.shape, 'real');
}
