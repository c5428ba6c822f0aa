// The model pipeline as the CLI, the extension and the tests use it: read an ONNX file, settle the input
// box, plan the quantisation.
import fs from 'node:fs';
import type { Graph } from './ir/graph';
import { sizeOf } from './ir/graph';
import { UserError } from './errors';
import { loadGraph } from './onnx/import';
import { boxFromCases, boxSpec, calibrationBox, defaultRangeOf, outsideBox, parseInputRange, type BoxShape } from './quant/box';
import { planWithPrecision } from './quant/precision';
import { readInputFile, type InputCase } from './io/inputs';
import type { InputBox, Plan, QFormat, QuantOptions, Storage } from './quant/types';
import type { BoxDerivation } from './manifest/schema';

export interface ModelOptions {
  /** `--input-range` spec */
  inputRange?: string;
  /** `--calibration` file (CLI input format) */
  calibration?: string;
  /** how the box is derived from calibration data (`--box`, default auto) and its margin (`--box-margin`) */
  box?: BoxShape;
  boxMargin?: number;
  /** cases to take the box from when neither is given (simulate's own inputs) */
  fallbackCases?: InputCase[];
  /** when nothing else gives the box, take the stated default (core/quant/box.ts DEFAULT_REAL_RANGE) instead of refusing */
  defaultBox?: boolean;
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
  /** how it was derived from calibration data, when it was */
  boxDerivation?: BoxDerivation;
  /** where the box came from, and it as a short `--input-range` spec (null for a per-value box) */
  box?: { source: BoxSource; spec: string | null };
}

export type BoxSource = 'declared' | 'calibration' | 'quantizer' | 'default' | 'inputs';

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
export function resolveBoxes(
  graph: Graph,
  opts: ModelOptions,
  calibration: InputCase[] | null,
): { boxes: Map<string, InputBox>; note: string; warnings: string[]; source: BoxSource; shapes?: Map<string, 'per-value' | 'per-tensor'>; margin?: number } {
  if ((opts.box || opts.boxMargin !== undefined) && !calibration) throw new UserError('--box and --box-margin shape the box derived from --calibration DATA.json; give the calibration data (or declare the box with --input-range)');
  const warnings: string[] = [];
  const quantizer = opts.inputRange || calibration ? null : quantizerBoxes(graph);
  if (quantizer) {
    const q = graph.inputs.map((i) => `${i.name}: scale ${i.quant!.scale}, zero point ${i.quant!.zeroPoint + (i.quant!.onnxType === 'UINT8' ? 128 : 0)} (${i.quant!.onnxType})`).join('; ');
    return { boxes: quantizer, note: `what the model's input QuantizeLinear represents (${q}); values outside it saturate in onnxruntime: --input-policy clamp does the same, revert refuses them`, warnings, source: 'quantizer' };
  }
  if (opts.inputRange) {
    const boxes = parseInputRange(opts.inputRange, graph);
    if (calibration) {
      const out = outsideBox(graph, boxes, calibration);
      if (out.length) warnings.push(`${out.length} calibration case(s) lie outside the declared box, e.g. ${out[0]}`);
    }
    return { boxes, note: `declared with --input-range ${opts.inputRange}`, warnings, source: 'declared' };
  }
  if (calibration) {
    const c = calibrationBox(graph, calibration, { shape: opts.box ?? 'auto', margin: opts.boxMargin });
    return { boxes: c.boxes, note: `from ${calibration.length} calibration case(s) in ${opts.calibration}: ${c.notes.join('; ')}`, warnings, source: 'calibration', shapes: c.shapes, margin: c.margin };
  }
  if (opts.fallbackCases?.length) {
    warnings.push('no --input-range or --calibration: the box is the min/max of the inputs given, so inputs outside them would revert on chain');
    return { boxes: boxFromCases(graph, opts.fallbackCases, 'default'), note: `min/max of the ${opts.fallbackCases.length} input case(s) given (declare it with --input-range)`, warnings, source: 'inputs' };
  }
  if (opts.defaultBox) {
    const boxes = new Map<string, InputBox>();
    for (const i of graph.inputs) {
      const [lo, hi] = defaultRangeOf(i.onnxType);
      const n = sizeOf(i.shape);
      boxes.set(i.id, { lo: new Float64Array(n).fill(lo), hi: new Float64Array(n).fill(hi), source: 'default' });
    }
    const ranges = graph.inputs.map((i) => `${i.name}${i.kind === 'real' ? '' : ` (${i.onnxType})`} [${defaultRangeOf(i.onnxType).join(', ')}]`).join('; ');
    return { boxes, note: `the default box (${ranges}): real inputs in [-1, 1], integer inputs over their type's values up to i16's; declare the model's own with --input-range or --calibration`, warnings, source: 'default' };
  }
  throw new UserError('declare the input box with --input-range lo:hi (or lo:hi,lo:hi,... per input value) or give --calibration DATA.json');
}

export function prepareModel(file: string, opts: ModelOptions, loaded?: { bytes: Uint8Array; graph: Graph }): Prepared & { warnings: string[] } {
  const { bytes, graph } = loaded ?? loadModel(file);
  const calibration = opts.calibration ? readInputFile(opts.calibration, graph) : null;
  const { boxes, note, warnings, shapes, margin, source } = resolveBoxes(graph, opts, calibration);
  const boxDerivation: BoxDerivation | undefined = shapes && calibration ? { rows: calibration.length, shapes: Object.fromEntries(graph.inputs.map((i) => [i.name, shapes.get(i.id)!])), margin: margin ?? 0 } : undefined;
  for (const name of opts.force?.keys() ?? []) {
    if (!graph.tensors.has(name)) throw new UserError(`--format: no tensor named '${name}'; tensors are ${[...graph.tensors.keys()].slice(0, 12).join(', ')}${graph.tensors.size > 12 ? ', …' : ''}`);
  }
  const qopts: QuantOptions = { boxes, accumulator: opts.accumulator, force: opts.force };
  // widths left open are chosen by the proof (core/quant/precision.ts)
  const { plan, note: precision } = planWithPrecision(graph, qopts, { activations: opts.activations, weights: opts.weights });
  const box = { source, spec: source === 'declared' ? opts.inputRange!.replace(/\s+/g, '') : boxSpec(graph, boxes) };
  return { file, bytes, graph, plan, calibration, boxNote: note, box, ...(boxDerivation ? { boxDerivation } : {}), warnings: [...warnings, ...(precision ? [precision] : []), ...plan.warnings] };
}
