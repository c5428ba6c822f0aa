// Dynamic ink meter (nitro crates/prover/src/programs/dynamic.rs). memory.fill and memory.copy also
// pay per byte: before each one, the byte count (top of stack) is parked in the scratch global and
// `ink -= count * 100` is checked for underflow (out of ink ⇒ status 1, trap). The other bulk-memory and
// table operators are rejected at activation.

import { Op } from '../../core/wasm/opcodes';
import type { Instr } from '../../core/wasm/types';
import { I, InstrumentError, type FuncMiddleware, type Middleware, type ModuleMod } from './middleware';
import { STYLUS_INK_LEFT, STYLUS_INK_STATUS, type PricingParams } from './meter';

export const SCRATCH_GLOBAL = 'stylus_scratch_global';

const REJECTED = new Set<number>([
  Op.memoryInit, Op.dataDrop, Op.elemDrop, Op.tableInit, Op.tableCopy, Op.tableFill,
  0x25 /* table.get */, 0x26 /* table.set */, Op.tableGrow, Op.tableSize,
]);

export class DynamicMeter implements Middleware {
  readonly name = 'dynamic ink meter';
  private globals: [number, number, number] = [-1, -1, -1];

  constructor(private readonly pricing: PricingParams) {}

  updateModule(m: ModuleMod): void {
    const ink = m.getGlobal(STYLUS_INK_LEFT);
    const status = m.getGlobal(STYLUS_INK_STATUS);
    const scratch = m.addGlobal(SCRATCH_GLOBAL, 0x7f, I.i32Const(0));
    this.globals = [ink, status, scratch];
  }

  instrument(funcIndex: number): FuncMiddleware {
    const [ink, status, scratch] = this.globals;
    const linear = (coefficient: bigint): Instr[] => [
      I.globalSet(scratch), // [.. size] → park the byte count
      I.globalGet(ink),
      I.globalGet(ink),
      I.globalGet(scratch),
      I.op(Op.i64ExtendI32U), // cost = size * coefficient (cannot overflow)
      I.i64Const(coefficient),
      I.op(Op.i64Mul),
      I.op(Op.i64Sub), // [old new]
      I.globalSet(ink),
      I.globalGet(ink),
      I.op(Op.i64LtU), // old < new ⇒ underflow
      I.ifEmpty(),
      I.i32Const(1),
      I.globalSet(status),
      I.op(Op.unreachable),
      I.op(Op.end),
      I.globalGet(scratch), // restore the byte count
    ];
    const fill = this.pricing.memoryFillInk;
    const copy = this.pricing.memoryCopyInk;
    return {
      feed(op, out) {
        if (op.op === Op.memoryFill) out.push(...linear(fill));
        else if (op.op === Op.memoryCopy) out.push(...linear(copy));
        else if (REJECTED.has(op.op)) throw new InstrumentError('unsupported-op', 'opcode not supported', funcIndex);
        out.push(op);
      },
    };
  }
}
