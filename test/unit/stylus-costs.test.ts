// What activation stores and charges (reference §3 "Call overhead", "Activation gas"): init cost,
// cached cost, footprint, asm estimate, the compile gas and the data fee — worked out here by hand from
// the reference formulas for a module whose contents are counted in the comments.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cachedGas, initGas } from '../../nitro/costs';
import { approxExpBasisPoints, dataFee, initialDataPricer } from '../../nitro/data-pricer';
import { stylusParamsFor } from '../../nitro/params';
import { createStylusRuntime, type WasmStylusRuntime } from '../../devnode/stylus/runtime';
import { wat } from './stylus-harness';

const f = (x: number, mul: number, div: number) => Math.floor((x * mul) / div);

// 2 local functions of types (i32 i32)->i32 and (i32)->i32: type_len = 3 + 2 = 5.
// 1 global + the 4 injected = 5. Memory 2 pages.
// element segment `00 41 00 0b 01 00` = 6 bytes; data segment `00 41 <off> 0b 05 hello` = 10 bytes
// when the offset is 16 (one LEB byte), 12 bytes at offset 100000 (three LEB bytes).
const source = (offset: number) => `(module
  (memory (export "memory") 2 2)
  (global $g (mut i32) (i32.const 7))
  (table 1 funcref)
  (elem (i32.const 0) $f)
  (data (i32.const ${offset}) "hello")
  (func $f (param i32 i32) (result i32) i32.const 0)
  (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))`;

function expectedCosts(wasmLen: number, dataLen: number, version: number) {
  const funcs = 2;
  const typeLen = 5;
  const globals = 5;
  const footprint = 2;
  const cached = f(funcs, 13420, 1e5) + f(typeLen, 89, 1e5) + f(wasmLen, 122, 1e5) + f(globals, 1628, 1e3) + f(dataLen, 75244, 1e5) + footprint * 5;
  const init = (version === 1 ? cached : 0) + f(funcs, 8252, 1e3) + f(typeLen, 1059, 1e3) + f(wasmLen, 1286, 1e4);
  const asm = 512000 + f(funcs, 996829, 1e3) + f(typeLen, 11416, 1e3) + f(wasmLen, 62628, 1e4);
  return { cached, init, asm };
}

describe('Stylus activation costs', () => {
  let rt: WasmStylusRuntime;
  before(() => {
    rt = createStylusRuntime();
  });
  after(() => rt.close());

  it('stores init cost, cached cost, footprint and asm estimate as nitro computes them', async () => {
    for (const offset of [16, 100000]) {
      const bin = await wat(source(offset));
      const dataLen = 6 + (offset === 16 ? 10 : 12); // whole segment spans, not payload bytes
      for (const arbos of [30, 40]) {
        const params = stylusParamsFor(arbos, false);
        const act = await rt.activate(bin, params, 128);
        assert.ok(act.ok, act.ok ? '' : act.reason);
        const e = expectedCosts(bin.length, dataLen, params.stylusVersion);
        assert.equal(act.program.cachedCost, e.cached, `cached, offset ${offset}, ArbOS ${arbos}`);
        assert.equal(act.program.initCost, e.init, `init, offset ${offset}, ArbOS ${arbos}`);
        assert.equal(act.program.footprint, 2);
        assert.equal(act.program.asmEstimate, e.asm);
        assert.equal(act.program.asmEstimateKb, Math.ceil(e.asm / 1024));
        assert.equal(act.program.version, params.stylusVersion);
      }
    }
  });

  it('charges the compile gas of the reference (×28 µs→gas), wasm length only from ArbOS 32', async () => {
    const bin = await wat(source(16));
    // each body `i32.const 0; end` (2 ops) + meter header (12) + depth prologue (12) + return + its reclaim (5) = 31
    const ops = 2 * 31;
    const common = 28 * f(2, 17263, 1e5) + 28 * f(5, 17376, 1e5) + 28 * f(6, 17376, 1e5) + 28 * 2 * 2217 + 28 * f(ops, 535, 1e3);
    const v40 = await rt.activate(bin, stylusParamsFor(40, false), 128);
    assert.ok(v40.ok);
    assert.equal(v40.program.activationGas, BigInt(28 * f(bin.length, 31733, 1e5) + common));
    const v31 = await rt.activate(bin, stylusParamsFor(31, false), 128);
    assert.ok(v31.ok);
    assert.equal(v31.program.activationGas, BigInt(common));
  });

  it('prices the data fee on a fresh chain at about 82,928,201 wei per asm byte', async () => {
    const act = await rt.activate(await wat(source(16)), stylusParamsFor(40, false), 128);
    assert.ok(act.ok);
    const asm = BigInt(act.program.asmEstimate!);
    assert.ok(act.program.dataFee >= 82_928_201n * asm, 'at least the minimum price');
    assert.ok(act.program.dataFee <= (82_928_201n * asm * 103n) / 100n, 'within the first few percent of the exponential');
    assert.ok(act.program.dataFee >= 42_500_000_000_000n, '≥ 4.25e13 wei as the reference says');
  });

  it('raises the data price with demand and lets it decay with time', () => {
    let state = initialDataPricer();
    const t0 = 1_700_000_000n;
    const first = dataFee(state, 600_000, t0);
    state = first.next;
    const second = dataFee(state, 600_000, t0);
    assert.ok(second.fee > first.fee, 'same block: demand accumulates');
    const later = dataFee(second.next, 600_000, t0 + 3600n);
    assert.ok(later.fee < second.fee, 'an hour later: 34865 B/s of credit');
    assert.equal(state.bytesPerSecond, 34865);
    assert.equal(approxExpBasisPoints(0n), 10000n);
    assert.ok(Math.abs(Number(approxExpBasisPoints(10000n)) - 27183) <= 1, 'e in basis points');
  });

  it('charges per call MinInitGas × 128 + initCost and MinCachedInitGas × 32 + cachedCost at default scalars', () => {
    const v2 = stylusParamsFor(40, false);
    assert.equal(initGas(300, v2), 8832n + 300n);
    assert.equal(cachedGas(40, v2), 352n + 40n);
    const v1 = stylusParamsFor(30, false);
    assert.equal(initGas(300, v1), 9216n + 300n);
    // scalar 51 (102%): ceil(300 × 51 × 2 / 100) = 306
    assert.equal(initGas(300, { ...v2, initCostScalar: 51 }), 8832n + 306n);
  });
});
