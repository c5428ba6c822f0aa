// The ArbOS precompiles this node serves, by address.
import type { ArbContext } from '../evm/arb-context';
import { CompiledPrecompile } from './framework';
import { arbDebug } from './arb-debug';
import { arbGasInfo } from './arb-gas-info';
import { arbOwner } from './arb-owner';
import { arbOwnerPublic } from './arb-owner-public';
import { arbSys } from './arb-sys';
import { arbWasm } from './arb-wasm';
import { arbWasmCache } from './arb-wasm-cache';

export const PRECOMPILE_DEFS = [arbSys, arbGasInfo, arbOwnerPublic, arbOwner, arbWasm, arbWasmCache, arbDebug];

/** address (lower-case hex, no 0x) → compiled precompile */
export function compilePrecompiles(): Map<string, CompiledPrecompile<ArbContext>> {
  const map = new Map<string, CompiledPrecompile<ArbContext>>();
  for (const def of PRECOMPILE_DEFS) map.set(def.address.toString().slice(2).toLowerCase(), new CompiledPrecompile(def));
  return map;
}
