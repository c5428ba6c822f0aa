// ai.onnx.ml SVMClassifier and SVMRegressor with a LINEAR kernel: Σ coef_i · <x, sv_i> + rho is an affine
// map of x, so the support vectors fold into one weight row (w = Σ coef_i · sv_i) before quantisation and the
// model runs as a linear one; with more than two classes each pair's classifier folds alike and votes.
// Other kernels (RBF, POLY, SIGMOID) and Platt probabilities are refused naming what is missing.
// Semantics follow onnxruntime's kernels (svmclassifier.cc, svmregressor.cc), the float reference.
import { notLowerable, type LowerContext } from './context';
import { emitPostTransform, linearScores, rows } from './ml-linear';

/** The kernel must be LINEAR (what a linear SVM exports); the others are not affine. */
function linearKernel(ctx: LowerContext): void {
  const kernel = ctx.attrs.string('kernel_type', 'LINEAR');
  if (kernel !== 'LINEAR') notLowerable(`kernel_type ${kernel} is not supported: only a LINEAR kernel folds into a linear model (retrain with kernel='linear', or use a LinearSVC)`);
}

/** Support vectors: the regressor's `n_supports`, the classifier's Σ vectors_per_class (as onnxruntime counts them). */
function supportCount(ctx: LowerContext): number {
  const perClass = ctx.attrs.ints('vectors_per_class', []);
  return perClass.length > 0 ? perClass.reduce((a, b) => a + b, 0) : ctx.attrs.int('n_supports', 0);
}

/** Adds Σ_{m ∈ [from, to)} coef[m] · sv_m to `w` (support vectors [V, F], row-major). */
function fold(w: number[], coef: ArrayLike<number>, sv: ArrayLike<number>, from: number, to: number): void {
  const F = w.length;
  for (let m = from; m < to; m++) for (let f = 0; f < F; f++) w[f] += coef[m] * sv[m * F + f];
}

/** w = Σ_i coef[i] · sv_i over support vectors [V, F]; from liblinear mode (no support vectors) the coefficients themselves. */
function foldedWeights(ctx: LowerContext, coefficients: number[], F: number): number[] {
  const V = supportCount(ctx);
  if (V === 0) return coefficients;
  const sv = ctx.attrs.floats('support_vectors', []);
  if (sv.length !== V * F) notLowerable(`${sv.length} support vector values for ${V} vectors of ${F} features`);
  if (coefficients.length < V) notLowerable(`${coefficients.length} coefficients for ${V} support vectors`);
  const w = new Array<number>(F).fill(0);
  fold(w, coefficients, sv, 0, V);
  return w;
}

export function lowerSVMRegressor(ctx: LowerContext): void {
  linearKernel(ctx);
  const { id, N, F } = rows(ctx);
  if (ctx.attrs.int('one_class', 0) !== 0) notLowerable('one_class=1 (a ±1 novelty output) is not supported');
  const rho = ctx.attrs.floats('rho', []);
  if (rho.length < 1) notLowerable('rho is missing');
  const s = linearScores(ctx, foldedWeights(ctx, ctx.attrs.floats('coefficients'), F), [rho[0]], F, id, N, 'scores');
  emitPostTransform(ctx, s.id, N, 1, ctx.attrs.string('post_transform', 'NONE'), 0);
}

export function lowerSVMClassifier(ctx: LowerContext): void {
  linearKernel(ctx);
  const { id, N, F } = rows(ctx);
  const ints = ctx.attrs.ints('classlabels_ints', []);
  const strings = ctx.attrs.strings('classlabels_strings', []);
  const labels: (number | string)[] = strings.length ? strings : ints;
  if (labels.length < 2) notLowerable(`${labels.length} class labels`);
  if (supportCount(ctx) === 0) notLowerable('liblinear mode (no support vectors) is not supported; export the model as a LinearClassifier');
  if (ctx.attrs.floats('prob_a', []).length > 0) notLowerable('Platt probabilities (probability=True) are not supported; retrain with probability=False');
  const transform = ctx.attrs.string('post_transform', 'NONE');
  if (transform !== 'NONE') notLowerable(`post_transform ${transform} is not supported (NONE is)`);
  const rho = ctx.attrs.floats('rho', []);
  if (rho.length < 1) notLowerable('rho is missing');
  if (labels.length > 2) return oneVsOne(ctx, labels, rho, id, N, F);
  // one classifier between class 0 and class 1: s = Σ coef·<x, sv> + rho; a vote for class 0 when s > 0
  const s = linearScores(ctx, foldedWeights(ctx, ctx.attrs.floats('coefficients'), F), [rho[0]], F, id, N, 'decision');
  ctx.emit({ op: 'threshold', threshold: 0 }, [s.id], [N], 'int', 0);
  // threshold gives index 1 when s > 0: that is class 0's label
  ctx.labels(0, [labels[1], labels[0]]);
  // the scores onnxruntime writes for one classifier without a transform: [-s, s]
  if (ctx.outputCount() > 1) ctx.emit({ op: 'binaryScores', mode: 'negate' }, [s.id], [N, 2], 'real', 1);
}

/**
 * C classes, one classifier per pair (i, j), i < j, in onnxruntime's order: s_ij = Σ_{m ∈ i} coef[j−1][m]·<x, sv_m>
 * + Σ_{m ∈ j} coef[i][m]·<x, sv_m> + rho_ij, folded per pair. A classifier votes for i when s_ij > 0, else for j;
 * the label is the first class with the most votes. Votes are exact small integers: the 0/1 decisions times
 * ±1 plus a constant, then argmax (first maximum), as onnxruntime's max_element picks.
 */
function oneVsOne(ctx: LowerContext, labels: (number | string)[], rho: number[], xId: string, N: number, F: number): void {
  const C = labels.length;
  const perClass = ctx.attrs.ints('vectors_per_class', []);
  if (perClass.length !== C) notLowerable(`vectors_per_class has ${perClass.length} entries for ${C} classes`);
  const V = supportCount(ctx);
  const coef = ctx.attrs.floats('coefficients');
  const sv = ctx.attrs.floats('support_vectors', []);
  if (coef.length < (C - 1) * V || sv.length !== V * F) notLowerable(`coefficients/support_vectors do not match ${C} classes and ${V} support vectors of ${F} features`);
  const P = (C * (C - 1)) / 2;
  if (rho.length < P) notLowerable(`${rho.length} rho values for ${P} class pairs`);
  const start = perClass.map((_, c) => perClass.slice(0, c).reduce((a, b) => a + b, 0));
  const W: number[] = [];
  const pairs: [number, number][] = [];
  for (let i = 0; i < C - 1; i++)
    for (let j = i + 1; j < C; j++) {
      const w = new Array<number>(F).fill(0);
      // class i's vectors with coefficient row j − 1, class j's with row i
      fold(w, coef.slice((j - 1) * V, j * V), sv, start[i], start[i] + perClass[i]);
      fold(w, coef.slice(i * V, (i + 1) * V), sv, start[j], start[j] + perClass[j]);
      W.push(...w);
      pairs.push([i, j]);
    }
  const s = linearScores(ctx, W, rho.slice(0, P), F, xId, N, 'decisions');
  const t = ctx.emitTemp({ op: 'threshold', threshold: 0 }, [s.id], [N, P], 'int', 'wins');
  // votes_c = Σ_{pairs (c, j)} t + Σ_{pairs (i, c)} (1 − t)
  const A = new Float64Array(C * P);
  const base = new Float64Array(C);
  pairs.forEach(([i, j], p) => {
    A[i * P + p] = 1;
    A[j * P + p] = -1;
    base[j] += 1;
  });
  const votes = ctx.emitTemp({ op: 'matmul', batches: 1, M: N, K: P, N: C, aOffsets: [0], wOffsets: [0], W: A, bias: base }, [t], [N, C], 'real', 'votes');
  ctx.emit({ op: 'argmax', outer: N, axisLen: C, inner: 1, selectLast: false }, [votes], [N], 'int', 0);
  ctx.labels(0, labels);
  // without a transform onnxruntime writes the P pair decisions
  if (ctx.outputCount() > 1) ctx.alias(s.id, [N, P], 1);
}
