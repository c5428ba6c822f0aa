// `stylus-ml inspect`: what the model is, node by node, and whether every node is supported.
import type { ImportResult } from '../onnx/import';

export interface InspectReport {
  file: string;
  producer: string;
  opsets: Record<string, number>;
  inputs: { name: string; shape: number[]; dtype: string }[];
  outputs: { name: string; shape: number[] | null; dtype: string }[];
  nodes: { name: string; op: string; domain: string; opset: number; supported: boolean; reason?: string; params: number; macs: number; outputShapes: (number[] | null)[]; inputs: string[]; outputs: string[] }[];
  totals: { params: number; macs: number; nodes: number };
  unsupported: { name: string; op: string; domain: string; opset: number; reason?: string }[];
  notes: string[];
}

export function inspectReport(file: string, r: ImportResult): InspectReport {
  const nodes = r.nodes.map((n) => ({
    name: n.name,
    op: n.op,
    domain: n.domain || 'ai.onnx',
    opset: n.opset,
    supported: n.supported,
    ...(n.reason ? { reason: n.reason } : {}),
    params: n.params,
    macs: n.macs,
    outputShapes: n.outputs.map((o) => o.shape),
    inputs: n.inputNames,
    outputs: n.outputNames,
  }));
  return {
    file,
    producer: r.producer,
    opsets: Object.fromEntries(Object.entries(r.opsets).map(([d, v]) => [d || 'ai.onnx', v])),
    inputs: r.inputs.map((i) => ({ name: i.name, shape: i.shape, dtype: i.onnxType })),
    outputs: r.outputs.map((o) => ({ name: o.name, shape: o.shape, dtype: o.dtype })),
    nodes,
    totals: { params: nodes.reduce((a, n) => a + n.params, 0), macs: nodes.reduce((a, n) => a + n.macs, 0), nodes: nodes.length },
    unsupported: r.unsupported.map((u) => ({ name: u.name, op: u.op, domain: u.domain || 'ai.onnx', opset: u.opset, ...(u.reason ? { reason: u.reason } : {}) })),
    notes: r.notes,
  };
}
