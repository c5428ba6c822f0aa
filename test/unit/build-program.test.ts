// The build's steps after the compiler (core/build/build.ts processProgram): custom sections stripped,
// nitro's activation rules — a float operator anywhere refuses the module, and the build names the
// function holding it —, brotli 11 + EF F0 00 00 + 43-byte prelude, size limits. The validator's own
// negative cases are in wasm-validate.test.ts.
import assert from 'node:assert/strict';
import { brotliDecompressSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { processProgram } from '../../core/build/build';
import { listSections } from '../../core/build/wasm-sections';
import { findWasmOpt } from '../../core/build/wasm-opt';
import { PRELUDE_LENGTH } from '../../core/build/deploy-bytes';
import { wat } from './stylus-harness';

const program = (body: string, extra = '') => `(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (memory (export "memory") 1 1)
  ${extra}
  (func $entry (export "user_entrypoint") (param i32) (result i32)
    ${body}))`;

describe('processProgram', () => {
  it('strips custom sections and produces the deployment bytes cargo-stylus would', async () => {
    const raw = await wat(program('local.get 0 call $read_args i32.const 0 i32.const 0 call $write_result i32.const 0'));
    assert.ok(listSections(raw).some((s) => s.id === 0 && s.name === 'name'), 'wabt wrote a name section');
    const p = processProgram(raw);
    assert.deepEqual(p.violations, []);
    assert.ok(listSections(p.wasm).every((s) => s.id !== 0), 'no custom section left');
    const runtime = p.deploy.runtimeCode;
    assert.deepEqual([...runtime.subarray(0, 4)], [0xef, 0xf0, 0x00, 0x00]);
    assert.deepEqual(new Uint8Array(brotliDecompressSync(runtime.subarray(4))), p.wasm);
    assert.equal(p.deploy.initCode.length, PRELUDE_LENGTH + runtime.length);
    assert.equal(p.compressedBytes, runtime.length);
    assert.equal(p.fits, true);
  });

  it('rejects a float operator, even one never reached, naming the function that holds it', async () => {
    // $unused is called by nobody; nitro still refuses the module at activation (floats.ts)
    const raw = await wat(program('i32.const 0', '(func $unused (param f32 f32) (result f32) local.get 0 local.get 1 f32.add)'));
    const p = processProgram(raw);
    const float = p.violations.filter((v) => v.rule === 'float-op');
    assert.equal(float.length, 1, JSON.stringify(p.violations));
    assert.equal(float[0].func, 2, 'the first local function, after two imports');
    assert.equal(float[0].detail, 'function 2 unused: No implementation for floating point operation BinOp(F32, Add) in user');
    // constants, loads, stores and reinterprets need no float implementation
    const plain = processProgram(await wat(program('f32.const 1.5 i32.reinterpret_f32 drop i32.const 0 f64.load drop i32.const 0')));
    assert.deepEqual(plain.violations, []);
  });

  it('passes on the validator\'s activation failures: a start function and a wrong import signature', async () => {
    const start = processProgram(await wat(program('i32.const 0', '(func $init) (start $init)')));
    assert.ok(start.violations.some((v) => v.rule === 'start-function' && /start functions not allowed/.test(v.detail)));
    const bad = await wat(`(module (import "vm_hooks" "read_args" (func (param i64))) (memory (export "memory") 1 1)
      (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))`);
    assert.ok(processProgram(bad).violations.some((v) => v.rule === 'import-signature'));
  });

  it('optional wasm-opt (Binaryen, nitro\'s features only) keeps the program valid', { skip: findWasmOpt() ? false : 'wasm-opt is not installed' }, async () => {
    const raw = await wat(program('local.get 0 i32.const 1 i32.add i32.const 1 i32.sub drop i32.const 0'));
    const plain = processProgram(raw);
    const opt = processProgram(raw, { wasmOpt: true });
    assert.deepEqual(opt.violations, []);
    assert.ok(opt.wasmOpt && opt.wasmOpt.after <= opt.wasmOpt.before, JSON.stringify(opt.wasmOpt));
    assert.ok(opt.wasm.length <= plain.wasm.length);
  });

  it('reports a module over the compressed limit as a size violation with advice', async () => {
    // 40 KB of incompressible data
    let x = 0x12345678;
    const data = Array.from({ length: 40_000 }, () => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return `\\${((x >>> 16) & 0xff).toString(16).padStart(2, '0')}`;
    }).join('');
    const p = processProgram(await wat(program('i32.const 0', `(data (i32.const 1024) "${data}")`)));
    assert.equal(p.fits, false);
    assert.deepEqual(p.violations.map((v) => v.rule), ['code-size']);
    assert.match(p.advice[0], /bytes over the 24,576-byte code limit/);
  });
});
