// Real compiler output: a dependency-free Rust program compiled to wasm32 by Debian's rustc (see
// ../shared/recipes/rust-wasm-offline.md) validates under nitro's rules, round-trips through the codec,
// activates and runs with the right result.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { after, before, describe, it } from 'node:test';
import { decodeModule } from '../../core/wasm/decode';
import { encodeModule } from '../../core/wasm/encode';
import { checkStylusWasm, validateStylusWasm } from '../../nitro/validate';
import { createStylusRuntime, type WasmStylusRuntime } from '../../devnode/stylus/runtime';
import { PARAMS, context, FixedCostEvmApi } from './stylus-harness';

const RUSTC = '/usr/bin/rustc';
const LINKER = ['wasm-ld-16', 'wasm-ld-15', 'wasm-ld-14', 'wasm-ld'].find((l) => {
  try {
    execFileSync(l, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});
const skip = !existsSync(RUSTC) ? `${RUSTC} is absent (apt-get install rustc libstd-rust-dev-wasm32)` : !LINKER ? 'no wasm-ld linker (apt-get install lld-16)' : false;

const SOURCE = `#![no_std]
#[link(wasm_import_module = "vm_hooks")]
extern "C" {
    fn read_args(dest: *mut u8);
    fn write_result(data: *const u8, len: usize);
    fn pay_for_memory_grow(pages: u16);
    fn native_keccak256(bytes: *const u8, len: usize, output: *mut u8);
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

static mut BUF: [u8; 1024] = [0; 1024];

/// Dot product of little-endian (i16, i16) pairs, then keccak of the input: 8 + 32 bytes out.
#[no_mangle]
pub extern "C" fn user_entrypoint(len: usize) -> usize {
    unsafe {
        pay_for_memory_grow(0);
        if len > 1024 {
            return 1;
        }
        read_args(BUF.as_mut_ptr());
        let mut acc: i64 = 0;
        for i in 0..len / 4 {
            let a = i16::from_le_bytes([BUF[4 * i], BUF[4 * i + 1]]) as i64;
            let b = i16::from_le_bytes([BUF[4 * i + 2], BUF[4 * i + 3]]) as i64;
            acc += a * b;
        }
        let mut out = [0u8; 40];
        out[..8].copy_from_slice(&acc.to_be_bytes());
        native_keccak256(BUF.as_ptr(), len, out.as_mut_ptr().add(8));
        write_result(out.as_ptr(), 40);
        0
    }
}
`;

describe('a Rust program compiled by rustc', { skip }, () => {
  let wasm: Uint8Array<ArrayBuffer>;
  let dir: string;
  let rt: WasmStylusRuntime;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'stylus-rust-'));
    writeFileSync(path.join(dir, 'lib.rs'), SOURCE);
    execFileSync(RUSTC, [
      '--edition', '2021', '--crate-type', 'cdylib', '--target', 'wasm32-unknown-unknown',
      '-C', 'opt-level=z', '-C', 'panic=abort', '-C', 'lto', '-C', `linker=${LINKER}`,
      '-C', 'link-arg=-zstack-size=32768', '-o', path.join(dir, 'out.wasm'), path.join(dir, 'lib.rs'),
    ], { stdio: 'pipe' });
    wasm = new Uint8Array(readFileSync(path.join(dir, 'out.wasm')));
    rt = createStylusRuntime();
  });
  after(async () => {
    await rt?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('passes nitro validation without lint', () => {
    const r = validateStylusWasm(wasm, { arbosVersion: 40, debug: false });
    assert.deepEqual(r.violations, []);
    assert.deepEqual(r.lint, []);
  });

  it('round-trips through the decoder and encoder, and its instrumented form validates', () => {
    assert.deepEqual(Buffer.from(encodeModule(decodeModule(wasm))), Buffer.from(wasm));
    const check = checkStylusWasm(wasm, { arbosVersion: 40, debug: false });
    assert.ok(WebAssembly.validate(encodeModule(check.instrumented!.module)));
  });

  it('activates and computes the dot product and keccak of its input', async () => {
    const act = await rt.activate(wasm, PARAMS, 128);
    assert.ok(act.ok, act.ok ? '' : act.reason);
    const pairs: [number, number][] = [[3, 4], [-1000, 25], [32767, -32768], [12, 12]];
    const input = Buffer.alloc(pairs.length * 4);
    pairs.forEach(([a, b], i) => {
      input.writeInt16LE(a, 4 * i);
      input.writeInt16LE(b, 4 * i + 2);
    });
    const res = await rt.call(act.program.moduleHash, context({ calldata: input }), new FixedCostEvmApi(), 5_000_000n, PARAMS);
    assert.equal(res.outcome.kind, 'success', JSON.stringify(res.outcome));
    const out = Buffer.from((res.outcome as { output: Uint8Array }).output);
    const dot = pairs.reduce((n, [a, b]) => n + BigInt(a) * BigInt(b), 0n);
    assert.equal(out.readBigInt64BE(0), dot);
    assert.equal(out.subarray(8).toString('hex'), Buffer.from(keccak_256(input)).toString('hex'));
    assert.ok(res.gasLeft < 5_000_000n && res.gasLeft > 4_900_000n, `used ${5_000_000n - res.gasLeft} gas`);
  });

  it('reverts with no data on oversized input', async () => {
    const act = await rt.activate(wasm, PARAMS, 128);
    assert.ok(act.ok);
    const res = await rt.call(act.program.moduleHash, context({ calldata: new Uint8Array(2000) }), new FixedCostEvmApi(), 5_000_000n, PARAMS);
    assert.equal(res.outcome.kind, 'revert');
    assert.equal((res.outcome as { output: Uint8Array }).output.length, 0);
  });
});
