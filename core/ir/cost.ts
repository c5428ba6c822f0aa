// Parameters and multiply-accumulates of an IR op: one count for inspect, the manifest, the preview and
// the estimator (a tree's parameters are its nodes plus every leaf weight).
import type { IrOp, Shape } from './graph';

/** Parameters and multiply-accumulates of one IR op. */
export function opCost(op: IrOp, outShape: Shape): { params: number; macs: number } {
  const out = outShape.reduce((a, b) => a * b, 1);
  switch (op.op) {
    case 'matmul':
      return { params: op.W.length + (op.bias?.length ?? 0), macs: op.batches * op.M * op.N * op.K };
    case 'conv2d':
      return { params: op.W.length + (op.bias?.length ?? 0), macs: out * op.inChannels * op.kernel[0] * op.kernel[1] };
    case 'affine':
      return { params: op.scale.length + op.offset.length, macs: out };
    case 'trees':
      return { params: op.trees.reduce((a, t) => a + t.nodes.length + t.leaves.reduce((b, l) => b + l.weights.length, 0), 0), macs: 0 };
    case 'binary':
      return { params: 0, macs: op.fn === 'mul' ? out : 0 };
    default:
      return { params: 0, macs: 0 };
  }
}
