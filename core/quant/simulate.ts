// The bit-exact simulator: runs a plan with the integer semantics the generated Rust uses. Values are
// integers held in doubles, exact because the plan proves every stored value fits i32 and every
// accumulator stays below 2^53 — nodes it cannot prove that for run through the BigInt reference.
import type { IrNode } from '../ir/graph';
import { sizeOf, stridesOf } from '../ir/graph';
import { UserError } from '../errors';
import { broadcastIndexer } from '../ir/evaluate';
import { EXP_LIMIT, expNeg30, sigmoidQ, tanhQ, toQ16 } from './approx';
import { divRound, isqrt, quantize, rescale, saturate, truncFrac } from './fixed';
import { runNodeBig } from './reference';
import type { InputCase } from '../io/inputs';
import type { Plan, QFormat, QNode, QTree, Requant } from './types';
import { quantizeLinear, requant } from './requant';
import { dynamicQuantize, f32, globalAverage, keyOf, logistic, valueOfKey } from './f32';
import type { DynamicParams, F32Params } from './types';
import { dynamicProducts } from './dynamic-products';

export type QValues = Map<string, Float64Array>;

/** A pre-quantized layer's output `c`: saturate(rshiftEven(acc · m[c], s[c]) + zp) (core/quant/requant.ts). */
function requantAt(acc: number, r: Requant, c: number): number {
  return requant(acc, { m: r.m[c], s: r.s[c] }, r.zp);
}

export type InputPolicy = 'revert' | 'clamp';

/** The error a contract raises for an input outside the declared box. */
export class InputOutOfRange extends UserError {
  constructor(
    message: string,
    readonly input: string,
    readonly index: number,
  ) {
    super(message);
  }
}

/** A real input value as the contract's integer: q·2^-frac, or the model's own QuantizeLinear (unsaturated). */
export function quantizeReal(f: QFormat, x: number): number {
  if (f.float32) return keyOf(x);
  return f.scale !== undefined ? quantizeLinear(x, f.scale, f.zeroPoint ?? 0) : quantize(x, f.frac);
}

/** A format as the reports and the generated code name it: `i16 Q.8`, `i8 (q - 3) * 0.05`, `f32`. */
export function formatText(f: QFormat): string {
  if (f.float32) return 'f32';
  if (f.scale !== undefined) return `${f.storage} (q - ${f.zeroPoint ?? 0}) * ${Number(f.scale.toPrecision(6))}`;
  return `${f.storage} Q.${f.frac}`;
}

/** The real value of a stored integer of format `f`. */
export function realOf(f: QFormat, q: number): number {
  if (f.float32) return valueOfKey(q);
  return f.scale !== undefined ? (q - (f.zeroPoint ?? 0)) * f.scale : q * 2 ** -f.frac;
}

/** Quantises one case's float inputs; outside the box it reverts (throws) or clamps, as the contract does. */
export function quantizeInputs(plan: Plan, c: InputCase, policy: InputPolicy = 'revert'): QValues {
  const out: QValues = new Map();
  for (const inp of plan.graph.inputs) {
    const t = plan.tensors.get(inp.id)!;
    const v = c.get(inp.id)!;
    const q = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) throw new UserError(`input '${inp.name}' element ${i} is ${v[i]}; fixed-point inputs must be finite`);
      q[i] = inp.kind === 'int' ? Math.trunc(v[i]) : quantizeReal(t.format, v[i]);
      if (q[i] < t.qlo[i] || q[i] > t.qhi[i]) {
        if (policy === 'revert') {
          const box = plan.options.boxes.get(inp.id)!;
          throw new InputOutOfRange(`input '${inp.name}' element ${i} = ${v[i]} is outside the declared box [${box.lo[i]}, ${box.hi[i]}]; the contract reverts with InputOutOfRange (use --input-policy clamp to clamp instead)`, inp.name, i);
        }
        q[i] = Math.min(Math.max(q[i], t.qlo[i]), t.qhi[i]);
      }
    }
    out.set(inp.id, q);
  }
  return out;
}

/** Runs every node; returns the integer values of every tensor. */
export function runFixed(plan: Plan, inputs: QValues): QValues {
  const v: QValues = new Map(inputs);
  for (const qn of plan.nodes) {
    const out = qn.needsBigInt ? runNodeBig(plan, qn, v, null) : runNode(plan, qn, v);
    v.set(qn.node.outputs[0], out);
  }
  return v;
}

function shapeOf(plan: Plan, id: string): number[] {
  return plan.graph.tensors.get(id)!.shape;
}

export function treeLeafQ(tree: QTree, x: (f: number) => number): number {
  let ref = tree.root;
  while ('node' in ref) {
    const n = tree.nodes[ref.node];
    const v = x(n.feature);
    ref = (n.le !== undefined ? v <= n.le : n.oneOf!.includes(v)) ? n.yes : n.no;
  }
  return ref.leaf;
}

function runNode(plan: Plan, qn: QNode, v: QValues): Float64Array {
  const n: IrNode = qn.node;
  const p = qn.params;
  const op = n.op;
  const out = n.outputs[0];
  const st = plan.tensors.get(out)!.format.storage;
  const x = n.inputs.length ? v.get(n.inputs[0])! : new Float64Array(0);
  const outShape = shapeOf(plan, out);
  const size = sizeOf(outShape);
  const y = new Float64Array(size);
  if ((p.op === 'matmul' || p.op === 'conv2d') && p.dynamic) return runDynamic(plan, qn, x, p.dynamic);
  switch (p.op) {
    case 'matmul': {
      if (op.op !== 'matmul') break;
      const { M, K, N } = op;
      const W = p.W.q;
      for (let b = 0; b < op.batches; b++)
        for (let m = 0; m < M; m++) {
          const xo = op.aOffsets[b] + m * K;
          for (let j = 0; j < N; j++) {
            const o = (b * M + m) * N + j;
            let acc = p.bias ? p.bias[p.bias.length === N ? j : o] : 0;
            const wo = op.wOffsets[b] + j * K;
            for (let k = 0; k < K; k++) acc += W[wo + k] * x[xo + k];
            y[o] = p.requant ? requantAt(acc, p.requant, j) : saturate(rescale(acc, p.shift), st);
          }
        }
      return y;
    }
    case 'conv2d': {
      if (op.op !== 'conv2d') break;
      const [Nb, C, H, Wd] = shapeOf(plan, n.inputs[0]);
      const [, OC, OH, OW] = outShape;
      const [kh, kw] = op.kernel;
      const W = p.W.q;
      const pad = p.padValue ?? 0;
      for (let nb = 0; nb < Nb; nb++)
        for (let oc = 0; oc < OC; oc++)
          for (let oh = 0; oh < OH; oh++)
            for (let ow = 0; ow < OW; ow++) {
              let acc = p.bias ? p.bias[oc] : 0;
              for (let c = 0; c < C; c++)
                for (let i = 0; i < kh; i++) {
                  const ih = oh * op.strides[0] - op.pads[0] + i * op.dilations[0];
                  for (let j = 0; j < kw; j++) {
                    const iw = ow * op.strides[1] - op.pads[1] + j * op.dilations[1];
                    // taps outside read the padding value (a pre-quantized input's zero point, else 0)
                    const v = ih < 0 || ih >= H || iw < 0 || iw >= Wd ? pad : x[((nb * C + c) * H + ih) * Wd + iw];
                    acc += W[((oc * C + c) * kh + i) * kw + j] * v;
                  }
                }
              y[((nb * OC + oc) * OH + oh) * OW + ow] = p.requant ? requantAt(acc, p.requant, oc) : saturate(rescale(acc, p.shift), st);
            }
      return y;
    }
    case 'maxpool2d':
    case 'avgpool2d': {
      if (op.op !== 'maxpool2d' && op.op !== 'avgpool2d') break;
      const [Nb, C, H, Wd] = shapeOf(plan, n.inputs[0]);
      const [, , OH, OW] = outShape;
      const [kh, kw] = op.kernel;
      const dil = op.op === 'maxpool2d' ? op.dilations : [1, 1];
      for (let q = 0; q < Nb * C; q++)
        for (let oh = 0; oh < OH; oh++)
          for (let ow = 0; ow < OW; ow++) {
            let best = -Infinity;
            let sum = 0;
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
                const val = x[(q * H + ih) * Wd + iw];
                if (val > best) best = val;
                sum += val;
                count++;
              }
            }
            const o = (q * OH + oh) * OW + ow;
            const rq = p.op === 'avgpool2d' ? p.requant : undefined;
            y[o] = op.op === 'maxpool2d' ? best : rq ? requantAt(sum - rq.count * rq.xZero, rq, 0) : divRound(sum, op.countIncludePad ? count + padded : count);
          }
      return y;
    }
    case 'affine': {
      if (op.op !== 'affine') break;
      const { mid, inner } = op.broadcast;
      const S = p.scale.q;
      for (let i = 0; i < size; i++) {
        const c = Math.floor(i / inner) % mid;
        y[i] = saturate(rescale(x[i] * S[c] + p.offset[c], p.shift), st);
      }
      return y;
    }
    case 'binary': {
      if (op.op !== 'binary') break;
      const b = v.get(n.inputs[1])!;
      const ia = broadcastIndexer(shapeOf(plan, n.inputs[0]), outShape);
      const ib = broadcastIndexer(shapeOf(plan, n.inputs[1]), outShape);
      const ka = 2 ** p.shiftA;
      const kb = 2 ** p.shiftB;
      for (let i = 0; i < size; i++) {
        const a = x[ia(i)];
        const c = b[ib(i)];
        const acc = op.fn === 'mul' ? a * c : op.fn === 'add' ? a * ka + c * kb : a * ka - c * kb;
        y[i] = saturate(rescale(acc, p.shift), st);
      }
      return y;
    }
    case 'relu':
      for (let i = 0; i < size; i++) y[i] = x[i] > 0 ? x[i] : 0;
      return y;
    case 'leakyRelu':
      for (let i = 0; i < size; i++) y[i] = x[i] >= 0 ? x[i] : saturate(rescale(x[i] * p.alpha, p.alphaFrac), st);
      return y;
    case 'clip':
      for (let i = 0; i < size; i++) y[i] = Math.min(Math.max(x[i], p.lo), p.hi);
      return y;
    case 'sigmoid':
      for (let i = 0; i < size; i++) y[i] = saturate(sigmoidQ(x[i], p.inFrac, p.outFrac), st);
      return y;
    case 'tanh':
      for (let i = 0; i < size; i++) y[i] = saturate(tanhQ(x[i], p.inFrac, p.outFrac), st);
      return y;
    case 'softmax': {
      if (op.op !== 'softmax') break;
      const e = new Float64Array(op.axisLen);
      for (let o = 0; o < op.outer; o++)
        for (let inn = 0; inn < op.inner; inn++) {
          const at = (a: number) => (o * op.axisLen + a) * op.inner + inn;
          let max = x[at(0)];
          for (let a = 1; a < op.axisLen; a++) if (x[at(a)] > max) max = x[at(a)];
          let sum = 0;
          for (let a = 0; a < op.axisLen; a++) {
            e[a] = expNeg30(toQ16(max - x[at(a)], p.inFrac, EXP_LIMIT));
            sum += e[a];
          }
          for (let a = 0; a < op.axisLen; a++) y[at(a)] = saturate(divRound(e[a] * 2 ** p.outFrac, sum), st);
        }
      return y;
    }
    case 'argmax': {
      if (op.op !== 'argmax') break;
      for (let o = 0; o < op.outer; o++)
        for (let inn = 0; inn < op.inner; inn++) {
          let best = 0;
          let bv = x[o * op.axisLen * op.inner + inn];
          for (let a = 1; a < op.axisLen; a++) {
            const val = x[(o * op.axisLen + a) * op.inner + inn];
            if (val > bv || (op.selectLast && val === bv)) {
              best = a;
              bv = val;
            }
          }
          y[o * op.inner + inn] = best;
        }
      return y;
    }
    case 'transpose': {
      if (op.op !== 'transpose') break;
      const inStrides = stridesOf(shapeOf(plan, n.inputs[0]));
      const outStrides = stridesOf(outShape);
      for (let i = 0; i < size; i++) {
        let rem = i;
        let src = 0;
        for (let d = 0; d < outShape.length; d++) {
          const q = Math.floor(rem / outStrides[d]);
          rem -= q * outStrides[d];
          src += q * inStrides[op.perm[d]];
        }
        y[i] = x[src];
      }
      return y;
    }
    case 'reshape':
      y.set(x);
      return y;
    case 'concat': {
      if (op.op !== 'concat') break;
      const outer = sizeOf(outShape.slice(0, op.axis));
      let k = 0;
      for (let o = 0; o < outer; o++)
        n.inputs.forEach((id, idx) => {
          const src = v.get(id)!;
          const part = sizeOf(shapeOf(plan, id).slice(op.axis));
          for (let i = 0; i < part; i++) y[k++] = saturate(rescale(src[o * part + i], p.shifts[idx]), st);
        });
      return y;
    }
    case 'constant':
      y.set(p.q);
      return y;
    case 'castInt':
      for (let i = 0; i < size; i++) y[i] = truncFrac(x[i], p.frac);
      return y;
    case 'normalize': {
      if (op.op !== 'normalize') break;
      const C = outShape[outShape.length - 1];
      const xs = x.map((val) => rescale(val, p.preShift));
      for (let r = 0; r < size / C; r++) {
        let d = 0;
        for (let c = 0; c < C; c++) {
          const val = xs[r * C + c];
          d = op.norm === 'L1' ? d + Math.abs(val) : op.norm === 'L2' ? d + val * val : c === 0 ? val : Math.max(d, val);
        }
        if (op.norm === 'L2') d = isqrt(d);
        for (let c = 0; c < C; c++) y[r * C + c] = d === 0 ? 0 : saturate(divRound(xs[r * C + c] * 2 ** p.outFrac, d), st);
      }
      return y;
    }
    case 'trees': {
      if (op.op !== 'trees') break;
      const T = op.nTargets;
      const F = op.nFeatures;
      const rows = size / T;
      const acc = new Float64Array(T);
      const has = new Uint8Array(T);
      const minmax = op.aggregate === 'MIN' || op.aggregate === 'MAX';
      for (let r = 0; r < rows; r++) {
        acc.fill(0);
        has.fill(0);
        const feat = (f: number) => x[r * F + f];
        for (const tree of p.trees) {
          for (const w of tree.leaves[treeLeafQ(tree, feat)]) {
            if (!minmax) acc[w.target] += w.q;
            else if (!has[w.target]) acc[w.target] = w.q;
            else acc[w.target] = op.aggregate === 'MIN' ? Math.min(acc[w.target], w.q) : Math.max(acc[w.target], w.q);
            has[w.target] = 1;
          }
        }
        for (let t = 0; t < T; t++) {
          const a = op.aggregate === 'AVERAGE' ? divRound(acc[t], p.nTrees) : acc[t];
          y[r * T + t] = saturate(rescale(a + p.base[t], p.shift), st);
        }
      }
      return y;
    }
    case 'binaryScores': {
      if (op.op !== 'binaryScores') break;
      for (let r = 0; r < size / 2; r++) {
        if (op.mode === 'logistic') {
          y[2 * r] = saturate(sigmoidQ(-x[r], p.inFrac, p.outFrac), st);
          y[2 * r + 1] = saturate(sigmoidQ(x[r], p.inFrac, p.outFrac), st);
        } else {
          const q = rescale(x[r], p.inFrac - p.outFrac);
          y[2 * r] = saturate(op.mode === 'complement' ? 2 ** p.outFrac - q : -q, st);
          y[2 * r + 1] = saturate(q, st);
        }
      }
      return y;
    }
    case 'threshold':
      for (let i = 0; i < size; i++) y[i] = x[i] > p.t ? 1 : 0;
      return y;
    case 'qadd': {
      if (op.op !== 'qadd') break;
      const b = p.bConst ? null : v.get(n.inputs[1])!;
      const one = { m: 1, s: p.s };
      for (let i = 0; i < size; i++) {
        const bq = b ? b[i] : p.bConst![Math.floor(i / op.bConst!.inner) % op.bConst!.mid];
        y[i] = requant((x[i] - p.za) * p.ma + (bq - p.zb) * p.mb, one, p.zy);
      }
      return y;
    }
    case 'qlut':
      for (let i = 0; i < size; i++) y[i] = p.table[x[i] + 128];
      return y;
    case 'f32':
      return runF32(p, x, size);
  }
  throw new Error(`internal: params ${p.op} do not match op ${op.op}`);
}

/** A float32 op on keys (core/quant/f32.ts): decode, compute as onnxruntime does, encode. */
export function runF32(p: F32Params, x: Float64Array, size: number): Float64Array {
  const y = new Float64Array(size);
  switch (p.fn) {
    case 'leakyRelu':
      for (let i = 0; i < size; i++) {
        const v = valueOfKey(x[i]);
        y[i] = v >= 0 ? x[i] : keyOf(f32(v * p.alpha));
      }
      return y;
    case 'sigmoid':
      for (let i = 0; i < size; i++) y[i] = keyOf(logistic(valueOfKey(x[i])));
      return y;
    case 'mean':
      for (let o = 0; o < size; o++) y[o] = keyOf(globalAverage(Array.from(x.subarray(o * p.count, (o + 1) * p.count), valueOfKey)));
      return y;
    case 'add':
    case 'mul':
      for (let i = 0; i < size; i++) {
        const v = valueOfKey(x[i]);
        const c = p.values[Math.floor(i / p.inner) % p.mid];
        y[i] = keyOf(p.fn === 'add' ? f32(v + c) : f32(v * c));
      }
      return y;
  }
}

/**
 * A dynamically quantized dense or convolution layer: DynamicQuantizeLinear of the input, the integer
 * sum Σ (q − zp)·(w − w_zp) (padding taps add nothing), then f32(f32(f32(acc) · f32(x_scale · w_scale)) + bias).
 */
function runDynamic(plan: Plan, qn: QNode, x: Float64Array, d: DynamicParams): Float64Array {
  const p = qn.params as Extract<QNode['params'], { op: 'matmul' | 'conv2d' }>;
  const { q, scale, zeroPoint } = dynamicQuantize(x);
  return dynamicProducts(plan, qn.node, q, zeroPoint, p.W.q, (acc, c) => {
    const m = f32(scale * d.wScale[d.wScale.length === 1 ? 0 : c]);
    const v = f32(f32(acc) * m);
    return keyOf(d.bias ? f32(v + d.bias[c]) : v);
  });
}
