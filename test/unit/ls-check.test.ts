// `stylus-ml check FILE.rs|DIR [--json]` building blocks: checkPaths, the JSON document, the human
// format and the exit code.

import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { checkExitCode, checkPaths, formatCheckHuman, formatCheckJson } from '../../core/analysis/check';
import { fixturesDir } from './ls-harness';

const risky = path.join(fixturesDir, 'risky.rs');
const safe = path.join(fixturesDir, 'safe.rs');
const tmp = mkdtempSync(path.join(tmpdir(), 'ls-check-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('checkPaths', () => {
  it('reports the risky fixture with 1-based positions and exits 1', async () => {
    const r = await checkPaths([risky]);
    assert.equal(r.files, 1);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.code, d.line, d.column, d.endLine, d.endColumn, d.severity]),
      [
        ['SML001', 9, 5, 9, 10, 'warning'],
        ['SML002', 14, 5, 14, 26, 'warning'],
        ['SML003', 19, 5, 19, 11, 'warning'],
        ['SML003', 24, 5, 24, 11, 'warning'],
        ['SML004', 31, 9, 31, 45, 'warning'],
        ['SML005', 38, 5, 38, 10, 'warning'],
        ['SML006', 43, 5, 43, 22, 'warning'],
      ],
    );
    assert.ok(r.diagnostics.every((d) => d.file === risky));
    assert.equal(checkExitCode(r), 1);
  });

  it('a clean file exits 0', async () => {
    const r = await checkPaths([safe]);
    assert.deepEqual(r.diagnostics, []);
    assert.equal(checkExitCode(r), 0);
  });

  it('walks a crate directory, applies its stylus-ml.json, and flags a bound-breaking edit', async () => {
    const crate = path.join(tmp, 'crate');
    cpSync(path.join(fixturesDir, 'mlp-crate'), crate, { recursive: true });
    const clean = await checkPaths([crate]);
    assert.equal(clean.files, 3);
    assert.deepEqual(clean.diagnostics, []);
    const model = path.join(crate, 'src', 'model.rs');
    writeFileSync(model, readFileSync(model, 'utf8').replace('[410, -205, 52, 820]', '[410, -205, 5200, 820]'));
    const broken = await checkPaths([crate]);
    assert.deepEqual(
      broken.diagnostics.map((d) => [path.relative(crate, d.file), d.line, d.column, d.code]),
      [[path.join('src', 'model.rs'), 9, 17, 'SML101']],
    );
  });

  it('information-only results do not fail CI', async () => {
    const crate = path.join(tmp, 'crate-info');
    cpSync(path.join(fixturesDir, 'mlp-crate'), crate, { recursive: true });
    const mf = path.join(crate, 'stylus-ml.json');
    const j = JSON.parse(readFileSync(mf, 'utf8'));
    j.layers.push({ index: 3, name: 'fc3', fn: 'layer_3_fc3', op: 'matmul', onnxOp: 'Gemm', inputShapes: [[1, 2]], outputShape: [1, 2], params: 0, macs: 0, inputFormats: [], outputFormat: { storage: 'i16', fracBits: 10 }, interval: [0, 0], qInterval: [0, 0], lines: null, ink: null, gas: null });
    writeFileSync(mf, JSON.stringify(j));
    const r = await checkPaths([path.join(crate, 'src', 'model.rs')]);
    assert.deepEqual(r.diagnostics.map((d) => [d.code, d.severity]), [['SML102', 'information']]);
    assert.equal(checkExitCode(r), 0);
  });

  it('rejects missing paths and non-Rust files with a clear message', async () => {
    await assert.rejects(checkPaths([path.join(tmp, 'nope.rs')]), /check: .*nope\.rs does not exist/);
    await assert.rejects(checkPaths([path.join(fixturesDir, 'mlp-crate', 'stylus-ml.json')]), /is not a \.rs file or a directory/);
    await assert.rejects(checkPaths([]), /give a \.rs file or a directory/);
  });
});

describe('output formats', () => {
  it('--json: {"diagnostics":[{file,line,column,endLine,endColumn,code,severity,message}]}', async () => {
    const r = await checkPaths([risky]);
    const doc = JSON.parse(formatCheckJson(r));
    assert.deepEqual(Object.keys(doc), ['diagnostics']);
    assert.deepEqual(Object.keys(doc.diagnostics[0]), ['file', 'line', 'column', 'endLine', 'endColumn', 'code', 'severity', 'message']);
    assert.equal(doc.diagnostics.length, 7);
  });

  it('human: file:line:col: severity CODE: message, then a summary', async () => {
    const r = await checkPaths([risky]);
    const out = formatCheckHuman(r).trimEnd().split('\n');
    assert.match(out[0], /risky\.rs:9:5: warning SML001: product of `x` \[-32768, 32767\] and `w` \[-200, 200\] can reach 6553600/);
    assert.equal(out.at(-1), '1 file(s) checked: 0 error(s), 7 warning(s)');
  });
});
