// Crates from calibrated PyTorch and scikit-learn models (test/fixtures/calibrated, made by make.py), the
// path users take: `stylus-ml new MODEL --calibration DATA.json` with each --optimize mode, then
// `stylus-ml check`. The plan proves bounds per element (calibration boxes are per value, and the contract
// admits each value within its own bounds); the check re-proves them from stylus-ml.json. The two must
// agree exactly, the plan's proof must hold on inputs of the box (the checked BigInt reference), and an
// edit that truly breaks a bound must still be flagged.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Analyzer } from '../../core/analysis/analyze';
import { checkPaths, type CheckDiagnostic } from '../../core/analysis/check';
import { CrateFiles } from '../../core/analysis/crate-files';
import { checkDocument } from '../../core/analysis/manifest/check';
import { layerOutput } from '../../core/analysis/manifest/seeds';
import { ManifestCache } from '../../core/analysis/manifest/view';
import { loadRustParser, RustDocument } from '../../core/analysis/syntax/parser';
import { planFromManifest } from '../../core/cli/crate-model';
import { prng } from '../../core/io/prng';
import { readManifest } from '../../core/manifest/file';
import { runReference } from '../../core/quant/reference';
import type { Plan } from '../../core/quant/types';
import { runCli } from '../fixtures/cli';

const FIXTURES = path.resolve(__dirname, '../fixtures/calibrated');
const MODELS = [
  { name: 'torch-mlp-digits', calibration: 'digits' },
  { name: 'torch-cnn-digits', calibration: 'digits' },
  { name: 'sklearn-mlp-digits', calibration: 'digits' },
  { name: 'sklearn-logreg-wine', calibration: 'wine' },
] as const;
const MODES = [[], ['--optimize', 'gas'], ['--optimize', 'size']] as const;
const modeName = (m: readonly string[]) => (m.length ? m.join(' ') : 'default');

const tmp = mkdtempSync(path.join(tmpdir(), 'ls-calibrated-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const crates = new Map<string, string>();
async function crate(model: (typeof MODELS)[number], mode: readonly string[]): Promise<string> {
  const key = `${model.name}${mode.join('')}`;
  const hit = crates.get(key);
  if (hit) return hit;
  const dir = path.join(tmp, key);
  const args = ['new', path.join(FIXTURES, `${model.name}.onnx`), '--out', dir, '--calibration', path.join(FIXTURES, `${model.calibration}-calibration.json`), '--template', 'minimal', '--vectors', '16', ...mode];
  const r = await runCli(args);
  assert.equal(r.code, 0, r.stderr);
  crates.set(key, dir);
  return dir;
}

const show = (ds: CheckDiagnostic[]) => ds.map((d) => `${path.basename(d.file)}:${d.line}:${d.column} ${d.code} ${d.message}`).join('\n');

describe('crates from calibrated PyTorch and scikit-learn models are clean under stylus-ml check', () => {
  for (const model of MODELS) {
    for (const mode of MODES) {
      it(`${model.name} (${modeName(mode)}): zero diagnostics, and the check re-proves the plan's per-element intervals exactly`, async () => {
        const dir = await crate(model, mode);
        const r = await checkPaths([dir]);
        assert.ok(r.files >= 6, `${r.files} files checked`);
        assert.deepEqual(r.diagnostics, [], show(r.diagnostics));
        // every layer: what the code computes from stylus-ml.json's box, element by element, is what the plan proved
        const plan = planFromManifest(dir, readManifest(dir));
        const file = path.join(dir, 'core/src/model.rs');
        const parser = await loadRustParser();
        const doc = new RustDocument(parser, readFileSync(file, 'utf8'));
        const files = new CrateFiles(parser);
        try {
          const view = new ManifestCache().forFile(file).view;
          const check = checkDocument(new Analyzer(parser.snippet), { root: doc.root, lines: doc.lines, filePath: file, manifest: view, extraItems: files.extraItems(file) });
          assert.equal(check.layers.length, plan.nodes.length, 'every layer bound to its function');
          for (const b of check.layers) {
            const t = plan.tensors.get(plan.nodes[b.layer.spec.index].node.outputs[0])!;
            const out = layerOutput(b.unit.analysis, b.layer);
            assert.ok(out.elems, `${b.layer.spec.fn}: an interval per output element`);
            const got = out.elems.map((iv) => `[${iv.lo}, ${iv.hi}]`);
            const want = Array.from(t.qlo, (lo, i) => `[${lo}, ${t.qhi[i]}]`);
            assert.deepEqual(got, want, `${b.layer.spec.fn}: the check's per-element intervals are the plan's`);
          }
        } finally {
          doc.dispose();
          files.dispose();
        }
      });
    }
  }
});

/** Inputs of the box in integer units: each first-layer unit's extreme corners, random corners, random points. */
function boxInputs(plan: Plan, count: number): Map<string, Float64Array>[] {
  const inp = plan.graph.inputs[0];
  const q = plan.tensors.get(inp.id)!;
  const n = q.qlo.length;
  const out: Map<string, Float64Array>[] = [];
  const first = plan.nodes[0];
  const p = first.params;
  if (p.op === 'matmul' && first.node.op.op === 'matmul' && first.node.inputs[0] === inp.id) {
    const { K, N } = first.node.op;
    for (let j = 0; j < N; j++) {
      for (const up of [true, false]) {
        // the corner where unit j's accumulator is largest (smallest): each input at the bound its weight's sign picks
        out.push(new Map([[inp.id, Float64Array.from({ length: n }, (_, k) => ((p.W.q[j * K + (k % K)] >= 0) === up ? q.qhi[k] : q.qlo[k]))]]));
      }
    }
  }
  const rnd = prng(17);
  for (let c = 0; c < count; c++) {
    const corner = c % 2 === 0;
    out.push(new Map([[inp.id, Float64Array.from({ length: n }, (_, k) => (corner ? (rnd() < 0.5 ? q.qlo[k] : q.qhi[k]) : q.qlo[k] + Math.floor(rnd() * (q.qhi[k] - q.qlo[k] + 1))))]]));
  }
  return out;
}

describe("the plan's per-element bounds hold on inputs of the box (checked BigInt reference)", () => {
  for (const model of MODELS) {
    it(`${model.name}: no accumulator wraps and no saturation on extreme corners and 400 sampled inputs; the first layer's bounds are attained`, async () => {
      const dir = await crate(model, []);
      const plan = planFromManifest(dir, readManifest(dir));
      const cases = boxInputs(plan, 400);
      const violations = cases.flatMap((c) => runReference(plan, c).violations);
      assert.deepEqual(violations.slice(0, 5), [], `${violations.length} violations`);
      const first = plan.nodes[0];
      if (first.params.op !== 'matmul') return;
      // interval arithmetic is exact on one affine layer: unit j reaches its proven bound at its corner
      const t = plan.tensors.get(first.node.outputs[0])!;
      for (let j = 0; j < t.qhi.length; j++) {
        const hi = runReference(plan, cases[2 * j]).values.get(first.node.outputs[0])![j];
        const lo = runReference(plan, cases[2 * j + 1]).values.get(first.node.outputs[0])![j];
        assert.deepEqual([lo, hi], [t.qlo[j], t.qhi[j]], `unit ${j} of ${first.node.origin.name}`);
      }
    });
  }
});

describe('an edit that truly breaks a bound is still flagged', () => {
  let dir = '';
  let plan: Plan;
  before(async () => {
    dir = await crate(MODELS[0], []);
    plan = planFromManifest(dir, readManifest(dir));
  });

  it('weights of the first layer raised past the proven range: the reference saturates on a box corner; check flags the layer, the editor the edited lines', async () => {
    const first = plan.nodes[0];
    assert.equal(first.params.op, 'matmul');
    if (first.params.op !== 'matmul' || first.node.op.op !== 'matmul') return;
    const { K } = first.node.op;
    const W = first.params.W.q;
    const shift = first.params.shift;
    const x = plan.tensors.get(first.node.inputs[0])!;
    const y = plan.tensors.get(first.node.outputs[0])!;
    // unit j (the least headroom); raise its weights to i16's maximum, largest gain first, until its bound breaks
    const j = Array.from(y.qhi).reduce((b, v, i) => (v > y.qhi[b] ? i : b), 0);
    const gain = (k: number) => (32767 - W[j * K + k]) * x.qhi[k] - (W[j * K + k] < 0 ? W[j * K + k] * x.qlo[k] : 0);
    const order = Array.from({ length: K }, (_, k) => k).sort((a, b) => gain(b) - gain(a));
    const raised = new Set<number>();
    let hi = y.qhi[j] * 2 ** shift;
    for (const k of order) {
      if (Math.floor((hi + 2 ** (shift - 1)) / 2 ** shift) > 32767) break;
      raised.add(k);
      hi += gain(k);
    }
    const Wed = Int32Array.from(W, (w, i) => (Math.floor(i / K) === j && raised.has(i % K) ? 32767 : w));
    const edited: Plan = { ...plan, nodes: plan.nodes.map((qn, i) => (i === 0 && qn.params.op === 'matmul' ? { ...qn, params: { ...qn.params, W: { ...qn.params.W, q: Wed } } } : qn)) };
    // the reference on the edited integer model: unit j's corner now saturates
    const corner = new Map([[x.id, Float64Array.from(x.qlo, (lo, k) => (Wed[j * K + k] >= 0 ? x.qhi[k] : lo))]]);
    const v = runReference(edited, corner).violations;
    assert.ok(v.some((e) => e.kind === 'saturate' && e.node === first.node.origin.name && e.detail.startsWith(`out[${j}]`)), JSON.stringify(v.slice(0, 3)));
    // the same edit in model.rs
    const text = readFileSync(path.join(dir, 'core/src/model.rs'), 'utf8');
    const lines = text.split('\n');
    const decl = lines.findIndex((l) => /^static LAYER_0_\w+_W: /.test(l));
    assert.ok(decl >= 0, 'the first layer keeps its weights in a table');
    let seen = -1;
    const editedLines = new Set<number>();
    for (let l = decl + 1; seen < (j + 1) * K && l < lines.length; l++) {
      lines[l] = lines[l].replace(/-?\d+/g, (m) => {
        seen++;
        if (Math.floor(seen / K) !== j || !raised.has(seen % K)) return m;
        assert.equal(Number(m), W[seen]);
        editedLines.add(l);
        return '32767';
      });
    }
    const copy = path.join(tmp, 'edited');
    cpSync(dir, copy, { recursive: true });
    writeFileSync(path.join(copy, 'core/src/model.rs'), lines.join('\n'));
    // stylus-ml check (no edit history): SML101 in the first layer, at its saturation, beyond i16
    const ds = (await checkPaths([copy])).diagnostics;
    assert.ok(ds.length > 0, 'a diagnostic');
    assert.ok(ds.every((d) => d.code === 'SML101'), show(ds));
    assert.match(ds[0].message, new RegExp(`in layer \`${first.node.origin.name.replace(/[/]/g, '\\/')}\``));
    assert.match(ds[0].message, /can now reach \d+ \(interval \[-?\d+, \d+\]\), beyond i16 \[-32768, 32767\]/);
    // the editor knows which lines were edited: the finding is placed there
    const parser = await loadRustParser();
    const file = path.join(copy, 'core/src/model.rs');
    const doc = new RustDocument(parser, lines.join('\n'));
    const files = new CrateFiles(parser);
    try {
      const r = checkDocument(new Analyzer(parser.snippet), { root: doc.root, lines: doc.lines, filePath: file, manifest: new ManifestCache().forFile(file).view, extraItems: files.extraItems(file), dirtyLines: editedLines });
      const at = new Set(r.findings.map((f) => f.range.start.line));
      assert.deepEqual([...at].sort(), [...editedLines].sort(), r.findings.map((f) => `${f.range.start.line + 1} ${f.message}`).join('\n'));
    } finally {
      doc.dispose();
      files.dispose();
    }
  });

  it('the same in the gas lowering (weights as immediates in nested helpers): the output it breaks is flagged', async () => {
    const gas = await crate(MODELS[0], ['--optimize', 'gas']);
    const text = readFileSync(path.join(gas, 'core/src/model.rs'), 'utf8');
    const lines = text.split('\n');
    // the largest immediate of output 0 of the first layer, multiplied by 1024: past any i16 accumulation bound
    // (64 was not enough once the default box became per-tensor for images: the layer has more headroom)
    const start = lines.findIndex((l) => /^pub fn layer_0_/.test(l));
    const end = lines.findIndex((l, i) => i > start && l.includes('y[0] = '));
    const terms = lines.map((l, i) => ({ i, m: /acc \+= x\[\d+\] as i64 \* (-?\d+);/.exec(l) })).filter((t) => t.i > start && t.i < end && t.m);
    const big = terms.reduce((a, b) => (Math.abs(Number(b.m![1])) > Math.abs(Number(a.m![1])) ? b : a));
    lines[big.i] = lines[big.i].replace(/\* (-?\d+);/, (_, w) => `* ${Number(w) * 1024};`);
    const copy = path.join(tmp, 'edited-gas');
    cpSync(gas, copy, { recursive: true });
    writeFileSync(path.join(copy, 'core/src/model.rs'), lines.join('\n'));
    const ds = (await checkPaths([copy])).diagnostics;
    assert.ok(ds.length > 0, 'a diagnostic');
    assert.ok(ds.every((d) => d.code === 'SML101'), show(ds));
    // without an edit history (the editor tracks edited lines) the finding is at output 0's saturation, in the helper
    assert.ok(ds.some((d) => d.line > big.i && d.line <= end + 1 && /layer `\/0\/Gemm`/.test(d.message)), `output 0 of the first layer is flagged:\n${show(ds)}`);
  });
});
