// The stylus-ml runtime (stylus-templates/runtime/src/fixed.rs) documents its preconditions instead of
// asserting them (`rescale` needs 1 <= s <= 62): its own body is not flagged with unbounded parameters,
// and a call that breaks a precondition is flagged at the call, with the argument's values.

import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CrateFiles, isStylusMlRuntime } from '../../core/analysis/crate-files';
import { analyse, covered, rust } from './ls-harness';

const runtimePath = path.resolve(__dirname, '..', '..', 'stylus-templates', 'runtime', 'src', 'fixed.rs');
const runtime = readFileSync(runtimePath, 'utf8');
const dir = mkdtempSync(path.join(tmpdir(), 'ls-runtime-'));
after(() => rmSync(dir, { recursive: true, force: true }));
copyFileSync(runtimePath, path.join(dir, 'fixed.rs'));

async function withRuntime(model: string) {
  const p = await rust();
  const file = path.join(dir, 'model.rs');
  writeFileSync(file, model);
  return analyse(model, { filePath: file, extraItems: new CrateFiles(p).extraItems(file) });
}

const layer = (shift: string) => `use crate::fixed::{rescale, sat_i16};
pub fn layer_0_fc(x: &[i16; 2], y: &mut [i16; 1]) {
    let mut acc: i64 = 0;
    acc += x[0] as i64 * 100;
    acc += x[1] as i64 * -100;
    y[0] = sat_i16(rescale(acc, ${shift}));
}
`;

describe('the stylus-ml runtime', () => {
  it('is recognised by its header and has no diagnostics of its own', async () => {
    assert.ok(isStylusMlRuntime(runtime));
    const r = await analyse(runtime);
    assert.deepEqual(r.findings.map((f) => `${f.code} ${covered(runtime, f)}`), []);
  });

  it('a call with valid arguments is quiet; one that breaks a precondition is flagged at the call', async () => {
    assert.deepEqual((await withRuntime(layer('7'))).findings, []);
    const text = layer('0');
    const r = await withRuntime(text);
    assert.deepEqual(r.findings.map((f) => [f.code, covered(text, f)]), [['SML003', 'rescale(acc, 0)']]);
    assert.match(r.findings[0].message, /^in `rescale\(acc, 0\)` \(`fn rescale`\): shift amount `\(s - 1\)`/);
    const big = layer('70');
    const r2 = await withRuntime(big);
    assert.deepEqual(r2.findings.map((f) => [f.code, covered(big, f)]), [['SML003', 'rescale(acc, 70)']]);
  });

  it('saturation inside the runtime is seen through the call (the value after sat_i16 is in i16)', async () => {
    const r = await withRuntime(layer('7'));
    const unit = r.analysis.items.flatMap((i) => i.units).find((u) => u.name === 'layer_0_fc')!;
    // acc in [-6553500, 6553500]; (acc + 64) >> 7 in [-51199, 51199]; sat_i16 keeps y in i16
    assert.deepEqual(unit.analysis.saturations[0].pre, { lo: -51199n, hi: 51199n });
    assert.deepEqual(unit.analysis.stored.get('y')!.iv, { lo: -32768n, hi: 32767n });
  });

  it('a pair kernel whose first term has nothing in the high lane keeps its lanes (lane_lo/lane_hi exact)', async () => {
    // the gas lowering of a QGemm (digits-mlp-qdq): two rows per i64, bias b0 + b1·2^32, then a weight pair (-1, 0)
    const model = `use crate::fixed::{lane_hi, lane_lo};
pub fn layer_0_fc(x: &[i8; 2], y: &mut [i64; 2]) {
    let mut a: i64 = -158961034572357;
    a += x[0] as i64 * -1;
    a += x[1] as i64 * 25769803776;
    y[0] = lane_lo(a);
    y[1] = lane_hi(a);
}
`;
    const r = await withRuntime(model);
    assert.deepEqual(r.findings.map((f) => `${f.code} ${covered(model, f)}`), []);
    const unit = r.analysis.items.flatMap((i) => i.units).find((u) => u.name === 'layer_0_fc')!;
    // -158961034572357 = -37011 · 2^32 + 19899; lanes 19899 - x0 in [19772, 20027] and -37011 + 6·x1 in
    // [-37779, -36249] for x in [-128, 127]: each fits i32, so lane_lo and lane_hi are those lanes
    assert.deepEqual(unit.analysis.stored.get('y')!.iv, { lo: -37779n, hi: 20027n });
  });
});
