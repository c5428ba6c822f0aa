// Start mover (nitro crates/prover/src/programs/start.rs). User programs may not have a start function
// unless the chain is in debug mode, where it is exported as `stylus_start` instead (and not run by the
// program call). Outside debug mode every export other than `user_entrypoint`, `stylus_start` and
// `memory` is dropped, so the export-count limit and the entrypoint check see the trimmed list.

import type { ExportKind } from '../../core/wasm/types';
import { InstrumentError, type FuncMiddleware, type Middleware, type ModuleMod } from './middleware';

export const STYLUS_ENTRY_POINT = 'user_entrypoint';
export const STYLUS_START = 'stylus_start';

const EXPORT_WHITELIST = new Map<string, ExportKind>([
  [STYLUS_ENTRY_POINT, 'func'],
  [STYLUS_START, 'func'],
  ['memory', 'memory'],
]);

const passThrough: FuncMiddleware = { feed: (op, out) => void out.push(op) };

export class StartMover implements Middleware {
  readonly name = 'start mover';
  constructor(private readonly debug: boolean) {}

  updateModule(m: ModuleMod): void {
    const hadStart = m.moveStartFunction(STYLUS_START);
    if (hadStart && !this.debug) throw new InstrumentError('start-function', 'start functions not allowed');
    if (!this.debug) m.dropExportsAndNames(EXPORT_WHITELIST);
  }

  instrument(): FuncMiddleware {
    return passThrough;
  }
}
