// The model pipeline as the CLI, the extension and the tests use it: read an ONNX file, settle the input
// box, plan the quantisation.
import fs from 'node:fs';
import type { Graph } from './ir/graph';
import { sizeOf } from './ir/graph';
import { UserError } from './errors';
import { loadGraph } from './onnx/import';
import { boxFromCases, outsideBox, parseInputRange } from './quant/box';
import { planQuantisation } from './quant/plan';
import { readInputFile, type InputCase } from './io/inputs';
import type { InputBox, Plan, QFormat, QuantOptions, Storage } from './quant/types';

export interface ModelOptions {
  /** `--input-range` spec */
  inputRange?: string;
  /** `--calibration` file (CLI input format) */
  calibration?: string;
  /** cases to take the box from when neither is given (simulate's own inputs) */
  fallbackCases?: InputCase[];
  activations?: 'i16' | 'i32';
  weights?: Storage;
  accumulator?: 'auto' | 'i64';
  /** forced formats by ONNX value name */
  force?: Map<string, QFormat>;
}

export interface Prepared {
  file: string;
  bytes: Uint8Array;
  graph: Graph;
  plan: Plan;
  calibration: InputCase[] | null;
  /** how the box was settled, for the report */
  boxNote: string;
}

export function readModelFile(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, expected an .onnx file' : `cannot read (${code ?? e})`}`);
  }
}

export function loadModel(file: string): { bytes: Uint8Array; graph: Graph } {
  const bytes = readModelFile(file);
  return { bytes, graph: loadGraph(bytes, { file }) };
}

/**
 * A pre-quantized model's input box when none is declared: what its input QuantizeLinear represents,
 * [(−128 − zp)·scale, (127 − zp)·scale] in the i8 storage (uint8 shifted). Null unless every input is quantized.
 */
export function quantizerBoxes(graph: Graph): Map<string, InputBox> | null {
  if (!graph.inputs.every((i) => i.quant)) return null;
  const boxes = new Map<string, InputBox>();
  for (const i of graph.inputs) {
    const { scale, zeroPoint } = i.quant!;
    const n = sizeOf(i.shape);
    boxes.set(i.id, { lo: new Float64Array(n).fill((-128 - zeroPoint) * scale), hi: new Float64Array(n).fill((127 - zeroPoint) * scale), source: 'quantizer' });
  }
  return boxes;
}

/** The input box: --input-range, else calibration min/max, else the given cases' min/max. */
export function resolveBoxes(graph: Graph, opts: ModelOptions, calibration: InputCase[] | null): { boxes: Map<string, InputBox>; note: string; warnings: string[] } {
  const warnings: string[] = [];
  const quantizer = opts.inputRange || calibration ? null : quantizerBoxes(graph);
  if (quantizer) {
    const q = graph.inputs.map((i) => `${i.name}: scale ${i.quant!.scale}, zero point ${i.quant!.zeroPoint + (i.quant!.onnxType === 'UINT8' ? 128 : 0)} (${i.quant!.onnxType})`).join('; ');
    return { boxes: quantizer, note: `what the model's input QuantizeLinear represents (${q}); values outside it saturate in onnxruntime: --input-policy clamp does the same, revert refuses them`, warnings };
  }
  if (opts.inputRange) {
    const boxes = parseInputRange(opts.inputRange, graph);
    if (calibration) {
      const out = outsideBox(graph, boxes, calibration);
      if (out.length) warnings.push(`${out.length} calibration case(s) lie outside the declared box, e.g. ${out[0]}`);
    }
    return { boxes, note: `declared with --input-range ${opts.inputRange}`, warnings };
  }
  if (calibration) return { boxes: boxFromCases(graph, calibration, 'calibration'), note: `min/max of ${calibration.length} calibration case(s) in ${opts.calibration}`, warnings };
  if (opts.fallbackCases?.length) {
    warnings.push('no --input-range or --calibration: the box is the min/max of the inputs given, so inputs outside them would revert on chain');
    return { boxes: boxFromCases(graph, opts.fallbackCases, 'default'), note: `min/max of the ${opts.fallbackCases.length} input case(s) given (declare it with --input-range)`, warnings };
  }
  throw new UserError('declare the input box with --input-range lo:hi (or lo:hi,lo:hi,... per input value) or give --calibration DATA.json');
}

export function prepareModel(file: string, opts: ModelOptions, loaded?: { bytes: Uint8Array; graph: Graph }): Prepared & { warnings: string[] } {
  const { bytes, graph } = loaded ?? loadModel(file);
  const calibration = opts.calibration ? readInputFile(opts.calibration, graph) : null;
  const { boxes, note, warnings } = resolveBoxes(graph, opts, calibration);
  for (const name of opts.force?.keys() ?? []) {
    if (!graph.tensors.has(name)) throw new UserError(`--format: no tensor named '${name}'; tensors are ${[...graph.tensors.keys()].slice(0, 12).join(', ')}${graph.tensors.size > 12 ? ', …' : ''}`);
  }
  const qopts: QuantOptions = { boxes, activations: opts.activations, weights: opts.weights, accumulator: opts.accumulator, force: opts.force };
  const plan = planQuantisation(graph, qopts);
  return { file, bytes, graph, plan, calibration, boxNote: note, warnings: [...warnings, ...plan.warnings] };
}
