// What the language server needs from a generated crate's `stylus-ml.json`, read tolerantly: the
// per-layer entries (op, Q-formats of inputs/weights/outputs with their proven integer ranges, the
// accumulator type, the rescale shift, the function and line range in model.rs, analytical gas).
// The writer's schema lives in core/manifest; this view keeps the checks data-driven: whatever keys
// the writer uses are mapped here, and nothing else in the analysis depends on the JSON shape.

import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { validateManifest } from '../../manifest/file';
import { quantizedBox } from '../../quant/box';
import type { Interval } from '../domain/interval';
import { isIntTy, tyInfo, type IntTy } from '../domain/inttypes';

export const MANIFEST_FILE = 'stylus-ml.json';

/** A quantised tensor: storage type, fractional bits, proven range in integer (quantised) units. */
export interface QTensor {
  name: string;
  /** the Rust identifier holding it (a const for weights, a parameter for inputs), when known */
  rust: string | null;
  storage: IntTy;
  fracBits: number;
  /** proven range of the stored integers */
  range: [bigint, bigint] | null;
  /** the same per element, where known (graph inputs: the box; layer inputs: what the layer before computed) */
  elems?: Interval[] | null;
}

export interface ManifestLayer {
  /** position in the manifest (execution order) */
  index: number;
  /** the ONNX node name */
  name: string;
  /** the ONNX op (`Gemm`) when recorded, else the IR op (`matmul`) */
  op: string;
  /** the Rust function implementing the layer */
  fn: string;
  /** 1-based inclusive line range of the function in model.rs, when recorded */
  lines: [number, number] | null;
  /** formats of the layer's inputs, in parameter order; `range` when the manifest records it */
  inputs: QTensor[];
  inputShapes: number[][];
  weights: QTensor[];
  /** the output format with its proven integer interval (`qInterval`) */
  outputs: QTensor[];
  outputShape: number[];
  accumulator: IntTy | null;
  /** rescale shift (accumulator fractional bits minus output fractional bits), when recorded */
  shift: number | null;
  /** proven interval of the accumulator before the rescale, in integer units */
  accRange: [bigint, bigint] | null;
  /** the quantiser could not prove saturation unreachable here (the report says so) */
  saturationReachable: boolean;
  /**
   * The layer's weights are not in its code: read from data contracts or written into its arena buffer
   * at call time (stylus-ml.json `lowering.layers`). The code cannot show their values, so its bound is
   * the one proven at generation, not re-derived from the code.
   */
  weightsOutside: boolean;
  /** analytical estimate per call: typical, with min/max when recorded */
  gas: number | null;
  gasRange: [number, number] | null;
  ink: number | null;
}

export interface ManifestView {
  /** absolute path of stylus-ml.json */
  file: string;
  /** the crate directory (where stylus-ml.json is) */
  dir: string;
  /** model.rs path relative to dir, when recorded */
  modelRs: string | null;
  /** graph inputs: formats and proven ranges in integer units (from the real-valued ranges) */
  inputs: QTensor[];
  inputShapes: number[][];
  layers: ManifestLayer[];
  totalGas: number | null;
  schema: number | null;
}

export class ManifestError extends Error {}

type Json = Record<string, unknown>;
const obj = (x: unknown): Json | null => (x && typeof x === 'object' && !Array.isArray(x) ? (x as Json) : null);
const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);
const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : typeof x === 'string' && /^-?\d+(\.\d+)?$/.test(x) ? Number(x) : null);
const first = (o: Json, ...keys: string[]): unknown => {
  for (const k of keys) if (o[k] !== undefined) return o[k];
  return undefined;
};

/** Rust identifier for an ONNX node name, as codegen is expected to derive it (snake_case). */
export function rustIdent(name: string): string {
  let s = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
  if (s === '' || /^\d/.test(s)) s = `n_${s}`;
  return s;
}

function toBig(x: unknown): bigint | null {
  if (typeof x === 'bigint') return x;
  if (typeof x === 'number' && Number.isInteger(x)) return BigInt(x);
  if (typeof x === 'string' && /^-?\d+$/.test(x)) return BigInt(x);
  return null;
}

/**
 * A range in integer units: `qRange`/`intRange`/`interval` are taken as integers; `range` is integers if
 * all bounds are integral, otherwise real values scaled by 2^fracBits (outward rounding).
 */
function readRange(o: Json, fracBits: number, storage: IntTy | null): [bigint, bigint] | null {
  const q = first(o, 'qRange', 'intRange', 'qInterval', 'interval', 'provenInterval');
  if (Array.isArray(q) && q.length === 2) {
    const lo = toBig(q[0]);
    const hi = toBig(q[1]);
    if (lo !== null && hi !== null) return [lo, hi];
  }
  const r = first(o, 'range', 'realRange', 'valueRange');
  if (Array.isArray(r) && r.length === 2) {
    const [a, b] = r;
    const lo = toBig(a);
    const hi = toBig(b);
    const realKey = o.realRange !== undefined || o.valueRange !== undefined;
    if (lo !== null && hi !== null && !realKey && fracBits === 0) return [lo, hi];
    const fa = num(a);
    const fb = num(b);
    if (fa === null || fb === null) return null;
    const s = 2 ** fracBits;
    let qlo = BigInt(Math.floor(fa * s));
    let qhi = BigInt(Math.ceil(fb * s));
    if (storage) {
      const i = tyInfo(storage);
      if (qlo < i.min) qlo = i.min;
      if (qhi > i.max) qhi = i.max;
    }
    return [qlo, qhi];
  }
  return null;
}

function readTensor(x: unknown, fallbackName: string): QTensor | null {
  const o = obj(x);
  if (!o) return null;
  const fmt = obj(first(o, 'format', 'q', 'qformat')) ?? o;
  const storage = str(first(fmt, 'storage', 'type', 'dtype'));
  if (!storage || !isIntTy(storage)) return null;
  const fracBits = num(first(fmt, 'fracBits', 'frac_bits', 'frac')) ?? 0;
  return {
    name: str(o.name) ?? fallbackName,
    rust: str(first(o, 'rust', 'rustName', 'ident', 'const')),
    storage,
    fracBits,
    range: readRange(o, fracBits, storage) ?? readRange(fmt, fracBits, storage),
  };
}

function tensors(x: unknown, prefix: string): QTensor[] {
  if (Array.isArray(x)) return x.map((t, i) => readTensor(t, `${prefix}${i}`)).filter((t): t is QTensor => t !== null);
  const one = readTensor(x, prefix);
  if (one) return [one];
  // an object keyed by role: { "weight": {...}, "bias": {...} }
  const o = obj(x);
  if (!o) return [];
  return Object.entries(o)
    .map(([k, v]) => readTensor(v, k))
    .filter((t): t is QTensor => t !== null);
}

function readLines(o: Json): [number, number] | null {
  const l = first(o, 'lines', 'lineRange', 'rustLines', 'span');
  if (Array.isArray(l) && l.length === 2 && num(l[0]) !== null && num(l[1]) !== null) return [num(l[0])!, num(l[1])!];
  const lo = obj(l);
  if (lo) {
    const s = num(first(lo, 'start', 'from', 'first'));
    const e = num(first(lo, 'end', 'to', 'last'));
    if (s !== null && e !== null) return [s, e];
  }
  return null;
}

/** A format object `{storage, fracBits}` (schema TensorFormat) as a tensor without a range. */
function formatTensor(x: unknown, name: string): QTensor | null {
  const o = obj(x);
  const storage = o ? str(o.storage) : null;
  if (!o || !storage || !isIntTy(storage)) return null;
  return { name, rust: null, storage, fracBits: num(o.fracBits) ?? 0, range: null };
}

/** `{min, typical, max}` (schema InkEstimate) or a plain number. */
function estimate(x: unknown): { typical: number; range: [number, number] | null } | null {
  const n = num(x);
  if (n !== null) return { typical: n, range: null };
  const o = obj(x);
  if (!o) return null;
  const t = num(first(o, 'typical', 'value'));
  if (t === null) return null;
  const lo = num(o.min);
  const hi = num(o.max);
  return { typical: t, range: lo !== null && hi !== null ? [lo, hi] : null };
}

function shapeOf(x: unknown): number[] {
  return Array.isArray(x) ? x.map((d) => num(d) ?? 0) : [];
}

/**
 * Maps a parsed stylus-ml.json (core/manifest/schema.ts, `schema: 1`) onto the view. Optional extras a
 * writer may add are used when present: per-layer `weights: [{rust, storage, fracBits, qRange}]` (the
 * const tables and their quantised ranges) and `inputQIntervals` (proven integer ranges of the inputs).
 * Throws ManifestError when the file is not a manifest at all.
 */
export function readManifestView(json: unknown, file: string): ManifestView {
  const root = obj(json);
  if (!root) throw new ManifestError(`${file}: not a JSON object`);
  const layersRaw = first(root, 'layers', 'nodes');
  const decisions = obj(obj(root.lowering)?.layers) ?? {};
  if (!Array.isArray(layersRaw)) throw new ManifestError(`${file}: no "layers" array`);
  const layers: ManifestLayer[] = [];
  layersRaw.forEach((x, i) => {
    const o = obj(x);
    if (!o) return;
    const name = str(first(o, 'name', 'node', 'onnxName')) ?? `layer${i}`;
    const code = obj(first(o, 'code', 'source'));
    const fn = str(first(o, 'fn', 'function', 'rustFn')) ?? (code ? str(first(code, 'fn', 'function', 'name')) : null) ?? rustIdent(name);
    const accRaw = first(o, 'accumulator', 'acc', 'accType');
    const accObj = obj(accRaw);
    const accName = str(accRaw) ?? (accObj ? str(accObj.type) : null);
    const accTy = accName && isIntTy(accName) ? accName : null;
    const cost = obj(first(o, 'cost', 'gasEstimate')) ?? o;
    const gas = estimate(first(cost, 'gas', 'estimatedGas'));
    const ink = estimate(first(cost, 'ink', 'estimatedInk'));
    // inputs: schema `inputFormats` (+ optional `inputQIntervals`), or tensors with ranges
    let inputs: QTensor[];
    const fmts = first(o, 'inputFormats');
    if (Array.isArray(fmts)) {
      const qi = first(o, 'inputQIntervals');
      inputs = fmts
        .map((f, k) => {
          const t = formatTensor(f, `${name}.input${k}`);
          const r = Array.isArray(qi) ? qi[k] : undefined;
          if (t && Array.isArray(r) && r.length === 2 && toBig(r[0]) !== null && toBig(r[1]) !== null) t.range = [toBig(r[0])!, toBig(r[1])!];
          return t;
        })
        .filter((t): t is QTensor => t !== null);
    } else inputs = tensors(first(o, 'inputs', 'input'), 'input');
    // weights: optional detailed list, else the schema's single `weightFormat`
    let weights = tensors(first(o, 'weights', 'params', 'parameters'), 'weight');
    if (weights.length === 0) {
      const wf = formatTensor(o.weightFormat, `${name}.weight`);
      if (wf) weights = [wf];
    }
    // output: schema `outputFormat` + `qInterval`, or tensors
    let outputs: QTensor[];
    const of = formatTensor(o.outputFormat, `${name}.output`);
    if (of) {
      const q = o.qInterval;
      if (Array.isArray(q) && q.length === 2 && toBig(q[0]) !== null && toBig(q[1]) !== null) of.range = [toBig(q[0])!, toBig(q[1])!];
      outputs = [of];
    } else outputs = tensors(first(o, 'outputs', 'output'), 'output');
    layers.push({
      index: num(o.index) ?? i,
      name,
      op: str(first(o, 'onnxOp', 'op', 'opType', 'kind')) ?? '?',
      fn,
      lines: readLines(o) ?? (code ? readLines(code) : null),
      inputs,
      inputShapes: Array.isArray(o.inputShapes) ? o.inputShapes.map(shapeOf) : [],
      weights,
      outputs,
      outputShape: shapeOf(o.outputShape),
      accumulator: accTy,
      shift: num(first(o, 'shift', 'rescaleShift')),
      accRange: accObj ? readRange(accObj, 0, null) : null,
      saturationReachable: first(o, 'saturationReachable', 'saturates') === true,
      weightsOutside: /data contracts|code parts/.test(str(decisions[fn]) ?? ''),
      gas: gas?.typical ?? null,
      gasRange: gas?.range ?? null,
      ink: ink?.typical ?? null,
    });
  });
  const totals = obj(first(root, 'totals', 'total')) ?? {};
  const files = obj(root.files);
  const graphInputs = Array.isArray(root.inputs) ? root.inputs : [];
  return {
    file,
    dir: path.dirname(file),
    modelRs: str(first(root, 'modelRs', 'model_rs')) ?? (files ? str(first(files, 'modelRs', 'model', 'modelRust')) : null),
    inputs: graphInputs.map((x, k) => withBox(readTensor(x, `input${k}`), x)).filter((t): t is QTensor => t !== null),
    inputShapes: graphInputs.map((x) => shapeOf(obj(x)?.shape)),
    layers,
    totalGas: estimate(first(totals, 'estimatedGas', 'gas'))?.typical ?? null,
    schema: num(root.schema),
  };
}

/**
 * A graph input's per-element box (`box: { lo, hi }`, real values) in integer units, quantised as the plan
 * quantised it (core/quant/box.ts): the contract admits exactly these integers, element by element.
 */
function withBox(t: QTensor | null, x: unknown): QTensor | null {
  const box = obj(obj(x)?.box);
  const lo = box?.lo;
  const hi = box?.hi;
  if (!t || !Array.isArray(lo) || !Array.isArray(hi) || lo.length !== hi.length || lo.length === 0) return t;
  if (!lo.every((v) => num(v) !== null) || !hi.every((v) => num(v) !== null)) return t;
  if (t.storage !== 'i8' && t.storage !== 'i16' && t.storage !== 'i32') return t;
  const kind = obj(x)?.kind === 'int' ? 'int' : 'real';
  // a pre-quantized model's input: value = (q - zeroPoint) * scale
  const scale = num(obj(x)?.scale);
  const zeroPoint = num(obj(x)?.zeroPoint);
  const format = scale !== null ? { storage: t.storage, frac: 0, scale, zeroPoint: zeroPoint ?? 0 } : { storage: t.storage, frac: t.fracBits };
  const q = quantizedBox(lo.map((v) => num(v)!), hi.map((v) => num(v)!), format, kind);
  const elems = Array.from(q.qlo, (l, i) => ({ lo: BigInt(l), hi: BigInt(q.qhi[i]) }));
  return { ...t, elems };
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
      // the writer's own validation first (schema version, required keys), then the view
      const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
      validateManifest(json, file);
      view = readManifestView(json, file);
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
