// The devnode as a child process (`node devnode/process.ts`, bundled as dist/devnode.js): the readiness
// line, shutdown on SIGTERM / stdin close / IPC disconnect, clear failures, and core/chain's embedded mode.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { connect, startEmbedded } from '../../core/chain/index';
import { rpc } from './devnode-helpers';

const entry = path.resolve(__dirname, '../../devnode/process.ts');
const LINE = /^listening on (http:\/\/127\.0\.0\.1:(\d+))$/;

function start(args: string[], stdio: ('pipe' | 'ipc' | 'ignore')[] = ['pipe', 'pipe', 'pipe']) {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { stdio });
  const firstLine = new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl));
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}`)));
  });
  return { child, firstLine };
}
const exited = (c: ChildProcess) => new Promise<number | null>((r) => (c.exitCode !== null ? r(c.exitCode) : c.once('exit', (code) => r(code))));

test('prints exactly the listening line once it answers, and exits 0 on SIGTERM', async () => {
  const t0 = performance.now();
  const { child, firstLine } = start(['--port', '0']);
  const line = await firstLine;
  const m = LINE.exec(line);
  assert.ok(m, line);
  const r = await rpc(m[1], 'net_version');
  console.log(`# devnode child ready in ${(performance.now() - t0).toFixed(0)} ms (tsx, unbundled)`);
  assert.equal(r.result, '412346');
  child.kill('SIGTERM');
  assert.equal(await exited(child), 0);
});

test('exits when its stdin closes and when the parent IPC channel disconnects', async () => {
  const a = start(['--port', '0']);
  await a.firstLine;
  a.child.stdin!.end();
  assert.equal(await exited(a.child), 0);
  const b = start(['--port', '0'], ['ignore', 'pipe', 'pipe', 'ipc']);
  await b.firstLine;
  b.child.disconnect();
  assert.equal(await exited(b.child), 0);
});

test('refuses bad options and a busy port with a one-line reason', async () => {
  const bad = start(['--arbos', '33']);
  let err = '';
  bad.child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  bad.firstLine.catch(() => undefined);
  assert.equal(await exited(bad.child), 2);
  assert.match(err, /unsupported ArbOS version 33: supported are 31, 32, 40, 50, 59/);

  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as { port: number }).port;
  const busy = start(['--port', String(port)]);
  let err2 = '';
  busy.child.stderr!.on('data', (d: Buffer) => (err2 += d.toString()));
  busy.firstLine.catch(() => undefined);
  assert.equal(await exited(busy.child), 1);
  assert.match(err2, new RegExp(`port ${port} is already in use`));
  blocker.close();
});

test('core/chain embedded mode starts the child, talks to it, and stops it', async () => {
  const node = await startEmbedded({ port: 0, script: entry, arbos: 50 });
  assert.ok(node.pid !== undefined);
  const info = await rpc(node.url, 'devnode_info');
  assert.equal((info.result as { arbosVersion: number }).arbosVersion, 50);
  await node.stop();
  assert.throws(() => process.kill(node.pid!, 0), /ESRCH/);

  const client = await connect({ mode: 'embedded', port: 0, script: entry });
  assert.equal(client.chainId, 412346);
  assert.equal(client.account, '0x3f1Eae7D46d88F08fc2F8ed27FCb2AB183EB2d0E', 'the dev key signs on devnodes');
  assert.equal(await client.publicClient.getBlockNumber(), 0n);
  await client.close();
});
