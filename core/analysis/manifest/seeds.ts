// A layer function's parameters at the proven ranges: each input from where stylus-ml.json says it comes
// (`sources`): a graph input's box, or what the code computes for the layer that produces it (per element
// where it stored each output at a known index, as the quantiser proved them; else the hull).

import type { Node } from 'web-tree-sitter';
import type { Analyzer } from '../analyze';
import { ivOfTy, meet, type Interval } from '../domain/interval';
import type { IntTy } from '../domain/inttypes';
import { intVal, type IntVal, type Val } from '../domain/values';
import type { FnAnalysis } from '../eval/facts';
import type { FnItem, TypeRef } from '../syntax/ast';
import type { LayerView, ManifestView, QTensor } from './view';

export function fnParams(analyzer: Analyzer, root: Node, text: string): Map<string, FnItem['params']> {
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
 * Parameter values from a layer's inputs, matched in order to integer and array parameters: the hull of
 * each input, and its per-element intervals where known (a one-dimensional array of that length).
 */
export function seedParams(params: FnItem['params'], inputs: QTensor[]): Map<string, Val> {
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
      out.set(p.pat.name, zeroedOf(p.ty, base));
      continue;
    }
    if (p.pat.name === 'y') {
      afterY = true;
      continue;
    }
    const t = inputs[k++];
    if (!t?.range) continue;
    const v = seedOf(p.ty, t);
    out.set(p.pat.name, t.elems ? withElems(v, t.elems) : v);
  }
  return out;
}

/** A 1-D integer array seed with per-element intervals (each within the element's own seed). */
function withElems(v: Val, elems: readonly Interval[]): Val {
  if (v.t !== 'arr' || v.elem.t !== 'int' || v.len !== elems.length) return v;
  const e = v.elem;
  const vals = elems.map((iv) => {
    const m = meet(iv, e.iv);
    return m ? intVal(e.ty, m) : e;
  });
  return { ...v, elems: vals };
}

/** What a layer's code produced: the hull, and per element when each output element was stored at a known index. */
export interface LayerOutput {
  range: [bigint, bigint] | null;
  elems: Interval[] | null;
}

export function layerOutput(a: FnAnalysis, l: LayerView): LayerOutput {
  return { range: outputHull(a, l), elems: outputElems(a, l) };
}

function outputElems(a: FnAnalysis, l: LayerView): Interval[] | null {
  const n = size(l.spec.outputShape);
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

export function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Input k of a layer with its proven range, per element where known, from where stylus-ml.json says it
 * comes: a graph input (the box per element, as the plan proved from it and the contract admits it), or
 * the layer that computes it — what the current code computes for that layer, so an edit upstream is
 * seen downstream, else the manifest's proven interval. Crates made before the manifest recorded the
 * wiring get `inferredInput`.
 */
export function layerInput(m: ManifestView, l: LayerView, k: number, computed: ReadonlyMap<number, LayerOutput>): QTensor {
  const t = l.inputs[k];
  const want = l.spec.inputShapes[k] ? size(l.spec.inputShapes[k]) : null;
  const from = (o: LayerOutput | QTensor): QTensor => ({ ...t, range: o.range, elems: o.elems && (want === null || o.elems.length === want) ? o.elems : null });
  const src = l.spec.sources?.[k];
  if (!src) return inferredInput(m, l, k, computed);
  if ('input' in src) {
    const g = m.inputs[src.input];
    return g ? from(g) : t;
  }
  const p = m.layers[src.layer];
  // a second output (a tree ensemble's scores beside its label) is not tracked: its type's range
  if (!p || src.output !== 0) return t;
  const c = computed.get(src.layer);
  return from({ range: c?.range ?? p.output.range, elems: c?.elems ?? null });
}

/**
 * The producer of input k inferred by size and format, for a manifest without `sources`: the layer just
 * before when its output has the input's size and format (a chain), the graph input of that size for the
 * first layer, else the hull over every earlier layer and graph input of that size and format.
 */
function inferredInput(m: ManifestView, l: LayerView, k: number, computed: ReadonlyMap<number, LayerOutput>): QTensor {
  const t = l.inputs[k];
  const want = l.spec.inputShapes[k] ? size(l.spec.inputShapes[k]) : null;
  // a producer has the input's size and its format (storage and fractional bits): a threshold's 0/1
  // output of the same size is not the Q.29 score a later layer reads
  const fits = (shape: number[], f: { storage: string; fracBits: number } | undefined) => (want === null || size(shape) === want) && (!f || (f.storage === t.storage && f.fracBits === t.fracBits));
  const outOf = (x: LayerView): LayerOutput => {
    const c = computed.get(x.spec.index);
    return { range: c?.range ?? x.output.range, elems: c?.elems ?? null };
  };
  const earlier = m.layers.filter((x) => x.spec.index < l.spec.index);
  const graph = m.inputs.map((g, i) => ({ g, shape: m.manifest.inputs[i]?.shape ?? [] }));
  const from = (o: LayerOutput | QTensor): QTensor => ({ ...t, range: o.range, elems: o.elems && (want === null || o.elems.length === want) ? o.elems : null });
  if (earlier.length === 0) {
    const g = graph.find((x, i) => (want === null ? i === k : size(x.shape) === want)) ?? graph[k];
    return g ? from(g.g) : t;
  }
  const prev = earlier[earlier.length - 1];
  if (l.spec.inputShapes.length <= 1 && fits(prev.spec.outputShape, prev.output)) return from(outOf(prev));
  const layers = earlier.filter((x) => fits(x.spec.outputShape, x.output));
  const inputs = graph.filter((x) => fits(x.shape, x.g));
  // one candidate of that size and format: the producer, element by element
  if (layers.length + inputs.length === 1) return layers.length ? from(outOf(layers[0])) : from(inputs[0].g);
  const cands: ([bigint, bigint] | null)[] = [...layers.map((x) => outOf(x).range), ...inputs.map((x) => x.g.range)];
  if (cands.length === 0 || cands.some((c) => c === null)) return t;
  return { ...t, range: cands.reduce((a, b) => [a![0] < b![0] ? a![0] : b![0], a![1] > b![1] ? a![1] : b![1]])!, elems: null };
}

/** The hull of what a layer function produced: values stored into its output array parameter, or its result. */
function outputHull(a: FnAnalysis, l: LayerView): [bigint, bigint] | null {
  let v: Val | undefined = a.stored.get('y') ?? [...a.stored.values()].at(-1);
  if (!v) v = a.result.t === 'arr' ? a.result.elem : a.result;
  if (!v || v.t !== 'int') return l.output.range;
  return [v.iv.lo, v.iv.hi];
}

function baseInt(t: TypeRef): IntTy | null {
  if (t.k === 'int') return t.ty;
  if (t.k === 'ref') return baseInt(t.inner);
  if (t.k === 'array') return baseInt(t.elem);
  return null;
}

/** Scratch elements materialised per element up to this many (so stores into them stay strong). */
const ZEROED_ELEMS = 1 << 16;

/**
 * A zeroed array of type `t`, element by element where small enough (a padded copy's stores at known
 * indices then stay per element, as into a local array), else one joined element.
 */
function zeroedOf(t: TypeRef, base: IntTy): Val {
  if (t.k === 'ref') return zeroedOf(t.inner, base);
  if (t.k !== 'array') return intVal(t.k === 'int' ? t.ty : base, { lo: 0n, hi: 0n });
  const len = t.len && t.len.k === 'int' ? Number(t.len.value) : null;
  const elem = zeroedOf(t.elem, base);
  let total = len ?? Infinity;
  for (let e = t.elem; e.k === 'array'; e = e.elem) total *= e.len && e.len.k === 'int' ? Number(e.len.value) : Infinity;
  const elems = len !== null && total <= ZEROED_ELEMS ? Array.from({ length: len }, () => zeroedOf(t.elem, base)) : null;
  return { t: 'arr', elem, elems, len };
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
