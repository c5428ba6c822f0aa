// The parts of stylus-ml.json that follow from the quantisation plan: inputs, outputs and layers (line
// ranges and ink are filled in by codegen), and the Rust name of each layer's function.
import { opCost } from '../ir/cost';
import { valueOfKey } from '../quant/f32';
import type { AccWidth, Plan, Storage } from '../quant/types';
import type { LayerSource, Manifest, ManifestInput, ManifestLayer, ManifestOutput, TensorFormat } from './schema';

const hull = (lo: ArrayLike<number>, hi: ArrayLike<number>, frac: number): [number, number] => {
  let a = Infinity;
  let b = -Infinity;
  for (let i = 0; i < lo.length; i++) {
    a = Math.min(a, lo[i]);
    b = Math.max(b, hi[i]);
  }
  return lo.length ? [a * 2 ** -frac, b * 2 ** -frac] : [0, 0];
};

/** The plan-derived parts of the manifest: inputs, outputs and layers (lines and ink are filled by codegen). */
export function manifestFromPlan(plan: Plan): Pick<Manifest, 'inputs' | 'outputs' | 'layers' | 'totals'> {
  const t = (id: string) => plan.tensors.get(id)!;
  const fmt = (id: string): TensorFormat => ({ storage: t(id).format.storage, fracBits: t(id).format.frac, ...(t(id).format.float32 ? { float32: true as const } : {}) });
  const affine = (id: string) => (t(id).format.scale !== undefined ? { scale: t(id).format.scale!, zeroPoint: t(id).format.zeroPoint ?? 0 } : {});
  const real = (id: string, lo: ArrayLike<number>, hi: ArrayLike<number>): [number, number] => {
    const f = t(id).format;
    if (f.float32) {
      const [a, b] = hull(lo, hi, 0);
      return lo.length ? [valueOfKey(a), valueOfKey(b)] : [0, 0];
    }
    if (f.scale === undefined) return hull(lo, hi, f.frac);
    const [a, b] = hull(lo, hi, 0);
    return lo.length ? [(a - (f.zeroPoint ?? 0)) * f.scale, (b - (f.zeroPoint ?? 0)) * f.scale] : [0, 0];
  };
  const inputs: ManifestInput[] = plan.graph.inputs.map((i) => {
    const q = t(i.id);
    const box = plan.options.boxes.get(i.id)!;
    return { name: i.name, shape: i.shape, ...fmt(i.id), ...affine(i.id), range: real(i.id, q.qlo, q.qhi), kind: i.kind, onnxType: i.onnxType, box: { lo: Array.from(box.lo), hi: Array.from(box.hi) } };
  });
  const outputs: ManifestOutput[] = plan.graph.outputs.map((o) => {
    const q = t(o.id);
    return { name: o.name, shape: q.shape, ...fmt(o.id), ...affine(o.id), range: real(o.id, q.qlo, q.qhi), kind: q.kind, errorBound: q.errorBound, errorBoundOnGrid: q.errorBoundOnGrid, ...(o.classLabels ? { classLabels: o.classLabels } : {}) };
  });
  // wiring: the layer (and which of its outputs) or graph input each layer input is
  const producers = new Map<string, LayerSource>();
  plan.graph.inputs.forEach((inp, i) => producers.set(inp.id, { input: i }));
  plan.nodes.forEach((qn, index) => qn.node.outputs.forEach((id, output) => producers.set(id, { layer: index, output })));
  const layers: ManifestLayer[] = plan.nodes.map((qn, index) => {
    const out = t(qn.node.outputs[0]);
    const p = qn.params as { W?: { format: { storage: Storage; frac: number }; q: Int32Array }; scale?: { format: { storage: Storage; frac: number } }; acc?: AccWidth; shift?: number };
    const w = p.W ?? p.scale;
    const { params, macs } = opCost(qn.node.op, out.shape);
    return {
      index,
      name: qn.node.origin.name,
      ...(qn.node.inputs.every((id) => producers.has(id)) ? { sources: qn.node.inputs.map((id) => producers.get(id)!) } : {}),
      fn: rustFnName(qn.node.origin.name, index),
      op: qn.node.op.op,
      onnxOp: qn.node.origin.opType,
      inputShapes: qn.node.inputs.map((i) => t(i).shape),
      outputShape: out.shape,
      params,
      macs,
      inputFormats: qn.node.inputs.map(fmt),
      outputFormat: fmt(qn.node.outputs[0]),
      ...(w ? { weightFormat: { storage: w.format.storage, fracBits: w.format.frac } } : {}),
      interval: real(qn.node.outputs[0], out.qlo, out.qhi),
      // a loop, not Math.min(...): a real-size tensor has more elements than a call may take arguments
      qInterval: out.qlo.length ? [out.qlo.reduce((a, b) => Math.min(a, b)), out.qhi.reduce((a, b) => Math.max(a, b))] : [0, 0],
      ...(p.acc ? { accumulator: p.acc } : {}),
      ...(p.shift !== undefined ? { shift: p.shift } : {}),
      lines: null,
      ink: null,
      gas: null,
      ...(qn.approxError !== undefined ? { approxError: qn.approxError } : {}),
    };
  });
  return {
    inputs,
    outputs,
    layers,
    totals: { params: layers.reduce((a, l) => a + l.params, 0), macs: layers.reduce((a, l) => a + l.macs, 0), estimatedGas: null, codeSize: null },
  };
}

/** A Rust identifier from an ONNX node name: `layer_<index>_<snake name>`, unique by the index. */
export function rustFnName(name: string, index: number): string {
  const snake = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40);
  return `layer_${index}${snake ? `_${snake}` : ''}`;
}
