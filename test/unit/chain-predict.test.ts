// The client side of the generated contract's ABI (core/chain/predict.ts), from a manifest the real
// pipeline wrote: predict's int32[] calldata, predictPacked's little-endian layout, result decoding
// into the manifest's outputs, and the refusals.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { decodeFunctionData, encodeFunctionResult, toFunctionSelector } from 'viem';
import { forest } from '../fixtures/onnx-builder';
import { writeCrateManifest } from '../fixtures/crate-manifest';
import { MODEL_ABI, checkSelectors, decodeBatch, decodePredict, decodePredictPacked, encodeBatchCall, encodeModelCall, fixedValues, packInputs } from '../../core/chain/predict';
import { UserError } from '../../core/errors';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-predict-'));
const model = path.join(dir, 'forest.onnx');
fs.writeFileSync(model, forest({ trees: 2, depth: 2, features: 4, classes: 3 }));
// input [1,4] i16; outputs label [1] i32 (class index) and probabilities [1,3] i32
const m = writeCrateManifest(path.join(dir, 'crate'), model, '-6:6');

test('the manifest this test relies on has the shapes and storages it assumes', () => {
  assert.deepEqual(m.inputs.map((i) => [i.shape, i.storage]), [[[1, 4], 'i16']]);
  assert.deepEqual(m.outputs.map((o) => [o.name, o.shape, o.storage]), [['label', [1], 'i32'], ['probabilities', [1, 3], 'i32']]);
});

test('predict and predictLabel take the inputs flattened as int32[] under their standard selectors', () => {
  const q = [[4096, -4096, 0, 24575]];
  for (const fn of ['predict', 'predictLabel'] as const) {
    const data = encodeModelCall(m, fn, q);
    assert.equal(data.slice(0, 10), toFunctionSelector(`${fn}(int32[])`));
    const d = decodeFunctionData({ abi: MODEL_ABI, data });
    assert.equal(d.functionName, fn);
    assert.deepEqual(d.args, [[4096, -4096, 0, 24575]]);
  }
  assert.throws(() => encodeModelCall(m, 'predict', [[1, 2, 3]]), /input 'input' expects 4 values \(shape \[1,4\]\), got 3/);
  assert.throws(() => encodeModelCall(m, 'predict', [[1, 2, 3, 2 ** 31]]), /does not fit int32/);
});

test('predictPacked packs each input little-endian at its storage width (i16 here: 8 bytes for 4 values)', () => {
  assert.equal(packInputs(m, [[1, -1, 0x1234, -32768]]), '0x0100ffff34120080');
  const data = encodeModelCall(m, 'predictPacked', [[1, -1, 0x1234, -32768]]);
  assert.equal(data.slice(0, 10), toFunctionSelector('predictPacked(bytes)'));
  assert.deepEqual(decodeFunctionData({ abi: MODEL_ABI, data }).args, ['0x0100ffff34120080']);
  assert.throws(() => packInputs(m, [[40000, 0, 0, 0]]), (e: unknown) => e instanceof UserError && /does not fit i16, the packed width; use predict instead/.test(e.message));
});

test('results are split into the manifest outputs, in order; the packed result is read at each output width', () => {
  const ret = encodeFunctionResult({ abi: MODEL_ABI, functionName: 'predict', result: [2, 1 << 28, -5, 7] });
  assert.deepEqual(decodePredict(m, ret), { label: [2], probabilities: [1 << 28, -5, 7] });
  const bytes = Buffer.alloc(16);
  [2, 1 << 28, -5, 7].forEach((v, i) => bytes.writeInt32LE(v, i * 4));
  const packed = encodeFunctionResult({ abi: MODEL_ABI, functionName: 'predictPacked', result: `0x${bytes.toString('hex')}` });
  assert.deepEqual(decodePredictPacked(m, packed), { label: [2], probabilities: [1 << 28, -5, 7] });
  const short = encodeFunctionResult({ abi: MODEL_ABI, functionName: 'predict', result: [2, 1] });
  assert.throws(() => decodePredict(m, short), /predict returned 2 values, the manifest's outputs have 4/);
  const long = encodeFunctionResult({ abi: MODEL_ABI, functionName: 'predictPacked', result: `0x${bytes.toString('hex')}00` });
  assert.throws(() => decodePredictPacked(m, long), /returned 17 bytes, the manifest's outputs take 16/);
});

test('predictBatch: the cases packed back to back, the result split into one set of outputs per case', () => {
  assert.equal(m.contract.packedInputBytes, 8);
  assert.equal(m.contract.packedOutputBytes, 16);
  const data = encodeBatchCall(m, [[[1, -1, 0x1234, -32768]], [[2, 3, 4, 5]]]);
  assert.equal(data.slice(0, 10), toFunctionSelector('predictBatch(bytes)'));
  assert.deepEqual(decodeFunctionData({ abi: MODEL_ABI, data }).args, ['0x0100ffff341200800200030004000500']);
  const out = Buffer.alloc(32);
  [2, 1 << 28, -5, 7, 0, 1, 2, 3].forEach((v, i) => out.writeInt32LE(v, i * 4));
  const ret = encodeFunctionResult({ abi: MODEL_ABI, functionName: 'predictBatch', result: `0x${out.toString('hex')}` });
  assert.deepEqual(decodeBatch(m, ret, 2), [
    { label: [2], probabilities: [1 << 28, -5, 7] },
    { label: [0], probabilities: [1, 2, 3] },
  ]);
  assert.throws(() => decodeBatch(m, ret, 3), /predictBatch returned 32 bytes for 3 cases, the manifest's outputs take 48/);
});

test('fixed values: q·2^-frac for real outputs, the class label for a label output', () => {
  assert.deepEqual(fixedValues(m.outputs[1], [1 << 30, -(1 << 29), 0]), [1, -0.5, 0]);
  assert.deepEqual(fixedValues(m.outputs[0], [2]), [2]);
  assert.deepEqual(fixedValues({ ...m.outputs[0], classLabels: ['setosa', 'versicolor', 'virginica'] }, [1]), ['versicolor']);
});

test('a manifest whose selectors are not the ones this client sends is refused', () => {
  checkSelectors({ ...m, selectors: { 'predict(int32[])': toFunctionSelector('predict(int32[])').slice(2) } });
  assert.throws(() => checkSelectors({ ...m, selectors: { 'predict(int32[])': 'deadbeef' } }), /selector of predict is deadbeef, this tool calls [0-9a-f]{8}; regenerate the crate/);
});
