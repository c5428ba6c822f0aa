// Comparisons: the key figures of one setting pinned beside those of the current one (weights i8 against
// i16, optimise for gas against size, another input box), and the figures that changed since the last
// answer, highlighted in place and announced to screen readers. Figures only from the preview model.
import { h } from './dom';
import * as fmt from './format';
import type { Pinned, PreviewModel } from './protocol';

interface Figure {
  /** the data-testid of the element that shows it in the page */
  id: string;
  label: string;
  value: (m: PreviewModel) => number | null;
  show: (x: number) => string;
  /** lower is better (gas, bytes, error); higher is better (agreement) */
  better: 'lower' | 'higher';
}

const gas = (x: number) => `${fmt.int(x)} gas`;
export const FIGURES: readonly Figure[] = [
  { id: 'gas-total-typical', label: 'Predict transaction (typical)', value: (m) => m.call?.totalTxGas.typical ?? null, show: gas, better: 'lower' },
  { id: 'gas-execution-typical', label: 'Execution (typical)', value: (m) => m.call?.executionGas.typical ?? null, show: gas, better: 'lower' },
  { id: 'deploy-gas', label: 'Deploy transaction', value: (m) => m.deploy?.deployGas ?? null, show: gas, better: 'lower' },
  { id: 'activation-gas', label: 'Activation', value: (m) => m.deploy?.activationGas ?? null, show: gas, better: 'lower' },
  { id: 'compressed-size', label: 'Compressed size', value: (m) => m.deploy?.compressedBytes ?? null, show: (x) => `${fmt.int(x)} bytes`, better: 'lower' },
  { id: 'max-abs-error', label: 'Max abs error', value: (m) => m.accuracy?.maxAbsError ?? null, show: fmt.real, better: 'lower' },
  { id: 'argmax-agreement', label: 'Argmax agreement', value: (m) => m.accuracy?.argmaxAgreement ?? null, show: fmt.percent, better: 'higher' },
];

const PIN_KEYS: Record<string, keyof Omit<Pinned, 'label'>> = {
  'gas-total-typical': 'totalTxGas',
  'gas-execution-typical': 'executionGas',
  'deploy-gas': 'deployGas',
  'activation-gas': 'activationGas',
  'compressed-size': 'compressedBytes',
  'max-abs-error': 'maxAbsError',
  'argmax-agreement': 'argmaxAgreement',
};

/** The settings a model's figures are for, in a few words. */
export function settingsLabel(m: PreviewModel): string {
  const b = m.options.box;
  const box =
    m.source.kind === 'crate'
      ? "the crate's box"
      : b?.mode === 'calibration' && b.calibration
        ? `calibration ${b.calibration.split(/[\\/]/).pop()} (${b.shape ?? 'auto'})`
        : m.box?.spec
          ? `box ${m.box.spec}${m.box.source === 'default' ? ' (default)' : ''}`
          : 'box';
  return `${box}, weights ${m.options.format}, optimise ${m.options.optimize}`;
}

export function pin(m: PreviewModel): Pinned {
  const p: Pinned = { label: settingsLabel(m), totalTxGas: null, executionGas: null, deployGas: null, activationGas: null, compressedBytes: null, maxAbsError: null, argmaxAgreement: null };
  for (const f of FIGURES) p[PIN_KEYS[f.id]] = f.value(m);
  return p;
}

/** The last value seen of each figure (partial models leave figures out while they are computed). */
export type Seen = Map<string, number>;

/** The figures of `m` that differ from the last value seen, and the seen values updated. */
export function changedFigures(seen: Seen, m: PreviewModel): { id: string; text: string }[] {
  const out: { id: string; text: string }[] = [];
  for (const f of FIGURES) {
    const v = f.value(m);
    if (v === null) continue;
    const before = seen.get(f.id);
    if (before !== undefined && before !== v) out.push({ id: f.id, text: `${f.label}: ${f.show(before)} → ${f.show(v)}` });
    seen.set(f.id, v);
  }
  return out;
}

function delta(f: Figure, a: number | null, b: number | null): { text: string; cls: string } {
  if (a === null || b === null) return { text: '—', cls: '' };
  if (a === b) return { text: 'same', cls: '' };
  const d = b - a;
  const rel = a !== 0 ? ` (${d > 0 ? '+' : ''}${((d / Math.abs(a)) * 100).toFixed(1)}%)` : '';
  const text = f.id === 'argmax-agreement' ? `${d > 0 ? '+' : ''}${(d * 100).toFixed(1)} points` : f.id === 'max-abs-error' ? `${d > 0 ? '+' : '−'}${fmt.real(Math.abs(d))}${rel}` : `${d > 0 ? '+' : '−'}${fmt.int(Math.abs(d))}${rel}`;
  const good = f.better === 'lower' ? d < 0 : d > 0;
  return { text, cls: good ? 'better' : 'worse' };
}

/** The comparison section's body: a Pin button, and with a pin, the two columns and the change. */
export function compareBody(m: PreviewModel, pinned: Pinned | null, onPin: () => void, onUnpin: () => void): HTMLElement[] {
  const pinBtn = h('vscode-button', { 'data-testid': 'pin', icon: 'pin', secondary: !!pinned }, pinned ? 'Pin these figures instead' : 'Pin these figures');
  pinBtn.addEventListener('click', onPin);
  const parts: HTMLElement[] = [];
  if (!pinned) {
    parts.push(h('p', { class: 'note', 'data-testid': 'note-compare' }, 'Pin the current figures, change a setting (weights, optimise, input box), and the two stand side by side here.'));
    parts.push(h('div', { class: 'actions' }, pinBtn));
    return parts;
  }
  const unpin = h('vscode-button', { 'data-testid': 'unpin', icon: 'pinned', secondary: true }, 'Unpin');
  unpin.addEventListener('click', onUnpin);
  const current = pin(m);
  const head = h('tr', {}, h('th', { scope: 'col' }, 'Figure'), h('th', { scope: 'col' }, `Pinned: ${pinned.label}`), h('th', { scope: 'col' }, `Current: ${current.label}`), h('th', { scope: 'col' }, 'Change'));
  const rows = FIGURES.map((f) => {
    const a = pinned[PIN_KEYS[f.id]];
    const b = current[PIN_KEYS[f.id]];
    const d = delta(f, a, b);
    return h(
      'tr',
      { 'data-testid': `compare-${f.id}` },
      h('th', { scope: 'row' }, f.label),
      h('td', { 'data-value': a === null ? '' : String(a) }, a === null ? '—' : f.show(a)),
      h('td', { 'data-value': b === null ? '' : String(b) }, b === null ? '—' : f.show(b)),
      h('td', { class: d.cls }, d.text),
    );
  });
  parts.push(h('table', { class: 'compare', 'data-testid': 'compare-table' }, h('caption', { class: 'visually-hidden' }, 'Pinned figures beside the current ones'), h('thead', {}, head), h('tbody', {}, ...rows)));
  parts.push(h('div', { class: 'actions' }, pinBtn, unpin));
  return parts;
}
