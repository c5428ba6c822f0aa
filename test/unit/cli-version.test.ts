// `stylus-ml --version` prints package.json's version (the bundle under `npm test`, the sources otherwise):
// a bug report and `stylus-ml doctor` rely on it.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT, runCli } from '../fixtures/cli';

test('stylus-ml --version prints the version in package.json', async () => {
  const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const r = await runCli(['--version']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), version);
});
