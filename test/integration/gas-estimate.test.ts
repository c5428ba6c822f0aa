// Issue 5, acceptance 1: for every model of the bench set, generated and compiled here (minimal template,
// Debian rustc) and deployed to the embedded devnode, the analytical estimate of a predict call's
// execution gas is within ±5% of the devnode's gasUsed for the same inputs, and the deployment and
// activation estimates are within ±2% of what those transactions used. Also: the `--optimize gas` ranking
// picks a lowering that the devnode confirms is no dearer than the default, and `stylus-ml estimate`
// reports the same figures as the library with a measurement for a built crate.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { hexToBytes } from 'viem';
import { connect, deployProgram, type ChainClient } from '../../core/chain/index';
import { startEmbeddedDevnode } from '../../devnode/index';
import { DEFAULT_ARBOS_VERSION } from '../../nitro/arbos';
import { loadGraph } from '../../core/onnx/import';
import { prepareModel, type Prepared } from '../../core/pipeline';
import { generateCrate } from '../../core/codegen/generate';
import { writeCrate } from '../../core/codegen/write';
import { buildCrate } from '../../core/build/build';
import { loweringFor, type Lowering } from '../../core/codegen/lowering';
import { readManifest } from '../../core/manifest/file';
import { encodeModelCall } from '../../core/chain/predict';
import { estimateProgram, boxSamples } from '../../core/gas/estimate';
import { calldataGas } from '../../core/gas/call';
import { shapeOfWasm } from '../../core/gas/shape';
import { hasI32Accumulators, pickLowering } from '../../core/gas/rank';
import { BASELINE_MODELS } from '../fixtures/bench-models';
import { runCli } from '../fixtures/cli';
import { wasmToolchain } from '../fixtures/rust';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-gas-'));
/** the default (61, what One runs) and the nitro-devnode image's 40: the estimator is held to both */
const VERSIONS = [DEFAULT_ARBOS_VERSION, 40] as const;
const clients = new Map<number, ChainClient>();
let client: ChainClient;
before(async () => {
  for (const arbos of VERSIONS) {
    const node = await startEmbeddedDevnode({ port: 0, arbos });
    clients.set(arbos, await connect({ mode: 'rpc', rpcUrl: node.url }));
    nodes.push(node);
  }
  client = clients.get(DEFAULT_ARBOS_VERSION)!;
});
const nodes: { stop(): Promise<void> }[] = [];
after(async () => {
  for (const c of clients.values()) await c.close();
  for (const n of nodes) await n.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const skip = wasmToolchain() === null ? 'no wasm32 toolchain (Debian rustc + lld-16)' : false;

function prepare(name: string, bytes: Uint8Array, range: string, accumulator?: 'i64'): Prepared {
  return prepareModel(`${name}.onnx`, { inputRange: range, accumulator }, { bytes, graph: loadGraph(bytes, { file: name }) });
}

function buildFor(prepared: Prepared, slug: string, lowering?: Partial<Lowering>) {
  const dir = path.join(tmp, slug);
  const crate = generateCrate(prepared, { template: 'minimal', crateDir: dir, vectors: 4, ...(lowering ? { lowering } : {}) });
  writeCrate(dir, crate.files, { force: true });
  return buildCrate(dir);
}

interface Row {
  model: string;
  arbos: number;
  execErr: number;
  deployErr: number;
  activationErr: number;
  predictedDeployErr: number;
  predictedActivationErr: number;
  predictedExecErr: number;
}
const rows: Row[] = [];

const rel = (est: number, real: number) => (est - real) / real;

for (const m of BASELINE_MODELS) {
  test(`estimate of ${m.name} is within 5% (call) and 2% (deployment) of the devnode`, { skip }, async () => {
    const prepared = prepare(m.name, m.bytes(), m.range);
    const plan = prepared.plan;
    const slug = m.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    const built = buildFor(prepared, slug);
    assert.ok(built.valid, `${m.name}: ${built.violations.map((v) => v.detail).join('; ')}`);
    const wasm = new Uint8Array(fs.readFileSync(built.wasm));
    const lowering = loweringFor(undefined);

    const inputs = boxSamples(plan, 3, 99);
    const manifest = readManifest(path.dirname(path.dirname(path.dirname(built.wasm))));
    for (const arbos of VERSIONS) {
      const chain = clients.get(arbos)!;
      const deployed = await deployProgram(chain, built.initCodeBytes);
      const first = rows.length;
      for (const q of inputs) {
        const est = estimateProgram(plan, lowering, { wasm, inputs: [q], arbosVersion: arbos });
        const data = encodeModelCall(manifest, 'predict', q);
        const gas = Number(await chain.publicClient.estimateGas({ account: chain.account!, to: deployed.address, data }));
        const exec = gas - 21_000 - calldataGas(hexToBytes(data));
        const err = rel(est.call.executionGas.typical, exec);
        assert.ok(Math.abs(err) <= 0.05, `${m.name} at ArbOS ${arbos}: execution gas estimated ${est.call.executionGas.typical}, measured ${exec} (${(err * 100).toFixed(2)}%)`);
        assert.equal(est.call.totalTxGas.typical - est.call.executionGas.typical, gas - exec, 'intrinsic + calldata gas are exact');
        // before any build (program shape predicted from the plan) the call estimate holds too
        const before = rel(estimateProgram(plan, lowering, { inputs: [q], arbosVersion: arbos }).call.executionGas.typical, exec);
        assert.ok(Math.abs(before) <= 0.05, `${m.name} at ArbOS ${arbos}: pre-build execution gas off by ${(before * 100).toFixed(2)}%`);
        rows.push({ model: m.name, arbos, execErr: err, deployErr: 0, activationErr: 0, predictedDeployErr: 0, predictedActivationErr: 0, predictedExecErr: before });
      }
      // the data-dependent spread brackets every measured input
      const spreadEst = estimateProgram(plan, lowering, { wasm, inputs, arbosVersion: arbos });
      assert.ok(spreadEst.call.executionGas.min <= spreadEst.call.executionGas.typical && spreadEst.call.executionGas.typical <= spreadEst.call.executionGas.max);

      const est = estimateProgram(plan, lowering, { wasm, arbosVersion: arbos });
      const dErr = rel(est.deploy.deployGas, Number(deployed.deploy.gasUsed));
      const aErr = rel(est.deploy.activationGas, Number(deployed.activate.gasUsed));
      assert.ok(Math.abs(dErr) <= 0.02, `${m.name} at ArbOS ${arbos}: deploy gas estimated ${est.deploy.deployGas}, used ${deployed.deploy.gasUsed}`);
      assert.ok(Math.abs(aErr) <= 0.02, `${m.name} at ArbOS ${arbos}: activation gas estimated ${est.deploy.activationGas}, used ${deployed.activate.gasUsed}`);
      assert.equal(est.deploy.dataFeeWei > 0n, true);
      assert.equal(est.deploy.compressedBytes, built.compressedBytes);
      // before any build: the predicted program is reported, and its error recorded for the bench
      const p = estimateProgram(plan, lowering, { arbosVersion: arbos });
      assert.equal(p.shape.provenance, 'predicted');
      for (let i = first; i < rows.length; i++) {
        rows[i] = { ...rows[i], deployErr: dErr, activationErr: aErr, predictedDeployErr: rel(p.deploy.deployGas, Number(deployed.deploy.gasUsed)), predictedActivationErr: rel(p.deploy.activationGas, Number(deployed.activate.gasUsed)) };
      }
      // the preview shows this figure before any crate exists: held to ±12% (bench/fit-size.ts refits it
      // when the templates change; on the bench set it is within 9%)
      const pre = rel(p.deploy.deployGas, Number(deployed.deploy.gasUsed));
      assert.ok(Math.abs(pre) <= 0.12, `${m.name} at ArbOS ${arbos}: deployment estimated before a build ${p.deploy.deployGas}, used ${deployed.deploy.gasUsed} (${(pre * 100).toFixed(1)}%)`);
      assert.deepEqual(shapeOfWasm(wasm, arbos).costs, est.shape.costs);
    }
  });
}

async function measureCall(p: Prepared, lowering: Lowering | undefined, slug: string): Promise<number> {
  const built = buildFor(p, slug, lowering);
  const d = await deployProgram(client, built.initCodeBytes);
  const manifest = readManifest(path.join(tmp, slug));
  const data = encodeModelCall(manifest, 'predict', boxSamples(p.plan, 1, 5)[2]);
  return Number(await client.publicClient.estimateGas({ account: client.account!, to: d.address, data }));
}

test('--optimize gas picks a lowering the devnode confirms is no dearer than the default', { skip }, async () => {
  const m = BASELINE_MODELS.find((x) => x.name.startsWith('mlp 64-32-10'))!;
  const prepared = prepare(m.name, m.bytes(), m.range);
  assert.equal(hasI32Accumulators(prepared.plan), false, 'this MLP needs i64 accumulators: no accumulator choice');
  const { pick, ranked } = pickLowering(prepared.plan, 'gas');
  assert.ok(ranked.length >= 3, 'weights in data/code and rolled/unrolled rows are ranked');
  const picked = await measureCall(prepared, pick.lowering, 'opt-gas');
  const base = await measureCall(prepared, undefined, 'opt-default');
  assert.ok(picked <= base, `picked ${pick.label}: ${picked} gas, default ${base}`);
  const size = pickLowering(prepared.plan, 'size').pick;
  assert.ok(size.compressedBytes <= Math.min(...ranked.map((r) => r.compressedBytes)));
});

for (const name of ['iris logreg', 'forest 10 trees']) {
  test(`${name}: i64 accumulators where i32 is proven safe are ranked, never cheaper, and the devnode agrees`, { skip }, async (t) => {
    const m = BASELINE_MODELS.find((x) => x.name.startsWith(name))!;
    const prepared = prepare(m.name, m.bytes(), m.range);
    const wide = prepare(m.name, m.bytes(), m.range, 'i64');
    assert.ok(hasI32Accumulators(prepared.plan) && !hasI32Accumulators(wide.plan));
    const { pick, ranked } = pickLowering(prepared.plan, 'gas', {}, () => wide.plan);
    const narrow = ranked.filter((r) => r.accumulator === 'auto');
    const wideRows = ranked.filter((r) => r.accumulator === 'i64');
    assert.equal(wideRows.length, narrow.length, 'each lowering is also ranked with i64 accumulators');
    for (const w of wideRows) {
      const n = narrow.find((r) => JSON.stringify(r.lowering) === JSON.stringify(w.lowering))!;
      assert.ok(w.executionGas >= n.executionGas, `${w.label}: ${w.executionGas} ≥ ${n.executionGas}`);
    }
    assert.equal(pick.accumulator, 'auto');
    const base = await measureCall(prepared, undefined, `acc-auto-${name.replace(/\W+/g, "-")}`);
    const widened = await measureCall(wide, undefined, `acc-i64-${name.replace(/\W+/g, "-")}`);
    t.diagnostic(`${name}: i64 accumulators ${widened} gas, i32 where proven safe ${base}`);
    assert.ok(widened > base, `i64 accumulators ${widened} gas, i32 where proven safe ${base}`);
  });
}

test('stylus-ml estimate: a built crate gets the analytical figures and a measurement; bad input is refused', { skip }, async () => {
  const m = BASELINE_MODELS.find((x) => x.name.startsWith('iris forest'))!;
  const model = path.join(tmp, 'iris.onnx');
  fs.writeFileSync(model, m.bytes());
  const dir = path.join(tmp, 'iris-crate');
  assert.equal((await runCli(['new', model, '--out', dir, '--template', 'minimal', '--input-range', m.range, '--vectors', '4'])).code, 0);
  const before = await runCli(['estimate', dir, '--json']);
  assert.equal(before.code, 0, before.stderr);
  const a = JSON.parse(before.stdout);
  assert.equal(a.measured, null, 'not built: nothing measured');
  assert.equal(a.shape.provenance, 'predicted');
  assert.equal((await runCli(['build', dir])).code, 0);
  const r = await runCli(['estimate', dir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  for (const k of ['min', 'typical', 'max']) assert.equal(typeof j.call.executionGas[k], 'number');
  assert.ok(j.call.executionGas.min <= j.call.executionGas.max);
  assert.equal(j.shape.provenance, 'built');
  assert.ok(j.layers.length >= 2 && j.layers.every((l: { name: string; op: string; ink: number; gas: number; codeBytes: number }) => l.name && l.op && l.ink > 0 && l.gas > 0 && l.codeBytes > 0));
  assert.ok(j.measured !== null, 'built: measured in the metered runtime');
  const err = Math.abs(j.call.executionGas.typical - j.measured.executionGas.typical) / j.measured.executionGas.typical;
  assert.ok(err <= 0.05, `estimate ${j.call.executionGas.typical} vs measured ${j.measured.executionGas.typical}`);
  assert.ok(j.layers.some((l: { measuredInk: number | null }) => l.measuredInk !== null && l.measuredInk > 0), 'per-layer measured ink from the build\'s function names');
  assert.ok(BigInt(j.deploy.dataFeeWei) > 0n);
  // a what-if on the crate: its model regenerated with another lowering, priced before any build
  const w = await runCli(['estimate', dir, '--optimize', 'size', '--json']);
  assert.equal(w.code, 0, w.stderr);
  const wj = JSON.parse(w.stdout);
  assert.match(wj.target, /what-if/);
  assert.equal(wj.measured, null);
  assert.equal(wj.shape.provenance, 'predicted');
  assert.ok(wj.layers.some((l: { kernel: string }) => l.kernel === 'trees:table'), 'size lays the trees out as tables');
  const box = await runCli(['estimate', dir, '--input-range', '0:1']);
  assert.notEqual(box.code, 0);
  assert.match(box.stderr, /the input box and forced formats are the crate's/);
  const bad = await runCli(['estimate', path.join(tmp, 'nope')]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /no such file or folder/);
  const badFn = await runCli(['estimate', dir, '--function', 'predictLabel']);
  assert.notEqual(badFn.code, 0);
  assert.match(badFn.stderr, /--function must be predict, predictPacked or predictBatch/);
});

after(() => {
  if (rows.length === 0) return;
  for (const arbos of VERSIONS) {
    const at = rows.filter((r) => r.arbos === arbos);
    const worst = (f: (r: Row) => number) => Math.max(...at.map((r) => Math.abs(f(r)))) * 100;
    const pre = [...new Set(at.filter((r) => r.predictedDeployErr !== 0).map((r) => `${r.model} ${(r.predictedDeployErr * 100).toFixed(1)}% (activation ${(r.predictedActivationErr * 100).toFixed(2)}%)`))];
    process.stdout.write(`# ArbOS ${arbos}, before a build, execution gas: worst ${worst((r) => r.predictedExecErr).toFixed(1)}%\n`);
    process.stdout.write(`# ArbOS ${arbos}, gas estimate: worst execution error ${worst((r) => r.execErr).toFixed(2)}%, deploy ${worst((r) => r.deployErr).toFixed(3)}%, activation ${worst((r) => r.activationErr).toFixed(3)}%; before a build, deploy: ${pre.join(', ')}\n`);
  }
});
