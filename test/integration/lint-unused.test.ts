// `npm run lint` fails on an unused export (knip, beside eslint): checked on a copy of the tracked files,
// clean first, then with one new export nothing imports.
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

const root = path.resolve(__dirname, '..', '..');
const copy = mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-lint-'));
after(() => rmSync(copy, { recursive: true, force: true }));

function npmLint(cwd: string) {
  const { NODE_TEST_CONTEXT: _ctx, ...env } = process.env;
  const r = spawnSync('npm', ['run', 'lint', '--silent'], { cwd, env, encoding: 'utf8', timeout: 5 * 60_000 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

test('lint fails on a new unused export, naming it and its file; the tree as committed passes', () => {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    mkdirSync(path.dirname(path.join(copy, f)), { recursive: true });
    cpSync(path.join(root, f), path.join(copy, f));
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'), 'dir');

  const clean = npmLint(copy);
  assert.equal(clean.status, 0, clean.out);

  appendFileSync(path.join(copy, 'core', 'version.ts'), '\nexport function forgottenHelper(): number {\n  return 1;\n}\n');
  const dirty = npmLint(copy);
  assert.notEqual(dirty.status, 0, dirty.out);
  assert.match(dirty.out, /Unused exports \(1\)/);
  assert.match(dirty.out, /forgottenHelper\s+function\s+core\/version\.ts/);
});
