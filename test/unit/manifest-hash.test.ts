// The manifest's plan-derived parts and the model hash: deterministic, sensitive to what the contract
// computes with, and validated on read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prepareModel } from '../../core/pipeline';
import { modelHash } from '../../core/quant/hash';
import { type Manifest } from '../../core/manifest/schema';
import { readManifest, validateManifest } from '../../core/manifest/file';
import { manifestFromPlan, rustFnName } from '../../core/manifest/from-plan';
import { generateCrate } from '../../core/codegen/generate';
import { mlp } from '../fixtures/onnx-builder';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-manifest-'));
const model = path.join(tmp, 'm.onnx');
fs.writeFileSync(model, mlp([4, 6, 3], { seed: 9 }));

test('modelHash is deterministic and changes with anything the contract computes with', () => {
  const a = modelHash(prepareModel(model, { inputRange: '-1:1' }).plan);
  assert.match(a, /^0x[0-9a-f]{64}$/);
  assert.equal(modelHash(prepareModel(model, { inputRange: '-1:1' }).plan), a);
  assert.notEqual(modelHash(prepareModel(model, { inputRange: '-2:2' }).plan), a, 'the box changes formats and checks');
  assert.notEqual(modelHash(prepareModel(model, { inputRange: '-1:1', weights: 'i8' }).plan), a, 'weights change');
  const other = path.join(tmp, 'm2.onnx');
  fs.writeFileSync(other, mlp([4, 6, 3], { seed: 10 }));
  assert.notEqual(modelHash(prepareModel(other, { inputRange: '-1:1' }).plan), a, 'other weights');
});

test('manifest: layers carry formats, proven intervals and Rust names; the reader validates', () => {
  const { plan } = prepareModel(model, { inputRange: '-1:1' });
  const parts = manifestFromPlan(plan);
  assert.equal(parts.inputs[0].storage, 'i16');
  assert.deepEqual(parts.inputs[0].range, [-1, 1]);
  assert.deepEqual(parts.layers.map((l) => l.op), ['matmul', 'relu', 'matmul']);
  assert.deepEqual(parts.layers.map((l) => l.fn), ['layer_0_fc0', 'layer_1_relu0', 'layer_2_fc1']);
  for (const l of parts.layers) assert.ok(l.interval[0] <= l.interval[1] && l.qInterval[0] <= l.qInterval[1]);
  assert.equal(parts.totals.params, 4 * 6 + 6 + 6 * 3 + 3);
  assert.equal(rustFnName('/Conv_1/Conv', 3), 'layer_3_conv_1_conv');
  const m: Manifest = generateCrate(prepareModel(model, { inputRange: '-1:1' }), { template: 'minimal', crateDir: tmp, vectors: 4 }).manifest;
  assert.deepEqual(m.layers.map((l) => l.fn), parts.layers.map((l) => l.fn));
  fs.writeFileSync(path.join(tmp, 'stylus-ml.json'), JSON.stringify(m));
  assert.equal(readManifest(tmp).modelHash, modelHash(plan));
  // wrong documents: an unknown schema version, a wrong type, a missing field, an unknown field — each
  // refused with the file, the field's path and what to do
  assert.throws(() => validateManifest({ ...m, schema: 2 }, 'x.json'), /^UserError: x\.json: schema: schema 2 is not supported \(this tool reads schema 1\)/);
  assert.throws(() => validateManifest({ ...m, modelHash: '0x12' }, 'x.json'), /x\.json: modelHash: modelHash must be 0x and 64 lower-case hex digits/);
  const badLayer = structuredClone(m);
  (badLayer.layers[1] as unknown as { lines: unknown }).lines = 'x';
  assert.throws(() => validateManifest(badLayer, 'x.json'), /x\.json: layers\[1\]\.lines: /);
  const { files: _files, ...noFiles } = m;
  assert.throws(() => validateManifest(noFiles, 'x.json'), /x\.json: files: missing; fix the field or regenerate the crate/);
  assert.throws(() => validateManifest({ ...m, options: { ...m.options, weigths: 'i8' } }, 'x.json'), /x\.json: options\.weigths: unknown field/);
  assert.throws(() => validateManifest({ ...m, totals: { ...m.totals, params: -1 } }, 'x.json'), /x\.json: totals\.params: /);
  assert.throws(() => readManifest(path.join(tmp, 'nope')), /not found; is .* a crate made by `stylus-ml new`/);
});
