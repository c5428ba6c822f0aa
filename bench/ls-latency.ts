// Language-server latency: time from a didChange to the diagnostics of that version, over IPC against
// the bundled server (debounce 0, so the figure is analysis + transport), in a 5,000-line Rust file;
// plus the worst case of a generated model.rs whose 784x64 layer must be re-proven exactly after a
// weight edit. Server memory from /proc. Figures only (target p95 < 150 ms), nothing asserted.
//
// Run alone: node --import tsx bench/ls-latency.ts

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateCrate } from '../core/codegen/generate';
import { writeCrate } from '../core/codegen/write';
import { validateManifest } from '../core/manifest/file';
import { mlp } from '../core/onnx/builder';
import { prepareModel } from '../core/pipeline';
import { fileUri, LspClient } from '../test/protocol/ls-client';
import type { BenchResult } from './types';

/**
 * A crate `stylus-ml new` writes for an MLP of these sizes (default lowering: weights in data, rows
 * unrolled in chunks of 128), with inputs in [0, 1] as for MNIST pixels. Returns model.rs.
 */
export function generatedMlpCrate(dir: string, sizes: number[]): string {
  const file = path.join(dir, 'model.onnx');
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, mlp(sizes, { seed: 7, batch: 1 }));
  const crateDir = path.join(dir, 'crate');
  const crate = generateCrate(prepareModel(file, { inputRange: '0:1' }), { template: 'minimal', crateDir, vectors: 16 });
  writeCrate(crateDir, crate.files);
  return readFileSync(path.join(crateDir, 'core', 'src', 'model.rs'), 'utf8');
}

function rng(seed: number) {
  let s = seed;
  return (m: number) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % m;
  };
}

/** A 5,000-line file in the style of hand-written fixed-point code: tables, layers, helpers. */
export function genericFile(lines = 5000): string {
  const r = rng(11);
  const out: string[] = ['// bench: generic fixed-point Rust', ''];
  for (let k = 0; out.length < lines - 24; k++) {
    const w = Array.from({ length: 64 }, () => r(255) - 127);
    out.push(`/// layer ${k}: 64 inputs, Q0.7 weights`);
    out.push(`pub const W_${k}: [i8; 64] = [`);
    for (let i = 0; i < 64; i += 16) out.push(`    ${w.slice(i, i + 16).join(', ')},`);
    out.push('];');
    out.push(`pub fn layer_${k}(x: &[i16; 64]) -> i16 {`);
    out.push('    let mut acc: i64 = 0;');
    out.push('    for i in 0..64 {');
    out.push(`        acc += (x[i] as i64) * (W_${k}[i] as i64);`);
    out.push('    }');
    out.push('    let y = (acc + (1 << 6)) >> 7;');
    out.push('    let z = y.clamp(-32768, 32767) as i16;');
    out.push('    if z > 1000 {');
    out.push('        return z / 2;');
    out.push('    }');
    out.push('    z');
    out.push('}');
    out.push('');
    out.push(`pub fn helper_${k}(a: i32, b: i32) -> i32 {`);
    out.push('    let s = a.clamp(-1000, 1000) * b.clamp(-1000, 1000);');
    out.push('    s >> 3');
    out.push('}');
    out.push('');
  }
  while (out.length < lines) out.push('');
  return out.join('\n');
}

/**
 * A model.rs for an MLP 784-64-10 in core/codegen's default lowering (static [[i16; K]; N] tables,
 * multiply-adds written out in chunks of 128 inputs, `rescale` + `sat_i16`) and its manifest (exact
 * interval bounds computed here, as the quantiser would).
 */
export function mlpCrate(dir: string): string {
  const r = rng(5);
  const dims = [784, 64, 10];
  const chunk = 128;
  const lines: string[] = ['use crate::fixed::{rescale, sat_i16};', ''];
  const layers: unknown[] = [];
  let range: [number, number] = [-4096, 4096];
  for (let l = 0; l < dims.length - 1; l++) {
    const K = dims[l];
    const N = dims[l + 1];
    const fn = `layer_${l}_fc${l + 1}`;
    const W = Array.from({ length: N * K }, () => r(41) - 20);
    const B = Array.from({ length: N }, () => r(2001) - 1000);
    const wName = `${fn.toUpperCase()}_W`;
    const bName = `${fn.toUpperCase()}_B`;
    lines.push('#[rustfmt::skip]', `static ${wName}: [[i16; ${K}]; ${N}] = [`);
    for (let n = 0; n < N; n++) {
      lines.push('    [');
      for (let k = 0; k < K; k += 16) lines.push(`        ${W.slice(n * K + k, n * K + Math.min(K, k + 16)).join(', ')},`);
      lines.push('    ],');
    }
    lines.push('];', '#[rustfmt::skip]', `static ${bName}: [i64; ${N}] = [`, `    ${B.join(', ')},`, '];', '');
    const start = lines.length + 1;
    lines.push(`pub fn ${fn}(x: &[i16; ${K}], y: &mut [i16; ${N}]) {`);
    if (K <= chunk) {
      lines.push(`    for n in 0..${N} {`, `        let w = &${wName}[n];`, `        let mut acc: i64 = ${bName}[n];`);
      for (let k = 0; k < K; k++) lines.push(`        acc += x[${k}] as i64 * w[${k}] as i64;`);
      lines.push('        y[n] = sat_i16(rescale(acc, 12));', '    }');
    } else {
      lines.push(`    let mut acc = [0i64; ${N}];`, `    for n in 0..${N} {`, `        acc[n] = ${bName}[n];`, '    }');
      for (let k0 = 0; k0 < K; k0 += chunk) {
        lines.push(`    // inputs ${k0}..${Math.min(K, k0 + chunk)}`, `    for n in 0..${N} {`, `        let w = &${wName}[n];`, '        let mut a = acc[n];');
        for (let k = k0; k < Math.min(K, k0 + chunk); k++) lines.push(`        a += x[${k}] as i64 * w[${k}] as i64;`);
        lines.push('        acc[n] = a;', '    }');
      }
      lines.push(`    for n in 0..${N} {`, '        y[n] = sat_i16(rescale(acc[n], 12));', '    }');
    }
    lines.push('}', '');
    let lo = Infinity;
    let hi = -Infinity;
    for (let n = 0; n < N; n++) {
      let a = B[n];
      let b = B[n];
      for (let k = 0; k < K; k++) {
        const w = W[n * K + k];
        a += Math.min(w * range[0], w * range[1]);
        b += Math.max(w * range[0], w * range[1]);
      }
      lo = Math.min(lo, Math.floor((a + 2048) / 4096));
      hi = Math.max(hi, Math.floor((b + 2048) / 4096));
    }
    const gas = Number((N * K * 0.12).toFixed(1));
    layers.push({
      index: l,
      name: `fc${l + 1}`,
      fn,
      op: 'matmul',
      onnxOp: 'Gemm',
      inputShapes: [[1, K]],
      outputShape: [1, N],
      params: N * K + N,
      macs: N * K,
      inputFormats: [{ storage: 'i16', fracBits: 10 }],
      outputFormat: { storage: 'i16', fracBits: 10 },
      weightFormat: { storage: 'i16', fracBits: 12 },
      interval: [lo / 1024, hi / 1024],
      qInterval: [lo, hi],
      accumulator: 'i64',
      shift: 12,
      lines: [start, lines.length - 1],
      ink: { min: gas * 9000, typical: gas * 10000, max: gas * 12000 },
      gas: { min: gas * 0.9, typical: gas, max: gas * 1.2 },
    });
    range = [Math.max(lo, -32768), Math.min(hi, 32767)];
  }
  const manifest = {
    schema: 1,
    tool: { name: 'stylus-ml', version: '0.1.0' },
    model: { path: 'mlp.onnx', sha256: '0'.repeat(64), producer: 'bench', opsets: { '': 13 } },
    template: 'minimal',
    options: { activations: 'i16', weights: 'i16', accumulator: 'i64', inputPolicy: 'revert' },
    box: { source: 'bench', note: '' },
    inputs: [{ name: 'x', shape: [1, 784], storage: 'i16', fracBits: 10, range: [-4, 4], kind: 'real', onnxType: 'float32', box: { lo: new Array(784).fill(-4), hi: new Array(784).fill(4) } }],
    outputs: [{ name: 'y', shape: [1, 10], storage: 'i16', fracBits: 10, range: [range[0] / 1024, range[1] / 1024], kind: 'real', errorBound: null, errorBoundOnGrid: null }],
    layers,
    totals: { params: 0, macs: 0, estimatedGas: null, codeSize: null },
    modelHash: `0x${'0'.repeat(64)}`,
    selectors: {},
    files: { modelRs: 'src/model.rs', fixedRs: 'src/fixed.rs', abiRs: 'src/abi.rs', contract: 'src/lib.rs', golden: 'tests/golden.txt', solidity: 'IModel.sol', abiJson: 'abi.json', generated: ['src/model.rs'] },
    lowering: { weights: 'data', dense: 'unrolled', chunk: chunk, trees: 'auto', optLevel: 's', layers: {} },
    contract: { label: null, inputCount: 784, outputCount: 10, packedInputBytes: 1568, packedOutputBytes: 20, goldenVectors: 0 },
    notes: [],
  };
  // a valid manifest, or the check would run without it (the language server reports it unreadable)
  validateManifest(JSON.parse(JSON.stringify(manifest)), 'bench manifest');
  const src = path.join(dir, 'src');
  mkdirSync(src, { recursive: true });
  writeFileSync(path.join(dir, 'stylus-ml.json'), JSON.stringify(manifest, null, 1));
  writeFileSync(path.join(src, 'fixed.rs'), readFileSync(path.join(__dirname, '..', 'stylus-templates', 'runtime', 'src', 'fixed.rs'), 'utf8'));
  const model = lines.join('\n') + '\n';
  writeFileSync(path.join(src, 'model.rs'), model);
  return model;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function memKiB(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number {
  if (!pid || !existsSync(`/proc/${pid}/status`)) return NaN;
  const m = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

interface Scenario {
  name: string;
  text: string;
  uri: string;
  /** produces the i-th edit: a ranged change on the current text */
  edit: (i: number, text: string) => { start: number; end: number; text: string };
}

async function run(c: LspClient, sc: Scenario, edits: number) {
  const open0 = performance.now();
  await c.open(sc.uri, sc.text);
  const openMs = performance.now() - open0;
  let text = sc.text;
  const wall: number[] = [];
  const analysis: number[] = [];
  for (let i = 0; i < edits; i++) {
    const e = sc.edit(i, text);
    const pos = (o: number) => {
      const before = text.slice(0, o);
      const line = before.split('\n').length - 1;
      return { line, character: o - (before.lastIndexOf('\n') + 1) };
    };
    const change = { range: { start: pos(e.start), end: pos(e.end) }, text: e.text };
    text = text.slice(0, e.start) + e.text + text.slice(e.end);
    const t0 = performance.now();
    await c.change(sc.uri, i + 2, [change], false);
    const v = await c.waitValidated(sc.uri, i + 2, 60_000);
    wall.push(performance.now() - t0);
    analysis.push(v.ms);
  }
  return { openMs, wall, analysis, lines: sc.text.split('\n').length };
}

export async function benchLsLatency(): Promise<BenchResult[]> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'ls-bench-'));
  const c = await LspClient.start({ initializationOptions: { diagnostics: { debounceMs: 0 } } });
  try {
    const generic = genericFile();
    const r = rng(3);
    const scenarios: Scenario[] = [
      {
        name: 'generic 5,000 lines: typing in a function body',
        text: generic,
        uri: fileUri(path.join(tmp, 'generic.rs')),
        edit: (i, t) => {
          // alternately break and repair a product somewhere in the file
          const at = t.indexOf('a.clamp(-1000, 1000)', Math.floor((r(1000) / 1000) * (t.length - 200)));
          const k = at >= 0 ? at : t.indexOf('a.clamp(-1000, 1000)');
          return i % 2 === 0 ? { start: k + 8, end: k + 13, text: '-100000' } : { start: k, end: k + 20, text: 'a.clamp(-1000, 1000)' };
        },
      },
      {
        name: 'generic 5,000 lines: editing a weight table',
        text: generic,
        uri: fileUri(path.join(tmp, 'generic2.rs')),
        edit: (i, t) => {
          const at = t.indexOf('pub const W_', Math.floor((r(1000) / 1000) * (t.length - 400)));
          const k = t.indexOf('[\n    ', at >= 0 ? at : 0) + 6;
          const end = t.indexOf(',', k);
          return { start: k, end, text: String((i % 200) - 100) };
        },
      },
      {
        name: 'generic 5,000 lines: a new line at the top',
        text: generic,
        uri: fileUri(path.join(tmp, 'generic3.rs')),
        edit: (i) => ({ start: 0, end: 0, text: `// note ${i}\n` }),
      },
    ];
    const crateDir = path.join(tmp, 'mlp');
    const model = mlpCrate(crateDir);
    scenarios.push({
      name: `generated model.rs (${model.split('\n').length} lines, MLP 784-64-10): weight edit, layer re-proven exactly`,
      text: model,
      uri: fileUri(path.join(crateDir, 'src', 'model.rs')),
      edit: (i, t) => {
        const at = t.indexOf('static LAYER_0_FC1_W');
        const k = t.indexOf('\n        ', at + 60 + r(60000)) + 9;
        const end = t.indexOf(',', k);
        return { start: k, end, text: String((i % 50) - 25) };
      },
    });
    // the generator's own crates: the 784-64-10 MLP above as `stylus-ml new` writes it, and a larger one
    for (const sizes of [
      [784, 64, 10],
      [784, 128, 64, 10],
    ]) {
      const dir = path.join(tmp, `gen-${sizes.join('-')}`);
      const text = generatedMlpCrate(dir, sizes);
      const table = /^static (LAYER_0_\w+_W): /m.exec(text)![1];
      scenarios.push({
        name: `stylus-ml new ${sizes.join('-')} model.rs (${text.split('\n').length} lines, ${(sizes.slice(1).reduce((a, n, i) => a + n * sizes[i], 0) / 1000).toFixed(0)}k weights): weight edit in the first layer`,
        text,
        uri: fileUri(path.join(dir, 'crate', 'core', 'src', 'model.rs')),
        edit: (i, t) => {
          const at = t.indexOf(`static ${table}`);
          const k = t.indexOf('\n        ', at + 60 + r(Math.min(60000, t.length - at - 200))) + 9;
          const lit = /^\s*-?\d+/.exec(t.slice(k))!;
          const s = k + lit[0].length - lit[0].trimStart().length;
          return { start: s, end: k + lit[0].length, text: String((i % 50) - 25) };
        },
      });
    }
    const rows: BenchResult['rows'] = [];
    for (const sc of scenarios) {
      const res = await run(c, sc, 40);
      rows.push({
        scenario: sc.name,
        lines: res.lines,
        'open ms': Math.round(res.openMs),
        'p50 ms': Number(pct(res.wall, 50).toFixed(1)),
        'p95 ms': Number(pct(res.wall, 95).toFixed(1)),
        'max ms': Number(Math.max(...res.wall).toFixed(1)),
        'analysis p50 ms': Number(pct(res.analysis, 50).toFixed(1)),
      });
      await c.conn.sendNotification('textDocument/didClose', { textDocument: { uri: sc.uri } });
    }
    const rss = memKiB(c.proc.pid, 'VmRSS');
    const hwm = memKiB(c.proc.pid, 'VmHWM');
    const genericP95 = Math.max(...rows.slice(0, 3).map((x) => Number(x['p95 ms'])));
    const modelP95 = Math.max(...rows.slice(3).map((x) => Number(x['p95 ms'])));
    return [
      {
        title: 'Language server: diagnostics latency after an edit (IPC, debounce 0, 40 edits each)',
        columns: ['scenario', 'lines', 'open ms', 'p50 ms', 'p95 ms', 'max ms', 'analysis p50 ms'],
        rows,
        notes: [`server memory: RSS ${(rss / 1024).toFixed(0)} MiB, peak ${(hwm / 1024).toFixed(0)} MiB`, 'with the default 250 ms debounce, add 250 ms to what a user waits after the last keystroke'],
        verdict: `generic 5,000-line file: p95 ${genericP95} ms (target < 150 ms) — ${genericP95 < 150 ? 'met' : 'NOT met'}; generated model.rs, worst p95 ${modelP95} ms (target < 150 ms for 784-64-10) ; server RSS ${(rss / 1024).toFixed(0)} MiB (target < 250)`,
      },
    ];
  } finally {
    await c.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchLsLatency()
    .then((rs) => {
      for (const r of rs) {
        console.log(`\n## ${r.title}`);
        console.log(r.columns.join(' | '));
        for (const row of r.rows) console.log(r.columns.map((k) => String(row[k])).join(' | '));
        for (const n of r.notes ?? []) console.log(`  ${n}`);
        if (r.verdict) console.log(`  → ${r.verdict}`);
      }
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
