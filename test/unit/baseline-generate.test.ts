// The EVM baseline generator's failure modes: an op it cannot reproduce is named instead of emitting
// wrong code, a non-integer plan parameter is refused, solc's errors come back readable, and a contract
// above EIP-170 is refused by compileBaseline while buildBaseline falls back to packed weights.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadGraph } from '../../core/onnx/import';
import { prepareModel } from '../../core/pipeline';
import { UserError } from '../../core/errors';
import type { Plan, QNode } from '../../core/quant/types';
import { buildBaseline, compileBaseline, generateSolidity } from '../../core/baseline';
import { mlp } from '../fixtures/onnx-builder';

function mlpPlan(sizes: number[]): Plan {
  const bytes = mlp(sizes, { batch: 1 });
  return prepareModel('m.onnx', { inputRange: '0:16' }, { bytes, graph: loadGraph(bytes, { file: 'm.onnx' }) }).plan;
}

function withNode(plan: Plan, i: number, change: (qn: QNode) => QNode): Plan {
  return { ...plan, nodes: plan.nodes.map((qn, k) => (k === i ? change(qn) : qn)) };
}

test('an op the generator does not know fails generation, naming the op and the node', () => {
  const plan = withNode(mlpPlan([4, 3, 2]), 1, (qn) => ({ ...qn, params: { op: 'gelu' } as unknown as QNode['params'] }));
  assert.throws(() => generateSolidity(plan), (e: Error) => e instanceof UserError && /op gelu/.test(e.message) && /relu0/.test(e.message));
});

test('a non-integer plan parameter is refused, not rounded', () => {
  const plan = withNode(mlpPlan([4, 3, 2]), 0, (qn) => {
    if (qn.params.op !== 'matmul') throw new Error('expected matmul');
    const bias = Float64Array.from(qn.params.bias!);
    bias[1] = 0.5;
    return { ...qn, params: { ...qn.params, bias } };
  });
  assert.throws(() => generateSolidity(plan), (e: Error) => e instanceof UserError && /bias/.test(e.message) && /not an integer/.test(e.message));
});

test('the contract name must be a Solidity identifier', () => {
  assert.throws(() => generateSolidity(mlpPlan([4, 2]), { contractName: 'my model' }), /not a Solidity identifier/);
});

test('solc errors come back as one readable UserError', () => {
  assert.throws(
    () => compileBaseline('pragma solidity ^0.8.24;\ncontract X { function f() external pure returns (uint256) { return y; } }'),
    (e: Error) => e instanceof UserError && /solc 0\.8\.\d+.*rejected the EVM baseline/.test(e.message) && /Undeclared identifier/.test(e.message),
  );
});

test('above EIP-170 compileBaseline refuses; buildBaseline falls back to packed weights and fits', () => {
  const plan = mlpPlan([64, 32, 10]);
  const { source, contractName } = generateSolidity(plan, { immediateBudget: 1e9 });
  assert.throws(() => compileBaseline(source, contractName), (e: Error) => e instanceof UserError && /EIP-170's 24576-byte limit/.test(e.message));
  const built = buildBaseline(plan, { immediateBudget: 1e9 });
  assert.equal(built.immediateBudget, 0);
  assert.ok(built.deployedBytes <= 24576);
  assert.match(built.source, /weights packed/);
  assert.doesNotMatch(built.source, /weights as immediates/);
});
