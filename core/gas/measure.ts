// Measured, once built: the program runs under the devnode's metering (nitro/profile.ts)
// on the estimate's inputs; its ink per layer function and per call, turned into gas with the same
// per-call charges the chain adds (init, footprint, intrinsic, calldata), sit beside the estimate.
import fs from 'node:fs';
import { hexToBytes, type Hex } from 'viem';
import { createProfiler, demangleRust, isRustFn, namesFromJson } from '../../nitro/profile';
import type { Estimate } from './estimate';
import { calldataGas, inkToGas, spreadOf, TX_BASE_GAS, type Spread } from './call';
import { decodeModule } from '../wasm/decode';
import { importedFuncCount } from '../wasm/types';

/** Bytes of each layer function's body in the built wasm, by the build's function names. */
function layerBodyBytes(wasm: Uint8Array, names: Map<number, string>, fns: string[]): Map<string, number> {
  const mod = decodeModule(wasm);
  const imports = importedFuncCount(mod);
  const out = new Map<string, number>();
  mod.codes.forEach((c, i) => {
    const raw = names.get(imports + i);
    const name = raw === undefined ? undefined : demangleRust(raw);
    const fn = name === undefined ? undefined : fns.find((f) => isRustFn(name, f));
    if (fn) out.set(fn, (out.get(fn) ?? 0) + (c.raw?.length ?? 0));
  });
  return out;
}

export interface Measured {
  executionGas: Spread;
  totalTxGas: Spread;
  /** ink of each layer function (mean over the inputs) and its body's bytes; null when the build has no function names */
  layers: { fn: string; ink: number; codeBytes: number }[] | null;
  /** mean ink of the whole call, hostios included */
  ink: number;
  inputs: number;
  source: string;
}


/** Runs `calldatas` through the built program; `namesFile` is the build's `<lib>.names.json`, if any. */
export async function measureProgram(est: Estimate, wasm: Uint8Array, calldatas: Hex[], namesFile: string | null, codes?: Map<string, Uint8Array>): Promise<Measured> {
  const names = namesFile && fs.existsSync(namesFile) ? namesFromJson(fs.readFileSync(namesFile, 'utf8')) : undefined;
  const profiler = await createProfiler(wasm, { names, arbosVersion: est.params.arbosVersion, codes });
  const fixed = est.call.breakdown.init + est.call.breakdown.memory;
  const exec: number[] = [];
  const total: number[] = [];
  const inks: number[] = [];
  const perFn = new Map<string, number>();
  for (const data of calldatas) {
    const bytes = hexToBytes(data);
    const r = profiler.profile(bytes);
    if (r.status !== 'success') throw new Error(`the built program ${r.status === 'revert' ? 'reverted' : `failed (${r.status})`} on one of the inputs${r.reason ? `: ${r.reason}` : ''}`);
    const ink = Number(r.inkUsed);
    const gas = fixed + inkToGas(ink, est.params.inkPrice);
    inks.push(ink);
    exec.push(gas);
    total.push(gas + TX_BASE_GAS + calldataGas(bytes));
    for (const l of est.layers) {
      // the layer's function and the helpers nested in it (`layer::pairs`), without the hostios they
      // call (account_code of data contracts is its own line of the estimate)
      const fs = r.functions.filter((f) => f.name !== null && (isRustFn(f.name, l.fn) || f.name.includes(`::${l.fn}::`) || f.name.startsWith(`${l.fn}::`)));
      if (fs.length) perFn.set(l.fn, (perFn.get(l.fn) ?? 0) + fs.reduce((a, f) => a + Number(f.selfInk - f.hostioInk), 0));
    }
  }
  const n = calldatas.length;
  const bodies = names ? layerBodyBytes(wasm, names, est.layers.map((l) => l.fn)) : new Map<string, number>();
  return {
    executionGas: spreadOf(exec),
    totalTxGas: spreadOf(total),
    layers: perFn.size > 0 ? est.layers.filter((l) => perFn.has(l.fn)).map((l) => ({ fn: l.fn, ink: Math.round(perFn.get(l.fn)! / n), codeBytes: bodies.get(l.fn) ?? 0 })) : null,
    ink: Math.round(inks.reduce((a, b) => a + b, 0) / n),
    inputs: n,
    source: 'the built wasm run in the devnode\'s metered Stylus runtime (nitro ink prices), plus the chain\'s per-call charges',
  };
}
