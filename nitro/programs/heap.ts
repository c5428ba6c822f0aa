// Heap bound (nitro crates/prover/src/programs/heap.rs). A program may start with at most 128 pages.
// If its memory can grow (max != min) it must import `vm_hooks.pay_for_memory_grow` with type (i32)->(),
// and every memory.grow is preceded by a call to it with the same page delta, so growth is paid for
// through the memory model before it happens. Injected after the meter, so the call is not charged.

import { Op } from '../../core/wasm/opcodes';
import { funcTypeText, sameFuncType } from '../../core/wasm/types';
import { I, InstrumentError, type FuncMiddleware, type Middleware, type ModuleMod } from './middleware';
import { SCRATCH_GLOBAL } from './dynamic';

export const PAY_FOR_MEMORY_GROW = 'pay_for_memory_grow';
/** nitro Memory::MAX_WASM_PAGES = u32::MAX / 65536 − 1 (crates/prover/src/memory.rs): a program's memory maximum */
export const MAX_WASM_PAGES = 65534;

export interface HeapBounds {
  /** max initial pages (nitro heap_bound = 128 pages, 8 MiB) */
  heapBound: number;
}

export const HEAP_V1: HeapBounds = { heapBound: 128 };

export class HeapBound implements Middleware {
  readonly name = 'heap bound';
  private scratch = -1;
  payFunc: number | null = null;

  constructor(private readonly bounds: HeapBounds) {}

  updateModule(m: ModuleMod): void {
    this.scratch = m.getGlobal(SCRATCH_GLOBAL);
    // set_memory_max: the maximum is clamped to MAX_WASM_PAGES (65,534) before the checks, so growing
    // past it returns -1 as in nitro rather than reaching a wasm engine's 65,536
    const memory = m.memoryInfo();
    memory.max = memory.max === null ? MAX_WASM_PAGES : Math.min(memory.max, MAX_WASM_PAGES);
    const { min, max } = memory;
    const limit = this.bounds.heapBound;
    if (min > limit) throw new InstrumentError('memory-bound', `memory size ${min} exceeds bound ${limit}`);
    if (max !== null) {
      if (max === min) return;
      if (max < min) throw new InstrumentError('memory', `max memory size ${max} is less than min ${min}`);
    }
    const index = m.getImport('vm_hooks', PAY_FOR_MEMORY_GROW);
    const ty = m.functionType(index);
    if (!sameFuncType(ty, { params: [0x7f], results: [] })) {
      throw new InstrumentError('memory-grow-import', `wrong type for ${PAY_FOR_MEMORY_GROW}: ${funcTypeText(ty)}`);
    }
    this.payFunc = index;
  }

  instrument(): FuncMiddleware {
    const payFunc = this.payFunc;
    const scratch = this.scratch;
    if (payFunc === null) return { feed: (op, out) => void out.push(op) };
    return {
      feed(op, out) {
        if (op.op === Op.memoryGrow) {
          out.push(I.globalSet(scratch), I.globalGet(scratch), I.globalGet(scratch), I.call(payFunc));
        }
        out.push(op);
      },
    };
  }
}
