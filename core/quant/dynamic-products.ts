// The integer half of a dynamically quantized dense or convolution layer: Σ (q − zp)·w per output
// (padding taps add nothing), handed to the layer's float32 epilogue. The simulator (hardware float32)
// and the soft-float reference share it; they differ only in the epilogue.
import type { IrNode } from '../ir/graph';
import type { Plan } from './types';

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
  const y = new Float64Array(out.reduce((a, b) => a * b, 1));
  if (op.op === 'matmul') {
    const { M, K, N } = op;
    for (let m = 0; m < M; m++)
      for (let c = 0; c < N; c++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc += (q[m * K + k] - zp) * W[c * K + k];
        y[m * N + c] = epilogue(acc, c);
      }
    return y;
  }
  if (op.op !== 'conv2d') throw new Error(`internal: dynamic params on ${op.op}`);
  const [Nb, C, H, Wd] = shape(n.inputs[0]);
  const [, OC, OH, OW] = out;
  const [kh, kw] = op.kernel;
  for (let nb = 0; nb < Nb; nb++)
    for (let oc = 0; oc < OC; oc++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let acc = 0;
          for (let c = 0; c < C; c++)
            for (let i = 0; i < kh; i++) {
              const ih = oh * op.strides[0] - op.pads[0] + i * op.dilations[0];
              if (ih < 0 || ih >= H) continue;
              for (let j = 0; j < kw; j++) {
                const iw = ow * op.strides[1] - op.pads[1] + j * op.dilations[1];
                if (iw < 0 || iw >= Wd) continue;
                acc += (q[((nb * C + c) * H + ih) * Wd + iw] - zp) * W[((oc * C + c) * kh + i) * kw + j];
              }
            }
          y[((nb * OC + oc) * OH + oh) * OW + ow] = epilogue(acc, oc);
        }
  return y;
}
