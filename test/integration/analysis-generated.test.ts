// Zero false positives on every crate the generator makes (issue 17): the bench set, the corpus models
// that generate (skl2onnx, ezkl, the zoo) and the pre-quantized fixtures, each with every --optimize mode as `stylus-ml new` picks its
// lowering, and the sdk template beside the minimal one: `stylus-ml check` reports nothing (notes aside).
// The calibrated PyTorch/scikit-learn crates are held in test/unit/ls-calibrated.test.ts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { checkPaths, type CheckDiagnostic } from '../../core/analysis/check';
import { BENCH_MODELS } from '../../core/bench/models';
import { generateCrate } from '../../core/codegen/generate';
import type { Template } from '../../core/codegen/crate-files';
import type { Optimize } from '../../core/codegen/lowering';
import { writeCrate } from '../../core/codegen/write';
import { pickLowering } from '../../core/gas/rank';
import { UserError } from '../../core/errors';
import { loadGraph } from '../../core/onnx/import';
import { prepareModel, type ModelOptions } from '../../core/pipeline';
import { testBoxes } from '../fixtures/boxes';
import { corpusAvailable, corpusFile, manifest } from '../fixtures/corpus';
import { quantizedModel, STATIC_MODELS } from '../fixtures/quantized';

const tmp = fs.mkdtempSync(path.join(tmpdir(), 'analysis-generated-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Model {
  name: string;
  file: string;
  opts: ModelOptions;
}

function models(): Model[] {
  const out: Model[] = [];
  for (const b of BENCH_MODELS) {
    const file = path.join(tmp, `${b.name.replace(/[^a-z0-9]+/gi, '-')}.onnx`);
    fs.writeFileSync(file, b.bytes());
    out.push({ name: `bench: ${b.name}`, file, opts: { inputRange: b.range } });
  }
  assert.ok(corpusAvailable(), 'the ONNX corpus (shared/conformance) is where CI lays it');
  for (const e of manifest()) {
    if (e.kind === 'onnx-node-test') continue;
    const file = corpusFile(e.path);
    let opts: ModelOptions;
    try {
      const g = loadGraph(fs.readFileSync(file), { file });
      const boxes = testBoxes(g, e.id);
      opts = { inputRange: g.inputs.flatMap((i) => Array.from(boxes.get(i.id)!.lo, (lo, k) => `${lo}:${boxes.get(i.id)!.hi[k]}`)).join(',') };
      const probe = path.join(tmp, 'probe');
      generateCrate(prepareModel(file, opts, { bytes: fs.readFileSync(file), graph: g }), { template: 'minimal', crateDir: probe, vectors: 2 });
    } catch (e) {
      // a model the pipeline refuses (an unsupported op; mnist-8's stack until issue 13) makes no crate
      if (!(e instanceof UserError)) throw e;
      continue;
    }
    out.push({ name: `corpus: ${e.id}`, file, opts });
  }
  // onnxruntime's quantize_static models (QDQ, QOperator): the box is the model's own input quantisation
  for (const q of STATIC_MODELS) out.push({ name: `pre-quantized: ${q}`, file: quantizedModel(q), opts: {} });
  return out;
}

/** As `stylus-ml new` does it: the estimator picks the lowering of a mode, possibly with wider accumulators. */
function generate(m: Model, mode: Optimize | undefined, template: Template, dir: string): void {
  const prepared = prepareModel(m.file, m.opts);
  let chosen = prepared;
  let lowering;
  if (mode) {
    const wide: { p?: typeof prepared } = {};
    const picked = pickLowering(prepared.plan, mode, {}, () => (wide.p = prepareModel(m.file, { ...m.opts, accumulator: 'i64' })).plan);
    if (wide.p && picked.plan === wide.p.plan) chosen = wide.p;
    lowering = picked.pick.lowering;
  }
  writeCrate(dir, generateCrate(chosen, { template, crateDir: dir, vectors: 8, optimize: mode, lowering }).files);
}

const show = (ds: CheckDiagnostic[]) => ds.map((d) => `${path.basename(d.file)}:${d.line}:${d.column} ${d.code} ${d.message}`).join('\n');

describe('every crate the generator makes is clean under stylus-ml check', () => {
  let n = 0;
  for (const m of models()) {
    it(`${m.name}: default, --optimize gas, --optimize size (minimal), default (sdk)`, async () => {
      const variants: [Optimize | undefined, Template][] = [
        [undefined, 'minimal'],
        ['gas', 'minimal'],
        ['size', 'minimal'],
        [undefined, 'sdk'],
      ];
      for (const [mode, template] of variants) {
        const dir = path.join(tmp, `c${n++}`);
        generate(m, mode, template, dir);
        const r = await checkPaths([dir]);
        const ds = r.diagnostics.filter((d) => d.severity !== 'information');
        assert.deepEqual(ds, [], `${mode ?? 'default'} ${template}:\n${show(ds)}`);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
