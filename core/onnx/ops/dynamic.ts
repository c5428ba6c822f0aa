// Dynamically quantized layers (quantize_dynamic, fused by core/onnx/dynamic.ts; com.microsoft
// DynamicQuantizeMatMul also as a model writes it): dense and convolution layers on float32 tensors whose
// input is quantized at run time (core/quant/f32.ts). DynamicQuantizeLinear, MatMulInteger and
// ConvInteger outside that pattern are refused with the reason.
import type { DynamicData } from '../../ir/graph';
import { DataType, dataTypeName } from '../model';
import { f32 } from '../../quant/f32';
import { windowGeometry } from './conv';
import { isConst, notLowerable, prod, type ConstValue, type LowerContext } from './context';

const PATTERN = 'quantize_dynamic writes DynamicQuantizeLinear → MatMulInteger/ConvInteger → Cast(float) → Mul(x_scale · w_scale) [→ Add(bias)], with constant weights, weight scale and zero point';

export function lowerDynamicQuantizeLinear(): void {
  notLowerable(`DynamicQuantizeLinear is supported as the input of a dynamically quantized MatMul or Conv (${PATTERN}); this one feeds something else`);
}

export function lowerMatMulInteger(): void {
  notLowerable(`MatMulInteger is supported as part of a dynamically quantized MatMul (${PATTERN}); this one is not in that pattern`);
}

export function lowerConvInteger(): void {
  notLowerable(`ConvInteger is supported as part of a dynamically quantized Conv (${PATTERN}); this one is not in that pattern`);
}

/** Quantized weights, their scales (per output channel or one) and zero points, checked. */
function quantWeights(ctx: LowerContext, channels: number, axisChannels: (i: number) => number): { w: ConstValue; data: DynamicData } {
  const w = ctx.operand(1);
  if (!w || !isConst(w)) notLowerable('the quantized weights (input 1) must be a constant');
  if (w.const.dtype !== DataType.INT8 && w.const.dtype !== DataType.UINT8) notLowerable(`weights '${w.name}' have element type ${dataTypeName(w.const.dtype ?? 0)}; only INT8 and UINT8 are supported`);
  const s = ctx.operand(2);
  if (!s || !isConst(s)) notLowerable('the weight scale (input 2) must be a constant');
  if (s.const.data.length !== 1 && s.const.data.length !== channels) notLowerable(`weight scale '${s.name}' has ${s.const.data.length} values for ${channels} output channels`);
  const bad = s.const.data.findIndex((v) => !(v > 0) || !Number.isFinite(v));
  if (bad >= 0) notLowerable(`weight scale '${s.name}' is ${s.const.data[bad]}: scales must be positive and finite`);
  const z = ctx.operand(3);
  let wZero = new Int32Array(1);
  if (z) {
    if (!isConst(z)) notLowerable(`weight zero point '${z.name}' must be a constant`);
    if (z.const.dtype !== w.const.dtype) notLowerable(`weight zero point '${z.name}' is ${dataTypeName(z.const.dtype ?? 0)} but the weights are ${dataTypeName(w.const.dtype ?? 0)}`);
    if (z.const.data.length !== 1 && z.const.data.length !== channels) notLowerable(`weight zero point '${z.name}' has ${z.const.data.length} values for ${channels} output channels`);
    wZero = Int32Array.from(z.const.data);
  }
  let bias: Float64Array | null = null;
  const b = ctx.operand(4);
  if (b) {
    if (!isConst(b)) notLowerable(`bias '${b.name}' must be a constant`);
    // a bias broadcast along the output channels only ([C], [1, C], [1, C, 1, 1])
    if (prod(b.const.shape) !== channels && prod(b.const.shape) !== 1) notLowerable(`bias '${b.name}' of shape ${JSON.stringify(b.const.shape)} does not give one value per output channel`);
    bias = Float64Array.from({ length: channels }, (_, c) => f32(b.const.data[b.const.data.length === 1 ? 0 : c]));
  }
  const W = new Int32Array(w.const.data.length);
  for (let i = 0; i < W.length; i++) W[i] = w.const.data[axisChannels(i)];
  return { w: w.const, data: { W, wZero, wScale: Float64Array.from(s.const.data, f32), bias } };
}

/** The dequantized float weights and bias, for the float evaluator and the reports. */
function dequantized(d: DynamicData, perChannel: number): { W: Float64Array; bias: Float64Array | null } {
  const at = (a: ArrayLike<number>, c: number) => (a.length === 1 ? a[0] : a[c]);
  return { W: Float64Array.from(d.W, (q, i) => (q - at(d.wZero, Math.floor(i / perChannel))) * at(d.wScale, Math.floor(i / perChannel))), bias: d.bias };
}

export function lowerDynamicQuantizeMatMul(ctx: LowerContext): void {
  const a = ctx.tensorInput(0);
  const b = ctx.operand(1);
  if (!b || !isConst(b) || b.const.shape.length !== 2) notLowerable('the weights B must be a constant 2-D tensor');
  const [K, N] = b.const.shape;
  if (a.shape[a.shape.length - 1] !== K) notLowerable(`inner dimensions differ: A has ${a.shape[a.shape.length - 1]}, B has ${K}`);
  const M = prod(a.shape) / K;
  // W in the matmul layout: N rows of K (B is [K, N])
  const { data } = quantWeights(ctx, N, (i) => (i % K) * N + Math.floor(i / K));
  const { W, bias } = dequantized(data, K);
  ctx.emit({ op: 'matmul', batches: 1, M, K, N, aOffsets: [0], wOffsets: [0], W, bias, dynamic: data }, [a.id], [...a.shape.slice(0, -1), N], 'real');
}

export function lowerDynamicQuantizeConv(ctx: LowerContext): void {
  const x = ctx.tensorInput(0);
  const w = ctx.operand(1);
  if (!w || !isConst(w) || w.const.shape.length !== 4 || x.shape.length !== 4) notLowerable('only 2-D convolutions (NCHW input, constant 4-D weights) are supported');
  if (ctx.attrs.int('group', 1) !== 1) notLowerable(`group ${ctx.attrs.int('group', 1)} is not supported (only group 1)`);
  const [Nb, C, H, Wd] = x.shape;
  const [OC, IC, kh, kw] = w.const.shape;
  if (IC !== C) notLowerable(`the weights expect ${IC} input channels, the input has ${C}`);
  const g = windowGeometry(ctx, H, Wd, [kh, kw], false);
  const { data } = quantWeights(ctx, OC, (i) => i);
  const { W, bias } = dequantized(data, C * kh * kw);
  ctx.emit(
    { op: 'conv2d', W, bias, inChannels: C, outChannels: OC, kernel: [kh, kw], strides: g.strides, pads: g.pads, dilations: g.dilations, dynamic: data },
    [x.id],
    [Nb, OC, g.out[0], g.out[1]],
    'real',
  );
}
