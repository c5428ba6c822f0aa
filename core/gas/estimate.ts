// The analytical estimate of a model's Stylus program: per-layer ink from the plan and the code
// generator's lowering (kernels.ts), the per-call charges (call.ts), deployment and activation
// (deploy.ts), from the program's shape — read from the built wasm when there is one, predicted from
// the plan otherwise (shape.ts). Instant: nothing is compiled or run.
import { hexToBytes, type Hex } from 'viem';
import { generateModelRs, type ModelRs } from '../codegen/model-rs';
import type { Lowering } from '../codegen/lowering';
import { type Manifest } from '../manifest/schema';
import { manifestFromPlan } from '../manifest/from-plan';
import { encodeBatchCall, encodeModelCall } from '../chain/predict';
import { contractAbi } from '../codegen/abi';
import { abiBuffers } from '../codegen/abi-rs';
import type { Plan } from '../quant/types';
import { runFixed, type QValues } from '../quant/simulate';
import { prng } from '../io/prng';
import { DEFAULT_ARBOS_VERSION } from '../../nitro/arbos';
import { stylusParamsFor, type StylusParams } from '../../nitro/params';
import { abiInk, kernelKey, layerInk, layerUnits } from './kernels';
import { callCost, calldataGas, spread, spreadOf, addSpread, mapSpread, type CallCost, type Spread } from './call';
import { l1GasOfCalls } from './l1';
import { deployEstimate, proxiedPart, type DeployEstimate, type ProxiedPart } from './deploy';
import { programCode, fragmentName } from '../build/fragmented';
import { stylusInitCode } from '../build/deploy-bytes';
import { fitsClassic, MAX_FRAGMENT_PAYLOAD, rootProgramCode, DICT_NONE } from '../../nitro/program-code';
import { predictShape, layerCode, shapeOfWasm, type ProgramShape } from './shape';
import { planDataLayout } from '../layout/parts';
import { layoutHomes, type LayoutKind } from '../layout/layout';
import { accountCodeGas, BASE_INK, writePrice } from '../../nitro/pricing';
import { MAX_CODE_SIZE } from '../../nitro/limits';

export type PredictFunction = 'predict' | 'predictPacked' | 'predictBatch';

export interface LayerEstimate {
  name: string;
  fn: string;
  op: string;
  /** the kernel it compiles to (KERNEL_COSTS key) and the lowering decision */
  kernel: string;
  ink: number;
  inkSpread: Spread;
  gas: number;
  codeBytes: number;
}

export interface Estimate {
  function: PredictFunction;
  call: CallCost;
  deploy: DeployEstimate;
  layers: LayerEstimate[];
  /** ink of the ABI work (decode, range checks, encode) */
  abiInk: number;
  shape: ProgramShape;
  params: StylusParams;
  /** where each number comes from */
  provenance: Record<string, string>;
  inputsUsed: number;
  /** the calldata of each input the estimate is for (of each batch, for predictBatch) */
  calldatas: Hex[];
  /** predictBatch: the cases per call and the call's gas shared by them (layers stay per case) */
  batch: { cases: number; maxBatch: number; executionGasPerCase: Spread; totalTxGasPerCase: Spread } | null;
}

export interface EstimateOptions {
  arbosVersion?: number;
  /** a chain's own parameters (core/chain readChainParams); default: the table at `arbosVersion` */
  params?: StylusParams;
  /** where `params` came from, for the provenance */
  paramsSource?: string;
  function?: PredictFunction;
  /** predictBatch: cases per call (default the contract's maximum) */
  batch?: number;
  /** the built program, if any: its shape is exact */
  wasm?: Uint8Array | null;
  /** quantised inputs (per graph input, flat) the estimate is for; default: samples of the box */
  inputs?: number[][][];
  /** L1 price per calldata unit and the L2 base fee, wei (0 on a devnode) */
  l1PricePerUnitWei?: bigint;
  l2BaseFeeWei?: bigint;
  /** the chain's brotli level for poster costs (default 0, nitro's initial value) */
  l1BrotliLevel?: number;
  cached?: boolean;
  /** the generator's output for this plan and lowering, when the caller has it already */
  modelRs?: ModelRs;
  /** where the weights go (default `single`): `data` reads dense layers' weights from data contracts */
  layout?: LayoutKind;
}

/**
 * A fragmented program's fragments and root (layout `fragments`, past one contract): exact from the built
 * wasm, else from the predicted compressed size (a brotli stream has about one zero byte in 256).
 */
function fragmentedParts(shape: ProgramShape, wasm: Uint8Array | null): { fragments: ProxiedPart[]; root: ProxiedPart } | null {
  if (wasm) {
    const code = programCode(wasm, 'fragments');
    if (code.fragments.length === 0) return null;
    return { fragments: code.fragments.map((f) => proxiedPart(f.name, f.initCode, f.code.length)), root: proxiedPart('program', code.initCode, code.runtimeCode.length) };
  }
  const stream = shape.compressedBytes - 4;
  if (fitsClassic(stream)) return null;
  const n = Math.ceil(stream / MAX_FRAGMENT_PAYLOAD);
  const fragments = Array.from({ length: n }, (_, k) => {
    const payload = Math.min(MAX_FRAGMENT_PAYLOAD, stream - k * MAX_FRAGMENT_PAYLOAD);
    // returnCodeInit's 12-byte head (one zero byte) + EF F0 01 + the slice
    return { name: fragmentName(k), initCodeBytes: 12 + 3 + payload, initCodeZeroBytes: 1 + Math.round(payload / 256), codeBytes: 3 + payload };
  });
  const rootCode = rootProgramCode({ dictionary: DICT_NONE, decompressedLength: shape.wasmBytes, fragments: fragments.map(() => new Uint8Array(20).fill(0x5a)) });
  return { fragments, root: proxiedPart('program', stylusInitCode(rootCode), rootCode.length) };
}

/** A small deterministic sample of the input box: its two corners and uniform draws inside it. */
export function boxSamples(plan: Plan, n = 24, seed = 7): number[][][] {
  const rnd = prng(seed);
  const ts = plan.graph.inputs.map((i) => plan.tensors.get(i.id)!);
  const out: number[][][] = [ts.map((t) => Array.from(t.qlo)), ts.map((t) => Array.from(t.qhi))];
  for (let k = 0; k < n; k++) out.push(ts.map((t) => Array.from(t.qlo, (lo, i) => lo + Math.floor(rnd() * (t.qhi[i] - lo + 1)))));
  return out;
}

function pseudoManifest(plan: Plan): Manifest {
  return { ...manifestFromPlan(plan) } as unknown as Manifest;
}

export function estimateProgram(plan: Plan, lowering: Lowering, opts: EstimateOptions = {}): Estimate {
  const params = opts.params ?? stylusParamsFor(opts.arbosVersion ?? DEFAULT_ARBOS_VERSION, false);
  const arbos = params.arbosVersion;
  const fn = opts.function ?? 'predict';
  const rs = opts.modelRs ?? generateModelRs(plan, lowering, { tool: 'stylus-ml', source: 'estimate', sha256: '' }, layoutHomes(plan, opts.layout ?? 'single').homes);
  const fns = plan.nodes.map((_, i) => rs.layers[i]?.fn ?? `layer_${i}`);
  const buffers = abiBuffers(contractAbi(plan));
  const shape = opts.wasm ? shapeOfWasm(opts.wasm, arbos) : predictShape(plan, rs.decisions, fns, arbos, buffers.maxCalldata + buffers.maxReturn + rs.workspaceBytes);
  const samples = opts.inputs && opts.inputs.length > 0 ? opts.inputs : boxSamples(plan);

  // tree layers count the nodes the samples visit, so only a plan with trees is run on them
  const hasTrees = plan.nodes.some((qn) => qn.node.op.op === 'trees');
  const values: QValues[] = hasTrees ? samples.map((q) => runFixed(plan, new Map(plan.graph.inputs.map((inp, i) => [inp.id, Float64Array.from(q[i])])))) : [];
  const layers: LayerEstimate[] = plan.nodes.map((qn, index) => {
    const fnName = fns[index];
    const key = kernelKey(qn, rs.decisions[fnName]);
    const treeInputs = qn.node.op.op === 'trees' ? values.map((v) => v.get(qn.node.inputs[0])!) : [];
    const home = rs.homes.get(index) ?? (/row pairs/.test(rs.decisions[fnName] ?? '') ? ({ kind: 'program' } as const) : undefined);
    const ink = layerInk(key, layerUnits(plan, index, treeInputs, home));
    return { name: qn.node.origin.name, fn: fnName, op: qn.node.op.op, kernel: key, ink: ink.typical, inkSpread: ink, gas: ink.typical / params.inkPrice, codeBytes: layerCode(plan, index, rs.decisions[fnName]).bytes };
  });

  const m = pseudoManifest(plan);
  const abi = contractAbi(plan);
  const inputElems = m.inputs.reduce((a, i) => a + i.shape.reduce((x, y) => x * y, 1), 0);
  const outputElems = m.outputs.reduce((a, o) => a + o.shape.reduce((x, y) => x * y, 1), 0);
  const batch = fn === 'predictBatch' ? (opts.batch ?? abi.maxBatch) : 1;
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`internal: a batch of ${batch} cases`);
  // a batch: a few calls of `batch` cases, each starting at another sample and cycling through them
  const batches = Math.min(4, samples.length);
  const calldataHex = fn === 'predictBatch' ? Array.from({ length: batches }, (_, r) => encodeBatchCall(m, Array.from({ length: batch }, (_, k) => samples[(r + k) % samples.length]))) : samples.map((q) => encodeModelCall(m, fn, q) as Hex);
  const calldatas = calldataHex.map((h) => hexToBytes(h));
  const cdGas = calldatas.map(calldataGas);
  const calldata = spreadOf(cdGas);
  const calldataBytes = calldatas[0].length;
  const resultBytes = fn === 'predict' ? 64 + 32 * outputElems : 64 + 32 * Math.ceil((batch * abi.packedOutputBytes) / 32);
  const abiWork = abiInk(fn, inputElems, outputElems, batch);
  const layerSum = mapSpread(layers.reduce<Spread>((a, l) => addSpread(a, l.inkSpread), spread(0)), (x) => x * batch);
  const codeInk = addSpread(layerSum, spread(abiWork));
  // data contracts: account_code per part (its hostio ink, the code's bytes into the arena, the cold access)
  const parts = opts.layout === 'data' && rs.homes.size > 0 ? planDataLayout(plan).parts : [];
  // A batch reads them in order once per case. Nitro's requestor keeps the last code it fetched (req.rs
  // account_code): a read of that same address costs no gas, so one part is paid once per call; with several,
  // each read follows another address and pays its access, cold the first time in the transaction (EIP-2929).
  const touches = parts.length === 1 ? accountCodeGas(MAX_CODE_SIZE, true) : BigInt(parts.length) * (accountCodeGas(MAX_CODE_SIZE, true) + BigInt(batch - 1) * accountCodeGas(MAX_CODE_SIZE, false));
  const partsInk = parts.reduce((a, p) => a + batch * Number(BASE_INK.account_code + writePrice(p.code.length)), 0) + Number(touches * BigInt(params.inkPrice));
  const l2 = callCost({ shape, params, calldata, calldataBytes, resultBytes, codeInk, cached: opts.cached, partsInk });
  // the signed transaction's gas field: what a wallet would send (the L2 estimate with a margin)
  const gasLimit = BigInt(Math.ceil(l2.totalTxGas.max * 1.2));
  const l1 = l1GasOfCalls(calldatas, { pricePerUnitWei: opts.l1PricePerUnitWei ?? 0n, l2BaseFeeWei: opts.l2BaseFeeWei ?? 100_000_000n, brotliLevel: opts.l1BrotliLevel }, gasLimit);
  const call = l1.max === 0 ? l2 : callCost({ shape, params, calldata, calldataBytes, resultBytes, codeInk, cached: opts.cached, partsInk, l1Gas: l1 });
  const fragmented = opts.layout === 'fragments' ? fragmentedParts(shape, opts.wasm ?? null) : null;
  const deploy = fragmented
    ? deployEstimate(shape, params, undefined, fragmented.fragments, fragmented.root)
    : deployEstimate(shape, params, undefined, parts.map((p) => proxiedPart(`part-${String(p.index).padStart(3, '0')}`, p.initCode, p.code.length)));
  const perCase = (s: Spread) => mapSpread(s, (x) => Math.round(x / batch));
  return {
    function: fn,
    batch: fn === 'predictBatch' ? { cases: batch, maxBatch: abi.maxBatch, executionGasPerCase: perCase(call.executionGas), totalTxGasPerCase: perCase(call.totalTxGas) } : null,
    call,
    deploy,
    layers,
    abiInk: abiWork,
    shape,
    params,
    inputsUsed: samples.length,
    calldatas: calldataHex,
    provenance: {
      layers: 'analytical: work per layer × ink per unit of its kernel (core/gas/kernels.ts), nitro ink prices',
      init: shape.provenance === 'built' ? 'nitro init/cached cost formula on the built wasm' : 'nitro init/cached cost formula on the predicted program shape',
      memory: 'nitro memory model for the program footprint',
      hostio: `nitro hostio prices for read_args, write_result, msg_value, pay_for_memory_grow${parts.length ? `, and account_code for ${parts.length} data contracts (cold access 2,600 + code charge 700 each)` : ''}`,
      calldata: `EIP-2028 on ${fn === 'predictBatch' ? `${batches} batches of ${batch} cases drawn from ` : ''}${opts.inputs ? `the ${samples.length} given inputs` : `${samples.length} inputs of the box (its corners and random draws)`}`,
      deploy: `EVM CREATE costs and ArbWasm.activateProgram on the ${shape.provenance === 'built' ? 'built' : 'predicted'} program; data fee from a fresh chain's data pricer`,
      l1: opts.l1PricePerUnitWei
        ? `poster fee: the signed call brotli-compressed at level ${opts.l1BrotliLevel ?? 0}, 16 units a byte, at the given L1 price per unit, bought at the L2 base fee (nitro l1pricing)`
        : '0: no L1 component on a devnode (pass --l1-price)',
      params: opts.paramsSource ?? `nitro v3.10.0's parameters of a chain created at ArbOS ${arbos} (nitro/params.ts)`,
    },
  };
}
