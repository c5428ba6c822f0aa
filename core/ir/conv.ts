// The one loop nest of a 2-D convolution over NCHW tensors: per output, the sum of x·w over the taps that
// fall inside the input (padding taps add nothing), in tap order, from the value `start` gives. The float
// evaluator and the dynamically quantized layer's integer products share it.
import type { IrOp } from './graph';

type Conv = Extract<IrOp, { op: 'conv2d' }>;

export function conv2dSums(
  op: Pick<Conv, 'kernel' | 'strides' | 'pads' | 'dilations'>,
  [Nb, C, H, W]: number[],
  [, OC, OH, OW]: number[],
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  /** subtracted from every input value (a quantized input's zero point) */
  zero: number,
  start: (oc: number) => number,
  finish: (acc: number, oc: number) => number,
): Float64Array {
  const [kh, kw] = op.kernel;
  const y = new Float64Array(Nb * OC * OH * OW);
  for (let nb = 0; nb < Nb; nb++)
    for (let oc = 0; oc < OC; oc++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let acc = start(oc);
          for (let c = 0; c < C; c++)
            for (let i = 0; i < kh; i++) {
              const ih = oh * op.strides[0] - op.pads[0] + i * op.dilations[0];
              if (ih < 0 || ih >= H) continue;
              for (let j = 0; j < kw; j++) {
                const iw = ow * op.strides[1] - op.pads[1] + j * op.dilations[1];
                if (iw < 0 || iw >= W) continue;
                acc += (x[((nb * C + c) * H + ih) * W + iw] - zero) * w[((oc * C + c) * kh + i) * kw + j];
              }
            }
          y[((nb * OC + oc) * OH + oh) * OW + ow] = finish(acc, oc);
        }
  return y;
}
