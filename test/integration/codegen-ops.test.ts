// Every IR op the simulator runs, the generated Rust reproduces bit for bit: the ONNX node tests, the
// skl2onnx and ezkl models of the corpus and built models, each generated (with the default lowering and,
// for models with dense layers or trees, the gas and size presets too), compiled together into one
// native test crate, and run on golden vectors from the simulator including the corners of each box.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { importModel } from '../../core/onnx/import';
import { promotedConstants, readNodeTest } from '../../core/onnx/test-case';
import { planQuantisation } from '../../core/quant/plan';
import type { InputBox, Plan } from '../../core/quant/types';
import { generateCrate } from '../../core/codegen/generate';
import { RUNTIME_DIR } from '../../core/codegen/crate-files';
import type { Optimize } from '../../core/codegen/lowering';
import type { Graph } from '../../core/ir/graph';
import { corpusAvailable, corpusFile, manifest, nodeTestDirs } from '../fixtures/corpus';
import { testBoxes } from '../fixtures/boxes';
import { attr, cnn, forest, mlp, model } from '../fixtures/onnx-builder';
import { onnx } from 'onnx-proto';

/** x [1,4] -> x + relu(x) * 3 -> cast to int64: Cast to an integer, which no corpus model has. */
function addCast(): Uint8Array {
  const F = onnx.TensorProto.DataType.FLOAT;
  const vi = (name: string, dims: number[], t = F) => ({ name, type: { tensorType: { elemType: t, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  return model({
    nodes: [
      { name: 'relu', opType: 'Relu', input: ['x'], output: ['r'] },
      { name: 'scale', opType: 'Mul', input: ['r', 'three'], output: ['r3'] },
      { name: 'join', opType: 'Add', input: ['x', 'r3'], output: ['c'] },
      { name: 'to_int', opType: 'Cast', input: ['c'], output: ['y'], attribute: [attr('to', onnx.TensorProto.DataType.INT64)] },
    ],
    inputs: [vi('x', [1, 4])],
    outputs: [vi('y', [1, 4], onnx.TensorProto.DataType.INT64)],
    initializers: [{ name: 'three', dims: [], dataType: F, floatData: [3] }],
  });
}
import { loadGraph } from '../../core/onnx/import';
import { cargoTest, hostCargo, passedTests, rustfmtCheck, rustfmtVersion } from '../fixtures/rust';

const skip = !hostCargo() ? 'cargo is not installed' : !corpusAvailable() ? 'conformance corpus not found' : false;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-ops-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

interface Case {
  name: string;
  graph: Graph;
  plan: Plan;
  optimize?: Optimize;
}

/** A box around a node test's own input (so the vectors vary), or the point itself when that fails to plan. */
function nodeTestPlan(g: Graph, x: Float64Array): Plan | null {
  const id = g.inputs[0].id;
  for (const widen of [0.5, 0]) {
    const lo = x.map((v) => v - widen * Math.abs(v) - (widen ? 0.1 : 0));
    const hi = x.map((v) => v + widen * Math.abs(v) + (widen ? 0.1 : 0));
    try {
      return planQuantisation(g, { boxes: new Map<string, InputBox>([[id, { lo, hi, source: 'declared' }]]) });
    } catch {
      // the planner refuses some boxes (e.g. a MAX normaliser needs inputs >= 0): try the point
    }
  }
  return null;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const dir of nodeTestDirs()) {
    const c = readNodeTest(dir);
    const r = importModel(c.model, { file: dir, constInputs: promotedConstants(c.model, c.inputs) });
    if (!r.graph || r.graph.inputs.length !== 1 || c.inputs[0].data.some((v) => !Number.isFinite(v))) continue;
    const plan = nodeTestPlan(r.graph, c.inputs[0].data);
    const empty = [...r.graph.inputs, ...r.graph.outputs].some((t) => plan?.tensors.get(t.id)!.qlo.length === 0);
    if (!plan || empty) continue;
    out.push({ name: `node/${path.basename(dir)}`, graph: r.graph, plan });
    if (r.graph.nodes.some((n) => n.op.op === 'matmul' || n.op.op === 'conv2d')) out.push({ name: `node/${path.basename(dir)}#gas`, graph: r.graph, plan, optimize: 'gas' });
  }
  for (const m of manifest().filter((e) => e.kind === 'skl2onnx-model' || e.kind === 'ezkl-example' || e.kind === 'zoo-model')) {
    let g: Graph;
    try {
      g = loadGraph(fs.readFileSync(corpusFile(m.path)), { file: m.path });
    } catch {
      continue;
    }
    let plan: Plan;
    try {
      plan = planQuantisation(g, { boxes: testBoxes(g, m.id) });
    } catch {
      continue;
    }
    out.push({ name: m.id, graph: g, plan });
    if (g.nodes.some((n) => n.op.op === 'matmul' || n.op.op === 'trees' || n.op.op === 'conv2d')) {
      out.push({ name: `${m.id}#gas`, graph: g, plan, optimize: 'gas' });
      out.push({ name: `${m.id}#size`, graph: g, plan, optimize: 'size' });
    }
  }
  const built: [string, Uint8Array, string][] = [
    ['mlp-wide', mlp([200, 40, 7], { seed: 9, batch: 1 }), '-1:1'],
    ['mlp-softmax', mlp([12, 8, 5], { seed: 4, softmax: true, batch: 1 }), '-2:2'],
    ['cnn-3ch', cnn({ channels: 3, size: 6, filters: 3, classes: 4, seed: 5 }), '-1:1'],
    ['add-cast', addCast(), '-3:3'],
    ['forest-deep', forest({ trees: 2, depth: 15, features: 5, classes: 3, seed: 8 }), '-6:6'],
  ];
  for (const [name, bytes, range] of built) {
    const g = loadGraph(bytes, { file: name });
    const plan = planQuantisation(g, { boxes: new Map(g.inputs.map((i) => [i.id, { lo: new Float64Array(i.shape.reduce((a, b) => a * b, 1)).fill(Number(range.split(':')[0])), hi: new Float64Array(i.shape.reduce((a, b) => a * b, 1)).fill(Number(range.split(':')[1])), source: 'declared' as const }])) });
    for (const optimize of [undefined, 'gas', 'size'] as const) out.push({ name: `${name}${optimize ? `#${optimize}` : ''}`, graph: g, plan, optimize });
  }
  return out;
}

test('generated Rust for every op reproduces the simulator bit for bit, natively', { skip, timeout: 30 * 60_000 }, () => {
  const all = cases();
  const crate = path.join(work, 'ops');
  const lines = ['// One module per generated model core; each test runs its golden vectors.', ''];
  const opsSeen = new Set<string>();
  let vectors = 0;
  all.forEach((c, k) => {
    const mod = `c${k}`;
    let g: ReturnType<typeof generateCrate>;
    try {
      g = generateCrate({ file: `${c.name}.onnx`, bytes: new Uint8Array(0), graph: c.graph, plan: c.plan, calibration: null, boxNote: 'test' }, { template: 'minimal', crateDir: path.join(work, mod), vectors: 48, optimize: c.optimize });
    } catch (e) {
      // every model generates: intermediate tensors live in the arena, not on the 32 KiB stack
      throw new Error(`${c.name}: ${(e as Error).stack}`, { cause: e });
    }
    const dir = path.join(crate, 'tests', 'cases', mod);
    fs.mkdirSync(dir, { recursive: true });
    for (const f of ['abi.rs', 'model.rs']) fs.writeFileSync(path.join(dir, f), g.text(`core/src/${f}`));
    // the runtime library every case uses, vendored once as the test crate's path dependency
    for (const rel of g.files.keys()) {
      if (!rel.startsWith(`${RUNTIME_DIR}/`)) continue;
      fs.mkdirSync(path.dirname(path.join(crate, rel)), { recursive: true });
      fs.writeFileSync(path.join(crate, rel), g.text(rel));
    }
    fs.writeFileSync(path.join(dir, 'golden.txt'), g.text('core/tests/golden.txt'));
    fs.writeFileSync(path.join(dir, 'mod.rs'), 'pub mod abi;\npub mod model;\n');
    for (const qn of c.plan.nodes) opsSeen.add(qn.node.op.op);
    vectors += g.vectors;
    lines.push(`/// ${c.name}`, `#[path = "cases/${mod}/mod.rs"]`, `mod ${mod};`, '#[test]', `fn ${mod}_matches() {`, `    check("${c.name}", include_str!("cases/${mod}/golden.txt"), |v| {`);
    lines.push(`        let mut w: Box<${mod}::model::Workspace> = workspace();`, `        ${mod}::abi::admit_values(v, &mut w.x).map_err(|e| format!("{:?}", e))?;`);
    lines.push(`        ${mod}::abi::run(&mut w).map_err(|e| format!("{:?}", e))?;`, `        Ok(${mod}::abi::output_values(&w.y).to_vec())`, '    });', '}', '');
  });
  lines.push(
    '/// A zeroed workspace of any model on the heap (integer arrays: all-zero bytes are a value).',
    'fn workspace<T>() -> Box<T> {',
    '    let layout = std::alloc::Layout::new::<T>();',
    '    unsafe { Box::from_raw(std::alloc::alloc_zeroed(layout) as *mut T) }',
    '}',
    '',
    'fn check(name: &str, golden: &str, run: impl Fn(&[i32]) -> Result<Vec<i32>, String>) {',
    '    for (i, line) in golden.lines().filter(|l| !l.starts_with(\'#\')).enumerate() {',
    "        let parts: Vec<&str> = line.split('|').collect();",
    '        let ints = |s: &str| -> Vec<i32> { s.split_whitespace().map(|v| v.parse().unwrap()).collect() };',
    '        let got = run(&ints(parts[0]));',
    '        assert_eq!(got, Ok(ints(parts[1])), "{} vector {}", name, i);',
    '    }',
    '}',
  );
  fs.writeFileSync(path.join(crate, 'Cargo.toml'), `[package]\nname = "ops-coverage"\nversion = "0.1.0"\nedition = "2021"\n\n[lib]\npath = "src/lib.rs"\n\n[dependencies]\nstylus-ml-runtime = { path = "${RUNTIME_DIR}" }\n`);
  fs.mkdirSync(path.join(crate, 'src'), { recursive: true });
  fs.writeFileSync(path.join(crate, 'src', 'lib.rs'), '');
  fs.writeFileSync(path.join(crate, 'tests', 'ops.rs'), lines.join('\n'));
  const r = cargoTest(crate);
  assert.ok(r.ok, `cargo test failed:\n${(r.stdout + r.stderr).split('\n').filter((l) => /panicked|error|left|right|-->|FAILED/.test(l)).slice(0, 40).join('\n')}`);
  assert.equal(passedTests(r.stdout), all.length, 'one passing test per generated model');
  // every IR op the importer produces (concat has no ONNX lowering yet)
  for (const op of ['matmul', 'conv2d', 'maxpool2d', 'avgpool2d', 'affine', 'binary', 'relu', 'leakyRelu', 'clip', 'sigmoid', 'tanh', 'softmax', 'argmax', 'transpose', 'castInt', 'trees', 'normalize', 'reshape', 'binaryScores', 'threshold', 'constant']) {
    assert.ok(opsSeen.has(op), `no case exercises ${op}`);
  }
  console.log(`${all.length} generated model cores, ${vectors} golden vectors, ops: ${[...opsSeen].sort().join(' ')}; cargo test ${r.seconds.toFixed(0)} s`);
});

test('generated model.rs and abi.rs are rustfmt-clean for every op', { skip: skip || (!rustfmtVersion() ? 'rustfmt is not installed' : false), timeout: 10 * 60_000 }, () => {
  const dir = path.join(work, 'ops', 'tests', 'cases');
  assert.ok(fs.existsSync(dir), 'the previous test generated the cases');
  const files = fs.readdirSync(dir).flatMap((m) => ['model.rs', 'abi.rs'].map((f) => path.join(dir, m, f)));
  const runtime = path.join(work, 'ops', RUNTIME_DIR, 'src');
  const r = rustfmtCheck([...files, ...fs.readdirSync(runtime).map((f) => path.join(runtime, f))], '2021');
  assert.ok(r.ok, `rustfmt --check:\n${r.stdout.slice(0, 3000)}${r.stderr.slice(0, 1000)}`);
});
