// Requantisation of pre-quantized models (QDQ / QOperator ONNX): value = (q − zeroPoint) · scale with an
// arbitrary float scale. onnxruntime's CPU kernels (MLAS requantize.cpp, quantize.cpp) compute
// y = saturate(roundHalfEven(float32(acc) · float32 multiplier) + zeroPoint); here the multiplier is the
// exact value of that float32 as an integer M and a shift S (M · 2^-S, M < 2^24), and the product is
// rounded once, half to even: y = saturate(rshiftEven(acc · M, S) + zeroPoint). The two agree except
// where onnxruntime's intermediate float32 rounding (of acc past 2^24, and of the product to 24 bits)
// moves a value across a rounding boundary: then they differ by one step (docs/fixed-point.md).
// The Rust runtime (stylus-templates/runtime/src/fixed.rs `rshift_even`, `requant_i8`) is the same function.

/** float32 rounding, as onnxruntime computes its scales */
export const f32 = Math.fround;

/** A multiplier as M · 2^-S: M < 2^24 (exact for float32 values), 1 ≤ S ≤ 62. */
export interface Multiplier {
  m: number;
  s: number;
}

/** The integer form of a positive real multiplier (a float32 value is represented exactly). */
export function multiplierOf(real: number, what: string): Multiplier {
  if (!(real > 0) || !Number.isFinite(real)) throw new Error(`${what}: requantisation multiplier ${real} is not a positive finite number`);
  const e = Math.floor(Math.log2(real));
  let s = 23 - e;
  let m = Math.round(real * 2 ** s);
  if (m >= 2 ** 24) {
    m = Math.round(m / 2);
    s--;
  }
  if (s < 1) throw new Error(`${what}: requantisation multiplier ${real} is too large (≥ 2^22): the scales do not describe a sensible quantised model`);
  // below 2^-38 every product of an i32 accumulator rounds to 0: keep the shift in range
  if (s > 62) return { m: 0, s: 62 };
  return { m, s };
}

/** roundHalfEven(v / 2^s) for an integer v (exact while |v| < 2^53). */
export function rshiftEven(v: number, s: number): number {
  const d = 2 ** s;
  const q = Math.floor(v / d);
  const r = v - q * d;
  const half = d / 2;
  return r > half || (r === half && q % 2 !== 0) ? q + 1 : q;
}

export function rshiftEvenBig(v: bigint, s: number): bigint {
  const S = BigInt(s);
  const q = v >> S;
  const r = v - (q << S);
  const half = 1n << (S - 1n);
  return r > half || (r === half && (q & 1n) === 1n) ? q + 1n : q;
}

/** i8 range */
export const Q_MIN = -128;
export const Q_MAX = 127;

export function satI8(v: number): number {
  return v > Q_MAX ? Q_MAX : v < Q_MIN ? Q_MIN : v;
}

/** saturate(rshiftEven(acc · m, s) + zp) to i8. */
export function requant(acc: number, mul: Multiplier, zp: number): number {
  return satI8(rshiftEven(acc * mul.m, mul.s) + zp);
}

export function requantBig(acc: bigint, mul: Multiplier, zp: number): bigint {
  const v = rshiftEvenBig(acc * BigInt(mul.m), mul.s) + BigInt(zp);
  return v > 127n ? 127n : v < -128n ? -128n : v;
}

/** roundHalfEven of a double */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
}

/**
 * QuantizeLinear as onnxruntime computes it for a float32 input (MlasQuantizeLinear): float32 division by
 * the scale, round half to even, plus the zero point — not yet saturated (the contract checks the box).
 */
export function quantizeLinear(x: number, scale: number, zp: number): number {
  return roundHalfEven(f32(f32(x) / f32(scale))) + zp;
}
