// Acceptance (issue 2, lines 2 and 3) on the skl2onnx models of the corpus:
// - 10,000 random inputs inside the box: tree models predict the float label in every case on the grid,
//   linear/logistic models (linear-kernel SVMs among them) in ≥ 99.5% of cases, regressors and transforms
//   stay within the reported bound (beyond onnxruntime's own float32 rounding, itself checked);
// - 1,000 inputs at the corners and edges of the box run through the checked BigInt reference with no
//   wraparound and no saturation, and the fast simulator agrees with it bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { importModel } from '../../core/onnx/import';
import { planQuantisation } from '../../core/quant/plan';
import { quantizeInputs, runFixed } from '../../core/quant/simulate';
import { runReference } from '../../core/quant/reference';
import { FloatReference } from '../../core/float/ort';
import { floatOutputs } from '../../core/report/simulate';
import { evaluateFloat } from '../../core/ir/evaluate';
import { corpusAvailable, corpusFile, manifest } from '../fixtures/corpus';
import { cornerCases, randomCase, testBoxes } from '../fixtures/boxes';
import { prng } from '../fixtures/onnx-builder';

const skip = corpusAvailable() ? false : 'conformance corpus not found';
const CASES = Number(process.env.STYLUS_ML_SWEEP ?? 10000);

function skl2onnxModels() {
  return manifest()
    .filter((m) => m.kind === 'skl2onnx-model')
    .map((m) => {
      const bytes = fs.readFileSync(corpusFile(m.path));
      return { m, bytes, r: importModel(bytes, { file: m.path }) };
    })
    .filter((x) => x.r.graph);
}

test(`skl2onnx models: ${CASES} random inputs per model agree with onnxruntime`, { skip, timeout: 600_000 }, async () => {
  const rnd = prng(11);
  const summary: string[] = [];
  for (const { m, bytes, r } of skl2onnxModels()) {
    const g = r.graph!;
    const plan = planQuantisation(g, { boxes: testBoxes(g, m.id) });
    const isTree = g.nodes.some((n) => n.op.op === 'trees');
    const ref = await FloatReference.create(bytes, m.path);
    let agree = 0;
    let labels = 0;
    let worst = 0;
    for (let k = 0; k < CASES; k++) {
      const c = randomCase(plan, rnd, isTree);
      const fl = await floatOutputs(ref, g, c);
      const fx = runFixed(plan, quantizeInputs(plan, c));
      for (const o of g.outputs) {
        const t = plan.tensors.get(o.id)!;
        const got = fx.get(o.id)!;
        const want = fl[o.name];
        if (o.classLabels) {
          labels++;
          if (o.classLabels[got[0]] === want[0]) agree++;
          continue;
        }
        // a decision (Binarizer: x > threshold) is 0 or 1, held to agreement like a label
        if (g.nodes.find((n) => n.outputs.includes(o.id))?.op.op === 'threshold') {
          for (let i = 0; i < got.length; i++) {
            labels++;
            if (got[i] === want[i]) agree++;
          }
          continue;
        }
        const bound = isTree ? t.errorBoundOnGrid : t.errorBound;
        assert.notEqual(bound, null, `${m.id} ${o.name}: no bound`);
        // the bound is against the exact (float64) model; onnxruntime's float32 evaluation is itself off
        // the exact value by its rounding (a folded linear SVM sums hundreds of support vectors), within
        // the precision the corpus declares for the model (its -DecN suffix) or 1e-5 relative
        const exact = isTree ? null : evaluateFloat(g, c).get(o.id)!;
        const dec = /-Dec(\d)/.exec(m.id);
        for (let i = 0; i < got.length; i++) {
          const refErr = exact ? Math.abs((want[i] as number) - exact[i]) : 0;
          if (exact) assert.ok(refErr <= (dec ? 10 ** -Number(dec[1]) : 1e-5 * Math.max(1, Math.abs(exact[i]))), `${m.id} ${o.name}[${i}]: onnxruntime ${want[i]} vs the imported model ${exact[i]}`);
          const err = Math.abs(got[i] * 2 ** -t.format.frac - (want[i] as number));
          worst = Math.max(worst, (err - refErr) / bound!);
          assert.ok(err <= bound! * (1 + 1e-9) + refErr, `${m.id} ${o.name}[${i}]: error ${err} > bound ${bound} (+ onnxruntime's own ${refErr}) for input ${[...c.values()].map((v) => Array.from(v)).join(';')}`);
        }
      }
    }
    await ref.release();
    if (labels) {
      const rate = agree / labels;
      if (isTree) assert.equal(agree, labels, `${m.id}: tree labels on the grid must all agree (${agree}/${labels})`);
      else assert.ok(rate >= 0.995, `${m.id}: label agreement ${rate}`);
      summary.push(`${m.id}: labels ${(rate * 100).toFixed(2)}%`);
    } else summary.push(`${m.id}: error ≤ ${(worst * 100).toFixed(0)}% of bound`);
  }
  assert.ok(summary.length >= 35, `models checked: ${summary.length}`);
  console.log(summary.join('\n'));
});

test('skl2onnx models: 1,000 corner and edge inputs, no wraparound, no saturation', { skip, timeout: 600_000 }, () => {
  const rnd = prng(12);
  for (const { m, r } of skl2onnxModels()) {
    const g = r.graph!;
    const plan = planQuantisation(g, { boxes: testBoxes(g, m.id) });
    for (const q of cornerCases(plan, rnd, 1000)) {
      const ref = runReference(plan, q);
      assert.deepEqual(ref.violations, [], `${m.id}: ${JSON.stringify(ref.violations[0])}`);
      const fx = runFixed(plan, q);
      for (const o of g.outputs) assert.deepEqual(Array.from(fx.get(o.id)!), Array.from(ref.values.get(o.id)!), `${m.id} ${o.name}`);
    }
  }
});
