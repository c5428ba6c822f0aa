// Builds small real ONNX models with onnx-proto: MLPs, CNNs and tree forests for the feasibility bench
// (stylus-ml bench) and the tests, and deliberately broken files for tests. Weights come from a seeded
// PRNG so every run builds the same bytes.
import { onnx } from 'onnx-proto';
import { prng } from '../io/prng';

const F = onnx.TensorProto.DataType.FLOAT;

export { prng };

export function floatTensor(name: string, dims: number[], values: ArrayLike<number>): onnx.ITensorProto {
  return { name, dims, dataType: F, floatData: Array.from(values) };
}

function valueInfo(name: string, dims: (number | string)[], elemType = F): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

export function attr(name: string, v: number | number[] | string | string[] | Uint8Array, kind?: 'int' | 'float' | 'ints' | 'floats'): onnx.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return { name, type: A.STRING, s: Buffer.from(v) };
  if (Array.isArray(v) && typeof v[0] === 'string') return { name, type: A.STRINGS, strings: (v as string[]).map((s) => Buffer.from(s)) };
  if (Array.isArray(v)) return kind === 'floats' ? { name, type: A.FLOATS, floats: v as number[] } : { name, type: A.INTS, ints: v as number[] };
  if (kind === 'float') return { name, type: A.FLOAT, f: v as number };
  return { name, type: A.INT, i: v as number };
}

export interface GraphSpec {
  nodes: onnx.INodeProto[];
  inputs: onnx.IValueInfoProto[];
  outputs: onnx.IValueInfoProto[];
  initializers: onnx.ITensorProto[];
  ml?: boolean;
}

export function model(g: GraphSpec, opset = 13): Uint8Array {
  const m = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'stylus-ml-tests',
    opsetImport: [{ domain: '', version: opset }, ...(g.ml ? [{ domain: 'ai.onnx.ml', version: 1 }] : [])],
    graph: { name: 'g', node: g.nodes, input: g.inputs, output: g.outputs, initializer: g.initializers },
  });
  return onnx.ModelProto.encode(m).finish();
}

/**
 * Dense layers with ReLU between them (Gemm, transB=1, like torch.onnx exports), optional softmax.
 * `init`: uniform weights (default), or Laplace-distributed ones — the heavy-tailed shape trained
 * networks' weights have, which compresses as theirs do (about 0.75 bytes per i8 weight).
 */
export function mlp(sizes: number[], opts: { seed?: number; softmax?: boolean; batch?: number | string; scale?: number; init?: 'uniform' | 'laplace' } = {}): Uint8Array {
  const rnd = prng(opts.seed ?? 1);
  const draw = opts.init === 'laplace' ? () => (rnd() < 0.5 ? -1 : 1) * Math.log(1 - rnd() * 0.999999) * 0.35 : () => rnd() * 2 - 1;
  const nodes: onnx.INodeProto[] = [];
  const inits: onnx.ITensorProto[] = [];
  let x = 'input';
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [inF, outF] = [sizes[l], sizes[l + 1]];
    const s = (opts.scale ?? 1) / Math.sqrt(inF);
    inits.push(floatTensor(`W${l}`, [outF, inF], Array.from({ length: inF * outF }, () => draw() * s)));
    inits.push(floatTensor(`b${l}`, [outF], Array.from({ length: outF }, () => (rnd() * 2 - 1) * 0.1)));
    const y = `fc${l}`;
    nodes.push({ name: `fc${l}`, opType: 'Gemm', input: [x, `W${l}`, `b${l}`], output: [y], attribute: [attr('transB', 1)] });
    x = y;
    if (l + 2 < sizes.length) {
      nodes.push({ name: `relu${l}`, opType: 'Relu', input: [x], output: [`relu${l}`] });
      x = `relu${l}`;
    }
  }
  if (opts.softmax) {
    nodes.push({ name: 'softmax', opType: 'Softmax', input: [x], output: ['probs'], attribute: [attr('axis', 1)] });
  }
  nodes[nodes.length - 1].output = ['output'];
  return model({ nodes, inputs: [valueInfo('input', [opts.batch ?? 'N', sizes[0]])], outputs: [valueInfo('output', [opts.batch ?? 'N', sizes[sizes.length - 1]])], initializers: inits });
}

/** conv(3×3) → relu → maxpool(2) → flatten → gemm, on a C×H×W image. */
export function cnn(opts: { seed?: number; channels?: number; size?: number; filters?: number; classes?: number } = {}): Uint8Array {
  const rnd = prng(opts.seed ?? 2);
  const C = opts.channels ?? 1;
  const H = opts.size ?? 8;
  const K = opts.filters ?? 4;
  const classes = opts.classes ?? 10;
  const conv = Array.from({ length: K * C * 9 }, () => (rnd() * 2 - 1) / 3);
  const pooled = Math.floor(H / 2);
  const flat = K * pooled * pooled;
  const fc = Array.from({ length: classes * flat }, () => (rnd() * 2 - 1) / Math.sqrt(flat));
  return model({
    nodes: [
      { name: 'conv', opType: 'Conv', input: ['input', 'Wc', 'bc'], output: ['c'], attribute: [attr('kernel_shape', [3, 3]), attr('pads', [1, 1, 1, 1])] },
      { name: 'relu', opType: 'Relu', input: ['c'], output: ['r'] },
      { name: 'pool', opType: 'MaxPool', input: ['r'], output: ['p'], attribute: [attr('kernel_shape', [2, 2]), attr('strides', [2, 2])] },
      { name: 'flatten', opType: 'Flatten', input: ['p'], output: ['f'] },
      { name: 'fc', opType: 'Gemm', input: ['f', 'Wf', 'bf'], output: ['output'], attribute: [attr('transB', 1)] },
    ],
    inputs: [valueInfo('input', [1, C, H, H])],
    outputs: [valueInfo('output', [1, classes])],
    initializers: [
      floatTensor('Wc', [K, C, 3, 3], conv),
      floatTensor('bc', [K], Array.from({ length: K }, () => (rnd() * 2 - 1) * 0.1)),
      floatTensor('Wf', [classes, flat], fc),
      floatTensor('bf', [classes], Array.from({ length: classes }, () => (rnd() * 2 - 1) * 0.1)),
    ],
  });
}

/**
 * An MNIST-class CNN on a 1×28×28 image, as a PyTorch export lays it out: conv 8@3×3 → relu → maxpool 2 →
 * conv 16@3×3 → relu → maxpool 2 → flatten (400) → gemm 32 → relu → gemm 10; 14,410 parameters, 201,184
 * multiply-accumulates. Weights are seeded He-uniform draws (a trained network's scale).
 */
export function cnn28(opts: { seed?: number } = {}): Uint8Array {
  const rnd = prng(opts.seed ?? 28);
  const he = (n: number, fanIn: number) => Array.from({ length: n }, () => (rnd() * 2 - 1) * Math.sqrt(6 / fanIn));
  const small = (n: number) => Array.from({ length: n }, () => (rnd() * 2 - 1) * 0.05);
  const conv = (name: string, x: string, w: string, b: string, y: string) => ({ name, opType: 'Conv', input: [x, w, b], output: [y], attribute: [attr('kernel_shape', [3, 3])] });
  const pool = (name: string, x: string, y: string) => ({ name, opType: 'MaxPool', input: [x], output: [y], attribute: [attr('kernel_shape', [2, 2]), attr('strides', [2, 2])] });
  const relu = (name: string, x: string, y: string) => ({ name, opType: 'Relu', input: [x], output: [y] });
  return model({
    nodes: [
      conv('conv1', 'input', 'W1', 'b1', 'c1'),
      relu('relu1', 'c1', 'r1'),
      pool('pool1', 'r1', 'p1'),
      conv('conv2', 'p1', 'W2', 'b2', 'c2'),
      relu('relu2', 'c2', 'r2'),
      pool('pool2', 'r2', 'p2'),
      { name: 'flatten', opType: 'Flatten', input: ['p2'], output: ['f'] },
      { name: 'fc1', opType: 'Gemm', input: ['f', 'W3', 'b3'], output: ['h'], attribute: [attr('transB', 1)] },
      relu('relu3', 'h', 'r3'),
      { name: 'fc2', opType: 'Gemm', input: ['r3', 'W4', 'b4'], output: ['output'], attribute: [attr('transB', 1)] },
    ],
    inputs: [valueInfo('input', [1, 1, 28, 28])],
    outputs: [valueInfo('output', [1, 10])],
    initializers: [
      floatTensor('W1', [8, 1, 3, 3], he(72, 9)),
      floatTensor('b1', [8], small(8)),
      floatTensor('W2', [16, 8, 3, 3], he(1152, 72)),
      floatTensor('b2', [16], small(16)),
      floatTensor('W3', [32, 400], he(12800, 400)),
      floatTensor('b3', [32], small(32)),
      floatTensor('W4', [10, 32], he(320, 32)),
      floatTensor('b4', [10], small(10)),
    ],
  });
}

/**
 * A wide intermediate tensor with few weights: conv 3×3 (pad 1, `filters` channels) over a 1×size×size
 * image, max pool 8×8 (stride 8), then one 8×8 convolution (stride 8) to a 1×(size/64)×(size/64) map.
 */
export function wideConv(size: number, filters: number, seed = 9): Uint8Array {
  const rnd = prng(seed);
  const w = (n: number, fan: number) => Array.from({ length: n }, () => (rnd() * 2 - 1) / Math.sqrt(fan));
  return model({
    nodes: [
      { name: 'conv', opType: 'Conv', input: ['input', 'W'], output: ['c'], attribute: [attr('kernel_shape', [3, 3]), attr('pads', [1, 1, 1, 1])] },
      { name: 'pool', opType: 'MaxPool', input: ['c'], output: ['p'], attribute: [attr('kernel_shape', [8, 8]), attr('strides', [8, 8])] },
      { name: 'head', opType: 'Conv', input: ['p', 'W2'], output: ['output'], attribute: [attr('kernel_shape', [8, 8]), attr('strides', [8, 8])] },
    ],
    inputs: [valueInfo('input', [1, 1, size, size])],
    outputs: [valueInfo('output', [1, 1, size / 64, size / 64])],
    initializers: [floatTensor('W', [filters, 1, 3, 3], w(filters * 9, 9)), floatTensor('W2', [1, filters, 8, 8], w(filters * 64, filters * 64))],
  });
}

/**
 * A stack of k×k convolutions (same padding, k odd, default 3) with ReLUs over a 1×size×size image, then an 8×8 max pool and one
 * convolution to a single map: much arithmetic on small tensors (layers × channels² × 9 × size² MACs).
 */
export function convStack(size: number, channels: number, layers: number, seed = 12, kernel = 3): Uint8Array {
  const rnd = prng(seed);
  const nodes: onnx.INodeProto[] = [];
  const inits: onnx.ITensorProto[] = [];
  let x = 'input';
  let c = 1;
  for (let l = 0; l < layers; l++) {
    const kk = kernel * kernel;
    const pad = (kernel - 1) / 2;
    inits.push(floatTensor(`W${l}`, [channels, c, kernel, kernel], Array.from({ length: channels * c * kk }, () => ((rnd() * 2 - 1) * 1.5) / Math.sqrt(c * kk))));
    nodes.push({ name: `conv${l}`, opType: 'Conv', input: [x, `W${l}`], output: [`c${l}`], attribute: [attr('kernel_shape', [kernel, kernel]), attr('pads', [pad, pad, pad, pad])] });
    nodes.push({ name: `relu${l}`, opType: 'Relu', input: [`c${l}`], output: [`r${l}`] });
    x = `r${l}`;
    c = channels;
  }
  nodes.push({ name: 'pool', opType: 'MaxPool', input: [x], output: ['p'], attribute: [attr('kernel_shape', [8, 8]), attr('strides', [8, 8])] });
  const side = Math.floor(size / 8);
  inits.push(floatTensor('Wh', [1, channels, side, side], Array.from({ length: channels * side * side }, () => (rnd() * 2 - 1) / Math.sqrt(channels * side * side))));
  nodes.push({ name: 'head', opType: 'Conv', input: ['p', 'Wh'], output: ['output'], attribute: [attr('kernel_shape', [side, side])] });
  return model({ nodes, inputs: [valueInfo('input', [1, 1, size, size])], outputs: [valueInfo('output', [1, 1, 1, 1])], initializers: inits });
}

/**
 * A residual MLP: input → fc_in → relu, then `blocks` × (fc_a → relu → fc_b → Add with the block's input),
 * then fc_out → softmax: 4 + 4·blocks nodes (24 blocks: 100), every Add a skip connection (a branching
 * graph). With `inputs: 2` the first node adds two inputs of the same width (a model with two inputs).
 */
export function residual(opts: { seed?: number; blocks?: number; width?: number; features?: number; classes?: number; inputs?: 1 | 2 } = {}): Uint8Array {
  const rnd = prng(opts.seed ?? 3);
  const W = opts.width ?? 8;
  const F = opts.features ?? 4;
  const classes = opts.classes ?? 3;
  const nodes: onnx.INodeProto[] = [];
  const inits: onnx.ITensorProto[] = [];
  const dense = (name: string, x: string, inF: number, outF: number): string => {
    inits.push(floatTensor(`${name}.W`, [outF, inF], Array.from({ length: inF * outF }, () => ((rnd() * 2 - 1) * 0.5) / Math.sqrt(inF))));
    inits.push(floatTensor(`${name}.b`, [outF], Array.from({ length: outF }, () => (rnd() * 2 - 1) * 0.05)));
    nodes.push({ name, opType: 'Gemm', input: [x, `${name}.W`, `${name}.b`], output: [name], attribute: [attr('transB', 1)] });
    return name;
  };
  const relu = (name: string, x: string): string => {
    nodes.push({ name, opType: 'Relu', input: [x], output: [name] });
    return name;
  };
  let x = 'input';
  if (opts.inputs === 2) {
    nodes.push({ name: 'sum_inputs', opType: 'Add', input: ['input', 'input2'], output: ['sum_inputs'] });
    x = 'sum_inputs';
  }
  x = relu('relu_in', dense('fc_in', x, F, W));
  for (let b = 0; b < (opts.blocks ?? 24); b++) {
    const y = dense(`block${b}.fc_b`, relu(`block${b}.relu`, dense(`block${b}.fc_a`, x, W, W)), W, W);
    nodes.push({ name: `block${b}.add`, opType: 'Add', input: [x, y], output: [`block${b}.add`] });
    x = `block${b}.add`;
  }
  nodes.push({ name: 'softmax', opType: 'Softmax', input: [dense('fc_out', x, W, classes)], output: ['output'], attribute: [attr('axis', 1)] });
  return model({
    nodes,
    inputs: [valueInfo('input', [1, F]), ...(opts.inputs === 2 ? [valueInfo('input2', [1, F])] : [])],
    outputs: [valueInfo('output', [1, classes])],
    initializers: inits,
  });
}

/** A random-forest-like TreeEnsembleClassifier (skl2onnx encoding: class-probability leaves × 1/n_trees). */
/** The per-node lists of an ONNX tree ensemble (ai.onnx.ml TreeEnsemble*: nodes_*). */
export interface TreeNodes {
  treeids: number[];
  nodeids: number[];
  featureids: number[];
  modes: string[];
  values: number[];
  truenodeids: number[];
  falsenodeids: number[];
}

export function emptyTreeNodes(): TreeNodes {
  return { treeids: [], nodeids: [], featureids: [], modes: [], values: [], truenodeids: [], falsenodeids: [] };
}

/** The nodes_* attributes of a tree ensemble node. */
export function treeNodeAttributes(a: TreeNodes): onnx.IAttributeProto[] {
  return [
    attr('nodes_treeids', a.treeids),
    attr('nodes_nodeids', a.nodeids),
    attr('nodes_featureids', a.featureids),
    attr('nodes_modes', a.modes),
    attr('nodes_values', a.values, 'floats'),
    attr('nodes_truenodeids', a.truenodeids),
    attr('nodes_falsenodeids', a.falsenodeids),
  ];
}

export function forest(opts: { seed?: number; trees?: number; depth?: number; features?: number; classes?: number } = {}): Uint8Array {
  const rnd = prng(opts.seed ?? 3);
  const nTrees = opts.trees ?? 10;
  const depth = opts.depth ?? 4;
  const nF = opts.features ?? 4;
  const nC = opts.classes ?? 3;
  const a = emptyTreeNodes();
  const c = { treeids: [] as number[], nodeids: [] as number[], ids: [] as number[], weights: [] as number[] };
  for (let t = 0; t < nTrees; t++) {
    let next = 0;
    const build = (d: number): number => {
      const id = next++;
      const i = a.treeids.length;
      a.treeids.push(t);
      a.nodeids.push(id);
      if (d === depth || (d > 1 && rnd() < 0.15)) {
        a.featureids.push(0);
        a.modes.push('LEAF');
        a.values.push(0);
        a.truenodeids.push(0);
        a.falsenodeids.push(0);
        const raw = Array.from({ length: nC }, () => rnd() ** 3);
        const sum = raw.reduce((p, q) => p + q, 0);
        raw.forEach((v, k) => {
          c.treeids.push(t);
          c.nodeids.push(id);
          c.ids.push(k);
          c.weights.push(Math.fround(v / sum / nTrees));
        });
        return id;
      }
      a.featureids.push(Math.floor(rnd() * nF));
      a.modes.push('BRANCH_LEQ');
      a.values.push(Math.fround(rnd() * 10 - 5));
      a.truenodeids.push(0);
      a.falsenodeids.push(0);
      a.truenodeids[i] = build(d + 1);
      a.falsenodeids[i] = build(d + 1);
      return id;
    };
    build(0);
  }
  const node: onnx.INodeProto = {
    name: 'forest',
    opType: 'TreeEnsembleClassifier',
    domain: 'ai.onnx.ml',
    input: ['input'],
    output: ['label', 'probabilities'],
    attribute: [
      ...treeNodeAttributes(a),
      attr('class_treeids', c.treeids),
      attr('class_nodeids', c.nodeids),
      attr('class_ids', c.ids),
      attr('class_weights', c.weights, 'floats'),
      attr('classlabels_int64s', Array.from({ length: nC }, (_, k) => k)),
      attr('post_transform', 'NONE'),
    ],
  };
  return model({ nodes: [node], inputs: [valueInfo('input', [1, nF])], outputs: [valueInfo('label', [1], onnx.TensorProto.DataType.INT64), valueInfo('probabilities', [1, nC])], initializers: [], ml: true });
}

/** Broken or unsupported files for the bad-input tests. */
export const broken = {
  nanWeight(): Uint8Array {
    return model({
      nodes: [{ name: 'fc', opType: 'Gemm', input: ['input', 'W'], output: ['output'], attribute: [attr('transB', 1)] }],
      inputs: [valueInfo('input', [1, 2])],
      outputs: [valueInfo('output', [1, 2])],
      initializers: [floatTensor('W', [2, 2], [0.5, NaN, 1, 2])],
    });
  },
  hugeTensor(): Uint8Array {
    return model({
      nodes: [{ name: 'fc', opType: 'MatMul', input: ['input', 'W'], output: ['output'] }],
      inputs: [valueInfo('input', [1, 2])],
      outputs: [valueInfo('output', [1, 2])],
      initializers: [{ name: 'W', dims: [100000, 100000], dataType: F, floatData: [1, 2, 3, 4] }],
    });
  },
  convGroup2(): Uint8Array {
    return model({
      nodes: [{ name: 'conv_g2', opType: 'Conv', input: ['input', 'W'], output: ['output'], attribute: [attr('group', 2), attr('kernel_shape', [1, 1])] }],
      inputs: [valueInfo('input', [1, 2, 4, 4])],
      outputs: [valueInfo('output', [1, 2, 4, 4])],
      initializers: [floatTensor('W', [2, 1, 1, 1], [1, 2])],
    });
  },
};
