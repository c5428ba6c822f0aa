// Filling the preview from the engine's JSON (the shapes fixed in the pipeline, gas and devnode issues),
// and the preview's behaviour when the engine is missing or fails.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { parsePreviewModel, parseTryItResult, emptyPreviewModel } from '../../webview/protocol';
import { parseContract } from '../../core/contracts/check';
import { CallJsonSchema, EstimateJsonSchema, InspectJsonSchema } from '../../core/contracts/cli';
import { CoreClient, CoreUnavailableError, type CallJson, type EstimateJson, type EstimateOptions, type InspectJson, type SimulateJson } from '../../extension/core-client';
import { readCrate } from '../../extension/crates';
import { computePreview, fromCall, fromEstimate, fromInspect, fromManifest } from '../../extension/preview-model';
import { ProcessRegistry } from '../../extension/process-registry';
import { runCli } from '../fixtures/cli';
import { writeCrateManifest } from '../fixtures/crate-manifest';

const root = path.resolve(__dirname, '..', '..');
const cliBundle = path.join(root, 'dist', 'cli.js');
const sample = path.join(root, 'samples', 'iris-logreg.onnx');

// Documents of the CLI's contracts (core/contracts/cli.ts), checked by the same schema the extension uses.
const inspectJson: InspectJson = parseContract(InspectJsonSchema, {
  file: 'm.onnx',
  producer: 'skl2onnx',
  opsets: { 'ai.onnx.ml': 1 },
  inputs: [{ name: 'X', shape: [1, 2], dtype: 'float32' }],
  outputs: [{ name: 'output_label', shape: null, dtype: 'int64' }],
  nodes: [
    { name: 'LinearClassifier', op: 'LinearClassifier', domain: 'ai.onnx.ml', opset: 1, supported: true, params: 9, macs: 6, outputShapes: [[1], [1, 3]], inputs: ['X'], outputs: ['label', 'probabilities'] },
    { name: 'Weird', op: 'NonMaxSuppression', domain: 'ai.onnx', opset: 11, supported: false, params: 0, macs: 0, outputShapes: [null], inputs: ['probabilities'], outputs: ['boxes'] },
  ],
  totals: { params: 9, macs: 6, nodes: 2 },
  unsupported: [{ name: 'Weird', op: 'NonMaxSuppression', domain: 'ai.onnx', opset: 11 }],
  notes: [],
}, 'inspect');

const spread = (typical: number, min = typical, max = typical) => ({ min, typical, max });
const estimateJson: EstimateJson = parseContract(EstimateJsonSchema, {
  target: 'crate /c',
  function: 'predict',
  call: {
    executionGas: spread(9500, 9000, 9900),
    totalTxGas: spread(30500, 30000, 30900),
    breakdown: { intrinsic: 21000, calldata: spread(400), init: 8832, memory: 0, hostio: 50, compute: spread(600), l1: 0 },
  },
  deploy: { deployGas: 600000, activationGas: 1700000, dataFeeWei: '98765432109876543210', compressedBytes: 3456, limitBytes: 24576, wasmBytes: 9000, parts: { deploy: {}, activation: {} } },
  layers: [{ name: 'LinearClassifier', fn: 'layer_0_linear_classifier', op: 'LinearClassifier', kernel: 'dense', ink: 1200000, inkSpread: spread(1200000), gas: 120, codeBytes: 256, measuredInk: null, measuredCodeBytes: null, format: 'i32 Q.16', interval: [-3, 3] }],
  box: { source: 'crate', spec: null, note: 'declared with --input-range 0:10' },
  abiInk: 1000,
  measured: null,
  shape: { provenance: 'predicted', initCost: 10, cachedCost: 5, footprintPages: 1, asmEstimate: 100 },
  arbosVersion: 61,
  stylusParams: { stylusVersion: 3, inkPrice: 10000, minInitGas: 69, minCachedInitGas: 11, initCostScalar: 50, cachedCostScalar: 50, freePages: 2, pageGas: 1000, pageLimit: 128, maxStackDepth: 22000, activationGas: 0 },
  inputs: 8,
  provenance: {},
  alternatives: null,
}, 'estimate');
const measuredFigures = { executionGas: spread(9400), totalTxGas: spread(30400), ink: 94_000_000, inputs: 8, source: 'devnode' };

describe('preview model', () => {
  test('inspect JSON fills the summary and the layer table; unsupported nodes become one error naming them all', () => {
    const m = emptyPreviewModel({ kind: 'onnx', path: sample, displayName: 'iris' });
    fromInspect(m, inspectJson);
    assert.equal(m.layers?.length, 2);
    assert.deepEqual(m.summary?.inputs[0], { name: 'X', shape: [1, 2], dtype: 'float32' });
    assert.deepEqual(m.layers?.[0].outputShapes, [[1], [1, 3]]);
    assert.equal(m.layers?.[1].outputShapes, null, 'an unknown output shape is not drawn');
    assert.equal(m.errors.length, 1);
    assert.match(m.errors[0].message, /Weird \(NonMaxSuppression\)/);
    parsePreviewModel(JSON.parse(JSON.stringify(m))); // what the webview will accept
  });

  test('estimate JSON fills call, deploy and per-layer costs; breakdown spreads use the typical value', () => {
    const m = emptyPreviewModel({ kind: 'crate', path: '/c', displayName: 'c' });
    fromEstimate(m, estimateJson);
    assert.equal(m.call?.totalTxGas.typical, 30500);
    assert.deepEqual(m.call?.breakdown.slice(0, 3), [{ name: 'intrinsic', gas: 21000 }, { name: 'calldata', gas: 400 }, { name: 'init', gas: 8832 }]);
    assert.equal(m.call?.provenance, 'estimate');
    assert.equal(m.deploy?.limitBytes, 24576);
    assert.equal(m.deploy?.dataFeeWei, '98765432109876543210');
    const measured = emptyPreviewModel({ kind: 'crate', path: '/c', displayName: 'c' });
    fromEstimate(measured, { ...estimateJson, measured: measuredFigures });
    assert.equal(measured.call?.provenance, 'measured');
    assert.equal(measured.call?.totalTxGas.typical, 30400);
    // the built program's own per-layer figures replace the analytical ones
    const built = emptyPreviewModel({ kind: 'crate', path: '/c', displayName: 'c' });
    fromEstimate(built, { ...estimateJson, layers: [{ ...estimateJson.layers[0], measuredInk: 600000, measuredCodeBytes: 301 }], measured: measuredFigures });
    assert.deepEqual(built.layerCosts, [{ name: 'LinearClassifier', op: 'LinearClassifier', ink: 600000, gas: 60, codeBytes: 301, format: 'i32 Q.16', range: [-3, 3] }]);
    assert.equal(m.layerCosts?.[0].ink, 1200000, 'before a build, the analytical ink');
    // a deployment measured on the devnode (from the crate's manifest) is not replaced by the estimate
    const deployed = emptyPreviewModel({ kind: 'crate', path: '/c', displayName: 'c' });
    deployed.deploy = { deployGas: 611111, activationGas: 1711111, dataFeeWei: '1', compressedBytes: 3400, limitBytes: 24576, provenance: 'measured' };
    fromEstimate(deployed, estimateJson);
    assert.equal(deployed.deploy.deployGas, 611111);
    assert.equal(deployed.deploy.provenance, 'measured');
    assert.equal(deployed.call?.totalTxGas.typical, 30500, 'the call figures still come from the estimate');
    parsePreviewModel(JSON.parse(JSON.stringify(m)));
  });

  test('call JSON becomes the Try-it result', () => {
    const hash = `0x${'ab'.repeat(32)}`;
    const call: CallJson = parseContract(CallJsonSchema, { address: `0x${'11'.repeat(20)}`, function: 'predict', cases: [{ outputs: { output_label: { shape: [1], fixed: ['versicolor'], fixedRaw: [1] } }, gasUsed: 31234, hash, matchesSimulator: true }], matchesSimulator: true }, 'call');
    assert.deepEqual(fromCall(call), { outputs: [{ name: 'output_label', shape: [1], values: ['versicolor'], raw: ['1'] }], gasUsed: 31234, txHash: hash, matchesSimulator: true });
    parseTryItResult(JSON.parse(JSON.stringify(fromCall(call))));
    assert.throws(() => fromCall({ ...call, cases: [] }), /no result/);
  });

  test('a crate preview shows the manifest\'s lowered layers with formats and proven ranges', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-preview-crate-'));
    try {
      const crate = path.join(tmp, 'crate');
      const manifest = writeCrateManifest(crate, sample, '0:10');
      const reg = new ProcessRegistry();
      const core = new CoreClient({ cliPath: path.join(tmp, 'no-cli.js'), nodePath: process.execPath, registry: reg });
      const m = await computePreview(core, { kind: 'crate', path: crate, modelPath: sample, manifest, manifestError: null }, { format: 'auto', optimize: 'as generated' });
      assert.equal(m.layers?.length, manifest.layers.length);
      for (const [i, l] of (m.layers ?? []).entries()) {
        assert.deepEqual(l.outputFormat, manifest.layers[i].outputFormat);
        assert.deepEqual(l.range, manifest.layers[i].interval);
      }
      assert.ok(m.layers?.some((l) => l.weightFormat !== null), 'the linear layer has a weight format');
      parsePreviewModel(JSON.parse(JSON.stringify(m)));
      const broken = await computePreview(core, { kind: 'crate', path: crate, modelPath: null, manifest: null, manifestError: 'stylus-ml.json: missing key \'layers\'' }, { format: 'auto', optimize: 'as generated' });
      assert.deepEqual(broken.errors, [{ stage: 'manifest', message: "stylus-ml.json: missing key 'layers'" }]);
      await reg.disposeAll();
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('without the engine bundle the preview still renders, saying what is not available yet', async () => {
    const reg = new ProcessRegistry();
    const core = new CoreClient({ cliPath: path.join(root, 'no-such-dir', 'cli.js'), nodePath: process.execPath, registry: reg });
    await assert.rejects(core.inspect(sample), CoreUnavailableError);
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-preview-nocli-'));
    try {
      // A small readable model is inspected in the host (extension/local-inspect.ts); anything else needs the CLI.
      const m = await computePreview(core, { kind: 'onnx', path: sample, modelPath: sample }, { format: 'auto', optimize: 'as generated' });
      assert.equal(m.errors.length, 0);
      assert.equal(m.layers?.length, 4);
      assert.equal(m.source.displayName, 'iris-logreg.onnx');
      const corrupt = path.join(tmp, 'corrupt.onnx');
      writeFileSync(corrupt, 'not a model');
      const c0 = await computePreview(core, { kind: 'onnx', path: corrupt, modelPath: corrupt }, { format: 'auto', optimize: 'as generated' });
      assert.match(c0.notes.summary ?? '', /not available yet/);
      assert.match(c0.notes.layers ?? '', /not available yet/);
      const crate = path.join(tmp, 'crate');
      const manifest = writeCrateManifest(crate, sample, '0:10');
      const c = await computePreview(core, { kind: 'crate', path: crate, modelPath: sample, manifest, manifestError: null }, { format: 'auto', optimize: 'as generated' });
      assert.equal(c.errors.length, 0);
      assert.match(c.notes.gas ?? '', /not available yet/);
      assert.match(c.notes.deploy ?? '', /not available yet/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    await reg.disposeAll();
  });

  test('a crate\'s layer table is delivered as a partial model before the estimate runs, and later sections do not change it', { skip: !existsSync(cliBundle) && 'dist/cli.js not built' }, async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-preview-partial-'));
    const reg = new ProcessRegistry();
    try {
      const crate = path.join(tmp, 'crate');
      const made = await runCli(['new', sample, '--out', crate, '--template', 'minimal', '--input-range', '0:10']);
      assert.equal(made.code, 0, `stylus-ml new: ${made.stderr}`);
      const info = readCrate(crate);
      const source = { kind: 'crate' as const, path: crate, modelPath: info.modelPath, manifest: info.manifest, manifestError: info.error };
      const core = new CoreClient({ cliPath: cliBundle, nodePath: process.execPath, registry: reg });
      const calls: string[] = [];
      const spied = Object.assign(Object.create(core) as CoreClient, {
        inspect: (p: string) => (calls.push('inspect'), core.inspect(p)),
        estimate: (t: string, o?: object) => (calls.push('estimate'), core.estimate(t, o)),
      });
      // the sample is small: inspected in the host, so the only engine process is the estimate
      const partials: { model: ReturnType<typeof emptyPreviewModel>; callsSoFar: string[] }[] = [];
      const m = await computePreview(spied, source, { format: 'auto', optimize: 'as generated' }, {
        onPartial: (model) => partials.push({ model, callsSoFar: [...calls] }),
      });
      assert.equal(partials.length, 1);
      const [{ model: partial, callsSoFar }] = partials;
      assert.deepEqual(callsSoFar, [], 'the partial model comes before the estimate starts');
      assert.deepEqual(calls, ['estimate']);
      assert.ok(partial.layers && partial.layers.length > 0);
      assert.deepEqual(partial.layers, m.layers, 'the partial model has the full layer table');
      assert.equal(partial.call, null);
      assert.match(partial.notes.gas ?? '', /Estimating/);
      assert.doesNotMatch(m.notes.gas ?? '', /Estimating/, 'the final model says what became of the estimate');
      if (m.call) {
        const cli = JSON.parse((await runCli(['estimate', crate, '--json'])).stdout) as EstimateJson;
        assert.equal(m.call.totalTxGas.typical, cli.call.totalTxGas.typical, 'the final model carries `stylus-ml estimate`\'s figure');
        assert.equal(partial.call, null, 'the partial model did not change when the estimate arrived');
      } else assert.match(m.notes.gas ?? '', /not available yet/);
      parsePreviewModel(JSON.parse(JSON.stringify(partial)));
      // accuracy against onnxruntime on inputs of the crate's box (the iris classifier agrees on its classes)
      assert.match(partial.notes.accuracy ?? '', /Measuring the accuracy/);
      assert.ok(m.accuracy, `accuracy: ${JSON.stringify(m.errors)}`);
      assert.equal(m.accuracy.cases, 200);
      assert.ok(m.accuracy.argmaxAgreement !== null && m.accuracy.argmaxAgreement >= 0.95, `agreement ${m.accuracy.argmaxAgreement}`);
      assert.ok(m.accuracy.maxAbsError < 0.05, `max error ${m.accuracy.maxAbsError}`);
      // the per-layer error table, from the same run: `simulate --per-layer`'s figures
      assert.ok(m.perLayer, 'the per-layer error table');
      const perLayer = (JSON.parse((await runCli(['simulate', crate, '--random', '200', '--per-layer', '--json'])).stdout) as SimulateJson).perLayer!;
      const row = (l: { name: string; maxAbsError: number | null; meanAbsError: number | null; errorBound: number | null; histogram: { counts: number[] } }) => [l.name, l.maxAbsError, l.meanAbsError, l.errorBound, l.histogram.counts];
      assert.deepEqual(m.perLayer.layers.map(row), perLayer.layers.map(row));
      assert.equal(m.perLayer.worst?.name ?? null, perLayer.worst?.name ?? null);
      parsePreviewModel(JSON.parse(JSON.stringify(m)));
    } finally {
      await reg.disposeAll();
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('the preview\'s optimise control re-estimates the crate as `new --optimize` would regenerate it; "as generated" is the crate itself', { skip: !existsSync(cliBundle) && 'dist/cli.js not built' }, async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-preview-whatif-'));
    const reg = new ProcessRegistry();
    try {
      const crate = path.join(tmp, 'crate');
      assert.equal((await runCli(['new', sample, '--out', crate, '--template', 'minimal', '--input-range', '0:10'])).code, 0);
      const info = readCrate(crate);
      const source = { kind: 'crate' as const, path: crate, modelPath: info.modelPath, manifest: info.manifest, manifestError: info.error };
      const core = new CoreClient({ cliPath: cliBundle, nodePath: process.execPath, registry: reg });
      const own = await computePreview(core, source, { format: 'auto', optimize: 'as generated' });
      const size = await computePreview(core, source, { format: 'i8', optimize: 'size' });
      const cli = (args: string[]) => runCli(['estimate', crate, ...args, '--json']).then((r) => JSON.parse(r.stdout) as EstimateJson);
      assert.equal(own.call?.totalTxGas.typical, (await cli([])).call.totalTxGas.typical);
      assert.equal(size.call?.totalTxGas.typical, (await cli(['--weights', 'i8', '--optimize', 'size'])).call.totalTxGas.typical);
      assert.notEqual(size.deploy?.compressedBytes, own.deploy?.compressedBytes, 'i8 weights and rolled loops change the program');
    } finally {
      await reg.disposeAll();
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('a crate made with --validation shows its held-out figures from stylus-ml.json', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-preview-validation-'));
    try {
      const data = path.join(root, 'test', 'fixtures', 'calibration');
      const crate = path.join(tmp, 'crate');
      const made = await runCli(['new', path.join(data, 'iris-mlp.onnx'), '--out', crate, '--template', 'minimal', '--calibration', path.join(data, 'iris-train.json'), '--validation', path.join(data, 'iris-test.json'), '--labels', path.join(data, 'iris-test-labels.json')]);
      assert.equal(made.code, 0, made.stderr);
      const info = readCrate(crate);
      const model = emptyPreviewModel({ kind: 'crate', path: crate, displayName: 'crate' });
      fromManifest(model, info.manifest!);
      const v = info.manifest!.validation!;
      assert.deepEqual(model.validation, { file: v.file, rows: 38, policy: 'revert', coverage: v.coverage, outside: 0, revertRate: 0, argmaxAgreement: 1, accuracy: v.accuracy, advice: null });
      parsePreviewModel(JSON.parse(JSON.stringify(model)));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('a bare .onnx preview estimates for the stated default box, then for the range set in the preview, as `stylus-ml estimate` does', { skip: !existsSync(cliBundle) && 'dist/cli.js not built' }, async () => {
    const reg = new ProcessRegistry();
    const core = new CoreClient({ cliPath: cliBundle, nodePath: process.execPath, registry: reg });
    const calls: string[][] = [];
    const spied = Object.assign(Object.create(core) as CoreClient, {
      estimate: (t: string, o?: EstimateOptions) => (calls.push(['estimate', ...(o?.box ?? [])]), core.estimate(t, o)),
      accuracyOfModel: (m: string, n: number, flags: string[]) => (calls.push(['simulate', ...flags]), core.accuracyOfModel(m, n, flags)),
    });
    const cli = (args: string[]) => runCli(['estimate', sample, ...args, '--json']).then((r) => JSON.parse(r.stdout) as EstimateJson);
    const partials: ReturnType<typeof emptyPreviewModel>[] = [];
    const m = await computePreview(spied, { kind: 'onnx', path: sample, modelPath: sample }, { format: 'auto', optimize: 'as generated' }, { onPartial: (p) => partials.push(p) });
    const bare = await cli([]);
    assert.deepEqual(m.box, bare.box, 'the box the figures are for, as the engine names it');
    assert.equal(m.box?.source, 'default');
    assert.equal(m.call?.totalTxGas.typical, bare.call.totalTxGas.typical);
    assert.equal(m.call?.totalTxGas.typical, (await cli(['--input-range', bare.box.spec!])).call.totalTxGas.typical, 'the default box declared gives the same figure');
    assert.deepEqual(calls, [['estimate'], ['simulate', '--input-range', bare.box.spec!]], 'the accuracy is drawn from the same box, declared');
    assert.equal(partials.length, 2, 'the graph and table first, then the estimate while the accuracy is measured');
    assert.equal(partials[0].call, null);
    assert.ok(partials[0].graph && partials[0].graph.nodes.length === 4, 'the graph comes with the first partial model');
    assert.equal(partials[1].call?.totalTxGas.typical, m.call?.totalTxGas.typical);
    assert.equal(partials[1].accuracy, null);
    assert.ok(m.accuracy && m.accuracy.cases === 200, JSON.stringify(m.errors));
    assert.ok(m.layers?.some((l) => l.outputFormat !== null && l.range !== null), 'the table gets the planned formats and proven ranges');
    parsePreviewModel(JSON.parse(JSON.stringify(m)));

    calls.length = 0;
    const ranged = await computePreview(spied, { kind: 'onnx', path: sample, modelPath: sample }, { format: 'i8', optimize: 'size', box: { mode: 'range', range: [0, 10] } });
    const declared = await cli(['--input-range', '0:10', '--weights', 'i8', '--optimize', 'size']);
    assert.equal(ranged.call?.totalTxGas.typical, declared.call.totalTxGas.typical);
    assert.equal(ranged.deploy?.compressedBytes, declared.deploy.compressedBytes);
    assert.deepEqual(ranged.box, declared.box);
    assert.deepEqual(calls, [['estimate', '--input-range', '0:10'], ['simulate', '--input-range', '0:10', '--weights', 'i8']]);
    await reg.disposeAll();
  });

  test('no partial model when there is nothing slower to wait for (unreadable model); estimates off still measure the accuracy', async () => {
    const reg = new ProcessRegistry();
    const core = new CoreClient({ cliPath: path.join(root, 'dist', 'cli.js'), nodePath: process.execPath, registry: reg });
    let partials = 0;
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-preview-off-'));
    const crate = path.join(tmp, 'crate');
    const manifest = writeCrateManifest(crate, sample, '0:10');
    const off = await computePreview(core, { kind: 'crate', path: crate, modelPath: sample, manifest, manifestError: null }, { format: 'auto', optimize: 'as generated' }, { estimatesEnabled: false, onPartial: () => partials++ });
    assert.match(off.notes.gas ?? '', /turned off/);
    assert.equal(partials, 1, 'estimates off: the accuracy still follows, so the layers come first');
    partials = 0;
    rmSync(tmp, { recursive: true, force: true });
    await computePreview(core, { kind: 'crate', path: '/nowhere', modelPath: null, manifest: null, manifestError: 'no stylus-ml.json' }, { format: 'auto', optimize: 'as generated' }, { onPartial: () => partials++ });
    assert.equal(partials, 0);
    await reg.disposeAll();
  });

  test('with the engine bundle (when built), the sample model has its four ONNX nodes', { skip: !existsSync(path.join(root, 'dist', 'cli.js')) && 'dist/cli.js not built' }, async () => {
    const reg = new ProcessRegistry();
    const core = new CoreClient({ cliPath: path.join(root, 'dist', 'cli.js'), nodePath: process.execPath, registry: reg });
    const m = await computePreview(core, { kind: 'onnx', path: sample, modelPath: sample }, { format: 'auto', optimize: 'as generated' });
    if (m.layers) assert.deepEqual(m.layers.map((l) => l.op).sort(), ['Cast', 'LinearClassifier', 'Normalizer', 'ZipMap']);
    else assert.match(m.notes.layers ?? '', /not available yet/);
    await reg.disposeAll();
  });
});
