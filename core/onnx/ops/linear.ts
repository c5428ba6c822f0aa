// Gemm and MatMul → `matmul` (constant weights, runtime activations).
import type { Shape } from '../../ir/graph';
import { broadcastShapes, expandTo, isConst, notLowerable, prod, shapeOf, type LowerContext } from './context';

/** W for `matmul`: N rows of K weights, from a [K, N] (or transposed [N, K]) constant, times alpha. */
function weightsNK(data: Float64Array, K: number, N: number, storedNK: boolean, alpha: number): Float64Array {
  const W = new Float64Array(N * K);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) W[n * K + k] = alpha * (storedNK ? data[n * K + k] : data[k * N + n]);
  return W;
}

export function lowerGemm(ctx: LowerContext): void {
  const alpha = ctx.attrs.float('alpha', 1);
  const beta = ctx.attrs.float('beta', 1);
  const transA = ctx.attrs.int('transA', 0) === 1;
  const transB = ctx.attrs.int('transB', 0) === 1;
  const a = ctx.operand(0);
  const b = ctx.operand(1);
  if (!a || !b) notLowerable('Gemm needs inputs A and B');
  if (isConst(a)) notLowerable('Gemm with a constant A and a runtime B is not supported; export with the weights as B');
  if (!isConst(b)) notLowerable('Gemm of two runtime tensors is not supported: B must be a constant (the weights)');
  const aShape = shapeOf(a);
  if (aShape.length !== 2 || b.const.shape.length !== 2) notLowerable(`Gemm needs 2-D A and B, got ${JSON.stringify(aShape)} and ${JSON.stringify(b.const.shape)}`);
  let x = a.tensor.id;
  let [M, K] = aShape;
  if (transA) {
    [M, K] = [aShape[1], aShape[0]];
    x = ctx.emitTemp({ op: 'transpose', perm: [1, 0] }, [x], [M, K], 'real', 'transA');
  }
  const [bk, bn] = transB ? [b.const.shape[1], b.const.shape[0]] : b.const.shape;
  if (bk !== K) notLowerable(`Gemm inner dimensions differ: A has ${K}, B has ${bk}`);
  const N = bn;
  const W = weightsNK(b.const.data, K, N, transB, alpha);
  let bias: Float64Array | null = null;
  const c = ctx.operand(2);
  if (c && isConst(c)) {
    const to = broadcastShapes([M, N], c.const.shape);
    if (!to || to[0] !== M || to[1] !== N) notLowerable(`Gemm bias C of shape ${JSON.stringify(c.const.shape)} does not broadcast to [${M}, ${N}]`);
    const perN = c.const.shape.length === 0 || prod(c.const.shape) === 1 || (c.const.shape.length >= 1 && c.const.shape[c.const.shape.length - 1] === N && prod(c.const.shape) === N);
    const full = expandTo(c.const.data, c.const.shape, [M, N]);
    bias = perN && M >= 1 ? full.slice(0, N) : full;
    for (let i = 0; i < bias.length; i++) bias[i] *= beta;
  }
  const op = { op: 'matmul' as const, batches: 1, M, K, N, aOffsets: [0], wOffsets: [0], W, bias };
  if (c && !isConst(c)) {
    const y = ctx.emitTemp(op, [x], [M, N], 'real', 'gemm');
    if (beta !== 1) notLowerable('Gemm with a runtime C and beta ≠ 1 is not supported');
    const out = broadcastShapes([M, N], c.tensor.shape);
    if (!out || out[0] !== M || out[1] !== N) notLowerable('Gemm bias C does not broadcast to the output');
    ctx.emit({ op: 'binary', fn: 'add' }, [y, c.tensor.id], [M, N], 'real');
    return;
  }
  ctx.emit(op, [x], [M, N], 'real');
}

export function lowerMatMul(ctx: LowerContext): void {
  const a = ctx.operand(0);
  const b = ctx.operand(1);
  if (!a || !b) notLowerable('MatMul needs two inputs');
  if (isConst(a)) notLowerable('MatMul with a constant left operand and a runtime right operand is not supported; put the weights on the right');
  if (!isConst(b)) notLowerable('MatMul of two runtime tensors is not supported: the right operand must be a constant (the weights)');
  let aShape: Shape = a.tensor.shape;
  let bShape: Shape = b.const.shape;
  const aVec = aShape.length === 1;
  const bVec = bShape.length === 1;
  if (aVec) aShape = [1, aShape[0]];
  if (bVec) bShape = [bShape[0], 1];
  const M = aShape[aShape.length - 2];
  const K = aShape[aShape.length - 1];
  const N = bShape[bShape.length - 1];
  if (bShape[bShape.length - 2] !== K) notLowerable(`MatMul inner dimensions differ: ${K} vs ${bShape[bShape.length - 2]}`);
  const batchA = aShape.slice(0, -2);
  const batchB = bShape.slice(0, -2);
  const batch = broadcastShapes(batchA, batchB);
  if (!batch) notLowerable(`MatMul batch dimensions ${JSON.stringify(batchA)} and ${JSON.stringify(batchB)} do not broadcast`);
  const outShape: number[] = [...batch, ...(aVec ? [] : [M]), ...(bVec ? [] : [N])];
  const matrices = prod(batchB);
  const W = new Float64Array(matrices * N * K);
  for (let m = 0; m < matrices; m++) W.set(weightsNK(b.const.data.subarray(m * K * N, (m + 1) * K * N), K, N, false, 1), m * N * K);
  if (matrices === 1) {
    // one weight matrix: every row of A (all batch dims folded into M) uses it
    ctx.emit({ op: 'matmul', batches: 1, M: prod(batchA) * M, K, N, aOffsets: [0], wOffsets: [0], W, bias: null }, [a.tensor.id], outShape, 'real');
    return;
  }
  const rank = batch.length;
  const padA = [...new Array(rank - batchA.length).fill(1), ...batchA];
  const padB = [...new Array(rank - batchB.length).fill(1), ...batchB];
  const count = prod(batch);
  const aOffsets: number[] = [];
  const wOffsets: number[] = [];
  const idx = new Array(rank).fill(0);
  for (let i = 0; i < count; i++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < rank; d++) {
      ia = ia * padA[d] + (padA[d] === 1 ? 0 : idx[d]);
      ib = ib * padB[d] + (padB[d] === 1 ? 0 : idx[d]);
    }
    aOffsets.push(ia * M * K);
    wOffsets.push(ib * N * K);
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < batch[d]) break;
      idx[d] = 0;
    }
  }
  ctx.emit({ op: 'matmul', batches: count, M, K, N, aOffsets, wOffsets, W, bias: null }, [a.tensor.id], outShape, 'real');
}
