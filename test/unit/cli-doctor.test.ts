// stylus-ml doctor: what this machine has for each part of the workflow, with the fix for what is missing.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { parseContract } from '../../core/contracts/check';
import { DoctorJsonSchema } from '../../core/contracts/cli';
import { runCli } from '../fixtures/cli';

test('on this machine: ready, with the wasm32 toolchain the minimal template builds with', async () => {
  const r = await runCli(['doctor', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = parseContract(DoctorJsonSchema, JSON.parse(r.stdout), 'doctor');
  assert.equal(j.ready, true);
  const minimal = j.checks.find((c) => c.id === 'wasm32-minimal')!;
  assert.equal(minimal.ok, true);
  assert.match(minimal.detail, /wasm32/);
  assert.deepEqual(j.checks.map((c) => c.id), ['node', 'wasm32-minimal', 'wasm32-sdk', 'cargo-stylus', 'wasm-opt', 'docker']);
  for (const c of j.checks) assert.equal(c.ok, c.fix === null, `${c.id}: a fix exactly when something is missing`);
});

test('with no tools on PATH: not ready, exit 1, each missing part named with the command that installs it', async () => {
  const r = await runCli(['doctor'], { env: { PATH: '/nonexistent' } });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /MISSING\s+wasm32-minimal\s+rustup is not installed/);
  assert.match(r.stdout, /fix: install rustup \(https:\/\/rustup\.rs\), then: rustup target add wasm32-unknown-unknown; or on Debian: apt-get install rustc libstd-rust-dev-wasm32 lld/);
  assert.match(r.stdout, /missing\s+docker\s+Docker is not installed/);
  assert.equal(r.stderr.trim(), 'stylus-ml: not ready: wasm32-minimal missing (see the fix lines above)');
});
