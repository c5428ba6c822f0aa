// A manifest layer bound to its function in the document, and the codes of the manifest checks.

import type { FileAnalysis, ItemResult, UnitResult } from '../analyze';
import type { FnItem } from '../syntax/ast';
import type { LayerView, QTensor } from './view';

export const MANIFEST_CODES = {
  /** an edit breaks a bound the manifest proved */
  bound: 'SML101',
  /** the manifest names a layer function that model.rs does not have */
  missingLayer: 'SML102',
  /** stylus-ml.json exists but cannot be read */
  unreadable: 'SML103',
  /** a layer's weights are not in the code (data contracts, arena buffers): its bound is the manifest's */
  weightsOutside: 'SML104',
} as const;

/** A manifest layer and where its function is in the document. */
export interface LayerBinding {
  layer: LayerView;
  /** absolute offsets of the function item and its name */
  start: number;
  end: number;
  nameStart: number;
  nameEnd: number;
  unit: UnitResult;
  item: ItemResult;
  /** the input ranges the layer was checked with (manifest, or computed from the layers before) */
  inputs: QTensor[];
}

export function bindLayer(fa: FileAnalysis, layer: LayerView): LayerBinding | null {
  for (const it of fa.items) {
    for (const u of it.units) {
      if (u.kind !== 'fn' || u.name !== layer.spec.fn) continue;
      const fn = u.node as FnItem;
      return { layer, start: it.start + fn.s, end: it.start + fn.e, nameStart: it.start + fn.nameS, nameEnd: it.start + fn.nameE, unit: u, item: it, inputs: layer.inputs };
    }
  }
  return null;
}

export function shortLayer(l: LayerView): string {
  return `\`${l.spec.name}\` (${l.spec.onnxOp}, fn ${l.spec.fn})`;
}
