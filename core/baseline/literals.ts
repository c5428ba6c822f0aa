// Exact integer literals and packed constant tables for the generated Solidity. Every number the plan
// holds is an integer in a double (or an Int32Array); these print it exactly, as Solidity or Yul source
// (Yul has no negative literals), and pack tables of them big-endian at the narrowest byte width that
// holds every value, for `bytes` literals the kernels read with one mload + shr + signextend.
import { UserError } from '../errors';

/** The exact integer a plan value stands for; anything else is a bug in the plan, named here. */
export function exactInt(v: number, what: string): bigint {
  if (!Number.isInteger(v)) throw new UserError(`EVM baseline: ${what} is ${v}, not an integer; the baseline needs integer plan parameters`);
  return BigInt(v);
}

/** A Solidity int256 expression for v (parenthesised when negative). */
export function sol(v: number | bigint, what = 'constant'): string {
  const b = typeof v === 'bigint' ? v : exactInt(v, what);
  return b < 0n ? `(${b})` : String(b);
}

/** A Yul literal for v: two's complement via not() for negatives. */
export function yul(v: number | bigint, what = 'constant'): string {
  const b = typeof v === 'bigint' ? v : exactInt(v, what);
  return b < 0n ? `not(${-b - 1n})` : String(b);
}

/** 2^e as a bigint, for shift constants. */
export function pow2(e: number): bigint {
  return 1n << BigInt(e);
}

const WIDTHS = [1, 2, 4, 8, 16, 32];

/** Narrowest signed byte width holding every value. */
export function signedWidth(values: ArrayLike<number | bigint>, what: string): number {
  let lo = 0n;
  let hi = 0n;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const b = typeof v === 'bigint' ? v : exactInt(v, `${what}[${i}]`);
    if (b < lo) lo = b;
    if (b > hi) hi = b;
  }
  for (const w of WIDTHS) {
    const lim = pow2(8 * w - 1);
    if (lo >= -lim && hi < lim) return w;
  }
  throw new UserError(`EVM baseline: ${what} holds a value beyond int256`);
}

/** Narrowest unsigned byte width holding every value (≥ 0). */
export function unsignedWidth(values: ArrayLike<number>, what: string): number {
  let hi = 0;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isInteger(values[i]) || values[i] < 0) throw new UserError(`EVM baseline: ${what}[${i}] = ${values[i]} is not a non-negative integer`);
    if (values[i] > hi) hi = values[i];
  }
  for (const w of WIDTHS) if (hi < 2 ** (8 * w)) return w;
  throw new UserError(`EVM baseline: ${what} too large`);
}

/** Big-endian two's complement of v in w bytes, as hex. */
export function beHex(v: number | bigint, w: number): string {
  let b = typeof v === 'bigint' ? v : BigInt(v);
  if (b < 0n) b += pow2(8 * w);
  return b.toString(16).padStart(2 * w, '0');
}

export interface PackedTable {
  /** the hex digits (no 0x) */
  hex: string;
  width: number;
  length: number;
}

export function packSigned(values: ArrayLike<number | bigint>, what: string, width?: number): PackedTable {
  const w = width ?? signedWidth(values, what);
  let hex = '';
  for (let i = 0; i < values.length; i++) hex += beHex(values[i], w);
  return { hex, width: w, length: values.length };
}

export function packUnsigned(values: ArrayLike<number>, what: string, width?: number): PackedTable {
  const w = width ?? unsignedWidth(values, what);
  let hex = '';
  for (let i = 0; i < values.length; i++) hex += beHex(values[i], w);
  return { hex, width: w, length: values.length };
}

/** A `bytes memory` literal; an empty table becomes `""` (solc rejects `hex""` nowhere, but keep it plain). */
export function bytesLit(hex: string): string {
  return hex.length ? `hex"${hex}"` : '""';
}

/** Yul expression reading signed element i (a Yul expression) of width w at data pointer p. */
export function yulReadSigned(p: string, i: string, w: number): string {
  const at = w === 1 ? `add(${p}, ${i})` : `add(${p}, mul(${i}, ${w}))`;
  if (w === 32) return `mload(${at})`;
  return `signextend(${w - 1}, shr(${256 - 8 * w}, mload(${at})))`;
}
