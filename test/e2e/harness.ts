// A real VS Code for end-to-end tests: code-server (VS Code 1.139 for the browser, extension host in Node 24)
// with the packaged .vsix installed, driven by playwright-core in Debian's Chromium
// (/work/shared/recipes/vscode-e2e.md). One VSCodeSession per test file:
//
//   const avail = await e2eAvailability();           // installs code-server into ~/.cache once
//   if (!avail.ok) { test.skip(avail.reason); ... }
//   const vs = await VSCodeSession.start('smoke', { workspace, vsix: [await packageVsix()] });
//   await vs.runCommand('Stylus ML: Show Gas Report');
//   await vs.webviewFrame().getByTestId('title').textContent();
//   await vs.close();                                // kills code-server and every descendant
//
// Teardown never depends on the test passing: close() is idempotent, and an exit/signal hook kills any
// session still running if the test runner dies.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, createWriteStream, type WriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from 'playwright-core';
// @ts-expect-error: plain .mjs script without type declarations
import { codeServerEnv, ensureCodeServer, isInstalled } from '../../scripts/install-code-server.mjs';
// @ts-expect-error: plain .mjs script without type declarations
import { packageExtension, vscePackage } from '../../scripts/package.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const artifactsRoot = path.join(repoRoot, '.test-artifacts', 'e2e');
export const CHROMIUM = process.env.STYLUS_ML_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface InstallPaths {
  nodeBin: string;
  codeServerEntry: string;
}

export type Availability = { ok: true; paths: InstallPaths; installedNow: boolean } | { ok: false; reason: string };

/** CI set and not "false"/"0" (scripts/test.mjs reads it the same way). */
export const underCI = !!process.env.CI && !['false', '0'].includes(process.env.CI.toLowerCase());

/** The session a test needs. When e2e cannot run the test is skipped with the reason — except under CI,
 *  where it fails with it: a skipped layer would be a silent failure. */
export function sessionFor(t: { skip(message?: string): void }, avail: Availability | undefined, vs: VSCodeSession | undefined): VSCodeSession | null {
  if (avail?.ok && vs) return vs;
  const reason = !avail ? 'e2eAvailability() was not run' : avail.ok ? 'the VS Code session did not start' : avail.reason;
  if (underCI) throw new Error(`e2e cannot run: ${reason}`);
  t.skip(`e2e skipped: ${reason}`);
  return null;
}

/**
 * The suite's test wrapper: runs `fn` on the suite's session as one step (a screenshot if it fails); when
 * e2e cannot run the test fails under CI and is skipped with the reason elsewhere (sessionFor).
 */
export function sessionTest(session: () => { avail: Availability | undefined; vs: VSCodeSession | undefined }) {
  return (name: string, fn: (vs: VSCodeSession) => Promise<void>, opts: { skip?: string | false } = {}) =>
    test(name, { skip: opts.skip }, async (t) => {
      const { avail, vs } = session();
      const s = sessionFor(t, avail, vs);
      if (!s) return;
      await s.step(name.slice(0, 40), () => fn(s));
    });
}

/** Closes a suite's session; no process of it (the devnode included) may outlive it. */
export async function closeSession(vs: VSCodeSession | undefined): Promise<void> {
  if (!vs) return;
  await vs.close();
  assert.deepEqual(vs.survivors(), [], 'no process of the session (devnode included) outlives it');
}

/** Installs code-server if needed (about 2 minutes, once per machine); the reason when e2e cannot run. */
export async function e2eAvailability(): Promise<Availability> {
  if (process.env.STYLUS_ML_SKIP_E2E) return { ok: false, reason: `STYLUS_ML_SKIP_E2E is set (${process.env.STYLUS_ML_SKIP_E2E})` };
  if (!existsSync(CHROMIUM)) return { ok: false, reason: `no Chromium at ${CHROMIUM}: apt-get install chromium` };
  const installedNow = !isInstalled();
  try {
    const r = ensureCodeServer() as InstallPaths;
    return { ok: true, paths: { nodeBin: r.nodeBin, codeServerEntry: r.codeServerEntry }, installedNow };
  } catch (e) {
    return { ok: false, reason: `code-server could not be installed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

// ---- temporary folders (removed when the test process exits) ----------------------------------------

const tempDirs: string[] = [];
let tempHook = false;
/** mkdtemp under the OS temp folder, removed at process exit. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  if (!tempHook) {
    tempHook = true;
    process.once('exit', () => {
      for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}

// ---- packaging ------------------------------------------------------------------------------------------

let vsixPromise: Promise<string> | null = null;

/** Builds and packages the extension exactly as `npm run package` does, once per test process. */
export function packageVsix(): Promise<string> {
  vsixPromise ??= (async () => {
    const out = path.join(tempDir('stylus-ml-vsix-'), 'stylus-ml.vsix');
    const r = packageExtension({ out }) as { file: string };
    return r.file;
  })();
  return vsixPromise;
}

/** Bundles and packages the test-only extension (test/host-extension) that runs the in-host suite. */
export async function packageHostTestVsix(): Promise<string> {
  const src = path.join(repoRoot, 'test', 'host-extension');
  const stage = tempDir('stylus-ml-host-ext-');
  await build({
    entryPoints: [path.join(src, 'extension.ts')],
    outfile: path.join(stage, 'dist', 'extension.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    logLevel: 'warning',
  });
  writeFileSync(path.join(stage, 'package.json'), readFileSync(path.join(src, 'package.json')));
  return vscePackage(stage, path.join(stage, 'stylus-ml-host-tests.vsix')) as string;
}

// ---- process-tree utilities (Linux /proc) ----------------------------------------------------------------

/** Every live descendant of `pid` (children, grandchildren, ...), from /proc. */
export function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // comm may contain spaces and parentheses: ppid is the 2nd field after the last ')'
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(name), ppid);
    } catch {
      /* exited while scanning */
    }
  }
  const out: number[] = [];
  const frontier = [pid];
  while (frontier.length > 0) {
    const p = frontier.pop()!;
    for (const [child, pp] of parent) {
      if (pp === p) {
        out.push(child);
        frontier.push(child);
      }
    }
  }
  return out;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie is dead for our purposes (it only waits for its parent to reap it).
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* gone */
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1 (for servers that cannot take port 0). */
export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 15_000, everyMs = 100): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

// ---- sessions -------------------------------------------------------------------------------------------

export interface SessionOptions {
  /** folder opened in VS Code */
  workspace: string;
  /** .vsix files installed with --install-extension before start */
  vsix: string[];
  /** merged into User/settings.json */
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
  viewport?: { width: number; height: number };
}

const live = new Set<VSCodeSession>();
let hooksInstalled = false;
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once('exit', () => {
    for (const s of live) s.killSync();
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const s of live) s.killSync();
      process.kill(process.pid, sig);
    });
  }
}

export class VSCodeSession {
  readonly dir: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  readonly artifacts: string;
  page!: Page;
  url = '';
  private browser: Browser | null = null;
  private proc: ChildProcess | null = null;
  private logStream: WriteStream;
  private shot = 0;
  private closed = false;
  /** every pid ever seen under code-server, so teardown also catches re-parented orphans */
  private readonly seen = new Set<number>();

  private constructor(readonly name: string, readonly options: SessionOptions, private readonly paths: InstallPaths) {
    this.dir = mkdtempSync(path.join(os.tmpdir(), `stylus-ml-e2e-${name}-`));
    this.userDataDir = path.join(this.dir, 'user-data');
    this.extensionsDir = path.join(this.dir, 'extensions');
    this.artifacts = path.join(artifactsRoot, name);
    rmSync(this.artifacts, { recursive: true, force: true });
    mkdirSync(this.artifacts, { recursive: true });
    this.logStream = createWriteStream(path.join(this.artifacts, 'code-server.log'));
  }

  static async start(name: string, options: SessionOptions): Promise<VSCodeSession> {
    const avail = await e2eAvailability();
    if (!avail.ok) throw new Error(avail.reason);
    const s = new VSCodeSession(name, options, avail.paths);
    live.add(s);
    installExitHooks();
    try {
      await s.boot();
      return s;
    } catch (e) {
      await s.screenshot('start-failed').catch(() => {});
      await s.close();
      throw e;
    }
  }

  private csArgs(): string[] {
    return [
      this.paths.codeServerEntry,
      '--config', path.join(this.dir, 'config.yaml'),
      '--user-data-dir', this.userDataDir,
      '--extensions-dir', this.extensionsDir,
    ];
  }

  private env(): NodeJS.ProcessEnv {
    // VSCODE_IPC_HOOK_CLI: never talk to another running instance. EXTENSIONS_GALLERY: no marketplace
    // lookups (this network has none). Node 24 first on PATH: code-server requires it.
    return codeServerEnv({ VSCODE_IPC_HOOK_CLI: '', EXTENSIONS_GALLERY: '{}', ...this.options.env });
  }

  private async boot(): Promise<void> {
    mkdirSync(path.join(this.userDataDir, 'User'), { recursive: true });
    writeFileSync(path.join(this.dir, 'config.yaml'), 'auth: none\ncert: false\n');
    const settings = {
      'workbench.startupEditor': 'none',
      'workbench.welcomePage.experimentalOnboarding': false,
      'workbench.tips.enabled': false,
      'security.workspace.trust.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'chat.disableAIFeatures': true,
      'git.enabled': false,
      'workbench.editor.enablePreview': false,
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
      ...this.options.settings,
    };
    writeFileSync(path.join(this.userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));

    // Install the packaged extensions the way a user would.
    const install = spawnSync(this.paths.nodeBin, [...this.csArgs(), ...this.options.vsix.flatMap((v) => ['--install-extension', v])], {
      env: this.env(),
      encoding: 'utf8',
      timeout: 120_000,
    });
    this.logStream.write(`--- install ---\n${install.stdout}\n${install.stderr}\n`);
    if (install.status !== 0) throw new Error(`--install-extension failed (exit ${install.status}): ${install.stderr || install.stdout}`);

    const args = [
      ...this.csArgs(),
      '--auth', 'none',
      '--bind-addr', '127.0.0.1:0',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      this.options.workspace,
    ];
    // Its own process group: teardown signals the group, then every descendant it has seen.
    this.proc = spawn(this.paths.nodeBin, args, { env: this.env(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const proc = this.proc;
    this.url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('code-server did not report "HTTP server listening on" within 60 s')), 60_000);
      const onData = (b: Buffer) => {
        const text = b.toString('utf8');
        this.logStream.write(text);
        const m = /HTTP server listening on (http:\/\/[^\s]+)/.exec(text);
        if (m) {
          clearTimeout(timer);
          resolve(m[1].replace(/\/$/, ''));
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', onData);
      proc.once('exit', (code, sig) => {
        clearTimeout(timer);
        reject(new Error(`code-server exited during start (${code ?? sig}); see ${path.join(this.artifacts, 'code-server.log')}`));
      });
    });

    this.browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    const ctx = await this.browser.newContext({ viewport: this.options.viewport ?? { width: 1440, height: 900 } });
    this.page = await ctx.newPage();
    this.page.setDefaultTimeout(30_000);
    this.page.on('console', (m) => {
      if (m.type() === 'error') this.logStream.write(`[browser console] ${m.text()}\n`);
    });
    await this.page.goto(`${this.url}/?folder=${encodeURIComponent(this.options.workspace)}`);
    await this.page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    this.track();
  }

  /** Remembers the current process tree (teardown uses it after parents die). */
  track(): number[] {
    if (!this.proc?.pid) return [];
    const d = descendants(this.proc.pid);
    d.forEach((p) => this.seen.add(p));
    return d;
  }

  get codeServerPid(): number | null {
    return this.proc?.pid ?? null;
  }

  /** Runs one step of a test; on failure saves a screenshot named after it, then rethrows. */
  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      await this.screenshot(`FAILED-${name}`).catch(() => {});
      throw e;
    }
  }

  // ---- driving the workbench --------------------------------------------------------------------------

  /** Runs a command from the palette (F1) by its full title, e.g. "Stylus ML: Show Gas Report". */
  async runCommand(title: string): Promise<void> {
    const p = this.page;
    await p.keyboard.press('Escape');
    await p.keyboard.press('F1');
    const input = p.locator('.quick-input-widget input[type="text"], .quick-input-widget input').first();
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    const row = p.locator('.quick-input-list .monaco-list-row').filter({ has: p.getByText(title, { exact: true }) }).first();
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await row.click();
  }

  /** Picks an item of the open quick pick by its label (substring match). */
  async pick(label: string | RegExp): Promise<void> {
    const row = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: label }).first();
    await row.waitFor({ state: 'visible' });
    await row.click();
  }

  /** Types into the open quick input (input box, quick pick filter, simple file dialog) and presses Enter. */
  async answer(text: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget input').first();
    await input.waitFor({ state: 'visible' });
    await input.fill(text);
    await this.page.keyboard.press('Enter');
  }

  /** A notification toast with this text (substring, or a RegExp). */
  async waitForToast(text: string | RegExp, timeoutMs = 30_000): Promise<Locator> {
    const toast = this.page.locator('.notifications-toasts .notification-toast').filter({ hasText: text }).first();
    await toast.waitFor({ state: 'visible', timeout: timeoutMs });
    return toast;
  }

  /** Clicks a button of the toast that contains `text`. */
  async clickToastButton(text: string | RegExp, button: string): Promise<void> {
    const toast = await this.waitForToast(text);
    await toast.getByRole('button', { name: button }).click();
  }

  /** The content frame of a webview (the last one by default: the most recently opened). */
  webviewFrame(index: number | 'last' = 'last'): FrameLocator {
    const outer = this.page.locator('iframe.webview.ready');
    const which = index === 'last' ? outer.last() : outer.nth(index);
    return which.contentFrame().frameLocator('#active-frame');
  }

  /** Opens a workspace file through Quick Open (Ctrl+P). */
  async openFile(relativePath: string): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.page.keyboard.press('Control+P');
    const input = this.page.locator('.quick-input-widget input').first();
    await input.waitFor({ state: 'visible' });
    await input.fill(relativePath);
    // Click the matching row: Enter right after typing can still pick a recently opened file.
    const row = this.page.locator('.quick-input-list .monaco-list-row').filter({ hasText: path.basename(relativePath) }).filter({ hasText: path.dirname(relativePath) === '.' ? '' : path.dirname(relativePath) }).first();
    await row.waitFor({ state: 'visible' });
    await row.click();
    await this.page.locator('.tab.active', { hasText: path.basename(relativePath) }).first().waitFor({ state: 'visible' });
  }

  /** Activates an open editor tab by its label. */
  async focusTab(label: string): Promise<void> {
    await this.page.locator('.tabs-container .tab', { hasText: label }).first().click();
    await this.page.locator('.tabs-container .tab.active', { hasText: label }).first().waitFor({ state: 'visible' });
  }

  /** The status bar entry whose text contains `text`. */
  statusBarItem(text: string | RegExp): Locator {
    return this.page.locator('.statusbar-item').filter({ hasText: text }).first();
  }

  /** Rows of the Problems view: the aria-label VS Code gives each marker (severity, message, position). */
  async problems(): Promise<string[]> {
    await this.runCommand('View: Focus Problems (Errors, Warnings, Infos)').catch(async () => {
      await this.page.keyboard.press('Control+Shift+M');
    });
    const rows = this.page.locator('.markers-panel .monaco-list-row');
    await rows.first().waitFor({ state: 'visible', timeout: 15_000 }).catch(() => {});
    const labels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? e.textContent ?? ''));
    return labels;
  }

  /** Saves a PNG of the whole window under .test-artifacts/e2e/<session>/NN-<name>.png. */
  async screenshot(name: string): Promise<string> {
    const file = path.join(this.artifacts, `${String(++this.shot).padStart(2, '0')}-${name.replace(/[^A-Za-z0-9_-]+/g, '-')}.png`);
    await this.page.waitForTimeout(400); // let toasts and editor transitions finish animating
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Text of a log file the extension host wrote (output channels are files under the user data dir). */
  logFile(nameContains: string): string {
    const hits: string[] = [];
    const walk = (d: string) => {
      for (const n of readdirSync(d)) {
        const p = path.join(d, n);
        if (statSync(p).isDirectory()) walk(p);
        else if (n.includes(nameContains)) hits.push(p);
      }
    };
    const logs = path.join(this.userDataDir, 'logs');
    if (existsSync(logs)) walk(logs);
    return hits.map((f) => readFileSync(f, 'utf8')).join('\n');
  }

  // ---- teardown ---------------------------------------------------------------------------------------

  /** Closes the browser and stops code-server with everything it started. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    live.delete(this);
    try {
      await this.browser?.close();
    } catch {
      /* the browser may be gone already */
    }
    this.browser = null;
    const pid = this.proc?.pid;
    if (pid) {
      this.track();
      kill(-pid, 'SIGTERM');
      await waitFor('code-server to exit', () => !isAlive(pid), 5_000).catch(() => {});
      this.track();
      kill(-pid, 'SIGKILL');
      for (const p of this.seen) kill(p, 'SIGKILL');
      await waitFor('every descendant to exit', () => [...this.seen].every((p) => !isAlive(p)), 5_000).catch(() => {});
    }
    await new Promise<void>((r) => this.logStream.end(r));
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Synchronous kill for exit hooks. */
  killSync(): void {
    const pid = this.proc?.pid;
    if (!pid) return;
    this.track();
    kill(-pid, 'SIGKILL');
    for (const p of this.seen) kill(p, 'SIGKILL');
  }

  /** Pids under code-server that are still alive (after close(): leaks). */
  survivors(): number[] {
    return [...this.seen].filter(isAlive);
  }
}

/** A fresh workspace folder for a test, with files copied or written into it. */
export function makeWorkspace(name: string, files: Record<string, string | Buffer | { copyFrom: string }>): string {
  const dir = tempDir(`stylus-ml-ws-${name}-`);
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    if (typeof content === 'object' && !Buffer.isBuffer(content)) writeFileSync(p, readFileSync(content.copyFrom));
    else writeFileSync(p, content);
  }
  return dir;
}

