// The registry that owns the extension's child processes: what it starts it must stop, grandchildren
// included, and a process that ignores SIGTERM still goes after the grace period.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ProcessRegistry } from '../../extension/process-registry';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z'; // a zombie only waits to be reaped
  } catch {
    return false;
  }
}

async function until(what: string, fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-registry-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function childWithGrandchild(reg: ProcessRegistry, name: string, trap = '') {
  const pidFile = path.join(tmp, `${name}.pid`);
  const p = reg.spawn(name, '/bin/sh', ['-c', `${trap}sleep 300 & echo $! > '${pidFile}'; wait`], { stdio: 'ignore' });
  await until('grandchild pid', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim().length > 0);
  return { p, grandchild: Number(readFileSync(pidFile, 'utf8').trim()) };
}

describe('ProcessRegistry', () => {
  test('kill() stops a child and the grandchild it started (the whole process group)', async () => {
    const reg = new ProcessRegistry(1000);
    const { p, grandchild } = await childWithGrandchild(reg, 'group');
    assert.ok(alive(p.pid) && alive(grandchild));
    assert.deepEqual(reg.list(), [{ pid: p.pid, label: 'group' }]);
    const info = await reg.kill(p);
    assert.equal(info.signal, 'SIGTERM');
    await until('grandchild gone', () => !alive(grandchild));
    assert.deepEqual(reg.list(), []);
    await reg.disposeAll();
  });

  test('a child that ignores SIGTERM is killed with SIGKILL after the grace period', async () => {
    const reg = new ProcessRegistry(300);
    const { p, grandchild } = await childWithGrandchild(reg, 'stubborn', "trap '' TERM; ");
    const t0 = Date.now();
    const info = await reg.kill(p);
    assert.equal(info.signal, 'SIGKILL');
    assert.ok(Date.now() - t0 >= 250, 'it waited for the grace period first');
    await until('grandchild gone', () => !alive(grandchild));
    await reg.disposeAll();
  });

  test('disposeAll() stops every owned process and refuses new ones afterwards', async () => {
    const reg = new ProcessRegistry(500);
    const a = await childWithGrandchild(reg, 'a');
    const b = await childWithGrandchild(reg, 'b');
    await reg.disposeAll();
    for (const pid of [a.p.pid, a.grandchild, b.p.pid, b.grandchild]) await until(`${pid} gone`, () => !alive(pid));
    assert.throws(() => reg.spawn('late', 'sleep', ['1']), /shutting down/);
  });

  test('run() returns exit code and output, and passes arguments verbatim (no shell)', async () => {
    const reg = new ProcessRegistry();
    const weird = 'a b; echo INJECTED $(id) `id` "q"';
    const r = await reg.run('echo', process.execPath, ['-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1))); process.stderr.write("warn\\n"); process.exit(3)', weird]);
    assert.equal(r.code, 3);
    assert.deepEqual(JSON.parse(r.stdout), [weird]);
    assert.equal(r.stderr, 'warn\n');
    await reg.disposeAll();
  });

  test('run() returns all of a large output, even when the child exits the moment it has written it', async () => {
    const reg = new ProcessRegistry();
    // 3 MB through the pipe; the child exits as soon as its last write is handed over, so 'exit' can
    // arrive while the tail is still in the pipe (what `stylus-ml simulate --json` does to the preview)
    const script = 'const s = "x".repeat(3 * 1024 * 1024 - 1) + "$"; process.stdout.write(s, () => process.exit(0));';
    for (let i = 0; i < 5; i++) {
      const r = await reg.run('big', process.execPath, ['-e', script]);
      assert.equal(r.code, 0);
      assert.equal(r.stdout.length, 3 * 1024 * 1024, `run ${i + 1}: ${r.stdout.length} bytes`);
      assert.ok(r.stdout.endsWith('$'));
    }
    await reg.disposeAll();
  });

  test('run() feeds stdin, reports lines as they arrive, and kills on timeout', async () => {
    const reg = new ProcessRegistry(200);
    const lines: string[] = [];
    const r = await reg.run('cat', 'cat', [], { input: 'one\ntwo\n', onLine: (l) => lines.push(l) });
    assert.equal(r.stdout, 'one\ntwo\n');
    assert.deepEqual(lines, ['one', 'two']);
    const slow = await reg.run('sleep', 'sleep', ['30'], { timeoutMs: 200 });
    assert.equal(slow.timedOut, true);
    assert.notEqual(slow.code, 0);
    await reg.disposeAll();
  });

  test('a missing program is a clear error, not a hang', async () => {
    const reg = new ProcessRegistry();
    await assert.rejects(reg.run('nothing', '/nonexistent/program', []), /ENOENT/);
    await reg.disposeAll();
  });
});
