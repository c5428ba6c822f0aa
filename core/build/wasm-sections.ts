// The section layout of a wasm binary, and stripping of custom sections (names, debug info, producers),
// which cargo-stylus removes before compressing (stylus-tools/src/core/code/wasm.rs).

export interface WasmSection {
  id: number;
  /** custom sections only */
  name?: string;
  /** byte range of the whole section (id byte included) */
  start: number;
  end: number;
  /** payload size */
  size: number;
}

function leb(b: Uint8Array, at: number): [number, number] {
  let result = 0;
  let shift = 0;
  let p = at;
  for (;;) {
    if (p >= b.length) throw new Error('truncated LEB128');
    const x = b[p++];
    result += (x & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(x & 0x80)) break;
    if (shift > 35) throw new Error('LEB128 too long');
  }
  return [result, p];
}

export function listSections(bytes: Uint8Array): WasmSection[] {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) throw new Error('not a wasm module (no \\0asm magic)');
  const out: WasmSection[] = [];
  let p = 8;
  while (p < bytes.length) {
    const start = p;
    const id = bytes[p++];
    const [size, body] = leb(bytes, p);
    const end = body + size;
    if (end > bytes.length) throw new Error(`section ${id} at ${start} runs past the end`);
    const s: WasmSection = { id, start, end, size };
    if (id === 0) {
      const [n, q] = leb(bytes, body);
      s.name = new TextDecoder().decode(bytes.subarray(q, q + n));
    }
    out.push(s);
    p = end;
  }
  return out;
}

/** The module without its custom sections. */
export function stripCustomSections(bytes: Uint8Array): Uint8Array {
  const keep = listSections(bytes).filter((s) => s.id !== 0);
  const out = new Uint8Array(8 + keep.reduce((a, s) => a + (s.end - s.start), 0));
  out.set(bytes.subarray(0, 8), 0);
  let p = 8;
  for (const s of keep) {
    out.set(bytes.subarray(s.start, s.end), p);
    p += s.end - s.start;
  }
  return out;
}

/** Payload bytes of the code and data sections (the two that grow with a model). */
export function sectionBytes(bytes: Uint8Array): { code: Uint8Array; data: Uint8Array; other: number } {
  const secs = listSections(bytes);
  const pick = (id: number) => {
    const s = secs.find((x) => x.id === id);
    return s ? bytes.subarray(s.end - s.size, s.end) : new Uint8Array(0);
  };
  const code = pick(10);
  const data = pick(11);
  return { code, data, other: bytes.length - code.length - data.length };
}
