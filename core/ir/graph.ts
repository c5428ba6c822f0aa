// The IR: what every ONNX model is lowered to before quantisation.
//
// Tensors are row-major and flat. An ONNX model becomes a small set of kernels with one meaning each,
// so the simulator, the Rust code generator, the EVM baseline and the gas estimator each implement the
// same short list. Shape-only ONNX ops (Reshape, Flatten, Squeeze, Identity, Dropout, float Casts)
// become `reshape`, which moves no data.

export type Shape = number[];

/** real: a real-valued tensor (quantised to fixed point); int: integer-valued (labels, indices, int inputs). */
export type ValueKind = 'real' | 'int';

export interface TensorInfo {
  /** unique id; the ONNX value name where there is one */
  id: string;
  shape: Shape;
  kind: ValueKind;
  /** a pre-quantized model's tensor: its stored integers and their scale (core/quant/requant.ts) */
  quant?: AffineQuant;
}

/**
 * Affine quantisation of a pre-quantized model: value = (q − zeroPoint) · scale. Every such tensor is
 * stored as i8: uint8 data is shifted by −128 (q and zeroPoint alike), which changes no difference q − zp,
 * no saturation and no ordering.
 */
export interface AffineQuant {
  scale: number;
  zeroPoint: number;
  /** the ONNX element type the model used (INT8 or UINT8), for messages and the manifest */
  onnxType: 'INT8' | 'UINT8';
}

/** The integers of a pre-quantized dense or convolution layer (QGemm, QLinearMatMul, QLinearConv). */
export interface QLinearData {
  /** raw weights (uint8 shifted to int8), in the layout of the op's W */
  W: Int32Array;
  /** weight zero points, per output channel (length 1: per tensor) */
  wZero: Int32Array;
  /** int32 bias at scale x.scale · w.scale per output channel, or null */
  bias: Int32Array | null;
  /** the input's zero point (padding is this value: it stands for 0) */
  xZero: number;
  /** the output's zero point */
  yZero: number;
  /** requantisation multiplier per output channel (x.scale · w.scale / y.scale, in float32 as onnxruntime) */
  multiplier: Float64Array;
}

/**
 * A dynamically quantized dense or convolution layer (onnxruntime's quantize_dynamic, fused as its
 * DynamicQuantizeMatMul): its float32 input is quantized to uint8 with a scale and zero point computed
 * from the data (DynamicQuantizeLinear), multiplied in integers by the quantized weights, and the sum
 * becomes float32 again: y = f32(f32(f32(acc) · f32(x_scale · w_scale)) + bias) (core/quant/f32.ts).
 */
export interface DynamicData {
  /** raw weights (uint8 as 0..255), in the layout of the op's W */
  W: Int32Array;
  /** weight zero points, per output channel (length 1: per tensor) */
  wZero: Int32Array;
  /** weight scales (float32 values), per output channel or one */
  wScale: Float64Array;
  /** float32 bias per output channel, or null */
  bias: Float64Array | null;
}

/** Where a node came from, for names in generated code and messages. */
export interface Origin {
  /** ONNX node name (or a synthesised `<op>_<index>` when the model has none) */
  name: string;
  opType: string;
  domain: string;
}

/**
 * Broadcast of a constant against a tensor of `size` elements, as (outer, mid, inner):
 * element i uses constant index `Math.floor(i / inner) % mid`. Covers scalars (mid 1), per-channel
 * NCHW (inner = H*W) and per-feature (inner 1); anything else is expanded to full length (mid = size).
 */
export interface Broadcast {
  mid: number;
  inner: number;
}

export type TreeMode = 'LEQ' | 'LT' | 'GTE' | 'GT' | 'EQ' | 'NEQ' | 'MEMBER';

export type TreeRef = { leaf: number } | { node: number };

export interface TreeNode {
  feature: number;
  mode: TreeMode;
  /** the float threshold as the model stores it (float32 or double) */
  threshold: number;
  /** MEMBER only: the set */
  members?: number[];
  whenTrue: TreeRef;
  whenFalse: TreeRef;
  /** NaN goes to the true branch (inputs are never NaN on chain; kept for the record) */
  missingTracksTrue: boolean;
}

export interface TreeLeaf {
  /** (target index, weight) pairs */
  weights: { target: number; value: number }[];
}

export interface Tree {
  root: TreeRef;
  nodes: TreeNode[];
  leaves: TreeLeaf[];
}

export type Aggregate = 'SUM' | 'AVERAGE' | 'MIN' | 'MAX';

/** One IR operation. Inputs and outputs are tensor ids, in `IrNode.inputs` / `IrNode.outputs`. */
export type IrOp =
  /**
   * Batched matrix product with constant weights: for each batch b, rows m, outputs n:
   * y[b,m,n] = Σ_k x[aOffsets[b] + m*K + k] · W[wOffsets[b] + n*K + k] + bias.
   * W is stored transposed ([N][K] per matrix) so each output's weights are contiguous.
   * bias: null, length N (per output feature) or length B*M*N (full).
   */
  | { op: 'matmul'; batches: number; M: number; K: number; N: number; aOffsets: number[]; wOffsets: number[]; W: Float64Array; bias: Float64Array | null; quant?: QLinearData; dynamic?: DynamicData }
  /** 2-D convolution, NCHW, group 1. pads = [top, left, bottom, right]. */
  | { op: 'conv2d'; W: Float64Array; bias: Float64Array | null; inChannels: number; outChannels: number; kernel: [number, number]; strides: [number, number]; pads: [number, number, number, number]; dilations: [number, number]; quant?: QLinearData; dynamic?: DynamicData }
  | { op: 'maxpool2d'; kernel: [number, number]; strides: [number, number]; pads: [number, number, number, number]; dilations: [number, number] }
  /** average over the window; countIncludePad decides the divisor at the borders */
  | { op: 'avgpool2d'; kernel: [number, number]; strides: [number, number]; pads: [number, number, number, number]; countIncludePad: boolean; quant?: { xZero: number; yZero: number; multiplier: number } }
  /**
   * Pre-quantized add (QLinearAdd): y = saturate(round((a − za)·sa/sy + (b − zb)·sb/sy) + zy); b is the
   * second input, or a constant broadcast as (mid, inner) when `bConst` is set.
   */
  | { op: 'qadd'; a: AffineQuant; b: AffineQuant; y: AffineQuant; bConst: { q: Int32Array; mid: number; inner: number } | null }
  /** Pre-quantized unary op on i8 (QLinearSigmoid, QLinearLeakyRelu, DQ → Relu → Q): y = table[x + 128] */
  | { op: 'qlut'; fn: string; table: Int32Array }
  /** y = x · scale + offset, both broadcast (Mul/Add/Sub/Div by constants, Scaler, BatchNormalization) */
  | { op: 'affine'; scale: Float64Array; offset: Float64Array; broadcast: Broadcast }
  /** elementwise op of two tensors with numpy broadcasting to the output shape */
  | { op: 'binary'; fn: 'add' | 'sub' | 'mul' }
  | { op: 'relu' }
  | { op: 'leakyRelu'; alpha: number }
  | { op: 'clip'; min: number; max: number }
  | { op: 'sigmoid' }
  | { op: 'tanh' }
  /** softmax over `axis` of the input shape, decomposed as (outer, axisLen, inner) */
  | { op: 'softmax'; outer: number; axisLen: number; inner: number }
  /** index of the maximum over an axis; ties go to the first (or last) occurrence */
  | { op: 'argmax'; outer: number; axisLen: number; inner: number; selectLast: boolean }
  | { op: 'transpose'; perm: number[] }
  /** concatenation along `axis` */
  | { op: 'concat'; axis: number }
  /** a constant tensor (only where a constant broadcasts a runtime tensor to a larger shape) */
  | { op: 'constant'; values: Float64Array }
  /** no data movement: the output is the input with another shape */
  | { op: 'reshape' }
  /** real → integer by truncation toward zero (Cast to an integer type) */
  | { op: 'castInt' }
  /** per row of the last axis: x / Σ|x| (L1), x / sqrt(Σx²) (L2), x / max(x) (MAX) */
  | { op: 'normalize'; norm: 'L1' | 'L2' | 'MAX' }
  /**
   * Tree ensemble, per input row [N, nFeatures] → [N, nTargets]: per target, aggregate the weights of the
   * leaf each tree reaches (AVERAGE = SUM / number of trees; MIN/MAX over trees whose leaf has a weight
   * for that target, 0 when none), then add base. Raw scores: later IR nodes apply any post transform.
   */
  | { op: 'trees'; nFeatures: number; nTargets: number; trees: Tree[]; aggregate: Aggregate; base: Float64Array }
  /**
   * Two-class scores from one score p, as onnxruntime writes them:
   * complement [1-p, p]; negate [-p, p]; logistic [σ(-p), σ(p)].
   */
  | { op: 'binaryScores'; mode: 'complement' | 'negate' | 'logistic' }
  /** label index: 1 when x > threshold, else 0 */
  | { op: 'threshold'; threshold: number };

export interface IrNode {
  /** dense index in topological order */
  index: number;
  op: IrOp;
  inputs: string[];
  outputs: string[];
  origin: Origin;
}

/** Output metadata: classifier labels map the integer index to what the ONNX model returns. */
export interface OutputInfo {
  id: string;
  /** the ONNX output name */
  name: string;
  /** for label outputs: index → label (numbers for int64 labels, strings for string labels) */
  classLabels?: (number | string)[];
  /** the output was a ZipMap in ONNX; we return the tensor it wraps */
  zipMap?: boolean;
}

export interface InputInfo {
  id: string;
  name: string;
  /** as declared in ONNX; symbolic dims fixed to 1 */
  shape: Shape;
  kind: ValueKind;
  /** ONNX element type name, e.g. FLOAT, INT64 */
  onnxType: string;
  /** set when the model quantizes this float input (its first QuantizeLinear): the contract takes those integers */
  quant?: AffineQuant;
}

export interface Graph {
  inputs: InputInfo[];
  outputs: OutputInfo[];
  tensors: Map<string, TensorInfo>;
  nodes: IrNode[];
  /** notes the importer wants the user to see (ZipMap passed through, batch fixed to 1, ...) */
  notes: string[];
  /** opset per domain ('' = ai.onnx) */
  opsets: Record<string, number>;
  producer: string;
  /**
   * The model computes in float32 between integer layers (quantize_dynamic): every real tensor is a
   * float32 value, emulated exactly as onnxruntime computes it (core/quant/f32.ts).
   */
  float32?: boolean;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}
