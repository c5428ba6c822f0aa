// Incremental parsing and cached analysis stay equal to a fresh parse/analysis after edits; edited-line
// tracking follows line insertions; positions are UTF-16 like LSP's.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Analyzer } from '../../core/analysis/analyze';
import { checkDocument } from '../../core/analysis/manifest/check';
import { ManifestCache } from '../../core/analysis/manifest/view';
import { RustDocument, type TextChange } from '../../core/analysis/syntax/parser';
import type { Expr, Item } from '../../core/analysis/syntax/ast';
import { generateCrate } from '../../core/codegen/generate';
import { writeCrate } from '../../core/codegen/write';
import { prepareModel } from '../../core/pipeline';
import { OpenDocument } from '../../language-server/documents';
import { mlp } from '../fixtures/onnx-builder';
import { readFixture, rust } from './ls-harness';

const tmp = mkdtempSync(path.join(tmpdir(), 'ls-incremental-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Deterministic pseudo-random edits inside a text. */
function* edits(text: string, n: number, seed = 7): Generator<{ change: TextChange; next: string }> {
  let s = seed;
  const rnd = (m: number) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % m;
  };
  const pieces = ['x', ' * 2', '\n', '0', 'as i64', '', ';', 'let q = 3;\n', '}', '(', '300'];
  let cur = text;
  for (let i = 0; i < n; i++) {
    const a = rnd(cur.length);
    const b = Math.min(cur.length, a + rnd(6));
    const ins = pieces[rnd(pieces.length)];
    const pos = (o: number) => {
      const before = cur.slice(0, o).split('\n');
      return { line: before.length - 1, character: before[before.length - 1].length };
    };
    const change: TextChange = { range: { start: pos(a), end: pos(b) }, text: ins };
    cur = cur.slice(0, a) + ins + cur.slice(b);
    yield { change, next: cur };
  }
}

describe('incremental parsing', () => {
  it('100 random edits: the incrementally parsed tree equals a fresh parse every time', async () => {
    const p = await rust();
    const base = readFixture('safe.rs');
    const doc = new RustDocument(p, base);
    for (const { change, next } of edits(base, 100)) {
      doc.applyChanges([change]);
      assert.equal(doc.text, next);
      const fresh = p.parse(next);
      assert.equal(doc.root.toString(), fresh.rootNode.toString());
      fresh.delete();
    }
    doc.dispose();
  });

  it('cached analysis after edits equals a fresh analysis (including const edits seen by functions)', async () => {
    const p = await rust();
    const base = readFixture('risky.rs') + '\npub const K: i32 = 100;\npub fn uses_k(x: i16) -> i16 { (x as i32 * K) as i16 }\n';
    const doc = new RustDocument(p, base);
    const cached = new Analyzer(p.snippet);
    const summary = (a: Analyzer, d: RustDocument) => a.analyze(d.root, d.lines).findings.map((f) => `${f.code}@${f.start}-${f.end}:${f.message}`);
    summary(cached, doc);
    // an edit inside a function, then a const edit that changes another function's result
    const steps: TextChange[] = [
      { range: { start: { line: 8, character: 4 }, end: { line: 8, character: 9 } }, text: 'x as i32 as i16' },
      { text: doc.text.replace('K: i32 = 100', 'K: i32 = 1') },
      { text: doc.text.replace('K: i32 = 100', 'K: i32 = 1').replace('K: i32 = 1', 'K: i32 = 100') },
    ];
    for (const ch of steps) {
      doc.applyChanges([ch]);
      const fresh = new RustDocument(p, doc.text);
      assert.deepEqual(summary(cached, doc), summary(new Analyzer(p.snippet), fresh));
      fresh.dispose();
    }
    const last = summary(cached, doc);
    assert.ok(last.some((s) => s.startsWith('SML002') && s.includes('x as i32 * K')), 'K = 100 makes the narrowing unsafe again');
    doc.dispose();
  });
});

describe('an edited weight table is re-lowered row by row', () => {
  // a generated MLP 20-24-3: its first layer's table has 24 rows of 20 weights
  const dir = path.join(tmp, 'crate');
  const modelRs = path.join(dir, 'core', 'src', 'model.rs');
  before(() => {
    const file = path.join(tmp, 'mlp.onnx');
    writeFileSync(file, mlp([20, 24, 3], { seed: 5, batch: 1 }));
    writeCrate(dir, generateCrate(prepareModel(file, { inputRange: '0:1' }), { template: 'minimal', crateDir: dir, vectors: 4 }).files);
  });

  it('every edit (in a row, across rows, in a comment, in the type, undone) gives a fresh analysis\'s findings and tree', async () => {
    const p = await rust();
    const base = readFileSync(modelRs, 'utf8');
    const manifest = new ManifestCache().forFile(modelRs).view;
    assert.ok(manifest, 'the crate has a manifest');
    const doc = new RustDocument(p, base);
    const cached = new Analyzer(p.snippet);
    const run = (a: Analyzer, d: RustDocument) => checkDocument(a, { root: d.root, lines: d.lines, filePath: modelRs, manifest });
    const summary = (c: ReturnType<typeof run>) => c.findings.map((f) => `${f.code}@${f.start}-${f.end}:${f.message}`);
    // the lowered items without node ids (fresh and re-lowered tables number their nodes differently)
    const shape = (c: ReturnType<typeof run>) => JSON.stringify(c.analysis.items.map((it) => it.lowered.item), (k, v) => (k === 'id' ? undefined : typeof v === 'bigint' ? `${v}n` : v));
    const table = (c: ReturnType<typeof run>) => c.analysis.items.map((it) => it.lowered.item).find((it): it is Extract<Item, { k: 'const' }> => it.k === 'const' && it.name === 'LAYER_0_FC0_W')!;
    const rows = (c: ReturnType<typeof run>) => (table(c).value as Extract<Expr, { k: 'array' }>).elems;
    let prev = run(cached, doc);
    assert.deepEqual(summary(prev), [], 'the generated crate is clean');
    const decl = doc.text.indexOf('static LAYER_0_FC0_W');
    const rowAt = (k: number) => {
      let at = doc.text.indexOf('\n    [', decl);
      for (let i = 0; i < k; i++) at = doc.text.indexOf('\n    [', at + 1);
      return doc.text.indexOf('\n        ', at) + 9;
    };
    const literal = (k: number, j: number) => {
      let at = rowAt(k);
      for (let i = 0; i < j; i++) at = doc.text.indexOf(',', at) + 1;
      while (doc.text[at] === ' ') at++;
      return { start: at, end: at + /^-?\d+/.exec(doc.text.slice(at))![0].length };
    };
    const replace = (start: number, end: number, text: string): TextChange => ({ range: { start: doc.lines.positionAt(start), end: doc.lines.positionAt(end) }, text });
    const steps: [string, () => TextChange, boolean][] = [
      ['a weight in row 3, longer', () => { const l = literal(3, 2); return replace(l.start, l.end, '-1234'); }, true],
      ['a weight in row 10 out of i16', () => { const l = literal(10, 5); return replace(l.start, l.end, '99999'); }, true],
      ['a weight in row 0, shorter', () => { const l = literal(0, 0); return replace(l.start, l.end, '7'); }, true],
      ['a comment inside a row', () => { const l = literal(4, 1); return replace(l.start, l.start, '/* x */ '); }, false],
      ['the comment removed', () => { const at = doc.text.indexOf('/* x */ '); return replace(at, at + 8, ''); }, false],
      ['two rows joined', () => { const at = rowAt(6) - 12; return replace(at, doc.text.indexOf('[', at) + 1, ''); }, false],
      ['the table type', () => { const at = doc.text.indexOf('[i16; 20]', decl); return replace(at, at + 9, '[i32; 20]'); }, false],
      ['everything undone', () => ({ text: base }), false],
      ['a weight in the last row', () => { const l = literal(23, 19); return replace(l.start, l.end, '5'); }, true],
    ];
    for (const [what, change, rowEdit] of steps) {
      const before = rows(prev);
      doc.applyChanges([change()]);
      const got = run(cached, doc);
      const fresh = new RustDocument(p, doc.text);
      const want = run(new Analyzer(p.snippet), fresh);
      assert.deepEqual(summary(got), summary(want), what);
      assert.equal(shape(got), shape(want), what);
      if (rowEdit) assert.ok(rows(got).filter((r, i) => r === before[i]).length >= rows(got).length - 1, `${what}: the rows the edit did not touch are kept`);
      fresh.dispose();
      prev = got;
    }
    doc.dispose();
  });

  it('an out-of-range weight in a row after the edited one is reported at its own literal', async () => {
    const p = await rust();
    const base = readFileSync(modelRs, 'utf8');
    const manifest = new ManifestCache().forFile(modelRs).view;
    const doc = new RustDocument(p, base);
    const a = new Analyzer(p.snippet);
    const decl = base.indexOf('static LAYER_0_FC0_W');
    checkDocument(a, { root: doc.root, lines: doc.lines, filePath: modelRs, manifest });
    // break a weight in row 20, then lengthen one in row 0: the finding moves with the row it is in
    let at = base.indexOf('\n    [', decl);
    for (let i = 0; i < 20; i++) at = base.indexOf('\n    [', at + 1);
    const lit = base.indexOf('\n        ', at) + 9 + /^\s*/.exec(base.slice(base.indexOf('\n        ', at) + 9))![0].length;
    const len = /^-?\d+/.exec(base.slice(lit))![0].length;
    doc.applyChanges([{ range: { start: doc.lines.positionAt(lit), end: doc.lines.positionAt(lit + len) }, text: '70000' }]);
    checkDocument(a, { root: doc.root, lines: doc.lines, filePath: modelRs, manifest });
    const row0 = doc.text.indexOf('\n        ', doc.text.indexOf('\n    [', decl) + 1) + 9;
    const digit = row0 + /\d/.exec(doc.text.slice(row0))!.index;
    doc.applyChanges([{ range: { start: doc.lines.positionAt(digit), end: doc.lines.positionAt(digit) }, text: '1' }]);
    const c = checkDocument(a, { root: doc.root, lines: doc.lines, filePath: modelRs, manifest });
    const f = c.findings.find((x) => x.code === 'SML101' && /= 70000 is outside i16/.test(x.message));
    assert.ok(f, c.findings.map((x) => x.message).join('\n'));
    assert.equal(doc.text.slice(f.start, f.end), '70000', JSON.stringify(f.message));
    doc.dispose();
  });
});

describe('edited lines and positions', () => {
  it('tracks edited lines through insertions above and ignores undone edits', async () => {
    const p = await rust();
    const d = new OpenDocument('file:///t.rs', p, 'a\nb\nc\nd\n', 1);
    d.applyChanges([{ range: { start: { line: 2, character: 0 }, end: { line: 2, character: 1 } }, text: 'C' }], 2);
    assert.deepEqual([...d.editedLines()], [2]);
    d.applyChanges([{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: 'x\ny\n' }], 3);
    assert.deepEqual([...d.editedLines()].sort(), [0, 1, 4]);
    d.applyChanges([{ range: { start: { line: 4, character: 0 }, end: { line: 4, character: 1 } }, text: 'c' }], 4);
    assert.deepEqual([...d.editedLines()].sort(), [0, 1], 'line restored to its original text');
    d.dispose();
  });

  it('columns count UTF-16 code units (LSP default)', async () => {
    const p = await rust();
    const text = 'pub fn f(x: i32, w: i32) -> i32 {\n    let _s = "😀é"; x * w\n}\n';
    const doc = new RustDocument(p, text);
    const r = new Analyzer(p.snippet).analyze(doc.root, doc.lines);
    assert.equal(r.findings.length, 1);
    const line = text.split('\n')[1];
    assert.equal(r.findings[0].range.start.character, line.indexOf('x * w'));
    doc.dispose();
  });
});
