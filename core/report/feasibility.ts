// The feasibility report as markdown with two SVG charts: Stylus against the EVM per model, the ratios,
// the break-even, what caching the program changes, and the dense-layer ink per multiply-accumulate
// against the straight-line lower bound of the ink table.
import type { FeasibilityResult, FeasibilityRow } from '../bench/feasibility';
import type { ScaleResult } from '../bench/scale';
import { logLogChart } from './svg-chart';

/** Ink of one straight-line multiply-add with a constant weight: local.get (75) + i32.load at a constant offset (670) + i32.const (1) + i32.mul (160) + i32.add (70). */
export const MAC_INK_BOUND = 976;

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const ratio = (r: FeasibilityRow) => (r.evm ? r.evm.executionGas / r.stylus.executionGas : null);

/** The least-squares line y = a + b·x. */
function line(points: [number, number][]): { a: number; b: number } {
  const mx = points.reduce((s, p) => s + p[0], 0) / points.length;
  const my = points.reduce((s, p) => s + p[1], 0) / points.length;
  const sxx = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  const b = sxx === 0 ? 0 : points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0) / sxx;
  return { a: my - b * mx, b };
}

export interface BreakEven {
  /** where the fitted lines cross (multiply-accumulates for dense models); null when one side always wins */
  macs: number | null;
  stylus: { a: number; b: number };
  evm: { a: number; b: number };
}

/** Break-even of total transaction gas over the dense models (cost ≈ a + b·MACs on each side). */
export function breakEven(rows: FeasibilityRow[], cached = false): BreakEven | null {
  const dense = rows.filter((r) => r.macs > 0 && r.evm);
  if (dense.length < 2) return null;
  const stylus = line(dense.map((r) => [r.macs, cached ? r.stylus.totalTxGas - r.stylus.executionGas + r.stylus.cachedExecutionGas : r.stylus.totalTxGas]));
  const evm = line(dense.map((r) => [r.macs, r.evm!.totalTxGas]));
  const x = evm.b === stylus.b ? null : (stylus.a - evm.a) / (evm.b - stylus.b);
  return { macs: x !== null && x > 0 ? x : x !== null && x <= 0 ? 0 : null, stylus, evm };
}

export function feasibilityCharts(res: FeasibilityResult): { gasVsParams: string; execVsMacs: string } {
  const rows = res.rows;
  const gasVsParams = logLogChart({
    title: 'predict transaction gas vs model parameters',
    xLabel: 'parameters (weights, tree nodes and leaves)',
    yLabel: 'total transaction gas',
    series: [
      { name: 'Stylus', color: '#1f77b4', points: rows.map((r) => ({ x: r.params, y: r.stylus.totalTxGas, label: r.model })) },
      { name: 'Stylus, packed input', color: '#17becf', points: rows.map((r) => ({ x: r.params, y: r.stylus.packedTxGas, label: r.model })) },
      { name: 'EVM (Solidity)', color: '#d62728', points: rows.filter((r) => r.evm).map((r) => ({ x: r.params, y: r.evm!.totalTxGas, label: r.model })) },
    ],
  });
  const dense = rows.filter((r) => r.macs > 0);
  const execVsMacs = logLogChart({
    title: 'execution gas vs multiply-accumulates (dense models)',
    xLabel: 'multiply-accumulates per predict',
    yLabel: 'execution gas',
    series: [
      { name: 'Stylus', color: '#1f77b4', points: dense.map((r) => ({ x: r.macs, y: r.stylus.executionGas, label: r.model })) },
      { name: 'Stylus, cached', color: '#2ca02c', points: dense.map((r) => ({ x: r.macs, y: r.stylus.cachedExecutionGas, label: r.model })) },
      { name: 'EVM (Solidity)', color: '#d62728', points: dense.filter((r) => r.evm).map((r) => ({ x: r.macs, y: r.evm!.executionGas, label: r.model })) },
    ],
  });
  return { gasVsParams, execVsMacs };
}

export function feasibilityMarkdown(res: FeasibilityResult, charts: { gasVsParams: string; execVsMacs: string }): string {
  const rows = res.rows;
  const out: string[] = [];
  out.push('# Stylus ML feasibility report', '');
  out.push(`Each model is generated as a Stylus program (minimal template, default lowering, compiled with rustc to wasm32) and as an EVM baseline (Solidity from the same integer plan, solc), deployed to the embedded devnode (ArbOS ${res.arbosVersion}) and measured the same way: \`eth_estimateGas\` of \`predict(int32[])\` on ${res.inputs} inputs of the declared box, split into the intrinsic 21,000 + calldata gas and the execution gas beyond them. Both return the same outputs (test/integration/baseline-evm.test.ts).`, '');
  out.push('| model | params | MACs | Stylus exec gas | Stylus tx gas | packed tx gas | batch tx gas / case | EVM exec gas | EVM tx gas | exec ratio EVM/Stylus | tx ratio | Stylus bytes | EVM bytes | estimate error |');
  out.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of rows) {
    const x = ratio(r);
    out.push(`| ${r.model} | ${n(r.params)} | ${n(r.macs)} | ${n(r.stylus.executionGas)} | ${n(r.stylus.totalTxGas)} | ${n(r.stylus.packedTxGas)} | ${n(r.stylus.batch.txGasPerCase)} (${r.stylus.batch.cases}) | ${r.evm ? n(r.evm.executionGas) : 'n/a'} | ${r.evm ? n(r.evm.totalTxGas) : 'n/a'} | ${x ? `${x.toFixed(1)}×` : 'n/a'} | ${r.evm ? `${(r.evm.totalTxGas / r.stylus.totalTxGas).toFixed(2)}×` : 'n/a'} | ${n(r.stylus.compressedBytes)} | ${r.evm ? n(r.evm.codeBytes) : 'n/a'} | ${(r.estimate.error * 100).toFixed(2)}% |`);
  }
  out.push('', '![predict transaction gas vs parameters](gas-vs-params.svg)', '', '![execution gas vs multiply-accumulates](exec-vs-macs.svg)', '');
  out.push('## What the numbers say', '');
  const big = rows.filter((r) => r.macs >= 20_000 && r.evm);
  if (big.length) out.push(`- Models of at least 20,000 multiply-accumulates: EVM/Stylus execution-gas ratio ${big.map((r) => `${ratio(r)!.toFixed(1)}× (${r.model})`).join(', ')}.`);
  const small = rows.filter((r) => r.macs < 20_000 && r.evm);
  if (small.length) out.push(`- Smaller models and trees: ${small.map((r) => `${r.model} ${ratio(r)!.toFixed(1)}×`).join(', ')} (execution gas); a Stylus call pays the program's init (MinInitGas·128 + the init cost of its wasm, ${n(Math.min(...rows.map((r) => r.stylus.initGas)))}–${n(Math.max(...rows.map((r) => r.stylus.initGas)))} gas on these programs) before any arithmetic.`);
  const be = breakEven(rows);
  const beCached = breakEven(rows, true);
  if (be) out.push(`- Break-even (total transaction gas, lines fitted over the dense models): Stylus ≈ ${n(be.stylus.a)} + ${be.stylus.b.toFixed(2)}·MAC, EVM ≈ ${n(be.evm.a)} + ${be.evm.b.toFixed(2)}·MAC; Stylus is cheaper from ${be.macs === null ? 'never' : `about ${n(be.macs)} multiply-accumulates`}${beCached ? `, and from about ${n(beCached.macs ?? 0)} if the program is cached (ArbWasmCache: the cached init cost replaces the full one, saving ${n(mean(rows.map((r) => r.stylus.executionGas - r.stylus.cachedExecutionGas)))} gas per call on these programs)` : ''}.`);
  const trees = rows.filter((r) => r.kind === 'trees' && r.evm);
  if (trees.length) out.push(`- Trees: ${trees.map((r) => `${r.model}: Stylus ${n(r.stylus.totalTxGas)} vs EVM ${n(r.evm!.totalTxGas)} tx gas`).join('; ')}.`);
  const digits = rows.find((r) => r.model.startsWith('mlp 64-32-10'));
  if (digits) out.push(`- The 64→32→10 MLP on 8×8 digits: ${n(digits.stylus.totalTxGas)} tx gas with predict(int32[]), ${n(digits.stylus.packedTxGas)} with predictPacked(bytes) — the calldata encoding is most of the difference (int32 words are 32 bytes each) — and ${n(digits.stylus.batch.txGasPerCase)} per case with ${digits.stylus.batch.cases} cases in one predictBatch(bytes) call, which pays the 21,000 intrinsic gas and the program's init once.`);
  out.push(`- Estimate error: the analytical estimate of execution gas is within ${(Math.max(...rows.map((r) => Math.abs(r.estimate.error))) * 100).toFixed(2)}% of the measurement on every model.`);
  if (res.lowerings.length) {
    out.push('', '## Ink per multiply-accumulate and the size-for-gas trade-off', '');
    out.push(`Lower bound for straight-line code with a constant weight (local.get, load at a constant offset, multiply, add): ${MAC_INK_BOUND} ink per multiply-accumulate.`, '');
    out.push('| model | lowering | ink / MAC | vs bound | tx gas | packed tx gas | batch tx gas / case | compressed bytes |', '|---|---|--:|--:|--:|--:|--:|--:|');
    for (const l of res.lowerings) out.push(`| ${l.model} | ${l.lowering} | ${n(l.inkPerMac)} | ${(l.inkPerMac / MAC_INK_BOUND).toFixed(2)}× | ${n(l.totalTxGas)} | ${n(l.packedTxGas)} | ${n(l.batch.txGasPerCase)} (${l.batch.cases}) | ${n(l.compressedBytes)} |`);
    const best = res.lowerings.reduce((a, b) => (b.packedTxGas < a.packedTxGas ? b : a));
    out.push('', `Cheapest predict transaction: ${n(best.packedTxGas)} gas with \`${best.lowering}\` through predictPacked(bytes). Immediates (\`--optimize gas\`) cut the ink per multiply-accumulate below the data-segment bound — no weight loads — for more code bytes; rolled loops (\`--optimize size\`) save bytes and cost ink.`);
  }
  if (res.scale) out.push(...scaleMarkdown(res.scale));
  out.push('', `Charts: gas-vs-params.svg (${charts.gasVsParams.length} bytes) and exec-vs-macs.svg beside this file.`, '');
  return out.join('\n');
}

/** The real-size models: what they take on chain, what a predict call costs, and the EVM beside it. */
export function scaleMarkdown(s: ScaleResult): string[] {
  const out: string[] = ['', '## Real-size models', ''];
  out.push('Generated with the layout each needs (`--layout`: one program, or data contracts holding the dense weights), built, deployed part by part and called with `predictPacked(bytes)` on handwriting-like 28×28 inputs (i8 weights). Deployment gas counts every transaction (data contracts and program); the EVM baseline is the same integer model in Solidity, measured alike where it can run.', '');
  out.push('| model | params | MACs | layout | parts | program bytes | deployment gas | predict gas | ink / MAC | estimate error | EVM predict gas |', '|---|--:|--:|---|--:|--:|--:|--:|--:|--:|---|');
  for (const r of s.rows) {
    const evm = 'totalTxGas' in r.evm ? n(r.evm.totalTxGas) : r.evm.reason;
    out.push(`| ${r.model} | ${n(r.params)} | ${n(r.macs)} | ${r.layout} | ${r.parts} | ${n(r.compressedBytes)} | ${n(r.deployGas + r.activationGas)} | ${n(r.predictGas)} | ${n(r.inkPerMac)} | ${(r.estimate.error * 100).toFixed(2)}% | ${evm} |`);
  }
  if (s.largest.length) {
    out.push('', 'The largest 784→H→10 i8 MLP each layout fits in one transaction (estimator, 32M gas cap):', '', '| layout | H | params | what stops a larger one |', '|---|--:|--:|---|');
    for (const l of s.largest) out.push(`| ${l.layout} | ${n(l.hidden)} | ${n(l.params)} | ${l.limit} |`);
  }
  return out;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
