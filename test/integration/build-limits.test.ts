// Issue 3 acceptance 5 (build side): a model too big for one program fails `stylus-ml build` with its
// sizes and what to do; a missing toolchain is named with its install command.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { findToolchain } from '../../core/build/toolchain';
import { runCli } from '../fixtures/cli';
import { mlp } from '../fixtures/onnx-builder';
import { wasmToolchain } from '../fixtures/rust';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-limits-'));

describe('stylus-ml build at the limits', () => {
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('fails a model too big for one program, with the sizes, the biggest contributors and what to do', { skip: wasmToolchain() ? false : 'no wasm32 toolchain', timeout: 10 * 60_000 }, async () => {
    // 256-160-10 with 16-bit weights: ~42,500 parameters, about 85 KB of weights
    const file = path.join(work, 'big.onnx');
    fs.writeFileSync(file, mlp([256, 160, 10], { seed: 3, batch: 1 }));
    const dir = path.join(work, 'big');
    assert.equal((await runCli(['new', file, '--out', dir, '--template', 'minimal', '--input-range', '-1:1', '--vectors', '8', '--layout', 'single'])).code, 0);
    const json = await runCli(['build', dir, '--json']);
    assert.equal(json.code, 1, 'the build fails');
    const b = JSON.parse(json.stdout);
    assert.equal(b.valid, false);
    assert.ok(b.compressedBytes > b.limitBytes, `${b.compressedBytes} > ${b.limitBytes}`);
    assert.deepEqual(b.violations.map((v: { rule: string }) => v.rule), ['code-size']);
    assert.equal(b.contributors[0].kind, 'weights');
    assert.match(b.contributors[0].what, /layer_0_fc0/);
    assert.ok(b.advice.some((a: string) => /--weights i8/.test(a)));
    assert.ok(b.advice.some((a: string) => /--layout data/.test(a)), 'the data-contract layout is offered');
    assert.match(json.stderr, /does not fit: [\d,]+ bytes compressed \(limit 24,576\)/);

    const text = await runCli(['build', dir]);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /compressed +[\d,]+ bytes of 24,576/);
    assert.match(text.stdout, /largest contributors/);
    assert.match(text.stdout, /layer_0_fc0 \(matmul, 41120 params, i16\)/);
    assert.match(text.stdout, /over the 24,576-byte code limit .* weights/);
    assert.match(text.stdout, /--weights i8/);
    // the sizes are still recorded for the preview
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'stylus-ml.json'), 'utf8'));
    assert.equal(m.totals.codeSize.compressedBytes, b.compressedBytes);
  });

  it('names the missing toolchain and how to install it', () => {
    const dir = path.join(work, 'pinned');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'rust-toolchain.toml'), '[toolchain]\nchannel = "0.0.1"\ntargets = ["wasm32-unknown-unknown"]\n');
    assert.throws(() => findToolchain({ dir, template: 'minimal', prefer: 'debian', debianRustc: path.join(work, 'no-rustc') }), /no toolchain can build this minimal crate for wasm32: Debian's rustc is not installed \(apt-get install rustc libstd-rust-dev-wasm32 lld\)/);
    assert.throws(() => findToolchain({ dir, template: 'sdk', prefer: 'debian' }), /sdk template \(stylus-sdk comes from crates\.io/);
    assert.throws(() => findToolchain({ dir, template: 'minimal', prefer: 'rustup' }), /rustup(: the toolchain 0\.0\.1 the crate pins is not installed \(rustup toolchain install 0\.0\.1 --target wasm32-unknown-unknown\)| is not installed)/);
  });

  it('refuses a folder that is not a generated crate', async () => {
    const r = await runCli(['build', work]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /stylus-ml\.json: not found; is .* a crate made by `stylus-ml new`\?/);
  });
});
