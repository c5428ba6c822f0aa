// The README's main job: `stylus-ml demo` runs the whole pipeline on the bundled model and the on-chain
// answers equal the simulator's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../fixtures/cli';
import { wasmToolchain } from '../fixtures/rust';

test('stylus-ml demo: inspect → simulate → new → build → deploy → call, on-chain equal to the simulator', { skip: wasmToolchain() ? false : 'no wasm32 toolchain (bash scripts/setup-debian.sh)', timeout: 300_000 }, async () => {
  const r = await runCli(['demo', '--json'], { timeoutMs: 280_000 });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  for (const step of ['inspect', 'simulate', 'new', 'build', 'deploy', 'call']) assert.ok(j[step], `step ${step}`);
  assert.equal(j.simulate.summary.argmaxAgreement, 1);
  assert.equal(j.build.valid, true);
  assert.match(j.deploy.address, /^0x[0-9a-fA-F]{40}$/);
  assert.equal(j.call.matchesSimulator, true);
  assert.equal(j.call.cases.length, 8);
});
