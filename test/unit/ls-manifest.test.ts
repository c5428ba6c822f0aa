// Manifest-aware checks on a generated-style crate (test/fixtures/ls/mlp-crate): hand edits of model.rs
// that break a bound stylus-ml.json proved are flagged at the edited line, with the interval and the
// type's range; edits that keep the bound are not. The fixture is written in core/codegen's style (one
// fn per layer `layer_<i>_<node>`, static weight tables, unrolled i64 multiply-adds, `rescale` with
// round half up, `sat_i16`) with a manifest in core/manifest/schema.ts's format (it validates), whose
// intervals were computed by exact interval arithmetic.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Analyzer } from '../../core/analysis/analyze';
import { CrateFiles } from '../../core/analysis/crate-files';
import { findManifest, ManifestCache, readManifestView, type ManifestView } from '../../core/analysis/manifest/view';
import { validateManifest } from '../../core/manifest/file';
import { hoverAt } from '../../core/analysis/hover';
import { analyse, covered, fixturesDir, rust } from './ls-harness';

const crate = path.join(fixturesDir, 'mlp-crate');
const modelPath = path.join(crate, 'src', 'model.rs');
const model = readFileSync(modelPath, 'utf8');
const manifestJson = JSON.parse(readFileSync(path.join(crate, 'stylus-ml.json'), 'utf8'));

function view(mutate?: (j: typeof manifestJson) => void): ManifestView {
  const j = structuredClone(manifestJson);
  mutate?.(j);
  const file = path.join(crate, 'stylus-ml.json');
  return readManifestView(validateManifest(j, file), file);
}

async function check(text: string, v: ManifestView = view(), dirtyLines?: Set<number>) {
  const p = await rust();
  const a = new Analyzer(p.snippet);
  const extraItems = new CrateFiles(p).extraItems(modelPath);
  return analyse(text, { filePath: modelPath, manifest: v, extraItems, dirtyLines }, a);
}

const lineOf = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

describe('reading stylus-ml.json', () => {
  it('the fixture is a valid manifest for core/manifest/schema.ts', () => {
    assert.doesNotThrow(() => validateManifest(structuredClone(manifestJson), 'stylus-ml.json'));
  });

  it('derives each tensor in integer units: the box per element, formats, proven output intervals, weight tables', () => {
    const v = view();
    assert.deepEqual(v.layers.map((l) => l.spec.fn), ['layer_0_fc1', 'layer_1_relu1', 'layer_2_fc2']);
    assert.deepEqual(v.inputs[0].range, [-24576n, 24576n], 'graph input [-24, 24] at Q.10');
    assert.equal(v.inputs[0].elems?.length, 4, 'the box element by element');
    assert.deepEqual(v.layers[0].inputs.map((t) => [t.storage, t.fracBits, t.range]), [['i16', 10, null]], 'a layer input\'s range comes from its source');
    assert.deepEqual(v.layers[0].output.range, [-8921n, 8923n]);
    assert.deepEqual(v.layers[0].weights.map((w) => [w.rust, w.storage, w.fracBits, w.range]), [
      ['LAYER_0_FC1_W', 'i16', 12, [-614n, 820n]],
      ['LAYER_0_FC1_B', 'i64', 22, [-8192n, 4096n]],
    ]);
    // without the per-weight list, the schema's weightFormat still gives the format
    const bare = view((j) => {
      delete j.layers[0].weights;
    });
    assert.deepEqual(bare.layers[0].weights.map((w) => [w.storage, w.fracBits, w.range]), [['i16', 12, null]]);
  });

  it('without a box, a graph input is its proven real range rounded outward', () => {
    const v = view((j) => {
      j.inputs[0].range = [-1.5, 0.7];
      j.inputs[0].box = { lo: [], hi: [] };
    });
    // 0.7 * 1024 = 716.8 -> 717; -1.5 * 1024 = -1536
    assert.deepEqual(v.inputs[0].range, [-1536n, 717n]);
    assert.equal(v.inputs[0].elems, undefined);
  });

  it("an invalid manifest on disk is reported with the schema validator's reason", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ls-mf-'));
    try {
      const j = structuredClone(manifestJson);
      delete j.modelHash;
      writeFileSync(path.join(dir, 'stylus-ml.json'), JSON.stringify(j));
      const r = new ManifestCache().load(path.join(dir, 'stylus-ml.json'));
      assert.equal(r.view, null);
      assert.match(r.error!, /stylus-ml\.json: modelHash: missing/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a file without layers, and finds the manifest above src/', () => {
    assert.throws(() => validateManifest({ schema: 1 }, 'x/stylus-ml.json'), /x\/stylus-ml\.json: .*missing/);
    assert.equal(findManifest(modelPath), path.join(crate, 'stylus-ml.json'));
  });
});

describe('manifest-aware checks of model.rs', () => {
  it('the generated crate as written: no diagnostics, every layer bound to its function', async () => {
    const r = await check(model);
    assert.deepEqual(r.findings.map((f) => f.message), []);
    assert.deepEqual(r.layers.map((l) => l.layer.spec.fn), ['layer_0_fc1', 'layer_1_relu1', 'layer_2_fc2']);
    // the analysis reproduces the layers' proven output intervals, each layer seeded with the outputs the
    // code computes for the layer before it; fc2 sees each ReLU unit's own range (per element, as the real
    // quantiser proves them), tighter than this fixture's hull-based [-1525, 1769]
    assert.deepEqual(
      r.layers.map((l) => l.unit.analysis.stored.get('y')!.iv),
      [
        { lo: -8921n, hi: 8923n },
        { lo: 0n, hi: 8923n },
        { lo: -1101n, hi: 1720n },
      ],
    );
    assert.deepEqual(r.layers.map((l) => l.inputs[0].range), [
      [-24576n, 24576n],
      [-8921n, 8923n],
      [0n, 8923n],
    ]);
  });

  it('a weight multiplied by 100 is flagged at that weight, with the interval and the i16 range', async () => {
    const text = model.replace('[410, -205, 52, 820]', '[410, -205, 5200, 820]');
    const r = await check(text);
    assert.equal(r.findings.length, 1, r.findings.map((f) => f.message).join('\n'));
    const f = r.findings[0];
    assert.equal(f.code, 'SML101');
    assert.equal(covered(text, f), '5200');
    assert.equal(lineOf(text, f.start), 9);
    assert.match(f.message, /weight `LAYER_0_FC1_W\[2\]` = 5200 is outside the range \[-614, 820\] recorded for `fc1.weight` \(Q3.12\)/);
    assert.match(f.message, /can now reach 39811 \(interval \[-39809, 39811\]\), beyond i16 \[-32768, 32767\]/);
  });

  it('a weight edit that keeps the bound is not flagged', async () => {
    const r = await check(model.replace('[410, -205, 52, 820]', '[410, -205, 55, 820]'));
    assert.equal(r.findings.length, 0);
    // a weight outside its recorded range that still keeps the output in i16 is not flagged either
    const r2 = await check(model.replace('[410, -205, 52, 820]', '[410, -205, 900, 820]'));
    assert.equal(r2.findings.length, 0);
  });

  it('a changed rescale shift that breaks the bound is flagged at the shift amount', async () => {
    const at = model.indexOf('rescale(acc, 12)');
    const text = model.slice(0, at) + 'rescale(acc, 10)' + model.slice(at + 'rescale(acc, 12)'.length);
    const r = await check(text);
    assert.equal(r.findings.length, 1, r.findings.map((f) => f.message).join('\n'));
    assert.equal(covered(text, r.findings[0]), '10');
    assert.equal(lineOf(text, r.findings[0].start), 30);
    assert.match(r.findings[0].message, /rescale shift 10 differs from the shift 12 recorded .* can now reach 35692/);
  });

  it('a changed shift that keeps the bound (more shift, smaller values) is not flagged', async () => {
    const at = model.indexOf('rescale(acc, 12)');
    const text = model.slice(0, at) + 'rescale(acc, 13)' + model.slice(at + 'rescale(acc, 12)'.length);
    assert.equal((await check(text)).findings.length, 0);
  });

  it('the check follows the manifest: with a narrower proven input box the same edit keeps the bound', async () => {
    const narrow = view((j) => {
      j.inputs[0].range = [-8, 8];
      j.inputs[0].box = { lo: [-8, -8, -8, -8], hi: [8, 8, 8, 8] };
    });
    const text = model.replace('[410, -205, 52, 820]', '[410, -205, 5200, 820]');
    assert.equal((await check(text, narrow)).findings.length, 0);
  });

  it('a bias edit is attributed to the bias table', async () => {
    const text = model.replace('4096, -8192, 2048,', '4096, -8192, 204800000,');
    const r = await check(text);
    assert.deepEqual(r.findings.map((f) => [f.code, covered(text, f)]), [['SML101', '204800000']]);
    assert.match(r.findings[0].message, /`LAYER_0_FC1_B\[2\]` = 204800000 .* `fc1.bias`/);
  });

  it('an edit with no recorded counterpart is placed on the lines edited in this session', async () => {
    const text = model.replace('acc += x[3] as i64 * w[3] as i64;', 'acc += 16 * x[3] as i64 * w[3] as i64;');
    const edited = lineOf(text, text.indexOf('acc += 16 *')) - 1;
    const r = await check(text, view(), new Set([edited]));
    assert.equal(r.findings.length, 1);
    assert.equal(covered(text, r.findings[0]), 'acc += 16 * x[3] as i64 * w[3] as i64;');
    assert.match(r.findings[0].message, /^edited line: in layer `fc1`/);
    // without edit tracking (the CLI), the saturation point carries it
    const r2 = await check(text);
    assert.equal(covered(text, r2.findings[0]), 'sat_i16(rescale(acc, 12))');
  });

  it('pattern rules use the proven inputs: an i32 accumulator that the input box keeps safe is not flagged', async () => {
    const text = [
      'const W: [i8; 784] = [100; 784];',
      'pub fn dense(x: &[i16; 784]) -> i32 {',
      '    let mut acc: i32 = 0;',
      '    for i in 0..784 {',
      '        acc += (x[i] as i32) * (W[i] as i32);',
      '    }',
      '    acc',
      '}',
      '',
    ].join('\n');
    const file = '/nonexistent/crate/stylus-ml.json';
    const j = structuredClone(manifestJson);
    const box = { lo: new Array(784).fill(-0.5), hi: new Array(784).fill(0.49609375) };
    j.inputs = [{ name: 'x', shape: [784], storage: 'i16', fracBits: 8, range: [-0.5, 0.49609375], kind: 'real', onnxType: 'float32', box }];
    j.layers = [{ index: 0, name: 'dense', sources: [{ input: 0 }], fn: 'dense', op: 'matmul', onnxOp: 'Gemm', inputShapes: [[784]], outputShape: [1], params: 784, macs: 784, inputFormats: [{ storage: 'i16', fracBits: 8 }], outputFormat: { storage: 'i32', fracBits: 8 }, interval: [0, 0], qInterval: [0, 0], lines: null, ink: null, gas: null }];
    const v = readManifestView(validateManifest(j, file), file);
    const r = await analyse(text, { filePath: '/nonexistent/crate/src/model.rs', manifest: v });
    assert.deepEqual(r.findings.map((f) => f.code), []);
    // without the manifest, x is any i16: 784 * 32768 * 100 overflows i32
    const generic = await analyse(text);
    assert.deepEqual(generic.findings.map((f) => f.code), ['SML004']);
  });

  it('hovers give Q-formats from the manifest, also for tables found by the generator\'s naming', async () => {
    const bare = view((j) => {
      for (const l of j.layers) delete l.weights;
    });
    const r = await check(model, bare);
    const at = (s: string, k = 0) => model.indexOf(s) + k;
    const w = hoverAt(r, at('&LAYER_0_FC1_W[n]', 2));
    assert.match(w!.markdown, /`LAYER_0_FC1_W`\*\*: array, elements i16 ∈ \[-614, 820\]/);
    assert.match(w!.markdown, /Q-format: \*\*Q3\.12\*\* \(i16, 12 fractional bits\) — `fc1\.weight`, real values \[-0\.149902, 0\.200195\]/);
    const b = hoverAt(r, at('= LAYER_0_FC1_B[n]', 3));
    assert.match(b!.markdown, /Q-format: \*\*Q41\.22\*\* \(i64, 22 fractional bits\)/);
  });

  it('a layer missing from model.rs and an unreadable manifest are reported as information', async () => {
    const v = view((j) => {
      j.layers.push({ index: 3, name: 'fc3', fn: 'layer_3_fc3', op: 'matmul', onnxOp: 'Gemm', inputShapes: [[1, 2]], outputShape: [1, 2], params: 0, macs: 0, inputFormats: [], outputFormat: { storage: 'i16', fracBits: 10 }, interval: [0, 0], qInterval: [0, 0], lines: null, ink: null, gas: null });
    });
    const r = await check(model, v);
    assert.deepEqual(r.findings.map((f) => [f.code, f.severity]), [['SML102', 'information']]);
    assert.match(r.findings[0].message, /`fc3`.*`fn layer_3_fc3`.*not in this file/);
    const bad = await analyse(model, { filePath: modelPath, manifest: null, manifestError: 'stylus-ml.json: invalid JSON' });
    assert.deepEqual(bad.findings.map((f) => f.code), ['SML103']);
  });
});
