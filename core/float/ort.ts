// Float reference: onnxruntime-web's wasm backend in Node (ai.onnx.ml ops included).
// ZipMap outputs (sequences of maps, which onnxruntime-web cannot return) are replaced by the tensor they wrap.
import path from 'node:path';
import fs from 'node:fs';
import { onnx } from 'onnx-proto';
import type * as OrtTypes from 'onnxruntime-web';
import { UserError } from '../errors';

export interface RefTensor {
  shape: number[];
  /** numbers, or strings for string label outputs */
  data: (number | string)[];
  type: string;
}

export interface RefInput {
  data: ArrayLike<number>;
  shape: number[];
  /** ONNX element type name of the graph input (FLOAT, DOUBLE, INT64, ...) */
  onnxType: string;
}

let ortPromise: Promise<typeof OrtTypes> | null = null;

/** Loads onnxruntime-web once; finds its wasm next to the bundle (dist/) or in node_modules. */
function loadOrt(): Promise<typeof OrtTypes> {
  if (!ortPromise) {
    ortPromise = (async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const ort = require('onnxruntime-web') as typeof OrtTypes;
      ort.env.wasm.numThreads = 1;
      const beside = typeof __dirname === 'string' ? path.join(__dirname, 'ort-wasm-simd-threaded.wasm') : '';
      if (beside && fs.existsSync(beside)) ort.env.wasm.wasmPaths = path.dirname(beside) + path.sep;
      ort.env.logLevel = 'error';
      return ort;
    })();
  }
  return ortPromise;
}

/** The model with every ZipMap output replaced by the ZipMap's input tensor. */
export function tensorOutputsModel(bytes: Uint8Array): { bytes: Uint8Array; renamed: Map<string, string> } {
  const model = onnx.ModelProto.decode(bytes);
  const g = model.graph!;
  const renamed = new Map<string, string>();
  for (const node of g.node ?? []) {
    if (node.opType !== 'ZipMap') continue;
    const out = node.output?.[0];
    const idx = (g.output ?? []).findIndex((o) => o.name === out);
    if (idx < 0 || !out) continue;
    const inner = node.input![0];
    renamed.set(out, inner);
    g.output![idx] = onnx.ValueInfoProto.create({ name: inner, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } });
  }
  if (renamed.size === 0) return { bytes, renamed };
  return { bytes: onnx.ModelProto.encode(model).finish(), renamed };
}

export class FloatReference {
  private constructor(
    private readonly session: OrtTypes.InferenceSession,
    private readonly ort: typeof OrtTypes,
    /** ONNX output name → name in the rewritten model */
    private readonly renamed: Map<string, string>,
  ) {}

  static async create(bytes: Uint8Array, file: string): Promise<FloatReference> {
    const ort = await loadOrt();
    const { bytes: b, renamed } = tensorOutputsModel(bytes);
    try {
      // severity 3 = errors only: onnxruntime's per-run warnings (e.g. VerifyOutputSizes for skl2onnx's declared
      // shapes) are written synchronously to stdout and, by the megabyte, overflow a piped reader (EAGAIN)
      const session = await ort.InferenceSession.create(b, { logSeverityLevel: 3 });
      return new FloatReference(session, ort, renamed);
    } catch (e) {
      throw new UserError(`${file}: onnxruntime cannot load the model for the float reference (${e instanceof Error ? e.message.split('\n')[0] : e})`);
    }
  }

  async run(inputs: Record<string, RefInput>, outputNames: string[]): Promise<Record<string, RefTensor>> {
    const feeds: Record<string, OrtTypes.Tensor> = {};
    for (const [name, inp] of Object.entries(inputs)) feeds[name] = this.tensor(inp);
    const fetches = outputNames.map((n) => this.renamed.get(n) ?? n);
    const r = await this.session.run(feeds, fetches);
    const out: Record<string, RefTensor> = {};
    outputNames.forEach((n, i) => {
      const t = r[fetches[i]];
      const data = Array.from(t.data as ArrayLike<number | bigint | string>, (x) => (typeof x === 'bigint' ? Number(x) : x));
      out[n] = { shape: [...t.dims], data, type: t.type };
    });
    return out;
  }

  private tensor(inp: RefInput): OrtTypes.Tensor {
    const T = this.ort.Tensor;
    switch (inp.onnxType) {
      case 'FLOAT':
        return new T('float32', Float32Array.from(inp.data), inp.shape);
      case 'DOUBLE':
        return new T('float64', Float64Array.from(inp.data), inp.shape);
      case 'INT64':
        return new T('int64', BigInt64Array.from(Array.from(inp.data, (v) => BigInt(Math.trunc(v)))), inp.shape);
      case 'INT32':
        return new T('int32', Int32Array.from(inp.data), inp.shape);
      case 'INT8':
        return new T('int8', Int8Array.from(inp.data), inp.shape);
      case 'UINT8':
        return new T('uint8', Uint8Array.from(inp.data), inp.shape);
      case 'INT16':
        return new T('int16', Int16Array.from(inp.data), inp.shape);
      case 'BOOL':
        return new T('bool', Uint8Array.from(inp.data), inp.shape);
      default:
        throw new UserError(`input element type ${inp.onnxType} is not supported by the float reference`);
    }
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
