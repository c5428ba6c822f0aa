// The input-box control of a bare model's preview: the stated default, one range for every input value,
// one range per input, or a calibration file (picked in VS Code's file dialog, the box derived by the
// calibration rules: auto, per-value or per-tensor, with a margin). Apply (or Enter in a field) sends the
// settings; the extension re-estimates and the figures change in place. The fields being edited live here
// across the page's re-renders until they are applied.
import { h } from './dom';
import { BOX_SHAPES, type BoxSettings, type PreviewModel } from './protocol';

type Send = (box: BoxSettings) => void;

const MODE_LABELS: Record<BoxSettings['mode'], string> = {
  default: 'Default (stated)',
  range: 'One range for every input value',
  'per-input': 'One range per input',
  calibration: 'From calibration data…',
};

/** Edits not yet applied (null: the fields show the model's settings), and why the last Apply was refused. */
let draft: BoxSettings | null = null;
let draftFor = '';
let error: string | null = null;
function numberField(id: string, label: string, value: number, onInput: (v: number) => void, onEnter: () => void): HTMLElement {
  const f = h('vscode-textfield', { id, 'data-testid': id, type: 'number', step: 'any', label, class: 'range-field' });
  (f as unknown as { value: string }).value = String(value);
  f.addEventListener('input', () => onInput(Number((f as unknown as { value: string }).value)));
  f.addEventListener('keydown', (e) => {
    if ((e as KeyboardEvent).key === 'Enter') onEnter();
  });
  return h('div', { class: 'control narrow' }, h('vscode-label', { for: id }, label), f);
}

/** The default's single range (or [-1, 1]) to start an edited range from. */
function startRange(m: PreviewModel): [number, number] {
  const spec = m.box?.spec ?? '';
  const one = /^(-?[\d.e+-]+):(-?[\d.e+-]+)$/.exec(spec);
  return one ? [Number(one[1]), Number(one[2])] : [-1, 1];
}

function valid(b: BoxSettings): string | null {
  const bad = (r: readonly [number, number] | undefined) => !r || !Number.isFinite(r[0]) || !Number.isFinite(r[1]) || r[0] > r[1];
  if (b.mode === 'range' && bad(b.range)) return 'Give finite numbers with lo ≤ hi.';
  if (b.mode === 'per-input' && Object.values(b.perInput ?? {}).some(bad)) return 'Give finite numbers with lo ≤ hi for every input.';
  if (b.mode === 'calibration' && b.margin !== undefined && !(b.margin >= 0)) return 'The margin is a number ≥ 0.';
  return null;
}

export function boxControl(m: PreviewModel, send: Send, pickCalibration: () => void, rerender: () => void): HTMLElement {
  const key = `${m.source.path}|${JSON.stringify(m.options.box ?? null)}`;
  if (draftFor !== key) {
    draft = null;
    error = null;
    draftFor = key;
  }
  const current: BoxSettings = draft ?? m.options.box ?? { mode: 'default' };
  const inputs = m.summary?.inputs.map((i) => i.name) ?? [];
  const modes = (Object.keys(MODE_LABELS) as BoxSettings['mode'][]).filter((x) => x !== 'per-input' || inputs.length > 1);
  const sel = h('vscode-single-select', { id: 'box-mode', 'data-testid': 'box-mode', label: 'Input box' }, ...modes.map((x) => h('vscode-option', x === current.mode ? { value: x, selected: true } : { value: x }, MODE_LABELS[x])));
  sel.addEventListener('change', () => {
    const mode = (sel as unknown as { value: BoxSettings['mode'] }).value;
    if (mode === 'default') {
      draft = null;
      send({ mode: 'default' });
      return;
    }
    if (mode === 'calibration' && !current.calibration) {
      draft = null;
      pickCalibration();
      return;
    }
    const r = startRange(m);
    draft = { ...current, mode, range: current.range ?? r, perInput: current.perInput ?? Object.fromEntries(inputs.map((n) => [n, r])) };
    if (mode === 'calibration') {
      send(draft);
      return;
    }
    rerender();
  });
  const apply = () => {
    if (!draft) return;
    const why = valid(draft);
    if (why) {
      error = why;
      rerender();
      return;
    }
    error = null;
    send(draft);
  };
  const edit = (patch: Partial<BoxSettings>) => {
    draft = { ...current, ...patch };
  };
  const fields: (HTMLElement | null)[] = [];
  if (current.mode === 'range') {
    const r = current.range ?? startRange(m);
    fields.push(numberField('box-lo', 'Low', r[0], (v) => edit({ range: [v, (draft?.range ?? r)[1]] }), apply), numberField('box-hi', 'High', r[1], (v) => edit({ range: [(draft?.range ?? r)[0], v] }), apply));
  } else if (current.mode === 'per-input') {
    for (const [i, name] of inputs.entries()) {
      const r = current.perInput?.[name] ?? startRange(m);
      const set = (which: 0 | 1) => (v: number) => {
        const per = { ...(draft?.perInput ?? current.perInput ?? {}) };
        const cur = per[name] ?? r;
        per[name] = which === 0 ? [v, cur[1]] : [cur[0], v];
        edit({ perInput: per });
      };
      fields.push(h('div', { class: 'per-input' }, h('span', { class: 'per-input-name' }, name), numberField(`box-lo-${i}`, `Low of ${name}`, r[0], set(0), apply), numberField(`box-hi-${i}`, `High of ${name}`, r[1], set(1), apply)));
    }
  } else if (current.mode === 'calibration') {
    const choose = h('vscode-button', { 'data-testid': 'box-calibration-pick', icon: 'folder-opened', secondary: true }, current.calibration ? 'Choose another file…' : 'Choose a file…');
    choose.addEventListener('click', pickCalibration);
    const shape = h('vscode-single-select', { id: 'box-shape', 'data-testid': 'box-shape', label: 'Box shape' }, ...BOX_SHAPES.map((x) => h('vscode-option', x === (current.shape ?? 'auto') ? { value: x, selected: true } : { value: x }, x)));
    shape.addEventListener('change', () => edit({ shape: (shape as unknown as { value: BoxSettings['shape'] }).value }));
    fields.push(
      h('div', { class: 'calibration-file', 'data-testid': 'box-calibration-file' }, current.calibration ?? 'no file chosen'),
      choose,
      h('div', { class: 'control' }, h('vscode-label', { for: 'box-shape' }, 'Box shape'), shape),
      numberField('box-margin', 'Margin (fraction of the range)', current.margin ?? 0.5, (v) => edit({ margin: v }), apply),
    );
  }
  const applyBtn = current.mode === 'default' ? null : h('vscode-button', { 'data-testid': 'box-apply', icon: 'refresh' }, 'Re-estimate');
  applyBtn?.addEventListener('click', () => {
    draft ??= { ...current };
    apply();
  });
  return h(
    'div',
    { class: 'box-control', 'data-testid': 'box-control', role: 'group', 'aria-label': 'Input box' },
    h('div', { class: 'control wide' }, h('vscode-label', { for: 'box-mode' }, 'Input box'), sel),
    ...fields,
    applyBtn,
    error ? h('div', { class: 'error', role: 'alert', 'data-testid': 'box-error' }, error) : null,
    m.box ? h('p', { class: 'box-note', 'data-testid': 'box-note' }, h('span', { class: 'codicon codicon-info', 'aria-hidden': 'true' }), ` The figures are for ${m.box.spec ? `--input-range ${m.box.spec}` : 'a box per input value'}: ${m.box.note}`) : null,
  );
}
