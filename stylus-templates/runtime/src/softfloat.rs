//! Float32 runtime of stylus-ml: what the crates of dynamically quantized models (onnxruntime's
//! `quantize_dynamic`) compute between their integer layers.
//!
//! Between its integer layers such a model computes in float32, and onnxruntime quantizes each layer's
//! input with a scale computed from the data (DynamicQuantizeLinear). To return onnxruntime's outputs bit
//! for bit the contract computes those parts in IEEE-754 binary32, round to nearest even, subnormals
//! included — with integer instructions only, since Stylus refuses float instructions. Tensors hold the
//! sign-magnitude key of each value (`+bits` for x >= 0, `-bits(|x|)` for x < 0), which orders like the
//! values. The simulator's twin is core/quant/softfloat.ts (the same algorithm, line for line) and
//! core/quant/f32.ts (the same operations with hardware rounding). Operands are finite; a result past
//! the float32 range would be an infinity, which the plan proves cannot happen for inputs in the box.
//!
//! ```
//! use stylus_ml_runtime::softfloat::{sf_add, sf_div, sf_from_i32, sf_key, sf_from_key, sf_nearbyint};
//! let one = sf_from_i32(1);
//! assert_eq!(one, 0x3f80_0000); // 1.0f32
//! let third = sf_div(one, sf_from_i32(3));
//! assert_eq!(third, 0x3eaa_aaab); // 1/3 rounded to nearest even, as the hardware rounds it
//! assert_eq!(sf_nearbyint(sf_add(one, 0x3f00_0000)), 2); // 1.5 rounds half to even: 2
//! assert_eq!(sf_from_key(sf_key(0xbf80_0000)), 0xbf80_0000); // -1.0 round-trips through its key
//! assert!(sf_key(0xbf80_0000) < sf_key(one)); // keys order like the values
//! ```

const SIGN: u32 = 0x8000_0000;
/// 1.0, 0.5 and 255.0 as float32 bits.
const ONE: u32 = 0x3f80_0000;
const HALF: u32 = 0x3f00_0000;
const F255: u32 = 0x437f_0000;
/// MLAS's logistic (onnxruntime logistic.cpp): input clamp ±18 (as keys) and its rational coefficients.
const KEY_18: i32 = 0x4190_0000;
const LOGISTIC_ALPHA: [u32; 5] = [
    0x2e40_3551,
    0x33f8_4ecb,
    0x387f_413b,
    0x3c0b_7d58,
    0x3e7e_3f32,
];
const LOGISTIC_BETA: [u32; 6] = [
    0x2b2b_c4f5,
    0x31c5_f27b,
    0x36d3_17dd,
    0x3adf_153f,
    0x3def_3e18,
    0x3f7e_3f34,
];

/// The float32 bits of a key.
#[inline(always)]
pub fn sf_from_key(k: i32) -> u32 {
    if k >= 0 {
        k as u32
    } else {
        SIGN | k.unsigned_abs()
    }
}

/// The key of float32 bits (-0 and +0 share the key 0).
#[inline(always)]
pub fn sf_key(b: u32) -> i32 {
    if b > SIGN {
        -((b & !SIGN) as i32)
    } else if b == SIGN {
        0
    } else {
        b as i32
    }
}

/// (sign, exponent, significand): value = sig * 2^(exp - 150); subnormals have exponent 1.
#[inline(always)]
fn unpack(a: u32) -> (u32, i32, u64) {
    let e = ((a >> 23) & 0xff) as i32;
    let f = (a & 0x7f_ffff) as u64;
    if e == 0 {
        (a >> 31, 1, f)
    } else {
        (a >> 31, e, f | 0x80_0000)
    }
}

/// Rounds `sig * 2^(e - 150)` (sig > 0, any width below 2^53) to float32 bits with sign `s`.
pub fn sf_round_pack(s: u32, e: i32, sig: u64) -> u32 {
    let mut e = e;
    let mut sig = sig;
    let mut len = 64 - sig.leading_zeros() as i32;
    if len < 24 {
        let up = core::cmp::min(24 - len, e - 1);
        if up > 0 {
            sig <<= up;
            e -= up;
            len += up;
        }
    }
    let mut shift = if len > 24 { len - 24 } else { 0 };
    if e + shift < 1 {
        shift = 1 - e;
    }
    if shift > 0 {
        if shift > 60 {
            sig = 0;
        } else {
            let q = sig >> shift;
            let r = sig & ((1u64 << shift) - 1);
            let half = 1u64 << (shift - 1);
            sig = if r > half || (r == half && q & 1 == 1) {
                q + 1
            } else {
                q
            };
        }
        e += shift;
        if sig == 1 << 24 {
            sig = 1 << 23;
            e += 1;
        }
    }
    if e >= 255 {
        return (s << 31) | 0x7f80_0000;
    }
    let field = if sig >= 1 << 23 { e as u32 } else { 0 };
    (s << 31) | (field << 23) | (sig as u32 & 0x7f_ffff)
}

/// a + b, correctly rounded.
pub fn sf_add(a: u32, b: u32) -> u32 {
    let (sa, ea, ma) = unpack(a);
    let (sb, eb, mb) = unpack(b);
    if ma == 0 && mb == 0 {
        return if sa == 1 && sb == 1 { SIGN } else { 0 };
    }
    if ma == 0 {
        return b;
    }
    if mb == 0 {
        return a;
    }
    // |x| >= |y|, three guard bits, the smaller one's lost bits ORed into a sticky bit
    let ((sx, ex, mx), (sy, ey, my)) = if ea > eb || (ea == eb && ma >= mb) {
        ((sa, ea, ma), (sb, eb, mb))
    } else {
        ((sb, eb, mb), (sa, ea, ma))
    };
    let d = ex - ey;
    let mx = mx << 3;
    let mut my = my << 3;
    if d > 0 {
        if d >= 30 {
            my = 1;
        } else {
            let q = my >> d;
            my = if (q << d) != my { q | 1 } else { q };
        }
    }
    let sum = if sx == sy { mx + my } else { mx - my };
    if sum == 0 {
        return 0;
    }
    sf_round_pack(sx, ex - 3, sum)
}

/// a - b, correctly rounded.
#[inline(always)]
pub fn sf_sub(a: u32, b: u32) -> u32 {
    sf_add(a, b ^ SIGN)
}

/// a * b, correctly rounded.
pub fn sf_mul(a: u32, b: u32) -> u32 {
    let (sa, ea, ma) = unpack(a);
    let (sb, eb, mb) = unpack(b);
    let s = sa ^ sb;
    if ma == 0 || mb == 0 {
        return s << 31;
    }
    sf_round_pack(s, ea + eb - 150, ma * mb)
}

/// a / b, correctly rounded (b = 0 gives an infinity).
pub fn sf_div(a: u32, b: u32) -> u32 {
    let (sa, ea, ma) = unpack(a);
    let (sb, eb, mb) = unpack(b);
    let s = sa ^ sb;
    if mb == 0 {
        return (s << 31) | 0x7f80_0000;
    }
    if ma == 0 {
        return s << 31;
    }
    // significands normalised to 24 bits: the quotient has 27 or 28 bits, then a sticky bit
    let (mut ea, mut ma, mut eb, mut mb) = (ea, ma, eb, mb);
    while ma < 1 << 23 {
        ma <<= 1;
        ea -= 1;
    }
    while mb < 1 << 23 {
        mb <<= 1;
        eb -= 1;
    }
    let n = ma << 27;
    let q = n / mb;
    let sticky = (q * mb != n) as u64;
    sf_round_pack(s, ea - eb + 122, q * 2 + sticky)
}

/// float32 of an integer, correctly rounded (onnxruntime's Cast).
pub fn sf_from_i32(v: i32) -> u32 {
    if v == 0 {
        return 0;
    }
    sf_round_pack((v < 0) as u32, 150, v.unsigned_abs() as u64)
}

/// Round half to even to an integer (std::nearbyint), saturated to i32.
pub fn sf_nearbyint(a: u32) -> i32 {
    let (s, e, m) = unpack(a);
    if m == 0 {
        return 0;
    }
    let v: i64 = if e >= 150 {
        if e - 150 > 8 {
            1 << 31
        } else {
            (m << (e - 150)) as i64
        }
    } else {
        let shift = if 150 - e > 30 { 31 } else { 150 - e };
        let q = m >> shift;
        let r = m & ((1u64 << shift) - 1);
        let half = 1u64 << (shift - 1);
        (if r > half || (r == half && q & 1 == 1) {
            q + 1
        } else {
            q
        }) as i64
    };
    let v = if v > 1 << 31 { 1 << 31 } else { v };
    let v = if s == 1 { -v } else { v };
    if v > i32::MAX as i64 {
        i32::MAX
    } else {
        v as i32
    }
}

/// onnxruntime's DynamicQuantizeLinear (uint8) of keys `x`: min = min(0, min x), max = max(0, max x),
/// scale = max == min ? 1 : (max - min) / 255, zero point = round(clamp(-min / scale, 0, 255)),
/// q = clamp(round(x / scale) + zero point, 0, 255), rounding half to even. Writes q - zero point
/// (-255..=255) to `d` and returns the scale's bits. A scale that underflows to 0 is taken as 1.
pub fn sf_dynamic_quantize(x: &[i32], d: &mut [i16]) -> u32 {
    let mut lo = 0i32;
    let mut hi = 0i32;
    for &k in x {
        if k < lo {
            lo = k;
        }
        if k > hi {
            hi = k;
        }
    }
    let min = sf_from_key(lo);
    let mut scale = if lo == hi {
        ONE
    } else {
        sf_div(sf_sub(sf_from_key(hi), min), F255)
    };
    if scale & !SIGN == 0 {
        scale = ONE;
    }
    let izp = sf_key(sf_sub(0, sf_div(min, scale)));
    let zp = sf_nearbyint(sf_from_key(izp.max(0).min(sf_key(F255))));
    for i in 0..x.len() {
        let q = sf_nearbyint(sf_div(sf_from_key(x[i]), scale))
            .saturating_add(zp)
            .max(0)
            .min(255);
        d[i] = (q - zp) as i16;
    }
    scale
}

/// A dynamically quantized layer's output from its integer sum: f32(f32(acc) * m) + bias, as a key.
#[inline(always)]
pub fn sf_epilogue(acc: i32, m: u32, bias: u32) -> i32 {
    sf_key(sf_add(sf_mul(sf_from_i32(acc), m), bias))
}

/// `sf_epilogue` without a bias.
#[inline(always)]
pub fn sf_scale(acc: i32, m: u32) -> i32 {
    sf_key(sf_mul(sf_from_i32(acc), m))
}

/// onnxruntime's LeakyRelu: x >= 0 ? x : alpha * x.
#[inline(always)]
pub fn sf_leaky(k: i32, alpha: u32) -> i32 {
    if k >= 0 {
        k
    } else {
        sf_key(sf_mul(sf_from_key(k), alpha))
    }
}

/// MLAS's logistic: Eigen's rational approximation on x clamped to ±18, output clamped to [0, 1].
pub fn sf_logistic(k: i32) -> i32 {
    let v = sf_from_key(k.max(-KEY_18).min(KEY_18));
    let v2 = sf_mul(v, v);
    let mut p = sf_add(sf_mul(v2, LOGISTIC_ALPHA[0]), LOGISTIC_ALPHA[1]);
    for c in &LOGISTIC_ALPHA[2..] {
        p = sf_add(sf_mul(p, v2), *c);
    }
    p = sf_mul(p, v);
    let mut q = sf_add(sf_mul(v2, LOGISTIC_BETA[0]), LOGISTIC_BETA[1]);
    for c in &LOGISTIC_BETA[2..] {
        q = sf_add(sf_mul(q, v2), *c);
    }
    sf_key(sf_add(sf_div(p, q), HALF)).max(0).min(ONE as i32)
}

/// MLAS's global average: four lane sums over blocks of four, reduced as (l0 + l2) + (l1 + l3), the
/// remaining elements added in order, then divided by the count.
pub fn sf_mean(x: &[i32]) -> i32 {
    let mut lane = [0u32; 4];
    let mut i = 0;
    while i + 4 <= x.len() {
        for j in 0..4 {
            lane[j] = sf_add(lane[j], sf_from_key(x[i + j]));
        }
        i += 4;
    }
    let mut s = sf_add(sf_add(lane[0], lane[2]), sf_add(lane[1], lane[3]));
    while i < x.len() {
        s = sf_add(s, sf_from_key(x[i]));
        i += 1;
    }
    sf_key(sf_div(s, sf_from_i32(x.len() as i32)))
}

#[cfg(test)]
mod tests {
    //! The integer float32 against the host's hardware float32 (tests only: the contract has no floats).
    use super::*;

    fn operands(seed: &mut u32) -> u32 {
        let mut next = || {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 17;
            *seed ^= *seed << 5;
            *seed
        };
        let mut b = next();
        match next() % 8 {
            0 => b &= 0x807f_ffff,
            1 => b = (b & 0x80ff_ffff) | ((110 + next() % 30) << 23),
            2 => b = (b & 0x807f_ffff) | ((next() % 8) << 23),
            _ => {}
        }
        if (b >> 23) & 0xff == 0xff {
            b &= 0xbfff_ffff;
        }
        b
    }

    #[test]
    fn soft_float_equals_hardware_float32() {
        let mut seed = 0x5eed_u32;
        for i in 0..200_000 {
            let a = operands(&mut seed);
            let mut b = operands(&mut seed);
            if i % 5 == 0 {
                b = a ^ (operands(&mut seed) & 0x3ff);
            }
            let (x, y) = (f32::from_bits(a), f32::from_bits(b));
            assert_eq!(sf_add(a, b), (x + y).to_bits(), "{x:e} + {y:e}");
            assert_eq!(sf_sub(a, b), (x - y).to_bits(), "{x:e} - {y:e}");
            assert_eq!(sf_mul(a, b), (x * y).to_bits(), "{x:e} * {y:e}");
            if b & !SIGN != 0 {
                assert_eq!(sf_div(a, b), (x / y).to_bits(), "{x:e} / {y:e}");
            }
            let v = a as i32 >> (a % 24);
            assert_eq!(sf_from_i32(v), (v as f32).to_bits(), "{v} as f32");
            if x.abs() < 2e9 {
                assert_eq!(sf_nearbyint(a) as f32, x.round_ties_even(), "round({x:e})");
            }
        }
    }
}
