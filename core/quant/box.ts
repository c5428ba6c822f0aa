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

/**
 * Parses `--input-range`: `lo:hi` for every element, or `lo:hi,lo:hi,...` with one pair per element of
 * one sample (all inputs concatenated, in graph order).
 */
export function parseInputRange(spec: string, g: Graph): Map<string, InputBox> {
  const pairs = spec.split(',').map((p) => p.trim()).filter(Boolean);
  const parsed = pairs.map((p) => {
    const m = /^(-?[\d.eE+-]+|-?inf):(-?[\d.eE+-]+|inf)$/.exec(p);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m ? Number(m[2]) : NaN;
    if (!m || !Number.isFinite(lo) || !Number.isFinite(hi)) throw new UserError(`--input-range: '${p}' is not lo:hi with finite numbers (e.g. --input-range -1:1 or 0:1,0:255)`);
    if (lo > hi) throw new UserError(`--input-range: '${p}' has lo > hi`);
    return [lo, hi] as const;
  });
  const total = g.inputs.reduce((a, i) => a + sizeOf(i.shape), 0);
  if (parsed.length !== 1 && parsed.length !== total) {
    throw new UserError(`--input-range: ${parsed.length} ranges given; give one (for all ${total} input values) or exactly ${total} (one per input value)`);
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
