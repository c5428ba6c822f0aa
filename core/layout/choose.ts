// `--layout auto`: every layout priced by the estimator (core/gas), the cheapest predict call among those
// that fit, and why. A layout fits when its program is within the code limits at the chain's ArbOS
// version (one program: 24,576 compressed bytes; fragments: a root and up to MaxFragmentCount fragments,
// ArbOS ≥ 60, 256 KiB decompressed) and its call stays under the per-transaction gas cap.
import { DEFAULT_ARBOS_VERSION } from '../../nitro/arbos';
import { MAX_CODE_SIZE, PER_TX_GAS_LIMIT } from '../../nitro/limits';
import { stylusParamsFor } from '../../nitro/params';
import type { Lowering } from '../codegen/lowering';
import { estimateProgram, type Estimate, type EstimateOptions } from '../gas/estimate';
import type { Plan } from '../quant/types';
import { LAYOUT_KINDS, type LayoutKind } from './layout';
import { planDataLayout } from './parts';

/** The per-transaction gas cap (nitro/limits.ts), as a number. */
const MAX_TX_GAS = Number(PER_TX_GAS_LIMIT);

/**
 * A single program is kept unless another layout's call is cheaper by more than this: one program deploys
 * in one transaction and its weights are code the overflow analysis re-checks, which weights read from
 * data contracts are not.
 */
export const SINGLE_MARGIN = 0.25;

/** Bytes of the compressed stream one fragment carries (its code less the 3-byte prefix). */
export const FRAGMENT_PAYLOAD_BYTES = MAX_CODE_SIZE - 3;

export interface RankedLayout {
  kind: LayoutKind;
  fits: boolean;
  /** why it does not fit, or what it is made of */
  note: string;
  /** execution gas of a predict call (typical), null when it could not be priced */
  executionGas: number | null;
  totalTxGas: number | null;
  compressedBytes: number | null;
  /** data contracts (layout data) or fragments (layout fragments) besides the program */
  parts: number;
}

const num = (n: number) => n.toLocaleString('en-US');

/** One layout priced: whether it fits, and its predict call's gas. */
export function rankLayout(plan: Plan, lowering: Lowering, kind: LayoutKind, opts: Omit<EstimateOptions, 'layout'> = {}): RankedLayout {
  const arbos = opts.arbosVersion ?? DEFAULT_ARBOS_VERSION;
  const p = stylusParamsFor(arbos, false);
  if (kind === 'fragments' && p.maxFragmentCount === 0) return { kind, fits: false, note: `needs ArbOS 60 or later (this chain: ${arbos})`, executionGas: null, totalTxGas: null, compressedBytes: null, parts: 0 };
  let e: Estimate;
  try {
    e = estimateProgram(plan, lowering, { ...opts, layout: kind });
  } catch (err) {
    return { kind, fits: false, note: (err as Error).message, executionGas: null, totalTxGas: null, compressedBytes: null, parts: 0 };
  }
  const z = e.shape.compressedBytes;
  const exec = e.call.executionGas.typical;
  const base = { kind, executionGas: exec, totalTxGas: e.call.totalTxGas.typical, compressedBytes: z };
  const overCap = e.call.totalTxGas.max > MAX_TX_GAS ? `a call needs ${num(e.call.totalTxGas.max)} gas, over the ${num(MAX_TX_GAS)} per-transaction cap` : null;
  const overWasm = e.shape.wasmBytes > p.maxWasmSize ? `${num(e.shape.wasmBytes)} bytes of wasm, over MaxWasmSize ${num(p.maxWasmSize)}` : null;
  if (kind === 'fragments') {
    if (z <= MAX_CODE_SIZE) return { ...base, fits: false, note: 'the program fits one contract (the same program as single)', parts: 0 };
    const fragments = Math.ceil(z / FRAGMENT_PAYLOAD_BYTES);
    const why = overCap ?? overWasm ?? (fragments > p.maxFragmentCount ? `${num(z)} compressed bytes need ${fragments} fragments, over MaxFragmentCount ${p.maxFragmentCount}` : null);
    return { ...base, fits: why === null, note: why ?? `a root and ${fragments} fragment(s)`, parts: fragments };
  }
  const parts = kind === 'data' ? planDataLayout(plan).parts.length : 0;
  if (kind === 'data' && parts === 0) return { ...base, fits: false, note: 'no dense layer is large enough to leave the program (the same program as single)', parts };
  const why = overCap ?? overWasm ?? (z > MAX_CODE_SIZE ? `${num(z)} compressed bytes, over MaxCodeSize ${num(MAX_CODE_SIZE)}` : null);
  const note = kind === 'data' ? `the program and ${parts} data contract(s)` : 'one program';
  return { ...base, fits: why === null, note: why ?? note, parts };
}

/**
 * Every layout priced; the pick is the cheapest predict call that fits (a single program when it ties,
 * then fragments), else — nothing fits — the one closest to fitting, said so in `reason`.
 */
export function chooseLayout(plan: Plan, lowering: Lowering, opts: Omit<EstimateOptions, 'layout'> = {}): { pick: LayoutKind; reason: string; ranked: RankedLayout[] } {
  const ranked = LAYOUT_KINDS.map((k) => rankLayout(plan, lowering, k, opts));
  const fitting = ranked.filter((r) => r.fits && r.executionGas !== null).sort((a, b) => a.executionGas! - b.executionGas!);
  const others = ranked.map((r) => `${r.kind}: ${r.fits ? `${num(r.executionGas!)} gas` : r.note}`).join('; ');
  if (fitting.length > 0) {
    const cheapest = fitting[0];
    // one contract when it is within the estimate's accuracy of the cheapest: the figures cannot tell them
    // apart, and a single program deploys in one transaction
    const single = fitting.find((r) => r.kind === 'single');
    if (single && single !== cheapest && single.executionGas! <= cheapest.executionGas! * (1 + SINGLE_MARGIN)) {
      return { pick: 'single', reason: `auto: single (one program), within ${SINGLE_MARGIN * 100}% of the cheapest call (${cheapest.kind}, ${num(cheapest.executionGas!)} execution gas): one contract to deploy, weights the overflow check reads — ${others}`, ranked };
    }
    return { pick: cheapest.kind, reason: `auto: ${cheapest.kind} (${cheapest.note}), the cheapest predict call that fits at ${num(cheapest.executionGas!)} execution gas — ${others}`, ranked };
  }
  const priced = ranked.filter((r) => r.executionGas !== null);
  const closest = priced.find((r) => r.kind === 'data') ?? priced[0] ?? ranked[0];
  return { pick: closest.kind, reason: `auto: nothing fits (${others}); ${closest.kind} is the closest`, ranked };
}
