// Hover text: a value's proven interval and type, its Q-format when the manifest knows it, and what the
// rule behind a finding at that place guards against (each rule owns its text, rules/*.ts).

import { factAt } from './analyze';
import { fmt, ivOfTy } from './domain/interval';
import { tyRangeText } from './domain/inttypes';
import type { DocumentCheck } from './manifest/check';
import type { LayerBinding } from './manifest/layers';
import { qName, realOf, type QTensor } from './manifest/view';

export interface HoverInfo {
  start: number;
  end: number;
  markdown: string;
}

export function hoverAt(check: DocumentCheck, offset: number): HoverInfo | null {
  const f = factAt(check.analysis, offset);
  if (!f) return null;
  const v = f.val;
  const name = f.text.replace(/\s+/g, ' ');
  const shown = name.length > 60 ? `${name.slice(0, 57)}...` : name;
  const lines: string[] = [];
  const ty = v.ty ?? 'integer (type not settled)';
  lines.push(f.array ? `**\`${shown}\`**: array, elements ${ty} ∈ ${fmt(v.iv)}` : `**\`${shown}\`**: ${ty} ∈ ${fmt(v.iv)}`);
  if (v.ty) {
    const full = ivOfTy(v.ty);
    if (v.iv.lo === full.lo && v.iv.hi === full.hi) lines.push(`only the type's range is known (${tyRangeText(v.ty)})`);
    else lines.push(`type range ${tyRangeText(v.ty)}`);
  }
  if (v.tainted) lines.push('derived from a value already reported as overflowing');
  const layer = check.layers.find((l) => l.start <= offset && offset <= l.end);
  if (layer) {
    const q = tensorFor(layer, name);
    if (q) lines.push(`Q-format: **${qName(q)}** (${q.storage}, ${q.fracBits} fractional bits) — \`${q.name}\`${realRange(q, v.iv)}`);
    lines.push(layerSummary(layer));
  }
  const seen = new Set<string>();
  for (const x of check.findings) {
    const text = x.origin.hit?.rule.hover;
    if (!text || x.start > offset || offset > x.end || seen.has(x.code)) continue;
    seen.add(x.code);
    lines.push(text);
  }
  return { start: f.start, end: f.end, markdown: lines.join('\n\n') };
}

/** The manifest tensor an expression refers to: a parameter (input), a weight const, or the output. */
function tensorFor(b: LayerBinding, text: string): QTensor | null {
  const root = text.replace(/\[.*$/s, '').replace(/^\(+|\)+$/g, '').trim();
  const params = (b.unit.node as { params?: { pat: { k: string; name?: string } }[] }).params ?? [];
  let k = 0;
  for (const p of params) {
    if (p.pat.k !== 'ident') continue;
    if (p.pat.name === root) return b.layer.inputs[k] ?? null;
    k++;
  }
  const w = b.layer.weights.find((x) => x.rust === root);
  if (w) return w;
  // a manifest without the weight list (an older crate): core/codegen names a layer's tables `<FN>_W` and
  // `<FN>_B` (bias at the accumulator's scale)
  const l = b.layer.spec;
  if (l.weights) return null;
  const prefix = `${l.fn.toUpperCase()}_`;
  if (root === `${prefix}W` && b.layer.weights[0]) return b.layer.weights[0];
  const inF = b.layer.inputs[0]?.fracBits;
  const wF = b.layer.weights[0]?.fracBits;
  if (root === `${prefix}B` && l.accumulator && inF !== undefined && wF !== undefined) {
    return { name: `${l.name}.bias`, rust: root, storage: l.accumulator, fracBits: inF + wF, range: null };
  }
  return null;
}

function realRange(q: QTensor, iv: { lo: bigint; hi: bigint }): string {
  return `, real values [${realOf(iv.lo, q.fracBits)}, ${realOf(iv.hi, q.fracBits)}]`;
}

function layerSummary(b: LayerBinding): string {
  const l = b.layer;
  const part = (label: string, ts: QTensor[]) => (ts.length ? `${label} ${ts.map((t) => `${qName(t)}`).join(', ')}` : '');
  const s = l.spec;
  const bits = [part('in', l.inputs), part('weights', l.weights), part('out', [l.output]), s.accumulator ? `acc ${s.accumulator}` : '', s.shift !== undefined ? `rescale >> ${s.shift}` : '']
    .filter(Boolean)
    .join(' · ');
  return `layer \`${s.name}\` (${s.onnxOp}): ${bits}`;
}
