// The BigInt reference: the same integer semantics as simulate.ts, written independently with unbounded
// integers, and checked — every partial accumulator sum against its declared width (wraparound) and every
// narrowing against its storage type (saturation). Tests hold the fast simulator to it bit for bit, and
// the overflow acceptance runs box corners through it.
import { sizeOf, stridesOf } from '../ir/graph';
import { broadcastIndexer } from '../ir/evaluate';
import { EXP_LIMIT, expNeg30, sigmoidQ, tanhQ, toQ16 } from './approx';
import { divRoundBig, isqrtBig, rescaleBig, truncFracBig } from './fixed';
import type { AccWidth, Plan, QNode, Storage } from './types';
import { requantBig } from './requant';
import { runDynamicSoft, runF32Soft } from './reference-f32';
import { STORAGE_BITS } from './types';

export interface Violation {
  node: string;
  kind: 'wrap' | 'saturate';
  detail: string;
}

export class Checker {
  readonly violations: Violation[] = [];
  node = '';
  acc(v: bigint, w: AccWidth, what: string): bigint {
    const b = BigInt(STORAGE_BITS[w] - 1);
    if (v >= 1n << b || v < -(1n << b)) this.violations.push({ node: this.node, kind: 'wrap', detail: `${what} = ${v} leaves ${w}` });
    return v;
  }
  narrow(v: bigint, s: Storage, what: string): bigint {
    const b = BigInt(STORAGE_BITS[s] - 1);
    const hi = (1n << b) - 1n;
    const lo = -(1n << b);
    if (v > hi || v < lo) {
      this.violations.push({ node: this.node, kind: 'saturate', detail: `${what} = ${v} saturates to ${s}` });
      return v > hi ? hi : lo;
    }
    return v;
  }
}

const big = (a: ArrayLike<number>) => Array.from(a, (v) => BigInt(v));

/** Runs one node in BigInt; `check` null means unchecked (the simulator's fallback for wide accumulators). */
export function runNodeBig(plan: Plan, qn: QNode, values: Map<string, Float64Array>, check: Checker | null): Float64Array {
  const c = check ?? new Checker();
  c.node = qn.node.origin.name;
  const n = qn.node;
  const op = n.op;
  const p = qn.params;
  const out = n.outputs[0];
  const st = plan.tensors.get(out)!.format.storage;
  const outShape = plan.graph.tensors.get(out)!.shape;
  const size = sizeOf(outShape);
  // float32 layers of a dynamically quantized model: integer soft-float, as the Rust runs them
  if (p.op === 'f32') return runF32Soft(p, values.get(n.inputs[0])!, size);
  if ((p.op === 'matmul' || p.op === 'conv2d') && p.dynamic) return runDynamicSoft(plan, qn, values.get(n.inputs[0])!, p.dynamic);
  const x = n.inputs.length ? big(values.get(n.inputs[0])!) : [];
  const y: bigint[] = new Array(size).fill(0n);
  const shapeIn = (i: number) => plan.graph.tensors.get(n.inputs[i])!.shape;
  const narrowShift = (acc: bigint, shift: number, what: string) => c.narrow(rescaleBig(acc, shift), st, what);

  if (p.op === 'matmul' && op.op === 'matmul') {
    const W = big(p.W.q);
    const bias = p.bias ? big(p.bias) : null;
    for (let b = 0; b < op.batches; b++)
      for (let m = 0; m < op.M; m++)
        for (let j = 0; j < op.N; j++) {
          const o = (b * op.M + m) * op.N + j;
          let acc = bias ? bias[bias.length === op.N ? j : o] : 0n;
          for (let k = 0; k < op.K; k++) acc = c.acc(acc + W[op.wOffsets[b] + j * op.K + k] * x[op.aOffsets[b] + m * op.K + k], p.acc, `acc[${o}]`);
          y[o] = p.requant ? requantBig(acc, { m: p.requant.m[j], s: p.requant.s[j] }, p.requant.zp) : narrowShift(acc, p.shift, `out[${o}]`);
        }
  } else if (p.op === 'conv2d' && op.op === 'conv2d') {
    const [Nb, C, H, Wd] = shapeIn(0);
    const [, OC, OH, OW] = outShape;
    const [kh, kw] = op.kernel;
    const W = big(p.W.q);
    for (let nb = 0; nb < Nb; nb++)
      for (let oc = 0; oc < OC; oc++)
        for (let oh = 0; oh < OH; oh++)
          for (let ow = 0; ow < OW; ow++) {
            const o = ((nb * OC + oc) * OH + oh) * OW + ow;
            let acc = p.bias ? BigInt(p.bias[oc]) : 0n;
            for (let ch = 0; ch < C; ch++)
              for (let i = 0; i < kh; i++)
                for (let j = 0; j < kw; j++) {
                  const ih = oh * op.strides[0] - op.pads[0] + i * op.dilations[0];
                  const iw = ow * op.strides[1] - op.pads[1] + j * op.dilations[1];
                  const outside = ih < 0 || ih >= H || iw < 0 || iw >= Wd;
                  if (outside && !p.padValue) continue;
                  const v = outside ? BigInt(p.padValue!) : x[((nb * C + ch) * H + ih) * Wd + iw];
                  acc = c.acc(acc + W[((oc * C + ch) * kh + i) * kw + j] * v, p.acc, `acc[${o}]`);
                }
            y[o] = p.requant ? requantBig(acc, { m: p.requant.m[oc], s: p.requant.s[oc] }, p.requant.zp) : narrowShift(acc, p.shift, `out[${o}]`);
          }
  } else if ((p.op === 'maxpool2d' || p.op === 'avgpool2d') && (op.op === 'maxpool2d' || op.op === 'avgpool2d')) {
    const [Nb, C, H, Wd] = shapeIn(0);
    const [, , OH, OW] = outShape;
    const dil = op.op === 'maxpool2d' ? op.dilations : [1, 1];
    for (let q = 0; q < Nb * C; q++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          const o = (q * OH + oh) * OW + ow;
          const inside: bigint[] = [];
          let padded = 0;
          for (let i = 0; i < op.kernel[0]; i++)
            for (let j = 0; j < op.kernel[1]; j++) {
              const ih = oh * op.strides[0] - op.pads[0] + i * dil[0];
              const iw = ow * op.strides[1] - op.pads[1] + j * dil[1];
              if (ih >= 0 && ih < H && iw >= 0 && iw < Wd) inside.push(x[(q * H + ih) * Wd + iw]);
              else if (ih >= -op.pads[0] && ih < H + op.pads[2] && iw >= -op.pads[1] && iw < Wd + op.pads[3]) padded++;
            }
          if (op.op === 'maxpool2d') y[o] = inside.reduce((a, b) => (b > a ? b : a));
          else {
            let sum = 0n;
            for (const v of inside) sum = c.acc(sum + v, (p as { acc: AccWidth }).acc, `sum[${o}]`);
            const rq = p.op === 'avgpool2d' ? p.requant : undefined;
            y[o] = rq ? requantBig(sum - BigInt(rq.count * rq.xZero), { m: rq.m[0], s: rq.s[0] }, rq.zp) : divRoundBig(sum, BigInt(op.countIncludePad ? inside.length + padded : inside.length));
          }
        }
  } else if (p.op === 'affine' && op.op === 'affine') {
    const S = big(p.scale.q);
    for (let i = 0; i < size; i++) {
      const k = Math.floor(i / op.broadcast.inner) % op.broadcast.mid;
      const acc = c.acc(c.acc(x[i] * S[k], p.acc, `product[${i}]`) + BigInt(p.offset[k]), p.acc, `acc[${i}]`);
      y[i] = narrowShift(acc, p.shift, `out[${i}]`);
    }
  } else if (p.op === 'binary' && op.op === 'binary') {
    const b = big(values.get(n.inputs[1])!);
    const ia = broadcastIndexer(shapeIn(0), outShape);
    const ib = broadcastIndexer(shapeIn(1), outShape);
    for (let i = 0; i < size; i++) {
      const a = c.acc(x[ia(i)] << BigInt(p.shiftA), p.acc, `a[${i}]`);
      const d = c.acc(b[ib(i)] << BigInt(p.shiftB), p.acc, `b[${i}]`);
      const acc = op.fn === 'mul' ? x[ia(i)] * b[ib(i)] : op.fn === 'add' ? a + d : a - d;
      y[i] = narrowShift(c.acc(acc, p.acc, `acc[${i}]`), p.shift, `out[${i}]`);
    }
  } else if (p.op === 'relu') {
    for (let i = 0; i < size; i++) y[i] = x[i] > 0n ? x[i] : 0n;
  } else if (p.op === 'leakyRelu') {
    for (let i = 0; i < size; i++) y[i] = x[i] >= 0n ? x[i] : narrowShift(c.acc(x[i] * BigInt(p.alpha), p.acc, `product[${i}]`), p.alphaFrac, `out[${i}]`);
  } else if (p.op === 'clip') {
    for (let i = 0; i < size; i++) {
      const lo = x[i] > BigInt(p.lo) ? x[i] : BigInt(p.lo);
      y[i] = lo < BigInt(p.hi) ? lo : BigInt(p.hi);
    }
  } else if (p.op === 'sigmoid' || p.op === 'tanh') {
    // the table kernels work on values below 2^40 by construction; Number arithmetic is exact there
    const fn = p.op === 'sigmoid' ? sigmoidQ : tanhQ;
    for (let i = 0; i < size; i++) y[i] = c.narrow(BigInt(fn(Number(x[i]), p.inFrac, p.outFrac)), st, `out[${i}]`);
  } else if (p.op === 'softmax' && op.op === 'softmax') {
    for (let o = 0; o < op.outer; o++)
      for (let inn = 0; inn < op.inner; inn++) {
        const at = (a: number) => (o * op.axisLen + a) * op.inner + inn;
        let max = x[at(0)];
        for (let a = 1; a < op.axisLen; a++) if (x[at(a)] > max) max = x[at(a)];
        const e: bigint[] = [];
        let sum = 0n;
        for (let a = 0; a < op.axisLen; a++) {
          e.push(BigInt(expNeg30(toQ16(Number(max - x[at(a)]), p.inFrac, EXP_LIMIT))));
          sum = c.acc(sum + e[a], 'i64', 'sum');
        }
        for (let a = 0; a < op.axisLen; a++) y[at(a)] = c.narrow(divRoundBig(c.acc(e[a] << BigInt(p.outFrac), 'i64', 'numerator'), sum), st, `out[${at(a)}]`);
      }
  } else if (p.op === 'argmax' && op.op === 'argmax') {
    for (let o = 0; o < op.outer; o++)
      for (let inn = 0; inn < op.inner; inn++) {
        let best = 0;
        for (let a = 1; a < op.axisLen; a++) {
          const val = x[(o * op.axisLen + a) * op.inner + inn];
          const cur = x[(o * op.axisLen + best) * op.inner + inn];
          if (val > cur || (op.selectLast && val === cur)) best = a;
        }
        y[o * op.inner + inn] = BigInt(best);
      }
  } else if (p.op === 'transpose' && op.op === 'transpose') {
    const inStrides = stridesOf(shapeIn(0));
    const outStrides = stridesOf(outShape);
    for (let i = 0; i < size; i++) {
      let rem = i;
      let src = 0;
      outShape.forEach((_, d) => {
        const q = Math.floor(rem / outStrides[d]);
        rem -= q * outStrides[d];
        src += q * inStrides[op.perm[d]];
      });
      y[i] = x[src];
    }
  } else if (p.op === 'reshape') {
    for (let i = 0; i < size; i++) y[i] = x[i];
  } else if (p.op === 'concat' && op.op === 'concat') {
    const outer = sizeOf(outShape.slice(0, op.axis));
    let k = 0;
    for (let o = 0; o < outer; o++)
      n.inputs.forEach((id, idx) => {
        const src = values.get(id)!;
        const part = sizeOf(plan.graph.tensors.get(id)!.shape.slice(op.axis));
        for (let i = 0; i < part; i++, k++) y[k] = narrowShift(BigInt(src[o * part + i]), p.shifts[idx], `out[${k}]`);
      });
  } else if (p.op === 'constant') {
    for (let i = 0; i < size; i++) y[i] = BigInt(p.q[i]);
  } else if (p.op === 'castInt') {
    for (let i = 0; i < size; i++) y[i] = c.narrow(truncFracBig(x[i], p.frac), st, `out[${i}]`);
  } else if (p.op === 'normalize' && op.op === 'normalize') {
    const C = outShape[outShape.length - 1];
    const xs = x.map((v) => rescaleBig(v, p.preShift));
    for (let r = 0; r < size / C; r++) {
      const row = xs.slice(r * C, (r + 1) * C);
      let d = 0n;
      if (op.norm === 'L1') for (const v of row) d = c.acc(d + (v < 0n ? -v : v), 'i64', 'l1');
      else if (op.norm === 'L2') {
        for (const v of row) d = c.acc(d + v * v, 'i64', 'l2');
        d = isqrtBig(d);
      } else d = row.reduce((a, b) => (b > a ? b : a));
      for (let k = 0; k < C; k++) y[r * C + k] = d === 0n ? 0n : c.narrow(divRoundBig(c.acc(row[k] << BigInt(p.outFrac), 'i64', 'numerator'), d), st, `out[${r * C + k}]`);
    }
  } else if (p.op === 'trees' && op.op === 'trees') {
    const T = op.nTargets;
    const F = op.nFeatures;
    for (let r = 0; r < size / T; r++) {
      const acc: bigint[] = new Array(T).fill(0n);
      const has: boolean[] = new Array(T).fill(false);
      for (const tree of p.trees) {
        let ref = tree.root;
        while ('node' in ref) {
          const nd = tree.nodes[ref.node];
          const v = x[r * F + nd.feature];
          const pass = nd.le !== undefined ? v <= BigInt(nd.le) : nd.oneOf!.some((m) => BigInt(m) === v);
          ref = pass ? nd.yes : nd.no;
        }
        for (const w of tree.leaves[ref.leaf]) {
          const q = BigInt(w.q);
          if (op.aggregate === 'SUM' || op.aggregate === 'AVERAGE') acc[w.target] = c.acc(acc[w.target] + q, p.acc, `score[${w.target}]`);
          else if (!has[w.target]) acc[w.target] = q;
          else if (op.aggregate === 'MIN') acc[w.target] = q < acc[w.target] ? q : acc[w.target];
          else acc[w.target] = q > acc[w.target] ? q : acc[w.target];
          has[w.target] = true;
        }
      }
      for (let t = 0; t < T; t++) {
        const a = op.aggregate === 'AVERAGE' ? divRoundBig(acc[t], BigInt(p.nTrees)) : acc[t];
        y[r * T + t] = narrowShift(c.acc(a + BigInt(p.base[t]), p.acc, `score[${t}]`), p.shift, `out[${r * T + t}]`);
      }
    }
  } else if (p.op === 'binaryScores' && op.op === 'binaryScores') {
    for (let r = 0; r < size / 2; r++) {
      if (op.mode === 'logistic') {
        y[2 * r] = c.narrow(BigInt(sigmoidQ(-Number(x[r]), p.inFrac, p.outFrac)), st, 'out');
        y[2 * r + 1] = c.narrow(BigInt(sigmoidQ(Number(x[r]), p.inFrac, p.outFrac)), st, 'out');
      } else {
        const q = rescaleBig(x[r], p.inFrac - p.outFrac);
        y[2 * r] = c.narrow(op.mode === 'complement' ? (1n << BigInt(p.outFrac)) - q : -q, st, 'out');
        y[2 * r + 1] = c.narrow(q, st, 'out');
      }
    }
  } else if (p.op === 'threshold') {
    for (let i = 0; i < size; i++) y[i] = x[i] > BigInt(p.t) ? 1n : 0n;
  } else if (p.op === 'qadd' && op.op === 'qadd') {
    const b = p.bConst ? null : big(values.get(n.inputs[1])!);
    for (let i = 0; i < size; i++) {
      const bq = b ? b[i] : BigInt(p.bConst![Math.floor(i / op.bConst!.inner) % op.bConst!.mid]);
      const acc = c.acc((x[i] - BigInt(p.za)) * BigInt(p.ma) + (bq - BigInt(p.zb)) * BigInt(p.mb), 'i64', `acc[${i}]`);
      y[i] = requantBig(acc, { m: 1, s: p.s }, p.zy);
    }
  } else if (p.op === 'qlut') {
    for (let i = 0; i < size; i++) y[i] = BigInt(p.table[Number(x[i]) + 128]);
  } else {
    throw new Error(`internal: params ${p.op} do not match op ${op.op}`);
  }
  return Float64Array.from(y, (v) => Number(v));
}

/** Runs the whole plan in checked BigInt arithmetic. */
export function runReference(plan: Plan, inputs: Map<string, Float64Array>): { values: Map<string, Float64Array>; violations: Violation[] } {
  const check = new Checker();
  const values = new Map(inputs);
  for (const qn of plan.nodes) values.set(qn.node.outputs[0], runNodeBig(plan, qn, values, check));
  return { values, violations: check.violations };
}
