// Reading Stylus programs out of contract code: the classic `EF F0 00 <dict>` prefix and brotli
// decompression capped at MaxWasmSize (geth core/state/statedb_arbitrum.go, nitro arbcompress/native.go).
import { brotliDecompressSync } from 'node:zlib';

export function isStylusCode(code: Uint8Array | undefined): code is Uint8Array {
  return code !== undefined && code.length > 3 && code[0] === 0xef && code[1] === 0xf0 && code[2] === 0x00;
}
/** Stylus fragment (`EF F0 01`) and root (`EF F0 02`) programs exist from ArbOS 60 only. */
export function isStylusFamily(code: Uint8Array): boolean {
  return code.length > 2 && code[0] === 0xef && code[1] === 0xf0 && code[2] <= 0x02;
}

export type DecodeResult = { ok: true; wasm: Uint8Array } | { ok: false; reason: string };

/** Strips the prefix and decompresses; errors carry the text nitro's activation reports. */
export function decodeStylusCode(code: Uint8Array, maxWasmSize: number): DecodeResult {
  if (!isStylusCode(code)) return { ok: false, reason: 'specified bytecode is not a Stylus program' };
  const dict = code[3];
  if (dict === 1) return { ok: false, reason: 'unsupported dictionary type: 1 (nitro StylusProgramDictionary is not bundled)' };
  if (dict !== 0) return { ok: false, reason: `unsupported dictionary type: ${dict}` };
  try {
    // maxOutputLength makes zlib fail instead of allocating past the cap, as nitro's decompressor does.
    const wasm = brotliDecompressSync(code.subarray(4), { maxOutputLength: maxWasmSize });
    return { ok: true, wasm: new Uint8Array(wasm.buffer, wasm.byteOffset, wasm.byteLength) };
  } catch (e) {
    const msg = (e as Error).message;
    if (/maxOutputLength|Cannot create a Buffer larger|buffer/i.test(msg) && !/corrupt|invalid/i.test(msg)) {
      return { ok: false, reason: `failed decompression: wasm larger than MaxWasmSize ${maxWasmSize}` };
    }
    return { ok: false, reason: `failed decompression: ${msg}` };
  }
}
