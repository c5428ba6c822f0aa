// Issue 13: `stylus-ml check` on crates of every layout reports nothing (notes aside) — mnist-8 (with
// each --optimize mode) and a 28×28 CNN as one program with their tensors in the arena, a dense model with its weights in data
// contracts (layout data) and a 109k-parameter MLP as a root + fragments whose weights past the data
// budget are written by code (layout fragments). Layers whose weights the code does not hold say so in
// one SML104 note each, and keep the bound proven at generation.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { checkPaths, type CheckDiagnostic } from '../../core/analysis/check';
import { generateCrate } from '../../core/codegen/generate';
import { writeCrate } from '../../core/codegen/write';
import type { LayoutKind } from '../../core/layout/layout';
import type { Optimize } from '../../core/codegen/lowering';
import { prepareModel } from '../../core/pipeline';
import { corpusFile } from '../fixtures/corpus';
import { cnn28, mlp } from '../fixtures/onnx-builder';

const tmp = fs.mkdtempSync(path.join(tmpdir(), 'analysis-layouts-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const show = (ds: CheckDiagnostic[]) => ds.map((d) => `${path.basename(d.file)}:${d.line}:${d.column} ${d.code} ${d.message}`).join('\n');

interface Case {
  name: string;
  model: () => string;
  range: string;
  layout: LayoutKind;
  optimize?: Optimize;
  activations?: 'i16';
  /** functions whose weights are outside the code (one SML104 note each) */
  outside: number;
}

const file = (name: string, bytes: Uint8Array) => () => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, bytes);
  return f;
};

const CASES: Case[] = [
  // the default lowering keeps each convolution's weights in a data segment, read per output channel
  // (`let wk = &W[oc]`): the check proves each channel with its own weights, as the plan does
  { name: 'mnist-8, one program, weights in a data segment', model: () => corpusFile('zoo/mnist-8/model.onnx'), range: '0:255', layout: 'single', outside: 0 },
  { name: 'mnist-8, one program, --optimize size', model: () => corpusFile('zoo/mnist-8/model.onnx'), range: '0:255', layout: 'single', optimize: 'size', outside: 0 },
  { name: 'mnist-8, one program, --optimize gas', model: () => corpusFile('zoo/mnist-8/model.onnx'), range: '0:255', layout: 'single', optimize: 'gas', outside: 0 },
  { name: 'cnn 28×28, one program', model: file('cnn28.onnx', cnn28()), range: '0:1', layout: 'single', optimize: 'gas', outside: 0 },
  { name: 'mlp 784-32-10, one program (row pairs in a data segment)', model: file('mlp32.onnx', mlp([784, 32, 10], { batch: 1, seed: 3, init: 'laplace' })), range: '0:1', layout: 'single', outside: 0 },
  { name: 'mlp 784-96-10, layout data', model: file('mlp96.onnx', mlp([784, 96, 10], { batch: 1, seed: 5, init: 'laplace' })), range: '0:1', layout: 'data', outside: 1 },
  { name: 'mlp 784-128-64-10, layout fragments', model: file('mlp109k.onnx', mlp([784, 128, 64, 10], { batch: 1, seed: 7, init: 'laplace' })), range: '0:1', layout: 'fragments', activations: 'i16', outside: 3 },
];

describe('crates of every layout are clean under stylus-ml check', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const dir = path.join(tmp, c.name.replace(/[^a-z0-9]+/gi, '-'));
      const prepared = prepareModel(c.model(), { inputRange: c.range, weights: 'i8', activations: c.activations });
      const crate = generateCrate(prepared, { template: 'minimal', crateDir: dir, vectors: 4, optimize: c.optimize, layout: c.layout, layoutReason: 'test' });
      writeCrate(dir, crate.files);
      const r = await checkPaths([dir]);
      const ds = r.diagnostics.filter((d) => d.severity !== 'information');
      assert.deepEqual(ds, [], show(ds));
      const notes = r.diagnostics.filter((d) => d.code === 'SML104');
      assert.equal(notes.length, c.outside, `SML104 notes: ${show(notes)}`);
    });
  }
});
