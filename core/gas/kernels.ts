// Ink of each layer, counted from the work its kernel does (multiply-adds, outputs, inputs read, loop
// iterations, tree nodes visited) times what one unit of that work executes in wasm, priced by nitro's
// ink table with a 2,450-ink header per basic block. The per-unit costs (KERNEL_COSTS) are what rustc
// 1.63 at opt-level s emits for each kernel of core/codegen; bench/calibrate-gas.ts derives them from
// per-function ink profiles of single-layer programs, and test/integration/gas-estimate.test.ts holds
// the resulting estimates to the devnode's measurements on other models.
import type { Plan, QNode, QTree, QTreeRef } from '../quant/types';
import { treeDepthRange } from '../quant/plan-trees';
import type { Spread } from './call';
import { padded, SWAR_TERMS_PER_FUNCTION } from '../codegen/dense';
import { PAIR_CHUNK, type WeightHome } from '../codegen/dense-pairs';
import { pairsApply } from '../layout/images';

/** Amounts of work one call of a layer does (all per call). */
export interface LayerUnits {
  /** multiply-accumulates */
  macs: number;
  /** output elements written */
  outputs: number;
  /** input elements read once (hoisted loads of unrolled rows, element-wise reads) */
  inputs: number;
  /** iterations of an inner loop the lowering keeps rolled (dense rows, conv channels) */
  inner: number;
  /** elements copied into a padded scratch image (conv) or a pooling window's taps (pools) */
  copies: number;
  /** decision nodes visited, over all trees (data-dependent) */
  visits: Spread;
  trees: number;
  /** input taps a convolution loads into locals (per position, per input channel's window) */
  taps: number;
  /** lane-paired convolution: (position, pair of channels, input channel) blocks, each an accumulator's round trip */
  groups: number;
}

/** Ink per unit of work, by kernel. `fixed` is per call of the layer function. */
export interface KernelCost {
  mac: number;
  output: number;
  input: number;
  inner: number;
  copy: number;
  visit: number;
  tree: number;
  tap: number;
  group: number;
  fixed: number;
}

export type KernelKey = string;

const zero: KernelCost = { mac: 0, output: 0, input: 0, inner: 0, copy: 0, visit: 0, tree: 0, tap: 0, group: 0, fixed: 0 };
const k = (c: Partial<KernelCost>): KernelCost => ({ ...zero, ...c });

/**
 * Per-unit ink by kernel (see bench/calibrate-gas.ts). The dense entries decompose into operators:
 * an unrolled multiply-add from a data segment is local.get x (75) + local.get row (75) + load (670/680)
 * + mul (160) + add (70/100) ≈ 1,050–1,090 ink; with the weight as an immediate the load becomes an
 * i32/i64.const (1), ≈ 380–410; a rolled loop adds the index update, the bound check, the branch and a
 * block header per multiply-add.
 */
export const KERNEL_COSTS: Record<KernelKey, KernelCost> = {
  // fitted by bench/calibrate-gas.ts on 11 synthetic models and the 48 lowerable skl2onnx models, every lowering
  'dense:unrolled:i32': k({ mac: 1263, output: 11809 }),
  'dense:unrolled:i64': k({ mac: 1153, output: 8820, input: 1745 }),
  'dense:loop:i32': k({ mac: 1263, output: 11809 }),
  'dense:loop:i64': k({ fixed: 24173, mac: 2415, output: 15073 }),
  'dense:code:i32': k({ mac: 526, output: 834, input: 1649 }),
  'dense:code:i64': k({ mac: 427, input: 3315 }),
  // immediates, two outputs per i64 multiply (lanes): a multiply-add per pair of weights
  'dense:code:pairs': k({ mac: 388, input: 901 }),
  'conv:data:i32': k({ mac: 1864, inner: 3258, copy: 28408 }),
  'conv:data:i64': k({ fixed: 497476, mac: 2300 }),
  'conv:code:i32': k({ fixed: 928994, mac: 1124 }),
  'conv:code:i64': k({ fixed: 928994, mac: 1200 }),
  // weights as bytes in memory, two rows per i64 multiply (dense-pairs.ts): per MAC a quarter of a word's
  // load and a lane extraction, multiply and add (≈ 440 ink); per call of the chunk loops the inputs
  // widened into locals (`input`); refitted by bench/calibrate-gas.ts on the i8 and data-layout models
  'dense:pairs': k({ fixed: 43661, mac: 442, output: 14249, input: 777 }),
  'dense:parts:pairs': k({ mac: 445, output: 22015, input: 1411 }),
  // rows streamed from data contracts (i16 weights): refitted on four models (64-40, 128-96, 200-64, 400-48),
  // worst fit 2.4 %; the two-model fit before put a 64×32 layer 20 % high
  'dense:parts:rows': k({ fixed: 617087, mac: 1313 }),
  // two output channels per i64 multiply: a tap loaded once per position and channel window (`tap`), one
  // multiply-add per pair of channels (≈ 220 ink, half per MAC), the accumulator's round trip per channel
  // window (`group`); fitted on multi-channel 3×3 and 5×5 stacks (bench/calibrate-gas.ts)
  'conv:pairs:i32': k({ mac: 110, tap: 1541, group: 826, output: 4304, copy: 6909 }),
  'trees:branches': k({ visit: 3906, output: 15918 }),
  'trees:table': k({ visit: 22368, tree: 33311, output: 14437 }),
  maxpool2d: k({ fixed: 251967, copy: 2694, output: 3395 }),
  avgpool2d: k({ fixed: 251967, copy: 2000, output: 8000 }),
  affine: k({ input: 15164 }),
  binary: k({ input: 15164 }),
  relu: k({ fixed: 7564, input: 7114 }),
  leakyRelu: k({ fixed: 7564, input: 9000 }),
  clip: k({ fixed: 7564, input: 7114 }),
  sigmoid: k({ input: 26642 }),
  tanh: k({ input: 26642 }),
  // ~50k ink per element (exp by table, a division); the earlier fit saw one width only
  softmax: k({ fixed: 11229, output: 50205 }),
  normalize: k({ fixed: 145029 }),
  argmax: k({ input: 8354 }),
  transpose: k({ input: 4000, fixed: 3000 }),
  concat: k({ input: 4000, fixed: 3000 }),
  reshape: k({}),
  constant: k({ output: 3000, fixed: 3000 }),
  castInt: k({ input: 7114, fixed: 3000 }),
  binaryScores: k({ fixed: 13612 }),
  threshold: k({ fixed: 3597 }),
  // dynamically quantized models (soft-float, softfloat.rs): measured on the devnode for the digits MLP
  // and CNN of test/fixtures/quantized (4 held-out inputs; within 10% per layer). An input element is
  // quantized (a soft-float division and rounding), an output leaves the accumulator through
  // int→float, multiply and add; a float32 op costs 10–20k ink, MLAS's logistic ~20 of them
  'dense:dynamic': k({ fixed: 100000, mac: 6000, output: 14000, input: 20000 }),
  'conv:dynamic': k({ fixed: 100000, mac: 2500, output: 14000, input: 20000, copy: 3000 }),
  'f32:leakyRelu': k({ fixed: 5000, input: 13500 }),
  'f32:sigmoid': k({ fixed: 5000, input: 200000 }),
  'f32:mean': k({ fixed: 5000, input: 24000, output: 15000 }),
  'f32:add': k({ fixed: 5000, input: 15000 }),
  'f32:mul': k({ fixed: 5000, input: 15000 }),
  /** the entrypoint's ABI work: decode each int32 word of predict(int32[]) and check it against the box, encode each output */
  'abi:predict': k({ fixed: 119056, input: 20057, output: 19748 }),
  'abi:predictPacked': k({ fixed: 110020, input: 12000, output: 12000 }),
  /** predictBatch: the entrypoint once, then per case (`inner`) the packed decode, box check and encode */
  'abi:predictBatch': k({ fixed: 110020, input: 12000, output: 12000, inner: 0 }),
};

/** Which kernel a layer compiles to, given the code generator's decision for it (ModelRs.decisions). */
export function kernelKey(qn: QNode, decision: string | undefined): KernelKey {
  const p = qn.params;
  const d = decision ?? '';
  if ((p.op === 'matmul' || p.op === 'conv2d') && p.dynamic) return p.op === 'matmul' ? 'dense:dynamic' : 'conv:dynamic';
  if (p.op === 'f32') return `f32:${p.fn}`;
  if (p.op === 'matmul') {
    if (/data contracts/.test(d)) return `dense:parts:${/row pairs/.test(d) ? 'pairs' : 'rows'}`;
    if (/row pairs/.test(d)) return 'dense:pairs';
    if (/output pairs/.test(d)) return 'dense:code:pairs';
    return `dense:${/code/.test(d) ? 'code' : /rolled loop/.test(d) ? 'loop' : 'unrolled'}:${p.acc}`;
  }
  if (p.op === 'conv2d') return `conv:${/pairs/.test(d) ? 'pairs' : /code/.test(d) ? 'code' : 'data'}:${p.acc}`;
  if (p.op === 'trees') return `trees:${/table/.test(d) ? 'table' : 'branches'}`;
  return qn.node.op.op;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Decision nodes from `ref` to the leaf `x` reaches. */
export function pathLength(tree: QTree, x: (feature: number) => number): number {
  let ref: QTreeRef = tree.root;
  let n = 0;
  while ('node' in ref) {
    const node = tree.nodes[ref.node];
    const v = x(node.feature);
    const yes = node.le !== undefined ? v <= node.le : node.oneOf!.includes(v);
    ref = yes ? node.yes : node.no;
    n++;
  }
  return n;
}

/**
 * The work of layer `index`. `treeInputs` are the quantised inputs of a tree layer on the inputs the
 * estimate is for: the typical visits are their mean path length; min/max are the shortest and longest
 * paths the trees have.
 */
export function layerUnits(plan: Plan, index: number, treeInputs: Float64Array[] = [], home?: WeightHome): LayerUnits {
  const qn = plan.nodes[index];
  const op = qn.node.op;
  const t = (id: string) => plan.tensors.get(id)!;
  const outputs = size(t(qn.node.outputs[0]).shape);
  const inputs = qn.node.inputs.reduce((a, id) => a + size(t(id).shape), 0);
  const u: LayerUnits = { macs: 0, outputs, inputs, inner: 0, copies: 0, visits: { min: 0, typical: 0, max: 0 }, trees: 0, taps: 0, groups: 0 };
  if (op.op === 'matmul') {
    u.macs = op.batches * op.M * op.N * op.K;
    u.inner = u.macs;
    u.inputs = op.batches * op.M * op.K;
    if (home) {
      // an image kernel: per unit (pair or row) and chunk of inputs, and the chunk loops once per part
      const img = pairsApply(plan, qn) ? Math.ceil(op.N / 2) : op.N;
      u.inner = img * Math.ceil(op.K / PAIR_CHUNK);
      u.inputs = op.K * (home.kind === 'parts' ? home.count : 1);
    }
  } else if (op.op === 'conv2d') {
    const [, C, H, W] = t(qn.node.inputs[0]).shape;
    u.macs = outputs * op.inChannels * op.kernel[0] * op.kernel[1];
    u.inner = outputs * op.inChannels;
    const [pt, pl, pb, pr] = op.pads;
    const [, , OH, OW] = t(qn.node.outputs[0]).shape;
    const HP = padded(H, OH, op.strides[0], op.kernel[0], op.dilations[0], pt, pb);
    const WP = padded(W, OW, op.strides[1], op.kernel[1], op.dilations[1], pl, pr);
    // a padded copy only when there is padding (else the taps are read in place)
    u.copies = HP === H && WP === W ? 0 : C * HP * WP;
    // the lane-paired kernel loads each position's window once per group of channel pairs it compiles to
    const window = op.inChannels * op.kernel[0] * op.kernel[1];
    const pairs = Math.ceil(op.outChannels / 2);
    const groups = Math.ceil(pairs / Math.max(1, Math.floor(SWAR_TERMS_PER_FUNCTION / Math.max(1, window))));
    u.taps = (outputs / op.outChannels) * window * groups;
    u.groups = (outputs / op.outChannels) * pairs * op.inChannels;
  } else if (op.op === 'maxpool2d' || op.op === 'avgpool2d') {
    u.copies = outputs * op.kernel[0] * op.kernel[1];
    const [, C, H, W] = t(qn.node.inputs[0]).shape;
    const [, , OH, OW] = t(qn.node.outputs[0]).shape;
    const [pt, pl, pb, pr] = op.pads;
    const dil = op.op === 'maxpool2d' ? op.dilations : [1, 1];
    const HP = padded(H, OH, op.strides[0], op.kernel[0], dil[0], pt, pb);
    const WP = padded(W, OW, op.strides[1], op.kernel[1], dil[1], pl, pr);
    // the padded copy's elements (none when the taps are read in place)
    u.inner = HP === H && WP === W ? 0 : t(qn.node.inputs[0]).shape[0] * C * HP * WP;
  } else if (op.op === 'trees' && qn.params.op === 'trees') {
    const trees = qn.params.trees;
    u.trees = trees.length;
    const rows = Math.max(1, inputs / op.nFeatures);
    const ranges = trees.map(treeDepthRange);
    u.visits.min = rows * ranges.reduce((a, r) => a + r[0], 0);
    u.visits.max = rows * ranges.reduce((a, r) => a + r[1], 0);
    if (treeInputs.length > 0) {
      let total = 0;
      for (const x of treeInputs) {
        for (let r = 0; r < rows; r++) for (const tree of trees) total += pathLength(tree, (f) => x[r * op.nFeatures + f]);
      }
      u.visits.typical = total / treeInputs.length;
    } else u.visits.typical = (u.visits.min + u.visits.max) / 2;
    u.trees *= rows;
  }
  return u;
}

/** Ink of one call of a layer with these units, min / typical / max. */
export function layerInk(key: KernelKey, u: LayerUnits): Spread {
  const c = KERNEL_COSTS[key] ?? KERNEL_COSTS.binary;
  const base = c.fixed + c.mac * u.macs + c.output * u.outputs + c.input * u.inputs + c.inner * u.inner + c.copy * u.copies + c.tree * u.trees + c.tap * u.taps + c.group * u.groups;
  return { min: Math.round(base + c.visit * u.visits.min), typical: Math.round(base + c.visit * u.visits.typical), max: Math.round(base + c.visit * u.visits.max) };
}

/** Ink of the entrypoint's ABI work for a call (decode inputs, check them, encode outputs). */
export function abiInk(fn: 'predict' | 'predictPacked' | 'predictBatch', inputElems: number, outputElems: number, cases = 1): number {
  const c = KERNEL_COSTS[`abi:${fn}`];
  return c.fixed + cases * (c.input * inputElems + c.output * outputElems + c.inner);
}
