// Compiles what nitro's activation produces (nitro/activate.ts: the instrumented module) for V8, the
// devnode's machine. The runtime caches the result per (moduleHash, Stylus version, debug mode).

import { activateModule, recompileModule, type ActivationContext, type ActivationOutcome, type InstrumentedProgram } from '../../nitro/activate';
import type { StylusParams } from '../../nitro/params';
import type { StylusData } from '../../nitro/programs/instrument';

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

export interface ActivationResult {
  outcome: ActivationOutcome;
  compiled?: CompiledProgram;
}

/** nitro's activation, then the compile step (a compile failure fails the activation, as in nitro). */
export async function activateWasm(
  wasm: Uint8Array,
  params: StylusParams,
  pageLimit: number,
  ctx?: ActivationContext,
): Promise<ActivationResult> {
  const { outcome, program } = activateModule(wasm, params, pageLimit, ctx);
  if (!outcome.ok || !program) return { outcome };
  try {
    return { outcome, compiled: await compile(program) };
  } catch (e) {
    return { outcome: { ok: false, reason: `failed to compile: ${e instanceof Error ? e.message : String(e)}` } };
  }
}

/** Recompiles an already-activated program (no activation charges; nitro's recompile path). */
export async function recompileWasm(wasm: Uint8Array, params: StylusParams): Promise<CompiledProgram> {
  return compile(recompileModule(wasm, params));
}

async function compile(p: InstrumentedProgram): Promise<CompiledProgram> {
  const module = await WebAssembly.compile(p.bytes as Uint8Array<ArrayBuffer>);
  return { ...p, key: moduleKey(p.moduleHash, p.version, p.debug), module };
}
