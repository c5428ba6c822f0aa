// The shape of a Stylus program — what nitro prices at activation and on every call (init and cached
// cost, footprint, asm estimate, compile gas) — either read from a built wasm (exact: the same
// instrumentation the devnode runs) or predicted from the quantisation plan before anything is built.
import { brotliCompress, MAX_CODE_SIZE, stylusDeployBytes } from '../build/deploy-bytes';
import { checkStylusWasm } from '../wasm/validate';
import { compileGasInputs } from '../../devnode/stylus/activate';
import { programCosts, type CompileGasInputs, type ProgramCosts } from '../../devnode/stylus/costs';
import type { Plan } from '../quant/types';
import type { Lowering } from '../codegen/lowering';
import { UserError } from '../errors';

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
// The figures below describe what rustc 1.63 at opt-level s emits for the minimal template (the ABI,
// entrypoint and runtime helpers) and per kernel; they were read off compiled programs and are
// re-checked against real builds by test/integration/gas-estimate.test.ts.

/** bytes of the minimal template's code and structure without any layer */
const BASE_WASM_BYTES = 2600;
/** functions, Σ(params+results) of their types, globals, initial pages of the minimal template */
const BASE_FUNCS = 6;
const BASE_TYPE_LEN = 8;
const BASE_GLOBALS = 1;
/** 32 KiB stack (-zstack-size=32768) + 1 MiB heap-less data start: the linker's first page layout */
const STACK_BYTES = 32768;
/** instrumented operators per byte of code (nitro's passes add a header per basic block) */
const OPS_PER_CODE_BYTE = 0.62;

const WIDTH: Record<string, number> = { i8: 1, i16: 2, i32: 4, i64: 8 };

/** Code bytes a layer's kernel compiles to (weights excluded unless the lowering writes them as code). */
export function layerCodeBytes(plan: Plan, index: number, lowering: Lowering): number {
  const qn = plan.nodes[index];
  const p = qn.params;
  const outElems = plan.tensors.get(qn.node.outputs[0])!.qlo.length;
  switch (p.op) {
    case 'matmul':
    case 'conv2d': {
      const weights = p.W.q.length;
      if (lowering.weights === 'code') {
        let nz = 0;
        for (const w of p.W.q) if (w !== 0) nz++;
        // per non-zero weight: local.get x, i32/i64.const w (LEB128), mul, add
        return 160 + Math.round(nz * 7.5);
      }
      if (lowering.dense === 'loop') return 220;
      return 160 + Math.min(lowering.chunk, weights) * 7;
    }
    case 'trees': {
      const nodes = p.trees.reduce((a, t) => a + t.nodes.length, 0);
      return lowering.trees === 'table' ? 300 : 40 + nodes * 14;
    }
    default:
      return 60 + Math.min(outElems, 8) * 12;
  }
}

/** Bytes of constant data a layer keeps in the data segment (weights, thresholds, leaves). */
export function layerDataBytes(plan: Plan, index: number, lowering: Lowering): Uint8Array {
  const p = plan.nodes[index].params;
  if ((p.op === 'matmul' || p.op === 'conv2d') && lowering.weights === 'data') {
    const w = WIDTH[p.W.format.storage];
    const out = new Uint8Array(p.W.q.length * w + (p.bias?.length ?? 0) * 8);
    const view = new DataView(out.buffer);
    p.W.q.forEach((v, i) => (w === 1 ? view.setInt8(i, v) : w === 2 ? view.setInt16(i * 2, v, true) : view.setInt32(i * 4, v, true)));
    return out;
  }
  if (p.op === 'trees') {
    const n = p.trees.reduce((a, t) => a + t.nodes.length * (lowering.trees === 'table' ? 12 : 0) + t.leaves.length * 4, 0);
    return new Uint8Array(n).map((_, i) => (i * 37) & 0xff);
  }
  return new Uint8Array(0);
}

/** A prediction of the program's shape from the plan and the lowering, before any build. */
export function predictShape(plan: Plan, lowering: Lowering, arbosVersion: number): ProgramShape {
  let code = 0;
  const dataParts: Uint8Array[] = [];
  let activations = 0;
  for (let i = 0; i < plan.nodes.length; i++) {
    code += layerCodeBytes(plan, i, lowering);
    dataParts.push(layerDataBytes(plan, i, lowering));
    const out = plan.tensors.get(plan.nodes[i].node.outputs[0])!;
    activations += out.qlo.length * WIDTH[out.format.storage];
  }
  const dataLen = dataParts.reduce((a, d) => a + d.length, 0);
  const data = new Uint8Array(dataLen);
  let at = 0;
  for (const d of dataParts) {
    data.set(d, at);
    at += d.length;
  }
  const wasmBytes = BASE_WASM_BYTES + code + dataLen;
  // code compresses to about 45%; the data as brotli would compress it
  const compressed = 4 + Math.round(0.45 * (BASE_WASM_BYTES + code)) + (dataLen ? brotliCompress(data).length : 0);
  const pages = Math.ceil((STACK_BYTES + dataLen + 2 * activations + 1024) / 65536);
  const funcs = BASE_FUNCS + plan.nodes.length;
  const typeLen = BASE_TYPE_LEN + 2 * plan.nodes.length;
  let costs: ProgramCosts;
  try {
    costs = programCosts({ funcs, typeLen, wasmLen: wasmBytes, globals: BASE_GLOBALS + 4, dataLen, footprint: pages, stylusVersion: arbosVersion >= 59 ? 3 : arbosVersion >= 31 ? 2 : 1 });
  } catch (e) {
    // nitro stores init and cached cost in 16 bits; activation refuses a program whose costs overflow them
    throw new UserError(`the predicted program (${wasmBytes.toLocaleString('en-US')} bytes of wasm, ${dataLen.toLocaleString('en-US')} of data) would not activate: ${(e as Error).message} — reduce the model or use --weights i8`);
  }
  const initCodeBytes = 43 + compressed;
  return {
    provenance: 'predicted',
    wasmBytes,
    compressedBytes: compressed,
    initCodeBytes,
    // compressed bytes are close to uniform; the prelude holds 29 zero bytes of the length word
    initCodeZeroBytes: 29 + Math.round(compressed / 256),
    costs,
    compile: {
      wasmLen: wasmBytes,
      funcs,
      dataBytes: dataLen,
      elemBytes: 0,
      initialPages: pages,
      instrumentedOps: Math.round(code * OPS_PER_CODE_BYTE + BASE_WASM_BYTES * OPS_PER_CODE_BYTE),
      arbosVersion,
    },
  };
}

export const CODE_SIZE_LIMIT = MAX_CODE_SIZE;
