// The code generator's choices for one model: where weights live, how dense dot products are written,
// how trees are walked. `--optimize gas|size` picks a preset; the gas estimator (issue 5) prices the
// same choices, so they are plain data recorded in the manifest.
import type { InferOutput } from 'valibot';
import type { LoweringSchema, OptimizeSchema } from '../manifest/schema';

/**
 * - `weights`: dense and convolution weights: `data` keeps them in static arrays (a data segment: compact,
 *   one load per multiply); `code` writes each weight as an immediate in straight-line code (no weight
 *   loads, zero weights skipped, larger code).
 * - `dense`: `unrolled` writes the multiply-adds of an output row out in full, so the compiler keeps the
 *   input row in locals and no loop counter runs per multiply; `loop` keeps a rolled inner loop (smallest
 *   code). Rows longer than `chunk` are unrolled in chunks of that many terms.
 * - `trees`: nested branches (fast, code grows with the node count) or a table walked by a loop.
 * - `optLevel`: rustc opt-level for the wasm build.
 * The shape is the manifest's (core/manifest/schema.ts LoweringSchema), where it is recorded.
 */
export type Lowering = InferOutput<typeof LoweringSchema>;

export type Optimize = InferOutput<typeof OptimizeSchema>;

export const DEFAULT_LOWERING: Lowering = { weights: 'data', dense: 'unrolled', chunk: 128, trees: 'auto', optLevel: 's' };

export const LOWERINGS: Record<Optimize, Lowering> = {
  gas: { weights: 'code', dense: 'unrolled', chunk: 128, trees: 'branches', optLevel: 's' },
  size: { weights: 'data', dense: 'loop', chunk: 128, trees: 'table', optLevel: 's' },
};

/** Trees with more nodes than this (or deeper than MAX_BRANCH_DEPTH) are tables under `auto`. */
export const MAX_BRANCH_NODES = 1024;
export const MAX_BRANCH_DEPTH = 14;

export function loweringFor(optimize: Optimize | undefined): Lowering {
  return optimize ? { ...LOWERINGS[optimize] } : { ...DEFAULT_LOWERING };
}

/** The lowering a generated crate records in stylus-ml.json (its preset, then the choices it made). */
export function recordedLowering(m: { options: { optimize?: Optimize }; lowering?: Partial<Lowering> }): Lowering {
  return { ...loweringFor(m.options.optimize), ...(m.lowering ?? {}) };
}
