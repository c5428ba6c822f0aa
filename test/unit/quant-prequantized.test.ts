// Issue 14, part 2: models quantized by onnxruntime (quantize_static, QDQ and QOperator; an MLP and a CNN
// on 8x8 digits) run in integers with onnxruntime's semantics. onnxruntime-web running the same quantized
// file is the oracle: on 400 held-out inputs the simulator's integer outputs equal its integers on ≥ 99% of
// output elements and lie within one step on all, and the argmax agrees on ≥ 99.5%. The BigInt reference
// agrees with the fast simulator bit for bit; malformed QDQ graphs are refused naming the node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { importModel } from '../../core/onnx/import';
import { prepareModel } from '../../core/pipeline';
import { quantizeInputs, runFixed } from '../../core/quant/simulate';
import { runReference } from '../../core/quant/reference';
import { multiplierOf, quantizeLinear, rshiftEven, rshiftEvenBig } from '../../core/quant/requant';
import { FloatReference } from '../../core/float/ort';
import { floatOutputs } from '../../core/report/simulate';
import type { InputCase } from '../../core/io/inputs';
import { brokenQdq, digitsTest, qdqAddConstantFirst, qlinearAveragePool, quantizedModel, STATIC_MODELS } from '../fixtures/quantized';

test('requantisation: a float32 multiplier is represented exactly; the shift rounds half to even', () => {
  for (const real of [Math.fround(0.0123), Math.fround(3.5e-5), Math.fround(0.9999), Math.fround(17.25)]) {
    const { m, s } = multiplierOf(real, 't');
    assert.ok(m < 2 ** 24 && m >= 2 ** 23, `${real}: 24-bit multiplier`);
    assert.equal(m * 2 ** -s, real, `${real} exactly`);
  }
  // ties go to the even neighbour, for either sign; everything else to the nearest
  const cases: [number, number, number][] = [[5, 1, 2], [7, 1, 4], [-5, 1, -2], [-7, 1, -4], [6, 2, 2], [10, 2, 2], [-10, 2, -2], [11, 2, 3], [-11, 2, -3], [9, 2, 2]];
  for (const [v, s, want] of cases) {
    assert.equal(rshiftEven(v, s), want, `${v} / 2^${s}`);
    assert.equal(rshiftEvenBig(BigInt(v), s), BigInt(want));
  }
  // QuantizeLinear: float32 division, half to even (onnxruntime's MlasQuantizeLinear)
  assert.equal(quantizeLinear(0.25, 0.5, 0), 0);
  assert.equal(quantizeLinear(0.75, 0.5, 0), 2);
  assert.equal(quantizeLinear(-0.25, 0.5, 10), 10);
});

function toCase(g: { inputs: { id: string }[] }, v: number[]): InputCase {
  return new Map([[g.inputs[0].id, Float64Array.from(v)]]);
}

for (const name of STATIC_MODELS) {
  test(`${name}: integer outputs equal onnxruntime-web's on 400 held-out digits`, { timeout: 300_000 }, async () => {
    const file = quantizedModel(name);
    const bytes = fs.readFileSync(file);
    const r = importModel(bytes, { file });
    assert.deepEqual(r.unsupported, [], 'every node is supported');
    const prepared = prepareModel(file, {});
    const plan = prepared.plan;
    const g = plan.graph;
    assert.ok(g.inputs[0].quant, 'the input is quantized by the model');
    assert.ok(plan.nodes.every((qn) => !['affine', 'relu', 'sigmoid', 'leakyRelu'].includes(qn.node.op.op)), 'no float layer is left');
    const out = plan.tensors.get(g.outputs[0].id)!;
    assert.ok(out.format.scale! > 0, 'the output keeps the model scale');
    const { inputs } = digitsTest();
    const ref = await FloatReference.create(bytes, file);
    let equal = 0;
    let total = 0;
    let maxSteps = 0;
    let argmaxAgree = 0;
    try {
      for (const [k, v] of inputs.entries()) {
        const c = toCase(g, v);
        const ort = (await floatOutputs(ref, g, c))[g.outputs[0].name] as number[];
        const q = runFixed(plan, quantizeInputs(plan, c, 'clamp')).get(out.id)!;
        // onnxruntime's output is DequantizeLinear of its integers: recover them exactly
        const ortQ = ort.map((y) => Math.round(y / out.format.scale! + out.format.zeroPoint!));
        ortQ.forEach((o, i) => {
          total++;
          if (o === q[i]) equal++;
          maxSteps = Math.max(maxSteps, Math.abs(o - q[i]));
        });
        const am = (a: ArrayLike<number>) => Array.from(a).indexOf(Math.max(...Array.from(a)));
        if (am(ortQ) === am(q)) argmaxAgree++;
        if (k < 40) {
          const big = runReference(plan, quantizeInputs(plan, c, 'clamp'));
          assert.deepEqual(Array.from(big.values.get(out.id)!), Array.from(q), `case ${k}: BigInt reference equals the simulator`);
          assert.equal(big.violations.filter((x) => x.kind === 'wrap').length, 0, 'no accumulator wraps');
        }
      }
    } finally {
      await ref.release();
    }
    console.log(`${name}: ${equal}/${total} output integers equal onnxruntime-web's, max ${maxSteps} step(s), argmax agreement ${argmaxAgree}/${inputs.length}`);
    assert.ok(equal / total >= 0.99, `${equal}/${total} equal`);
    assert.ok(maxSteps <= 1, `within one step (max ${maxSteps})`);
    assert.ok(argmaxAgree / inputs.length >= 0.995, `argmax ${argmaxAgree}/${inputs.length}`);
  });
}

test('malformed QDQ graphs are refused naming the node and the reason', () => {
  const want: Record<string, { node: string; reason: RegExp }> = {
    'runtime-scale': { node: 'q_in', reason: /scale 'q_scale' is not a constant/ },
    'zero-scale': { node: 'q_in', reason: /scale 'q_scale' is 0: scales must be positive and finite/ },
    'zp-mismatch': { node: 'dq_out', reason: /zero point 'dq_zp' is UINT8 but the data it describes is INT8/ },
  };
  for (const [kind, w] of Object.entries(want)) {
    const r = importModel(brokenQdq(kind as 'zero-scale'), { file: `${kind}.onnx` });
    assert.equal(r.graph, null, `${kind}: refused`);
    const u = r.unsupported.find((x) => x.name === w.node);
    assert.ok(u, `${kind}: node '${w.node}' is named (${JSON.stringify(r.unsupported)})`);
    assert.match(u.reason ?? '', w.reason, kind);
  }
});

test('a QDQ Add whose constant is the first operand (bias + x) is refused naming the QuantizeLinear after it', () => {
  // onnxruntime does not fuse this group: it computes DQ → float Add → Q (checked against onnxruntime-web:
  // a float32 emulation of that path equals it on 800 of 800 outputs, QLinearAdd's integer add on 790),
  // so running it as QLinearAdd would not be onnxruntime's answer
  const r = importModel(qdqAddConstantFirst(), { file: 'add-constant-first.onnx' });
  assert.equal(r.graph, null);
  const u = r.unsupported.find((x) => x.name === 'q_out');
  assert.ok(u, JSON.stringify(r.unsupported));
  assert.match(u.reason ?? '', /'sum' is a computed float tensor/);
});

test("QLinearAveragePool (not global): onnxruntime's float32 kernel and the integer requantisation are at most one step apart, and the import says so", { timeout: 300_000 }, async () => {
  for (const [k, stride] of [[2, 2], [3, 1]] as const) {
    const bytes = qlinearAveragePool(k, stride);
    const file = `qavg-${k}x${k}.onnx`;
    const r = importModel(bytes, { file });
    assert.deepEqual(r.unsupported, []);
    assert.ok(r.notes.some((n) => /QLinearAveragePool 'pool': onnxruntime sums it in float32 term by term/.test(n)), r.notes.join('; '));
    const plan = prepareModel(file, {}, { bytes, graph: r.graph! }).plan;
    const out = plan.tensors.get(plan.graph.outputs[0].id)!;
    const ref = await FloatReference.create(bytes, file);
    let seed = 11;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    let equal = 0;
    let total = 0;
    let worst = 0;
    try {
      for (let n = 0; n < 300; n++) {
        const c = toCase(plan.graph, Array.from({ length: 98 }, () => rnd() * 12 - 6.5));
        const ort = (await floatOutputs(ref, plan.graph, c))[plan.graph.outputs[0].name] as number[];
        const q = runFixed(plan, quantizeInputs(plan, c, 'clamp')).get(out.id)!;
        ort.forEach((y, i) => {
          const o = Math.round(y / out.format.scale! + out.format.zeroPoint!);
          total++;
          if (o === q[i]) equal++;
          worst = Math.max(worst, Math.abs(o - q[i]));
        });
      }
    } finally {
      await ref.release();
    }
    process.stdout.write(`# QLinearAveragePool ${k}x${k} stride ${stride}: ${equal} of ${total} outputs equal onnxruntime-web's, worst ${worst} step(s)\n`);
    assert.ok(worst <= 1, `${k}x${k}: ${worst} steps apart`);
    assert.ok(equal >= 0.99 * total, `${k}x${k}: ${equal} of ${total} equal`);
  }
});
