//! A hand-written Stylus contract on `stylus-ml-runtime`: `score(int16[4]) returns (int16[2])`, a small
//! network written by hand — four Q8.8 features, a dense layer of three ReLU units with Q1.14 weights,
//! a dense layer of two outputs (Q8.8). Minimal template style: no stylus-sdk, the raw `vm_hooks` ABI,
//! so it builds offline with Debian's rustc. Inputs outside [-4.0, 4.0] revert: within that box the
//! i64 accumulators cannot overflow (the annotation below states the box for `stylus-ml check`).

#![cfg_attr(not(test), no_std)]

use stylus_ml_runtime::{dense, relu};

/// `score(int16[4])`: the first four bytes of keccak-256 of the signature.
pub const SCORE: [u8; 4] = [0xc2, 0x5d, 0x40, 0xc0];

/// Q1.14 weights of the hidden layer, one row per unit.
pub static W1: [[i16; 4]; 3] = [[8192, -4096, 0, 16384], [-16384, 8192, 4096, 0], [4096, 4096, 4096, 4096]];
/// Its bias at the accumulator's scale (Q.22).
pub static B1: [i64; 3] = [1 << 20, 0, -(1 << 21)];
/// Q1.14 weights of the output layer.
pub static W2: [[i16; 3]; 2] = [[16384, -8192, 8192], [-4096, 16384, 0]];
/// Its bias (Q.22).
pub static B2: [i64; 2] = [0, 1 << 22];

/// The network: Q8.8 in, Q8.8 out.
// stylus-ml: x in [-1024, 1024]
pub fn score(x: &[i16; 4]) -> [i16; 2] {
    let mut h = [0i16; 3];
    dense(x, &W1, &B1, 14, &mut h);
    relu(&mut h);
    let mut y = [0i16; 2];
    dense(&h, &W2, &B2, 14, &mut y);
    y
}

/// Decodes `score(int16[4])` calldata, runs the network, encodes the two results; `None` reverts.
pub fn dispatch(calldata: &[u8], out: &mut [u8; 64]) -> Option<usize> {
    if calldata.len() != 4 + 4 * 32 || calldata[..4] != SCORE {
        return None;
    }
    let mut x = [0i16; 4];
    for (i, v) in x.iter_mut().enumerate() {
        let word = &calldata[4 + 32 * i..4 + 32 * (i + 1)];
        // an int16 word is the value sign-extended to 32 bytes
        let q = i16::from_be_bytes([word[30], word[31]]);
        let fill = if q < 0 { 0xff } else { 0 };
        if word[..30].iter().any(|b| *b != fill) || !(-1024..=1024).contains(&q) {
            return None;
        }
        *v = q;
    }
    for (i, q) in score(&x).iter().enumerate() {
        let fill = if *q < 0 { 0xff } else { 0 };
        out[32 * i..32 * i + 30].fill(fill);
        out[32 * i + 30..32 * (i + 1)].copy_from_slice(&q.to_be_bytes());
    }
    Some(64)
}

#[cfg(all(not(test), target_arch = "wasm32"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(target_arch = "wasm32")]
mod entrypoint {
    #[link(wasm_import_module = "vm_hooks")]
    extern "C" {
        fn read_args(dest: *mut u8);
        fn write_result(data: *const u8, len: usize);
        fn pay_for_memory_grow(pages: u16);
    }

    static mut CALLDATA: [u8; 256] = [0; 256];
    static mut RETURN: [u8; 64] = [0; 64];

    /// The Stylus entrypoint: `len` bytes of calldata in; 0 on success, 1 to revert.
    #[no_mangle]
    pub extern "C" fn user_entrypoint(len: usize) -> usize {
        // SAFETY: a Stylus call runs on one thread from entry to return and nothing else touches the
        // two buffers; `len` is checked against the buffer before `read_args` copies calldata.
        unsafe {
            pay_for_memory_grow(0);
            if len > 256 {
                return 1;
            }
            let calldata = &mut *core::ptr::addr_of_mut!(CALLDATA);
            let out = &mut *core::ptr::addr_of_mut!(RETURN);
            read_args(calldata.as_mut_ptr());
            match super::dispatch(&calldata[..len], out) {
                Some(n) => {
                    write_result(out.as_ptr(), n);
                    0
                }
                None => {
                    write_result(out.as_ptr(), 0);
                    1
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn scores_by_hand() {
        // x = [1, 0.5, -1, 2]: h = relu([0.5 - 0.125 + 0 + 2 + 0.25, -1 + 0.25 - 0.25, 0.625 - 0.5]) = [2.625, 0, 0.125]
        // y = [2.625 + 0 + 0.0625, -0.65625 + 0 + 1] = [2.6875, 0.34375] in Q8.8: [688, 88]
        assert_eq!(super::score(&[256, 128, -256, 512]), [688, 88]);
    }
}
