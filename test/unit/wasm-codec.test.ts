// core/wasm decoder and encoder: byte-identical round trips across the proposals the decoder knows,
// instruction names and immediates, canonical re-encoding, and instrumented modules that engines accept.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WasmDecodeError } from '../../core/wasm/bytes';
import { decodeModule } from '../../core/wasm/decode';
import { encodeModule } from '../../core/wasm/encode';
import { opName } from '../../core/wasm/opcodes';
import type { Instr, WasmModule } from '../../core/wasm/types';
import { checkStylusWasm } from '../../nitro/validate';
import { wat } from './stylus-harness';

const corpus: Record<string, { src: string; features?: Record<string, boolean> }> = {
  mvp: {
    src: `(module $named
      (type $t (func (param i32 i64) (result i32)))
      (import "vm_hooks" "read_args" (func $ra (param i32)))
      (import "env" "g" (global $ig i32))
      (memory (export "memory") 1 3)
      (table 4 8 funcref)
      (global $g (mut i64) (i64.const -123456789012345))
      (global $f f64 (f64.const 3.25))
      (export "t" (table 0))
      (func $start)
      (start $start)
      (elem (i32.const 1) $f1 $f1)
      (data (i32.const 8) "\\00\\01binary\\ff")
      (func $f1 (type $t) (local f32 i64 i64)
        local.get 0 local.get 1 i32.wrap_i64 i32.add
        block (result i32) i32.const 1 br 0 end drop
        loop $l i32.const 0 br_if $l end
        (if (i32.const 1) (then nop) (else unreachable))
        (br_table 0 0 (i32.const 0))
        i64.const 0x7fffffffffffffff drop
        f32.const -0.5 drop f64.const nan drop
        i32.const 4 i64.load32_u offset=65536 align=4 drop
        i32.const 4 f64.const 1 f64.store offset=3
        memory.size memory.grow drop
        i32.const 1 i32.const 2 i32.const 0 call_indirect (type $t)
        select (i32.const 1) (i32.const 2) (local.get 0) drop
        global.get $g global.set $g
        return))`,
  },
  bulk_sat_signext: {
    src: `(module (memory 1) (table 2 funcref)
      (data $p "passive") (elem $e func $f)
      (func $f (param f32 f64) (result i32)
        i32.const 0 i32.const 0 i32.const 7 memory.init $p data.drop $p
        i32.const 0 i32.const 8 i32.const 8 memory.copy
        i32.const 0 i32.const 255 i32.const 8 memory.fill
        i32.const 0 i32.const 0 i32.const 1 table.init $e elem.drop $e
        i32.const 0 i32.const 1 i32.const 1 table.copy
        local.get 0 i32.trunc_sat_f32_s local.get 1 i64.trunc_sat_f64_u i32.wrap_i64 i32.add
        i32.extend8_s i64.extend_i32_s i64.extend32_s i32.wrap_i64 i32.extend16_s))`,
  },
  simd: {
    features: { simd: true },
    src: `(module (memory 1)
      (func (param v128) (result i32)
        local.get 0 v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15
        i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31
        i32x4.extract_lane 2 i32.const 0 v128.load offset=16 i64x2.extract_lane 1 i32.wrap_i64 i32.add
        i32.const 0 local.get 0 v128.store8_lane 7
        i32.const 0 v128.load32_zero f32x4.sqrt f32x4.extract_lane 0 drop))`,
  },
  threads: {
    features: { threads: true },
    src: `(module (memory 1 1 shared)
      (func (result i32) atomic.fence
        i32.const 0 i32.const 5 i32.atomic.rmw.add
        i32.const 0 i64.const 1 i64.atomic.rmw32.cmpxchg_u offset=8 align=4 i32.const 0 i64.atomic.load drop drop drop
        i32.const 0 i32.const 1 memory.atomic.notify))`,
  },
  multi_value: {
    src: `(module (type $pair (func (result i32 i32)))
      (func $two (type $pair) i32.const 1 i32.const 2)
      (func (param i32) (result i32) local.get 0 (block (param i32) (result i32) i32.const 3 i32.add) call $two i32.add i32.add))`,
  },
  reference_types: {
    features: { reference_types: true },
    src: `(module (table $a 2 funcref) (table $b 3 externref)
      (elem (table $a) (i32.const 0) funcref (ref.func $f) (ref.null func))
      (elem declare func $f)
      (func $f (param externref) (result i32)
        i32.const 0 table.get $a ref.is_null drop
        i32.const 1 local.get 0 table.set $b
        ref.null extern i32.const 1 table.grow $b drop table.size $a drop
        i32.const 0 ref.func $f i32.const 1 table.fill $a
        local.get 0 local.get 0 i32.const 1 select (result externref) drop
        i32.const 0 i32.const 0 call_indirect $a (param externref) (result i32)))`,
  },
  tail_call: {
    features: { tail_call: true },
    src: `(module (type $t (func (param i32) (result i32))) (table 1 funcref)
      (func $f (type $t) local.get 0 return_call $f)
      (func (type $t) local.get 0 i32.const 0 return_call_indirect (type $t)))`,
  },
};

const stripRaw = (m: WasmModule): WasmModule => ({
  ...m,
  codes: m.codes.map((c) => ({ locals: c.locals, body: c.body.map(({ raw: _raw, ...rest }) => rest as Instr) })),
});
const plain = (list: Instr[]) => list.map(({ raw: _raw, ...rest }) => JSON.stringify(rest, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v)));

describe('WebAssembly decoder and encoder', () => {
  for (const [name, { src, features }] of Object.entries(corpus)) {
    it(`round-trips ${name} byte for byte`, async () => {
      const bin = await wat(src, features);
      const m = decodeModule(bin);
      assert.ok(m.codes.length > 0);
      assert.deepEqual(Buffer.from(encodeModule(m)), Buffer.from(bin));
      // canonical re-encoding (no reused bytes) decodes to the same instructions and stays valid
      const canonical = encodeModule(stripRaw(m));
      const again = decodeModule(canonical);
      assert.deepEqual(again.codes.map((c) => plain(c.body)), m.codes.map((c) => plain(c.body)));
      if (!features?.simd || WebAssembly.validate(bin)) assert.equal(WebAssembly.validate(canonical), WebAssembly.validate(bin));
    });
  }

  it('decodes instruction names and immediates', async () => {
    const m = decodeModule(await wat(corpus.mvp.src));
    const f1 = m.codes[1].body;
    const names = f1.map((i) => opName(i.op));
    assert.ok(names.includes('i64.load32_u') && names.includes('call_indirect') && names.includes('br_table'));
    const load = f1.find((i) => opName(i.op) === 'i64.load32_u')!;
    assert.equal(load.offset, 65536);
    assert.equal(load.align, 2);
    const big = f1.find((i) => i.op === 0x42 && i.i64 !== 0n)!;
    assert.equal(big.i64, 0x7fffffffffffffffn);
    const table = f1.find((i) => i.op === 0x0e)!;
    assert.deepEqual([table.targets, table.idx], [[0], 0], 'br_table 0 0: one target and the default');
    const ci = f1.find((i) => i.op === 0x11)!;
    assert.deepEqual([ci.idx, ci.idx2], [0, 0]);
    assert.equal(m.start, 1);
    assert.equal(m.names.module, 'named');
    assert.equal(m.names.functions.get(2), 'f1');
    assert.deepEqual(m.globals[0].init[0].i64, -123456789012345n);

    const bulk = decodeModule(await wat(corpus.bulk_sat_signext.src)).codes[0].body.map((i) => opName(i.op));
    for (const op of ['memory.init', 'data.drop', 'memory.copy', 'memory.fill', 'table.init', 'elem.drop', 'table.copy', 'i32.trunc_sat_f32_s', 'i64.trunc_sat_f64_u', 'i32.extend8_s', 'i64.extend32_s']) {
      assert.ok(bulk.includes(op), op);
    }
    const simd = decodeModule(await wat(corpus.simd.src, { simd: true })).codes[0].body;
    assert.deepEqual(simd.filter((i) => i.op >>> 16 === 0xfd).map((i) => opName(i.op)), [
      'v128.const', 'i8x16.shuffle', 'i32x4.extract_lane', 'v128.load', 'i64x2.extract_lane', 'v128.store8_lane', 'v128.load32_zero', 'f32x4.sqrt', 'f32x4.extract_lane',
    ]);
    assert.equal(simd.find((i) => opName(i.op) === 'v128.store8_lane')!.lane, 7);
    const atomics = decodeModule(await wat(corpus.threads.src, { threads: true })).codes[0].body.map((i) => opName(i.op));
    assert.deepEqual(atomics.filter((n) => n.includes('atomic')), ['atomic.fence', 'i32.atomic.rmw.add', 'i64.atomic.rmw32.cmpxchg_u', 'i64.atomic.load', 'memory.atomic.notify']);
  });

  it('records data and element segments with their byte spans', async () => {
    const bin = await wat(corpus.mvp.src);
    const m = decodeModule(bin);
    const [d] = m.datas;
    assert.equal(Buffer.from(d.data).toString('latin1'), '\x00\x01binary\xff');
    // flags, i32.const 8, end, length, 9 payload bytes
    assert.equal(d.range![1] - d.range![0], 1 + 2 + 1 + 1 + 9);
    assert.equal(bin[d.range![0]], 0x00);
    const [e] = m.elements;
    assert.deepEqual(e.funcs, [2, 2]);
    assert.equal(e.range![1] - e.range![0], 1 + 3 + 1 + 2);
  });

  it('reports malformed binaries with a clear error', async () => {
    assert.throws(() => decodeModule(Buffer.from('not wasm at all')), /bad magic number/);
    const bin = await wat(corpus.mvp.src);
    assert.throws(() => decodeModule(bin.subarray(0, bin.length - 5)), WasmDecodeError);
    const bad = Uint8Array.from(bin);
    const at = bad.indexOf(0x6a, decodeModule(bin).codes[1].offset); // an i32.add inside $f1
    bad[at] = 0xc5; // not an opcode
    assert.throws(() => decodeModule(bad), /unknown opcode 0xc5/);
    assert.throws(() => decodeModule(new Uint8Array([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0])), /wasm format version not supported 2/);
  });

  it('produces instrumented modules that the engine accepts and that export the meter globals', async () => {
    const programs = [
      `(module (import "vm_hooks" "pay_for_memory_grow" (func (param i32))) (memory (export "memory") 1)
        (func $g (export "helper") (param i32) (result i32) local.get 0 i32.const 1 memory.grow i32.add)
        (func (export "user_entrypoint") (param i32) (result i32)
          i32.const 0 i32.const 1 i32.const 64 memory.fill local.get 0 call $g
          (block (result i32) (br_table 0 0 (i32.const 7) (i32.const 1)))
          i32.add))`,
      `(module (memory (export "memory") 1 1) (table 2 funcref) (elem (i32.const 0) $f $f)
        (type $t (func (param f32 f64) (result i32)))
        (func $f (type $t)
          i32.const 0 i32.const 8 i32.const 8 memory.copy
          local.get 0 i32.reinterpret_f32 local.get 1 i64.reinterpret_f64 i32.wrap_i64 i32.add
          i32.extend8_s i64.extend_i32_s i64.extend32_s i32.wrap_i64 i32.extend16_s)
        (func (export "user_entrypoint") (param i32) (result i32)
          (loop $l (br_if $l (i32.eqz (local.get 0))))
          f32.const 1 f64.const 2 local.get 0 call_indirect (type $t)))`,
    ];
    for (const src of programs) {
      const check = checkStylusWasm(await wat(src), { arbosVersion: 40, debug: false });
      assert.deepEqual(check.violations, []);
      const im = check.instrumented!.module;
      const bytes = encodeModule(im);
      assert.ok(WebAssembly.validate(bytes), 'instrumented module validates');
      assert.deepEqual(im.exports.map((e) => e.name).sort(), ['memory', 'stylus_ink_left', 'stylus_ink_status', 'stylus_scratch_global', 'stylus_stack_left', 'user_entrypoint']);
      const again = decodeModule(bytes);
      assert.equal(again.globals.length, decodeModule(await wat(src)).globals.length + 4);
    }
  });
});
