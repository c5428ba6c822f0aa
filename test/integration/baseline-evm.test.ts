// Issue 5, the EVM baseline: for forests, MLPs, CNNs, two models exercising the rarer ops and the two bundled iris
// models, the Solidity contract generated from the plan is compiled with npm solc, deployed to the
// embedded devnode and called on 100 inputs per model (box corners, then random points of the box):
// predict equals the simulator's integers bit for bit, predictLabel the class index, predictPacked the
// same values, and an input outside the box reverts with InputOutOfRange. Gas per predict is printed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BaseError, createPublicClient, createWalletClient, decodeErrorResult, decodeFunctionResult, encodeFunctionData, http, type Abi, type Hex, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { startEmbeddedDevnode, type EmbeddedDevnode } from '../../devnode/index';
import { DEV_ACCOUNT } from '../../devnode/accounts';
import { devnodeChain } from '../../core/chain/chains';
import { loadGraph } from '../../core/onnx/import';
import { prepareModel } from '../../core/pipeline';
import { runFixed } from '../../core/quant/simulate';
import { modelHash } from '../../core/quant/hash';
import { sizeOf } from '../../core/ir/graph';
import { contractAbi } from '../../core/codegen/abi';
import type { Plan } from '../../core/quant/types';
import { compileBaseline, generateSolidity, type CompiledBaseline } from '../../core/baseline';
import { cnn, forest, mlp, prng } from '../fixtures/onnx-builder';
import { minTreesModel, opsModel, opsModel2, poolNormModel } from '../fixtures/baseline-ops-model';

const ROOT = path.join(__dirname, '..', '..');
const CASES = 100;

let node: EmbeddedDevnode;
let pub: PublicClient;
let deploy: (c: CompiledBaseline) => Promise<Hex>;

before(async () => {
  node = await startEmbeddedDevnode({ port: 0, runtime: null });
  const chain = devnodeChain(node.url);
  pub = createPublicClient({ chain, transport: http(node.url) }) as PublicClient;
  const wallet = createWalletClient({ chain, transport: http(node.url), account: privateKeyToAccount(DEV_ACCOUNT.privateKey) });
  deploy = async (c) => {
    const hash = await wallet.deployContract({ abi: c.abi, bytecode: c.bytecode });
    const r = await pub.waitForTransactionReceipt({ hash });
    assert.equal(r.status, 'success');
    assert.equal(await pub.getCode({ address: r.contractAddress! }), c.deployedBytecode);
    return r.contractAddress!;
  };
});
after(async () => {
  await node?.stop();
});

function plan(name: string, bytes: Uint8Array, range: string): Plan {
  return prepareModel(name, { inputRange: range }, { bytes, graph: loadGraph(bytes, { file: name }) }).plan;
}

/** Box corners (all low, all high, alternating both ways), then uniform integer points of the box. */
function cases(p: Plan, n: number, seed: number): number[][] {
  const lo: number[] = [];
  const hi: number[] = [];
  for (const inp of p.graph.inputs) {
    const t = p.tensors.get(inp.id)!;
    lo.push(...t.qlo);
    hi.push(...t.qhi);
  }
  const rnd = prng(seed);
  const out = [lo, hi, lo.map((v, i) => (i % 2 ? hi[i] : v)), lo.map((v, i) => (i % 2 ? v : hi[i]))];
  while (out.length < n) out.push(lo.map((l, i) => l + Math.floor(rnd() * (hi[i] - l + 1))));
  return out;
}

/** The simulator's integers for one flat input: all outputs flattened in order. */
function simulate(p: Plan, flat: number[]): number[][] {
  const inputs = new Map<string, Float64Array>();
  let o = 0;
  for (const inp of p.graph.inputs) {
    const n = sizeOf(p.tensors.get(inp.id)!.shape);
    inputs.set(inp.id, Float64Array.from(flat.slice(o, o + n)));
    o += n;
  }
  const v = runFixed(p, inputs);
  // integers: the simulator's truncation can yield -0 in a double, which is the integer 0
  return p.graph.outputs.map((out) => Array.from(v.get(out.id)!, (x) => x + 0));
}

function expectedLabel(p: Plan, outs: number[][]): number | null {
  const rule = contractAbi(p).label;
  if (!rule) return null;
  const y = outs[rule.output];
  if (rule.kind === 'output') return y[0];
  let best = 0;
  for (let a = 1; a < rule.classes; a++) if (y[a] > y[best]) best = a;
  return best;
}

const WIDTH = { i8: 1, i16: 2, i32: 4 } as const;

function packLE(values: number[], widths: number[]): Hex {
  const buf = Buffer.alloc(widths.reduce((a, b) => a + b, 0));
  let o = 0;
  values.forEach((v, i) => {
    buf.writeIntLE(v, o, widths[i]);
    o += widths[i];
  });
  return `0x${buf.toString('hex')}`;
}

async function call(abi: Abi, to: Hex, functionName: string, args: unknown[]): Promise<unknown> {
  const data = encodeFunctionData({ abi, functionName, args });
  const r = await pub.call({ to, data });
  return decodeFunctionResult({ abi, functionName, data: r.data ?? '0x' });
}

async function revertOf(abi: Abi, to: Hex, functionName: string, args: unknown[]): Promise<{ errorName: string; args: readonly unknown[] }> {
  try {
    await pub.call({ to, data: encodeFunctionData({ abi, functionName, args }) });
  } catch (e) {
    assert.ok(e instanceof BaseError);
    const hit = e.walk((c) => typeof (c as { data?: unknown }).data === 'string') as { data?: Hex } | null;
    assert.ok(hit?.data, `revert without data: ${e.message}`);
    const d = decodeErrorResult({ abi, data: hit.data });
    return { errorName: d.errorName, args: d.args ?? [] };
  }
  assert.fail(`${functionName} did not revert`);
}

const models: { name: string; bytes: () => Uint8Array; range: string; immediateBudget?: number }[] = [
  { name: 'forest (10 trees, depth 4)', bytes: () => forest(), range: '-6:6' },
  { name: 'mlp 16-24-10 softmax', bytes: () => mlp([16, 24, 10], { softmax: true, batch: 1 }), range: '-1:1' },
  { name: 'cnn 1x8x8 conv3x3x4 pool fc10', bytes: () => cnn(), range: '-1:1' },
  // the other lowering of dense layers: packed weights in loops (unrolled chunks of 32 and a remainder)
  { name: 'mlp 40-12-3, packed weights', bytes: () => mlp([40, 12, 3], { seed: 7, batch: 1 }), range: '-2:2', immediateBudget: 0 },
  { name: 'cnn 2x6x6 conv3x3x3 pool fc4, packed weights', bytes: () => cnn({ seed: 9, channels: 2, size: 6, filters: 3, classes: 4 }), range: '0:1', immediateBudget: 0 },
  // strided padded conv, padded avgpool, affine, leakyRelu, sigmoid, tanh, add, mul, broadcast sub, clip, softmax, argmax
  { name: 'ops model (two outputs)', bytes: () => opsModel(), range: '-1:1' },
  // binary LinearClassifier (threshold, complement scores), Cast to int, Gemm transA, constant broadcast
  { name: 'ops model 2 (five outputs)', bytes: () => opsModel2(), range: '-2:2' },
  // two-class forest: scores, a one-column matmul and a threshold label
  { name: 'two-class forest', bytes: () => forest({ classes: 2, trees: 5, depth: 3, seed: 13 }), range: '-6:6' },
  // padded max / average pooling (the general loops), L2 (isqrt) and MAX normalizers
  { name: 'padded pools and normalizers', bytes: () => poolNormModel(), range: '0:1' },
  // MIN / MAX aggregation, set-membership tests (BRANCH_EQ / NEQ at the box edges) and base values
  { name: 'tree regressor, MIN', bytes: () => minTreesModel('MIN'), range: '-2:2' },
  { name: 'tree regressor, MAX', bytes: () => minTreesModel('MAX'), range: '-2:2' },
  { name: 'samples/iris-forest.onnx', bytes: () => fs.readFileSync(path.join(ROOT, 'samples/iris-forest.onnx')), range: '0:8' },
  { name: 'samples/iris-logreg.onnx', bytes: () => fs.readFileSync(path.join(ROOT, 'samples/iris-logreg.onnx')), range: '0:8' },
];

describe('EVM baseline equals the simulator bit for bit on the devnode', () => {
  models.forEach((m, mi) => {
    test(m.name, async () => {
      const p = plan(m.name, m.bytes(), m.range);
      const { source, contractName } = generateSolidity(p, { immediateBudget: m.immediateBudget });
      const c = compileBaseline(source, contractName);
      const to = await deploy(c);
      const cabi = contractAbi(p);
      const inWidths = cabi.inputs.flatMap((io) => Array<number>(io.size).fill(WIDTH[io.storage]));

      assert.equal(await call(c.abi, to, 'modelHash', []), modelHash(p));

      const all = cases(p, CASES, 100 + mi);
      let gasSum = 0;
      let gasMax = 0;
      const labels = new Set<number>();
      for (const [k, flat] of all.entries()) {
        const want = simulate(p, flat);
        const got = (await call(c.abi, to, 'predict', [flat])) as readonly number[];
        assert.deepEqual([...got], want.flat(), `case ${k}: predict(${JSON.stringify(flat)})`);
        const label = expectedLabel(p, want);
        if (label !== null) {
          assert.equal(await call(c.abi, to, 'predictLabel', [flat]), BigInt(label), `case ${k}: predictLabel`);
          labels.add(label);
        }
        if (k < 10) {
          const packed = (await call(c.abi, to, 'predictPacked', [packLE(flat, inWidths)])) as Hex;
          const outWidths = cabi.outputs.flatMap((io) => Array<number>(io.size).fill(WIDTH[io.storage]));
          assert.equal(packed, packLE(want.flat(), outWidths), `case ${k}: predictPacked`);
        }
        if (k < 10) {
          const gas = Number(await pub.estimateGas({ to, data: encodeFunctionData({ abi: c.abi, functionName: 'predict', args: [flat] }) }));
          gasSum += gas;
          gasMax = Math.max(gasMax, gas);
        }
      }

      // outside the box: the first element one step above its bound, and the last one step below
      const hiFlat = [...all[1]];
      hiFlat[0] += 1;
      assert.deepEqual(await revertOf(c.abi, to, 'predict', [hiFlat]), { errorName: 'InputOutOfRange', args: [0n, BigInt(hiFlat[0])] });
      const loFlat = [...all[0]];
      loFlat[loFlat.length - 1] -= 1;
      assert.deepEqual(await revertOf(c.abi, to, 'predict', [loFlat]), { errorName: 'InputOutOfRange', args: [BigInt(loFlat.length - 1), BigInt(loFlat[loFlat.length - 1])] });
      assert.deepEqual(await revertOf(c.abi, to, 'predict', [all[0].slice(1)]), { errorName: 'InvalidInputLength', args: [BigInt(all[0].length), BigInt(all[0].length - 1)] });

      console.log(`# ${m.name}: ${p.nodes.map((n) => n.params.op).join(' -> ')}; ${c.deployedBytes} bytes runtime${c.viaIR ? ' (viaIR)' : ''}; predict eth_estimateGas mean ${Math.round(gasSum / 10)} max ${gasMax} over 10 inputs; ${all.length} cases equal; labels seen ${[...labels].sort().join(',') || 'n/a'}`);
    });
  });
});

test('with --input-policy clamp, inputs outside the box are clamped into it as the simulator does', async () => {
  const p = plan('mlp.onnx', mlp([6, 5, 3], { seed: 21, batch: 1 }), '-1:1');
  const { source, contractName } = generateSolidity(p, { policy: 'clamp', contractName: 'ClampedMlp' });
  const c = compileBaseline(source, contractName);
  assert.equal(c.contractName, 'ClampedMlp');
  const to = await deploy(c);
  const t = p.tensors.get(p.graph.inputs[0].id)!;
  const rnd = prng(5);
  let outside = 0;
  for (let k = 0; k < 20; k++) {
    // up to three box widths either side, so most elements are outside
    const flat = Array.from(t.qlo, (lo, i) => Math.round(lo + (rnd() * 7 - 3) * (t.qhi[i] - lo)));
    const clamped = flat.map((v, i) => Math.min(Math.max(v, t.qlo[i]), t.qhi[i]));
    outside += flat.filter((v, i) => v !== clamped[i]).length;
    assert.deepEqual([...((await call(c.abi, to, 'predict', [flat])) as readonly number[])], simulate(p, clamped).flat());
  }
  assert.ok(outside > 40, `only ${outside} of 120 elements were outside the box`);
});
