// Devnode lifecycle in the editor: the embedded node as an owned child process (`stylus-ml devnode`), an RPC
// URL, or (later) nitro-devnode in Docker; a status bar item with mode, port and block number; its log in an
// output channel. The node itself is devnode/; this file only starts, watches and stops it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { CoreUnavailableError, UNAVAILABLE, failureReason, type CoreClient } from './core-client';
import { CONTEXT_KEYS, type ContextKeys } from './context-keys';
import type { ManagedProcess, ProcessRegistry } from './process-registry';
import { blockNumber, chainId } from './rpc';
import { devnodeUrl, type DevnodeMode, type StylusMlSettings } from './settings';

export type DevnodeStatus = 'stopped' | 'starting' | 'running' | 'stopping' | 'error';

export interface DevnodeState {
  mode: DevnodeMode;
  status: DevnodeStatus;
  url: string | null;
  blockNumber: number | null;
  pid: number | null;
  error: string | null;
}

const READY_TIMEOUT_MS = 30_000;
const POLL_MS = 2_000;
const LISTENING = /listening on (http:\/\/\S+)/;

export class DevnodeController implements vscode.Disposable {
  private proc: ManagedProcess | null = null;
  private current: DevnodeState;
  private poll: NodeJS.Timeout | undefined;
  private readonly emitter = new vscode.EventEmitter<DevnodeState>();
  readonly onDidChange = this.emitter.event;
  private readonly statusItem: vscode.StatusBarItem;

  constructor(
    private readonly registry: ProcessRegistry,
    private readonly core: CoreClient,
    /** dist/devnode.js: the devnode's own child-process entry (devnode/process.ts) */
    private readonly devnodeModule: string,
    private readonly settings: () => StylusMlSettings,
    private readonly log: vscode.OutputChannel,
    private readonly context: ContextKeys,
  ) {
    this.current = { mode: settings().devnode.mode, status: 'stopped', url: null, blockNumber: null, pid: null, error: null };
    this.statusItem = vscode.window.createStatusBarItem('stylusMl.devnode', vscode.StatusBarAlignment.Left, 10);
    this.statusItem.name = 'Stylus ML Devnode';
    this.statusItem.command = 'stylusMl.devnodeActions';
    this.render();
    this.statusItem.show();
  }

  state(): DevnodeState {
    return { ...this.current };
  }

  /** The URL of a running node, or null. */
  url(): string | null {
    return this.current.status === 'running' ? this.current.url : null;
  }

  async start(): Promise<DevnodeState> {
    if (this.current.status === 'running' || this.current.status === 'starting') return this.state();
    const s = this.settings();
    this.update({ mode: s.devnode.mode, status: 'starting', error: null, blockNumber: null, url: null, pid: null });
    try {
      if (s.devnode.mode === 'embedded') await this.startEmbedded(s);
      else if (s.devnode.mode === 'rpc') await this.connectRpc(s);
      else throw new CoreUnavailableError('Docker mode (nitro-devnode)');
      this.startPolling();
      return this.state();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.log.appendLine(`[devnode] ${message}`);
      if (this.proc) await this.registry.kill(this.proc);
      this.proc = null;
      this.update({ status: e instanceof CoreUnavailableError ? 'stopped' : 'error', error: message, pid: null, url: null });
      throw e;
    }
  }

  async stop(): Promise<void> {
    this.stopPolling();
    if (this.proc) {
      this.update({ status: 'stopping' });
      const p = this.proc;
      this.proc = null;
      await this.registry.kill(p);
      this.log.appendLine('[devnode] stopped');
    }
    this.update({ status: 'stopped', url: null, blockNumber: null, pid: null });
  }

  /** A fresh chain: the embedded node keeps its state in memory, so a restart is a reset. */
  async reset(): Promise<DevnodeState> {
    if (this.settings().devnode.mode === 'rpc') throw new Error('an RPC endpoint cannot be reset from here');
    await this.stop();
    return this.start();
  }

  private async startEmbedded(s: StylusMlSettings): Promise<void> {
    const flags = ['--port', String(s.devnode.port), '--arbos', String(s.devnode.arbosVersion)];
    // The devnode's own entry (same flags and "listening on" line as `stylus-ml devnode`); the CLI otherwise.
    let args: string[];
    if (existsSync(this.devnodeModule)) args = [this.devnodeModule, ...flags];
    else if (this.core.available()) args = this.core.cliArgs(['devnode', ...flags]);
    else throw new CoreUnavailableError('The embedded devnode', 'neither dist/devnode.js nor the stylus-ml CLI bundle is present');
    this.log.appendLine(`[devnode] starting: ${path.basename(args[0])} ${args.slice(1).join(' ')}`);
    // stdin stays open: a node that watches for EOF on stdin also stops if this host dies without deactivate.
    const p = this.registry.spawn('devnode', this.core.nodePath, args, { env: this.core.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc = p;
    this.update({ pid: p.pid });
    const url = await new Promise<string>((resolve, reject) => {
      let stderr = '';
      const timer = setTimeout(() => reject(new Error(`the devnode did not report "listening on" within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
      const onLine = (line: string, stream: 'stdout' | 'stderr') => {
        this.log.appendLine(line);
        if (stream === 'stderr' && stderr.length < 64_000) stderr += `${line}\n`;
        const m = LISTENING.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      lines(p.child.stdout, (l) => onLine(l, 'stdout'));
      lines(p.child.stderr, (l) => onLine(l, 'stderr'));
      p.exited.then(
        (info) => {
          clearTimeout(timer);
          const why = failureReason(stderr) || `exit ${info.code ?? info.signal}`;
          reject(UNAVAILABLE.test(stderr) ? new CoreUnavailableError('The embedded devnode', why) : new Error(`the devnode exited: ${why}`));
        },
        (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
    this.update({ status: 'running', url });
    this.log.appendLine(`[devnode] running at ${url}`);
    // Later exits are unexpected (stop() clears this.proc first).
    void p.exited.then((info) => {
      if (this.proc !== p) return;
      this.proc = null;
      this.stopPolling();
      this.update({ status: 'error', error: `the devnode exited (${info.code ?? info.signal})`, pid: null, url: null });
    });
  }

  private async connectRpc(s: StylusMlSettings): Promise<void> {
    const url = devnodeUrl(s);
    if (!url) throw new Error('set stylusMl.devnode.rpcUrl to use the rpc mode');
    const id = await chainId(url);
    this.log.appendLine(`[devnode] connected to ${url} (chain id ${id})`);
    this.update({ status: 'running', url });
  }

  private startPolling(): void {
    this.stopPolling();
    const tick = async () => {
      const url = this.url();
      if (!url) return;
      try {
        const n = await blockNumber(url);
        if (n !== this.current.blockNumber) this.update({ blockNumber: n });
      } catch {
        /* transient; the next tick retries */
      }
    };
    void tick();
    this.poll = setInterval(() => void tick(), POLL_MS);
  }

  private stopPolling(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = undefined;
  }

  private update(patch: Partial<DevnodeState>): void {
    this.current = { ...this.current, ...patch };
    void this.context.set(CONTEXT_KEYS.devnodeRunning, this.current.status === 'running');
    void this.context.set(CONTEXT_KEYS.devnodeBusy, this.current.status === 'starting' || this.current.status === 'stopping');
    this.render();
    this.emitter.fire(this.state());
  }

  private render(): void {
    const s = this.current;
    const where = s.url ? new URL(s.url) : null;
    const label = s.mode === 'rpc' ? (where?.host ?? 'rpc') : `${s.mode}${where ? ` :${where.port || 80}` : ''}`;
    switch (s.status) {
      case 'running':
        this.statusItem.text = `$(radio-tower) Devnode ${label}${s.blockNumber !== null ? ` #${s.blockNumber}` : ''}`;
        this.statusItem.backgroundColor = undefined;
        break;
      case 'starting':
      case 'stopping':
        this.statusItem.text = `$(sync~spin) Devnode ${s.status}…`;
        this.statusItem.backgroundColor = undefined;
        break;
      case 'error':
        this.statusItem.text = `$(error) Devnode ${s.mode}`;
        this.statusItem.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
        break;
      default:
        this.statusItem.text = `$(circle-slash) Devnode off`;
        this.statusItem.backgroundColor = undefined;
    }
    const tip = new vscode.MarkdownString(undefined, false);
    tip.appendText(`Stylus ML devnode: ${s.status} (${s.mode})`);
    if (s.url) tip.appendText(`\n${s.url}`);
    if (s.blockNumber !== null) tip.appendText(`\nblock ${s.blockNumber}`);
    if (s.error) tip.appendText(`\n${s.error}`);
    tip.appendText('\nClick for devnode actions.');
    this.statusItem.tooltip = tip;
  }

  dispose(): void {
    this.stopPolling();
    this.statusItem.dispose();
    this.emitter.dispose();
    // The process itself belongs to the registry, which stops everything on deactivate.
  }
}

function lines(stream: NodeJS.ReadableStream | null, onLine: (l: string) => void): void {
  if (!stream) return;
  let partial = '';
  stream.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split(/\r?\n/);
    partial = parts.pop() ?? '';
    parts.forEach(onLine);
  });
}
