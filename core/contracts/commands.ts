// Editor commands that the analysis engine puts into CodeLenses and code actions, and their arguments:
// the language server sends them, the extension runs them and parses the arguments with these schemas.
import { v } from './check';

/** Client command behind a layer's gas CodeLens. Arguments: [ShowGasReportArgs]. */
export const SHOW_GAS_REPORT_COMMAND = 'stylusMl.showGasReport';

export const ShowGasReportArgsSchema = v.object({
  /** absolute path of stylus-ml.json */
  manifest: v.string(),
  /** ONNX node name of the layer */
  layer: v.string(),
  fn: v.string(),
});
export type ShowGasReportArgs = v.InferOutput<typeof ShowGasReportArgsSchema>;

/** Client command behind a layer's "graph" CodeLens: selects the layer's ONNX node in the crate preview's
 *  graph. Arguments: [ShowGasReportArgs] (the same manifest, layer and function). */
export const REVEAL_IN_GRAPH_COMMAND = 'stylusMl.revealInGraph';

/** Client command: re-run quantisation of a generated crate with more headroom. Arguments: [RequantizeArgs]. */
export const REQUANTIZE_COMMAND = 'stylusMl.requantize';

export const RequantizeArgsSchema = v.object({
  /** absolute path of stylus-ml.json */
  manifest: v.string(),
  crateDir: v.string(),
  /** the ONNX node name and the Rust function */
  layer: v.string(),
  fn: v.string(),
  /** extra bits of headroom to reserve (1 halves the scale of the layer's output) */
  headroomBits: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(16)),
  /** the diagnostic code and message that triggered it */
  code: v.string(),
  reason: v.string(),
});
export type RequantizeArgs = v.InferOutput<typeof RequantizeArgsSchema>;
