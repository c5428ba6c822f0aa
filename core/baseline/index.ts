// core/baseline: the EVM baseline of a quantised model (issue 5) — Solidity generated from the plan with
// the simulator's integer semantics, compiled with npm solc, deployed and measured like the Stylus program.
export { generateSolidity, BASELINE_OPS, type BaselineOptions, type BaselineSource } from './contract';
export { compileBaseline, type CompiledBaseline } from './compile';
export { buildBaseline, type BuiltBaseline } from './build';
export { deployBaseline, predictGas, calldataGas, TX_BASE_GAS, type PredictGas } from './measure';
