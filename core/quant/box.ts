// The declared input box: `--input-range`, calibration data, or the range of the inputs given.
import type { Graph } from '../ir/graph';
import { sizeOf } from '../ir/graph';
import { UserError } from '../errors';
import type { InputBox, QFormat } from './types';
import { storageMax, storageMin } from './types';
import type { InputCase } from '../io/inputs';
import { f32, keyOf } from './f32';
import { quantize } from './fixed';
import { Q_MAX, Q_MIN, quantizeLinear } from './requant';

/** One `lo:hi` pair of `--input-range`. */
function parsePair(p: string): readonly [number, number] {
  const m = /^(-?[\d.eE+-]+|-?inf):(-?[\d.eE+-]+|inf)$/.exec(p);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2]) : NaN;
  if (!m || !Number.isFinite(lo) || !Number.isFinite(hi)) throw new UserError(`--input-range: '${p}' is not lo:hi with finite numbers (e.g. --input-range -1:1, 0:1,0:255 or image=0:1,scale=-1:1)`);
  if (lo > hi) throw new UserError(`--input-range: '${p}' has lo > hi`);
  return [lo, hi] as const;
}

/**
 * Parses `--input-range`: `lo:hi` for every element, `lo:hi,lo:hi,...` with one pair per element of one
 * sample (all inputs concatenated, in graph order), or `name=lo:hi,...` with one range per input, every
 * input named once.
 */
export function parseInputRange(spec: string, g: Graph): Map<string, InputBox> {
  const pairs = spec.split(',').map((p) => p.trim()).filter(Boolean);
  const named = pairs.filter((p) => p.includes('='));
  if (named.length > 0) return parseNamedRanges(pairs, g);
  const parsed = pairs.map(parsePair);
  const total = g.inputs.reduce((a, i) => a + sizeOf(i.shape), 0);
  if (parsed.length !== 1 && parsed.length !== total) {
    throw new UserError(`--input-range: ${parsed.length} ranges given; give one (for all ${total} input values), exactly ${total} (one per input value) or one per input by name (${g.inputs.map((i) => `${i.name}=lo:hi`).join(',')})`);
  }
  const boxes = new Map<string, InputBox>();
  let offset = 0;
  for (const inp of g.inputs) {
    const n = sizeOf(inp.shape);
    const lo = new Float64Array(n);
    const hi = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const [a, b] = parsed.length === 1 ? parsed[0] : parsed[offset + i];
      lo[i] = a;
      hi[i] = b;
    }
    offset += n;
    boxes.set(inp.id, { lo, hi, source: 'declared' });
  }
  return boxes;
}

/** `name=lo:hi,...`: one range for all the values of each named input. */
function parseNamedRanges(pairs: string[], g: Graph): Map<string, InputBox> {
  const ranges = new Map<string, readonly [number, number]>();
  for (const p of pairs) {
    const eq = p.lastIndexOf('=');
    if (eq < 0) throw new UserError(`--input-range: '${p}' has no input name; with names, give every input as name=lo:hi`);
    const name = p.slice(0, eq).trim();
    const inp = g.inputs.find((i) => i.name === name);
    if (!inp) throw new UserError(`--input-range: the model has no input '${name}'; its inputs are ${g.inputs.map((i) => i.name).join(', ')}`);
    if (ranges.has(inp.id)) throw new UserError(`--input-range: input '${name}' is given twice`);
    ranges.set(inp.id, parsePair(p.slice(eq + 1).trim()));
  }
  const missing = g.inputs.filter((i) => !ranges.has(i.id));
  if (missing.length) throw new UserError(`--input-range: no range for input${missing.length > 1 ? 's' : ''} ${missing.map((i) => `'${i.name}'`).join(', ')}; name every input (${g.inputs.map((i) => `${i.name}=lo:hi`).join(',')})`);
  const boxes = new Map<string, InputBox>();
  for (const inp of g.inputs) {
    const [a, b] = ranges.get(inp.id)!;
    const n = sizeOf(inp.shape);
    boxes.set(inp.id, { lo: new Float64Array(n).fill(a), hi: new Float64Array(n).fill(b), source: 'declared' });
  }
  return boxes;
}

/**
 * The box `estimate MODEL.onnx` (and the model preview) assumes when none is declared: every real input
 * value in [-1, 1], the range of inputs normalised as trained models usually take them (standardised
 * features, images scaled to [0, 1] or [-1, 1]); integer inputs (labels, indices, raw bytes) over the
 * values of their type, at most those of an i16. A stated convention, never a guess about the data: the
 * figures it gives are those of a model fed such inputs, and a declared box or calibration data replaces it.
 */
export const DEFAULT_REAL_RANGE: readonly [number, number] = [-1, 1];

const INT_DEFAULTS: Record<string, readonly [number, number]> = {
  BOOL: [0, 1],
  UINT8: [0, 255],
  INT8: [-128, 127],
  UINT16: [0, 32767],
  UINT32: [0, 32767],
  UINT64: [0, 32767],
};
const REAL_DTYPES = new Set(['FLOAT', 'DOUBLE', 'FLOAT16', 'BFLOAT16']);

/** The default box of one input, by its ONNX element type name. */
export function defaultRangeOf(dtype: string): readonly [number, number] {
  return REAL_DTYPES.has(dtype) ? DEFAULT_REAL_RANGE : (INT_DEFAULTS[dtype] ?? [-32768, 32767]);
}

/** The default box as an `--input-range` spec (inputs by ONNX element type name): `lo:hi` when every input
 *  shares it, else `name=lo:hi,...`. The preview shows it and hands it to `new`. */
export function defaultInputRange(inputs: readonly { name: string; dtype: string }[]): string {
  return rangeSpec(inputs.map((i) => ({ name: i.name, range: defaultRangeOf(i.dtype) })));
}

function rangeSpec(per: { name: string; range: readonly [number, number] }[]): string {
  const pair = (r: readonly [number, number]) => `${r[0]}:${r[1]}`;
  const first = per[0] ? pair(per[0].range) : '';
  if (per.every((p) => pair(p.range) === first)) return first;
  return per.map((p) => `${p.name}=${pair(p.range)}`).join(',');
}

/** The box as a short `--input-range` spec when each input has one range for all its values, else null
 *  (a per-value box, e.g. from calibration data). */
export function boxSpec(g: Graph, boxes: Map<string, InputBox>): string | null {
  const per: { name: string; range: readonly [number, number] }[] = [];
  for (const inp of g.inputs) {
    const b = boxes.get(inp.id);
    if (!b || b.lo.length === 0) return null;
    if (!b.lo.every((x) => x === b.lo[0]) || !b.hi.every((x) => x === b.hi[0])) return null;
    per.push({ name: inp.name, range: [b.lo[0], b.hi[0]] });
  }
  return rangeSpec(per);
}

/**
 * How a box is derived from calibration data. `per-value`: each value's own range; `per-tensor`: one range
 * for all of an input's values (an image's pixels share their scale: a pixel that was always 0 in the
 * calibration rows may be lit in a query); `auto` (the default): per-tensor for images (rank ≥ 3) and for
 * flat inputs of at least 16 values on one common scale, per-value otherwise (tabular features).
 */
export type BoxShape = 'auto' | 'per-value' | 'per-tensor';

export interface BoxPolicy {
  shape: BoxShape;
  /**
   * How far a per-value box reaches past the calibration range, as a fraction of that range on each side;
   * a heavier tail reaches further (see `calibrationBox`). Default 0.5; 0 is the calibration's min/max.
   */
  margin?: number;
  /** margin of a per-tensor box (default 0: an image's pixels span their whole scale already) */
  tensorMargin?: number;
}

export const DEFAULT_MARGIN = 0.5;
/** a tail counts `TAIL_FACTOR · margin` times the distance from its 90th (10th) percentile to the extreme */
const TAIL_FACTOR = 6;
/** inputs with at least this many values on one scale are treated as an image (per-tensor) */
const MIN_IMAGE_VALUES = 16;

export interface CalibrationBoxes {
  boxes: Map<string, InputBox>;
  /** per input id: the shape chosen */
  shapes: Map<string, 'per-value' | 'per-tensor'>;
  margin: number;
  notes: string[];
}

function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const i = Math.floor(at);
  return i + 1 < sorted.length ? sorted[i] + (sorted[i + 1] - sorted[i]) * (at - i) : sorted[i];
}

/**
 * One common scale: at least half of the values range over a quarter of the whole input's range or more
 * (an image's pixels, a spectrum's bins), rather than each feature keeping to its own units.
 */
function commonScale(lo: Float64Array, hi: Float64Array): boolean {
  let a = Infinity;
  let b = -Infinity;
  for (let i = 0; i < lo.length; i++) {
    a = Math.min(a, lo[i]);
    b = Math.max(b, hi[i]);
  }
  const whole = b - a;
  if (!(whole > 0)) return true;
  let wide = 0;
  for (let i = 0; i < lo.length; i++) if (hi[i] - lo[i] >= whole / 4) wide++;
  return wide >= lo.length / 2;
}

/**
 * The input box from calibration cases, derived so that unseen data from the same distribution stays
 * inside it (see BoxPolicy). A per-value box reaches past each value's calibration range by
 * max(margin · range, 6 · margin · tail) on each side, tail being the distance from the 10th/90th
 * percentile to the extreme (heavy-tailed features reach further); a value never negative in the
 * calibration data stays ≥ 0 (never positive: ≤ 0); integer inputs round outward.
 */
export function calibrationBox(g: Graph, cases: InputCase[], policy: BoxPolicy): CalibrationBoxes {
  if (cases.length === 0) throw new UserError('calibration data has no cases');
  const margin = policy.margin ?? DEFAULT_MARGIN;
  if (!(margin >= 0) || !Number.isFinite(margin)) throw new UserError(`--box-margin must be a number ≥ 0, got ${policy.margin}`);
  const tensorMargin = policy.tensorMargin ?? 0;
  const exact = boxFromCases(g, cases, 'calibration');
  const boxes = new Map<string, InputBox>();
  const shapes = new Map<string, 'per-value' | 'per-tensor'>();
  const notes: string[] = [];
  for (const inp of g.inputs) {
    const { lo: mn, hi: mx } = exact.get(inp.id)!;
    const n = mn.length;
    const shape = policy.shape !== 'auto' ? policy.shape : inp.kind === 'real' && (inp.shape.length >= 3 || (n >= MIN_IMAGE_VALUES && commonScale(mn, mx))) ? 'per-tensor' : 'per-value';
    shapes.set(inp.id, shape);
    const lo = new Float64Array(n);
    const hi = new Float64Array(n);
    if (shape === 'per-tensor') {
      const a = Math.min(...mn);
      const b = Math.max(...mx);
      const pad = tensorMargin * (b - a);
      lo.fill(a >= 0 ? Math.max(0, a - pad) : a - pad);
      hi.fill(b <= 0 ? Math.min(0, b + pad) : b + pad);
    } else {
      for (let i = 0; i < n; i++) {
        const col = cases.map((c) => c.get(inp.id)![i]).sort((x, y) => x - y);
        const span = mx[i] - mn[i] || Math.max(Math.abs(mn[i]), 1);
        const below = Math.max(margin * span, TAIL_FACTOR * margin * (quantile(col, 0.1) - mn[i]));
        const above = Math.max(margin * span, TAIL_FACTOR * margin * (mx[i] - quantile(col, 0.9)));
        lo[i] = mn[i] >= 0 ? Math.max(0, mn[i] - below) : mn[i] - below;
        hi[i] = mx[i] <= 0 ? Math.min(0, mx[i] + above) : mx[i] + above;
      }
    }
    if (inp.kind === 'int') {
      for (let i = 0; i < n; i++) {
        lo[i] = Math.floor(lo[i]);
        hi[i] = Math.ceil(hi[i]);
      }
    }
    boxes.set(inp.id, { lo, hi, source: 'calibration' });
    notes.push(
      shape === 'per-tensor'
        ? `'${inp.name}': one range for all ${n} values, [${lo[0]}, ${hi[0]}] (per-tensor: its values share one scale)`
        : `'${inp.name}': each value's calibration range${margin > 0 ? ` widened by ${margin} of it on each side (further for heavy tails), kept ≥ 0 where never negative` : ''} (per-value: its values are separate features)`,
    );
  }
  return { boxes, shapes, margin, notes };
}

/** Per-element min/max over calibration cases. */
export function boxFromCases(g: Graph, cases: InputCase[], source: InputBox['source']): Map<string, InputBox> {
  if (cases.length === 0) throw new UserError('calibration data has no cases');
  const boxes = new Map<string, InputBox>();
  for (const inp of g.inputs) {
    const n = sizeOf(inp.shape);
    const lo = new Float64Array(n).fill(Infinity);
    const hi = new Float64Array(n).fill(-Infinity);
    for (const c of cases) {
      const v = c.get(inp.id)!;
      for (let i = 0; i < n; i++) {
        if (v[i] < lo[i]) lo[i] = v[i];
        if (v[i] > hi[i]) hi[i] = v[i];
      }
    }
    boxes.set(inp.id, { lo, hi, source });
  }
  return boxes;
}

/** Cases outside the box, as messages (first few). */
export function outsideBox(g: Graph, boxes: Map<string, InputBox>, cases: InputCase[]): string[] {
  const out: string[] = [];
  cases.forEach((c, ci) => {
    for (const inp of g.inputs) {
      const box = boxes.get(inp.id)!;
      const v = c.get(inp.id)!;
      for (let i = 0; i < v.length; i++) {
        if (v[i] < box.lo[i] || v[i] > box.hi[i]) {
          out.push(`case ${ci}: ${inp.name}[${i}] = ${v[i]} is outside [${box.lo[i]}, ${box.hi[i]}]`);
          return;
        }
      }
    }
  });
  return out;
}

/**
 * The box in integer units, per element: what the plan proves from and what the contract admits (its
 * per-element lo/hi tables). Real inputs: each bound quantised at the input's format, within its storage;
 * integer inputs (labels, indices): the integers inside the box; float32 inputs: the keys of the bounds. One definition for the plan and the
 * overflow analysis, which re-proves a crate's bounds from stylus-ml.json's box.
 */
export function quantizedBox(lo: ArrayLike<number>, hi: ArrayLike<number>, format: QFormat, kind: 'real' | 'int'): { qlo: Float64Array; qhi: Float64Array } {
  if (kind === 'int') return { qlo: Float64Array.from(lo, Math.ceil), qhi: Float64Array.from(hi, Math.floor) };
  // a float32 input of a dynamically quantized model: the keys of the box's float32 values
  if (format.float32) return { qlo: Float64Array.from(lo, (v) => keyOf(f32(v))), qhi: Float64Array.from(hi, (v) => keyOf(f32(v))) };
  // a pre-quantized model's own QuantizeLinear: the contract takes its integers, the box bounds them
  if (format.scale !== undefined) {
    const { scale, zeroPoint = 0 } = format;
    return { qlo: Float64Array.from(lo, (v) => Math.max(Q_MIN, quantizeLinear(v, scale, zeroPoint))), qhi: Float64Array.from(hi, (v) => Math.min(Q_MAX, quantizeLinear(v, scale, zeroPoint))) };
  }
  const n = lo.length;
  const qlo = new Float64Array(n);
  const qhi = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    qlo[i] = Math.max(storageMin(format.storage), quantize(lo[i], format.frac));
    qhi[i] = Math.min(storageMax(format.storage), quantize(hi[i], format.frac));
  }
  return { qlo, qhi };
}
