//! The integer semantics the stylus-ml simulator shares with this crate (core/quant/fixed.ts, approx.ts),
//! on values worked out by hand.
use stylus_ml_runtime::*;

#[test]
fn rescale_rounds_half_up_and_shifts_left_when_negative() {
    assert_eq!(rescale(5, 1), 3); // 2.5 -> 3
    assert_eq!(rescale(-5, 1), -2); // -2.5 -> -2 (half up)
    assert_eq!(rescale_by(3, -2), 12);
    assert_eq!(rescale_by(7, 0), 7);
    assert_eq!(shift_left(i64::MAX / 2, 4), i64::MAX); // saturates at the i64 bounds
}

#[test]
fn narrowing_saturates() {
    assert_eq!(sat_i8(300), 127);
    assert_eq!(sat_i16(-40_000), -32768);
    assert_eq!(sat_i32(1 << 40), i32::MAX);
    assert_eq!(sat_i16(1234), 1234);
}

#[test]
fn division_rounds_half_up() {
    assert_eq!(div_round(7, 2), 4);
    assert_eq!(div_round(-7, 2), -3);
    assert_eq!(div_round(6, 4), 2);
}

#[test]
fn nonlinearities_stay_in_their_documented_ranges() {
    // sigmoid in Q.30: 1/2 at 0, monotone, within [0, 2^30]
    assert_eq!(sigmoid30(0), 1 << 29);
    let mut last = 0;
    for x in (-20 << 16..20 << 16).step_by(4099) {
        let v = sigmoid30(to_q16(x, 16, tables::SIGMOID_LIMIT));
        assert!((0..=1 << 30).contains(&v) && v >= last);
        last = v;
    }
    // e^0 = 1, e^-u falls to 0 at the limit
    assert_eq!(exp_neg30(0), 1 << 30);
    assert_eq!(exp_neg_q(24 << 16, 16), exp_neg30(tables::EXP_LIMIT));
    assert!(exp_neg30(tables::EXP_LIMIT) < 16);
}

#[test]
fn integer_square_root() {
    for n in [0i64, 1, 2, 3, 4, 15, 16, 17, 1 << 40, i64::MAX] {
        let r = isqrt(n);
        assert!(r * r <= n && (r + 1).checked_mul(r + 1).map_or(true, |s| s > n), "isqrt({n}) = {r}");
    }
}

#[test]
fn a_small_network_end_to_end() {
    // 2 inputs (Q8.8) -> dense 3 (Q1.14 weights) -> ReLU -> dense 1
    let x: [i16; 2] = [256, 512]; // 1.0, 2.0
    let w1: [[i16; 2]; 3] = [[16384, 0], [0, -16384], [8192, 8192]];
    let mut h = [0i16; 3];
    dense(&x, &w1, &[0; 3], 14, &mut h);
    assert_eq!(h, [256, -512, 384]);
    relu(&mut h);
    let w2: [[i16; 3]; 1] = [[16384, 16384, 16384]];
    let mut y = [0i16; 1];
    dense(&h, &w2, &[0], 14, &mut y);
    assert_eq!(y, [640]); // 1.0 + 0 + 1.5 = 2.5
}
