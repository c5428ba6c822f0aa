// memory.fill with a value above 0xFF: Stylus versions 1 and 2 trap ("memory.fill value exceeds 8 bits")
// and the transaction is filtered out; from Stylus version 3 the value is masked to 8 bits, as the wasm
// spec says (nitro v3.10.0 crates/prover/src/programs/config.rs FIXED_MEMORY_FILL_VERSION = 3,
// crates/prover/src/host.rs BULK_MEMORY_FILL_V1/V2, arbos/programs/native.go FilterTx on that trap).
// Nitro does this in its runtime's fill routine, not in the instrumented module; a wasm engine masks, so
// the module that executes carries an explicit guard for versions below 3. The guard is added after the
// costs are computed and is not metered (nitro's check is part of the fill routine, which is not either).

import { Op } from '../../core/wasm/opcodes';
import { importedGlobalCount, type Instr, type WasmModule } from '../../core/wasm/types';
import { I } from './middleware';

export const FIXED_MEMORY_FILL_VERSION = 3;
/** The exported i32 global set to 1 just before the guard traps. */
export const FILL_OVERFLOW_GLOBAL = 'stylus_fill_overflow';

/** The module as it executes: custom sections dropped, and the fill guard for Stylus versions below 3. */
export function executableModule(module: WasmModule, stylusVersion: number): WasmModule {
  const out: WasmModule = { ...module, customs: [] };
  if (stylusVersion >= FIXED_MEMORY_FILL_VERSION) return out;
  if (!module.codes.some((c) => c.body.some((i) => i.op === Op.memoryFill))) return out;
  const base = importedGlobalCount(module) + module.globals.length;
  const [len, val, flag] = [base, base + 1, base + 2];
  const i32Global = { type: { type: 0x7f as const, mutable: true }, init: [I.i32Const(0), { op: 0x0b }] };
  out.globals = [...module.globals, i32Global, i32Global, i32Global];
  out.exports = [...module.exports, { name: FILL_OVERFLOW_GLOBAL, kind: 'global', index: flag }];
  const guard: Instr[] = [
    I.globalSet(len), // [dest val len] → [dest val]
    I.globalSet(val), // → [dest]
    I.globalGet(val),
    I.i32Const(0xff),
    I.op(Op.i32GtU),
    I.ifEmpty(),
    I.i32Const(1),
    I.globalSet(flag),
    I.op(Op.unreachable),
    I.op(Op.end),
    I.globalGet(val),
    I.globalGet(len),
  ];
  out.codes = module.codes.map((c) => {
    if (!c.body.some((i) => i.op === Op.memoryFill)) return c;
    const body: Instr[] = [];
    for (const ins of c.body) {
      if (ins.op === Op.memoryFill) body.push(...guard);
      body.push(ins);
    }
    return { ...c, body };
  });
  return out;
}
