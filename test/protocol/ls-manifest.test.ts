// The language server on a generated-style crate (model.rs + stylus-ml.json on disk): bound-breaking
// edits are flagged at the edited line, hovers show intervals and Q-formats, CodeLens shows each layer's
// estimated gas from the manifest (and nothing when turned off), manifest changes are picked up.

import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { MarkupContent } from 'vscode-languageserver';
import { fileUri, LspClient } from './ls-client';

const fixtures = path.resolve(__dirname, '..', 'fixtures', 'ls');

describe('language server: generated crate with stylus-ml.json', () => {
  let c: LspClient;
  let crate: string;
  let uri: string;
  let model: string;
  let version = 1;
  before(async () => {
    crate = mkdtempSync(path.join(tmpdir(), 'ls-manifest-'));
    cpSync(path.join(fixtures, 'mlp-crate'), crate, { recursive: true });
    model = readFileSync(path.join(crate, 'src', 'model.rs'), 'utf8');
    uri = fileUri(path.join(crate, 'src', 'model.rs'));
    c = await LspClient.start({ configuration: { stylusMl: { diagnostics: { enable: true }, codeLens: { enable: true } } } });
  });
  after(async () => {
    await c.stop();
    rmSync(crate, { recursive: true, force: true });
  });

  const lineText = (n: number) => model.split('\n')[n];

  it('opens with zero diagnostics', async () => {
    assert.deepEqual(await c.open(uri, model), []);
  });

  it('a weight x100 typed in the editor is flagged at that weight; undoing it clears the diagnostic', async () => {
    const line = 8; // "    [410, -205, 52, 820],"
    assert.equal(lineText(line), '    [410, -205, 52, 820],');
    const col = lineText(line).indexOf('52');
    const d = await c.change(uri, ++version, [{ range: { start: { line, character: col + 2 }, end: { line, character: col + 2 } }, text: '00' }]);
    assert.equal(d.length, 1);
    assert.equal(d[0].code, 'SML101');
    assert.deepEqual(d[0].range, { start: { line, character: col }, end: { line, character: col + 4 } });
    assert.match(String(d[0].message), /can now reach 39811 \(interval \[-39809, 39811\]\), beyond i16 \[-32768, 32767\]/);
    const actions = await c.codeActions(uri, d[0]);
    assert.ok(actions.some((a) => a.command?.command === 'stylusMl.requantize' && a.isPreferred));
    const back = await c.change(uri, ++version, [{ range: { start: { line, character: col + 2 }, end: { line, character: col + 4 } }, text: '' }]);
    assert.deepEqual(back, []);
  });

  it('an edit the manifest has no record of is flagged at the line that was edited', async () => {
    const line = model.split('\n').findIndex((l) => l.includes('acc += x[3] as i64 * w[3] as i64;'));
    const col = lineText(line).indexOf('acc += ') + 'acc += '.length;
    const d = await c.change(uri, ++version, [{ range: { start: { line, character: col }, end: { line, character: col } }, text: '16 * ' }]);
    assert.deepEqual(
      d.map((x) => [x.code, x.range.start.line]),
      [['SML101', line]],
    );
    assert.match(String(d[0].message), /^edited line: in layer `fc1`/);
    await c.change(uri, ++version, [{ range: { start: { line, character: col }, end: { line, character: col + 5 } }, text: '' }]);
  });

  it('hover shows the proven interval and, for layer inputs, the Q-format', async () => {
    const fcLine = model.split('\n').findIndex((l) => l.startsWith('pub fn layer_0_fc1('));
    const h = await c.hover(uri, { line: fcLine, character: 'pub fn layer_0_fc1('.length });
    const text = (h?.contents as MarkupContent).value;
    assert.match(text, /\*\*`x`\*\*/);
    assert.match(text, /Q-format: \*\*Q5\.10\*\* \(i16, 10 fractional bits\)/);
    assert.match(text, /real values \[-24\.0, 24\.0\]/);
    assert.match(text, /layer `fc1` \(Gemm\): in Q5\.10 · weights Q3\.12, Q41\.22 · out Q5\.10 · acc i64 · rescale >> 12/);
    const useLine = model.split('\n').findIndex((l) => l.includes('y[n] = sat_i16(rescale(acc, 12));'));
    const h2 = await c.hover(uri, { line: useLine, character: lineText(useLine).indexOf('acc,') + 1 });
    assert.match((h2?.contents as MarkupContent).value, /\*\*`acc`\*\*: i64 ∈ \[-36540416, 36548608\]/);
  });

  it('CodeLens shows each layer\'s estimated gas from the manifest, and a link to its node in the graph, on the function name', async () => {
    const lenses = await c.codeLens(uri);
    assert.deepEqual(
      lenses.map((l) => [l.range.start.line + 1, l.command?.title, l.command?.command]),
      [
        [22, 'Gemm: ≈ 24.1 gas (estimate, 21.7–28.9)', 'stylusMl.showGasReport'],
        [22, 'Show in graph', 'stylusMl.revealInGraph'],
        [36, 'Relu: ≈ 5.2 gas (estimate, 4.7–6.2)', 'stylusMl.showGasReport'],
        [36, 'Show in graph', 'stylusMl.revealInGraph'],
        [57, 'Gemm: ≈ 18 gas (estimate, 16.2–21.6)', 'stylusMl.showGasReport'],
        [57, 'Show in graph', 'stylusMl.revealInGraph'],
      ],
    );
    assert.deepEqual(lenses[0].command?.arguments, [{ manifest: path.join(crate, 'stylus-ml.json'), layer: 'fc1', fn: 'layer_0_fc1' }]);
    assert.deepEqual(lenses[1].command?.arguments, lenses[0].command?.arguments, 'the same layer');
  });

  it('CodeLens is empty when stylusMl.codeLens.enable is false', async () => {
    c.configuration = { stylusMl: { diagnostics: { enable: true }, codeLens: { enable: false } } };
    c.clearValidated();
    await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await c.waitValidated(uri, version);
    assert.deepEqual(await c.codeLens(uri), []);
  });

  it('picks up a changed stylus-ml.json: with a narrower proven input box the x100 weight keeps the bound', async () => {
    const mf = path.join(crate, 'stylus-ml.json');
    const j = JSON.parse(readFileSync(mf, 'utf8'));
    j.inputs[0].range = [-8, 8];
    j.inputs[0].box = { lo: [-8, -8, -8, -8], hi: [8, 8, 8, 8] };
    writeFileSync(mf, JSON.stringify(j, null, 2));
    c.clearValidated();
    await c.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(mf), type: 2 }] });
    await c.waitValidated(uri, version);
    const line = 8;
    const col = lineText(line).indexOf('52');
    const d = await c.change(uri, ++version, [{ range: { start: { line, character: col + 2 }, end: { line, character: col + 2 } }, text: '00' }]);
    assert.deepEqual(d, []);
  });
});
