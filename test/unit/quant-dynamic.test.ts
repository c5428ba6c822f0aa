// Issue 14, dynamically quantized models (onnxruntime's quantize_dynamic, an MLP and a CNN on 8x8 digits):
// DynamicQuantizeLinear computes each activation's scale from the data, and the float32 between the
// integer layers is emulated exactly (core/quant/f32.ts). onnxruntime-web running the same file is the
// oracle: on 400 held-out inputs every output equals its float32 output bit for bit. The integer
// soft-float the Rust runs (core/quant/softfloat.ts) is held to the hardware's float32 and, through the
// reference, to the simulator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { importModel } from '../../core/onnx/import';
import { prepareModel } from '../../core/pipeline';
import { quantizeInputs, realOf, runFixed } from '../../core/quant/simulate';
import { runReference } from '../../core/quant/reference';
import { FloatReference } from '../../core/float/ort';
import { floatOutputs } from '../../core/report/simulate';
import { bitsOf, dynamicQuantize, fromBits, keyOf, LOGISTIC, nearbyint, valueOfKey } from '../../core/quant/f32';
import path from 'node:path';
import { sfAdd, sfDiv, sfFromInt, sfMul, sfNearbyint, sfSub } from '../../core/quant/softfloat';
import { dqlSoft } from '../../core/quant/reference-f32';
import { digitsTest, DYNAMIC_MODELS, quantizedModel } from '../fixtures/quantized';

/** xorshift, seeded: operands across every binade, subnormals and near-equal pairs included */
function operands(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return () => {
    let b = next();
    const kind = next() % 8;
    if (kind === 0) b &= 0x807fffff; // subnormal
    else if (kind === 1) b = (b & 0x80ffffff) | ((110 + (next() % 30)) << 23);
    else if (kind === 2) b = (b & 0x807fffff) | ((next() % 8) << 23);
    if (((b >>> 23) & 0xff) === 0xff) b &= 0xbfffffff; // finite only
    return b >>> 0;
  };
}

test('soft-float: add, sub, mul, div, int→float and round-half-even equal IEEE float32 (1.2 M operations)', () => {
  const next = operands(0x5eed);
  const ops: [string, (a: number, b: number) => number, (x: number, y: number) => number][] = [
    ['add', sfAdd, (x, y) => x + y],
    ['sub', sfSub, (x, y) => x - y],
    ['mul', sfMul, (x, y) => x * y],
    ['div', sfDiv, (x, y) => x / y],
  ];
  for (const [name, soft, hard] of ops) {
    let bad = 0;
    for (let i = 0; i < 300_000; i++) {
      const a = next();
      let b = next();
      if (i % 5 === 0) b = (a ^ (next() & 0x3ff)) >>> 0; // nearly equal: cancellation
      if (name === 'div' && (b & 0x7fffffff) === 0) continue;
      if (soft(a, b) >>> 0 !== bitsOf(Math.fround(hard(fromBits(a), fromBits(b))))) bad++;
    }
    assert.equal(bad, 0, `${name}: ${bad} results differ from float32`);
  }
  for (let i = 0; i < 100_000; i++) {
    const v = (next() % 2 ? -1 : 1) * (next() % 3 === 0 ? next() % 100_000 : next());
    assert.equal(sfFromInt(v), bitsOf(v), `float32(${v})`);
    const a = next();
    if (Math.abs(fromBits(a)) < 2 ** 31) assert.equal(sfNearbyint(a), nearbyint(fromBits(a)), `nearbyint(${fromBits(a)})`);
  }
  for (const x of [0.5, 1.5, 2.5, -0.5, -2.5, 254.5, 255.5]) assert.equal(sfNearbyint(bitsOf(x)), nearbyint(x), `tie ${x} goes to even`);
});

test('DynamicQuantizeLinear: scale and zero point from the data (min/max including 0, round half to even), soft-float equal to float32', () => {
  // onnxruntime's documented example: x = [0, 2, -3, -2.5, 1.34, 0.5] → scale 5/255, zero point 153
  const keys = [0, 2, -3, -2.5, 1.34, 0.5].map(keyOf);
  const d = dynamicQuantize(keys);
  assert.equal(d.scale, Math.fround(5 / 255));
  assert.equal(d.zeroPoint, 153);
  assert.deepEqual(Array.from(d.q), [153, 255, 0, 26, 221, 179]);
  const s = dqlSoft(keys);
  assert.equal(fromBits(s.scale), d.scale);
  assert.equal(s.zp, d.zeroPoint);
  assert.deepEqual(Array.from(s.q), Array.from(d.q));
  // all zeros: scale 1, zero point 0; only positive values: zero point 0
  assert.deepEqual(dynamicQuantize([0, 0].map(keyOf)), { q: Int32Array.from([0, 0]), scale: 1, zeroPoint: 0 });
  assert.equal(dynamicQuantize([0.25, 1].map(keyOf)).zeroPoint, 0);
  // keys order like values; -0 and +0 share a key
  assert.ok(keyOf(-1) < keyOf(-0.5) && keyOf(-0.5) < keyOf(0) && keyOf(0) < keyOf(1e-40) && keyOf(1e-40) < keyOf(2));
  assert.equal(keyOf(-0), 0);
  assert.equal(valueOfKey(keyOf(-3.25)), -3.25);
});

test("softfloat.rs carries the simulator's constants (MLAS's logistic coefficients and clamp)", () => {
  const rs = fs.readFileSync(path.join(__dirname, '../../stylus-templates/runtime/src/softfloat.rs'), 'utf8');
  const arr = (name: string) => [...new RegExp(`const ${name}: \\[u32; \\d+\\] = \\[([^\\]]*)\\]`).exec(rs)![1].matchAll(/0x([0-9a-f_]+)/g)].map((m) => parseInt(m[1].replace(/_/g, ''), 16));
  assert.deepEqual(arr('LOGISTIC_ALPHA'), LOGISTIC.alpha.map(bitsOf));
  assert.deepEqual(arr('LOGISTIC_BETA'), LOGISTIC.beta.map(bitsOf));
  assert.equal(parseInt(/const KEY_18: i32 = 0x([0-9a-f_]+);/.exec(rs)![1].replace(/_/g, ''), 16), bitsOf(LOGISTIC.upper));
  assert.equal(-LOGISTIC.lower, LOGISTIC.upper, 'the clamp is symmetric (softfloat.rs clamps to ±KEY_18)');
});

for (const name of DYNAMIC_MODELS) {
  test(`${name}: every output equals onnxruntime-web's float32 on 400 held-out digits`, { timeout: 300_000 }, async () => {
    const file = quantizedModel(name);
    const bytes = fs.readFileSync(file);
    const r = importModel(bytes, { file });
    assert.deepEqual(r.unsupported, [], 'every node is supported');
    assert.ok(r.notes.some((n) => /DynamicQuantizeMatMul/.test(n)), 'the quantize_dynamic groups are fused');
    const plan = prepareModel(file, { inputRange: '0:1' }).plan;
    const g = plan.graph;
    assert.ok(g.float32, 'the model computes in float32 between its integer layers');
    const out = plan.tensors.get(g.outputs[0].id)!;
    assert.ok(out.format.float32, 'the output is float32');
    assert.ok(plan.nodes.filter((qn) => qn.params.op === 'matmul' || qn.params.op === 'conv2d').every((qn) => 'dynamic' in qn.params && qn.params.dynamic), 'every dense/conv layer is dynamically quantized');
    const { inputs, labels } = digitsTest();
    const ref = await FloatReference.create(bytes, file);
    let equal = 0;
    let total = 0;
    let argmaxAgree = 0;
    let correct = 0;
    try {
      for (const [k, v] of inputs.entries()) {
        const c = new Map([[g.inputs[0].id, Float64Array.from(v)]]);
        const ort = (await floatOutputs(ref, g, c))[g.outputs[0].name] as number[];
        const q = quantizeInputs(plan, c);
        const sim = runFixed(plan, q).get(out.id)!;
        const ours = Array.from(sim, (key) => realOf(out.format, key));
        ours.forEach((y, i) => {
          total++;
          if (y === ort[i]) equal++;
        });
        const am = (a: number[]) => a.indexOf(Math.max(...a));
        if (am(ours) === am(ort)) argmaxAgree++;
        if (am(ours) === labels[k]) correct++;
        if (k < 40) {
          const soft = runReference(plan, q);
          assert.deepEqual(Array.from(soft.values.get(out.id)!), Array.from(sim), `case ${k}: the soft-float reference equals the simulator`);
          assert.equal(soft.violations.length, 0, 'no accumulator wraps');
        }
      }
    } finally {
      await ref.release();
    }
    console.log(`${name}: ${equal}/${total} float32 outputs equal onnxruntime-web's, argmax agreement ${argmaxAgree}/${inputs.length}, accuracy ${((100 * correct) / inputs.length).toFixed(2)}%`);
    assert.equal(equal, total, 'bit for bit');
    assert.equal(argmaxAgree, inputs.length);
  });
}
