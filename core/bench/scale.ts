// The real-size models of the feasibility report (issue 13): mnist-8 from the ONNX model zoo, a 28×28
// CNN, a 100k-parameter and a 1,000,000-parameter i8 MLP, each generated with the layout it needs, built,
// deployed part by part to the embedded devnode and called with predictPacked on handwriting-like inputs:
// parameters, compressed program bytes, parts, deployment gas (every part), predict gas, ink per
// multiply-accumulate, the estimate's error, and the EVM baseline beside it (or why the EVM cannot run
// it). Plus, from the estimator, the largest MLP each layout fits in one transaction under the 32M cap.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeFunctionData, hexToBytes, type Hex } from 'viem';
import { connect, type ChainClient } from '../chain/index';
import { encodeModelCall } from '../chain/predict';
import { sendContract } from '../chain/deploy';
import { loadGraph } from '../onnx/import';
import { prepareModel, type Prepared } from '../pipeline';
import { generateCrate } from '../codegen/generate';
import { writeCrate } from '../codegen/write';
import { buildCrate } from '../build/build';
import { loweringFor, recordedLowering, type Optimize } from '../codegen/lowering';
import { readManifest } from '../manifest/file';
import { buildBaseline, deployBaseline, OverGasCap, predictGas } from '../baseline/index';
import { estimateProgram, type Estimate } from '../gas/estimate';
import { calldataGas, TX_BASE_GAS } from '../gas/call';
import { createProfiler, namesFromJson } from '../../nitro/profile';
import { PER_TX_GAS_LIMIT } from '../../nitro/limits';
import { quantizeInputs } from '../quant/simulate';
import { inProcessDevnode } from '../cli/in-process-devnode';
import { deployCrate, dataParts } from '../cli/deploy';
import type { ChainTarget } from '../cli/chain-target';
import { programFromWasm } from '../cli/crate-program';
import { cnn28, mlp, prng } from '../onnx/builder';
import type { LayoutKind } from '../layout/layout';
import { rankLayout } from '../layout/choose';
import { modelSize } from './feasibility';

/** The per-transaction gas cap (nitro/limits.ts), as a number. */
const MAX_TX_GAS = Number(PER_TX_GAS_LIMIT);

export interface ScaleRow {
  model: string;
  params: number;
  macs: number;
  layout: LayoutKind;
  /** contracts deployed: the program and its data contracts or fragments */
  parts: number;
  /** the program's code (EF F0 00 00 + brotli) */
  compressedBytes: number;
  /** every deployment transaction (parts and program) and the activation */
  deployGas: number;
  activationGas: number;
  /** predictPacked transaction gas (receipt), and its execution part */
  predictGas: number;
  executionGas: number;
  estimate: { executionGas: number; error: number; deployError: number };
  /** ink per multiply-accumulate of the dense and convolution layers (measured, hostios excluded) */
  inkPerMac: number;
  /** the EVM baseline's predict gas, or why it has none */
  evm: { totalTxGas: number } | { reason: string };
}

export interface LargestFit {
  layout: LayoutKind;
  /** the largest 784→H→10 i8 MLP that fits */
  hidden: number;
  params: number;
  executionGas: number;
  /** what stops a larger one */
  limit: string;
}

export interface ScaleResult {
  rows: ScaleRow[];
  largest: LargestFit[];
}

/** Handwriting-like 28×28 images: a few thick strokes of ink on a zero background, as MNIST's are. */
export function digitImages(n: number, seed: number, ink = 255): number[][] {
  const rnd = prng(seed);
  return Array.from({ length: n }, () => {
    const img = new Array<number>(784).fill(0);
    for (let s = 0; s < 3; s++) {
      let [x, y] = [6 + rnd() * 16, 6 + rnd() * 16];
      const [dx, dy] = [rnd() * 2 - 1, rnd() * 2 - 1];
      for (let t = 0; t < 14; t++) {
        for (const [ox, oy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
          const [px, py] = [Math.round(x) + ox, Math.round(y) + oy];
          if (px >= 0 && px < 28 && py >= 0 && py < 28) img[py * 28 + px] = Math.round(ink * (0.7 + 0.3 * rnd()) * 1000) / 1000;
        }
        x += dx;
        y += dy;
      }
    }
    return img;
  });
}

interface ScaleModel {
  name: string;
  bytes: () => Uint8Array | null;
  range: string;
  ink: number;
  layout: LayoutKind;
  optimize?: Optimize;
  /** i16 activations where the pair kernels (two rows per multiply) need them */
  activations?: 'i16';
}

/** The zoo's mnist-8 from the conformance corpus, when it is there. */
function zooMnist(): Uint8Array | null {
  const corpus = process.env.STYLUS_ML_CORPUS ?? path.resolve(__dirname, '../../../shared/conformance');
  for (const p of [path.join(corpus, 'zoo/mnist-8/model.onnx'), path.resolve(__dirname, '../../../../shared/conformance/zoo/mnist-8/model.onnx')]) if (fs.existsSync(p)) return fs.readFileSync(p);
  return null;
}

export const SCALE_MODELS: ScaleModel[] = [
  { name: 'mnist-8 (ONNX zoo)', bytes: zooMnist, range: '0:255', ink: 255, layout: 'single', optimize: 'gas' },
  { name: 'cnn 28x28 (8@3x3, 16@3x3, 400-32-10)', bytes: () => cnn28(), range: '0:1', ink: 1, layout: 'single', optimize: 'gas' },
  { name: 'mlp 784-128-64-10 i8 (109k)', bytes: () => mlp([784, 128, 64, 10], { batch: 1, init: 'laplace' }), range: '0:1', ink: 1, layout: 'fragments', activations: 'i16' },
  { name: 'mlp 784-1024-256-10 i8 (1.07M)', bytes: () => mlp([784, 1024, 256, 10], { batch: 1, seed: 2, init: 'laplace' }), range: '0:1', ink: 1, layout: 'data' },
];

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function measureOne(client: ChainClient, m: ScaleModel, bytes: Uint8Array, work: string, n: number, log: (l: string) => void): Promise<ScaleRow> {
  const prepared: Prepared = prepareModel(`${m.name}.onnx`, { inputRange: m.range, weights: 'i8', activations: m.activations }, { bytes, graph: loadGraph(bytes, { file: m.name }) });
  const plan = prepared.plan;
  const dir = path.join(work, m.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase());
  const crate = generateCrate(prepared, { template: 'minimal', crateDir: dir, vectors: 8, optimize: m.optimize, layout: m.layout, layoutReason: 'bench' });
  writeCrate(dir, crate.files, { force: true });
  log(`${m.name}: building (${m.layout})`);
  const built = buildCrate(dir);
  if (!built.valid) throw new Error(`${m.name}: ${built.violations.map((v) => v.detail).join('; ')}`);
  const program = programFromWasm(built.wasm, undefined, m.layout);
  log(`${m.name}: deploying ${built.parts.length} part(s)`);
  const target: ChainTarget = { client, ephemeral: true, isDevnode: true, note: 'the bench\'s embedded devnode' };
  const d = await deployCrate(dir, target, program, false);
  // parts another model already put on chain (content addressing) cost nothing here
  const deployed = new Set((d.parts ?? []).filter((p) => p.status === 'deployed').map((p) => p.name));
  const deployGas = d.parts ? d.parts.reduce((a, p) => a + Number(p.gasUsed), 0) : Number(d.deploy.gasUsed);
  const manifest = readManifest(dir);
  const cases = digitImages(n, 13, m.ink).map((img) => new Map([[plan.graph.inputs[0].id, Float64Array.from(img)]]));
  const inputs = cases.map((c) => {
    const q = quantizeInputs(plan, c, 'clamp');
    return plan.graph.inputs.map((i) => Array.from(q.get(i.id)!));
  });
  const tx: number[] = [];
  const exec: number[] = [];
  for (const q of inputs) {
    const data = encodeModelCall(manifest, 'predictPacked', q) as Hex;
    const r = await sendContract(client, { to: d.address, data });
    if (r.status !== 'success') throw new Error(`${m.name}: predictPacked reverted (${r.hash})`);
    tx.push(Number(r.gasUsed));
    exec.push(Number(r.gasUsed) - TX_BASE_GAS - calldataGas(hexToBytes(data)));
  }
  const wasm = new Uint8Array(fs.readFileSync(built.wasm));
  const est: Estimate = estimateProgram(plan, recordedLowering(manifest), { wasm, inputs, function: 'predictPacked', layout: m.layout });
  // ink of the dense and convolution layers per multiply-accumulate, from the per-function profile
  const codes = new Map(dataParts(dir, manifest).map((p) => [p.address, p.initCode.subarray(12)]));
  const profiler = await createProfiler(wasm, { names: built.names ? namesFromJson(fs.readFileSync(built.names, 'utf8')) : undefined, codes });
  const prof = profiler.profile(hexToBytes(encodeModelCall(manifest, 'predictPacked', inputs[0]) as Hex));
  const dense = manifest.layers.filter((l) => (l.op === 'matmul' || l.op === 'conv2d') && l.macs > 0);
  const ink = dense.reduce((a, l) => a + prof.functions.filter((f) => f.name !== null && new RegExp(`(^|::)${l.fn}(::|$)`).test(f.name)).reduce((s, f) => s + Number(f.selfInk - f.hostioInk), 0), 0);
  const { params, macs } = modelSize(plan);
  // the EVM baseline: Solidity from the same integer plan, measured alike, or why it cannot run
  let evm: ScaleRow['evm'];
  try {
    const b = buildBaseline(plan);
    const bd = await deployBaseline(client, b);
    // eth_estimateGas, else one transaction at the cap (a large model's EVM code runs for seconds in the
    // devnode, and either request can outlast the RPC timeout on a busy machine)
    const g: number[] = [];
    for (const q of inputs) {
      try {
        g.push((await predictGas(client, bd.address, b.abi, q.flat(), MAX_TX_GAS)).totalGas);
        continue;
      } catch (e) {
        if (e instanceof OverGasCap) throw e;
      }
      const r = await sendContract(client, { to: bd.address, data: encodeFunctionData({ abi: b.abi, functionName: 'predict', args: [q.flat()] }), gas: BigInt(MAX_TX_GAS) });
      if (r.status !== 'success') throw r.gasUsed >= BigInt(MAX_TX_GAS) ? new OverGasCap('over the cap') : new Error(`EVM baseline predict reverted (${r.hash})`);
      g.push(Number(r.gasUsed));
    }
    evm = { totalTxGas: mean(g) };
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    evm = { reason: e instanceof OverGasCap ? 'over the 32M cap' : /above EIP-170|24,576-byte limit|too large for an EVM contract/.test(why) ? 'over the 24,576-byte code limit (its weights do not fit one EVM contract)' : why };
  }
  const deployEst = (d.parts && !deployed.has('program') ? 0 : est.deploy.deployGas) + (est.deploy.partsGas ?? []).filter((p) => deployed.has(p.name)).reduce((a, p) => a + p.deployGas, 0);
  return {
    model: m.name,
    params,
    macs,
    layout: m.layout,
    parts: built.parts.length,
    compressedBytes: built.compressedBytes,
    deployGas,
    activationGas: Number(d.activate.gasUsed),
    predictGas: mean(tx),
    executionGas: mean(exec),
    estimate: { executionGas: est.call.executionGas.typical, error: (est.call.executionGas.typical - mean(exec)) / mean(exec), deployError: (deployEst - deployGas) / deployGas },
    inkPerMac: macs > 0 ? ink / macs : 0,
    evm,
  };
}

/**
 * The largest 784→H→10 i8 MLP each layout fits in one transaction, by the estimator: a binary search on H
 * for the program layouts (their limits are the code and activation limits), and for data contracts —
 * whose cost is linear in the parameters — the line through two priced sizes, solved for the 32M cap.
 */
export function largestPerLayout(arbos?: number): LargestFit[] {
  const planOf = (h: number) => {
    const bytes = mlp([784, h, 10], { batch: 1, init: 'laplace' });
    return prepareModel('mlp.onnx', { inputRange: '0:1', weights: 'i8' }, { bytes, graph: loadGraph(bytes, { file: 'mlp' }) }).plan;
  };
  const out: LargestFit[] = [];
  const lowering = loweringFor(undefined);
  for (const layout of ['single', 'fragments'] as const) {
    let [lo, hi] = [1, 512];
    let best: { h: number; gas: number } | null = null;
    let limit = '';
    while (lo <= hi) {
      const h = Math.floor((lo + hi) / 2);
      const r = rankLayout(planOf(h), lowering, layout, { arbosVersion: arbos });
      if (r.fits) {
        best = { h, gas: r.executionGas! };
        lo = h + 1;
      } else {
        limit = r.note;
        hi = h - 1;
      }
    }
    if (best) out.push({ layout, hidden: best.h, params: 784 * best.h + best.h + 10 * best.h + 10, executionGas: best.gas, limit });
    else out.push({ layout, hidden: 0, params: 0, executionGas: 0, limit });
  }
  const gasAt = (h: number) => estimateProgram(planOf(h), lowering, { layout: 'data', arbosVersion: arbos }).call.totalTxGas.max;
  const [h1, h2] = [256, 512];
  const [g1, g2] = [gasAt(h1), gasAt(h2)];
  const perHidden = (g2 - g1) / (h2 - h1);
  const h = Math.floor(h1 + (MAX_TX_GAS - g1) / perHidden);
  out.push({ layout: 'data', hidden: h, params: 784 * h + h + 10 * h + 10, executionGas: MAX_TX_GAS, limit: `the ${MAX_TX_GAS.toLocaleString('en-US')} gas per-transaction cap (${Math.round(perHidden).toLocaleString('en-US')} gas per hidden unit, ${Math.round((perHidden / 795) * 1000) / 1000} per parameter)` });
  return out;
}

export async function runScale(opts: { only?: string; inputs?: number; log?: (line: string) => void } = {}): Promise<ScaleResult> {
  const log = opts.log ?? (() => {});
  const models = SCALE_MODELS.filter((m) => !opts.only || m.name.toLowerCase().includes(opts.only.toLowerCase()));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-scale-'));
  const client = await connect({ mode: 'embedded', port: 0, inProcess: inProcessDevnode });
  const rows: ScaleRow[] = [];
  try {
    for (const m of models) {
      const bytes = m.bytes();
      if (!bytes) {
        log(`${m.name}: skipped (the conformance corpus is not here; set STYLUS_ML_CORPUS)`);
        continue;
      }
      rows.push(await measureOne(client, m, bytes, work, opts.inputs ?? 3, log));
    }
  } finally {
    await client.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
  log('largest model per layout (estimator)');
  return { rows, largest: opts.only ? [] : largestPerLayout() };
}
