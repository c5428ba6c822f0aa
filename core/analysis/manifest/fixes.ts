// The manifest's own quick fix: re-run quantisation of the layer with more headroom, a command the
// client implements (the server only names it in the code action).

import type { Finding } from '../analyze';
import type { Fix } from '../fixes/editor';
import { MANIFEST_CODES, type LayerBinding } from './layers';
import type { ManifestView } from './view';

export const REQUANTIZE_COMMAND = 'stylusMl.requantize';

/** Arguments of the stylusMl.requantize command (the client re-runs `stylus-ml new` with more headroom). */
export interface RequantizeArgs {
  /** absolute path of stylus-ml.json */
  manifest: string;
  crateDir: string;
  /** the ONNX node name and the Rust function */
  layer: string;
  fn: string;
  /** extra bits of headroom to reserve (1 halves the scale of the layer's output) */
  headroomBits: number;
  /** the diagnostic code and message that triggered it */
  code: string;
  reason: string;
}

/** For a finding in a layer of a generated crate (an SML101 names its layer; others by position). */
export function requantizeFix(manifest: ManifestView | null, layers: LayerBinding[], f: Finding): Fix | null {
  const layer = (f.code === MANIFEST_CODES.bound ? layers.find((l) => l.layer.fn === f.origin.fn) : undefined) ?? layers.find((l) => l.start <= f.start && f.start <= l.end);
  if (!layer || !manifest) return null;
  const args: RequantizeArgs = {
    manifest: manifest.file,
    crateDir: manifest.dir,
    layer: layer.layer.name,
    fn: layer.layer.fn,
    headroomBits: 1,
    code: f.code,
    reason: f.message,
  };
  return {
    title: `Re-run quantisation of \`${layer.layer.name}\` with 1 more bit of headroom`,
    edits: [],
    preferred: f.code === MANIFEST_CODES.bound,
    command: { title: 'Re-run quantisation with more headroom', command: REQUANTIZE_COMMAND, arguments: [args] },
  };
}
