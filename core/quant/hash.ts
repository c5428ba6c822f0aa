// modelHash(): keccak-256 of the quantised model — every integer the contract computes with, every
// format, every shape — serialised canonically. The generated contract returns it; `stylus-ml` recomputes
// it from the ONNX file and the same options, so anyone can check which model a deployed program runs.
import { keccak_256 } from '@noble/hashes/sha3.js';
import type { Plan } from './types';

/** JSON with sorted keys and typed arrays as plain arrays: the same plan always gives the same bytes. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (ArrayBuffer.isView(v)) return JSON.stringify(Array.from(v as unknown as ArrayLike<number>));
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

/** The integer model: what the contract's arithmetic depends on, nothing about how it was derived. */
export function integerModel(plan: Plan): unknown {
  const fmt = (id: string) => {
    const t = plan.tensors.get(id)!;
    return { id, shape: t.shape, storage: t.format.storage, frac: t.format.frac, scale: t.format.scale, zeroPoint: t.format.zeroPoint, float32: t.format.float32 };
  };
  return {
    version: 'stylus-ml/model/1',
    inputs: plan.graph.inputs.map((i) => ({ ...fmt(i.id), qlo: Array.from(plan.tensors.get(i.id)!.qlo), qhi: Array.from(plan.tensors.get(i.id)!.qhi) })),
    outputs: plan.graph.outputs.map((o) => ({ ...fmt(o.id), labels: o.classLabels ?? null })),
    nodes: plan.nodes.map((qn) => {
      const op = { ...qn.node.op } as Record<string, unknown>;
      // float weights are not what runs: the quantised ones in params are
      for (const k of ['W', 'bias', 'scale', 'offset', 'trees', 'base', 'values', 'quant', 'table']) delete op[k];
      return { op, inputs: qn.node.inputs.map(fmt), output: fmt(qn.node.outputs[0]), params: qn.params };
    }),
  };
}

export function modelHash(plan: Plan): string {
  const bytes = new TextEncoder().encode(canonicalJson(integerModel(plan)));
  return '0x' + Buffer.from(keccak_256(bytes)).toString('hex');
}
