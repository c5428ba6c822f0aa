// Issue 15: `estimate MODEL.onnx` on a bare model answers at once for a stated default box (real inputs in
// [-1, 1]; a pre-quantized model's own quantizer box), names it in its output, and gives the same figures
// as the same box declared with --input-range; `--input-range name=lo:hi,...` gives each input its range.
// `inspect --json` names each node's inputs and outputs, so a reader can draw the graph's edges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../fixtures/cli';
import { cnn, residual } from '../fixtures/onnx-builder';
import { DEFAULT_REAL_RANGE, defaultInputRange } from '../../core/quant/box';
import { parseContract } from '../../core/contracts/check';
import { EstimateJsonSchema, InspectJsonSchema, type EstimateJson } from '../../core/contracts/cli';

const root = path.resolve(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-default-box-'));
const write = (name: string, data: Uint8Array) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, data);
  return p;
};

async function estimate(args: string[]): Promise<EstimateJson> {
  const r = await runCli(['estimate', ...args, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return parseContract(EstimateJsonSchema, JSON.parse(r.stdout), 'estimate --json');
}

/** What a user compares: the call, the deployment and each layer's figures. */
const figures = (j: EstimateJson) => ({ call: j.call, deploy: j.deploy, layers: j.layers });

test('the default box is [-1, 1] for real inputs and the type\'s values (at most i16\'s) for integer inputs', () => {
  assert.deepEqual(DEFAULT_REAL_RANGE, [-1, 1]);
  assert.equal(defaultInputRange([{ name: 'x', dtype: 'FLOAT' }]), '-1:1');
  assert.equal(defaultInputRange([{ name: 'x', dtype: 'FLOAT' }, { name: 'y', dtype: 'DOUBLE' }]), '-1:1');
  assert.equal(defaultInputRange([{ name: 'x', dtype: 'FLOAT' }, { name: 'ids', dtype: 'INT64' }, { name: 'px', dtype: 'UINT8' }]), 'x=-1:1,ids=-32768:32767,px=0:255');
});

test('estimate MODEL.onnx without a box: the default, named in the output, equal to --input-range -1:1', async () => {
  const model = write('cnn.onnx', cnn({ seed: 4 }));
  const bare = await estimate([model]);
  assert.equal(bare.box.source, 'default');
  assert.equal(bare.box.spec, '-1:1');
  assert.match(bare.box.note, /default box .*\[-1, 1\].*--input-range or --calibration/);
  const declared = await estimate([model, '--input-range', '-1:1']);
  assert.deepEqual(declared.box, { source: 'declared', spec: '-1:1', note: 'declared with --input-range -1:1' });
  assert.deepEqual(figures(bare), figures(declared));
  // the text output says which box it is too
  const text = await runCli(['estimate', model]);
  assert.match(text.stdout, /^box: the default box/m);
  // a wider box changes the formats, and so the figures
  const wide = await estimate([model, '--input-range', '0:255']);
  assert.notDeepEqual(wide.layers.map((l) => l.format), bare.layers.map((l) => l.format));
  for (const l of bare.layers) assert.ok(l.interval[0] <= l.interval[1], `${l.name}: a proven interval`);
});

test('a pre-quantized model\'s default is its quantizer box, as a spec that reproduces it exactly', async () => {
  const model = path.join(root, 'test', 'fixtures', 'quantized', 'digits-mlp-qdq.onnx');
  const bare = await estimate([model]);
  assert.equal(bare.box.source, 'quantizer');
  assert.ok(bare.box.spec, 'a uniform box has a spec');
  const again = await estimate([model, '--input-range', bare.box.spec]);
  assert.deepEqual(figures(again), figures(bare));
});

test('--input-range name=lo:hi gives each input its own range; names are checked', async () => {
  const model = write('two-inputs.onnx', residual({ inputs: 2, blocks: 2 }));
  const bare = await estimate([model]);
  assert.equal(bare.box.spec, '-1:1');
  const named = await estimate([model, '--input-range', 'input=-1:1,input2=-1:1']);
  assert.equal(named.box.spec, 'input=-1:1,input2=-1:1');
  assert.deepEqual(figures(named), figures(bare));
  const different = await estimate([model, '--input-range', 'input2=0:8,input=-1:1']);
  assert.notDeepEqual(figures(different).layers, figures(bare).layers, 'a wider range for input2 changes the plan');
  for (const [spec, why] of [
    ['input=-1:1', /no range for input 'input2'; name every input \(input=lo:hi,input2=lo:hi\)/],
    ['input=-1:1,input3=0:1', /the model has no input 'input3'; its inputs are input, input2/],
    ['input=-1:1,input=0:1,input2=0:1', /input 'input' is given twice/],
    ['input=1:-1,input2=0:1', /'1:-1' has lo > hi/],
  ] as const) {
    const r = await runCli(['estimate', model, '--input-range', spec]);
    assert.equal(r.code, 1, spec);
    assert.match(r.stderr, why);
  }
});

test('inspect --json names every node\'s inputs and outputs: the edges of a branching graph', async () => {
  const model = write('residual.onnx', residual({ blocks: 3 }));
  const r = await runCli(['inspect', model, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = parseContract(InspectJsonSchema, JSON.parse(r.stdout), 'inspect --json');
  assert.equal(j.nodes.length, 4 + 4 * 3);
  const add = j.nodes.find((n) => n.name === 'block1.add')!;
  assert.deepEqual(add.inputs, ['block0.add', 'block1.fc_b'], 'the skip connection and the block');
  assert.deepEqual(add.outputs, ['block1.add']);
  const fc = j.nodes.find((n) => n.name === 'fc_in')!;
  assert.deepEqual(fc.inputs, ['input', 'fc_in.W', 'fc_in.b'], 'initializers are listed as in the file');
  // the 100-node model of the graph bench
  const big = await runCli(['inspect', write('residual100.onnx', residual()), '--json']);
  assert.equal(JSON.parse(big.stdout).totals.nodes, 100);
});
