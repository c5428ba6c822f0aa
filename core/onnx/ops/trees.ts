// Tree ensembles: ai.onnx.ml TreeEnsembleClassifier / TreeEnsembleRegressor (legacy, what skl2onnx still
// writes) and TreeEnsemble (ml opset 5), normalised to one IR `trees` op. Classifier heads follow
// onnxruntime's tree_ensemble_aggregator.h, binary-case conventions included (see
// ../shared/reference/onchain-ml-landscape.md §5): skl2onnx stores only one class's weight for two classes.
import type { Aggregate, Tree, TreeLeaf, TreeMode, TreeNode, TreeRef } from '../../ir/graph';
import { finiteValues, tensorValues } from '../model';
import { notLowerable, type LowerContext } from './context';
import { emitPostTransform } from './ml-linear';

const LEGACY_MODES: Record<string, TreeMode | 'LEAF'> = {
  BRANCH_LEQ: 'LEQ',
  BRANCH_LT: 'LT',
  BRANCH_GTE: 'GTE',
  BRANCH_GT: 'GT',
  BRANCH_EQ: 'EQ',
  BRANCH_NEQ: 'NEQ',
  LEAF: 'LEAF',
};

function floatsOrTensor(ctx: LowerContext, name: string, dflt?: number[]): number[] {
  const t = ctx.attrs.tensor(`${name}_as_tensor`);
  if (t) return Array.from(finiteValues(t, `${ctx.where} attribute ${name}_as_tensor`));
  const v = ctx.attrs.floats(name, dflt);
  const bad = v.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) notLowerable(`attribute ${name} has a non-finite value at index ${bad}`);
  return v;
}

interface LegacyEnsemble {
  trees: Tree[];
  /** classes or targets referenced by leaf weights */
  targetsUsed: Set<number>;
  allWeightsPositive: boolean;
}

/** Legacy encoding: nodes identified by (tree id, node id); leaves are nodes with mode LEAF. */
function legacyTrees(ctx: LowerContext, prefix: 'class' | 'target'): LegacyEnsemble {
  const treeIds = ctx.attrs.ints('nodes_treeids');
  const nodeIds = ctx.attrs.ints('nodes_nodeids');
  const features = ctx.attrs.ints('nodes_featureids');
  const modes = ctx.attrs.strings('nodes_modes');
  const values = floatsOrTensor(ctx, 'nodes_values', []);
  const trueIds = ctx.attrs.ints('nodes_truenodeids');
  const falseIds = ctx.attrs.ints('nodes_falsenodeids');
  const missing = ctx.attrs.ints('nodes_missing_value_tracks_true', []);
  const n = treeIds.length;
  for (const [name, arr] of [['nodes_nodeids', nodeIds], ['nodes_featureids', features], ['nodes_modes', modes], ['nodes_truenodeids', trueIds], ['nodes_falsenodeids', falseIds]] as const) {
    if (arr.length !== n) notLowerable(`${name} has ${arr.length} entries, nodes_treeids has ${n}`);
  }
  // node key → (tree, is leaf, local index)
  const order = [...new Set(treeIds)];
  const local = new Map<string, { tree: number; ref: TreeRef }>();
  const trees: Tree[] = order.map(() => ({ root: { node: 0 }, nodes: [], leaves: [] }));
  const treeIndex = new Map(order.map((t, i) => [t, i]));
  const minNode = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const mode = LEGACY_MODES[modes[i]];
    if (!mode) notLowerable(`node mode ${modes[i]} is not supported`);
    const t = treeIndex.get(treeIds[i])!;
    const tree = trees[t];
    const ref: TreeRef = mode === 'LEAF' ? { leaf: tree.leaves.push({ weights: [] }) - 1 } : { node: tree.nodes.length };
    if (mode !== 'LEAF') {
      tree.nodes.push({ feature: features[i], mode, threshold: values[i] ?? 0, whenTrue: { leaf: -1 }, whenFalse: { leaf: -1 }, missingTracksTrue: (missing[i] ?? 0) === 1 });
    }
    const key = `${treeIds[i]}/${nodeIds[i]}`;
    if (local.has(key)) notLowerable(`node id ${nodeIds[i]} appears twice in tree ${treeIds[i]}`);
    local.set(key, { tree: t, ref });
    if (!minNode.has(t) || nodeIds[i] < minNode.get(t)!) {
      minNode.set(t, nodeIds[i]);
      tree.root = ref;
    }
  }
  const find = (treeId: number, nodeId: number): TreeRef => {
    const hit = local.get(`${treeId}/${nodeId}`);
    if (!hit) notLowerable(`tree ${treeId} refers to node ${nodeId}, which does not exist`);
    return hit.ref;
  };
  for (let i = 0; i < n; i++) {
    if (modes[i] === 'LEAF') continue;
    const { tree, ref } = local.get(`${treeIds[i]}/${nodeIds[i]}`)!;
    const node = trees[tree].nodes[(ref as { node: number }).node];
    node.whenTrue = find(treeIds[i], trueIds[i]);
    node.whenFalse = find(treeIds[i], falseIds[i]);
  }
  const wTree = ctx.attrs.ints(`${prefix}_treeids`);
  const wNode = ctx.attrs.ints(`${prefix}_nodeids`);
  const wIds = ctx.attrs.ints(`${prefix}_ids`);
  const wValues = floatsOrTensor(ctx, `${prefix}_weights`);
  const targetsUsed = new Set<number>();
  let allWeightsPositive = true;
  for (let i = 0; i < wTree.length; i++) {
    const ref = find(wTree[i], wNode[i]);
    if (!('leaf' in ref)) notLowerable(`a ${prefix} weight is attached to interior node ${wNode[i]} of tree ${wTree[i]}`);
    trees[treeIndex.get(wTree[i])!].leaves[ref.leaf].weights.push({ target: wIds[i], value: wValues[i] });
    targetsUsed.add(wIds[i]);
    if (wValues[i] < 0) allWeightsPositive = false;
  }
  checkAcyclic(trees);
  return { trees, targetsUsed, allWeightsPositive };
}

/** Every tree must be a tree: each node reached once from the root (no cycles, no sharing). */
function checkAcyclic(trees: Tree[]): void {
  trees.forEach((tree, t) => {
    const seen = new Set<number>();
    const stack: TreeRef[] = [tree.root];
    while (stack.length) {
      const r = stack.pop()!;
      if ('leaf' in r) continue;
      if (seen.has(r.node)) notLowerable(`tree ${t} is not a tree (node reached twice)`);
      seen.add(r.node);
      const node = tree.nodes[r.node];
      stack.push(node.whenTrue, node.whenFalse);
    }
  });
}

function aggregateOf(name: string): Aggregate {
  if (name === 'SUM' || name === 'AVERAGE' || name === 'MIN' || name === 'MAX') return name;
  notLowerable(`aggregate_function ${name} is not supported`);
}

function inputRows(ctx: LowerContext): { id: string; N: number; F: number } {
  const x = ctx.tensorInput(0);
  const s = x.shape;
  if (s.length === 1) return { id: x.id, N: 1, F: s[0] };
  if (s.length !== 2) notLowerable(`expects a [N, features] input, got ${JSON.stringify(s)}`);
  return { id: x.id, N: s[0], F: s[1] };
}

function checkFeatures(trees: Tree[], F: number): void {
  for (const tree of trees) for (const node of tree.nodes) if (node.feature < 0 || node.feature >= F) notLowerable(`a node tests feature ${node.feature}, the input has ${F}`);
}

export function lowerTreeEnsembleRegressor(ctx: LowerContext): void {
  const { id, N, F } = inputRows(ctx);
  const { trees } = legacyTrees(ctx, 'target');
  checkFeatures(trees, F);
  const nTargets = ctx.attrs.int('n_targets', 1);
  const aggregate = aggregateOf(ctx.attrs.string('aggregate_function', 'SUM'));
  const baseValues = floatsOrTensor(ctx, 'base_values', []);
  if (baseValues.length !== 0 && baseValues.length !== nTargets) notLowerable(`${baseValues.length} base_values for ${nTargets} targets`);
  const base = baseValues.length ? Float64Array.from(baseValues) : new Float64Array(nTargets);
  const scores = ctx.emitTemp({ op: 'trees', nFeatures: F, nTargets, trees, aggregate, base }, [id], [N, nTargets], 'real', 'scores');
  emitPostTransform(ctx, scores, N, nTargets, ctx.attrs.string('post_transform', 'NONE'), 0);
}

export function lowerTreeEnsembleClassifier(ctx: LowerContext): void {
  const { id, N, F } = inputRows(ctx);
  const { trees, targetsUsed, allWeightsPositive } = legacyTrees(ctx, 'class');
  checkFeatures(trees, F);
  const ints = ctx.attrs.ints('classlabels_int64s', []);
  const strings = ctx.attrs.strings('classlabels_strings', []);
  const labels: (number | string)[] = strings.length ? strings : ints;
  const C = labels.length;
  if (C === 0) notLowerable('no class labels');
  const transform = ctx.attrs.string('post_transform', 'NONE');
  const baseValues = floatsOrTensor(ctx, 'base_values', []);
  for (const c of targetsUsed) if (c < 0 || c >= C) notLowerable(`a leaf votes for class ${c}, there are ${C} labels`);
  const withProba = ctx.outputCount() > 1;

  if (C > 2) {
    for (let c = 0; c < C; c++) {
      if (!targetsUsed.has(c) && baseValues.length === 0) notLowerable(`class ${c} receives no leaf weight; onnxruntime would skip it in the argmax`);
    }
    if (baseValues.length !== 0 && baseValues.length !== C) notLowerable(`${baseValues.length} base_values for ${C} classes`);
    const base = baseValues.length ? Float64Array.from(baseValues) : new Float64Array(C);
    const scores = ctx.emitTemp({ op: 'trees', nFeatures: F, nTargets: C, trees, aggregate: 'SUM', base }, [id], [N, C], 'real', 'scores');
    ctx.emit({ op: 'argmax', outer: N, axisLen: C, inner: 1, selectLast: false }, [scores], [N], 'int', 0);
    ctx.labels(0, labels);
    if (withProba) emitPostTransform(ctx, scores, N, C, transform, 1);
    return;
  }

  if (transform === 'PROBIT' || transform === 'SOFTMAX_ZERO') notLowerable(`post_transform ${transform} is not supported`);
  if (targetsUsed.size === 2) {
    // both classes carry weights: onnxruntime labels by score[1] > 0 and writes 0/1, not the class labels
    const base = Float64Array.from({ length: 2 }, (_, i) => baseValues[i] ?? 0);
    if (baseValues.length === 1) base[1] = 0;
    const scores = ctx.emitTemp({ op: 'trees', nFeatures: F, nTargets: 2, trees, aggregate: 'SUM', base }, [id], [N, 2], 'real', 'scores');
    const s1 = ctx.emitTemp({ op: 'matmul', batches: 1, M: N, K: 2, N: 1, aOffsets: [0], wOffsets: [0], W: Float64Array.of(0, 1), bias: null }, [scores], [N, 1], 'real', 'score1');
    ctx.emit({ op: 'threshold', threshold: 0 }, [s1], [N], 'int', 0);
    ctx.labels(0, [0, 1]);
    if (withProba) emitPostTransform(ctx, scores, N, 2, transform, 1);
    return;
  }
  const weightClass = [...targetsUsed][0] ?? 0;
  if (weightClass !== 0) notLowerable(`a two-class ensemble whose only weights are for class ${weightClass} is not supported (skl2onnx writes class 0)`);
  // one score p per row: the probability (or margin) of the second class
  const remapped = trees.map((t) => ({ ...t, leaves: t.leaves.map((l): TreeLeaf => ({ weights: l.weights.map((w) => ({ target: 0, value: w.value })) })) }));
  const base = Float64Array.of(baseValues[0] ?? 0);
  const p = ctx.emitTemp({ op: 'trees', nFeatures: F, nTargets: 1, trees: remapped, aggregate: 'SUM', base }, [id], [N, 1], 'real', 'score');
  if (C === 1) {
    // a single class: onnxruntime returns 1 when the score is positive, else 0
    ctx.emit({ op: 'threshold', threshold: 0 }, [p], [N], 'int', 0);
    ctx.labels(0, [0, 1]);
    if (withProba) emitPostTransform(ctx, p, N, 1, transform, 1);
    return;
  }
  ctx.emit({ op: 'threshold', threshold: allWeightsPositive ? 0.5 : 0 }, [p], [N], 'int', 0);
  ctx.labels(0, labels);
  if (withProba) {
    const mode = allWeightsPositive ? 'complement' : transform === 'LOGISTIC' ? 'logistic' : 'negate';
    ctx.emit({ op: 'binaryScores', mode }, [p], [N, 2], 'real', 1);
  }
}

const OPSET5_MODES: TreeMode[] = ['LEQ', 'LT', 'GTE', 'GT', 'EQ', 'NEQ', 'MEMBER'];
const OPSET5_AGGREGATE: Aggregate[] = ['AVERAGE', 'SUM', 'MIN', 'MAX'];
const OPSET5_TRANSFORM = ['NONE', 'SOFTMAX', 'LOGISTIC', 'SOFTMAX_ZERO', 'PROBIT'];

/** TreeEnsemble (ml opset 5): interior nodes and leaves in separate tuples, shared by all trees. */
export function lowerTreeEnsemble(ctx: LowerContext): void {
  const { id, N, F } = inputRows(ctx);
  const t = (name: string) => ctx.attrs.tensor(name);
  const tensorOf = (name: string): number[] => {
    const tp = t(name);
    if (!tp) notLowerable(`attribute ${name} is missing`);
    return Array.from(finiteValues(tp, `${ctx.where} attribute ${name}`));
  };
  const roots = ctx.attrs.ints('tree_roots');
  const features = ctx.attrs.ints('nodes_featureids');
  // MEMBER nodes carry NaN splits; the others must be finite (checked below)
  const splits = (() => {
    const tp = t('nodes_splits');
    if (!tp) notLowerable('attribute nodes_splits is missing');
    return Array.from(tensorValues(tp, `${ctx.where} attribute nodes_splits`));
  })();
  const modes = (() => {
    const tp = t('nodes_modes');
    if (!tp) notLowerable('attribute nodes_modes is missing');
    return Array.from(finiteValues(tp, `${ctx.where} attribute nodes_modes`));
  })();
  const trueIds = ctx.attrs.ints('nodes_truenodeids');
  const trueLeaf = ctx.attrs.ints('nodes_trueleafs');
  const falseIds = ctx.attrs.ints('nodes_falsenodeids');
  const falseLeaf = ctx.attrs.ints('nodes_falseleafs');
  const missing = ctx.attrs.ints('nodes_missing_value_tracks_true', []);
  const leafTargets = ctx.attrs.ints('leaf_targetids');
  const leafWeights = tensorOf('leaf_weights');
  const nTargets = ctx.attrs.int('n_targets');
  const aggregate = OPSET5_AGGREGATE[ctx.attrs.int('aggregate_function', 1)];
  const transform = OPSET5_TRANSFORM[ctx.attrs.int('post_transform', 0)];
  if (!aggregate) notLowerable('aggregate_function out of range');
  if (!transform) notLowerable('post_transform out of range');
  // membership sets, NaN-delimited, in the order MEMBER nodes appear
  const memberSets: number[][] = [];
  const mtp = t('membership_values');
  if (mtp) {
    let cur: number[] = [];
    for (const v of (() => {
      // NaN is the delimiter here, so read without the finiteness check
      const vals: number[] = [];
      const raw = mtp.rawData;
      if (raw && raw.length) {
        const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
        const size = mtp.dataType === 11 ? 8 : 4;
        for (let i = 0; i < raw.length / size; i++) vals.push(size === 8 ? dv.getFloat64(i * 8, true) : dv.getFloat32(i * 4, true));
      } else vals.push(...(mtp.floatData ?? []), ...(mtp.doubleData ?? []));
      return vals;
    })()) {
      if (Number.isNaN(v)) {
        memberSets.push(cur);
        cur = [];
      } else cur.push(v);
    }
    if (cur.length) memberSets.push(cur);
  }
  let memberIndex = 0;
  const globalNodes = features.map((feature, i) => {
    const mode = OPSET5_MODES[modes[i]];
    if (!mode) notLowerable(`node mode ${modes[i]} is not supported`);
    const members = mode === 'MEMBER' ? memberSets[memberIndex++] : undefined;
    if (mode !== 'MEMBER' && !Number.isFinite(splits[i])) notLowerable(`node ${i} has a non-finite split value`);
    if (mode === 'MEMBER' && !members) notLowerable('membership_values has fewer sets than MEMBER nodes');
    return { feature, mode, threshold: splits[i], members, missingTracksTrue: (missing[i] ?? 0) === 1 };
  });
  // each tree gets the nodes and leaves reachable from its root, renumbered locally
  const trees: Tree[] = roots.map((root) => {
    const tree: Tree = { root: { node: 0 }, nodes: [], leaves: [] };
    const leafMap = new Map<number, number>();
    const leafRef = (g: number): TreeRef => {
      if (g < 0 || g >= leafTargets.length) notLowerable(`leaf ${g} does not exist`);
      if (!leafMap.has(g)) {
        leafMap.set(g, tree.leaves.length);
        tree.leaves.push({ weights: [{ target: leafTargets[g], value: leafWeights[g] }] });
      }
      return { leaf: leafMap.get(g)! };
    };
    const visiting = new Set<number>();
    const build = (g: number): TreeRef => {
      if (g < 0 || g >= globalNodes.length) notLowerable(`node ${g} does not exist`);
      if (visiting.has(g)) notLowerable(`tree rooted at ${root} is not a tree`);
      visiting.add(g);
      const src = globalNodes[g];
      const index = tree.nodes.length;
      const node: TreeNode = { ...src, whenTrue: { leaf: -1 }, whenFalse: { leaf: -1 } };
      tree.nodes.push(node);
      node.whenTrue = trueLeaf[g] === 1 ? leafRef(trueIds[g]) : build(trueIds[g]);
      node.whenFalse = falseLeaf[g] === 1 ? leafRef(falseIds[g]) : build(falseIds[g]);
      return { node: index };
    };
    tree.root = build(root);
    return tree;
  });
  checkFeatures(trees, F);
  for (const tgt of leafTargets) if (tgt < 0 || tgt >= nTargets) notLowerable(`a leaf targets ${tgt}, n_targets is ${nTargets}`);
  const scores = ctx.emitTemp({ op: 'trees', nFeatures: F, nTargets, trees, aggregate, base: new Float64Array(nTargets) }, [id], [N, nTargets], 'real', 'scores');
  emitPostTransform(ctx, scores, N, nTargets, transform, 0);
}
