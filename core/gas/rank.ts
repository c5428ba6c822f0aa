// The code generator's choices ranked by the estimator: weights in a data segment or as immediates,
// rolled or unrolled dense rows, trees as branches or tables, and i64 accumulators where the plan proved
// i32 safe (both exact there; the caller plans the wide variant). `new --optimize gas` takes the cheapest
// call among the candidates that fit the code-size limit; `--optimize size` the smallest program.
import type { Lowering, Optimize } from '../codegen/lowering';
import { DEFAULT_LOWERING } from '../codegen/lowering';
import type { Plan } from '../quant/types';
import { MAX_CODE_SIZE } from '../../nitro/limits';
import { estimateProgram, type EstimateOptions } from './estimate';

/** 'auto': i32 accumulators where the plan proves them safe, i64 elsewhere; 'i64': i64 everywhere */
export type AccumulatorChoice = 'auto' | 'i64';

export interface RankedLowering {
  lowering: Lowering;
  accumulator: AccumulatorChoice;
  label: string;
  executionGas: number;
  totalTxGas: number;
  compressedBytes: number;
  fits: boolean;
}

export function candidateLowerings(plan: Plan): Lowering[] {
  const dense = plan.nodes.some((n) => n.params.op === 'matmul' || n.params.op === 'conv2d');
  const trees = plan.nodes.some((n) => n.params.op === 'trees');
  const out: Lowering[] = [];
  for (const weights of dense ? (['data', 'code'] as const) : (['data'] as const)) {
    for (const d of dense && weights === 'data' ? (['unrolled', 'loop'] as const) : (['unrolled'] as const)) {
      for (const t of trees ? (['branches', 'table'] as const) : (['auto'] as const)) {
        out.push({ ...DEFAULT_LOWERING, weights, dense: d, trees: t });
      }
    }
  }
  return out;
}

export const loweringLabel = (l: Lowering) => `weights ${l.weights === 'code' ? 'as immediates' : 'in data'}${l.weights === 'data' ? `, ${l.dense} rows` : ''}${l.trees !== 'auto' ? `, trees as ${l.trees}` : ''}`;

/** Whether i64 accumulators are a real alternative: some layer accumulates in i32 (proven safe). */
export function hasI32Accumulators(plan: Plan): boolean {
  return plan.nodes.some((n) => 'acc' in n.params && n.params.acc === 'i32');
}

export function rankLowerings(plan: Plan, opts: Omit<EstimateOptions, 'wasm'> = {}, accumulator: AccumulatorChoice = 'auto'): RankedLowering[] {
  return candidateLowerings(plan).map((lowering) => {
    const e = estimateProgram(plan, lowering, opts);
    return {
      lowering,
      accumulator,
      label: loweringLabel(lowering) + (accumulator === 'i64' ? ', i64 accumulators' : ''),
      executionGas: e.call.executionGas.typical,
      totalTxGas: e.call.totalTxGas.typical,
      compressedBytes: e.shape.compressedBytes,
      fits: e.shape.compressedBytes <= MAX_CODE_SIZE,
    };
  });
}

/**
 * The lowering `--optimize` picks: the cheapest call that fits (gas), or the smallest program (size).
 * `widen` plans the same model with i64 accumulators; it is ranked too when some layer has an i32 one.
 * `plan` is the plan the pick is for (the wide one when the pick widens).
 */
export function pickLowering(
  plan: Plan,
  goal: Optimize,
  opts: Omit<EstimateOptions, 'wasm'> = {},
  widen?: () => Plan,
): { pick: RankedLowering; ranked: RankedLowering[]; plan: Plan } {
  const wide = widen && hasI32Accumulators(plan) ? widen() : null;
  const ranked = [...rankLowerings(plan, opts), ...(wide ? rankLowerings(wide, opts, 'i64') : [])];
  const fitting = ranked.filter((r) => r.fits);
  const pool = fitting.length > 0 ? fitting : ranked;
  const by = goal === 'gas' ? (r: RankedLowering) => r.executionGas * 1e6 + r.compressedBytes : (r: RankedLowering) => r.compressedBytes * 1e6 + r.executionGas;
  const pick = [...pool].sort((a, b) => by(a) - by(b))[0];
  return { pick, ranked, plan: pick.accumulator === 'i64' && wide ? wide : plan };
}
