// Issue 4, acceptance 2: generated models (minimal template, compiled here with Debian rustc) deploy
// with the 43-byte prelude, activate with the right data fee, and `predict`, `predictLabel` and
// `predictPacked` — by eth_call and by transaction — return the simulator's outputs bit for bit, for a
// tree model, an MLP and a CNN. Each model runs on a fresh embedded devnode (a clean data pricer).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { decodeEventLog, encodeFunctionData, keccak256, toHex, type Abi, type Hex } from 'viem';
import { startEmbeddedDevnode } from '../../devnode/index';
import { connect, deployProgram, ARB_WASM, ARB_WASM_ABI, type ChainClient } from '../../core/chain/index';
import { initCodePrelude, PRELUDE_LENGTH } from '../../core/build/deploy-bytes';
import { decodeModule } from '../../core/wasm/decode';
import { type Manifest } from '../../core/manifest/schema';
import { readManifest } from '../../core/manifest/file';
import { MODEL_ABI, decodePredict, decodePredictLabel, decodePredictPacked, encodeModelCall } from '../../core/chain/predict';
import { onChainInputs, simulatorOutputs } from '../../core/cli/call';
import { planFromManifest } from '../../core/cli/crate-model';
import { programFromWasm, wasmCandidates } from '../../core/cli/crate-program';
import type { InputCase } from '../../core/io/inputs';
import type { Plan } from '../../core/quant/types';
import type { RawOutputs } from '../../core/chain/predict';
import { prng } from '../fixtures/onnx-builder';
import { compileSolidity } from './devnode-helpers';
import { codegenMissing, makeCrate, type ModelKind } from './model-crates';

/** Calls a program in a transaction and logs what it returned, so a transaction's output can be read back. */
const RECORDER_SOL = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract Recorder {
  event Returned(bool ok, bytes data);
  function record(address p, bytes calldata d) external {
    (bool ok, bytes memory r) = p.call(d);
    emit Returned(ok, r);
  }
}`;

/** nitro's minimum data price per byte of asm estimate (arbos/programs/data_pricer.go). */
const MIN_PRICE_PER_BYTE = 82_928_201n;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-models-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Box corners, the centre and seeded random points inside the declared box. */
function boxCases(plan: Plan, m: Manifest, n: number): InputCase[] {
  const rnd = prng(42);
  const pick = (k: number) => (lo: number, hi: number) => (k === 0 ? lo : k === 1 ? hi : k === 2 ? (lo + hi) / 2 : lo + (hi - lo) * rnd());
  return Array.from({ length: n }, (_, k) => {
    const c: InputCase = new Map();
    plan.graph.inputs.forEach((inp) => {
      const box = m.inputs.find((x) => x.name === inp.name)!.box;
      c.set(inp.id, Float64Array.from(box.lo, (lo, i) => pick(k)(lo, box.hi[i])));
    });
    return c;
  });
}

/** What predictLabel must return: the label output's class index, else the first argmax of the only output. */
function expectedLabel(m: Manifest, raw: RawOutputs): bigint {
  const labelled = m.outputs.find((o) => o.classLabels && o.classLabels.length > 0);
  if (labelled) return BigInt(raw[labelled.name][0]);
  const v = raw[m.outputs[0].name];
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return BigInt(best);
}

async function balance(c: ChainClient): Promise<bigint> {
  return c.publicClient.getBalance({ address: c.account! });
}

async function checkModel(kind: ModelKind): Promise<void> {
  const crate = await makeCrate(kind, tmp);
  const m = readManifest(crate.dir);
  const plan = planFromManifest(crate.dir, m); // proves the plan reproduces the crate's modelHash
  const program = programFromWasm(findWasm(crate.dir, crate.wasm));
  const node = await startEmbeddedDevnode({ port: 0 });
  const client = await connect({ mode: 'rpc', rpcUrl: node.url });
  try {
    // --- deploy with the prelude, activate with the data fee ---
    const before = await balance(client);
    const r = await deployProgram(client, program.initCode);
    const after = await balance(client);
    const tx = await client.publicClient.getTransaction({ hash: r.deploy.hash });
    assert.equal(tx.to, null, 'a plain CREATE');
    assert.equal(tx.input, toHex(program.initCode));
    assert.equal(tx.input.slice(0, 2 + 2 * PRELUDE_LENGTH), toHex(initCodePrelude(program.runtimeCode.length)), 'the 43-byte prelude with the runtime length');
    const code = await client.publicClient.getCode({ address: r.address });
    assert.equal(code, toHex(program.runtimeCode), 'the runtime code is EF F0 00 00 + brotli');
    assert.ok(code!.startsWith('0xeff00000'));
    assert.ok(r.activate.hash, 'activated');
    // the fee is nitro's: minimum price (fresh chain, one activation of demand) × the stored asm estimate
    const asmSize = await client.publicClient.readContract({ address: ARB_WASM, abi: parseArbWasmExtra, functionName: 'codehashAsmSize', args: [keccak256(code!)] });
    const mod = decodeModule(crate.wasm);
    const floor = 512000 + Math.floor((mod.functions.length * 996829) / 1000) + Math.floor((crate.wasm.length * 62628) / 10000);
    assert.ok(asmSize >= floor && asmSize % 1024 === 0, `asm estimate ${asmSize} ≥ ${floor}, whole KiB`);
    // ArbOS stores the estimate in whole KiB but prices the exact byte count (programs.go ActivateProgram)
    const fee = r.activate.dataFeeWei;
    const lo = MIN_PRICE_PER_BYTE * BigInt(Math.max(asmSize - 1023, floor));
    const hi = (MIN_PRICE_PER_BYTE * 103n * BigInt(asmSize)) / 100n;
    assert.ok(fee >= lo && fee <= hi, `data fee ${fee} within [${lo}, ${hi}]`);
    // the sender paid exactly gas + that fee: the 20% bump was refunded
    const rd = await client.publicClient.getTransactionReceipt({ hash: r.deploy.hash });
    const ra = await client.publicClient.getTransactionReceipt({ hash: r.activate.hash });
    assert.equal(before - after, rd.gasUsed * rd.effectiveGasPrice + ra.gasUsed * ra.effectiveGasPrice + fee);
    const version = await client.publicClient.readContract({ address: ARB_WASM, abi: ARB_WASM_ABI, functionName: 'programVersion', args: [r.address] });
    assert.equal(version, await client.publicClient.readContract({ address: ARB_WASM, abi: ARB_WASM_ABI, functionName: 'stylusVersion' }));

    const to = r.address;
    const hash = await client.publicClient.call({ to, data: encodeFunctionData({ abi: MODEL_ABI, functionName: 'modelHash' }) });
    assert.equal(hash.data, m.modelHash, 'modelHash() is the hash stylus-ml computes from the ONNX file');

    // --- eth_call: predict, predictPacked, predictLabel over the box ---
    const hasLabel = Object.keys(m.selectors).some((k) => k.startsWith('predictLabel'));
    assert.ok(hasLabel, 'all three are classifiers (a label output, or argmax over logits): predictLabel is exposed');
    const cases = boxCases(plan, m, kind === 'cnn' ? 8 : 24);
    for (const [i, c] of cases.entries()) {
      const sim = simulatorOutputs(plan, m, c);
      assert.ok(!('error' in sim), `case ${i} lies in the box`);
      const q = onChainInputs(plan, c);
      const p = await client.publicClient.call({ to, data: encodeModelCall(m, 'predict', q) });
      assert.deepEqual(decodePredict(m, p.data!), sim, `${kind} case ${i}: predict equals the simulator`);
      const pp = await client.publicClient.call({ to, data: encodeModelCall(m, 'predictPacked', q) });
      assert.deepEqual(decodePredictPacked(m, pp.data!), sim, `${kind} case ${i}: predictPacked equals the simulator`);
      if (hasLabel) {
        const pl = await client.publicClient.call({ to, data: encodeModelCall(m, 'predictLabel', q) });
        assert.equal(decodePredictLabel(pl.data!), expectedLabel(m, sim as RawOutputs), `${kind} case ${i}: predictLabel`);
      }
    }

    // --- by transaction: a recorder contract calls the program and logs what it returned ---
    const rec = compileSolidity(RECORDER_SOL, 'Recorder');
    const w = client.walletClient!;
    const deployRec = await w.sendTransaction({ account: w.account!, chain: w.chain, data: rec.bytecode });
    const recAddr = (await client.publicClient.waitForTransactionReceipt({ hash: deployRec })).contractAddress!;
    const c = cases[cases.length - 1];
    const sim = simulatorOutputs(plan, m, c) as RawOutputs;
    const q = onChainInputs(plan, c);
    const fns = (['predict', 'predictPacked', ...(hasLabel ? ['predictLabel'] : [])] as const).map((f) => f as 'predict' | 'predictPacked' | 'predictLabel');
    for (const fn of fns) {
      const data = encodeModelCall(m, fn, q);
      const h = await w.sendTransaction({ account: w.account!, chain: w.chain, to: recAddr, data: encodeFunctionData({ abi: rec.abi as Abi, functionName: 'record', args: [to, data] }) });
      const receipt = await client.publicClient.waitForTransactionReceipt({ hash: h });
      assert.equal(receipt.status, 'success');
      const ev = decodeEventLog({ abi: rec.abi as Abi, data: receipt.logs[0].data, topics: receipt.logs[0].topics }) as unknown as { args: { ok: boolean; data: Hex } };
      assert.equal(ev.args.ok, true, `${fn} by transaction succeeded`);
      if (fn === 'predict') assert.deepEqual(decodePredict(m, ev.args.data), sim);
      else if (fn === 'predictPacked') assert.deepEqual(decodePredictPacked(m, ev.args.data), sim);
      else assert.equal(decodePredictLabel(ev.args.data), expectedLabel(m, sim));
    }
    // and sent directly to the program, the transaction succeeds and costs what eth_estimateGas said
    const direct = encodeModelCall(m, 'predict', q);
    const est = await client.publicClient.estimateGas({ account: client.account!, to, data: direct });
    const dh = await w.sendTransaction({ account: w.account!, chain: w.chain, to, data: direct });
    const dr = await client.publicClient.waitForTransactionReceipt({ hash: dh });
    assert.equal(dr.status, 'success');
    assert.ok(dr.gasUsed <= est, `gasUsed ${dr.gasUsed} ≤ estimate ${est}`);
    console.log(`${kind} (built with ${crate.toolchain}): wasm ${crate.wasm.length} B, compressed ${r.compressedBytes} B, deploy gas ${r.deploy.gasUsed}, activation gas ${r.activate.gasUsed}, data fee ${fee} wei, predict tx gas ${dr.gasUsed}`);
  } finally {
    await client.close();
    await node.stop();
  }
}

const parseArbWasmExtra = [{ type: 'function', name: 'codehashAsmSize', stateMutability: 'view', inputs: [{ name: 'codehash', type: 'bytes32' }], outputs: [{ name: 'size', type: 'uint32' }] }] as const;

/** The built wasm's path inside the crate (makeCrate checked deploy finds it there). */
function findWasm(dir: string, wasm: Uint8Array): string {
  const hit = wasmCandidates(dir).find((f) => Buffer.compare(fs.readFileSync(f), Buffer.from(wasm)) === 0);
  assert.ok(hit, 'the built wasm is in the crate');
  return hit;
}

const skip = codegenMissing();
for (const kind of ['forest', 'mlp', 'cnn'] as const) {
  test(`${kind}: deploys with the prelude, activates with the data fee, predict/predictPacked/predictLabel equal the simulator by eth_call and by transaction`, { skip, timeout: 600_000 }, () => checkModel(kind));
}
