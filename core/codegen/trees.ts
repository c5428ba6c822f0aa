// Tree ensembles. `branches`: each tree is nested `if x[f] <= t` code, a leaf adds its weights to the
// scores (no multiplications, one compare and branch per level). `table`: the nodes are arrays walked by
// fixed.rs `tree_leaf` (small code for large forests). Thresholds were snapped by the planner so that the
// integer test decides exactly as the float model does for every representable input.
import type { LayerCode, LayerCtx } from './layer';
import { docComment, forLoop, indent, narrow, paramsOf, tensorOf, writeSignature } from './layer';
import { MAX_BRANCH_DEPTH, MAX_BRANCH_NODES } from './lowering';
import { constName, intLit, rustType, staticArray } from './rust';
import type { QTreeRef } from '../quant/types';
import { treeDepthRange } from '../quant/plan-trees';

/** Which lowering a tree layer gets, and why when it differs from the one asked for. */
export function treeLowering(ctx: LayerCtx): 'branches' | 'table' {
  const p = paramsOf(ctx, 'trees');
  const nodes = p.trees.reduce((a, t) => a + t.nodes.length, 0);
  const hasSets = p.trees.some((t) => t.nodes.some((n) => n.le === undefined));
  const deep = p.trees.some((t) => treeDepthRange(t)[1] > MAX_BRANCH_DEPTH);
  const asked = ctx.lowering.trees;
  if (asked === 'table' && hasSets) {
    ctx.notes.push(`${ctx.fn}: trees test set membership, which the table lowering does not encode; written as branches`);
    return 'branches';
  }
  if (asked === 'branches' && deep && !hasSets) {
    ctx.notes.push(`${ctx.fn}: a tree deeper than ${MAX_BRANCH_DEPTH} levels is written as a table (nested code would pass rustfmt's line width)`);
    return 'table';
  }
  if (asked !== 'auto') return asked;
  return !hasSets && (nodes > MAX_BRANCH_NODES || deep) ? 'table' : 'branches';
}

export function emitTrees(ctx: LayerCtx): LayerCode {
  const op = ctx.qn.node.op;
  if (op.op !== 'trees') throw new Error('internal: not trees');
  const p = paramsOf(ctx, 'trees');
  const x = tensorOf(ctx, ctx.qn.node.inputs[0]);
  const T = op.nTargets;
  const F = op.nFeatures;
  const rows = x.qlo.length / F;
  const minmax = op.aggregate === 'MIN' || op.aggregate === 'MAX';
  const acc = minmax ? 'i64' : p.acc;
  const xt = rustType(x.format.storage);
  const lowering = treeLowering(ctx);
  ctx.decisions[ctx.fn] = `trees: ${lowering}`;
  const items: string[][] = [];
  const baseName = constName(ctx.fn, 'BASE');
  items.push(staticArray(baseName, 'i64', p.base, [`\`${ctx.qn.node.origin.name}\` base values per target at the leaf scale (Q.${p.leafFrac}).`], 'const'));
  const xf = (f: number) => (rows > 1 ? `x[r * ${F} + ${f}]` : `x[${f}]`);
  const leafLines = (leaf: { target: number; q: number }[]): string[] => {
    const out: string[] = [];
    for (const w of leaf) {
      if (minmax) out.push(`combine_${op.aggregate === 'MIN' ? 'min' : 'max'}(&mut s[${w.target}], &mut seen[${w.target}], ${intLit(w.q)});`);
      else if (w.q !== 0) out.push(`s[${w.target}] += ${intLit(w.q, acc)};`);
    }
    return out;
  };
  const body: string[] = [`let mut s = [0${acc}; ${T}];`];
  if (minmax) body.push(`let mut seen = [false; ${T}];`);
  if (lowering === 'branches') {
    p.trees.forEach((tree, ti) => {
      body.push(`// tree ${ti}`);
      const walk = (ref: QTreeRef, leafNo: { n: number }): string[] => {
        if ('leaf' in ref) {
          const lines = leafLines(tree.leaves[ref.leaf]);
          return lines.length ? lines : [`// leaf ${ref.leaf}: adds nothing`];
        }
        const n = tree.nodes[ref.node];
        let cond: string;
        if (n.le !== undefined) cond = `${xf(n.feature)} <= ${intLit(n.le, xt as 'i32')}`;
        else {
          const set = n.oneOf!.map((v) => intLit(v, xt as 'i32'));
          cond = `matches!(${xf(n.feature)}, ${set.join(' | ')})`;
          if (cond.length > 60) {
            const name = constName(ctx.fn, `SET_${ti}_${ref.node}`);
            items.push(staticArray(name, xt, n.oneOf!, [`Members tested by tree ${ti} node ${ref.node}.`], 'const'));
            cond = `${name}.contains(&${xf(n.feature)})`;
          }
        }
        return [`if ${cond} {`, ...indent(walk(n.yes, leafNo)), '} else {', ...indent(walk(n.no, leafNo)), '}'];
      };
      body.push(...walk(tree.root, { n: 0 }));
    });
  } else {
    const feature: number[] = [];
    const threshold: number[] = [];
    const yes: number[] = [];
    const no: number[] = [];
    const roots: number[] = [];
    const leafStart: number[] = [0];
    const leafTarget: number[] = [];
    const leafValue: number[] = [];
    for (const tree of p.trees) {
      const nodeBase = feature.length;
      const leafBase = leafStart.length - 1;
      const ref = (r: QTreeRef) => ('leaf' in r ? -1 - (leafBase + r.leaf) : nodeBase + r.node);
      for (const n of tree.nodes) {
        if (n.le === undefined) throw new Error('internal: set node in a tree table');
        if (n.feature < 0 || n.feature >= F) throw new Error(`internal: feature ${n.feature} out of range`);
        feature.push(n.feature);
        threshold.push(n.le);
        yes.push(ref(n.yes));
        no.push(ref(n.no));
      }
      roots.push(ref(tree.root));
      for (const leaf of tree.leaves) {
        for (const w of leaf) {
          if (!minmax && w.q === 0) continue;
          leafTarget.push(w.target);
          leafValue.push(w.q);
        }
        leafStart.push(leafTarget.length);
      }
    }
    const N = (s: string) => constName(ctx.fn, s);
    const origin = ctx.qn.node.origin.name;
    items.push(staticArray(N('FEATURE'), 'u16', feature, [`\`${origin}\` tree tables: feature tested by each node.`]));
    items.push(staticArray(N('THRESHOLD'), 'i32', threshold, ['Go to YES when x[feature] <= threshold (at the input scale).']));
    items.push(staticArray(N('YES'), 'i32', yes, ['Next node when the test holds; a negative value r is the leaf -1 - r.']));
    items.push(staticArray(N('NO'), 'i32', no, ['Next node when the test fails.']));
    items.push(staticArray(N('ROOTS'), 'i32', roots, ['Root of each tree.']));
    items.push(staticArray(N('LEAF_START'), 'u32', leafStart, ['Weights of leaf l: LEAF_TARGET/LEAF_VALUE[LEAF_START[l]..LEAF_START[l + 1]].']));
    items.push(staticArray(N('LEAF_TARGET'), 'u16', leafTarget, ['Target of each leaf weight.']));
    items.push(staticArray(N('LEAF_VALUE'), acc, leafValue, [`Leaf weights at Q.${p.leafFrac}.`]));
    const bind = minmax ? `            let q = ${N('LEAF_VALUE')}[k];` : null;
    body.push(
      forLoop('t', p.trees.length),
      '    let leaf = tree_leaf(',
      `        ${rows > 1 ? `&x[r * ${F}..r * ${F} + ${F}]` : 'x'},`,
      `        ${N('ROOTS')}[t],`,
      `        &${N('FEATURE')},`,
      `        &${N('THRESHOLD')},`,
      `        &${N('YES')},`,
      `        &${N('NO')},`,
      '    );',
      `    let k0 = ${N('LEAF_START')}[leaf] as usize;`,
      `    let k1 = ${N('LEAF_START')}[leaf + 1] as usize;`,
      '    for k in k0..k1 {',
      `        let t = ${N('LEAF_TARGET')}[k] as usize;`,
      ...(bind ? [bind.slice(4), `        combine_${op.aggregate === 'MIN' ? 'min' : 'max'}(&mut s[t], &mut seen[t], q);`] : [`        s[t] += ${N('LEAF_VALUE')}[k];`]),
      '    }',
      '}',
    );
  }
  const yi = rows > 1 ? `r * ${T} + t` : 't';
  const a = op.aggregate === 'AVERAGE' ? `div_round(s[t] as i64, ${p.nTrees})` : acc === 'i64' ? 's[t]' : 's[t] as i64';
  body.push(forLoop('t', T), `    let v = ${a} + ${baseName}[t];`, `    y[${yi}] = ${narrow(ctx, 'v', p.shift)};`, '}');
  const wrapped = rows > 1 ? [forLoop('r', rows), ...indent(body), '}'] : body;
  const nodes = p.trees.reduce((n, t) => n + t.nodes.length, 0);
  const leaves = p.trees.reduce((n, t) => n + t.leaves.length, 0);
  const detail = [
    `${p.trees.length} tree(s), ${nodes} decision nodes and ${leaves} leaves after pruning to the input box, ${T} target(s), aggregate ${op.aggregate}; leaves at Q.${p.leafFrac}, scores ${acc}.`,
    `Lowering: ${lowering === 'branches' ? 'nested branches' : 'node tables walked by tree_leaf'}; output = ${op.aggregate === 'AVERAGE' ? `div_round(sum, ${p.nTrees})` : 'score'} + base, rescaled by ${p.shift}.`,
  ];
  const fn = [...docComment(ctx, detail)];
  // deeply nested trees are long; the lint about too many lines does not apply to generated code
  fn.push(...writeSignature(ctx), ...indent(wrapped), '}');
  return { items, fn, kind: 'write' };
}
