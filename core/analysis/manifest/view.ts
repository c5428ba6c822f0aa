// What the checks need from a generated crate's stylus-ml.json, derived from the typed manifest
// (core/manifest/schema.ts, validated by core/manifest/file.ts): each tensor in integer units (its
// storage, fractional bits and proven range), a layer's inputs with where they come from, its weight
// tables. The manifest itself is the one definition; this only converts units and resolves wiring.

import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { validateManifest } from '../../manifest/file';
import { MANIFEST_FILE, type Manifest, type ManifestInput, type ManifestLayer, type TensorFormat } from '../../manifest/schema';
import { quantizedBox } from '../../quant/box';
import type { Interval } from '../domain/interval';
import { tyInfo, type IntTy } from '../domain/inttypes';

/** A quantised tensor: storage type, fractional bits, proven range in integer (quantised) units. */
export interface QTensor {
  name: string;
  /** the Rust static holding it (a weight table), when known */
  rust: string | null;
  storage: IntTy;
  fracBits: number;
  /** proven range of the stored integers */
  range: [bigint, bigint] | null;
  /** the same per element, where known (graph inputs: the box; layer inputs: what the layer before computed) */
  elems?: Interval[] | null;
}

/** A layer of stylus-ml.json as the checks use it. */
export interface LayerView {
  /** the manifest's entry (name, op, fn, lines, shapes, shift, accumulator, estimates) */
  spec: ManifestLayer;
  /** the formats of its inputs, in parameter order (their ranges come from `sources`: seeds.ts) */
  inputs: QTensor[];
  /** its weight tables: the manifest's list, else the one `weightFormat` without a range */
  weights: QTensor[];
  /** its output format with the proven interval of the stored integers */
  output: QTensor;
  /**
   * The layer's weights are not in its code: read from data contracts or written into its arena buffer
   * at call time (stylus-ml.json `lowering.layers`). The code cannot show their values, so its bound is
   * the one proven at generation, not re-derived from the code.
   */
  weightsOutside: boolean;
}

export interface ManifestView {
  manifest: Manifest;
  /** absolute path of stylus-ml.json */
  file: string;
  /** the crate directory (where stylus-ml.json is) */
  dir: string;
  /** graph inputs: formats, the box's hull and per element the box as the contract admits it */
  inputs: QTensor[];
  layers: LayerView[];
}

const big = (x: number) => BigInt(x);

function tensor(name: string, f: TensorFormat | { storage: IntTy; fracBits: number }, range: [number, number] | null, rust: string | null = null): QTensor {
  return { name, rust, storage: f.storage, fracBits: f.fracBits, range: range ? [big(range[0]), big(range[1])] : null };
}

/** The view of a validated manifest. */
export function readManifestView(m: Manifest, file: string): ManifestView {
  const layers = m.layers.map((l): LayerView => {
    const weights = l.weights ? l.weights.map((w) => tensor(w.name, w, w.qRange, w.rust)) : l.weightFormat ? [tensor(`${l.name}.weight`, l.weightFormat, null)] : [];
    return {
      spec: l,
      inputs: l.inputFormats.map((f, k) => tensor(`${l.name}.input${k}`, f, null)),
      weights,
      output: tensor(`${l.name}.output`, l.outputFormat, l.qInterval),
      weightsOutside: /data contracts|code parts/.test(m.lowering?.layers?.[l.fn] ?? ''),
    };
  });
  return { manifest: m, file, dir: path.dirname(file), inputs: m.inputs.map(graphInput), layers };
}

/**
 * A graph input in integer units: the box quantised as the plan quantised it (core/quant/box.ts), element
 * by element — the integers the contract admits — and its hull; the proven real range when there is no box.
 */
function graphInput(x: ManifestInput): QTensor {
  const t = tensor(x.name, x, null);
  const { lo, hi } = x.box;
  if (lo.length === 0 || lo.length !== hi.length) {
    const s = 2 ** x.fracBits;
    const i = tyInfo(x.storage);
    const clamp = (v: bigint) => (v < i.min ? i.min : v > i.max ? i.max : v);
    return { ...t, range: [clamp(BigInt(Math.floor(x.range[0] * s))), clamp(BigInt(Math.ceil(x.range[1] * s)))] };
  }
  const format = x.scale !== undefined ? { storage: x.storage, frac: 0, scale: x.scale, zeroPoint: x.zeroPoint ?? 0 } : { storage: x.storage, frac: x.fracBits, ...(x.float32 ? { float32: true as const } : {}) };
  const q = quantizedBox(lo, hi, format, x.kind);
  const elems = Array.from(q.qlo, (l, k) => ({ lo: big(l), hi: big(q.qhi[k]) }));
  let a = elems[0].lo;
  let b = elems[0].hi;
  for (const e of elems) {
    if (e.lo < a) a = e.lo;
    if (e.hi > b) b = e.hi;
  }
  return { ...t, range: [a, b], elems };
}

/** The model file the manifest's line ranges refer to. */
export function modelRsPath(m: ManifestView): string {
  return path.resolve(m.dir, m.manifest.files.modelRs);
}

/** The nearest stylus-ml.json at or above the file's directory (at most `levels` up). */
export function findManifest(filePath: string, levels = 4): string | null {
  let dir = path.dirname(path.resolve(filePath));
  for (let i = 0; i <= levels; i++) {
    const cand = path.join(dir, MANIFEST_FILE);
    if (existsSync(cand)) return cand;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

/** Reads manifests, re-reading a file only when its mtime or size changed. */
export class ManifestCache {
  private entries = new Map<string, { mtime: number; size: number; view: ManifestView | null; error: string | null }>();

  /** The view for a manifest file, or an error message when it cannot be used. */
  load(file: string): { view: ManifestView | null; error: string | null } {
    let st;
    try {
      st = statSync(file);
    } catch {
      this.entries.delete(file);
      return { view: null, error: null };
    }
    const hit = this.entries.get(file);
    if (hit && hit.mtime === st.mtimeMs && hit.size === st.size) return hit;
    let view: ManifestView | null = null;
    let error: string | null = null;
    try {
      view = readManifestView(validateManifest(JSON.parse(readFileSync(file, 'utf8')), file), file);
    } catch (e) {
      error = e instanceof SyntaxError ? `${file}: invalid JSON (${e.message})` : (e as Error).message;
    }
    const entry = { mtime: st.mtimeMs, size: st.size, view, error };
    this.entries.set(file, entry);
    return entry;
  }

  /** The manifest that governs a Rust file, if any. */
  forFile(filePath: string): { view: ManifestView | null; error: string | null } {
    const m = findManifest(filePath);
    return m ? this.load(m) : { view: null, error: null };
  }

  invalidate(file?: string): void {
    if (file) this.entries.delete(file);
    else this.entries.clear();
  }
}

/** "Q3.12" for i16 with 12 fractional bits (sign bit not counted in the integer part). */
export function qName(t: { storage: IntTy; fracBits: number }): string {
  const i = tyInfo(t.storage);
  const intBits = i.bits - (i.signed ? 1 : 0) - t.fracBits;
  return `${i.signed ? 'Q' : 'UQ'}${intBits}.${t.fracBits}`;
}

/** Real value of an integer in a Q-format, for hovers. */
export function realOf(q: bigint, fracBits: number): string {
  const v = Number(q) / 2 ** fracBits;
  return Number.isInteger(v) ? v.toFixed(1) : String(Number(v.toPrecision(6)));
}
