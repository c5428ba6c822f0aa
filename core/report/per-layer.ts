// `simulate --per-layer`: where a model loses its accuracy. For every layer, the error of its fixed-point
// output against the IR's real-number meaning (core/ir/evaluate.ts, the float model layer by layer) over
// the inputs simulated, beside its format, its proven error bound and a histogram of its values over the
// format's range. The layer that adds the most relative error is named, with what to do about it.
import { evaluateFloat } from '../ir/evaluate';
import type { InputCase } from '../io/inputs';
import { rustFnName } from '../manifest/from-plan';
import { formatText, quantizeInputs, realOf, runFixed, InputOutOfRange, type InputPolicy } from '../quant/simulate';
import type { Plan, QTensor, QuantOptions } from '../quant/types';
import { planQuantisation } from '../quant/plan';
import { storageMax, storageMin } from '../quant/types';
import { valueOfKey } from '../quant/f32';

export const HISTOGRAM_BINS = 16;
/** inputs the advice re-runs with wider formats */
const ADVICE_CASES = 64;

export interface LayerError {
  index: number;
  /** ONNX node name */
  name: string;
  /** the Rust function of the layer in model.rs */
  fn: string;
  op: string;
  onnxOp: string;
  /** the output tensor */
  tensor: string;
  /** e.g. `i16 Q.8`, `i8 (q - 3) * 0.05`, `f32` */
  format: string;
  /** largest and mean |fixed − float| over every element and input (null for integer outputs) */
  maxAbsError: number | null;
  meanAbsError: number | null;
  /** the proven bound on |fixed − float| for inputs in the box */
  errorBound: number | null;
  /**
   * what the bound is against: the float model, or — for a pre-quantized or dynamically quantized
   * model's own integers — onnxruntime running that quantized model
   */
  boundAgainst: 'float model' | 'onnxruntime';
  /** maxAbsError over the largest |float| of the layer */
  relError: number | null;
  /** the proven real interval of the output (hull) */
  range: [number, number];
  /** the smallest and largest value the fixed-point output took */
  observed: [number, number];
  /** the values over the format's representable range: `counts[i]` in [lo + i·w, lo + (i+1)·w) */
  histogram: { lo: number; hi: number; counts: number[] };
}

export interface PerLayerReport {
  /** inputs measured (those the contract answers: inside the box, or clamped into it) */
  cases: number;
  layers: LayerError[];
  /** the layer adding the most relative error, and what to do about it */
  worst: { index: number; name: string; why: string; advice: string } | null;
}


/** The real values a format can hold; a float32 tensor's is its proven interval. */
function formatRange(t: QTensor): [number, number] {
  const f = t.format;
  if (f.float32) return hull(t, (q) => valueOfKey(q));
  if (t.kind === 'int') return hull(t, (q) => q);
  return [realOf(f, storageMin(f.storage)), realOf(f, storageMax(f.storage))];
}

function hull(t: QTensor, real: (q: number) => number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < t.qlo.length; i++) {
    lo = Math.min(lo, real(t.qlo[i]));
    hi = Math.max(hi, real(t.qhi[i]));
  }
  return t.qlo.length ? [lo, hi] : [0, 0];
}

/** Runs the cases through the simulator and the float evaluator and compares every layer. */
export function perLayerReport(plan: Plan, cases: InputCase[], policy: InputPolicy): PerLayerReport {
  const g = plan.graph;
  const nodes = plan.nodes;
  const acc = nodes.map(() => ({ max: 0, sum: 0, n: 0, fmax: 0, lo: Infinity, hi: -Infinity, counts: new Array<number>(HISTOGRAM_BINS).fill(0) }));
  const ranges = nodes.map((qn) => formatRange(plan.tensors.get(qn.node.outputs[0])!));
  const inputRel = new Map<string, number>();
  let measured = 0;
  for (const c of cases) {
    let q;
    try {
      q = quantizeInputs(plan, c, policy);
    } catch (e) {
      if (e instanceof InputOutOfRange) continue;
      throw e;
    }
    measured++;
    // the float model sees what the contract sees: the input, clamped into the box when the policy clamps
    const real = new Map<string, Float64Array>();
    for (const inp of g.inputs) {
      const box = plan.options.boxes.get(inp.id)!;
      real.set(inp.id, Float64Array.from(c.get(inp.id)!, (x, i) => Math.min(Math.max(x, box.lo[i]), box.hi[i])));
      const t = plan.tensors.get(inp.id)!;
      const qi = q.get(inp.id)!;
      let m = 0;
      let mag = 0;
      real.get(inp.id)!.forEach((x, i) => {
        m = Math.max(m, Math.abs(realOf(t.format, qi[i]) - x));
        mag = Math.max(mag, Math.abs(x));
      });
      inputRel.set(inp.id, Math.max(inputRel.get(inp.id) ?? 0, mag > 0 ? m / mag : 0));
    }
    const fl = evaluateFloat(g, real);
    const fx = runFixed(plan, q);
    nodes.forEach((qn, k) => {
      const id = qn.node.outputs[0];
      const t = plan.tensors.get(id)!;
      const a = acc[k];
      const [lo, hi] = ranges[k];
      const w = (hi - lo) / HISTOGRAM_BINS;
      const fv = fl.get(id)!;
      fx.get(id)!.forEach((raw, i) => {
        const x = t.kind === 'int' ? raw : realOf(t.format, raw);
        a.lo = Math.min(a.lo, x);
        a.hi = Math.max(a.hi, x);
        const bin = w > 0 ? Math.min(HISTOGRAM_BINS - 1, Math.max(0, Math.floor((x - lo) / w))) : 0;
        a.counts[bin]++;
        if (t.kind !== 'real') return;
        const e = Math.abs(x - fv[i]);
        a.max = Math.max(a.max, e);
        a.sum += e;
        a.n++;
        a.fmax = Math.max(a.fmax, Math.abs(fv[i]));
      });
    });
  }
  const layers: LayerError[] = nodes.map((qn, k) => {
    const id = qn.node.outputs[0];
    const t = plan.tensors.get(id)!;
    const a = acc[k];
    const real = t.kind === 'real' && a.n > 0;
    return {
      index: k,
      name: qn.node.origin.name,
      fn: rustFnName(qn.node.origin.name, k),
      op: qn.node.op.op,
      onnxOp: qn.node.origin.opType,
      tensor: id,
      format: formatText(t.format),
      maxAbsError: real ? a.max : null,
      meanAbsError: real ? a.sum / a.n : null,
      errorBound: t.errorBound,
      boundAgainst: t.format.float32 || t.format.scale !== undefined ? 'onnxruntime' : 'float model',
      relError: real && a.fmax > 0 ? a.max / a.fmax : real ? 0 : null,
      range: t.format.float32 ? hull(t, valueOfKey) : hull(t, (v) => (t.kind === 'int' ? v : realOf(t.format, v))),
      observed: measured > 0 ? [a.lo, a.hi] : [0, 0],
      histogram: { lo: ranges[k][0], hi: ranges[k][1], counts: a.counts },
    };
  });
  return { cases: measured, layers, worst: worstLayer(plan, layers, inputRel, cases.slice(0, ADVICE_CASES), policy) };
}

/** The layer whose relative error grows the most over its inputs', and what to do about it. */
function worstLayer(plan: Plan, layers: LayerError[], inputRel: Map<string, number>, cases: InputCase[], policy: InputPolicy): PerLayerReport['worst'] {
  const rel = new Map(inputRel);
  let best: { k: number; added: number } | null = null;
  plan.nodes.forEach((qn, k) => {
    const l = layers[k];
    if (l.relError === null) return;
    const before = Math.max(0, ...qn.node.inputs.map((i) => rel.get(i) ?? 0));
    rel.set(qn.node.outputs[0], l.relError);
    const added = l.relError - before;
    if (added > 0 && (!best || added > best.added)) best = { k, added };
  });
  if (!best) return null;
  const { k, added } = best as { k: number; added: number };
  const l = layers[k];
  const qn = plan.nodes[k];
  const t = plan.tensors.get(qn.node.outputs[0])!;
  const why = `its error reaches ${pct(l.relError!)} of its largest value (${pct(added)} more than its inputs'), max |fixed − float| ${l.maxAbsError!.toExponential(2)}, format ${l.format}`;
  const used = Math.max(Math.abs(l.observed[0]), Math.abs(l.observed[1]));
  const reach = Math.max(Math.abs(l.histogram.lo), Math.abs(l.histogram.hi));
  let advice: string;
  if (t.format.float32 || t.format.scale !== undefined) {
    advice = "this is the model's own quantization (its scales), which stylus-ml reproduces as onnxruntime computes it; quantize the model with finer scales or leave the layer in float";
  } else {
    // measured, not guessed: the same inputs through the plans with wider weights and activations
    const tried = alternatives(plan).map((alt) => ({ ...alt, error: layerMaxError(alt.plan, k, cases, policy) }));
    const small = l.relError! < 1e-3;
    const better = tried.filter((a) => a.error !== null && a.error < 0.5 * l.maxAbsError!).sort((a, b) => a.error! - b.error!);
    const measured = tried.map((a) => `${a.flags}: ${a.error === null ? 'not plannable' : a.error.toExponential(2)}`).join(', ');
    if (better.length) {
      // the fewest changes among those within twice the best
      const b = better.filter((a) => a.error! <= 2 * better[0].error!).sort((x, y) => x.changes - y.changes || x.error! - y.error!)[0];
      const lower = `${b.flags} lowers the layer's max error on these inputs from ${l.maxAbsError!.toExponential(2)} to ${b.error!.toExponential(2)} (measured: ${measured})`;
      advice = small ? `nothing needs to change: the error is ${pct(l.relError!)} of its values; if you want it smaller, ${lower}` : `use ${lower.replace(' lowers', ': it lowers')}`;
    } else if (used > 0 && reach / used >= 16) {
      const bits = Math.floor(Math.log2(reach / used)) - 1;
      advice = `its values reach only ${used.toPrecision(3)} of the ±${reach.toPrecision(3)} its format can hold: the proven interval is wide (from the input box or the layers before), so its steps are coarse. Narrow the input box (check it with --validation), or force a finer format with --format ${t.id}=${t.format.storage}:${t.format.frac + bits} (stylus-ml warns where that can saturate)${measured ? `; wider formats do not help much (${measured})` : ''}`;
    } else if (qn.approxError !== undefined && qn.approxError >= l.maxAbsError! / 2) {
      advice = `most of it is the ${l.onnxOp} approximation's own error (${qn.approxError.toExponential(2)}), the integer table stylus-ml uses; it is within the proven bound`;
    } else {
      advice = `it is within the proven bound ${l.errorBound === null ? '' : `(${l.errorBound.toExponential(2)}) `}and wider formats do not lower it much${measured ? ` (${measured})` : ''}; nothing needs to change`;
    }
  }
  return { index: k, name: l.name, why, advice };
}

function pct(x: number): string {
  return `${(100 * x).toPrecision(2)} %`;
}

/** The plan with wider weights, wider activations and both (those not already at 32 bits). */
function alternatives(plan: Plan): { flags: string; changes: number; plan: Plan }[] {
  const o = plan.options;
  const out: { flags: string; changes: number; plan: Plan }[] = [];
  const tryPlan = (flags: string, changes: number, patch: Partial<QuantOptions>) => {
    try {
      out.push({ flags, changes, plan: planQuantisation(plan.graph, { ...o, ...patch }) });
    } catch {
      // a wider format that cannot be planned (an accumulator past i64) is no option
    }
  };
  if (o.weights !== 'i32') tryPlan('--weights i32', 1, { weights: 'i32' });
  if (o.activations !== 'i32') tryPlan('--activations i32', 1, { activations: 'i32' });
  if (o.weights !== 'i32' && o.activations !== 'i32') tryPlan('--activations i32 --weights i32', 2, { weights: 'i32', activations: 'i32' });
  return out;
}

/** Max |fixed − float| of layer k's output under `plan` over the inputs the contract answers. */
function layerMaxError(plan: Plan, k: number, cases: InputCase[], policy: InputPolicy): number | null {
  const id = plan.nodes[k].node.outputs[0];
  const t = plan.tensors.get(id)!;
  let m = 0;
  for (const c of cases) {
    let q;
    try {
      q = quantizeInputs(plan, c, policy);
    } catch (e) {
      if (e instanceof InputOutOfRange) continue;
      throw e;
    }
    const real = new Map<string, Float64Array>();
    for (const inp of plan.graph.inputs) {
      const box = plan.options.boxes.get(inp.id)!;
      real.set(inp.id, Float64Array.from(c.get(inp.id)!, (x, i) => Math.min(Math.max(x, box.lo[i]), box.hi[i])));
    }
    const fv = evaluateFloat(plan.graph, real).get(id)!;
    runFixed(plan, q).get(id)!.forEach((raw, i) => (m = Math.max(m, Math.abs(realOf(t.format, raw) - fv[i]))));
  }
  return m;
}
