// Issue 14, part 2, on chain: each model quantized by onnxruntime (quantize_static QDQ and QOperator, and
// quantize_dynamic; an MLP and a CNN) passes `stylus-ml inspect`, becomes a crate (`new --template minimal`) whose native
// `cargo test` holds it to the simulator's golden vectors, builds to wasm32, deploys and activates on the
// embedded devnode, and `predict` on held-out digits returns the simulator's integers bit for bit.
// A malformed QDQ graph is refused by inspect with exit 2 naming the node.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { startEmbeddedDevnode } from '../../devnode/index';
import { connect, deployProgram } from '../../core/chain/index';
import { readManifest } from '../../core/manifest/file';
import { decodePredict, encodeModelCall } from '../../core/chain/predict';
import { onChainInputs, simulatorOutputs } from '../../core/cli/call';
import { planFromManifest } from '../../core/cli/crate-model';
import { programFromWasm } from '../../core/cli/crate-program';
import { runCli } from '../fixtures/cli';
import { cargoTest, hostCargo } from '../fixtures/rust';
import { brokenQdq, digitsTest, DYNAMIC_MODELS, quantizedModel, STATIC_MODELS } from '../fixtures/quantized';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-prequantized-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const MODELS = [...STATIC_MODELS, ...DYNAMIC_MODELS];
const dynamic = (name: string) => (DYNAMIC_MODELS as readonly string[]).includes(name);

test('inspect: the quantized fixtures are supported (exit 0); a QDQ graph with a zero scale is refused naming the node (exit 2)', async () => {
  for (const name of MODELS) {
    const r = await runCli(['inspect', quantizedModel(name), '--json']);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    const j = JSON.parse(r.stdout) as { unsupported: unknown[]; nodes: { op: string }[] };
    assert.deepEqual(j.unsupported, []);
    assert.ok(j.nodes.some((n) => /^Q(Gemm|Linear)|DynamicQuantize(MatMul|Conv)$/.test(n.op)), `${name}: the integer ops are listed`);
  }
  const bad = path.join(tmp, 'zero-scale.onnx');
  fs.writeFileSync(bad, brokenQdq('zero-scale'));
  const r = await runCli(['inspect', bad]);
  assert.equal(r.code, 2);
  assert.match(r.stderr + r.stdout, /q_in.*QuantizeLinear.*scale 'q_scale' is 0/s);
});

for (const name of MODELS) {
  test(`${name}: native golden vectors, wasm32 build, devnode predict equals the simulator bit for bit`, { timeout: 900_000 }, async () => {
    assert.ok(hostCargo(), 'cargo is installed (scripts/setup-debian.sh)');
    const dir = path.join(tmp, name);
    // a dynamically quantized model takes float32 inputs: its box is declared (pixels / 16 lie in [0, 1])
    const n = await runCli(['new', quantizedModel(name), '--out', dir, '--template', 'minimal', '--force', ...(dynamic(name) ? ['--input-range', '0:1'] : [])]);
    assert.equal(n.code, 0, n.stderr);
    const native = cargoTest(path.join(dir, 'core'), path.join(tmp, 'target-native'));
    assert.ok(native.ok, `cargo test of the golden vectors: ${native.stderr.slice(-2000)}`);
    assert.match(native.stdout, /test result: ok\. [1-9]/);
    const b = await runCli(['build', dir, '--json'], { timeoutMs: 600_000 });
    assert.equal(b.code, 0, b.stderr);
    const built = JSON.parse(b.stdout) as { wasm: string; valid: boolean; compressedBytes: number };
    assert.ok(built.valid, 'the wasm passes nitro activation checks');
    const wasmPath = path.isAbsolute(built.wasm) ? built.wasm : path.resolve(dir, built.wasm);
    const m = readManifest(dir);
    if (dynamic(name)) assert.ok(m.inputs[0].float32 && m.outputs[0].float32, 'the manifest records float32 inputs and outputs');
    else assert.ok(m.inputs[0].scale! > 0 && m.outputs[0].scale! > 0, 'the manifest records the model scales');
    const plan = planFromManifest(dir, m);
    const program = programFromWasm(wasmPath);
    const node = await startEmbeddedDevnode({ port: 0 });
    const client = await connect({ mode: 'rpc', rpcUrl: node.url });
    try {
      const r = await deployProgram(client, program.initCode);
      const { inputs } = digitsTest();
      let calls = 0;
      for (const v of inputs.slice(0, 12)) {
        const c = new Map([[plan.graph.inputs[0].id, Float64Array.from(v)]]);
        const sim = simulatorOutputs(plan, m, c);
        assert.ok(!('error' in sim), 'held-out digits lie in the quantizer range');
        const res = await client.publicClient.call({ to: r.address, data: encodeModelCall(m, 'predict', onChainInputs(plan, c)) });
        assert.deepEqual(decodePredict(m, res.data!), sim, `${name}: predict equals the simulator`);
        calls++;
      }
      console.log(`${name}: wasm ${fs.statSync(wasmPath).size} B, compressed ${built.compressedBytes} B, ${calls} predict calls equal the simulator bit for bit`);
    } finally {
      await client.close();
      await node.stop();
    }
  });
}
