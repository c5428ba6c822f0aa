// Deployment bytes of a Stylus program, as cargo-stylus produces them:
// runtime code = EF F0 00 <dict 00> ‖ brotli(wasm, quality 11) (stylus-tools/src/core/code/mod.rs),
// init code = the 43-byte prelude ‖ runtime code (stylus-tools/src/core/deployment/prelude.rs).
// The code format itself (prefixes, roots and fragments) is nitro's: nitro/program-code.ts.
import { brotliCompressSync, constants as zlib } from 'node:zlib';
import { classicProgramCode, isClassicProgram } from '../../nitro/program-code';

/** Length of the init-code prelude. */
export const PRELUDE_LENGTH = 43;

export interface StylusDeployBytes {
  /** code stored at the program address: prefix + dict byte + brotli stream */
  runtimeCode: Uint8Array;
  /** CREATE payload: 43-byte prelude + runtimeCode */
  initCode: Uint8Array;
  /** length of the brotli stream alone */
  compressedBytes: number;
}

/** Brotli quality 11 with the default window, as cargo-stylus (brotli2 level 11). */
export function brotliCompress(wasm: Uint8Array): Uint8Array {
  return new Uint8Array(
    brotliCompressSync(wasm, {
      params: {
        [zlib.BROTLI_PARAM_QUALITY]: 11,
        [zlib.BROTLI_PARAM_SIZE_HINT]: wasm.length,
      },
    }),
  );
}

/** `7F <len:32> 80 60 2B 60 00 39 60 00 F3 00`: PUSH32 len, DUP1, PUSH1 43, PUSH1 0, CODECOPY, PUSH1 0, RETURN, version 0. */
export function initCodePrelude(runtimeLength: number): Uint8Array {
  const prelude = new Uint8Array(PRELUDE_LENGTH);
  prelude[0] = 0x7f;
  let n = BigInt(runtimeLength);
  for (let i = 32; i >= 1; i--) {
    prelude[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  prelude.set([0x80, 0x60, 0x2b, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3, 0x00], 33);
  return prelude;
}

export function stylusInitCode(runtimeCode: Uint8Array): Uint8Array {
  const init = new Uint8Array(PRELUDE_LENGTH + runtimeCode.length);
  init.set(initCodePrelude(runtimeCode.length), 0);
  init.set(runtimeCode, PRELUDE_LENGTH);
  return init;
}

/** Pure: wasm bytes in, the three deployment artefacts out. */
export function stylusDeployBytes(wasm: Uint8Array): StylusDeployBytes {
  if (wasm.length < 8 || wasm[0] !== 0x00 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) {
    throw new Error('not a wasm module: missing \\0asm magic');
  }
  const compressed = brotliCompress(wasm);
  const runtimeCode = classicProgramCode(compressed);
  return { runtimeCode, initCode: stylusInitCode(runtimeCode), compressedBytes: compressed.length };
}

/** True for classic Stylus code (`EF F0 00` and at least one more byte, as geth's IsStylusClassicProgramPrefix). */
export const isStylusProgram = isClassicProgram;

/** Recognises a prelude-wrapped deployment and returns the runtime code it deploys, else null. */
export function runtimeFromInitCode(initCode: Uint8Array): Uint8Array | null {
  if (initCode.length < PRELUDE_LENGTH + 4 || initCode[0] !== 0x7f) return null;
  const runtime = initCode.subarray(PRELUDE_LENGTH);
  const expected = initCodePrelude(runtime.length);
  for (let i = 0; i < PRELUDE_LENGTH; i++) if (initCode[i] !== expected[i]) return null;
  return runtime;
}
