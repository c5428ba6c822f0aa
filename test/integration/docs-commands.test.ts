// Issue 6: every command in docs/*.md is run. Each ```sh block of a doc runs with bash -e from the repository
// root, in document order (later blocks use what earlier ones wrote under .docs-tmp/), and must exit 0 and
// print something. `npx stylus-ml` is replaced by this checkout's launcher (same bin, without npm's startup).
// A line that starts the devnode in the background (`… devnode --port 8547 &`) is started here as a
// background process on a free port, and 8547 is replaced by that port in the doc's other blocks.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const docsDir = path.join(root, 'docs');
const tmpDir = path.join(root, '.docs-tmp');
const launcher = `node ${JSON.stringify(path.join(root, 'bin', 'stylus-ml.js'))}`;
const DOC_PORT = '8547';
// Docs whose every block must run here (no `sh no-run`).
const mustRunAll = new Set(['tutorial.md', 'gas-model.md']);

interface Block { line: number; info: string; body: string }

function shBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(sh\b.*)$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]);
    assert.ok(i < lines.length, `unclosed sh block at line ${start + 1}`);
    blocks.push({ line: start + 1, info: open[1].trim(), body: body.join('\n') });
  }
  return blocks;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const background: ChildProcess[] = [];

/** Starts a `… devnode … &` line without the `&` and waits until it prints that it is listening. */
function startBackground(command: string, where: string): Promise<ChildProcess> {
  const child = spawn('bash', ['-e', '-c', `exec ${command}`], { cwd: root, env: process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  background.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${where}: no "listening on" within 60 s:\n${out}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (/listening on http:\/\/127\.0\.0\.1:\d+/.test(out)) { clearTimeout(timer); resolve(child); }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${where}: exited with ${code} before listening:\n${out}`)); });
  });
}

function stopBackground(): void {
  for (const child of background.splice(0)) {
    if (child.exitCode === null && child.pid !== undefined) {
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
    }
  }
}

after(() => {
  stopBackground();
  rmSync(tmpDir, { recursive: true, force: true });
});

const docs = readdirSync(docsDir).filter((f) => f.endsWith('.md')).sort();

test('the docs folder has the tutorial and the two guides, each with commands', () => {
  for (const name of ['tutorial.md', 'fixed-point.md', 'gas-model.md']) {
    assert.ok(docs.includes(name), `docs/${name} is missing`);
    assert.ok(shBlocks(readFileSync(path.join(docsDir, name), 'utf8')).length > 0, `docs/${name} has no sh block`);
  }
});

for (const name of docs) {
  test(`every command in docs/${name} runs`, { timeout: 10 * 60_000 }, async () => {
    const blocks = shBlocks(readFileSync(path.join(docsDir, name), 'utf8'));
    const skipped = blocks.filter((b) => b.info !== 'sh');
    if (mustRunAll.has(name)) {
      assert.deepEqual(skipped.map((b) => `line ${b.line}: ${b.info}`), [], `docs/${name} must not have blocks that are not run`);
    }
    for (const b of skipped) assert.equal(b.info, 'sh no-run', `docs/${name} line ${b.line}: unknown block marker "${b.info}"`);
    const runnable = blocks.filter((b) => b.info === 'sh');
    if (runnable.length === 0) return;

    const port = String(await freePort());
    try {
      for (const block of runnable) {
        const where = `docs/${name} block at line ${block.line}`;
        const script = block.body.replaceAll('npx stylus-ml', launcher).replace(new RegExp(`\\b${DOC_PORT}\\b`, 'g'), port);
        const foreground: string[] = [];
        for (const line of script.split('\n')) {
          if (/&\s*$/.test(line)) {
            assert.match(line, /stylus-ml\.js"? devnode\b/, `${where}: only the devnode may be started in the background`);
            await startBackground(line.replace(/&\s*$/, ''), where);
          } else {
            foreground.push(line);
          }
        }
        const body = foreground.join('\n').trim();
        if (body === '') continue;
        const started = Date.now();
        const r = spawnSync('bash', ['-e', '-c', body], { cwd: root, env: process.env, encoding: 'utf8', timeout: 5 * 60_000, maxBuffer: 64 << 20 });
        const detail = `${where} (exit ${r.status}${r.signal ? `, signal ${r.signal}` : ''}, ${Date.now() - started} ms)\n--- script\n${body}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
        assert.equal(r.error, undefined, `${detail}\n${String(r.error)}`);
        assert.equal(r.status, 0, detail);
        assert.ok(r.stdout.trim().length > 0, `no output: ${detail}`);
        assert.doesNotMatch(r.stdout + r.stderr, /dist\/cli\.js is missing/, detail);
      }
    } finally {
      stopBackground();
    }
  });
}
