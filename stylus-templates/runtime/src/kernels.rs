//! Layer kernels of the fixed-point runtime of stylus-ml, over fixed-point tensors: dense (matrix-vector), 2-D convolution, max and average
//! pooling, ReLU. Inputs and weights of any integer storage widen to an `i64` accumulator at the sum of
//! their fractional bits; the result is rescaled by `shift` ([`rescale_by`]: right
//! with round-half-up, left when negative) and saturated to the output's storage ([`Saturate`]).
//! Sizes are checked: a mismatch panics, which in a Stylus contract reverts the call. Precondition (the
//! caller's, checked by stylus-ml's overflow analysis at the call): the accumulator's sum fits `i64`,
//! which i8/i16 operands guarantee for any realistic size.

use crate::fixed::rescale_by;

/// Saturating narrowing from the `i64` accumulator to a storage type (`i8`, `i16`, `i32`).
pub trait Saturate: Copy {
    /// `v` clamped to the type's range.
    fn saturate(v: i64) -> Self;
}

impl Saturate for i8 {
    #[inline(always)]
    fn saturate(v: i64) -> Self {
        crate::sat_i8(v)
    }
}
impl Saturate for i16 {
    #[inline(always)]
    fn saturate(v: i64) -> Self {
        crate::sat_i16(v)
    }
}
impl Saturate for i32 {
    #[inline(always)]
    fn saturate(v: i64) -> Self {
        crate::sat_i32(v)
    }
}

/// `y[n] = sat(rescale(b[n] + sum_k x[k] * w[n][k], shift))`: a dense layer (ONNX Gemm/MatMul with one row).
///
/// ```
/// use stylus_ml_runtime::dense;
/// // Q4.3 inputs, Q0.7 weights (i8), bias at Q.10, output Q4.3 (shift 7)
/// let x: [i8; 2] = [8, -16];            // 1.0, -2.0
/// let w: [[i8; 2]; 1] = [[64, 32]];     // 0.5, 0.25
/// let b: [i64; 1] = [1 << 10];          // 1.0
/// let mut y = [0i8; 1];
/// dense(&x, &w, &b, 7, &mut y);
/// assert_eq!(y, [8]);                   // 0.5 - 0.5 + 1.0 = 1.0
/// ```
#[inline(always)]
pub fn dense<X, W, Y, const K: usize, const N: usize>(
    x: &[X; K],
    w: &[[W; K]; N],
    b: &[i64; N],
    shift: i32,
    y: &mut [Y; N],
) where
    X: Copy + Into<i64>,
    W: Copy + Into<i64>,
    Y: Saturate,
{
    for n in 0..N {
        let row = &w[n];
        let mut acc = b[n];
        for k in 0..K {
            acc += x[k].into() * row[k].into();
        }
        y[n] = Y::saturate(rescale_by(acc, shift));
    }
}

/// Shape of a 2-D convolution over one image, NCHW, group 1, square stride and symmetric padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2d {
    /// input channels, height, width
    pub c: usize,
    /// input height
    pub h: usize,
    /// input width
    pub w: usize,
    /// output channels
    pub oc: usize,
    /// kernel height
    pub kh: usize,
    /// kernel width
    pub kw: usize,
    /// stride (both axes)
    pub stride: usize,
    /// zero padding on every side
    pub pad: usize,
}

impl Conv2d {
    /// Output height.
    pub const fn oh(&self) -> usize {
        (self.h + 2 * self.pad - self.kh) / self.stride + 1
    }
    /// Output width.
    pub const fn ow(&self) -> usize {
        (self.w + 2 * self.pad - self.kw) / self.stride + 1
    }
}

/// A 2-D convolution: `x` is `[c][h][w]`, `wt` is `[oc][c][kh][kw]`, `bias` `[oc]` at the accumulator's
/// scale, `y` is `[oc][oh][ow]`; taps on the padding add nothing.
///
/// ```
/// use stylus_ml_runtime::{conv2d, Conv2d};
/// let s = Conv2d { c: 1, h: 3, w: 3, oc: 1, kh: 3, kw: 3, stride: 1, pad: 1 };
/// let x: [i16; 9] = [1, 2, 3, 4, 5, 6, 7, 8, 9];
/// let wt: [i16; 9] = [0, 0, 0, 0, 1, 0, 0, 0, 0]; // identity kernel
/// let mut y = [0i16; 9];
/// conv2d(&s, &x, &wt, &[0], 0, &mut y);
/// assert_eq!(y, x);
/// ```
pub fn conv2d<X, W, Y>(s: &Conv2d, x: &[X], wt: &[W], bias: &[i64], shift: i32, y: &mut [Y])
where
    X: Copy + Into<i64>,
    W: Copy + Into<i64>,
    Y: Saturate,
{
    let (oh, ow) = (s.oh(), s.ow());
    assert!(
        x.len() == s.c * s.h * s.w
            && wt.len() == s.oc * s.c * s.kh * s.kw
            && bias.len() == s.oc
            && y.len() == s.oc * oh * ow
    );
    for o in 0..s.oc {
        for i in 0..oh {
            for j in 0..ow {
                let mut acc = bias[o];
                for c in 0..s.c {
                    for a in 0..s.kh {
                        let r = (i * s.stride + a) as isize - s.pad as isize;
                        if r < 0 || r >= s.h as isize {
                            continue;
                        }
                        for b in 0..s.kw {
                            let q = (j * s.stride + b) as isize - s.pad as isize;
                            if q < 0 || q >= s.w as isize {
                                continue;
                            }
                            let xv: i64 = x[(c * s.h + r as usize) * s.w + q as usize].into();
                            let wv: i64 = wt[((o * s.c + c) * s.kh + a) * s.kw + b].into();
                            acc += xv * wv;
                        }
                    }
                }
                y[(o * oh + i) * ow + j] = Y::saturate(rescale_by(acc, shift));
            }
        }
    }
}

/// Max pooling with a `k`x`k` window and stride `k` over `[c][h][w]` (no padding; partial windows dropped).
///
/// ```
/// let x: [i16; 4] = [1, -5, 7, 2];
/// let mut y = [0i16; 1];
/// stylus_ml_runtime::maxpool2d(&x, 1, 2, 2, 2, &mut y);
/// assert_eq!(y, [7]);
/// ```
pub fn maxpool2d<T: Copy + Ord>(x: &[T], c: usize, h: usize, w: usize, k: usize, y: &mut [T]) {
    let (oh, ow) = (h / k, w / k);
    assert!(k > 0 && x.len() == c * h * w && y.len() == c * oh * ow);
    for ch in 0..c {
        for i in 0..oh {
            for j in 0..ow {
                let mut m = x[(ch * h + i * k) * w + j * k];
                for a in 0..k {
                    for b in 0..k {
                        let v = x[(ch * h + i * k + a) * w + j * k + b];
                        if v > m {
                            m = v;
                        }
                    }
                }
                y[(ch * oh + i) * ow + j] = m;
            }
        }
    }
}

/// Average pooling with a `k`x`k` window and stride `k`, rounded half up ([`div_round`](crate::fixed::div_round)).
///
/// ```
/// let x: [i16; 4] = [1, 2, 3, 5];
/// let mut y = [0i16; 1];
/// stylus_ml_runtime::avgpool2d(&x, 1, 2, 2, 2, &mut y);
/// assert_eq!(y, [3]); // 11 / 4 = 2.75, rounded half up
/// ```
pub fn avgpool2d<T: Copy + Into<i64> + crate::kernels::Saturate>(
    x: &[T],
    c: usize,
    h: usize,
    w: usize,
    k: usize,
    y: &mut [T],
) {
    let (oh, ow) = (h / k, w / k);
    assert!(k > 0 && x.len() == c * h * w && y.len() == c * oh * ow);
    for ch in 0..c {
        for i in 0..oh {
            for j in 0..ow {
                let mut s: i64 = 0;
                for a in 0..k {
                    for b in 0..k {
                        s += x[(ch * h + i * k + a) * w + j * k + b].into();
                    }
                }
                y[(ch * oh + i) * ow + j] = T::saturate(crate::div_round(s, (k * k) as i64));
            }
        }
    }
}

/// ReLU in place.
///
/// ```
/// let mut v: [i16; 3] = [-3, 0, 4];
/// stylus_ml_runtime::relu(&mut v);
/// assert_eq!(v, [0, 0, 4]);
/// ```
pub fn relu<T: Copy + Ord + Default>(v: &mut [T]) {
    for x in v.iter_mut() {
        if *x < T::default() {
            *x = T::default();
        }
    }
}
