// generateCrate: a prepared model (ONNX file + quantisation plan) in, every file of the crate out, in
// memory. Nothing touches the disk here; write.ts puts the files in place atomically.
import { createHash } from 'node:crypto';
import { UserError } from '../errors';
import path from 'node:path';
import type { Prepared } from '../pipeline';
import { consumerSolidity } from './consumer-sol';
import { modelHash } from '../quant/hash';
import type { InputPolicy } from '../quant/simulate';
import { abiJson, contractAbi, solidityInterface, type ContractAbi } from './abi';
import { generateAbiRs } from './abi-rs';
import { generateCodePartsRs, generatePartsRs, partFile } from './parts-rs';
import { layoutHomes, type LayoutKind } from '../layout/layout';
import { coreFiles, readme, RUNTIME_DIR, templateFiles, type CrateNames, type Template } from './crate-files';
import { defaultVectorCount, goldenRs, goldenText, goldenVectors } from './golden';
import { type Lowering, loweringFor, type Optimize } from './lowering';
import { crateManifest } from './manifest';
import { generateModelRs } from './model-rs';
import { libName, packageName, realText } from './rust';
import { estimateProgram, type Estimate } from '../gas/estimate';
import { memoryPages, STACK_BYTES } from '../gas/shape';
import { abiBuffers } from './abi-rs';
import { memoryGasCost } from '../../nitro/memory';
import { stylusParamsFor } from '../../nitro/params';
import { DEFAULT_ARBOS_VERSION } from '../../nitro/arbos';
import type { Validation } from '../manifest/schema';
import { MANIFEST_FILE, type Manifest, type ManifestLayer } from '../manifest/schema';
import { TOOL_VERSION } from '../version';

export interface GenerateOptions {
  /** default `sdk` */
  template?: Template;
  /** default `revert` */
  inputPolicy?: InputPolicy;
  /** a lowering preset; `lowering` overrides single choices */
  optimize?: Optimize;
  lowering?: Partial<Lowering>;
  /** Cargo package name (default: from the crate folder's name) */
  name?: string;
  /** golden vectors for the native test (default 1024, fewer for very wide inputs) */
  vectors?: number;
  /** the folder the crate will live in (names the package, relative model path in the manifest) */
  crateDir: string;
  /** where the weights go on chain (default `single`; `auto` is resolved by the caller, core/layout/choose.ts) */
  layout?: LayoutKind;
  /** why this layout, for the manifest */
  layoutReason?: string;
  /** `--validation`: held-out figures to record in stylus-ml.json */
  validation?: Validation;
}

export interface GeneratedCrate {
  /** crate-relative path → content (the data contracts' parts are binary) */
  files: Map<string, string | Uint8Array>;
  /** a generated text file's content */
  text(rel: string): string;
  manifest: Manifest;
  names: CrateNames;
  abi: ContractAbi;
  /** what the user should know (lowering fallbacks, plan warnings) */
  notes: string[];
  vectors: number;
}

function boxText(lo: ArrayLike<number>, hi: ArrayLike<number>): string {
  let a = Infinity;
  let b = -Infinity;
  let uniform = true;
  for (let i = 0; i < lo.length; i++) {
    a = Math.min(a, lo[i]);
    b = Math.max(b, hi[i]);
    if (lo[i] !== lo[0] || hi[i] !== hi[0]) uniform = false;
  }
  return `[${realText(a)}, ${realText(b)}]${uniform ? '' : ' (hull; per element in stylus-ml.json)'}`;
}

export function generateCrate(prepared: Prepared & { warnings?: string[] }, opts: GenerateOptions): GeneratedCrate {
  const plan = prepared.plan;
  const template = opts.template ?? 'sdk';
  const policy = opts.inputPolicy ?? 'revert';
  const lowering: Lowering = { ...loweringFor(opts.optimize), ...(opts.lowering ?? {}) };
  const pkg = packageName(opts.name ?? path.basename(path.resolve(opts.crateDir)));
  const names: CrateNames = { package: pkg, lib: libName(pkg), corePackage: `${pkg}-core`, coreLib: libName(`${pkg}-core`) };
  const source = path.basename(prepared.file);
  const tool = `stylus-ml ${TOOL_VERSION}`;
  const hash = modelHash(plan);
  const layoutKind = opts.layout ?? 'single';
  const { homes, data, code } = layoutHomes(plan, layoutKind);
  const dataParts = data && data.parts.length > 0 ? data.parts : null;
  const abi = contractAbi(plan, { dataContracts: !!dataParts });
  if (abi.inputCount === 0 || abi.outputCount === 0) throw new UserError(`${prepared.file}: the model has ${abi.inputCount === 0 ? 'no input' : 'no output'} values; a contract needs at least one of each`);
  const model = generateModelRs(plan, lowering, { tool, source, sha256: createHash('sha256').update(prepared.bytes).digest('hex') }, homes);
  const buffers = abiBuffers(abi);
  const staticBytes = buffers.maxCalldata + buffers.maxReturn + model.workspaceBytes;
  const params = stylusParamsFor(DEFAULT_ARBOS_VERSION, false);
  const minPages = memoryPages(0, staticBytes);
  if (minPages > params.pageLimit) {
    const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
    throw new UserError(
      `${prepared.file}: this model needs ${mib(STACK_BYTES + staticBytes)} of linear memory (${mib(model.arenaBytes)} for its intermediate tensors, reused by liveness; ${mib(model.workspaceBytes - model.arenaBytes)} for inputs and outputs; ${mib(buffers.maxCalldata + buffers.maxReturn)} for the calldata and return buffers), ` +
        `more than nitro's ${params.pageLimit}-page (${mib(params.pageLimit * 65536)}) limit per transaction; use a smaller input, fewer channels, or strided/pooled layers earlier`,
    );
  }
  const vectorsWanted = opts.vectors ?? defaultVectorCount(abi);
  const vectors = goldenVectors(plan, abi, vectorsWanted);
  const boxes = plan.graph.inputs.map((inp) => {
    const b = plan.options.boxes.get(inp.id)!;
    return boxText(b.lo, b.hi);
  });
  const files = new Map<string, string | Uint8Array>();
  const add = (rel: string, text: string | Uint8Array) => files.set(rel, text);
  const codeParts = code && code.parts.length > 0 ? code.parts : null;
  for (const [k, v] of Object.entries(coreFiles(names, { parts: !!dataParts || !!codeParts }))) add(k, v);
  add('core/src/model.rs', model.text);
  add('core/src/abi.rs', generateAbiRs(plan, abi, hash, policy, { inputs: model.inputFields, outputs: model.outputFields }, !!dataParts));
  if (dataParts) {
    add('core/src/parts.rs', generatePartsRs(dataParts));
    for (const p of dataParts) add(partFile(p.index), p.code);
  }
  if (codeParts) add('core/src/parts.rs', generateCodePartsRs(codeParts));
  add('core/tests/golden.rs', goldenRs(names.coreLib, abi, Math.min(vectorsWanted, vectors.length), policy));
  add(
    'core/tests/golden.txt',
    goldenText(vectors, [
      `${vectors.length} vectors from the stylus-ml simulator for ${source} (modelHash ${hash})`,
      'quantised inputs (all inputs flattened) | outputs (all outputs flattened) | predictLabel or -',
      `kinds: ${['corner', 'edge', 'threshold', 'random'].map((k) => `${vectors.filter((v) => v.kind === k).length} ${k}`).join(', ')}`,
    ]),
  );
  for (const [k, v] of Object.entries(templateFiles(template, names, abi, source, lowering.optLevel))) add(k, v);
  add('IModel.sol', solidityInterface(abi, `${source} (stylus-ml, modelHash ${hash})`, boxes));
  add('abi.json', JSON.stringify(abiJson(abi), null, 2) + '\n');
  add('examples/Consumer.sol', consumerSolidity(abi));

  const notes = [...new Set([...(prepared.warnings ?? []), ...model.notes])];
  add(
    'README.md',
    readme({ template, names, source, tool, abi, vectors: vectors.length, policy, boxes, modelHash: hash, lockfile: template === 'minimal' }),
  );
  const generated = [...files.keys(), MANIFEST_FILE].sort();
  const manifest = crateManifest({
    plan,
    abi,
    template,
    tool: TOOL_VERSION,
    modelFile: prepared.file,
    modelBytes: prepared.bytes,
    crateDir: opts.crateDir,
    boxNote: prepared.boxNote,
    boxDerivation: prepared.boxDerivation,
    validation: opts.validation,
    policy,
    optimize: opts.optimize,
    lowering,
    treeLowerings: model.decisions,
    modelHash: hash,
    lines: model.layers,
    files: {
      modelRs: 'core/src/model.rs',
      fixedRs: `${RUNTIME_DIR}/src/fixed.rs`,
      abiRs: 'core/src/abi.rs',
      contract: 'src/lib.rs',
      golden: 'core/tests/golden.txt',
      solidity: 'IModel.sol',
      abiJson: 'abi.json',
      generated,
    },
    vectors: vectors.length,
    notes,
  });
  // the analytical gas of each layer and of a call (core/gas), for the preview and the gas CodeLens
  // an estimate is a convenience: a model too large to price (nitro's cost fields overflow) still generates
  let est: Estimate | null = null;
  try {
    est = estimateProgram(plan, lowering, { modelRs: model, layout: layoutKind });
  } catch (e) {
    notes.push(`no gas estimate in stylus-ml.json: ${(e as Error).message}`);
  }
  if (est) fillEstimates(manifest, est);
  manifest.layout = {
    kind: layoutKind,
    reason: opts.layoutReason ?? (opts.layout ? `--layout ${opts.layout}` : 'the default: one program'),
    parts: [
      { kind: 'program', name: 'program', bytes: est?.shape.compressedBytes ?? 0 },
      ...(dataParts ?? []).map((p) => ({ kind: 'data' as const, name: path.basename(partFile(p.index), '.bin'), file: partFile(p.index), bytes: p.code.length, codeHash: p.codeHash, address: p.address, layer: model.layers[p.layer].fn, units: p.units })),
    ],
  };
  const pages = est?.shape.costs.footprint ?? minPages;
  manifest.memory = { arenaBytes: model.arenaBytes, unsharedBytes: model.arenaUnshared, staticBytes, pages, gas: Number(memoryGasCost(pages, 0, 0, params.freePages, params.pageGas)) };
  files.set(MANIFEST_FILE, JSON.stringify(manifest, null, 2) + '\n');
  const text = (rel: string): string => {
    const f = files.get(rel);
    if (typeof f !== 'string') throw new Error(`internal: ${rel} is not a generated text file`);
    return f;
  };
  return { files, text, manifest, names, abi, notes, vectors: vectors.length };
}

function fillEstimates(manifest: Manifest, est: Estimate): void {
  const toGas = (ink: number) => Math.round((ink / est.params.inkPrice) * 100) / 100;
  (manifest.layers as ManifestLayer[]).forEach((l, i) => {
    const e = est.layers[i];
    if (!e) return;
    l.ink = e.inkSpread;
    l.gas = { min: toGas(e.inkSpread.min), typical: toGas(e.inkSpread.typical), max: toGas(e.inkSpread.max) };
  });
  manifest.totals.estimatedGas = est.call.executionGas;
}
