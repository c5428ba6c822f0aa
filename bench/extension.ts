// Issue 6 benchmark: the packaged extension in a real VS Code (code-server + Chromium, test/e2e/harness.ts).
// (a) activation: what the extension measures itself (logged by extension/main.ts as "activated in N ms,
//     code loaded in M ms" in its "Stylus ML" output channel, the figures StylusMlApi exports): loading the
//     bundle (from its first statement; what VS Code's Running Extensions view calls load time, less the
//     file read) plus activate(), and the
//     wall time from opening the workspace (with an .onnx file) to the devnode status bar item appearing;
// (b) preview first render of a ~115k-parameter MLP: a click on the .onnx in the Explorer (what a user
//     does) until the webview shows the layer table, and until the slower sections replace the busy
//     indicator. Three cases: the first webview right after a window reload, while the workbench is still
//     starting (VS Code's webview host, whose frame shares the workbench's main thread, reports that time as
//     waiting for its service worker: read from its own perf marks and shown apart); the first webview of a
//     window once the workbench is idle; and reopens in a settled workbench (median);
// (c) the .vsix size from `npm run package` (scripts/package.mjs);
// (d) the graph view's first render (issue 15) for the ONNX zoo's mnist-8 and a 100-node residual MLP,
//     median of 5 opens each: the page's own time from the model's arrival to the laid-out graph in the
//     page (dagre layout + SVG), and a click on the .onnx in the Explorer until the graph's nodes are shown.
// (e) the first render of a 1,068,810-parameter MLP (issue 13: the preview of a model that needs data
//     contracts), click → layer table and → all sections, median of 3 opens.
// Targets: activation < 300 ms, first render < 1 s, graph < 1 s, .vsix < 20 MB. Figures only, no assertions on time.
import { readFileSync, statSync } from 'node:fs';
import { mlp, residual } from '../test/fixtures/onnx-builder';
import { corpusAvailable, corpusFile } from '../test/fixtures/corpus';
import { VSCodeSession, e2eAvailability, makeWorkspace, packageVsix, waitFor } from '../test/e2e/harness';
import type { BenchResult } from './types';

const TARGET = { activationMs: 300, firstRenderMs: 1000, graphMs: 1000, vsixMB: 20 };
const MODEL = 'mlp-100k.onnx';
const REOPENS = 3;
const GRAPH_MODELS = ['mnist-8.onnx', 'residual-100.onnx'];
/** issue 13: a 1,068,810-parameter i8-class MLP (784→1024→256→10), the data-contract layout's model */
const MODEL_1M = 'mlp-1m.onnx';
const GRAPH_RUNS = 5;

/** Every "activated in N ms, code loaded in M ms" the extension logged, in order (one per extension-host start). */
function activations(vs: VSCodeSession): { activateMs: number; loadMs: number }[] {
  return [...vs.logFile('Stylus ML').matchAll(/activated in ([\d.]+) ms, code loaded in ([\d.]+) ms/g)].map((m) => ({
    activateMs: Number(m[1]),
    loadMs: Number(m[2]),
  }));
}

function row(name: string, value: number, target: number, unit: string): Record<string, string | number> {
  return { measure: name, value, unit, target: `< ${target.toLocaleString('en-US')}`, verdict: value < target ? 'meets' : 'MISSES' };
}

function info(name: string, value: number, unit = 'ms'): Record<string, string | number> {
  return { measure: name, value, unit, target: '', verdict: '' };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// VS Code's webview host page (webview/pre/index.html) marks `content/started` when it receives the HTML
// and `content/workerReady` once its service worker is ready; only then does it create the page. A string,
// not a function: the bench runs under tsx, whose helpers do not exist in the page.
const HOST_MARKS = `(() => {
  const mark = (n) => performance.getEntriesByName('webview/index.html/content/' + n, 'mark')[0];
  const s = mark('started'), w = mark('workerReady');
  return s && w ? { started: performance.timeOrigin + s.startTime, workerReady: performance.timeOrigin + w.startTime } : null;
})()`;

/** The newest webview host's marks (epoch ms), or null if VS Code did not say. */
async function webviewHostMarks(vs: VSCodeSession): Promise<{ started: number; workerReady: number } | null> {
  let newest: { started: number; workerReady: number } | null = null;
  for (const f of vs.page.frames()) {
    const m = (await f.evaluate(HOST_MARKS).catch(() => null)) as { started: number; workerReady: number } | null;
    if (m && (!newest || m.started > newest.started)) newest = m;
  }
  return newest;
}

interface OpenTimes {
  tabMs: number;
  tableMs: number;
  settledMs: number;
  hostWaitMs: number | null;
  /** click → VS Code's webview host has the page's HTML (the extension's part and VS Code's editor opening) */
  toHtmlMs: number | null;
  /** service worker ready → layer table (the page loads, says ready, gets the model, renders) */
  pageMs: number | null;
  layers: string;
}

/** Clicks the model in the Explorer and times the preview until its layer table, then until it is idle. */
async function openPreview(vs: VSCodeSession, model = MODEL): Promise<OpenTimes> {
  const item = vs.page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: model }).first();
  await item.waitFor({ state: 'visible', timeout: 30_000 });
  const t0 = performance.now();
  const clickedAt = Date.now();
  await item.click();
  await vs.page.locator('.tab.active', { hasText: model }).first().waitFor({ state: 'visible' });
  const tabMs = performance.now() - t0;
  const frame = vs.webviewFrame();
  await frame.getByTestId('layer-table').waitFor({ state: 'visible', timeout: 60_000 });
  const tableMs = performance.now() - t0;
  const tableAt = clickedAt + tableMs;
  await frame.locator('[data-testid="busy"]').waitFor({ state: 'detached', timeout: 120_000 });
  const settledMs = performance.now() - t0;
  const layers = (await frame.getByTestId('layer-count').textContent().catch(() => null)) ?? '?';
  const marks = await webviewHostMarks(vs);
  return {
    tabMs,
    tableMs,
    settledMs,
    hostWaitMs: marks ? marks.workerReady - marks.started : null,
    toHtmlMs: marks ? marks.started - clickedAt : null,
    pageMs: marks ? tableAt - marks.workerReady : null,
    layers,
  };
}

/** Until the workbench's main thread has had three idle periods in a row (it shares its thread with webviews). */
async function waitForIdleWorkbench(vs: VSCodeSession): Promise<void> {
  await vs.page.evaluate(`(async () => {
    for (let i = 0; i < 3; i++) await new Promise((r) => requestIdleCallback(() => setTimeout(r, 200), { timeout: 10000 }));
  })()`);
}

/** Clicks a model in the Explorer: ms until the graph's nodes are shown, and the page's own render time. */
async function openGraph(vs: VSCodeSession, model: string): Promise<{ clickMs: number; paintedMs: number; renderMs: number; nodes: number; edges: number }> {
  const item = vs.page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: model }).first();
  await item.waitFor({ state: 'visible', timeout: 30_000 });
  const t0 = performance.now();
  const clickedAt = Date.now();
  await item.click();
  const frame = vs.webviewFrame();
  await frame.locator('[data-testid="graph-node"]').last().waitFor({ state: 'visible', timeout: 60_000 });
  const clickMs = performance.now() - t0;
  const g = frame.getByTestId('graph');
  await waitFor('the graph painted', () => g.getAttribute('data-painted-at'));
  const [renderMs, nodes, edges, paintedAt] = await Promise.all(['data-render-ms', 'data-nodes', 'data-edges', 'data-painted-at'].map((a) => g.getAttribute(a).then(Number)));
  await frame.locator('[data-testid="busy"]').waitFor({ state: 'detached', timeout: 180_000 }); // the engine idle before the next run
  return { clickMs, paintedMs: paintedAt - clickedAt, renderMs, nodes, edges };
}

async function closeEditors(vs: VSCodeSession): Promise<void> {
  await vs.runCommand('View: Close All Editors');
  await vs.page.locator('iframe.webview').first().waitFor({ state: 'detached', timeout: 15_000 }).catch(() => {});
  await vs.page.waitForTimeout(1500); // let the extension host and the renderer go idle between runs
}

export async function benchExtension(): Promise<BenchResult> {
  const columns = ['measure', 'value', 'unit', 'target', 'verdict'];
  const title = 'VS Code extension (code-server + Chromium, packaged .vsix)';
  const avail = await e2eAvailability();
  if (!avail.ok) return { title, columns, rows: [], notes: [`skipped: ${avail.reason}`] };

  const vsix = await packageVsix();
  const vsixMB = statSync(vsix).size / 1024 / 1024;
  const rows: BenchResult['rows'] = [row('.vsix size (npm run package)', vsixMB, TARGET.vsixMB, 'MB')];

  const workspace = makeWorkspace('bench-extension', {
    [MODEL]: Buffer.from(mlp([256, 256, 128, 128, 10], { seed: 5 })),
    'residual-100.onnx': Buffer.from(residual()),
    [MODEL_1M]: Buffer.from(mlp([784, 1024, 256, 10], { seed: 2, batch: 1, init: 'laplace' })),
    ...(corpusAvailable() ? { 'mnist-8.onnx': readFileSync(corpusFile('zoo/mnist-8/model.onnx')) } : {}),
  });
  const t0 = performance.now();
  const vs = await VSCodeSession.start('bench-extension', { workspace, vsix: [vsix] });
  const notes: string[] = [];
  try {
    // Cold: code-server start + extension install + window load, until the status bar item shows.
    await vs.statusBarItem('Devnode').waitFor({ state: 'visible', timeout: 60_000 });
    const coldMs = performance.now() - t0;
    // Warm: reload the window (a new extension host opens the same workspace).
    const t1 = performance.now();
    await vs.page.reload();
    await vs.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    await vs.statusBarItem('Devnode').waitFor({ state: 'visible', timeout: 60_000 });
    const warmMs = performance.now() - t1;

    // The first preview of the window, at once: VS Code is still starting its webview host.
    const first = await openPreview(vs);
    await vs.screenshot('bench-preview-first');
    await vs.page.waitForTimeout(500); // the log channel flushes to its file asynchronously
    const act = activations(vs);
    if (act.length === 0) notes.push('no "activated in N ms, code loaded in M ms" line found in the Stylus ML log');
    act.forEach((a, i) => {
      rows.push(row(`activation, host start ${i + 1}: code load + activate()`, a.loadMs + a.activateMs, TARGET.activationMs, 'ms'));
      rows.push(info(`  of which activate()`, a.activateMs));
    });
    rows.push(info('open workspace → status bar item (cold: code-server start, install, window load)', coldMs));
    rows.push(info('open workspace → status bar item (window reload)', warmMs));

    rows.push(info('preview, first webview right after the reload (workbench starting): click .onnx → layer table', first.tableMs));
    if (first.hostWaitMs !== null) {
      rows.push(info("  of which VS Code's webview host waits for its service worker", first.hostWaitMs));
      rows.push(row('  the rest: click .onnx → layer table without that wait', first.tableMs - first.hostWaitMs, TARGET.firstRenderMs, 'ms'));
      if (first.toHtmlMs !== null) rows.push(info('    click → the webview host has the HTML', first.toHtmlMs));
      if (first.pageMs !== null) rows.push(info('    service worker ready → layer table', first.pageMs));
    } else notes.push("VS Code's webview host marks (content/started, content/workerReady) were not found");

    const again: OpenTimes[] = [];
    for (let i = 0; i < REOPENS; i++) {
      await closeEditors(vs);
      again.push(await openPreview(vs));
    }
    await vs.screenshot('bench-preview-settled');

    // The first webview of a window once the workbench has finished starting: a user who reloads and then
    // finds the model. The webview host starts its service worker here too, on an idle main thread.
    await closeEditors(vs);
    await vs.page.reload();
    await vs.statusBarItem('Devnode').waitFor({ state: 'visible', timeout: 60_000 });
    await waitForIdleWorkbench(vs);
    const idleFirst = await openPreview(vs);
    rows.push(row('preview, first webview of a window, workbench idle: click .onnx → layer table', idleFirst.tableMs, TARGET.firstRenderMs, 'ms'));
    if (idleFirst.hostWaitMs !== null) rows.push(info("  of which VS Code's webview host waits for its service worker", idleFirst.hostWaitMs));
    rows.push(row(`preview, settled workbench (median of ${REOPENS}): click .onnx → layer table`, median(again.map((r) => r.tableMs)), TARGET.firstRenderMs, 'ms'));
    rows.push(info(`  editor tab active → layer table (median of ${REOPENS})`, median(again.map((r) => r.tableMs - r.tabMs))));
    rows.push(info(`  click .onnx → all results shown, no busy (median of ${REOPENS})`, median(again.map((r) => r.settledMs))));
    const waits = again.map((r) => r.hostWaitMs).filter((w): w is number => w !== null);
    if (waits.length) rows.push(info(`  VS Code's webview host service-worker wait (median of ${REOPENS})`, median(waits)));
    notes.push(
      `model: MLP 256-256-128-128-10 (≈115k parameters), ${first.layers} layers shown; one window, shared 2-core machine`,
      `settled runs: ${again.map((r) => `${r.tableMs.toFixed(0)}`).join(', ')} ms (click → layer table)`,
    );

    // (e) the 1M-parameter model (issue 13): its first render and the sections behind it, median of 3 opens
    const big: OpenTimes[] = [];
    for (let i = 0; i < REOPENS; i++) {
      await closeEditors(vs);
      big.push(await openPreview(vs, MODEL_1M));
    }
    rows.push(row(`preview, 1M-parameter MLP 784-1024-256-10 (median of ${REOPENS}): click .onnx → layer table`, median(big.map((r) => r.tableMs)), TARGET.firstRenderMs, 'ms'));
    rows.push(info(`  click .onnx → all results shown, no busy (median of ${REOPENS})`, median(big.map((r) => r.settledMs))));
    await vs.screenshot('bench-preview-1m');

    // (d) the graph view
    for (const model of GRAPH_MODELS) {
      if (model === 'mnist-8.onnx' && !corpusAvailable()) {
        notes.push('mnist-8: the ONNX corpus (../shared/conformance) is not here');
        continue;
      }
      const runs: Awaited<ReturnType<typeof openGraph>>[] = [];
      for (let i = 0; i < GRAPH_RUNS; i++) {
        await closeEditors(vs);
        runs.push(await openGraph(vs, model));
      }
      await vs.screenshot(`bench-graph-${model.replace(/\.onnx$/, '')}`);
      const r = runs[0];
      rows.push(row(`graph first render, ${model} (${r.nodes} nodes, ${r.edges} edges; median of ${GRAPH_RUNS}): model in the page → graph drawn`, median(runs.map((x) => x.renderMs)), TARGET.graphMs, 'ms'));
      rows.push(row(`  click .onnx → graph painted (the page's clock; median of ${GRAPH_RUNS})`, median(runs.map((x) => x.paintedMs)), TARGET.graphMs, 'ms'));
      rows.push(info(`  click .onnx → graph seen by the test driver (median of ${GRAPH_RUNS})`, median(runs.map((x) => x.clickMs))));
      notes.push(`${model}: page render ${runs.map((x) => x.renderMs.toFixed(0)).join(', ')} ms; click → painted ${runs.map((x) => x.paintedMs.toFixed(0)).join(', ')} ms; click → seen ${runs.map((x) => x.clickMs.toFixed(0)).join(', ')} ms`);
    }
  } finally {
    await vs.close();
  }
  const targeted = rows.filter((r) => r.verdict !== '');
  return { title, columns, rows, notes, verdict: targeted.every((r) => r.verdict === 'meets') ? 'meets targets' : 'MISSES a target' };
}
