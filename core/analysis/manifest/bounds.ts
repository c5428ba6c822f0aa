// SML101: a layer whose code, evaluated at the proven inputs, now reaches a saturation the manifest proved
// unreachable (or overflows). The finding is placed at the edit that broke the bound: a weight outside the
// quantised range recorded for its tensor, a rescale shift that differs from the recorded one, else a line
// edited in this session, else the saturation itself.

import type { FileAnalysis, Finding } from '../analyze';
import { fmt, ivOfTy, within, worstOutside, type Interval } from '../domain/interval';
import type { IntTy } from '../domain/inttypes';
import type { LineIndex } from '../syntax/parser';
import { unparen, type FnItem } from '../syntax/ast';
import { MANIFEST_CODES, shortLayer, type LayerBinding } from './layers';
import { qName, type QTensor } from './view';
import { constHoldsStorage, findConst, forEachIntLiteral, referencedNames } from './weights';

interface Breach {
  /** what overflows: "the value saturated by `clamp`", "accumulator `acc`" */
  what: string;
  pre: Interval;
  bounds: Interval;
  ty: string;
  /** absolute offsets of the saturation / overflow site */
  start: number;
  end: number;
  certain: boolean;
}

interface Culprit {
  start: number;
  end: number;
  why: string;
}

export function boundFindings(fa: FileAnalysis, layers: LayerBinding[], lines: LineIndex, dirty: ReadonlySet<number>): Finding[] {
  const out: Finding[] = [];
  const placed = new Set<string>();
  for (const b of layers) {
    const breaches = layerBreaches(b);
    if (breaches.length === 0) continue;
    const culprits = findCulprits(fa, b, lines, dirty);
    const br = breaches[0];
    const where: Culprit[] = culprits.length > 0 ? culprits : [{ start: br.start, end: br.end, why: '' }];
    for (const c of where.slice(0, 8)) {
      const key = `${c.start}:${c.end}`;
      if (placed.has(key)) continue;
      placed.add(key);
      const msg =
        `${c.why ? `${c.why}: ` : ''}in layer ${shortLayer(b.layer)}, ${br.what} can now reach ${worstOutside(br.pre, br.bounds)} ` +
        `(interval ${fmt(br.pre)}), beyond ${br.ty} ${fmt(br.bounds)} for inputs in the proven range ` +
        `${inputsText(b.inputs)}; stylus-ml.json's bound no longer holds`;
      out.push({
        code: MANIFEST_CODES.bound,
        rule: 'manifest-bound',
        severity: br.certain ? 'error' : 'warning',
        message: msg,
        start: c.start,
        end: c.end,
        range: { start: lines.positionAt(c.start), end: lines.positionAt(c.end) },
        origin: { item: fa.items.indexOf(b.item), fn: b.layer.spec.fn, nodeId: -1 },
      });
    }
  }
  return out;
}

function inputsText(inputs: QTensor[]): string {
  const t = inputs.find((x) => x.range);
  return t?.range ? `${fmt({ lo: t.range[0], hi: t.range[1] })} (${qName(t)})` : '(their declared types)';
}

/** Saturations that became reachable and overflows the pattern rules found under the manifest's inputs. */
function layerBreaches(b: LayerBinding): Breach[] {
  const out: Breach[] = [];
  const base = b.item.start + b.unit.node.s;
  for (const s of b.unit.analysis.saturations) {
    if (within(s.pre, s.bounds)) continue;
    const ty = (['i8', 'i16', 'i32', 'u8', 'u16', 'u32'] as IntTy[]).find((t) => fmt(ivOfTy(t)) === fmt(s.bounds));
    out.push({
      what: 'the value it saturates',
      pre: s.pre,
      bounds: s.bounds,
      ty: ty ?? 'the clamp',
      start: base + s.node.s,
      end: base + s.node.e,
      certain: s.pre.lo > s.bounds.hi || s.pre.hi < s.bounds.lo,
    });
  }
  for (const h of b.unit.analysis.hits) {
    const site = h.site;
    const iv = site.kind === 'arith' ? site.math : site.kind === 'cast' ? site.val.iv : site.pre;
    const ty = site.kind === 'arith' ? site.ty : site.kind === 'cast' ? site.to : null;
    if (!ty) continue;
    out.push({
      what: site.kind === 'arith' && site.accumulation ? `accumulator \`${site.accumulation.target}\`` : `\`${site.src.slice(site.node.s, site.node.e).replace(/\s+/g, ' ').slice(0, 40)}\``,
      pre: iv,
      bounds: ivOfTy(ty),
      ty: `${ty}`,
      start: base + site.node.s,
      end: base + site.node.e,
      certain: h.certain,
    });
  }
  return out;
}

/** Where the bound was broken: weights outside their recorded range, changed shifts, edited lines. */
function findCulprits(fa: FileAnalysis, b: LayerBinding, lines: LineIndex, dirty: ReadonlySet<number>): Culprit[] {
  const out: Culprit[] = [];
  const fn = b.unit.node as FnItem;
  const fnBase = b.item.start + fn.s;
  // 1. weights: consts the layer uses whose elements leave the recorded quantised range
  const refs = referencedNames(fn);
  for (const w of b.layer.weights) {
    if (!w.range) continue;
    const consts = w.rust ? [w.rust] : [...refs].filter((n) => /^[A-Z][A-Z0-9_]*$/.test(n));
    for (const name of consts) {
      const c = findConst(fa, name);
      if (!c || !c.value || !refs.has(name)) continue;
      if (!w.rust && !constHoldsStorage(c.ty, w.storage)) continue;
      let index = 0;
      forEachIntLiteral(c.value, (lit) => {
        const v = lit.value;
        if (v < w.range![0] || v > w.range![1]) {
          out.push({ start: c.base + lit.s, end: c.base + lit.e, why: `weight \`${name}[${index}]\` = ${v} is outside the range ${fmt({ lo: w.range![0], hi: w.range![1] })} recorded for \`${w.name}\` (${qName(w)})` });
        }
        index++;
      });
    }
  }
  // 2. the rescale shift differs from the one recorded
  const shift = b.layer.spec.shift;
  if (shift !== undefined && shift > 0) {
    const want = BigInt(shift);
    for (const s of b.unit.analysis.shifts) {
      if (s.op !== '>>' || s.literalLeft || s.amount.lo !== s.amount.hi || s.amount.lo === want) continue;
      let start = fnBase + s.node.s;
      let end = fnBase + s.node.e;
      // a pair kernel's `(word >> 8j) & LANE_BYTES` picks weights out of a word (fixed.rs): not a rescale
      if (/^\s*\)?\s*&\s*LANE_BYTES\b/.test(lines.text.slice(end, end + 40))) continue;
      const r = unparen(s.amountNode);
      if (r && r.k === 'path') {
        const c = findConst(fa, r.segs[r.segs.length - 1]);
        if (c?.value) {
          start = c.base + c.value.s;
          end = c.base + c.value.e;
        }
      } else if (r) {
        start = fnBase + r.s;
        end = fnBase + r.e;
      }
      out.push({ start, end, why: `rescale shift ${s.amount.lo} differs from the shift ${want} recorded for this layer` });
    }
  }
  if (out.length > 0) return out;
  // 3. lines edited in this session, inside the layer or the consts it uses
  const spans: [number, number][] = [[b.start, b.end]];
  for (const name of refs) {
    const c = findConst(fa, name);
    if (c) spans.push([c.base + c.s, c.base + c.e]);
  }
  for (const line of [...dirty].sort((x, y) => x - y)) {
    const ls = lines.starts[line];
    if (ls === undefined) continue;
    const le = line + 1 < lines.starts.length ? lines.starts[line + 1] - 1 : lines.text.length;
    if (!spans.some(([s, e]) => ls <= e && le >= s)) continue;
    const text = lines.text.slice(ls, le);
    const lead = text.length - text.trimStart().length;
    out.push({ start: ls + lead, end: ls + text.trimEnd().length, why: 'edited line' });
  }
  return out;
}
