// Identifiers shared by the extension, package.json and the tests. No `vscode` import, so unit tests can
// check package.json against them.

/** Every command the extension registers (package.json `contributes.commands` must list exactly these). */
export const COMMAND_IDS = [
  'stylusMl.newCrate',
  'stylusMl.newCrateFromSample',
  'stylusMl.openPreview',
  'stylusMl.build',
  'stylusMl.startDevnode',
  'stylusMl.stopDevnode',
  'stylusMl.resetDevnode',
  'stylusMl.deployDevnode',
  'stylusMl.deployNetwork',
  'stylusMl.callPredict',
  'stylusMl.showGasReport',
  'stylusMl.devnodeActions',
  'stylusMl.showOutput',
  'stylusMl.forgetNetworkKeys',
  'stylusMl.checkPrerequisites',
  'stylusMl.refreshDeployments',
  'stylusMl.activateDeployment',
  'stylusMl.cacheDeployment',
  'stylusMl.revealInGraph',
] as const;
export type CommandId = (typeof COMMAND_IDS)[number];

/** Context keys set with `setContext`, used in `when` / `enablement` clauses. */
export const CONTEXT_KEYS = {
  /** the workspace contains a generated crate (stylus-ml.json) */
  inProject: 'stylusMl.inProject',
  /** the workspace contains an .onnx model or a crate */
  hasModel: 'stylusMl.hasModel',
  devnodeRunning: 'stylusMl.devnodeRunning',
  /** a devnode start or stop is under way */
  devnodeBusy: 'stylusMl.devnodeBusy',
  /** some crate was deployed in this workspace (Call Predict… needs one) */
  hasDeployment: 'stylusMl.hasDeployment',
  /** the engine's CLI bundle is present */
  coreAvailable: 'stylusMl.coreAvailable',
} as const;
export type ContextKey = (typeof CONTEXT_KEYS)[keyof typeof CONTEXT_KEYS];

/** The bundled model the walkthrough scaffolds from (samples/README.md says where it comes from). */
export const SAMPLE_MODEL = 'samples/iris-logreg.onnx';

export const TASK_TYPE = 'stylus-ml';
export const RUSTC_PROBLEM_MATCHER = '$stylusMl-rustc';
