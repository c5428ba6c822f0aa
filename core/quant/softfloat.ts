// IEEE-754 binary32 arithmetic in integers, round to nearest even, subnormals included: the algorithm the
// generated Rust runs (stylus-templates/runtime/src/softfloat.rs `sf_*`, line for line), written here so the
// reference can run it and tests can hold it to the hardware's float32 (core/quant/f32.ts uses
// Math.fround). Operands are finite; a result past the float32 range becomes ±infinity. Every integer
// below stays under 2^53, so plain numbers are exact.

const SIGN = 0x80000000;
const TWO = (k: number) => 2 ** k;

function sign(a: number): number {
  return a >= SIGN ? 1 : 0;
}

/** Unpacked finite operand: value = sig · 2^(exp − 150), sig < 2^24 (subnormals have exp 1, no hidden bit). */
function unpack(a: number): { s: number; e: number; m: number } {
  const e = Math.floor(a / TWO(23)) % 256;
  const f = a % TWO(23);
  return e === 0 ? { s: sign(a), e: 1, m: f } : { s: sign(a), e, m: f + TWO(23) };
}

function bitLength(v: number): number {
  return v < TWO(32) ? 32 - Math.clz32(v) : 64 - Math.clz32(Math.floor(v / TWO(32)));
}

/** Rounds sig · 2^(e − 150) (sig > 0, any width) to binary32 bits with sign s. */
export function roundPack(s: number, e: number, sig: number): number {
  // normalise small significands up (subtraction results, subnormal products) while the exponent allows
  let len = bitLength(sig);
  if (len < 24) {
    const up = Math.min(24 - len, e - 1);
    if (up > 0) {
      sig *= TWO(up);
      e -= up;
      len += up;
    }
  }
  let shift = Math.max(0, len - 24);
  if (e + shift < 1) shift = 1 - e;
  if (shift > 0) {
    if (shift > 60) {
      sig = 0;
    } else {
      const d = TWO(shift);
      let q = Math.floor(sig / d);
      const r = sig - q * d;
      const half = d / 2;
      if (r > half || (r === half && q % 2 === 1)) q += 1;
      sig = q;
    }
    e += shift;
    if (sig === TWO(24)) {
      sig = TWO(23);
      e += 1;
    }
  }
  if (e >= 255) return s * SIGN + 0x7f800000;
  const field = sig >= TWO(23) ? e : 0;
  return s * SIGN + field * TWO(23) + (sig % TWO(23));
}

export function sfAdd(a: number, b: number): number {
  const A = unpack(a);
  const B = unpack(b);
  if (A.m === 0 && B.m === 0) return A.s === 1 && B.s === 1 ? SIGN : 0;
  if (A.m === 0) return b;
  if (B.m === 0) return a;
  // |x| ≥ |y|, three guard bits, the smaller one's lost bits jammed into a sticky bit
  const [x, y] = A.e > B.e || (A.e === B.e && A.m >= B.m) ? [A, B] : [B, A];
  const d = x.e - y.e;
  const mx = x.m * 8;
  let my = y.m * 8;
  if (d > 0) {
    if (d >= 30) my = 1;
    else {
      const q = Math.floor(my / TWO(d));
      // OR the sticky bit in (never add: a carry would move the value)
      my = q * TWO(d) !== my && q % 2 === 0 ? q + 1 : q;
    }
  }
  const sum = x.s === y.s ? mx + my : mx - my;
  if (sum === 0) return 0;
  return roundPack(x.s, x.e - 3, sum);
}

export function sfSub(a: number, b: number): number {
  return sfAdd(a, b >= SIGN ? b - SIGN : b + SIGN);
}

export function sfMul(a: number, b: number): number {
  const A = unpack(a);
  const B = unpack(b);
  const s = A.s ^ B.s;
  if (A.m === 0 || B.m === 0) return s * SIGN;
  return roundPack(s, A.e + B.e - 150, A.m * B.m);
}

/** a / b (b = 0 gives an infinity). */
export function sfDiv(a: number, b: number): number {
  const A = unpack(a);
  const B = unpack(b);
  const s = A.s ^ B.s;
  if (B.m === 0) return s * SIGN + 0x7f800000;
  if (A.m === 0) return s * SIGN;
  // normalise both significands to 24 bits so the quotient has 26 or 27 bits
  let ea = A.e;
  let ma = A.m;
  while (ma < TWO(23)) {
    ma *= 2;
    ea -= 1;
  }
  let eb = B.e;
  let mb = B.m;
  while (mb < TWO(23)) {
    mb *= 2;
    eb -= 1;
  }
  const n = ma * TWO(27);
  const q = Math.floor(n / mb);
  const sticky = q * mb !== n ? 1 : 0;
  // value = (2q + sticky) · 2^(ea − eb − 28): the sticky bit sits far below the rounding position
  return roundPack(s, ea - eb + 122, q * 2 + sticky);
}

/** float32 of an integer (|v| < 2^53). */
export function sfFromInt(v: number): number {
  if (v === 0) return 0;
  return roundPack(v < 0 ? 1 : 0, 150, Math.abs(v));
}

/** roundHalfEven of a finite float32 to an integer (std::nearbyint), saturated to ±2^31. */
export function sfNearbyint(a: number): number {
  const { s, e, m } = unpack(a);
  if (m === 0) return 0;
  let v: number;
  if (e >= 150) v = e - 150 > 8 ? TWO(31) : m * TWO(e - 150);
  else {
    const shift = e - 150 < -30 ? 31 : 150 - e;
    const d = TWO(shift);
    let q = Math.floor(m / d);
    const r = m - q * d;
    if (r > d / 2 || (r === d / 2 && q % 2 === 1)) q += 1;
    v = q;
  }
  v = Math.min(v, TWO(31));
  return s && v !== 0 ? -v : Math.min(v, TWO(31) - 1);
}

/** sign-magnitude key ↔ bits (core/quant/f32.ts) */
export function sfKey(bits: number): number {
  return bits > SIGN ? SIGN - bits : bits === SIGN ? 0 : bits;
}

export function sfFromKey(k: number): number {
  return k >= 0 ? k : SIGN + -k;
}
