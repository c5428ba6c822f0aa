// quantize_dynamic → DynamicQuantizeMatMul. onnxruntime's quantize_dynamic writes each quantized MatMul or
// Conv as DynamicQuantizeLinear(x) → MatMulInteger/ConvInteger(x_q, W_q, x_zp, w_zp) → Cast(float) →
// Mul(·, Mul(x_scale, w_scale)) [→ Add(·, bias)], and onnxruntime fuses the MatMul form into its
// com.microsoft DynamicQuantizeMatMul kernel. This pass does the same on the ONNX nodes (the Conv form
// into our own ai.stylus-ml DynamicQuantizeConv) so one lowering (ops/dynamic.ts) runs both; the
// arithmetic is unchanged: the nodes it replaces compute exactly what the fused op computes. Each group
// re-quantizes its input (a DynamicQuantizeLinear read by two groups is run by both: it is a pure function
// of its input). Nodes it cannot fuse stay and are refused by their own lowerings with the reason.
import { onnx } from 'onnx-proto';
import type { ModelProto, NodeProto } from './model';
import { DataType } from './model';
import { normDomain } from './ops/index';
import { MS_DOMAIN, STYLUS_DOMAIN } from './qdq';

export function fuseDynamic(model: ModelProto): { fused: string[] } {
  const g = model.graph;
  if (!g?.node?.some((n) => n.opType === 'DynamicQuantizeLinear' && normDomain(n.domain) === '')) return { fused: [] };
  const consts = new Set<string>((g.initializer ?? []).map((i) => i.name ?? ''));
  for (const n of g.node!) {
    const d = normDomain(n.domain);
    // constants, and shape ops of constants (quantize_dynamic reshapes a Conv bias to [1, C, 1, 1])
    if (d === '' && (n.opType === 'Constant' || (['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity'].includes(n.opType ?? '') && (n.input ?? []).every((i) => !i || consts.has(i))))) {
      for (const o of n.output ?? []) consts.add(o);
    }
  }
  const outputs = new Set((g.output ?? []).map((o) => o.name ?? ''));
  const producer = new Map<string, NodeProto>();
  const uses = new Map<string, NodeProto[]>();
  for (const n of g.node!) {
    for (const o of n.output ?? []) producer.set(o, n);
    for (const i of n.input ?? []) if (i) uses.set(i, [...(uses.get(i) ?? []), n]);
  }
  const is = (n: NodeProto | null | undefined, op: string) => !!n && normDomain(n.domain) === '' && n.opType === op;
  /** the only reader of a value that is no graph output */
  const onlyUse = (name: string): NodeProto | null => {
    const u = uses.get(name) ?? [];
    return u.length === 1 && !outputs.has(name) ? u[0] : null;
  };
  const other = (n: NodeProto, name: string) => (n.input?.[0] === name ? n.input?.[1] : n.input?.[1] === name ? n.input?.[0] : undefined);

  const fused: string[] = [];
  const replace = new Map<NodeProto, NodeProto>();
  const drop = new Set<NodeProto>();
  for (const n of g.node!) {
    const conv = is(n, 'ConvInteger');
    if (!conv && !is(n, 'MatMulInteger')) continue;
    const [xq, w, xzp, wzp] = n.input ?? [];
    const dql = producer.get(xq ?? '');
    if (!is(dql, 'DynamicQuantizeLinear') || dql!.output?.[0] !== xq || dql!.output?.[2] !== xzp) continue;
    if (!consts.has(w ?? '') || (wzp && !consts.has(wzp))) continue;
    const cast = onlyUse(n.output?.[0] ?? '');
    if (!is(cast, 'Cast') || Number(cast!.attribute?.find((a) => a.name === 'to')?.i ?? -1) !== DataType.FLOAT) continue;
    const mul = onlyUse(cast!.output?.[0] ?? '');
    if (!is(mul, 'Mul')) continue;
    const scaleMul = producer.get(other(mul!, cast!.output![0]) ?? '');
    if (!is(scaleMul, 'Mul')) continue;
    const wScale = other(scaleMul!, dql!.output?.[1] ?? '');
    if (!wScale || !consts.has(wScale)) continue;
    // the bias Add, when its other operand is a constant
    let last = mul!;
    let bias = '';
    const add = onlyUse(mul!.output?.[0] ?? '');
    if (is(add, 'Add')) {
      const b = other(add!, mul!.output![0]);
      if (b && consts.has(b)) {
        last = add!;
        bias = b;
      }
    }
    const name = n.name || n.output![0];
    const attrs = conv ? (n.attribute ?? []) : [];
    const f = onnx.NodeProto.create({
      name,
      opType: conv ? 'DynamicQuantizeConv' : 'DynamicQuantizeMatMul',
      domain: conv ? STYLUS_DOMAIN : MS_DOMAIN,
      input: [dql!.input![0], w, wScale, wzp ?? '', bias],
      output: [last.output![0]],
      attribute: attrs,
    });
    // the fused node takes the place of the group's last node (its bias may be made after the product)
    replace.set(last, f);
    for (const x of [n, cast!, mul!]) if (x !== last) drop.add(x);
    fused.push(`${name} (DynamicQuantizeLinear → ${n.opType} → Cast → Mul${bias ? ' → Add' : ''} → ${f.opType})`);
  }
  if (fused.length === 0) return { fused };
  let nodes = g.node!.filter((n) => !drop.has(n)).map((n) => replace.get(n) ?? n);
  // DynamicQuantizeLinear and scale Mul nodes nobody reads any more go
  for (;;) {
    const read = new Set<string>(outputs);
    for (const n of nodes) for (const i of n.input ?? []) if (i) read.add(i);
    const dead = nodes.filter((n) => (is(n, 'DynamicQuantizeLinear') || is(n, 'Mul')) && (n.output ?? []).every((o) => !read.has(o)));
    if (dead.length === 0) break;
    nodes = nodes.filter((n) => !dead.includes(n));
  }
  g.node = nodes;
  return { fused };
}
