// `stylus-ml devnode`, `deploy` and `call` through the real CLI (runCli): the readiness line and serving,
// the --json schemas against a devnode started here, the manifest's measured.deploy, and bad input.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, runCli } from '../fixtures/cli';
import { forest } from '../fixtures/onnx-builder';
import { writeCrateManifest } from '../fixtures/crate-manifest';
import { encodeFunctionData } from 'viem';
import { readManifest } from '../../core/manifest/file';
import { ARB_WASM, ARB_WASM_ABI } from '../../core/chain/index';
import { TEST_ACCOUNTS } from '../../devnode/accounts';
import { startEmbeddedDevnode } from '../../devnode/index';
import { minimalStylusWasm, rpc } from './devnode-helpers';
import { codegenMissing, makeCrate } from './model-crates';

const LINE = /^listening on (http:\/\/127\.0\.0\.1:(\d+))$/m;
const HASH = /^0x[0-9a-f]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** The CLI as a long-running child (runCli waits for exit): same entry choice as test/fixtures/cli.ts. */
function spawnCli(args: string[]): ChildProcess {
  const bundled = process.env.STYLUS_ML_TEST_BUNDLE === '1' && fs.existsSync(path.join(ROOT, 'dist', 'cli.js'));
  const argv = bundled ? [path.join(ROOT, 'bin', 'stylus-ml.js'), ...args] : ['--import', 'tsx', path.join(ROOT, 'core', 'cli', 'bin.ts'), ...args];
  return spawn(process.execPath, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

function listening(child: ChildProcess): Promise<{ url: string; stdout: () => string }> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = LINE.exec(out);
      if (m) resolve({ url: m[1], stdout: () => out });
    });
    child.once('exit', (code) => reject(new Error(`devnode exited ${code}: ${err}`)));
  });
}

const exited = (c: ChildProcess) => new Promise<number | null>((r) => (c.exitCode !== null || c.signalCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code))));

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-cli-chain-'));
let node: ChildProcess | null = null;
let url = '';

before(async () => {
  node = spawnCli(['devnode', '--port', '0']);
  url = (await listening(node)).url;
});

after(async () => {
  if (node && node.exitCode === null) {
    node.kill('SIGTERM');
    await exited(node);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('devnode prints the listening line on its own, serves JSON-RPC, and stops on SIGINT with exit 0', async () => {
  const child = spawnCli(['devnode', '--port', '0', '--arbos', '50']);
  const { url: u, stdout } = await listening(child);
  assert.match(stdout().split('\n')[0], LINE, 'the first stdout line is the readiness line');
  assert.equal((await rpc(u, 'eth_chainId')).result, '0x64aba');
  assert.equal((await rpc(u, 'net_version')).result, '412346');
  const balance = (await rpc(u, 'eth_getBalance', ['0x3f1Eae7D46d88F08fc2F8ed27FCb2AB183EB2d0E', 'latest'])).result as string;
  assert.equal(BigInt(balance), 1000n * 10n ** 18n);
  child.kill('SIGINT');
  assert.equal(await exited(child), 0);
  await assert.rejects(fetch(u, { method: 'POST', body: '{}' }), 'the port is closed after the stop');
});

test('devnode refuses a busy port and an unsupported ArbOS version with one line each', async () => {
  const port = new URL(url).port;
  const busy = await runCli(['devnode', '--port', port]);
  assert.equal(busy.code, 1);
  assert.equal(busy.stderr.trim().split('\n').length, 1);
  assert.match(busy.stderr, new RegExp(`port ${port} is already in use`));
  const arbos = await runCli(['devnode', '--port', '0', '--arbos', '33']);
  assert.equal(arbos.code, 1);
  assert.match(arbos.stderr, /unsupported ArbOS version 33; supported are 31, 32, 40, 50, 59, 60, 61/);
});

test('deploy and call refuse a folder without a manifest, naming the file', async () => {
  const empty = path.join(tmp, 'empty');
  fs.mkdirSync(empty);
  for (const args of [['deploy', empty, '--rpc', url], ['call', empty, '--input', 'x.json', '--rpc', url]]) {
    const r = await runCli(args);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /stylus-ml\.json: not found/);
  }
});

test('deploy of a crate that was never built builds it first, and says why when it cannot', async () => {
  const dir = path.join(tmp, 'unbuilt');
  const model = path.join(tmp, 'unbuilt.onnx');
  fs.writeFileSync(model, forest({ trees: 2, depth: 2 }));
  writeCrateManifest(dir, model, '-6:6');
  // a crate whose Cargo.toml the user deleted: the build deploy starts fails, and deploy says why
  const cargoToml = fs.readFileSync(path.join(dir, 'Cargo.toml'));
  fs.rmSync(path.join(dir, 'Cargo.toml'));
  const r = await runCli(['deploy', dir, '--rpc', url]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /unbuilt is not built and building it failed: .*Cargo\.toml is missing; regenerate the crate with `stylus-ml new`/);
  // restored: deploy builds it first, then deploys
  fs.writeFileSync(path.join(dir, 'Cargo.toml'), cargoToml);
  const ok = await runCli(['deploy', dir, '--rpc', url, '--json'], { timeoutMs: 300_000 });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(JSON.parse(ok.stdout).address, /^0x[0-9a-fA-F]{40}$/);
  assert.ok(readManifest(dir).measured?.build, 'the build it ran is recorded');
});

test('call with inputs of the wrong shape names the expected shape', async () => {
  const dir = path.join(tmp, 'shape');
  const model = path.join(tmp, 'shape.onnx');
  fs.writeFileSync(model, forest({ trees: 2, depth: 2, features: 4 }));
  writeCrateManifest(dir, model, '-6:6');
  const input = path.join(tmp, 'three.json');
  fs.writeFileSync(input, '[1, 2, 3]');
  const r = await runCli(['call', dir, '--input', input, '--rpc', url]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /expected 4 values \('input' \[1,4\]\), got 3/);
});

test('an unreachable --rpc is one line naming the URL', async () => {
  const dir = path.join(tmp, 'unreach');
  const model = path.join(tmp, 'unreach.onnx');
  fs.writeFileSync(model, forest({ trees: 2, depth: 2 }));
  writeCrateManifest(dir, model, '-6:6');
  // a wasm where the build leaves it, so that only the chain is missing
  const rel = 'target/stylus-ml';
  fs.mkdirSync(path.join(dir, rel), { recursive: true });
  fs.writeFileSync(path.join(dir, rel, 'model.wasm'), Buffer.from('0061736d01000000', 'hex'));
  const r = await runCli(['deploy', dir, '--rpc', 'http://127.0.0.1:9']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /cannot reach http:\/\/127\.0\.0\.1:9/);
  const bad = await runCli(['deploy', dir, '--rpc', 'ws://127.0.0.1:9']);
  assert.match(bad.stderr, /unsupported RPC URL scheme ws:/);
  const key = await runCli(['deploy', dir, '--rpc', url, '--key-file', path.join(tmp, 'nokey')]);
  assert.equal(key.code, 1);
  assert.match(key.stderr, /key file .*nokey: not found/);
});

/** A crate whose manifest is real and whose built program is the smallest valid Stylus module (echo). */
async function echoCrate(name: string): Promise<string> {
  const dir = path.join(tmp, name);
  const model = path.join(tmp, `${name}.onnx`);
  fs.writeFileSync(model, forest({ trees: 2, depth: 2 }));
  writeCrateManifest(dir, model, '-6:6');
  const rel = path.join(dir, 'target/stylus-ml');
  fs.mkdirSync(rel, { recursive: true });
  fs.writeFileSync(path.join(rel, 'echo.wasm'), await minimalStylusWasm());
  return dir;
}

test('deploy --json of a built program: the schema, what the chain holds, and measured.deploy in the manifest', async () => {
  const dir = await echoCrate('echo');
  const d = await runCli(['deploy', dir, '--rpc', url, '--json']);
  assert.equal(d.code, 0, d.stderr);
  const j = JSON.parse(d.stdout) as { address: string; deploy: { hash: string; gasUsed: number }; activate: { hash: string; gasUsed: number; dataFeeWei: string }; compressedBytes: number };
  assert.deepEqual(Object.keys(j).sort(), ['activate', 'address', 'compressedBytes', 'deploy']);
  assert.deepEqual(Object.keys(j.deploy).sort(), ['gasUsed', 'hash']);
  assert.deepEqual(Object.keys(j.activate).sort(), ['dataFeeWei', 'gasUsed', 'hash']);
  assert.match(j.address, ADDRESS);
  assert.match(j.deploy.hash, HASH);
  assert.match(j.activate.hash, HASH);
  assert.match(j.activate.dataFeeWei, /^[1-9]\d*$/);
  const code = (await rpc(url, 'eth_getCode', [j.address, 'latest'])).result as string;
  assert.ok(code.startsWith('0xeff00000'), 'Stylus code with the no-dictionary prefix');
  assert.equal((code.length - 2) / 2, j.compressedBytes, 'compressedBytes counts the runtime code, as build --json does');
  const tx = (await rpc(url, 'eth_getTransactionByHash', [j.deploy.hash])).result as { input: string; to: string | null };
  assert.equal(tx.to, null);
  assert.equal((tx.input.length - 2) / 2, 43 + j.compressedBytes, 'init code = 43-byte prelude + runtime code');
  for (const [hash, gas] of [[j.deploy.hash, j.deploy.gasUsed], [j.activate.hash, j.activate.gasUsed]] as const) {
    const r = (await rpc(url, 'eth_getTransactionReceipt', [hash])).result as { gasUsed: string; status: string };
    assert.equal(r.status, '0x1');
    assert.equal(Number(r.gasUsed), gas);
  }
  const data = encodeFunctionData({ abi: ARB_WASM_ABI, functionName: 'programVersion', args: [j.address as `0x${string}`] });
  const version = (await rpc(url, 'eth_call', [{ to: ARB_WASM, data }, 'latest'])).result as string;
  assert.ok(BigInt(version) >= 1n, 'ArbWasm.programVersion(address) reports it activated');
  const rec = readManifest(dir).measured?.deploy;
  assert.deepEqual({ address: rec?.address, chainId: rec?.chainId, deployGas: rec?.deployGas, activationGas: rec?.activationGas, dataFeeWei: rec?.dataFeeWei, rpc: rec?.rpc }, { address: j.address, chainId: 412346, deployGas: j.deploy.gasUsed, activationGas: j.activate.gasUsed, dataFeeWei: j.activate.dataFeeWei, rpc: url });
  // deploying the same code again: a new address, and activation is skipped (same code hash) rather than paid twice
  const t = await runCli(['deploy', dir, '--rpc', url]);
  assert.equal(t.code, 0, t.stderr);
  const again = /^address +(0x[0-9a-fA-F]{40})$/m.exec(t.stdout);
  assert.ok(again && again[1] !== j.address, t.stdout);
  assert.match(t.stdout, /^activate +already activated \(same code hash, current Stylus version\): nothing to pay$/m);
  assert.doesNotMatch(t.stdout + t.stderr, /b6b15c8cb491557369f3c7d2c287b053eb229daa9c22138887752191c9520659/i);

  // --key-file signs with that key instead of the dev key, and the key appears nowhere in the output
  const acct = TEST_ACCOUNTS[0];
  const keyFile = path.join(tmp, 'deployer.key');
  fs.writeFileSync(keyFile, `${acct.privateKey.slice(2)}\n`);
  const k = await runCli(['deploy', dir, '--rpc', url, '--key-file', keyFile, '--json']);
  assert.equal(k.code, 0, k.stderr);
  const kj = JSON.parse(k.stdout) as { deploy: { hash: string } };
  const ktx = (await rpc(url, 'eth_getTransactionByHash', [kj.deploy.hash])).result as { from: string };
  assert.equal(ktx.from.toLowerCase(), acct.address.toLowerCase());
  assert.ok(!(k.stdout + k.stderr).toLowerCase().includes(acct.privateKey.slice(2).toLowerCase()), 'the key is never printed');
});

test('deploy without --rpc uses the devnode on 127.0.0.1:8547 or starts one for the command, and says which', async () => {
  const dir = await echoCrate('echo-default');
  const r = await runCli(['deploy', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^chain +(no devnode on http:\/\/127\.0\.0\.1:8547: started an embedded devnode for this command|the devnode at http:\/\/127\.0\.0\.1:8547)/m);
  assert.match(r.stdout, /^address +0x[0-9a-fA-F]{40}$/m);
});

test('deploy --json and call --json against the devnode: schemas, manifest record, simulator agreement', { skip: codegenMissing() }, async () => {
  const crate = await makeCrate('forest', tmp);
  const d = await runCli(['deploy', crate.dir, '--rpc', url, '--json']);
  assert.equal(d.code, 0, d.stderr);
  const dj = JSON.parse(d.stdout) as { address: string; deploy: { hash: string; gasUsed: number }; activate: { hash: string; gasUsed: number; dataFeeWei: string }; compressedBytes: number };
  assert.deepEqual(Object.keys(dj).sort(), ['activate', 'address', 'compressedBytes', 'deploy']);
  assert.match(dj.address, ADDRESS);
  assert.match(dj.deploy.hash, HASH);
  assert.match(dj.activate.hash, HASH);
  assert.ok(dj.deploy.gasUsed > 21000 && dj.activate.gasUsed > 1_000_000, JSON.stringify(dj));
  assert.ok(BigInt(dj.activate.dataFeeWei) > 0n);
  assert.equal(dj.compressedBytes, crate.compressedBytes);
  // the chain holds exactly what was reported
  const code = (await rpc(url, 'eth_getCode', [dj.address, 'latest'])).result as string;
  assert.equal((code.length - 2) / 2, dj.compressedBytes);
  const receipt = (await rpc(url, 'eth_getTransactionReceipt', [dj.activate.hash])).result as { gasUsed: string; status: string };
  assert.equal(receipt.status, '0x1');
  assert.equal(Number(receipt.gasUsed), dj.activate.gasUsed);
  const rec = readManifest(crate.dir).measured?.deploy;
  assert.equal(rec?.address, dj.address);
  assert.equal(rec?.chainId, 412346);
  assert.equal(rec?.dataFeeWei, dj.activate.dataFeeWei);

  const input = path.join(tmp, 'forest-in.json');
  fs.writeFileSync(input, JSON.stringify([[0.5, -1, 2, 3], [-5, 5, 0, 0], [1.25, 1.5, -2.75, 4]]));
  const c = await runCli(['call', crate.dir, '--input', input, '--rpc', url, '--json']);
  assert.equal(c.code, 0, c.stderr);
  const cj = JSON.parse(c.stdout) as { address: string; cases: { outputs: Record<string, { shape: number[]; fixed: unknown[]; fixedRaw: number[] }>; gasUsed: number }[]; matchesSimulator: boolean };
  assert.equal(cj.address, dj.address, 'call uses the recorded deployment');
  assert.equal(cj.matchesSimulator, true);
  assert.equal(cj.cases.length, 3);
  for (const k of cj.cases) {
    assert.deepEqual(Object.keys(k.outputs).sort(), ['label', 'probabilities']);
    assert.deepEqual(k.outputs.probabilities.shape, [1, 3]);
    assert.equal(k.outputs.probabilities.fixedRaw.length, 3);
    assert.ok(k.gasUsed > 21000 && k.gasUsed < 200_000, `gas ${k.gasUsed}`);
  }
  // the simulator's own CLI gives the same integers
  const sim = await runCli(['simulate', crate.model, '--input', input, '--input-range', crate.inputRange, '--json']);
  const sj = JSON.parse(sim.stdout) as { cases: { outputs: Record<string, { fixedRaw: number[] }> }[] };
  cj.cases.forEach((k, i) => assert.deepEqual(k.outputs.probabilities.fixedRaw, sj.cases[i].outputs.probabilities.fixedRaw));

  const s = await runCli(['call', crate.dir, '--input', input, '--rpc', url, '--send', '--json']);
  assert.equal(s.code, 0, s.stderr);
  const msj = JSON.parse(s.stdout) as { cases: { gasUsed: number; hash: string }[]; matchesSimulator: boolean };
  assert.equal(msj.matchesSimulator, true);
  for (const k of msj.cases) {
    const r = (await rpc(url, 'eth_getTransactionReceipt', [k.hash])).result as { gasUsed: string };
    assert.equal(Number(r.gasUsed), k.gasUsed, 'gasUsed with --send is the receipt’s');
  }

  // predictPacked gives the same integers
  const pk = await runCli(['call', crate.dir, '--input', input, '--rpc', url, '--packed', '--json']);
  assert.equal(pk.code, 0, pk.stderr);
  const pkj = JSON.parse(pk.stdout) as typeof cj & { function: string };
  assert.equal(pkj.function, 'predictPacked');
  assert.equal(pkj.matchesSimulator, true);
  pkj.cases.forEach((k, i) => assert.deepEqual(k.outputs, cj.cases[i].outputs));

  // outside the declared box: the contract reverts with its named error, as the simulator predicts
  const outside = path.join(tmp, 'outside.json');
  fs.writeFileSync(outside, JSON.stringify([100, 0, 0, 0]));
  const o = await runCli(['call', crate.dir, '--input', outside, '--rpc', url, '--json']);
  assert.equal(o.code, 0, o.stderr);
  const oj = JSON.parse(o.stdout) as { cases: { error?: string }[]; matchesSimulator: boolean };
  assert.match(oj.cases[0].error ?? '', /InputOutOfRange\(0, /);
  assert.equal(oj.matchesSimulator, true);

  // another devnode, where this build was never deployed: call deploys it first and says so
  const other = await startEmbeddedDevnode({ port: 0 });
  try {
    const f = await runCli(['call', crate.dir, '--input', input, '--rpc', other.url]);
    assert.equal(f.code, 0, f.stderr);
    assert.match(f.stdout, /^deploy +deployed this build to 0x[0-9a-fA-F]{40} first \(no current deployment on this devnode\)$/m);
    assert.match(f.stdout, /3 case\(s\): all equal the simulator bit for bit/);
  } finally {
    await other.stop();
  }

  // no build output: deploy builds the crate first and says with which toolchain
  fs.rmSync(path.join(crate.dir, 'target', 'stylus-ml'), { recursive: true, force: true });
  const b = await runCli(['deploy', crate.dir, '--rpc', url], { timeoutMs: 300_000 });
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /^program +built first with (Debian rustc|rustup)/m);
  assert.ok(fs.readdirSync(path.join(crate.dir, 'target', 'stylus-ml')).some((f) => f.endsWith('.wasm')));
});

