// Integer approximations of sigmoid, tanh and exp (for softmax). Stylus prices every float op at
// u64::MAX ink, so these are tables with linear interpolation in fixed point. The tables are generated
// here and copied verbatim into generated code; the maximum error of each is measured exhaustively over
// every input the integer kernel can see.
import { rescale } from './fixed';

/** Internal input format of the tables: Q.16. */
export const Q16 = 16;
/** Internal output format of the tables: Q.30. */
export const Q30 = 30;
const ONE30 = 2 ** 30;

/** σ(k/32) for k = 0..512 (x in [0, 16]), in Q.30. */
export const SIGMOID_TABLE: readonly number[] = Array.from({ length: 513 }, (_, k) => Math.round(ONE30 / (1 + Math.exp(-k / 32))));
/** sigmoid inputs are clamped to ±SIGMOID_LIMIT in Q.16 (just under 16; 1 − σ(16) ≈ 1.1e-7) */
export const SIGMOID_LIMIT = 16 * 2 ** 16 - 1;
const SIG_STEP_BITS = 11; // table step 1/32 = 2^11 in Q.16

/** 2^(-k/64) for k = 0..64, in Q.30. */
export const EXP2_TABLE: readonly number[] = Array.from({ length: 65 }, (_, k) => Math.round(ONE30 * 2 ** (-k / 64)));
/** exp arguments below -24 give 0 (e^-24 ≈ 3.8e-11 is under half a Q.30 unit) */
export const EXP_LIMIT = 24 * 2 ** 16;
/** log2(e) in Q.24 */
export const LOG2E_Q24 = Math.round(Math.log2(Math.E) * 2 ** 24);
const EXP_STEP_BITS = 10; // table step 1/64 = 2^10 in Q.16 fractions

/**
 * x (q at inFrac) → clamp(x in Q.16, ±limit), without ever shifting a value left past 2^63:
 * clamp first in the input's own units, then shift.
 */
export function toQ16(q: number, inFrac: number, limit: number): number {
  if (inFrac >= Q16) {
    const v = rescale(q, inFrac - Q16);
    return v > limit ? limit : v < -limit ? -limit : v;
  }
  const k = Q16 - inFrac;
  const c = Math.ceil(limit / 2 ** k);
  const cq = q > c ? c : q < -c ? -c : q;
  const v = cq * 2 ** k;
  return v > limit ? limit : v < -limit ? -limit : v;
}

/** σ(x) in Q.30 for x in Q.16 within ±SIGMOID_LIMIT. */
export function sigmoid30(x16: number): number {
  const a = x16 < 0 ? -x16 : x16;
  const idx = Math.floor(a / 2 ** SIG_STEP_BITS);
  const fr = a - idx * 2 ** SIG_STEP_BITS;
  const lo = SIGMOID_TABLE[idx];
  const v = lo + Math.floor(((SIGMOID_TABLE[idx + 1] - lo) * fr + 2 ** (SIG_STEP_BITS - 1)) / 2 ** SIG_STEP_BITS);
  return x16 < 0 ? ONE30 - v : v;
}

/** e^(-u) in Q.30 for u in Q.16, 0 ≤ u ≤ EXP_LIMIT. */
export function expNeg30(u16: number): number {
  const t = Math.floor((u16 * LOG2E_Q24 + 2 ** 23) / 2 ** 24);
  const n = Math.floor(t / 2 ** 16);
  const r = t - n * 2 ** 16;
  const idx = Math.floor(r / 2 ** EXP_STEP_BITS);
  const fr = r - idx * 2 ** EXP_STEP_BITS;
  const hi = EXP2_TABLE[idx];
  const v = hi - Math.floor(((hi - EXP2_TABLE[idx + 1]) * fr + 2 ** (EXP_STEP_BITS - 1)) / 2 ** EXP_STEP_BITS);
  if (n === 0) return v;
  if (n >= 31) return 0;
  return Math.floor((v + 2 ** (n - 1)) / 2 ** n);
}

export function sigmoidQ(q: number, inFrac: number, outFrac: number): number {
  return rescale(sigmoid30(toQ16(q, inFrac, SIGMOID_LIMIT)), Q30 - outFrac);
}

/** tanh(x) = 2σ(2x) − 1; 2x in Q.16 is x in Q.17. */
export function tanhQ(q: number, inFrac: number, outFrac: number): number {
  return rescale(2 * sigmoid30(toQ16(q, inFrac - 1, SIGMOID_LIMIT)) - ONE30, Q30 - outFrac);
}

export interface ApproxErrors {
  /** max |σ̃(x) − σ(x)| over every Q.16 input, before the output rescale */
  sigmoid: number;
  tanh: number;
  /** max |ẽ^-u − e^-u| over every Q.16 u in [0, 24] */
  exp: number;
}

let measured: ApproxErrors | null = null;

/** Exhaustive measurement (about 3.7 million evaluations, once per process, ~0.4 s). */
export function approxErrors(): ApproxErrors {
  if (measured) return measured;
  let sig = 0;
  let th = 0;
  for (let x = -SIGMOID_LIMIT; x <= SIGMOID_LIMIT; x++) {
    const real = x / 2 ** 16;
    sig = Math.max(sig, Math.abs(sigmoid30(x) / ONE30 - 1 / (1 + Math.exp(-real))));
    // tanh at x/2 uses σ at x: covers every tanh input in Q.17
    th = Math.max(th, Math.abs((2 * sigmoid30(x) - ONE30) / ONE30 - Math.tanh(real / 2)));
  }
  // beyond the clamp the kernel returns σ(limit): the true value differs by at most σ(∞) − σ(8)
  sig = Math.max(sig, Math.abs(1 - sigmoid30(SIGMOID_LIMIT) / ONE30));
  th = Math.max(th, Math.abs(1 - (2 * sigmoid30(SIGMOID_LIMIT) - ONE30) / ONE30));
  let ex = 0;
  for (let u = 0; u <= EXP_LIMIT; u++) ex = Math.max(ex, Math.abs(expNeg30(u) / ONE30 - Math.exp(-u / 2 ** 16)));
  ex = Math.max(ex, Math.exp(-24));
  measured = { sigmoid: sig, tanh: th, exp: ex };
  return measured;
}
