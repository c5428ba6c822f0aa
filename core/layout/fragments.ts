// Layout `fragments` (ArbOS ≥ 60): one program, split by `build` into a root and fragment contracts when
// its compressed code passes 24,576 bytes. Its weights stay in the program, but nitro prices a data
// segment on every call and caps it (the cached init cost is a u16: 0.75244 per data byte, so about 86 KB
// at most), so past FRAGMENT_DATA_BUDGET bytes of pair images the rest is written by code into an arena
// buffer at call time — about 2.2 bytes of code per weight byte (an i64.const and an i64.store per word),
// priced at nitro's 0.1286 per wasm byte, a quarter of what a data byte costs.
import type { Plan } from '../quant/types';
import { denseImage, isPlainDense, type WeightImage } from './images';

/** Pair-image bytes kept in the data segment, the rest of the cached-cost budget left for the program. */
export const FRAGMENT_DATA_BUDGET = 84_000;
/** Bytes one generated fill function writes (1,024 words: a few thousand operators per function). */
export const CODE_PART_BYTES = 8192;

export interface CodePart {
  index: number;
  layer: number;
  units: [number, number];
  /** the bytes written (whole 8-byte words) */
  bytes: Uint8Array;
}

export interface CodeLayer {
  layer: number;
  image: WeightImage;
  /** units at the start of the image kept as a static array (data segment) */
  staticUnits: number;
  perPart: number;
  first: number;
  count: number;
}

export interface CodeLayout {
  layers: CodeLayer[];
  parts: CodePart[];
}

/**
 * The dense layers' pair images in order, in the data segment while the budget lasts, the rest in code
 * parts. Empty when everything fits the budget (the plain static kernels then apply).
 */
export function planFragmentLayout(plan: Plan): CodeLayout {
  const dense = plan.nodes.map((qn, layer) => ({ qn, layer })).filter(({ qn }) => isPlainDense(qn));
  const images = dense.map(({ qn, layer }) => ({ layer, image: denseImage(plan, qn) })).filter((x) => x.image.kind === 'pairs');
  const total = images.reduce((a, x) => a + x.image.bytes.length, 0);
  if (total <= FRAGMENT_DATA_BUDGET) return { layers: [], parts: [] };
  let budget = FRAGMENT_DATA_BUDGET;
  const layers: CodeLayer[] = [];
  const parts: CodePart[] = [];
  for (const { layer, image } of images) {
    const staticUnits = Math.min(image.units, Math.floor(budget / image.unitBytes));
    budget -= staticUnits * image.unitBytes;
    if (staticUnits === image.units) continue;
    const perPart = Math.max(1, Math.floor(CODE_PART_BYTES / image.unitBytes));
    const count = Math.ceil((image.units - staticUnits) / perPart);
    layers.push({ layer, image, staticUnits, perPart, first: parts.length, count });
    for (let k = 0; k < count; k++) {
      const from = staticUnits + k * perPart;
      const to = Math.min(image.units, from + perPart);
      parts.push({ index: parts.length, layer, units: [from, to], bytes: image.bytes.subarray(from * image.unitBytes, to * image.unitBytes) });
    }
  }
  return { layers, parts };
}
