// Rust integer types as the analysis sees them: width, signedness and value range.
// usize/isize are 32 bits: Stylus programs run as wasm32 (the narrower width is also the safer
// assumption for native 64-bit tests of the same code).

export const INT_TYPES = ['i8', 'i16', 'i32', 'i64', 'i128', 'isize', 'u8', 'u16', 'u32', 'u64', 'u128', 'usize'] as const;
export type IntTy = (typeof INT_TYPES)[number];

export interface IntTyInfo {
  bits: number;
  signed: boolean;
  min: bigint;
  max: bigint;
}

const INFO = new Map<IntTy, IntTyInfo>();
for (const ty of INT_TYPES) {
  const signed = ty.startsWith('i');
  const bits = ty.endsWith('size') ? 32 : Number(ty.slice(1));
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  INFO.set(ty, { bits, signed, min, max });
}

export function isIntTy(name: string): name is IntTy {
  return INFO.has(name as IntTy);
}

export function tyInfo(ty: IntTy): IntTyInfo {
  return INFO.get(ty)!;
}

/** `[-128, 127]` */
export function tyRangeText(ty: IntTy): string {
  const i = tyInfo(ty);
  return `[${i.min}, ${i.max}]`;
}

/** Signed types carry fixed-point values; unsigned ones are sizes, indices and shift amounts. */
export function isSigned(ty: IntTy): boolean {
  return tyInfo(ty).signed;
}

/** The narrowest signed type (from i16 up) whose range holds [lo, hi], or null beyond i128. */
export function smallestSignedHolding(lo: bigint, hi: bigint, atLeast: IntTy = 'i16'): IntTy | null {
  const order: IntTy[] = ['i8', 'i16', 'i32', 'i64', 'i128'];
  const start = Math.max(0, order.indexOf(atLeast));
  for (const ty of order.slice(start)) {
    const i = tyInfo(ty);
    if (lo >= i.min && hi <= i.max) return ty;
  }
  return null;
}

/** Whether `T::from(x: S)` exists in std (lossless integer conversions). */
export function losslessFrom(from: IntTy, to: IntTy): boolean {
  if (from === to) return true;
  if (from.endsWith('size') || to.endsWith('size')) {
    // std has From<u8|u16> for usize, From<u8|i8|i16> for isize only.
    if (to === 'usize') return from === 'u8' || from === 'u16';
    if (to === 'isize') return from === 'u8' || from === 'i8' || from === 'i16';
    return false;
  }
  const f = tyInfo(from);
  const t = tyInfo(to);
  if (f.signed === t.signed) return t.bits >= f.bits;
  return !f.signed && t.signed && t.bits > f.bits;
}
