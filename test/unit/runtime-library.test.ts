// The fixed-point runtime as a library (stylus-templates/runtime, the crate stylus-ml-runtime): one
// definition of its tables with the generator's, and generated crates depend on it as a vendored path
// dependency (its Cargo.toml and sources, byte for byte) instead of carrying copies of its files.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { minimalLockfile, RUNTIME_DIR } from '../../core/codegen/crate-files';
import { generateCrate } from '../../core/codegen/generate';
import { tablesRs } from '../../core/codegen/templates';
import { prepareModel } from '../../core/pipeline';
import { mlp } from '../fixtures/onnx-builder';
import { quantizedModel } from '../fixtures/quantized';

const RUNTIME = path.resolve(__dirname, '../../stylus-templates/runtime');
const tmp = mkdtempSync(path.join(tmpdir(), 'runtime-library-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('stylus-ml-runtime', () => {
  it("its tables are the ones the generator writes from the simulator's constants", () => {
    assert.equal(readFileSync(path.join(RUNTIME, 'src', 'tables.rs'), 'utf8'), tablesRs());
  });

  it('is a no_std crate without dependencies whose modules include the soft-float runtime', () => {
    const lib = readFileSync(path.join(RUNTIME, 'src', 'lib.rs'), 'utf8');
    assert.match(lib, /#!\[no_std\]/);
    for (const m of ['fixed', 'kernels', 'packed', 'softfloat', 'tables']) assert.match(lib, new RegExp(`^pub mod ${m};$`, 'm'));
    const toml = readFileSync(path.join(RUNTIME, 'Cargo.toml'), 'utf8');
    assert.match(toml, /name = "stylus-ml-runtime"/);
    assert.match(toml, /\[dependencies\]\s*$/);
  });

  it('a generated crate vendors it byte for byte and its core depends on it by path; no copied runtime files', () => {
    const file = path.join(tmp, 'mlp.onnx');
    writeFileSync(file, mlp([6, 4, 2], { seed: 2, batch: 1 }));
    const g = generateCrate(prepareModel(file, { inputRange: '0:1' }), { template: 'minimal', crateDir: path.join(tmp, 'abc'), vectors: 4 });
    const vendored = [...g.files.keys()].filter((f) => f.startsWith(`${RUNTIME_DIR}/`)).sort();
    const library = ['Cargo.toml', ...readdirSync(path.join(RUNTIME, 'src')).map((f) => `src/${f}`)].map((f) => `${RUNTIME_DIR}/${f}`).sort();
    assert.deepEqual(vendored, library, 'its Cargo.toml and every source file, not its tests or examples');
    for (const f of vendored) assert.equal(g.text(f), readFileSync(path.join(RUNTIME, f.slice(RUNTIME_DIR.length + 1)), 'utf8'), f);
    assert.match(g.text('core/Cargo.toml'), /^\[dependencies\]\nstylus-ml-runtime = \{ path = "\.\.\/vendor\/stylus-ml-runtime" \}\n$/m);
    assert.equal(g.text('core/src/lib.rs').match(/^pub mod \w+;$/gm)!.join(' '), 'pub mod abi; pub mod model;');
    assert.match(g.text('core/src/model.rs'), /^use stylus_ml_runtime::fixed::\*;$/m);
    for (const gone of ['core/src/fixed.rs', 'core/src/tables.rs', 'core/src/softfloat.rs']) assert.ok(!g.files.has(gone), `${gone} is not copied`);
    assert.equal(g.manifest.files.fixedRs, `${RUNTIME_DIR}/src/fixed.rs`);
    assert.ok(g.manifest.files.generated.includes(`${RUNTIME_DIR}/src/fixed.rs`), '--force may replace the vendored copy');
  });

  it("a dynamically quantized model's crate uses the library's soft-float module", () => {
    const g = generateCrate(prepareModel(quantizedModel('digits-mlp-dynamic'), { inputRange: '0:1' }), { template: 'minimal', crateDir: path.join(tmp, 'dyn'), vectors: 4 });
    assert.match(g.text('core/src/model.rs'), /^use stylus_ml_runtime::softfloat::\*;$/m);
    assert.ok(!g.files.has('core/src/softfloat.rs'));
  });

  it("the minimal template's Cargo.lock lists the three packages sorted by name, as cargo writes them", () => {
    const names = (pkg: string) => ({ package: pkg, lib: pkg.replace(/-/g, '_'), corePackage: `${pkg}-core`, coreLib: `${pkg}_core`.replace(/-/g, '_') });
    const order = (pkg: string) => [...minimalLockfile(names(pkg)).matchAll(/^name = "([^"]+)"$/gm)].map((m) => m[1]);
    assert.deepEqual(order('abc'), ['abc', 'abc-core', 'stylus-ml-runtime']);
    assert.deepEqual(order('zoo'), ['stylus-ml-runtime', 'zoo', 'zoo-core']);
    assert.match(minimalLockfile(names('zoo')), /name = "zoo-core"\nversion = "0\.1\.0"\ndependencies = \[\n "stylus-ml-runtime",\n\]/);
  });
});
