// Issue 5, "measured, once built": nitro/profile.ts runs a program in the devnode's Stylus
// runtime (same activation checks, same instrumentation, same hostio prices) and splits the ink it uses
// by function. Generated crates (minimal template, built here with Debian rustc) are profiled on inputs
// from their declared box: every computing layer of the manifest is its own function with ink, the
// functions' ink adds up to the total, and the total is exactly the ink the embedded devnode charges for
// the same call (captured from its runtime) — and the transaction's gasUsed follows from it by nitro's
// fixed charges. A hand-written program covers what the models may not: memory.fill/grow, recursion,
// call_indirect.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { toHex, type Hex } from 'viem';
import { startEmbeddedDevnode, type EmbeddedDevnode } from '../../devnode/index';
import { createStylusRuntime } from '../../devnode/stylus/runtime';
import type { UserOutcome } from '../../devnode/stylus/api';
import { createProfiler, functionNamed, namesFromJson, profileProgram, ProfileUnsupportedError, type ProfileResult } from '../../nitro/profile';
import { memoryGasCost } from '../../nitro/memory';
import { connect, deployProgram, sendContract, ARB_WASM, ARB_WASM_ABI, type ChainClient } from '../../core/chain/index';
import { decodePredict, encodeModelCall } from '../../core/chain/predict';
import { stylusDeployBytes } from '../../core/build/deploy-bytes';
import { type Manifest } from '../../core/manifest/schema';
import { readManifest } from '../../core/manifest/file';
import { planFromManifest } from '../../core/cli/crate-model';
import { onChainInputs, simulatorOutputs } from '../../core/cli/call';
import type { InputCase } from '../../core/io/inputs';
import type { Plan } from '../../core/quant/types';
import { prng } from '../fixtures/onnx-builder';
import { wasmToolchain } from '../fixtures/rust';
import { wat } from '../unit/stylus-harness';
import { codegenMissing, makeCrate, type ModelCrate } from './model-crates';

const INK_PRICE = 10_000n;
const skipCrates = !wasmToolchain() ? 'no wasm32 toolchain (apt-get install rustc libstd-rust-dev-wasm32 lld-16)' : codegenMissing();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-profile-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const bytesOf = (h: Hex) => new Uint8Array(Buffer.from(h.slice(2), 'hex'));

/**
 * From its 4 argument bytes: recursion to depth n (a call_indirect each step), memory.fill of 256·k bytes,
 * memory.grow by p pages, and optionally a storage read; returns Σ 3i for i = 1..n.
 */
const PROGRAM = `(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "pay_for_memory_grow" (func $pay (param i32)))
  (import "vm_hooks" "msg_value" (func $msg_value (param i32)))
  (import "vm_hooks" "storage_load_bytes32" (func $sload (param i32 i32)))
  (type $unary (func (param i32) (result i32)))
  (memory (export "memory") 1 8)
  (table 1 funcref)
  (elem (i32.const 0) $leaf)
  (func $leaf (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  (func $walk (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (call_indirect (type $unary) (local.get $n) (i32.const 0))
                     (call $walk (i32.sub (local.get $n) (i32.const 1)))))))
  (func $clear (param $len i32) (memory.fill (i32.const 1024) (i32.const 0) (local.get $len)))
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 0))
    (if (i32.load8_u (i32.const 3)) (then (call $sload (i32.const 0) (i32.const 128))))
    (call $clear (i32.mul (i32.load8_u (i32.const 1)) (i32.const 256)))
    (if (i32.load8_u (i32.const 2)) (then (drop (memory.grow (i32.load8_u (i32.const 2))))))
    (i32.store (i32.const 64) (call $walk (i32.load8_u (i32.const 0))))
    (call $msg_value (i32.const 96))
    (call $write_result (i32.const 64) (i32.const 4))
    (i32.const 0)))`;

/** n, fill len / 256, pages to grow, whether to read storage */
const args = (n: number, fill: number, grow: number, sload = 0) => Uint8Array.of(n, fill, grow, sload);

function fn(p: ProfileResult, name: string) {
  const f = functionNamed(p, name);
  assert.ok(f, `${name} is in the profile (functions: ${p.functions.map((x) => x.name).join(', ')})`);
  return f;
}

function assertAddsUp(p: ProfileResult, what: string): void {
  const sum = p.functions.reduce((a, f) => a + f.selfInk, 0n);
  assert.equal(p.unattributedInk, 0n, `${what}: nothing unattributed`);
  assert.equal(sum, p.inkUsed, `${what}: Σ selfInk == inkUsed`);
  assert.equal(p.functions.reduce((a, f) => a + f.hostioInk, 0n), p.hostioInk, `${what}: per-function hostio ink adds up`);
}

describe('profile of a hand-written program', () => {
  let wasm: Uint8Array;
  before(async () => {
    wasm = await wat(PROGRAM);
  });

  test('calls are counted, memory.fill pays 100 ink a byte to its own function, and the parts add up', async () => {
    const profiler = await createProfiler(wasm);
    const small = profiler.profile(args(3, 0, 0));
    const big = profiler.profile(args(7, 4, 2));
    for (const [p, what] of [[small, 'small'], [big, 'big']] as const) {
      assert.equal(p.status, 'success', what);
      assertAddsUp(p, what);
      assert.equal(fn(p, 'user_entrypoint').calls, 1);
    }
    assert.equal(fn(small, 'walk').calls, 4, 'walk(3) runs 4 times');
    assert.equal(fn(small, 'leaf').calls, 3, 'leaf is reached through call_indirect 3 times');
    assert.equal(fn(big, 'walk').calls, 8);
    // walk returns Σ 3k for k = n..1
    assert.equal(Buffer.from(big.output).readUInt32LE(0), 3 * (7 * 8) / 2);
    // the dynamic meter: the same blocks run, plus 1024 bytes at 100 ink
    assert.equal(fn(big, 'clear').selfInk - fn(small, 'clear').selfInk, 1024n * 100n);
    // hostios are the entrypoint's: read_args, msg_value, write_result, and (big) pay_for_memory_grow, 2
    // pages beyond the 2 free ones opened: 1000 gas a page + the exponential part (memory.go)
    const grow = memoryGasCost(2, 1, 1) * INK_PRICE;
    assert.equal(fn(big, 'user_entrypoint').hostioInk - fn(small, 'user_entrypoint').hostioInk, grow);
    assert.equal(big.hostioInk, fn(big, 'user_entrypoint').hostioInk);
  });

  test('out of ink: the whole limit is used, the rest is reported as unattributed', async () => {
    const p = await profileProgram(wasm, args(3, 0, 0), { inkLimit: 20_000n });
    assert.equal(p.status, 'outOfInk');
    assert.equal(p.inkUsed, 20_000n);
    const sum = p.functions.reduce((a, f) => a + f.selfInk, 0n);
    assert.equal(sum + p.unattributedInk, p.inkUsed);
    assert.ok(p.unattributedInk > 0n);
  });

  test('bad input is refused with the reason', async () => {
    await assert.rejects(profileProgram(new TextEncoder().encode('not a wasm module'), new Uint8Array(0)), /would not activate: .*not a WebAssembly module/);
    const noEntry = await wat('(module (memory (export "memory") 1 1))');
    await assert.rejects(profileProgram(noEntry, new Uint8Array(0)), /would not activate: missing export with name user_entrypoint/);
    // storage needs a chain: said so, not a silent failure
    await assert.rejects(profileProgram(wasm, args(1, 0, 0, 1)), (e) => e instanceof ProfileUnsupportedError && /getBytes32/.test(e.message));
  });
});

interface DevnodeCall {
  gas: bigint;
  inkLeft: bigint;
  outcome: UserOutcome;
  calldata: Uint8Array;
}

/** The embedded devnode with its real Stylus runtime, recording the ink every program call got and left. */
async function recordingDevnode(): Promise<{ node: EmbeddedDevnode; client: ChainClient; calls: DevnodeCall[] }> {
  const runtime = createStylusRuntime();
  const calls: DevnodeCall[] = [];
  const call = runtime.call.bind(runtime);
  runtime.call = async (moduleHash, ctx, api, gas, params) => {
    const r = await call(moduleHash, ctx, api, gas, params);
    assert.equal(BigInt(params.inkPrice), INK_PRICE);
    calls.push({ gas, inkLeft: r.inkLeft, outcome: r.outcome, calldata: ctx.calldata });
    return r;
  };
  const node = await startEmbeddedDevnode({ port: 0, runtime });
  const client = await connect({ mode: 'rpc', rpcUrl: node.url });
  return { node, client, calls };
}

const calldataGas = (d: Uint8Array) => d.reduce((a, b) => a + (b === 0 ? 4n : 16n), 0n);

/**
 * Sends `data` to the program in a transaction and checks the profile against what the devnode charged:
 * the runtime's ink exactly, and gasUsed = 21000 + calldata + memory for the footprint + init gas +
 * ⌈ink / ink price⌉ (stylus-bridge.ts runStylus, nitro programs.go CallProgram).
 */
async function compareWithDevnode(d: { client: ChainClient; calls: DevnodeCall[] }, to: Hex, wasm: Uint8Array, data: Hex, names?: Map<number, string>): Promise<{ profile: ProfileResult; devnodeInk: bigint; gasUsed: bigint }> {
  d.calls.length = 0;
  const tx = await sendContract(d.client, { to, data, gas: 3_000_000n });
  assert.equal(tx.status, 'success');
  assert.equal(d.calls.length, 1, 'one program call in the transaction');
  const c = d.calls[0];
  const devnodeInk = c.gas * INK_PRICE - c.inkLeft;
  const profile = await profileProgram(wasm, bytesOf(data), { inkLimit: c.gas * INK_PRICE, names });
  assert.equal(profile.status, 'success');
  assert.equal(profile.inkUsed, devnodeInk, 'inkUsed is the ink the devnode charged, to the unit');
  assert.equal(c.outcome.kind, 'success');
  assert.deepEqual(profile.output, (c.outcome as { output: Uint8Array }).output, 'same output');
  assertAddsUp(profile, 'devnode call');

  const pub = d.client.publicClient;
  const [initGas] = await pub.readContract({ address: ARB_WASM, abi: ARB_WASM_ABI, functionName: 'programInitGas', args: [to] });
  const footprint = await pub.readContract({ address: ARB_WASM, abi: ARB_WASM_ABI, functionName: 'programMemoryFootprint', args: [to] });
  const inkGas = (profile.inkUsed + INK_PRICE - 1n) / INK_PRICE;
  const expected = 21_000n + calldataGas(bytesOf(data)) + memoryGasCost(footprint, 0, 0) + initGas + inkGas;
  assert.equal(tx.gasUsed, expected, `gasUsed ${tx.gasUsed} = intrinsic + footprint + init ${initGas} + ⌈${profile.inkUsed} ink⌉`);
  return { profile, devnodeInk, gasUsed: tx.gasUsed };
}

/** Box corners, centre and seeded random points inside the declared box, as quantised calldata. */
function boxCalldata(plan: Plan, m: Manifest, n: number, seed: number): { data: Hex; expect: ReturnType<typeof simulatorOutputs> }[] {
  const rnd = prng(seed);
  return Array.from({ length: n }, (_, k) => {
    const c: InputCase = new Map();
    plan.graph.inputs.forEach((inp) => {
      const box = m.inputs.find((x) => x.name === inp.name)!.box;
      c.set(inp.id, Float64Array.from(box.lo, (lo, i) => (k === 0 ? lo : k === 1 ? box.hi[i] : k === 2 ? (lo + box.hi[i]) / 2 : lo + (box.hi[i] - lo) * rnd())));
    });
    return { data: encodeModelCall(m, 'predict', onChainInputs(plan, c)), expect: simulatorOutputs(plan, m, c) };
  });
}

function namesOf(crate: ModelCrate): Map<number, string> {
  const dir = path.join(crate.dir, 'target', 'stylus-ml');
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.names.json'));
  assert.ok(file, 'stylus-ml build wrote <lib>.names.json beside the wasm');
  return namesFromJson(fs.readFileSync(path.join(dir, file), 'utf8'));
}

describe('profile of generated models, against the embedded devnode', { skip: skipCrates }, () => {
  const crates: Partial<Record<'mlp' | 'forest' | 'cnn', ModelCrate>> = {};
  let dev: Awaited<ReturnType<typeof recordingDevnode>>;
  before(async () => {
    for (const kind of ['mlp', 'forest', 'cnn'] as const) crates[kind] = await makeCrate(kind, tmp);
    dev = await recordingDevnode();
  });
  after(async () => {
    await dev?.node.stop();
  });

  for (const kind of ['mlp', 'cnn', 'forest'] as const) {
    test(`${kind}: every computing layer is its own function with ink, the parts add up, and the total is the devnode's charge`, async () => {
      const crate = crates[kind]!;
      const m = readManifest(crate.dir);
      const plan = planFromManifest(crate.dir, m);
      const names = namesOf(crate);
      const { address } = await deployProgram(dev.client, stylusDeployBytes(crate.wasm).initCode);
      const cases = boxCalldata(plan, m, 4, 11);
      const profiles: ProfileResult[] = [];
      for (const [i, c] of cases.entries()) {
        const { profile } = await compareWithDevnode(dev, address, crate.wasm, c.data, names);
        assert.ok(!('error' in c.expect));
        assert.deepEqual(decodePredict(m, toHex(profile.output)), c.expect, `${kind} case ${i}: the profiled run computes the simulator's outputs`);
        profiles.push(profile);
      }
      for (const layer of m.layers) {
        // a reshape moves no data: it is a pointer cast that the compiler removes (ink 0, no function)
        if (layer.op === 'reshape') continue;
        for (const p of profiles) {
          const f = fn(p, layer.fn);
          assert.ok(f.selfInk > 0n && f.calls === 1, `${kind} ${layer.fn} (${layer.op}) ran once with ink`);
        }
      }
    });
  }

  test('mlp: the bigger dense layer costs more ink than the smaller one', async () => {
    const crate = crates.mlp!;
    const m = readManifest(crate.dir);
    const plan = planFromManifest(crate.dir, m);
    const dense = m.layers.filter((l) => l.op === 'matmul').sort((a, b) => (a.macs ?? 0) - (b.macs ?? 0));
    assert.ok(dense.length >= 2 && (dense[0].macs ?? 0) < (dense[dense.length - 1].macs ?? 0), 'two dense layers of different size');
    const profiler = await createProfiler(crate.wasm, { names: namesOf(crate) });
    for (const c of boxCalldata(plan, m, 3, 5)) {
      const p = profiler.profile(bytesOf(c.data));
      const small = fn(p, dense[0].fn).selfInk;
      const big = fn(p, dense[dense.length - 1].fn).selfInk;
      assert.ok(big > small, `${dense[dense.length - 1].fn} (${dense[dense.length - 1].macs} MACs) ${big} ink > ${dense[0].fn} (${dense[0].macs} MACs) ${small} ink`);
    }
  });

  test('forest: inputs that take different paths use different ink, in the trees layer', async () => {
    const crate = crates.forest!;
    const m = readManifest(crate.dir);
    const plan = planFromManifest(crate.dir, m);
    const trees = m.layers.find((l) => l.op === 'trees');
    assert.ok(trees, 'the forest has a trees layer');
    const profiler = await createProfiler(crate.wasm, { names: namesOf(crate) });
    const runs = boxCalldata(plan, m, 16, 3).map((c) => profiler.profile(bytesOf(c.data)));
    const treeInk = new Set(runs.map((p) => fn(p, trees.fn).selfInk));
    const total = new Set(runs.map((p) => p.inkUsed));
    assert.ok(treeInk.size > 1, `the trees layer's ink depends on the path: ${[...treeInk].join(', ')}`);
    assert.ok(total.size > 1, 'so does the call total');
  });

  test('a hand-written program with memory.fill, memory.grow and recursion: the devnode charges the profile\'s ink', async () => {
    const wasm = await wat(PROGRAM);
    const { address } = await deployProgram(dev.client, stylusDeployBytes(wasm).initCode);
    for (const a of [args(0, 0, 0), args(5, 3, 0), args(9, 8, 3)]) {
      const { profile } = await compareWithDevnode(dev, address, wasm, toHex(a));
      assert.equal(fn(profile, 'walk').calls, a[0] + 1);
    }
  });
});
