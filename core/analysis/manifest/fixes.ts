// The manifest's own quick fix: re-run quantisation of the layer with more headroom, a command the
// client implements (the server only names it in the code action).

import type { Finding } from '../analyze';
import { REQUANTIZE_COMMAND, type RequantizeArgs } from '../../contracts/commands';
import type { Fix } from '../fixes/editor';
import { MANIFEST_CODES, type LayerBinding } from './layers';
import type { ManifestView } from './view';

export { REQUANTIZE_COMMAND };

/** For a finding in a layer of a generated crate (an SML101 names its layer; others by position). */
export function requantizeFix(manifest: ManifestView | null, layers: LayerBinding[], f: Finding): Fix | null {
  const layer = (f.code === MANIFEST_CODES.bound ? layers.find((l) => l.layer.spec.fn === f.origin.fn) : undefined) ?? layers.find((l) => l.start <= f.start && f.start <= l.end);
  if (!layer || !manifest) return null;
  const args: RequantizeArgs = {
    manifest: manifest.file,
    crateDir: manifest.dir,
    layer: layer.layer.spec.name,
    fn: layer.layer.spec.fn,
    headroomBits: 1,
    code: f.code,
    reason: f.message,
  };
  return {
    title: `Re-run quantisation of \`${layer.layer.spec.name}\` with 1 more bit of headroom`,
    edits: [],
    preferred: f.code === MANIFEST_CODES.bound,
    command: { title: 'Re-run quantisation with more headroom', command: REQUANTIZE_COMMAND, arguments: [args] },
  };
}
