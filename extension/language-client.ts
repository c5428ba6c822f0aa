// Starts the fixed-point language server (language-server/, bundled as dist/server.js) over IPC with the
// extension host's own Node (hardhat#7034: never the user's random Node), as a process the registry owns.
// Started lazily on the first Rust document; tolerates a missing server bundle during development.
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { CloseAction, ErrorAction, IPCMessageReader, IPCMessageWriter, LanguageClient, type ErrorHandler, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { SERVER_EXEC_ARGV } from '../language-server/protocol';
import { RestartPolicy } from './server-restarts';
import type { ProcessRegistry } from './process-registry';
import { SETTINGS_SECTION, type StylusMlSettings } from './settings';

export class LanguageClientHost implements vscode.Disposable {
  private client: LanguageClient | null = null;
  private starting: Promise<void> | null = null;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly serverModule: string,
    private readonly registry: ProcessRegistry,
    private readonly output: vscode.OutputChannel,
    private readonly settings: () => StylusMlSettings,
  ) {}

  /** Starts the client when a Rust document is (or becomes) open. */
  watch(): void {
    const isRust = (d: vscode.TextDocument) => d.languageId === 'rust' && d.uri.scheme === 'file';
    if (vscode.workspace.textDocuments.some(isRust)) void this.start();
    else {
      const sub = vscode.workspace.onDidOpenTextDocument((d) => {
        if (isRust(d)) {
          sub.dispose();
          void this.start();
        }
      });
      this.subscriptions.push(sub);
    }
  }

  get running(): boolean {
    return this.client?.isRunning() ?? false;
  }

  start(): Promise<void> {
    this.starting ??= this.doStart().catch((e: unknown) => {
      this.output.appendLine(`[language server] could not start: ${e instanceof Error ? e.message : String(e)}`);
    });
    return this.starting;
  }

  private async doStart(): Promise<void> {
    if (!existsSync(this.serverModule)) {
      this.output.appendLine(`[language server] ${this.serverModule} is missing; fixed-point diagnostics are off.`);
      return;
    }
    const serverOptions: ServerOptions = async () => {
      const p = this.registry.fork('language server', this.serverModule, ['--node-ipc'], {
        execPath: process.execPath,
        execArgv: [...SERVER_EXEC_ARGV],
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      p.child.stderr?.on('data', (b: Buffer) => this.output.append(b.toString('utf8')));
      p.child.stdout?.on('data', (b: Buffer) => this.output.append(b.toString('utf8')));
      return { reader: new IPCMessageReader(p.child), writer: new IPCMessageWriter(p.child) };
    };
    const s = this.settings();
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file', language: 'rust' }],
      // Diagnostics get their own collection and source, next to rust-analyzer's.
      diagnosticCollectionName: 'stylus-ml',
      outputChannelName: 'Stylus ML Language Server',
      synchronize: {
        configurationSection: SETTINGS_SECTION,
        fileEvents: vscode.workspace.createFileSystemWatcher('**/stylus-ml.json'),
      },
      initializationOptions: { diagnostics: s.diagnostics, codeLens: s.codeLens },
      errorHandler: this.errorHandler(),
    };
    this.client = new LanguageClient('stylusMl', 'Stylus ML Language Server', serverOptions, clientOptions);
    await this.client.start();
    this.output.appendLine('[language server] started');
  }

  /** Restarts a crashed server a few times, then leaves it off and says so (RestartPolicy). */
  private errorHandler(): ErrorHandler {
    const policy = new RestartPolicy();
    return {
      error: (_error, _message, count) => ({ action: policy.error(count).shutdown ? ErrorAction.Shutdown : ErrorAction.Continue }),
      closed: () => {
        const d = policy.closed();
        this.output.appendLine(`[language server] ${d.message}`);
        if (!d.restart) void vscode.window.showWarningMessage(`Stylus ML: ${d.message}`);
        return { action: d.restart ? CloseAction.Restart : CloseAction.DoNotRestart, handled: true };
      },
    };
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = null;
    this.starting = null;
    if (c?.isRunning()) {
      try {
        await c.stop(2000);
      } catch {
        /* the registry kills it anyway */
      }
    }
  }

  dispose(): void {
    this.subscriptions.forEach((d) => d.dispose());
    void this.stop();
  }
}
