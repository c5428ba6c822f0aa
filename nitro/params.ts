// Default Stylus parameters of a fresh chain at a given ArbOS version (nitro arbos/programs/params.go,
// with the ArbOS 31/50/59/60 upgrades applied as the reference describes).

import { stylusVersionFor } from '../../core/wasm/validate';
import type { StylusParams } from './api';

export function defaultStylusParams(arbosVersion: number, debugMode = false): StylusParams {
  const stylusVersion = stylusVersionFor(arbosVersion);
  return {
    arbosVersion,
    stylusVersion,
    inkPrice: 10000,
    maxStackDepth: arbosVersion >= 50 ? 22000 : 4 * 65536,
    freePages: 2,
    pageGas: 1000,
    pageLimit: 128,
    minInitGas: stylusVersion >= 2 ? 69 : 72,
    minCachedInitGas: 11,
    initCostScalar: 50,
    cachedCostScalar: 50,
    expiryDays: 365,
    keepaliveDays: 31,
    blockCacheSize: 32,
    maxWasmSize: arbosVersion >= 60 ? 256 * 1024 : 128 * 1024,
    activationGas: 0,
    debugMode,
  };
}
