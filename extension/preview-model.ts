// Fills the webview's PreviewModel from the engine's results (CLI JSON). Mapping only: every figure comes
// from the engine. No `vscode` import.
import path from 'node:path';
import { MAX_CODE_SIZE } from '../nitro/limits';
import {
  emptyPreviewModel,
  type PreviewModel,
  type PreviewOptions,
  type Accuracy,
  type PerLayer,
  type TryItResult,
  type Deployment,
  type QFormat,
} from '../webview/protocol';
import type { Manifest } from '../core/manifest/schema';
import { CoreCommandError, CoreUnavailableError, type CallJson, type CoreClient, type EstimateJson, type InspectJson, type SimulateJson } from './core-client';
import { inspectLocally } from './local-inspect';
import { boxArgs, weightArgs } from './model-settings';
import { defaultInputRange } from '../core/quant/box';

export interface PreviewSource {
  kind: 'onnx' | 'crate';
  /** the .onnx file, or the crate folder */
  path: string;
  /** the model file: the .onnx itself, or the one a crate's manifest names */
  modelPath: string | null;
  /** a crate's manifest, read and validated by core/manifest */
  manifest?: Manifest | null;
  /** why a crate's manifest could not be read */
  manifestError?: string | null;
}

const NOT_YET = 'not available yet';

function describe(e: unknown): { unavailable: boolean; message: string } {
  if (e instanceof CoreUnavailableError) return { unavailable: true, message: e.message };
  if (e instanceof CoreCommandError) return { unavailable: false, message: e.message };
  return { unavailable: false, message: e instanceof Error ? e.message : String(e) };
}


/** The default ONNX domain is spelt '' in the file and 'ai.onnx' by the CLI; show it as nothing. */
const domainLabel = (d: string) => (d === 'ai.onnx' ? '' : d);
const qualified = (u: { op: string; domain: string }) => (domainLabel(u.domain) ? `${u.domain}::${u.op}` : u.op);
const dims = (shape: readonly (number | string | null)[] | null) => (shape ?? []).map((d) => d ?? '?');
const knownShapes = (list: (number[] | null)[]) => (list.every((x) => x !== null) ? (list as number[][]) : null);

export function fromInspect(model: PreviewModel, j: InspectJson): void {
  model.summary = {
    producer: j.producer || null,
    opsets: Object.entries(j.opsets).map(([domain, version]) => ({ domain: domainLabel(domain), version })),
    inputs: j.inputs.map((t) => ({ name: t.name, shape: dims(t.shape), dtype: t.dtype })),
    outputs: j.outputs.map((t) => ({ name: t.name, shape: dims(t.shape), dtype: t.dtype })),
    params: j.totals.params,
    macs: j.totals.macs,
    unsupported: j.unsupported.map((u) => ({ name: u.name, op: u.op, domain: domainLabel(u.domain) })),
    notes: j.notes,
  };
  model.graph = {
    inputs: j.inputs.map((t) => ({ name: t.name, shape: dims(t.shape) })),
    outputs: j.outputs.map((t) => ({ name: t.name })),
    nodes: j.nodes.map((n) => ({ name: n.name, op: n.op, domain: domainLabel(n.domain), supported: n.supported && !n.reason, inputs: n.inputs, outputs: n.outputs, outputShapes: n.outputShapes })),
  };
  model.layers = j.nodes.map((n) => ({
    name: n.name,
    op: n.op,
    domain: domainLabel(n.domain),
    supported: n.supported && !n.reason,
    // inspect knows each node's outputs; its inputs are the previous rows' outputs
    inputShapes: null,
    outputShapes: knownShapes(n.outputShapes),
    params: n.params,
    macs: n.macs,
    weightFormat: null,
    outputFormat: null,
    accumulator: null,
    range: null,
  }));
  if (j.unsupported.length > 0) {
    model.errors.push({
      stage: 'inspect',
      message: `unsupported: ${j.unsupported.map((u) => `${u.name} (${qualified(u)}${u.reason ? `: ${u.reason}` : ''})`).join(', ')}`,
    });
  }
}

/** A crate's manifest: the lowered layers with their formats, proven intervals and analytical gas. */
export function fromManifest(model: PreviewModel, m: Manifest): void {
  // The ONNX op and the IR op it was lowered to (one ONNX node can become several layers).
  const opOf = (l: Manifest['layers'][number]) => (l.onnxOp && l.onnxOp !== l.op ? `${l.onnxOp} (${l.op})` : l.op);
  model.layers = m.layers.map((l) => ({
    name: l.name,
    op: opOf(l),
    domain: '',
    supported: true,
    inputShapes: l.inputShapes,
    outputShapes: [l.outputShape],
    params: l.params,
    macs: l.macs,
    weightFormat: l.weightFormat ?? null,
    outputFormat: l.outputFormat,
    accumulator: l.accumulator ?? null,
    range: l.interval,
  }));
  const costed = m.layers.filter((l) => l.ink && l.gas);
  if (costed.length > 0) {
    model.layerCosts = costed.map((l) => ({ name: l.name, op: opOf(l), ink: l.ink!.typical, gas: l.gas!.typical, codeBytes: null, format: null, range: l.interval }));
  }
  const deployed = m.measured?.deploy;
  if (deployed) {
    model.deploy = {
      deployGas: deployed.deployGas,
      activationGas: deployed.activationGas,
      dataFeeWei: deployed.dataFeeWei,
      compressedBytes: m.measured?.build?.compressedBytes ?? m.totals.codeSize?.compressedBytes ?? 0,
      limitBytes: m.totals.codeSize?.limitBytes ?? MAX_CODE_SIZE,
      provenance: 'measured',
    };
  }
  if (m.layout) {
    const deployedParts = new Map((m.measured?.deploy?.parts ?? []).map((p) => [p.name, p]));
    model.parts = {
      layout: m.layout.kind,
      reason: m.layout.reason,
      rows: m.layout.parts.map((p) => ({
        kind: p.kind,
        name: p.name,
        bytes: p.bytes,
        address: deployedParts.get(p.name)?.address ?? p.address ?? (p.kind === 'program' ? (m.measured?.deploy?.address ?? null) : null),
        layer: p.layer ?? null,
        deployGas: deployedParts.get(p.name)?.gasUsed ?? null,
      })),
      readGas: null,
    };
  }
  if (m.memory) model.memory = { arenaBytes: m.memory.arenaBytes, unsharedBytes: m.memory.unsharedBytes, pages: m.memory.pages, gas: m.memory.gas };
  if (model.summary) model.summary.notes.push(...(m.box.note ? [m.box.note] : []), ...m.notes);
  const v = m.validation;
  model.validation = v ? { file: v.file, rows: v.rows, policy: v.policy, coverage: v.coverage, outside: v.outside, revertRate: v.revertRate, argmaxAgreement: v.argmaxAgreement, accuracy: v.accuracy, advice: v.advice } : null;
}

export function fromEstimate(model: PreviewModel, j: EstimateJson): void {
  model.call = {
    executionGas: j.measured ? j.measured.executionGas : j.call.executionGas,
    totalTxGas: j.measured ? j.measured.totalTxGas : j.call.totalTxGas,
    breakdown: Object.entries(j.call.breakdown).map(([name, v]) => ({ name, gas: typeof v === 'number' ? v : v.typical })),
    provenance: j.measured ? 'measured' : 'estimate',
  };
  // A deployment measured on the devnode (the crate's manifest, read first) beats the estimate.
  if (model.deploy?.provenance !== 'measured') {
    model.deploy = {
      deployGas: j.deploy.deployGas,
      activationGas: j.deploy.activationGas,
      dataFeeWei: j.deploy.dataFeeWei,
      compressedBytes: j.deploy.compressedBytes,
      limitBytes: j.deploy.limitBytes,
      provenance: 'estimate',
    };
  }
  // the parts' estimated deployments and the call's reads of the data contracts, where not measured
  if (model.parts) {
    const est = new Map((j.deploy.dataContracts ?? []).map((p) => [p.name, p.deployGas]));
    for (const r of model.parts.rows) r.deployGas ??= r.kind === 'program' ? j.deploy.deployGas : (est.get(r.name) ?? null);
    model.parts.readGas = j.call.breakdown.dataContracts ?? null;
  }
  // once built, each layer's own figures: its function's ink measured on the inputs, its body's bytes
  model.layerCosts = j.layers.map((l) => {
    const ink = j.measured ? l.measuredInk : null;
    return {
      name: l.name,
      op: l.op,
      ink: ink ?? l.ink,
      // the estimate's own ink price (its gas over its ink)
      gas: ink === null || l.ink === 0 ? l.gas : Math.round(((ink * l.gas) / l.ink) * 100) / 100,
      codeBytes: (j.measured ? l.measuredCodeBytes : null) ?? l.codeBytes,
      format: l.format,
      range: l.interval,
    };
  });
  model.box = j.box;
  // a bare model's table (ONNX nodes from inspect) gets the planned format and proven range of each
  // node's output: its last layer's (a node can become several layers, or none when folded)
  if (model.source.kind === 'onnx' && model.layers) {
    for (const row of model.layers) {
      const last = j.layers.filter((l) => l.name === row.name).at(-1);
      if (!last) continue;
      row.outputFormat = parseQFormat(last.format);
      row.range = last.interval;
    }
  }
}

/** "i16 Q.13" → { storage: 'i16', fracBits: 13 }; other formats (affine, f32) have no Q-format. */
function parseQFormat(text: string): QFormat | null {
  const m = /^(i8|i16|i32|i64) Q\.(-?\d+)$/.exec(text);
  return m ? { storage: m[1] as 'i8' | 'i16' | 'i32' | 'i64', fracBits: Number(m[2]) } : null;
}

export function fromCall(j: CallJson): TryItResult {
  const c = j.cases[0];
  if (!c) throw new Error('the call returned no result');
  return {
    outputs: Object.entries(c.outputs).map(([name, o]) => ({ name, shape: o.shape, values: o.fixed, raw: o.fixedRaw.map(String) })),
    gasUsed: c.gasUsed,
    txHash: c.hash ?? null,
    matchesSimulator: j.matchesSimulator,
  };
}

export interface PreviewExtras {
  deployment?: Deployment | null;
  estimatesEnabled?: boolean;
  /** Called with the model read so far (summary, layers and graph from inspect and the manifest) before
   *  the slower sections are computed, so the preview can show the layer table without waiting for them,
   *  and again once the estimate is in while the accuracy is still being measured.
   *  Receives a copy: later sections do not change it. */
  onPartial?: (model: PreviewModel) => void;
  /** aborts the engine processes of a computation a newer one replaces */
  signal?: AbortSignal;
}

/** What the sections still being computed say in the first, partial model. */
export const PENDING_NOTES: Partial<PreviewModel['notes']> = {
  gas: 'Estimating the gas cost…',
  deploy: 'Estimating the deployment cost…',
  accuracy: 'Measuring the accuracy against the float model…',
};

/** Inputs of the declared box the accuracy section is measured on. */
export const ACCURACY_CASES = 200;

/** The per-layer error table from `simulate --per-layer` (null when the CLI gave none). */
export function fromPerLayer(j: SimulateJson): PerLayer | null {
  const p = j.perLayer;
  if (!p) return null;
  return {
    cases: p.cases,
    source: `the same ${p.cases} inputs`,
    // the node name is in its own column: the op is the lowered (IR) one, as a node can become several layers
    layers: p.layers.map((l) => ({ name: l.name, op: l.op, format: l.format, maxAbsError: l.maxAbsError, meanAbsError: l.meanAbsError, errorBound: l.errorBound, boundAgainst: l.boundAgainst, observed: l.observed, histogram: l.histogram })),
    worst: p.worst ? { name: p.worst.name, why: p.worst.why, advice: p.worst.advice } : null,
  };
}

export function fromSimulate(j: SimulateJson, box = 'the declared input box'): Accuracy {
  return {
    cases: j.summary.cases,
    maxAbsError: j.summary.maxAbsError,
    argmaxAgreement: j.summary.argmaxAgreement,
    source: `${j.summary.cases} inputs drawn from ${box} (its corners, then uniform), simulator against onnxruntime`,
  };
}

/** Runs what the engine offers for this source and collects it; never throws for pipeline failures. */
export async function computePreview(
  core: CoreClient,
  source: PreviewSource,
  options: PreviewOptions,
  extras: PreviewExtras = {},
): Promise<PreviewModel> {
  const model = emptyPreviewModel(
    { kind: source.kind, path: source.path, displayName: path.basename(source.modelPath ?? source.path) },
    options,
  );
  model.deployment = extras.deployment ?? null;

  if (source.modelPath) {
    try {
      fromInspect(model, inspectLocally(source.modelPath) ?? (await core.inspect(source.modelPath)));
    } catch (e) {
      const d = describe(e);
      if (d.unavailable) {
        model.notes.summary = `Model inspection is ${NOT_YET}.`;
        model.notes.layers = `The layer table is ${NOT_YET}.`;
      } else {
        model.errors.push({ stage: 'inspect', message: d.message });
        model.notes.summary = 'The model could not be read; see the error above.';
        model.notes.layers = 'No layers: the model could not be read.';
      }
    }
  } else if (source.manifest) {
    model.notes.summary = `The source model ${source.manifest.model.path} named in stylus-ml.json was not found.`;
  } else {
    model.notes.summary = 'No source model: the crate\'s stylus-ml.json could not be read (see above).';
  }

  if (source.kind === 'crate') {
    if (source.manifest) fromManifest(model, source.manifest);
    else if (source.manifestError) model.errors.push({ stage: 'manifest', message: source.manifestError });
  }

  const inspectFailed = model.errors.some((e) => e.stage === 'inspect' || e.stage === 'manifest');
  const crateReady = source.kind === 'crate' && !!source.manifest && !inspectFailed;
  // a bare model is estimated and measured for its box (the stated default, or the preview's settings)
  const modelReady = source.kind === 'onnx' && !!source.modelPath && !!model.summary && !inspectFailed;
  const estimating = (crateReady || modelReady) && extras.estimatesEnabled !== false;
  const measuring = crateReady || (modelReady && estimating);
  if (crateReady || modelReady) {
    const pending = { ...(estimating ? { gas: PENDING_NOTES.gas, deploy: PENDING_NOTES.deploy } : {}), ...(measuring ? { accuracy: PENDING_NOTES.accuracy } : {}) };
    if (estimating || measuring) extras.onPartial?.({ ...structuredClone(model), notes: { ...model.notes, ...pending } });
  }
  const signal = extras.signal;
  const inputNames = model.summary?.inputs.map((i) => i.name) ?? [];
  const accuracyOf = (run: Promise<SimulateJson>) =>
    run.then(
      (j) => ({ ok: fromSimulate(j, source.kind === 'onnx' ? 'the preview\'s input box' : 'the declared input box'), perLayer: fromPerLayer(j) }),
      (e: unknown) => ({ error: describe(e) }),
    );
  // a crate's accuracy runs beside the estimate (two engine processes), each fills its own section
  let accuracy = crateReady ? accuracyOf(core.accuracy(source.path, ACCURACY_CASES, signal)) : null;
  let estimate: EstimateJson | null = null;
  if (extras.estimatesEnabled === false) {
    model.notes.gas = 'Estimates are turned off (setting stylusMl.estimates.enable).';
    model.notes.deploy = model.notes.gas;
  } else if (inspectFailed) {
    model.notes.gas = 'No gas estimate: the model cannot be read or lowered (see above).';
    model.notes.deploy = model.notes.gas;
  } else if (crateReady || modelReady) {
    try {
      const target = source.kind === 'crate' ? source.path : source.modelPath!;
      const box = source.kind === 'onnx' ? boxArgs(options.box, inputNames) : undefined;
      estimate = await core.estimate(target, { ...options, box, signal });
      fromEstimate(model, estimate);
    } catch (e) {
      const d = describe(e);
      if (d.unavailable) {
        model.notes.gas = `Gas estimation is ${NOT_YET}.`;
        model.notes.deploy = `Deployment cost estimation is ${NOT_YET}.`;
      } else {
        model.errors.push({ stage: 'estimate', message: d.message });
      }
    }
  }
  if (modelReady && measuring) {
    // the accuracy is drawn from the box the estimate was for: the engine's default is declared as the
    // spec it reported (simulate --random needs a declared box)
    const fallback = estimate?.box.spec ?? (!options.box || options.box.mode === 'default' ? defaultInputRange(model.summary!.inputs) : null);
    const flags = [...boxArgs(options.box, inputNames, fallback), ...weightArgs(options)];
    accuracy = accuracyOf(core.accuracyOfModel(source.modelPath!, ACCURACY_CASES, flags, signal));
    if (estimate) extras.onPartial?.({ ...structuredClone(model), notes: { ...model.notes, accuracy: PENDING_NOTES.accuracy } });
  }
  if (accuracy) {
    const r = await accuracy;
    if ('ok' in r) {
      model.accuracy = r.ok;
      model.perLayer = r.perLayer;
    }
    else if (r.error.unavailable) model.notes.accuracy = `Accuracy against the float model is ${NOT_YET}.`;
    else model.errors.push({ stage: 'simulate', message: r.error.message });
  } else if (source.kind === 'onnx' && extras.estimatesEnabled === false) {
    model.notes.accuracy = 'The accuracy is measured on inputs of the box the estimate is for: turn the estimates on (setting stylusMl.estimates.enable).';
  }
  return model;
}
