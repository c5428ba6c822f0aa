// Planning a dynamically quantized model (Graph.float32): its real tensors are float32 values computed
// exactly as onnxruntime computes them (core/quant/f32.ts), so there is no format to choose and no error
// to bound against onnxruntime (the bound is 0: the same operations, rounded the same way). What the plan
// proves is each tensor's real interval over the box — that no value can leave the float32 range — and
// each integer accumulator's width. Ops onnxruntime computes with an algorithm stylus-ml does not emulate
// are refused naming the node.
import type { IrNode } from '../ir/graph';
import { sizeOf, stridesOf } from '../ir/graph';
import { UserError } from '../errors';
import { quantizedBox } from './box';
import { f32, keyOf, logistic } from './f32';
import type { AccWidth, F32Params, QFormat, QParams, QTensor, QWeights } from './types';

export const F32_FORMAT: QFormat = { storage: 'i32', frac: 0, float32: true };

/** The Planner's hooks this module plans through. */
export interface F32Host {
  t(id: string): QTensor;
  shapeOf(id: string): number[];
  set(id: string, format: QFormat, qlo: Float64Array, qhi: Float64Array, e: { any: number | null; grid: number | null }): void;
  push(node: IrNode, params: QParams, extra?: { bound?: number }): void;
  accWidth(bound: number): AccWidth;
}

/** Real intervals of the float32 tensors planned so far. */
export type RealBounds = Map<string, { lo: Float64Array; hi: Float64Array }>;

/** float32 rounding can move a value by a relative 2^-24 per operation: bounds are widened by this much per op */
const SLACK = 2 ** -20;
/** past this the float32 emulation could overflow to infinity */
const F32_LIMIT = 1e36;

export function planFloat32Input(host: F32Host, real: RealBounds, id: string, lo: Float64Array, hi: Float64Array): void {
  real.set(id, { lo: Float64Array.from(lo, f32), hi: Float64Array.from(hi, f32) });
  const { qlo, qhi } = quantizedBox(lo, hi, F32_FORMAT, 'real');
  host.set(id, F32_FORMAT, qlo, qhi, { any: 0, grid: 0 });
}

function setF32(host: F32Host, real: RealBounds, n: IrNode, lo: Float64Array, hi: Float64Array): void {
  const id = n.outputs[0];
  const widen = (v: number, dir: number) => v + dir * Math.abs(v) * SLACK;
  const wlo = lo.map((v) => widen(v, -1));
  const whi = hi.map((v) => widen(v, 1));
  const worst = Math.max(...Array.from(wlo, Math.abs), ...Array.from(whi, Math.abs), 0);
  if (!(worst < F32_LIMIT)) throw new UserError(`node '${n.origin.name}' (${n.origin.opType}): its values can reach ${worst.toExponential(2)} for inputs in the box, near the float32 limit; narrow the input box`);
  real.set(id, { lo: wlo, hi: whi });
  host.set(id, F32_FORMAT, wlo.map((v) => keyOf(Math.max(v, -3.4e38))), whi.map((v) => keyOf(Math.min(v, 3.4e38))), { any: 0, grid: 0 });
}

function unsupported(n: IrNode, why: string): never {
  throw new UserError(`node '${n.origin.name}' (${n.origin.opType}) of this dynamically quantized model runs in float32, and ${why}`);
}

/** Plans node `n` of a float32 model; false when none of its inputs is a float32 tensor (plan it as usual). */
export function planFloat32(host: F32Host, real: RealBounds, n: IrNode): boolean {
  const op = n.op;
  const ins = n.inputs.map((i) => host.t(i));
  if (!ins.some((t) => t.format.float32)) {
    if ((op.op === 'matmul' || op.op === 'conv2d') && op.dynamic) unsupported(n, 'its input is not a float32 tensor of the model');
    return false;
  }
  if (ins.some((t) => !t.format.float32)) unsupported(n, 'it mixes float32 tensors with integer ones');
  const out = n.outputs[0];
  const x = real.get(n.inputs[0])!;
  const size = sizeOf(host.shapeOf(out));
  switch (op.op) {
    case 'matmul':
    case 'conv2d': {
      if (!op.dynamic) unsupported(n, "stylus-ml emulates onnxruntime's float32 kernels only for the dynamically quantized MatMul and Conv (DynamicQuantizeMatMul); a float MatMul/Gemm/Conv is not supported in such a model");
      const d = op.dynamic;
      const channels = op.op === 'matmul' ? op.N : op.outChannels;
      const per = d.W.length / channels;
      const at = (a: ArrayLike<number>, c: number) => (a.length === 1 ? a[0] : a[c]);
      const Wd = Int32Array.from(d.W, (w, i) => w - at(d.wZero, Math.floor(i / per)));
      // the input's dynamic scale is at most (max(0, hi) − min(0, lo)) / 255: each dequantized input lies
      // within one scale of its real value
      const L = Math.min(0, ...Array.from(x.lo));
      const H = Math.max(0, ...Array.from(x.hi));
      const xs = ((H - L) / 255) * (1 + SLACK);
      const lo = new Float64Array(size);
      const hi = new Float64Array(size);
      let bound = 0;
      const term = (c: number, w: number, k: number) => {
        const wr = w * at(d.wScale, c);
        const a = (x.lo[k] - xs) * wr;
        const b = (x.hi[k] + xs) * wr;
        return [Math.min(a, b), Math.max(a, b), Math.max(Math.abs(a), Math.abs(b))];
      };
      const finish = (o: number, c: number, l: number, h: number, abs: number, accAbs: number) => {
        const b = d.bias ? d.bias[c] : 0;
        lo[o] = l + b - abs * SLACK;
        hi[o] = h + b + abs * SLACK;
        bound = Math.max(bound, accAbs);
      };
      if (op.op === 'matmul') {
        const { M, K, N } = op;
        for (let m = 0; m < M; m++)
          for (let c = 0; c < N; c++) {
            let l = 0;
            let h = 0;
            let abs = 0;
            let accAbs = 0;
            for (let k = 0; k < K; k++) {
              const w = Wd[c * K + k];
              const [a, b, m2] = term(c, w, m * K + k);
              l += a;
              h += b;
              abs += m2;
              accAbs += 255 * Math.abs(w);
            }
            finish(m * N + c, c, l, h, abs, accAbs);
          }
      } else {
        const [Nb, C, Hh, Ww] = host.shapeOf(n.inputs[0]);
        const [, OC, OH, OW] = host.shapeOf(out);
        const [kh, kw] = op.kernel;
        for (let nb = 0; nb < Nb; nb++)
          for (let oc = 0; oc < OC; oc++)
            for (let oh = 0; oh < OH; oh++)
              for (let ow = 0; ow < OW; ow++) {
                let l = 0;
                let h = 0;
                let abs = 0;
                let accAbs = 0;
                for (let c = 0; c < C; c++)
                  for (let i = 0; i < kh; i++)
                    for (let j = 0; j < kw; j++) {
                      const ih = oh * op.strides[0] - op.pads[0] + i * op.dilations[0];
                      const iw = ow * op.strides[1] - op.pads[1] + j * op.dilations[1];
                      if (ih < 0 || ih >= Hh || iw < 0 || iw >= Ww) continue;
                      const w = Wd[((oc * C + c) * kh + i) * kw + j];
                      const [a, b, m2] = term(oc, w, ((nb * C + c) * Hh + ih) * Ww + iw);
                      l += a;
                      h += b;
                      abs += m2;
                      accAbs += 255 * Math.abs(w);
                    }
                finish(((nb * OC + oc) * OH + oh) * OW + ow, oc, l, h, abs, accAbs);
              }
      }
      setF32(host, real, n, lo, hi);
      const W: QWeights = { format: { storage: Wd.some((w) => w < -128 || w > 127) ? 'i16' : 'i8', frac: 0 }, q: Wd, maxError: 0 };
      const dynamic = { wScale: Array.from(d.wScale), bias: d.bias ? Array.from(d.bias) : null };
      const params: QParams = op.op === 'matmul' ? { op: 'matmul', W, bias: null, acc: host.accWidth(bound), shift: 0, dynamic } : { op: 'conv2d', W, bias: null, acc: host.accWidth(bound), shift: 0, dynamic };
      host.push(n, params, { bound });
      return true;
    }
    case 'relu':
      setF32(host, real, n, x.lo.map((v) => Math.max(0, v)), x.hi.map((v) => Math.max(0, v)));
      host.push(n, { op: 'relu' });
      return true;
    case 'leakyRelu': {
      const alpha = f32(op.alpha);
      const f = (v: number) => (v >= 0 ? v : v * alpha);
      const lo = x.lo.map((a, i) => Math.min(f(a), f(x.hi[i]), a <= 0 && x.hi[i] >= 0 ? 0 : Infinity));
      const hi = x.lo.map((a, i) => Math.max(f(a), f(x.hi[i]), a <= 0 && x.hi[i] >= 0 ? 0 : -Infinity));
      setF32(host, real, n, lo, hi);
      host.push(n, { op: 'f32', fn: 'leakyRelu', alpha });
      return true;
    }
    case 'sigmoid': {
      // MLAS's approximation is monotone up to its rounding: a few ulps of slack, then [0, 1]
      const lo = x.lo.map((v) => Math.max(0, logistic(v) - 1e-6));
      const hi = x.hi.map((v) => Math.min(1, logistic(v) + 1e-6));
      setF32(host, real, n, lo, hi);
      host.push(n, { op: 'f32', fn: 'sigmoid' });
      return true;
    }
    case 'clip': {
      setF32(host, real, n, x.lo.map((v) => Math.min(Math.max(v, op.min), op.max)), x.hi.map((v) => Math.min(Math.max(v, op.min), op.max)));
      const lim = (v: number, dflt: number) => (Number.isFinite(v) ? keyOf(f32(v)) : dflt);
      host.push(n, { op: 'clip', lo: lim(op.min, -(2 ** 31)), hi: lim(op.max, 2 ** 31 - 1) });
      return true;
    }
    case 'maxpool2d': {
      const [Nb, C, H, W] = host.shapeOf(n.inputs[0]);
      const [, , OH, OW] = host.shapeOf(out);
      const lo = new Float64Array(size).fill(-Infinity);
      const hi = new Float64Array(size).fill(-Infinity);
      for (let p = 0; p < Nb * C; p++)
        for (let oh = 0; oh < OH; oh++)
          for (let ow = 0; ow < OW; ow++)
            for (let i = 0; i < op.kernel[0]; i++)
              for (let j = 0; j < op.kernel[1]; j++) {
                const ih = oh * op.strides[0] - op.pads[0] + i * op.dilations[0];
                const iw = ow * op.strides[1] - op.pads[1] + j * op.dilations[1];
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                const o = (p * OH + oh) * OW + ow;
                lo[o] = Math.max(lo[o], x.lo[(p * H + ih) * W + iw]);
                hi[o] = Math.max(hi[o], x.hi[(p * H + ih) * W + iw]);
              }
      setF32(host, real, n, lo, hi);
      host.push(n, { op: 'maxpool2d' });
      return true;
    }
    case 'avgpool2d': {
      const [Nb, C, H, W] = host.shapeOf(n.inputs[0]);
      const global = op.kernel[0] === H && op.kernel[1] === W && op.pads.every((p) => p === 0);
      if (!global) unsupported(n, "only GlobalAveragePool is emulated (onnxruntime's windowed AveragePool sums in another order)");
      const count = H * W;
      const lo = new Float64Array(Nb * C);
      const hi = new Float64Array(Nb * C);
      for (let p = 0; p < Nb * C; p++) {
        let l = 0;
        let h = 0;
        for (let i = 0; i < count; i++) {
          l += x.lo[p * count + i];
          h += x.hi[p * count + i];
        }
        lo[p] = l / count;
        hi[p] = h / count;
      }
      setF32(host, real, n, lo, hi);
      host.push(n, { op: 'f32', fn: 'mean', count });
      return true;
    }
    case 'affine': {
      const ones = op.scale.every((s) => s === 1);
      const zeros = op.offset.every((o) => o === 0);
      const fn = ones ? 'add' : zeros ? 'mul' : null;
      if (!fn || n.origin.opType === 'Div' || n.origin.opType === 'BatchNormalization') unsupported(n, `only an Add, Sub or Mul by a constant is emulated (onnxruntime computes ${n.origin.opType} with other roundings)`);
      const values = (fn === 'add' ? op.offset : op.scale).map(f32);
      const { mid, inner } = op.broadcast;
      const lo = new Float64Array(size);
      const hi = new Float64Array(size);
      for (let i = 0; i < size; i++) {
        const c = values[Math.floor(i / inner) % mid];
        const [a, b] = fn === 'add' ? [x.lo[i] + c, x.hi[i] + c] : [x.lo[i] * c, x.hi[i] * c];
        lo[i] = Math.min(a, b);
        hi[i] = Math.max(a, b);
      }
      setF32(host, real, n, lo, hi);
      const params: F32Params = { op: 'f32', fn, values: Array.from(values), mid, inner };
      host.push(n, params);
      return true;
    }
    case 'reshape':
      setF32(host, real, n, x.lo, x.hi);
      host.push(n, { op: 'reshape' });
      return true;
    case 'transpose': {
      const outShape = host.shapeOf(out);
      const inStrides = stridesOf(host.shapeOf(n.inputs[0]));
      const outStrides = stridesOf(outShape);
      const lo = new Float64Array(size);
      const hi = new Float64Array(size);
      for (let i = 0; i < size; i++) {
        let rem = i;
        let src = 0;
        for (let dd = 0; dd < outShape.length; dd++) {
          const q = Math.floor(rem / outStrides[dd]);
          rem -= q * outStrides[dd];
          src += q * inStrides[op.perm[dd]];
        }
        lo[i] = x.lo[src];
        hi[i] = x.hi[src];
      }
      setF32(host, real, n, lo, hi);
      host.push(n, { op: 'transpose' });
      return true;
    }
    case 'argmax':
      host.set(out, { storage: 'i32', frac: 0 }, new Float64Array(size), new Float64Array(size).fill(op.axisLen - 1), { any: null, grid: null });
      host.push(n, { op: 'argmax' });
      return true;
    default:
      unsupported(n, `stylus-ml has no float32 emulation of onnxruntime's ${n.origin.opType} kernel yet (supported between dynamically quantized layers: Relu, LeakyRelu, Sigmoid, Clip, MaxPool, GlobalAveragePool, Add/Sub/Mul by a constant, Reshape/Flatten, Transpose, ArgMax)`);
  }
}
