// Issue 14, part 1: a box derived from calibration data holds on unseen data. Four real trained models
// (PyTorch MLP and CNN on 8x8 digits, breast-cancer logistic regression on raw features, iris sigmoid
// MLP), calibrated on their training split with default options: on the held-out split at most 1 % of the
// inputs revert and the argmax agrees with the float model (onnxruntime) on at least 99.5 %. The
// `--validation` report's figures equal this test's own computation from the simulator and onnxruntime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { prepareModel } from '../../core/pipeline';
import { InputOutOfRange, quantizeInputs, realOf, runFixed } from '../../core/quant/simulate';
import { FloatReference } from '../../core/float/ort';
import { floatOutputs } from '../../core/report/simulate';
import { readInputFile } from '../../core/io/inputs';
import { calibrationBox } from '../../core/quant/box';
import { loadModel } from '../../core/pipeline';
import type { Plan } from '../../core/quant/types';
import type { Validation } from '../../core/manifest/schema';
import { runCli } from '../fixtures/cli';
import { CALIBRATION_SETS, readJson, type CalibrationSet } from '../fixtures/calibration';

const argmax = (a: ArrayLike<number>) => {
  let b = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[b]) b = i;
  return b;
};

interface Own {
  rows: number;
  outside: number;
  firstOutside: { row: number; index: number; value: number } | null;
  valuesInside: number;
  values: number;
  answered: number;
  agree: number;
  correctFloat: number;
  correctFixed: number;
  maxAbsError: number;
}

/** The figures computed here, independently of core/report/validation.ts. */
async function ownFigures(s: CalibrationSet, plan: Plan, bytes: Uint8Array): Promise<Own> {
  const g = plan.graph;
  const rows = readInputFile(s.test, g);
  const labels = readJson<number[]>(s.testLabels);
  const box = plan.options.boxes.get(g.inputs[0].id)!;
  const out = plan.tensors.get(g.outputs[0].id)!;
  const ref = await FloatReference.create(bytes, s.model);
  const own: Own = { rows: rows.length, outside: 0, firstOutside: null, valuesInside: 0, values: 0, answered: 0, agree: 0, correctFloat: 0, correctFixed: 0, maxAbsError: 0 };
  try {
    for (const [r, c] of rows.entries()) {
      const x = c.get(g.inputs[0].id)!;
      const bad = Array.from(x).findIndex((v, i) => v < box.lo[i] || v > box.hi[i]);
      own.values += x.length;
      own.valuesInside += Array.from(x).filter((v, i) => v >= box.lo[i] && v <= box.hi[i]).length;
      const float = (await floatOutputs(ref, g, c))[g.outputs[0].name] as number[];
      if (argmax(float) === labels[r]) own.correctFloat++;
      let q;
      try {
        q = quantizeInputs(plan, c, 'revert');
      } catch (e) {
        assert.ok(e instanceof InputOutOfRange);
        assert.ok(bad >= 0, 'only a row outside the box reverts');
        own.outside++;
        own.firstOutside ??= { row: r, index: bad, value: x[bad] };
        continue;
      }
      assert.equal(bad, -1, 'a row inside the box is answered');
      const fixed = Array.from(runFixed(plan, q).get(out.id)!, (v) => realOf(out.format, v));
      own.answered++;
      if (argmax(fixed) === argmax(float)) own.agree++;
      if (argmax(fixed) === labels[r]) own.correctFixed++;
      fixed.forEach((f, i) => (own.maxAbsError = Math.max(own.maxAbsError, Math.abs(f - float[i]))));
    }
  } finally {
    await ref.release();
  }
  return own;
}

function assertReportEquals(v: Validation, own: Own, name: string): void {
  assert.equal(v.rows, own.rows, `${name}: rows`);
  assert.equal(v.outside, own.outside, `${name}: rows outside the box`);
  assert.equal(v.revertRate, own.outside / own.rows, `${name}: revert rate`);
  assert.equal(v.coverage.rows, (own.rows - own.outside) / own.rows, `${name}: row coverage`);
  assert.equal(v.coverage.values, own.valuesInside / own.values, `${name}: value coverage`);
  assert.equal(v.argmaxAgreement, own.agree / own.answered, `${name}: argmax agreement`);
  assert.deepEqual(v.accuracy, { float: own.correctFloat / own.rows, fixed: own.correctFixed / own.rows }, `${name}: accuracy`);
  const o = Object.values(v.outputs)[0];
  assert.equal(o.maxAbsError, own.maxAbsError, `${name}: max error`);
  assert.ok(o.withinBound, `${name}: the error stays within the proven bound`);
  if (own.firstOutside) {
    assert.equal(v.firstOutside?.row, own.firstOutside.row);
    assert.equal(v.firstOutside?.index, own.firstOutside.index);
    assert.equal(v.firstOutside?.value, own.firstOutside.value);
    assert.match(v.advice ?? '', new RegExp(`row ${own.firstOutside.row}: input\\[${own.firstOutside.index}\\] = ${own.firstOutside.value} is (below|above)`));
  } else assert.equal(v.advice, null);
}

for (const s of CALIBRATION_SETS) {
  test(`${s.name}: calibrated on the training split with default options, ≤ 1 % of held-out inputs revert, argmax agreement ≥ 99.5 %, and --validation reports the same figures`, { timeout: 300_000 }, async () => {
    const prepared = prepareModel(s.model, { calibration: s.train });
    const own = await ownFigures(s, prepared.plan, prepared.bytes);
    console.log(`${s.name}: ${own.outside}/${own.rows} held-out rows revert, argmax agreement ${own.agree}/${own.answered}, accuracy float ${own.correctFloat}/${own.rows}, contract ${own.correctFixed}/${own.rows}; box: ${prepared.boxNote}; widths ${prepared.plan.options.activations}/${prepared.plan.options.weights}`);
    assert.ok(own.outside / own.rows <= 0.01, `${own.outside} of ${own.rows} revert`);
    assert.ok(own.agree / own.rows >= 0.995, `argmax agreement ${own.agree}/${own.rows}`);
    const r = await runCli(['simulate', s.model, '--calibration', s.train, '--validation', s.test, '--labels', s.testLabels, '--json'], { timeoutMs: 240_000 });
    assert.equal(r.code, 0, r.stderr);
    assertReportEquals((JSON.parse(r.stdout) as { validation: Validation }).validation, own, s.name);
  });
}

test('the per-value min/max box of today reverts held-out rows; the report names the first offending feature and value, and matches', { timeout: 300_000 }, async () => {
  const s = CALIBRATION_SETS.find((x) => x.name === 'breast-cancer')!;
  const prepared = prepareModel(s.model, { calibration: s.train, box: 'per-value', boxMargin: 0 });
  const own = await ownFigures(s, prepared.plan, prepared.bytes);
  assert.ok(own.outside > 0, 'the exact calibration range does not hold on unseen rows');
  const r = await runCli(['simulate', s.model, '--calibration', s.train, '--box', 'per-value', '--box-margin', '0', '--validation', s.test, '--labels', s.testLabels, '--json'], { timeoutMs: 240_000 });
  assert.equal(r.code, 0, r.stderr);
  const v = (JSON.parse(r.stdout) as { validation: Validation }).validation;
  assertReportEquals(v, own, 'breast-cancer, margin 0');
  assert.match(v.advice!, /would revert with InputOutOfRange.*--box-margin.*--input-policy clamp/s);
});

test('calibrationBox: images per tensor, tabular features per value with a margin, kept ≥ 0 where never negative', () => {
  const digits = CALIBRATION_SETS[0];
  const { graph } = loadModel(digits.model);
  const cases = readInputFile(digits.train, graph);
  const auto = calibrationBox(graph, cases, { shape: 'auto' });
  assert.equal(auto.shapes.get(graph.inputs[0].id), 'per-tensor', 'the 64 pixels share one scale');
  const b = auto.boxes.get(graph.inputs[0].id)!;
  assert.ok(b.lo.every((x) => x === 0) && b.hi.every((x) => x === 16), 'every pixel gets [0, 16]');
  const iris = CALIBRATION_SETS[3];
  const ig = loadModel(iris.model).graph;
  const ic = readInputFile(iris.train, ig);
  const box = calibrationBox(ig, ic, { shape: 'auto' });
  assert.equal(box.shapes.get(ig.inputs[0].id), 'per-value');
  const exact = calibrationBox(ig, ic, { shape: 'per-value', margin: 0 }).boxes.get(ig.inputs[0].id)!;
  const wide = box.boxes.get(ig.inputs[0].id)!;
  for (let i = 0; i < 4; i++) {
    const span = exact.hi[i] - exact.lo[i];
    assert.ok(wide.hi[i] >= exact.hi[i] + 0.5 * span - 1e-9, `feature ${i}: at least half the range above`);
    assert.ok(wide.lo[i] === 0 || wide.lo[i] <= exact.lo[i] - 0.5 * span + 1e-9, `feature ${i}: at least half the range below, or 0`);
    assert.ok(wide.lo[i] >= 0, `feature ${i}: never negative in calibration, never negative in the box`);
  }
});

test('new --validation records the figures in stylus-ml.json (the same as simulate --validation)', { timeout: 300_000 }, async () => {
  const s = CALIBRATION_SETS[3];
  const dir = fs.mkdtempSync('/tmp/stylus-ml-validation-');
  try {
    const n = await runCli(['new', s.model, '--out', `${dir}/crate`, '--template', 'minimal', '--calibration', s.train, '--validation', s.test, '--labels', s.testLabels, '--json']);
    assert.equal(n.code, 0, n.stderr);
    const m = readJson<{ validation: Validation; box: { derivation: { rows: number; shapes: Record<string, string>; margin: number } } }>(`${dir}/crate/stylus-ml.json`);
    const sim = await runCli(['simulate', s.model, '--calibration', s.train, '--validation', s.test, '--labels', s.testLabels, '--json']);
    assert.deepEqual(m.validation, (JSON.parse(sim.stdout) as { validation: Validation }).validation);
    assert.deepEqual((JSON.parse(n.stdout) as { validation: Validation }).validation, m.validation, 'new --json prints them too');
    assert.deepEqual(m.box.derivation, { rows: 112, shapes: { input: 'per-value' }, margin: 0.5 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
