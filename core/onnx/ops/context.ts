// What a lowering function sees: the node, its attributes, its operands (constant or not), and ways to
// emit IR nodes, define constants and report what it cannot lower.
import type { AffineQuant, IrOp, Shape, TensorInfo, ValueKind } from '../../ir/graph';
import { Attrs, type NodeProto } from '../model';

export interface ConstValue {
  shape: Shape;
  data: Float64Array;
  kind: ValueKind;
  /** the ONNX element type, where the constant came from a tensor (zero points need it) */
  dtype?: number;
}

/** An operand: a constant (folded at import time) or a runtime tensor. */
export type Operand = { const: ConstValue; name: string } | { tensor: TensorInfo; name: string };

/** Thrown by a lowering for a known op with an attribute value or operand we cannot lower. */
export class NotLowerable extends Error {}

export interface LowerContext {
  readonly node: NodeProto;
  readonly attrs: Attrs;
  /** opset of the node's domain */
  readonly opset: number;
  /** `file: node 'name' (Op)` for messages */
  readonly where: string;
  /** operand i; undefined when the input is absent (optional inputs, '' names) */
  operand(i: number): Operand | undefined;
  /** constant operand i or NotLowerable with `what` explaining the need */
  constInput(i: number, what: string): ConstValue;
  /** runtime operand i (constants are not accepted where a tensor is needed) */
  tensorInput(i: number): TensorInfo;
  /** emit an IR node computing output `outIndex` of this ONNX node */
  emit(op: IrOp, inputs: string[], shape: Shape, kind: ValueKind, outIndex?: number): string;
  /** emit an IR node computing output `outIndex` as a pre-quantized tensor */
  emitQ(op: IrOp, inputs: string[], shape: Shape, quant: AffineQuant, outIndex?: number): string;
  /** quantize a graph input (its first QuantizeLinear); false when `tensorId` is no graph input or already quantized otherwise */
  quantizeInput(tensorId: string, quant: AffineQuant): boolean;
  /** emit an IR node producing an intermediate tensor (not an ONNX output) */
  emitTemp(op: IrOp, inputs: string[], shape: Shape, kind: ValueKind, suffix: string): string;
  /** the ONNX output `outIndex` is a constant (folded) */
  defineConst(value: ConstValue, outIndex?: number): void;
  /** the ONNX output `outIndex` is an existing tensor under another name and shape */
  alias(tensorId: string, shape: Shape, outIndex?: number): void;
  /** classifier label output: the integer index maps to these labels */
  labels(outIndex: number, labels: (number | string)[]): void;
  /** remember a note for the user */
  note(text: string): void;
  /** the number of outputs the ONNX node declares (non-empty names) */
  outputCount(): number;
}

export function notLowerable(reason: string): never {
  throw new NotLowerable(reason);
}

export function isConst(o: Operand | undefined): o is { const: ConstValue; name: string } {
  return !!o && 'const' in o;
}

export function shapeOf(o: Operand): Shape {
  return 'const' in o ? o.const.shape : o.tensor.shape;
}

export function prod(s: readonly number[]): number {
  return s.reduce((a, b) => a * b, 1);
}

/** numpy-style broadcast of two shapes, or null when incompatible */
export function broadcastShapes(a: Shape, b: Shape): Shape | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(Math.max(da, db));
  }
  return out;
}

/** Expands a constant of shape `from` to the full row-major `to` shape (numpy broadcasting). */
export function expandTo(data: Float64Array, from: Shape, to: Shape): Float64Array {
  const size = prod(to);
  const out = new Float64Array(size);
  const rank = to.length;
  const f = [...new Array(rank - from.length).fill(1), ...from];
  const fStrides: number[] = new Array(rank);
  let acc = 1;
  for (let i = rank - 1; i >= 0; i--) {
    fStrides[i] = f[i] === 1 ? 0 : acc;
    acc *= f[i];
  }
  const idx = new Array(rank).fill(0);
  for (let i = 0; i < size; i++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += idx[d] * fStrides[d];
    out[i] = data[src];
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < to[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Finds the compact (mid, inner) broadcast of a constant against `target`, compressing the constant.
 * Falls back to the full expansion when the constant varies along more than one contiguous block.
 */
export function compactBroadcast(data: Float64Array, from: Shape, target: Shape): { values: Float64Array; mid: number; inner: number } {
  const rank = target.length;
  const f = [...new Array(Math.max(0, rank - from.length)).fill(1), ...from];
  // dims where the constant varies (size > 1)
  const varying = f.map((d, i) => (d > 1 ? i : -1)).filter((i) => i >= 0);
  if (varying.length === 0) return { values: Float64Array.of(data[0]), mid: 1, inner: 1 };
  const first = varying[0];
  const last = varying[varying.length - 1];
  const contiguous = varying.length === last - first + 1;
  if (contiguous) {
    const mid = prod(f.slice(first, last + 1));
    const inner = prod(target.slice(last + 1));
    return { values: Float64Array.from(data.subarray(0, mid)), mid, inner };
  }
  const full = expandTo(data, from, target);
  return { values: full, mid: full.length, inner: 1 };
}
