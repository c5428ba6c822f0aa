// stylus-ml simulate MODEL.onnx|DIR (--input IN.json | --random N): the fixed-point simulator beside the
// float model; for a crate, with the model, box and formats its stylus-ml.json records.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import { readInputFile, type InputCase } from '../io/inputs';
import { prng } from '../io/prng';
import { prepareModel, readModelFile, type Prepared } from '../pipeline';
import { MANIFEST_FILE } from '../manifest/schema';
import { readManifest } from '../manifest/file';
import { modelFileOf, planFromManifest } from './crate-model';
import { loadGraph } from '../onnx/import';
import { simulateCases } from '../report/simulate';
import { FloatReference } from '../float/ort';
import type { Plan, QFormat, Storage } from '../quant/types';
import type { Command } from './command';
import { SimulateJsonSchema } from '../contracts/cli';
import { sci, short, table } from './format';
import type { BoxShape } from '../quant/box';
import { validate, validationText, type ValidationReport } from '../report/validation';
import { perLayerReport, type PerLayerReport } from '../report/per-layer';

export const quantFlags = {
  'input-range': { kind: 'string' as const, help: 'declared input box: lo:hi for all values, or lo:hi,lo:hi,... one per input value' },
  calibration: { kind: 'string' as const, help: 'calibration data (input format): the box is derived from it (see --box)' },
  box: { kind: 'string' as const, help: 'how the box is derived from --calibration: auto (default: per-tensor for images, per-value with a margin for tabular features), per-value or per-tensor' },
  'box-margin': { kind: 'number' as const, help: 'how far a per-value box reaches past the calibration range, as a fraction of it on each side (default 0.5; 0: the calibration min/max)' },
  activations: { kind: 'string' as const, help: 'activation storage: i16 (default) or i32' },
  weights: { kind: 'string' as const, help: 'weight storage: i8, i16 (default) or i32' },
  accumulator: { kind: 'string' as const, help: 'auto (default: i32 where proven safe) or i64' },
  format: { kind: 'string' as const, help: 'force tensor formats: name=i16:12,name2=i32:20 (storage:fracBits; ONNX value names)' },
};

/** `--format a=i16:12,b=i32:20` → tensor name → format. */
export function parseFormats(spec: string | undefined): Map<string, QFormat> | undefined {
  if (!spec) return undefined;
  const out = new Map<string, QFormat>();
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(.+)=(i8|i16|i32):(-?\d+)$/.exec(part);
    if (!m) throw new UserError(`--format: '${part}' is not name=storage:fracBits (e.g. fc1=i16:12)`);
    out.set(m[1], { storage: m[2] as Storage, frac: Number(m[3]) });
  }
  return out;
}

export function quantOptions(flags: Record<string, unknown>) {
  const act = flags.activations as string | undefined;
  const w = flags.weights as string | undefined;
  const acc = flags.accumulator as string | undefined;
  if (act && act !== 'i16' && act !== 'i32') throw new UserError(`--activations must be i16 or i32, got '${act}'`);
  if (w && !['i8', 'i16', 'i32'].includes(w)) throw new UserError(`--weights must be i8, i16 or i32, got '${w}'`);
  if (acc && acc !== 'auto' && acc !== 'i64') throw new UserError(`--accumulator must be auto or i64, got '${acc}'`);
  const box = flags.box as string | undefined;
  if (box && !['auto', 'per-value', 'per-tensor'].includes(box)) throw new UserError(`--box must be auto, per-value or per-tensor, got '${box}'`);
  const margin = flags['box-margin'] as number | undefined;
  if (margin !== undefined && !(margin >= 0 && Number.isFinite(margin))) throw new UserError(`--box-margin must be a number ≥ 0, got ${margin}`);
  return {
    inputRange: flags['input-range'] as string | undefined,
    calibration: flags.calibration as string | undefined,
    box: box as BoxShape | undefined,
    boxMargin: margin,
    activations: act as 'i16' | 'i32' | undefined,
    weights: w as Storage | undefined,
    accumulator: acc as 'auto' | 'i64' | undefined,
    force: parseFormats(flags.format as string | undefined),
  };
}

/** `n` real inputs in the declared box: its two corners, then seeded uniform draws. */
export function boxCases(plan: Plan, n: number): InputCase[] {
  const rnd = prng(0x5eed);
  return Array.from({ length: n }, (_, k) => {
    const c: InputCase = new Map();
    for (const inp of plan.graph.inputs) {
      const box = plan.options.boxes.get(inp.id)!;
      c.set(inp.id, Float64Array.from(box.lo, (lo, i) => (k === 0 ? lo : k === 1 ? box.hi[i] : inp.kind === 'int' ? Math.round(lo + rnd() * (box.hi[i] - lo)) : lo + rnd() * (box.hi[i] - lo))));
    }
    return c;
  });
}

export const simulateCommand: Command<typeof SimulateJsonSchema> = {
  spec: {
    name: 'simulate',
    summary: 'Runs the float model (onnxruntime) and the fixed-point simulator on the same inputs and compares them: outputs side by side, max abs error, argmax agreement.',
    usage: 'stylus-ml simulate MODEL.onnx|DIR (--input IN.json | --random N | --validation DATA.json [--labels L.json]) [--per-layer] [--input-range lo:hi] [--calibration DATA.json [--box auto|per-value|per-tensor] [--box-margin F]] [--input-policy revert|clamp] [--json]',
    flags: {
      input: { kind: 'string', help: 'inputs: a JSON array for one case, an array of arrays for a batch, or {name: array}' },
      validation: { kind: 'string', help: 'held-out rows (input format): box coverage, revert rate, argmax agreement, accuracy and error against the bound' },
      labels: { kind: 'string', help: 'with --validation: a JSON array of the rows\' labels (class indices), for the accuracy' },
      random: { kind: 'number', help: 'instead of --input: N inputs drawn from the declared box (its corners, then uniform; seeded)' },
      'input-policy': { kind: 'string', help: 'inputs outside the box: revert (default) or clamp' },
      'per-layer': { kind: 'boolean', help: "each layer's error against the float model, beside its format, proven bound and a histogram of its values" },
      ...quantFlags,
    },
    positionals: ['model'],
  },
  output: SimulateJsonSchema,
  async run(args) {
    const target = args.positionals[0];
    const validationFile = args.flags.validation as string | undefined;
    const labelsFile = args.flags.labels as string | undefined;
    const inputFile = (args.flags.input as string | undefined) ?? validationFile;
    const random = args.flags.random as number | undefined;
    if (!inputFile && random === undefined) throw new UserError('simulate: give the inputs with --input IN.json, --validation DATA.json (held-out rows), or --random N to draw N inputs from the declared box');
    if ([args.flags.input, validationFile, random].filter((x) => x !== undefined).length > 1) throw new UserError('simulate: --input, --validation and --random exclude each other');
    if (labelsFile && !validationFile) throw new UserError('simulate: --labels goes with --validation DATA.json');
    if (random !== undefined && (!Number.isInteger(random) || random < 1 || random > 100_000)) throw new UserError('--random must be an integer from 1 to 100000');
    const policy = (args.flags['input-policy'] as string | undefined) ?? 'revert';
    if (policy !== 'revert' && policy !== 'clamp') throw new UserError(`--input-policy must be revert or clamp, got '${policy}'`);
    // a generated crate: its model, box and formats from stylus-ml.json
    const crate = fs.existsSync(target) && fs.statSync(target).isDirectory();
    if (crate && !fs.existsSync(path.join(target, MANIFEST_FILE))) throw new UserError(`${target} has no ${MANIFEST_FILE}: give an .onnx model or a crate made by \`stylus-ml new\``);
    const manifest = crate ? readManifest(target) : null;
    const file = manifest ? modelFileOf(target, manifest) : target;
    // onnxruntime compiles 14 MB of wasm: start it first, it compiles in the background while the
    // model is imported and planned
    const bytes = readModelFile(file);
    const reference = FloatReference.create(bytes, file);
    reference.catch(() => undefined);
    const loaded = { bytes, graph: loadGraph(bytes, { file }) };
    let prepared: Prepared & { warnings: string[] };
    let cases: InputCase[];
    if (manifest) {
      if (args.flags['input-range'] || args.flags.calibration || args.flags.weights || args.flags.activations || args.flags.accumulator || args.flags.format) throw new UserError('simulate DIR: the box and formats are the crate\'s (stylus-ml.json); simulate the .onnx file to try others');
      const plan = planFromManifest(target, manifest);
      prepared = { file, bytes, graph: plan.graph, plan, calibration: null, boxNote: manifest.box.note, warnings: [] };
      cases = inputFile ? readInputFile(inputFile, plan.graph) : boxCases(plan, random!);
    } else if (inputFile) {
      cases = readInputFile(inputFile, loaded.graph);
      prepared = prepareModel(file, { ...quantOptions(args.flags), fallbackCases: cases }, loaded);
    } else {
      prepared = prepareModel(file, quantOptions(args.flags), loaded);
      if (prepared.plan.options.boxes.size === 0 || !(args.flags['input-range'] || args.flags.calibration)) throw new UserError('simulate --random draws from the declared box: give --input-range lo:hi or --calibration DATA.json');
      cases = boxCases(prepared.plan, random!);
    }
    let report: Awaited<ReturnType<typeof simulateCases>>;
    let validation: ValidationReport | undefined;
    if (validationFile) {
      const v = await validate({ ...prepared, file }, validationFile, { labels: labelsFile, policy, reference: await reference });
      report = v.sim;
      validation = v.report;
    } else report = await simulateCases(prepared.bytes, file, prepared.plan, cases, policy, await reference);
    const lines: string[] = [`model  ${file}`, `box    ${prepared.boxNote}`];
    for (const w of prepared.warnings) lines.push(`note   ${w}`);
    const shown = report.cases.slice(0, 20);
    shown.forEach((c, i) => {
      lines.push('', `case ${i}${c.error ? `: reverts — ${c.error}` : ''}`);
      const rows: string[][] = [];
      for (const [name, o] of Object.entries(c.outputs)) {
        o.float.forEach((f, k) => {
          if (k < 16) rows.push([k === 0 ? name : '', String(k), short(f), short(o.fixed[k]), String(o.fixedRaw[k]), typeof f === 'number' && typeof o.fixed[k] === 'number' ? sci(Math.abs((o.fixed[k] as number) - f)) : f === o.fixed[k] ? 'equal' : 'DIFFERS']);
        });
        if (o.float.length > 16) rows.push(['', '…', `${o.float.length - 16} more`, '', '', '']);
      }
      if (rows.length) lines.push(table(['output', 'i', 'float', 'fixed', 'raw', '|error|'], rows, [false, true, true, true, true, true]));
      if (c.argmax) lines.push(`argmax float ${c.argmax.float}, fixed ${c.argmax.fixed}${c.argmax.float === c.argmax.fixed ? '' : '  (DIFFERENT)'}`);
    });
    if (report.cases.length > shown.length) lines.push('', `… ${report.cases.length - shown.length} more cases (see --json)`);
    const s = report.summary;
    lines.push('', `summary  ${s.cases} case(s), max |fixed − float| ${sci(s.maxAbsError)}${s.argmaxAgreement === null ? '' : `, argmax agreement ${(s.argmaxAgreement * 100).toFixed(2)}%`}${s.reverted ? `, ${s.reverted} reverted (outside the box)` : ''}`);
    for (const [name, o] of Object.entries(s.outputs)) {
      if (o.labels) {
        lines.push(`  ${name}: class index (i32) → labels ${JSON.stringify(o.labels)}`);
        continue;
      }
      lines.push(`  ${name}: ${o.float32 ? 'float32 (as onnxruntime computes it)' : `${o.storage} Q.${o.fracBits}`}, error bound ${sci(o.errorBound)}${o.errorBound === null && o.errorBoundOnGrid !== null ? ` (${sci(o.errorBoundOnGrid)} for inputs on the grid)` : ''}${o.maxAbsError !== null ? `, observed ${sci(o.maxAbsError)}` : ''}`);
    }
    if (validation) lines.push('', ...validationText(validation));
    const perLayer = args.flags['per-layer'] ? perLayerReport(prepared.plan, validationFile ? readInputFile(validationFile, prepared.plan.graph) : cases, policy) : undefined;
    if (perLayer) lines.push('', ...perLayerText(perLayer));
    return { json: { ...report, ...(validation ? { validation } : {}), ...(perLayer ? { perLayer } : {}) }, text: lines.join('\n') };
  },
};

const SPARK = '▁▂▃▄▅▆▇█';

/** A histogram as one line of block characters (empty bins as spaces). */
export function sparkline(counts: number[]): string {
  const max = Math.max(...counts);
  return counts.map((c) => (c === 0 ? ' ' : SPARK[Math.min(SPARK.length - 1, Math.floor((c / max) * (SPARK.length - 1)))])).join('');
}

function perLayerText(r: PerLayerReport): string[] {
  const rows = r.layers.map((l) => [
    l.name,
    l.op,
    l.format,
    l.maxAbsError === null ? '—' : sci(l.maxAbsError),
    l.meanAbsError === null ? '—' : sci(l.meanAbsError),
    l.errorBound === null ? '—' : `${sci(l.errorBound)}${l.boundAgainst === 'onnxruntime' ? '*' : ''}`,
    `[${short(l.observed[0])}, ${short(l.observed[1])}]`,
    `|${sparkline(l.histogram.counts)}| ${short(l.histogram.lo)}..${short(l.histogram.hi)}`,
  ]);
  const lines = [`per layer  error against the float model (the IR evaluated in real numbers) on ${r.cases} input(s)`, table(['layer', 'op', 'format', 'max err', 'mean err', 'bound', 'values', 'histogram over the format'], rows, [false, false, false, true, true, true, false, false])];
  if (r.layers.some((l) => l.boundAgainst === 'onnxruntime')) lines.push("* against onnxruntime running the quantized model (its own integers); the error column is against the float model");
  lines.push(r.worst ? `worst layer: ${r.worst.name} — ${r.worst.why}.\n  what to do: ${r.worst.advice}.` : 'no layer adds error');
  return lines;
}
