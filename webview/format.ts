// Number and shape formatting for the preview; pure, so unit tests cover it without a browser.
import type { QFormat } from './protocol';

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 1234567 → "1,234,567" (gas, params, bytes are integers). */
export function int(n: number): string {
  return grouped.format(Math.round(n));
}

export function shape(dims: readonly (number | string)[]): string {
  return `[${dims.join('×')}]`;
}

export function shapes(list: readonly (readonly number[])[] | null): string {
  return list === null ? '—' : list.map(shape).join(', ');
}

/** Q-format as "i16 Q7.8": storage type, integer bits (sign excluded) and fractional bits. */
export function qformat(q: QFormat | null): string {
  if (q === null) return '—';
  const bits = Number(q.storage.slice(1));
  return `${q.storage} Q${bits - 1 - q.fracBits}.${q.fracBits}`;
}

/** Compact real number for ranges and errors. */
export function real(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}

export function range(r: [number, number] | null): string {
  return r === null ? '—' : `[${real(r[0])}, ${real(r[1])}]`;
}

export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** wei (decimal string) → ETH with up to 9 decimals, exact (no float rounding of big values). */
export function weiToEth(wei: string): string {
  const v = BigInt(wei);
  const whole = v / 10n ** 18n;
  const frac = (v % 10n ** 18n).toString().padStart(18, '0').slice(0, 9).replace(/0+$/, '');
  return frac ? `${whole}.${frac} ETH` : `${whole} ETH`;
}
