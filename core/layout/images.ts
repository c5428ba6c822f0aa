// The bytes a dense layer's weights take in memory, which is also what its data contracts store (layout
// `data`) or its static array holds (the weights in the program): the image is the on-chain format.
//  - `pairs` (i8 weights, i8/i16 activations): output rows in pairs, each 8-byte word holding four inputs of
//    row n then the same four of row n + 1, every weight stored biased (w + 128, 0..255). One i64 load
//    gives four inputs of two rows; `(word >> 8j) & 0x000000ff000000ff` is input j of both rows in the two
//    32-bit lanes of an i64, so one multiply by x_j adds to both rows' sums (core/codegen/dense-pairs.ts).
//  - `rows` (wider weights or i32 activations): each output row, little-endian at the weights' width.
import type { Plan, QNode } from '../quant/types';

export type ImageKind = 'pairs' | 'rows';

export interface WeightImage {
  kind: ImageKind;
  K: number;
  N: number;
  /** bytes of one unit: a pair of rows (pairs) or one row (rows) */
  unitBytes: number;
  /** units in the image: ceil(N / 2) pairs or N rows */
  units: number;
  bytes: Uint8Array;
  /** pairs: u64 words per pair (ceil(K / 4)); rows: element bytes */
  words: number;
  width: number;
}

/** The weights are stored biased by this much in a pair image (i8 → 0..255). */
export const PAIR_BIAS = 128;

const WIDTH = { i8: 1, i16: 2, i32: 4 } as const;

/** A dense layer (one row of inputs: no batches) whose weights can leave the code. */
export function isPlainDense(qn: QNode): boolean {
  return qn.node.op.op === 'matmul' && qn.params.op === 'matmul' && qn.node.op.batches * qn.node.op.M === 1 && !qn.params.requant && !qn.params.dynamic;
}

/** The pair image applies: i8 weights and inputs of at most 16 bits (the lane bound, dense-pairs.ts). */
export function pairsApply(plan: Plan, qn: QNode): boolean {
  if (!isPlainDense(qn) || qn.params.op !== 'matmul') return false;
  const x = plan.tensors.get(qn.node.inputs[0])!;
  return qn.params.W.format.storage === 'i8' && x.format.storage !== 'i32';
}

export function denseImage(plan: Plan, qn: QNode): WeightImage {
  if (qn.node.op.op !== 'matmul' || qn.params.op !== 'matmul') throw new Error('internal: not a dense layer');
  const { K, N } = qn.node.op;
  const q = qn.params.W.q;
  if (pairsApply(plan, qn)) {
    const words = Math.ceil(K / 4);
    const units = Math.ceil(N / 2);
    const unitBytes = 8 * words;
    const bytes = new Uint8Array(units * unitBytes).fill(PAIR_BIAS);
    for (let p = 0; p < units; p++)
      for (let half = 0; half < 2; half++) {
        const n = 2 * p + half;
        if (n >= N) continue;
        for (let k = 0; k < K; k++) bytes[p * unitBytes + 8 * (k >> 2) + 4 * half + (k & 3)] = q[n * K + k] + PAIR_BIAS;
      }
    return { kind: 'pairs', K, N, unitBytes, units, bytes, words, width: 1 };
  }
  const width = WIDTH[qn.params.W.format.storage];
  const bytes = new Uint8Array(N * K * width);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < N * K; i++) {
    if (width === 1) view.setInt8(i, q[i]);
    else if (width === 2) view.setInt16(2 * i, q[i], true);
    else view.setInt32(4 * i, q[i], true);
  }
  return { kind: 'rows', K, N, unitBytes: K * width, units: N, bytes, words: K, width };
}
