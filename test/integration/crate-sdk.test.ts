// Issue 3 acceptance 3: the sdk crate parses and is formatted (rustfmt --check), and its files, keys and
// pins match what `cargo stylus new` makes with stylus-sdk 0.10.9 (reference/stylus-platform.md §6;
// OffchainLabs/stylus-sdk-rs e86e097 stylus-tools/src/core/project/{new,init}.rs, templates/contract/*,
// .cargo/config.toml). It cannot be compiled here (no crates.io); Cargo parses its manifest.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { readManifest } from '../../core/manifest/file';
import { runCli } from '../fixtures/cli';
import { corpusAvailable, corpusFile } from '../fixtures/corpus';
import { mlp } from '../fixtures/onnx-builder';
import { hostCargo, rustfmtCheck, rustfmtVersion } from '../fixtures/rust';
import { spawnSync } from 'node:child_process';

const skip = !hostCargo() ? 'cargo is not installed' : !rustfmtVersion() ? 'rustfmt is not installed' : !corpusAvailable() ? 'conformance corpus not found' : false;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-sdk-'));

/** The official template's files (stylus-tools/templates/contract + cargo new --lib) and ours on top. */
/** the runtime library, vendored as the core's path dependency */
const RUNTIME_FILES = ['Cargo.toml', 'src/lib.rs', 'src/fixed.rs', 'src/kernels.rs', 'src/packed.rs', 'src/softfloat.rs', 'src/tables.rs'].map((f) => `vendor/stylus-ml-runtime/${f}`);
const OFFICIAL_FILES = ['Cargo.toml', 'Stylus.toml', 'rust-toolchain.toml', 'src/lib.rs', 'src/main.rs'];
const OUR_FILES = ['.cargo/config.toml', 'IModel.sol', 'abi.json', 'README.md', 'stylus-ml.json', 'core/Cargo.toml', 'core/src/lib.rs', 'core/src/model.rs', 'core/src/abi.rs', 'core/tests/golden.rs', 'core/tests/golden.txt', ...RUNTIME_FILES];

function metadata(dir: string): { dependencies: { name: string; req: string; source: string | null; path?: string }[]; targets: { name: string; crate_types: string[]; src_path: string; edition: string }[]; features: Record<string, string[]>; edition: string } {
  const r = spawnSync('cargo', ['metadata', '--no-deps', '--offline', '--format-version', '1', '--manifest-path', path.join(dir, 'Cargo.toml')], { cwd: os.tmpdir(), encoding: 'utf8', env: { ...process.env, RUSTUP_AUTO_INSTALL: '0' } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout).packages[0];
}

/** A TOML table's `key = value` lines (enough for the files checked here). */
function tomlTable(text: string, table: string): Record<string, string> {
  const out: Record<string, string> = {};
  let inside = false;
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t.startsWith('[')) inside = t === `[${table}]`;
    else if (inside && /^[\w-]+\s*=/.test(t)) {
      const [k, ...v] = t.split('=');
      out[k.trim()] = v.join('=').trim();
    }
  }
  return out;
}

/** stylus-proc's selector names: snake_case method → camelCase ABI name. */
const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const selector = (sig: string) => Buffer.from(keccak_256(new TextEncoder().encode(sig))).subarray(0, 4).toString('hex');

describe('the sdk template', { skip }, () => {
  after(() => fs.rmSync(work, { recursive: true, force: true }));
  const models = skip
    ? []
    : [
        { name: 'forest-classifier', file: corpusFile('skl2onnx/tests-80597179/SklearnMclRandomForestClassifier.model.onnx'), range: '-3:3', label: true },
        { name: 'gb-regressor', file: corpusFile('skl2onnx/tests-80597179/SklearnRegGradientBoostingRegressor.model.onnx'), range: '-3:3', label: false },
      ];

  for (const m of models) {
    it(`${m.name}: files, keys and pins of cargo stylus new (stylus-sdk 0.10.9), rustfmt-clean`, { timeout: 5 * 60_000 }, async () => {
      const dir = path.join(work, m.name);
      const r = await runCli(['new', m.file, '--out', dir, '--template', 'sdk', '--input-range', m.range, '--offline', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      for (const f of [...OFFICIAL_FILES, ...OUR_FILES]) assert.ok(fs.existsSync(path.join(dir, f)), `${f} exists`);
      // offline: no Cargo.lock can be resolved; the user is told to make one (cargo stylus builds --locked)
      assert.equal(out.lockfile, 'missing');
      assert.match(fs.readFileSync(path.join(dir, 'README.md'), 'utf8'), /cargo generate-lockfile/);

      // Cargo.toml as Cargo reads it: deps, crate types, features (init.rs init_package_manifest)
      const pkg = metadata(dir);
      const dep = (n: string) => pkg.dependencies.find((d) => d.name === n);
      assert.equal(dep('alloy-primitives')?.req, '^1.5.7');
      assert.equal(dep('alloy-sol-types')?.req, '^1.5.7');
      assert.equal(dep('stylus-sdk')?.req, '^0.10.9');
      assert.match(dep('stylus-sdk')!.source!, /crates\.io/);
      assert.equal(dep(`${m.name}-core`)?.path, path.join(dir, 'core'), 'the model core by path');
      const core = metadata(path.join(dir, 'core'));
      assert.deepEqual(
        core.dependencies.map((d) => ({ name: d.name, path: d.path, source: d.source })),
        [{ name: 'stylus-ml-runtime', path: path.join(dir, 'vendor', 'stylus-ml-runtime'), source: null }],
        'the core depends on the vendored runtime library by path, on nothing from a registry',
      );
      assert.deepEqual(pkg.targets.find((t) => t.src_path.endsWith('lib.rs'))?.crate_types, ['lib', 'cdylib']);
      assert.ok(pkg.targets.some((t) => t.src_path.endsWith('main.rs')), 'src/main.rs is the export-abi binary');
      assert.equal(pkg.edition, '2024', 'cargo new with Rust 1.91 writes edition 2024');
      assert.deepEqual(pkg.features, {
        'contract-client-gen': [],
        debug: ['stylus-sdk/debug'],
        default: ['mini-alloc'],
        'export-abi': ['stylus-sdk/export-abi'],
        'mini-alloc': ['stylus-sdk/mini-alloc'],
      });
      const cargoToml = fs.readFileSync(path.join(dir, 'Cargo.toml'), 'utf8');
      assert.deepEqual(tomlTable(cargoToml, 'profile.release'), { 'codegen-units': '1', strip: 'true', lto: 'true', panic: '"abort"', 'opt-level': '3' });

      // toolchain pin (templates/contract/rust-toolchain.toml) and Stylus.toml
      const toolchain = fs.readFileSync(path.join(dir, 'rust-toolchain.toml'), 'utf8');
      assert.deepEqual(tomlTable(toolchain, 'toolchain'), { channel: '"1.91.0"', targets: '["wasm32-unknown-unknown"]' });
      const stylusToml = fs.readFileSync(path.join(dir, 'Stylus.toml'), 'utf8');
      assert.deepEqual(stylusToml.split('\n').filter((l) => /^\[/.test(l)), ['[workspace]', '[workspace.networks]', '[contract]']);

      // the Stylus rustflags of the SDK's .cargo/config.toml; multi-value turned off, never on
      const config = fs.readFileSync(path.join(dir, '.cargo', 'config.toml'), 'utf8');
      const flags = /\[target\.wasm32-unknown-unknown\]\s*rustflags = \[([^\]]*)\]/.exec(config)![1];
      for (const f of ['"link-arg=-zstack-size=32768"', '"target-feature=-reference-types"', '"target-feature=+bulk-memory"', '"target-feature=-multivalue"']) assert.ok(flags.includes(f), `rustflags has ${f}`);
      assert.ok(!/\+multivalue/.test(config), 'multi-value is never enabled');

      // src/lib.rs: the SDK's macros and the contract's methods; their camelCase names give the manifest's selectors
      const lib = fs.readFileSync(path.join(dir, 'src', 'lib.rs'), 'utf8');
      for (const attr of ['#[entrypoint]', '#[storage]', '#[public]', '#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]']) assert.ok(lib.includes(attr), `lib.rs has ${attr}`);
      assert.ok(lib.includes(`use ${m.name.replace(/-/g, '_')}_core::{abi, model};`));
      const methods = [...lib.matchAll(/pub fn (\w+)\(&self(?:, input: (Vec<i32>|Bytes))?\)/g)].map((x) => ({ name: x[1], arg: x[2] }));
      const sigs = methods.map((x) => `${camel(x.name)}(${x.arg === 'Vec<i32>' ? 'int32[]' : x.arg === 'Bytes' ? 'bytes' : ''})`);
      const manifest = readManifest(dir);
      const fnSelectors = Object.fromEntries(Object.entries(manifest.selectors).filter(([k]) => !/^(InputOutOfRange|InvalidInputLength|BatchTooLarge)\(/.test(k)));
      assert.deepEqual(Object.fromEntries(sigs.map((s) => [s, selector(s)])), fnSelectors);
      assert.equal(sigs.includes('predictLabel(int32[])'), m.label);
      const main = fs.readFileSync(path.join(dir, 'src', 'main.rs'), 'utf8');
      assert.ok(main.includes(`${m.name.replace(/-/g, '_')}::print_from_args();`), 'export-abi calls the library');
      assert.ok(main.includes('#[unsafe(no_mangle)]'));

      // formatted: the contract at edition 2024, the core at 2021
      const f24 = rustfmtCheck([path.join(dir, 'src', 'lib.rs'), path.join(dir, 'src', 'main.rs')], '2024');
      assert.ok(f24.ok, f24.stdout + f24.stderr);
      const coreSrc = ['lib.rs', 'model.rs', 'abi.rs'].map((f) => path.join(dir, 'core', 'src', f));
      const f21 = rustfmtCheck([...coreSrc, path.join(dir, 'core', 'tests', 'golden.rs'), ...RUNTIME_FILES.filter((f) => f.endsWith('.rs')).map((f) => path.join(dir, f))], '2021');
      assert.ok(f21.ok, f21.stdout + f21.stderr);
    });
  }

  it('the sdk and minimal crates of one model share the model core and the interface', { timeout: 5 * 60_000 }, async () => {
    const file = path.join(work, 'mlp.onnx');
    fs.writeFileSync(file, mlp([16, 8, 3], { seed: 3, batch: 1 }));
    const a = path.join(work, 'same');
    const b = path.join(work, 'same-min');
    assert.equal((await runCli(['new', file, '--out', a, '--template', 'sdk', '--input-range', '-1:1', '--offline', '--name', 'same'])).code, 0);
    assert.equal((await runCli(['new', file, '--out', b, '--template', 'minimal', '--input-range', '-1:1', '--name', 'same'])).code, 0);
    for (const f of ['core/src/model.rs', 'core/src/abi.rs', 'core/Cargo.toml', ...RUNTIME_FILES, 'core/tests/golden.rs', 'core/tests/golden.txt', 'IModel.sol', 'abi.json']) {
      assert.equal(fs.readFileSync(path.join(a, f), 'utf8'), fs.readFileSync(path.join(b, f), 'utf8'), f);
    }
    assert.deepEqual(readManifest(a).selectors, readManifest(b).selectors);
  });
});
