// `npm test`: type check, lint, build, then every test layer that exists, in order.
// `node scripts/test.mjs unit protocol` runs only the named layers (no type check, lint or build).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const layers = ['unit', 'protocol', 'integration', 'e2e'];
const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const only = asked.length > 0 ? asked : null;

function run(cmd, args, env = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) {
    console.error(`\nfailed: ${cmd} ${args.join(' ')} (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

const npx = (bin) => path.join(root, 'node_modules', '.bin', bin);
if (!only) {
  run(npx('tsc'), ['--noEmit', '-p', '.']);
  run(npx('eslint'), ['.']);
  run(process.execPath, ['scripts/build.mjs']);
  // tests that run the CLI or the extension use the bundles just built: what ships is what is tested
  process.env.STYLUS_ML_TEST_BUNDLE = '1';
}
for (const layer of only ?? layers) {
  const dir = path.join(root, 'test', layer);
  if (!existsSync(dir)) continue;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => path.join('test', layer, f));
  if (files.length === 0) continue;
  // e2e drives one VS Code at a time; the other layers run files in parallel.
  const concurrency = layer === 'e2e' ? '1' : '2';
  run(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files]);
}
