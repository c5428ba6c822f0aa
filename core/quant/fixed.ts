// The fixed-point primitives of ARCHITECTURE.md, in exact integer arithmetic. Number versions are exact
// while every operand and result stays below 2^53 in magnitude (the plan proves where that holds);
// BigInt versions are exact always. The Rust runtime (stylus-templates) implements the same functions.
import type { AccWidth, Storage } from './types';
import { storageMax, storageMin } from './types';

/** Right shift by s with round-half-up ((acc + 2^(s-1)) >> s); left shift when s < 0. */
export function rescale(acc: number, s: number): number {
  if (s > 0) return Math.floor((acc + 2 ** (s - 1)) / 2 ** s);
  if (s < 0) return acc * 2 ** -s;
  return acc;
}

export function rescaleBig(acc: bigint, s: number): bigint {
  if (s > 0) return (acc + (1n << BigInt(s - 1))) >> BigInt(s);
  if (s < 0) return acc << BigInt(-s);
  return acc;
}

export function saturate(v: number, s: Storage | AccWidth): number {
  const hi = storageMax(s);
  const lo = storageMin(s);
  return v > hi ? hi : v < lo ? lo : v;
}

/** a / d rounded half up, for d ≠ 0: floor((2a + d) / (2d)) with the signs normalised so d > 0. */
export function divRound(a: number, d: number): number {
  if (d < 0) {
    a = -a;
    d = -d;
  }
  return Math.floor((2 * a + d) / (2 * d));
}

export function divRoundBig(a: bigint, d: bigint): bigint {
  if (d < 0n) {
    a = -a;
    d = -d;
  }
  const n = 2n * a + d;
  const m = 2n * d;
  // floor division for possibly negative n
  const q = n / m;
  return n % m !== 0n && n < 0n ? q - 1n : q;
}

/** Truncation toward zero of q·2^-frac (Cast to integer). */
export function truncFrac(q: number, frac: number): number {
  if (frac <= 0) return q * 2 ** -frac;
  return q >= 0 ? Math.floor(q / 2 ** frac) : -Math.floor(-q / 2 ** frac);
}

export function truncFracBig(q: bigint, frac: number): bigint {
  if (frac <= 0) return q << BigInt(-frac);
  return q >= 0n ? q >> BigInt(frac) : -(-q >> BigInt(frac));
}

/** Integer square root (floor). */
export function isqrt(n: number): number {
  if (n <= 0) return 0;
  let r = Math.floor(Math.sqrt(n));
  while (r * r > n) r--;
  while ((r + 1) * (r + 1) <= n) r++;
  return r;
}

export function isqrtBig(n: bigint): bigint {
  if (n <= 0n) return 0n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  while (x * x > n) x--;
  while ((x + 1n) * (x + 1n) <= n) x++;
  return x;
}

/** Quantise a real value: round half up of x·2^frac. */
export function quantize(x: number, frac: number): number {
  return Math.floor(x * 2 ** frac + 0.5);
}

export function dequantize(q: number, frac: number): number {
  return q * 2 ** -frac;
}

/** Largest frac with maxAbs·2^frac ≤ limit (capped to [minFrac, maxFrac]). */
export function fracFor(maxAbs: number, limit: number, maxFrac: number, minFrac = -32): number {
  if (!(maxAbs > 0)) return maxFrac;
  const f = Math.floor(Math.log2(limit / maxAbs));
  // log2 rounding can be off by one either way: settle exactly
  let g = Math.min(maxFrac, f + 1);
  while (g > minFrac && maxAbs * 2 ** g > limit) g--;
  return Math.max(minFrac, g);
}
