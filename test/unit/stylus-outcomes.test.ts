// Program outcomes as nitro reports them (UserOutcomeKind): success, revert with data, failure (trap or
// host error, no data), out of ink (all gas), out of stack (depth checker, all gas), exit_early; and
// nested Stylus → chain → Stylus calls running on separate worker threads.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CallKind } from '../../nitro/host';
import { stylusParamsFor } from '../../nitro/params';
import type { CallResult } from '../../devnode/stylus/api';
import { createStylusRuntime, type WasmStylusRuntime } from '../../devnode/stylus/runtime';
import { FixedCostEvmApi, PARAMS, context, hex, run, wat, word } from './stylus-harness';

const hooks = `
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "exit_early" (func $exit_early (param i32)))
  (import "vm_hooks" "storage_load_bytes32" (func $sload (param i32 i32)))
  (import "vm_hooks" "call_contract" (func $call (param i32 i32 i32 i32 i64 i32) (result i32)))
  (import "vm_hooks" "read_return_data" (func $rrd (param i32 i32 i32) (result i32)))`;
const module = (body: string, extra = '') => `(module ${hooks}
  (memory (export "memory") 1 1)
  (data (i32.const 0) "revert reason!")
  ${extra}
  (func (export "user_entrypoint") (param $len i32) (result i32) ${body}))`;

const output = (o: { outcome: unknown }) => Buffer.from((o.outcome as { output: Uint8Array }).output).toString();

describe('Stylus program outcomes', () => {
  let rt: WasmStylusRuntime;
  before(() => {
    rt = createStylusRuntime();
  });
  after(() => rt.close());

  it('a non-zero status reverts with the write_result data and keeps the unused gas', async () => {
    const res = await run(rt, await wat(module('i32.const 0 i32.const 14 call $write_result i32.const 1')), { gas: 1_000_000n });
    assert.equal(res.outcome.kind, 'revert');
    assert.equal(output(res), 'revert reason!');
    assert.equal(res.gasLeft, (1_000_000n * 10000n - res.inkUsed) / 10000n);
    assert.ok(res.gasLeft > 900_000n);
  });

  it('treats the ink global as unsigned: huge gas saturates to u64::MAX ink', async () => {
    const res = await run(rt, await wat(module('i32.const 0')), { gas: 1n << 62n });
    assert.equal(res.outcome.kind, 'success');
    const u64max = (1n << 64n) - 1n;
    assert.equal(res.inkLeft, u64max - (1n + 1n + 2450n));
    assert.equal(res.gasLeft, res.inkLeft / 10000n);
  });

  it('a trap fails without data but returns the gas left', async () => {
    const res = await run(rt, await wat(module('i32.const 0 i32.const 14 call $write_result unreachable')), { gas: 1_000_000n });
    assert.equal(res.outcome.kind, 'failure');
    assert.ok(!('output' in res.outcome));
    assert.ok(res.gasLeft > 900_000n);
  });

  it('a hostio touching memory out of bounds fails the program', async () => {
    const res = await run(rt, await wat(module('i32.const 65530 i32.const 100 call $write_result i32.const 0')));
    assert.equal(res.outcome.kind, 'failure');
    assert.match((res.outcome as { reason: string }).reason, /memory/);
  });

  it('exit_early(0) succeeds and exit_early(n) reverts, with the data written so far', async () => {
    const ok = await run(rt, await wat(module('i32.const 0 i32.const 6 call $write_result i32.const 0 call $exit_early unreachable')));
    assert.equal(ok.outcome.kind, 'success');
    assert.equal(output(ok), 'revert');
    const bad = await run(rt, await wat(module('i32.const 0 i32.const 6 call $write_result i32.const 3 call $exit_early i32.const 0')));
    assert.equal(bad.outcome.kind, 'revert');
    assert.equal(output(bad), 'revert');
  });

  it('running out of ink inside a hostio consumes all gas', async () => {
    // write_result of 60000 bytes costs 2 × (16381 + 55 × 59968) ≈ 6.6M ink
    const res = await run(rt, await wat(module('i32.const 0 i32.const 60000 call $write_result i32.const 0')), { gas: 300n });
    assert.equal(res.outcome.kind, 'outOfInk');
    assert.equal(res.gasLeft, 0n);
  });

  it('the depth checker ends unbounded recursion with OutOfStack and all gas gone', async () => {
    const extra = '(func $deep (param i32) (result i32) local.get 0 i32.const 1 i32.add call $deep)';
    const res = await run(rt, await wat(module('i32.const 0 call $deep', extra)), { gas: 10_000_000n });
    assert.equal(res.outcome.kind, 'outOfStack');
    assert.equal(res.gasLeft, 0n);
  });

  it('bounded recursion fits in the stack budget; a tiny budget stops even the entrypoint', async () => {
    const extra = `(func $sum (param i32) (result i32)
      local.get 0 i32.eqz if (result i32) i32.const 0 else local.get 0 i32.const 1 i32.sub call $sum local.get 0 i32.add end)`;
    const src = await wat(module('i32.const 100 call $sum i32.const 5050 i32.ne', extra));
    const ok = await run(rt, src, { params: stylusParamsFor(50, false) });
    assert.equal(ok.outcome.kind, 'success', 'sum(1..100) = 5050 within MaxStackDepth 22000');
    const tiny = await run(rt, src, { params: { ...PARAMS, maxStackDepth: 5 } });
    assert.equal(tiny.outcome.kind, 'outOfStack');
    const some = await run(rt, src, { params: { ...PARAMS, maxStackDepth: 600 } });
    assert.equal(some.outcome.kind, 'outOfStack', '100 frames need more than 600 words');
  });

  it('runs nested Stylus → chain → Stylus calls on separate workers', async () => {
    // the callee loads slot 0 (its key is 32 zero bytes at address 100) and returns the value
    const callee = await wat(module(`
      i32.const 100 i32.const 132 call $sload
      i32.const 132 i32.const 32 call $write_result
      i32.const 0`));
    const calleeAct = await rt.activate(callee, PARAMS, 128);
    assert.ok(calleeAct.ok);
    // the caller calls "contract 0x11..": the test's chain side runs the callee program
    const caller = await wat(module(`
      i32.const 200 i32.const 220 i32.const 0 i32.const 300 i64.const 100000 i32.const 400 call $call drop
      i32.const 500 i32.const 0 i32.const 32 call $rrd drop
      i32.const 500 i32.const 32 call $write_result
      i32.const 0`));
    const inner = new FixedCostEvmApi();
    inner.storage.set(hex(new Uint8Array(32)), word(0xfeedn));
    const outer = new FixedCostEvmApi();
    let nestedGas = 0n;
    outer.callHandler = async (_kind: CallKind, _to, _data, gas): Promise<CallResult> => {
      const r = await rt.call(calleeAct.program.moduleHash, context(), inner, gas, PARAMS);
      nestedGas = gas - r.gasLeft;
      return { status: r.outcome.kind === 'success' ? 0 : 2, returnData: (r.outcome as { output: Uint8Array }).output, gasCost: nestedGas };
    };
    const res = await run(rt, caller, { api: outer });
    assert.equal(res.outcome.kind, 'success', JSON.stringify(res.outcome));
    assert.equal(hex((res.outcome as { output: Uint8Array }).output), hex(word(0xfeedn)), 'the callee result came back as return data');
    assert.deepEqual(inner.requests, ['getBytes32:5']);
    assert.ok(nestedGas > 2200n, 'the nested call paid for its SLOAD');
  });

  it('recursion through the chain side reaches depth 4 and unwinds', async () => {
    // each level calls the same program again until the chain side stops at depth 4
    const src = await wat(module(`
      i32.const 200 i32.const 220 i32.const 0 i32.const 300 i64.const -1 i32.const 400 call $call`));
    const act = await rt.activate(src, PARAMS, 128);
    assert.ok(act.ok);
    let depth = 0;
    let maxDepth = 0;
    const api = new FixedCostEvmApi();
    api.callHandler = async (_k, _t, _d, gas): Promise<CallResult> => {
      depth++;
      maxDepth = Math.max(maxDepth, depth);
      try {
        if (depth >= 4) return { status: 0, returnData: new Uint8Array(0), gasCost: 100n };
        const r = await rt.call(act.program.moduleHash, context(), api, gas, PARAMS);
        return { status: r.outcome.kind === 'success' ? 0 : 2, returnData: new Uint8Array(0), gasCost: gas - r.gasLeft };
      } finally {
        depth--;
      }
    };
    const res = await rt.call(act.program.moduleHash, context(), api, 5_000_000n, PARAMS);
    assert.equal(res.outcome.kind, 'success');
    assert.equal(maxDepth, 4);
  });

  it('nests and queues calls with a single running worker without deadlock', async () => {
    const single = createStylusRuntime({ maxRunning: 1 });
    try {
      const src = await wat(module('i32.const 200 i32.const 220 i32.const 0 i32.const 300 i64.const -1 i32.const 400 call $call'));
      const act = await single.activate(src, PARAMS, 128);
      assert.ok(act.ok);
      let depth = 0;
      const api = new FixedCostEvmApi();
      api.callHandler = async (_k, _t, _d, gas): Promise<CallResult> => {
        if (++depth > 3) return { status: 0, returnData: new Uint8Array(0), gasCost: 100n };
        const r = await single.call(act.program.moduleHash, context(), api, gas, PARAMS);
        return { status: r.outcome.kind === 'success' ? 0 : 2, returnData: new Uint8Array(0), gasCost: gas - r.gasLeft };
      };
      const all = await Promise.all(Array.from({ length: 5 }, () => single.call(act.program.moduleHash, context(), api, 5_000_000n, PARAMS)));
      assert.deepEqual(all.map((r) => r.outcome.kind), Array(5).fill('success'));
    } finally {
      await single.close();
    }
  });

  it('a chain-side error in a request fails the program instead of hanging it', async () => {
    const api = new FixedCostEvmApi();
    api.getBytes32 = async () => {
      throw new Error('state unavailable');
    };
    const res = await run(rt, await wat(module('i32.const 0 i32.const 32 call $sload i32.const 0')), { api });
    assert.equal(res.outcome.kind, 'failure');
    assert.match((res.outcome as { reason: string }).reason, /state unavailable/);
  });

  it('calls many programs concurrently without mixing their results', async () => {
    const src = await wat(module('i32.const 1000 call $read_args i32.const 1000 local.get $len call $write_result i32.const 0'));
    const act = await rt.activate(src, PARAMS, 128);
    assert.ok(act.ok);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        rt.call(act.program.moduleHash, context({ calldata: Buffer.from(`call number ${i}`) }), new FixedCostEvmApi(), 1_000_000n, PARAMS),
      ),
    );
    results.forEach((r, i) => assert.equal(Buffer.from((r.outcome as { output: Uint8Array }).output).toString(), `call number ${i}`));
  });
});
