//! Packed codecs of the runtime of stylus-ml: tensors as little-endian bytes at their storage width, as `predictPacked(bytes)` takes
//! and returns them (4x less calldata than `int32[]` for i8 values).

/// Reads `N` little-endian `i16` from `b` (`2 * N` bytes); `None` when the length differs.
///
/// ```
/// let v = stylus_ml_runtime::packed::read_i16::<2>(&[0x01, 0x00, 0xff, 0xff]);
/// assert_eq!(v, Some([1, -1]));
/// ```
pub fn read_i16<const N: usize>(b: &[u8]) -> Option<[i16; N]> {
    if b.len() != 2 * N {
        return None;
    }
    let mut out = [0i16; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = i16::from_le_bytes([b[2 * i], b[2 * i + 1]]);
    }
    Some(out)
}

/// Reads `N` `i8` from `b` (`N` bytes); `None` when the length differs.
///
/// ```
/// assert_eq!(stylus_ml_runtime::packed::read_i8::<2>(&[0x7f, 0x80]), Some([127, -128]));
/// ```
pub fn read_i8<const N: usize>(b: &[u8]) -> Option<[i8; N]> {
    if b.len() != N {
        return None;
    }
    let mut out = [0i8; N];
    for (o, x) in out.iter_mut().zip(b) {
        *o = *x as i8;
    }
    Some(out)
}

/// Reads `N` little-endian `i32` from `b` (`4 * N` bytes); `None` when the length differs.
///
/// ```
/// assert_eq!(stylus_ml_runtime::packed::read_i32::<1>(&[0, 0, 0, 0x80]), Some([i32::MIN]));
/// ```
pub fn read_i32<const N: usize>(b: &[u8]) -> Option<[i32; N]> {
    if b.len() != 4 * N {
        return None;
    }
    let mut out = [0i32; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = i32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]]);
    }
    Some(out)
}

/// Writes `v` as little-endian `i16` into `out` (`2 * v.len()` bytes).
///
/// ```
/// let mut b = [0u8; 4];
/// stylus_ml_runtime::packed::write_i16(&[1, -1], &mut b);
/// assert_eq!(b, [0x01, 0x00, 0xff, 0xff]);
/// ```
pub fn write_i16(v: &[i16], out: &mut [u8]) {
    assert_eq!(out.len(), 2 * v.len());
    for (i, x) in v.iter().enumerate() {
        out[2 * i..2 * i + 2].copy_from_slice(&x.to_le_bytes());
    }
}

/// Writes `v` as little-endian `i32` into `out` (`4 * v.len()` bytes).
///
/// ```
/// let mut b = [0u8; 4];
/// stylus_ml_runtime::packed::write_i32(&[-2], &mut b);
/// assert_eq!(b, [0xfe, 0xff, 0xff, 0xff]);
/// ```
pub fn write_i32(v: &[i32], out: &mut [u8]) {
    assert_eq!(out.len(), 4 * v.len());
    for (i, x) in v.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&x.to_le_bytes());
    }
}
