// `npm run bench [-- name ...]`: runs the benchmark suites, prints their tables and ratios, and records the
// figures in .bench/results.json. Figures, not assertions: nothing here fails on wall-clock time.
import fs from 'node:fs';
import path from 'node:path';
import { benchPipeline } from './pipeline';
import { benchLsLatency } from './ls-latency';
import { benchAnalysisMutations } from './analysis-mutations';
import { benchDevnode } from './devnode';
import { benchSize } from './size';
import { benchBaseline } from './baseline';
import { benchExtension } from './extension';
import { benchScale } from './scale';
import type { BenchResult } from './types';

const suites: Record<string, () => Promise<BenchResult | BenchResult[]>> = {
  pipeline: benchPipeline,
  'ls-latency': benchLsLatency,
  'analysis-mutations': benchAnalysisMutations,
  devnode: benchDevnode,
  size: benchSize,
  baseline: benchBaseline,
  extension: benchExtension,
  scale: benchScale,
};

function fmt(v: string | number): string {
  if (typeof v !== 'number') return v;
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function print(r: BenchResult): void {
  const cells = [r.columns, ...r.rows.map((row) => r.columns.map((c) => fmt(row[c] ?? '')))];
  const widths = r.columns.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  console.log(`\n## ${r.title}`);
  for (const row of cells) console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  for (const n of r.notes ?? []) console.log(`  ${n}`);
  if (r.verdict) console.log(`  → ${r.verdict}`);
}

async function main() {
  // benchmarks time what ships: the bundles `npm run bench` just built
  process.env.STYLUS_ML_TEST_BUNDLE = '1';
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const names = wanted.length ? wanted : Object.keys(suites);
  const out: Record<string, BenchResult[]> = {};
  for (const name of names) {
    const suite = suites[name];
    if (!suite) throw new Error(`unknown bench '${name}'; suites: ${Object.keys(suites).join(', ')}`);
    const r = await suite();
    out[name] = Array.isArray(r) ? r : [r];
    out[name].forEach(print);
  }
  const dir = path.join(__dirname, '..', '.bench');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'results.json');
  const prev = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  fs.writeFileSync(file, JSON.stringify({ ...prev, ...out, recordedAt: new Date().toISOString() }, null, 2));
  console.log(`\nrecorded in ${path.relative(process.cwd(), file)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
