// Runs nitro's instrumentation over a decoded user module (crates/prover/src/binary.rs `instrument`):
// StartMover → Meter → DynamicMeter → DepthChecker → HeapBound, module updates first, then each function
// body through every pass in that order. The result is the module that actually executes, plus the
// figures ArbOS stores at activation (init/cached cost, footprint, asm estimate).

import type { FunctionBody, Instr, WasmModule } from '../../core/wasm/types';
import { funcTypeText, importedFuncCount, sameFuncType } from '../../core/wasm/types';
import { programCosts, type ProgramCosts } from '../costs';
import type { CompileConfig } from './config';
import { DepthChecker } from './depth';
import { DynamicMeter } from './dynamic';
import { HeapBound } from './heap';
import { Meter } from './meter';
import { InstrumentError, ModuleMod, type Middleware } from './middleware';
import { StartMover, STYLUS_ENTRY_POINT } from './start';

export interface StylusData {
  inkGlobal: number;
  statusGlobal: number;
  depthGlobal: number;
  /** function index of user_entrypoint */
  entrypoint: number;
  costs: ProgramCosts;
}

export interface InstrumentResult {
  module: WasmModule;
  /** undefined when instrumentation failed */
  data?: StylusData;
  /** activation failures, in the order nitro meets them (the first is nitro's reason) */
  errors: InstrumentError[];
}

function cloneModule(m: WasmModule): WasmModule {
  return {
    ...m,
    globals: [...m.globals],
    memories: m.memories.map((l) => ({ ...l })),
    exports: [...m.exports],
    codes: [...m.codes],
    names: { ...m.names, functions: new Map(m.names.functions) },
  };
}

/**
 * Instruments `source` (not modified). With `collectAll`, keeps going after a failing function so that
 * a report can list every problem; activation only needs the first.
 */
export function instrumentModule(source: WasmModule, cfg: CompileConfig, collectAll = false): InstrumentResult {
  const module = cloneModule(source);
  const mod = new ModuleMod(module);
  const errors: InstrumentError[] = [];
  const start = new StartMover(cfg.debug);
  const meter = new Meter(cfg.pricing);
  const dygas = new DynamicMeter(cfg.pricing);
  const depth = new DepthChecker(cfg.depth);
  const bound = new HeapBound(cfg.heap);
  const passes: Middleware[] = [start, meter, dygas, depth, bound];
  try {
    for (const p of passes) p.updateModule(mod);
  } catch (e) {
    errors.push(asInstrumentError(e));
    return { module, errors };
  }

  const imported = importedFuncCount(module);
  for (let index = 0; index < module.codes.length; index++) {
    const code = module.codes[index];
    const locals = code.locals.reduce((n, l) => n + l.count, 0);
    let build: Instr[] = code.body;
    try {
      for (const p of passes) {
        const mid = p.instrument(index, locals);
        const input = build;
        build = [];
        for (const op of input) mid.feed(op, build);
      }
    } catch (e) {
      const err = asInstrumentError(e);
      errors.push(new InstrumentError(err.rule, err.message, imported + index, true));
      if (!collectAll) return { module, errors };
      continue;
    }
    const body: FunctionBody = { locals: code.locals, body: build };
    module.codes[index] = body;
  }
  if (errors.length > 0) return { module, errors };

  try {
    const footprint = mod.memoryInfo().min;
    const entrypoint = checkEntrypoint(mod);
    let typeLen = 0;
    for (const t of module.functions) typeLen += module.types[t].params.length + module.types[t].results.length;
    let dataLen = 0;
    for (const d of module.datas) dataLen += d.range ? d.range[1] - d.range[0] : 0;
    for (const e of module.elements) dataLen += e.range ? e.range[1] - e.range[0] : 0;
    let costs: ProgramCosts;
    try {
      costs = programCosts({
        funcs: module.codes.length,
        typeLen,
        wasmLen: source.byteLength,
        globals: module.globals.length,
        dataLen,
        footprint,
        stylusVersion: cfg.version,
      });
    } catch (e) {
      throw new InstrumentError('init-cost', e instanceof Error ? e.message : String(e));
    }
    return {
      module,
      errors,
      data: { inkGlobal: meter.inkGlobal, statusGlobal: meter.statusGlobal, depthGlobal: depth.global, entrypoint, costs },
    };
  } catch (e) {
    errors.push(asInstrumentError(e));
    return { module, errors };
  }
}

/** nitro `check_func(STYLUS_ENTRY_POINT, (i32) -> i32)`. */
function checkEntrypoint(mod: ModuleMod): number {
  const e = mod.module.exports.find((x) => x.name === STYLUS_ENTRY_POINT);
  if (!e) throw new InstrumentError('entrypoint', `missing export with name ${STYLUS_ENTRY_POINT}`);
  if (e.kind !== 'func') {
    const kind = e.kind[0].toUpperCase() + e.kind.slice(1);
    throw new InstrumentError('entrypoint', `export ${STYLUS_ENTRY_POINT} must be a function but is a ${kind}`);
  }
  const ty = mod.functionType(e.index);
  if (!sameFuncType(ty, { params: [0x7f], results: [0x7f] })) {
    throw new InstrumentError('entrypoint', `wrong type for ${STYLUS_ENTRY_POINT}: ${funcTypeText(ty)}`, e.index);
  }
  return e.index;
}

function asInstrumentError(e: unknown): InstrumentError {
  if (e instanceof InstrumentError) return e;
  return new InstrumentError('internal', e instanceof Error ? e.message : String(e));
}
