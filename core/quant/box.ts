// The declared input box: `--input-range`, calibration data, or the range of the inputs given.
import type { Graph } from '../ir/graph';
import { sizeOf } from '../ir/graph';
import { UserError } from '../errors';
import type { InputBox, QFormat } from './types';
import { storageMax, storageMin } from './types';
import type { InputCase } from '../io/inputs';
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
 * integer inputs (labels, indices): the integers inside the box. One definition for the plan and the
 * overflow analysis, which re-proves a crate's bounds from stylus-ml.json's box.
 */
export function quantizedBox(lo: ArrayLike<number>, hi: ArrayLike<number>, format: QFormat, kind: 'real' | 'int'): { qlo: Float64Array; qhi: Float64Array } {
  if (kind === 'int') return { qlo: Float64Array.from(lo, Math.ceil), qhi: Float64Array.from(hi, Math.floor) };
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
