// The instrumentation framework shared by the passes (start.ts, meter.ts, dynamic.ts, depth.ts, heap.ts).
// Mirrors nitro crates/prover/src/programs/mod.rs: a pass first updates the module (`updateModule`,
// e.g. adding globals) and is then fed each function's operators in order, emitting the rewritten
// stream. Passes run one after another over the whole body, so a later pass sees (and may count) the
// operators an earlier pass injected — exactly as nitro applies them.

import type { Export, ExportKind, FuncType, Instr, Limits, ValType, WasmModule } from '../../core/wasm/types';
import { funcTypeOf, importedGlobalCount } from '../../core/wasm/types';

/** An activation failure raised by a pass; `rule` classifies it for reports, `message` is nitro's text. */
export class InstrumentError extends Error {
  constructor(
    readonly rule: string,
    message: string,
    readonly func?: number,
    /** raised while rewriting that function's body (the message does not name it) */
    readonly inBody = false,
  ) {
    super(message);
    this.name = 'InstrumentError';
  }
}

export interface FuncMiddleware {
  /** Processes one operator, appending the operators to emit to `out`. */
  feed(op: Instr, out: Instr[]): void;
}

export interface Middleware {
  readonly name: string;
  updateModule(m: ModuleMod): void;
  /** `funcIndex` is the index among local functions; `locals` the number of declared locals. */
  instrument(funcIndex: number, locals: number): FuncMiddleware;
}

/** Module-level operations the passes need (nitro's `ModuleMod` for `WasmBinary`). */
export class ModuleMod {
  constructor(readonly module: WasmModule) {}

  private findExport(name: string): Export | undefined {
    return this.module.exports.find((e) => e.name === name);
  }

  /** Adds a mutable global exported under `name`; returns its index. */
  addGlobal(name: string, type: ValType, init: Instr): number {
    if (this.findExport(name)) throw new InstrumentError('reserved-name', `wasm already contains ${name}`);
    const m = this.module;
    const index = importedGlobalCount(m) + m.globals.length;
    m.globals.push({ type: { type, mutable: true }, init: [init, { op: 0x0b }] });
    m.exports.push({ name, kind: 'global', index });
    return index;
  }

  getGlobal(name: string): number {
    const e = this.findExport(name);
    if (!e || e.kind !== 'global') throw new InstrumentError('internal', `missing global ${name}`);
    return e.index;
  }

  signature(index: number): FuncType {
    const t = this.module.types[index];
    if (!t) throw new InstrumentError('internal', `missing signature ${index}`);
    return t;
  }

  functionType(index: number): FuncType {
    const t = funcTypeOf(this.module, index);
    if (!t) throw new InstrumentError('internal', `missing func @ index ${index}`);
    return t;
  }

  /** Function index of an imported function. */
  getImport(module: string, name: string): number {
    let i = 0;
    for (const imp of this.module.imports) {
      if (imp.desc.kind !== 'func') continue;
      if (imp.module === module && imp.name === name) return i;
      i++;
    }
    throw new InstrumentError('memory-grow-import', `missing import ${name}`);
  }

  /** Moves the start function to an export named `name`; true if there was one. */
  moveStartFunction(name: string): boolean {
    const prior = this.findExport(name);
    if (prior) throw new InstrumentError('reserved-name', `function ${name} already exists @ index ${prior.index}`);
    const start = this.module.start;
    this.module.start = null;
    if (start === null) return false;
    this.module.exports.push({ name, kind: 'func', index: start });
    this.module.names.functions.set(start, name);
    return true;
  }

  /** Drops every export not in `keep` (by name and kind), and function names. */
  dropExportsAndNames(keep: Map<string, ExportKind>): void {
    this.module.exports = this.module.exports.filter((e) => keep.get(e.name) === e.kind);
    this.module.names = { ...this.module.names, functions: new Map() };
  }

  memoryInfo(): Limits {
    const m = this.module;
    if (m.memories.length === 0) throw new InstrumentError('memory', 'missing memory export with name memory');
    if (m.memories.length > 1) throw new InstrumentError('memory', 'only one memory is allowed');
    const e = this.findExport('memory');
    if (!e || e.kind !== 'memory' || e.index !== 0) {
      throw new InstrumentError('memory', 'missing memory with export name memory');
    }
    return m.memories[m.memories.length - 1];
  }
}

/** Plain instruction constructors for injected code (no `raw`: the encoder writes them canonically). */
export const I = {
  op: (op: number): Instr => ({ op }),
  globalGet: (idx: number): Instr => ({ op: 0x23, idx }),
  globalSet: (idx: number): Instr => ({ op: 0x24, idx }),
  i32Const: (v: number): Instr => ({ op: 0x41, i32: v | 0 }),
  i64Const: (v: bigint): Instr => ({ op: 0x42, i64: BigInt.asIntN(64, v) }),
  ifEmpty: (): Instr => ({ op: 0x04, block: { kind: 'empty' } }),
  call: (idx: number): Instr => ({ op: 0x10, idx }),
};
