// stylus-ml estimate DIR|MODEL.onnx: what a predict call, the deployment and the activation will cost,
// per layer, before anything is built (analytical, core/gas), and — for a crate whose build is up to
// date — what the built program measures in the devnode's metered runtime, side by side.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import { MANIFEST_FILE, type Manifest } from '../manifest/schema';
import { readManifest } from '../manifest/file';
import { prepareModel } from '../pipeline';
import { loweringFor, recordedLowering, type Lowering, type Optimize } from '../codegen/lowering';
import { estimateProgram, type Estimate, type EstimateOptions, type PredictFunction } from '../gas/estimate';
import { measureProgram, type Measured } from '../gas/measure';
import { dataParts } from './deploy';
import type { LayoutKind } from '../layout/layout';
import { pickLowering, type RankedLowering } from '../gas/rank';
import { MAX_CODE_SIZE } from '../../nitro/limits';
import { contractAbi } from '../codegen/abi';
import { DEFAULT_ARBOS_VERSION, SUPPORTED_ARBOS_VERSIONS } from '../../nitro/arbos';
import type { StylusParams } from '../../nitro/params';
import { readChainParams } from '../chain/chain-params';
import { stripCustomSections } from '../build/wasm-sections';
import { formatText, quantizeInputs } from '../quant/simulate';
import { manifestFromPlan } from '../manifest/from-plan';
import type { BoxSource } from '../pipeline';
import { readInputFile } from '../io/inputs';
import type { Plan } from '../quant/types';
import { planFromManifest } from './crate-model';
import { currentBuild } from './crate-program';
import { quantFlags, quantOptions } from './simulate';
import type { Command } from './command';
import { EstimateJsonSchema } from '../contracts/cli';
import { num, table } from './format';
import type { Spread } from '../gas/call';

const parseWei = (v: unknown, flag: string): bigint | undefined => {
  if (v === undefined) return undefined;
  const s = String(v);
  if (!/^\d+$/.test(s)) throw new UserError(`--${flag} must be a whole number of wei, got '${s}'`);
  return BigInt(s);
};

const brotliLevel = (v: unknown): number | undefined => {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 11) throw new UserError(`--l1-brotli-level must be a whole number 0–11, got '${String(v)}'`);
  return v;
};

interface Target {
  plan: Plan;
  lowering: Lowering;
  wasm: Uint8Array | null;
  names: string | null;
  what: string;
  ranked: RankedLowering[] | null;
  layout?: LayoutKind;
  /** other contracts' code the program reads (its data contracts), for the measurement */
  codes?: Map<string, Uint8Array>;
  /** the input box the estimate is for */
  box: { source: BoxSource | 'crate'; spec: string | null; note: string };
}

function crateTarget(dir: string, flags: Record<string, unknown>, optimize: Optimize | undefined, opts: Omit<EstimateOptions, 'wasm'>): Target {
  const m: Manifest = readManifest(dir);
  const q = quantOptions(flags);
  const overrides = { weights: q.weights, activations: q.activations, accumulator: q.accumulator };
  const whatIf = (q.weights !== undefined && q.weights !== m.options.weights) || (q.activations !== undefined && q.activations !== m.options.activations) || (q.accumulator !== undefined && q.accumulator !== m.options.accumulator) || (optimize !== undefined && optimize !== m.options.optimize);
  if (q.inputRange || q.calibration || q.force) throw new UserError('estimate DIR: the input box and forced formats are the crate\'s (stylus-ml.json); regenerate it with `stylus-ml new` to change them');
  const plan = planFromManifest(dir, m, overrides);
  if (whatIf) {
    // a what-if: the crate regenerated with these options, estimated before any build
    const r = pickLowering(plan, optimize ?? 'gas', opts, () => planFromManifest(dir, m, { ...overrides, accumulator: 'i64' }));
    const lowering = optimize ? r.pick.lowering : recordedLowering(m);
    const changes = [q.weights && `--weights ${q.weights}`, q.activations && `--activations ${q.activations}`, q.accumulator && `--accumulator ${q.accumulator}`, optimize && `--optimize ${optimize} (${r.pick.label})`].filter(Boolean).join(' ');
    return { plan: optimize ? r.plan : plan, lowering, wasm: null, names: null, what: `crate ${dir} regenerated with ${changes} (what-if: program shape predicted)`, ranked: r.ranked, box: crateBox(m) };
  }
  const lowering = recordedLowering(m);
  const built = currentBuild(dir);
  const wasm = built ? stripCustomSections(fs.readFileSync(built)) : null;
  const names = built ? built.replace(/\.wasm$/, '.names.json') : null;
  const layout = m.layout?.kind ?? 'single';
  const codes = new Map(dataParts(dir, m).map((p) => [p.address, p.initCode.subarray(12)]));
  return { plan, lowering, wasm, names, what: built ? `crate ${dir} (built: ${path.relative(dir, built)})` : `crate ${dir} (not built: program shape predicted)`, ranked: null, layout, codes, box: crateBox(m) };
}

/** A layer's measured ink per case (a batch's measurement divided by its cases). */
function measuredLayerInk(e: Estimate, measured: Measured | null, fn: string): number | null {
  const ink = measured?.layers?.find((x) => x.fn === fn)?.ink;
  return ink === undefined ? null : Math.round(ink / (e.batch?.cases ?? 1));
}

const crateBox = (m: Manifest): Target['box'] => ({ source: 'crate', spec: null, note: m.box.note });

const fmtSpread = (s: Spread) => (s.min === s.max ? num(s.typical) : `${num(s.typical)} (${num(s.min)}–${num(s.max)})`);

function jsonOf(e: Estimate, measured: Measured | null, ranked: RankedLowering[] | null, what: string, t: Pick<Target, 'plan' | 'box'>) {
  // each layer's output format and proven interval, as stylus-ml.json would record them
  const planned = manifestFromPlan(t.plan).layers;
  return {
    target: what,
    function: e.function,
    ...(e.batch ? { batch: e.batch } : {}),
    call: { executionGas: e.call.executionGas, totalTxGas: e.call.totalTxGas, breakdown: e.call.breakdown },
    deploy: {
      deployGas: e.deploy.deployGas,
      activationGas: e.deploy.activationGas,
      dataFeeWei: e.deploy.dataFeeWei.toString(),
      compressedBytes: e.deploy.compressedBytes,
      limitBytes: MAX_CODE_SIZE,
      wasmBytes: e.shape.wasmBytes,
      parts: e.deploy.parts,
      ...(e.deploy.partsGas ? { dataContracts: e.deploy.partsGas } : {}),
    },
    layers: e.layers.map((l, i) => ({
      name: l.name,
      fn: l.fn,
      op: l.op,
      kernel: l.kernel,
      ink: l.ink,
      inkSpread: l.inkSpread,
      gas: Math.round(l.gas * 100) / 100,
      codeBytes: l.codeBytes,
      // a batch runs each layer once per case: the measured ink is per case, as the estimate's
      measuredInk: measuredLayerInk(e, measured, l.fn),
      measuredCodeBytes: measured?.layers?.find((x) => x.fn === l.fn)?.codeBytes ?? null,
      format: formatText(t.plan.tensors.get(t.plan.nodes[i].node.outputs[0])!.format),
      interval: planned[i].interval,
    })),
    box: t.box,
    abiInk: e.abiInk,
    measured: measured ? { executionGas: measured.executionGas, totalTxGas: measured.totalTxGas, ink: measured.ink, inputs: measured.inputs, source: measured.source } : null,
    shape: { provenance: e.shape.provenance, initCost: e.shape.costs.initCost, cachedCost: e.shape.costs.cachedCost, footprintPages: e.shape.costs.footprint, asmEstimate: e.shape.costs.asmEstimate },
    arbosVersion: e.params.arbosVersion,
    stylusParams: {
      stylusVersion: e.params.stylusVersion,
      inkPrice: e.params.inkPrice,
      minInitGas: e.params.minInitGas,
      minCachedInitGas: e.params.minCachedInitGas,
      initCostScalar: e.params.initCostScalar,
      cachedCostScalar: e.params.cachedCostScalar,
      freePages: e.params.freePages,
      pageGas: e.params.pageGas,
      pageLimit: e.params.pageLimit,
      maxStackDepth: e.params.maxStackDepth,
      activationGas: e.params.activationGas,
    },
    inputs: e.inputsUsed,
    provenance: e.provenance,
    alternatives: ranked?.map((r) => ({ lowering: r.label, accumulator: r.accumulator, executionGas: r.executionGas, totalTxGas: r.totalTxGas, compressedBytes: r.compressedBytes, fits: r.fits })) ?? null,
  };
}

function textOf(e: Estimate, measured: Measured | null, ranked: RankedLowering[] | null, what: string, t: Pick<Target, 'box'>): string {
  const b = e.call.breakdown;
  const lines = [
    `${what}, ArbOS ${e.params.arbosVersion}, ${e.function}(), ${e.inputsUsed} input(s)`,
    `box: ${t.box.note}`,
    '',
    'per call (gas)                 estimate' + (measured ? '            measured' : ''),
    `  execution                    ${fmtSpread(e.call.executionGas).padEnd(20)}${measured ? fmtSpread(measured.executionGas) : ''}`,
    `  total transaction            ${fmtSpread(e.call.totalTxGas).padEnd(20)}${measured ? fmtSpread(measured.totalTxGas) : ''}`,
    `    intrinsic                  ${num(b.intrinsic)}`,
    `    calldata                   ${fmtSpread(b.calldata)}`,
    `    program init               ${num(b.init)}  (${e.shape.provenance === 'built' ? 'from the built wasm' : 'predicted shape'}; cached programs pay less)`,
    `    memory                     ${num(b.memory)}  (${e.shape.costs.footprint} page(s) footprint)`,
    `    hostios                    ${num(b.hostio)}`,
    ...(b.dataContracts ? [`    data contracts             ${num(b.dataContracts)}  (account_code: weights read into the arena)`] : []),
    `    compute                    ${fmtSpread(b.compute)}`,
    `    L1 data                    ${num(b.l1)}`,
    ...(e.batch ? [`  per case (${e.batch.cases} in one call, at most ${e.batch.maxBatch}): execution ${fmtSpread(e.batch.executionGasPerCase)}, total ${fmtSpread(e.batch.totalTxGasPerCase)}${measured ? `; measured total ${num(Math.round(measured.totalTxGas.typical / e.batch.cases))}` : ''}`] : []),
    '',
    table(
      ['layer', 'op', 'kernel', 'ink', 'gas', ...(measured?.layers ? ['measured ink'] : []), 'code bytes'],
      e.layers.map((l) => [l.name, l.op, l.kernel, l.inkSpread.min === l.inkSpread.max ? num(l.ink) : `${num(l.ink)} (${num(l.inkSpread.min)}–${num(l.inkSpread.max)})`, (l.gas).toFixed(1), ...(measured?.layers ? [num(measuredLayerInk(e, measured, l.fn) ?? 0)] : []), num(l.codeBytes)]),
      [false, false, false, true, true, ...(measured?.layers ? [true] : []), true],
    ),
    `  ABI decode/encode: ${num(e.abiInk)} ink`,
    '',
    'deployment',
    `  deploy transaction           ${num(e.deploy.deployGas)} gas${e.deploy.partsGas ? ' (the program, through the CREATE2 proxy)' : ''}`,
    ...(e.deploy.partsGas ? [`  ${e.deploy.partsGas[0]?.name.startsWith('fragment') ? 'fragments     ' : 'data contracts'}               ${e.deploy.partsGas.length}: ${num(e.deploy.partsGas.reduce((a, p) => a + p.deployGas, 0))} gas in all`] : []),
    `  activation                   ${num(e.deploy.activationGas)} gas + data fee ${e.deploy.dataFeeWei.toString()} wei`,
    `  compressed size              ${num(e.deploy.compressedBytes)} of ${num(MAX_CODE_SIZE)} bytes (${((100 * e.deploy.compressedBytes) / MAX_CODE_SIZE).toFixed(1)}%)${e.shape.provenance === 'predicted' ? ', predicted' : ''}`,
  ];
  if (ranked) {
    lines.push('', 'lowering choices (estimate; "i64 accumulators" widens the layers proven safe in i32)');
    lines.push(table(['lowering', 'execution gas', 'compressed bytes', 'fits'], ranked.map((r) => [r.label, num(r.executionGas), num(r.compressedBytes), r.fits ? 'yes' : 'no']), [false, true, true, false]));
  }
  lines.push('', 'sources:', ...Object.entries(e.provenance).map(([k, v]) => `  ${k}: ${v}`));
  if (measured) lines.push(`  measured: ${measured.source}, ${measured.inputs} input(s)`);
  return lines.join('\n');
}

export const estimateCommand: Command<typeof EstimateJsonSchema> = {
  spec: {
    name: 'estimate',
    summary: 'Estimates the gas of a predict call (per layer, min/typical/max), the deployment and activation costs and the compressed size, before building; for a built crate also measures the program in the devnode\'s metered runtime.',
    usage: 'stylus-ml estimate DIR|MODEL.onnx [--input-range lo:hi | --calibration DATA.json] (default box: real inputs in [-1, 1]) [--weights i8|i16|i32] [--optimize gas|size] [--function predict|predictPacked|predictBatch] [--batch N] [--inputs IN.json] [--arbos N | --rpc URL] [--l1-price WEI] [--l2-base-fee WEI] [--l1-brotli-level N] [--cached] [--no-measure] [--json]',
    flags: {
      ...quantFlags,
      optimize: { kind: 'string', help: 'for a model: the lowering preset to estimate (gas or size; default: weights in data, unrolled rows)' },
      function: { kind: 'string', help: 'predict (default, int32[] calldata), predictPacked (inputs packed at their storage width) or predictBatch (cases packed back to back)' },
      batch: { kind: 'number', help: "price one predictBatch call of N cases (implies --function predictBatch; at most the contract's maximum), with its gas per case" },
      inputs: { kind: 'string', help: 'inputs (input format) to estimate for; default: the box corners and random inputs in it' },
      arbos: { kind: 'number', help: `ArbOS version whose parameters price the call (default ${DEFAULT_ARBOS_VERSION}, what Arbitrum One runs)` },
      rpc: { kind: 'string', help: 'price with the live Stylus parameters of the chain at this RPC URL (read through ArbSys/ArbWasm/ArbOwnerPublic views)' },
      'l1-price': { kind: 'string', help: 'L1 price per calldata unit in wei, for the L1 data component (default 0, as on a devnode)' },
      'l2-base-fee': { kind: 'string', help: 'L2 base fee in wei the L1 component is bought at (default 100000000, the devnode\'s)' },
      'l1-brotli-level': { kind: 'number', help: 'the chain\'s brotli level for poster costs, 0–11 (ArbOwnerPublic.getBrotliCompressionLevel; default 0, nitro\'s initial value)' },
      cached: { kind: 'boolean', help: 'price the call for a program in ArbOS\'s cache (cached init cost)' },
      'no-measure': { kind: 'boolean', help: 'skip running the built program' },
    },
    positionals: ['target'],
  },
  output: EstimateJsonSchema,
  async run(args) {
    const target = args.positionals[0];
    if (!fs.existsSync(target)) throw new UserError(`${target}: no such file or folder (give a crate folder or an .onnx model)`);
    const batch = args.flags.batch as number | undefined;
    const fnName = ((args.flags.function as string | undefined) ?? (batch !== undefined ? 'predictBatch' : 'predict')) as PredictFunction;
    if (fnName !== 'predict' && fnName !== 'predictPacked' && fnName !== 'predictBatch') throw new UserError(`--function must be predict, predictPacked or predictBatch, got '${fnName}'`);
    if (batch !== undefined && (fnName !== 'predictBatch' || !Number.isInteger(batch) || batch < 1)) throw new UserError(`--batch N: a whole number of cases ≥ 1 for predictBatch (got ${batch}${fnName !== 'predictBatch' ? ` with --function ${fnName}` : ''})`);
    const rpc = args.flags.rpc as string | undefined;
    if (rpc !== undefined && args.flags.arbos !== undefined) throw new UserError('give --arbos or --rpc, not both: --rpc reads the chain\'s own version and parameters');
    const arbos = (args.flags.arbos as number | undefined) ?? DEFAULT_ARBOS_VERSION;
    if (!(SUPPORTED_ARBOS_VERSIONS as readonly number[]).includes(arbos)) throw new UserError(`--arbos: supported ArbOS versions are ${SUPPORTED_ARBOS_VERSIONS.join(', ')} (got ${arbos})`);
    let live: { params: StylusParams; paramsSource: string } | null = null;
    if (rpc !== undefined) {
      if (!/^https?:\/\//.test(rpc)) throw new UserError(`--rpc must be an http(s) URL, got '${rpc}'`);
      const { params, fromTable } = await readChainParams(rpc);
      live = { params, paramsSource: `the chain at ${rpc} (ArbOS ${params.arbosVersion}, its ArbWasm views; ${fromTable.join(', ')} from the table: no view)` };
    }
    const optimize = args.flags.optimize as string | undefined;
    if (optimize !== undefined && optimize !== 'gas' && optimize !== 'size') throw new UserError(`--optimize must be gas or size, got '${optimize}'`);
    const measure = !args.flags['no-measure'];
    const opts = { arbosVersion: live?.params.arbosVersion ?? arbos, ...(live ?? {}), function: fnName, cached: !!args.flags.cached, l1PricePerUnitWei: parseWei(args.flags['l1-price'], 'l1-price'), l2BaseFeeWei: parseWei(args.flags['l2-base-fee'], 'l2-base-fee'), l1BrotliLevel: brotliLevel(args.flags['l1-brotli-level']) };

    let t: Target;
    if (fs.statSync(target).isDirectory()) {
      if (!fs.existsSync(path.join(target, MANIFEST_FILE))) throw new UserError(`${target} has no ${MANIFEST_FILE}: give a crate made by \`stylus-ml new\`, or an .onnx model`);
      t = crateTarget(target, args.flags, optimize as Optimize | undefined, opts);
    } else {
      // no declared box: the stated default (core/quant/box.ts), named in the output
      const q = { ...quantOptions(args.flags), defaultBox: true };
      const prepared = prepareModel(target, q);
      const r = pickLowering(prepared.plan, (optimize ?? 'gas') as Optimize, opts, () => prepareModel(target, { ...q, accumulator: 'i64' }, prepared).plan);
      const { pick, ranked } = r;
      const lowering = optimize ? pick.lowering : loweringFor(undefined);
      const box = { source: prepared.box!.source, spec: prepared.box!.spec, note: prepared.boxNote };
      t = { plan: optimize ? r.plan : prepared.plan, lowering, wasm: null, names: null, what: `model ${target}${optimize ? ` (--optimize ${optimize}: ${pick.label})` : ''}`, ranked, box };
    }
    let inputs: number[][][] | undefined;
    if (args.flags.inputs) {
      const cases = readInputFile(args.flags.inputs as string, t.plan.graph);
      inputs = cases.map((c) => {
        const q = quantizeInputs(t.plan, c, 'clamp');
        return t.plan.graph.inputs.map((i) => Array.from(q.get(i.id)!));
      });
    }
    const maxBatch = contractAbi(t.plan).maxBatch;
    if (batch !== undefined && batch > maxBatch) throw new UserError(`--batch ${batch}: more than this contract's maximum of ${maxBatch} cases per predictBatch call (contract.maxBatch); price a batch of at most ${maxBatch}`);
    const e = estimateProgram(t.plan, t.lowering, { ...opts, wasm: t.wasm, inputs, batch, layout: t.layout });
    let measured: Measured | null = null;
    if (measure && t.wasm) measured = await measureProgram(e, t.wasm, e.calldatas, t.names, t.codes);
    return { json: jsonOf(e, measured, t.ranked, t.what, t), text: textOf(e, measured, t.ranked, t.what, t) };
  },
};
