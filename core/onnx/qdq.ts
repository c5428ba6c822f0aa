// QDQ → QOperator. onnxruntime runs a QDQ graph (QuantizeLinear/DequantizeLinear around float ops) by
// fusing each DequantizeLinear → op → QuantizeLinear group into its integer kernel (the QDQ selector/action
// transformers: Conv → QLinearConv, MatMul → QLinearMatMul, Gemm → QGemm, Add → QLinearAdd, unary ops →
// their QLinear forms, MaxPool/Reshape/Flatten/Transpose run on the integers with the Q/DQ pair dropped).
// This pass does the same on the ONNX nodes, so one set of lowerings (ops/quantized.ts) serves both
// formats and both run in integers. Groups it cannot fuse are left alone: their QuantizeLinear and
// DequantizeLinear nodes are then lowered on their own, and refused with the reason where that cannot work.
import { onnx } from 'onnx-proto';
import type { ModelProto, NodeProto } from './model';
import { normDomain } from './ops/index';

export const MS_DOMAIN = 'com.microsoft';
/** our own domain for the fused unary forms onnxruntime keeps internal (Relu between Q and DQ) */
export const STYLUS_DOMAIN = 'ai.stylus-ml';

const MOVE_OPS = new Set(['MaxPool', 'Reshape', 'Flatten', 'Transpose', 'Squeeze', 'Unsqueeze', 'Identity']);
const UNARY: Record<string, { op: string; domain: string }> = {
  Sigmoid: { op: 'QLinearSigmoid', domain: MS_DOMAIN },
  LeakyRelu: { op: 'QLinearLeakyRelu', domain: MS_DOMAIN },
  Relu: { op: 'QLinearRelu', domain: STYLUS_DOMAIN },
  Clip: { op: 'QLinearClip', domain: STYLUS_DOMAIN },
};

/** Names of the tensors a fused node needs from one Q or DQ: data, scale, zero point. */
interface QRef {
  data: string;
  scale: string;
  zp: string;
}

export function fuseQdq(model: ModelProto): { fused: string[] } {
  const g = model.graph;
  if (!g?.node?.length) return { fused: [] };
  const consts = new Set<string>((g.initializer ?? []).map((i) => i.name ?? ''));
  for (const n of g.node) if (n.opType === 'Constant' && normDomain(n.domain) === '') for (const o of n.output ?? []) consts.add(o);
  const outputs = new Set((g.output ?? []).map((o) => o.name ?? ''));
  const producer = new Map<string, NodeProto>();
  const uses = new Map<string, NodeProto[]>();
  for (const n of g.node) {
    for (const o of n.output ?? []) producer.set(o, n);
    for (const i of n.input ?? []) if (i) uses.set(i, [...(uses.get(i) ?? []), n]);
  }
  const isQ = (n: NodeProto | undefined) => !!n && normDomain(n.domain) === '' && n.opType === 'QuantizeLinear';
  const isDQ = (n: NodeProto | undefined) => !!n && normDomain(n.domain) === '' && n.opType === 'DequantizeLinear';
  // a Q or DQ whose scale and zero point are constants (anything else is refused by its own lowering)
  const constParams = (n: NodeProto) => consts.has(n.input?.[1] ?? '') && (!n.input?.[2] || consts.has(n.input[2]));
  const ref = (n: NodeProto, data: string): QRef => ({ data, scale: n.input![1], zp: n.input?.[2] ?? '' });
  /** the quantized source of a float value: DQ(x) with constant parameters */
  const dqOf = (name: string): { node: NodeProto; ref: QRef; constant: boolean } | null => {
    const p = producer.get(name);
    if (!isDQ(p) || !constParams(p!) || !p!.input?.[2]) return null;
    return { node: p!, ref: ref(p!, p!.input![0]), constant: consts.has(p!.input![0]) };
  };
  /** the single QuantizeLinear consuming a float value, when nothing else does */
  const qAfter = (name: string): NodeProto | null => {
    const u = uses.get(name) ?? [];
    if (outputs.has(name) || u.length !== 1 || !isQ(u[0]) || !constParams(u[0]) || !u[0].input?.[2]) return null;
    return u[0];
  };
  const fused: string[] = [];
  const replace = new Map<NodeProto, NodeProto>();
  const drop = new Set<NodeProto>();
  for (const n of g.node) {
    const op = n.opType ?? '';
    if (normDomain(n.domain) !== '') continue;
    const out = n.output?.[0];
    if (!out || (n.output?.length ?? 0) !== 1) continue;
    const q = qAfter(out);
    if (!q) continue;
    const y: QRef = ref(q, q.output![0]);
    const x = n.input?.[0] ? dqOf(n.input[0]) : null;
    if (!x || x.constant) continue;
    const make = (opType: string, domain: string, inputs: string[], attrs = n.attribute ?? []): NodeProto =>
      onnx.NodeProto.create({ name: n.name || out, opType, domain, input: inputs, output: [y.data], attribute: attrs });
    let f: NodeProto | null = null;
    if (op === 'Gemm' || op === 'MatMul' || op === 'Conv') {
      const w = n.input?.[1] ? dqOf(n.input[1]) : null;
      if (!w || !w.constant) continue;
      let bias = '';
      if (op !== 'MatMul' && n.input?.[2]) {
        const b = dqOf(n.input[2]);
        if (!b || !b.constant) continue;
        bias = b.ref.data;
      }
      if (op === 'Gemm') f = make('QGemm', MS_DOMAIN, [x.ref.data, x.ref.scale, x.ref.zp, w.ref.data, w.ref.scale, w.ref.zp, bias, y.scale, y.zp]);
      else if (op === 'MatMul') f = make('QLinearMatMul', '', [x.ref.data, x.ref.scale, x.ref.zp, w.ref.data, w.ref.scale, w.ref.zp, y.scale, y.zp]);
      else f = make('QLinearConv', '', [x.ref.data, x.ref.scale, x.ref.zp, w.ref.data, w.ref.scale, w.ref.zp, y.scale, y.zp, ...(bias ? [bias] : [])]);
      // the weight axis of a per-channel DQ is recorded for the lowering (QGemm/QLinearMatMul take per-column scales)
      if (w.node.attribute?.length) f.attribute = [...(f.attribute ?? []), ...w.node.attribute.filter((a) => a.name === 'axis').map((a) => onnx.AttributeProto.create({ ...a, name: 'stylus_w_axis' }))];
    } else if (op === 'Add') {
      const b = n.input?.[1] ? dqOf(n.input[1]) : null;
      if (!b) continue;
      f = make('QLinearAdd', MS_DOMAIN, [x.ref.data, x.ref.scale, x.ref.zp, b.ref.data, b.ref.scale, b.ref.zp, y.scale, y.zp], []);
    } else if (UNARY[op]) {
      f = make(UNARY[op].op, UNARY[op].domain, [x.ref.data, x.ref.scale, x.ref.zp, y.scale, y.zp, ...(n.input ?? []).slice(1)]);
    } else if (op === 'GlobalAveragePool' || op === 'AveragePool') {
      f = make(op === 'AveragePool' ? 'QLinearAveragePool' : 'QLinearGlobalAveragePool', MS_DOMAIN, [x.ref.data, x.ref.scale, x.ref.zp, y.scale, y.zp]);
    } else if (MOVE_OPS.has(op)) {
      // the integers move unchanged only when the Q on the way out uses the DQ's own scale and zero point
      if (x.ref.scale !== y.scale || x.ref.zp !== y.zp) continue;
      f = make(op, '', [x.ref.data, ...(n.input ?? []).slice(1)]);
    }
    if (!f) continue;
    replace.set(n, f);
    drop.add(q);
    fused.push(`${n.name || out} (${op} → ${f.opType})`);
  }
  if (fused.length === 0) return { fused };
  let nodes = g.node.filter((n) => !drop.has(n)).map((n) => replace.get(n) ?? n);
  // DQ nodes nobody reads any more (their groups were fused) go; repeat for chains
  for (;;) {
    const read = new Set<string>(outputs);
    for (const n of nodes) for (const i of n.input ?? []) if (i) read.add(i);
    const dead = nodes.filter((n) => (isDQ(n) || isQ(n)) && (n.output ?? []).every((o) => !read.has(o)));
    if (dead.length === 0) break;
    nodes = nodes.filter((n) => !dead.includes(n));
  }
  g.node = nodes;
  return { fused };
}
