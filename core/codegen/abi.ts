// The contract ABI every generated crate exposes, whichever the template: the functions, their
// selectors, the named errors, the packed layouts, and `formats()` (ABI-encoded once, here). The Rust
// side (abi-rs.ts), the Solidity interface, the ABI JSON and the manifest's selectors all come from this.
import { encodeAbiParameters, toFunctionSelector } from 'viem';
import { sizeOf } from '../ir/graph';
import type { Plan, Storage } from '../quant/types';
import { STORAGE_BITS } from '../quant/types';

export interface AbiParam {
  name: string;
  type: string;
}

export interface AbiFunction {
  name: string;
  /** canonical signature, e.g. `predict(int32[])` */
  signature: string;
  /** 4-byte selector, hex without 0x */
  selector: string;
  inputs: AbiParam[];
  outputs: AbiParam[];
  doc: string;
}

export interface AbiError {
  name: string;
  signature: string;
  selector: string;
  inputs: AbiParam[];
  doc: string;
}

export interface IoFormat {
  name: string;
  shape: number[];
  storage: Storage;
  bits: number;
  frac: number;
  size: number;
  kind: 'real' | 'int';
  /** a pre-quantized model's tensor: value = (q − zeroPoint) · scale */
  affine?: { scale: number; zeroPoint: number };
  /** a float32 value as its sign-magnitude key (dynamically quantized models) */
  float32?: boolean;
}

/** How `predictLabel` picks the class: a label output of the model, or argmax over its only output. */
import type { LabelRule } from '../manifest/schema';
export type { LabelRule };

export interface ContractAbi {
  functions: AbiFunction[];
  errors: AbiError[];
  label: LabelRule | null;
  inputs: IoFormat[];
  outputs: IoFormat[];
  /** int32 values in `predict`'s argument and result */
  inputCount: number;
  outputCount: number;
  /** bytes of `predictPacked`'s argument and result */
  packedInputBytes: number;
  packedOutputBytes: number;
  /** the most cases `predictBatch` takes in one call (its calldata and return buffers are sized for it) */
  maxBatch: number;
  /** the return data of `formats()` */
  formatsEncoded: Uint8Array;
}

/**
 * Bytes of packed inputs and outputs one `predictBatch` call may carry: the minimal template keeps its
 * calldata and return buffers in static memory, so this bounds the program's footprint (16 KiB stays
 * within nitro's free pages beside the 32 KiB stack) and a call's gas.
 */
export const BATCH_BUFFER_BYTES = 16_384;
/** No batch larger than this, however small a case is (a call's gas stays far below a block's). */
export const BATCH_MAX_CASES = 256;

/** The per-call maximum of `predictBatch` for a model whose packed case takes `inBytes` in and `outBytes` out. */
export function maxBatchFor(inBytes: number, outBytes: number): number {
  return Math.max(1, Math.min(BATCH_MAX_CASES, Math.floor(BATCH_BUFFER_BYTES / Math.max(1, inBytes + outBytes))));
}

const selectorOf = (sig: string) => toFunctionSelector(sig).slice(2);

function fn(name: string, inputs: AbiParam[], outputs: AbiParam[], doc: string): AbiFunction {
  const signature = `${name}(${inputs.map((i) => i.type).join(',')})`;
  return { name, signature, selector: selectorOf(signature), inputs, outputs, doc };
}

function err(name: string, inputs: AbiParam[], doc: string): AbiError {
  const signature = `${name}(${inputs.map((i) => i.type).join(',')})`;
  return { name, signature, selector: selectorOf(signature), inputs, doc };
}

export const FORMATS_OUTPUTS: AbiParam[] = [
  { name: 'inputBits', type: 'uint8[]' },
  { name: 'inputFracBits', type: 'int16[]' },
  { name: 'inputSizes', type: 'uint32[]' },
  { name: 'outputBits', type: 'uint8[]' },
  { name: 'outputFracBits', type: 'int16[]' },
  { name: 'outputSizes', type: 'uint32[]' },
];

export function labelRule(plan: Plan): LabelRule | null {
  const outs = plan.graph.outputs;
  const labelled = outs.findIndex((o) => o.classLabels && o.classLabels.length > 0);
  if (labelled >= 0) return { kind: 'output', output: labelled, name: outs[labelled].name, labels: outs[labelled].classLabels! };
  if (outs.length !== 1) return null;
  const t = plan.tensors.get(outs[0].id)!;
  const producer = plan.nodes.find((qn) => qn.node.outputs[0] === outs[0].id);
  const classes = t.shape[t.shape.length - 1] ?? 1;
  // logits or probabilities of a neural / linear classifier: argmax over the last axis of the first row
  if (t.kind === 'real' && classes >= 2 && producer && ['matmul', 'conv2d', 'softmax'].includes(producer.node.op.op)) {
    return { kind: 'argmax', output: 0, name: outs[0].name, classes };
  }
  return null;
}

function ioFormats(plan: Plan, ids: { id: string; name: string }[]): IoFormat[] {
  return ids.map(({ id, name }) => {
    const t = plan.tensors.get(id)!;
    const affine = t.format.scale !== undefined ? { affine: { scale: t.format.scale, zeroPoint: t.format.zeroPoint ?? 0 } } : t.format.float32 ? { float32: true } : {};
    return { name, shape: t.shape, storage: t.format.storage, bits: STORAGE_BITS[t.format.storage], frac: t.format.frac, size: sizeOf(t.shape), kind: t.kind, ...affine };
  });
}

/** `dataContracts`: the model reads weights from data contracts (layout `data`), which may be missing. */
export function contractAbi(plan: Plan, opts: { dataContracts?: boolean } = {}): ContractAbi {
  const inputs = ioFormats(plan, plan.graph.inputs);
  const outputs = ioFormats(plan, plan.graph.outputs);
  const label = labelRule(plan);
  const functions: AbiFunction[] = [
    fn('predict', [{ name: 'input', type: 'int32[]' }], [{ name: 'output', type: 'int32[]' }], 'Inputs as fixed-point integers (all inputs flattened, in order); outputs likewise.'),
  ];
  if (label) functions.push(fn('predictLabel', [{ name: 'input', type: 'int32[]' }], [{ name: 'label', type: 'uint256' }], label.kind === 'output' ? `The class index the model's \`${label.name}\` output holds.` : `argmax of \`${label.name}\` (first maximum).`));
  functions.push(
    fn('predictPacked', [{ name: 'input', type: 'bytes' }], [{ name: 'output', type: 'bytes' }], 'Inputs packed little-endian at their storage width (cheap calldata); outputs packed the same way.'),
    fn('predictBatch', [{ name: 'input', type: 'bytes' }], [{ name: 'output', type: 'bytes' }], 'N cases, each packed as predictPacked packs one, back to back (N = length / packed input bytes, at most maxBatch); the N outputs packed likewise, in order.'),
    fn('modelHash', [], [{ name: '', type: 'bytes32' }], 'keccak-256 of the quantised model; `stylus-ml` recomputes it from the ONNX file.'),
    fn('formats', [], FORMATS_OUTPUTS, 'Storage bits, fractional bits and element counts of each input and output.'),
  );
  const errors = [
    err('InputOutOfRange', [{ name: 'index', type: 'uint256' }, { name: 'value', type: 'int256' }], 'Input element `index` (flat, over all inputs) is outside the declared box.'),
    err('InvalidInputLength', [{ name: 'expected', type: 'uint256' }, { name: 'got', type: 'uint256' }], 'The input array (elements) or packed bytes have the wrong length (predictBatch: not a whole number of cases).'),
    err('BatchTooLarge', [{ name: 'maximum', type: 'uint256' }, { name: 'got', type: 'uint256' }], 'predictBatch was given more cases than the contract takes in one call (`maximum`); split the batch.'),
    ...(opts.dataContracts ? [err('WeightsUnavailable', [{ name: 'part', type: 'address' }], 'The data contract `part` holding weights has no code on this chain: deploy the model\'s parts (`stylus-ml deploy`).')] : []),
  ];
  const formatsEncoded = Buffer.from(
    encodeAbiParameters(
      FORMATS_OUTPUTS.map((p) => ({ type: p.type })),
      [inputs.map((i) => i.bits), inputs.map((i) => i.frac), inputs.map((i) => i.size), outputs.map((o) => o.bits), outputs.map((o) => o.frac), outputs.map((o) => o.size)],
    ).slice(2),
    'hex',
  );
  const packedInputBytes = inputs.reduce((a, i) => a + (i.size * i.bits) / 8, 0);
  const packedOutputBytes = outputs.reduce((a, o) => a + (o.size * o.bits) / 8, 0);
  return {
    functions,
    errors,
    label,
    inputs,
    outputs,
    inputCount: inputs.reduce((a, i) => a + i.size, 0),
    outputCount: outputs.reduce((a, o) => a + o.size, 0),
    packedInputBytes,
    packedOutputBytes,
    maxBatch: maxBatchFor(packedInputBytes, packedOutputBytes),
    formatsEncoded: new Uint8Array(formatsEncoded),
  };
}

/** `{ "predict(int32[])": "7d4d60ca", ... }` for the manifest (errors included). */
export function selectorTable(abi: ContractAbi): Record<string, string> {
  return Object.fromEntries([...abi.functions, ...abi.errors].map((f) => [f.signature, f.selector]));
}

/** The ABI JSON (solc's format) for clients. */
export function abiJson(abi: ContractAbi): unknown[] {
  const param = (p: AbiParam) => ({ name: p.name, type: p.type, internalType: p.type });
  return [
    ...abi.errors.map((e) => ({ type: 'error', name: e.name, inputs: e.inputs.map(param) })),
    ...abi.functions.map((f) => ({ type: 'function', name: f.name, inputs: f.inputs.map(param), outputs: f.outputs.map(param), stateMutability: 'view' })),
  ];
}

function solType(t: string, ret: boolean, isArg: boolean): string {
  if (t.endsWith('[]') || t === 'bytes') return `${t} ${isArg && !ret ? 'calldata' : 'memory'}`;
  return t;
}

function ioLine(io: IoFormat): string {
  const value = io.affine ? `value = (q - ${io.affine.zeroPoint}) * ${io.affine.scale}` : io.float32 ? 'q = +bits(value) for value >= 0, -bits(-value) below 0 (bits: the IEEE-754 float32 pattern)' : `value = q / 2^${io.frac}`;
  return `${io.name} ${JSON.stringify(io.shape)}: ${io.size} x ${io.storage}, ${value}${io.kind === 'int' ? ' (integer)' : ''}`;
}

/** IModel.sol: the interface with NatSpec saying how to encode inputs and read outputs. */
export function solidityInterface(abi: ContractAbi, title: string, boxes: string[]): string {
  const lines = ['// SPDX-License-Identifier: MIT', '// Generated by stylus-ml. The contract in this crate implements this interface.', 'pragma solidity ^0.8.20;', ''];
  lines.push(`/// @title ${title}`);
  lines.push('/// @notice Fixed-point inference: each value is an integer q standing for q / 2^fracBits.');
  lines.push('/// Inputs, flattened in this order:');
  abi.inputs.forEach((io, i) => lines.push(`///   ${ioLine(io)}; box ${boxes[i]}`));
  lines.push('/// Outputs, flattened in this order:');
  abi.outputs.forEach((io) => lines.push(`///   ${ioLine(io)}`));
  if (abi.label) lines.push(`/// predictLabel: ${abi.label.kind === 'output' ? `the \`${abi.label.name}\` output (class index${abi.label.labels.length ? `; labels ${JSON.stringify(abi.label.labels)}` : ''})` : `argmax of \`${abi.label.name}\``}.`);
  lines.push('interface IModel {');
  for (const e of abi.errors) {
    lines.push(`    /// ${e.doc}`);
    lines.push(`    error ${e.name}(${e.inputs.map((p) => `${p.type} ${p.name}`).join(', ')});`);
    lines.push('');
  }
  abi.functions.forEach((f, k) => {
    lines.push(`    /// ${f.doc}`);
    const args = f.inputs.map((p) => `${solType(p.type, false, true)} ${p.name}`).join(', ');
    const rets = f.outputs.map((p) => `${solType(p.type, true, false)}${p.name ? ` ${p.name}` : ''}`).join(', ');
    lines.push(`    function ${f.name}(${args}) external view returns (${rets});`);
    if (k < abi.functions.length - 1) lines.push('');
  });
  lines.push('}', '');
  return lines.join('\n');
}
