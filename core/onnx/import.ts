// ONNX → IR. Walks the graph in order (ONNX requires topological order), folds constants, lowers each
// node through the op table, and reports every unsupported node at once.
import type { AffineQuant, Graph, InputInfo, IrNode, IrOp, OutputInfo, Shape, TensorInfo, ValueKind } from '../ir/graph';
import { UnsupportedModelError, UserError, type UnsupportedNode } from '../errors';
import { Attrs, DataType, dataTypeName, decodeModel, finiteValues, tensorDims, toNumber, type ModelProto, type NodeProto } from './model';
import { NotLowerable, type ConstValue, type LowerContext, type Operand } from './ops/context';
import { loweringFor, normDomain } from './ops/index';
import { foldAffineIntoLinear, removeDeadNodes } from '../ir/passes';
import { opCost } from '../ir/cost';
import { fuseQdq } from './qdq';
import { fuseDynamic } from './dynamic';

export interface ImportOptions {
  /** the file name, for messages */
  file: string;
  /** graph inputs to treat as constants (ONNX node tests feed weights as inputs) */
  constInputs?: Map<string, ConstValue>;
}

export interface NodeReport {
  name: string;
  op: string;
  domain: string;
  opset: number;
  supported: boolean;
  /** why it is not supported, or why it was not lowered */
  reason?: string;
  params: number;
  macs: number;
  outputs: { name: string; shape: Shape | null }[];
  /** the node's input and output value names as the file gives them (empty optional inputs dropped): the graph's edges */
  inputNames: string[];
  outputNames: string[];
}

export interface ImportResult {
  /** null when anything is unsupported */
  graph: Graph | null;
  nodes: NodeReport[];
  unsupported: UnsupportedNode[];
  inputs: InputInfo[];
  outputs: { name: string; shape: Shape | null; type: string; dtype: string }[];
  notes: string[];
  opsets: Record<string, number>;
  producer: string;
}

const REAL_TYPES = new Set<number>([DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, DataType.BFLOAT16]);
const INT_TYPES = new Set<number>([DataType.INT8, DataType.INT16, DataType.INT32, DataType.INT64, DataType.UINT8, DataType.UINT16, DataType.UINT32, DataType.UINT64, DataType.BOOL]);

function kindOfType(t: number): ValueKind | null {
  return REAL_TYPES.has(t) ? 'real' : INT_TYPES.has(t) ? 'int' : null;
}

export function importModel(bytes: Uint8Array, opts: ImportOptions): ImportResult {
  const model = decodeModel(bytes, opts.file);
  return importDecoded(model, opts);
}

export function importDecoded(model: ModelProto, opts: ImportOptions): ImportResult {
  const file = opts.file;
  const g = model.graph!;
  // QDQ groups become the QOperator nodes onnxruntime fuses them into (core/onnx/qdq.ts)
  const { fused } = fuseQdq(model);
  // quantize_dynamic groups become DynamicQuantizeMatMul / DynamicQuantizeConv (core/onnx/dynamic.ts)
  const { fused: fusedDynamic } = fuseDynamic(model);
  const opsets: Record<string, number> = {};
  for (const o of model.opsetImport ?? []) opsets[normDomain(o.domain)] = toNumber(o.version as number);
  if (opsets[''] === undefined) opsets[''] = 1;
  const notes: string[] = [];
  if (fused.length) notes.push(`QDQ groups run as onnxruntime's integer kernels: ${fused.join(', ')}`);
  if (fusedDynamic.length) notes.push(`dynamically quantized layers run as onnxruntime's DynamicQuantizeMatMul, in integers with float32 emulated exactly between them: ${fusedDynamic.join(', ')}`);

  const consts = new Map<string, ConstValue>();
  for (const init of g.initializer ?? []) {
    const name = init.name ?? '';
    const type = init.dataType ?? 0;
    const kind = kindOfType(type);
    if (!kind) throw new UserError(`${file}: initializer '${name}' has element type ${dataTypeName(type)}, which fixed-point inference cannot use`);
    consts.set(name, { shape: tensorDims(init), data: finiteValues(init, `${file}: initializer`), kind, dtype: type });
  }
  for (const [name, c] of opts.constInputs ?? []) consts.set(name, c);

  const tensors = new Map<string, TensorInfo>();
  const alias = new Map<string, string>();
  const inputs: InputInfo[] = [];
  let fixedBatch = false;
  // inputs we cannot take: reported after the op check, so unsupported ops are listed first
  const badInputs: string[] = [];
  const poisoned = new Set<string>();
  for (const vi of g.input ?? []) {
    const name = vi.name ?? '';
    if (consts.has(name)) continue; // initializers listed as inputs (IR < 4 exporters)
    const tt = vi.type?.tensorType;
    const kind = tt ? kindOfType(tt.elemType ?? 0) : null;
    if (!tt || !kind) {
      const what = !tt ? `is not a tensor (${vi.type?.sequenceType ? 'sequence' : vi.type?.mapType ? 'map' : 'unknown type'})` : `has element type ${dataTypeName(tt.elemType ?? 0)}`;
      badInputs.push(`${file}: graph input '${name}' ${what}; only numeric tensor inputs are supported`);
      poisoned.add(name);
      continue;
    }
    const shape = (tt.shape?.dim ?? []).map((d) => {
      if (d.dimValue !== null && d.dimValue !== undefined && !d.dimParam) return toNumber(d.dimValue as number);
      fixedBatch = true;
      return 1;
    });
    tensors.set(name, { id: name, shape, kind });
    inputs.push({ id: name, name, shape, kind, onnxType: dataTypeName(tt.elemType ?? 0) });
  }
  if (inputs.length === 0 && badInputs.length === 0) throw new UserError(`${file}: the model has no runtime inputs`);
  if (fixedBatch) notes.push('symbolic input dimensions are fixed to 1 (one sample per call)');

  const nodes: IrNode[] = [];
  const reports: NodeReport[] = [];
  const unsupported: UnsupportedNode[] = [];
  const classLabels = new Map<string, (number | string)[]>();
  const zipMapOutputs = new Set<string>();
  const usedIds = new Set<string>([...tensors.keys()]);
  const uniqueId = (base: string) => {
    let id = base;
    for (let i = 2; usedIds.has(id); i++) id = `${base}#${i}`;
    usedIds.add(id);
    return id;
  };
  const resolve = (name: string) => alias.get(name) ?? name;

  (g.node ?? []).forEach((node: NodeProto, index: number) => {
    const op = node.opType ?? '';
    const domain = normDomain(node.domain);
    const opset = opsets[domain] ?? 1;
    const name = node.name || `${op}_${index}`;
    const where = `${file}: node '${name}' (${op})`;
    const outNames = (node.output ?? []).filter((o) => o !== '');
    const report: NodeReport = { name, op, domain, opset, supported: true, params: 0, macs: 0, outputs: [], inputNames: (node.input ?? []).filter((i) => i !== ''), outputNames: outNames };
    reports.push(report);
    const lowering = loweringFor(domain, op);
    if (!lowering) {
      report.supported = false;
      unsupported.push({ name, op, domain, opset });
      for (const o of outNames) poisoned.add(o);
      return;
    }
    const blocked = (node.input ?? []).find((i) => i !== '' && poisoned.has(i));
    if (blocked) {
      report.reason = `not lowered: input '${blocked}' comes from an unsupported node or input`;
      for (const o of outNames) poisoned.add(o);
      return;
    }
    if (op === 'ZipMap') for (const o of outNames) zipMapOutputs.add(o);
    const emitted: IrNode[] = [];
    const ctx: LowerContext = {
      node,
      attrs: new Attrs(node, where),
      opset,
      where,
      operand(i: number): Operand | undefined {
        const n = node.input?.[i];
        if (!n) return undefined;
        const c = consts.get(n);
        if (c) return { const: c, name: n };
        const t = tensors.get(resolve(n));
        if (!t) throw new UserError(`${where}: input '${n}' is not produced by any earlier node or graph input; the graph is malformed`);
        return { tensor: t, name: n };
      },
      constInput(i: number, what: string): ConstValue {
        const o = ctx.operand(i);
        if (!o) throw new NotLowerable(`${what} (input ${i} is missing)`);
        if (!('const' in o)) throw new NotLowerable(what);
        return o.const;
      },
      tensorInput(i: number): TensorInfo {
        const o = ctx.operand(i);
        if (!o) throw new NotLowerable(`input ${i} is missing`);
        if ('const' in o) throw new NotLowerable(`input '${o.name}' is a constant where a runtime tensor is expected (constant-only subgraphs are not folded for ${op})`);
        return o.tensor;
      },
      emit(irOp: IrOp, ins: string[], shape: Shape, kind: ValueKind, outIndex = 0): string {
        const out = outNames[outIndex];
        if (!out) throw new NotLowerable(`output ${outIndex} is not used by the graph`);
        const id = uniqueId(out);
        // ops that move quantized integers without changing them keep their input's quantisation
        const keep = irOp.op === 'reshape' || irOp.op === 'maxpool2d' || irOp.op === 'transpose' ? tensors.get(ins[0])?.quant : undefined;
        tensors.set(id, { id, shape, kind, ...(keep ? { quant: keep } : {}) });
        alias.set(out, id);
        emitted.push({ index: -1, op: irOp, inputs: ins, outputs: [id], origin: { name, opType: op, domain } });
        return id;
      },
      emitQ(irOp: IrOp, ins: string[], shape: Shape, quant: AffineQuant, outIndex = 0): string {
        const id = ctx.emit(irOp, ins, shape, 'real', outIndex);
        tensors.get(id)!.quant = quant;
        return id;
      },
      quantizeInput(tensorId: string, quant: AffineQuant): boolean {
        const inp = inputs.find((i) => i.id === tensorId);
        const t = tensors.get(tensorId);
        if (!inp || !t || inp.kind !== 'real') return false;
        if (t.quant) return t.quant.scale === quant.scale && t.quant.zeroPoint === quant.zeroPoint;
        t.quant = quant;
        inp.quant = quant;
        return true;
      },
      emitTemp(irOp: IrOp, ins: string[], shape: Shape, kind: ValueKind, suffix: string): string {
        const id = uniqueId(`${name}/${suffix}`);
        tensors.set(id, { id, shape, kind });
        emitted.push({ index: -1, op: irOp, inputs: ins, outputs: [id], origin: { name, opType: op, domain } });
        return id;
      },
      defineConst(value: ConstValue, outIndex = 0) {
        const out = outNames[outIndex];
        if (out) consts.set(out, value);
      },
      alias(tensorId: string, shape: Shape, outIndex = 0) {
        const out = outNames[outIndex];
        if (!out) return;
        const src = tensors.get(tensorId)!;
        if (sameShape(src.shape, shape)) {
          alias.set(out, tensorId);
          return;
        }
        ctx.emit({ op: 'reshape' }, [tensorId], shape, src.kind, outIndex);
      },
      labels(outIndex: number, labels: (number | string)[]) {
        // keyed by tensor id: label outputs often reach the graph output through a Cast
        const out = outNames[outIndex];
        if (out) classLabels.set(resolve(out), labels);
      },
      note(text: string) {
        notes.push(text);
      },
      outputCount: () => outNames.length,
    };
    try {
      lowering(ctx);
    } catch (e) {
      if (e instanceof NotLowerable) {
        report.supported = false;
        report.reason = e.message;
        unsupported.push({ name, op, domain, opset, reason: e.message });
        for (const o of outNames) poisoned.add(o);
        return;
      }
      throw e;
    }
    for (const n of emitted) {
      n.index = nodes.length;
      nodes.push(n);
      const c = opCost(n.op, tensors.get(n.outputs[0])!.shape);
      report.params += c.params;
      report.macs += c.macs;
    }
    report.outputs = outNames.map((o) => ({ name: o, shape: consts.get(o)?.shape ?? tensors.get(resolve(o))?.shape ?? null }));
  });

  const outputReport = (g.output ?? []).map((vi) => {
    const n = vi.name ?? '';
    const type = vi.type?.tensorType ? 'tensor' : vi.type?.sequenceType ? 'sequence' : vi.type?.mapType ? 'map' : 'unknown';
    const dtype = vi.type?.tensorType ? dataTypeName(vi.type.tensorType.elemType ?? 0) : type === 'sequence' ? 'seq(map)' : type;
    return { name: n, shape: consts.get(n)?.shape ?? tensors.get(resolve(n))?.shape ?? null, type, dtype };
  });
  const base = { nodes: reports, unsupported, inputs, outputs: outputReport, notes, opsets, producer: `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim() };
  if (unsupported.length > 0) return { graph: null, ...base };
  if (badInputs.length > 0) throw new UserError(badInputs[0]);

  const outputs: OutputInfo[] = [];
  for (const vi of g.output ?? []) {
    const n = vi.name ?? '';
    if (consts.has(n)) throw new UserError(`${file}: output '${n}' is a constant; there is nothing to compute`);
    const id = resolve(n);
    if (!tensors.has(id)) throw new UserError(`${file}: output '${n}' is not produced by any node`);
    outputs.push({ id, name: n, ...(classLabels.has(id) ? { classLabels: classLabels.get(id) } : {}), ...(zipMapOutputs.has(n) ? { zipMap: true } : {}) });
  }
  const float32 = nodes.some((n) => (n.op.op === 'matmul' || n.op.op === 'conv2d') && n.op.dynamic);
  let graph: Graph = { inputs, outputs, tensors, nodes, notes, opsets, producer: base.producer, ...(float32 ? { float32 } : {}) };
  graph = removeDeadNodes(foldAffineIntoLinear(graph));
  return { graph, ...base };
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Imports a model and insists that every node is supported. */
export function loadGraph(bytes: Uint8Array, opts: ImportOptions): Graph {
  const r = importModel(bytes, opts);
  if (!r.graph) throw new UnsupportedModelError(opts.file, r.unsupported);
  return r.graph;
}
