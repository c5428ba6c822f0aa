// The preview's in-host inspect (extension/local-inspect.ts) answers exactly what `stylus-ml inspect --json`
// prints, for supported and unsupported models, and leaves large or unreadable models to the CLI.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { LOCAL_INSPECT_MAX_BYTES, inspectLocally } from '../../extension/local-inspect';
import { runCli } from '../fixtures/cli';
import { CORPUS } from '../fixtures/corpus';
import { mlp } from '../fixtures/onnx-builder';

const root = path.resolve(__dirname, '..', '..');
const conformance = CORPUS;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-local-inspect-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const mlp100k = path.join(tmp, 'mlp-100k.onnx');
writeFileSync(mlp100k, Buffer.from(mlp([256, 256, 128, 128, 10], { seed: 5 })));

const models: { name: string; file: string; exit: number }[] = [
  { name: 'the bundled logistic regression', file: path.join(root, 'samples', 'iris-logreg.onnx'), exit: 0 },
  { name: 'the bundled forest', file: path.join(root, 'samples', 'iris-forest.onnx'), exit: 0 },
  { name: 'a 116,490-parameter MLP (the bench model)', file: mlp100k, exit: 0 },
  { name: 'mnist-8 (model zoo, conv)', file: path.join(conformance, 'zoo', 'mnist-8', 'model.onnx'), exit: 0 },
  { name: 'an SVM classifier (unsupported op)', file: path.join(conformance, 'skl2onnx', 'tests-80597179', 'SklearnBinNuSVCPF.model.onnx'), exit: 2 },
  { name: 'k-nearest neighbours (13 unsupported nodes)', file: path.join(conformance, 'skl2onnx', 'tests-80597179', 'SklearnKNeighborsClassifierBinary.model.onnx'), exit: 2 },
];

describe('in-host inspect for the preview', () => {
  for (const m of models) {
    const skip = !existsSync(m.file) && `${m.file} is missing (the shared corpus, STYLUS_ML_CORPUS)`;
    test(`${m.name}: the same JSON as \`stylus-ml inspect --json\``, { skip }, async () => {
      const cli = await runCli(['inspect', m.file, '--json']);
      assert.equal(cli.code, m.exit, `stylus-ml inspect exits ${m.exit}: ${cli.stderr}`);
      const local = inspectLocally(m.file);
      assert.ok(local, 'answered in the host');
      assert.deepEqual(local, JSON.parse(cli.stdout));
      assert.equal(local.unsupported.length > 0, m.exit === 2, 'unsupported nodes are listed exactly when the CLI exits 2');
    });
  }

  test('models above the size limit, unreadable files and files the importer rejects are left to the CLI', () => {
    assert.ok(inspectLocally(mlp100k), 'the 466 KB model is under the limit');
    assert.ok(LOCAL_INSPECT_MAX_BYTES >= 5 * 1024 * 1024, 'a limit that covers the 1M-parameter preview target (issue 13: a 4.3 MB model)');
    assert.equal(inspectLocally(mlp100k, 100_000), null, 'over a given limit: the CLI reads it');
    const corrupt = path.join(tmp, 'corrupt.onnx');
    writeFileSync(corrupt, 'this is not an ONNX model\n\u0000\u00ff\u0013garbage');
    assert.equal(inspectLocally(corrupt), null, 'the CLI says why, in its words');
    assert.equal(inspectLocally(path.join(tmp, 'missing.onnx')), null);
    assert.equal(inspectLocally(tmp), null, 'a directory');
  });
});
