// The message protocol between the extension host and the model-preview webview, and the data the preview
// renders. Shared by both sides (extension/ bundles it for Node, webview/ for the browser), so it must not
// import `vscode` or anything DOM-specific. One valibot schema per message gives the type and the check:
// the webview treats the extension's data as untrusted text (model names come from the ONNX file), and the
// extension treats the webview's messages as untrusted input. valibot compiles nothing at run time, so the
// checks run under the webview's strict CSP (no 'unsafe-eval').
import { ContractError, parseContract, v } from '../core/contracts/check';

export const PREVIEW_VIEW_TYPE = 'stylusMl.preview';
export const MODEL_EDITOR_VIEW_TYPE = 'stylusMl.modelPreview';

const MAX_TEXT = 1_000_000;
const text = v.pipe(v.string(), v.maxLength(MAX_TEXT, 'at most 1000000 characters'));
const num = v.pipe(v.number(), v.check((x) => !Number.isNaN(x), 'a number'));
const pair = v.tuple([num, num]);

export const WEIGHT_FORMATS = ['auto', 'i8', 'i16', 'i32'] as const;
/** 'as generated': the crate's own lowering; gas / size: the lowering `new --optimize` would pick */
export const OPTIMIZE_GOALS = ['as generated', 'gas', 'size'] as const;
export const SECTIONS = ['summary', 'graph', 'layers', 'gas', 'deploy', 'accuracy', 'compare', 'tryIt'] as const;
export const PIPELINE_STAGES = ['manifest', 'inspect', 'plan', 'estimate', 'simulate', 'build', 'deploy', 'call'] as const;

export const QFormatSchema = v.object({ storage: v.picklist(['i8', 'i16', 'i32', 'i64']), fracBits: num });

export const TensorSummarySchema = v.object({
  name: text,
  /** numbers, or a symbolic dimension name as the ONNX file gives it */
  shape: v.array(v.union([num, text])),
  dtype: text,
});

export const ModelSummarySchema = v.object({
  producer: v.nullable(text),
  opsets: v.array(v.object({ domain: text, version: num })),
  inputs: v.array(TensorSummarySchema),
  outputs: v.array(TensorSummarySchema),
  params: num,
  macs: num,
  /** nodes the pipeline cannot lower, named so the user sees all of them at once */
  unsupported: v.array(v.object({ name: text, op: text, domain: text })),
  /** the pipeline's remarks (fixed batch size, pass-through nodes, ...) */
  notes: v.optional(v.array(text), []),
});

/** One row of the layer table: the ONNX node as the pipeline lowered it. */
export const LayerRowSchema = v.object({
  name: text,
  op: text,
  domain: text,
  supported: v.boolean(),
  inputShapes: v.nullable(v.array(v.array(num))),
  outputShapes: v.nullable(v.array(v.array(num))),
  params: num,
  macs: num,
  /** storage format of the layer's weights and of its output, once a quantisation plan exists */
  weightFormat: v.nullable(QFormatSchema),
  outputFormat: v.nullable(QFormatSchema),
  accumulator: v.nullable(v.picklist(['i32', 'i64'])),
  /** proven value interval of the output, in real units */
  range: v.nullable(pair),
});

export const SpreadSchema = v.object({ min: num, typical: num, max: num });
/** Where a number comes from: the analytical estimator or a run on the devnode. */
export const ProvenanceSchema = v.picklist(['estimate', 'measured']);

export const LayerCostSchema = v.object({
  name: text,
  op: text,
  ink: num,
  gas: num,
  /** null when the source (e.g. a crate's manifest) does not say */
  codeBytes: v.nullable(num),
  /** the layer's output format ("i16 Q.8") and proven interval, when the estimate gives them */
  format: v.optional(v.nullable(text), null),
  range: v.optional(v.nullable(pair), null),
});

export const CallCostSchema = v.object({
  executionGas: SpreadSchema,
  totalTxGas: SpreadSchema,
  /** e.g. intrinsic, calldata, init, compute: component name → gas (typical path) */
  breakdown: v.array(v.object({ name: text, gas: num })),
  provenance: ProvenanceSchema,
});

export const DeployCostSchema = v.object({
  deployGas: num,
  activationGas: num,
  /** decimal string: wei amounts exceed 2^53 */
  dataFeeWei: v.pipe(v.string(), v.regex(/^\d+$/, 'a decimal integer string')),
  compressedBytes: num,
  limitBytes: num,
  provenance: ProvenanceSchema,
});

/** Where the model's bytes go on chain: its layout and every part (program, fragments, data contracts). */
export const PartsSchema = v.object({
  layout: v.picklist(['single', 'fragments', 'data']),
  /** why this layout (auto's comparison) */
  reason: text,
  rows: v.array(
    v.object({
      kind: v.picklist(['program', 'fragment', 'data']),
      name: text,
      bytes: num,
      /** where it is (content address) or was deployed; null before */
      address: v.nullable(text),
      /** the layer a data contract holds weights of */
      layer: v.nullable(text),
      /** gas of its deployment transaction: measured once deployed, else the estimate's, else null */
      deployGas: v.nullable(num),
    }),
  ),
  /** gas a predict call spends reading the data contracts (account_code), when known */
  readGas: v.nullable(num),
});

/** The program's linear memory: the arena of intermediate tensors and what its pages cost per call. */
export const MemorySchema = v.object({ arenaBytes: num, unsharedBytes: num, pages: num, gas: num });

export const AccuracySchema = v.object({
  cases: num,
  maxAbsError: num,
  /** null for regressors */
  argmaxAgreement: v.nullable(num),
  /** e.g. "calibration data (200 cases)" */
  source: text,
});

/** One row of the per-layer error table (`simulate --per-layer`, core/report/per-layer.ts). */
export const PerLayerRowSchema = v.object({
  name: text,
  op: text,
  /** e.g. "i16 Q.8", "i8 (q - 3) * 0.05", "f32" */
  format: text,
  /** max and mean |fixed − float| over the inputs; null for integer outputs */
  maxAbsError: v.nullable(num),
  meanAbsError: v.nullable(num),
  errorBound: v.nullable(num),
  boundAgainst: v.picklist(['float model', 'onnxruntime']),
  /** smallest and largest value seen */
  observed: pair,
  /** the values over the format's range, in equal bins */
  histogram: v.object({ lo: num, hi: num, counts: v.array(num) }),
});

export const PerLayerSchema = v.object({
  cases: num,
  /** what the inputs were */
  source: text,
  layers: v.array(PerLayerRowSchema),
  worst: v.nullable(v.object({ name: text, why: text, advice: text })),
});

/** `new --validation`: the held-out figures recorded in stylus-ml.json. */
export const ValidationSummarySchema = v.object({
  file: text,
  rows: num,
  policy: v.picklist(['revert', 'clamp']),
  /** fractions of the rows, and of the values, inside the box */
  coverage: v.object({ rows: num, values: num }),
  outside: num,
  revertRate: num,
  argmaxAgreement: v.nullable(num),
  accuracy: v.nullable(v.object({ float: num, fixed: num })),
  advice: v.nullable(text),
});

/** How the input box of a bare .onnx preview is given: the stated default, one range for every input
 *  value, one range per input, or derived from a calibration file (the rules of `--calibration --box`). */
export const BOX_MODES = ['default', 'range', 'per-input', 'calibration'] as const;
export const BOX_SHAPES = ['auto', 'per-value', 'per-tensor'] as const;
const ordered = v.pipe(pair, v.check(([lo, hi]) => Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi, 'finite lo ≤ hi'));
export const BoxSettingsSchema = v.object({
  mode: v.picklist(BOX_MODES),
  range: v.optional(ordered),
  perInput: v.optional(v.record(text, ordered)),
  /** absolute path of the calibration file (picked in a file dialog by the extension, never typed in the page) */
  calibration: v.optional(text),
  shape: v.optional(v.picklist(BOX_SHAPES)),
  margin: v.optional(v.pipe(num, v.minValue(0))),
});

export const PreviewOptionsSchema = v.object({
  format: v.picklist(WEIGHT_FORMATS),
  optimize: v.picklist(OPTIMIZE_GOALS),
  /** a bare .onnx preview's input box (a crate's is its manifest's) */
  box: v.optional(BoxSettingsSchema),
});

/** The box the gas and accuracy figures are for, as the engine reports it (estimate --json `box`). */
export const BoxInfoSchema = v.object({
  source: v.picklist(['declared', 'calibration', 'quantizer', 'default', 'inputs', 'crate']),
  /** the box as an --input-range spec; null for a per-value box */
  spec: v.nullable(text),
  note: text,
});

/** The ONNX graph as the file gives it (inspect --json): one node per ONNX node; a value produced by one
 *  node (or a graph input) and consumed by another is an edge. */
export const GraphSchema = v.object({
  inputs: v.array(v.object({ name: text, shape: v.array(v.union([num, text])) })),
  outputs: v.array(v.object({ name: text })),
  nodes: v.array(
    v.object({
      name: text,
      op: text,
      domain: text,
      supported: v.boolean(),
      inputs: v.array(text),
      outputs: v.array(text),
      outputShapes: v.array(v.nullable(v.array(num))),
    }),
  ),
});

export const DeploymentSchema = v.object({ address: text, rpcUrl: text, deployTx: v.nullable(text), activateTx: v.nullable(text) });

export const TryItResultSchema = v.object({
  outputs: v.array(
    v.object({
      name: text,
      shape: v.array(num),
      /** dequantised values, or class labels */
      values: v.array(v.union([num, text])),
      /** raw fixed-point integers as decimal strings */
      raw: v.array(text),
    }),
  ),
  /** null when the call reverted before any gas figure */
  gasUsed: v.nullable(num),
  txHash: v.nullable(text),
  /** null when the simulator could not be run for this input */
  matchesSimulator: v.nullable(v.boolean()),
});

export const PreviewModelSchema = v.object({
  source: v.object({
    kind: v.picklist(['onnx', 'crate']),
    /** absolute file-system path of the .onnx file or the crate folder */
    path: text,
    displayName: text,
  }),
  summary: v.nullable(ModelSummarySchema),
  layers: v.nullable(v.array(LayerRowSchema)),
  layerCosts: v.nullable(v.array(LayerCostSchema)),
  call: v.nullable(CallCostSchema),
  deploy: v.nullable(DeployCostSchema),
  /** a crate's parts and memory (from stylus-ml.json); absent for an .onnx file */
  parts: v.optional(v.nullable(PartsSchema), null),
  memory: v.optional(v.nullable(MemorySchema), null),
  accuracy: v.nullable(AccuracySchema),
  /** each layer's error against the float model, on the accuracy section's inputs */
  perLayer: v.optional(v.nullable(PerLayerSchema), null),
  /** a crate generated with --validation: its held-out figures */
  validation: v.optional(v.nullable(ValidationSummarySchema), null),
  options: PreviewOptionsSchema,
  /** the input box the figures are for */
  box: v.optional(v.nullable(BoxInfoSchema), null),
  /** the ONNX graph, for the graph view */
  graph: v.optional(v.nullable(GraphSchema), null),
  deployment: v.nullable(DeploymentSchema),
  /** failures of the pipeline, shown at the top of the preview */
  errors: v.array(v.object({ stage: v.picklist(PIPELINE_STAGES), message: text })),
  /** why a section is empty ("not available yet", "build the crate to measure") */
  notes: v.optional(v.record(v.picklist(SECTIONS), text), {}),
});

// ---- messages ---------------------------------------------------------------------------------------

export const ToWebviewSchema = v.variant('type', [
  v.object({ type: v.literal('model'), model: PreviewModelSchema }),
  v.object({ type: v.literal('busy'), what: v.nullable(text) }),
  v.object({ type: v.literal('tryResult'), result: TryItResultSchema }),
  v.object({ type: v.literal('tryError'), message: text }),
  v.object({ type: v.literal('reveal'), section: v.picklist(SECTIONS) }),
  /** select a node of the graph (a layer function in model.rs asked for it) */
  v.object({ type: v.literal('revealNode'), name: text }),
]);

export const FromWebviewSchema = v.variant('type', [
  v.object({ type: v.literal('ready') }),
  v.object({ type: v.literal('setOptions'), options: PreviewOptionsSchema }),
  v.object({ type: v.literal('build') }),
  v.object({ type: v.literal('deploy') }),
  v.object({ type: v.literal('try'), input: v.pipe(v.string(), v.maxLength(100_000, 'at most 100000 characters')) }),
  /** choose a calibration file (the extension opens the file dialog) */
  v.object({ type: v.literal('pickCalibration') }),
  /** `new` with the preview's settings */
  v.object({ type: v.literal('createCrate') }),
  /** a graph node was activated: in a crate, open its function in model.rs */
  v.object({ type: v.literal('openNode'), name: text }),
  // what the page reports is truncated, not refused: it is only logged
  v.object({
    type: v.literal('cspViolation'),
    directive: v.pipe(text, v.transform((s) => s.slice(0, 200))),
    blocked: v.pipe(text, v.transform((s) => s.slice(0, 500))),
  }),
]);

export const OVERLAYS = ['ops', 'gas', 'bytes', 'format', 'error'] as const;
export const ViewStateSchema = v.object({ overlay: v.picklist(OVERLAYS), selected: v.nullable(text) });

/** The figures of one setting, pinned to compare with another side by side. */
export const PinnedSchema = v.object({
  label: text,
  totalTxGas: v.nullable(num),
  executionGas: v.nullable(num),
  deployGas: v.nullable(num),
  activationGas: v.nullable(num),
  compressedBytes: v.nullable(num),
  maxAbsError: v.nullable(num),
  argmaxAgreement: v.nullable(num),
});

/** What the webview keeps with getState/setState so that hide/show and reloads render at once; the
 *  WebviewPanelSerializer rebuilds a crate preview after a window reload from `sourcePath`. */
export const WebviewStateSchema = v.object({
  /** the .onnx file or crate folder this preview shows (from the page, saved before any model arrives) */
  sourcePath: v.nullable(text),
  model: v.nullable(PreviewModelSchema),
  tryInput: v.pipe(v.string(), v.maxLength(100_000)),
  tryResult: v.nullable(TryItResultSchema),
  /** the estimate pinned for comparison, and the view's own settings */
  pinned: v.optional(v.nullable(PinnedSchema), null),
  view: v.optional(ViewStateSchema, { overlay: 'ops', selected: null }),
});


export type SectionId = (typeof SECTIONS)[number];
export type QFormat = v.InferOutput<typeof QFormatSchema>;
export type Accuracy = v.InferOutput<typeof AccuracySchema>;
export type PerLayer = v.InferOutput<typeof PerLayerSchema>;
export type PreviewOptions = v.InferOutput<typeof PreviewOptionsSchema>;
export type BoxSettings = v.InferOutput<typeof BoxSettingsSchema>;
export type GraphModel = v.InferOutput<typeof GraphSchema>;
export type Overlay = (typeof OVERLAYS)[number];
export type Pinned = v.InferOutput<typeof PinnedSchema>;
export type Deployment = v.InferOutput<typeof DeploymentSchema>;
export type TryItResult = v.InferOutput<typeof TryItResultSchema>;
export type PreviewModel = v.InferOutput<typeof PreviewModelSchema>;
export type ToWebview = v.InferOutput<typeof ToWebviewSchema>;
export type FromWebview = v.InferOutput<typeof FromWebviewSchema>;
export type WebviewState = v.InferOutput<typeof WebviewStateSchema>;

// ---- validation -------------------------------------------------------------------------------------

/** A message or saved state that does not match the protocol; `message` names the field. */
export class ProtocolError extends Error {
  constructor(readonly contractError: ContractError) {
    super(`invalid message: ${contractError.issues[0]}`);
    this.name = 'ProtocolError';
  }
}

function parse<S extends v.GenericSchema>(schema: S, value: unknown, where: string): v.InferOutput<S> {
  try {
    return parseContract(schema, value, where);
  } catch (e) {
    if (e instanceof ContractError) throw new ProtocolError(e);
    throw e;
  }
}

export const parsePreviewModel = (x: unknown): PreviewModel => parse(PreviewModelSchema, x, 'model');
export const parseTryItResult = (x: unknown): TryItResult => parse(TryItResultSchema, x, 'result');
/** Validates a message the webview received from the extension. */
export const parseToWebview = (x: unknown): ToWebview => parse(ToWebviewSchema, x, 'message');
/** Validates a message the extension received from the webview. */
export const parseFromWebview = (x: unknown): FromWebview => parse(FromWebviewSchema, x, 'message');
/** A saved webview state; null when it does not match (an older extension's state is dropped, not trusted). */
export function parseWebviewState(x: unknown): WebviewState | null {
  const r = v.safeParse(WebviewStateSchema, x);
  return r.success ? r.output : null;
}

export function defaultOptions(): PreviewOptions {
  return { format: 'auto', optimize: 'as generated' };
}

/** A model with only its source known: what the preview shows before (or without) the pipeline. */
export function emptyPreviewModel(source: PreviewModel['source'], opts: PreviewOptions = defaultOptions()): PreviewModel {
  return { source, summary: null, layers: null, layerCosts: null, call: null, deploy: null, parts: null, memory: null, accuracy: null, perLayer: null, validation: null, options: opts, box: null, graph: null, deployment: null, errors: [], notes: {} };
}
