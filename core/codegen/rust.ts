// Small helpers for writing Rust source: types, literals, names and arrays laid out the same way every
// time, so generated files are stable and rustfmt-clean (long constant tables carry #[rustfmt::skip]).
import type { AccWidth, QFormat, Storage } from '../quant/types';
import { formatText } from '../quant/simulate';

export type RustInt = 'i8' | 'i16' | 'i32' | 'i64';

export function rustType(s: Storage | AccWidth): RustInt {
  return s;
}

/** `sat_i16` etc.: the saturating narrowing helper of fixed.rs for a storage type. */
export function satFn(s: Storage): string {
  return `sat_${s}`;
}

/** `i16 Q.12` */
export function fmtText(f: QFormat): string {
  return formatText(f);
}

export function shapeText(shape: number[]): string {
  return `[${shape.join(', ')}]`;
}

/** A real number for comments: integers as is, others to 6 significant digits. */
export function realText(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  return Number(v.toPrecision(6)).toString();
}

/** An integer literal that fits the Rust type (i64::MIN has no literal form). */
export function intLit(v: number | bigint, t: RustInt = 'i64'): string {
  const b = BigInt(v);
  if (t === 'i64' && b === -(2n ** 63n)) return 'i64::MIN';
  if (t === 'i32' && b === -(2n ** 31n)) return 'i32::MIN';
  if (t === 'i16' && b === -(2n ** 15n)) return 'i16::MIN';
  if (t === 'i8' && b === -(2n ** 7n)) return 'i8::MIN';
  return b.toString();
}

/**
 * Array items laid out in rows of at most `perRow` numbers, each row indented, every item followed by a
 * comma. Used inside `#[rustfmt::skip]` items, so the layout is ours.
 */
export function arrayRows(values: ArrayLike<number | bigint | string>, indent: string, perRow = 16): string[] {
  const items = Array.from(values as ArrayLike<number | bigint | string>, (v) => String(v));
  let width = 1;
  for (const s of items) width = Math.max(width, s.length);
  const rows: string[] = [];
  for (let i = 0; i < items.length; i += perRow) {
    rows.push(indent + items.slice(i, i + perRow).map((s) => `${s},`.padStart(width + 1)).join(' '));
  }
  return rows;
}

/** `static NAME: [T; n] = [...];` with a doc line, rustfmt-skipped. */
export function staticArray(name: string, t: string, values: ArrayLike<number | bigint | string>, doc: string[], kind: 'static' | 'const' = 'static'): string[] {
  const out = doc.map((d) => `/// ${d}`);
  out.push('#[rustfmt::skip]');
  if (values.length === 0) {
    out.push(`${kind} ${name}: [${t}; 0] = [];`);
    return out;
  }
  out.push(`${kind} ${name}: [${t}; ${values.length}] = [`);
  out.push(...arrayRows(values, '    '));
  out.push('];');
  return out;
}

/** `static NAME: [[T; cols]; rows] = [[...], ...];`, one inner array per block of lines. */
export function staticMatrix(name: string, t: string, rows: number, cols: number, values: ArrayLike<number>, doc: string[]): string[] {
  const out = doc.map((d) => `/// ${d}`);
  out.push('#[rustfmt::skip]');
  out.push(`static ${name}: [[${t}; ${cols}]; ${rows}] = [`);
  for (let r = 0; r < rows; r++) {
    const row = Array.from({ length: cols }, (_, c) => values[r * cols + c]);
    if (cols <= 16) out.push(`    [${row.join(', ')}],`);
    else {
      out.push('    [');
      out.push(...arrayRows(row, '        '));
      out.push('    ],');
    }
  }
  out.push('];');
  return out;
}

/** snake_case identifier (ASCII letters, digits, underscores; never starting with a digit). */
export function snake(name: string): string {
  const s = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return /^[0-9]/.test(s) ? `m_${s}` : s || 'model';
}

/** A Cargo package name from a folder or model name: lowercase, hyphens. */
export function packageName(name: string): string {
  const s = snake(name).replace(/_/g, '-');
  return RESERVED.has(s) ? `${s}-model` : s;
}

const RESERVED = new Set(['core', 'std', 'alloc', 'test', 'self', 'super', 'crate', 'proc-macro']);

/** The Rust library name of a package (hyphens become underscores). */
export function libName(pkg: string): string {
  return pkg.replace(/-/g, '_');
}

/** UPPER_SNAKE const name from a snake fn name. */
export function constName(fnName: string, suffix: string): string {
  return `${fnName.toUpperCase()}_${suffix}`;
}

/** Comment-safe text: no block comment terminators, one line. */
export function commentText(s: string): string {
  return s.replace(/\*\//g, '* /').replace(/[\r\n]+/g, ' ');
}
