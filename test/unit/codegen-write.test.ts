// Issue 3 acceptance 5 (bad input, generation side): `new` into a non-empty folder without --force refuses
// and changes nothing; a half-finished generation leaves nothing; --force replaces the generated files
// and keeps the user's.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeCrate } from '../../core/codegen/write';
import { runCli } from '../fixtures/cli';
import { mlp, wideConv } from '../fixtures/onnx-builder';

/** Every file under dir with its content, for "nothing changed" comparisons. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8') + `@${fs.statSync(p).mtimeMs}`;
    }
  };
  walk(dir);
  return out;
}

describe('writing a generated crate', () => {
  let work: string;
  let model: string;
  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-write-'));
    model = path.join(work, 'mlp.onnx');
    fs.writeFileSync(model, mlp([8, 4, 3], { seed: 2, batch: 1 }));
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('refuses a non-empty folder without --force and changes nothing in it', async () => {
    const dir = path.join(work, 'taken');
    fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    fs.writeFileSync(path.join(dir, 'src', 'lib.rs'), '// my code');
    const before = snapshot(dir);
    const r = await runCli(['new', model, '--out', dir, '--template', 'minimal', '--input-range', '-1:1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is not empty.*--force.*nothing was changed/);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'a one-line reason');
    assert.deepEqual(snapshot(dir), before);
    assert.deepEqual(fs.readdirSync(work).filter((f) => f.includes('stylus-ml-')), [], 'no staging folder left');
  });

  it('--force regenerates over a previous crate: generated files replaced, stale ones removed, the user\'s kept', async () => {
    const dir = path.join(work, 'again');
    assert.equal((await runCli(['new', model, '--out', dir, '--template', 'sdk', '--input-range', '-1:1', '--offline'])).code, 0);
    assert.ok(fs.existsSync(path.join(dir, 'src', 'main.rs')));
    fs.writeFileSync(path.join(dir, 'my-notes.md'), 'keep me');
    const r = await runCli(['new', model, '--out', dir, '--template', 'minimal', '--input-range', '-2:2', '--force', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.removed, ['src/main.rs'], 'the sdk-only file of the previous generation');
    assert.ok(!fs.existsSync(path.join(dir, 'src', 'main.rs')));
    assert.equal(fs.readFileSync(path.join(dir, 'my-notes.md'), 'utf8'), 'keep me');
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'stylus-ml.json'), 'utf8'));
    assert.equal(m.template, 'minimal');
    assert.deepEqual(m.inputs[0].box.hi[0], 2, 'the new box');
  });

  it('a generation that fails half-way leaves nothing: no folder, no staging files, no created parents', () => {
    const parent = path.join(work, 'new-parent');
    const dir = path.join(parent, 'deeper', 'crate');
    const files = new Map([
      ['Cargo.toml', '[package]'],
      ['src/lib.rs', '// half'],
      ['core/src/model.rs', '// half'],
    ]);
    assert.throws(
      () =>
        writeCrate(dir, files, {
          beforeRename: (staging) => {
            assert.ok(fs.existsSync(path.join(staging, 'core', 'src', 'model.rs')), 'the files were written to the staging folder');
            throw new Error('disk full');
          },
        }),
      /disk full/,
    );
    assert.ok(!fs.existsSync(parent), 'the parents it created are gone');
    assert.deepEqual(fs.readdirSync(work).filter((f) => f.includes('stylus-ml-')), []);
  });

  it('a model the generator rejects leaves no folder behind', async () => {
    // 16 filters on 512x512: 8.5 MiB of intermediate tensors, over nitro's 128 pages (8 MiB) per transaction
    const big = path.join(work, 'big-conv.onnx');
    fs.writeFileSync(big, wideConv(512, 16));
    const dir = path.join(work, 'never');
    const r = await runCli(['new', big, '--out', dir, '--template', 'minimal', '--input-range', '-1:1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /needs [\d.]+ MiB of linear memory \(8\.5 MiB for its intermediate tensors, reused by liveness.*128-page \(8\.0 MiB\) limit per transaction/);
    assert.ok(!fs.existsSync(dir));
    assert.deepEqual(fs.readdirSync(work).filter((f) => f.startsWith('.never')), []);
  });

  it('names what is wrong with the command line', async () => {
    const noOut = await runCli(['new', model, '--input-range', '-1:1']);
    assert.equal(noOut.code, 1);
    assert.match(noOut.stderr, /--out DIR is required/);
    const badTemplate = await runCli(['new', model, '--out', path.join(work, 'x'), '--template', 'hardhat', '--input-range', '-1:1']);
    assert.match(badTemplate.stderr, /--template must be sdk or minimal, got 'hardhat'/);
    const noBox = await runCli(['new', model, '--out', path.join(work, 'y')]);
    assert.match(noBox.stderr, /--input-range/);
    assert.ok(!fs.existsSync(path.join(work, 'x')) && !fs.existsSync(path.join(work, 'y')));
  });
});
