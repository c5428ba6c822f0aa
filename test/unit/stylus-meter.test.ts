// Ink metering of executed programs: every operator price of pricing_v1 and nitro's basic-block
// boundaries. Expected ink is worked out here from the reference table (stylus-platform.md §3), not
// taken from the implementation: cost of a block = Σ op prices (terminator included) + 2450.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createStylusRuntime, type WasmStylusRuntime } from '../../devnode/stylus/runtime';
import { PARAMS, run, wat } from './stylus-harness';

// reference/stylus-platform.md §3 "pricing_v1 (ink)"
const HEADER = 2450n;
const REF: Record<string, number> = {
  unreachable: 1, return: 1, nop: 1, 'i32.const': 1, 'i64.const': 1, block: 1, loop: 1, else: 1, end: 1,
  drop: 9, br: 765, br_if: 765, if: 765, select: 1250, call: 3800,
  'local.get': 75, 'local.tee': 75, 'local.set': 210, 'global.get': 225, 'global.set': 575,
  'memory.size': 3000, 'memory.grow': 8050, 'memory.copy': 950, 'memory.fill': 950,
};
for (const op of ['load', 'load8_s', 'load8_u', 'load16_s', 'load16_u']) REF[`i32.${op}`] = 670;
for (const op of ['load', 'load8_s', 'load8_u', 'load16_s', 'load16_u', 'load32_s', 'load32_u']) REF[`i64.${op}`] = 680;
for (const op of ['store', 'store8', 'store16']) REF[`i32.${op}`] = 825;
for (const op of ['store', 'store8', 'store16', 'store32']) REF[`i64.${op}`] = 950;
for (const op of ['eqz', 'eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u']) {
  REF[`i32.${op}`] = 170;
  REF[`i64.${op}`] = 225;
}
for (const t of ['i32', 'i64']) {
  REF[`${t}.clz`] = 210;
  REF[`${t}.ctz`] = 210;
  REF[`${t}.mul`] = 160;
  for (const op of ['add', 'sub', 'and', 'or', 'xor', 'shl', 'shr_s', 'shr_u', 'rotl', 'rotr']) REF[`${t}.${op}`] = t === 'i32' ? 70 : 100;
  for (const op of ['div_s', 'div_u', 'rem_s', 'rem_u']) REF[`${t}.${op}`] = t === 'i32' ? 1120 : 1270;
}
REF['i32.popcnt'] = 2650;
REF['i64.popcnt'] = 6000;
for (const op of ['i32.wrap_i64', 'i64.extend_i32_s', 'i64.extend_i32_u', 'i32.extend8_s', 'i32.extend16_s', 'i64.extend8_s', 'i64.extend16_s', 'i64.extend32_s']) {
  REF[op] = 100;
}
const price = (...ops: string[]) => BigInt(ops.reduce((n, op) => n + (REF[op] ?? Number.NaN), 0));

/** One straight-line entrypoint body: setup operands, the op, drop its results, return 0. */
interface Case {
  op: string;
  text?: string;
  setup: string[];
  results: number;
}

const cases: Case[] = [];
const bin = (t: 'i32' | 'i64', ops: string[]) => ops.forEach((o) => cases.push({ op: `${t}.${o}`, setup: [`${t}.const`, `${t}.const`], results: 1 }));
const un = (t: 'i32' | 'i64', ops: string[]) => ops.forEach((o) => cases.push({ op: `${t}.${o}`, setup: [`${t}.const`], results: 1 }));
bin('i32', ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u', 'add', 'sub', 'mul', 'div_s', 'div_u', 'rem_s', 'rem_u', 'and', 'or', 'xor', 'shl', 'shr_s', 'shr_u', 'rotl', 'rotr']);
bin('i64', ['eq', 'ne', 'lt_s', 'lt_u', 'gt_s', 'gt_u', 'le_s', 'le_u', 'ge_s', 'ge_u', 'add', 'sub', 'mul', 'div_s', 'div_u', 'rem_s', 'rem_u', 'and', 'or', 'xor', 'shl', 'shr_s', 'shr_u', 'rotl', 'rotr']);
un('i32', ['eqz', 'clz', 'ctz', 'popcnt', 'extend8_s', 'extend16_s']);
un('i64', ['eqz', 'clz', 'ctz', 'popcnt', 'extend8_s', 'extend16_s', 'extend32_s']);
cases.push({ op: 'i32.wrap_i64', setup: ['i64.const'], results: 1 });
cases.push({ op: 'i64.extend_i32_s', setup: ['i32.const'], results: 1 });
cases.push({ op: 'i64.extend_i32_u', setup: ['i32.const'], results: 1 });
for (const op of ['i32.load', 'i32.load8_s', 'i32.load8_u', 'i32.load16_s', 'i32.load16_u', 'i64.load', 'i64.load8_s', 'i64.load8_u', 'i64.load16_s', 'i64.load16_u', 'i64.load32_s', 'i64.load32_u']) {
  cases.push({ op, setup: ['i32.const'], results: 1 });
}
for (const op of ['i32.store', 'i32.store8', 'i32.store16']) cases.push({ op, setup: ['i32.const', 'i32.const'], results: 0 });
for (const op of ['i64.store', 'i64.store8', 'i64.store16', 'i64.store32']) cases.push({ op, setup: ['i32.const', 'i64.const'], results: 0 });
cases.push({ op: 'memory.size', setup: [], results: 1 });
cases.push({ op: 'nop', setup: [], results: 0 });
cases.push({ op: 'drop', setup: ['i32.const'], results: 0 });
cases.push({ op: 'select', setup: ['i32.const', 'i32.const', 'i32.const'], results: 1 });
cases.push({ op: 'local.get', text: 'local.get 0', setup: [], results: 1 });
cases.push({ op: 'local.set', text: 'local.set 0', setup: ['i32.const'], results: 0 });
cases.push({ op: 'local.tee', text: 'local.tee 0', setup: ['i32.const'], results: 1 });
cases.push({ op: 'global.get', text: 'global.get $g', setup: [], results: 1 });
cases.push({ op: 'global.set', text: 'global.set $g', setup: ['i32.const'], results: 0 });

const program = (body: string, extra = '') => `(module
  (memory (export "memory") 1 1)
  (global $g (mut i32) (i32.const 5))
  ${extra}
  (func (export "user_entrypoint") (param i32) (result i32)
    ${body}))`;

describe('Stylus ink meter (pricing_v1, per basic block)', () => {
  let rt: WasmStylusRuntime;
  before(() => {
    rt = createStylusRuntime();
  });
  after(() => rt.close());

  it('charges every priced operator its reference ink plus one 2450 header', async () => {
    const failures: string[] = [];
    for (const c of cases) {
      const setup = c.setup.map((s) => `${s} 7`).join(' ');
      const body = `${setup} ${c.text ?? c.op} ${'drop '.repeat(c.results)} i32.const 0`;
      const res = await run(rt, await wat(program(body)));
      assert.equal(res.outcome.kind, 'success', `${c.op}: ${JSON.stringify(res.outcome)}`);
      const expected = price(...c.setup, c.op, ...Array(c.results).fill('drop'), 'i32.const', 'end') + HEADER;
      if (res.inkUsed !== expected) failures.push(`${c.op}: used ${res.inkUsed}, expected ${expected}`);
    }
    assert.deepEqual(failures, [], failures.join('\n'));
    assert.ok(cases.length >= 80, `covered ${cases.length} operators`);
  });

  it('does not end a basic block at `block`, but does at its `end`', async () => {
    const res = await run(rt, await wat(program('block i32.const 1 drop end i32.const 0')));
    const expected = price('block', 'i32.const', 'drop', 'end') + HEADER + price('i32.const', 'end') + HEADER;
    assert.equal(res.inkUsed, expected);
  });

  it('places headers at if/else boundaries so only the taken arm is charged', async () => {
    const body = (cond: number) => `i32.const ${cond} if (result i32) i32.const 2 else i32.const 3 end drop i32.const 0`;
    const taken = await run(rt, await wat(program(body(1))));
    const entry = price('i32.const', 'if') + HEADER;
    const tail = price('drop', 'i32.const', 'end') + HEADER;
    assert.equal(taken.inkUsed, entry + price('i32.const', 'else') + HEADER + tail);
    const notTaken = await run(rt, await wat(program(body(0))));
    assert.equal(notTaken.inkUsed, entry + price('i32.const', 'end') + HEADER + tail);
  });

  it('charges a loop body once per iteration', async () => {
    const body = `(local i32)
      i32.const 5 local.set 1
      loop
        local.get 1 i32.const 1 i32.sub local.tee 1
        br_if 0
      end
      i32.const 0`;
    const res = await run(rt, await wat(program(body)));
    const before = price('i32.const', 'local.set', 'loop') + HEADER;
    const iteration = price('local.get', 'i32.const', 'i32.sub', 'local.tee', 'br_if') + HEADER;
    const loopEnd = price('end') + HEADER;
    const ret = price('i32.const', 'end') + HEADER;
    assert.equal(res.inkUsed, before + 5n * iteration + loopEnd + ret);
  });

  it('prices br_table at 2400 + 325 per target (default excluded) and skips the headers it jumps over', async () => {
    const body = 'block block block i32.const 1 br_table 0 1 2 end end end i32.const 0';
    const res = await run(rt, await wat(program(body)));
    const first = price('block', 'block', 'block', 'i32.const') + 2400n + 325n * 2n + HEADER;
    // label 1 continues after the second `end`: the third `end` and the return are charged
    const expected = first + price('end') + HEADER + price('i32.const', 'end') + HEADER;
    assert.equal(res.inkUsed, expected);
  });

  it('prices call_indirect at 13610 + 650 per parameter, and the callee block separately', async () => {
    const extra = `(type $t (func (param i32 i32) (result i32)))
      (table 1 funcref) (elem (i32.const 0) $add)
      (func $add (type $t) local.get 0 local.get 1 i32.add)`;
    const body = 'i32.const 1 i32.const 2 i32.const 0 call_indirect (type $t) drop i32.const 0';
    const res = await run(rt, await wat(program(body, extra)));
    const caller = price('i32.const', 'i32.const', 'i32.const') + 13610n + 650n * 2n + HEADER;
    const callee = price('local.get', 'local.get', 'i32.add', 'end') + HEADER;
    const rest = price('drop', 'i32.const', 'end') + HEADER;
    assert.equal(res.inkUsed, caller + callee + rest);
  });

  it('charges a call 3800 in the caller block and ends the block there', async () => {
    const extra = '(func $f (result i32) i32.const 9)';
    const res = await run(rt, await wat(program('call $f drop i32.const 0', extra)));
    const expected = price('call') + HEADER + price('i32.const', 'end') + HEADER + price('drop', 'i32.const', 'end') + HEADER;
    assert.equal(res.inkUsed, expected);
  });

  it('charges memory.fill and memory.copy 950 plus 100 ink per byte', async () => {
    for (const [op, n] of [['memory.fill', 100], ['memory.copy', 1000], ['memory.fill', 0]] as const) {
      const res = await run(rt, await wat(program(`i32.const 0 i32.const 7 i32.const ${n} ${op} i32.const 0`)));
      const expected = price('i32.const', 'i32.const', 'i32.const', op, 'i32.const', 'end') + HEADER + BigInt(n) * 100n;
      assert.equal(res.inkUsed, expected, `${op} of ${n} bytes`);
    }
  });

  it('runs out of ink on the exact boundary (ink price 1 so gas = ink)', async () => {
    const params = { ...PARAMS, inkPrice: 1 };
    const src = await wat(program('i32.const 1 i32.const 2 i32.add drop i32.const 0'));
    const cost = price('i32.const', 'i32.const', 'i32.add', 'drop', 'i32.const', 'end') + HEADER;
    const exact = await run(rt, src, { params, gas: cost });
    assert.equal(exact.outcome.kind, 'success');
    assert.equal(exact.gasLeft, 0n);
    const short = await run(rt, src, { params, gas: cost - 1n });
    assert.equal(short.outcome.kind, 'outOfInk');
  });

  it('ends an infinite loop out of ink with all gas consumed', async () => {
    const res = await run(rt, await wat(program('loop br 0 end i32.const 0')), { gas: 1_000_000n });
    assert.equal(res.outcome.kind, 'outOfInk');
    assert.equal(res.gasLeft, 0n);
  });

  it('refuses float arithmetic at activation, reached or not (nitro links no float implementations)', async () => {
    for (const body of ['local.get 0 f64.convert_i32_u f64.const 2.5 f64.mul i32.trunc_f64_u', 'local.get 0 if (result i32) f32.const 1 i32.trunc_f32_s else i32.const 0 end']) {
      const act = await rt.activate(await wat(program(body)), PARAMS, 128);
      assert.equal(act.ok, false);
      assert.match(act.ok ? '' : act.reason, /^No implementation for floating point operation (ConvertIntOp\(F64, I32, false\)|TruncIntOp\(I32, F32, false, true\)) in user$/);
    }
  });
});
