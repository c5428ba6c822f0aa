// `stylus-ml simulate`: the float model (onnxruntime) and the fixed-point simulator side by side.
import type { Graph, OutputInfo } from '../ir/graph';
import { FloatReference, type RefInput } from '../float/ort';
import { InputOutOfRange, quantizeInputs, realOf, runFixed, type InputPolicy } from '../quant/simulate';
import type { InputCase } from '../io/inputs';
import type { Plan } from '../quant/types';

export interface OutputValues {
  shape: number[];
  float: (number | string)[];
  fixed: (number | string)[];
  fixedRaw: number[];
}

export interface SimCase {
  outputs: Record<string, OutputValues>;
  argmax: { float: number; fixed: number } | null;
  /** set when the contract would revert for this input (outside the declared box) */
  error?: string;
  /** for a reverted input: the float model's argmax (its answer the contract refuses to give) */
  floatArgmax?: number;
}

export interface SimulateReport {
  cases: SimCase[];
  summary: {
    cases: number;
    maxAbsError: number;
    argmaxAgreement: number | null;
    /** per output: format, proven error bound, max observed error */
    outputs: Record<string, { storage: string; fracBits: number; float32?: true; errorBound: number | null; errorBoundOnGrid: number | null; maxAbsError: number | null; labels?: (number | string)[] }>;
    reverted: number;
  };
}

/** Index of a label output's value in its class-label list (the comparable form of a label). */
function labelIndex(o: OutputInfo, v: number | string): number {
  return o.classLabels!.findIndex((l) => l === v);
}

function argmaxOf(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
}

export interface FloatOutputs {
  /** output name → values (labels as they come from onnxruntime) */
  [name: string]: (number | string)[];
}

export async function floatOutputs(ref: FloatReference, g: Graph, c: InputCase): Promise<FloatOutputs> {
  const feeds: Record<string, RefInput> = {};
  for (const i of g.inputs) feeds[i.name] = { data: c.get(i.id)!, shape: i.shape, onnxType: i.onnxType };
  const r = await ref.run(feeds, g.outputs.map((o) => o.name));
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.data]));
}

export async function simulateCases(bytes: Uint8Array, file: string, plan: Plan, cases: InputCase[], policy: InputPolicy = 'revert', reference?: FloatReference): Promise<SimulateReport> {
  const g = plan.graph;
  const ref = reference ?? (await FloatReference.create(bytes, file));
  const out: SimCase[] = [];
  const perOutput = new Map<string, number>();
  let agree = 0;
  let compared = 0;
  let reverted = 0;
  try {
    for (const c of cases) {
      const fl = await floatOutputs(ref, g, c);
      let q;
      try {
        q = quantizeInputs(plan, c, policy);
      } catch (e) {
        if (!(e instanceof InputOutOfRange)) throw e;
        reverted++;
        const first = g.outputs[0];
        const f0 = fl[first.name];
        const floatArgmax = first.classLabels ? (f0.length === 1 ? labelIndex(first, f0[0]) : undefined) : f0.length > 1 ? argmaxOf(f0 as number[]) : undefined;
        out.push({ outputs: {}, argmax: null, error: e.message, ...(floatArgmax !== undefined ? { floatArgmax } : {}) });
        continue;
      }
      const fx = runFixed(plan, q);
      const outputs: Record<string, OutputValues> = {};
      for (const o of g.outputs) {
        const t = plan.tensors.get(o.id)!;
        const raw = Array.from(fx.get(o.id)!);
        const fixed = o.classLabels ? raw.map((i) => o.classLabels![i]) : raw.map((v) => realOf(t.format, v));
        const float = fl[o.name];
        outputs[o.name] = { shape: t.shape, float, fixed, fixedRaw: raw };
        if (!o.classLabels) {
          let m = perOutput.get(o.name) ?? 0;
          fixed.forEach((v, i) => (m = Math.max(m, Math.abs((v as number) - (float[i] as number)))));
          perOutput.set(o.name, m);
        }
      }
      const first = g.outputs[0];
      const f0 = outputs[first.name];
      let argmax: SimCase['argmax'] = null;
      if (first.classLabels && f0.fixedRaw.length === 1) argmax = { float: labelIndex(first, f0.float[0]), fixed: f0.fixedRaw[0] };
      else if (!first.classLabels && f0.fixedRaw.length > 1) argmax = { float: argmaxOf(f0.float as number[]), fixed: argmaxOf(f0.fixedRaw) };
      if (argmax) {
        compared++;
        if (argmax.float === argmax.fixed) agree++;
      }
      out.push({ outputs, argmax });
    }
  } finally {
    await ref.release();
  }
  const summaryOutputs: SimulateReport['summary']['outputs'] = {};
  for (const o of g.outputs) {
    const t = plan.tensors.get(o.id)!;
    summaryOutputs[o.name] = {
      storage: t.format.storage,
      fracBits: t.format.frac,
      ...(t.format.float32 ? { float32: true as const } : {}),
      errorBound: t.errorBound,
      errorBoundOnGrid: t.errorBoundOnGrid,
      maxAbsError: o.classLabels ? null : perOutput.get(o.name) ?? 0,
      ...(o.classLabels ? { labels: o.classLabels } : {}),
    };
  }
  return {
    cases: out,
    summary: {
      cases: cases.length,
      maxAbsError: Math.max(0, ...perOutput.values()),
      argmaxAgreement: compared ? agree / compared : null,
      outputs: summaryOutputs,
      reverted,
    },
  };
}
