// ai.onnx.ml: LinearClassifier, LinearRegressor, Scaler, Normalizer, ZipMap.
// Classifier heads follow onnxruntime's kernels (the float reference), quirks included, and are
// lowered to plain IR ops so that every backend implements them once.
import { notLowerable, prod, type LowerContext } from './context';

/** [N, F] view of a classifier/regressor input (a 1-D input is one row). */
export function rows(ctx: LowerContext): { id: string; N: number; F: number } {
  const x = ctx.tensorInput(0);
  const s = x.shape;
  if (s.length === 1) return { id: x.id, N: 1, F: s[0] };
  if (s.length !== 2) notLowerable(`expects a [N, features] input, got ${JSON.stringify(s)}`);
  return { id: x.id, N: s[0], F: s[1] };
}

export function linearScores(ctx: LowerContext, coefficients: number[], intercepts: number[], F: number, xId: string, N: number, suffix: string): { id: string; T: number } {
  const T = coefficients.length / F;
  if (!Number.isInteger(T) || T < 1) notLowerable(`${coefficients.length} coefficients do not divide into rows of ${F} features`);
  if (intercepts.length !== 0 && intercepts.length !== T) notLowerable(`${intercepts.length} intercepts for ${T} targets`);
  const W = Float64Array.from(coefficients);
  const bias = intercepts.length ? Float64Array.from(intercepts) : null;
  const id = ctx.emitTemp({ op: 'matmul', batches: 1, M: N, K: F, N: T, aOffsets: [0], wOffsets: [0], W, bias }, [xId], [N, T], 'real', suffix);
  return { id, T };
}

/** Applies a post transform (NONE/LOGISTIC/SOFTMAX) to [N, T] scores as output `outIndex`. */
export function emitPostTransform(ctx: LowerContext, id: string, N: number, T: number, transform: string, outIndex: number): void {
  switch (transform) {
    case 'NONE':
      ctx.alias(id, [N, T], outIndex);
      return;
    case 'LOGISTIC':
      ctx.emit({ op: 'sigmoid' }, [id], [N, T], 'real', outIndex);
      return;
    case 'SOFTMAX':
      ctx.emit({ op: 'softmax', outer: N, axisLen: T, inner: 1 }, [id], [N, T], 'real', outIndex);
      return;
    default:
      notLowerable(`post_transform ${transform} is not supported (NONE, LOGISTIC and SOFTMAX are)`);
  }
}

export function lowerLinearRegressor(ctx: LowerContext): void {
  const { id, N, F } = rows(ctx);
  const transform = ctx.attrs.string('post_transform', 'NONE');
  const coefficients = ctx.attrs.floats('coefficients');
  const intercepts = ctx.attrs.floats('intercepts', []);
  const targets = ctx.attrs.int('targets', 1);
  const s = linearScores(ctx, coefficients, intercepts, F, id, N, 'scores');
  if (s.T !== targets) notLowerable(`targets=${targets} but the coefficients give ${s.T}`);
  emitPostTransform(ctx, s.id, N, s.T, transform, 0);
}

export function lowerLinearClassifier(ctx: LowerContext): void {
  const { id, N, F } = rows(ctx);
  const transform = ctx.attrs.string('post_transform', 'NONE');
  const ints = ctx.attrs.ints('classlabels_ints', []);
  const strings = ctx.attrs.strings('classlabels_strings', []);
  const labels: (number | string)[] = strings.length ? strings : ints;
  const s = linearScores(ctx, ctx.attrs.floats('coefficients'), ctx.attrs.floats('intercepts', []), F, id, N, 'scores');
  if (s.T === 1) {
    // one score: label = score > 0; with two labels onnxruntime writes [1 - s, s] and ignores the transform
    ctx.emit({ op: 'threshold', threshold: 0 }, [s.id], [N], 'int', 0);
    ctx.labels(0, labels.length === 2 ? labels : [0, 1]);
    if (ctx.outputCount() > 1) {
      if (labels.length === 2) {
        if (transform === 'PROBIT') notLowerable('post_transform PROBIT is not supported');
        ctx.emit({ op: 'binaryScores', mode: 'complement' }, [s.id], [N, 2], 'real', 1);
      } else emitPostTransform(ctx, s.id, N, 1, transform, 1);
    }
    return;
  }
  if (labels.length !== s.T) notLowerable(`${labels.length} class labels for ${s.T} score rows`);
  ctx.emit({ op: 'argmax', outer: N, axisLen: s.T, inner: 1, selectLast: false }, [s.id], [N], 'int', 0);
  ctx.labels(0, labels);
  if (ctx.outputCount() > 1) emitPostTransform(ctx, s.id, N, s.T, transform, 1);
}

export function lowerScaler(ctx: LowerContext): void {
  const x = ctx.tensorInput(0);
  const F = x.shape[x.shape.length - 1] ?? 1;
  const offset = ctx.attrs.floats('offset', [0]);
  const scale = ctx.attrs.floats('scale', [1]);
  const n = Math.max(offset.length, scale.length);
  if (![1, F].includes(offset.length) || ![1, F].includes(scale.length)) notLowerable(`offset/scale must have 1 or ${F} values`);
  const s = new Float64Array(n);
  const o = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s[i] = scale[scale.length === 1 ? 0 : i];
    o[i] = -(offset[offset.length === 1 ? 0 : i]) * s[i];
  }
  ctx.emit({ op: 'affine', scale: s, offset: o, broadcast: { mid: n, inner: 1 } }, [x.id], x.shape, 'real');
}

export function lowerNormalizer(ctx: LowerContext): void {
  const x = ctx.tensorInput(0);
  const norm = ctx.attrs.string('norm', 'MAX');
  if (norm !== 'L1' && norm !== 'L2' && norm !== 'MAX') notLowerable(`norm ${norm} is not supported`);
  if (x.shape.length > 2) notLowerable(`expects a [N, C] input, got ${JSON.stringify(x.shape)}`);
  ctx.emit({ op: 'normalize', norm }, [x.id], x.shape, 'real');
}

export function lowerZipMap(ctx: LowerContext): void {
  // ZipMap turns a [N, C] tensor into a sequence of maps; on chain we return the tensor itself.
  const x = ctx.tensorInput(0);
  if (prod(x.shape) === 0) notLowerable('empty input');
  ctx.alias(x.id, x.shape);
  ctx.note(`ZipMap '${ctx.node.name || ctx.node.output?.[0]}' is passed through: its output is the [N, C] probability tensor, in class-label order`);
}
