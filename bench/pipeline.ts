// Issue 2 benchmark: inspect + simulate latency for a 100k-parameter MLP and a 100-tree forest
// (target: under 1 s each, end to end through the CLI), plus simulator throughput.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { forest, mlp } from '../test/fixtures/onnx-builder';
import { runCli } from '../test/fixtures/cli';
import { loadGraph } from '../core/onnx/import';
import { planQuantisation } from '../core/quant/plan';
import { quantizeInputs, runFixed } from '../core/quant/simulate';
import { parseInputRange } from '../core/quant/box';
import { sizeOf } from '../core/ir/graph';
import type { BenchResult } from './types';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeCli(args: string[], runs = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = await runCli(args);
    if (r.code !== 0) throw new Error(`stylus-ml ${args.join(' ')} failed: ${r.stderr}`);
    times.push(performance.now() - t);
  }
  return median(times);
}

export async function benchPipeline(): Promise<BenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-bench-'));
  const models = {
    // 256·256 + 256·128 + 128·128 + 128·10 weights + biases ≈ 115k parameters
    'MLP 256-256-128-128-10': { bytes: mlp([256, 256, 128, 128, 10], { seed: 5 }), features: 256, range: '-1:1' },
    'forest 100 trees depth 8': { bytes: forest({ trees: 100, depth: 8, features: 16, classes: 3, seed: 6 }), features: 16, range: '-6:6' },
  };
  const rows: BenchResult['rows'] = [];
  for (const [name, m] of Object.entries(models)) {
    const file = path.join(dir, `${name.replace(/\W+/g, '_')}.onnx`);
    fs.writeFileSync(file, m.bytes);
    const input = path.join(dir, 'input.json');
    fs.writeFileSync(input, JSON.stringify(Array.from({ length: m.features }, (_, i) => Math.sin(i) * 0.9)));
    const g = loadGraph(m.bytes, { file });
    const params = g.nodes.reduce((a, n) => a + (n.op.op === 'matmul' ? n.op.W.length + (n.op.bias?.length ?? 0) : n.op.op === 'trees' ? n.op.trees.reduce((b, t) => b + t.nodes.length + t.leaves.length * 3, 0) : 0), 0);
    const inspectMs = await timeCli(['inspect', file, '--json']);
    const simulateMs = await timeCli(['simulate', file, '--input', input, '--input-range', m.range, '--json']);
    // in process: plan once, then the simulator alone over 10,000 inputs
    const t0 = performance.now();
    const plan = planQuantisation(g, { boxes: parseInputRange(m.range, g) });
    const planMs = performance.now() - t0;
    const inp = g.inputs[0];
    const n = sizeOf(inp.shape);
    const cases = Array.from({ length: 10000 }, (_, k) => new Map([[inp.id, Float64Array.from({ length: n }, (_, i) => Math.sin(i * 7 + k) * 0.9)]]));
    const t1 = performance.now();
    for (const c of cases) runFixed(plan, quantizeInputs(plan, c));
    const simMs = performance.now() - t1;
    rows.push({ name, params, inspectMs, simulateMs, planMs, sim10kMs: simMs, target: 1000 });
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    title: 'Model pipeline latency (CLI end to end, median of 5 runs; target < 1,000 ms each)',
    columns: ['name', 'params', 'inspectMs', 'simulateMs', 'planMs', 'sim10kMs'],
    rows,
    verdict: rows.every((r) => (r.inspectMs as number) < 1000 && (r.simulateMs as number) < 1000) ? 'meets target' : 'MISSES target',
  };
}
