// Byte-level reading and writing of the WebAssembly binary format: LEB128 integers, names, vectors.
// Spec: https://webassembly.github.io/spec/core/binary/values.html

/** A decoding error; `rule` names the wasm feature or structural rule it comes from. */
export class WasmDecodeError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly rule = 'malformed',
  ) {
    super(`${message} (at byte ${offset})`);
    this.name = 'WasmDecodeError';
  }
}

export class ByteReader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
  }

  eof(): boolean {
    return this.pos >= this.end;
  }

  fail(message: string, rule = 'malformed', at = this.pos): never {
    throw new WasmDecodeError(message, at, rule);
  }

  u8(): number {
    if (this.pos >= this.end) this.fail('unexpected end of input');
    return this.bytes[this.pos++];
  }

  peek(): number {
    if (this.pos >= this.end) this.fail('unexpected end of input');
    return this.bytes[this.pos];
  }

  take(n: number): Uint8Array {
    if (n < 0 || this.pos + n > this.end) this.fail(`expected ${n} more bytes`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Unsigned LEB128 of at most `bits` bits, returned as a number (bits <= 32). */
  u32(bits = 32): number {
    let result = 0;
    let shift = 0;
    const start = this.pos;
    for (;;) {
      const byte = this.u8();
      if (shift === 28 && bits === 32 && (byte & 0x70) !== 0) this.fail('integer too large', 'malformed', start);
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) break;
      shift += 7;
      if (shift >= 35) this.fail('integer representation too long', 'malformed', start);
    }
    if (result >= 2 ** bits) this.fail('integer too large', 'malformed', start);
    return result;
  }

  /** Unsigned LEB128 up to 64 bits. */
  u64(): bigint {
    let result = 0n;
    let shift = 0n;
    const start = this.pos;
    for (;;) {
      const byte = this.u8();
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) break;
      shift += 7n;
      if (shift >= 70n) this.fail('integer representation too long', 'malformed', start);
    }
    if (result >= 1n << 64n) this.fail('integer too large', 'malformed', start);
    return result;
  }

  /** Signed LEB128 of 32 bits. */
  s32(): number {
    let result = 0;
    let shift = 0;
    let byte: number;
    const start = this.pos;
    do {
      byte = this.u8();
      if (shift < 32) result |= (byte & 0x7f) << shift;
      shift += 7;
      if (shift > 35) this.fail('integer representation too long', 'malformed', start);
    } while (byte & 0x80);
    if (shift < 32 && byte & 0x40) result |= -1 << shift;
    return result | 0;
  }

  /** Signed LEB128 of 33 bits (block types). */
  s33(): number {
    let result = 0n;
    let shift = 0n;
    let byte: number;
    const start = this.pos;
    do {
      byte = this.u8();
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if (shift > 35n) this.fail('integer representation too long', 'malformed', start);
    } while (byte & 0x80);
    if (byte & 0x40) result -= 1n << shift;
    return Number(BigInt.asIntN(33, result));
  }

  /** Signed LEB128 of 64 bits. */
  s64(): bigint {
    let result = 0n;
    let shift = 0n;
    let byte: number;
    const start = this.pos;
    do {
      byte = this.u8();
      result |= BigInt(byte & 0x7f) << shift;
      shift += 7n;
      if (shift > 70n) this.fail('integer representation too long', 'malformed', start);
    } while (byte & 0x80);
    if (byte & 0x40) result -= 1n << shift;
    return BigInt.asIntN(64, result);
  }

  name(): string {
    const len = this.u32();
    const bytes = this.take(len);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return this.fail('malformed UTF-8 name');
    }
  }
}

export class ByteWriter {
  private buf: Uint8Array;
  length = 0;

  constructor(capacity = 1024) {
    this.buf = new Uint8Array(capacity);
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u8(b: number): this {
    this.ensure(1);
    this.buf[this.length++] = b & 0xff;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`u32 out of range: ${v}`);
    do {
      let byte = v % 128;
      v = Math.floor(v / 128);
      if (v !== 0) byte |= 0x80;
      this.u8(byte);
    } while (v !== 0);
    return this;
  }

  u64(v: bigint): this {
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      this.u8(byte);
    } while (v !== 0n);
    return this;
  }

  s32(v: number): this {
    return this.s64(BigInt(v | 0));
  }

  s33(v: number): this {
    return this.s64(BigInt(v));
  }

  s64(v: bigint): this {
    for (;;) {
      const byte = Number(v & 0x7fn);
      v >>= 7n;
      const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
      this.u8(done ? byte : byte | 0x80);
      if (done) return this;
    }
  }

  name(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.u32(b.length).bytes(b);
  }

  /** Writes `inner` prefixed by its byte length. */
  sized(inner: ByteWriter): this {
    return this.u32(inner.length).bytes(inner.finish());
  }

  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.length);
  }
}
