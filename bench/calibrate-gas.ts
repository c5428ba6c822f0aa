// Derives core/gas/kernels.ts KERNEL_COSTS: builds single-purpose models (and the skl2onnx corpus) as
// real Stylus programs with every lowering, profiles `predict` per function in the devnode's metered
// runtime (nitro/profile.ts), and fits each kernel's ink per unit of work by least squares.
// Run: node --import tsx bench/calibrate-gas.ts [--json OUT] [--only REGEX]; paste the printed table into kernels.ts.
// The models here are deliberately not the bench set's, which the estimate is then tested on.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hexToBytes, type Hex } from 'viem';
import { loadGraph } from '../core/onnx/import';
import { planQuantisation } from '../core/quant/plan';
import { generateCrate } from '../core/codegen/generate';
import { writeCrate } from '../core/codegen/write';
import { buildCrate } from '../core/build/build';
import { loweringFor, type Optimize } from '../core/codegen/lowering';
import { encodeModelCall } from '../core/chain/predict';
import { boxSamples } from '../core/gas/estimate';
import { kernelKey, layerUnits, type KernelCost, type LayerUnits } from '../core/gas/kernels';
import { generateModelRs } from '../core/codegen/model-rs';
import type { Plan } from '../core/quant/types';
import type { Manifest } from '../core/manifest/schema';
import { runFixed } from '../core/quant/simulate';
import { createProfiler, namesFromJson } from '../nitro/profile';
import { cnn, convStack, forest, mlp } from '../test/fixtures/onnx-builder';
import { testBoxes } from '../test/fixtures/boxes';
import { CORPUS } from '../test/fixtures/corpus';
import { layoutHomes, type LayoutKind } from '../core/layout/layout';
import type { Storage } from '../core/quant/types';

interface Sample {
  kernel: string;
  units: LayerUnits;
  /** per-sample visits when data-dependent */
  visits: number;
  ink: number;
  model: string;
}

const UNIT_COLS: (keyof KernelCost)[] = ['fixed', 'mac', 'output', 'input', 'inner', 'copy', 'visit', 'tree', 'tap', 'group'];

function unitRow(u: LayerUnits, visits: number): Record<keyof KernelCost, number> {
  return { fixed: 1, mac: u.macs, output: u.outputs, input: u.inputs, inner: u.inner, copy: u.copies, visit: visits, tree: u.trees, tap: u.taps, group: u.groups };
}

/** Which units a kernel is fitted on (the others are collinear or absent for it). */
function columnsFor(kernel: string): (keyof KernelCost)[] {
  if (kernel.startsWith('dense:loop')) return ['fixed', 'mac', 'output'];
  if (kernel.startsWith('dense:')) return ['fixed', 'mac', 'output', 'input'];
  if (kernel.startsWith('conv:data')) return ['fixed', 'mac', 'inner', 'output', 'copy'];
  if (kernel.startsWith('conv:code')) return ['fixed', 'mac', 'output', 'copy'];
  if (kernel.startsWith('conv:pairs')) return ['fixed', 'mac', 'tap', 'group', 'output', 'copy'];
  if (kernel === 'dense:pairs' || kernel.startsWith('dense:parts')) return ['fixed', 'mac', 'inner', 'input', 'output'];
  if (kernel.startsWith('trees:')) return ['fixed', 'visit', 'tree', 'output'];
  if (kernel === 'maxpool2d' || kernel === 'avgpool2d') return ['fixed', 'copy', 'output', 'inner'];
  // softmax and normalize have as many outputs as inputs: one of the two
  if (kernel === 'softmax' || kernel === 'normalize') return ['fixed', 'output'];
  if (kernel === 'argmax') return ['fixed', 'input', 'output'];
  if (kernel === 'constant') return ['fixed', 'output'];
  return ['fixed', 'input'];
}

/** Least squares with non-negative coefficients (drop the most negative column and refit). */
function fit(rows: Record<string, number>[], ys: number[], cols: string[]): Record<string, number> {
  let active = [...cols];
  for (;;) {
    const n = active.length;
    const A = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    const b = new Array<number>(n).fill(0);
    rows.forEach((r, i) => {
      for (let p = 0; p < n; p++) {
        b[p] += r[active[p]] * ys[i];
        for (let q = 0; q < n; q++) A[p][q] += r[active[p]] * r[active[q]];
      }
    });
    // ridge-free Gaussian elimination; singular columns fall out below
    const x = solve(A, b);
    const worst = x.reduce((w, v, i) => (v < (x[w] ?? 0) ? i : w), -1);
    if (x.some((v) => !Number.isFinite(v))) {
      active = active.slice(0, -1);
      continue;
    }
    if (worst >= 0 && x[worst] < 0) {
      active.splice(worst, 1);
      if (active.length === 0) return {};
      continue;
    }
    return Object.fromEntries(active.map((c, i) => [c, Math.round(x[i])]));
  }
}

function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((r, i) => [...r, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    if (Math.abs(M[p][c]) < 1e-9) return new Array(n).fill(NaN);
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  return M.map((r, i) => r[n] / r[i]);
}

interface CalModel {
  name: string;
  bytes: () => Uint8Array;
  /** real box: `lo:hi` for every input element; else the corpus test box */
  range?: [number, number];
  /** weight storage (default the planner's, i16) */
  weights?: Storage;
  /** where the weights go (default single) */
  layout?: LayoutKind;
}

function calibrationModels(): CalModel[] {
  const out: CalModel[] = [
    { name: 'mlp 16-8-4', bytes: () => mlp([16, 8, 4], { batch: 1, seed: 11 }), range: [0, 16] },
    { name: 'mlp 32-24-6', bytes: () => mlp([32, 24, 6], { batch: 1, seed: 12 }), range: [0, 16] },
    { name: 'mlp 48-40-12 softmax', bytes: () => mlp([48, 40, 12], { batch: 1, seed: 13, softmax: true }), range: [0, 16] },
    // softmax heads of other widths: its cost grows with the element count
    { name: 'mlp 16-8-3 softmax', bytes: () => mlp([16, 8, 3], { batch: 1, seed: 61, softmax: true }), range: [0, 16] },
    { name: 'mlp 16-8-24 softmax', bytes: () => mlp([16, 8, 24], { batch: 1, seed: 64, softmax: true }), range: [0, 16] },
    { name: 'mlp 16-8-48 softmax', bytes: () => mlp([16, 8, 48], { batch: 1, seed: 65, softmax: true }), range: [0, 16] },
    { name: 'mlp 100-20-20-3', bytes: () => mlp([100, 20, 20, 3], { batch: 1, seed: 14 }), range: [-4, 4] },
    { name: 'mlp 200-12-5', bytes: () => mlp([200, 12, 5], { batch: 1, seed: 15 }), range: [0, 1] },
    { name: 'cnn 6x6 2 filters', bytes: () => cnn({ size: 6, filters: 2, seed: 3 }), range: [0, 1] },
    { name: 'cnn 10x10 3 filters', bytes: () => cnn({ size: 10, filters: 3, seed: 4 }), range: [0, 1] },
    { name: 'cnn 12x12 6 filters', bytes: () => cnn({ size: 12, filters: 6, seed: 5 }), range: [0, 1] },
    // i8 weights: the pair kernels (row pairs in data, output pairs as immediates, channel pairs)
    { name: 'mlp 96-40-10 i8', bytes: () => mlp([96, 40, 10], { batch: 1, seed: 31 }), range: [0, 16], weights: 'i8' },
    { name: 'mlp 300-64-10 i8', bytes: () => mlp([300, 64, 10], { batch: 1, seed: 32 }), range: [0, 1], weights: 'i8' },
    { name: 'mlp 200-150-30 i8', bytes: () => mlp([200, 150, 30], { batch: 1, seed: 33 }), range: [-1, 1], weights: 'i8' },
    { name: 'cnn 12x12 6 filters i8', bytes: () => cnn({ size: 12, filters: 6, seed: 34 }), range: [0, 1], weights: 'i8' },
    { name: 'cnn 20x20 10 filters i8', bytes: () => cnn({ size: 20, filters: 10, seed: 35 }), range: [0, 1], weights: 'i8' },
    // convolutions over many input channels (a window of C·3·3 taps per position)
    { name: 'conv stack 16x16 4ch 2 layers i8', bytes: () => convStack(16, 4, 2, 41), range: [0, 1], weights: 'i8' },
    { name: 'conv stack 16x16 8ch 2 layers i8', bytes: () => convStack(16, 8, 2, 42), range: [0, 1], weights: 'i8' },
    { name: 'conv stack 24x24 6ch 3 layers i8', bytes: () => convStack(24, 6, 3, 43), range: [0, 1], weights: 'i8' },
    { name: 'conv stack 16x16 12ch 2 layers 5x5 i8', bytes: () => convStack(16, 12, 2, 44, 5), range: [0, 1], weights: 'i8' },
    { name: 'conv stack 32x32 10ch 2 layers 5x5 i8', bytes: () => convStack(32, 10, 2, 45, 5), range: [0, 1], weights: 'i8' },
    // data contracts: parts streamed into the arena (pairs for i8, rows for i16)
    { name: 'mlp 300-128-10 data i8', bytes: () => mlp([300, 128, 10], { batch: 1, seed: 36 }), range: [0, 1], weights: 'i8', layout: 'data' },
    { name: 'mlp 500-96-48-10 data i8', bytes: () => mlp([500, 96, 48, 10], { batch: 1, seed: 37 }), range: [0, 1], weights: 'i8', layout: 'data' },
    { name: 'mlp 200-64-10 data i16', bytes: () => mlp([200, 64, 10], { batch: 1, seed: 38 }), range: [0, 1], layout: 'data' },
    { name: 'mlp 400-48-10 data i16', bytes: () => mlp([400, 48, 10], { batch: 1, seed: 39 }), range: [-1, 1], layout: 'data' },
    { name: 'mlp 64-40-10 data i16', bytes: () => mlp([64, 40, 10], { batch: 1, seed: 41 }), range: [0, 1], layout: 'data' },
    { name: 'mlp 128-96-10 data i16', bytes: () => mlp([128, 96, 10], { batch: 1, seed: 42 }), range: [0, 1], layout: 'data' },
    { name: 'mlp 784-160-10 data i8', bytes: () => mlp([784, 160, 10], { batch: 1, seed: 40 }), range: [0, 1], weights: 'i8', layout: 'data' },
    { name: 'forest 6 trees depth 3', bytes: () => forest({ trees: 6, depth: 3, seed: 21 }), range: [-6, 6] },
    { name: 'forest 15 trees depth 6', bytes: () => forest({ trees: 15, depth: 6, seed: 22 }), range: [-6, 6] },
    { name: 'forest 30 trees depth 4', bytes: () => forest({ trees: 30, depth: 4, seed: 23 }), range: [-6, 6] },
  ];
  const dir = path.join(CORPUS, 'skl2onnx', 'tests-80597179');
  if (fs.existsSync(dir)) {
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.onnx')).sort()) out.push({ name: f.replace('.model.onnx', ''), bytes: () => fs.readFileSync(path.join(dir, f)) });
  }
  return out;
}

function planOf(m: CalModel): { plan: Plan; bytes: Uint8Array } | null {
  const bytes = m.bytes();
  try {
    const graph = loadGraph(bytes, { file: m.name });
    const boxes = m.range
      ? new Map(graph.inputs.map((i) => {
          const n = i.shape.reduce((a, b) => a * b, 1);
          return [i.id, { lo: new Float64Array(n).fill(m.range![0]), hi: new Float64Array(n).fill(m.range![1]), source: 'declared' as const }];
        }))
      : testBoxes(graph, m.name);
    return { plan: planQuantisation(graph, { boxes, ...(m.weights ? { weights: m.weights } : {}) }), bytes };
  } catch {
    return null;
  }
}

async function profileModel(m: CalModel, optimize: Optimize | undefined, work: string): Promise<Sample[]> {
  const got = planOf(m);
  if (!got) return [];
  const { plan, bytes } = got;
  const dir = path.join(work, `${m.name.replace(/[^a-z0-9]+/gi, '-')}-${optimize ?? 'default'}`.toLowerCase());
  const prepared = { file: `${m.name}.onnx`, bytes, graph: plan.graph, plan, calibration: null, boxNote: '' };
  let gen;
  try {
    gen = generateCrate(prepared, { template: 'minimal', optimize, crateDir: dir, vectors: 8, layout: m.layout });
  } catch {
    return [];
  }
  writeCrate(dir, gen.files, { force: true });
  const built = buildCrate(dir, {});
  if (!built.valid || !built.names) return [];
  const wasm = new Uint8Array(fs.readFileSync(built.wasm));
  const names = namesFromJson(fs.readFileSync(built.names, 'utf8'));
  const codes = new Map((gen.manifest.layout?.parts ?? []).filter((p) => p.kind === 'data').map((p) => [p.address!.toLowerCase(), gen.files.get(p.file!) as Uint8Array]));
  const profiler = await createProfiler(wasm, { names, codes });
  const lowering = loweringFor(optimize);
  const rs = generateModelRs(plan, lowering, { tool: 'stylus-ml', source: 'calibrate', sha256: '' }, layoutHomes(plan, m.layout ?? 'single').homes);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'stylus-ml.json'), 'utf8')) as Manifest;
  const samples: Sample[] = [];
  const cases = boxSamples(plan, 4);
  for (const q of cases) {
    const data = hexToBytes(encodeModelCall(manifest, 'predict', q) as Hex);
    const prof = profiler.profile(data);
    if (prof.status !== 'success') continue;
    const values = runFixed(plan, new Map(plan.graph.inputs.map((inp, i) => [inp.id, Float64Array.from(q[i])])));
    let layerInk = 0;
    plan.nodes.forEach((qn, index) => {
      const fn = rs.layers[index].fn;
      const hits = prof.functions.filter((f) => f.name !== null && new RegExp(`(^|::)${fn}($|::)`).test(f.name));
      if (hits.length === 0) return;
      const ink = hits.reduce((a, f) => a + Number(f.selfInk - f.hostioInk), 0);
      const treeInputs = qn.node.op.op === 'trees' ? [values.get(qn.node.inputs[0])!] : [];
      const home = rs.homes.get(index) ?? (/row pairs/.test(rs.decisions[fn] ?? '') ? ({ kind: 'program' } as const) : undefined);
      const units = layerUnits(plan, index, treeInputs, home);
      samples.push({ kernel: kernelKey(qn, rs.decisions[fn]), units, visits: units.visits.typical, ink, model: m.name });
      layerInk += ink;
    });
    // everything else is the entrypoint's ABI work (hostios excluded: call.ts prices them)
    const inputs = manifest.inputs.reduce((a, i) => a + i.shape.reduce((x, y) => x * y, 1), 0);
    const outputs = manifest.outputs.reduce((a, o) => a + o.shape.reduce((x, y) => x * y, 1), 0);
    const rest = Number(prof.inkUsed) - Number(prof.hostioInk) - layerInk;
    samples.push({ kernel: 'abi:predict', units: { macs: 0, outputs, inputs, inner: 0, copies: 0, visits: { min: 0, typical: 0, max: 0 }, trees: 0, taps: 0, groups: 0 }, visits: 0, ink: rest, model: m.name });
  }
  return samples;
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-calibrate-'));
  const all: Sample[] = [];
  // --only REGEX: calibrate the kernels these models exercise (paste only those kernels' lines)
  const only = process.argv.indexOf('--only');
  const filter = only > 0 ? new RegExp(process.argv[only + 1]) : null;
  for (const m of calibrationModels().filter((x) => !filter || filter.test(x.name))) {
    for (const optimize of [undefined, 'gas', 'size'] as const) {
      try {
        const s = await profileModel(m, optimize, work);
        all.push(...s);
        process.stderr.write(`${m.name} ${optimize ?? 'default'}: ${s.length} samples\n`);
      } catch (e) {
        process.stderr.write(`${m.name} ${optimize ?? 'default'}: skipped (${(e as Error).message.split('\n')[0]})\n`);
      }
    }
  }
  const out = process.argv.indexOf('--json');
  if (out > 0) fs.writeFileSync(process.argv[out + 1], JSON.stringify(all, null, 1));
  const kernels = [...new Set(all.map((s) => s.kernel))].sort();
  const lines: string[] = [];
  for (const kernel of kernels) {
    const rows = all.filter((s) => s.kernel === kernel);
    const cols = kernel.startsWith('abi:') ? ['fixed', 'input', 'output'] : columnsFor(kernel);
    const coef = fit(rows.map((r) => unitRow(r.units, r.visits)), rows.map((r) => r.ink), cols);
    const pred = rows.map((r) => UNIT_COLS.reduce((a, c) => a + (coef[c] ?? 0) * unitRow(r.units, r.visits)[c], 0));
    const worst = Math.max(...rows.map((r, i) => Math.abs(pred[i] - r.ink) / Math.max(r.ink, 1)));
    const body = Object.entries(coef).filter(([, v]) => v > 0).map(([c, v]) => `${c}: ${v}`).join(', ');
    lines.push(`  '${kernel}': k({ ${body} }), // ${rows.length} samples from ${new Set(rows.map((r) => r.model)).size} models, worst fit ${(worst * 100).toFixed(1)}%`);
  }
  console.log(lines.join('\n'));
  fs.rmSync(work, { recursive: true, force: true });
}

void main();
