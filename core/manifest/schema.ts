// stylus-ml.json: the manifest at the root of every generated crate. Written by codegen; read by the
// extension, the webview, the language server and the CLI. Versioned (`schema: 1`) and validated on read.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import type { AccWidth, Plan, Storage } from '../quant/types';

export const MANIFEST_FILE = 'stylus-ml.json';
export const MANIFEST_SCHEMA = 1;

export interface TensorFormat {
  storage: Storage;
  fracBits: number;
}

export interface ManifestIO {
  name: string;
  shape: number[];
  storage: Storage;
  fracBits: number;
  /** proven real interval (hull over elements) */
  range: [number, number];
  /** 'real' or 'int' (labels, indices) */
  kind: 'real' | 'int';
  /** a pre-quantized model's tensor: value = (q − zeroPoint) · scale (fracBits is 0; uint8 data is stored shifted by −128) */
  scale?: number;
  zeroPoint?: number;
}

export interface ManifestInput extends ManifestIO {
  onnxType: string;
  /** the declared box per element (real values) */
  box: { lo: number[]; hi: number[] };
}

export interface ManifestOutput extends ManifestIO {
  errorBound: number | null;
  errorBoundOnGrid: number | null;
  classLabels?: (number | string)[];
}

export interface InkEstimate {
  min: number;
  typical: number;
  max: number;
}

export interface ManifestLayer {
  index: number;
  /** ONNX node name */
  name: string;
  /** the Rust function in src/model.rs */
  fn: string;
  /** IR op (matmul, conv2d, trees, ...) and the ONNX op it came from */
  op: string;
  onnxOp: string;
  inputShapes: number[][];
  outputShape: number[];
  params: number;
  macs: number;
  inputFormats: TensorFormat[];
  outputFormat: TensorFormat;
  weightFormat?: TensorFormat;
  /** proven real interval of the output (hull) */
  interval: [number, number];
  /** proven integer interval of the stored output */
  qInterval: [number, number];
  accumulator?: AccWidth;
  /** right shift (round half up) from the accumulator to the output; negative = left shift */
  shift?: number;
  /** 1-based inclusive line range of the layer's function in src/model.rs */
  lines: [number, number] | null;
  /** analytical ink of one call of this layer, and its gas (ink / inkPrice) */
  ink: InkEstimate | null;
  gas: InkEstimate | null;
  /** measured max error of an approximated nonlinearity */
  approxError?: number;
}

export interface Manifest {
  schema: typeof MANIFEST_SCHEMA;
  tool: { name: 'stylus-ml'; version: string };
  model: { path: string; sha256: string; producer: string; opsets: Record<string, number> };
  template: 'sdk' | 'minimal';
  options: { activations: 'i16' | 'i32'; weights: Storage; accumulator: 'auto' | 'i64'; inputPolicy: 'revert' | 'clamp'; optimize?: 'gas' | 'size' };
  box: { source: string; note: string };
  inputs: ManifestInput[];
  outputs: ManifestOutput[];
  layers: ManifestLayer[];
  totals: { params: number; macs: number; estimatedGas: InkEstimate | null; codeSize: { wasmBytes: number; compressedBytes: number; limitBytes: number } | null };
  /** keccak-256 of the integer model (core/quant/hash.ts) */
  modelHash: string;
  /** 4-byte selectors of the contract ABI, hex without 0x */
  selectors: Record<string, string>;
  /** filled by build / deploy */
  measured?: {
    build?: { wasmBytes: number; compressedBytes: number; toolchain: string; at: string };
    deploy?: { rpc: string; chainId: number; address: string; deployGas: number; activationGas: number; dataFeeWei: string; at: string };
  };
  notes: string[];
}

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
  const fmt = (id: string): TensorFormat => ({ storage: t(id).format.storage, fracBits: t(id).format.frac });
  const affine = (id: string) => (t(id).format.scale !== undefined ? { scale: t(id).format.scale!, zeroPoint: t(id).format.zeroPoint ?? 0 } : {});
  const real = (id: string, lo: ArrayLike<number>, hi: ArrayLike<number>): [number, number] => {
    const f = t(id).format;
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
  const layers: ManifestLayer[] = plan.nodes.map((qn, index) => {
    const out = t(qn.node.outputs[0]);
    const p = qn.params as { W?: { format: { storage: Storage; frac: number }; q: Int32Array }; scale?: { format: { storage: Storage; frac: number } }; acc?: AccWidth; shift?: number };
    const w = p.W ?? p.scale;
    const { params, macs } = costOf(qn.node.op, out.shape);
    return {
      index,
      name: qn.node.origin.name,
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
      qInterval: out.qlo.length ? [Math.min(...out.qlo), Math.max(...out.qhi)] : [0, 0],
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

function costOf(op: Plan['nodes'][number]['node']['op'], outShape: number[]): { params: number; macs: number } {
  const out = outShape.reduce((a, b) => a * b, 1);
  switch (op.op) {
    case 'matmul':
      return { params: op.W.length + (op.bias?.length ?? 0), macs: op.batches * op.M * op.N * op.K };
    case 'conv2d':
      return { params: op.W.length + (op.bias?.length ?? 0), macs: out * op.inChannels * op.kernel[0] * op.kernel[1] };
    case 'affine':
      return { params: op.scale.length + op.offset.length, macs: out };
    case 'trees':
      return { params: op.trees.reduce((a, t) => a + t.nodes.length + t.leaves.length, 0), macs: 0 };
    default:
      return { params: 0, macs: 0 };
  }
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

function fail(file: string, what: string): never {
  throw new UserError(`${file}: ${what}; regenerate the crate with \`stylus-ml new\``);
}

/** Structural validation of a parsed manifest (enough that every reader can rely on the types). */
export function validateManifest(json: unknown, file: string): Manifest {
  if (!json || typeof json !== 'object') fail(file, 'not a JSON object');
  const m = json as Record<string, unknown>;
  if (m.schema !== MANIFEST_SCHEMA) fail(file, `schema ${JSON.stringify(m.schema)} is not supported (this tool reads schema ${MANIFEST_SCHEMA})`);
  for (const k of ['tool', 'model', 'template', 'options', 'inputs', 'outputs', 'layers', 'totals', 'modelHash', 'selectors']) {
    if (!(k in m)) fail(file, `missing key '${k}'`);
  }
  if (m.template !== 'sdk' && m.template !== 'minimal') fail(file, `template must be sdk or minimal`);
  const isFmt = (o: Record<string, unknown>) => ['i8', 'i16', 'i32'].includes(o.storage as string) && Number.isInteger(o.fracBits);
  for (const key of ['inputs', 'outputs'] as const) {
    const list = m[key];
    if (!Array.isArray(list) || list.length === 0) fail(file, `'${key}' must be a non-empty array`);
    list.forEach((io: Record<string, unknown>, i: number) => {
      if (typeof io.name !== 'string' || !Array.isArray(io.shape) || !isFmt(io) || !Array.isArray(io.range)) fail(file, `${key}[${i}] needs name, shape, storage, fracBits and range`);
    });
  }
  if (!Array.isArray(m.layers)) fail(file, `'layers' must be an array`);
  (m.layers as Record<string, unknown>[]).forEach((l, i) => {
    if (typeof l.name !== 'string' || typeof l.fn !== 'string' || typeof l.op !== 'string' || !Array.isArray(l.interval)) fail(file, `layers[${i}] needs name, fn, op and interval`);
    if (l.lines !== null && !(Array.isArray(l.lines) && l.lines.length === 2 && l.lines.every((x) => Number.isInteger(x)))) fail(file, `layers[${i}].lines must be [start, end] or null`);
  });
  if (typeof m.modelHash !== 'string' || !/^0x[0-9a-f]{64}$/.test(m.modelHash)) fail(file, 'modelHash must be a 0x-prefixed 32-byte hex string');
  return m as unknown as Manifest;
}

export function readManifest(dirOrFile: string): Manifest {
  const file = dirOrFile.endsWith('.json') ? dirOrFile : path.join(dirOrFile, MANIFEST_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`${file}: not found; is ${path.dirname(file)} a crate made by \`stylus-ml new\`?`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(file, `not valid JSON (${(e as Error).message})`);
  }
  return validateManifest(json, file);
}

export function writeManifest(dir: string, m: Manifest): void {
  fs.writeFileSync(path.join(dir, MANIFEST_FILE), JSON.stringify(m, null, 2) + '\n');
}
