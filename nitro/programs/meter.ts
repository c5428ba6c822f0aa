// Ink meter (nitro crates/prover/src/programs/meter.rs, pricing_v1; block boundaries from
// crates/arbutil/src/operator.rs `ends_basic_block`). Operators are buffered until one that ends a
// basic block; then a header is emitted before the buffered operators:
//   if ink < cost { ink_status = 1; unreachable }   ink -= cost
// with cost = Σ prices of the block's operators (terminator included) + the 2450-ink header, saturating
// at u64::MAX. Operators injected by later passes are therefore never charged.

import type { FuncType, Instr } from '../../core/wasm/types';
import { I, type FuncMiddleware, type Middleware, type ModuleMod } from './middleware';

export const STYLUS_INK_LEFT = 'stylus_ink_left';
export const STYLUS_INK_STATUS = 'stylus_ink_status';

export const U64_MAX = (1n << 64n) - 1n;
export const INK_HEADER_COST = 2450n;

export function saturatingAdd(a: bigint, b: bigint): bigint {
  const s = a + b;
  return s > U64_MAX ? U64_MAX : s;
}

/** Operators that end a basic block: end, else, return, loop, br, br_table, br_if, if, call, call_indirect. */
export function endsBasicBlock(op: number): boolean {
  return (
    op === 0x0b || op === 0x05 || op === 0x0f || op === 0x03 || op === 0x0c || op === 0x0e || op === 0x0d ||
    op === 0x04 || op === 0x10 || op === 0x11
  );
}

const FLAT = new Map<number, bigint>();
const set = (price: number, ...ops: number[]) => ops.forEach((op) => FLAT.set(op, BigInt(price)));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
set(1, 0x00, 0x0f, 0x01, 0x41, 0x42); // unreachable, return, nop, i32/i64.const
set(9, 0x1a); // drop
set(1, 0x02, 0x03, 0x05, 0x0b); // block, loop, else, end
set(765, 0x0c, 0x0d, 0x04); // br, br_if, if
set(1250, 0x1b); // select (untyped only)
set(3800, 0x10); // call
set(75, 0x20, 0x22); // local.get, local.tee
set(210, 0x21); // local.set
set(225, 0x23); // global.get
set(575, 0x24); // global.set
set(670, 0x28, ...range(0x2c, 0x2f)); // i32 loads
set(680, 0x29, ...range(0x30, 0x35)); // i64 loads
set(825, 0x36, 0x3a, 0x3b); // i32 stores
set(950, 0x37, ...range(0x3c, 0x3e)); // i64 stores
set(3000, 0x3f); // memory.size
set(8050, 0x40); // memory.grow (the rest is charged by pay_for_memory_grow)
set(170, ...range(0x45, 0x4f)); // i32 eqz and comparisons
set(225, ...range(0x50, 0x5a)); // i64 eqz and comparisons
set(210, 0x67, 0x68); // i32.clz, ctz
set(70, 0x6a, 0x6b); // i32.add, sub
set(160, 0x6c); // i32.mul
set(1120, ...range(0x6d, 0x70)); // i32 div/rem
set(70, ...range(0x71, 0x78)); // i32 and, or, xor, shl, shr, rot
set(210, 0x79, 0x7a); // i64.clz, ctz
set(100, 0x7c, 0x7d); // i64.add, sub
set(160, 0x7e); // i64.mul
set(1270, ...range(0x7f, 0x82)); // i64 div/rem
set(100, ...range(0x83, 0x8a)); // i64 and, or, xor, shl, shr, rot
set(2650, 0x69); // i32.popcnt
set(6000, 0x7b); // i64.popcnt
set(100, 0xa7, 0xac, 0xad); // i32.wrap_i64, i64.extend_i32_s/u
set(100, ...range(0xc0, 0xc4)); // sign extension
set(950, 0xfc000a, 0xfc000b); // memory.copy, memory.fill (plus per-byte cost, see dynamic.ts)

/**
 * Ink price of one operator under pricing_v1. Everything not listed (floats, SIMD, atomics, reference
 * types, table ops, exceptions, ...) costs u64::MAX, so a block containing it can never be entered.
 */
export function pricingV1(ins: Instr, types: FuncType[]): bigint {
  const flat = FLAT.get(ins.op);
  if (flat !== undefined) return flat;
  if (ins.op === 0x0e) return 2400n + 325n * BigInt(ins.targets?.length ?? 0);
  if (ins.op === 0x11) {
    const ty = types[ins.idx ?? -1];
    if (!ty) throw new Error(`call_indirect: no type ${ins.idx}`);
    return 13610n + 650n * BigInt(ty.params.length);
  }
  return U64_MAX;
}

export interface PricingParams {
  headerCost: bigint;
  memoryFillInk: bigint;
  memoryCopyInk: bigint;
}

/** nitro config.rs CompileConfig::version for Stylus versions 1, 2 and 3. */
export const PRICING_V1: PricingParams = { headerCost: INK_HEADER_COST, memoryFillInk: 800n / 8n, memoryCopyInk: 800n / 8n };

export class Meter implements Middleware {
  readonly name = 'ink meter';
  inkGlobal = -1;
  statusGlobal = -1;
  private types: FuncType[] = [];

  constructor(private readonly pricing: PricingParams) {}

  updateModule(m: ModuleMod): void {
    this.inkGlobal = m.addGlobal(STYLUS_INK_LEFT, 0x7e, I.i64Const(0n));
    this.statusGlobal = m.addGlobal(STYLUS_INK_STATUS, 0x7f, I.i32Const(0));
    this.types = m.module.types;
  }

  instrument(): FuncMiddleware {
    const ink = this.inkGlobal;
    const status = this.statusGlobal;
    const types = this.types;
    const header = this.pricing.headerCost;
    let block: Instr[] = [];
    let blockCost = 0n;
    return {
      feed(op, out) {
        blockCost = saturatingAdd(blockCost, pricingV1(op, types));
        block.push(op);
        if (!endsBasicBlock(op.op)) return;
        const cost = saturatingAdd(blockCost, header);
        out.push(
          I.globalGet(ink),
          I.i64Const(cost),
          I.op(0x54), // i64.lt_u
          I.ifEmpty(),
          I.i32Const(1),
          I.globalSet(status),
          I.op(0x00), // unreachable
          I.op(0x0b), // end
          I.globalGet(ink),
          I.i64Const(cost),
          I.op(0x7d), // i64.sub
          I.globalSet(ink),
        );
        for (const b of block) out.push(b);
        block = [];
        blockCost = 0n;
      },
    };
  }
}
