// The model preview: runs inside the webview (browser bundle dist/webview.js). It renders a PreviewModel
// that the extension computes from the pipeline, and posts the user's actions back. Nothing here computes
// model figures; it only displays them.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-header/index.js';
import '@vscode-elements/elements/dist/vscode-table-header-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-toolbar-button/index.js';
import { barChart } from './chart';
import { boxControl } from './box-control';
import { changedFigures, compareBody, pin, type Seen } from './compare';
import { GraphView } from './graph/view';
import { OVERLAY_LABELS, overlayNote } from './graph/overlays';
import { h, replace, s } from './dom';
import * as fmt from './format';
import {
  OPTIMIZE_GOALS,
  OVERLAYS,
  WEIGHT_FORMATS,
  parseToWebview,
  parseWebviewState,
  type FromWebview,
  type Overlay,
  type PreviewModel,
  type SectionId,
  type WebviewState,
} from './protocol';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): unknown;
  setState(state: WebviewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('root') as HTMLElement;

const state: WebviewState = restoreState(vscode.getState());
/** the figures last seen, and those the latest answer changed (highlighted until the next change); a page
 *  reloaded (hidden and shown again) starts from the figures it had */
const seen: Seen = new Map();
if (state.model) changedFigures(seen, state.model);
let changed: { id: string; text: string }[] = [];
let busy: string | null = null;
let tryError: string | null = null;
let cspViolations = 0;
const announcer = h('div', { class: 'visually-hidden', 'aria-live': 'polite', 'data-testid': 'announcer' });

const graphView = new GraphView({
  select: (name) => selectNode(name),
  activate: (name) => {
    // in a crate, the node's function in model.rs; in a bare model, its row in the table
    if (state.model?.source.kind === 'crate') post({ type: 'openNode', name });
  },
});

/** Marks a node selected in the graph and its rows in the layer table (a node can be several rows). */
function selectNode(name: string | null): void {
  state.view = { ...state.view, selected: name };
  save();
  for (const row of document.querySelectorAll('[data-testid="layer-table"] vscode-table-row[data-node]')) {
    const on = name !== null && (row as HTMLElement).dataset.node === name;
    row.classList.toggle('selected', on);
    if (on) row.setAttribute('aria-selected', 'true');
    else row.removeAttribute('aria-selected');
  }
}

function restoreState(saved: unknown): WebviewState {
  const sourcePath = document.body.dataset.source ?? null;
  // Saved state went through the same validation when it arrived; re-validate anyway (it is stored JSON).
  const s = parseWebviewState(saved);
  return s ? { ...s, sourcePath } : { sourcePath, model: null, tryInput: '', tryResult: null, pinned: null, view: { overlay: 'ops', selected: null } };
}

function save(): void {
  vscode.setState(state);
}

function post(m: FromWebview): void {
  vscode.postMessage(m);
}

// ---- sections ---------------------------------------------------------------------------------------

/** Sections rebuilt only when what they show changes: the page is rebuilt on every message (busy
 *  indicators, partial models), and a large model's tables (a hundred rows of table elements) would
 *  otherwise be built again each time. */
const built = new Map<string, { key: string; el: HTMLElement }>();
/** A large section's new content waits one frame (`rows` past LARGE), so the page first paints what is
 *  above it — the graph — instead of waiting for a hundred table rows to lay out. */
const LARGE = 40;
const TITLES = { layers: 'Layers', gas: 'Gas', accuracy: 'Accuracy against the float model' } as const;
/** per section, the content allowed to be built at the next render */
const due = new Map<string, string>();
let deferred = false;
function cached(id: keyof typeof TITLES, data: unknown, rows: number, build: () => HTMLElement): HTMLElement {
  const key = JSON.stringify(data);
  const hit = built.get(id);
  if (hit && hit.key === key) return hit.el;
  if (rows > LARGE && due.get(id) !== key) {
    due.set(id, key);
    if (!deferred) {
      deferred = true;
      requestAnimationFrame(() =>
        setTimeout(() => {
          deferred = false;
          render();
        }),
      );
    }
    return hit?.el ?? section(id, TITLES[id], h('p', { class: 'note' }, `Drawing ${rows} rows…`));
  }
  const el = build();
  built.set(id, { key, el });
  return el;
}

function section(id: SectionId, title: string, ...body: (Node | null)[]): HTMLElement {
  return h('section', { id: `section-${id}`, 'data-testid': `section-${id}` }, h('h2', {}, title), ...body);
}

function note(model: PreviewModel, id: SectionId, fallback: string): HTMLElement {
  return h('p', { class: 'note', 'data-testid': `note-${id}` }, model.notes[id] ?? fallback);
}

function table(headers: string[], rows: (string | number | Node)[][], testid: string, widths?: string[], rowProps?: (i: number) => Record<string, string | number | boolean>): HTMLElement {
  const head = h('vscode-table-header', { slot: 'header' }, ...headers.map((t) => h('vscode-table-header-cell', {}, t)));
  const body = h(
    'vscode-table-body',
    { slot: 'body' },
    ...rows.map((r, i) => h('vscode-table-row', rowProps?.(i) ?? {}, ...r.map((c) => h('vscode-table-cell', {}, c)))),
  );
  const t = h('vscode-table', { zebra: true, 'bordered-columns': true, resizable: true, 'data-testid': testid, class: 'table' }, head, body);
  if (widths) (t as unknown as { columns: string[] }).columns = widths;
  return t;
}

function kv(pairs: [string, string | Node, string?][]): HTMLElement {
  return h('dl', { class: 'kv' }, ...pairs.flatMap(([k, v, testid]) => [h('dt', {}, k), h('dd', testid ? { 'data-testid': testid } : {}, v)]));
}

function summarySection(m: PreviewModel): HTMLElement {
  if (!m.summary) return section('summary', 'Model', note(m, 'summary', 'No summary yet.'));
  const sm = m.summary;
  const layerCount = m.layers?.length ?? null;
  return section(
    'summary',
    'Model',
    kv([
      ['Inputs', sm.inputs.map((t) => `${t.name} ${fmt.shape(t.shape)} ${t.dtype}`).join('; ') || '—', 'inputs'],
      ['Outputs', sm.outputs.map((t) => `${t.name} ${fmt.shape(t.shape)} ${t.dtype}`).join('; ') || '—', 'outputs'],
      ['Layers', layerCount === null ? '—' : String(layerCount), 'layer-count'],
      ['Parameters', fmt.int(sm.params), 'params'],
      ['Multiply-accumulates', fmt.int(sm.macs), 'macs'],
      ['Producer', sm.producer ?? '—'],
      ['Opsets', sm.opsets.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ') || '—'],
    ]),
    sm.notes.length > 0 ? h('ul', { class: 'pipeline-notes', 'data-testid': 'pipeline-notes' }, ...sm.notes.map((n) => h('li', {}, n))) : null,
    sm.unsupported.length > 0
      ? h(
          'div',
          { class: 'error', role: 'alert', 'data-testid': 'unsupported' },
          h('strong', {}, `${sm.unsupported.length} unsupported node${sm.unsupported.length === 1 ? '' : 's'}: `),
          sm.unsupported.map((u) => `${u.name} (${u.domain ? `${u.domain}::` : ''}${u.op})`).join(', '),
        )
      : null,
  );
}

function layersSection(m: PreviewModel): HTMLElement {
  if (!m.layers) return section('layers', 'Layers', note(m, 'layers', 'No layers yet.'));
  return section(
    'layers',
    'Layers',
    table(
      ['Node', 'Op', 'Output shape', 'Params', 'MACs', 'Weights', 'Output', 'Acc', 'Proven range'],
      m.layers.map((l) => [
        l.name,
        l.supported ? l.op : h('span', { class: 'unsupported' }, `${l.op} (unsupported)`),
        l.inputShapes ? `${fmt.shapes(l.inputShapes)} → ${fmt.shapes(l.outputShapes)}` : fmt.shapes(l.outputShapes),
        fmt.int(l.params),
        fmt.int(l.macs),
        fmt.qformat(l.weightFormat),
        fmt.qformat(l.outputFormat),
        l.accumulator ?? '—',
        fmt.range(l.range),
      ]),
      'layer-table',
      ['17%', '14%', '13%', '8%', '8%', '11%', '11%', '6%', '12%'],
      (i) => {
        const name = m.layers![i].name;
        return { 'data-node': name, ...(state.view.selected === name ? { class: 'selected', 'aria-selected': 'true' } : {}) };
      },
    ),
  );
}

/** The ONNX graph with its overlay; the view itself persists across renders (webview/graph/view.ts). */
function graphSection(m: PreviewModel): HTMLElement {
  if (!m.graph) return section('graph', 'Graph', note(m, 'graph', 'The graph appears once the model is read.'));
  graphView.update(m.graph, m, state.view.overlay, state.view.selected);
  const overlay = h(
    'vscode-single-select',
    { id: 'graph-overlay', 'data-testid': 'graph-overlay', label: 'Overlay' },
    ...OVERLAYS.map((o) => h('vscode-option', o === state.view.overlay ? { value: o, selected: true } : { value: o }, OVERLAY_LABELS[o])),
  );
  overlay.addEventListener('change', () => {
    state.view = { ...state.view, overlay: (overlay as unknown as { value: Overlay }).value };
    save();
    render();
  });
  const tool = (icon: string, label: string, testid: string, act: () => void) => {
    const b = h('vscode-toolbar-button', { icon, label, title: label, 'data-testid': testid });
    b.addEventListener('click', act);
    return b;
  };
  const why = overlayNote(m, state.view.overlay);
  return section(
    'graph',
    'Graph',
    h(
      'div',
      { class: 'graph-toolbar', role: 'toolbar', 'aria-label': 'Graph view' },
      h('div', { class: 'control' }, h('vscode-label', { for: 'graph-overlay' }, 'Overlay'), overlay),
      h(
        'div',
        { class: 'graph-buttons' },
        tool('zoom-in', 'Zoom in (+)', 'graph-zoom-in', () => graphView.zoomBy(1.25)),
        tool('zoom-out', 'Zoom out (-)', 'graph-zoom-out', () => graphView.zoomBy(0.8)),
        tool('screen-full', 'Fit the whole graph (0)', 'graph-fit', () => graphView.fit()),
      ),
    ),
    why ? h('p', { class: 'note', 'data-testid': 'graph-overlay-note' }, why) : null,
    graphView.element,
    graphView.liveRegion,
    h('p', { class: 'hint' }, m.source.kind === 'crate' ? 'Click a node (or Enter) to open its function in model.rs; arrow keys move along the edges; Ctrl+wheel zooms, drag pans.' : 'Click a node (or Enter) to select its row in the layer table; arrow keys move along the edges; Ctrl+wheel zooms, drag pans.'),
  );
}

function compareSection(m: PreviewModel): HTMLElement {
  return section(
    'compare',
    'Compare settings',
    ...compareBody(
      m,
      state.pinned,
      () => {
        state.pinned = pin(m);
        save();
        render();
      },
      () => {
        state.pinned = null;
        save();
        render();
      },
    ),
  );
}

function gasSection(m: PreviewModel): HTMLElement {
  const parts: (Node | null)[] = [];
  if (m.call) {
    const c = m.call;
    parts.push(
      h('p', { class: 'provenance' }, c.provenance === 'measured' ? 'Measured on the devnode.' : 'Analytical estimate (no build needed).'),
      kv([
        ['Predict transaction (typical)', `${fmt.int(c.totalTxGas.typical)} gas`, 'gas-total-typical'],
        ['Range (min – max)', `${fmt.int(c.totalTxGas.min)} – ${fmt.int(c.totalTxGas.max)} gas`, 'gas-total-range'],
        ['Execution (typical)', `${fmt.int(c.executionGas.typical)} gas`, 'gas-execution-typical'],
      ]),
      h('h3', {}, 'Call cost breakdown'),
      table(['Component', 'Gas'], c.breakdown.map((b) => [b.name, fmt.int(b.gas)]), 'call-breakdown', ['60%', '40%']),
    );
  }
  if (m.layerCosts && m.layerCosts.length > 0) {
    parts.push(
      h('h3', {}, 'Per layer'),
      barChart(m.layerCosts.map((l) => ({ label: l.name, value: l.gas })), 'Execution gas per layer'),
      table(['Node', 'Op', 'Ink', 'Gas', 'Code bytes'], m.layerCosts.map((l) => [l.name, l.op, fmt.int(l.ink), fmt.int(l.gas), l.codeBytes === null ? '—' : fmt.int(l.codeBytes)]), 'layer-costs', ['30%', '20%', '18%', '16%', '16%']),
    );
  }
  if (parts.length === 0) parts.push(note(m, 'gas', 'No gas estimate yet.'));
  return section('gas', 'Gas', ...parts);
}

function deploySection(m: PreviewModel): HTMLElement {
  if (!m.deploy) return section('deploy', 'Deployment', note(m, 'deploy', 'No deployment estimate yet.'), ...partsAndMemory(m));
  const d = m.deploy;
  const fill = Math.min(1, d.compressedBytes / d.limitBytes);
  const meter = h('div', { class: `meter${d.compressedBytes > d.limitBytes ? ' over' : ''}`, 'data-testid': 'size-meter' }, h('div', { class: 'meter-fill' }));
  // CSSOM, not a style attribute: allowed by the CSP without 'unsafe-inline'.
  (meter.firstChild as HTMLElement).style.width = `${(fill * 100).toFixed(1)}%`;
  return section(
    'deploy',
    'Deployment',
    kv([
      ['Compressed size', `${fmt.int(d.compressedBytes)} of ${fmt.int(d.limitBytes)} bytes (${fmt.percent(d.compressedBytes / d.limitBytes)})`, 'compressed-size'],
      ['', meter],
      ['Deploy transaction', `${fmt.int(d.deployGas)} gas`, 'deploy-gas'],
      ['Activation', `${fmt.int(d.activationGas)} gas + data fee ${fmt.weiToEth(d.dataFeeWei)}`, 'activation-gas'],
      ['Source', d.provenance === 'measured' ? 'measured on the devnode' : 'analytical estimate', 'deploy-source'],
      // one list, so the deployment's rows line up with the figures above
      ...(m.deployment
        ? ([
            ['Deployed at', m.deployment.address, 'deployed-address'],
            ['RPC', m.deployment.rpcUrl],
            ['Deploy tx', m.deployment.deployTx ?? 'already on chain'],
            ['Activate tx', m.deployment.activateTx ?? '—'],
          ] satisfies [string, string, string?][])
        : []),
    ]),
    ...partsAndMemory(m),
  );
}

/** Rows of the parts table shown at once: a model of hundreds of data contracts stays a short table. */
const PART_ROWS = 40;

/** The layout, each part with its size and deployment gas, and the arena's pages. */
function partsAndMemory(m: PreviewModel): (Node | null)[] {
  const out: (Node | null)[] = [];
  if (m.parts) {
    const p = m.parts;
    const shown = p.rows.slice(0, PART_ROWS);
    const rest = p.rows.slice(PART_ROWS);
    const rows = shown.map((r) => [r.kind, r.name, fmt.int(r.bytes), r.layer ?? '—', r.deployGas === null ? '—' : fmt.int(r.deployGas), r.address ?? '—']);
    if (rest.length > 0) rows.push(['data', `… ${rest.length} more`, fmt.int(rest.reduce((a, r) => a + r.bytes, 0)), '', rest.every((r) => r.deployGas !== null) ? fmt.int(rest.reduce((a, r) => a + (r.deployGas ?? 0), 0)) : '—', '']);
    out.push(
      h('h3', {}, `Layout: ${p.layout === 'single' ? 'one program' : p.layout === 'data' ? 'program + data contracts' : 'root + fragments'}`),
      h('p', { class: 'provenance', 'data-testid': 'layout-reason' }, p.reason),
      kv([
        ['Parts', `${fmt.int(p.rows.length)} (${fmt.int(p.rows.reduce((a, r) => a + r.bytes, 0))} bytes of code)`, 'parts-count'],
        ...(p.readGas !== null ? ([['Reading data contracts per call', `${fmt.int(p.readGas)} gas`, 'parts-read-gas']] satisfies [string, string, string?][]) : []),
      ]),
      table(['Kind', 'Part', 'Bytes', 'Layer', 'Deploy gas', 'Address'], rows, 'parts-table', ['10%', '14%', '12%', '18%', '14%', '32%']),
    );
  }
  if (m.memory) {
    const x = m.memory;
    out.push(
      h('h3', {}, 'Memory'),
      kv([
        ['Arena (intermediate tensors)', `${fmt.int(x.arenaBytes)} bytes, reused by liveness (${fmt.int(x.unsharedBytes)} without)`, 'arena-bytes'],
        ['Initial pages', `${fmt.int(x.pages)} × 64 KiB: ${fmt.int(x.gas)} gas per call`, 'memory-pages'],
      ]),
    );
  }
  return out;
}

function accuracySection(m: PreviewModel): HTMLElement {
  const parts: (Node | null)[] = [];
  if (m.accuracy) {
    const a = m.accuracy;
    parts.push(
      kv([
        ['Cases', `${fmt.int(a.cases)} (${a.source})`],
        ['Max abs error', fmt.real(a.maxAbsError), 'max-abs-error'],
        ['Argmax agreement', a.argmaxAgreement === null ? '—' : fmt.percent(a.argmaxAgreement), 'argmax-agreement'],
      ]),
    );
  } else parts.push(note(m, 'accuracy', 'No accuracy figures yet.'));
  if (m.validation) parts.push(validationBlock(m.validation));
  if (m.perLayer) parts.push(...perLayerBlock(m.perLayer));
  return section('accuracy', 'Accuracy against the float model', ...parts);
}

/** A number shown compactly, its exact value kept in data-value (what tests compare). */
function exact(x: number | null, suffix = ''): Node | string {
  return x === null ? '—' : h('span', { 'data-value': String(x) }, fmt.real(x) + suffix);
}

function validationBlock(v: NonNullable<PreviewModel['validation']>): HTMLElement {
  return h(
    'div',
    { 'data-testid': 'validation' },
    h('h3', {}, 'Held-out validation'),
    kv([
      ['Rows', `${fmt.int(v.rows)} (${v.file})`, 'validation-rows'],
      ['Inside the box', `${fmt.percent(v.coverage.rows)} of the rows, ${fmt.percent(v.coverage.values)} of the values`, 'validation-coverage'],
      [v.policy === 'revert' ? 'Revert' : 'Clamped', v.policy === 'revert' ? `${fmt.int(v.outside)} (${fmt.percent(v.revertRate)})` : fmt.int(v.outside), 'validation-outside'],
      ['Argmax agreement', v.argmaxAgreement === null ? '—' : fmt.percent(v.argmaxAgreement), 'validation-agreement'],
      ['Accuracy (float / contract)', v.accuracy ? `${fmt.percent(v.accuracy.float)} / ${fmt.percent(v.accuracy.fixed)}` : '—', 'validation-accuracy'],
    ]),
    v.advice ? h('p', { class: 'note', 'data-testid': 'validation-advice' }, v.advice) : null,
  );
}

/** The values over the format's range as small bars (SVG attributes, no inline style: CSP). */
function histogram(hist: { lo: number; hi: number; counts: number[] }): SVGElement {
  const W = 96;
  const H = 18;
  const max = Math.max(1, ...hist.counts);
  const w = W / hist.counts.length;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', class: 'histogram', 'aria-label': `values over ${fmt.real(hist.lo)} .. ${fmt.real(hist.hi)}` });
  svg.appendChild(s('title', {}, `values over the format's range ${fmt.real(hist.lo)} .. ${fmt.real(hist.hi)}: ${hist.counts.join(', ')}`));
  hist.counts.forEach((c, i) => {
    const bh = c === 0 ? 0 : Math.max(1, Math.round((c / max) * (H - 2)));
    svg.appendChild(s('rect', { x: (i * w + 0.5).toFixed(2), y: H - bh, width: (w - 1).toFixed(2), height: bh, class: 'histogram-bar' }));
  });
  svg.appendChild(s('line', { x1: 0, y1: H - 0.5, x2: W, y2: H - 0.5, class: 'histogram-axis' }));
  return svg;
}

function perLayerBlock(p: NonNullable<PreviewModel['perLayer']>): Node[] {
  const againstRuntime = p.layers.some((l) => l.boundAgainst === 'onnxruntime');
  return [
    h('h3', {}, 'Per-layer error'),
    h('p', { class: 'provenance' }, `Each layer's fixed-point output against the float model evaluated layer by layer, on ${p.source}.`),
    table(
      ['Layer', 'Op', 'Format', 'Max error', 'Mean error', 'Proven bound', 'Values', 'Histogram over the format'],
      p.layers.map((l) => [
        l.name,
        l.op,
        l.format,
        exact(l.maxAbsError),
        exact(l.meanAbsError),
        exact(l.errorBound, l.boundAgainst === 'onnxruntime' ? ' *' : ''),
        `[${fmt.real(l.observed[0])}, ${fmt.real(l.observed[1])}]`,
        histogram(l.histogram),
      ]),
      'per-layer-table',
      ['14%', '12%', '14%', '10%', '10%', '11%', '14%', '15%'],
    ),
    againstRuntime ? h('p', { class: 'note' }, '* against onnxruntime running the quantized model (its own integers); the error columns are against the float model.') : null,
    p.worst
      ? h('div', { class: 'worst-layer', 'data-testid': 'worst-layer' }, h('strong', {}, `Worst layer: ${p.worst.name}`), ` — ${p.worst.why}.`, h('br'), `What to do: ${p.worst.advice}.`)
      : h('p', { class: 'note', 'data-testid': 'worst-layer' }, 'No layer adds error.'),
  ].filter((x): x is HTMLElement => x !== null);
}

function select(label: string, id: string, values: readonly string[], current: string, onChange: (v: string) => void): HTMLElement {
  const sel = h('vscode-single-select', { id, 'data-testid': id }, ...values.map((v) => h('vscode-option', v === current ? { value: v, selected: true } : { value: v }, v)));
  sel.addEventListener('change', () => onChange((sel as unknown as { value: string }).value));
  return h('div', { class: 'control' }, h('vscode-label', { for: id }, label), sel);
}

function controls(m: PreviewModel): HTMLElement {
  const setOpt = (patch: Partial<PreviewModel['options']>) => post({ type: 'setOptions', options: { ...m.options, ...patch } });
  const build = h('vscode-button', { 'data-testid': 'build' }, 'Build');
  build.addEventListener('click', () => post({ type: 'build' }));
  const deploy = h('vscode-button', { 'data-testid': 'deploy', secondary: true }, 'Deploy');
  deploy.addEventListener('click', () => post({ type: 'deploy' }));
  return h(
    'div',
    { class: 'controls', 'data-testid': 'controls' },
    m.source.kind === 'onnx' ? boxControl(m, (box) => setOpt({ box }), () => post({ type: 'pickCalibration' }), render) : null,
    select('Weights', 'opt-format', WEIGHT_FORMATS, m.options.format, (v) => setOpt({ format: v as PreviewModel['options']['format'] })),
    select('Optimise for', 'opt-optimize', OPTIMIZE_GOALS, m.options.optimize, (v) => setOpt({ optimize: v as PreviewModel['options']['optimize'] })),
    h('div', { class: 'actions' }, m.source.kind === 'onnx' ? createCrate() : null, build, deploy),
  );
}

function createCrate(): HTMLElement {
  const b = h('vscode-button', { 'data-testid': 'create-crate', icon: 'new-folder' }, 'Create crate…');
  b.addEventListener('click', () => post({ type: 'createCrate' }));
  return b;
}

function tryItSection(m: PreviewModel): HTMLElement {
  const input = h('vscode-textarea', { 'data-testid': 'try-input', rows: 3, placeholder: 'Input as JSON, e.g. [5.1, 3.5, 1.4, 0.2]', resize: 'vertical', class: 'try-input' });
  (input as unknown as { value: string }).value = state.tryInput;
  input.addEventListener('input', () => {
    state.tryInput = (input as unknown as { value: string }).value;
    save();
  });
  const call = h('vscode-button', { 'data-testid': 'try-call' }, 'Call predict');
  call.addEventListener('click', () => {
    tryError = null;
    post({ type: 'try', input: (input as unknown as { value: string }).value });
  });
  const r = state.tryResult;
  return section(
    'tryIt',
    'Try it',
    m.deployment ? null : note(m, 'tryIt', 'Deploy the model to call it; the call goes to the deployed contract.'),
    input,
    h('div', { class: 'actions' }, call),
    tryError ? h('div', { class: 'error', role: 'alert', 'data-testid': 'try-error' }, tryError) : null,
    r
      ? kv([
          ...r.outputs.map((o): [string, string, string] => [o.name, `${o.values.map((x) => (typeof x === 'number' ? fmt.real(x) : x)).join(', ')}  (raw ${o.raw.join(', ')})`, `try-output-${o.name}`]),
          ['Gas used', r.gasUsed === null ? 'reverted' : fmt.int(r.gasUsed), 'try-gas'],
          ['Transaction', r.txHash ?? '(eth_call)', 'try-tx'],
          ['Matches the simulator', r.matchesSimulator === null ? 'not checked' : r.matchesSimulator ? 'yes, bit for bit' : 'NO', 'try-match'],
        ])
      : null,
  );
}

/** Section to scroll to after the next render (a reveal request from the extension), and a graph node. */
let revealSection: SectionId | null = null;
let revealNode: string | null = null;
/** Scroll position to restore once the renders of this frame are laid out (null: none pending). */
let restoreY: number | null = null;
/**
 * The section a reveal brought to the top stays there while content above it is still arriving (the
 * graph and the slower sections render after the layer table), until the reader scrolls or types.
 */
let anchored: string | null = null;
const keepAnchor = new ResizeObserver(() => (anchored ? document.getElementById(anchored) : null)?.scrollIntoView({ block: 'start' }));
for (const ev of ['wheel', 'keydown', 'mousedown', 'touchstart'] as const) {
  window.addEventListener(ev, () => {
    anchored = null;
    keepAnchor.disconnect();
  }, { passive: true });
}

function render(): void {
  // The page is rebuilt on every message; keep the reader's place (or go to a requested section) once
  // the elements have upgraded and laid out. Several renders in one frame share one restore.
  if (restoreY === null) {
    restoreY = window.scrollY;
    requestAnimationFrame(() => {
      const target = document.getElementById(revealSection ? `section-${revealSection}` : (anchored ?? ''));
      if (target) {
        target.scrollIntoView({ block: 'start' });
        anchored = target.id;
        keepAnchor.disconnect();
        keepAnchor.observe(document.body);
      } else window.scrollTo(0, restoreY ?? 0);
      revealSection = null;
      restoreY = null;
      graphView.fitOnce();
      if (revealNode) {
        graphView.reveal(revealNode);
        selectNode(revealNode);
        revealNode = null;
      }
    });
  }
  renderPage();
}

function renderPage(): void {
  const m = state.model;
  if (!m) {
    replace(root, h('p', { class: 'note', 'data-testid': 'loading' }, 'Loading the model…'));
    return;
  }
  replace(
    root,
    h(
      'header',
      {},
      h('h1', { 'data-testid': 'title' }, m.source.displayName),
      h('div', { class: 'path', 'data-testid': 'source-path' }, m.source.path),
      busy ? h('div', { class: 'busy', 'data-testid': 'busy' }, h('vscode-progress-ring', {}), busy) : null,
    ),
    ...m.errors.map((e) => h('div', { class: 'error', role: 'alert', 'data-testid': 'pipeline-error' }, h('strong', {}, `${e.stage}: `), e.message)),
    summarySection(m),
    controls(m),
    graphSection(m),
    cached('layers', [m.source, m.layers, m.notes.layers], m.layers?.length ?? 0, () => layersSection(m)),
    cached('gas', [m.call, m.layerCosts, m.notes.gas], m.layerCosts?.length ?? 0, () => gasSection(m)),
    deploySection(m),
    cached('accuracy', [m.accuracy, m.validation, m.perLayer, m.notes.accuracy], m.perLayer?.layers.length ?? 0, () => accuracySection(m)),
    compareSection(m),
    tryItSection(m),
    announcer,
  );
  // the figures the latest answer changed, highlighted where they are shown
  for (const el of root.querySelectorAll('.changed')) el.classList.remove('changed');
  for (const c of changed) document.querySelector(`[data-testid="${c.id}"]`)?.classList.add('changed');
}

// ---- wiring -----------------------------------------------------------------------------------------

window.addEventListener('message', (event: MessageEvent) => {
  let msg;
  try {
    msg = parseToWebview(event.data);
  } catch (e) {
    console.error(e);
    return;
  }
  switch (msg.type) {
    case 'model': {
      state.model = msg.model;
      // one computation sends several models (the table, the estimate, the accuracy): what each changes adds up
      const diff = changedFigures(seen, msg.model);
      if (diff.length > 0) {
        changed = [...changed.filter((c) => !diff.some((d) => d.id === c.id)), ...diff];
        announcer.textContent = changed.map((d) => d.text).join('; ');
      }
      break;
    }
    case 'revealNode':
      state.view = { ...state.view, selected: msg.name };
      revealSection = 'graph';
      revealNode = msg.name;
      break;
    case 'busy':
      // a new computation starts: the highlights of the last one go
      if (busy === null && msg.what !== null) changed = [];
      busy = msg.what;
      break;
    case 'tryResult':
      state.tryResult = msg.result;
      tryError = null;
      break;
    case 'tryError':
      tryError = msg.message;
      break;
    case 'reveal':
      revealSection = msg.section;
      render();
      return;
  }
  save();
  render();
});

// Any CSP violation is a bug in the page; count it where tests can read it and tell the extension.
document.addEventListener('securitypolicyviolation', (e) => {
  cspViolations += 1;
  document.body.dataset.cspViolations = String(cspViolations);
  post({ type: 'cspViolation', directive: e.effectiveDirective, blocked: e.blockedURI });
});
document.body.dataset.cspViolations = '0';

save(); // the source path is in the state from the start: the panel serializer needs nothing else
render();
post({ type: 'ready' });
