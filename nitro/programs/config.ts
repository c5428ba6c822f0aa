// What instrumentation is configured with per Stylus version (nitro crates/prover/src/programs/config.rs
// `CompileConfig`): each pass's small config struct, defined next to the pass.

import { BOUNDS_V1, type DepthBounds } from './depth';
import { HEAP_V1, type HeapBounds } from './heap';
import { PRICING_V1, type PricingParams } from './meter';

export interface CompileConfig {
  version: number;
  debug: boolean;
  pricing: PricingParams;
  depth: DepthBounds;
  heap: HeapBounds;
}

/** nitro config.rs `CompileConfig::version`: identical for Stylus versions 1, 2 and 3. */
export function compileConfig(stylusVersion: number, debug: boolean): CompileConfig {
  if (stylusVersion < 1 || stylusVersion > 3) throw new Error(`no config exists for Stylus version ${stylusVersion}`);
  return { version: stylusVersion, debug, pricing: PRICING_V1, depth: BOUNDS_V1, heap: HEAP_V1 };
}
