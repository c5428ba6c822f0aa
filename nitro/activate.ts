// Activation (nitro crates/prover/src/programs/mod.rs `Module::activate` and arbos/programs/programs.go
// `ActivateProgram`): validate and instrument the user wasm, compute what ArbOS stores for the program,
// the compile gas and the data fee, and produce the instrumented module that executes. Compiling that
// module for a machine is the executor's business (the devnode's: devnode/stylus/compile.ts).

import { keccak_256 } from '@noble/hashes/sha3.js';
import { encodeModule } from '../core/wasm/encode';
import type { WasmModule } from '../core/wasm/types';
import { activationCompileGas, type CompileGasInputs } from './costs';
import { dataFee, initialDataPricer, type DataPricerState } from './data-pricer';
import type { StylusParams } from './params';
import type { StylusData } from './programs/instrument';
import { executableModule } from './programs/memory-fill';
import { checkStylusWasm } from './validate';

/** What activation stores per program (nitro programs.go `Program`), plus what it charged. */
export interface ActivatedProgram {
  version: number;
  initCost: number;
  cachedCost: number;
  /** initial memory pages */
  footprint: number;
  asmEstimateKb: number;
  /** keccak of the decompressed wasm, hex */
  moduleHash: string;
  /** activation gas charged by the compile step (excluding the fixed 1,659,168 and ActivationGas) */
  activationGas: bigint;
  /** data fee in wei at activation time */
  dataFee: bigint;
  /** asm size estimate in bytes (asmEstimateKb = ceil(asmEstimate / 1024)) */
  asmEstimate?: number;
  /** the data pricer after this activation, when the caller passed one in ActivationContext */
  dataPricer?: DataPricerState;
}

/** Chain state an activation prices against; without it the fee is a fresh chain's. */
export interface ActivationContext {
  /** block timestamp (seconds) */
  time: bigint;
  dataPricer: DataPricerState;
}

export type ActivationOutcome =
  | { ok: true; program: ActivatedProgram }
  /** nitro's reason text, e.g. "start functions not allowed"; activation burns all gas */
  | { ok: false; reason: string };

/** The module that executes: instrumented, custom sections (names, DWARF) stripped. */
export interface InstrumentedProgram {
  moduleHash: string;
  version: number;
  debug: boolean;
  bytes: Uint8Array;
  data: StylusData;
}

export function wasmModuleHash(wasm: Uint8Array): string {
  return '0x' + Buffer.from(keccak_256(wasm)).toString('hex');
}

/** What the activation's compile charge is computed from (nitro `Module::activate`). */
export function compileGasInputs(wasmLen: number, source: WasmModule, instrumented: WasmModule, arbosVersion: number): CompileGasInputs {
  return {
    wasmLen,
    funcs: source.functions.length,
    dataBytes: source.datas.reduce((n, d) => n + d.data.length, 0),
    elemBytes: source.elements.reduce((n, e) => n + (e.range ? e.range[1] - e.range[0] : 0), 0),
    initialPages: source.memories[0]?.min ?? 0,
    instrumentedOps: instrumented.codes.reduce((n, c) => n + c.body.length, 0),
    arbosVersion,
  };
}

export interface Activation {
  outcome: ActivationOutcome;
  /** set when the outcome is ok */
  program?: InstrumentedProgram;
}

/** Activates `wasm` (decompressed) with `pageLimit` pages left in the transaction. */
export function activateModule(wasm: Uint8Array, params: StylusParams, pageLimit: number, ctx?: ActivationContext): Activation {
  const check = checkStylusWasm(wasm, {
    arbosVersion: params.arbosVersion,
    debug: params.debugMode,
    stylusVersion: params.stylusVersion,
    pageLimit,
  });
  if (!check.valid || !check.instrumented?.data || !check.module) {
    const reason = check.violations[0]?.detail ?? 'activation failed';
    return { outcome: { ok: false, reason } };
  }
  const source = check.module;
  const im = check.instrumented;
  const data = im.data!;

  const activationGas = activationCompileGas(compileGasInputs(wasm.length, source, im.module, params.arbosVersion));

  let program: InstrumentedProgram;
  try {
    program = instrumented(wasm, im.module, data, params);
  } catch (e) {
    return { outcome: { ok: false, reason: `failed to compile: ${e instanceof Error ? e.message : String(e)}` } };
  }

  const pricer = ctx?.dataPricer ?? initialDataPricer();
  const time = ctx?.time ?? pricer.lastUpdateTime;
  const { fee, next } = dataFee(pricer, data.costs.asmEstimate, time);
  const c = data.costs;
  return {
    program,
    outcome: {
      ok: true,
      program: {
        version: params.stylusVersion,
        initCost: c.initCost,
        cachedCost: c.cachedCost,
        footprint: c.footprint,
        asmEstimateKb: c.asmEstimateKb,
        asmEstimate: c.asmEstimate,
        moduleHash: program.moduleHash,
        activationGas,
        dataFee: fee,
        ...(ctx ? { dataPricer: next } : {}),
      },
    },
  };
}

/**
 * The executing module of an already-activated program, without activation's page limit or charges
 * (nitro's recompile path, when the asm for a program is missing).
 */
export function recompileModule(wasm: Uint8Array, params: StylusParams): InstrumentedProgram {
  const check = checkStylusWasm(wasm, {
    arbosVersion: params.arbosVersion,
    debug: params.debugMode,
    stylusVersion: params.stylusVersion,
    pageLimit: 65535,
  });
  if (!check.instrumented?.data) throw new Error(`cannot compile program: ${check.violations[0]?.detail ?? 'invalid'}`);
  return instrumented(wasm, check.instrumented.module, check.instrumented.data, params);
}

function instrumented(wasm: Uint8Array, module: WasmModule, data: StylusData, params: StylusParams): InstrumentedProgram {
  const bytes = encodeModule(executableModule(module, params.stylusVersion));
  return { moduleHash: wasmModuleHash(wasm), version: params.stylusVersion, debug: params.debugMode, bytes, data };
}
