// Manifest-aware checks for a generated model.rs: each layer function named in stylus-ml.json is analysed
// with its parameters at the manifest's proven input ranges; when the code as it is now makes a
// saturation reachable or overflows (the bound is broken), the finding is placed at the edit that broke
// it: a weight outside the quantised range recorded for its tensor, a rescale shift that differs from
// the recorded one, else a line edited in this session, else the saturation itself. Edits that keep the
// bound are not reported.

import path from 'node:path';
import type { Node } from 'web-tree-sitter';
import { childExprs, type Expr, type TypeRef } from './ast';
import type { AnalysisContext, Analyzer, FileAnalysis, Finding, ItemResult, UnitResult } from './analyze';
import type { FnAnalysis, FnItem } from './evaluate';
import { fmt, ivOfTy, meet, within, worstOutside, type Interval } from './interval';
import type { IntTy } from './inttypes';
import { isStylusMlRuntime } from './crate-files';
import { qName, type ManifestLayer, type ManifestView, type QTensor } from './manifest';
import type { LineIndex } from './parser';
import type { Severity } from './sites';
import { intVal, type IntVal, type Val } from './values';

export const MANIFEST_CODES = {
  /** an edit breaks a bound the manifest proved */
  bound: 'SML101',
  /** the manifest names a layer function that model.rs does not have */
  missingLayer: 'SML102',
  /** stylus-ml.json exists but cannot be read */
  unreadable: 'SML103',
} as const;

/** A manifest layer and where its function is in the document. */
export interface LayerBinding {
  layer: ManifestLayer;
  /** absolute offsets of the function item and its name */
  start: number;
  end: number;
  nameStart: number;
  nameEnd: number;
  unit: UnitResult;
  item: ItemResult;
  /** the input ranges the layer was checked with (manifest, or computed from the layers before) */
  inputs: QTensor[];
}

export interface DocumentCheckInput {
  root: Node;
  lines: LineIndex;
  /** absolute path of the file (for matching the manifest's model.rs), when on disk */
  filePath?: string | null;
  manifest?: ManifestView | null;
  manifestError?: string | null;
  /** 0-based lines edited since the document was opened (the language server tracks them) */
  dirtyLines?: ReadonlySet<number>;
  extraItems?: AnalysisContext['extraItems'];
  budget?: number;
}

export interface DocumentCheck {
  analysis: FileAnalysis;
  findings: Finding[];
  manifest: ManifestView | null;
  layers: LayerBinding[];
}

/** Steps allowed per layer function in manifest mode: exact sums for layers up to ~100k MACs. */
const MANIFEST_BUDGET = 2_500_000;

/** Pattern rules everywhere, plus the manifest checks when the manifest governs this file. */
export function checkDocument(analyzer: Analyzer, input: DocumentCheckInput): DocumentCheck {
  const { root, lines } = input;
  const fnNames = topLevelFnNames(root, lines.text);
  const governs = input.manifest ? manifestGoverns(input.manifest, input.filePath ?? null, fnNames) : false;
  const manifest = governs ? input.manifest! : null;
  const trusted = isStylusMlRuntime(lines.text);
  const usedInputs = new Map<ManifestLayer, QTensor[]>();
  const ctx: AnalysisContext = { extraItems: input.extraItems, budget: input.budget, trusted };
  if (manifest) {
    // seeds need the parameters' types (lowering is cached); a layer's inputs are the outputs the code
    // computes now for the layers before it (or the manifest's graph inputs for the first)
    const params = fnParams(analyzer, root, lines.text);
    const byFn = new Map(manifest.layers.map((l) => [l.fn, l]));
    const computed = new Map<number, [bigint, bigint]>();
    const computedAt = new Map<number, Interval[]>();
    ctx.seedsFor = (fn) => {
      const l = byFn.get(fn);
      const ps = params.get(fn);
      if (!l || !ps) return undefined;
      const ins = l.inputs.map((t, k) => ({ ...t, range: t.range ?? inputRange(manifest, l, k, computed) }));
      usedInputs.set(l, ins);
      // a chain: the layer before computed each element's interval; per element is tighter than the hull
      // (a ReLU's outputs feed the next Gemm with each unit's own range, as the quantiser proved them)
      const prev = manifest.layers.filter((x) => x.index < l.index).at(-1);
      const want = l.inputShapes[0] ? size(l.inputShapes[0]) : null;
      const elems = prev && l.inputShapes.length <= 1 && l.inputs.length === 1 && !l.inputs[0].range && want === size(prev.outputShape) ? computedAt.get(prev.index) : undefined;
      return seedParams(ps, ins, elems);
    };
    ctx.onUnit = (fn, a) => {
      const l = byFn.get(fn);
      if (!l) return;
      const out = layerOutput(a, l);
      if (out) computed.set(l.index, out);
      const at = layerOutputElems(a, l);
      if (at) computedAt.set(l.index, at);
      else computedAt.delete(l.index);
    };
    ctx.seededBudget = Math.max(input.budget ?? 0, MANIFEST_BUDGET);
  }
  const analysis = analyzer.analyze(root, lines, ctx);
  const findings = [...analysis.findings];
  const layers: LayerBinding[] = [];
  if (manifest) {
    for (const l of manifest.layers) {
      const b = bindLayer(analysis, l);
      if (b) layers.push(b);
    }
    for (const b of layers) b.inputs = usedInputs.get(b.layer) ?? b.layer.inputs;
    const bounds = boundFindings(analysis, layers, lines, input.dirtyLines ?? new Set());
    findings.push(...bounds, ...storageFindings(analysis, layers, lines, new Set(bounds.map((f) => `${f.start}:${f.end}`))));
    const isModel = input.filePath ? path.basename(input.filePath) === 'model.rs' || manifestModelPath(manifest) === path.resolve(input.filePath) : true;
    if (isModel) {
      for (const l of manifest.layers) {
        if (layers.some((b) => b.layer === l)) continue;
        findings.push(fileFinding(lines, MANIFEST_CODES.missingLayer, 'information', `stylus-ml.json lists layer \`${l.name}\` (${l.op}) implemented by \`fn ${l.fn}\`, which is not in this file: its bounds are not checked`));
      }
    }
  } else if (input.manifestError && input.filePath && path.basename(input.filePath) === 'model.rs') {
    findings.push(fileFinding(lines, MANIFEST_CODES.unreadable, 'information', `${input.manifestError}: manifest checks are off for this file`));
  }
  findings.sort((a, b) => a.start - b.start || a.code.localeCompare(b.code));
  return { analysis, findings, manifest, layers };
}

function manifestModelPath(m: ManifestView): string | null {
  return m.modelRs ? path.resolve(m.dir, m.modelRs) : null;
}

function manifestGoverns(m: ManifestView, filePath: string | null, fnNames: Set<string>): boolean {
  const model = manifestModelPath(m);
  if (filePath && model && path.resolve(filePath) === model) return true;
  if (filePath && model && path.resolve(filePath) !== model && path.basename(filePath) !== 'model.rs') return false;
  return m.layers.some((l) => fnNames.has(l.fn));
}

function topLevelFnNames(root: Node, text: string): Set<string> {
  const out = new Set<string>();
  for (const n of root.namedChildren) {
    if (n.type === 'function_item') {
      const name = n.childForFieldName('name');
      if (name) out.add(text.slice(name.startIndex, name.endIndex));
    } else if (n.type === 'mod_item' || n.type === 'impl_item') {
      for (const m of n.childForFieldName('body')?.namedChildren ?? []) {
        const name = m.type === 'function_item' ? m.childForFieldName('name') : null;
        if (name) out.add(text.slice(name.startIndex, name.endIndex));
      }
    }
  }
  return out;
}

function fnParams(analyzer: Analyzer, root: Node, text: string): Map<string, FnItem['params']> {
  const out = new Map<string, FnItem['params']>();
  for (const n of root.namedChildren) {
    if (n.type !== 'function_item' && n.type !== 'mod_item' && n.type !== 'impl_item') continue;
    const c = analyzer.lower(n, text.slice(n.startIndex, n.endIndex));
    const visit = (it: typeof c.lowered.item) => {
      if (it.k === 'fn') out.set(it.name, it.params);
      else if (it.k === 'container') it.items.forEach(visit);
    };
    visit(c.lowered.item);
  }
  return out;
}

/**
 * Parameter values from the manifest's inputs, matched in order to integer and array parameters; `elems`:
 * per-element intervals of the first input, used when it is a one-dimensional array of that length.
 */
function seedParams(params: FnItem['params'], inputs: QTensor[], elems?: Interval[]): Map<string, Val> {
  const out = new Map<string, Val>();
  let k = 0;
  let afterY = false;
  for (const p of params) {
    if (p.pat.k !== 'ident') continue;
    const base = baseInt(p.ty);
    if (!base) continue;
    // scratch buffers follow the output `y` (padded copies, running sums in the arena): the layer writes
    // every element it reads, so they start as a zeroed local array would, and the stores widen them
    if (afterY) {
      out.set(p.pat.name, seedOf(p.ty, { name: p.pat.name, rust: p.pat.name, storage: base, fracBits: 0, range: [0n, 0n] }));
      continue;
    }
    if (p.pat.name === 'y') {
      afterY = true;
      continue;
    }
    const t = inputs[k++];
    if (!t?.range) continue;
    const v = seedOf(p.ty, t);
    out.set(p.pat.name, k === 1 && elems ? withElems(v, elems) : v);
  }
  return out;
}

/** A 1-D integer array seed with per-element intervals (each within the element's own seed). */
function withElems(v: Val, elems: Interval[]): Val {
  if (v.t !== 'arr' || v.elem.t !== 'int' || v.len !== elems.length) return v;
  const e = v.elem;
  const vals = elems.map((iv) => {
    const m = meet(iv, e.iv);
    return m ? intVal(e.ty, m) : e;
  });
  return { ...v, elems: vals };
}

/** Per-element intervals of what a layer produced, when each output element was stored with a known index. */
function layerOutputElems(a: FnAnalysis, l: ManifestLayer): Interval[] | null {
  const n = size(l.outputShape);
  const sa = a.storedAt;
  const at = sa?.has('y') ? sa.get('y') : sa?.size === 1 ? [...sa.values()][0] : undefined;
  if (at) {
    const out: Interval[] = [];
    for (let i = 0; i < n; i++) {
      const v = at.get(i);
      if (!v) return null;
      out.push(v.iv);
    }
    return at.size === n ? out : null;
  }
  if (at === undefined && a.stored.size === 0 && a.result.t === 'arr' && a.result.elems?.length === n && a.result.elems.every((x) => x.t === 'int')) {
    return a.result.elems.map((x) => (x as IntVal).iv);
  }
  return null;
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * The proven range of input k of a layer. The schema records formats, not wiring: the producer is the
 * layer just before when its output has the input's size (a chain, what the generator emits for
 * sequential models), else the hull over every earlier layer and graph input of that size (sound for
 * branches), else unknown (the declared type's range). Outputs computed from the current code are
 * preferred to the manifest's recorded intervals, so an edit upstream is seen downstream.
 */
function inputRange(m: ManifestView, l: ManifestLayer, k: number, computed: Map<number, [bigint, bigint]>): [bigint, bigint] | null {
  const want = l.inputShapes[k] ? size(l.inputShapes[k]) : null;
  const outOf = (x: ManifestLayer): [bigint, bigint] | null => computed.get(x.index) ?? x.outputs[0]?.range ?? null;
  const earlier = m.layers.filter((x) => x.index < l.index);
  const graph = m.inputs.map((t, i) => ({ t, shape: m.inputShapes[i] ?? [] }));
  if (earlier.length === 0) {
    const g = graph.find((x, i) => (want === null ? i === k : size(x.shape) === want)) ?? graph[k];
    return g?.t.range ?? null;
  }
  const prev = earlier[earlier.length - 1];
  if (l.inputShapes.length <= 1 && (want === null || size(prev.outputShape) === want)) return outOf(prev);
  const cands: ([bigint, bigint] | null)[] = [
    ...earlier.filter((x) => want === null || size(x.outputShape) === want).map(outOf),
    ...graph.filter((x) => want === null || size(x.shape) === want).map((x) => x.t.range),
  ];
  if (cands.length === 0 || cands.some((c) => c === null)) return null;
  return cands.reduce((a, b) => [a![0] < b![0] ? a![0] : b![0], a![1] > b![1] ? a![1] : b![1]])!;
}

/** What a layer function produced: values stored into its output array parameter, or its result. */
function layerOutput(a: FnAnalysis, l: ManifestLayer): [bigint, bigint] | null {
  let v: Val | undefined = a.stored.get('y') ?? [...a.stored.values()].at(-1);
  if (!v) v = a.result.t === 'arr' ? a.result.elem : a.result;
  if (!v || v.t !== 'int') return l.outputs[0]?.range ?? null;
  return [v.iv.lo, v.iv.hi];
}

function baseInt(t: TypeRef): IntTy | null {
  if (t.k === 'int') return t.ty;
  if (t.k === 'ref') return baseInt(t.inner);
  if (t.k === 'array') return baseInt(t.elem);
  return null;
}

function seedOf(t: TypeRef, q: QTensor): Val {
  if (t.k === 'ref') return seedOf(t.inner, q);
  if (t.k === 'array') {
    const len = t.len && t.len.k === 'int' ? Number(t.len.value) : null;
    return { t: 'arr', elem: seedOf(t.elem, q), elems: null, len };
  }
  const ty = t.k === 'int' ? t.ty : q.storage;
  const [lo, hi] = q.range!;
  const r = ivOfTy(ty);
  return intVal(ty, { lo: lo < r.lo ? r.lo : lo, hi: hi > r.hi ? r.hi : hi });
}

function bindLayer(fa: FileAnalysis, layer: ManifestLayer): LayerBinding | null {
  for (const it of fa.items) {
    for (const u of it.units) {
      if (u.kind !== 'fn' || u.name !== layer.fn) continue;
      const fn = u.node as FnItem;
      return { layer, start: it.start + fn.s, end: it.start + fn.e, nameStart: it.start + fn.nameS, nameEnd: it.start + fn.nameE, unit: u, item: it, inputs: layer.inputs };
    }
  }
  return null;
}

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

function boundFindings(fa: FileAnalysis, layers: LayerBinding[], lines: LineIndex, dirty: ReadonlySet<number>): Finding[] {
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
        origin: { item: fa.items.indexOf(b.item), fn: b.layer.fn, nodeId: -1 },
      });
    }
  }
  return out;
}

function shortLayer(l: ManifestLayer): string {
  return `\`${l.name}\` (${l.op}, fn ${l.fn})`;
}

function inputsText(inputs: QTensor[]): string {
  const t = inputs.find((x) => x.range);
  return t?.range ? `${fmt({ lo: t.range[0], hi: t.range[1] })} (${qName(t)})` : '(their declared types)';
}

/** Saturations that became reachable and overflows the pattern rules found under the manifest's inputs. */
function layerBreaches(b: LayerBinding): Breach[] {
  const out: Breach[] = [];
  const base = b.item.start + b.unit.node.s;
  if (!b.layer.saturationReachable) {
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
  if (b.layer.shift !== null && b.layer.shift > 0) {
    const want = BigInt(b.layer.shift);
    for (const s of b.unit.analysis.shifts) {
      if (s.op !== '>>' || s.literalLeft || s.amount.lo !== s.amount.hi || s.amount.lo === want) continue;
      let start = fnBase + s.node.s;
      let end = fnBase + s.node.e;
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

/**
 * Weight literals outside the storage type stylus-ml.json records for the layer's weights (a weight ×100 in an
 * i16 table): the quantised weight no longer fits its format, whatever the bound analysis then sees (the
 * evaluator clamps a literal to its declared type, and rustc rejects it). Reported at the literal, always.
 */
function storageFindings(fa: FileAnalysis, layers: LayerBinding[], lines: LineIndex, placed: Set<string>): Finding[] {
  const out: Finding[] = [];
  for (const b of layers) {
    const refs = referencedNames(b.unit.node as FnItem);
    for (const w of b.layer.weights) {
      const r = ivOfTy(w.storage);
      const consts = w.rust ? [w.rust] : [...refs].filter((n) => /^[A-Z][A-Z0-9_]*$/.test(n));
      for (const name of consts) {
        const c = findConst(fa, name);
        if (!c || !c.value || !refs.has(name) || !constHoldsStorage(c.ty, w.storage)) continue;
        forEachIndexedLiteral(c.value, [], (lit, at) => {
          if (lit.value >= r.lo && lit.value <= r.hi) return;
          const start = c.base + lit.s;
          const end = c.base + lit.e;
          const key = `${start}:${end}`;
          if (placed.has(key)) return;
          placed.add(key);
          out.push({
            code: MANIFEST_CODES.bound,
            rule: 'manifest-bound',
            severity: 'error',
            message:
              `weight \`${name}${at.map((i) => `[${i}]`).join('')}\` = ${lit.value} is outside ${w.storage} ${fmt(r)}, the storage stylus-ml.json ` +
              `records for the weights of layer ${shortLayer(b.layer)} (${w.storage} Q.${w.fracBits}): the quantised weight no longer fits its format ` +
              `(rustc rejects the literal); re-run quantisation rather than editing weights`,
            start,
            end,
            range: { start: lines.positionAt(start), end: lines.positionAt(end) },
            origin: { item: fa.items.indexOf(b.item), fn: b.layer.fn, nodeId: -1 },
          });
        });
      }
    }
  }
  return out;
}

/** Integer literals of a (nested) array literal with their indices. */
function forEachIndexedLiteral(e: Expr, at: number[], f: (lit: Extract<Expr, { k: 'int' }>, at: number[]) => void): void {
  if (e.k === 'int') f(e, at);
  else if (e.k === 'array') e.elems.forEach((x, i) => forEachIndexedLiteral(x, [...at, i], f));
  else if (e.k === 'paren' || e.k === 'ref') forEachIndexedLiteral(e.arg, at, f);
}

function referencedNames(fn: FnItem): Set<string> {
  const out = new Set<string>();
  const visit = (e: Expr) => {
    if (e.k === 'path') out.add(e.segs[e.segs.length - 1]);
    for (const c of childExprs(e)) visit(c);
  };
  if (fn.body) visit(fn.body);
  return out;
}

function unparen(e: Expr): Expr {
  let x = e;
  while (x.k === 'paren') x = x.arg;
  return x;
}

function constHoldsStorage(t: TypeRef, storage: IntTy): boolean {
  if (t.k === 'int') return t.ty === storage;
  if (t.k === 'array') return constHoldsStorage(t.elem, storage);
  if (t.k === 'ref') return constHoldsStorage(t.inner, storage);
  return false;
}

/** A const by name with the absolute offset its spans are relative to. */
function findConst(fa: FileAnalysis, name: string): { base: number; s: number; e: number; value: Expr | null; ty: TypeRef } | null {
  for (const it of fa.items) {
    for (const u of it.units) {
      if (u.kind === 'const' && u.name === name) {
        const c = u.node as Extract<typeof u.node, { k: 'const' }>;
        return { base: it.start, s: c.s, e: c.e, value: c.value, ty: c.ty };
      }
    }
  }
  return null;
}

function forEachIntLiteral(e: Expr, f: (lit: Extract<Expr, { k: 'int' }>) => void): void {
  if (e.k === 'int') return f(e);
  if (e.k === 'array') for (const x of e.elems) forEachIntLiteral(x, f);
  else if (e.k === 'paren' || e.k === 'ref') forEachIntLiteral(e.arg, f);
}

function fileFinding(lines: LineIndex, code: string, severity: Severity, message: string): Finding {
  const end = lines.starts.length > 1 ? lines.starts[1] - 1 : lines.text.length;
  return { code, rule: 'manifest', severity, message, start: 0, end, range: { start: lines.positionAt(0), end: lines.positionAt(end) }, origin: { item: -1, fn: null, nodeId: -1 } };
}
