// Locating generated crates and reading their manifest through core's reader.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { crateDirOf, readCrate } from '../../extension/crates';
import { writeCrateManifest } from '../fixtures/crate-manifest';

const repo = path.resolve(__dirname, '..', '..');
const root = mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-crates-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('crates', () => {
  test('crateDirOf finds the crate from a file deep inside it, and nothing outside one', () => {
    const crate = path.join(root, 'iris-stylus');
    mkdirSync(path.join(crate, 'src'), { recursive: true });
    writeFileSync(path.join(crate, 'stylus-ml.json'), '{}');
    writeFileSync(path.join(crate, 'src', 'model.rs'), '');
    assert.equal(crateDirOf(path.join(crate, 'src', 'model.rs')), crate);
    assert.equal(crateDirOf(path.join(crate, 'stylus-ml.json')), crate);
    assert.equal(crateDirOf(crate), crate);
    assert.equal(crateDirOf(path.join(root, 'elsewhere.onnx')), null);
  });

  test('a valid manifest gives the source model, resolved relative to the crate', () => {
    const model = path.join(root, 'models', 'iris-logreg.onnx');
    mkdirSync(path.dirname(model), { recursive: true });
    copyFileSync(path.join(repo, 'samples', 'iris-logreg.onnx'), model);
    const crate = path.join(root, 'good');
    writeCrateManifest(crate, model, '0:10');
    const info = readCrate(crate);
    assert.equal(info.error, null);
    assert.equal(info.modelPath, model);
    assert.ok(info.manifest && info.manifest.layers.length > 0);
    rmSync(model);
    assert.equal(readCrate(crate).modelPath, null, 'a model that is gone is not offered');
  });

  test('an invalid manifest is reported with its path and the validator\'s reason, not thrown', () => {
    const crate = path.join(root, 'bad');
    mkdirSync(crate, { recursive: true });
    writeFileSync(path.join(crate, 'stylus-ml.json'), '{ nope');
    const bad = readCrate(crate);
    assert.equal(bad.manifest, null);
    assert.ok(bad.error?.includes(path.join(crate, 'stylus-ml.json')), bad.error ?? '');
    assert.match(bad.error ?? '', /not valid JSON/);
    writeFileSync(path.join(crate, 'stylus-ml.json'), JSON.stringify({ schema: 99 }));
    assert.match(readCrate(crate).error ?? '', /schema 99 is not supported/);
  });
});
