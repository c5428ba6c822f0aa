// The manifest's plan-derived parts and the model hash: deterministic, sensitive to what the contract
// computes with, and validated on read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prepareModel } from '../../core/pipeline';
import { modelHash } from '../../core/quant/hash';
import { manifestFromPlan, readManifest, rustFnName, validateManifest, type Manifest } from '../../core/manifest/schema';
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
  const m: Manifest = {
    schema: 1,
    tool: { name: 'stylus-ml', version: 'test' },
    model: { path: model, sha256: '00', producer: '', opsets: {} },
    template: 'minimal',
    options: { activations: 'i16', weights: 'i16', accumulator: 'auto', inputPolicy: 'revert' },
    box: { source: 'declared', note: '' },
    ...parts,
    modelHash: modelHash(plan),
    selectors: {},
    notes: [],
  };
  fs.writeFileSync(path.join(tmp, 'stylus-ml.json'), JSON.stringify(m));
  assert.equal(readManifest(tmp).modelHash, m.modelHash);
  assert.throws(() => validateManifest({ ...m, schema: 2 }, 'x.json'), /x\.json: schema 2 is not supported/);
  assert.throws(() => validateManifest({ ...m, modelHash: '0x12' }, 'x.json'), /modelHash must be/);
  assert.throws(() => readManifest(path.join(tmp, 'nope')), /not found; is .* a crate made by `stylus-ml new`/);
});
