// stylus-ml.json: the manifest at the root of every generated crate. Written by codegen, build and deploy;
// read by the extension, the webview, the language server and the CLI. This valibot schema is its one
// definition: the TypeScript types below are inferred from it, every read and every write is checked
// against it, and schemas/stylus-ml.schema.json (the editor's inline validation) is generated from it.
import { v } from '../contracts/check';

export const MANIFEST_FILE = 'stylus-ml.json';
export const MANIFEST_SCHEMA = 1;

const int = v.pipe(v.number(), v.integer());
const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const finite = v.pipe(v.number(), v.finite());
const interval = v.tuple([finite, finite]);
const hex = (bytes: number, what: string) => v.pipe(v.string(), v.regex(new RegExp(`^0x[0-9a-f]{${bytes * 2}}$`), `${what} must be 0x and ${bytes * 2} lower-case hex digits`));
const decimal = v.pipe(v.string(), v.regex(/^\d+$/, 'a decimal integer string'));
const isoTime = v.pipe(v.string(), v.isoTimestamp());

export const StorageSchema = v.picklist(['i8', 'i16', 'i32']);
export const AccWidthSchema = v.picklist(['i32', 'i64']);
export const TemplateSchema = v.picklist(['sdk', 'minimal']);
export const InputPolicySchema = v.picklist(['revert', 'clamp']);
export const OptimizeSchema = v.picklist(['gas', 'size']);

/** `float32`: a float32 tensor of a dynamically quantized model, stored as its sign-magnitude key in i32 (see `float32` below) */
export const TensorFormatSchema = v.strictObject({ storage: StorageSchema, fracBits: int, float32: v.optional(v.literal(true)) });

const ioFields = {
  name: v.string(),
  shape: v.array(count),
  storage: StorageSchema,
  fracBits: int,
  /** proven real interval (hull over elements) */
  range: interval,
  /** 'real' or 'int' (labels, indices) */
  kind: v.picklist(['real', 'int']),
  /** a pre-quantized model's tensor: value = (q − zeroPoint) · scale (fracBits is 0; uint8 data is stored shifted by −128) */
  scale: v.optional(v.pipe(finite, v.gtValue(0))),
  zeroPoint: v.optional(int),
  /** a float32 value (dynamically quantized models): the int32 is +bits(x) for x ≥ 0 and −bits(|x|) for x < 0, bits the IEEE-754 binary32 pattern */
  float32: v.optional(v.literal(true)),
};

export const ManifestInputSchema = v.strictObject({
  ...ioFields,
  onnxType: v.string(),
  /** the declared box per element (real values) */
  box: v.strictObject({ lo: v.array(finite), hi: v.array(finite) }),
});

export const ManifestOutputSchema = v.strictObject({
  ...ioFields,
  errorBound: v.nullable(finite),
  errorBoundOnGrid: v.nullable(finite),
  classLabels: v.optional(v.array(v.union([v.number(), v.string()]))),
});

export const InkEstimateSchema = v.strictObject({ min: finite, typical: finite, max: finite });

/** Where a layer input comes from: the layer computing it (`output`: which of its outputs), or the graph input. */
export const LayerSourceSchema = v.union([v.strictObject({ layer: count, output: count }), v.strictObject({ input: count })]);

export const ManifestLayerSchema = v.strictObject({
  index: count,
  /** ONNX node name */
  name: v.string(),
  /** where each input comes from, in the order of `inputFormats` (the function's parameters) */
  sources: v.optional(v.array(LayerSourceSchema)),
  /** the Rust function in the model file */
  fn: v.pipe(v.string(), v.regex(/^[a-z_][a-z0-9_]*$/, 'a Rust function name')),
  /** IR op (matmul, conv2d, trees, ...) and the ONNX op it came from */
  op: v.string(),
  onnxOp: v.string(),
  inputShapes: v.array(v.array(count)),
  outputShape: v.array(count),
  params: count,
  macs: count,
  inputFormats: v.array(TensorFormatSchema),
  outputFormat: TensorFormatSchema,
  weightFormat: v.optional(TensorFormatSchema),
  /** proven real interval of the output (hull) */
  interval,
  /** proven integer interval of the stored output */
  qInterval: interval,
  accumulator: v.optional(AccWidthSchema),
  /** right shift (round half up) from the accumulator to the output; negative = left shift */
  shift: v.optional(int),
  /** 1-based inclusive line range of the layer's function in the model file */
  lines: v.nullable(v.tuple([v.pipe(int, v.minValue(1)), v.pipe(int, v.minValue(1))])),
  /** analytical ink of one call of this layer, and its gas (ink / inkPrice) */
  ink: v.nullable(InkEstimateSchema),
  gas: v.nullable(InkEstimateSchema),
  /** measured max error of an approximated nonlinearity */
  approxError: v.optional(finite),
  /** each weight table of the layer (weights, bias, scale, offset) as generated: its Rust static, storage,
   *  fractional bits and the least and greatest integer stored; the overflow analysis prefers it to
   *  `weightFormat` (a bias is stored at the accumulator's precision, not the weights') and places a
   *  broken bound at the weight edited outside its range */
  weights: v.optional(
    v.array(
      v.strictObject({
        name: v.string(),
        rust: v.pipe(v.string(), v.regex(/^[A-Z_][A-Z0-9_]*$/, 'a Rust static name')),
        storage: v.picklist(['i8', 'i16', 'i32', 'i64']),
        fracBits: int,
        qRange: interval,
      }),
    ),
  ),
});

/** The code generator's choices (core/codegen/lowering.ts documents each). */
export const LoweringSchema = v.strictObject({
  weights: v.picklist(['data', 'code']),
  dense: v.picklist(['unrolled', 'loop']),
  chunk: v.pipe(int, v.minValue(1)),
  trees: v.picklist(['branches', 'table', 'auto']),
  optLevel: v.picklist(['s', 'z', '3']),
});

const relPath = v.pipe(v.string(), v.minLength(1));
const address = v.pipe(v.string(), v.regex(/^0x[0-9a-fA-F]{40}$/, 'a 20-byte 0x address'));

/** One contract of a model's deployment. */
export const LayoutPartSchema = v.strictObject({
  /** `program` (the Stylus program, or the root of a fragmented one), `fragment`, or `data` (weights) */
  kind: v.picklist(['program', 'fragment', 'data']),
  name: v.string(),
  /** crate-relative file holding the part's code (data parts: written by new; fragments: by build) */
  file: v.optional(relPath),
  /** bytes of the part's on-chain code */
  bytes: count,
  /** keccak-256 of that code: a deployment is there when the chain's code hashes to it */
  codeHash: v.optional(hex(32, 'codeHash')),
  /** where it is deployed: data parts and fragments are CREATE2 addresses fixed by their content */
  address: v.optional(address),
  /** the layer whose weights a data part holds (its Rust function), and which units of its image */
  layer: v.optional(v.string()),
  units: v.optional(v.tuple([count, count])),
});

export const LayoutSchema = v.strictObject({
  kind: v.picklist(['single', 'fragments', 'data']),
  /** why this layout: what `--layout auto` compared, or that it was asked for */
  reason: v.string(),
  parts: v.array(LayoutPartSchema),
});

export const LabelRuleSchema = v.variant('kind', [
  v.strictObject({ kind: v.literal('output'), output: count, name: v.string(), labels: v.array(v.union([v.number(), v.string()])) }),
  v.strictObject({ kind: v.literal('argmax'), output: count, name: v.string(), classes: count }),
]);

const fraction = v.pipe(v.number(), v.minValue(0), v.maxValue(1));

/** How the box was derived from calibration data (core/quant/box.ts `calibrationBox`). */
export const BoxDerivationSchema = v.strictObject({
  /** calibration rows */
  rows: count,
  /** per input name: one range for all its values, or one per value */
  shapes: v.record(v.string(), v.picklist(['per-value', 'per-tensor'])),
  /** a per-value box's margin, as a fraction of each value's calibration range */
  margin: v.pipe(finite, v.minValue(0)),
});

/**
 * `--validation DATA.json [--labels L.json]`: held-out rows run through the plan (core/report/validation.ts).
 * Fractions are of the validation rows; the accuracy counts a reverted row as no answer.
 */
export const ValidationSchema = v.strictObject({
  file: v.string(),
  rows: count,
  policy: InputPolicySchema,
  /** rows entirely inside the box, and input values inside it */
  coverage: v.strictObject({ rows: fraction, values: fraction }),
  /** rows outside the box (reverted under revert, clamped under clamp) */
  outside: count,
  revertRate: fraction,
  /** the first value outside the box */
  firstOutside: v.nullable(v.strictObject({ row: count, input: v.string(), index: count, value: finite, lo: finite, hi: finite })),
  /** argmax agreement with the float model over the rows answered */
  argmaxAgreement: v.nullable(fraction),
  /** accuracy against the labels, of the float model and of the contract */
  accuracy: v.nullable(v.strictObject({ float: fraction, fixed: fraction })),
  /** per output: largest |fixed − float| over the rows inside the box, beside the proven bound */
  outputs: v.record(v.string(), v.strictObject({ maxAbsError: v.nullable(finite), errorBound: v.nullable(finite), withinBound: v.nullable(v.boolean()) })),
  /** what to change when rows leave the box */
  advice: v.nullable(v.string()),
});

/** The toolchain a build was made with (core/build/pin.ts). */
export const ToolchainPinSchema = v.strictObject({
  kind: v.picklist(['rustup', 'debian']),
  /** rustc's release, commit and LLVM version */
  rustc: v.string(),
  linker: v.string(),
  /** wasm-opt's version when it ran, else null */
  wasmOpt: v.nullable(v.string()),
});

export const ManifestSchema = v.strictObject({
  schema: v.literal(MANIFEST_SCHEMA, (i) => `schema ${JSON.stringify(i.input)} is not supported (this tool reads schema ${MANIFEST_SCHEMA}); regenerate the crate with \`stylus-ml new\``),
  tool: v.strictObject({ name: v.literal('stylus-ml'), version: v.string() }),
  model: v.strictObject({
    /** relative to the crate folder, or absolute */
    path: relPath,
    sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits')),
    producer: v.string(),
    opsets: v.record(v.string(), count),
  }),
  template: TemplateSchema,
  options: v.strictObject({
    activations: v.picklist(['i16', 'i32']),
    weights: StorageSchema,
    accumulator: v.picklist(['auto', 'i64']),
    inputPolicy: InputPolicySchema,
    optimize: v.optional(OptimizeSchema),
    /** formats forced with --format (tensor → "storage:fracBits"), so the plan can be rebuilt */
    force: v.optional(v.record(v.string(), v.pipe(v.string(), v.regex(/^i(8|16|32):-?\d+$/, 'storage:fracBits, e.g. i16:8')))),
  }),
  box: v.strictObject({ source: v.string(), note: v.string(), derivation: v.optional(BoxDerivationSchema) }),
  /** `new --validation`: the held-out figures */
  validation: v.optional(ValidationSchema),
  inputs: v.pipe(v.array(ManifestInputSchema), v.minLength(1, 'at least one input')),
  outputs: v.pipe(v.array(ManifestOutputSchema), v.minLength(1, 'at least one output')),
  layers: v.array(ManifestLayerSchema),
  totals: v.strictObject({
    params: count,
    macs: count,
    estimatedGas: v.nullable(InkEstimateSchema),
    codeSize: v.nullable(v.strictObject({ wasmBytes: count, compressedBytes: count, limitBytes: count })),
  }),
  /** linear memory of the program: the arena (intermediate tensors and layer scratch, planned by liveness,
   *  not on the 32 KiB shadow stack) and what its pages cost on every call */
  memory: v.optional(
    v.strictObject({
      arenaBytes: count,
      /** what the same buffers would take without reuse */
      unsharedBytes: count,
      /** zeroed static memory: calldata and return buffers, inputs, outputs and the arena */
      staticBytes: count,
      /** initial memory pages (64 KiB): stack, data, statics; predicted at generation, measured by build */
      pages: count,
      /** gas of opening those pages on a call (nitro's memory model: pages beyond 2 free, then exponential) */
      gas: count,
    }),
  ),
  /** where the model's bytes go on chain (core/layout): one program, a root with fragments, or a program
   *  with data contracts holding the dense layers' weights; every part with its bytes and content hash */
  layout: v.optional(LayoutSchema),
  /** keccak-256 of the integer model (core/quant/hash.ts) */
  modelHash: hex(32, 'modelHash'),
  /** 4-byte selectors of the contract ABI, hex without 0x */
  selectors: v.record(v.string(), v.pipe(v.string(), v.regex(/^[0-9a-f]{8}$/, '8 lower-case hex digits'))),
  /** crate-relative paths; `modelRs` is where `layers[].lines` point */
  files: v.strictObject({
    modelRs: relPath,
    fixedRs: relPath,
    abiRs: relPath,
    contract: relPath,
    golden: relPath,
    solidity: relPath,
    abiJson: relPath,
    /** every file `stylus-ml new` wrote (what `--force` may replace) */
    generated: v.array(relPath),
  }),
  /** the lowering used, and per layer the kernel the generator chose */
  lowering: v.strictObject({ ...LoweringSchema.entries, layers: v.record(v.string(), v.string()) }),
  contract: v.strictObject({
    label: v.nullable(LabelRuleSchema),
    inputCount: count,
    outputCount: count,
    packedInputBytes: count,
    packedOutputBytes: count,
    /** the most cases `predictBatch` takes in one call (absent in crates generated before it existed) */
    maxBatch: v.optional(v.pipe(count, v.minValue(1))),
    goldenVectors: count,
  }),
  /** filled by build / deploy */
  measured: v.optional(
    v.strictObject({
      build: v.optional(
        v.strictObject({
          wasmBytes: count,
          compressedBytes: count,
          toolchain: v.string(),
          at: isoTime,
          /** the toolchain exactly enough to rebuild the same bytes (`stylus-ml verify` rebuilds with it) */
          pin: v.optional(ToolchainPinSchema),
        }),
      ),
      deploy: v.optional(
        v.strictObject({
          rpc: v.string(),
          chainId: count,
          address,
          deployGas: count,
          activationGas: count,
          dataFeeWei: decimal,
          at: isoTime,
          /** a multi-part layout: each part's address and whether this run deployed it or found it */
          parts: v.optional(
            v.array(
              v.strictObject({
                name: v.string(),
                address,
                status: v.picklist(['deployed', 'present']),
                hash: v.nullable(hex(32, 'a transaction hash')),
                gasUsed: count,
              }),
            ),
          ),
        }),
      ),
    }),
  ),
  notes: v.array(v.string()),
});

export type TensorFormat = v.InferOutput<typeof TensorFormatSchema>;
export type ManifestInput = v.InferOutput<typeof ManifestInputSchema>;
export type ManifestOutput = v.InferOutput<typeof ManifestOutputSchema>;
export type ManifestIO = ManifestInput | ManifestOutput;
export type ManifestLayer = v.InferOutput<typeof ManifestLayerSchema>;
export type LayerSource = v.InferOutput<typeof LayerSourceSchema>;
export type LayerWeight = NonNullable<ManifestLayer['weights']>[number];
export type LabelRule = v.InferOutput<typeof LabelRuleSchema>;
export type Validation = v.InferOutput<typeof ValidationSchema>;
export type BoxDerivation = v.InferOutput<typeof BoxDerivationSchema>;
export type Manifest = v.InferOutput<typeof ManifestSchema>;
export type ToolchainPin = v.InferOutput<typeof ToolchainPinSchema>;
export type ManifestPart = v.InferOutput<typeof LayoutPartSchema>;
