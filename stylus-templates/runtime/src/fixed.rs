//! Fixed-point runtime of stylus-ml: the integer semantics every generated crate uses (through this
//! library, vendored into the crate as a path dependency).
//!
//! One definition of the integer semantics for the simulator (core/quant/fixed.ts, approx.ts), this
//! runtime and the overflow analysis: a value is `q * 2^-frac`; accumulators are i32 or i64; a rescale
//! is an arithmetic right shift with round-half-up; narrowing saturates. A pre-quantized model's layers
//! requantise with `requant_i8` (a multiplier and a round-half-even shift, as onnxruntime rounds).
//! No floats anywhere: Stylus prices every float instruction at u64::MAX ink. The tables of the nonlinearities live in
//! `tables`, written by the generator from the simulator's own constants.

use super::tables::{EXP2_TABLE, EXP_LIMIT, LOG2E_Q24, SIGMOID_LIMIT, SIGMOID_TABLE};

/// Table input format: Q.16.
pub const Q16: i32 = 16;
/// Table output format: Q.30.
pub const Q30: i32 = 30;
const ONE30: i64 = 1 << 30;
const SIG_STEP_BITS: u32 = 11;
const EXP_STEP_BITS: u32 = 10;

/// The planned buffer at byte `offset` of the arena `base` as the array type a layer takes: how `infer`
/// lends the arena to a layer.
///
/// # Safety
/// `offset` plus the array's size lies inside the arena, `offset` is aligned for `T`, and no other view
/// in use overlaps it (core/codegen/arena.ts plans the offsets so).
#[inline(always)]
pub unsafe fn buf<'a, T, const N: usize>(base: *mut u8, offset: usize) -> &'a mut [T; N] {
    &mut *(base.add(offset) as *mut [T; N])
}

/// The low byte of each 32-bit lane of an i64: `(word >> 8j) & LANE_BYTES` takes byte j of both halves
/// of an 8-byte word of a pair image (two rows' biased weights) into the two lanes.
pub const LANE_BYTES: i64 = 0x0000_00ff_0000_00ff;

/// The bias of a pair image's weights (w + 128) in both lanes: `lanes - LANE_BIAS` is the signed pair.
pub const LANE_BIAS: i64 = 0x0000_0080_0000_0080;

/// The low lane of an accumulator `lo + hi * 2^32` whose lanes each hold a sum proven to fit i32 (two
/// products per multiply): `lo`, sign-extended. The bits shifted out are the high lane's.
#[inline(always)]
pub fn lane_lo(a: i64) -> i64 {
    (a << 32) >> 32
}

/// The high lane of such an accumulator: `(a - lo) >> 32`, exact because `lo` fits i32.
#[inline(always)]
pub fn lane_hi(a: i64) -> i64 {
    (a - lane_lo(a)) >> 32
}

/// Arithmetic right shift by `s` (1..=62) with round-half-up: `(acc + 2^(s-1)) >> s`.
#[inline(always)]
pub fn rescale(acc: i64, s: u32) -> i64 {
    (acc + (1i64 << (s - 1))) >> s
}

/// `acc * 2^s`, saturating at the i64 bounds (a saturating narrowing follows it).
#[inline(always)]
pub fn shift_left(acc: i64, s: u32) -> i64 {
    if acc > (i64::MAX >> s) {
        i64::MAX
    } else if acc < (i64::MIN >> s) {
        i64::MIN
    } else {
        acc << s
    }
}

/// Rescale by a shift of either sign: right with round-half-up when `s > 0`, left when `s < 0`.
#[inline(always)]
pub fn rescale_by(acc: i64, s: i32) -> i64 {
    if s > 0 {
        rescale(acc, s as u32)
    } else if s < 0 {
        shift_left(acc, (-s) as u32)
    } else {
        acc
    }
}

/// Narrowing to i8, saturating.
#[inline(always)]
pub fn sat_i8(v: i64) -> i8 {
    if v > i8::MAX as i64 {
        i8::MAX
    } else if v < i8::MIN as i64 {
        i8::MIN
    } else {
        v as i8
    }
}

/// Narrowing to i16, saturating.
#[inline(always)]
pub fn sat_i16(v: i64) -> i16 {
    if v > i16::MAX as i64 {
        i16::MAX
    } else if v < i16::MIN as i64 {
        i16::MIN
    } else {
        v as i16
    }
}

/// Narrowing to i32, saturating.
#[inline(always)]
pub fn sat_i32(v: i64) -> i32 {
    if v > i32::MAX as i64 {
        i32::MAX
    } else if v < i32::MIN as i64 {
        i32::MIN
    } else {
        v as i32
    }
}

/// `v / 2^s` rounded half to even (`s` in 1..=62): onnxruntime's rounding of a requantised value.
#[inline(always)]
pub fn rshift_even(v: i64, s: u32) -> i64 {
    let q = v >> s;
    let r = v - (q << s);
    let half = 1i64 << (s - 1);
    if r > half || (r == half && (q & 1) == 1) {
        q + 1
    } else {
        q
    }
}

/// A pre-quantized model's requantisation (core/quant/requant.ts): the accumulator times the multiplier
/// `m / 2^s` (onnxruntime's float32 multiplier, exactly), rounded half to even, plus the output zero
/// point, saturated to i8. `acc * m` stays below 2^62: the plan bounds `acc` and `m < 2^24`.
#[inline(always)]
pub fn requant_i8(acc: i64, m: i64, s: u32, zp: i64) -> i8 {
    sat_i8(rshift_even(acc * m, s) + zp)
}

/// `a / d` rounded half up, for `d > 0`: `floor((2a + d) / 2d)`.
#[inline(always)]
pub fn div_round(a: i64, d: i64) -> i64 {
    let n = 2 * a + d;
    let m = 2 * d;
    let q = n / m;
    if n % m != 0 && n < 0 {
        q - 1
    } else {
        q
    }
}

/// LeakyRelu: `v` when `v >= 0`, else `v * alpha` rescaled by `shift`.
#[inline(always)]
pub fn leaky(v: i64, alpha: i64, shift: i32) -> i64 {
    if v >= 0 {
        v
    } else {
        rescale_by(v * alpha, shift)
    }
}

/// Truncation toward zero of `q * 2^-frac` (ONNX Cast from real to integer).
#[inline(always)]
pub fn trunc_frac(q: i64, frac: i32) -> i64 {
    if frac <= 0 {
        shift_left(q, (-frac) as u32)
    } else if q >= 0 {
        q >> frac
    } else {
        -((-q) >> frac)
    }
}

/// Integer square root, `floor(sqrt(n))` (0 for n <= 0), digit by digit.
pub fn isqrt(n: i64) -> i64 {
    if n <= 0 {
        return 0;
    }
    let mut rem = n as u64;
    let mut root = 0u64;
    let mut bit = 1u64 << 62;
    while bit > rem {
        bit >>= 2;
    }
    while bit != 0 {
        if rem >= root + bit {
            rem -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    root as i64
}

/// `q` at `in_frac` as Q.16, clamped to `+-limit`; clamps in the input's own units before a left
/// shift so no value passes 2^63.
#[inline(always)]
pub fn to_q16(q: i64, in_frac: i32, limit: i64) -> i64 {
    let v = if in_frac >= Q16 {
        rescale_by(q, in_frac - Q16)
    } else {
        let k = (Q16 - in_frac) as u32;
        let c = (limit + (1i64 << k) - 1) >> k;
        let cq = if q > c {
            c
        } else if q < -c {
            -c
        } else {
            q
        };
        cq << k
    };
    if v > limit {
        limit
    } else if v < -limit {
        -limit
    } else {
        v
    }
}

/// sigma(x) in Q.30 for x in Q.16 within +-SIGMOID_LIMIT: the table at steps of 1/32, interpolated.
pub fn sigmoid30(x16: i64) -> i64 {
    let a = if x16 < 0 { -x16 } else { x16 };
    let idx = (a >> SIG_STEP_BITS) as usize;
    let fr = a & ((1 << SIG_STEP_BITS) - 1);
    let lo = SIGMOID_TABLE[idx] as i64;
    let hi = SIGMOID_TABLE[idx + 1] as i64;
    let v = lo + (((hi - lo) * fr + (1 << (SIG_STEP_BITS - 1))) >> SIG_STEP_BITS);
    if x16 < 0 {
        ONE30 - v
    } else {
        v
    }
}

/// e^(-u) in Q.30 for u in Q.16, 0 <= u <= EXP_LIMIT: 2^(-u log2 e), the fraction from the table.
pub fn exp_neg30(u16: i64) -> i64 {
    let t = (u16 * LOG2E_Q24 + (1 << 23)) >> 24;
    let n = t >> 16;
    let r = t & 0xffff;
    let idx = (r >> EXP_STEP_BITS) as usize;
    let fr = r & ((1 << EXP_STEP_BITS) - 1);
    let hi = EXP2_TABLE[idx] as i64;
    let lo = EXP2_TABLE[idx + 1] as i64;
    let v = hi - (((hi - lo) * fr + (1 << (EXP_STEP_BITS - 1))) >> EXP_STEP_BITS);
    if n == 0 {
        v
    } else if n >= 31 {
        0
    } else {
        (v + (1i64 << (n - 1))) >> n
    }
}

/// sigma(q * 2^-in_frac) at `out_frac`.
#[inline(always)]
pub fn sigmoid_q(q: i64, in_frac: i32, out_frac: i32) -> i64 {
    rescale_by(sigmoid30(to_q16(q, in_frac, SIGMOID_LIMIT)), Q30 - out_frac)
}

/// tanh(x) = 2 sigma(2x) - 1 at `out_frac`; 2x in Q.16 is x in Q.17.
#[inline(always)]
pub fn tanh_q(q: i64, in_frac: i32, out_frac: i32) -> i64 {
    let s = sigmoid30(to_q16(q, in_frac - 1, SIGMOID_LIMIT));
    rescale_by(2 * s - ONE30, Q30 - out_frac)
}

/// e^(-d) in Q.30 for `d >= 0` at `in_frac` (softmax computes e^(x - max)).
#[inline(always)]
pub fn exp_neg_q(d: i64, in_frac: i32) -> i64 {
    exp_neg30(to_q16(d, in_frac, EXP_LIMIT))
}

/// The leaf a table-encoded tree reaches for the features `x`: node `n` tests
/// `x[feature[n]] <= threshold[n]`; a reference `r >= 0` is a node, `r < 0` the leaf `-1 - r`.
/// Every table is written by the generator, which checks each reference and feature index.
pub fn tree_leaf<T: Copy + Into<i64>>(
    x: &[T],
    root: i32,
    feature: &[u16],
    threshold: &[i32],
    yes: &[i32],
    no: &[i32],
) -> usize {
    let mut r = root;
    while r >= 0 {
        let n = r as usize;
        // SAFETY: the generator checks that every node index is < the table length and every
        // feature index < x.len() (see core/codegen/trees.ts); the loop ends because trees are acyclic.
        let (f, t, y, z) = unsafe {
            (
                *feature.get_unchecked(n) as usize,
                *threshold.get_unchecked(n) as i64,
                *yes.get_unchecked(n),
                *no.get_unchecked(n),
            )
        };
        let v: i64 = unsafe { (*x.get_unchecked(f)).into() };
        r = if v <= t { y } else { z };
    }
    (-1 - r) as usize
}

/// MIN/MAX tree aggregation: the first weight a target receives sets it, later ones combine.
#[inline(always)]
pub fn combine_min(acc: &mut i64, seen: &mut bool, q: i64) {
    if !*seen || q < *acc {
        *acc = q;
    }
    *seen = true;
}

/// See `combine_min`.
#[inline(always)]
pub fn combine_max(acc: &mut i64, seen: &mut bool, q: i64) {
    if !*seen || q > *acc {
        *acc = q;
    }
    *seen = true;
}
