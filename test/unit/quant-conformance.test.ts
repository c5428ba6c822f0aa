// Acceptance (issue 2, line 1): for every ONNX node-test case of a supported op, the fixed-point output
// matches ONNX's expected output within the error bound the plan itself reports. The box is the case's
// own input (calibration of one sample). Tree ensembles decide exactly only for inputs on the grid: their
// plan reports a bound for those, and these cases' inputs sit far enough from every threshold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importModel } from '../../core/onnx/import';
import { planQuantisation } from '../../core/quant/plan';
import { quantizeInputs, runFixed } from '../../core/quant/simulate';
import { runReference } from '../../core/quant/reference';
import { readNodeTest, promotedConstants } from '../../core/onnx/test-case';
import type { InputBox } from '../../core/quant/types';
import { corpusAvailable, nodeTestDirs } from '../fixtures/corpus';

const skip = corpusAvailable() ? false : 'conformance corpus not found';

test('node tests: fixed point within the reported bound, simulator equal to the BigInt reference', { skip }, () => {
  let checked = 0;
  for (const dir of nodeTestDirs()) {
    const c = readNodeTest(dir);
    const r = importModel(c.model, { file: dir, constInputs: promotedConstants(c.model, c.inputs) });
    if (!r.graph) continue;
    const g = r.graph;
    const x = c.inputs[0].data;
    if (x.some((v) => !Number.isFinite(v))) {
      // NaN means "missing" to ONNX trees; fixed point has no NaN, so the input is refused by name
      const box = Float64Array.from(x, (v) => (Number.isFinite(v) ? v : 0));
      const plan = planQuantisation(g, { boxes: new Map([[g.inputs[0].id, { lo: box, hi: box, source: 'calibration' }]]) });
      assert.throws(() => quantizeInputs(plan, new Map([[g.inputs[0].id, x]])), /element \d+ is NaN; fixed-point inputs must be finite/);
      continue;
    }
    const boxes = new Map<string, InputBox>([[g.inputs[0].id, { lo: x, hi: x, source: 'calibration' }]]);
    const plan = planQuantisation(g, { boxes });
    const q = quantizeInputs(plan, new Map([[g.inputs[0].id, x]]));
    const fixed = runFixed(plan, q);
    const ref = runReference(plan, q);
    assert.deepEqual(ref.violations, [], `${dir}: overflow or saturation`);
    g.outputs.forEach((o, i) => {
      const t = plan.tensors.get(o.id)!;
      const got = fixed.get(o.id)!;
      assert.deepEqual(Array.from(got), Array.from(ref.values.get(o.id)!), `${dir}: simulator vs BigInt reference`);
      const exp = c.outputs[i].data;
      // integer outputs (argmax indices) must be exact; real outputs within the bound
      const bound = t.kind === 'int' ? 0 : t.errorBound ?? t.errorBoundOnGrid;
      assert.notEqual(bound, null, `${dir}: ${o.name} has no error bound`);
      for (let k = 0; k < exp.length; k++) {
        const err = Math.abs(got[k] * 2 ** -t.format.frac - exp[k]);
        assert.ok(err <= bound! * (1 + 1e-9), `${dir}: ${o.name}[${k}] error ${err} exceeds the plan's bound ${bound}`);
      }
    });
    checked++;
  }
  assert.ok(checked >= 110, `checked ${checked} cases`);
});
