// The generator in process: the interface files agree with solc, the lowering presets write what they
// promise, the manifest records what the readers need.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeAbiParameters } from 'viem';
import { generateCrate, type GeneratedCrate } from '../../core/codegen/generate';
import { validateManifest } from '../../core/manifest/file';
import { prepareModel } from '../../core/pipeline';
import { forest, mlp } from '../fixtures/onnx-builder';

interface SolcOut {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<string, Record<string, { abi: { type: string; name: string; inputs: { type: string; name: string }[]; outputs?: { type: string; name: string }[]; stateMutability?: string }[]; evm: { methodIdentifiers: Record<string, string> } }>>;
}

function solcCompile(source: string): SolcOut {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require('solc') as { compile(s: string): string };
  const input = { language: 'Solidity', sources: { 'IModel.sol': { content: source } }, settings: { outputSelection: { '*': { '*': ['abi', 'evm.methodIdentifiers'] } } } };
  return JSON.parse(solc.compile(JSON.stringify(input))) as SolcOut;
}

describe('generateCrate', () => {
  let work: string;
  let mlpFile: string;
  let forestFile: string;
  const gen = (file: string, range: string, opts: Parameters<typeof generateCrate>[1] & { weights?: 'i8' | 'i16' }): GeneratedCrate =>
    generateCrate(prepareModel(file, { inputRange: range, weights: opts.weights }), { vectors: 16, ...opts });
  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-gen-'));
    mlpFile = path.join(work, 'mlp.onnx');
    fs.writeFileSync(mlpFile, mlp([12, 6, 3], { seed: 4, batch: 1 }));
    forestFile = path.join(work, 'forest.onnx');
    fs.writeFileSync(forestFile, forest({ trees: 3, depth: 3, seed: 5 }));
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('IModel.sol compiles with solc, and solc\'s ABI and selectors are the crate\'s', () => {
    const g = gen(forestFile, '-6:6', { template: 'minimal', crateDir: path.join(work, 'f') });
    const out = solcCompile(g.text('IModel.sol'));
    assert.deepEqual((out.errors ?? []).filter((e) => e.severity === 'error'), []);
    const c = out.contracts['IModel.sol'].IModel;
    const fnSelectors = Object.fromEntries(Object.entries(g.manifest.selectors).filter(([k]) => /^[a-z]/.test(k)));
    assert.deepEqual(c.evm.methodIdentifiers, fnSelectors);
    const strip = (x: { type: string; name: string; inputs: { type: string; name: string }[]; outputs?: { type: string; name: string }[]; stateMutability?: string }) => ({
      type: x.type,
      name: x.name,
      inputs: x.inputs.map((i) => [i.type, i.name]),
      outputs: (x.outputs ?? []).map((o) => [o.type, o.name]),
      ...(x.stateMutability ? { stateMutability: x.stateMutability } : {}),
    });
    const ours = JSON.parse(g.text('abi.json')) as Parameters<typeof strip>[0][];
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    assert.deepEqual(ours.map(strip).sort(byName), c.abi.map(strip).sort(byName));
    assert.deepEqual(Object.keys(g.manifest.selectors).sort(), ['BatchTooLarge(uint256,uint256)', 'InputOutOfRange(uint256,int256)', 'InvalidInputLength(uint256,uint256)', 'formats()', 'modelHash()', 'predict(int32[])', 'predictBatch(bytes)', 'predictLabel(int32[])', 'predictPacked(bytes)']);
  });

  it('formats() return data decodes to the inputs\' and outputs\' formats', () => {
    const g = gen(forestFile, '-6:6', { template: 'minimal', crateDir: path.join(work, 'f2') });
    const m = g.manifest;
    const abiRs = g.text('core/src/abi.rs');
    const body = /const FORMATS_BODY: \[i32; \d+\] = \[([^\]]*)\]/.exec(abiRs)![1].split(', ').map(Number);
    const offsets = /const FORMATS_OFFSETS: \[u16; 6\] = \[([^\]]*)\]/.exec(abiRs)![1].split(', ').map(Number);
    // the Rust writes offsets then body words; rebuild those bytes and decode them as a client would
    const words = [...offsets, ...body].map((v) => BigInt.asUintN(256, BigInt(v)).toString(16).padStart(64, '0')).join('');
    const [inBits, inFrac, inSizes, outBits, outFrac, outSizes] = decodeAbiParameters([{ type: 'uint8[]' }, { type: 'int16[]' }, { type: 'uint32[]' }, { type: 'uint8[]' }, { type: 'int16[]' }, { type: 'uint32[]' }], `0x${words}`);
    assert.deepEqual([...inBits], m.inputs.map((i) => ({ i8: 8, i16: 16, i32: 32 })[i.storage]));
    assert.deepEqual([...inFrac], m.inputs.map((i) => i.fracBits));
    assert.deepEqual([...inSizes], m.inputs.map((i) => i.shape.reduce((a, b) => a * b, 1)));
    assert.deepEqual([...outBits], m.outputs.map((o) => ({ i8: 8, i16: 16, i32: 32 })[o.storage]));
    assert.deepEqual([...outFrac], m.outputs.map((o) => o.fracBits));
    assert.deepEqual([...outSizes], m.outputs.map((o) => o.shape.reduce((a, b) => a * b, 1)));
  });

  it('the manifest validates and records files, lowering, line ranges and the label rule', () => {
    const g = gen(mlpFile, '-1:1', { template: 'sdk', crateDir: path.join(work, 'm') });
    const m = validateManifest(JSON.parse(g.text('stylus-ml.json')), 'stylus-ml.json') as GeneratedCrate['manifest'];
    assert.equal(m.files.modelRs, 'core/src/model.rs');
    assert.ok(m.files.generated.includes('src/main.rs') && m.files.generated.includes('stylus-ml.json'));
    assert.ok(m.layers.every((l) => l.lines && l.lines[0] < l.lines[1]));
    // the analytical gas (core/gas): every layer costs ink, a call costs more than its layers' ink in gas
    assert.ok(m.layers.every((l) => l.ink !== null && l.ink.min <= l.ink.typical && l.ink.typical <= l.ink.max && l.ink.typical > 0 && l.gas !== null));
    const layersGas = m.layers.reduce((a, l) => a + l.gas!.typical, 0);
    assert.ok(m.totals.estimatedGas !== null && m.totals.estimatedGas.typical > 8_832 + layersGas, 'program init (MinInitGas·128) and the layers');
    assert.deepEqual(m.contract.label, { kind: 'argmax', output: 0, name: 'output', classes: 3 });
    assert.equal(m.model.path, path.relative(path.join(work, 'm'), mlpFile));
    assert.match(m.model.sha256, /^[0-9a-f]{64}$/);
    assert.equal(m.options.inputPolicy, 'revert');
    assert.equal(m.lowering.layers.layer_0_fc0, 'weights in data, unrolled');
  });

  it('lowering presets: default i8 weights in data as row pairs, gas writes weights as immediates, size rolls the loops', () => {
    const rs = (optimize?: 'gas' | 'size') => gen(mlpFile, '-1:1', { template: 'minimal', crateDir: path.join(work, `l${optimize}`), optimize, weights: 'i8' }).text('core/src/model.rs');
    const def = rs();
    // i8 weights, i16 inputs: two rows per i64 multiply (dense-pairs.ts), 3 words of 4 inputs per pair of rows
    assert.match(def, /static LAYER_0_FC0_W: \[\[i64; 3\]; 3\]/);
    assert.match(def, /a \+= x11 \* \(\(\(v >> 24\) & LANE_BYTES\) - LANE_BIAS\);/, 'the whole row written out, each term the signed pair of weights');
    assert.match(def, /acc\[2 \* q \+ 1\] \+= lane_hi\(a\);/);
    const gas = rs('gas');
    assert.doesNotMatch(gas, /static LAYER_0_FC0_W/);
    assert.match(gas, /acc \+= x\[\d+\] as i32 \* -?\d+;/);
    const size = rs('size');
    assert.match(size, /for c in 0\.\.1 \{/);
    assert.match(size, /acc \+= x\[8 \* c \+ 7\] as i32 \* w\[8 \* c \+ 7\] as i32;/);
    assert.match(size, /acc \+= x\[11\] as i32 \* w\[11\] as i32;/, 'the remainder after the blocks of eight');
  });

  it('trees: branches by default, node tables under --optimize size', () => {
    const def = gen(forestFile, '-6:6', { template: 'minimal', crateDir: path.join(work, 't1') });
    assert.match(def.text('core/src/model.rs'), /if x\[\d\] <= -?\d+ \{/);
    assert.equal(def.manifest.lowering.layers.layer_0_forest, 'trees: branches');
    const size = gen(forestFile, '-6:6', { template: 'minimal', crateDir: path.join(work, 't2'), optimize: 'size' });
    assert.match(size.text('core/src/model.rs'), /let leaf = tree_leaf\(/);
    assert.equal(size.manifest.lowering.layers.layer_0_forest, 'trees: table');
  });

  it('has no predictLabel when the model is not a classifier', () => {
    const file = path.join(work, 'reg.onnx');
    fs.writeFileSync(file, mlp([4, 1], { seed: 6, batch: 1 }));
    const g = gen(file, '-1:1', { template: 'minimal', crateDir: path.join(work, 'r') });
    assert.equal(g.abi.label, null);
    assert.ok(!('predictLabel(int32[])' in g.manifest.selectors));
    assert.doesNotMatch(g.text('core/src/abi.rs'), /SEL_PREDICT_LABEL/);
  });
});
