// The extension ↔ webview protocol: valid messages pass through unchanged, malformed ones are rejected
// with the path of the offending field.
import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { emptyPreviewModel, parseFromWebview, parsePreviewModel, parseToWebview, type PreviewModel } from '../../webview/protocol';

function fullModel(): PreviewModel {
  const m = emptyPreviewModel({ kind: 'onnx', path: '/w/iris.onnx', displayName: 'iris.onnx' });
  m.summary = { producer: 'skl2onnx', opsets: [{ domain: '', version: 9 }], inputs: [{ name: 'X', shape: ['N', 2], dtype: 'float32' }], outputs: [], params: 9, macs: 6, unsupported: [], notes: ['symbolic input dimensions are fixed to 1'] };
  m.layers = [{ name: 'LinearClassifier', op: 'LinearClassifier', domain: 'ai.onnx.ml', supported: true, inputShapes: [[1, 2]], outputShapes: [[1, 3]], params: 9, macs: 6, weightFormat: { storage: 'i16', fracBits: 12 }, outputFormat: { storage: 'i32', fracBits: 16 }, accumulator: 'i32', range: [-3.5, 4.25] }];
  m.layerCosts = [{ name: 'LinearClassifier', op: 'LinearClassifier', ink: 120000, gas: 12, codeBytes: 300, format: 'i32 Q.16', range: [-3.5, 4.25] }];
  m.call = { executionGas: { min: 10000, typical: 11000, max: 12000 }, totalTxGas: { min: 31000, typical: 32000, max: 33000 }, breakdown: [{ name: 'intrinsic', gas: 21000 }], provenance: 'estimate' };
  m.deploy = { deployGas: 500000, activationGas: 1700000, dataFeeWei: '123456789012345678901', compressedBytes: 4000, limitBytes: 24576, provenance: 'estimate' };
  m.accuracy = { cases: 100, maxAbsError: 0.001, argmaxAgreement: 1, source: 'calibration data' };
  m.deployment = { address: '0x' + 'ab'.repeat(20), rpcUrl: 'http://127.0.0.1:8547', deployTx: '0x01', activateTx: null };
  m.errors = [{ stage: 'estimate', message: 'x' }];
  m.notes = { accuracy: 'not available yet' };
  return m;
}

describe('webview protocol', () => {
  test('a complete model survives validation unchanged (and through JSON, as postMessage sends it)', () => {
    const m = fullModel();
    assert.deepEqual(parsePreviewModel(JSON.parse(JSON.stringify(m))), m);
    assert.deepEqual(parseToWebview({ type: 'model', model: m }), { type: 'model', model: m });
  });

  test('malformed models are rejected with the path of the bad field', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- patching arbitrary JSON on purpose
    const bad = (patch: (m: Record<string, any>) => void, where: RegExp) => {
      const m = JSON.parse(JSON.stringify(fullModel()));
      patch(m);
      assert.throws(() => parseToWebview({ type: 'model', model: m }), where);
    };
    bad((m) => (m.layers[0].params = '9'), /model\.layers\[0\]\.params: Invalid type: Expected number but received "9"/);
    bad((m) => (m.layers[0].weightFormat.storage = 'f32'), /model\.layers\[0\]\.weightFormat\.storage: Invalid type: Expected \("i8" \| "i16" \| "i32" \| "i64"\)/);
    bad((m) => (m.deploy.dataFeeWei = '1e21'), /model\.deploy\.dataFeeWei: a decimal integer string/);
    bad((m) => (m.layers[0].range = [1]), /model\.layers\[0\]\.range\[1\]: Invalid type: Expected number but received undefined/);
    bad((m) => (m.notes = { secret: 'x' }), /model\.notes\.secret: Invalid type/);
    bad((m) => (m.source.kind = 'python'), /model\.source\.kind: Invalid type: Expected \("onnx" \| "crate"\)/);
  });

  test('messages from the webview: known types only, with validated fields', () => {
    assert.deepEqual(parseFromWebview({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseFromWebview({ type: 'try', input: '[1,2]' }), { type: 'try', input: '[1,2]' });
    assert.deepEqual(parseFromWebview({ type: 'setOptions', options: { format: 'i16', optimize: 'size' } }), { type: 'setOptions', options: { format: 'i16', optimize: 'size' } });
    assert.throws(() => parseFromWebview({ type: 'setOptions', options: { format: 'f64', optimize: 'gas' } }), /options\.format: Invalid type/);
    assert.throws(() => parseFromWebview({ type: 'runShell', cmd: 'rm -rf /' }), /type: Invalid type: Expected \("ready" \| "setOptions"/);
    assert.throws(() => parseFromWebview({ type: 'try', input: 'x'.repeat(100_001) }), /at most 100000/);
    assert.throws(() => parseFromWebview(null), /Expected Object but received null/);
  });
});
