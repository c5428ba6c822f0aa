// `stylus-ml verify` over a multi-part deployment (issue 16 with issue 13's layouts): an MLP whose dense
// weights live in data contracts is deployed part by part, then rebuilt from its ONNX file and compared part
// by part — the program and every data contract at the address stylus-ml.json records. True as deployed;
// false with exit 3 naming the part when one weight of the ONNX file changes, and when the deployment's record
// points a data contract at another one (a swapped part); a fragmented program likewise, fragment by fragment.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { onnx } from 'onnx-proto';
import { runCli } from '../fixtures/cli';
import { mlp } from '../fixtures/onnx-builder';
import { startEmbeddedDevnode, type EmbeddedDevnode } from '../../devnode/index';
import { parseContract } from '../../core/contracts/check';
import { VerifyJsonSchema, type VerifyJson } from '../../core/contracts/cli';
import { readManifest } from '../../core/manifest/file';
import { makeLayoutCrate } from './model-crates';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-verify-parts-'));
const dir = path.join(tmp, 'mlp-data');
const model = path.join(tmp, 'mlp-data.onnx');
let node: EmbeddedDevnode;
let address: string;

before(async () => {
  fs.writeFileSync(model, mlp([64, 32, 10], { batch: 1, seed: 9 }));
  const n = await runCli(['new', model, '--out', dir, '--template', 'minimal', '--input-range', '0:1', '--layout', 'data']);
  assert.equal(n.code, 0, n.stderr);
  const b = await runCli(['build', dir, '--json'], { timeoutMs: 300_000 });
  assert.equal(b.code, 0, b.stderr);
  node = await startEmbeddedDevnode({ port: 0 });
  const d = await runCli(['deploy', dir, '--rpc', node.url, '--json'], { timeoutMs: 300_000 });
  assert.equal(d.code, 0, d.stderr);
  address = readManifest(dir).measured!.deploy!.address;
});
after(async () => {
  await node?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function verify(): Promise<{ code: number; json: VerifyJson; stderr: string }> {
  const r = await runCli(['verify', dir, '--address', address, '--rpc', node.url, '--json'], { timeoutMs: 300_000 });
  return { code: r.code, json: parseContract(VerifyJsonSchema, JSON.parse(r.stdout), 'verify --json'), stderr: r.stderr };
}

test('as deployed: the program and every data contract equal the rebuild', async () => {
  const m = readManifest(dir);
  const data = m.layout!.parts.filter((p) => p.kind === 'data');
  assert.equal(m.layout!.kind, 'data');
  assert.ok(data.length >= 1, 'the weights went to data contracts');
  const r = await verify();
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.matches, true);
  assert.deepEqual(r.json.parts.map((p) => p.kind), ['program', ...data.map(() => 'data')]);
  for (const p of data) {
    const v = r.json.parts.find((x) => x.name === p.name)!;
    assert.equal(v.address.toLowerCase(), p.address!.toLowerCase());
    assert.equal(v.equal, true);
    assert.equal(v.deployedBytes, p.bytes);
  }
});

test('a swapped data contract (the record points at another part): false, exit 3, naming it', async () => {
  const file = path.join(dir, 'stylus-ml.json');
  const original = fs.readFileSync(file, 'utf8');
  try {
    const j = JSON.parse(original) as { layout: { parts: { kind: string; address?: string; name: string }[] } };
    const data = j.layout.parts.filter((p) => p.kind === 'data');
    // the first data part's record now names the program's address (other code than its weights)
    data[0].address = address;
    fs.writeFileSync(file, JSON.stringify(j, null, 2));
    const r = await verify();
    assert.equal(r.code, 3);
    assert.equal(r.json.matches, false);
    const bad = r.json.parts.find((p) => p.name === data[0].name)!;
    assert.equal(bad.equal, false);
    assert.ok(r.json.differences.some((d) => d.includes(data[0].name)), r.json.differences.join('; '));
  } finally {
    fs.writeFileSync(file, original);
  }
});

test('one changed weight in the ONNX file: false, exit 3, a data contract differs', async () => {
  const original = fs.readFileSync(model);
  try {
    const m = onnx.ModelProto.decode(original);
    const init = m.graph!.initializer!.find((t) => (t.floatData?.length ?? 0) > 0 || (t.rawData?.length ?? 0) > 0)!;
    if ((init.floatData?.length ?? 0) > 0) init.floatData![0] += 0.25;
    else {
      const raw = Buffer.from(init.rawData!);
      raw.writeFloatLE(raw.readFloatLE(0) + 0.25, 0);
      init.rawData = raw;
    }
    fs.writeFileSync(model, onnx.ModelProto.encode(m).finish());
    const r = await verify();
    assert.equal(r.code, 3);
    assert.equal(r.json.matches, false);
    assert.ok(r.json.parts.some((p) => p.kind === 'data' && !p.equal), JSON.stringify(r.json.parts.map((p) => [p.name, p.equal])));
  } finally {
    fs.writeFileSync(model, original);
  }
});

test('a fragmented program: true as deployed, every fragment compared; a swapped fragment: false, exit 3, naming it', async () => {
  // 784-32-10 compresses to ~54 KB: a root and three fragments (ArbOS >= 60)
  const fdir = (await makeLayoutCrate(tmp, 'fragments')).dir;
  const d = await runCli(['deploy', fdir, '--rpc', node.url, '--json'], { timeoutMs: 300_000 });
  assert.equal(d.code, 0, d.stderr);
  const root = readManifest(fdir).measured!.deploy!.address;
  const run = async () => {
    const r = await runCli(['verify', fdir, '--address', root, '--rpc', node.url, '--json'], { timeoutMs: 300_000 });
    return { code: r.code, stderr: r.stderr, json: parseContract(VerifyJsonSchema, JSON.parse(r.stdout), 'verify --json') };
  };
  const ok = await run();
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.json.matches, true);
  const fragments = ok.json.parts.filter((p) => p.kind === 'fragment');
  assert.ok(fragments.length >= 2, JSON.stringify(ok.json.parts.map((p) => p.name)));
  assert.ok(fragments.every((p) => p.equal));

  // the record of the first fragment now names the second one's address: other code than its slice
  const file = path.join(fdir, 'stylus-ml.json');
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { layout: { parts: { kind: string; address?: string; name: string }[] } };
  const recorded = j.layout.parts.filter((p) => p.kind === 'fragment');
  assert.equal(recorded.length, fragments.length, 'stylus-ml.json records every fragment');
  recorded[0].address = recorded[1].address;
  fs.writeFileSync(file, JSON.stringify(j, null, 2));
  const bad = await run();
  assert.equal(bad.code, 3);
  assert.equal(bad.json.matches, false);
  assert.equal(bad.json.parts.find((p) => p.name === recorded[0].name)!.equal, false);
  assert.ok(bad.json.differences.some((x) => x.includes(recorded[0].name)), bad.json.differences.join('; '));
});
