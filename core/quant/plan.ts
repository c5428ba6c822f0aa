// Quantisation planning: one pass over the IR in topological order. For each tensor it picks the format
// with the most fractional bits whose proven integer range fits the storage type; for each node it
// quantises the constants, proves the accumulator's bound (choosing i32 where safe), and carries two
// error bounds forward: for any input in the box, and for inputs on the quantisation grid.
import type { Graph, IrNode } from '../ir/graph';
import { sizeOf, stridesOf } from '../ir/graph';
import { UserError } from '../errors';
import { broadcastIndexer } from '../ir/evaluate';
import { approxErrors, sigmoidQ, tanhQ } from './approx';
import { dequantize, divRound, fracFor, quantize, rescale, truncFrac } from './fixed';
import { quantizedBox } from './box';
import { compileTrees, exactFrac } from './plan-trees';
import type { AccWidth, Plan, QFormat, QNode, QParams, QTensor, QuantOptions, QWeights, Requant, Storage } from './types';
import { f32 as fround32, multiplierOf, requant as requantQ } from './requant';
import { storageMax, storageMin } from './types';
import { planFloat32, planFloat32Input, type F32Host, type RealBounds } from './plan-f32';

const MAX_FRAC = 30;
/** accumulator fractional bits stay below this so every shift is < 63 */
const MAX_ACC_FRAC = 60;
const I32_SAFE = 2 ** 31 - 2;
const I64_SAFE = 2 ** 62;
const NUMBER_EXACT = 2 ** 53;

type Err = number | null;
/** both error bounds: any input in the box, and inputs on the grid */
interface Errs {
  any: Err;
  grid: Err;
}

/**
 * The reference is a float32 model (onnxruntime): its own rounding, about one float32 ulp per accumulated
 * term of magnitude `mag`, is part of the distance a user sees, so every bound includes it.
 */
function f32(terms: number, mag: number): number {
  return terms * 2 ** -24 * mag;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

export function quantizeWeights(w: ArrayLike<number>, storage: Storage, maxFrac = MAX_FRAC, integerIfPossible = false): QWeights {
  const m = maxAbs(w);
  let frac = fracFor(m, storageMax(storage), maxFrac);
  if (integerIfPossible && Array.from(w).every((v) => Number.isInteger(v)) && m <= storageMax(storage)) frac = 0;
  const q = new Int32Array(w.length);
  let err = 0;
  for (let i = 0; i < w.length; i++) {
    q[i] = Math.max(storageMin(storage), Math.min(storageMax(storage), quantize(w[i], frac)));
    err = Math.max(err, Math.abs(dequantize(q[i], frac) - w[i]));
  }
  return { format: { storage, frac }, q, maxError: err };
}

/** Both bounds through a function of the input bounds (null stays null). */
function errs(inputs: Errs[], f: (e: number[]) => number): Errs {
  const pick = (k: keyof Errs) => (inputs.some((e) => e[k] === null) ? null : f(inputs.map((e) => e[k] as number)));
  return { any: pick('any'), grid: pick('grid') };
}

interface Output {
  format: QFormat;
  shift: number;
  qlo: Float64Array;
  qhi: Float64Array;
}

export class Planner implements F32Host {
  readonly tensors = new Map<string, QTensor>();
  readonly nodes: QNode[] = [];
  readonly warnings: string[] = [];
  private readonly errors = new Map<string, Errs>();
  /** tensors whose rows (last axis) are known to sum to at least this much (softmax outputs) */
  private readonly rowSumLo = new Map<string, number>();
  private readonly act: Storage;
  private readonly wst: Storage;
  /** real intervals of a float32 model's tensors (core/quant/plan-f32.ts) */
  private readonly real: RealBounds = new Map();

  constructor(
    private readonly g: Graph,
    private readonly opts: QuantOptions,
  ) {
    this.act = opts.activations ?? 'i16';
    this.wst = opts.weights ?? 'i16';
  }

  run(): Plan {
    for (const inp of this.g.inputs) this.planInput(inp.id);
    for (const n of this.g.nodes) this.planNode(n);
    return {
      graph: this.g,
      tensors: this.tensors,
      nodes: this.nodes,
      options: {
        activations: this.act as 'i16' | 'i32',
        weights: this.wst,
        accumulator: this.opts.accumulator ?? 'auto',
        boxes: this.opts.boxes,
        force: this.opts.force ?? new Map(),
      },
      warnings: this.warnings,
    };
  }

  t(id: string): QTensor {
    const t = this.tensors.get(id);
    if (!t) throw new Error(`internal: tensor ${id} not planned`);
    return t;
  }

  private e(id: string): Errs {
    return this.errors.get(id)!;
  }

  shapeOf(id: string): number[] {
    return this.g.tensors.get(id)!.shape;
  }

  set(id: string, format: QFormat, qlo: Float64Array, qhi: Float64Array, e: Errs): QTensor {
    const info = this.g.tensors.get(id)!;
    const t: QTensor = { id, shape: info.shape, kind: info.kind, format, qlo, qhi, errorBound: e.any, errorBoundOnGrid: e.grid };
    this.tensors.set(id, t);
    this.errors.set(id, e);
    return t;
  }

  accWidth(bound: number): AccWidth {
    if (bound > I64_SAFE) throw new UserError(`the accumulator bound ${bound.toExponential(2)} does not fit i64 even at the lowest precision; narrow the input box`);
    return this.opts.accumulator === 'i64' || bound > I32_SAFE ? 'i64' : 'i32';
  }

  /**
   * The output format for accumulator bounds [lo, hi] at accFrac: the most fractional bits whose rescaled
   * bounds fit the storage (a forced format is honoured, with a warning if it may saturate).
   */
  private output(id: string, lo: Float64Array, hi: Float64Array, accFrac: number, storage: Storage = this.act, maxFrac = MAX_FRAC): Output {
    const forced = this.opts.force?.get(id);
    const real = Math.max(maxAbs(lo), maxAbs(hi)) * 2 ** -accFrac;
    const st = forced?.storage ?? storage;
    let frac = forced ? forced.frac : Math.min(fracFor(real, storageMax(st), maxFrac), accFrac + 30);
    for (;;) {
      const shift = accFrac - frac;
      const qlo = lo.map((v) => rescale(v, shift));
      const qhi = hi.map((v) => rescale(v, shift));
      const fits = qlo.every((v) => v >= storageMin(st)) && qhi.every((v) => v <= storageMax(st));
      if (fits || forced) {
        if (!fits) this.warnings.push(`tensor '${id}': the forced format ${st} Q.${frac} can saturate (proven range ${qlo.reduce((a, b) => Math.min(a, b))}..${qhi.reduce((a, b) => Math.max(a, b))})`);
        const clamp = (v: number) => Math.max(storageMin(st), Math.min(storageMax(st), v));
        return { format: { storage: st, frac }, shift, qlo: qlo.map(clamp), qhi: qhi.map(clamp) };
      }
      frac--;
    }
  }

  private planInput(id: string): void {
    const info = this.g.tensors.get(id)!;
    const box = this.opts.boxes.get(id);
    if (!box) throw new UserError(`no input box for input '${id}'`);
    if (info.quant) {
      // the model's own QuantizeLinear: the contract takes its integers, the box bounds them
      const { scale, zeroPoint } = info.quant;
      const { qlo, qhi } = quantizedBox(box.lo, box.hi, { storage: 'i8', frac: 0, scale, zeroPoint }, 'real');
      this.set(id, { storage: 'i8', frac: 0, scale, zeroPoint }, qlo, qhi, { any: 0, grid: 0 });
      return;
    }
    if (this.g.float32 && info.kind === 'real') {
      planFloat32Input(this, this.real, id, box.lo, box.hi);
      return;
    }
    if (info.kind === 'int') {
      const { qlo, qhi } = quantizedBox(box.lo, box.hi, { storage: 'i32', frac: 0 }, 'int');
      this.set(id, { storage: 'i32', frac: 0 }, qlo, qhi, { any: 0, grid: 0 });
      return;
    }
    const forced = this.opts.force?.get(id);
    const frac = forced?.frac ?? fracFor(Math.max(maxAbs(box.lo), maxAbs(box.hi)), storageMax(this.act), MAX_FRAC);
    const storage = forced?.storage ?? this.act;
    const { qlo, qhi } = quantizedBox(box.lo, box.hi, { storage, frac }, 'real');
    this.set(id, { storage, frac }, qlo, qhi, { any: 2 ** -(frac + 1), grid: 0 });
  }

  push(node: IrNode, params: QParams, extra: { approxError?: number; bound?: number } = {}): void {
    this.nodes.push({ node, params, approxError: extra.approxError, needsBigInt: (extra.bound ?? 0) >= NUMBER_EXACT });
  }

  private planNode(n: IrNode): void {
    if (this.g.float32 && planFloat32(this, this.real, n)) return;
    if (this.planQuantized(n)) return;
    const op = n.op;
    const out = n.outputs[0];
    const x = n.inputs.length ? this.t(n.inputs[0]) : null;
    const ex = n.inputs.length ? this.e(n.inputs[0]) : { any: 0, grid: 0 };
    const round = (shift: number, frac: number) => (shift > 0 ? 2 ** -(frac + 1) : 0);
    switch (op.op) {
      case 'matmul': {
        const { M, K, N } = op;
        const fx = x!.format.frac;
        let W = quantizeWeights(op.W, this.wst, Math.min(MAX_FRAC, MAX_ACC_FRAC - fx));
        if (op.bias) {
          // the bias is added at the accumulator's scale: keep it well inside exact doubles
          const bmax = maxAbs(op.bias);
          while (bmax * 2 ** (fx + W.format.frac) > 2 ** 52) W = quantizeWeights(op.W, this.wst, W.format.frac - 1);
        }
        const accFrac = fx + W.format.frac;
        const bias = op.bias ? op.bias.map((b) => quantize(b, accFrac)) : null;
        const rows = op.batches * M;
        const lo = new Float64Array(rows * N);
        const hi = new Float64Array(rows * N);
        let bound = 0;
        let wErr = 0;
        let wAbs = 0;
        for (let b = 0; b < op.batches; b++)
          for (let m = 0; m < M; m++) {
            const xo = op.aOffsets[b] + m * K;
            for (let j = 0; j < N; j++) {
              const o = (b * M + m) * N + j;
              const bq = bias ? bias[bias.length === N ? j : o] : 0;
              let l = bq;
              let h = bq;
              let abs = Math.abs(bq);
              let we = 0;
              let wa = 0;
              const wo = op.wOffsets[b] + j * K;
              for (let k = 0; k < K; k++) {
                const w = W.q[wo + k];
                const a = x!.qlo[xo + k];
                const c = x!.qhi[xo + k];
                if (w >= 0) {
                  l += w * a;
                  h += w * c;
                } else {
                  l += w * c;
                  h += w * a;
                }
                const xm = Math.max(Math.abs(a), Math.abs(c));
                abs += Math.abs(w) * xm;
                we += Math.abs(dequantize(w, W.format.frac) - op.W[wo + k]) * xm * 2 ** -fx;
                wa += Math.abs(op.W[wo + k]);
              }
              lo[o] = l;
              hi[o] = h;
              bound = Math.max(bound, abs);
              wErr = Math.max(wErr, we + (bias ? Math.abs(dequantize(bq, accFrac) - (op.bias![op.bias!.length === N ? j : o])) : 0));
              wAbs = Math.max(wAbs, wa);
            }
          }
        const acc = this.accWidth(bound);
        const y = this.output(out, lo, hi, accFrac);
        const e = errs([ex], ([ei]) => wAbs * ei + wErr + W.maxError * ei * K + round(y.shift, y.format.frac) + f32(K + 1, bound * 2 ** -accFrac));
        this.set(out, y.format, y.qlo, y.qhi, e);
        this.push(n, { op: 'matmul', W, bias, acc, shift: y.shift }, { bound });
        return;
      }
      case 'conv2d': {
        const [Nb, C, H, Wd] = x!.shape;
        const [, OC, OH, OW] = this.g.tensors.get(out)!.shape;
        const [kh, kw] = op.kernel;
        const fx = x!.format.frac;
        let W = quantizeWeights(op.W, this.wst, Math.min(MAX_FRAC, MAX_ACC_FRAC - fx));
        if (op.bias) {
          const bmax = maxAbs(op.bias);
          while (bmax * 2 ** (fx + W.format.frac) > 2 ** 52) W = quantizeWeights(op.W, this.wst, W.format.frac - 1);
        }
        const accFrac = fx + W.format.frac;
        const bias = op.bias ? op.bias.map((b) => quantize(b, accFrac)) : null;
        const size = Nb * OC * OH * OW;
        const lo = new Float64Array(size);
        const hi = new Float64Array(size);
        let bound = 0;
        let wErr = 0;
        let wAbs = 0;
        for (let nb = 0; nb < Nb; nb++)
          for (let oc = 0; oc < OC; oc++)
            for (let oh = 0; oh < OH; oh++)
              for (let ow = 0; ow < OW; ow++) {
                const bq = bias ? bias[oc] : 0;
                let l = bq;
                let h = bq;
                let abs = Math.abs(bq);
                let we = bias ? Math.abs(dequantize(bq, accFrac) - op.bias![oc]) : 0;
                let wa = 0;
                for (let c = 0; c < C; c++)
                  for (let i = 0; i < kh; i++) {
                    const ih = oh * op.strides[0] - op.pads[0] + i * op.dilations[0];
                    if (ih < 0 || ih >= H) continue;
                    for (let j = 0; j < kw; j++) {
                      const iw = ow * op.strides[1] - op.pads[1] + j * op.dilations[1];
                      if (iw < 0 || iw >= Wd) continue;
                      const xi = ((nb * C + c) * H + ih) * Wd + iw;
                      const wi = ((oc * C + c) * kh + i) * kw + j;
                      const w = W.q[wi];
                      const a = x!.qlo[xi];
                      const b = x!.qhi[xi];
                      if (w >= 0) {
                        l += w * a;
                        h += w * b;
                      } else {
                        l += w * b;
                        h += w * a;
                      }
                      const xm = Math.max(Math.abs(a), Math.abs(b));
                      abs += Math.abs(w) * xm;
                      we += Math.abs(dequantize(w, W.format.frac) - op.W[wi]) * xm * 2 ** -fx;
                      wa += Math.abs(op.W[wi]);
                    }
                  }
                const o = ((nb * OC + oc) * OH + oh) * OW + ow;
                lo[o] = l;
                hi[o] = h;
                bound = Math.max(bound, abs);
                wErr = Math.max(wErr, we);
                wAbs = Math.max(wAbs, wa);
              }
        const acc = this.accWidth(bound);
        const y = this.output(out, lo, hi, accFrac);
        const taps = C * kh * kw;
        const e = errs([ex], ([ei]) => wAbs * ei + wErr + W.maxError * ei * taps + round(y.shift, y.format.frac) + f32(taps + 1, bound * 2 ** -accFrac));
        this.set(out, y.format, y.qlo, y.qhi, e);
        this.push(n, { op: 'conv2d', W, bias, acc, shift: y.shift }, { bound });
        return;
      }
      case 'maxpool2d':
      case 'avgpool2d': {
        const [Nb, C, H, Wd] = x!.shape;
        const [, , OH, OW] = this.g.tensors.get(out)!.shape;
        const [kh, kw] = op.kernel;
        const dil = op.op === 'maxpool2d' ? op.dilations : [1, 1];
        const size = Nb * C * OH * OW;
        const lo = new Float64Array(size);
        const hi = new Float64Array(size);
        let bound = 0;
        for (let p = 0; p < Nb * C; p++)
          for (let oh = 0; oh < OH; oh++)
            for (let ow = 0; ow < OW; ow++) {
              let l = -Infinity;
              let h = -Infinity;
              let sl = 0;
              let sh = 0;
              let abs = 0;
              let count = 0;
              let padded = 0;
              for (let i = 0; i < kh; i++) {
                const ih = oh * op.strides[0] - op.pads[0] + i * dil[0];
                for (let j = 0; j < kw; j++) {
                  const iw = ow * op.strides[1] - op.pads[1] + j * dil[1];
                  if (ih < 0 || ih >= H || iw < 0 || iw >= Wd) {
                    if (ih >= -op.pads[0] && ih < H + op.pads[2] && iw >= -op.pads[1] && iw < Wd + op.pads[3]) padded++;
                    continue;
                  }
                  const xi = (p * H + ih) * Wd + iw;
                  l = Math.max(l, x!.qlo[xi]);
                  h = Math.max(h, x!.qhi[xi]);
                  sl += x!.qlo[xi];
                  sh += x!.qhi[xi];
                  abs += Math.max(Math.abs(x!.qlo[xi]), Math.abs(x!.qhi[xi]));
                  count++;
                }
              }
              const o = (p * OH + oh) * OW + ow;
              if (op.op === 'maxpool2d') {
                lo[o] = l;
                hi[o] = h;
              } else {
                const d = op.countIncludePad ? count + padded : count;
                lo[o] = divRound(sl, d);
                hi[o] = divRound(sh, d);
                bound = Math.max(bound, abs);
              }
            }
        const fx = x!.format.frac;
        if (op.op === 'maxpool2d') {
          this.set(out, x!.format, lo, hi, ex);
          this.push(n, { op: 'maxpool2d' });
        } else {
          this.set(out, x!.format, lo, hi, errs([ex], ([ei]) => ei + 2 ** -(fx + 1)));
          this.push(n, { op: 'avgpool2d', acc: this.accWidth(bound) }, { bound });
        }
        return;
      }
      case 'affine': {
        const fx = x!.format.frac;
        const S = quantizeWeights(op.scale, this.wst, Math.min(MAX_FRAC, MAX_ACC_FRAC - fx), true);
        const accFrac = fx + S.format.frac;
        const offset = op.offset.map((o) => quantize(o, accFrac));
        const size = sizeOf(x!.shape);
        const lo = new Float64Array(size);
        const hi = new Float64Array(size);
        let bound = 0;
        let we = 0;
        let sAbs = 0;
        const { mid, inner } = op.broadcast;
        for (let i = 0; i < size; i++) {
          const c = Math.floor(i / inner) % mid;
          const s = S.q[c];
          const a = x!.qlo[i] * s;
          const b = x!.qhi[i] * s;
          lo[i] = Math.min(a, b) + offset[c];
          hi[i] = Math.max(a, b) + offset[c];
          const xm = Math.max(Math.abs(x!.qlo[i]), Math.abs(x!.qhi[i]));
          bound = Math.max(bound, Math.abs(s) * xm + Math.abs(offset[c]));
          we = Math.max(we, Math.abs(dequantize(s, S.format.frac) - op.scale[c]) * xm * 2 ** -fx + Math.abs(dequantize(offset[c], accFrac) - op.offset[c]));
          sAbs = Math.max(sAbs, Math.abs(op.scale[c]));
        }
        const y = this.output(out, lo, hi, accFrac);
        this.set(out, y.format, y.qlo, y.qhi, errs([ex], ([ei]) => (sAbs + S.maxError) * ei + we + round(y.shift, y.format.frac) + f32(2, bound * 2 ** -accFrac)));
        this.push(n, { op: 'affine', scale: S, offset, acc: this.accWidth(bound), shift: y.shift }, { bound });
        return;
      }
      case 'binary': {
        const a = x!;
        const b = this.t(n.inputs[1]);
        const eb = this.e(n.inputs[1]);
        const outShape = this.g.tensors.get(out)!.shape;
        const size = sizeOf(outShape);
        const ia = broadcastIndexer(a.shape, outShape);
        const ib = broadcastIndexer(b.shape, outShape);
        const lo = new Float64Array(size);
        const hi = new Float64Array(size);
        let bound = 0;
        let shiftA = 0;
        let shiftB = 0;
        let accFrac: number;
        let aMax = 0;
        let bMax = 0;
        if (op.fn === 'mul') {
          accFrac = a.format.frac + b.format.frac;
          for (let i = 0; i < size; i++) {
            const p = [a.qlo[ia(i)] * b.qlo[ib(i)], a.qlo[ia(i)] * b.qhi[ib(i)], a.qhi[ia(i)] * b.qlo[ib(i)], a.qhi[ia(i)] * b.qhi[ib(i)]];
            lo[i] = Math.min(...p);
            hi[i] = Math.max(...p);
            bound = Math.max(bound, Math.max(...p.map(Math.abs)));
          }
          aMax = Math.max(maxAbs(a.qlo), maxAbs(a.qhi)) * 2 ** -a.format.frac;
          bMax = Math.max(maxAbs(b.qlo), maxAbs(b.qhi)) * 2 ** -b.format.frac;
        } else {
          accFrac = Math.max(a.format.frac, b.format.frac);
          shiftA = accFrac - a.format.frac;
          shiftB = accFrac - b.format.frac;
          const sign = op.fn === 'sub' ? -1 : 1;
          for (let i = 0; i < size; i++) {
            const al = a.qlo[ia(i)] * 2 ** shiftA;
            const ah = a.qhi[ia(i)] * 2 ** shiftA;
            const bl = b.qlo[ib(i)] * 2 ** shiftB * sign;
            const bh = b.qhi[ib(i)] * 2 ** shiftB * sign;
            lo[i] = al + Math.min(bl, bh);
            hi[i] = ah + Math.max(bl, bh);
            bound = Math.max(bound, Math.max(Math.abs(al), Math.abs(ah)) + Math.max(Math.abs(bl), Math.abs(bh)));
          }
        }
        const kindInt = this.g.tensors.get(out)!.kind === 'int';
        const y = this.output(out, lo, hi, accFrac, kindInt ? 'i32' : this.act, kindInt ? 0 : MAX_FRAC);
        const e = op.fn === 'mul' ? errs([ex, eb], ([e1, e2]) => aMax * e2 + bMax * e1 + e1 * e2 + round(y.shift, y.format.frac)) : errs([ex, eb], ([e1, e2]) => e1 + e2 + round(y.shift, y.format.frac));
        this.set(out, y.format, y.qlo, y.qhi, e);
        this.push(n, { op: 'binary', shiftA, shiftB, acc: this.accWidth(bound), shift: y.shift }, { bound });
        return;
      }
      case 'relu':
        this.set(out, x!.format, x!.qlo.map((v) => Math.max(v, 0)), x!.qhi.map((v) => Math.max(v, 0)), ex);
        this.push(n, { op: 'relu' });
        return;
      case 'leakyRelu': {
        const alpha = quantizeWeights([op.alpha], 'i16', MAX_FRAC);
        const af = alpha.format.frac;
        const aq = alpha.q[0];
        const f = (v: number) => (v >= 0 ? v : rescale(v * aq, af));
        // extremes of f over [a, b] are at the ends or at 0
        const lo = x!.qlo.map((a, i) => Math.min(f(a), f(x!.qhi[i]), a <= 0 && x!.qhi[i] >= 0 ? 0 : Infinity));
        const hi = x!.qlo.map((a, i) => Math.max(f(a), f(x!.qhi[i]), a <= 0 && x!.qhi[i] >= 0 ? 0 : -Infinity));
        const st = x!.format.storage;
        if (lo.some((v) => v < storageMin(st)) || hi.some((v) => v > storageMax(st))) {
          this.warnings.push(`LeakyRelu '${n.origin.name}': alpha ${op.alpha} can push values past ${st}; they saturate`);
        }
        const clampSt = (v: number) => Math.max(storageMin(st), Math.min(storageMax(st), v));
        const bound = Math.max(maxAbs(x!.qlo), maxAbs(x!.qhi)) * Math.abs(aq);
        const fx = x!.format.frac;
        const xMax = Math.max(maxAbs(x!.qlo), maxAbs(x!.qhi)) * 2 ** -fx;
        this.set(out, x!.format, lo.map(clampSt), hi.map(clampSt), errs([ex], ([ei]) => Math.max(1, Math.abs(op.alpha)) * ei + alpha.maxError * xMax + 2 ** -(fx + 1)));
        this.push(n, { op: 'leakyRelu', alpha: aq, alphaFrac: af, acc: this.accWidth(bound) }, { bound });
        return;
      }
      case 'clip': {
        const f = x!.format.frac;
        const st = x!.format.storage;
        const lo = op.min === -Infinity ? storageMin(st) : Math.max(storageMin(st), Math.min(storageMax(st), quantize(op.min, f)));
        const hi = op.max === Infinity ? storageMax(st) : Math.max(storageMin(st), Math.min(storageMax(st), quantize(op.max, f)));
        const c = (v: number) => Math.min(Math.max(v, lo), hi);
        this.set(out, x!.format, x!.qlo.map(c), x!.qhi.map(c), errs([ex], ([ei]) => ei + 2 ** -(f + 1)));
        this.push(n, { op: 'clip', lo, hi });
        return;
      }
      case 'sigmoid':
      case 'tanh': {
        const fx = x!.format.frac;
        const outFrac = fracFor(1, storageMax(this.act), MAX_FRAC);
        const fn = op.op === 'sigmoid' ? sigmoidQ : tanhQ;
        const lip = op.op === 'sigmoid' ? 0.25 : 1;
        const ap = op.op === 'sigmoid' ? approxErrors().sigmoid : approxErrors().tanh;
        const conv = fx > 16 ? 2 ** -17 : 0;
        this.set(out, { storage: this.act, frac: outFrac }, x!.qlo.map((v) => fn(v, fx, outFrac)), x!.qhi.map((v) => fn(v, fx, outFrac)), errs([ex], ([ei]) => lip * (ei + conv) + ap + 2 ** -(outFrac + 1) + f32(2, 1)));
        this.push(n, { op: op.op, inFrac: fx, outFrac }, { approxError: ap });
        return;
      }
      case 'softmax': {
        const fx = x!.format.frac;
        const outFrac = Math.min(22, fracFor(1, storageMax(this.act), MAX_FRAC));
        const size = sizeOf(x!.shape);
        const ap = approxErrors().exp;
        const conv = fx > 16 ? 2 ** -17 : 0;
        // real bounds of each output from the input intervals, widened by the kernel's own error
        const slack = op.axisLen * ap + 2 ** -(outFrac + 1) + 2 * conv;
        const lo = new Float64Array(size);
        const hi = new Float64Array(size).fill(2 ** outFrac);
        const real = (q: number) => q * 2 ** -fx;
        for (let o = 0; o < op.outer; o++)
          for (let inn = 0; inn < op.inner; inn++) {
            const at = (a: number) => (o * op.axisLen + a) * op.inner + inn;
            for (let a = 0; a < op.axisLen; a++) {
              let sLo = 0;
              let sHi = 0;
              for (let b = 0; b < op.axisLen; b++) {
                if (b === a) continue;
                sLo += Math.exp(Math.min(700, real(x!.qhi[at(b)]) - real(x!.qlo[at(a)])));
                sHi += Math.exp(Math.min(700, real(x!.qlo[at(b)]) - real(x!.qhi[at(a)])));
              }
              lo[at(a)] = Math.max(0, Math.floor((1 / (1 + sLo) - slack) * 2 ** outFrac));
              hi[at(a)] = Math.min(2 ** outFrac, Math.ceil((1 / (1 + sHi) + slack) * 2 ** outFrac));
            }
          }
        this.set(out, { storage: this.act, frac: outFrac }, lo, hi, errs([ex], ([ei]) => Math.expm1(2 * (ei + conv)) + op.axisLen * ap + 2 ** -(outFrac + 1) + f32(op.axisLen + 2, 1)));
        if (op.inner === 1) this.rowSumLo.set(out, 1 - op.axisLen * slack);
        this.push(n, { op: 'softmax', inFrac: fx, outFrac }, { approxError: op.axisLen * ap });
        return;
      }
      case 'argmax': {
        const size = sizeOf(this.g.tensors.get(out)!.shape);
        this.set(out, { storage: 'i32', frac: 0 }, new Float64Array(size), new Float64Array(size).fill(op.axisLen - 1), { any: null, grid: null });
        this.push(n, { op: 'argmax' });
        return;
      }
      case 'transpose': {
        const outShape = this.g.tensors.get(out)!.shape;
        const inStrides = stridesOf(x!.shape);
        const outStrides = stridesOf(outShape);
        const size = sizeOf(outShape);
        const lo = new Float64Array(size);
        const hi = new Float64Array(size);
        for (let i = 0; i < size; i++) {
          let rem = i;
          let src = 0;
          for (let d = 0; d < outShape.length; d++) {
            const q = Math.floor(rem / outStrides[d]);
            rem -= q * outStrides[d];
            src += q * inStrides[op.perm[d]];
          }
          lo[i] = x!.qlo[src];
          hi[i] = x!.qhi[src];
        }
        this.set(out, x!.format, lo, hi, ex);
        this.push(n, { op: 'transpose' });
        return;
      }
      case 'reshape':
        this.set(out, x!.format, x!.qlo, x!.qhi, ex);
        this.push(n, { op: 'reshape' });
        return;
      case 'concat': {
        const ins = n.inputs.map((i) => this.t(i));
        const realMax = Math.max(...ins.map((t) => Math.max(maxAbs(t.qlo), maxAbs(t.qhi)) * 2 ** -t.format.frac));
        const kindInt = this.g.tensors.get(out)!.kind === 'int';
        const storage: Storage = kindInt ? 'i32' : this.act;
        let frac = kindInt ? 0 : Math.min(fracFor(realMax, storageMax(storage), MAX_FRAC), ...ins.map((t) => t.format.frac + 30));
        let shifts: number[] = [];
        let lo: number[] = [];
        let hi: number[] = [];
        for (;;) {
          shifts = ins.map((t) => t.format.frac - frac);
          lo = [];
          hi = [];
          const outShape = this.g.tensors.get(out)!.shape;
          const outer = sizeOf(outShape.slice(0, op.axis));
          const parts = ins.map((t) => sizeOf(t.shape.slice(op.axis)));
          for (let o = 0; o < outer; o++)
            ins.forEach((t, k) => {
              for (let i = 0; i < parts[k]; i++) {
                lo.push(rescale(t.qlo[o * parts[k] + i], shifts[k]));
                hi.push(rescale(t.qhi[o * parts[k] + i], shifts[k]));
              }
            });
          if (lo.every((v) => v >= storageMin(storage)) && hi.every((v) => v <= storageMax(storage))) break;
          frac--;
        }
        const shiftsFinal = shifts;
        this.set(out, { storage, frac }, Float64Array.from(lo), Float64Array.from(hi), errs(n.inputs.map((i) => this.e(i)), (es) => Math.max(...es) + (shiftsFinal.some((s) => s > 0) ? 2 ** -(frac + 1) : 0)));
        this.push(n, { op: 'concat', shifts });
        return;
      }
      case 'constant': {
        const info = this.g.tensors.get(out)!;
        const W = quantizeWeights(op.values, info.kind === 'int' ? 'i32' : this.act, info.kind === 'int' ? 0 : MAX_FRAC, true);
        const q = Float64Array.from(W.q);
        this.set(out, W.format, q, q, { any: W.maxError, grid: W.maxError });
        this.push(n, { op: 'constant', q: W.q });
        return;
      }
      case 'castInt': {
        const f = x!.format.frac;
        this.set(out, { storage: 'i32', frac: 0 }, x!.qlo.map((v) => truncFrac(v, f)), x!.qhi.map((v) => truncFrac(v, f)), { any: null, grid: null });
        this.push(n, { op: 'castInt', frac: f });
        return;
      }
      case 'normalize': {
        const shape = x!.shape;
        const C = shape[shape.length - 1];
        const rows = sizeOf(shape) / C;
        const outFrac = Math.min(22, fracFor(1, storageMax(this.act), MAX_FRAC));
        const xm = Math.max(maxAbs(x!.qlo), maxAbs(x!.qhi));
        // pre-shift so that x·2^outFrac and Σx² stay exact in doubles and i64
        let preShift = 0;
        while (xm * 2 ** -preShift * 2 ** outFrac > 2 ** 50 || (op.norm === 'L2' && C * (xm * 2 ** -preShift) ** 2 > 2 ** 50)) preShift++;
        const xMin = x!.qlo.reduce((a, b) => Math.min(a, b), Infinity);
        if (op.norm === 'MAX' && xMin < 0) throw new UserError(`Normalizer MAX '${n.origin.name}' needs inputs ≥ 0 over the box (proven lower bound ${xMin * 2 ** -x!.format.frac})`);
        const size = sizeOf(shape);
        const lo = new Float64Array(size).fill(op.norm === 'MAX' ? 0 : -(2 ** outFrac));
        const hi = new Float64Array(size).fill(2 ** outFrac);
        // x / |x|: a row of non-negative values stays non-negative (div_round of a >= 0 by d > 0 is >= 0)
        for (let r = 0; r < rows; r++) if (x!.qlo.subarray(r * C, (r + 1) * C).every((v) => v >= 0)) lo.fill(0, r * C, (r + 1) * C);
        // smallest possible denominator (real) over the box, for the error bound
        let dmin = Infinity;
        const fx = x!.format.frac;
        for (let r = 0; r < rows; r++) {
          let d = 0;
          for (let c = 0; c < C; c++) {
            const l = x!.qlo[r * C + c] * 2 ** -fx;
            const h = x!.qhi[r * C + c] * 2 ** -fx;
            const mn = l <= 0 && h >= 0 ? 0 : Math.min(Math.abs(l), Math.abs(h));
            d = op.norm === 'L1' ? d + mn : op.norm === 'L2' ? d + mn * mn : Math.max(d, l);
          }
          dmin = Math.min(dmin, op.norm === 'L2' ? Math.sqrt(d) : d);
        }
        // rows of a softmax sum to one: the L1 denominator cannot be small
        if (op.norm === 'L1' && this.rowSumLo.has(n.inputs[0])) dmin = Math.max(dmin, this.rowSumLo.get(n.inputs[0])!);
        const pre = preShift > 0 ? 2 ** -(fx - preShift + 1) : 0;
        this.set(out, { storage: this.act, frac: outFrac }, lo, hi, errs([ex], ([ei]) => (dmin > 0 ? ((C + 1) * (ei + pre)) / dmin + 2 ** -(fx - preShift) / dmin : Infinity) + 2 ** -(outFrac + 1) + f32(C + 1, 1)));
        this.push(n, { op: 'normalize', preShift, outFrac });
        return;
      }
      case 'trees':
        this.planTrees(n, op, x!, ex);
        return;
      case 'binaryScores': {
        const fp = x!.format.frac;
        if (op.mode === 'logistic') {
          const outFrac = fracFor(1, storageMax(this.act), MAX_FRAC);
          const lo = new Float64Array(2 * x!.qlo.length);
          const hi = new Float64Array(2 * x!.qlo.length);
          x!.qlo.forEach((l, r) => {
            const h = x!.qhi[r];
            lo[2 * r] = sigmoidQ(-h, fp, outFrac);
            hi[2 * r] = sigmoidQ(-l, fp, outFrac);
            lo[2 * r + 1] = sigmoidQ(l, fp, outFrac);
            hi[2 * r + 1] = sigmoidQ(h, fp, outFrac);
          });
          const ap = approxErrors().sigmoid;
          this.set(out, { storage: this.act, frac: outFrac }, lo, hi, errs([ex], ([ei]) => 0.25 * (ei + (fp > 16 ? 2 ** -17 : 0)) + ap + 2 ** -(outFrac + 1) + f32(2, 1)));
          this.push(n, { op: 'binaryScores', inFrac: fp, outFrac }, { approxError: ap });
          return;
        }
        // complement: [1 − p, p]; negate: [−p, p] — pick the format from both columns' ranges
        const one = op.mode === 'complement' ? 2 ** fp : 0;
        const lo = new Float64Array(2 * x!.qlo.length);
        const hi = new Float64Array(2 * x!.qlo.length);
        x!.qlo.forEach((l, r) => {
          const h = x!.qhi[r];
          lo[2 * r] = op.mode === 'complement' ? one - h : -h;
          hi[2 * r] = op.mode === 'complement' ? one - l : -l;
          lo[2 * r + 1] = l;
          hi[2 * r + 1] = h;
        });
        const y = this.output(out, lo, hi, fp);
        // exact bounds of the kernel as it computes: q = rescale(p); [2^f − q | −q, q]
        const of = y.format.frac;
        x!.qlo.forEach((l, r) => {
          const ql = rescale(l, y.shift);
          const qh = rescale(x!.qhi[r], y.shift);
          y.qlo[2 * r] = op.mode === 'complement' ? 2 ** of - qh : -qh;
          y.qhi[2 * r] = op.mode === 'complement' ? 2 ** of - ql : -ql;
          y.qlo[2 * r + 1] = ql;
          y.qhi[2 * r + 1] = qh;
        });
        this.set(out, y.format, y.qlo, y.qhi, errs([ex], ([ei]) => ei + round(y.shift, y.format.frac)));
        this.push(n, { op: 'binaryScores', inFrac: fp, outFrac: y.format.frac });
        return;
      }
      case 'threshold': {
        const f = x!.format.frac;
        const t = Math.floor(op.threshold * 2 ** f);
        const size = sizeOf(this.g.tensors.get(out)!.shape);
        this.set(out, { storage: 'i32', frac: 0 }, new Float64Array(size), new Float64Array(size).fill(1), { any: null, grid: null });
        this.push(n, { op: 'threshold', t });
        return;
      }
    }
  }

  /**
   * Pre-quantized layers (scales from the model, core/quant/requant.ts). The reference they are held to is
   * onnxruntime running the same quantized model: each requantisation may land one step off it (where its
   * float32 rounding differs), so a layer's bound is its gain times its input's bound plus one step.
   */
  private planQuantized(n: IrNode): boolean {
    const op = n.op;
    const out = n.outputs[0];
    const info = this.g.tensors.get(out)!;
    const ins = n.inputs.map((i) => this.t(i));
    const affineIn = ins.find((t) => t.format.scale !== undefined);
    const quantOp = op.op === 'qadd' || op.op === 'qlut' || ((op.op === 'matmul' || op.op === 'conv2d' || op.op === 'avgpool2d') && op.quant);
    if (!quantOp) {
      if (!affineIn) return false;
      if (op.op === 'maxpool2d' || op.op === 'reshape' || op.op === 'transpose' || op.op === 'argmax') return false;
      throw new UserError(`node '${n.origin.name}' (${n.origin.opType}) reads the pre-quantized tensor '${affineIn.id}' as a float: only onnxruntime's integer ops (QLinear*, QGemm, MaxPool, Reshape, Flatten) can follow a QuantizeLinear; dequantize at the model's output only`);
    }
    const q = info.quant!;
    const fmt: QFormat = { storage: 'i8', frac: 0, scale: q.scale, zeroPoint: q.zeroPoint };
    const x = ins[0];
    const ex = this.e(n.inputs[0]);
    const mul = (real: number) => {
      try {
        return multiplierOf(real, `node '${n.origin.name}'`);
      } catch (e) {
        throw new UserError((e as Error).message);
      }
    };
    const xs = x.format.scale!;
    if ((op.op === 'matmul' || op.op === 'conv2d') && op.quant) {
      const d = op.quant;
      const channels = op.op === 'matmul' ? op.N : op.outChannels;
      const per = d.W.length / channels;
      // W' = W − wZero, and the input zero point folded into the bias: acc = b' + Σ x·W'
      const Wd = Int32Array.from(d.W, (w, i) => w - (d.wZero.length === 1 ? d.wZero[0] : d.wZero[Math.floor(i / per)]));
      const mults = Array.from(d.multiplier, mul);
      const requant: Requant = { m: mults.map((m) => m.m), s: mults.map((m) => m.s), zp: d.yZero };
      const wide = Wd.some((w) => w < -128 || w > 127);
      const W: QWeights = { format: { storage: wide ? 'i16' : 'i8', frac: 0 }, q: Wd, maxError: 0 };
      const lo = new Float64Array(sizeOf(info.shape));
      const hi = new Float64Array(sizeOf(info.shape));
      let bound = 0;
      let gain = 0;
      const ws = (c: number) => (d.multiplier[c] * q.scale) / xs;
      let bias: Float64Array;
      if (op.op === 'matmul') {
        const { M, K, N } = op;
        bias = Float64Array.from({ length: N }, (_, c) => {
          let s = 0;
          for (let k = 0; k < K; k++) s += Wd[c * K + k];
          return (d.bias ? d.bias[c] : 0) - d.xZero * s;
        });
        for (let m = 0; m < M; m++)
          for (let c = 0; c < N; c++) {
            let l = bias[c];
            let h = bias[c];
            let abs = Math.abs(bias[c]);
            let g = 0;
            for (let k = 0; k < K; k++) {
              const w = Wd[c * K + k];
              const a = x.qlo[m * K + k];
              const b = x.qhi[m * K + k];
              l += w >= 0 ? w * a : w * b;
              h += w >= 0 ? w * b : w * a;
              abs += Math.abs(w) * Math.max(Math.abs(a), Math.abs(b));
              g += Math.abs(w);
            }
            const o = m * N + c;
            lo[o] = requantQ(l, mults[c], d.yZero);
            hi[o] = requantQ(h, mults[c], d.yZero);
            bound = Math.max(bound, abs);
            gain = Math.max(gain, g * ws(c) * xs);
          }
      } else {
        const [Nb, C, H, Wdim] = x.shape;
        const [, OC, OH, OW] = info.shape;
        const [kh, kw] = op.kernel;
        bias = Float64Array.from({ length: OC }, (_, c) => {
          let s = 0;
          for (let i = 0; i < per; i++) s += Wd[c * per + i];
          return (d.bias ? d.bias[c] : 0) - d.xZero * s;
        });
        for (let nb = 0; nb < Nb; nb++)
          for (let oc = 0; oc < OC; oc++)
            for (let oh = 0; oh < OH; oh++)
              for (let ow = 0; ow < OW; ow++) {
                let l = bias[oc];
                let h = bias[oc];
                let abs = Math.abs(bias[oc]);
                let g = 0;
                for (let c = 0; c < C; c++)
                  for (let i = 0; i < kh; i++)
                    for (let j = 0; j < kw; j++) {
                      const ih = oh * op.strides[0] - op.pads[0] + i * op.dilations[0];
                      const iw = ow * op.strides[1] - op.pads[1] + j * op.dilations[1];
                      const w = Wd[((oc * C + c) * kh + i) * kw + j];
                      const inside = ih >= 0 && ih < H && iw >= 0 && iw < Wdim;
                      const xi = ((nb * C + c) * H + ih) * Wdim + iw;
                      const a = inside ? x.qlo[xi] : d.xZero;
                      const b = inside ? x.qhi[xi] : d.xZero;
                      l += w >= 0 ? w * a : w * b;
                      h += w >= 0 ? w * b : w * a;
                      abs += Math.abs(w) * Math.max(Math.abs(a), Math.abs(b));
                      g += Math.abs(w);
                    }
                const o = ((nb * OC + oc) * OH + oh) * OW + ow;
                lo[o] = requantQ(l, mults[oc], d.yZero);
                hi[o] = requantQ(h, mults[oc], d.yZero);
                bound = Math.max(bound, abs);
                gain = Math.max(gain, g * ws(oc) * xs);
              }
      }
      const acc = this.accWidth(bound);
      this.set(out, fmt, lo, hi, errs([ex], ([ei]) => (gain * ei) / xs + q.scale));
      const mMax = Math.max(...requant.m);
      const params: QParams = op.op === 'matmul' ? { op: 'matmul', W, bias, acc, shift: 0, requant } : { op: 'conv2d', W, bias, acc, shift: 0, requant, padValue: d.xZero };
      this.push(n, params, { bound: bound * Math.max(1, mMax) });
      return true;
    }
    if (op.op === 'avgpool2d' && op.quant) {
      const count = op.kernel[0] * op.kernel[1];
      const m = mul(op.quant.multiplier);
      const [Nb, C, H, Wdim] = x.shape;
      const [, , OH, OW] = info.shape;
      const lo = new Float64Array(sizeOf(info.shape));
      const hi = new Float64Array(sizeOf(info.shape));
      let bound = 0;
      for (let p = 0; p < Nb * C; p++)
        for (let oh = 0; oh < OH; oh++)
          for (let ow = 0; ow < OW; ow++) {
            let l = -count * op.quant.xZero;
            let h = l;
            let abs = Math.abs(l);
            for (let i = 0; i < op.kernel[0]; i++)
              for (let j = 0; j < op.kernel[1]; j++) {
                const xi = (p * H + oh * op.strides[0] + i) * Wdim + ow * op.strides[1] + j;
                l += x.qlo[xi];
                h += x.qhi[xi];
                abs += Math.max(Math.abs(x.qlo[xi]), Math.abs(x.qhi[xi]));
              }
            const o = (p * OH + oh) * OW + ow;
            lo[o] = requantQ(l, m, op.quant.yZero);
            hi[o] = requantQ(h, m, op.quant.yZero);
            bound = Math.max(bound, abs);
          }
      this.set(out, fmt, lo, hi, errs([ex], ([ei]) => ei + q.scale));
      this.push(n, { op: 'avgpool2d', acc: this.accWidth(bound), requant: { m: [m.m], s: [m.s], zp: op.quant.yZero, xZero: op.quant.xZero, count } }, { bound: bound * m.m });
      return true;
    }
    if (op.op === 'qadd') {
      const ra = mul(fround32(op.a.scale / op.y.scale));
      const rb = mul(fround32(op.b.scale / op.y.scale));
      const s = Math.max(ra.s, rb.s);
      const ma = ra.m * 2 ** (s - ra.s);
      const mb = rb.m * 2 ** (s - rb.s);
      if (Math.max(ma, mb) * 512 >= 2 ** 53) throw new UserError(`node '${n.origin.name}' (${n.origin.opType}): the scales of its inputs differ by more than 2^20; such an add is not supported`);
      const size = sizeOf(info.shape);
      const lo = new Float64Array(size);
      const hi = new Float64Array(size);
      const b = op.bConst ? null : this.t(n.inputs[1]);
      for (let i = 0; i < size; i++) {
        const bc = op.bConst ? op.bConst.q[Math.floor(i / op.bConst.inner) % op.bConst.mid] : 0;
        const bl = b ? b.qlo[i] : bc;
        const bh = b ? b.qhi[i] : bc;
        const one = { m: 1, s };
        lo[i] = requantQ((x.qlo[i] - op.a.zeroPoint) * ma + (bl - op.b.zeroPoint) * mb, one, op.y.zeroPoint);
        hi[i] = requantQ((x.qhi[i] - op.a.zeroPoint) * ma + (bh - op.b.zeroPoint) * mb, one, op.y.zeroPoint);
      }
      const eb = b ? this.e(n.inputs[1]) : { any: 0, grid: 0 };
      this.set(out, fmt, lo, hi, errs([ex, eb], ([e1, e2]) => e1 + e2 + q.scale));
      this.push(n, { op: 'qadd', za: op.a.zeroPoint, zb: op.b.zeroPoint, ma, mb, s, zy: op.y.zeroPoint, bConst: op.bConst ? op.bConst.q : null });
      return true;
    }
    if (op.op === 'qlut') {
      const lo = x.qlo.map((a, i) => {
        let m = Infinity;
        for (let v = a; v <= x.qhi[i]; v++) m = Math.min(m, op.table[v + 128]);
        return m;
      });
      const hi = x.qlo.map((a, i) => {
        let m = -Infinity;
        for (let v = a; v <= x.qhi[i]; v++) m = Math.max(m, op.table[v + 128]);
        return m;
      });
      // a table is exact on its 256 inputs; a one-step input difference moves it by the table's largest step
      let jump = 0;
      for (let v = 1; v < 256; v++) jump = Math.max(jump, Math.abs(op.table[v] - op.table[v - 1]));
      this.set(out, fmt, lo, hi, errs([ex], ([ei]) => Math.ceil(ei / xs) * jump * q.scale + q.scale));
      this.push(n, { op: 'qlut', table: op.table });
      return true;
    }
    return false;
  }

  private planTrees(n: IrNode, op: Extract<IrNode['op'], { op: 'trees' }>, x: QTensor, ex: Errs): void {
    const F = op.nFeatures;
    const rows = sizeOf(x.shape) / F;
    const qmin = new Float64Array(F).fill(Infinity);
    const qmax = new Float64Array(F).fill(-Infinity);
    for (let r = 0; r < rows; r++)
      for (let f = 0; f < F; f++) {
        qmin[f] = Math.min(qmin[f], x.qlo[r * F + f]);
        qmax[f] = Math.max(qmax[f], x.qhi[r * F + f]);
      }
    const { trees, leafWeights } = compileTrees(op, x.format.frac, qmin, qmax);
    const T = op.nTargets;
    // per target: the range each tree can add (0 when a reachable leaf has no weight for it)
    const tLo = new Float64Array(T);
    const tHi = new Float64Array(T);
    let absSum = 0;
    let exact = 0;
    for (const leaves of leafWeights) {
      const l = new Float64Array(T).fill(Infinity);
      const h = new Float64Array(T).fill(-Infinity);
      let treeAbs = 0;
      for (const ws of leaves) {
        const per = new Float64Array(T);
        for (const w of ws) {
          per[w.target] += w.value;
          exact = Math.max(exact, exactFrac(w.value));
        }
        for (let t = 0; t < T; t++) {
          l[t] = Math.min(l[t], per[t]);
          h[t] = Math.max(h[t], per[t]);
          treeAbs = Math.max(treeAbs, Math.abs(per[t]));
        }
      }
      for (let t = 0; t < T; t++) {
        tLo[t] += op.aggregate === 'SUM' || op.aggregate === 'AVERAGE' ? l[t] : 0;
        tHi[t] += op.aggregate === 'SUM' || op.aggregate === 'AVERAGE' ? h[t] : 0;
        if (op.aggregate === 'MIN' || op.aggregate === 'MAX') {
          tLo[t] = Math.min(tLo[t], l[t]);
          tHi[t] = Math.max(tHi[t], h[t]);
        }
      }
      absSum += treeAbs;
    }
    for (const b of op.base) exact = Math.max(exact, exactFrac(b));
    const baseAbs = maxAbs(op.base);
    // the scores stay i32 at the finest format that holds the sum exactly where possible
    const fitFrac = fracFor(absSum + baseAbs, I32_SAFE, MAX_FRAC);
    const leafFrac = Math.max(-30, Math.min(exact, fitFrac));
    let leafErr = 0;
    const qt = trees.map((tree, ti) => {
      let treeWorst = 0;
      tree.leaves = leafWeights[ti].map((ws) => {
        const per = new Map<number, number>();
        for (const w of ws) per.set(w.target, (per.get(w.target) ?? 0) + w.value);
        let worst = 0;
        const out = [...per].map(([target, v]) => {
          const q = quantize(v, leafFrac);
          worst = Math.max(worst, Math.abs(dequantize(q, leafFrac) - v));
          return { target, q };
        });
        treeWorst = Math.max(treeWorst, worst);
        return out;
      });
      leafErr += treeWorst;
      return tree;
    });
    const base = op.base.map((b) => quantize(b, leafFrac));
    const baseErr = Math.max(0, ...Array.from(op.base, (b, i) => Math.abs(dequantize(base[i], leafFrac) - b)));
    const nTrees = op.trees.length;
    const accBound = (absSum + baseAbs) * 2 ** leafFrac;
    const acc = this.accWidth(accBound);
    const lo = new Float64Array(rows * T);
    const hi = new Float64Array(rows * T);
    for (let r = 0; r < rows; r++)
      for (let t = 0; t < T; t++) {
        const l = quantize(tLo[t], leafFrac) - qt.length;
        const h = quantize(tHi[t], leafFrac) + qt.length;
        lo[r * T + t] = (op.aggregate === 'AVERAGE' ? divRound(l, nTrees) : l) + base[t];
        hi[r * T + t] = (op.aggregate === 'AVERAGE' ? divRound(h, nTrees) : h) + base[t];
      }
    const y = this.output(n.outputs[0], lo, hi, leafFrac, 'i32');
    const gridErr = (op.aggregate === 'AVERAGE' ? leafErr / nTrees + 2 ** -(leafFrac + 1) : leafErr) + baseErr + (y.shift > 0 ? 2 ** -(y.format.frac + 1) : 0) + f32(nTrees + 1, absSum + baseAbs);
    // decisions are exact only for inputs on the grid; off-grid inputs can take another branch
    const e: Errs = { any: ex.any === 0 ? gridErr : null, grid: ex.grid === 0 ? gridErr : null };
    this.set(n.outputs[0], y.format, y.qlo, y.qhi, e);
    this.push(n, { op: 'trees', trees: qt, base: Float64Array.from(base), acc, leafFrac, shift: y.shift, nTrees }, { bound: accBound });
  }
}

export function planQuantisation(g: Graph, opts: QuantOptions): Plan {
  return new Planner(g, opts).run();
}
