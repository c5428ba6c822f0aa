// Graph clean-ups after import: fold per-feature affine ops (BatchNormalization, a MatMul's bias Add, a
// scaling Mul) into the linear op before them, and drop nodes no output depends on.
import type { Graph, IrNode } from './graph';
import { sizeOf } from './graph';

function consumers(g: Graph): Map<string, IrNode[]> {
  const m = new Map<string, IrNode[]>();
  for (const n of g.nodes) for (const i of n.inputs) m.set(i, [...(m.get(i) ?? []), n]);
  return m;
}

/** Per-output-feature scale/offset vectors of an affine op against `features` features repeating every `inner` elements, or null. */
function perFeature(op: Extract<IrNode['op'], { op: 'affine' }>, features: number, inner: number): { s: Float64Array; o: Float64Array } | null {
  const { mid, inner: bi } = op.broadcast;
  if (mid === 1) return { s: new Float64Array(features).fill(op.scale[0]), o: new Float64Array(features).fill(op.offset[0]) };
  if (mid === features && bi === inner) return { s: op.scale, o: op.offset };
  return null;
}

export function foldAffineIntoLinear(g: Graph): Graph {
  const outputs = new Set(g.outputs.map((o) => o.id));
  let changed = true;
  while (changed) {
    changed = false;
    const uses = consumers(g);
    const producer = new Map<string, IrNode>();
    for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
    for (const a of g.nodes) {
      if (a.op.op !== 'affine') continue;
      const t = a.inputs[0];
      const l = producer.get(t);
      if (!l || outputs.has(t) || (uses.get(t)?.length ?? 0) !== 1) continue;
      // a pre-quantized or dynamically quantized layer's arithmetic is the model's: nothing folds into it
      if ((l.op.op === 'matmul' || l.op.op === 'conv2d') && (l.op.quant || l.op.dynamic)) continue;
      const shape = g.tensors.get(t)!.shape;
      if (l.op.op === 'matmul') {
        const N = l.op.N;
        const pf = perFeature(a.op, N, 1);
        if (!pf) continue;
        const K = l.op.K;
        const W = Float64Array.from(l.op.W);
        for (let i = 0; i < W.length; i++) W[i] *= pf.s[Math.floor(i / K) % N];
        const bias = l.op.bias ? Float64Array.from(l.op.bias) : new Float64Array(N);
        for (let i = 0; i < bias.length; i++) bias[i] = bias[i] * pf.s[i % N] + pf.o[i % N];
        l.op = { ...l.op, W, bias };
      } else if (l.op.op === 'conv2d') {
        const OC = l.op.outChannels;
        const pf = perFeature(a.op, OC, sizeOf(shape.slice(2)));
        if (!pf) continue;
        const per = l.op.W.length / OC;
        const W = Float64Array.from(l.op.W);
        for (let i = 0; i < W.length; i++) W[i] *= pf.s[Math.floor(i / per)];
        const bias = l.op.bias ? Float64Array.from(l.op.bias) : new Float64Array(OC);
        for (let c = 0; c < OC; c++) bias[c] = bias[c] * pf.s[c] + pf.o[c];
        l.op = { ...l.op, W, bias };
      } else continue;
      // the linear op now writes the affine op's output
      g.tensors.delete(t);
      l.outputs = [a.outputs[0]];
      g.nodes = g.nodes.filter((n) => n !== a);
      changed = true;
      break;
    }
  }
  g.nodes.forEach((n, i) => (n.index = i));
  return g;
}

export function removeDeadNodes(g: Graph): Graph {
  const live = new Set(g.outputs.map((o) => o.id));
  const keep = new Set<IrNode>();
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    if (n.outputs.some((o) => live.has(o))) {
      keep.add(n);
      for (const inp of n.inputs) live.add(inp);
    }
  }
  g.nodes = g.nodes.filter((n) => keep.has(n));
  g.nodes.forEach((n, i) => (n.index = i));
  for (const id of [...g.tensors.keys()]) if (!live.has(id) && !g.inputs.some((x) => x.id === id)) g.tensors.delete(id);
  return g;
}
