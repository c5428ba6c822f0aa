// Layout `data`: which dense layers keep their weights in data contracts, and how their images are cut
// into parts. A part is the code of a plain contract — one 0x00 byte (STOP: a call to it does nothing,
// and code may not begin with 0xEF) then up to 24,575 bytes of whole units (pairs of rows or rows) of one
// layer — deployed with CREATE2 through the shared proxy, so its address is known before it exists and
// commits to its bytes. The program reads a part with `account_code` into a buffer of its arena, one part
// at a time, and reuses the buffer for the next.
import { keccak256, type Hex } from 'viem';
import { MAX_CODE_SIZE } from '../../nitro/limits';
import { accountCodeGas } from '../../nitro/pricing';
import type { Plan } from '../quant/types';
import { create2Address, returnCodeInit } from './create2';
import { denseImage, isPlainDense, type WeightImage } from './images';

/** Payload bytes of a part: the code limit less the leading 0x00. */
export const PART_PAYLOAD_BYTES = MAX_CODE_SIZE - 1;

/**
 * Below this many weight bytes a layer keeps its weights in the program: a byte of a program's data
 * costs about 0.88 gas on every call (nitro's init and cached cost: 0.1286 per wasm byte + 0.75244 per
 * data byte), a part about 3,300 (account_code: cold account 2,600 + the code-size charge 700).
 */
export const MIN_DATA_LAYER_BYTES = Math.ceil(Number(accountCodeGas(MAX_CODE_SIZE, true)) / (0.1286 + 0.75244));

export interface DataPart {
  /** index among the model's parts (the program's `load(k)`) */
  index: number;
  /** plan node index and the units [from, to) of its image this part holds */
  layer: number;
  units: [number, number];
  /** 0x00 ‖ payload: the contract's code */
  code: Uint8Array;
  /** keccak-256 of the code (what eth_getCode at `address` must hash to) */
  codeHash: Hex;
  initCode: Uint8Array;
  address: Hex;
}

export interface DataLayer {
  layer: number;
  image: WeightImage;
  /** units per part (the last part may hold fewer) */
  perPart: number;
  /** index of its first part and how many */
  first: number;
  count: number;
}

export interface DataLayout {
  layers: DataLayer[];
  parts: DataPart[];
}

/** The dense layers whose weights leave the program, and their parts. */
export function planDataLayout(plan: Plan): DataLayout {
  const layers: DataLayer[] = [];
  const parts: DataPart[] = [];
  plan.nodes.forEach((qn, layer) => {
    if (!isPlainDense(qn)) return;
    const image = denseImage(plan, qn);
    if (image.bytes.length < MIN_DATA_LAYER_BYTES) return;
    const perPart = Math.floor(PART_PAYLOAD_BYTES / image.unitBytes);
    if (perPart < 1) return; // a unit larger than a part (K beyond ~12,000 inputs): stays in the program
    const count = Math.ceil(image.units / perPart);
    layers.push({ layer, image, perPart, first: parts.length, count });
    for (let k = 0; k < count; k++) {
      const from = k * perPart;
      const to = Math.min(image.units, from + perPart);
      const code = new Uint8Array(1 + (to - from) * image.unitBytes);
      code.set(image.bytes.subarray(from * image.unitBytes, to * image.unitBytes), 1);
      const initCode = returnCodeInit(code);
      parts.push({ index: parts.length, layer, units: [from, to], code, codeHash: keccak256(code), initCode, address: create2Address(initCode) });
    }
  });
  return { layers, parts };
}
