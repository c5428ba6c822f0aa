// Issue 13 (real-size models), through the CLI on the embedded devnode: mnist-8 from the model zoo and a
// 28×28 CNN are generated, built, deployed and called with predictPacked bit for bit like the simulator
// (mnist-8's transaction ≤ 150,000 gas); a dense model with its weights in data contracts (layout data,
// a small stand-in for the bench's 1,000,000-parameter model) deploys part by part and predicts bit-exact;
// the estimator holds ±5% (execution) and ±2% (deployment) on each; a deployment killed midway resumes
// without deploying any part twice and without stylus-ml.json claiming a deployment in between; a model
// whose call would pass the 32M per-transaction cap is refused with the figure, nothing sent.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createPublicClient, http, type Hex } from 'viem';
import { startEmbeddedDevnode } from '../../devnode/index';
import { readManifest } from '../../core/manifest/file';
import { CREATE2_PROXY } from '../../core/layout/create2';
import { cnn28, convStack, mlp } from '../fixtures/onnx-builder';
import { digitImages } from '../../core/bench/scale';
import { corpusAvailable, corpusFile } from '../fixtures/corpus';
import { ROOT, runCli } from '../fixtures/cli';
import { wasmToolchain } from '../fixtures/rust';
import type { CallJson, DeployJson, EstimateJson } from '../../core/contracts/cli';

const skip = wasmToolchain() === null ? 'no wasm32 toolchain (Debian rustc + lld-16)' : !corpusAvailable() ? 'conformance corpus not found' : false;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-real-size-'));
let node: Awaited<ReturnType<typeof startEmbeddedDevnode>>;
before(async () => {
  node = await startEmbeddedDevnode({ port: 0 });
});
after(async () => {
  await node?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Flow {
  dir: string;
  call: CallJson;
  deploy: DeployJson;
  estimate: EstimateJson;
  inputs: string;
}

async function cli(args: string[], timeoutMs = 600_000): Promise<string> {
  const r = await runCli(args, { timeoutMs });
  assert.equal(r.code, 0, `stylus-ml ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** new → build → deploy → call --packed --send → estimate, all through the CLI against the test's devnode. */
async function flow(name: string, model: string, range: string, cases: number[][], extra: string[]): Promise<Flow> {
  const dir = path.join(tmp, name);
  const inputs = path.join(tmp, `${name}-inputs.json`);
  fs.writeFileSync(inputs, JSON.stringify(cases));
  await cli(['new', model, '--out', dir, '--template', 'minimal', '--input-range', range, '--weights', 'i8', '--vectors', '64', ...extra, '--json']);
  await cli(['build', dir, '--json']);
  const deploy = JSON.parse(await cli(['deploy', dir, '--rpc', node.url, '--json'])) as DeployJson;
  const call = JSON.parse(await cli(['call', dir, '--input', inputs, '--packed', '--send', '--rpc', node.url, '--json'])) as CallJson;
  const estimate = JSON.parse(await cli(['estimate', dir, '--function', 'predictPacked', '--inputs', inputs, '--no-measure', '--json'])) as EstimateJson;
  return { dir, call, deploy, estimate, inputs };
}

/** Execution gas of each call (receipt gasUsed less the intrinsic and calldata gas the estimate also reports). */
function checkEstimate(f: Flow, what: string): void {
  const overhead = f.estimate.call.totalTxGas.typical - f.estimate.call.executionGas.typical;
  for (const c of f.call.cases) {
    const exec = c.gasUsed! - overhead;
    const err = (f.estimate.call.executionGas.typical - exec) / exec;
    assert.ok(Math.abs(err) <= 0.05, `${what}: execution gas estimated ${f.estimate.call.executionGas.typical}, used ${exec} (${(err * 100).toFixed(2)}%)`);
  }
  const deployGas = f.deploy.parts ? f.deploy.parts.find((p) => p.kind === 'program')!.gasUsed : f.deploy.deploy.gasUsed;
  const dErr = (f.estimate.deploy.deployGas - deployGas) / deployGas;
  const aErr = (f.estimate.deploy.activationGas - f.deploy.activate.gasUsed) / f.deploy.activate.gasUsed;
  assert.ok(Math.abs(dErr) <= 0.02, `${what}: deploy gas estimated ${f.estimate.deploy.deployGas}, used ${deployGas}`);
  for (const p of f.estimate.deploy.dataContracts ?? []) {
    const used = f.deploy.parts!.find((x) => x.name === p.name)!.gasUsed;
    assert.ok(Math.abs(p.deployGas - used) / used <= 0.02, `${what}: ${p.name} deployment estimated ${p.deployGas}, used ${used}`);
  }
  assert.ok(Math.abs(aErr) <= 0.02, `${what}: activation gas estimated ${f.estimate.deploy.activationGas}, used ${f.deploy.activate.gasUsed}`);
}

test('mnist-8 (ONNX model zoo): new → build → deploy → predictPacked equals the simulator bit for bit, ≤ 150,000 gas', { skip, timeout: 15 * 60_000 }, async () => {
  const f = await flow('mnist-8', corpusFile('zoo/mnist-8/model.onnx'), '0:255', digitImages(4, 8), ['--optimize', 'gas']);
  assert.equal(f.call.matchesSimulator, true);
  assert.equal(f.call.cases.length, 4);
  const m = readManifest(f.dir);
  assert.equal(m.layout?.kind, 'single', `auto picks one program for mnist-8: ${m.layout?.reason}`);
  assert.ok(m.memory && m.memory.arenaBytes > 16 * 1024, 'its intermediate tensors live in the arena, past what the 32 KiB stack held');
  assert.ok(m.memory.arenaBytes < m.memory.unsharedBytes, 'buffers are reused by liveness');
  for (const c of f.call.cases) assert.ok(c.gasUsed! <= 150_000, `predictPacked used ${c.gasUsed} gas`);
  checkEstimate(f, 'mnist-8');
});

test('a 28×28 CNN (conv 8@3×3, pool, conv 16@3×3, pool, fc 400→32→10): bit-exact on the devnode', { skip, timeout: 15 * 60_000 }, async () => {
  const model = path.join(tmp, 'cnn28.onnx');
  fs.writeFileSync(model, cnn28());
  const f = await flow('cnn28', model, '0:1', digitImages(3, 28, 1), ['--optimize', 'gas']);
  assert.equal(f.call.matchesSimulator, true);
  checkEstimate(f, 'cnn28');
});

test('layout data: dense weights in data contracts, deployed part by part, predict bit-exact in one transaction', { skip, timeout: 15 * 60_000 }, async () => {
  const model = path.join(tmp, 'mlp-data.onnx');
  fs.writeFileSync(model, mlp([784, 96, 10], { batch: 1, seed: 5, init: 'laplace' }));
  const f = await flow('mlp-data', model, '0:1', digitImages(3, 9, 1), ['--layout', 'data']);
  const m = readManifest(f.dir);
  const data = m.layout!.parts.filter((p) => p.kind === 'data');
  assert.equal(m.layout!.kind, 'data');
  assert.ok(data.length >= 3, `${data.length} data contracts`);
  // every part is on chain at its content address, with its recorded code hash
  const pub = createPublicClient({ transport: http(node.url) });
  for (const p of data) {
    const code = await pub.getCode({ address: p.address as Hex });
    assert.equal(code && code !== '0x' ? code.length / 2 - 1 : 0, p.bytes, `${p.name} at ${p.address}`);
  }
  assert.deepEqual(f.deploy.parts!.map((p) => p.name), [...data.map((p) => p.name), 'program']);
  assert.equal(f.call.matchesSimulator, true);
  assert.ok(f.estimate.call.breakdown.dataContracts! > 0, 'the estimate prices the account_code reads');
  checkEstimate(f, 'mlp 784-96-10 (data)');
});

test('layout fragments: a 109k-parameter i8 MLP (784→128→64→10) deploys as root + fragments at ArbOS 61 and predicts bit-exact', { skip, timeout: 20 * 60_000 }, async () => {
  const model = path.join(tmp, 'mlp-fragments.onnx');
  fs.writeFileSync(model, mlp([784, 128, 64, 10], { batch: 1, seed: 7, init: 'laplace' }));
  const f = await flow('mlp-fragments', model, '0:1', digitImages(3, 11, 1), ['--activations', 'i16', '--layout', 'fragments']);
  const m = readManifest(f.dir);
  assert.equal(m.layout!.kind, 'fragments');
  const params = m.layers.reduce((a, l) => a + l.params, 0);
  assert.ok(params >= 100_000, `${params} parameters`);
  const fragments = m.layout!.parts.filter((p) => p.kind === 'fragment');
  assert.ok(fragments.length >= 2, `${fragments.length} fragments`);
  // nitro's format on chain: EF F0 01 ‖ slice per fragment; the root EF F0 02 <dict> <wasm length> ‖ their addresses in order
  const pub = createPublicClient({ transport: http(node.url) });
  for (const p of fragments) {
    const code = await pub.getCode({ address: p.address as Hex });
    assert.ok(code?.startsWith('0xeff001'), `${p.name} at ${p.address} is a Stylus fragment`);
    assert.equal(code!.length / 2 - 1, p.bytes);
  }
  const root = (await pub.getCode({ address: f.deploy.address as Hex }))!;
  assert.ok(root.startsWith('0xeff00200'), 'the program is a root');
  assert.equal(root.slice(18), fragments.map((p) => p.address!.slice(2).toLowerCase()).join(''), 'the root lists the fragments in order');
  assert.equal(parseInt(root.slice(10, 18), 16), m.totals.codeSize!.wasmBytes, 'with the wasm length');
  // fragments first, then the root, then activation
  assert.deepEqual(f.deploy.parts!.map((p) => p.name), [...fragments.map((p) => p.name), 'program']);
  assert.ok(f.deploy.activate.gasUsed > 0);
  assert.equal(f.call.matchesSimulator, true);
  checkEstimate(f, 'mlp 784-128-64-10 (fragments)');
});

/** Transactions sent to the CREATE2 proxy, block by block: each is one part's deployment. */
async function proxyDeployments(url: string): Promise<number> {
  const pub = createPublicClient({ transport: http(url) });
  const latest = await pub.getBlockNumber();
  let n = 0;
  for (let b = 0n; b <= latest; b++) {
    const block = await pub.getBlock({ blockNumber: b, includeTransactions: true });
    for (const tx of block.transactions) if (tx.to?.toLowerCase() === CREATE2_PROXY) n++;
  }
  return n;
}

test('a deployment killed after some parts resumes: nothing deployed twice, stylus-ml.json never claims a partial deployment', { skip, timeout: 15 * 60_000 }, async () => {
  const chain = await startEmbeddedDevnode({ port: 0 });
  try {
    const model = path.join(tmp, 'mlp-resume.onnx');
    fs.writeFileSync(model, mlp([784, 112, 10], { batch: 1, seed: 6, init: 'laplace' }));
    const dir = path.join(tmp, 'mlp-resume');
    await cli(['new', model, '--out', dir, '--template', 'minimal', '--input-range', '0:1', '--weights', 'i8', '--vectors', '16', '--layout', 'data']);
    await cli(['build', dir]);
    const parts = readManifest(dir).layout!.parts.filter((p) => p.kind === 'data').length;
    assert.ok(parts >= 3);
    // the first run is killed (SIGKILL: no chance to clean up) once two parts are on chain
    const bundled = process.env.STYLUS_ML_TEST_BUNDLE === '1' && fs.existsSync(path.join(ROOT, 'dist', 'cli.js'));
    const argv = bundled ? [path.join(ROOT, 'bin', 'stylus-ml.js')] : ['--import', 'tsx', path.join(ROOT, 'core', 'cli', 'bin.ts')];
    const child = spawn(process.execPath, [...argv, 'deploy', dir, '--rpc', chain.url, '--progress', '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let killedAfter = 0;
    let buffer = '';
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        buffer += d.toString();
        for (const line of buffer.split('\n').slice(0, -1)) {
          const p = JSON.parse(line).progress as { index: number; phase: string } | undefined;
          if (p?.phase === 'done' && p.index === 2 && killedAfter === 0) {
            killedAfter = p.index;
            child.kill('SIGKILL');
          }
        }
        buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
      });
      child.on('close', () => resolve());
    });
    assert.equal(killedAfter, 2, 'the first run reported two parts before it was killed');
    assert.equal(readManifest(dir).measured?.deploy, undefined, 'no deployment is recorded for a run that did not finish');
    const before = await proxyDeployments(chain.url);
    assert.ok(before >= 2 && before < parts + 1, `${before} parts on chain after the kill`);
    // the second run deploys only what is missing
    const again = JSON.parse(await cli(['deploy', dir, '--rpc', chain.url, '--json'])) as DeployJson;
    const present = again.parts!.filter((p) => p.status === 'present').length;
    assert.equal(present, before, 'every part found on chain is skipped');
    assert.equal(await proxyDeployments(chain.url), parts + 1, `each of the ${parts} data contracts and the program deployed exactly once`);
    assert.equal(readManifest(dir).measured?.deploy?.address, again.address, 'the complete deployment is recorded');
    // a third run finds everything: nothing is sent
    const third = JSON.parse(await cli(['deploy', dir, '--rpc', chain.url, '--json'])) as DeployJson;
    assert.ok(third.parts!.every((p) => p.status === 'present') && third.activate.hash === null);
    assert.equal(await proxyDeployments(chain.url), parts + 1);
  } finally {
    await chain.stop();
  }
});

test('a model whose predict call would pass the 32M gas cap is refused before anything is deployed, with the figure', { skip, timeout: 15 * 60_000 }, async () => {
  const model = path.join(tmp, 'conv-stack.onnx');
  // 18 convolutions of 8 channels on 128×128: about 40M gas of arithmetic per call
  fs.writeFileSync(model, convStack(128, 8, 18));
  const dir = path.join(tmp, 'over-cap');
  await cli(['new', model, '--out', dir, '--template', 'minimal', '--input-range', '0:1', '--vectors', '2', '--layout', 'single']);
  const pub = createPublicClient({ transport: http(node.url) });
  const block = await pub.getBlockNumber();
  const r = await runCli(['deploy', dir, '--rpc', node.url]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /a predict call would need about [\d,]+ gas \(estimated\), over the 32,000,000 gas one Arbitrum transaction may use; nothing was deployed/);
  const figure = Number(/about ([\d,]+) gas/.exec(r.stderr)![1].replace(/,/g, ''));
  assert.ok(figure > 32_000_000);
  assert.equal(await pub.getBlockNumber(), block, 'no transaction was sent');
  assert.ok(!fs.existsSync(path.join(dir, 'target')), 'nothing was even built');
});
