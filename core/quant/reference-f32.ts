// The reference for float32 layers of dynamically quantized models: the same operations as the simulator
// (core/quant/f32.ts, which rounds with Math.fround), written with the integer soft-float the generated
// Rust runs (core/quant/softfloat.ts ≡ softfloat.rs `sf_*`), step for step as softfloat.rs orders them. Tests hold
// the two to each other bit for bit.
import { sfAdd, sfDiv, sfFromInt, sfFromKey, sfKey, sfMul, sfNearbyint, sfSub } from './softfloat';
import type { DynamicParams, F32Params, Plan, QNode } from './types';
import { LOGISTIC, bitsOf } from './f32';
import { dynamicProducts } from './dynamic-products';

const ONE = bitsOf(1);
const B255 = bitsOf(255);
const HALF = bitsOf(0.5);

/** DynamicQuantizeLinear (uint8) of keys, in soft-float: q, scale bits, zero point (softfloat.rs `sf_dynamic_quantize`). */
export function dqlSoft(keys: ArrayLike<number>): { q: Int32Array; scale: number; zp: number } {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < keys.length; i++) {
    lo = Math.min(lo, keys[i]);
    hi = Math.max(hi, keys[i]);
  }
  const min = sfFromKey(lo);
  let scale = lo === hi ? ONE : sfDiv(sfSub(sfFromKey(hi), min), B255);
  if ((scale & 0x7fffffff) === 0) scale = ONE;
  const izp = sfKey(sfSub(0, sfDiv(min, scale)));
  const zp = sfNearbyint(sfFromKey(Math.min(Math.max(izp, 0), sfKey(B255))));
  const q = Int32Array.from(keys, (k) => Math.min(Math.max(sfNearbyint(sfDiv(sfFromKey(k), scale)) + zp, 0), 255));
  return { q, scale, zp };
}

/** MLAS's logistic in soft-float (softfloat.rs `sf_logistic`). */
export function logisticSoft(x: number): number {
  const k = Math.min(Math.max(sfKey(x), sfKey(bitsOf(LOGISTIC.lower))), sfKey(bitsOf(LOGISTIC.upper)));
  const v = sfFromKey(k);
  const v2 = sfMul(v, v);
  const a = LOGISTIC.alpha.map(bitsOf);
  const b = LOGISTIC.beta.map(bitsOf);
  let p = sfAdd(sfMul(v2, a[0]), a[1]);
  for (let i = 2; i < a.length; i++) p = sfAdd(sfMul(p, v2), a[i]);
  p = sfMul(p, v);
  let q = sfAdd(sfMul(v2, b[0]), b[1]);
  for (let i = 2; i < b.length; i++) q = sfAdd(sfMul(q, v2), b[i]);
  const y = sfKey(sfAdd(sfDiv(p, q), HALF));
  return sfFromKey(Math.min(Math.max(y, 0), sfKey(ONE)));
}

/** MLAS's global average in soft-float (softfloat.rs `sf_mean`). */
export function meanSoft(xs: number[]): number {
  const lane = [0, 0, 0, 0];
  let i = 0;
  for (; i + 4 <= xs.length; i += 4) for (let j = 0; j < 4; j++) lane[j] = sfAdd(lane[j], xs[i + j]);
  let s = sfAdd(sfAdd(lane[0], lane[2]), sfAdd(lane[1], lane[3]));
  for (; i < xs.length; i++) s = sfAdd(s, xs[i]);
  return sfDiv(s, sfFromInt(xs.length));
}

export function runF32Soft(p: F32Params, x: Float64Array, size: number): Float64Array {
  const y = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    let b: number;
    if (p.fn === 'leakyRelu') b = x[i] >= 0 ? sfFromKey(x[i]) : sfMul(sfFromKey(x[i]), bitsOf(p.alpha));
    else if (p.fn === 'sigmoid') b = logisticSoft(sfFromKey(x[i]));
    else if (p.fn === 'mean') b = meanSoft(Array.from(x.subarray(i * p.count, (i + 1) * p.count), sfFromKey));
    else {
      const c = bitsOf(p.values[Math.floor(i / p.inner) % p.mid]);
      b = p.fn === 'add' ? sfAdd(sfFromKey(x[i]), c) : sfMul(sfFromKey(x[i]), c);
    }
    y[i] = sfKey(b);
  }
  return y;
}

/** A dynamically quantized layer in soft-float (softfloat.rs `sf_dynamic_quantize` + the layer's epilogue). */
export function runDynamicSoft(plan: Plan, qn: QNode, x: Float64Array, d: DynamicParams): Float64Array {
  const p = qn.params as Extract<QNode['params'], { op: 'matmul' | 'conv2d' }>;
  const { q, scale, zp } = dqlSoft(x);
  return dynamicProducts(plan, qn.node, q, zp, p.W.q, (acc, c) => {
    const m = sfMul(scale, bitsOf(d.wScale[d.wScale.length === 1 ? 0 : c]));
    const v = sfMul(sfFromInt(acc), m);
    return sfKey(d.bias ? sfAdd(v, bitsOf(d.bias[c])) : v);
  });
}
