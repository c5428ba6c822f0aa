// Float32 tensors of dynamically quantized models (onnxruntime's quantize_dynamic). Between its integer
// layers such a model computes in float32, and onnxruntime computes its activations' scales from the data
// at run time (DynamicQuantizeLinear). To agree with onnxruntime bit for bit the contract computes those
// parts in IEEE float32 too — emulated with integer instructions (stylus-templates/runtime/src/softfloat.rs, the
// same algorithm as core/quant/softfloat.ts), because nitro refuses float instructions.
//
// Every float32 value is stored as a sign-magnitude key: key = +bits(x) for x ≥ 0, −bits(|x|) for x < 0
// (bits = the IEEE-754 binary32 pattern). Keys order like the values they stand for, so the input box,
// max pooling, ReLU and argmax are plain integer comparisons; −0 and +0 share the key 0.
//
// The operations below are onnxruntime's CPU kernels (MLAS, as compiled for onnxruntime-web) op for op,
// each a correctly rounded float32 operation (Math.fround of the double result is exactly that for + − × ÷).

const buf = new DataView(new ArrayBuffer(4));

export const f32 = Math.fround;

/** IEEE-754 binary32 bits of a float32 value (as an unsigned number). */
export function bitsOf(x: number): number {
  buf.setFloat32(0, x);
  return buf.getUint32(0);
}

export function fromBits(b: number): number {
  buf.setUint32(0, b >>> 0);
  return buf.getFloat32(0);
}

/** The sign-magnitude key of a float32 value (x is rounded to float32 first). */
export function keyOf(x: number): number {
  const b = bitsOf(x);
  // `0x80000000 − b`, not −(b − 0x80000000): −0 has the key 0, not the number −0
  return b > 0x80000000 ? 0x80000000 - b : b === 0x80000000 ? 0 : b;
}

/** The float32 value a key stands for. */
export function valueOfKey(k: number): number {
  return k >= 0 ? fromBits(k) : fromBits(0x80000000 + -k);
}

/** roundHalfEven of a finite value (std::nearbyint in the default rounding mode). */
export function nearbyint(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
}

/** onnxruntime's DynamicQuantizeLinear (uint8) of one tensor given as keys: integers 0..255, scale, zero point. */
export interface Dql {
  q: Int32Array;
  scale: number;
  zeroPoint: number;
}

/**
 * GetQuantizationParameter + MlasQuantizeLinear (onnxruntime core/util/qmath.h):
 * min = min(0, min x), max = max(0, max x); scale = max == min ? 1 : (max − min) / 255 (float32);
 * zp = roundHalfEven(clamp(0 − min / scale, 0, 255)); q = clamp(roundHalfEven(x / scale) + zp, 0, 255).
 * Where the range is so small that the scale underflows to 0 (|x| < 2^-141 throughout; onnxruntime then
 * divides by zero, with an undefined result), it is taken as 1, as for an all-zero tensor.
 */
export function dynamicQuantize(keys: ArrayLike<number>): Dql {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] < lo) lo = keys[i];
    if (keys[i] > hi) hi = keys[i];
  }
  const min = valueOfKey(lo);
  const max = valueOfKey(hi);
  let scale = lo === hi ? 1 : f32(f32(max - min) / 255);
  if (scale === 0) scale = 1;
  const zeroPoint = nearbyint(Math.max(0, Math.min(255, f32(0 - f32(min / scale)))));
  const q = new Int32Array(keys.length);
  for (let i = 0; i < keys.length; i++) q[i] = Math.max(0, Math.min(255, nearbyint(f32(valueOfKey(keys[i]) / scale)) + zeroPoint));
  return { q, scale, zeroPoint };
}

/** MLAS's logistic (logistic.cpp, Eigen's rational approximation), float32 op for op, output clamped to [0, 1]. */
export const LOGISTIC = {
  lower: -18,
  upper: 18,
  alpha: [4.37031012579801e-11, 1.15627324459942e-7, 6.08574864600143e-5, 8.51377133304701e-3, 2.48287947061529e-1].map(f32),
  beta: [6.10247389755681e-13, 5.76102136993427e-9, 6.2910678501704e-6, 1.70198817374094e-3, 1.16817656904453e-1, 9.9315192102318e-1].map(f32),
};

export function logistic(x: number): number {
  const v = Math.min(LOGISTIC.upper, Math.max(LOGISTIC.lower, x));
  const v2 = f32(v * v);
  const [a9, a7, a5, a3, a1] = LOGISTIC.alpha;
  const [b10, b8, b6, b4, b2, b0] = LOGISTIC.beta;
  let p = f32(f32(v2 * a9) + a7);
  p = f32(f32(p * v2) + a5);
  p = f32(f32(p * v2) + a3);
  p = f32(f32(p * v2) + a1);
  p = f32(p * v);
  let q = f32(f32(v2 * b10) + b8);
  q = f32(f32(q * v2) + b6);
  q = f32(f32(q * v2) + b4);
  q = f32(f32(q * v2) + b2);
  q = f32(f32(q * v2) + b0);
  return Math.min(1, Math.max(0, f32(f32(p / q) + 0.5)));
}

/**
 * MLAS's global average (pooling.cpp MlasPoolGlobalKernel): four running lane sums over the elements in
 * blocks of four, reduced as (l0 + l2) + (l1 + l3), then the remaining elements one by one, then ÷ n.
 */
export function globalAverage(values: ArrayLike<number>): number {
  const n = values.length;
  const lane = [0, 0, 0, 0];
  let i = 0;
  for (; i + 4 <= n; i += 4) for (let j = 0; j < 4; j++) lane[j] = f32(lane[j] + values[i + j]);
  let s = f32(f32(lane[0] + lane[2]) + f32(lane[1] + lane[3]));
  for (; i < n; i++) s = f32(s + values[i]);
  return f32(s / n);
}
