// Memory: growth is paid through the injected pay_for_memory_grow call before each memory.grow, at the
// memory model's price (reference §3 "Memory model"); the model itself against the reference's numbers.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { memoryGasCost } from '../../nitro/memory';
import { stylusParamsFor } from '../../nitro/params';
import { createStylusRuntime, type WasmStylusRuntime } from '../../devnode/stylus/runtime';
import { FixedCostEvmApi, PARAMS, run, wat } from './stylus-harness';

const HEADER = 2450n;

const growable = (body: string, limits = '1') => `(module
  (import "vm_hooks" "pay_for_memory_grow" (func $pay (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (memory (export "memory") ${limits})
  (func (export "user_entrypoint") (param i32) (result i32) ${body}))`;

describe('Stylus memory model', () => {
  let rt: WasmStylusRuntime;
  before(() => {
    rt = createStylusRuntime();
  });
  after(() => rt.close());

  it('GasCost matches the reference examples from (open 0, ever 0)', () => {
    const examples: [number, bigint][] = [[1, 0n], [2, 0n], [3, 1000n], [8, 6001n], [16, 14007n], [32, 30074n], [64, 67644n], [128, 31_999_998n]];
    for (const [pages, gas] of examples) assert.equal(memoryGasCost(pages, 0, 0), gas, `${pages} pages`);
    // the 129th page: exp(129) = u64::MAX, minus exp(128), plus one page of linear gas (Go uint64 arithmetic)
    assert.equal(memoryGasCost(1, 128, 128), (1n << 64n) - 1n - 31_873_999n + 1000n, 'the 129th page is unaffordable');
    // re-opening pages that were open earlier in the tx costs only the linear part
    assert.equal(memoryGasCost(4, 2, 8), 4000n);
  });

  it('memory.grow calls pay_for_memory_grow with the delta and buys its gas; the memory grows', async () => {
    const api = new FixedCostEvmApi();
    api.pageCost = (pages, open, ever) => memoryGasCost(pages, open, ever);
    api.pagesOpen = 1; // the program's footprint, opened at call entry by the bridge
    api.pagesEver = 1;
    const body = 'i32.const 3 memory.grow drop i32.const 0 memory.size i32.store i32.const 0 i32.const 4 call $write_result i32.const 0';
    const res = await run(rt, await wat(growable(body)), { api });
    assert.equal(res.outcome.kind, 'success');
    assert.equal(Buffer.from((res.outcome as { output: Uint8Array }).output).readUInt32LE(0), 4, 'memory is now 4 pages');
    assert.deepEqual(api.requests.filter((r) => r.startsWith('addPages')), ['addPages:3']);
    const growGas = memoryGasCost(3, 1, 1); // 4 pages open: 2 beyond the free 2 → 2000 + exp[4] − exp[1]
    assert.equal(growGas, 2000n);
    // one block up to the write_result call; the injected pay call is not charged as a call
    const block1 = 1n + 8050n + 9n + 1n + 3000n + 825n + 1n + 1n + 3800n + HEADER;
    const writeResult = 8400n + 2n * 16381n;
    const block2 = 1n + 1n + HEADER;
    assert.equal(res.inkUsed, block1 + growGas * 10000n + writeResult + block2);
  });

  it('growing by 0 pages pays the 8400-ink hostio price and asks the chain nothing', async () => {
    const api = new FixedCostEvmApi();
    const res = await run(rt, await wat(growable('i32.const 0 memory.grow drop i32.const 0')), { api });
    assert.equal(res.inkUsed, 1n + 8050n + 9n + 1n + 1n + HEADER + 8400n);
    assert.deepEqual(api.requests, []);
  });

  it('growing past 128 pages in a transaction runs out of gas', async () => {
    const api = new FixedCostEvmApi();
    api.pageCost = (pages, open, ever) => memoryGasCost(pages, open, ever);
    const res = await run(rt, await wat(growable('i32.const 200 memory.grow drop i32.const 0')), { api, gas: 30_000_000n });
    assert.equal(res.outcome.kind, 'outOfInk');
  });

  it('a delta beyond 65535 pages buys u64::MAX gas from ArbOS 59 (v3.10)', async () => {
    const src = await wat(growable('i32.const 65536 memory.grow drop i32.const 0'));
    const api = new FixedCostEvmApi();
    const v59 = await run(rt, src, { api, params: stylusParamsFor(59, false) });
    assert.equal(v59.outcome.kind, 'outOfInk');
    // before 59 the delta is truncated to u16 (0 here): the hostio price, then memory.grow fails (-1)
    const v40 = await run(rt, src, { api: new FixedCostEvmApi(), params: PARAMS });
    assert.equal(v40.outcome.kind, 'success');
  });

  it('a memory with max == min needs no pay_for_memory_grow and cannot grow', async () => {
    const src = await wat(`(module (import "vm_hooks" "write_result" (func $w (param i32 i32)))
      (memory (export "memory") 2 2)
      (func (export "user_entrypoint") (param i32) (result i32) i32.const 1 memory.grow i32.const -1 i32.ne))`);
    const res = await run(rt, src);
    assert.equal(res.outcome.kind, 'success', 'memory.grow returned -1');
    assert.equal(res.inkUsed, 1n + 8050n + 1n + 170n + 1n + HEADER);
  });

  it('reports the footprint (initial pages) at activation', async () => {
    const act = await rt.activate(await wat(growable('i32.const 0', '5')), PARAMS, 128);
    assert.ok(act.ok);
    assert.equal(act.program.footprint, 5);
    const over = await rt.activate(await wat(growable('i32.const 0', '5')), PARAMS, 4);
    assert.ok(!over.ok);
    assert.equal(over.reason, 'memory exceeds limit: 5 > 4');
  });
});
