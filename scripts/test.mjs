// `npm test`: type check, lint, build, then every test layer that exists, in order.
//   node scripts/test.mjs unit protocol      only the named layers (no type check, lint or build)
//   node scripts/test.mjs --files A B        only these test files, as one layer named "files"
// Under CI (CI set and not "false"/"0") a skipped test fails the run: a layer that needs a tool must install
// it or fail saying why. The summary lists each layer's tests, passes, failures and skips.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const LAYERS = ['unit', 'protocol', 'integration', 'e2e'];
const argv = process.argv.slice(2);
const filesAt = argv.indexOf('--files');
const explicitFiles = filesAt >= 0 ? argv.slice(filesAt + 1) : null;
const asked = (filesAt >= 0 ? argv.slice(0, filesAt) : argv).filter((a) => !a.startsWith('-'));
const only = explicitFiles ? [] : asked.length > 0 ? asked : null;
const ci = !!process.env.CI && !['false', '0'].includes(process.env.CI.toLowerCase());

function run(cmd, args, env = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}
function mustRun(cmd, args) {
  const status = run(cmd, args);
  if (status !== 0) {
    console.error(`\nfailed: ${cmd} ${args.join(' ')} (exit ${status})`);
    process.exit(status || 1);
  }
}

function layerFiles(layer) {
  const dir = path.join(root, 'test', layer);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => path.join('test', layer, f));
}

/** Runs one layer's files; returns its tally. */
function runLayer(layer, files) {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-tally-'));
  const tallyFile = path.join(scratch, 'tally.jsonl');
  // e2e drives one VS Code at a time; the other layers run files in parallel.
  const concurrency = layer === 'e2e' ? '1' : '2';
  const status = run(process.execPath, [
    '--import', 'tsx', '--test', `--test-concurrency=${concurrency}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${path.join(root, 'scripts', 'test-tally.mjs')}`, `--test-reporter-destination=${tallyFile}`,
    ...files,
  ]);
  const rows = existsSync(tallyFile) ? readFileSync(tallyFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  rmSync(scratch, { recursive: true, force: true });
  const tests = rows.filter((r) => !r.suite);
  return {
    layer,
    status,
    tests: tests.length,
    passed: tests.filter((r) => !r.failed && !r.skip && !r.todo).length,
    failed: tests.filter((r) => r.failed).length,
    skipped: rows.filter((r) => r.skip),
  };
}

if (!only) {
  mustRun(path.join(root, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', '.']);
  mustRun(path.join(root, 'node_modules', '.bin', 'eslint'), ['.']);
  // unused exports, files and dependencies fail the run as lint errors do (knip.json names the entry points)
  mustRun(path.join(root, 'node_modules', '.bin', 'knip'), ['--no-progress']);
  mustRun(process.execPath, ['scripts/build.mjs']);
  // tests that run the CLI or the extension use the bundles just built: what ships is what is tested
  process.env.STYLUS_ML_TEST_BUNDLE = '1';
}

const plan = explicitFiles ? [['files', explicitFiles]] : (only ?? LAYERS).map((l) => [l, layerFiles(l)]);
const results = [];
for (const [layer, files] of plan) {
  if (files.length === 0) continue;
  results.push(runLayer(layer, files));
  if (results.at(-1).status !== 0) break; // a failed layer ends the run, as a failed type check does
}

console.log('\nsummary');
for (const r of results) {
  console.log(`  ${r.layer.padEnd(12)} ${String(r.tests).padStart(4)} tests  ${String(r.passed).padStart(4)} passed  ${String(r.failed).padStart(3)} failed  ${String(r.skipped.length).padStart(3)} skipped${r.status !== 0 ? `  (exit ${r.status})` : ''}`);
}
const skipped = results.flatMap((r) => r.skipped.map((s) => ({ layer: r.layer, ...s })));
for (const s of skipped) console.log(`  skipped in ${s.layer}: ${s.file ? `${path.relative(root, s.file)} › ` : ''}${s.name}: ${s.skip}`);

const failedLayer = results.find((r) => r.status !== 0);
if (failedLayer) {
  console.error(`\nfailed: the ${failedLayer.layer} layer (exit ${failedLayer.status})`);
  process.exit(failedLayer.status || 1);
}
if (ci && skipped.length > 0) {
  console.error(`\nfailed: ${skipped.length} test(s) skipped under CI — a skipped test is a failed test here; install the tool it needs or fix the cause:`);
  for (const s of skipped) console.error(`  ${s.layer}: ${s.name}: ${s.skip}`);
  process.exit(1);
}
