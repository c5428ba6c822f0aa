// core/baseline: the EVM baseline of a quantised model (issue 5) — Solidity generated from the plan with
// the simulator's integer semantics, compiled with npm solc, deployed and measured like the Stylus program.
export { generateSolidity } from './contract';
export { compileBaseline, type CompiledBaseline } from './compile';
export { buildBaseline } from './build';
export { deployBaseline, predictGas, OverGasCap } from './measure';
