// Issue 3 acceptance 1: for a decision tree, a random forest, a gradient-boosted model, a logistic
// regression, an MLP and a small CNN, `stylus-ml new` with the minimal and the sdk template makes a crate
// whose core's native `cargo test` runs ≥ 1,000 golden vectors from the simulator (box corners and edges
// included) and matches them bit for bit. The manifest it writes validates and points at the layer code.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { readManifest } from '../../core/manifest/file';
import { prepareModel } from '../../core/pipeline';
import { modelHash } from '../../core/quant/hash';
import { acceptanceModels, type AcceptanceModel } from '../fixtures/acceptance-models';
import { runCli } from '../fixtures/cli';
import { corpusAvailable } from '../fixtures/corpus';
import { cargoTest, hostCargo, passedTests } from '../fixtures/rust';

const skip = !hostCargo() ? 'cargo is not installed' : !corpusAvailable() ? 'conformance corpus not found' : false;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-native-'));
const models: AcceptanceModel[] = skip ? [] : acceptanceModels(work);

describe('stylus-ml new: six models, two templates, native cargo test of the core', { skip }, () => {
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('covers the six model kinds', () => {
    assert.deepEqual(models.map((m) => m.kind), ['decision tree', 'random forest', 'gradient boosting', 'logistic regression', 'MLP', 'CNN']);
  });

  for (const template of ['minimal', 'sdk'] as const) {
    for (const m of models) {
      it(`${m.kind} (${path.basename(m.file)}), ${template} template: ≥ 1,000 golden vectors match bit for bit`, { timeout: 10 * 60_000 }, async () => {
        const dir = path.join(work, `${m.name}-${template}`);
        const r = await runCli(['new', m.file, '--out', dir, '--template', template, '--input-range', m.inputRange, '--offline', '--json']);
        assert.equal(r.code, 0, `${m.kind}: ${r.stderr}`);
        const out = JSON.parse(r.stdout);

        // the contract's hash constant is the one the pipeline computes from the ONNX file
        const plan = prepareModel(m.file, { inputRange: m.inputRange }).plan;
        assert.equal(out.modelHash, modelHash(plan));
        const manifest = readManifest(dir);
        assert.equal(manifest.modelHash, out.modelHash);
        assert.equal(manifest.template, template);

        // every layer's recorded line range is its function in core/src/model.rs
        const modelRs = fs.readFileSync(path.join(dir, 'core', 'src', 'model.rs'), 'utf8').split('\n');
        assert.equal(manifest.layers.length, plan.nodes.length);
        for (const l of manifest.layers) {
          assert.ok(l.lines, `${l.fn} has a line range`);
          assert.match(modelRs[l.lines[0] - 1], new RegExp(`^pub fn ${l.fn}\\(`), `${l.fn} starts at line ${l.lines[0]}`);
          assert.equal(modelRs[l.lines[1] - 1], '}', `${l.fn} ends at line ${l.lines[1]}`);
          let above = l.lines[0] - 2;
          while (modelRs[above].startsWith('#[')) above--; // #[inline(never)] keeps each layer its own wasm function
          assert.match(modelRs[above], /^\/\/\/ Proven output interval|^\/\/\//, `${l.fn} has its doc comment`);
        }

        // golden vectors: at least 1,000, corners and edges of the box among them
        const golden = fs.readFileSync(path.join(dir, 'core', 'tests', 'golden.txt'), 'utf8');
        const vectors = golden.split('\n').filter((l) => l && !l.startsWith('#'));
        assert.ok(vectors.length >= 1000, `${vectors.length} vectors`);
        const kinds = /kinds: (\d+) corner, (\d+) edge/.exec(golden);
        assert.ok(kinds && Number(kinds[1]) >= 64 && Number(kinds[2]) >= 32, `corner and edge vectors: ${kinds?.[0]}`);

        const t = cargoTest(path.join(dir, 'core'), path.join(work, 'target'));
        assert.ok(t.ok, `cargo test in ${dir}/core failed:\n${(t.stdout + t.stderr).split('\n').filter((l) => /panicked|left|right|error|FAILED/.test(l)).slice(0, 20).join('\n')}`);
        assert.equal(passedTests(t.stdout), 6, 'golden, predict/label/packed through the ABI, a batch and its refusals, hash and formats, malformed calls, out-of-box inputs');
      });
    }
  }
});
