// The integer half of a dynamically quantized dense or convolution layer: Σ (q − zp)·w per output
// (padding taps add nothing), handed to the layer's float32 epilogue. The simulator (hardware float32)
// and the soft-float reference share it; they differ only in the epilogue.
import type { IrNode } from '../ir/graph';
import type { Plan } from './types';
import { conv2dSums } from '../ir/conv';

export function dynamicProducts(
  plan: Plan,
  n: IrNode,
  q: ArrayLike<number>,
  zp: number,
  W: ArrayLike<number>,
  epilogue: (acc: number, channel: number) => number,
): Float64Array {
  const op = n.op;
  const shape = (id: string) => plan.graph.tensors.get(id)!.shape;
  const out = shape(n.outputs[0]);
  if (op.op === 'matmul') {
    const { M, K, N } = op;
    const y = new Float64Array(out.reduce((a, b) => a * b, 1));
    for (let m = 0; m < M; m++)
      for (let c = 0; c < N; c++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc += (q[m * K + k] - zp) * W[c * K + k];
        y[m * N + c] = epilogue(acc, c);
      }
    return y;
  }
  if (op.op !== 'conv2d') throw new Error(`internal: dynamic params on ${op.op}`);
  return conv2dSums(op, shape(n.inputs[0]), out, q, W, zp, () => 0, epilogue);
}
