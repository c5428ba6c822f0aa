// Checks core/gas/shape.ts's prediction of a program before any build against real builds: for each model
// and lowering, the predicted wasm and compressed bytes beside the built ones, and per layer function the
// predicted body bytes beside the built function's (from the unstripped module's names).
// Run: node --import tsx bench/fit-size.ts [--only REGEX] [--json OUT] [--builds DIR] [--keep]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadGraph } from '../core/onnx/import';
import { prepareModel } from '../core/pipeline';
import { generateCrate } from '../core/codegen/generate';
import { writeCrate } from '../core/codegen/write';
import { buildCrate } from '../core/build/build';
import type { Optimize } from '../core/codegen/lowering';
import { generateModelRs } from '../core/codegen/model-rs';
import { estimateProgram } from '../core/gas/estimate';
import { decodeModule } from '../core/wasm/decode';
import { layerCode } from '../core/gas/shape';
import { BENCH_MODELS } from '../core/bench/models';
import { CORPUS } from '../test/fixtures/corpus';
import { testBoxes } from '../test/fixtures/boxes';
import { mlp, cnn, forest } from '../test/fixtures/onnx-builder';
import { planQuantisation } from '../core/quant/plan';

interface Row {
  model: string;
  optimize: string;
  wasm: [number, number];
  compressed: [number, number];
  layers: { fn: string; decision: string; predicted: number; built: number | null }[];
  /** the functions that are not layers, largest first */
  others: [string, number][];
}

const args = process.argv.slice(2);
const only = args.includes('--only') ? new RegExp(args[args.indexOf('--only') + 1]) : null;
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : null;
const builds = args.includes('--builds') ? args[args.indexOf('--builds') + 1] : null;
if (builds) fs.mkdirSync(builds, { recursive: true });

const SKL = path.join(CORPUS, 'skl2onnx', 'tests-80597179');
const models: { name: string; bytes: () => Uint8Array; range?: string }[] = [
  ...BENCH_MODELS,
  { name: 'mlp 32-24-12-4', bytes: () => mlp([32, 24, 12, 4], { batch: 1, seed: 3 }), range: '-1:1' },
  { name: 'mlp 16-8-3', bytes: () => mlp([16, 8, 3], { batch: 1, seed: 4 }), range: '-2:2' },
  { name: 'mlp 784-32-10', bytes: () => mlp([784, 32, 10], { batch: 1, seed: 5 }), range: '0:1' },
  { name: 'cnn 12x12 6 filters', bytes: () => cnn({ size: 12, filters: 6, seed: 9 }), range: '0:1' },
  { name: 'forest 6 trees depth 3', bytes: () => forest({ trees: 6, depth: 3, seed: 21 }), range: '-6:6' },
  { name: 'forest 30 trees depth 4', bytes: () => forest({ trees: 30, depth: 4, seed: 23 }), range: '-6:6' },
  ...(fs.existsSync(SKL) ? fs.readdirSync(SKL).filter((f) => /(Tree|Forest|Logit|LinearRegression|Boosting)/.test(f)).sort().map((f) => ({ name: f.replace('.model.onnx', ''), bytes: () => fs.readFileSync(path.join(SKL, f)) })) : []),
];

function prepare(m: (typeof models)[number]) {
  const bytes = m.bytes();
  if (m.range) return prepareModel(`${m.name}.onnx`, { inputRange: m.range }, { bytes, graph: loadGraph(bytes, { file: m.name }) });
  const graph = loadGraph(bytes, { file: m.name });
  return { file: `${m.name}.onnx`, bytes, graph, plan: planQuantisation(graph, { boxes: testBoxes(graph, m.name) }), calibration: null, boxNote: '' };
}

/** The last path segment of a legacy Rust symbol (_ZN 3abi 11admit_words 17h…E → admit_words). */
function demangle(symbol: string): string {
  const parts: string[] = [];
  let rest = symbol.startsWith('_ZN') ? symbol.slice(3) : '';
  for (let m = /^(\d+)/.exec(rest); m; m = /^(\d+)/.exec(rest)) {
    const n = Number(m[1]);
    parts.push(rest.slice(m[1].length, m[1].length + n));
    rest = rest.slice(m[1].length + n);
  }
  const named = parts.filter((p) => !/^h[0-9a-f]{16}$/.test(p));
  return named.length ? named.join('::') : symbol;
}

/** The layer a function belongs to: itself or nested in it (`…::model::layer_0_fc0::outputs_0_8`). */
const layerOf = (k: string) => /::model::([a-z0-9_]+)/.exec(k)?.[1] ?? null;

/** Body bytes of each named function of the built module (its names from the build's names.json). */
function functionSizes(wasmFile: string): Map<string, number> {
  const namesFile = wasmFile.replace(/\.wasm$/, '.names.json');
  const out = new Map<string, number>();
  if (!fs.existsSync(namesFile)) return out;
  const names = JSON.parse(fs.readFileSync(namesFile, 'utf8')) as Record<string, string>;
  const m = decodeModule(new Uint8Array(fs.readFileSync(wasmFile)));
  const imported = m.imports.filter((i) => i.desc.kind === 'func').length;
  m.codes.forEach((c, i) => {
    const name = names[String(imported + i)];
    if (name && c.raw) out.set(demangle(name), c.raw.length);
  });
  return out;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-fit-size-'));
const rows: Row[] = [];
for (const m of models) {
  for (const optimize of [undefined, 'gas', 'size'] as (Optimize | undefined)[]) {
    const label = `${m.name} ${optimize ?? 'default'}`;
    if (only && !only.test(label)) continue;
    let prepared;
    try {
      prepared = prepare(m);
    } catch (e) {
      process.stdout.write(`${label}: not planned (${(e as Error).message.slice(0, 80)})\n`);
      continue;
    }
    const dir = path.join(work, label.replace(/[^a-z0-9]+/gi, '-').toLowerCase());
    let crate;
    try {
      crate = generateCrate(prepared, { template: 'minimal', crateDir: dir, vectors: 4, optimize });
    } catch (e) {
      process.stdout.write(`${label}: not generated (${(e as Error).message.slice(0, 80)})\n`);
      continue;
    }
    // --builds DIR keeps what each build measured, so a change to the prediction is checked without rustc
    const slug = path.basename(dir);
    const saved = builds ? path.join(builds, `${slug}.json`) : null;
    let built: { wasmBytes: number; compressedBytes: number; sizes: [string, number][] };
    if (saved && fs.existsSync(saved)) built = JSON.parse(fs.readFileSync(saved, 'utf8'));
    else {
      writeCrate(dir, crate.files, { force: true });
      const b = buildCrate(dir, { updateManifest: false });
      built = { wasmBytes: b.wasmBytes, compressedBytes: b.compressedBytes, sizes: [...functionSizes(b.wasm)] };
      if (saved) fs.writeFileSync(saved, JSON.stringify(built));
    }
    const { layers: _kernels, ...lowering } = crate.manifest.lowering;
    const rs = generateModelRs(prepared.plan, lowering, { tool: 'stylus-ml', source: 'fit-size', sha256: '' });
    const est = estimateProgram(prepared.plan, lowering, { modelRs: rs });
    const sizes = new Map(built.sizes);
    const fns = prepared.plan.nodes.map((_, i) => rs.layers[i]?.fn ?? `layer_${i}`);
    const layers = prepared.plan.nodes.map((_, i) => ({
      fn: fns[i],
      decision: rs.decisions[fns[i]] ?? '',
      predicted: layerCode(prepared.plan, i, rs.decisions[fns[i]]).bytes,
      built: [...sizes].filter(([k]) => layerOf(k) === fns[i]).reduce<number | null>((a, [, b]) => (a ?? 0) + b, null),
    }));
    const layerFns = new Set(fns);
    const others = [...sizes].filter(([k]) => !layerFns.has(layerOf(k) ?? '')).sort((a, b) => b[1] - a[1]);
    const row: Row = { model: m.name, optimize: optimize ?? 'default', wasm: [est.shape.wasmBytes, built.wasmBytes], compressed: [est.shape.compressedBytes, built.compressedBytes], layers, others };
    rows.push(row);
    const pct = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(1)}%`;
    process.stdout.write(`${label.padEnd(44)} wasm ${row.wasm[0]}/${row.wasm[1]} (${pct(...row.wasm)})  compressed ${row.compressed[0]}/${row.compressed[1]} (${pct(...row.compressed)})\n`);
  }
}
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(rows, null, 1));
if (!args.includes("--keep")) fs.rmSync(work, { recursive: true, force: true });
else process.stdout.write(`crates kept in ${work}\n`);
