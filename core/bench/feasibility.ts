// The feasibility report behind `stylus-ml bench`: every model of the fixed set becomes a real Stylus
// program (minimal template, compiled here) and its EVM baseline (Solidity from the same integer plan,
// solc), both deployed to one embedded devnode and measured the same way — eth_estimateGas of predict on
// inputs of the box, split into intrinsic + calldata and execution — beside the analytical estimate.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hexToBytes, type Hex } from 'viem';
import { connect, deployProgram, type ChainClient } from '../chain/index';
import { encodeBatchCall, encodeModelCall } from '../chain/predict';
import { loadGraph } from '../onnx/import';
import { prepareModel } from '../pipeline';
import { generateCrate } from '../codegen/generate';
import { writeCrate } from '../codegen/write';
import { buildCrate } from '../build/build';
import { recordedLowering, type Optimize } from '../codegen/lowering';
import { readManifest } from '../manifest/file';
import { buildBaseline, deployBaseline, predictGas } from '../baseline/index';
import { estimateProgram, boxSamples } from '../gas/estimate';
import { calldataGas, TX_BASE_GAS } from '../gas/call';
import { DEFAULT_ARBOS_VERSION } from '../../nitro/arbos';
import { createProfiler, namesFromJson } from '../../nitro/profile';
import type { Plan } from '../quant/types';
import { inProcessDevnode } from '../cli/in-process-devnode';
import { BENCH_MODELS, type BenchModel } from './models';
import type { ScaleResult } from './scale';

export interface FeasibilityRow {
  model: string;
  kind: 'trees' | 'linear' | 'mlp' | 'cnn';
  params: number;
  macs: number;
  stylus: { executionGas: number; totalTxGas: number; packedTxGas: number; compressedBytes: number; deployGas: number; activationGas: number; cachedExecutionGas: number; initGas: number; batch: BatchFigure };
  evm: { executionGas: number; totalTxGas: number; codeBytes: number; deployGas: number } | null;
  estimate: { executionGas: number; error: number };
  /** ink per multiply-accumulate of the dense layers (measured), when the model has any */
  inkPerMac: number | null;
  note?: string;
}

/** One predictBatch call of `cases` inputs (the box samples, cycled): its transaction gas per case. */
export interface BatchFigure {
  cases: number;
  txGasPerCase: number;
}

/** Cases per predictBatch call the bench measures: 100, or the contract's maximum when that is lower. */
export const BENCH_BATCH = 100;

export interface LoweringFigure {
  model: string;
  lowering: string;
  inkPerMac: number;
  totalTxGas: number;
  packedTxGas: number;
  batch: BatchFigure;
  compressedBytes: number;
}

export interface FeasibilityResult {
  rows: FeasibilityRow[];
  lowerings: LoweringFigure[];
  inputs: number;
  arbosVersion: number;
  /** the real-size models (core/bench/scale.ts), when they ran */
  scale?: ScaleResult;
}

/** Weights and tree nodes the program holds, and multiply-accumulates per predict. */
export function modelSize(plan: Plan): { params: number; macs: number } {
  let params = 0;
  let macs = 0;
  for (const qn of plan.nodes) {
    const p = qn.params;
    const op = qn.node.op;
    if (p.op === 'matmul' && op.op === 'matmul') {
      params += p.W.q.length + (p.bias?.length ?? 0);
      macs += op.batches * op.M * op.N * op.K;
    } else if (p.op === 'conv2d' && op.op === 'conv2d') {
      params += p.W.q.length + (p.bias?.length ?? 0);
      const out = plan.graph.tensors.get(qn.node.outputs[0])!.shape;
      macs += out.reduce((a, b) => a * b, 1) * op.inChannels * op.kernel[0] * op.kernel[1];
    } else if (p.op === 'trees') {
      params += p.trees.reduce((a, t) => a + t.nodes.length + t.leaves.length, 0);
    } else if (p.op === 'affine') {
      params += p.scale.q.length + p.offset.length;
    }
  }
  return { params, macs };
}

const kindOf = (plan: Plan): FeasibilityRow['kind'] =>
  plan.nodes.some((n) => n.params.op === 'trees') ? 'trees' : plan.nodes.some((n) => n.params.op === 'conv2d') ? 'cnn' : plan.nodes.filter((n) => n.params.op === 'matmul').length > 1 ? 'mlp' : 'linear';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function stylusProgram(client: ChainClient, plan: Plan, prepared: ReturnType<typeof prepareModel>, dir: string, optimize: Optimize | undefined, inputs: number[][][]) {
  const crate = generateCrate(prepared, { template: 'minimal', crateDir: dir, vectors: 4, optimize });
  writeCrate(dir, crate.files, { force: true });
  const built = buildCrate(dir);
  if (!built.valid) throw new Error(built.violations.map((v) => v.detail).join('; '));
  const deployed = await deployProgram(client, built.initCodeBytes);
  const manifest = readManifest(dir);
  const measure = async (fn: 'predict' | 'predictPacked') => {
    const tx: number[] = [];
    const exec: number[] = [];
    for (const q of inputs) {
      const data = encodeModelCall(manifest, fn, q) as Hex;
      const g = Number(await client.publicClient.estimateGas({ account: client.account!, to: deployed.address, data }));
      tx.push(g);
      exec.push(g - TX_BASE_GAS - calldataGas(hexToBytes(data)));
    }
    return { tx: mean(tx), exec: mean(exec) };
  };
  const plain = await measure('predict');
  const packed = await measure('predictPacked');
  const cases = Math.min(BENCH_BATCH, manifest.contract.maxBatch ?? 1);
  const batchData = encodeBatchCall(manifest, Array.from({ length: cases }, (_, k) => inputs[k % inputs.length]));
  const batchGas = Number(await client.publicClient.estimateGas({ account: client.account!, to: deployed.address, data: batchData }));
  const batch: BatchFigure = { cases, txGasPerCase: batchGas / cases };
  // dense ink per multiply-accumulate, from the per-function profile of the built program
  let inkPerMac: number | null = null;
  const denseFns = manifest.layers.filter((l) => (l.op === 'matmul' || l.op === 'conv2d') && l.macs > 0);
  if (denseFns.length > 0 && built.names) {
    const profiler = await createProfiler(new Uint8Array(fs.readFileSync(built.wasm)), { names: namesFromJson(fs.readFileSync(built.names, 'utf8')) });
    const r = profiler.profile(hexToBytes(encodeModelCall(manifest, 'predict', inputs[0]) as Hex));
    const ink = denseFns.reduce((a, l) => a + r.functions.filter((f) => f.name !== null && new RegExp(`(^|::)${l.fn}(_|::|$)`).test(f.name)).reduce((s, f) => s + Number(f.selfInk), 0), 0);
    inkPerMac = ink / denseFns.reduce((a, l) => a + l.macs, 0);
  }
  const wasm = new Uint8Array(fs.readFileSync(built.wasm));
  return { built, deployed, plain, packed, batch, inkPerMac, wasm, lowering: recordedLowering(manifest) };
}

export async function runFeasibility(opts: { only?: string; inputs?: number; log?: (line: string) => void } = {}): Promise<FeasibilityResult> {
  const log = opts.log ?? (() => {});
  const n = opts.inputs ?? 5;
  const models: BenchModel[] = BENCH_MODELS.filter((m) => !opts.only || m.name.toLowerCase().includes(opts.only.toLowerCase()));
  if (models.length === 0) throw new Error(`no bench model matches '${opts.only}'; the models are: ${BENCH_MODELS.map((m) => m.name).join(', ')}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-bench-'));
  const client = await connect({ mode: 'embedded', port: 0, inProcess: inProcessDevnode });
  const rows: FeasibilityRow[] = [];
  const lowerings: LoweringFigure[] = [];
  try {
    for (const m of models) {
      log(`${m.name}: building the Stylus program and the EVM baseline`);
      const bytes = m.bytes();
      const prepared = prepareModel(`${m.name}.onnx`, { inputRange: m.range }, { bytes, graph: loadGraph(bytes, { file: m.name }) });
      const plan = prepared.plan;
      const { params, macs } = modelSize(plan);
      const inputs = boxSamples(plan, Math.max(n - 2, 1), 42);
      const slug = m.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
      const s = await stylusProgram(client, plan, prepared, path.join(work, slug), undefined, inputs);
      const est = estimateProgram(plan, s.lowering, { wasm: s.wasm, inputs });
      const cached = estimateProgram(plan, s.lowering, { wasm: s.wasm, inputs, cached: true });
      let evm: FeasibilityRow['evm'] = null;
      let note: string | undefined;
      try {
        const b = buildBaseline(plan);
        const d = await deployBaseline(client, b);
        const g = [];
        for (const q of inputs) g.push(await predictGas(client, d.address, b.abi, q.flat()));
        evm = { executionGas: mean(g.map((x) => x.executionGas)), totalTxGas: mean(g.map((x) => x.totalGas)), codeBytes: b.deployedBytes, deployGas: Number(d.deployGas) };
      } catch (e) {
        note = `EVM baseline: ${(e as Error).message.split('\n')[0]}`;
      }
      rows.push({
        model: m.name,
        kind: kindOf(plan),
        params,
        macs,
        stylus: { executionGas: s.plain.exec, totalTxGas: s.plain.tx, packedTxGas: s.packed.tx, compressedBytes: s.built.compressedBytes, deployGas: Number(s.deployed.deploy.gasUsed), activationGas: Number(s.deployed.activate.gasUsed), cachedExecutionGas: cached.call.executionGas.typical, initGas: est.call.breakdown.init, batch: s.batch },
        evm,
        estimate: { executionGas: est.call.executionGas.typical, error: (est.call.executionGas.typical - s.plain.exec) / s.plain.exec },
        inkPerMac: s.inkPerMac,
        ...(note ? { note } : {}),
      });
      if (m.name.startsWith('mlp 64-32-10')) {
        // the lowerings, and i8 weights (half the weight bytes; accuracy in stylus-ml simulate)
        const i8 = prepareModel(`${m.name}.onnx`, { inputRange: m.range, weights: 'i8' }, { bytes, graph: loadGraph(bytes, { file: m.name }) });
        const variants = [
          { label: 'default', prep: prepared, optimize: undefined },
          { label: '--optimize gas', prep: prepared, optimize: 'gas' as const },
          { label: '--optimize size', prep: prepared, optimize: 'size' as const },
          { label: '--weights i8', prep: i8, optimize: undefined },
          { label: '--weights i8 --optimize gas', prep: i8, optimize: 'gas' as const },
          // 8×8 digits are whole numbers 0–16: Q.2 in 8 bits holds them exactly and halves the packed calldata
          { label: '--weights i8 --format input=i8:2 --optimize gas', prep: prepareModel(`${m.name}.onnx`, { inputRange: m.range, weights: 'i8', force: new Map([[plan.graph.inputs[0].name, { storage: 'i8' as const, frac: 2 }]]) }, { bytes, graph: loadGraph(bytes, { file: m.name }) }), optimize: 'gas' as const },
        ];
        for (const [i, v] of variants.entries()) {
          // inputs in the variant's own input format (the 8-bit-input one quantises them differently)
          const o = i === 0 ? s : await stylusProgram(client, v.prep.plan, v.prep, path.join(work, `${slug}-${i}`), v.optimize, boxSamples(v.prep.plan, Math.max(n - 2, 1), 42));
          lowerings.push({ model: m.name, lowering: v.label, inkPerMac: o.inkPerMac ?? 0, totalTxGas: o.plain.tx, packedTxGas: o.packed.tx, batch: o.batch, compressedBytes: o.built.compressedBytes });
        }
      }
    }
  } finally {
    await client.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
  return { rows, lowerings, inputs: n, arbosVersion: DEFAULT_ARBOS_VERSION };
}
