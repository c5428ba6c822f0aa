// The Stylus runtime the node uses by default (devnode/stylus/runtime.ts, worker threads).
import type { StylusRuntime } from './stylus/api';
import { createStylusRuntime } from './stylus/runtime';

export async function loadDefaultRuntime(): Promise<StylusRuntime | null> {
  return createStylusRuntime();
}
