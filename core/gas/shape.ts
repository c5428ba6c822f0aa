// The shape of a Stylus program — what nitro prices at activation and on every call (init and cached
// cost, footprint, asm estimate, compile gas) — either read from a built wasm (exact: the same
// instrumentation the devnode runs) or predicted from the quantisation plan before anything is built.
import { brotliCompress, stylusDeployBytes } from '../build/deploy-bytes';
import { compileGasInputs } from '../../nitro/activate';
import { stylusVersionFor } from '../../nitro/arbos';
import { programCosts, type CompileGasInputs, type ProgramCosts } from '../../nitro/costs';
import { checkStylusWasm } from '../../nitro/validate';
import type { Plan, QTreeRef } from '../quant/types';
import { UserError } from '../errors';
import { EXP2_TABLE, SIGMOID_TABLE } from '../quant/approx';
import { ByteWriter } from '../wasm/bytes';
import { IMMEDIATES_PER_FUNCTION, lanePair } from '../codegen/dense';
import { labelRule } from '../codegen/abi';
import { denseImage } from '../layout/images';
import { planFragmentLayout, type CodeLayout } from '../layout/fragments';
import { biasStorage } from '../codegen/dense-pairs';

export interface ProgramShape {
  /** 'built': measured from the compiled wasm; 'predicted': from the plan, before any build */
  provenance: 'built' | 'predicted';
  wasmBytes: number;
  /** on-chain runtime code: EF F0 00 00 + brotli stream */
  compressedBytes: number;
  /** the CREATE transaction's init code: zero and non-zero bytes (EIP-2028 prices them apart) */
  initCodeBytes: number;
  initCodeZeroBytes: number;
  costs: ProgramCosts;
  compile: CompileGasInputs;
}

/** The exact shape of a built program at `arbosVersion`. */
export function shapeOfWasm(wasm: Uint8Array, arbosVersion: number): ProgramShape {
  const check = checkStylusWasm(wasm, { arbosVersion, debug: false });
  const data = check.instrumented?.data;
  if (!check.module || !check.instrumented || !data) {
    throw new UserError(`the program does not activate: ${check.violations[0]?.detail ?? 'invalid wasm'}`);
  }
  const deploy = stylusDeployBytes(wasm);
  let zeros = 0;
  for (const b of deploy.initCode) if (b === 0) zeros++;
  return {
    provenance: 'built',
    wasmBytes: wasm.length,
    compressedBytes: deploy.runtimeCode.length,
    initCodeBytes: deploy.initCode.length,
    initCodeZeroBytes: zeros,
    costs: data.costs,
    compile: compileGasInputs(wasm.length, check.module, check.instrumented.module, arbosVersion),
  };
}

// ---- prediction before a build ----
// What rustc emits for the minimal template and for each kernel, measured by bench/fit-size.ts on 111
// built programs (the bench set, synthetic MLPs/CNNs/forests and the skl2onnx corpus, three lowerings
// each): the module is the template's 4,390 bytes (entrypoint, ABI, the vendored runtime) plus each layer
// function's body (with the functions nested in it) plus the data segments; layer bodies and the data are
// predicted below, so most of the error is in the tree kernels' code.

/** bytes of the minimal template (entrypoint, ABI, runtime helpers, module structure) without any layer */
const BASE_WASM_BYTES = 4390;
/** the template's own constant data (formats, error selectors) */
const BASE_DATA_BYTES = 128;
const BASE_FUNCS = 3;
const BASE_TYPE_LEN = 8;
const BASE_GLOBALS = 1;
const BASE_OPS = 2200;
/**
 * The template's code (entrypoint, ABI) compressed by brotli 11, with the layer functions priced apart:
 * fitted on 64 built programs (bench set, synthetic MLPs/CNNs/forests, the skl2onnx corpus).
 */
const BASE_COMPRESSED = 1600;
/** without `predictLabel` (regressors): its dispatch, argmax and uint256 encoding are not in the template */
const NO_LABEL = { bytes: 480, z: 100 } as const;
/** compressed bytes of an unrolled dense function beyond its operator stream (row loop, bias, rescale) */
const UNROLLED_OVERHEAD_Z = 110;

const WIDTH: Record<string, number> = { i8: 1, i16: 2, i32: 4, i64: 8 };

export interface LayerCodeModel {
  /** bytes of the layer function's body */
  bytes: number;
  /** instrumented operators per byte of its body */
  opsPerByte: number;
  /** compressed bytes per byte of its body, for code whose constants are not in `stream` */
  compressRatio: number;
  /**
   * Code that carries the model's constants (weights as immediates): an
   * operator stream with the real immediates, which brotli compresses as it will the real code.
   */
  stream?: Uint8Array;
  /** compressed bytes, when known better than bytes × compressRatio (unrolled rows: from their stream) */
  z?: number;
}

/**
 * What rustc makes of unrolled rows with weights in data, per chunk of inputs: each input loaded into a
 * local, then per term the weight's address, its load, the input local, multiply, add. Brotli sees the
 * same regular offsets it sees in the real code, so long rows compress as they really do.
 */
function unrolledStream(K: number, chunk: number, width: number): Uint8Array {
  const w = new ByteWriter();
  for (let c0 = 0; c0 < K; c0 += chunk) {
    const n = Math.min(chunk, K - c0);
    // local.get 0; i64.load16_s align=1 offset; local.set
    for (let k = 0; k < n; k++) w.u8(0x20).u8(0x00).u8(0x32).u8(0x01).u32((c0 + k) * width).u8(0x21).u32(2 + k);
    // local.get 0; i32.const addr; i32.add; i64.load16_s; local.get x; i64.mul; i64.add
    for (let k = 0; k < n; k++) w.u8(0x20).u8(0x00).u8(0x41).s32(32768 + (c0 + k) * width).u8(0x6a).u8(0x32).u8(0x01).u8(0x00).u8(0x20).u32(2 + n - k).u8(0x7e).u8(0x7c);
  }
  return w.finish();
}

/** local.get x; i64.const w; i64.mul; i64.add per non-zero weight (the immediates lowering). */
function immediatesStream(q: Int32Array, K: number): Uint8Array {
  const w = new ByteWriter();
  q.forEach((v, i) => {
    if (v !== 0) w.u8(0x20).u8((i % K) & 0x7f).u8(0x42).s64(BigInt(v)).u8(0x7e).u8(0x7c);
  });
  return w.finish();
}

/**
 * The lane-paired convolution's straight-line code per position: each tap's load into a local, then per
 * pair of channels `local.get t; i64.const (w_a + w_b·2^32); i64.mul; i64.add` for its non-zero pairs.
 */
function pairsStream(q: Int32Array, OC: number, window: number): Uint8Array {
  const w = new ByteWriter();
  const at = (oc: number, t: number) => (oc < OC ? q[oc * window + t] : 0);
  for (let t = 0; t < window; t++) w.u8(0x20).u8(0x00).u8(0x2e).u8(0x01).u32(2 * t).u8(0xac).u8(0x21).u32(2 + (t % 32));
  for (let pr = 0; pr < Math.ceil(OC / 2); pr++)
    for (let t = 0; t < window; t++) {
      const k = lanePair(at(2 * pr, t), at(2 * pr + 1, t));
      if (k !== 0n) w.u8(0x20).u32(2 + (t % 32)).u8(0x42).s64(k).u8(0x7e).u8(0x7c);
    }
  return w.finish();
}

/** A word of weights written by code (layout fragments, parts.rs): its code bytes, raw and compressed. */
const CODE_WORD = { bytes: 19.5, z: 8.3 } as const;

const fragmentLayouts = new WeakMap<Plan, CodeLayout>();
function fragmentLayer(plan: Plan, index: number) {
  let l = fragmentLayouts.get(plan);
  if (!l) fragmentLayouts.set(plan, (l = planFragmentLayout(plan)));
  return l.layers.find((x) => x.layer === index) ?? null;
}
/** Words of layer `index`'s image that code writes (layout fragments). */
function codeWords(plan: Plan, index: number): number {
  const l = fragmentLayer(plan, index);
  return l ? ((l.image.units - l.staticUnits) * l.image.unitBytes) / 8 : 0;
}
/** Bytes of layer `index`'s image kept static (layout fragments). */
function staticBytes(plan: Plan, index: number, all: number): number {
  const l = fragmentLayer(plan, index);
  return l ? l.staticUnits * l.image.unitBytes : all;
}

/** Real code bytes per byte of the synthetic streams (rustc's register shuffling and block structure). */
const STREAM_BYTES = { immediates: 1.25 } as const;

/** The code a layer compiles to, for the kernel `decision` the generator chose (ModelRs.decisions). */
export function layerCode(plan: Plan, index: number, decision: string | undefined): LayerCodeModel {
  const qn = plan.nodes[index];
  const p = qn.params;
  const op = qn.node.op;
  const d = decision ?? '';
  const code = (bytes: number, opsPerByte = 0.6, compressRatio = 0.4): LayerCodeModel => ({ bytes: Math.round(bytes), opsPerByte, compressRatio });
  // kernels whose code does not grow with the model: body bytes and compressed bytes as measured
  const fixed = (bytes: number, z: number): LayerCodeModel => ({ bytes, opsPerByte: 0.6, compressRatio: bytes > 0 ? z / bytes : 0 });
  if ((p.op === 'matmul' && op.op === 'matmul') || (p.op === 'conv2d' && op.op === 'conv2d')) {
    if (op.op === 'matmul' && /row pairs|data contracts/.test(d)) {
      // the image kernels (dense-pairs.ts): per input its widening into a local and its share of the
      // lane terms, ~34 bytes raw, very regular (brotli: ~1.6 bytes per input)
      const kernel = { bytes: 600 + 34 * op.K, z: 500 + 1.6 * op.K };
      // layout fragments: the words past the data budget are stores of constants (parts.rs), measured on
      // 784-128-64-10: 19.5 bytes of code and 8.3 compressed per word (local.get, i64.const, i64.store)
      const words = /code parts/.test(d) ? codeWords(plan, index) : 0;
      const bytes = kernel.bytes + CODE_WORD.bytes * words;
      return { bytes: Math.round(bytes), opsPerByte: (0.3 * kernel.bytes + 3 * words) / bytes, compressRatio: 0, z: Math.round(kernel.z + CODE_WORD.z * words) };
    }
    if (op.op === 'conv2d' && /pairs/.test(d)) {
      const stream = pairsStream(p.W.q, op.outChannels, op.inChannels * op.kernel[0] * op.kernel[1]);
      return { bytes: Math.round(700 + STREAM_BYTES.immediates * stream.length), opsPerByte: 0.45, compressRatio: 0, stream };
    }
    if (op.op === 'matmul' && /output pairs/.test(d)) {
      const stream = pairsStream(p.W.q, op.N, op.K);
      return { bytes: Math.round(640 + STREAM_BYTES.immediates * stream.length), opsPerByte: 0.45, compressRatio: 0, stream };
    }
    if (/code/.test(d)) {
      const K = op.op === 'matmul' ? op.K : op.inChannels * op.kernel[0] * op.kernel[1];
      const stream = immediatesStream(p.W.q, K);
      // dense: each function of outputs (dense.ts IMMEDIATES_PER_FUNCTION) loads its inputs again; with
      // few outputs per function and long rows rustc keeps fewer of them in locals and reloads per term
      const loads = op.op === 'matmul' ? K * Math.ceil(op.N / Math.max(1, Math.floor(IMMEDIATES_PER_FUNCTION / Math.max(1, K)))) * Math.min(6, Math.max(1.5, K / 36)) : 0;
      return { bytes: Math.round((op.op === 'matmul' ? 150 : 450) + STREAM_BYTES.immediates * stream.length + loads), opsPerByte: 0.55, compressRatio: 0, stream };
    }
    if (op.op === 'conv2d') return fixed(600, 350);
    if (/rolled loop/.test(d)) return code(305);
    // unrolled rows: ~27 bytes per term of a row (load, multiply, add), the row loop around them
    const chunk = Number(/chunks of (\d+)/.exec(d)?.[1] ?? op.K);
    const width = WIDTH[p.W.format.storage];
    // compressed only when asked (predictShape): callers after the body bytes alone skip brotli
    let z: number | undefined;
    return {
      bytes: Math.round(100 + 27.45 * op.K),
      opsPerByte: 0.3,
      compressRatio: 0,
      get z() {
        return (z ??= UNROLLED_OVERHEAD_Z + brotliCompress(unrolledStream(op.K, Math.max(1, chunk), width)).length);
      },
    };
  }
  if (p.op === 'trees') {
    if (/table/.test(d)) return fixed(560, 450);
    // Nested branches: ~30 body bytes per decision node. Compressed, rustc's shared paths make the size
    // follow the distinct leaf values the trees write (distinct leaves × targets), not their node count:
    // fitted on 22 forests (synthetic, skl2onnx and the bench set's) by bench/fit-size.ts, rms 6% and at
    // most 12% of the program size — the weakest part of the prediction.
    let leafValues = 0;
    for (const t of p.trees) leafValues += new Set(t.leaves.map((l) => l.map((w) => `${w.target}:${w.q}`).join(','))).size * p.base.length;
    const nodes = p.trees.reduce((a, t) => a + t.nodes.length, 0);
    return { bytes: 400 + 30 * nodes, opsPerByte: 1.5, compressRatio: 0, z: 190 + 4.7 * leafValues };
  }
  switch (op.op) {
    case 'relu':
      return fixed(55, 55);
    case 'softmax':
      return fixed(530, 375);
    case 'maxpool2d':
    case 'avgpool2d':
      return fixed(195, 115);
    case 'normalize':
      return fixed(300, 220);
    case 'sigmoid':
    case 'tanh':
      return fixed(250, 200);
    case 'affine':
      return fixed(146, 145);
    case 'argmax':
      return fixed(85, 75);
    case 'threshold':
      return fixed(17, 20);
    case 'binaryScores':
      return fixed(75, 80);
    case 'reshape':
      return code(0);
    default:
      return code(90);
  }
}

/** Bytes of constant data a layer keeps in the data segments (weights and biases, tree tables). */
export function layerDataBytes(plan: Plan, index: number, decision: string | undefined): Uint8Array {
  const p = plan.nodes[index].params;
  const d = decision ?? '';
  if (p.op === 'matmul' && /row pairs|data contracts/.test(d)) {
    // the image in the program (row pairs) or in data contracts; the bias as i64 in the program either way
    const full = /data contracts/.test(d) ? new Uint8Array(0) : denseImage(plan, plan.nodes[index]).bytes;
    // layout fragments: only the pairs within the data budget are a static array
    const image = /code parts/.test(d) ? full.subarray(0, staticBytes(plan, index, full.length)) : full;
    const wide = biasStorage(p.bias) === 'i64';
    const out = new Uint8Array(image.length + (wide ? 8 : 4) * (p.bias?.length ?? 0));
    out.set(image, 0);
    const view = new DataView(out.buffer);
    p.bias?.forEach((v, i) => (wide ? view.setBigInt64(image.length + 8 * i, BigInt(Math.round(v)), true) : view.setInt32(image.length + 4 * i, Math.round(v), true)));
    return out;
  }
  if ((p.op === 'matmul' || p.op === 'conv2d') && !/code/.test(d)) {
    const w = WIDTH[p.W.format.storage];
    const out = new Uint8Array(p.W.q.length * w + (p.bias?.length ?? 0) * WIDTH[p.acc]);
    const view = new DataView(out.buffer);
    p.W.q.forEach((v, i) => (w === 1 ? view.setInt8(i, v) : w === 2 ? view.setInt16(i * 2, v, true) : view.setInt32(i * 4, v, true)));
    // the biases follow at the accumulator's width, with their real values (they compress as such)
    const at = p.W.q.length * w;
    p.bias?.forEach((v, i) => (p.acc === 'i64' ? view.setBigInt64(at + i * 8, BigInt(Math.round(v)), true) : view.setInt32(at + i * 4, Math.round(v), true)));
    return out;
  }
  if (p.op === 'trees' && /table/.test(d)) {
    // feature u16, threshold/yes/no i32 per node; roots i32 per tree; leaf starts u32; per leaf weight its
    // target u16 and value at the accumulator's width (i64 for MIN/MAX), zero weights left out for sums
    const op = plan.nodes[index].node.op;
    const minmax = op.op === 'trees' && (op.aggregate === 'MIN' || op.aggregate === 'MAX');
    const valueBytes = minmax ? 8 : WIDTH[p.acc];
    const kept = p.trees.flatMap((t) => t.leaves.flatMap((l) => l.filter((w) => minmax || w.q !== 0)));
    const nodes = p.trees.reduce((a, t) => a + t.nodes.length, 0);
    const leaves = p.trees.reduce((a, t) => a + t.leaves.length, 0);
    const n = 14 * nodes + 4 * p.trees.length + 4 * (leaves + 1) + kept.length * (2 + valueBytes);
    // the real tables (trees.rs: one array per field, in this order), so they compress as the real ones
    const out = new Uint8Array(n);
    const view = new DataView(out.buffer);
    let at = 0;
    const put = (bytes: number, v: number) => {
      if (bytes === 2) view.setUint16(at, v & 0xffff, true);
      else if (bytes === 8) view.setBigInt64(at, BigInt(v), true);
      else view.setInt32(at, v, true);
      at += bytes;
    };
    const refs: { yes: number; no: number }[] = [];
    const roots: number[] = [];
    const starts: number[] = [0];
    let leafBase = 0;
    let nodeBase = 0;
    for (const t of p.trees) {
      const ref = (r: QTreeRef) => ('leaf' in r ? -1 - (leafBase + r.leaf) : nodeBase + r.node);
      for (const node of t.nodes) refs.push({ yes: ref(node.yes), no: ref(node.no) });
      roots.push(ref(t.root));
      for (const l of t.leaves) starts.push(starts[starts.length - 1] + l.filter((w) => minmax || w.q !== 0).length);
      nodeBase += t.nodes.length;
      leafBase += t.leaves.length;
    }
    const all = p.trees.flatMap((t) => t.nodes);
    for (const node of all) put(2, node.feature);
    for (const node of all) put(4, node.le ?? 0);
    for (const r of refs) put(4, r.yes);
    for (const r of refs) put(4, r.no);
    for (const r of roots) put(4, r);
    for (const v of starts) put(4, v);
    for (const w of kept) put(2, w.target);
    for (const w of kept) put(valueBytes, w.q);
    return out;
  }
  return new Uint8Array(0);
}

/** The crate's lookup tables (tables.rs) a plan links in: sigmoid for sigmoid/tanh/logistic scores, exp for softmax. */
function runtimeTables(plan: Plan): Uint8Array[] {
  const i32s = (t: readonly number[]) => {
    const out = new Uint8Array(4 * t.length);
    const view = new DataView(out.buffer);
    t.forEach((v, i) => view.setInt32(4 * i, v, true));
    return out;
  };
  const ops = plan.nodes.map((n) => n.node.op);
  const sigmoid = ops.some((o) => o.op === 'sigmoid' || o.op === 'tanh' || (o.op === 'binaryScores' && o.mode === 'logistic'));
  const exp = ops.some((o) => o.op === 'softmax');
  return [...(sigmoid ? [i32s(SIGMOID_TABLE)] : []), ...(exp ? [i32s(EXP2_TABLE)] : [])];
}

/** Initial memory pages of a program with `dataLen` bytes of data and `staticBytes` of zeroed statics. */
export function memoryPages(dataLen: number, staticBytes: number): number {
  return Math.max(1, Math.ceil((STACK_BYTES + dataLen + staticBytes + 16) / 65536));
}

/** compressed bytes of the real code per compressed byte of its synthetic stream */
const STREAM_COMPRESSED = 1.1;
/** compressed bytes a program with weights in code has beyond its streams (fitted: ~350 on 15 programs) */
const STREAM_Z_BASE = 350;

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The shadow stack the Stylus rustflags give a program (-zstack-size=32768); the linker puts it first. */
export const STACK_BYTES = 32768;

/**
 * A prediction of the program's shape from the plan and the generator's decisions, before any build.
 * `staticBytes` is the zero-initialised static memory (calldata and return buffers, the workspace with the
 * arena): no data segment, but part of the initial pages nitro prices on every call.
 */
export function predictShape(plan: Plan, decisions: Record<string, string>, fns: string[], arbosVersion: number, staticBytes = 0): ProgramShape {
  const labelled = labelRule(plan) !== null;
  let code = labelled ? 0 : -NO_LABEL.bytes;
  let ops = BASE_OPS;
  let codeZ = BASE_COMPRESSED - (labelled ? 0 : NO_LABEL.z);
  let funcs = BASE_FUNCS;
  const dataParts: Uint8Array[] = [];
  const streams: Uint8Array[] = [];
  for (let i = 0; i < plan.nodes.length; i++) {
    const c = layerCode(plan, i, decisions[fns[i]]);
    code += c.bytes;
    ops += c.bytes * c.opsPerByte;
    codeZ += c.z ?? c.bytes * c.compressRatio;
    if (c.stream) streams.push(c.stream);
    if (c.bytes > 0) funcs++;
    dataParts.push(layerDataBytes(plan, i, decisions[fns[i]]));
  }
  if (streams.length > 0) codeZ += STREAM_Z_BASE + STREAM_COMPRESSED * brotliCompress(concat(streams)).length;
  const data = concat([new Uint8Array(BASE_DATA_BYTES), ...dataParts, ...runtimeTables(plan)]);
  const dataLen = data.length;
  const wasmBytes = BASE_WASM_BYTES + code + dataLen;
  const compressed = 4 + Math.round(codeZ) + brotliCompress(data).length;
  // the stack (32 KiB), the data and the zeroed statics live in the first pages, in that order
  const pages = memoryPages(dataLen, staticBytes);
  const typeLen = BASE_TYPE_LEN + 2 * (funcs - BASE_FUNCS);
  let costs: ProgramCosts;
  try {
    costs = programCosts({ funcs, typeLen, wasmLen: wasmBytes, globals: BASE_GLOBALS + 4, dataLen, footprint: pages, stylusVersion: stylusVersionFor(arbosVersion) });
  } catch (e) {
    // nitro stores init and cached cost in 16 bits; activation refuses a program whose costs overflow them
    throw new UserError(`the predicted program (${wasmBytes.toLocaleString('en-US')} bytes of wasm, ${dataLen.toLocaleString('en-US')} of data) would not activate: ${(e as Error).message} — reduce the model, use --weights i8, or --optimize gas for trees`);
  }
  return {
    provenance: 'predicted',
    wasmBytes,
    compressedBytes: compressed,
    initCodeBytes: 43 + compressed,
    // compressed bytes are close to uniform; the prelude holds 29 zero bytes of the length word
    initCodeZeroBytes: 29 + Math.round(compressed / 256),
    costs,
    compile: { wasmLen: wasmBytes, funcs, dataBytes: dataLen, elemBytes: 0, initialPages: pages, instrumentedOps: Math.round(ops), arbosVersion },
  };
}

