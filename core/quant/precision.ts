// The storage widths when the user does not choose them: i16 activations and weights, unless the proof
// says that is too coarse for this model. Raw tabular features on very different scales (an area in the
// thousands beside a smoothness of 0.05) share one input format and, folded into the weights, one weight
// format: at 16 bits the small ones round to nothing. When the proven error bound of an output exceeds
// PRECISION_TARGET of its range, the weights and then the activations are widened to i32 — the first
// candidate that meets the target is kept (else the most accurate), and the note says why.
import type { Graph } from '../ir/graph';
import { planQuantisation } from './plan';
import type { Plan, QuantOptions, Storage } from './types';

/** an output's proven error bound may be at most this fraction of its largest magnitude */
export const PRECISION_TARGET = 0.05;

/** The largest error bound of a real output relative to its proven magnitude (0 when nothing is bounded). */
export function relativeErrorBound(plan: Plan): number {
  let worst = 0;
  for (const o of plan.graph.outputs) {
    const t = plan.tensors.get(o.id)!;
    if (t.kind !== 'real' || o.classLabels || t.errorBound === null || t.format.scale !== undefined || t.format.float32) continue;
    let mag = 0;
    for (let i = 0; i < t.qlo.length; i++) mag = Math.max(mag, Math.abs(t.qlo[i]), Math.abs(t.qhi[i]));
    mag *= 2 ** -t.format.frac;
    if (mag > 0) worst = Math.max(worst, t.errorBound / mag);
  }
  return worst;
}

export interface PrecisionChoice {
  plan: Plan;
  /** set when the widths were widened, saying why */
  note?: string;
}

/** Plans with the given widths; where one is left open, picks the narrowest that meets PRECISION_TARGET. */
export function planWithPrecision(g: Graph, opts: QuantOptions, fixed: { activations?: 'i16' | 'i32'; weights?: Storage }): PrecisionChoice {
  const first = planQuantisation(g, { ...opts, activations: fixed.activations ?? 'i16', weights: fixed.weights ?? 'i16' });
  const open = fixed.activations === undefined || fixed.weights === undefined;
  const prequantized = g.float32 || g.inputs.some((i) => i.quant);
  const r0 = relativeErrorBound(first);
  // an unbounded output (a division by what may be 0) is no matter of width
  if (!open || prequantized || r0 <= PRECISION_TARGET || !Number.isFinite(r0)) return { plan: first };
  const candidates: { activations: 'i16' | 'i32'; weights: Storage }[] = [];
  for (const activations of fixed.activations ? [fixed.activations] : (['i16', 'i32'] as const))
    for (const weights of fixed.weights ? [fixed.weights] : (['i16', 'i32'] as const)) if (activations !== 'i16' || weights !== 'i16') candidates.push({ activations, weights });
  let best = { plan: first, r: r0, w: { activations: 'i16', weights: 'i16' } as { activations: string; weights: string } };
  for (const w of candidates) {
    let plan: Plan;
    try {
      plan = planQuantisation(g, { ...opts, ...w });
    } catch {
      continue;
    }
    const r = relativeErrorBound(plan);
    // wider formats cost gas on every call (i64 accumulators, no lane-paired kernels): taken only when
    // they at least halve the bound (mnist-8's 34.6 % at 16 bits is 34.5 % at 32: the error is the
    // model's range, not the width)
    if (r < best.r && (r <= PRECISION_TARGET || r <= r0 / 2)) best = { plan, r, w };
    if (r <= PRECISION_TARGET) break;
  }
  if (best.plan === first) return { plan: first, note: `with 16-bit activations and weights the proven error bound is ${(100 * r0).toFixed(1)} % of the output's range, and wider formats do not halve it (choose --activations/--weights i32 to widen anyway)` };
  const pct = (x: number) => `${(100 * x).toFixed(x < 0.001 ? 3 : 1)} %`;
  return {
    plan: best.plan,
    note: `activations ${best.w.activations}, weights ${best.w.weights}: with 16 bits the proven error bound was ${pct(r0)} of the output's range (values on very different scales, such as raw tabular features, share one format), now ${pct(best.r)}; choose --activations/--weights to override`,
  };
}
