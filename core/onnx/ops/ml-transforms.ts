// ai.onnx.ml feature transforms of scikit-learn pipelines (Binarizer, Imputer, FeatureVectorizer,
// ArrayFeatureExtractor) and ai.onnx Concat, as the IR ops that already exist: threshold, an alias,
// concat, and a 0/1 selection matrix (exact in fixed point: each output is one input times 1).
import { isConst, notLowerable, prod, type ConstValue, type LowerContext } from './context';

/** Binarizer: 1 where x > threshold, else 0 (onnxruntime's kernel): integer values, exact unless x is within its error of the threshold. */
export function lowerBinarizer(ctx: LowerContext): void {
  const x = ctx.tensorInput(0);
  ctx.emit({ op: 'threshold', threshold: ctx.attrs.float('threshold', 0) }, [x.id], x.shape, 'int');
}

/**
 * Imputer: replaces the missing-value marker with the imputed values. A contract's inputs are fixed-point
 * numbers, never NaN, so with the default marker (NaN) the transform is the identity; another marker
 * (a number) would need an equality test per value and is refused.
 */
export function lowerImputer(ctx: LowerContext): void {
  const x = ctx.tensorInput(0);
  const marker = ctx.attrs.float('replaced_value_float', Number.NaN);
  if (!Number.isNaN(marker)) notLowerable(`replaced_value_float ${marker} is not supported (only NaN, which a fixed-point input never is)`);
  if (ctx.attrs.ints('imputed_value_int64s', []).length > 0) notLowerable('integer imputation (imputed_value_int64s) is not supported');
  ctx.alias(x.id, x.shape);
  ctx.note(`Imputer '${ctx.node.name || ctx.node.output?.[0]}' replaces NaN, which a fixed-point input cannot be: it passes its input through`);
}

/** The runtime tensors (or constants, emitted as constant tensors) of a node's operands, in order. */
function operandTensors(ctx: LowerContext): { id: string; shape: number[] }[] {
  const out: { id: string; shape: number[] }[] = [];
  for (let i = 0; i < (ctx.node.input?.length ?? 0); i++) {
    const o = ctx.operand(i);
    if (o === undefined) continue;
    if (isConst(o)) {
      const c: ConstValue = o.const;
      out.push({ id: ctx.emitTemp({ op: 'constant', values: Float64Array.from(c.data) }, [], c.shape, c.kind, `const${i}`), shape: c.shape });
    } else out.push({ id: o.tensor.id, shape: o.tensor.shape });
  }
  return out;
}

function emitConcat(ctx: LowerContext, parts: { id: string; shape: number[] }[], axis: number): void {
  const rank = parts[0].shape.length;
  for (const p of parts) {
    if (p.shape.length !== rank) notLowerable(`operands of rank ${rank} and ${p.shape.length}`);
    p.shape.forEach((d, k) => {
      if (k !== axis && d !== parts[0].shape[k]) notLowerable(`operand shapes ${JSON.stringify(parts[0].shape)} and ${JSON.stringify(p.shape)} differ off axis ${axis}`);
    });
  }
  const shape = parts[0].shape.map((d, k) => (k === axis ? parts.reduce((a, p) => a + p.shape[axis], 0) : d));
  if (parts.length === 1) ctx.alias(parts[0].id, shape);
  else ctx.emit({ op: 'concat', axis }, parts.map((p) => p.id), shape, 'real');
}

/** Concat along `axis` (negative counts from the end). */
export function lowerConcat(ctx: LowerContext): void {
  const parts = operandTensors(ctx);
  if (parts.length === 0) notLowerable('no operands');
  const rank = parts[0].shape.length;
  const a = ctx.attrs.int('axis', 0);
  const axis = a < 0 ? a + rank : a;
  if (axis < 0 || axis >= rank) notLowerable(`axis ${a} for rank ${rank}`);
  emitConcat(ctx, parts, axis);
}

/** FeatureVectorizer: the [N, d_i] inputs side by side, each taking its `inputdimensions` columns. */
export function lowerFeatureVectorizer(ctx: LowerContext): void {
  const parts = operandTensors(ctx).map((p) => (p.shape.length === 1 ? { ...p, shape: [1, p.shape[0]] } : p));
  const dims = ctx.attrs.ints('inputdimensions', []);
  if (dims.length !== parts.length) notLowerable(`inputdimensions has ${dims.length} entries for ${parts.length} inputs`);
  parts.forEach((p, i) => {
    if (p.shape.length !== 2 || p.shape[1] !== dims[i]) notLowerable(`input ${i} has shape ${JSON.stringify(p.shape)}, not [N, ${dims[i]}] (padding or truncating columns is not supported)`);
  });
  emitConcat(ctx, parts, 1);
}

/** ArrayFeatureExtractor with constant indices: the selected columns of the last axis, as a 0/1 matrix. */
export function lowerArrayFeatureExtractor(ctx: LowerContext): void {
  const x = ctx.tensorInput(0);
  const idx = ctx.constInput(1, 'the indices must be a constant').data.map(Number);
  const F = x.shape[x.shape.length - 1];
  const M = prod(x.shape) / F;
  for (const i of idx) if (!Number.isInteger(i) || i < 0 || i >= F) notLowerable(`index ${i} is outside the ${F} columns`);
  const W = new Float64Array(idx.length * F);
  idx.forEach((i, k) => (W[k * F + i] = 1));
  ctx.emit({ op: 'matmul', batches: 1, M, K: F, N: idx.length, aOffsets: [0], wOffsets: [0], W, bias: null }, [x.id], [...x.shape.slice(0, -1), idx.length], 'real');
}
