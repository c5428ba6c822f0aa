// The language server over IPC (the esbuild bundle, forked with --node-ipc, driven by vscode-jsonrpc):
// diagnostics with source/codes/ranges, incremental edits, debounce (latest wins), the enable setting,
// and the absence of Rust features rust-analyzer owns.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LspClient } from './ls-client';

const fixtures = path.resolve(__dirname, '..', 'fixtures', 'ls');
const risky = readFileSync(path.join(fixtures, 'risky.rs'), 'utf8');
const safe = readFileSync(path.join(fixtures, 'safe.rs'), 'utf8');

describe('language server: diagnostics over IPC', () => {
  let c: LspClient;
  before(async () => {
    c = await LspClient.start({ configuration: { stylusMl: { diagnostics: { enable: true }, codeLens: { enable: true } } } });
  });
  after(() => c.stop());

  it('advertises only its own features: no completion, navigation or formatting (rust-analyzer owns those)', async () => {
    const caps = c.capabilities;
    assert.deepEqual(caps.textDocumentSync, { openClose: true, change: 2 }, 'incremental sync');
    assert.ok(caps.codeActionProvider && caps.hoverProvider && caps.codeLensProvider);
    for (const k of ['completionProvider', 'definitionProvider', 'referencesProvider', 'documentFormattingProvider', 'renameProvider', 'semanticTokensProvider', 'inlayHintProvider']) {
      assert.equal(caps[k], undefined, k);
    }
    const none = await c.conn.sendRequest('textDocument/completion', { textDocument: { uri: 'file:///x.rs' }, position: { line: 0, character: 0 } }).catch((e: { code?: number }) => e);
    assert.equal((none as { code?: number }).code, -32601, 'completion requests are not handled');
  });

  it('publishes one diagnostic per risky pattern with source stylus-ml, codes and exact ranges', async () => {
    const uri = 'file:///virtual/risky.rs';
    const diags = await c.open(uri, risky);
    assert.deepEqual(
      diags.map((d) => [d.code, d.source, d.severity, d.range.start.line + 1, d.range.start.character, d.range.end.character]),
      [
        ['SML001', 'stylus-ml', 2, 9, 4, 9],
        ['SML002', 'stylus-ml', 2, 14, 4, 25],
        ['SML003', 'stylus-ml', 2, 19, 4, 10],
        ['SML003', 'stylus-ml', 2, 24, 4, 10],
        ['SML004', 'stylus-ml', 2, 31, 8, 44],
        ['SML005', 'stylus-ml', 2, 38, 4, 9],
        ['SML006', 'stylus-ml', 2, 43, 4, 21],
      ],
    );
    assert.match(String(diags[0].message), /product of `x` \[-32768, 32767\] and `w` \[-200, 200\] can reach 6553600, which exceeds i16 \[-32768, 32767\]/);
  });

  it('the safe fixture gets an empty diagnostics list', async () => {
    const uri = 'file:///virtual/safe.rs';
    assert.deepEqual(await c.open(uri, safe), []);
  });

  it('incremental edits re-analyse: fixing the product removes its diagnostic, breaking it again brings it back', async () => {
    const uri = 'file:///virtual/edit.rs';
    const text = 'pub fn f(x: i32, w: i32) -> i64 {\n    let p = x * w;\n    p as i64\n}\n';
    const d1 = await c.open(uri, text);
    assert.deepEqual(d1.map((d) => d.code), ['SML001']);
    // `x * w` -> `x as i64 * w as i64` (two insertions, positions relative to the text after the previous change)
    const d2 = await c.change(uri, 2, [
      { range: { start: { line: 1, character: 13 }, end: { line: 1, character: 13 } }, text: ' as i64' },
      { range: { start: { line: 1, character: 24 }, end: { line: 1, character: 24 } }, text: ' as i64' },
    ]);
    assert.deepEqual(d2, []);
    // operands bounded by clamps: the i32 product is proven in range
    const d3 = await c.change(uri, 3, [{ range: { start: { line: 1, character: 12 }, end: { line: 1, character: 31 } }, text: 'x.clamp(-1000, 1000) * w.clamp(-1000, 1000)' }]);
    assert.deepEqual(d3.map((d) => d.code), []);
    const d4 = await c.change(uri, 4, [{ text: text.replace('i32, w: i32', 'i64, w: i64') }]);
    assert.deepEqual(d4.map((d) => d.code), ['SML001'], 'i64 * i64 can overflow i64');
  });

  it('stylusMl.diagnostics.enable turns diagnostics off and on (didChangeConfiguration)', async () => {
    const uri = 'file:///virtual/toggle.rs';
    assert.equal((await c.open(uri, risky)).length, 7);
    c.clearValidated();
    c.configuration = { stylusMl: { diagnostics: { enable: false } } };
    await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: { stylusMl: { diagnostics: { enable: false } } } });
    const v = await c.waitValidated(uri, 1);
    assert.equal(v.diagnostics, 0);
    assert.deepEqual(c.diagnostics.get(uri)?.diagnostics, []);
    c.clearValidated();
    c.configuration = { stylusMl: { diagnostics: { enable: true } } };
    await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
    await c.waitValidated(uri, 1);
    assert.equal(c.diagnostics.get(uri)?.diagnostics.length, 7, 'pulled from workspace/configuration');
  });

  it('closing a document clears its diagnostics', async () => {
    const uri = 'file:///virtual/close.rs';
    await c.open(uri, risky);
    await c.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
    for (let i = 0; i < 50 && (c.diagnostics.get(uri)?.diagnostics.length ?? 0) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(c.diagnostics.get(uri)?.diagnostics, []);
  });
});

describe('language server: debounce', () => {
  it('coalesces a burst of edits into one analysis of the latest version', async () => {
    const c = await LspClient.start({ initializationOptions: { diagnostics: { debounceMs: 150 } } });
    try {
      const uri = 'file:///virtual/burst.rs';
      await c.open(uri, 'pub fn f(x: i32) -> i32 {\n    x\n}\n');
      c.clearValidated();
      const seen: number[] = [];
      c.onValidated.push((p) => seen.push(p.version));
      // five quick edits, each appending to the body; only the last one matters
      for (let v = 2; v <= 6; v++) {
        await c.change(uri, v, [{ text: `pub fn f(x: i32) -> i32 {\n    x * ${v === 6 ? 'x' : v}\n}\n` }], false);
      }
      await c.waitValidated(uri, 6);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(seen, [6], 'one analysis, of the last version');
      assert.deepEqual(c.diagnostics.get(uri)?.diagnostics.map((d) => d.code), ['SML001']);
      assert.equal(c.diagnostics.get(uri)?.version, 6);
    } finally {
      await c.stop();
    }
  });
});
