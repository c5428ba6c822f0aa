// ONNX import against the real corpus: every model whose ops are all supported imports, lowers to IR that
// computes what onnxruntime (or ONNX's own expected outputs) computes; every other model is refused with
// one error naming all of its unsupported nodes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { importModel, loadGraph } from '../../core/onnx/import';
import { evaluateFloat } from '../../core/ir/evaluate';
import { FloatReference } from '../../core/float/ort';
import { UnsupportedModelError } from '../../core/errors';
import { readNodeTest, promotedConstants } from '../../core/onnx/test-case';
import { sizeOf } from '../../core/ir/graph';
import { corpusAvailable, corpusFile, manifest, nodeTestDirs } from '../fixtures/corpus';
import { prng } from '../fixtures/onnx-builder';

const skip = corpusAvailable() ? false : 'conformance corpus not found (set STYLUS_ML_CORPUS)';

test('corpus models: supported ones import and match onnxruntime; the rest name every unsupported node', { skip }, async () => {
  const models = manifest().filter((m) => m.kind !== 'onnx-node-test');
  let supported = 0;
  let refused = 0;
  const rnd = prng(7);
  for (const m of models) {
    const bytes = fs.readFileSync(corpusFile(m.path));
    const r = importModel(bytes, { file: m.path });
    if (!r.graph) {
      refused++;
      assert.ok(r.unsupported.length > 0, m.id);
      const err = new UnsupportedModelError(m.path, r.unsupported);
      assert.equal(err.exitCode, 2);
      for (const u of r.unsupported) assert.ok(err.message.includes(u.name) && err.message.includes(u.op), `${m.id}: message names ${u.name}`);
      assert.throws(() => loadGraph(bytes, { file: m.path }), UnsupportedModelError);
      continue;
    }
    supported++;
    const g = r.graph;
    const dec = /-Dec(\d)/.exec(m.id);
    const declared = dec ? 10 ** -Number(dec[1]) : 0;
    const ref = await FloatReference.create(bytes, m.path);
    for (let trial = 0; trial < 5; trial++) {
      const inputs = new Map<string, Float64Array>();
      const feeds: Record<string, { data: Float64Array; shape: number[]; onnxType: string }> = {};
      for (const i of g.inputs) {
        const d = Float64Array.from({ length: sizeOf(i.shape) }, () => (i.kind === 'int' ? Math.floor(rnd() * 5) : Math.fround(rnd() * 6 - 2)));
        inputs.set(i.id, d);
        feeds[i.name] = { data: d, shape: i.shape, onnxType: i.onnxType };
      }
      const ours = evaluateFloat(g, inputs);
      const theirs = await ref.run(feeds, g.outputs.map((o) => o.name));
      for (const o of g.outputs) {
        const a = ours.get(o.id)!;
        const b = theirs[o.name].data;
        assert.equal(a.length, b.length, `${m.id} ${o.name} length`);
        for (let k = 0; k < a.length; k++) {
          if (o.classLabels) assert.equal(o.classLabels[a[k]], b[k], `${m.id} ${o.name}[${k}]`);
          // onnxruntime evaluates in float32: within 1e-4 relative, or the precision the corpus declares for
          // the model (-DecN: a folded linear SVM sums hundreds of float32 support-vector terms)
          else assert.ok(Math.abs(a[k] - (b[k] as number)) <= Math.max(1e-4 * Math.max(1, Math.abs(b[k] as number)), declared), `${m.id} ${o.name}[${k}]: ${a[k]} vs ${b[k]}`);
        }
      }
    }
    await ref.release();
  }
  // what the corpus holds today: a drop here means a regression in op coverage
  assert.ok(supported >= 63, `supported ${supported}`);
  assert.ok(refused >= 10, `refused ${refused}`);
});

test('SVMs: a linear kernel imports as a linear model (three classes by one-vs-one votes); other kernels and Platt probabilities are refused saying which', { skip }, () => {
  const skl = (name: string) => {
    const file = corpusFile(`skl2onnx/tests-80597179/${name}.model.onnx`);
    return importModel(fs.readFileSync(file), { file });
  };
  for (const [name, rows] of [['SklearnBinSVCLinearPF', 1], ['SklearnRegSVRLinear-Dec3', 1], ['SklearnMclSVCLinearPF', 3]] as const) {
    const r = skl(name);
    assert.ok(r.graph, `${name}: ${JSON.stringify(r.unsupported)}`);
    // the support vectors are folded: one row of 3 features per classifier, not a kernel over each vector
    const mm = r.graph.nodes.filter((n) => n.op.op === 'matmul');
    assert.deepEqual(mm[0].op.op === 'matmul' ? [mm[0].op.K, mm[0].op.N] : null, [3, rows]);
    // three classes: the pairs' 0/1 decisions become votes, argmax of the votes the label
    assert.equal(mm.length, rows === 3 ? 2 : 1);
  }
  const why = (name: string) => skl(name).unsupported.map((u) => `${u.op}: ${u.reason}`).join('; ');
  assert.match(why('SklearnBinNuSVCPF'), /SVMClassifier: kernel_type RBF is not supported: only a LINEAR kernel/);
  assert.match(why('SklearnRegNuSVR'), /SVMRegressor: kernel_type RBF is not supported/);

  assert.match(why('SklearnBinNuSVCPT'), /Platt probabilities \(probability=True\) are not supported/);
});

test('ONNX node tests: every case of a supported op lowers to IR that reproduces the expected outputs', { skip }, () => {
  let lowered = 0;
  for (const dir of nodeTestDirs()) {
    const c = readNodeTest(dir);
    const r = importModel(c.model, { file: dir, constInputs: promotedConstants(c.model, c.inputs) });
    if (!r.graph) {
      assert.ok(r.unsupported.length > 0);
      continue;
    }
    lowered++;
    const g = r.graph;
    const values = evaluateFloat(g, new Map([[g.inputs[0].id, c.inputs[0].data]]));
    g.outputs.forEach((o, i) => {
      const exp = c.outputs[i].data;
      const got = values.get(o.id)!;
      assert.equal(got.length, exp.length, `${dir}: output ${o.name} size`);
      for (let k = 0; k < exp.length; k++) {
        const tol = 1e-5 * Math.max(1, Math.abs(exp[k]));
        assert.ok(Math.abs(got[k] - exp[k]) <= tol || (Number.isNaN(exp[k]) && Number.isNaN(got[k])), `${dir}: ${o.name}[${k}] = ${got[k]}, expected ${exp[k]}`);
      }
    });
  }
  assert.ok(lowered >= 110, `lowered ${lowered} node-test cases`);
});
