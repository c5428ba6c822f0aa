// `--validation DATA.json [--labels L.json]`: how the plan does on held-out data from the model's
// distribution. Coverage of the input box, what the contract does with the rows outside it (revert, or
// clamp), argmax agreement with the float model on the rows it answers, accuracy against the labels, and
// each output's largest error beside its proven bound. A row outside the box is named by its first
// offending value with what to change.
import fs from 'node:fs';
import { UserError } from '../errors';
import type { InputCase } from '../io/inputs';
import type { Plan } from '../quant/types';
import type { InputPolicy } from '../quant/simulate';
import { simulateCases, type SimulateReport } from './simulate';
import { readInputFile } from '../io/inputs';
import type { FloatReference } from '../float/ort';

export interface OutsideValue {
  /** validation row (0-based) */
  row: number;
  input: string;
  /** element of the input (flat) */
  index: number;
  value: number;
  lo: number;
  hi: number;
}

export interface ValidationReport {
  file: string;
  rows: number;
  policy: InputPolicy;
  /** fractions of the rows entirely inside the box, and of all input values inside it */
  coverage: { rows: number; values: number };
  /** rows outside the box: reverted (policy revert) or clamped (policy clamp) */
  outside: number;
  /** fraction of the rows the contract refuses (0 under clamp) */
  revertRate: number;
  /** the first value outside the box, or null */
  firstOutside: OutsideValue | null;
  /** argmax agreement with the float model over the rows answered, null when the output has no argmax */
  argmaxAgreement: number | null;
  /** accuracy against the labels (reverted rows count as wrong for the contract), null without labels */
  accuracy: { float: number; fixed: number } | null;
  /** per output: largest |fixed − float| over the rows inside the box, and the proven bound */
  outputs: Record<string, { maxAbsError: number | null; errorBound: number | null; withinBound: boolean | null }>;
  /** what to change when rows leave the box */
  advice: string | null;
}

/** Labels file: a JSON array of class indices (or labels), one per validation row. */
export function readLabels(file: string, rows: number): (number | string)[] {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON (${(e as Error).message})`}`);
  }
  if (!Array.isArray(json) || !json.every((x) => typeof x === 'number' || typeof x === 'string')) throw new UserError(`${file}: expected a JSON array of labels (class indices or names), one per validation row`);
  if (json.length !== rows) throw new UserError(`${file}: ${json.length} labels for ${rows} validation rows`);
  return json as (number | string)[];
}

/** Every value outside its box, per row: the first one of each row (in input order). */
export function outsideValues(plan: Plan, cases: InputCase[]): { first: (OutsideValue | null)[]; values: number; inside: number } {
  let values = 0;
  let inside = 0;
  const first = cases.map((c, row) => {
    let hit: OutsideValue | null = null;
    for (const inp of plan.graph.inputs) {
      const box = plan.options.boxes.get(inp.id)!;
      const v = c.get(inp.id)!;
      for (let i = 0; i < v.length; i++) {
        values++;
        if (v[i] >= box.lo[i] && v[i] <= box.hi[i]) inside++;
        else hit ??= { row, input: inp.name, index: i, value: v[i], lo: box.lo[i], hi: box.hi[i] };
      }
    }
    return hit;
  });
  return { first, values, inside };
}

/** The validation figures from a simulation of the validation rows (same plan, same policy). */
export function validationReport(plan: Plan, cases: InputCase[], sim: SimulateReport, opts: { file: string; policy: InputPolicy; labels?: (number | string)[] | null; boxNote: string }): ValidationReport {
  const rows = cases.length;
  const { first, values, inside } = outsideValues(plan, cases);
  const outsideRows = first.filter((f) => f !== null).length;
  const firstOutside = first.find((f) => f !== null) ?? null;
  let compared = 0;
  let agree = 0;
  const out0 = plan.graph.outputs[0];
  let correctFloat = 0;
  let correctFixed = 0;
  const labels = opts.labels ?? null;
  const labelIndex = (l: number | string) => (out0.classLabels ? out0.classLabels.findIndex((x) => x === l) : Number(l));
  sim.cases.forEach((c, row) => {
    if (c.argmax) {
      compared++;
      if (c.argmax.float === c.argmax.fixed) agree++;
    }
    if (labels) {
      const want = labelIndex(labels[row]);
      // a reverted row still has the float model's answer
      const fl = c.argmax?.float ?? c.floatArgmax ?? null;
      if (fl !== null && fl === want) correctFloat++;
      if (!c.error && c.argmax && c.argmax.fixed === want) correctFixed++;
    }
  });
  const outputs: ValidationReport['outputs'] = {};
  for (const o of plan.graph.outputs) {
    const t = plan.tensors.get(o.id)!;
    if (o.classLabels) {
      outputs[o.name] = { maxAbsError: null, errorBound: null, withinBound: null };
      continue;
    }
    let m = 0;
    sim.cases.forEach((c, row) => {
      if (c.error || first[row]) return;
      const v = c.outputs[o.name];
      v.fixed.forEach((f, i) => (m = Math.max(m, Math.abs((f as number) - (v.float[i] as number)))));
    });
    outputs[o.name] = { maxAbsError: m, errorBound: t.errorBound, withinBound: t.errorBound === null ? null : m <= t.errorBound };
  }
  let advice: string | null = null;
  if (firstOutside) {
    const f = firstOutside;
    const side = f.value < f.lo ? `below the box's ${f.lo}` : `above the box's ${f.hi}`;
    const what = opts.policy === 'revert' ? `${outsideRows} of ${rows} rows (${((100 * outsideRows) / rows).toFixed(1)} %) would revert with InputOutOfRange` : `${outsideRows} of ${rows} rows are clamped into the box (their outputs are the model's at the box's edge)`;
    advice = `${what}; the first is row ${f.row}: ${f.input}[${f.index}] = ${f.value} is ${side} (${opts.boxNote}). Widen the box: a larger --box-margin, --box per-tensor when the values share one scale, more representative --calibration data, or declare --input-range; or accept such queries with --input-policy clamp`;
  }
  return {
    file: opts.file,
    rows,
    policy: opts.policy,
    coverage: { rows: rows ? (rows - outsideRows) / rows : 1, values: values ? inside / values : 1 },
    outside: outsideRows,
    revertRate: opts.policy === 'revert' ? outsideRows / Math.max(1, rows) : 0,
    firstOutside,
    argmaxAgreement: compared ? agree / compared : null,
    accuracy: labels ? { float: correctFloat / Math.max(1, rows), fixed: correctFixed / Math.max(1, rows) } : null,
    outputs,
    advice,
  };
}

/** Runs the validation rows of `file` through the plan and the float model; the simulation and its figures. */
export async function validate(
  model: { bytes: Uint8Array; file: string; plan: Plan; boxNote: string },
  file: string,
  opts: { labels?: string; policy: InputPolicy; reference?: FloatReference },
): Promise<{ cases: InputCase[]; sim: SimulateReport; report: ValidationReport }> {
  const cases = readInputFile(file, model.plan.graph);
  const labels = opts.labels ? readLabels(opts.labels, cases.length) : null;
  const sim = await simulateCases(model.bytes, model.file, model.plan, cases, opts.policy, opts.reference);
  return { cases, sim, report: validationReport(model.plan, cases, sim, { file, policy: opts.policy, labels, boxNote: model.boxNote }) };
}

/** The figures as text lines (simulate, new). */
export function validationText(r: ValidationReport): string[] {
  const pct = (x: number) => `${(100 * x).toFixed(x === 1 || x === 0 ? 0 : 2)} %`;
  const lines = [
    `validation  ${r.rows} rows of ${r.file}: ${pct(r.coverage.rows)} inside the box (${pct(r.coverage.values)} of the values); ${r.policy === 'revert' ? `${r.outside} revert (${pct(r.revertRate)})` : `${r.outside} clamped`}`,
  ];
  if (r.argmaxAgreement !== null) lines.push(`            argmax agreement with the float model ${pct(r.argmaxAgreement)} of the rows answered`);
  if (r.accuracy) lines.push(`            accuracy against the labels: float ${pct(r.accuracy.float)}, contract ${pct(r.accuracy.fixed)}${r.policy === 'revert' && r.outside ? ' (a reverted row is no answer)' : ''}`);
  for (const [name, o] of Object.entries(r.outputs)) {
    if (o.maxAbsError === null) continue;
    lines.push(`            ${name}: max |fixed − float| ${o.maxAbsError.toExponential(2)} inside the box, proven bound ${o.errorBound === null ? 'none' : o.errorBound.toExponential(2)}${o.withinBound === false ? '  (EXCEEDED)' : ''}`);
  }
  if (r.advice) lines.push(`            ${r.advice}`);
  return lines;
}
