// examples/Consumer.sol as generated for a classifier (allow/deny on predictLabel's label) and for a model
// without a label (allow when the first output reaches a threshold): both compile with solc beside the
// crate's IModel.sol, and their decide() / Decision event have the types a client expects. The on-chain
// run is test/integration/consumer.test.ts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { Abi, AbiEvent, AbiFunction } from 'viem';
import { generateCrate } from '../../core/codegen/generate';
import { prepareModel } from '../../core/pipeline';
import { forest, mlp } from '../fixtures/onnx-builder';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-consumer-gen-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function compiled(bytes: Uint8Array, name: string): Abi {
  const file = path.join(tmp, `${name}.onnx`);
  fs.writeFileSync(file, bytes);
  const crate = generateCrate(prepareModel(file, { inputRange: '-1:1' }), { template: 'minimal', crateDir: path.join(tmp, name), vectors: 4 });
  assert.ok(crate.manifest.files.generated.includes('examples/Consumer.sol'), 'recorded among the generated files');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require('solc') as { compile(input: string): string };
  const sources = { 'IModel.sol': { content: crate.files.get('IModel.sol')! }, 'examples/Consumer.sol': { content: crate.files.get('examples/Consumer.sol')! } };
  const out = JSON.parse(solc.compile(JSON.stringify({ language: 'Solidity', sources, settings: { outputSelection: { '*': { '*': ['abi'] } } } }))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: Abi }>>;
  };
  assert.deepEqual((out.errors ?? []).filter((e) => e.severity === 'error').map((e) => e.formattedMessage), []);
  return out.contracts['examples/Consumer.sol'].Consumer.abi;
}

const fn = (abi: Abi, name: string) => abi.find((x) => x.type === 'function' && x.name === name) as AbiFunction;
const ev = (abi: Abi) => abi.find((x) => x.type === 'event' && x.name === 'Decision') as AbiEvent;

test('a classifier: decide(int32[]) allows the labels given at deployment; Decision(requester, uint256 label, bool)', () => {
  for (const [name, bytes] of [['mlp', mlp([4, 8, 3], { batch: 1, seed: 3 })], ['forest', forest({ trees: 3, depth: 2, features: 4, classes: 3 })]] as const) {
    const abi = compiled(bytes, name);
    assert.deepEqual(fn(abi, 'decide').inputs.map((i) => i.type), ['int32[]'], name);
    assert.deepEqual(ev(abi).inputs.map((i) => `${i.type}${i.indexed ? ' indexed' : ''}`), ['address indexed', 'uint256', 'bool'], name);
    const ctor = abi.find((x) => x.type === 'constructor') as Extract<Abi[number], { type: 'constructor' }>;
    assert.deepEqual(ctor.inputs.map((i) => i.type), ['address', 'uint256[]'], name);
    assert.ok(fn(abi, 'isAllowed') && fn(abi, 'modelHash'), name);
  }
});

test('a model without a label: decide allows when the first output reaches the threshold; Decision(requester, int32 score, bool)', () => {
  const abi = compiled(mlp([4, 8, 1], { batch: 1, seed: 5 }), 'score');
  assert.deepEqual(ev(abi).inputs.map((i) => i.type), ['address', 'int32', 'bool']);
  const ctor = abi.find((x) => x.type === 'constructor') as Extract<Abi[number], { type: 'constructor' }>;
  assert.deepEqual(ctor.inputs.map((i) => i.type), ['address', 'int32']);
  assert.ok(fn(abi, 'threshold'));
});
