// Quick fixes for a finding: the rule's own (rules/*.ts, written with editor.ts), then re-quantisation
// with more headroom when the finding is in a layer of a generated crate (manifest/fixes.ts).

import type { FileAnalysis, Finding } from '../analyze';
import type { LayerBinding } from '../manifest/layers';
import { requantizeFix } from '../manifest/fixes';
import type { ManifestView } from '../manifest/view';
import type { FnItem } from '../syntax/ast';
import { CannotFix, FnEnv, type Fix } from './editor';

export { applyEdits, type Fix } from './editor';

export interface FixContext {
  text: string;
  analysis: FileAnalysis;
  manifest: ManifestView | null;
  layers: LayerBinding[];
}

/** All fixes for one finding. */
export function fixesFor(ctx: FixContext, f: Finding): Fix[] {
  const out: Fix[] = [];
  const hit = f.origin.hit;
  const it = f.origin.item >= 0 ? ctx.analysis.items[f.origin.item] : undefined;
  const unit = it && f.origin.fn ? it.units.find((u) => u.kind === 'fn' && u.name === f.origin.fn) : undefined;
  if (hit?.rule.fixes && it && unit) {
    const env = new FnEnv(ctx.text, it.start, unit.node as FnItem);
    const node = env.byId.get(f.origin.nodeId);
    if (node) {
      try {
        out.push(...hit.rule.fixes(env, node, hit.site as never));
      } catch (e) {
        if (!(e instanceof CannotFix)) throw e;
      }
    }
  }
  const rq = requantizeFix(ctx.manifest, ctx.layers, f);
  if (rq) out.push(rq);
  if (out.length > 0 && !out.some((x) => x.preferred)) out[0].preferred = true;
  return out;
}
