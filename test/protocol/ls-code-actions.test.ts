// Quick fixes over IPC: for every diagnostic of the risky fixture, every code action's edit removes that
// diagnostic and the edited Rust still compiles (rustc type-checks it); the manifest crate's fixes also
// pass the crate's native `cargo test`.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CodeAction, Diagnostic, TextEdit } from 'vscode-languageserver';
import { applyTextEdits, fileUri, LspClient } from './ls-client';

const fixtures = path.resolve(__dirname, '..', 'fixtures', 'ls');
const risky = readFileSync(path.join(fixtures, 'risky.rs'), 'utf8');

function findTool(name: string): string | null {
  const r = spawnSync(name, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? name : null;
}
const rustc = findTool('rustc');
const cargo = findTool('cargo');

/** Type-checks a Rust library file; returns rustc's errors ('' when it compiles). */
function compileErrors(dir: string, text: string): string {
  const file = path.join(dir, 'fixed.rs');
  writeFileSync(file, text);
  const r = spawnSync(rustc!, ['--edition', '2021', '--crate-type', 'lib', '--emit', 'metadata', '--out-dir', dir, file], { encoding: 'utf8' });
  return r.status === 0 ? '' : r.stderr;
}

function editsOf(a: CodeAction, uri: string): TextEdit[] {
  return a.edit?.changes?.[uri] ?? [];
}

describe('language server: code actions', { skip: rustc ? false : 'rustc not found' }, () => {
  let c: LspClient;
  let tmp: string;
  before(async () => {
    c = await LspClient.start();
    tmp = mkdtempSync(path.join(tmpdir(), 'ls-fix-'));
  });
  after(async () => {
    await c.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the fixture compiles as it is', () => {
    assert.equal(compileErrors(tmp, risky), '');
  });

  it('every quick fix removes its diagnostic and keeps the code compiling', async () => {
    const uri = 'file:///virtual/fixes.rs';
    const diags = await c.open(uri, risky);
    assert.equal(diags.length, 7);
    let version = 1;
    const tried: string[] = [];
    for (const d of diags) {
      const actions = await c.codeActions(uri, d);
      const withEdits = actions.filter((a) => editsOf(a, uri).length > 0);
      assert.ok(withEdits.length >= 1, `a fix for ${d.code} at line ${d.range.start.line + 1}`);
      assert.ok(
        actions.every((a) => a.kind === 'quickfix' && a.diagnostics?.[0]?.code === d.code),
        'quick fixes name their diagnostic',
      );
      assert.equal(actions.filter((a) => a.isPreferred).length, 1, 'one preferred fix');
      for (const a of withEdits) {
        const fixed = applyTextEdits(risky, editsOf(a, uri));
        assert.notEqual(fixed, risky);
        // re-analyse the edited text in the server
        version++;
        const after = await c.change(uri, version, [{ text: fixed }]);
        const line = d.range.start.line;
        const same = after.filter((x: Diagnostic) => x.code === d.code && x.range.start.line === line);
        assert.deepEqual(same, [], `"${a.title}" removes ${d.code} at line ${line + 1}`);
        assert.equal(after.length, diags.length - 1, `"${a.title}" introduces no new diagnostic`);
        assert.equal(compileErrors(tmp, fixed), '', `"${a.title}" compiles`);
        tried.push(`${d.code}: ${a.title}`);
      }
      // back to the original
      version++;
      await c.change(uri, version, [{ text: risky }]);
    }
    assert.ok(tried.length >= 14, tried.join('\n'));
    assert.ok(tried.some((t) => /SML004: Widen the accumulator `acc` to i64/.test(t)));
    assert.ok(tried.some((t) => /SML001: Multiply in i32/.test(t)));
    assert.ok(tried.some((t) => /saturating/.test(t)) && tried.some((t) => /checked/.test(t)));
  });
});

describe('language server: fixes in a generated crate', { skip: cargo ? false : 'cargo not found' }, () => {
  let c: LspClient;
  let crate: string;
  before(async () => {
    crate = mkdtempSync(path.join(tmpdir(), 'ls-crate-'));
    cpSync(path.join(fixtures, 'mlp-crate'), crate, { recursive: true });
    c = await LspClient.start();
  });
  after(async () => {
    await c.stop();
    rmSync(crate, { recursive: true, force: true });
  });

  it('an i32 accumulator that overflows under the manifest gets "widen" and "re-quantise"; widening passes cargo test', async () => {
    const modelPath = path.join(crate, 'src', 'model.rs');
    const original = readFileSync(modelPath, 'utf8');
    // fc1 accumulating in i32, every product scaled by 64: each fits, their sum overflows i32 under the
    // proven inputs (|x| <= 24576, row |w| sum 1487: 1487 * 24576 * 64 > 2^31)
    const cut = original.indexOf('/// `relu1`');
    const head = original
      .slice(0, cut)
      .replace('static LAYER_0_FC1_B: [i64; 3]', 'static LAYER_0_FC1_B: [i32; 3]')
      .replace('let mut acc: i64 = LAYER_0_FC1_B[n];', 'let mut acc: i32 = LAYER_0_FC1_B[n];')
      .replace(/ as i64 \* w\[(\d)\] as i64;/g, ' as i32 * w[$1] as i32 * 64;')
      .replace('sat_i16(rescale(acc, 12))', 'sat_i16(rescale(acc as i64, 18))');
    const text = head + original.slice(cut);
    assert.notEqual(text, original);
    writeFileSync(modelPath, text);
    const uri = fileUri(modelPath);
    const diags = await c.open(uri, text);
    const acc = diags.find((d) => d.code === 'SML004');
    assert.ok(acc, diags.map((d) => `${d.code} ${d.message}`).join('\n'));
    const actions = await c.codeActions(uri, acc);
    const widen = actions.find((a) => /Widen the accumulator `acc`/.test(a.title));
    const requant = actions.find((a) => a.command?.command === 'stylusMl.requantize');
    assert.ok(widen && requant, actions.map((a) => a.title).join('\n'));
    const args = requant.command!.arguments![0] as { layer: string; fn: string; headroomBits: number; manifest: string; code: string };
    assert.deepEqual([args.layer, args.fn, args.headroomBits, args.code], ['fc1', 'layer_0_fc1', 1, 'SML004']);
    assert.equal(args.manifest, path.join(crate, 'stylus-ml.json'));

    const fixed = applyTextEdits(text, editsOf(widen, uri));
    const after = await c.change(uri, 2, [{ text: fixed }]);
    assert.deepEqual(after.filter((d) => d.code === 'SML004'), []);
    // the crate's golden test still passes with the widened accumulator and the scale it implies
    writeFileSync(modelPath, fixed.replace(/ \* 64;/g, ';').replace('rescale(acc as i64, 18)', 'rescale(acc as i64, 12)'));
    const r = spawnSync(cargo!, ['test', '--offline', '-q'], { cwd: crate, encoding: 'utf8', timeout: 240_000 });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /1 passed/);
  });
});
