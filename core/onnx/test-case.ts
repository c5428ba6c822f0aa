// Reading ONNX backend node-test cases (model.onnx + test_data_set_0/{input,output}_N.pb).
import fs from 'node:fs';
import path from 'node:path';
import { onnx } from 'onnx-proto';
import { tensorDims, tensorValues, dataTypeName } from './model';
import type { ConstValue } from './ops/context';

export interface CaseTensor {
  name: string;
  shape: number[];
  data: Float64Array;
  onnxType: string;
}

export function readTensorFile(file: string): CaseTensor {
  const t = onnx.TensorProto.decode(fs.readFileSync(file));
  const type = t.dataType ?? 0;
  // NaN is a legitimate test value; read without the finiteness check. Strings carry no numbers.
  const data = type === onnx.TensorProto.DataType.STRING ? new Float64Array(0) : tensorValues(t, file);
  return { name: t.name ?? '', shape: tensorDims(t), data, onnxType: dataTypeName(type) };
}

export interface NodeTestCase {
  dir: string;
  model: Uint8Array;
  inputs: CaseTensor[];
  outputs: CaseTensor[];
}

export function readNodeTest(dir: string): NodeTestCase {
  const data = path.join(dir, 'test_data_set_0');
  const list = (prefix: string) =>
    fs
      .readdirSync(data)
      .filter((f) => f.startsWith(prefix))
      .sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]))
      .map((f) => readTensorFile(path.join(data, f)));
  return { dir, model: fs.readFileSync(path.join(dir, 'model.onnx')), inputs: list('input_'), outputs: list('output_') };
}

/** Node tests feed weights as graph inputs; the harness keeps input 0 at run time and makes the rest constants. */
export function promotedConstants(model: Uint8Array, inputs: CaseTensor[]): Map<string, ConstValue> {
  const m = onnx.ModelProto.decode(model);
  const names = (m.graph?.input ?? []).map((i) => i.name ?? '');
  const inits = new Set((m.graph?.initializer ?? []).map((i) => i.name));
  const runtime = names.filter((n) => !inits.has(n));
  const out = new Map<string, ConstValue>();
  runtime.slice(1).forEach((name, i) => {
    const t = inputs[i + 1];
    if (!t) return;
    out.set(name, { shape: t.shape, data: t.data, kind: /FLOAT|DOUBLE/.test(t.onnxType) ? 'real' : 'int' });
  });
  return out;
}
