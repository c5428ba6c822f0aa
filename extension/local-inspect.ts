// The model preview's first paint without starting a process: the two pure core calls `stylus-ml inspect`
// makes (core/cli/inspect.ts: importModel, then inspectReport), run in the extension host. The CLI's start
// (a Node process loading the whole engine bundle) was most of the time to the layer table; core is
// importable without VS Code for exactly this, and the extension adds no logic of its own here.
// Only models up to a few MB are read in the host, so decoding never stalls it for long (a 116,490-parameter
// MLP, 466 KB, takes about 10-40 ms; a 1,068,810-parameter one, 4.3 MB, 50-110 ms, where the CLI's start
// alone took the first render past 1 s); larger models, and any model the importer rejects, go to the
// CLI, whose answer and one-line error are the reference. No `vscode` import.
import { readFileSync, statSync } from 'node:fs';
import { importModel } from '../core/onnx/import';
import { inspectReport } from '../core/report/inspect';
import type { InspectJson } from './core-client';

/** Models up to this size are inspected in the extension host (at most about 150 ms of its time). */
export const LOCAL_INSPECT_MAX_BYTES = 6 * 1024 * 1024;

/** `stylus-ml inspect MODEL --json` as the CLI prints it, or null when the CLI should answer (a large
 *  model, an unreadable file, a model the importer rejects: the CLI says why in its own words). */
export function inspectLocally(modelPath: string, maxBytes = LOCAL_INSPECT_MAX_BYTES): InspectJson | null {
  try {
    if (statSync(modelPath).size > maxBytes) return null;
    const report: InspectJson = inspectReport(modelPath, importModel(readFileSync(modelPath), { file: modelPath }));
    // Through JSON, as the CLI's output is: the same keys (undefined ones dropped), plain data only.
    return JSON.parse(JSON.stringify(report)) as InspectJson;
  } catch {
    return null;
  }
}
