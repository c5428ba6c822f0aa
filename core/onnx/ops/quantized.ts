// Pre-quantized ONNX (QOperator, and QDQ after core/onnx/qdq.ts fused it): QuantizeLinear of the graph
// input, DequantizeLinear of an output, QLinearMatMul, QGemm, QLinearConv, QLinearAdd, the QLinear unary
// ops (as 256-entry tables), QLinearGlobalAveragePool/QLinearAveragePool. Scales and zero points must be
// constants; every quantized tensor keeps its (scale, zero point) on its TensorInfo, stored as i8 (uint8
// shifted by −128). The integer semantics are core/quant/requant.ts.
import type { AffineQuant, QLinearData, Shape, TensorInfo } from '../../ir/graph';
import { DataType, dataTypeName } from '../model';
import { f32, Q_MAX, Q_MIN, roundHalfEven } from '../../quant/requant';
import { windowGeometry } from './conv';
import { compactBroadcast, isConst, notLowerable, prod, type ConstValue, type LowerContext } from './context';

interface QParam {
  scale: Float64Array;
  /** zero points in the i8 storage (uint8 shifted by −128) */
  zero: Int32Array;
  type: 'INT8' | 'UINT8';
}

const SHIFT: Record<QParam['type'], number> = { INT8: 0, UINT8: 128 };

function typeName(t: number | undefined): 'INT8' | 'UINT8' | null {
  return t === DataType.INT8 ? 'INT8' : t === DataType.UINT8 ? 'UINT8' : null;
}

/**
 * Scale (input `si`) and zero point (input `zi`) of a quantized operand, checked: constant, positive and
 * finite scales; an int8 or uint8 zero point whose type matches the data's (`dataType` when known).
 */
function qparam(ctx: LowerContext, si: number, zi: number, role: string, dataType?: 'INT8' | 'UINT8' | null): QParam {
  const s = ctx.operand(si);
  if (!s) notLowerable(`${role} scale (input ${si}) is missing`);
  if (!isConst(s)) notLowerable(`${role} scale '${s.name}' is not a constant: a pre-quantized model needs constant scales (a scale computed at run time is DynamicQuantizeLinear's job)`);
  const bad = s.const.data.findIndex((v) => !(v > 0) || !Number.isFinite(v));
  if (bad >= 0) notLowerable(`${role} scale '${s.name}' is ${s.const.data[bad]}${s.const.data.length > 1 ? ` at element ${bad}` : ''}: scales must be positive and finite`);
  const z = ctx.operand(zi);
  let type: 'INT8' | 'UINT8' = dataType ?? 'UINT8';
  let zero: Int32Array;
  if (!z) zero = new Int32Array(s.const.data.length);
  else {
    if (!isConst(z)) notLowerable(`${role} zero point '${z.name}' is not a constant`);
    const t = typeName(z.const.dtype);
    if (!t) notLowerable(`${role} zero point '${z.name}' has element type ${dataTypeName(z.const.dtype ?? 0)}; only INT8 and UINT8 quantisation is supported`);
    if (dataType && t !== dataType) notLowerable(`${role} zero point '${z.name}' is ${t} but the data it describes is ${dataType}: the zero point must have the data's type`);
    type = t;
    if (z.const.data.length !== s.const.data.length && z.const.data.length !== 1) notLowerable(`${role} zero point '${z.name}' has ${z.const.data.length} values for ${s.const.data.length} scales`);
    zero = Int32Array.from(z.const.data);
  }
  const sh = SHIFT[type];
  return { scale: Float64Array.from(s.const.data, f32), zero: zero.map((v) => v - sh), type };
}

function perTensor(p: QParam, role: string): AffineQuant {
  if (p.scale.length !== 1 || p.zero.length > 1) notLowerable(`${role}: per-channel quantisation of activations is not supported (only of weights)`);
  return { scale: p.scale[0], zeroPoint: p.zero[0] ?? 0, onnxType: p.type };
}

/** The quantisation of a runtime operand, checked against the scale and zero point the node gives for it. */
function runtimeQ(ctx: LowerContext, i: number, si: number, zi: number, role: string): { t: TensorInfo; q: AffineQuant } {
  const t = ctx.tensorInput(i);
  if (!t.quant) notLowerable(`${role} '${t.id}' is a float tensor: it must come from QuantizeLinear or another quantized op`);
  const q = perTensor(qparam(ctx, si, zi, role, t.quant.onnxType), role);
  if (q.scale !== t.quant.scale || q.zeroPoint !== t.quant.zeroPoint) {
    notLowerable(`${role} '${t.id}' is quantized with scale ${t.quant.scale}, zero point ${t.quant.zeroPoint + SHIFT[t.quant.onnxType]} but this node reads it with scale ${q.scale}, zero point ${q.zeroPoint + SHIFT[q.onnxType]}`);
  }
  return { t, q: t.quant };
}

/** Constant quantized weights: raw integers (uint8 shifted), per-channel scales and zero points. */
function weights(ctx: LowerContext, i: number, si: number, zi: number, channels: number, role: string): { c: ConstValue; q: Int32Array; p: QParam } {
  const w = ctx.operand(i);
  if (!w || !isConst(w)) notLowerable(`${role} must be a constant (the quantized weights)`);
  const type = typeName(w.const.dtype);
  if (!type) notLowerable(`${role} '${w.name}' has element type ${dataTypeName(w.const.dtype ?? 0)}; only INT8 and UINT8 weights are supported`);
  const p = qparam(ctx, si, zi, `${role} '${w.name}'`, type);
  if (p.scale.length !== 1 && p.scale.length !== channels) notLowerable(`${role} '${w.name}' has ${p.scale.length} scales for ${channels} output channels`);
  const sh = SHIFT[type];
  return { c: w.const, q: Int32Array.from(w.const.data, (v) => v - sh), p };
}

const at = (a: ArrayLike<number>, i: number) => (a.length === 1 ? a[0] : a[i]);

/** Requantisation multipliers per output channel, in float32 as onnxruntime's QLinear kernels compute them. */
function multipliers(xs: number, ws: Float64Array, ys: number, channels: number): Float64Array {
  return Float64Array.from({ length: channels }, (_, n) => f32(f32(xs * at(ws, n)) / ys));
}

function int32Bias(ctx: LowerContext, i: number, channels: number): Int32Array | null {
  const b = ctx.operand(i);
  if (!b) return null;
  if (!isConst(b)) notLowerable(`bias '${b.name}' must be a constant`);
  if (b.const.dtype !== DataType.INT32) notLowerable(`bias '${b.name}' has element type ${dataTypeName(b.const.dtype ?? 0)}; a quantized bias is INT32 at the scale input scale × weight scale`);
  if (b.const.data.length !== channels) notLowerable(`bias '${b.name}' has ${b.const.data.length} values for ${channels} outputs`);
  return Int32Array.from(b.const.data);
}

export function lowerQuantizeLinear(ctx: LowerContext): void {
  const x = ctx.operand(0);
  if (!x) notLowerable('QuantizeLinear needs an input');
  const p = qparam(ctx, 1, 2, 'output');
  const y = perTensor(p, 'QuantizeLinear');
  if (ctx.attrs.has('saturate') || ctx.attrs.names().some((a) => a !== 'axis' && a !== 'saturate')) notLowerable(`attributes ${ctx.attrs.names().join(', ')} are not supported`);
  if (isConst(x)) notLowerable('QuantizeLinear of a constant is not supported (quantize the weights with DequantizeLinear)');
  if (!ctx.quantizeInput(x.tensor.id, y)) {
    notLowerable(`'${x.name}' is a computed float tensor: only a graph input can be quantized on its own; a QuantizeLinear after a float op must close a DequantizeLinear → op → QuantizeLinear group that onnxruntime fuses (Conv, MatMul, Gemm, Add, pooling, Sigmoid, LeakyRelu, Relu)`);
  }
  ctx.alias(x.tensor.id, x.tensor.shape);
}

export function lowerDequantizeLinear(ctx: LowerContext): void {
  const x = ctx.operand(0);
  if (!x) notLowerable('DequantizeLinear needs an input');
  if (isConst(x)) {
    // constant weights dequantized for a float op: fold to the float values
    const type = typeName(x.const.dtype);
    const axis = ctx.attrs.int('axis', 1);
    const p = qparam(ctx, 1, 2, `'${x.name}'`, type ?? undefined);
    if (!type && x.const.dtype !== DataType.INT32) notLowerable(`'${x.name}' has element type ${dataTypeName(x.const.dtype ?? 0)}`);
    const shape = x.const.shape;
    const ax = axis < 0 ? axis + shape.length : axis;
    const inner = prod(shape.slice(ax + 1));
    const channels = p.scale.length;
    const sh = type ? SHIFT[type] : 0;
    const data = x.const.data.map((v, i) => {
      const c = channels === 1 ? 0 : Math.floor(i / inner) % channels;
      return f32((v - sh - at(p.zero, c)) * p.scale[c]);
    });
    ctx.defineConst({ shape, data, kind: 'real', dtype: DataType.FLOAT });
    return;
  }
  const { t } = runtimeQ(ctx, 0, 1, 2, 'input');
  // the quantized tensor is the value: (q − zero point) · scale is how its readers see it
  ctx.alias(t.id, t.shape);
}

export function lowerQLinearMatMul(ctx: LowerContext): void {
  const { t: a, q: aq } = runtimeQ(ctx, 0, 1, 2, 'input A');
  const b = ctx.operand(3);
  if (!b || !isConst(b) || b.const.shape.length !== 2) notLowerable('QLinearMatMul needs a constant 2-D B (the weights)');
  const [K, N] = b.const.shape;
  const M = prod(a.shape) / K;
  if (a.shape[a.shape.length - 1] !== K) notLowerable(`inner dimensions differ: A has ${a.shape[a.shape.length - 1]}, B has ${K}`);
  const w = weights(ctx, 3, 4, 5, N, 'B');
  const y = perTensor(qparam(ctx, 6, 7, 'output'), 'output');
  emitDense(ctx, a, aq, y, M, K, N, (n, k) => w.q[k * N + n], w.p, null, a.shape.slice(0, -1).concat([N]));
}

export function lowerQGemm(ctx: LowerContext): void {
  if (ctx.attrs.int('transA', 0) !== 0) notLowerable('QGemm with transA is not supported');
  if (ctx.attrs.float('alpha', 1) !== 1) notLowerable('QGemm with alpha ≠ 1 is not supported');
  if (!ctx.operand(7)) notLowerable('QGemm with a float output (no y_scale) is not supported: the model must stay quantized to its output');
  const transB = ctx.attrs.int('transB', 0) === 1;
  const { t: a, q: aq } = runtimeQ(ctx, 0, 1, 2, 'input A');
  const b = ctx.operand(3);
  if (!b || !isConst(b) || b.const.shape.length !== 2 || a.shape.length !== 2) notLowerable('QGemm needs a 2-D A and a constant 2-D B');
  const [M, K] = a.shape;
  const [bk, N] = transB ? [b.const.shape[1], b.const.shape[0]] : b.const.shape;
  if (bk !== K) notLowerable(`inner dimensions differ: A has ${K}, B has ${bk}`);
  const w = weights(ctx, 3, 4, 5, N, 'B');
  const bias = int32Bias(ctx, 6, N);
  const y = perTensor(qparam(ctx, 7, 8, 'output'), 'output');
  emitDense(ctx, a, aq, y, M, K, N, (n, k) => w.q[transB ? n * K + k : k * N + n], w.p, bias, [M, N]);
}

function emitDense(ctx: LowerContext, a: TensorInfo, aq: AffineQuant, y: AffineQuant, M: number, K: number, N: number, wAt: (n: number, k: number) => number, wp: QParam, bias: Int32Array | null, outShape: Shape): void {
  const Wq = new Int32Array(N * K);
  const W = new Float64Array(N * K);
  for (let n = 0; n < N; n++)
    for (let k = 0; k < K; k++) {
      Wq[n * K + k] = wAt(n, k);
      W[n * K + k] = (Wq[n * K + k] - at(wp.zero, n)) * at(wp.scale, n);
    }
  const quant: QLinearData = { W: Wq, wZero: wp.zero, bias, xZero: aq.zeroPoint, yZero: y.zeroPoint, multiplier: multipliers(aq.scale, wp.scale, y.scale, N) };
  const fbias = bias ? Float64Array.from(bias, (v, n) => v * aq.scale * at(wp.scale, n)) : null;
  ctx.emitQ({ op: 'matmul', batches: 1, M, K, N, aOffsets: [0], wOffsets: [0], W, bias: fbias, quant }, [a.id], outShape, y);
}

export function lowerQLinearConv(ctx: LowerContext): void {
  const { t: x, q: xq } = runtimeQ(ctx, 0, 1, 2, 'input x');
  const w = ctx.operand(3);
  if (!w || !isConst(w) || w.const.shape.length !== 4 || x.shape.length !== 4) notLowerable('QLinearConv needs an NCHW input and constant 4-D weights');
  if (ctx.attrs.int('group', 1) !== 1) notLowerable(`group ${ctx.attrs.int('group', 1)} is not supported (only group 1)`);
  const [Nb, C, H, Wd] = x.shape;
  const [OC, IC, kh, kw] = w.const.shape;
  if (IC !== C) notLowerable(`the weights expect ${IC} input channels, the input has ${C}`);
  const wq = weights(ctx, 3, 4, 5, OC, 'w');
  const y = perTensor(qparam(ctx, 6, 7, 'output'), 'output');
  const bias = int32Bias(ctx, 8, OC);
  const g = windowGeometry(ctx, H, Wd, [kh, kw], false);
  const per = C * kh * kw;
  const W = Float64Array.from(wq.q, (v, i) => (v - at(wq.p.zero, Math.floor(i / per))) * at(wq.p.scale, Math.floor(i / per)));
  const quant: QLinearData = { W: wq.q, wZero: wq.p.zero, bias, xZero: xq.zeroPoint, yZero: y.zeroPoint, multiplier: multipliers(xq.scale, wq.p.scale, y.scale, OC) };
  const fbias = bias ? Float64Array.from(bias, (v, c) => v * xq.scale * at(wq.p.scale, c)) : null;
  ctx.emitQ({ op: 'conv2d', W, bias: fbias, inChannels: C, outChannels: OC, kernel: [kh, kw], strides: g.strides, pads: g.pads, dilations: g.dilations, quant }, [x.id], [Nb, OC, g.out[0], g.out[1]], y);
}

export function lowerQLinearAdd(ctx: LowerContext): void {
  const { t: a, q: aq } = runtimeQ(ctx, 0, 1, 2, 'input A');
  const b = ctx.operand(3);
  if (!b) notLowerable('QLinearAdd needs B');
  const y = perTensor(qparam(ctx, 6, 7, 'output'), 'output');
  if (isConst(b)) {
    const type = typeName(b.const.dtype);
    if (!type) notLowerable(`B '${b.name}' has element type ${dataTypeName(b.const.dtype ?? 0)}`);
    const bq = perTensor(qparam(ctx, 4, 5, `B '${b.name}'`, type), 'B');
    const { values, mid, inner } = compactBroadcast(b.const.data, b.const.shape, a.shape);
    if (prod(b.const.shape) > prod(a.shape)) notLowerable('B broadcasts A to a larger shape');
    ctx.emitQ({ op: 'qadd', a: aq, b: bq, y, bConst: { q: Int32Array.from(values, (v) => v - SHIFT[type]), mid, inner } }, [a.id], a.shape, y);
    return;
  }
  const { t: bt, q: bq } = runtimeQ(ctx, 3, 4, 5, 'input B');
  if (prod(bt.shape) !== prod(a.shape)) notLowerable('QLinearAdd of two tensors needs equal shapes');
  ctx.emitQ({ op: 'qadd', a: aq, b: bq, y, bConst: null }, [a.id, bt.id], a.shape, y);
}

/** A unary op on i8 as its 256 outputs: y = saturate(roundHalfEven(f((q − zx)·sx) / sy) + zy), in float32. */
function lut(ctx: LowerContext, fn: string, f: (x: number) => number): void {
  const { t: x, q: xq } = runtimeQ(ctx, 0, 1, 2, 'input X');
  const y = perTensor(qparam(ctx, 3, 4, 'output'), 'output');
  const table = new Int32Array(256);
  for (let q = Q_MIN; q <= Q_MAX; q++) {
    const v = f32(f(f32((q - xq.zeroPoint) * xq.scale)));
    table[q + 128] = Math.max(Q_MIN, Math.min(Q_MAX, roundHalfEven(f32(v / y.scale)) + y.zeroPoint));
  }
  ctx.emitQ({ op: 'qlut', fn, table }, [x.id], x.shape, y);
}

export const lowerQLinearSigmoid = (ctx: LowerContext) => lut(ctx, 'sigmoid', (x) => 1 / (1 + Math.exp(-x)));
export const lowerQLinearRelu = (ctx: LowerContext) => lut(ctx, 'relu', (x) => Math.max(0, x));
export function lowerQLinearLeakyRelu(ctx: LowerContext): void {
  const alpha = f32(ctx.attrs.float('alpha', 0.01));
  lut(ctx, `leakyRelu(${alpha})`, (x) => (x >= 0 ? x : f32(x * alpha)));
}
export function lowerQLinearClip(ctx: LowerContext): void {
  const lo = ctx.operand(5) ? ctx.constInput(5, 'Clip min must be a constant').data[0] : -Infinity;
  const hi = ctx.operand(6) ? ctx.constInput(6, 'Clip max must be a constant').data[0] : Infinity;
  lut(ctx, `clip(${lo}, ${hi})`, (x) => Math.min(Math.max(x, lo), hi));
}

function qpool(ctx: LowerContext, global: boolean): void {
  const { t: x, q: xq } = runtimeQ(ctx, 0, 1, 2, 'input X');
  const y = perTensor(qparam(ctx, 3, 4, 'output'), 'output');
  if (ctx.attrs.int('channels_last', 0) !== 0) notLowerable('channels_last is not supported');
  if (x.shape.length !== 4) notLowerable('only 2-D pooling (NCHW input) is supported');
  const [N, C, H, W] = x.shape;
  let kernel: [number, number] = [H, W];
  let strides: [number, number] = [1, 1];
  let out: [number, number] = [1, 1];
  if (!global) {
    const k = ctx.attrs.ints('kernel_shape');
    kernel = [k[0], k[1]];
    const g = windowGeometry(ctx, H, W, kernel, true);
    if (g.pads.some((p) => p !== 0)) notLowerable('QLinearAveragePool with padding is not supported (the divisor would vary at the borders)');
    strides = g.strides;
    out = g.out;
    // onnxruntime's kernel (contrib_ops qlinear_pool.cc) adds the float32 terms x_scale·(x − x_zp) one by one
    // and divides in float32, where the global pool (MLAS) requantises the integer sum as we do
    ctx.note(
      `QLinearAveragePool '${ctx.node.name || ctx.node.output?.[0]}': onnxruntime sums it in float32 term by term; the contract requantises the exact integer sum once, so an output can be one step from onnxruntime's (measured: 0.5 % of outputs with a 2×2 kernel, none with 3×3)`,
    );
  }
  const count = kernel[0] * kernel[1];
  const multiplier = f32(xq.scale / f32(y.scale * count));
  ctx.emitQ({ op: 'avgpool2d', kernel, strides, pads: [0, 0, 0, 0], countIncludePad: false, quant: { xZero: xq.zeroPoint, yZero: y.zeroPoint, multiplier } }, [x.id], [N, C, out[0], out[1]], y);
}

export const lowerQLinearGlobalAveragePool = (ctx: LowerContext) => qpool(ctx, true);
export const lowerQLinearAveragePool = (ctx: LowerContext) => qpool(ctx, false);
