// Where a model's bytes go on chain. `single`: one program, weights in its code or data (24,576 bytes
// compressed at most). `fragments` (ArbOS ≥ 60): the same program split into a root and fragment
// contracts (nitro's format), for programs past 24,576 compressed bytes. `data`: the dense layers'
// weights in data contracts read with `account_code` at call time (core/layout/parts.ts), the program
// holding only code and small layers. `auto` picks the cheapest predict call among those that fit.
import type { WeightHome } from '../codegen/dense-pairs';
import { planDataLayout, type DataLayout } from './parts';
import { planFragmentLayout, type CodeLayout } from './fragments';
import type { Plan } from '../quant/types';

export type LayoutKind = 'single' | 'fragments' | 'data';
export const LAYOUT_KINDS: LayoutKind[] = ['single', 'fragments', 'data'];

/**
 * The weight homes a layout gives a plan: data contracts (`data`), code parts past the data budget
 * (`fragments`), nothing for `single` (every weight in the program's code or data).
 */
export function layoutHomes(plan: Plan, kind: LayoutKind): { homes: Map<number, WeightHome>; data: DataLayout | null; code: CodeLayout | null } {
  if (kind === 'data') {
    const data = planDataLayout(plan);
    const homes = new Map<number, WeightHome>(data.layers.map((l) => [l.layer, { kind: 'parts', source: 'contracts', first: l.first, count: l.count, perPart: l.perPart, staticUnits: 0 }]));
    return { homes, data, code: null };
  }
  if (kind === 'fragments') {
    const code = planFragmentLayout(plan);
    const homes = new Map<number, WeightHome>(code.layers.map((l) => [l.layer, { kind: 'parts', source: 'code', first: l.first, count: l.count, perPart: l.perPart, staticUnits: l.staticUnits }]));
    return { homes, data: null, code };
  }
  return { homes: new Map(), data: null, code: null };
}
