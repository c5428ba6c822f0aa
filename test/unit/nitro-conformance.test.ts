// Nitro's own test cases as our conformance suite. Each `describe` names the nitro v3.10.0 test whose
// situation it reproduces (crates/stylus/src/test/*.rs with crates/stylus/tests/*.wat, crates/prover,
// arbos/programs/*_test.go, util/arbmath, system_tests/*.go) and asserts nitro's outcome and numbers.
// The programs are ours, written for these situations; nitro's facts and numbers carry over, its code does not.
// The chain-level cases (ArbOS upgrades, transaction filtering, fragments on a chain) are in
// test/integration/devnode-arbos61.test.ts and devnode-conformance.test.ts.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { activateModule } from '../../nitro/activate';
import { approxExpBasisPoints, dataFee, initialDataPricer } from '../../nitro/data-pricer';
import { memoryGasCost } from '../../nitro/memory';
import { stylusParamsFor, type StylusParams } from '../../nitro/params';
import { SUPPORTED_ARBOS_VERSIONS } from '../../nitro/arbos';
import {
  chargedFragmentSource,
  classicProgramCode,
  fragmentCode,
  fragmentReadGasCost,
  programWasm,
  rootProgramCode,
  splitIntoFragments,
  type Burner,
} from '../../nitro/program-code';
import { validateStylusWasm } from '../../nitro/validate';
import { brotliCompress } from '../../core/build/deploy-bytes';
import { prng } from '../../core/io/prng';
import { createStylusRuntime, type WasmStylusRuntime } from '../../devnode/stylus/runtime';
import { FixedCostEvmApi, run, wat } from './stylus-harness';

const at = (arbos: number, debug = false): StylusParams => stylusParamsFor(arbos, debug);
const U64_MAX = (1n << 64n) - 1n;

/** Activation's verdict on a module: null when it activates, else nitro's reason. */
async function activation(src: string, params: StylusParams, pageLimit = 128): Promise<string | null> {
  const r = activateModule(await wat(src), params, pageLimit).outcome;
  return r.ok ? null : r.reason;
}

/** The instrumented module that executes, instantiated as nitro's TestInstance::new_test does (debug config keeps exports). */
async function instance(src: string, params = at(61, true)): Promise<WebAssembly.Instance> {
  const a = activateModule(await wat(src), params, 128);
  assert.ok(a.program, a.outcome.ok ? '' : a.outcome.reason);
  const { instance: inst } = await WebAssembly.instantiate(a.program.bytes as Uint8Array<ArrayBuffer>, {});
  (inst.exports.stylus_ink_left as WebAssembly.Global).value = 1n << 40n;
  (inst.exports.stylus_stack_left as WebAssembly.Global).value = 1 << 20;
  return inst;
}

describe('crates/stylus/src/test/native.rs test_import_export_safety (tests/bad-mods/*.wat): refused at activation', () => {
  const cases: [string, string, RegExp][] = [
    ['bad-export: a global exported as stylus_ink_left', '(module (global (export "stylus_ink_left") (mut i64) (i64.const -1)))', /reserved symbol stylus_ink_left/],
    ['bad-export2: a function exported under a stylus name', '(module (func (export "stylus_global_with_random_name")))', /reserved symbol stylus_global_with_random_name/],
    ['bad-export3: a function exported as "memory"', '(module (func (export "memory")))', /memory/],
    ['bad-export4: a global exported as user_entrypoint', '(module (global (export "user_entrypoint") i32 (i32.const 0)) (memory (export "memory") 0 0))', /user_entrypoint/],
    ['bad-import: an import under a stylus name', '(module (import "env" "stylus_global_with_random_name" (func)))', /reserved symbol stylus_global_with_random_name/],
  ];
  for (const [what, src, reason] of cases) {
    it(what, async () => {
      for (const arbos of SUPPORTED_ARBOS_VERSIONS) {
        for (const debug of [false, true]) assert.match((await activation(src, at(arbos, debug))) ?? 'activated', reason, `ArbOS ${arbos}`);
      }
    });
  }
});

describe('native.rs test_start (tests/start.wat): a start function', () => {
  const src = `(module (global $status (export "status") (mut i32) (i32.const 10)) (memory (export "memory") 0 0)
    (func $start (export "move_me") global.get $status i32.const 1 i32.add global.set $status)
    (func (export "user_entrypoint") (param i32) (result i32) i32.const 0)
    (start $start))`;
  it('is refused on a chain out of debug mode ("start functions not allowed"), at every version', async () => {
    for (const arbos of SUPPORTED_ARBOS_VERSIONS) assert.equal(await activation(src, at(arbos)), 'start functions not allowed');
  });
  it('is moved to stylus_start on a debug chain: not run at instantiation (status 10), then 11 and 12', async () => {
    const inst = await instance(src);
    const status = inst.exports.status as WebAssembly.Global;
    assert.equal(status.value, 10);
    (inst.exports.move_me as () => void)();
    (inst.exports.stylus_start as () => void)();
    assert.equal(status.value, 12);
  });
});

describe('prover programs/mod.rs test_no_multi_value, binary.rs: multi-value by Stylus version', () => {
  const results = `(module (memory (export "memory") 0 0)
    (func $pair (result i32 i32) i32.const 1 i32.const 2)
    (func (export "user_entrypoint") (param i32) (result i32) call $pair i32.add))`;
  const params = `(module (memory (export "memory") 0 0) (type $t (func (param i32) (result i32)))
    (func (export "user_entrypoint") (param i32) (result i32) local.get 0 (block (type $t) i32.const 1 i32.add)))`;
  it('two results and a block with parameters activate under Stylus v2 (ArbOS 50)', async () => {
    assert.equal(await activation(results, at(50)), null);
    assert.equal(await activation(params, at(50)), null);
  });
  for (const arbos of [59, 61]) {
    it(`are refused under Stylus v3 (ArbOS ${arbos})`, async () => {
      assert.match((await activation(results, at(arbos))) ?? '', /multi-value/);
      assert.match((await activation(params, at(arbos))) ?? '', /multi-value/);
    });
  }
  it('one result and no block parameters pass at the threshold', async () => {
    assert.equal(await activation('(module (memory (export "memory") 0 0) (func (export "user_entrypoint") (param i32) (result i32) local.get 0))', at(59)), null);
  });
});

describe('native.rs test_depth (tests/depth.wat): recursion against the stack budget', () => {
  // one i64 parameter, two declared locals, at most three operand-stack words: a frame of 2 + 3 + 4 = 9 words
  const src = `(module (memory (export "memory") 0 0) (global $depth (export "depth") (mut i32) (i32.const 0))
    (func $recurse (export "recurse") (param $x i64) (local f32 f64)
      local.get $x ;; the argument of the recursive call, under the increment: three words at most
      global.get $depth
      i32.const 1
      i32.add
      global.set $depth
      call $recurse)
    (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))`;
  it('reaches exactly the depth nitro predicts for each budget, then leaves stack_left at 0', async () => {
    // nitro's checks: (frame, 0), (frame + 1, 1), (2·frame, 1), (2·frame + 1, 2), (4·frame, 3), (4.5·frame, 4)
    const inst = await instance(src);
    const depth = inst.exports.depth as WebAssembly.Global;
    const stack = inst.exports.stylus_stack_left as WebAssembly.Global;
    const recurse = inst.exports.recurse as (x: bigint) => void;
    const frame = 2 + 3 + 4;
    for (const [space, expected] of [[frame, 0], [frame + 1, 1], [2 * frame, 1], [2 * frame + 1, 2], [4 * frame, 3], [4 * frame + Math.floor(frame / 2), 4]] as const) {
      depth.value = 0;
      stack.value = space;
      assert.throws(() => recurse(0n));
      assert.equal(stack.value, 0, 'the depth checker zeroes the budget when it fires');
      assert.equal(depth.value, expected, `stack budget ${space}`);
    }
  });
});

describe('native.rs test_heap (tests/memory.wat): growing to 128 pages costs 32,000,000 ± 3,000 gas', () => {
  let rt: WasmStylusRuntime;
  before(() => {
    rt = createStylusRuntime();
  });
  after(() => rt.close());
  // grows from 1 page to the target in steps (both from calldata), then returns memory.size
  const src = `(module
    (import "vm_hooks" "pay_for_memory_grow" (func (param i32)))
    (import "vm_hooks" "read_args" (func $read_args (param i32)))
    (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
    (memory (export "memory") 1 128)
    (func (export "user_entrypoint") (param i32) (result i32) (local $target i32) (local $step i32)
      (call $read_args (i32.const 0))
      (local.set $target (i32.load8_u (i32.const 0)))
      (local.set $step (i32.load8_u (i32.const 1)))
      (loop $grow
        (if (i32.gt_u (i32.add (memory.size) (local.get $step)) (local.get $target))
          (then (local.set $step (i32.sub (local.get $target) (memory.size)))))
        (drop (memory.grow (local.get $step)))
        (br_if $grow (i32.lt_u (memory.size) (local.get $target))))
      (i32.store (i32.const 0) (memory.size))
      (call $write_result (i32.const 0) (i32.const 1))
      (i32.const 0)))`;
  it('for every step from 1 to 127, at every version: 128 pages, memory charges 31,999,998, all gas within 3,000 of 32M', async () => {
    const wasm = await wat(src);
    for (const arbos of SUPPORTED_ARBOS_VERSIONS) for (let step = 1; step < 128; step++) {
      const api = new FixedCostEvmApi();
      let memory = 0n;
      api.pageCost = (pages, open, ever) => {
        const c = memoryGasCost(pages, open, ever);
        memory += c;
        return c;
      };
      api.pagesOpen = api.pagesEver = 1; // the footprint, opened at call entry (free)
      const r = await run(rt, wasm, { api, params: at(arbos), gas: 40_000_000n, calldata: Uint8Array.of(128, step) });
      assert.equal(r.outcome.kind, 'success');
      assert.equal((r.outcome as { output: Uint8Array }).output[0], 128);
      assert.equal(memory, 31_999_998n, `ArbOS ${arbos}, step ${step}`);
      const used = r.inkUsed / 10_000n;
      assert.ok(used > 32_000_000n - 3000n && used < 32_000_000n + 3000n, `ArbOS ${arbos}, step ${step}: ${used} gas`);
    }
  });
  it('memory2.wat: pay_for_memory_grow(-1) called directly buys more gas than u32::MAX (OutOfInk)', async () => {
    const w = await wat(`(module (import "vm_hooks" "pay_for_memory_grow" (func $pay (param i32))) (memory (export "memory") 0)
      (func (export "user_entrypoint") (param i32) (result i32) (call $pay (i32.const 0)) (call $pay (i32.const -1)) i32.const 0))`);
    for (const arbos of SUPPORTED_ARBOS_VERSIONS) {
      const api = new FixedCostEvmApi();
      api.pageCost = (p, o, e) => memoryGasCost(p, o, e);
      assert.equal((await run(rt, w, { api, params: at(arbos), gas: 0xffffffffn })).outcome.kind, 'outOfInk', `ArbOS ${arbos}`);
    }
  });
  it('a footprint over the heap bound is refused ("memory size 129 exceeds bound 128")', async () => {
    assert.match((await activation('(module (memory (export "memory") 129 129) (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))', at(61))) ?? '', /129/);
  });
});

describe('native.rs test_heap_allocate_max_pages (tests/memory3.wat) and test_memory_grow_overflow_compatibility (pay-for-memory-grow.wat)', () => {
  let rt: WasmStylusRuntime;
  before(() => {
    rt = createStylusRuntime();
  });
  after(() => rt.close());
  it('Stylus v2: growing by 1<<16 pages pays for 0 (u16) and memory.grow returns -1; v3 runs out of ink first', async () => {
    const w = await wat(`(module (import "vm_hooks" "pay_for_memory_grow" (func (param i32))) (memory (export "memory") 0)
      (func (export "user_entrypoint") (param i32) (result i32) i32.const 65536 memory.grow i32.const -1 i32.eq i32.eqz))`);
    const mk = () => Object.assign(new FixedCostEvmApi(), { pageCost: (p: number, o: number, e: number) => memoryGasCost(p, o, e) });
    assert.equal((await run(rt, w, { api: mk(), params: at(50) })).outcome.kind, 'success');
    assert.equal((await run(rt, w, { api: mk(), params: at(59) })).outcome.kind, 'outOfInk');
  });
  it('pay_for_memory_grow(pages) from calldata: ≤127 pages pass, 128…65535 run out; 65536 and 65537 pass at ArbOS 51, not at 59', async () => {
    const w = await wat(`(module (import "vm_hooks" "pay_for_memory_grow" (func $pay (param i32))) (import "vm_hooks" "read_args" (func $read_args (param i32)))
      (memory (export "memory") 1 128)
      (func (export "user_entrypoint") (param i32) (result i32) (call $read_args (i32.const 0)) (call $pay (i32.load (i32.const 0))) i32.const 0))`);
    const le = (n: number) => Uint8Array.of(n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24);
    const outcome = async (arbos: number, pages: number) => {
      const api = Object.assign(new FixedCostEvmApi(), { pageCost: (p: number, o: number, e: number) => memoryGasCost(p, o, e) });
      api.pagesOpen = api.pagesEver = 1;
      return (await run(rt, w, { api, params: at(arbos), gas: 0xffffffffn, calldata: le(pages) })).outcome.kind;
    };
    // nitro runs this at ArbOS 51: the devnode's closest version with the same Stylus rules is 50
    for (const [pages, want] of [[0, 'success'], [127, 'success'], [128, 'outOfInk'], [65535, 'outOfInk'], [65536, 'success'], [65537, 'success']] as const) {
      assert.equal(await outcome(50, pages), want, `ArbOS 50, ${pages} pages`);
    }
    assert.equal(await outcome(59, 65536), 'outOfInk');
    assert.equal(await outcome(59, 65537), 'outOfInk');
  });
  it('the memory maximum is clamped to 65,534 pages (prover memory.rs MAX_WASM_PAGES)', async () => {
    const a = activateModule(await wat('(module (import "vm_hooks" "pay_for_memory_grow" (func (param i32))) (memory (export "memory") 1) (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))'), at(61), 128);
    assert.ok(a.program);
    const mem = WebAssembly.Module.exports(new WebAssembly.Module(a.program.bytes as Uint8Array<ArrayBuffer>)).find((e) => e.name === 'memory');
    assert.ok(mem);
    const { instance: inst } = await WebAssembly.instantiate(a.program.bytes as Uint8Array<ArrayBuffer>, { vm_hooks: { pay_for_memory_grow: () => {} } });
    const memory = inst.exports.memory as WebAssembly.Memory;
    assert.equal(memory.grow(0), 1);
    assert.throws(() => memory.grow(65534), 'past 65,534 pages the memory cannot grow');
  });
});

describe('system_tests/program_test.go testMemory: memory-write boundaries (grow/mem-write.wat)', () => {
  let rt: WasmStylusRuntime;
  before(() => {
    rt = createStylusRuntime();
  });
  after(() => rt.close());
  // grows to `size` pages, then makes memory[spot, spot+len) the result (a trap if out of bounds)
  const src = `(module
    (import "vm_hooks" "pay_for_memory_grow" (func (param i32)))
    (import "vm_hooks" "read_args" (func $read_args (param i32)))
    (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
    (memory (export "memory") 0)
    (func (export "user_entrypoint") (param $len i32) (result i32)
      (if (i32.eqz (local.get $len)) (then (call $write_result (i32.const 0) (i32.const 0)) (return (i32.const 0))))
      (drop (memory.grow (i32.const 1)))
      (call $read_args (i32.const 0))
      (drop (memory.grow (i32.sub (i32.load8_u (i32.const 0)) (i32.const 1))))
      (call $write_result (i32.load (i32.const 1)) (i32.load (i32.const 5)))
      (i32.const 0)))`;
  const cases: [boolean, number, number, number][] = [
    [true, 0, 0, 0],
    [true, 1, 4, 0],
    [true, 1, 65536, 0],
    [false, 1, 65536, 1], // the first byte is out of bounds
    [false, 1, 65537, 0], // past the end, even for no bytes
    [true, 1, 65535, 1], // the last byte
    [false, 1, 65535, 2], // over-run by one
    [true, 2, 131072, 0],
    [false, 2, 131073, 0],
  ];
  it('passes and fails where nitro does, at every version', async () => {
    const w = await wat(src);
    for (const arbos of SUPPORTED_ARBOS_VERSIONS) for (const [pass, size, spot, len] of cases) {
      const args = size === 0 ? new Uint8Array(0) : Uint8Array.of(size, ...le32(spot), ...le32(len));
      const api = Object.assign(new FixedCostEvmApi(), { pageCost: (p: number, o: number, e: number) => memoryGasCost(p, o, e) });
      const r = await run(rt, w, { api, params: at(arbos), calldata: args });
      assert.equal(r.outcome.kind, pass ? 'success' : 'failure', `ArbOS ${arbos}: size ${size} spot ${spot} len ${len}`);
    }
  });
});

const le32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24];

describe('grow/fixed.wat: a fixed memory (max == min) needs no pay_for_memory_grow', () => {
  it('growing it by a non-zero amount returns -1, by 0 returns the size', async () => {
    const rt = createStylusRuntime();
    try {
      const w = await wat(`(module (memory (export "memory") 0 0)
        (func (export "user_entrypoint") (param i32) (result i32)
          (if (i32.ne (memory.grow (i32.const -65537)) (i32.const -1)) (then unreachable))
          (i32.ne (memory.grow (i32.const 0)) (i32.const 0))))`);
      assert.equal((await run(rt, w, { params: at(61) })).outcome.kind, 'success');
    } finally {
      await rt.close();
    }
  });
});

describe('misc.rs test_bulk_memory_oob (tests/bulk-memory-oob.wat): fill and copy out of bounds', () => {
  it('trap and leave the last two bytes of memory as they were', async () => {
    const inst = await instance(`(module (memory (export "memory") 1 1) (data (i32.const 0xfffe) "\\01\\02")
      (func (export "fill") (memory.fill (i32.const 0xffff) (i32.const 0) (i32.const 2)))
      (func (export "copy_left") (memory.copy (i32.const 0xffff) (i32.const 0xfffe) (i32.const 2)))
      (func (export "copy_right") (memory.copy (i32.const 0xfffe) (i32.const 0xffff) (i32.const 2)))
      (func (export "copy_same") (memory.copy (i32.const 0xffff) (i32.const 0xffff) (i32.const 2)))
      (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))`);
    for (const f of ['fill', 'copy_left', 'copy_right', 'copy_same']) {
      assert.throws(() => (inst.exports[f] as () => void)(), /out of bounds/, f);
    }
    const memory = new Uint8Array((inst.exports.memory as WebAssembly.Memory).buffer);
    assert.equal(Buffer.from(memory.subarray(0xfffe, 0x10000)).toString('hex'), '0102');
  });
  it('in bounds, fill and copy work', async () => {
    const inst = await instance(`(module (memory (export "memory") 1 1)
      (func (export "go") (memory.fill (i32.const 0) (i32.const 7) (i32.const 4)) (memory.copy (i32.const 8) (i32.const 0) (i32.const 4)))
      (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))`);
    (inst.exports.go as () => void)();
    assert.deepEqual([...new Uint8Array((inst.exports.memory as WebAssembly.Memory).buffer, 0, 12)], [7, 7, 7, 7, 0, 0, 0, 0, 7, 7, 7, 7]);
  });
});

describe('misc.rs test_memory_fill_value_overflow(_nonzero), test_memory_fill_overflow_native_trap (memory-fill-overflow.wat)', () => {
  let rt: WasmStylusRuntime;
  before(() => {
    rt = createStylusRuntime();
  });
  after(() => rt.close());
  const src = (value: number) => `(module (import "vm_hooks" "write_result" (func $w (param i32 i32))) (memory (export "memory") 1 1)
    (func (export "user_entrypoint") (param i32) (result i32)
      (memory.fill (i32.const 0) (i32.const ${value}) (i32.const 10)) (call $w (i32.const 0) (i32.const 10)) (i32.const 0)))`;
  it('Stylus v1/v2: a value over 0xFF traps ("memory.fill value exceeds 8 bits")', async () => {
    for (const arbos of [31, 50]) {
      const r = await run(rt, await wat(src(0x100)), { params: at(arbos) });
      assert.deepEqual(r.outcome, { kind: 'failure', reason: 'memory.fill value exceeds 8 bits' }, `ArbOS ${arbos}`);
    }
    assert.equal((await run(rt, await wat(src(0xff)), { params: at(50) })).outcome.kind, 'success', '0xFF itself is a byte');
  });
  it('Stylus v3: the value is masked to 8 bits (0x100 → 0x00, 0x1ab → 0xab)', async () => {
    for (const [value, byte] of [[0x100, 0], [0x1ab, 0xab]]) {
      const r = await run(rt, await wat(src(value)), { params: at(61) });
      assert.equal(r.outcome.kind, 'success');
      assert.deepEqual([...(r.outcome as { output: Uint8Array }).output], new Array(10).fill(byte));
    }
  });
});

describe('program_test.go testEarlyExit (exit-early/exit-early.wat, panic-after-write.wat)', () => {
  let rt: WasmStylusRuntime;
  before(() => {
    rt = createStylusRuntime();
  });
  after(() => rt.close());
  const data = Uint8Array.from([0x01, ...Buffer.from('revert with this data')]);
  it('exit_early(status) after write_result reverts with the data written', async () => {
    const w = await wat(`(module (import "vm_hooks" "read_args" (func $r (param i32))) (import "vm_hooks" "write_result" (func $w (param i32 i32)))
      (import "vm_hooks" "exit_early" (func $exit (param i32))) (memory (export "memory") 1 1)
      (func (export "user_entrypoint") (param $len i32) (result i32)
        (call $r (i32.const 0)) (call $w (i32.const 0) (local.get $len)) (call $exit (i32.load8_u (i32.const 0))) (i32.const 0xff)))`);
    for (const arbos of SUPPORTED_ARBOS_VERSIONS) {
      const r = await run(rt, w, { params: at(arbos), calldata: data });
      assert.deepEqual(r.outcome, { kind: 'revert', output: data });
      const ok = await run(rt, w, { params: at(arbos), calldata: Uint8Array.of(0, 9) });
      assert.deepEqual(ok.outcome, { kind: 'success', output: Uint8Array.of(0, 9) });
    }
  });
  it('a trap after write_result discards the data (revert without data)', async () => {
    const w = await wat(`(module (import "vm_hooks" "read_args" (func $r (param i32))) (import "vm_hooks" "write_result" (func $w (param i32 i32)))
      (memory (export "memory") 1 1)
      (func (export "user_entrypoint") (param $len i32) (result i32) (call $r (i32.const 0)) (call $w (i32.const 0) (local.get $len)) unreachable))`);
    for (const arbos of SUPPORTED_ARBOS_VERSIONS) assert.equal((await run(rt, w, { params: at(arbos), calldata: data })).outcome.kind, 'failure');
  });
});

describe('arbos/programs/memory_test.go TestTables and TestModel: the memory model', () => {
  it('exp(p) = floor(31,874,000^(p/128)) for p ≤ 128, u64::MAX after', () => {
    const base = Math.exp(Math.log(31_874_000) / 128);
    // memoryGasCost with no free pages and no linear price is exp(new) − exp(0) = exp(new) − 1
    for (let p = 1; p <= 128; p++) assert.equal(memoryGasCost(p, 0, 0, 0, 0) + 1n, BigInt(Math.floor(Math.pow(base, p))), `p = ${p}`);
    assert.equal(memoryGasCost(129, 0, 0, 0, 0) + 1n, U64_MAX, 'exp(129) = u64::MAX');
  });
  it('stepping to 128 pages costs 31,999,998 whatever the step', () => {
    for (let jump = 1; jump <= 128; jump++) {
      let total = 0n;
      for (let pages = 0; pages < 128; ) {
        const j = Math.min(jump, 128 - pages);
        total += memoryGasCost(j, pages, pages);
        pages += j;
      }
      assert.equal(total, 31_999_998n, `jump ${jump}`);
    }
  });
  it('with pages freed along the way: 31,873,998 plus 1,000 per page re-opened beyond the free 2', () => {
    for (let jump = 1; jump <= 128; jump++) {
      let total = 0n;
      let open = 0;
      let ever = 0;
      let adds = 0n;
      while (ever < 128) {
        const j = Math.min(jump, 128 - open);
        total += memoryGasCost(j, open, ever);
        open += j;
        ever = Math.max(ever, open);
        if (ever > 2) adds += BigInt(Math.min(j, ever - 2));
        open -= Math.floor(j / 2);
      }
      assert.equal(total, 31_873_998n + adds * 1000n, `jump ${jump}`);
    }
  });
  it('saturates past 128 pages; 128 free pages cost nothing', () => {
    assert.equal(memoryGasCost(129, 0, 0), U64_MAX);
    assert.equal(memoryGasCost(65535, 0, 0), U64_MAX);
    assert.equal(memoryGasCost(128, 0, 0, 128), 0n);
    assert.equal(memoryGasCost(128, 0, 128, 128), 0n);
    assert.equal(memoryGasCost(129, 0, 0, 128), U64_MAX);
  });
});

describe('util/arbmath/math_test.go TestApproxExpBasisPoints and the activation data fee (arbos/programs/data_pricer.go)', () => {
  it('b·e^(x/b) with accuracy 4', () => {
    for (const [x, want] of [[0n, 10000n], [500n, 10512n], [-500n, 9512n], [2000n, 12214n], [10000n, 27083n], [20000n, 70000n]]) {
      assert.equal(approxExpBasisPoints(x, 4n), want, `x = ${x}`);
    }
  });
  it('the first activation on a fresh chain pays minPrice · e^(bytes/inertia) per asm byte', () => {
    const pricer = initialDataPricer();
    assert.deepEqual([pricer.minPrice, pricer.inertia, pricer.bytesPerSecond], [82_928_201, 21_360_419, 34_865]);
    for (const bytes of [1, 523_345, 2_000_000]) {
      const { fee, next } = dataFee(pricer, bytes, pricer.lastUpdateTime);
      const exact = 82_928_201 * Math.exp(bytes / 21_360_419) * bytes;
      assert.ok(Math.abs(Number(fee) - exact) / exact < 1e-4, `${bytes} bytes: ${fee} vs ${exact}`);
      assert.equal(next.demand, bytes);
    }
    // demand drains at bytesPerSecond: an hour later the same program pays the floor price again
    const first = dataFee(pricer, 523_345, pricer.lastUpdateTime);
    const later = dataFee(first.next, 523_345, pricer.lastUpdateTime + 3600n);
    assert.equal(later.fee, first.fee);
  });
});

describe('arbos/programs/programs_fragment_test.go and system_tests/stylus_contract_limit_increase_test.go: fragments', () => {
  const params = at(61);
  /** a chain with some fragments at addresses 0x01…, a test burner and an access list */
  function chain(codes: Uint8Array[], gas: bigint) {
    const state = new Map(codes.map((c, i) => [i + 1, c]));
    const warm = new Set<number>();
    let used = 0n;
    const burner: Burner = {
      gasLeft: () => gas - used,
      burn(g) {
        if (gas - used < g) this.burnOut();
        used += g;
      },
      burnOut() {
        used = gas;
        throw new Error('out of gas');
      },
    };
    const access = { isWarm: (a: Uint8Array) => warm.has(a[19]), warm: (a: Uint8Array) => void warm.add(a[19]) };
    const source = chargedFragmentSource(burner, access, (a) => state.get(a[19]) ?? new Uint8Array(0));
    const addr = (n: number) => Uint8Array.from({ length: 20 }, (_, i) => (i === 19 ? n : 0));
    return { source, warm, used: () => used, addr };
  }
  const wasm = new TextEncoder().encode('fragment gas reserve regression test');
  const fragment = fragmentCode(brotliCompress(wasm));
  const root = (n: number, over: Partial<{ dictionary: number; decompressedLength: number }> = {}) =>
    rootProgramCode({ dictionary: 0, decompressedLength: wasm.length, fragments: Array.from({ length: n }, (_, i) => Uint8Array.from({ length: 20 }, (_, j) => (j === 19 ? i + 1 : 0))), ...over });

  it('TestGetWasmFromRootStylusRequiresMaxFragmentReadReserve: less than a MaxCodeSize read left fails before reading', async () => {
    const actual = fragmentReadGasCost(false, fragment.length);
    assert.ok(fragmentReadGasCost(false, 24_576) > actual);
    const c = chain([fragment], actual);
    await assert.rejects(programWasm(root(1), params, c.source), /out of gas/);
    assert.equal(c.used(), actual, 'BurnOut burns what was left');
    assert.equal(c.warm.size, 0, 'the fragment was not touched');
  });
  it('TestGetWasmFromRootStylusBurnsActualFragmentReadCostAfterPreflight / ...UsesWarmFragmentReadCost', async () => {
    for (const warm of [false, true]) {
      const max = fragmentReadGasCost(warm, 24_576);
      const c = chain([fragment], max);
      if (warm) c.warm.add(1);
      assert.deepEqual(await programWasm(root(1), params, c.source), wasm);
      assert.equal(c.used(), fragmentReadGasCost(warm, fragment.length), warm ? 'warm: 100 + 3·words' : 'cold: 2,600 + 3·words');
      assert.ok(c.warm.has(1), 'the fragment is warm afterwards');
    }
  });
  it('TestFragmentedContractValidation: zero fragments, over the limit, wrong sizes, wrong dictionary, wrong order', async () => {
    const rand = prng(12);
    const big = Uint8Array.from({ length: 40_000 }, () => Math.floor(rand() * 256)); // incompressible: two fragments
    const parts = splitIntoFragments(brotliCompress(big), 24_576);
    assert.equal(parts.length, 2);
    const two = (over: Partial<{ dictionary: number; decompressedLength: number }> = {}, order = [0, 1]) => ({
      code: rootProgramCode({ dictionary: 0, decompressedLength: big.length, fragments: order.map((i) => Uint8Array.from({ length: 20 }, (_, j) => (j === 19 ? i + 1 : 0))), ...over }),
      c: chain(parts, 10_000_000n),
    });
    const ok = two();
    assert.deepEqual(await programWasm(ok.code, params, ok.c.source), big);
    const reject = async (code: Uint8Array, p: StylusParams, message: RegExp) => await assert.rejects(programWasm(code, p, chain(parts, 10_000_000n).source), message);
    await reject(rootProgramCode({ dictionary: 0, decompressedLength: big.length, fragments: [] }), params, /^Error: invalid wasm: fragment count cannot be zero$|fragment count cannot be zero/);
    await reject(two().code, { ...params, maxFragmentCount: 1 }, /invalid wasm: fragment count exceeds limit of 1/);
    await reject(two({ decompressedLength: big.length - 1 }).code, params, /failed decompression/);
    await reject(two({ decompressedLength: big.length + 1 }).code, params, new RegExp(`invalid wasm: decompressed length ${big.length} does not match expected length ${big.length + 1}`));
    await reject(two({ dictionary: 2 }).code, params, /unsupported dictionary type: 2/);
    await reject(two({}, [1, 0]).code, params, /failed decompression|does not match/);
    await reject(two({ decompressedLength: params.maxWasmSize + 1 }).code, params, /invalid wasm: decompressedLength 262145 is greater then MaxWasmSize 262144/);
  });
  it('TestThatWeCantActivateStylusFragmentContract and TestFragmentedContractFailsOnArbOS50', async () => {
    const c = chain([], 1_000_000n);
    await assert.rejects(programWasm(fragment, params, c.source), { message: 'fragmented stylus programs cannot be activated directly; activate the root program instead' });
    await assert.rejects(programWasm(root(1), at(50), c.source), { message: 'specified bytecode is not a Stylus program' });
    await assert.rejects(programWasm(classicProgramCode(brotliCompress(wasm), 2), params, c.source), { message: 'unsupported dictionary type: 2' });
  });
});

describe("floats (prover machine.rs from_user_binary's empty float implementations, wavm.rs)", () => {
  it('an unreachable f32.add fails activation at every supported version, in debug mode too', async () => {
    const src = `(module (memory (export "memory") 0 0) (func $never (param f32 f32) (result f32) local.get 0 local.get 1 f32.add)
      (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))`;
    for (const arbos of [31, 32, 40, 50, 59, 60, 61]) {
      for (const debug of [false, true]) {
        assert.equal(await activation(src, at(arbos, debug)), 'No implementation for floating point operation BinOp(F32, Add) in user');
      }
    }
    assert.equal(validateStylusWasm(await wat(src), { arbosVersion: 61, debug: false }).violations[0].func, 0);
  });
});
