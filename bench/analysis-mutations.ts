// The overflow analysis' true positives, by mutation: generated crates (stylus-ml new, default lowering)
// get mechanical edits in their first dense layer that introduce an overflow — a widening cast dropped, the
// accumulator narrowed, the rescale shift made smaller, weights raised past the proven range — and each
// mutant counts only when the overflow is real: the checked BigInt reference (core/quant/reference.ts), or
// the same exact integer arithmetic for the narrowed types, overflows on an input of the box (the first
// layer's bounds are attained at the box's corners). Reported: the share `stylus-ml check` flags, and the
// misses by name. Figures, not assertions (target >= 95 %).
//
// Run alone: node --import tsx bench/analysis-mutations.ts

import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkPaths } from '../core/analysis/check';
import { BENCH_MODELS } from '../core/bench/models';
import { planFromManifest } from '../core/cli/crate-model';
import { generateCrate } from '../core/codegen/generate';
import { writeCrate } from '../core/codegen/write';
import { mlp } from '../core/onnx/builder';
import { readManifest } from '../core/manifest/file';
import { prepareModel, type ModelOptions } from '../core/pipeline';
import { runReference } from '../core/quant/reference';
import type { Plan } from '../core/quant/types';
import type { BenchResult } from './types';

const FIXTURES = path.join(__dirname, '..', 'test', 'fixtures', 'calibrated');
const TYPE_MAX: Record<string, bigint> = { i16: 32767n, i32: 2147483647n, i64: 9223372036854775807n };
const NARROWER: Record<string, string> = { i64: 'i32', i32: 'i16' };

interface Mutant {
  model: string;
  family: 'cast dropped' | 'accumulator narrowed' | 'shift reduced' | 'weights raised';
  kind: string;
  /** the edited model.rs */
  text: string;
}

/** The first layer, a dense one: its weights, shift, accumulator and the box of its input, per unit. */
function firstDense(plan: Plan) {
  const qn = plan.nodes[0];
  if (qn.params.op !== 'matmul' || qn.node.op.op !== 'matmul' || qn.node.op.batches * qn.node.op.M !== 1) return null;
  const { K, N } = qn.node.op;
  const x = plan.tensors.get(qn.node.inputs[0])!;
  return { qn, K, N, W: qn.params.W.q, bias: qn.params.bias, shift: qn.params.shift, acc: qn.params.acc, x };
}

/** The corners where unit j's sum is largest and smallest (each input at the bound its weight's sign picks). */
function corners(d: NonNullable<ReturnType<typeof firstDense>>, W: ArrayLike<number>, j: number): Float64Array[] {
  return [true, false].map((up) => Float64Array.from({ length: d.K }, (_, k) => ((W[j * d.K + k] >= 0) === up ? d.x.qhi[k] : d.x.qlo[k])));
}

/** The reference on an edited first layer saturates or wraps on some unit's corner. */
function referenceOverflows(plan: Plan, edit: (p: Plan) => Plan): boolean {
  const d = firstDense(plan)!;
  const edited = edit(plan);
  const W = (edited.nodes[0].params as { W: { q: Int32Array } }).W.q;
  for (let j = 0; j < d.N; j++)
    for (const c of corners(d, W, j)) {
      const v = runReference(edited, new Map([[d.x.id, c]])).violations;
      if (v.some((e) => e.node === d.qn.node.origin.name)) return true;
    }
  return false;
}

function withFirst(plan: Plan, params: object): Plan {
  return { ...plan, nodes: plan.nodes.map((qn, i) => (i === 0 ? { ...qn, params: { ...qn.params, ...params } as typeof qn.params } : qn)) };
}

/** Mutants of one crate whose overflow is real. */
function mutants(name: string, dir: string): Mutant[] {
  const plan = planFromManifest(dir, readManifest(dir));
  const d = firstDense(plan);
  if (!d) return [];
  const text = fs.readFileSync(path.join(dir, 'core', 'src', 'model.rs'), 'utf8');
  const m = readManifest(dir).layers[0];
  const [l0, l1] = m.lines!;
  const lines = text.split('\n');
  const inFn = (edit: (line: string) => string) => lines.map((l, i) => (i + 1 >= l0 && i + 1 <= l1 ? edit(l) : l)).join('\n');
  const out: Mutant[] = [];
  // 1. a widening cast dropped: the product in the storage type, for the columns whose products leave it
  const cols = Array.from({ length: d.K }, (_, k) => {
    let w = 0;
    for (let j = 0; j < d.N; j++) w = Math.max(w, Math.abs(d.W[j * d.K + k]));
    return { k, p: BigInt(w) * BigInt(Math.max(Math.abs(d.x.qlo[k]), Math.abs(d.x.qhi[k]))) };
  })
    .filter((c) => c.p > TYPE_MAX.i16)
    .sort((a, b) => (b.p > a.p ? 1 : -1))
    .slice(0, 3);
  for (const { k } of cols) {
    const re = new RegExp(`^(\\s*)(acc|a) \\+= x\\[${k}\\] as (i64|i32) \\* w\\[${k}\\] as (i64|i32);$`);
    const t = inFn((l) => l.replace(re, `$1$2 += (x[${k}] * w[${k}]) as $3;`));
    if (t !== text) out.push({ model: name, family: 'cast dropped', kind: `cast dropped: x[${k}] * w[${k}] in i16`, text: t });
  }
  // 2. the accumulator narrowed (i64 -> i32, i32 -> i16): real when a partial sum at a corner leaves the type
  const narrow = NARROWER[d.acc];
  if (narrow) {
    const max = TYPE_MAX[narrow];
    let real = false;
    for (let j = 0; j < d.N && !real; j++)
      for (const c of corners(d, d.W, j)) {
        let s = d.bias ? BigInt(d.bias[j]) : 0n;
        if (s > max || s < -max - 1n) real = true;
        for (let k = 0; k < d.K && !real; k++) {
          s += BigInt(d.W[j * d.K + k]) * BigInt(c[k]);
          if (s > max || s < -max - 1n) real = true;
        }
      }
    const w = d.acc;
    const t = inFn((l) =>
      l
        .replace(new RegExp(`as ${w}\\b`, 'g'), `as ${narrow}`)
        .replace(new RegExp(`let mut acc: ${w} = (\\S+);`), `let mut acc: ${narrow} = $1 as ${narrow};`)
        .replace(new RegExp(`\\[0${w}; (\\d+)\\]`), `[0${narrow}; $1]`)
        .replace(/acc\[n\] = ([A-Z0-9_]+\[n\]);/, `acc[n] = $1 as ${narrow};`)
        .replace(/rescale\((acc(?:\[n\])?), /, 'rescale($1 as i64, '),
    );
    if (real && t !== text) out.push({ model: name, family: 'accumulator narrowed', kind: `accumulator narrowed: ${w} -> ${narrow}`, text: t });
  }
  // 3. a smaller rescale shift: the smallest decrease that saturates
  for (let dec = 1; dec <= 8 && d.shift - dec > 0; dec++) {
    if (!referenceOverflows(plan, (p) => withFirst(p, { shift: d.shift - dec }))) continue;
    const t = inFn((l) => l.replace(new RegExp(`rescale\\((acc(?:\\[n\\])?), ${d.shift}\\)`), `rescale($1, ${d.shift - dec})`));
    if (t !== text) out.push({ model: name, family: 'shift reduced', kind: `rescale shift ${d.shift} -> ${d.shift - dec}`, text: t });
    break;
  }
  // 4. weights raised to the storage maximum (the unit with the least headroom, largest gain first) until it saturates
  const y = plan.tensors.get(d.qn.node.outputs[0])!;
  const j = Array.from(y.qhi).reduce((b, v, i) => (v > y.qhi[b] ? i : b), 0);
  const gain = (k: number) => (32767 - d.W[j * d.K + k]) * d.x.qhi[k];
  const order = Array.from({ length: d.K }, (_, k) => k).sort((a, b) => gain(b) - gain(a));
  const raised = new Set<number>();
  for (const k of order) {
    raised.add(k);
    const W = Int32Array.from(d.W, (w, i) => (Math.floor(i / d.K) === j && raised.has(i % d.K) ? 32767 : w));
    if (!referenceOverflows(plan, (p) => withFirst(p, { W: { ...(p.nodes[0].params as { W: object }).W, q: W } }))) continue;
    const decl = lines.findIndex((l) => /^static LAYER_0_\w+_W: /.test(l));
    if (decl < 0) break;
    let seen = -1;
    const edited = lines.map((l, i) =>
      i <= decl
        ? l
        : l.replace(/-?\d+/g, (lit) => {
            if (seen >= (j + 1) * d.K) return lit;
            seen++;
            return Math.floor(seen / d.K) === j && raised.has(seen % d.K) ? '32767' : lit;
          }),
    );
    out.push({ model: name, family: 'weights raised', kind: `${raised.size} weight(s) of unit ${j} raised to 32767`, text: edited.join('\n') });
    break;
  }
  return out;
}

export async function benchAnalysisMutations(): Promise<BenchResult> {
  const tmp = fs.mkdtempSync(path.join(tmpdir(), 'mutations-'));
  try {
    const models: { name: string; file: string; opts: ModelOptions }[] = [];
    for (const b of BENCH_MODELS.filter((x) => /^(linear|mlp)/.test(x.name))) {
      const file = path.join(tmp, `${b.name.replace(/[^a-z0-9]+/gi, '-')}.onnx`);
      fs.writeFileSync(file, b.bytes());
      models.push({ name: b.name, file, opts: { inputRange: b.range } });
    }
    const big = path.join(tmp, 'mlp-784-64-10.onnx');
    fs.writeFileSync(big, mlp([784, 64, 10], { seed: 7, batch: 1 }));
    models.push({ name: 'mlp 784-64-10', file: big, opts: { inputRange: '0:1' } });
    for (const [m, cal] of [
      ['torch-mlp-digits', 'digits'],
      ['sklearn-mlp-digits', 'digits'],
      ['sklearn-logreg-wine', 'wine'],
    ])
      models.push({ name: `${m} (calibrated)`, file: path.join(FIXTURES, `${m}.onnx`), opts: { calibration: path.join(FIXTURES, `${cal}-calibration.json`) } });
    const rows: BenchResult['rows'] = [];
    const misses: string[] = [];
    let total = 0;
    let flagged = 0;
    for (const m of models) {
      const dir = path.join(tmp, m.name.replace(/[^a-z0-9]+/gi, '-'));
      writeCrate(dir, generateCrate(prepareModel(m.file, m.opts), { template: 'minimal', crateDir: dir, vectors: 8 }).files);
      const base = (await checkPaths([dir])).diagnostics.filter((x) => x.severity !== 'information').length;
      const ms = mutants(m.name, dir);
      let hit = 0;
      for (const mu of ms) {
        const copy = path.join(tmp, 'mutant');
        fs.rmSync(copy, { recursive: true, force: true });
        fs.cpSync(dir, copy, { recursive: true });
        fs.writeFileSync(path.join(copy, 'core', 'src', 'model.rs'), mu.text);
        const ds = (await checkPaths([copy])).diagnostics.filter((x) => x.severity !== 'information');
        if (ds.length > 0) hit++;
        else misses.push(`${mu.model}: ${mu.kind}`);
      }
      total += ms.length;
      flagged += hit;
      rows.push({ model: m.name, 'diagnostics unmutated': base, mutants: ms.length, flagged: hit, kinds: [...new Set(ms.map((x) => x.family))].join(', ') });
    }
    const rate = total ? (100 * flagged) / total : 0;
    return {
      title: 'Overflow analysis: mutants of generated crates that truly overflow, and the share stylus-ml check flags',
      columns: ['model', 'diagnostics unmutated', 'mutants', 'flagged', 'kinds'],
      rows,
      notes: [`${flagged} of ${total} mutants flagged (${rate.toFixed(1)} %)`, ...(misses.length ? misses.map((x) => `missed: ${x}`) : ['no misses'])],
      verdict: `detection ${rate.toFixed(1)} % (target >= 95 %) — ${rate >= 95 ? 'met' : 'NOT met'}`,
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchAnalysisMutations()
    .then((r) => {
      console.log(`\n## ${r.title}`);
      console.log(r.columns.join(' | '));
      for (const row of r.rows) console.log(r.columns.map((k) => String(row[k])).join(' | '));
      for (const n of r.notes ?? []) console.log(`  ${n}`);
      if (r.verdict) console.log(`  → ${r.verdict}`);
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
