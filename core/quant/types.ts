// The quantisation plan: a per-tensor fixed-point format and, per IR node, the integer parameters the
// simulator, the Rust code generator and the EVM baseline all execute.
import type { Graph, IrNode, Shape, ValueKind } from '../ir/graph';

export type Storage = 'i8' | 'i16' | 'i32';
export type AccWidth = 'i32' | 'i64';

export const STORAGE_BITS: Record<Storage | AccWidth, number> = { i8: 8, i16: 16, i32: 32, i64: 64 };

export function storageMax(s: Storage | AccWidth): number {
  return 2 ** (STORAGE_BITS[s] - 1) - 1;
}
export function storageMin(s: Storage | AccWidth): number {
  return -(2 ** (STORAGE_BITS[s] - 1));
}

/**
 * value = q · 2^-frac (frac may be negative for large ranges); a pre-quantized model's tensors are affine
 * instead: value = (q − zeroPoint) · scale, with frac 0 (core/quant/requant.ts).
 */
export interface QFormat {
  storage: Storage;
  frac: number;
  scale?: number;
  zeroPoint?: number;
  /**
   * a float32 tensor of a dynamically quantized model: i32 holding the sign-magnitude key of the value
   * (core/quant/f32.ts); its proven bounds (qlo/qhi) are keys too
   */
  float32?: true;
}

/** A dynamically quantized layer's float32 epilogue: y = f32(f32(f32(acc) · f32(x_scale · wScale[c])) + bias[c]). */
export interface DynamicParams {
  /** weight scale per output channel (one: per tensor), float32 values */
  wScale: number[];
  /** float32 bias per output channel, or null */
  bias: number[] | null;
}

/** Per output channel requantisation of a pre-quantized layer: saturate(rshiftEven(acc · m, s) + zp). */
export interface Requant {
  m: number[];
  s: number[];
  zp: number;
}

export interface QTensor {
  id: string;
  shape: Shape;
  kind: ValueKind;
  format: QFormat;
  /** proven bounds of the stored integers, per element */
  qlo: Float64Array;
  qhi: Float64Array;
  /** bound on |dequantised fixed-point value − exact float value| for any input in the box (null: not bounded) */
  errorBound: number | null;
  /** the same bound for inputs on the quantisation grid (trees decide exactly there) */
  errorBoundOnGrid: number | null;
}

/** A weight tensor as stored in the program. */
export interface QWeights {
  format: QFormat;
  q: Int32Array;
  /** max |q·2^-frac − w| over the tensor */
  maxError: number;
}

/** A quantised tree node: go to `yes` when the test holds. */
export interface QTreeNode {
  feature: number;
  /** x_q <= le */
  le?: number;
  /** x_q is one of these (EQ, MEMBER; NEQ is stored with yes/no swapped) */
  oneOf?: number[];
  yes: QTreeRef;
  no: QTreeRef;
}
export type QTreeRef = { leaf: number } | { node: number };
export interface QTree {
  root: QTreeRef;
  nodes: QTreeNode[];
  /** per leaf: (target, value q at leafFrac) */
  leaves: { target: number; q: number }[][];
}

/** Integer parameters per IR op. Shifts are right shifts with round-half-up (negative: left shift). */
export type QParams =
  | { op: 'matmul'; W: QWeights; bias: Float64Array | null; acc: AccWidth; shift: number; requant?: Requant; dynamic?: DynamicParams }
  /** padValue: what taps outside the input read (a pre-quantized input's zero point; else 0) */
  | { op: 'conv2d'; W: QWeights; bias: Float64Array | null; acc: AccWidth; shift: number; requant?: Requant; padValue?: number; dynamic?: DynamicParams }
  | { op: 'maxpool2d' }
  /** requant: a pre-quantized average, saturate(rshiftEven((Σx − count·xZero) · m, s) + zp) */
  | { op: 'avgpool2d'; acc: AccWidth; requant?: Requant & { xZero: number; count: number } }
  /** saturate(rshiftEven((a − za)·ma + (b − zb)·mb, s) + zy); b from `bConst` (broadcast as the op says) when set */
  | { op: 'qadd'; za: number; zb: number; ma: number; mb: number; s: number; zy: number; bConst: Int32Array | null }
  | { op: 'qlut'; table: Int32Array }
  | { op: 'affine'; scale: QWeights; offset: Float64Array; acc: AccWidth; shift: number }
  | { op: 'binary'; shiftA: number; shiftB: number; acc: AccWidth; shift: number }
  | { op: 'relu' }
  | { op: 'leakyRelu'; alpha: number; alphaFrac: number; acc: AccWidth }
  | { op: 'clip'; lo: number; hi: number }
  | { op: 'sigmoid' | 'tanh'; inFrac: number; outFrac: number }
  | { op: 'softmax'; inFrac: number; outFrac: number }
  | { op: 'argmax' }
  | { op: 'transpose' }
  | { op: 'concat'; shifts: number[] }
  | { op: 'constant'; q: Int32Array }
  | { op: 'reshape' }
  | { op: 'castInt'; frac: number }
  | { op: 'normalize'; preShift: number; outFrac: number }
  | { op: 'trees'; trees: QTree[]; base: Float64Array; acc: AccWidth; leafFrac: number; shift: number; nTrees: number }
  | { op: 'binaryScores'; inFrac: number; outFrac: number }
  | { op: 'threshold'; t: number }
  /**
   * A float32 op of a dynamically quantized model, on keys, as onnxruntime's kernel computes it
   * (core/quant/f32.ts): LeakyRelu, Sigmoid (MLAS's logistic), the mean of each channel
   * (GlobalAveragePool), and Add / Mul by a constant broadcast as (mid, inner)
   */
  | F32Params;

export type F32Params =
  | { op: 'f32'; fn: 'leakyRelu'; alpha: number }
  | { op: 'f32'; fn: 'sigmoid' }
  | { op: 'f32'; fn: 'mean'; count: number }
  | { op: 'f32'; fn: 'add' | 'mul'; values: number[]; mid: number; inner: number };

export interface QNode {
  node: IrNode;
  params: QParams;
  /** a nonlinearity's measured max error, in output units, where one applies */
  approxError?: number;
  /** when the worst-case |accumulator| can pass 2^53 the simulator computes this node in BigInt */
  needsBigInt: boolean;
}

/** Per graph input: the declared box, per element of one sample. */
export interface InputBox {
  lo: Float64Array;
  hi: Float64Array;
  /** where the box came from, for the report */
  source: 'declared' | 'calibration' | 'declared+calibration' | 'default' | 'quantizer';
}

export interface QuantOptions {
  /** storage of activations (default i16) */
  activations?: 'i16' | 'i32';
  /** storage of weights (default i16) */
  weights?: Storage;
  /** 'auto' (default) uses i32 wherever the bound proves it safe */
  accumulator?: 'auto' | 'i64';
  /** per input id */
  boxes: Map<string, InputBox>;
  /** force a tensor's format (tensor id → format) */
  force?: Map<string, QFormat>;
}

export interface Plan {
  graph: Graph;
  tensors: Map<string, QTensor>;
  nodes: QNode[];
  options: Required<Omit<QuantOptions, 'force'>> & { force: Map<string, QFormat> };
  /** things the user should know (saturation the analysis could not exclude, assumptions) */
  warnings: string[];
}
