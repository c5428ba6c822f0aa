// Decoding an ONNX file: protobuf → ModelProto, with checks that turn malformed files into clear errors.
import * as protobuf from 'protobufjs/minimal';
import { onnx } from 'onnx-proto';
import { UserError } from '../errors';

// int64 fields as plain numbers rather than Long objects: tree ensembles carry tens of thousands of
// int64 attribute values, and the objects cost more than the decoding (every id fits in 2^53).
(protobuf.util as { Long?: unknown }).Long = undefined;
protobuf.configure();

export type ModelProto = onnx.ModelProto;
export type NodeProto = onnx.INodeProto;
export type TensorProto = onnx.ITensorProto;
export type AttributeProto = onnx.IAttributeProto;

/** No tensor a Stylus program can hold comes near this; a bigger declared size is a corrupt or wrong file. */
export const MAX_TENSOR_ELEMENTS = 1 << 26;

export const DataType = onnx.TensorProto.DataType;

export function dataTypeName(t: number | null | undefined): string {
  const name = (onnx.TensorProto.DataType as unknown as Record<number, string>)[t ?? 0];
  return name ?? `type ${t}`;
}

export function decodeModel(bytes: Uint8Array, file: string): ModelProto {
  if (bytes.length === 0) throw new UserError(`${file}: the file is empty; expected an ONNX model (.onnx)`);
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    const hint = /index out of range|invalid wire type|illegal/i.test(why) ? 'the file is truncated or is not an ONNX model' : why;
    throw new UserError(`${file}: cannot decode ONNX protobuf (${hint}); re-export the model or check the download`);
  }
  if (!model.graph || (model.graph.node ?? []).length === 0 && (model.graph.output ?? []).length === 0) {
    throw new UserError(`${file}: not an ONNX model (no graph found); expected a ModelProto as written by torch.onnx, skl2onnx or tf2onnx`);
  }
  if (!model.irVersion || Number(model.irVersion) <= 0) {
    throw new UserError(`${file}: not an ONNX model (ir_version missing); the file may be another protobuf or corrupt`);
  }
  return model;
}

export function toNumber(v: number | { toNumber(): number } | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

export function tensorDims(t: TensorProto): number[] {
  return (t.dims ?? []).map((d) => toNumber(d as number));
}

/** Reads a TensorProto's values as doubles (ints too; int64 beyond 2^53 loses precision, never needed here). */
export function tensorValues(t: TensorProto, where: string): Float64Array {
  const dims = tensorDims(t);
  let count = 1;
  for (const d of dims) {
    if (d < 0) throw new UserError(`${where}: tensor ${t.name ?? ''} has a negative dimension ${d}`);
    count *= d;
  }
  if (count > MAX_TENSOR_ELEMENTS) {
    throw new UserError(
      `${where}: tensor '${t.name ?? ''}' declares ${count.toLocaleString('en')} elements (dims ${JSON.stringify(dims)}), far more than a Stylus program can hold; the file is corrupt or the model is too large`,
    );
  }
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new UserError(`${where}: tensor '${t.name ?? ''}' stores its data in an external file; re-save the model with weights embedded (onnx.save(model, path, save_as_external_data=False))`);
  }
  const type = t.dataType ?? 0;
  const out = new Float64Array(count);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  const need = (bytesPer: number) => {
    if (raw && raw.length !== count * bytesPer) {
      throw new UserError(`${where}: tensor '${t.name ?? ''}' has ${raw.length} bytes of data for ${count} ${dataTypeName(type)} values; the file is truncated or corrupt`);
    }
  };
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  const fromList = (list: ArrayLike<unknown> | null | undefined, conv: (v: unknown) => number) => {
    const n = list?.length ?? 0;
    if (n !== count && !(n === 0 && count === 0)) {
      throw new UserError(`${where}: tensor '${t.name ?? ''}' has ${n} values for shape ${JSON.stringify(dims)}; the file is corrupt`);
    }
    for (let i = 0; i < count; i++) out[i] = conv((list as ArrayLike<unknown>)[i]);
  };
  switch (type) {
    case DataType.FLOAT:
      if (view) {
        need(4);
        for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      } else fromList(t.floatData, (v) => v as number);
      break;
    case DataType.DOUBLE:
      if (view) {
        need(8);
        for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      } else fromList(t.doubleData, (v) => v as number);
      break;
    case DataType.INT64:
      if (view) {
        need(8);
        for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(i * 8, true));
      } else fromList(t.int64Data, (v) => toNumber(v as number));
      break;
    case DataType.UINT64:
      if (view) {
        need(8);
        for (let i = 0; i < count; i++) out[i] = Number(view.getBigUint64(i * 8, true));
      } else fromList(t.uint64Data, (v) => toNumber(v as number));
      break;
    case DataType.INT32:
    case DataType.INT16:
    case DataType.INT8:
    case DataType.UINT16:
    case DataType.UINT8:
    case DataType.BOOL: {
      const size = type === DataType.INT32 ? 4 : type === DataType.INT16 || type === DataType.UINT16 ? 2 : 1;
      if (view) {
        need(size);
        for (let i = 0; i < count; i++) {
          out[i] =
            type === DataType.INT32 ? view.getInt32(i * 4, true)
            : type === DataType.INT16 ? view.getInt16(i * 2, true)
            : type === DataType.UINT16 ? view.getUint16(i * 2, true)
            : type === DataType.INT8 ? view.getInt8(i)
            : view.getUint8(i);
        }
      } else fromList(t.int32Data, (v) => v as number);
      break;
    }
    case DataType.UINT32:
      if (view) {
        need(4);
        for (let i = 0; i < count; i++) out[i] = view.getUint32(i * 4, true);
      } else fromList(t.uint64Data, (v) => toNumber(v as number));
      break;
    default:
      throw new UserError(`${where}: tensor '${t.name ?? ''}' has element type ${dataTypeName(type)}, which fixed-point inference cannot use`);
  }
  return out;
}

/** A tensor whose values must all be finite (weights): names the first NaN or Inf. */
export function finiteValues(t: TensorProto, where: string): Float64Array {
  const v = tensorValues(t, where);
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) {
      throw new UserError(`${where}: tensor '${t.name ?? ''}' has ${Number.isNaN(v[i]) ? 'NaN' : 'an infinite value'} at element ${i}; fixed-point weights must be finite — check the training run or the export`);
    }
  }
  return v;
}

/** Typed accessors for node attributes, with defaults and clear errors. */
export class Attrs {
  private readonly byName = new Map<string, AttributeProto>();
  constructor(
    node: NodeProto,
    private readonly where: string,
  ) {
    for (const a of node.attribute ?? []) if (a.name) this.byName.set(a.name, a);
  }
  has(name: string): boolean {
    return this.byName.has(name);
  }
  isString(name: string): boolean {
    const a = this.byName.get(name);
    return !!a && (a.type === onnx.AttributeProto.AttributeType.STRING || (!!a.s && a.s.length > 0));
  }
  names(): string[] {
    return [...this.byName.keys()];
  }
  int(name: string, dflt?: number): number {
    const a = this.byName.get(name);
    if (!a) return this.required(name, dflt);
    return toNumber(a.i as number);
  }
  float(name: string, dflt?: number): number {
    const a = this.byName.get(name);
    if (!a) return this.required(name, dflt);
    return a.f ?? 0;
  }
  string(name: string, dflt?: string): string {
    const a = this.byName.get(name);
    if (!a) return this.required(name, dflt);
    return Buffer.from(a.s ?? new Uint8Array()).toString('utf8');
  }
  ints(name: string, dflt?: number[]): number[] {
    const a = this.byName.get(name);
    if (!a) return this.required(name, dflt);
    return (a.ints ?? []).map((v) => toNumber(v as number));
  }
  floats(name: string, dflt?: number[]): number[] {
    const a = this.byName.get(name);
    if (!a) return this.required(name, dflt);
    return Array.from(a.floats ?? []);
  }
  strings(name: string, dflt?: string[]): string[] {
    const a = this.byName.get(name);
    if (!a) return this.required(name, dflt);
    return (a.strings ?? []).map((s) => Buffer.from(s).toString('utf8'));
  }
  tensor(name: string): TensorProto | undefined {
    return this.byName.get(name)?.t ?? undefined;
  }
  private required<T>(name: string, dflt: T | undefined): T {
    if (dflt === undefined) throw new UserError(`${this.where}: required attribute '${name}' is missing`);
    return dflt;
  }
}
