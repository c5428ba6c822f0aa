// Tree ensembles in fixed point: thresholds snapped so that `x_q <= T` ⇔ `x <= t` for every representable
// x_q (the integer analogue of skl2onnx's threshold fix-up), branches the input box can never take pruned,
// leaf weights represented exactly where the accumulator allows.
import type { IrNode, Tree, TreeRef } from '../ir/graph';
import type { QTree, QTreeNode, QTreeRef } from './types';

type TreesOp = Extract<IrNode['op'], { op: 'trees' }>;

/** The test of one node on integer inputs, or a constant when the box decides it. */
type Snapped = { le: number; swap: boolean } | { oneOf: number[]; swap: boolean };

export function snapNode(mode: Tree['nodes'][number]['mode'], t: number, members: number[] | undefined, frac: number): Snapped {
  const s = t * 2 ** frac;
  switch (mode) {
    case 'LEQ':
      return { le: Math.floor(s), swap: false };
    case 'LT':
      return { le: Math.ceil(s) - 1, swap: false };
    case 'GTE':
      return { le: Math.ceil(s) - 1, swap: true };
    case 'GT':
      return { le: Math.floor(s), swap: true };
    case 'EQ':
      return { oneOf: Number.isInteger(s) ? [s] : [], swap: false };
    case 'NEQ':
      return { oneOf: Number.isInteger(s) ? [s] : [], swap: true };
    case 'MEMBER':
      return { oneOf: (members ?? []).map((v) => v * 2 ** frac).filter((v) => Number.isInteger(v)), swap: false };
  }
}

/**
 * Smallest frac ≥ 0 at which v·2^frac is an integer, capped at `cap` (callers only need to know whether
 * a leaf is exact at the formats an i32 can hold; 0 for integers).
 */
export function exactFrac(v: number, cap = 40): number {
  let f = 0;
  while (f < cap && !Number.isInteger(v * 2 ** f)) f++;
  return f;
}

/**
 * Snaps and prunes every tree for inputs at `frac` with feature bounds [qmin, qmax] (over all rows).
 * Leaf values are filled in later (they depend on the leaf format).
 */
export function compileTrees(op: TreesOp, frac: number, qmin: Float64Array, qmax: Float64Array): { trees: QTree[]; leafWeights: { target: number; value: number }[][][] } {
  const trees: QTree[] = [];
  const leafWeights: { target: number; value: number }[][][] = [];
  for (const tree of op.trees) {
    const out: QTree = { root: { leaf: 0 }, nodes: [], leaves: [] };
    const leaves: { target: number; value: number }[][] = [];
    const leafMap = new Map<number, number>();
    const visit = (ref: TreeRef): QTreeRef => {
      if ('leaf' in ref) {
        if (!leafMap.has(ref.leaf)) {
          leafMap.set(ref.leaf, leaves.length);
          leaves.push(tree.leaves[ref.leaf].weights);
        }
        return { leaf: leafMap.get(ref.leaf)! };
      }
      const node = tree.nodes[ref.node];
      const lo = qmin[node.feature];
      const hi = qmax[node.feature];
      const s = snapNode(node.mode, node.threshold, node.members, frac);
      const [yesRef, noRef] = s.swap ? [node.whenFalse, node.whenTrue] : [node.whenTrue, node.whenFalse];
      if ('le' in s) {
        if (s.le >= hi) return visit(yesRef); // every input in the box passes
        if (s.le < lo) return visit(noRef); // none does
        const index = out.nodes.length;
        const q: QTreeNode = { feature: node.feature, le: s.le, yes: { leaf: -1 }, no: { leaf: -1 } };
        out.nodes.push(q);
        q.yes = visit(yesRef);
        q.no = visit(noRef);
        return { node: index };
      }
      const inBox = s.oneOf.filter((v) => v >= lo && v <= hi);
      if (inBox.length === 0) return visit(noRef);
      if (lo === hi && inBox.length > 0) return visit(yesRef);
      const index = out.nodes.length;
      const q: QTreeNode = { feature: node.feature, oneOf: inBox, yes: { leaf: -1 }, no: { leaf: -1 } };
      out.nodes.push(q);
      q.yes = visit(yesRef);
      q.no = visit(noRef);
      return { node: index };
    };
    out.root = visit(tree.root);
    out.leaves = leaves.map(() => []);
    trees.push(out);
    leafWeights.push(leaves);
  }
  return { trees, leafWeights };
}

/** Decision nodes on a tree's shortest and longest root-to-leaf paths. */
export function treeDepthRange(tree: QTree): [number, number] {
  const walk = (ref: QTreeRef): [number, number] => {
    if ('leaf' in ref) return [0, 0];
    const n = tree.nodes[ref.node];
    const a = walk(n.yes);
    const b = walk(n.no);
    return [1 + Math.min(a[0], b[0]), 1 + Math.max(a[1], b[1])];
  };
  return walk(tree.root);
}
