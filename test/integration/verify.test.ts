// `stylus-ml verify`: a deployed generated crate is rebuilt from its ONNX file and recorded options with the
// pinned toolchain and compared byte for byte with the chain's code and modelHash(). True for the deployed
// crate; false with exit 3 (naming what differs) when one weight of the ONNX file changes and when the
// address holds another program; refused (exit 1) when the toolchain is not the pinned one.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { onnx } from 'onnx-proto';
import { runCli } from '../fixtures/cli';
import { startEmbeddedDevnode, type EmbeddedDevnode } from '../../devnode/index';
import { parseContract } from '../../core/contracts/check';
import { VerifyJsonSchema, type VerifyJson } from '../../core/contracts/cli';
import { readManifest } from '../../core/manifest/file';
import { makeCrate, type ModelCrate } from './model-crates';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-verify-test-'));
let node: EmbeddedDevnode;
let crate: ModelCrate;
let other: ModelCrate;
let address: string;

before(async () => {
  crate = await makeCrate('mlp', tmp);
  other = await makeCrate('forest', tmp);
  node = await startEmbeddedDevnode({ port: 0 });
  for (const c of [crate, other]) {
    const d = await runCli(['deploy', c.dir, '--rpc', node.url, '--json']);
    assert.equal(d.code, 0, d.stderr);
  }
  address = readManifest(crate.dir).measured!.deploy!.address;
});
after(async () => {
  await node.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function verify(args: string[] = []): Promise<{ code: number; json: VerifyJson; stderr: string }> {
  const r = await runCli(['verify', crate.dir, '--address', address, '--rpc', node.url, ...args, '--json'], { timeoutMs: 300_000 });
  return { code: r.code, json: parseContract(VerifyJsonSchema, JSON.parse(r.stdout), 'verify --json'), stderr: r.stderr };
}

/** The model with one weight of its first float initializer moved by `delta`. */
function withOneWeightChanged(bytes: Uint8Array, delta: number): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const init = model.graph!.initializer!.find((t) => t.dataType === onnx.TensorProto.DataType.FLOAT && ((t.floatData?.length ?? 0) > 0 || (t.rawData?.length ?? 0) > 0))!;
  if ((init.floatData?.length ?? 0) > 0) init.floatData![0] += delta;
  else {
    const raw = Buffer.from(init.rawData!);
    raw.writeFloatLE(raw.readFloatLE(0) + delta, 0);
    init.rawData = raw;
  }
  return onnx.ModelProto.encode(model).finish();
}

test('verify is true for the deployed crate: the code and modelHash() equal the rebuild', async () => {
  const r = await verify();
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.matches, true);
  assert.equal(r.json.parts.length, 1);
  const [p] = r.json.parts;
  assert.equal(p.kind, 'program');
  assert.equal(p.equal, true);
  assert.equal(p.expected, p.deployed);
  assert.equal(p.expectedBytes, crate.compressedBytes);
  assert.equal(r.json.modelHash.expected, readManifest(crate.dir).modelHash);
  assert.equal(r.json.modelHash.deployed, r.json.modelHash.expected);
  assert.deepEqual(r.json.pin, readManifest(crate.dir).measured!.build!.pin, 'rebuilt with the pinned toolchain');
  assert.deepEqual(r.json.differences, []);
});

test('one changed weight in the ONNX file: false, exit 3, naming the program code and modelHash()', async () => {
  const original = fs.readFileSync(crate.model);
  try {
    fs.writeFileSync(crate.model, withOneWeightChanged(original, 0.25));
    const r = await verify();
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.json.matches, false);
    assert.equal(r.json.parts[0].equal, false);
    assert.notEqual(r.json.parts[0].firstDifference, null);
    assert.notEqual(r.json.modelHash.expected, r.json.modelHash.deployed);
    assert.equal(r.json.modelHash.deployed, readManifest(crate.dir).modelHash, 'the chain still answers the generated hash');
    assert.match(r.stderr, /differs.*the program at 0x[0-9a-fA-F]{40}: .* first difference at byte \d+.*modelHash\(\) answers 0x[0-9a-f]{64}, the ONNX file and options make 0x[0-9a-f]{64}/);
    assert.ok(r.json.notes.some((n) => /is not the file the crate was generated from/.test(n)));
  } finally {
    fs.writeFileSync(crate.model, original);
  }
  assert.equal((await verify()).json.matches, true, 'the original file verifies again');
});

test('the address holds another program: false, exit 3', async () => {
  const otherAddress = readManifest(other.dir).measured!.deploy!.address;
  const r = await runCli(['verify', crate.dir, '--address', otherAddress, '--rpc', node.url, '--json'], { timeoutMs: 300_000 });
  assert.equal(r.code, 3);
  const j = parseContract(VerifyJsonSchema, JSON.parse(r.stdout), 'verify --json');
  assert.equal(j.parts[0].equal, false);
  assert.equal(j.parts[0].deployedBytes, other.compressedBytes);
  assert.notEqual(j.modelHash.deployed, j.modelHash.expected);
});

test('a toolchain other than the pinned one is refused before anything is compared (exit 1)', async () => {
  const file = path.join(crate.dir, 'stylus-ml.json');
  const saved = fs.readFileSync(file, 'utf8');
  try {
    const m = JSON.parse(saved) as { measured: { build: { pin: { rustc: string } } } };
    m.measured.build.pin.rustc = 'rustc 1.80.0 (commit 051478957 2024-07-21, LLVM 18.1.7)';
    fs.writeFileSync(file, JSON.stringify(m, null, 2));
    const r = await runCli(['verify', crate.dir, '--address', address, '--rpc', node.url]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot rebuild .* compiler rustc 1\.80\.0 .* recorded, rustc 1\.63\.0 .* here/);
  } finally {
    fs.writeFileSync(file, saved);
  }
});
