// Activation (nitro crates/prover/src/programs/mod.rs `Module::activate` and arbos/programs/programs.go
// `ActivateProgram`): validate and instrument the user wasm, compute what ArbOS stores for the program,
// the compile gas and the data fee, and compile the instrumented module for execution.

import { keccak_256 } from '@noble/hashes/sha3.js';
import { encodeModule } from '../../core/wasm/encode';
import type { WasmModule } from '../../core/wasm/types';
import { checkStylusWasm } from '../../core/wasm/validate';
import type { ActivationContext, ActivationOutcome, StylusParams } from './api';
import { activationCompileGas, dataFee, initialDataPricer, type CompileGasInputs } from './costs';
import type { StylusData } from './instrument';

export interface CompiledProgram {
  moduleHash: string;
  key: string;
  version: number;
  debug: boolean;
  module: WebAssembly.Module;
  /** the instrumented binary that executes */
  bytes: Uint8Array;
  data: StylusData;
}

/** Programs compile differently per Stylus version and debug mode; the runtime caches per key. */
export function moduleKey(moduleHash: string, version: number, debug: boolean): string {
  return `${moduleHash}:${version}:${debug ? 'debug' : 'prod'}`;
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

export interface ActivationResult {
  outcome: ActivationOutcome;
  compiled?: CompiledProgram;
}

export async function activateWasm(
  wasm: Uint8Array,
  params: StylusParams,
  pageLimit: number,
  ctx?: ActivationContext,
): Promise<ActivationResult> {
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

  let compiled: CompiledProgram;
  try {
    compiled = await compile(wasm, im.module, data, params.stylusVersion, params.debugMode);
  } catch (e) {
    return { outcome: { ok: false, reason: `failed to compile: ${e instanceof Error ? e.message : String(e)}` } };
  }

  const pricer = ctx?.dataPricer ?? initialDataPricer();
  const time = ctx?.time ?? pricer.lastUpdateTime;
  const { fee, next } = dataFee(pricer, data.costs.asmEstimate, time);
  const c = data.costs;
  return {
    compiled,
    outcome: {
      ok: true,
      program: {
        version: params.stylusVersion,
        initCost: c.initCost,
        cachedCost: c.cachedCost,
        footprint: c.footprint,
        asmEstimateKb: c.asmEstimateKb,
        asmEstimate: c.asmEstimate,
        moduleHash: compiled.moduleHash,
        activationGas,
        dataFee: fee,
        ...(ctx ? { dataPricer: next } : {}),
      },
    },
  };
}

/** Recompiles an already-activated program (no activation charges; nitro's recompile path). */
export async function recompileWasm(wasm: Uint8Array, params: StylusParams): Promise<CompiledProgram> {
  const check = checkStylusWasm(wasm, {
    arbosVersion: params.arbosVersion,
    debug: params.debugMode,
    stylusVersion: params.stylusVersion,
    pageLimit: 65535,
  });
  if (!check.instrumented?.data) throw new Error(`cannot compile program: ${check.violations[0]?.detail ?? 'invalid'}`);
  return compile(wasm, check.instrumented.module, check.instrumented.data, params.stylusVersion, params.debugMode);
}

async function compile(
  wasm: Uint8Array,
  instrumented: WasmModule,
  data: StylusData,
  version: number,
  debug: boolean,
): Promise<CompiledProgram> {
  // custom sections (names, DWARF) play no part in execution; compile without them
  const bytes = encodeModule({ ...instrumented, customs: [] });
  const module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  const moduleHash = wasmModuleHash(wasm);
  return { moduleHash, key: moduleKey(moduleHash, version, debug), version, debug, module, bytes, data };
}
