// Incremental parsing and cached analysis stay equal to a fresh parse/analysis after edits; edited-line
// tracking follows line insertions; positions are UTF-16 like LSP's.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Analyzer } from '../../core/analysis/analyze';
import { RustDocument, type TextChange } from '../../core/analysis/syntax/parser';
import { OpenDocument } from '../../language-server/documents';
import { readFixture, rust } from './ls-harness';

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
