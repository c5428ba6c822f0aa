// The IR's meaning in real numbers: a plain float64 interpreter. It is the specification the fixed-point
// simulator approximates, and tests hold it against onnxruntime to check the importer's lowering.
import type { Graph, IrNode, Tree } from './graph';
import { sizeOf, stridesOf } from './graph';
import { conv2dSums } from './conv';

export type Values = Map<string, Float64Array>;

/** Runs the graph on float inputs (keyed by input id) and returns every tensor's values. */
export function evaluateFloat(g: Graph, inputs: Map<string, Float64Array>): Values {
  const v: Values = new Map(inputs);
  for (const n of g.nodes) v.set(n.outputs[0], saturateQuantized(g, n.outputs[0], evalNode(g, n, v)));
  return v;
}

/**
 * A pre-quantized tensor holds only what its type can: (−128 − zp)·scale .. (127 − zp)·scale. That is
 * part of the model's meaning (onnxruntime saturates there; quantizers fold a ReLU into a zero point at
 * the bottom of the range), so the real-number model saturates too.
 */
function saturateQuantized(g: Graph, id: string, y: Float64Array): Float64Array {
  const q = g.tensors.get(id)?.quant;
  if (!q) return y;
  const lo = (-128 - q.zeroPoint) * q.scale;
  const hi = (127 - q.zeroPoint) * q.scale;
  return y.map((x) => Math.min(Math.max(x, lo), hi));
}

function shape(g: Graph, id: string): number[] {
  return g.tensors.get(id)!.shape;
}

/** Index of the input element feeding output element `i` of a broadcast to `out`. */
export function broadcastIndexer(inShape: number[], out: number[]): (i: number) => number {
  const rank = out.length;
  const padded = [...new Array(rank - inShape.length).fill(1), ...inShape];
  const inStrides = stridesOf(padded).map((s, d) => (padded[d] === 1 ? 0 : s));
  const outStrides = stridesOf(out);
  return (i: number) => {
    let src = 0;
    let rem = i;
    for (let d = 0; d < rank; d++) {
      const q = Math.floor(rem / outStrides[d]);
      rem -= q * outStrides[d];
      src += q * inStrides[d];
    }
    return src;
  };
}

export function treeLeaf(tree: Tree, x: (feature: number) => number, decide: (node: Tree['nodes'][number], value: number) => boolean): number {
  let ref = tree.root;
  while ('node' in ref) {
    const node = tree.nodes[ref.node];
    ref = decide(node, x(node.feature)) ? node.whenTrue : node.whenFalse;
  }
  return ref.leaf;
}

export function floatDecision(node: Tree['nodes'][number], x: number): boolean {
  switch (node.mode) {
    case 'LEQ':
      return x <= node.threshold;
    case 'LT':
      return x < node.threshold;
    case 'GTE':
      return x >= node.threshold;
    case 'GT':
      return x > node.threshold;
    case 'EQ':
      return x === node.threshold;
    case 'NEQ':
      return x !== node.threshold;
    case 'MEMBER':
      return node.members!.includes(x);
  }
}

function evalNode(g: Graph, n: IrNode, v: Values): Float64Array {
  const op = n.op;
  const x = v.get(n.inputs[0]) ?? new Float64Array(0);
  const outShape = shape(g, n.outputs[0]);
  const size = sizeOf(outShape);
  const y = new Float64Array(size);
  switch (op.op) {
    case 'matmul': {
      const { M, K, N } = op;
      for (let b = 0; b < op.batches; b++)
        for (let m = 0; m < M; m++)
          for (let j = 0; j < N; j++) {
            let acc = 0;
            const xo = op.aOffsets[b] + m * K;
            const wo = op.wOffsets[b] + j * K;
            for (let k = 0; k < K; k++) acc += x[xo + k] * op.W[wo + k];
            const o = (b * M + m) * N + j;
            y[o] = acc + (op.bias ? op.bias[op.bias.length === N ? j : o] : 0);
          }
      return y;
    }
    case 'conv2d': {
      const bias = op.bias;
      return conv2dSums(op, shape(g, n.inputs[0]), outShape, x, op.W, 0, (oc) => (bias ? bias[oc] : 0), (acc) => acc);
    }
    case 'maxpool2d':
    case 'avgpool2d': {
      const [Nb, C, H, W] = shape(g, n.inputs[0]);
      const [, , OH, OW] = outShape;
      const [kh, kw] = op.kernel;
      const dil = op.op === 'maxpool2d' ? op.dilations : [1, 1];
      for (let p = 0; p < Nb * C; p++)
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
                const inside = ih >= 0 && ih < H && iw >= 0 && iw < W;
                // padding counts only inside the padded extent (not beyond, as ceil mode can reach)
                if (!inside) {
                  if (ih >= -op.pads[0] && ih < H + op.pads[2] && iw >= -op.pads[1] && iw < W + op.pads[3]) padded++;
                  continue;
                }
                const val = x[(p * H + ih) * W + iw];
                best = Math.max(best, val);
                sum += val;
                count++;
              }
            }
            const o = (p * OH + oh) * OW + ow;
            if (op.op === 'maxpool2d') y[o] = best;
            else y[o] = sum / (op.countIncludePad ? count + padded : count);
          }
      return y;
    }
    case 'affine': {
      const { mid, inner } = op.broadcast;
      for (let i = 0; i < size; i++) {
        const c = Math.floor(i / inner) % mid;
        y[i] = x[i] * op.scale[c] + op.offset[c];
      }
      return y;
    }
    case 'binary': {
      const b = v.get(n.inputs[1])!;
      const ia = broadcastIndexer(shape(g, n.inputs[0]), outShape);
      const ib = broadcastIndexer(shape(g, n.inputs[1]), outShape);
      for (let i = 0; i < size; i++) {
        const p = x[ia(i)];
        const q = b[ib(i)];
        y[i] = op.fn === 'add' ? p + q : op.fn === 'sub' ? p - q : p * q;
      }
      return y;
    }
    case 'relu':
      for (let i = 0; i < size; i++) y[i] = Math.max(x[i], 0);
      return y;
    case 'leakyRelu':
      for (let i = 0; i < size; i++) y[i] = x[i] >= 0 ? x[i] : x[i] * op.alpha;
      return y;
    case 'clip':
      for (let i = 0; i < size; i++) y[i] = Math.min(Math.max(x[i], op.min), op.max);
      return y;
    case 'sigmoid':
      for (let i = 0; i < size; i++) y[i] = 1 / (1 + Math.exp(-x[i]));
      return y;
    case 'tanh':
      for (let i = 0; i < size; i++) y[i] = Math.tanh(x[i]);
      return y;
    case 'softmax':
      for (let o = 0; o < op.outer; o++)
        for (let inn = 0; inn < op.inner; inn++) {
          const at = (a: number) => (o * op.axisLen + a) * op.inner + inn;
          let max = -Infinity;
          for (let a = 0; a < op.axisLen; a++) max = Math.max(max, x[at(a)]);
          let sum = 0;
          for (let a = 0; a < op.axisLen; a++) sum += Math.exp(x[at(a)] - max);
          for (let a = 0; a < op.axisLen; a++) y[at(a)] = Math.exp(x[at(a)] - max) / sum;
        }
      return y;
    case 'argmax':
      for (let o = 0; o < op.outer; o++)
        for (let inn = 0; inn < op.inner; inn++) {
          let best = 0;
          for (let a = 1; a < op.axisLen; a++) {
            const val = x[(o * op.axisLen + a) * op.inner + inn];
            const cur = x[(o * op.axisLen + best) * op.inner + inn];
            if (val > cur || (op.selectLast && val === cur)) best = a;
          }
          y[o * op.inner + inn] = best;
        }
      return y;
    case 'transpose': {
      const inShape = shape(g, n.inputs[0]);
      const inStrides = stridesOf(inShape);
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
    case 'concat': {
      const outer = sizeOf(outShape.slice(0, op.axis));
      let offset = 0;
      const row = sizeOf(outShape.slice(op.axis));
      for (const id of n.inputs) {
        const s = shape(g, id);
        const part = sizeOf(s.slice(op.axis));
        const src = v.get(id)!;
        for (let o = 0; o < outer; o++) y.set(src.subarray(o * part, (o + 1) * part), o * row + offset);
        offset += part;
      }
      return y;
    }
    case 'constant':
      y.set(op.values);
      return y;
    case 'reshape':
      y.set(x);
      return y;
    case 'castInt':
      for (let i = 0; i < size; i++) y[i] = Math.trunc(x[i]);
      return y;
    case 'normalize': {
      const C = outShape[outShape.length - 1];
      for (let r = 0; r < size / C; r++) {
        const row = x.subarray(r * C, (r + 1) * C);
        const d = op.norm === 'L1' ? row.reduce((a, b) => a + Math.abs(b), 0) : op.norm === 'L2' ? Math.sqrt(row.reduce((a, b) => a + b * b, 0)) : Math.max(...row);
        for (let c = 0; c < C; c++) y[r * C + c] = d === 0 ? 0 : row[c] / d;
      }
      return y;
    }
    case 'trees': {
      const rows = size / op.nTargets;
      for (let r = 0; r < rows; r++) {
        const feat = (f: number) => x[r * op.nFeatures + f];
        const acc = new Float64Array(op.nTargets);
        const has = new Uint8Array(op.nTargets);
        for (const tree of op.trees) {
          const leaf = tree.leaves[treeLeaf(tree, feat, floatDecision)];
          for (const w of leaf.weights) {
            if (op.aggregate === 'SUM' || op.aggregate === 'AVERAGE') acc[w.target] += w.value;
            else if (!has[w.target]) acc[w.target] = w.value;
            else acc[w.target] = op.aggregate === 'MIN' ? Math.min(acc[w.target], w.value) : Math.max(acc[w.target], w.value);
            has[w.target] = 1;
          }
        }
        for (let t = 0; t < op.nTargets; t++) {
          const agg = op.aggregate === 'AVERAGE' ? acc[t] / op.trees.length : acc[t];
          y[r * op.nTargets + t] = agg + op.base[t];
        }
      }
      return y;
    }
    case 'binaryScores':
      for (let r = 0; r < size / 2; r++) {
        const p = x[r];
        const [a, b] = op.mode === 'complement' ? [1 - p, p] : op.mode === 'negate' ? [-p, p] : [1 / (1 + Math.exp(p)), 1 / (1 + Math.exp(-p))];
        y[2 * r] = a;
        y[2 * r + 1] = b;
      }
      return y;
    case 'threshold':
      for (let i = 0; i < size; i++) y[i] = x[i] > op.threshold ? 1 : 0;
      return y;
    // pre-quantized ops run on their integers (the simulator); their real meaning is the float op they
    // stand for: the sum of the two operands, the function the table samples
    case 'qadd': {
      const b = op.bConst ? null : v.get(n.inputs[1])!;
      for (let i = 0; i < size; i++) y[i] = x[i] + (b ? b[i] : (op.bConst!.q[Math.floor(i / op.bConst!.inner) % op.bConst!.mid] - op.b.zeroPoint) * op.b.scale);
      return y;
    }
    case 'qlut': {
      const f = lutFunction(op.fn);
      for (let i = 0; i < size; i++) y[i] = f(x[i]);
      return y;
    }
  }
}

/** The real function a pre-quantized unary table samples (`sigmoid`, `relu`, `leakyRelu(a)`, `clip(lo, hi)`). */
export function lutFunction(fn: string): (x: number) => number {
  if (fn === 'sigmoid') return (x) => 1 / (1 + Math.exp(-x));
  if (fn === 'relu') return (x) => Math.max(0, x);
  const leaky = /^leakyRelu\((.+)\)$/.exec(fn);
  if (leaky) return (x) => (x >= 0 ? x : x * Number(leaky[1]));
  const clip = /^clip\((.+), (.+)\)$/.exec(fn);
  if (clip) return (x) => Math.min(Math.max(x, Number(clip[1])), Number(clip[2]));
  throw new Error(`internal: unknown table function ${fn}`);
}
