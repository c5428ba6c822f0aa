// The `--json` output of every stylus-ml subcommand: one valibot schema each. The CLI checks what it
// prints against the command's schema (core/cli/main.ts), and the extension parses what it reads with the
// same schema (extension/core-client.ts), so the two sides cannot drift. Keys may be added to an output
// (readers ignore keys they do not know); renaming or removing one is a change of contract.
import { v } from './check';
import { ValidationSchema } from '../manifest/schema';

const num = v.number();
const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const decimal = v.pipe(v.string(), v.regex(/^\d+$/, 'a decimal integer string'));
const address = v.pipe(v.string(), v.regex(/^0x[0-9a-fA-F]{40}$/, 'a 20-byte 0x address'));
const txHash = v.pipe(v.string(), v.regex(/^0x[0-9a-fA-F]{64}$/, 'a 32-byte 0x hash'));
export const SpreadSchema = v.object({ min: num, typical: num, max: num });

// ---- inspect ------------------------------------------------------------------------------------------

export const InspectJsonSchema = v.object({
  file: v.string(),
  producer: v.string(),
  /** domain ('ai.onnx' for the default) → version */
  opsets: v.record(v.string(), count),
  inputs: v.array(v.object({ name: v.string(), shape: v.array(count), dtype: v.string() })),
  outputs: v.array(v.object({ name: v.string(), shape: v.nullable(v.array(count)), dtype: v.string() })),
  nodes: v.array(
    v.object({
      name: v.string(),
      op: v.string(),
      domain: v.string(),
      opset: count,
      supported: v.boolean(),
      reason: v.optional(v.string()),
      params: count,
      macs: count,
      outputShapes: v.array(v.nullable(v.array(count))),
      /** the node's input and output value names as in the file: a value produced by one node (or a graph
       *  input) and consumed by another is an edge of the graph; the rest are initializers */
      inputs: v.array(v.string()),
      outputs: v.array(v.string()),
    }),
  ),
  totals: v.object({ params: count, macs: count, nodes: count }),
  unsupported: v.array(v.object({ name: v.string(), op: v.string(), domain: v.string(), opset: count, reason: v.optional(v.string()) })),
  notes: v.array(v.string()),
});

// ---- simulate -----------------------------------------------------------------------------------------

const nnum = v.nullable(num);
/** `simulate --per-layer` (core/report/per-layer.ts) */
export const PerLayerSchema = v.object({
  cases: count,
  layers: v.array(
    v.object({
      index: count,
      name: v.string(),
      fn: v.string(),
      op: v.string(),
      onnxOp: v.string(),
      tensor: v.string(),
      format: v.string(),
      maxAbsError: nnum,
      meanAbsError: nnum,
      errorBound: nnum,
      /** the bound is against the float model, or (a pre-quantized model's own integers) onnxruntime */
      boundAgainst: v.picklist(['float model', 'onnxruntime']),
      relError: nnum,
      range: v.tuple([num, num]),
      observed: v.tuple([num, num]),
      histogram: v.object({ lo: num, hi: num, counts: v.array(count) }),
    }),
  ),
  worst: v.nullable(v.object({ index: count, name: v.string(), why: v.string(), advice: v.string() })),
});

const labelOrNumber = v.union([v.number(), v.string()]);
export const SimulateJsonSchema = v.object({
  cases: v.array(
    v.object({
      outputs: v.record(v.string(), v.object({ shape: v.array(count), float: v.array(labelOrNumber), fixed: v.array(labelOrNumber), fixedRaw: v.array(num) })),
      argmax: v.nullable(v.object({ float: num, fixed: num })),
      /** only when the input is outside the box: the revert message */
      error: v.optional(v.string()),
      /** only when the input is outside the box: the float model's argmax */
      floatArgmax: v.optional(num),
    }),
  ),
  summary: v.object({
    cases: count,
    maxAbsError: num,
    argmaxAgreement: v.nullable(num),
    outputs: v.record(
      v.string(),
      v.object({
        storage: v.string(),
        fracBits: v.number(),
        /** a float32 output of a dynamically quantized model (fixedRaw holds sign-magnitude keys) */
        float32: v.optional(v.literal(true)),
        errorBound: v.nullable(num),
        errorBoundOnGrid: v.nullable(num),
        maxAbsError: v.nullable(num),
        labels: v.optional(v.array(labelOrNumber)),
      }),
    ),
    reverted: count,
  }),
  /** `--validation`: the held-out figures (the cases above are its rows) */
  validation: v.optional(ValidationSchema),
  /** `--per-layer`: each layer's error against the float model */
  perLayer: v.optional(PerLayerSchema),
});

// ---- new ----------------------------------------------------------------------------------------------

export const NewJsonSchema = v.object({
  dir: v.string(),
  template: v.picklist(['sdk', 'minimal']),
  package: v.string(),
  modelHash: v.string(),
  selectors: v.record(v.string(), v.string()),
  files: v.array(v.string()),
  removed: v.array(v.string()),
  goldenVectors: count,
  lockfile: v.picklist(['written', 'missing', 'included']),
  label: v.nullable(v.object({ kind: v.picklist(['output', 'argmax']), output: count, name: v.string() })),
  notes: v.array(v.string()),
  /** `--validation`: the held-out figures, as recorded in stylus-ml.json */
  validation: v.optional(ValidationSchema),
});

// ---- build --------------------------------------------------------------------------------------------

export const BuildJsonSchema = v.object({
  wasm: v.string(),
  wasmBytes: count,
  compressedBytes: count,
  limitBytes: count,
  toolchain: v.string(),
  valid: v.boolean(),
  violations: v.array(v.object({ rule: v.string(), detail: v.string() })),
  decompressedLimitBytes: count,
  fits: v.boolean(),
  contributors: v.array(v.object({ what: v.string(), kind: v.picklist(['weights', 'code', 'other']), bytes: count, compressedBytes: num })),
  advice: v.array(v.string()),
  /** where the model's bytes go (stylus-ml.json `layout`), and every part with its code bytes and hash */
  layout: v.optional(v.picklist(['single', 'fragments', 'data'])),
  parts: v.optional(
    v.array(
      v.object({
        kind: v.picklist(['program', 'fragment', 'data']),
        name: v.string(),
        bytes: count,
        codeHash: v.optional(v.pipe(v.string(), v.regex(/^0x[0-9a-f]{64}$/))),
        address: v.optional(address),
        file: v.optional(v.string()),
      }),
    ),
  ),
});

// ---- estimate -----------------------------------------------------------------------------------------

export const EstimateJsonSchema = v.object({
  target: v.string(),
  function: v.picklist(['predict', 'predictPacked', 'predictBatch']),
  /** predictBatch: cases per call, the contract's maximum, and the call's gas per case */
  batch: v.optional(v.object({ cases: count, maxBatch: count, executionGasPerCase: SpreadSchema, totalTxGasPerCase: SpreadSchema })),
  call: v.object({
    executionGas: SpreadSchema,
    totalTxGas: SpreadSchema,
    breakdown: v.object({ intrinsic: num, calldata: SpreadSchema, init: num, memory: num, hostio: num, dataContracts: v.optional(num), compute: SpreadSchema, l1: num }),
  }),
  deploy: v.object({
    deployGas: num,
    activationGas: num,
    dataFeeWei: decimal,
    compressedBytes: count,
    limitBytes: count,
    wasmBytes: count,
    parts: v.object({ deploy: v.record(v.string(), num), activation: v.record(v.string(), num) }),
    /** a multi-part layout's data contracts, each deployed through the CREATE2 proxy (the program too) */
    dataContracts: v.optional(v.array(v.object({ name: v.string(), deployGas: num }))),
  }),
  layers: v.array(
    v.object({
      name: v.string(),
      fn: v.string(),
      op: v.string(),
      kernel: v.string(),
      ink: num,
      inkSpread: SpreadSchema,
      gas: num,
      codeBytes: num,
      /** the built program's, when it is built */
      measuredInk: v.nullable(num),
      measuredCodeBytes: v.nullable(num),
      /** the layer's output format ("i16 Q.8", "i8 (q - 3) * 0.05", "f32") and proven real interval */
      format: v.string(),
      interval: v.tuple([num, num]),
    }),
  ),
  /** the input box the figures are for: declared, from calibration data, a pre-quantized model's own, the
   *  stated default (no box given), or a crate's; `spec` is it as an --input-range (null for a per-value box) */
  box: v.object({ source: v.picklist(['declared', 'calibration', 'quantizer', 'default', 'inputs', 'crate']), spec: v.nullable(v.string()), note: v.string() }),
  abiInk: num,
  measured: v.nullable(v.object({ executionGas: SpreadSchema, totalTxGas: SpreadSchema, ink: num, inputs: count, source: v.string() })),
  shape: v.object({ provenance: v.string(), initCost: num, cachedCost: num, footprintPages: num, asmEstimate: num }),
  arbosVersion: count,
  /** the Stylus parameters the estimate priced with (the table's, or a chain's own with --rpc) */
  stylusParams: v.object({
    stylusVersion: count,
    inkPrice: count,
    minInitGas: count,
    minCachedInitGas: count,
    initCostScalar: count,
    cachedCostScalar: count,
    freePages: count,
    pageGas: count,
    pageLimit: count,
    maxStackDepth: count,
    activationGas: count,
  }),
  inputs: count,
  provenance: v.record(v.string(), v.string()),
  alternatives: v.nullable(
    v.array(v.object({ lowering: v.string(), accumulator: v.string(), executionGas: num, totalTxGas: num, compressedBytes: count, fits: v.boolean() })),
  ),
});

// ---- deploy / call ------------------------------------------------------------------------------------

export const DeployJsonSchema = v.object({
  address,
  /** `hash` is null when a resumed multi-part deployment found the program already on chain */
  deploy: v.object({ hash: v.nullable(txHash), gasUsed: count }),
  /** `hash` is null when the same code was already activated */
  activate: v.object({ hash: v.nullable(txHash), gasUsed: count, dataFeeWei: decimal }),
  compressedBytes: count,
  /** a multi-part layout: every part in deployment order (the program last), deployed now or found on chain */
  parts: v.optional(
    v.array(
      v.object({
        kind: v.picklist(['program', 'fragment', 'data']),
        name: v.string(),
        address,
        status: v.picklist(['deployed', 'present']),
        hash: v.nullable(txHash),
        gasUsed: count,
      }),
    ),
  ),
});

/** `deploy --progress`: one JSON line on stderr per step of a multi-part deployment. */
export const DeployProgressSchema = v.object({
  progress: v.object({
    index: count,
    total: count,
    part: v.string(),
    phase: v.picklist(['checking', 'deploying', 'done']),
    status: v.optional(v.picklist(['deployed', 'present'])),
  }),
});

/** `deploy --dry-run`: every transaction, its gas (execution + L1 data) and cost, the total; nothing sent (core/chain/deploy-plan.ts) */
export const DeployDryRunJsonSchema = v.object({
  dryRun: v.literal(true),
  chainId: count,
  network: v.nullable(v.string()),
  from: address,
  /** where the program would land (the sender's next nonce) */
  address,
  compressedBytes: count,
  transactions: v.array(
    v.object({
      name: v.string(),
      to: v.nullable(address),
      dataBytes: count,
      valueWei: decimal,
      paidWei: decimal,
      gas: count,
      executionGas: count,
      l1Gas: count,
      gasPriceWei: decimal,
      costWei: decimal,
      costEth: v.string(),
    }),
  ),
  total: v.object({ gas: count, costWei: decimal, costEth: v.string() }),
  l1Pricing: v.object({ source: v.string(), pricePerUnitWei: decimal, l2BaseFeeWei: decimal, brotliLevel: count }),
  notes: v.array(v.string()),
});

export const CallCaseJsonSchema = v.object({
  outputs: v.record(v.string(), v.object({ shape: v.array(count), fixed: v.array(labelOrNumber), fixedRaw: v.array(num) })),
  /** the receipt's with --send, else eth_estimateGas; null when the call reverted */
  gasUsed: v.nullable(num),
  /** set when the contract reverted (e.g. an input outside the declared box) */
  error: v.optional(v.string()),
  /** the transaction, with --send */
  hash: v.optional(txHash),
  /** this case equals the simulator's (outputs bit for bit, or both revert) */
  matchesSimulator: v.boolean(),
});

export const CallJsonSchema = v.object({
  address,
  function: v.picklist(['predict', 'predictPacked', 'predictBatch']),
  cases: v.array(CallCaseJsonSchema),
  matchesSimulator: v.boolean(),
  /** --batch: every case in one predictBatch call; its gas shared by the cases */
  batch: v.optional(
    v.object({
      cases: count,
      gasUsed: v.nullable(count),
      gasPerCase: v.nullable(count),
      /** the contract's per-call maximum (the manifest's contract.maxBatch) */
      maxBatch: count,
      hash: v.optional(txHash),
      error: v.optional(v.string()),
    }),
  ),
});

// ---- status / activate / cache (after deployment) -------------------------------------------------------

const bytes32 = v.pipe(v.string(), v.regex(/^0x[0-9a-fA-F]{64}$/, 'a 32-byte 0x hex'));
const nullableCount = v.nullable(count);

/** `stylus-ml status`: a deployed program's state, from ArbWasm's and ArbWasmCache's views (core/chain/lifecycle.ts) */
export const StatusJsonSchema = v.object({
  address,
  activated: v.boolean(),
  programVersion: nullableCount,
  stylusVersion: count,
  needsUpgrade: v.boolean(),
  expiresInDays: nullableCount,
  keepaliveAfterDays: nullableCount,
  cached: v.boolean(),
  initGas: nullableCount,
  cachedInitGas: nullableCount,
  // beyond the keys
  chainId: count,
  codehash: bytes32,
  expired: v.boolean(),
  ageDays: nullableCount,
  expiryDays: count,
  keepaliveDays: count,
  warnings: v.array(v.string()),
  /** the code at the address is this crate's current build (null: the crate is not built) */
  isCurrentBuild: v.nullable(v.boolean()),
});

/** core/chain/cost.ts TxCost: what a transaction costs before it is sent */
export const TxCostSchema = v.object({
  gas: count,
  gasPriceWei: decimal,
  valueWei: decimal,
  /** the part of the value the chain keeps (data fee, bid); the rest is refunded */
  paidWei: decimal,
  totalWei: decimal,
  totalEth: v.string(),
});

export const SentTxSchema = v.object({ hash: txHash, gasUsed: count });

/** `stylus-ml activate`: what was due (activateProgram, codehashKeepalive or nothing), its cost, the status before and after */
export const ActivateJsonSchema = v.object({
  address,
  action: v.picklist(['activate', 'keepalive', 'none']),
  reason: v.string(),
  cost: v.nullable(TxCostSchema),
  sent: v.nullable(v.object({ ...SentTxSchema.entries, dataFeeWei: decimal })),
  dryRun: v.boolean(),
  before: StatusJsonSchema,
  after: v.nullable(StatusJsonSchema),
});

/** `stylus-ml cache`: the CacheManager bid (as cargo stylus cache bid), its cost, the status before and after */
export const CacheJsonSchema = v.object({
  address,
  action: v.picklist(['bid', 'none']),
  reason: v.string(),
  /** the CacheManager bid to (the last of ArbWasmCache.allCacheManagers()) */
  manager: v.nullable(address),
  /** the least bid the manager accepted when asked (getMinBid) */
  minBidWei: v.nullable(decimal),
  bidWei: v.nullable(decimal),
  cost: v.nullable(TxCostSchema),
  sent: v.nullable(SentTxSchema),
  dryRun: v.boolean(),
  /** init gas a call no longer pays once cached (programInitGas: uncached − cached) */
  savedPerCallGas: v.nullable(count),
  before: StatusJsonSchema,
  after: v.nullable(StatusJsonSchema),
});

// ---- verify -------------------------------------------------------------------------------------------

/** `stylus-ml verify`: the deployment against a rebuild from the ONNX file and options (core/cli/verify.ts) */
export const VerifyJsonSchema = v.object({
  matches: v.boolean(),
  parts: v.array(
    v.object({
      address,
      /** keccak-256 of the rebuilt code and of the deployed code (null: no code there) */
      expected: bytes32,
      deployed: v.nullable(bytes32),
      equal: v.boolean(),
      kind: v.picklist(['program', 'fragment', 'data']),
      name: v.string(),
      expectedBytes: count,
      deployedBytes: count,
      firstDifference: v.nullable(count),
    }),
  ),
  modelHash: v.object({ expected: bytes32, deployed: v.nullable(bytes32), error: v.optional(v.string()) }),
  address,
  chainId: count,
  toolchain: v.string(),
  pin: v.object({ kind: v.picklist(['rustup', 'debian']), rustc: v.string(), linker: v.string(), wasmOpt: v.nullable(v.string()) }),
  model: v.object({ file: v.string(), sha256: v.string(), recordedSha256: v.string() }),
  notes: v.array(v.string()),
  /** what differs, in words (empty when `matches`) */
  differences: v.array(v.string()),
});

// ---- check / devnode / demo / bench ---------------------------------------------------------------------

export const CheckJsonSchema = v.object({
  diagnostics: v.array(
    v.object({
      file: v.string(),
      line: count,
      column: count,
      endLine: count,
      endColumn: count,
      code: v.string(),
      severity: v.picklist(['error', 'warning', 'information', 'hint']),
      message: v.string(),
    }),
  ),
});

export const DevnodeJsonSchema = v.object({ url: v.string(), arbos: count, debug: v.boolean(), started: v.string(), stopped: v.string(), signal: v.string() });

export const DemoJsonSchema = v.object({
  crate: v.string(),
  inspect: v.optional(InspectJsonSchema),
  simulate: v.optional(SimulateJsonSchema),
  new: v.optional(NewJsonSchema),
  build: v.optional(BuildJsonSchema),
  deploy: v.optional(DeployJsonSchema),
  call: v.optional(CallJsonSchema),
});

export const BenchJsonSchema = v.object({
  rows: v.array(
    v.object({
      model: v.string(),
      kind: v.picklist(['trees', 'linear', 'mlp', 'cnn']),
      params: count,
      macs: count,
      stylus: v.object({ executionGas: num, totalTxGas: num, packedTxGas: num, compressedBytes: count, deployGas: num, activationGas: num, cachedExecutionGas: num, initGas: num, batch: v.object({ cases: count, txGasPerCase: num }) }),
      evm: v.nullable(v.object({ executionGas: num, totalTxGas: num, codeBytes: count, deployGas: num })),
      estimate: v.object({ executionGas: num, error: num }),
      inkPerMac: v.nullable(num),
    }),
  ),
  inputs: count,
  arbosVersion: count,
  written: v.array(v.string()),
  /** the real-size models (issue 13) and the largest model per layout, when they ran */
  scale: v.optional(
    v.object({
      rows: v.array(
        v.object({
          model: v.string(),
          params: count,
          macs: count,
          layout: v.picklist(['single', 'fragments', 'data']),
          parts: count,
          compressedBytes: count,
          deployGas: num,
          activationGas: num,
          predictGas: num,
          executionGas: num,
          estimate: v.object({ executionGas: num, error: num, deployError: num }),
          inkPerMac: num,
          evm: v.union([v.object({ totalTxGas: num }), v.object({ reason: v.string() })]),
        }),
      ),
      largest: v.array(v.object({ layout: v.picklist(['single', 'fragments', 'data']), hidden: count, params: count, executionGas: num, limit: v.string() })),
    }),
  ),
});

// ---- doctor -------------------------------------------------------------------------------------------

export const DoctorJsonSchema = v.object({
  version: v.string(),
  /** every required check passes */
  ready: v.boolean(),
  checks: v.array(
    v.object({
      id: v.string(),
      /** what the check is needed for */
      for: v.string(),
      ok: v.boolean(),
      detail: v.string(),
      /** the command that installs what is missing */
      fix: v.nullable(v.string()),
      required: v.boolean(),
    }),
  ),
});

export type DoctorJson = v.InferOutput<typeof DoctorJsonSchema>;
export type InspectJson = v.InferOutput<typeof InspectJsonSchema>;
export type PerLayerJson = v.InferOutput<typeof PerLayerSchema>;
export type SimulateJson = v.InferOutput<typeof SimulateJsonSchema>;
export type NewJson = v.InferOutput<typeof NewJsonSchema>;
export type BuildJson = v.InferOutput<typeof BuildJsonSchema>;
export type EstimateJson = v.InferOutput<typeof EstimateJsonSchema>;
export type DeployJson = v.InferOutput<typeof DeployJsonSchema>;
export type DeployDryRunJson = v.InferOutput<typeof DeployDryRunJsonSchema>;
export type DeployProgress = v.InferOutput<typeof DeployProgressSchema>['progress'];
export type CallJson = v.InferOutput<typeof CallJsonSchema>;
export type StatusJson = v.InferOutput<typeof StatusJsonSchema>;
export type ActivateJson = v.InferOutput<typeof ActivateJsonSchema>;
export type CacheJson = v.InferOutput<typeof CacheJsonSchema>;
export type VerifyJson = v.InferOutput<typeof VerifyJsonSchema>;
