// validateStylusWasm: nitro's activation rules (reference §2), each negative from a small .wat program,
// and the lint list of reachable SIMD/multi-value operators for the build report.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateStylusWasm, type ValidateOptions, type Violation } from '../../nitro/validate';
import { wat } from './stylus-harness';

const V40: ValidateOptions = { arbosVersion: 40, debug: false };

const ok = `(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (memory (export "memory") 1 1)
  (func $helper (param i32) (result i32) local.get 0 i32.const 1 i32.add)
  (func (export "user_entrypoint") (param i32) (result i32) local.get 0 call $helper drop i32.const 0))`;

async function check(src: string, opts: ValidateOptions = V40, features: Record<string, boolean> = {}) {
  return validateStylusWasm(await wat(src, features), opts);
}

function only(violations: Violation[], rule: string): Violation {
  assert.ok(violations.length > 0, 'expected a violation');
  assert.equal(violations[0].rule, rule, JSON.stringify(violations));
  return violations[0];
}

describe('validateStylusWasm', () => {
  it('accepts a well-formed Stylus program with no lint', async () => {
    const r = await check(ok);
    assert.deepEqual(r.violations, []);
    assert.deepEqual(r.lint, []);
    assert.equal(r.valid, true);
  });

  it("rejects float arithmetic, comparison and conversion anywhere, with nitro's reason for the first (floats.ts)", async () => {
    const src = `(module (memory (export "memory") 1 1)
      (func $unused (result f32) f32.const 1)
      (func $scale (param i32) (result i32) local.get 0 f64.convert_i32_s f64.const 0.5 f64.mul i32.trunc_f64_s)
      (func $never (param f32) (result i32) local.get 0 f32.const 0 f32.lt)
      (func (export "user_entrypoint") (param i32) (result i32) local.get 0 call $scale))`;
    const r = await check(src);
    assert.equal(r.valid, false);
    assert.deepEqual(
      r.violations.map((v) => [v.rule, v.func, v.detail]),
      [
        // the first float operator of each function that has one; $unused only has a constant
        ['float-op', 1, 'No implementation for floating point operation ConvertIntOp(F64, I32, true) in user'],
        ['float-op', 2, 'No implementation for floating point operation RelOp(F32, Lt) in user'],
      ],
    );
    assert.deepEqual(r.lint, [], 'floats are violations, not lint');
    const each: [string, string][] = [
      ['f32.const 1 f32.const 2 f32.add drop', 'BinOp(F32, Add)'],
      ['f64.const 1 f64.sqrt drop', 'UnOp(F64, Sqrt)'],
      ['f64.const 1 f64.const 2 f64.copysign drop', 'BinOp(F64, CopySign)'],
      ['f32.const 1 i64.trunc_sat_f32_u drop', 'TruncIntOp(I64, F32, true, false)'],
      ['f64.const 1 f32.demote_f64 drop', 'F32DemoteF64'],
      ['f32.const 1 f64.promote_f32 drop', 'F64PromoteF32'],
      ['i64.const 1 f32.convert_i64_u drop', 'ConvertIntOp(F32, I64, false)'],
    ];
    for (const [body, op] of each) {
      const v = only((await check(`(module (memory (export "memory") 1 1) (func (export "user_entrypoint") (param i32) (result i32) ${body} i32.const 0))`)).violations, 'float-op');
      assert.equal(v.detail, `No implementation for floating point operation ${op} in user`);
    }
    // loads, stores, constants and reinterprets lower without float implementations
    const plain = await check(`(module (memory (export "memory") 1 1) (func (export "user_entrypoint") (param i32) (result i32)
      i32.const 0 f64.load drop i32.const 0 f32.const 2 f32.store f64.const 1 i64.reinterpret_f64 drop i32.const 7 f32.reinterpret_i32 drop i32.const 0))`);
    assert.deepEqual(plain.violations, []);
  });

  it('rejects a missing user_entrypoint', async () => {
    const v = only((await check(`(module (memory (export "memory") 1 1) (func (export "main") (param i32) (result i32) i32.const 0))`)).violations, 'entrypoint');
    assert.equal(v.detail, 'missing export with name user_entrypoint');
  });

  it('rejects a user_entrypoint of the wrong type', async () => {
    const v = only((await check(`(module (memory (export "memory") 1 1) (func (export "user_entrypoint") (param i32 i32) (result i32) i32.const 0))`)).violations, 'entrypoint');
    assert.match(v.detail, /^wrong type for user_entrypoint: \(i32, i32\) -> \(i32\)/);
    assert.equal(v.func, 0);
  });

  it('rejects an import with the wrong signature', async () => {
    const src = ok.replace('(func $read_args (param i32))', '(func $read_args (param i64))');
    const v = only((await check(src)).violations, 'import-signature');
    assert.match(v.detail, /Import read_args .* expected \(i32\) -> \(\) in vm_hooks but have \(i64\) -> \(\)/);
  });

  it('rejects imports from unknown modules and unknown vm_hooks', async () => {
    const env = ok.replace('"vm_hooks" "read_args"', '"env" "read_args"');
    assert.match(only((await check(env)).violations, 'import-unknown').detail, /No such import read_args in env/);
    const name = ok.replace('"vm_hooks" "read_args"', '"vm_hooks" "read_argz"');
    assert.match(only((await check(name)).violations, 'import-unknown').detail, /No such import read_argz in vm_hooks/);
  });

  it('allows console imports only on debug chains', async () => {
    const src = `(module (import "console" "log_i32" (func $log (param i32))) (memory (export "memory") 1 1)
      (func (export "user_entrypoint") (param i32) (result i32) i32.const 1 call $log i32.const 0))`;
    assert.equal(only((await check(src)).violations, 'import-debug-only').rule, 'import-debug-only');
    assert.equal((await check(src, { arbosVersion: 40, debug: true })).valid, true);
  });

  it('rejects a start function unless the chain is in debug mode', async () => {
    const src = `(module (memory (export "memory") 1 1) (func $init) (start $init)
      (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))`;
    assert.equal(only((await check(src)).violations, 'start-function').detail, 'start functions not allowed');
    assert.equal((await check(src, { arbosVersion: 40, debug: true })).valid, true);
  });

  it('rejects too many initial pages, and pages beyond what the transaction has left', async () => {
    const big = `(module (memory (export "memory") 129 129) (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))`;
    assert.equal(only((await check(big)).violations, 'memory-bound').detail, 'memory size 129 exceeds bound 128');
    const ten = big.replace('129 129', '10 10');
    assert.equal((await check(ten)).valid, true);
    assert.equal(only((await check(ten, { ...V40, pageLimit: 8 })).violations, 'memory-limit').detail, 'memory exceeds limit: 10 > 8');
  });

  it('requires pay_for_memory_grow (i32)->() when the memory can grow', async () => {
    const src = `(module (memory (export "memory") 1) (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))`;
    assert.equal(only((await check(src)).violations, 'memory-grow-import').detail, 'missing import pay_for_memory_grow');
    const fixed = src.replace('(memory (export "memory") 1)', '(import "vm_hooks" "pay_for_memory_grow" (func (param i32))) (memory (export "memory") 1)');
    assert.equal((await check(fixed)).valid, true);
  });

  it('rejects a missing or mis-exported memory', async () => {
    const none = `(module (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))`;
    assert.equal(only((await check(none)).violations, 'memory').detail, 'missing memory export with name memory');
    const hidden = `(module (memory 1 1) (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))`;
    assert.equal(only((await check(hidden)).violations, 'memory').detail, 'missing memory with export name memory');
  });

  it('rejects exports and imports named stylus*', async () => {
    const exp = ok.replace('(func $helper', '(func $helper (export "stylus_hack")');
    assert.equal(only((await check(exp)).violations, 'reserved-name').detail, 'binary exports reserved symbol stylus_hack');
    const imp = ok.replace('"vm_hooks" "read_args"', '"vm_hooks" "stylus_read"');
    assert.equal(only((await check(imp)).violations, 'reserved-name').detail, 'binary imports reserved symbol stylus_read');
  });

  it('rejects multi-value from Stylus v3 (ArbOS 59) and lints it before', async () => {
    const src = `(module (memory (export "memory") 1 1)
      (func $pair (result i32 i32) i32.const 1 i32.const 2)
      (func (export "user_entrypoint") (param i32) (result i32) call $pair i32.add))`;
    const v3 = await check(src, { arbosVersion: 59, debug: false });
    assert.equal(v3.valid, false);
    assert.equal(v3.violations[0].rule, 'feature-multi-value');
    const v2 = await check(src, V40);
    assert.equal(v2.valid, true);
    assert.deepEqual(v2.lint.map((l) => l.rule), ['multi-value']);
    assert.equal(v2.lint[0].func, 0);
    // a block with a type-index block type is multi-value even with one result
    const block = `(module (memory (export "memory") 1 1)
      (func (export "user_entrypoint") (param i32) (result i32) local.get 0 (block (param i32) (result i32))))`;
    assert.equal((await check(block, { arbosVersion: 59, debug: false })).violations[0].rule, 'feature-multi-value');
  });

  it('rejects SIMD, reference-type and table operators, naming the function', async () => {
    const simd = `(module (memory (export "memory") 1 1)
      (func (export "user_entrypoint") (param i32) (result i32) v128.const i32x4 1 2 3 4 i32x4.extract_lane 0))`;
    const v = only((await check(simd, V40, { simd: true })).violations, 'feature-simd');
    assert.equal(v.func, 0);
    assert.match(v.detail, /func 0 \(user_entrypoint\): v128.const \(and 1 more\)/);
    const refs = `(module (memory (export "memory") 1 1) (table 1 funcref)
      (func (export "user_entrypoint") (param i32) (result i32) i32.const 0 table.get 0 ref.is_null))`;
    assert.equal(only((await check(refs, V40, { reference_types: true })).violations, 'feature-reference-types').func, 0);
  });

  it('rejects bulk-memory operators other than memory.copy and memory.fill at instrumentation', async () => {
    const src = `(module (memory (export "memory") 1 1) (data $d "abc")
      (func $init (param i32) i32.const 0 i32.const 0 i32.const 3 memory.init $d)
      (func (export "user_entrypoint") (param i32) (result i32) i32.const 0 i32.const 0 i32.const 3 memory.copy i32.const 0))`;
    const v = only((await check(src)).violations, 'unsupported-op');
    assert.equal(v.func, 0);
    assert.match(v.detail, /opcode not supported/);
  });

  it('rejects non-function imports and non-constant global initializers', async () => {
    const mem = `(module (import "vm_hooks" "memory" (memory 1)) (export "memory" (memory 0))
      (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))`;
    assert.match(only((await check(mem)).violations, 'import-kind').detail, /unsupported import kind: memory vm_hooks.memory/);
    const extended = `(module (memory (export "memory") 1 1) (global i32 (i32.add (i32.const 1) (i32.const 2)))
      (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))`;
    const r = await check(extended, V40, { extended_const: true });
    assert.deepEqual(r.violations.map((v) => v.rule), ['feature-extended-const', 'global-initializer']);
    assert.match(r.violations[1].detail, /Non-constant global initializer/);
  });

  it('counts the operator limit on the instrumented body', async () => {
    // 65,510 nops + `i32.const 0` + end = 65,512 operators fit the 65,536 limit, but not once the meter
    // header (12), the depth prologue (12) and the extra return with its reclaim (5) are added
    const src = (nops: number) =>
      `(module (memory (export "memory") 1 1) (func (export "user_entrypoint") (param i32) (result i32) ${'nop '.repeat(nops)} i32.const 0))`;
    const v = only((await check(src(65_510))).violations, 'limit');
    assert.equal(v.detail, `func 0 (user_entrypoint): too many wasm opcodes in func body: ${65_512 + 29} > 65536`);
    assert.equal(v.func, 0);
    assert.equal((await check(src(65_505))).valid, true, '65,507 + 29 = 65,536 is still allowed');
  });

  it('rejects data segments that do not fit the initial memory', async () => {
    const src = `(module (memory (export "memory") 1 1) (data (i32.const 65534) "abcd")
      (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))`;
    const v = only((await check(src)).violations, 'data-segment');
    assert.equal(v.detail, 'Out-of-bounds data memory init with offset 65534 and size 4');
  });

  it('reports malformed input as a decode violation instead of throwing', () => {
    const r = validateStylusWasm(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0x01, 0x05, 0x01]), V40);
    assert.equal(r.valid, false);
    assert.equal(r.violations[0].rule, 'malformed');
    const notWasm = validateStylusWasm(Buffer.from('hello world'), V40);
    assert.match(notWasm.violations[0].detail, /not a WebAssembly module/);
  });

  it('lists every problem, first the one activation fails with', async () => {
    const src = `(module (import "env" "f" (func $f)) (memory (export "memory") 1 1) (func $s) (start $s)
      (func (export "stylus_x") (param i32) (result i32) i32.const 0))`;
    const rules = (await check(src)).violations.map((v) => v.rule);
    assert.deepEqual(rules, ['reserved-name', 'start-function', 'import-unknown']);
  });
});
