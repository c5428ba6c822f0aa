// The model commands as a user runs them: inspect and simulate, their JSON schemas, and bad input
// (acceptance 4): a one-line error naming the problem, a non-zero exit, no stack trace without --verbose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../fixtures/cli';
import { broken, forest, mlp } from '../fixtures/onnx-builder';
import { corpusAvailable, corpusFile } from '../fixtures/corpus';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-cli-'));
const write = (name: string, data: Uint8Array | string) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, data);
  return p;
};

function assertOneLineError(r: { code: number; stderr: string }, pattern: RegExp) {
  assert.notEqual(r.code, 0, 'exit code');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('inspect --json: schema of inputs, outputs, nodes, totals, unsupported', async () => {
  const model = write('mlp.onnx', mlp([4, 8, 3], { softmax: true }));
  const r = await runCli(['inspect', model, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.inputs, [{ name: 'input', shape: [1, 4], dtype: 'FLOAT' }]);
  assert.deepEqual(j.outputs.map((o: { name: string }) => o.name), ['output']);
  assert.deepEqual(j.nodes.map((n: { op: string }) => n.op), ['Gemm', 'Relu', 'Gemm', 'Softmax']);
  for (const n of j.nodes) for (const k of ['name', 'op', 'domain', 'supported', 'params', 'macs']) assert.ok(k in n, `node key ${k}`);
  assert.equal(j.totals.params, 4 * 8 + 8 + 8 * 3 + 3);
  assert.equal(j.totals.macs, 4 * 8 + 8 * 3);
  assert.deepEqual(j.unsupported, []);
});

test('inspect of a model with unsupported ops: every one named, exit 2, the table still printed', { skip: corpusAvailable() ? false : 'no corpus' }, async () => {
  const r = await runCli(['inspect', corpusFile('skl2onnx/tests-80597179/SklearnKNeighborsClassifierMulti.model.onnx'), '--json']);
  assert.equal(r.code, 2);
  const j = JSON.parse(r.stdout);
  assert.ok(j.unsupported.length >= 10);
  for (const u of j.unsupported) assert.ok(r.stderr.includes(u.name), `stderr names ${u.name}`);
  assert.match(r.stderr, /TopK/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('simulate --json: per-case float/fixed/fixedRaw, argmax, summary', async () => {
  const model = write('forest.onnx', forest({ trees: 5, depth: 3, features: 4, classes: 3 }));
  const input = write('in.json', JSON.stringify([[0.5, -1, 2, 3], [4, 4, -4, 0], [-2, 1, 1, 1]]));
  const r = await runCli(['simulate', model, '--input', input, '--input-range', '-5:5', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.cases.length, 3);
  for (const c of j.cases) {
    assert.deepEqual(Object.keys(c.outputs).sort(), ['label', 'probabilities']);
    for (const o of Object.values(c.outputs) as { shape: number[]; float: number[]; fixed: number[]; fixedRaw: number[] }[]) {
      assert.ok(Array.isArray(o.shape) && Array.isArray(o.float) && Array.isArray(o.fixed) && Array.isArray(o.fixedRaw));
      assert.equal(o.float.length, o.fixed.length);
      for (const v of o.fixedRaw) assert.ok(Number.isInteger(v));
    }
    assert.equal(typeof c.argmax.float, 'number');
    assert.equal(c.argmax.float, c.argmax.fixed);
  }
  assert.equal(j.summary.cases, 3);
  assert.equal(j.summary.argmaxAgreement, 1);
  assert.equal(typeof j.summary.maxAbsError, 'number');
});

test('simulate: an input outside the declared box reverts (named), clamp policy clamps', async () => {
  const model = write('mlp2.onnx', mlp([2, 3]));
  const input = write('in2.json', '[[0.5, 0.5], [3, 0]]');
  const r = await runCli(['simulate', model, '--input', input, '--input-range', '-1:1', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.summary.reverted, 1);
  assert.match(j.cases[1].error, /element 0 = 3 is outside the declared box \[-1, 1\]/);
  const c = await runCli(['simulate', model, '--input', input, '--input-range', '-1:1', '--input-policy', 'clamp', '--json']);
  assert.equal(JSON.parse(c.stdout).summary.reverted, 0);
});

test('bad input: each failure is one line naming the problem, non-zero exit, no stack trace', async () => {
  assertOneLineError(await runCli(['inspect', write('empty.onnx', new Uint8Array())]), /empty\.onnx: the file is empty/);
  const random = new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24);
  assertOneLineError(await runCli(['inspect', write('random.onnx', random)]), /random\.onnx: (cannot decode ONNX protobuf|not an ONNX model)/);
  const good = mlp([4, 8, 3]);
  assertOneLineError(await runCli(['inspect', write('truncated.onnx', good.subarray(0, Math.floor(good.length * 0.6)))]), /truncated\.onnx: cannot decode ONNX protobuf \(the file is truncated or is not an ONNX model\)/);
  assertOneLineError(await runCli(['inspect', write('nan.onnx', broken.nanWeight())]), /nan\.onnx: initializer: tensor 'W' has NaN at element 1/);
  assertOneLineError(await runCli(['inspect', write('huge.onnx', broken.hugeTensor())]), /tensor 'W' declares 10,000,000,000 elements/);
  const g2 = await runCli(['inspect', write('group2.onnx', broken.convGroup2())]);
  assert.equal(g2.code, 2);
  assertOneLineError(g2, /conv_g2 \(ai\.onnx::Conv, opset 13: Conv group 2 is not supported \(only group 1\)\)/);
  const model = write('m.onnx', mlp([4, 2]));
  assertOneLineError(await runCli(['simulate', model, '--input', write('short.json', '[1, 2, 3]'), '--input-range', '-1:1']), /short\.json: expected 4 values \('input' \[1,4\]\), got 3/);
  assertOneLineError(await runCli(['simulate', model, '--input', write('notjson.json', '[1, 2,')]), /notjson\.json: not valid JSON/);
  assertOneLineError(await runCli(['simulate', model, '--input', write('named.json', '{"x": [1,2,3,4]}')]), /unknown input 'x'; the model's inputs are 'input' \[1,4\]/);
  assertOneLineError(await runCli(['inspect', path.join(tmp, 'missing.onnx')]), /missing\.onnx: no such file/);
  assertOneLineError(await runCli(['simulate', model, '--input-range', '2:1', '--input', write('ok.json', '[0,0,0,0]')]), /--input-range: '2:1' has lo > hi/);
  assertOneLineError(await runCli(['frobnicate']), /unknown command 'frobnicate'/);
});

test('--verbose adds the stack trace to an internal failure report, not to user errors', async () => {
  const r = await runCli(['inspect', write('empty2.onnx', new Uint8Array()), '--verbose']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /the file is empty/);
});
