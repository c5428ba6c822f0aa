// The message protocol between the extension host and the model-preview webview, and the data the preview
// renders. Shared by both sides (extension/ bundles it for Node, webview/ for the browser), so it must not
// import `vscode` or anything DOM-specific. Every message is validated on receipt: the webview treats the
// extension's data as untrusted text (model names come from the ONNX file), and the extension treats the
// webview's messages as untrusted input.

export const PREVIEW_VIEW_TYPE = 'stylusMl.preview';
export const MODEL_EDITOR_VIEW_TYPE = 'stylusMl.modelPreview';

export type StorageType = 'i8' | 'i16' | 'i32' | 'i64';
export const WEIGHT_FORMATS = ['auto', 'i8', 'i16', 'i32'] as const;
export type WeightFormat = (typeof WEIGHT_FORMATS)[number];
/** 'as generated': the crate's own lowering; gas / size: the lowering `new --optimize` would pick */
export const OPTIMIZE_GOALS = ['as generated', 'gas', 'size'] as const;
export type OptimizeGoal = (typeof OPTIMIZE_GOALS)[number];

export interface QFormat {
  storage: StorageType;
  fracBits: number;
}

export interface TensorSummary {
  name: string;
  /** numbers, or a symbolic dimension name as the ONNX file gives it */
  shape: (number | string)[];
  dtype: string;
}

export interface ModelSummary {
  producer: string | null;
  opsets: { domain: string; version: number }[];
  inputs: TensorSummary[];
  outputs: TensorSummary[];
  params: number;
  macs: number;
  /** nodes the pipeline cannot lower, named so the user sees all of them at once */
  unsupported: { name: string; op: string; domain: string }[];
  /** the pipeline's remarks (fixed batch size, pass-through nodes, ...) */
  notes: string[];
}

/** One row of the layer table: the ONNX node as the pipeline lowered it. */
export interface LayerRow {
  name: string;
  op: string;
  domain: string;
  supported: boolean;
  inputShapes: number[][] | null;
  outputShapes: number[][] | null;
  params: number;
  macs: number;
  /** storage format of the layer's weights and of its output, once a quantisation plan exists */
  weightFormat: QFormat | null;
  outputFormat: QFormat | null;
  accumulator: 'i32' | 'i64' | null;
  /** proven value interval of the output, in real units */
  range: [number, number] | null;
}

export interface Spread {
  min: number;
  typical: number;
  max: number;
}

/** Where a number comes from: the analytical estimator or a run on the devnode. */
export type Provenance = 'estimate' | 'measured';

export interface LayerCost {
  name: string;
  op: string;
  ink: number;
  gas: number;
  /** null when the source (e.g. a crate's manifest) does not say */
  codeBytes: number | null;
}

export interface CallCost {
  executionGas: Spread;
  totalTxGas: Spread;
  /** e.g. intrinsic, calldata, init, compute: component name → gas (typical path) */
  breakdown: { name: string; gas: number }[];
  provenance: Provenance;
}

export interface DeployCost {
  deployGas: number;
  activationGas: number;
  /** decimal string: wei amounts exceed 2^53 */
  dataFeeWei: string;
  compressedBytes: number;
  limitBytes: number;
  provenance: Provenance;
}

export interface Accuracy {
  cases: number;
  maxAbsError: number;
  /** null for regressors */
  argmaxAgreement: number | null;
  /** e.g. "calibration data (200 cases)" */
  source: string;
}

export interface PreviewOptions {
  format: WeightFormat;
  optimize: OptimizeGoal;
}

export interface Deployment {
  address: string;
  rpcUrl: string;
  deployTx: string;
  activateTx: string | null;
}

export interface TryItOutput {
  name: string;
  shape: number[];
  /** dequantised values */
  values: number[];
  /** raw fixed-point integers as decimal strings */
  raw: string[];
}

export interface TryItResult {
  outputs: TryItOutput[];
  gasUsed: number;
  txHash: string | null;
  /** null when the simulator could not be run for this input */
  matchesSimulator: boolean | null;
}

export const SECTIONS = ['summary', 'layers', 'gas', 'deploy', 'accuracy', 'tryIt'] as const;
export type SectionId = (typeof SECTIONS)[number];

export type PipelineStage = 'manifest' | 'inspect' | 'plan' | 'estimate' | 'simulate' | 'build' | 'deploy' | 'call';

export interface PreviewModel {
  source: {
    kind: 'onnx' | 'crate';
    /** absolute file-system path of the .onnx file or the crate folder */
    path: string;
    displayName: string;
  };
  summary: ModelSummary | null;
  layers: LayerRow[] | null;
  layerCosts: LayerCost[] | null;
  call: CallCost | null;
  deploy: DeployCost | null;
  accuracy: Accuracy | null;
  options: PreviewOptions;
  deployment: Deployment | null;
  /** failures of the pipeline, shown at the top of the preview */
  errors: { stage: PipelineStage; message: string }[];
  /** why a section is empty ("not available yet", "build the crate to measure") */
  notes: Partial<Record<SectionId, string>>;
}

// ---- messages ---------------------------------------------------------------------------------------

export type ToWebview =
  | { type: 'model'; model: PreviewModel }
  | { type: 'busy'; what: string | null }
  | { type: 'tryResult'; result: TryItResult }
  | { type: 'tryError'; message: string }
  | { type: 'reveal'; section: SectionId };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'setOptions'; options: PreviewOptions }
  | { type: 'build' }
  | { type: 'deploy' }
  | { type: 'try'; input: string }
  | { type: 'cspViolation'; directive: string; blocked: string };

/** What the webview keeps with getState/setState so that hide/show and reloads render at once; the
 *  WebviewPanelSerializer rebuilds a crate preview after a window reload from `sourcePath`. */
export interface WebviewState {
  /** the .onnx file or crate folder this preview shows (from the page, saved before any model arrives) */
  sourcePath: string | null;
  model: PreviewModel | null;
  tryInput: string;
  tryResult: TryItResult | null;
}

// ---- validation -------------------------------------------------------------------------------------

export class ProtocolError extends Error {
  constructor(path: string, expected: string) {
    super(`invalid message: ${path} should be ${expected}`);
    this.name = 'ProtocolError';
  }
}

type Json = unknown;
const MAX_TEXT = 1_000_000;

function obj(v: Json, path: string): Record<string, Json> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ProtocolError(path, 'an object');
  return v as Record<string, Json>;
}
function str(v: Json, path: string): string {
  if (typeof v !== 'string' || v.length > MAX_TEXT) throw new ProtocolError(path, 'a string');
  return v;
}
function num(v: Json, path: string): number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new ProtocolError(path, 'a number');
  return v;
}
function bool(v: Json, path: string): boolean {
  if (typeof v !== 'boolean') throw new ProtocolError(path, 'a boolean');
  return v;
}
function arr<T>(v: Json, path: string, item: (x: Json, p: string) => T): T[] {
  if (!Array.isArray(v)) throw new ProtocolError(path, 'an array');
  return v.map((x, i) => item(x, `${path}[${i}]`));
}
function nullable<T>(v: Json, path: string, f: (x: Json, p: string) => T): T | null {
  return v === null || v === undefined ? null : f(v, path);
}
function oneOf<T extends string>(v: Json, path: string, options: readonly T[]): T {
  if (typeof v !== 'string' || !(options as readonly string[]).includes(v)) {
    throw new ProtocolError(path, `one of ${options.join(', ')}`);
  }
  return v as T;
}

const qformat = (v: Json, p: string): QFormat => {
  const o = obj(v, p);
  return { storage: oneOf(o.storage, `${p}.storage`, ['i8', 'i16', 'i32', 'i64'] as const), fracBits: num(o.fracBits, `${p}.fracBits`) };
};
const shapes = (v: Json, p: string): number[][] => arr(v, p, (s, q) => arr(s, q, num));
const tensor = (v: Json, p: string): TensorSummary => {
  const o = obj(v, p);
  return {
    name: str(o.name, `${p}.name`),
    shape: arr(o.shape, `${p}.shape`, (d, q) => (typeof d === 'string' ? d : num(d, q))),
    dtype: str(o.dtype, `${p}.dtype`),
  };
};
const spread = (v: Json, p: string): Spread => {
  const o = obj(v, p);
  return { min: num(o.min, `${p}.min`), typical: num(o.typical, `${p}.typical`), max: num(o.max, `${p}.max`) };
};
const provenance = (v: Json, p: string) => oneOf(v, p, ['estimate', 'measured'] as const);

function summary(v: Json, p: string): ModelSummary {
  const o = obj(v, p);
  return {
    producer: nullable(o.producer, `${p}.producer`, str),
    opsets: arr(o.opsets, `${p}.opsets`, (x, q) => {
      const e = obj(x, q);
      return { domain: str(e.domain, `${q}.domain`), version: num(e.version, `${q}.version`) };
    }),
    inputs: arr(o.inputs, `${p}.inputs`, tensor),
    outputs: arr(o.outputs, `${p}.outputs`, tensor),
    params: num(o.params, `${p}.params`),
    macs: num(o.macs, `${p}.macs`),
    unsupported: arr(o.unsupported, `${p}.unsupported`, (x, q) => {
      const e = obj(x, q);
      return { name: str(e.name, `${q}.name`), op: str(e.op, `${q}.op`), domain: str(e.domain, `${q}.domain`) };
    }),
    notes: o.notes === undefined ? [] : arr(o.notes, `${p}.notes`, str),
  };
}

function layer(v: Json, p: string): LayerRow {
  const o = obj(v, p);
  return {
    name: str(o.name, `${p}.name`),
    op: str(o.op, `${p}.op`),
    domain: str(o.domain, `${p}.domain`),
    supported: bool(o.supported, `${p}.supported`),
    inputShapes: nullable(o.inputShapes, `${p}.inputShapes`, shapes),
    outputShapes: nullable(o.outputShapes, `${p}.outputShapes`, shapes),
    params: num(o.params, `${p}.params`),
    macs: num(o.macs, `${p}.macs`),
    weightFormat: nullable(o.weightFormat, `${p}.weightFormat`, qformat),
    outputFormat: nullable(o.outputFormat, `${p}.outputFormat`, qformat),
    accumulator: nullable(o.accumulator, `${p}.accumulator`, (x, q) => oneOf(x, q, ['i32', 'i64'] as const)),
    range: nullable(o.range, `${p}.range`, (x, q) => {
      const r = arr(x, q, num);
      if (r.length !== 2) throw new ProtocolError(q, '[lo, hi]');
      return [r[0], r[1]] as [number, number];
    }),
  };
}

function options(v: Json, p: string): PreviewOptions {
  const o = obj(v, p);
  return { format: oneOf(o.format, `${p}.format`, WEIGHT_FORMATS), optimize: oneOf(o.optimize, `${p}.optimize`, OPTIMIZE_GOALS) };
}

export function parsePreviewModel(v: Json, p = 'model'): PreviewModel {
  const o = obj(v, p);
  const src = obj(o.source, `${p}.source`);
  const notes: Partial<Record<SectionId, string>> = {};
  const n = o.notes === undefined ? {} : obj(o.notes, `${p}.notes`);
  for (const [k, text] of Object.entries(n)) notes[oneOf(k, `${p}.notes key`, SECTIONS)] = str(text, `${p}.notes.${k}`);
  return {
    source: {
      kind: oneOf(src.kind, `${p}.source.kind`, ['onnx', 'crate'] as const),
      path: str(src.path, `${p}.source.path`),
      displayName: str(src.displayName, `${p}.source.displayName`),
    },
    summary: nullable(o.summary, `${p}.summary`, summary),
    layers: nullable(o.layers, `${p}.layers`, (x, q) => arr(x, q, layer)),
    layerCosts: nullable(o.layerCosts, `${p}.layerCosts`, (x, q) =>
      arr(x, q, (c, r) => {
        const e = obj(c, r);
        return { name: str(e.name, `${r}.name`), op: str(e.op, `${r}.op`), ink: num(e.ink, `${r}.ink`), gas: num(e.gas, `${r}.gas`), codeBytes: nullable(e.codeBytes, `${r}.codeBytes`, num) };
      }),
    ),
    call: nullable(o.call, `${p}.call`, (x, q) => {
      const e = obj(x, q);
      return {
        executionGas: spread(e.executionGas, `${q}.executionGas`),
        totalTxGas: spread(e.totalTxGas, `${q}.totalTxGas`),
        breakdown: arr(e.breakdown, `${q}.breakdown`, (b, r) => {
          const c = obj(b, r);
          return { name: str(c.name, `${r}.name`), gas: num(c.gas, `${r}.gas`) };
        }),
        provenance: provenance(e.provenance, `${q}.provenance`),
      };
    }),
    deploy: nullable(o.deploy, `${p}.deploy`, (x, q) => {
      const e = obj(x, q);
      const fee = str(e.dataFeeWei, `${q}.dataFeeWei`);
      if (!/^\d+$/.test(fee)) throw new ProtocolError(`${q}.dataFeeWei`, 'a decimal integer string');
      return {
        deployGas: num(e.deployGas, `${q}.deployGas`),
        activationGas: num(e.activationGas, `${q}.activationGas`),
        dataFeeWei: fee,
        compressedBytes: num(e.compressedBytes, `${q}.compressedBytes`),
        limitBytes: num(e.limitBytes, `${q}.limitBytes`),
        provenance: provenance(e.provenance, `${q}.provenance`),
      };
    }),
    accuracy: nullable(o.accuracy, `${p}.accuracy`, (x, q) => {
      const e = obj(x, q);
      return {
        cases: num(e.cases, `${q}.cases`),
        maxAbsError: num(e.maxAbsError, `${q}.maxAbsError`),
        argmaxAgreement: nullable(e.argmaxAgreement, `${q}.argmaxAgreement`, num),
        source: str(e.source, `${q}.source`),
      };
    }),
    options: options(o.options, `${p}.options`),
    deployment: nullable(o.deployment, `${p}.deployment`, (x, q) => {
      const e = obj(x, q);
      return {
        address: str(e.address, `${q}.address`),
        rpcUrl: str(e.rpcUrl, `${q}.rpcUrl`),
        deployTx: str(e.deployTx, `${q}.deployTx`),
        activateTx: nullable(e.activateTx, `${q}.activateTx`, str),
      };
    }),
    errors: arr(o.errors, `${p}.errors`, (x, q) => {
      const e = obj(x, q);
      return {
        stage: oneOf(e.stage, `${q}.stage`, ['manifest', 'inspect', 'plan', 'estimate', 'simulate', 'build', 'deploy', 'call'] as const),
        message: str(e.message, `${q}.message`),
      };
    }),
    notes,
  };
}

export function parseTryItResult(v: Json, p = 'result'): TryItResult {
  const o = obj(v, p);
  return {
    outputs: arr(o.outputs, `${p}.outputs`, (x, q) => {
      const e = obj(x, q);
      return {
        name: str(e.name, `${q}.name`),
        shape: arr(e.shape, `${q}.shape`, num),
        values: arr(e.values, `${q}.values`, num),
        raw: arr(e.raw, `${q}.raw`, str),
      };
    }),
    gasUsed: num(o.gasUsed, `${p}.gasUsed`),
    txHash: nullable(o.txHash, `${p}.txHash`, str),
    matchesSimulator: nullable(o.matchesSimulator, `${p}.matchesSimulator`, bool),
  };
}

/** Validates a message the webview received from the extension. */
export function parseToWebview(v: Json): ToWebview {
  const o = obj(v, 'message');
  switch (o.type) {
    case 'model':
      return { type: 'model', model: parsePreviewModel(o.model) };
    case 'busy':
      return { type: 'busy', what: nullable(o.what, 'what', str) };
    case 'tryResult':
      return { type: 'tryResult', result: parseTryItResult(o.result) };
    case 'tryError':
      return { type: 'tryError', message: str(o.message, 'message') };
    case 'reveal':
      return { type: 'reveal', section: oneOf(o.section, 'section', SECTIONS) };
    default:
      throw new ProtocolError('message.type', 'a known message type');
  }
}

/** Validates a message the extension received from the webview. */
export function parseFromWebview(v: Json): FromWebview {
  const o = obj(v, 'message');
  switch (o.type) {
    case 'ready':
    case 'build':
    case 'deploy':
      return { type: o.type };
    case 'setOptions':
      return { type: 'setOptions', options: options(o.options, 'options') };
    case 'try': {
      const input = str(o.input, 'input');
      if (input.length > 100_000) throw new ProtocolError('input', 'at most 100000 characters');
      return { type: 'try', input };
    }
    case 'cspViolation':
      return { type: 'cspViolation', directive: str(o.directive, 'directive').slice(0, 200), blocked: str(o.blocked, 'blocked').slice(0, 500) };
    default:
      throw new ProtocolError('message.type', 'a known message type');
  }
}

export function defaultOptions(): PreviewOptions {
  return { format: 'auto', optimize: 'as generated' };
}

/** A model with only its source known: what the preview shows before (or without) the pipeline. */
export function emptyPreviewModel(source: PreviewModel['source'], opts: PreviewOptions = defaultOptions()): PreviewModel {
  return { source, summary: null, layers: null, layerCosts: null, call: null, deploy: null, accuracy: null, options: opts, deployment: null, errors: [], notes: {} };
}
