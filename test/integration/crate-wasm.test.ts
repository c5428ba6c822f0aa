// Issue 3 acceptance 2: the minimal crate of each of the six models compiles to wasm32 on this machine
// (`stylus-ml build`), passes nitro's activation rules, and its user_entrypoint, run in Node's WebAssembly
// with a small vm_hooks host, returns the simulator's outputs bit for bit for predict, predictLabel and
// predictPacked; modelHash() is the hash the pipeline computes from the ONNX file; formats(), the named
// errors and clamping behave as IModel.sol says. One program also runs in the devnode's metered runtime.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeErrorResult, decodeFunctionResult, encodeFunctionData, type Abi, type Hex } from 'viem';
import { readManifest } from '../../core/manifest/file';
import { prepareModel } from '../../core/pipeline';
import { modelHash } from '../../core/quant/hash';
import { runFixed } from '../../core/quant/simulate';
import type { Plan } from '../../core/quant/types';
import { sizeOf } from '../../core/ir/graph';
import { validateStylusWasm } from '../../nitro/validate';
import { createStylusRuntime } from '../../devnode/stylus/runtime';
import { acceptanceModels } from '../fixtures/acceptance-models';
import { runCli } from '../fixtures/cli';
import { corpusAvailable } from '../fixtures/corpus';
import { prng } from '../fixtures/onnx-builder';
import { stylusHost, type StylusHost } from '../fixtures/vm-hooks-host';
import { wasmToolchain } from '../fixtures/rust';
import { PARAMS, context, FixedCostEvmApi } from '../unit/stylus-harness';

const skip = !wasmToolchain() ? 'no wasm32 toolchain (rustup target add wasm32-unknown-unknown, or apt-get install rustc libstd-rust-dev-wasm32 lld-16)' : !corpusAvailable() ? 'conformance corpus not found' : false;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-wasm-'));
const models = skip ? [] : acceptanceModels(work);
const hex = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString('hex')}`;
const bytes = (h: Hex) => new Uint8Array(Buffer.from(h.slice(2), 'hex'));
const WIDTH = { i8: 1, i16: 2, i32: 4 } as const;

/** Quantised input vectors inside the box: both corners, then random points. */
function inputs(plan: Plan, n: number, seed: number): Float64Array[][] {
  const rnd = prng(seed);
  const ts = plan.graph.inputs.map((i) => plan.tensors.get(i.id)!);
  const out: Float64Array[][] = [ts.map((t) => Float64Array.from(t.qlo)), ts.map((t) => Float64Array.from(t.qhi))];
  while (out.length < n) out.push(ts.map((t) => Float64Array.from({ length: sizeOf(t.shape) }, (_, i) => t.qlo[i] + Math.floor(rnd() * (t.qhi[i] - t.qlo[i] + 1)))));
  return out;
}

function simulate(plan: Plan, q: Float64Array[]): number[] {
  const v = runFixed(plan, new Map(plan.graph.inputs.map((inp, k) => [inp.id, q[k]])));
  return plan.graph.outputs.flatMap((o) => Array.from(v.get(o.id)!));
}

function pack(values: number[], widths: number[]): Uint8Array {
  const b = Buffer.alloc(widths.reduce((a, w) => a + w, 0));
  let at = 0;
  values.forEach((v, i) => {
    b.writeIntLE(v, at, widths[i]);
    at += widths[i];
  });
  return b;
}

function unpack(b: Uint8Array, widths: number[]): number[] {
  const buf = Buffer.from(b);
  let at = 0;
  return widths.map((w) => {
    const v = buf.readIntLE(at, w);
    at += w;
    return v;
  });
}

describe('minimal crates as wasm32 programs', { skip }, () => {
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  for (const m of models) {
    it(`${m.kind}: builds, validates, and predict / predictLabel / predictPacked equal the simulator`, { timeout: 10 * 60_000 }, async () => {
      const dir = path.join(work, m.name);
      const made = await runCli(['new', m.file, '--out', dir, '--template', 'minimal', '--input-range', m.inputRange, '--vectors', '64', '--json']);
      assert.equal(made.code, 0, made.stderr);
      const built = await runCli(['build', dir, '--json']);
      assert.equal(built.code, 0, built.stderr);
      const b = JSON.parse(built.stdout);
      for (const k of ['wasm', 'wasmBytes', 'compressedBytes', 'limitBytes', 'toolchain', 'valid', 'violations']) assert.ok(k in b, `build --json has ${k}`);
      assert.equal(b.valid, true, JSON.stringify(b.violations));
      assert.deepEqual(b.violations, []);
      assert.equal(b.limitBytes, 24576);
      assert.ok(b.compressedBytes < b.limitBytes && b.compressedBytes > 100, `${b.compressedBytes} bytes compressed`);
      assert.match(b.toolchain, /rustc/);

      const wasm = new Uint8Array(fs.readFileSync(b.wasm));
      assert.equal(wasm.length, b.wasmBytes);
      // the module is the one the validator accepts, for the devnode's ArbOS and for Stylus v3 (ArbOS 59)
      for (const arbosVersion of [40, 59]) {
        const v = validateStylusWasm(wasm, { arbosVersion, debug: false });
        assert.deepEqual([...v.violations, ...v.lint], [], `ArbOS ${arbosVersion}`);
      }
      const manifest = readManifest(dir);
      assert.deepEqual(manifest.measured?.build?.compressedBytes, b.compressedBytes, 'the build is recorded in stylus-ml.json');
      const abi = JSON.parse(fs.readFileSync(path.join(dir, 'abi.json'), 'utf8')) as Abi;
      const host: StylusHost = await stylusHost(wasm);
      assert.deepEqual(host.imports.sort(), ['vm_hooks.msg_value', 'vm_hooks.pay_for_memory_grow', 'vm_hooks.read_args', 'vm_hooks.write_result']);
      const call = (fn: string, args: unknown[] = []) => {
        const r = host.call(bytes(encodeFunctionData({ abi, functionName: fn, args })));
        return { ...r, data: hex(r.output) };
      };

      const plan = prepareModel(m.file, { inputRange: m.inputRange }).plan;
      const hash = call('modelHash');
      assert.equal(hash.status, 0);
      assert.equal(decodeFunctionResult({ abi, functionName: 'modelHash', data: hash.data }), modelHash(plan));

      const inWidths = manifest.inputs.flatMap((i) => new Array<number>(sizeOf(i.shape)).fill(WIDTH[i.storage]));
      const outWidths = manifest.outputs.flatMap((o) => new Array<number>(sizeOf(o.shape)).fill(WIDTH[o.storage]));
      const label = (manifest as unknown as { contract: { label: { kind: string; output: number; classes?: number } | null } }).contract.label;
      const labelled = abi.some((x) => x.type === 'function' && x.name === 'predictLabel');
      assert.equal(labelled, label !== null);
      assert.ok(labelled || m.kind === 'CNN' || m.kind === 'MLP', `${m.kind} is a classifier: predictLabel exists`);
      const cases = inputs(plan, 100, 31);
      for (const q of cases) {
        const flat = q.flatMap((a) => Array.from(a));
        const want = simulate(plan, q);
        const p = call('predict', [flat]);
        assert.equal(p.status, 0, `predict reverted: ${p.data}`);
        assert.deepEqual((decodeFunctionResult({ abi, functionName: 'predict', data: p.data }) as readonly number[]).map(Number), want);
        const packed = call('predictPacked', [hex(pack(flat, inWidths))]);
        assert.equal(packed.status, 0);
        assert.deepEqual(unpack(bytes(decodeFunctionResult({ abi, functionName: 'predictPacked', data: packed.data }) as Hex), outWidths), want);
        if (label) {
          let at = 0;
          for (let k = 0; k < label.output; k++) at += sizeOf(manifest.outputs[k].shape);
          const row = want.slice(at, at + (label.classes ?? 1));
          const expected = label.kind === 'output' ? row[0] : row.indexOf(Math.max(...row));
          const l = call('predictLabel', [flat]);
          assert.equal(l.status, 0);
          assert.equal(decodeFunctionResult({ abi, functionName: 'predictLabel', data: l.data }), BigInt(expected));
        }
      }

      // formats() reports what the manifest says
      const f = call('formats');
      const [inBits, inFrac, inSizes, outBits, outFrac, outSizes] = decodeFunctionResult({ abi, functionName: 'formats', data: f.data }) as readonly (readonly (number | bigint)[])[];
      assert.deepEqual(inBits.map(Number), manifest.inputs.map((i) => WIDTH[i.storage] * 8));
      assert.deepEqual(inFrac.map(Number), manifest.inputs.map((i) => i.fracBits));
      assert.deepEqual(inSizes.map(Number), manifest.inputs.map((i) => sizeOf(i.shape)));
      assert.deepEqual([outBits.map(Number), outFrac.map(Number), outSizes.map(Number)], [manifest.outputs.map((o) => WIDTH[o.storage] * 8), manifest.outputs.map((o) => o.fracBits), manifest.outputs.map((o) => sizeOf(o.shape))]);

      // outside the box: InputOutOfRange(index, value); a short array: InvalidInputLength; value sent: revert
      const below = cases[0].flatMap((a) => Array.from(a));
      below[0] -= 1;
      const err = call('predict', [below]);
      assert.equal(err.status, 1);
      const decoded = decodeErrorResult({ abi, data: err.data });
      assert.equal(decoded.errorName, 'InputOutOfRange');
      assert.deepEqual(decoded.args, [0n, BigInt(below[0])]);
      const short = call('predict', [below.slice(1)]);
      assert.deepEqual(decodeErrorResult({ abi, data: short.data }).args, [BigInt(below.length), BigInt(below.length - 1)]);
      const paid = host.call(bytes(encodeFunctionData({ abi, functionName: 'modelHash' })), { value: 1n });
      assert.equal(paid.status, 1, 'the functions are not payable');
      const unknown = host.call(Uint8Array.of(0xde, 0xad, 0xbe, 0xef));
      assert.deepEqual([unknown.status, unknown.output.length], [1, 0]);
    });
  }

  it('--input-policy clamp: an input outside the box gives the output of the nearest point inside', { timeout: 5 * 60_000 }, async () => {
    const m = models.find((x) => x.kind === 'MLP')!;
    const dir = path.join(work, 'mlp-clamp');
    assert.equal((await runCli(['new', m.file, '--out', dir, '--template', 'minimal', '--input-range', m.inputRange, '--input-policy', 'clamp', '--vectors', '16'])).code, 0);
    const built = await runCli(['build', dir, '--json']);
    assert.equal(built.code, 0, built.stderr);
    const host = await stylusHost(new Uint8Array(fs.readFileSync(JSON.parse(built.stdout).wasm)));
    const abi = JSON.parse(fs.readFileSync(path.join(dir, 'abi.json'), 'utf8')) as Abi;
    const plan = prepareModel(m.file, { inputRange: m.inputRange }).plan;
    const t = plan.tensors.get(plan.graph.inputs[0].id)!;
    const inside = Array.from(t.qhi, (hi, i) => (i % 2 ? hi : t.qlo[i]));
    const outside = inside.map((v, i) => (i % 2 ? v + 1000 : v - 1000));
    const r = host.call(bytes(encodeFunctionData({ abi, functionName: 'predict', args: [outside] })));
    assert.equal(r.status, 0);
    assert.deepEqual((decodeFunctionResult({ abi, functionName: 'predict', data: hex(r.output) }) as readonly number[]).map(Number), simulate(plan, [Float64Array.from(inside)]));
  });

  it('runs in the devnode\'s metered Stylus runtime: activates, and predictPacked costs what it costs', { timeout: 5 * 60_000 }, async () => {
    const dir = path.join(work, 'mlp');
    const manifest = readManifest(dir);
    const wasm = new Uint8Array(fs.readFileSync(path.join(dir, 'target', 'stylus-ml', 'mlp.wasm')));
    const rt = createStylusRuntime();
    try {
      const act = await rt.activate(wasm, PARAMS, 128);
      assert.ok(act.ok, act.ok ? '' : act.reason);
      const abi = JSON.parse(fs.readFileSync(path.join(dir, 'abi.json'), 'utf8')) as Abi;
      const plan = prepareModel(models.find((x) => x.kind === 'MLP')!.file, { inputRange: '0:16' }).plan;
      const q = inputs(plan, 3, 5)[2];
      const flat = Array.from(q[0]);
      const data = bytes(encodeFunctionData({ abi, functionName: 'predictPacked', args: [hex(pack(flat, flat.map(() => 2)))] }));
      const res = await rt.call(act.program.moduleHash, context({ calldata: data, msgValue: new Uint8Array(32) }), new FixedCostEvmApi(), 1_000_000n, PARAMS);
      assert.equal(res.outcome.kind, 'success', JSON.stringify(res.outcome));
      const out = unpack(bytes(decodeFunctionResult({ abi, functionName: 'predictPacked', data: hex((res.outcome as { output: Uint8Array }).output) }) as Hex), manifest.outputs.flatMap((o) => new Array<number>(sizeOf(o.shape)).fill(WIDTH[o.storage])));
      assert.deepEqual(out, simulate(plan, q));
      const ink = 1_000_000n * BigInt(PARAMS.inkPrice) - res.inkLeft;
      console.log(`MLP 64-32-10 predictPacked: ${ink} ink (${ink / BigInt(PARAMS.inkPrice)} gas) in the program; initCost ${act.program.initCost}, cachedCost ${act.program.cachedCost}`);
      assert.ok(ink < 100_000_000n, 'well under 10,000 gas of execution');
    } finally {
      await rt.close();
    }
  });
});
