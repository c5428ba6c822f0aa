// Issue 14, part 3: `simulate --per-layer` — each layer's error against the float model (the IR evaluated
// in real numbers), beside its format, proven bound and a histogram of its values over the format's
// range; the worst layer named with what to do, measured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareModel } from '../../core/pipeline';
import { readInputFile } from '../../core/io/inputs';
import { evaluateFloat } from '../../core/ir/evaluate';
import { quantizeInputs, realOf, runFixed } from '../../core/quant/simulate';
import { perLayerReport, HISTOGRAM_BINS } from '../../core/report/per-layer';
import type { PerLayerJson } from '../../core/contracts/cli';
import { sizeOf } from '../../core/ir/graph';
import { runCli } from '../fixtures/cli';
import { CALIBRATION_SETS } from '../fixtures/calibration';
import { digitsTest, quantizedModel } from '../fixtures/quantized';

test('per-layer errors equal a recomputation from the simulator and the float evaluator, stay within the proven bounds, and the histograms count every value', () => {
  const s = CALIBRATION_SETS.find((x) => x.name === 'digits-cnn')!;
  const prepared = prepareModel(s.model, { calibration: s.train });
  const plan = prepared.plan;
  const cases = readInputFile(s.test, plan.graph).slice(0, 120);
  const r = perLayerReport(plan, cases, 'revert');
  assert.equal(r.cases, 120);
  assert.equal(r.layers.length, plan.nodes.length);
  // our own max error per layer
  const own = plan.nodes.map(() => 0);
  for (const c of cases) {
    const fx = runFixed(plan, quantizeInputs(plan, c));
    const fl = evaluateFloat(plan.graph, c);
    plan.nodes.forEach((qn, k) => {
      const id = qn.node.outputs[0];
      const t = plan.tensors.get(id)!;
      fx.get(id)!.forEach((q, i) => (own[k] = Math.max(own[k], Math.abs(realOf(t.format, q) - fl.get(id)![i]))));
    });
  }
  r.layers.forEach((l, k) => {
    assert.equal(l.maxAbsError, own[k], `${l.name}: max error`);
    assert.ok(l.meanAbsError! <= l.maxAbsError!, `${l.name}: mean ≤ max`);
    assert.equal(l.boundAgainst, 'float model');
    assert.ok(l.maxAbsError! <= l.errorBound!, `${l.name}: ${l.maxAbsError} within the proven ${l.errorBound}`);
    assert.equal(l.histogram.counts.length, HISTOGRAM_BINS);
    assert.equal(l.histogram.counts.reduce((a, b) => a + b, 0), 120 * sizeOf(plan.tensors.get(l.tensor)!.shape), `${l.name}: every value counted`);
    assert.ok(l.observed[0] >= l.histogram.lo && l.observed[1] <= l.histogram.hi, `${l.name}: values inside the format's range`);
  });
});

test('the worst layer is named with measured advice: 16-bit raw tabular features need 32 bits', { timeout: 120_000 }, () => {
  const s = CALIBRATION_SETS.find((x) => x.name === 'breast-cancer')!;
  const prepared = prepareModel(s.model, { calibration: s.train, activations: 'i16', weights: 'i16' });
  const r = perLayerReport(prepared.plan, readInputFile(s.test, prepared.plan.graph), 'revert');
  assert.equal(r.worst?.name, 'logreg');
  assert.match(r.worst!.advice, /^use --activations i32 --weights i32: it lowers the layer's max error/);
});

test('pre-quantized layers: the float model saturates where the quantized type does; bounds are against onnxruntime', () => {
  const file = quantizedModel('digits-cnn-qdq');
  const plan = prepareModel(file, {}).plan;
  const cases = digitsTest().inputs.slice(0, 50).map((v) => new Map([[plan.graph.inputs[0].id, Float64Array.from(v)]]));
  const r = perLayerReport(plan, cases, 'clamp');
  assert.ok(r.layers.every((l) => l.boundAgainst === 'onnxruntime'));
  // conv2's ReLU is its output zero point at the bottom of the int8 range: the float model clips there too
  const conv2 = r.layers.find((l) => l.name === 'conv2')!;
  assert.ok(conv2.observed[0] >= 0 && conv2.maxAbsError! < 1, `conv2 max error ${conv2.maxAbsError}`);
  assert.match(r.worst!.advice, /the model's own quantization/);
});

test('simulate --per-layer --json carries the same report; the text names the worst layer', { timeout: 120_000 }, async () => {
  const s = CALIBRATION_SETS.find((x) => x.name === 'iris-mlp')!;
  const j = await runCli(['simulate', s.model, '--calibration', s.train, '--validation', s.test, '--per-layer', '--json']);
  assert.equal(j.code, 0, j.stderr);
  const report = (JSON.parse(j.stdout) as { perLayer: PerLayerJson }).perLayer;
  const prepared = prepareModel(s.model, { calibration: s.train });
  assert.deepEqual(report, JSON.parse(JSON.stringify(perLayerReport(prepared.plan, readInputFile(s.test, prepared.plan.graph), 'revert'))));
  const t = await runCli(['simulate', s.model, '--calibration', s.train, '--validation', s.test, '--per-layer']);
  assert.match(t.stdout, /per layer {2}error against the float model/);
  assert.match(t.stdout, new RegExp(`worst layer: ${report.worst!.name} — `));
  assert.match(t.stdout, /what to do: /);
});
