// The generated contract's ABI as a client sees it (issue 3): `predict(int32[]) returns (int32[])`,
// `predictLabel(int32[]) returns (uint256)`, `predictPacked(bytes) returns (bytes)`, `modelHash()`.
// Inputs are the manifest's inputs flattened and concatenated in order, as fixed-point integers; the
// outputs come back the same way. Packed calldata is little-endian at each input's storage width
// (outputs likewise at each output's). Only stylus-ml.json is needed: any client can do this.
import { decodeFunctionResult, encodeFunctionData, parseAbi, toFunctionSelector, type Hex } from 'viem';
import { UserError } from '../errors';
import { valueOfKey } from '../quant/f32';
import type { Manifest, ManifestIO } from '../manifest/schema';

export const MODEL_ABI = parseAbi([
  'function predict(int32[] input) returns (int32[])',
  'function predictLabel(int32[] input) returns (uint256)',
  'function predictPacked(bytes input) returns (bytes)',
  'function predictBatch(bytes input) returns (bytes)',
  'function modelHash() view returns (bytes32)',
]);

export type ModelFunction = 'predict' | 'predictLabel' | 'predictPacked';

/** Raw (fixed-point integer) values per output name. */
export type RawOutputs = Record<string, number[]>;

const WIDTH = { i8: 1, i16: 2, i32: 4 } as const;
const LIMITS = { i8: [-128, 127], i16: [-32768, 32767], i32: [-2147483648, 2147483647] } as const;

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** The manifest's selectors must be the ones this client encodes, else the crate speaks another ABI. */
export function checkSelectors(m: Manifest): void {
  for (const fn of ['predict', 'predictPacked', 'predictBatch'] as const) {
    const sig = MODEL_ABI.find((x) => x.name === fn)!;
    const ours = toFunctionSelector(sig).slice(2);
    const theirs = m.selectors[fn] ?? m.selectors[`${fn}(${fn === 'predict' ? 'int32[]' : 'bytes'})`];
    if (theirs !== undefined && theirs.replace(/^0x/, '').toLowerCase() !== ours) {
      throw new UserError(`stylus-ml.json: selector of ${fn} is ${theirs}, this tool calls ${ours}; regenerate the crate with this version of stylus-ml`);
    }
  }
}

/** Flat integer inputs (manifest order) → int32[] argument; each value must fit i32. */
function int32Args(m: Manifest, q: number[][]): number[] {
  const out: number[] = [];
  m.inputs.forEach((inp, i) => {
    const v = q[i];
    if (v.length !== sizeOf(inp.shape)) throw new UserError(`input '${inp.name}' expects ${sizeOf(inp.shape)} values (shape ${JSON.stringify(inp.shape)}), got ${v.length}`);
    for (const x of v) {
      if (!Number.isInteger(x) || x < LIMITS.i32[0] || x > LIMITS.i32[1]) throw new UserError(`input '${inp.name}': quantised value ${x} does not fit int32`);
      out.push(x);
    }
  });
  return out;
}

export function encodeModelCall(m: Manifest, fn: ModelFunction, q: number[][]): Hex {
  if (fn === 'predictPacked') return encodeFunctionData({ abi: MODEL_ABI, functionName: 'predictPacked', args: [packInputs(m, q)] });
  return encodeFunctionData({ abi: MODEL_ABI, functionName: fn, args: [int32Args(m, q)] });
}

/** `predictBatch` calldata: every case packed as `predictPacked` packs one, back to back. */
export function encodeBatchCall(m: Manifest, cases: number[][][]): Hex {
  const packed = cases.map((q) => packInputs(m, q).slice(2)).join('');
  return encodeFunctionData({ abi: MODEL_ABI, functionName: 'predictBatch', args: [`0x${packed}`] });
}

/** `predictBatch`'s result: `cases` outputs, each packed as `predictPacked` packs one. */
export function decodeBatch(m: Manifest, data: Hex, cases: number): RawOutputs[] {
  const bytes = decodeFunctionResult({ abi: MODEL_ABI, functionName: 'predictBatch', data }).slice(2);
  const per = m.contract.packedOutputBytes * 2;
  if (bytes.length !== per * cases) throw new UserError(`predictBatch returned ${bytes.length / 2} bytes for ${cases} cases, the manifest's outputs take ${(per / 2) * cases}`);
  return Array.from({ length: cases }, (_, k) => unpackOutputs(m, Buffer.from(bytes.slice(k * per, (k + 1) * per), 'hex'), 'predictBatch'));
}

/** Little-endian at each input's storage width; a value outside it cannot be sent packed. */
export function packInputs(m: Manifest, q: number[][]): Hex {
  const flat = int32Args(m, q);
  const widths = m.inputs.flatMap((inp) => Array<ManifestIO['storage']>(sizeOf(inp.shape)).fill(inp.storage));
  const buf = Buffer.alloc(widths.reduce((a, s) => a + WIDTH[s], 0));
  let o = 0;
  flat.forEach((x, i) => {
    const s = widths[i];
    const [lo, hi] = LIMITS[s];
    if (x < lo || x > hi) throw new UserError(`quantised input ${x} does not fit ${s}, the packed width; use predict instead`);
    if (s === 'i8') buf.writeInt8(x, o);
    else if (s === 'i16') buf.writeInt16LE(x, o);
    else buf.writeInt32LE(x, o);
    o += WIDTH[s];
  });
  return `0x${buf.toString('hex')}`;
}

function split(m: Manifest, flat: number[], what: string): RawOutputs {
  const total = m.outputs.reduce((a, o) => a + sizeOf(o.shape), 0);
  if (flat.length !== total) throw new UserError(`${what} returned ${flat.length} values, the manifest's outputs have ${total}`);
  const out: RawOutputs = {};
  let o = 0;
  for (const io of m.outputs) {
    const n = sizeOf(io.shape);
    out[io.name] = flat.slice(o, o + n);
    o += n;
  }
  return out;
}

export function decodePredict(m: Manifest, data: Hex): RawOutputs {
  const flat = decodeFunctionResult({ abi: MODEL_ABI, functionName: 'predict', data });
  return split(m, [...flat], 'predict');
}

export function decodePredictPacked(m: Manifest, data: Hex): RawOutputs {
  return unpackOutputs(m, Buffer.from(decodeFunctionResult({ abi: MODEL_ABI, functionName: 'predictPacked', data }).slice(2), 'hex'), 'predictPacked');
}

function unpackOutputs(m: Manifest, bytes: Buffer, what: string): RawOutputs {
  const flat: number[] = [];
  let o = 0;
  for (const io of m.outputs) {
    const n = sizeOf(io.shape);
    for (let i = 0; i < n; i++) {
      if (o + WIDTH[io.storage] > bytes.length) throw new UserError(`${what} returned ${bytes.length} bytes, too few for the manifest's outputs`);
      flat.push(io.storage === 'i8' ? bytes.readInt8(o) : io.storage === 'i16' ? bytes.readInt16LE(o) : bytes.readInt32LE(o));
      o += WIDTH[io.storage];
    }
  }
  if (o !== bytes.length) throw new UserError(`${what} returned ${bytes.length} bytes, the manifest's outputs take ${o}`);
  return split(m, flat, what);
}

export function decodePredictLabel(data: Hex): bigint {
  return decodeFunctionResult({ abi: MODEL_ABI, functionName: 'predictLabel', data });
}

/** Real values of raw outputs: q·2^-frac, or the class label a label output's index names. */
export function fixedValues(io: ManifestIO & { classLabels?: (number | string)[] }, raw: number[]): (number | string)[] {
  if (io.classLabels) return raw.map((i) => io.classLabels![i] ?? i);
  if (io.kind === 'int') return raw;
  if (io.float32) return raw.map(valueOfKey);
  if (io.scale !== undefined) return raw.map((v) => (v - (io.zeroPoint ?? 0)) * io.scale!);
  return raw.map((v) => v * 2 ** -io.fracBits);
}
