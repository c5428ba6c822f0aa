// A tiny LSP client for protocol tests: forks the bundled server with --node-ipc and talks vscode-jsonrpc
// to it. The bundle is dist/server.js when `npm test` just built it (STYLUS_ML_TEST_BUNDLE=1), else
// language-server/server.ts bundled here with the same esbuild options, wasm files next to it.

import { fork, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { CodeAction, CodeLens, Diagnostic, Hover, PublishDiagnosticsParams, TextEdit } from 'vscode-languageserver';
import { SERVER_EXEC_ARGV, ValidatedNotification, type ValidatedParams } from '../../language-server/protocol';

const root = path.resolve(__dirname, '..', '..');
let built: Promise<string> | null = null;

/** The server bundle: dist/server.js after `npm run build` under `npm test`, else bundled once per process. */
export function buildServer(): Promise<string> {
  const dist = path.join(root, 'dist', 'server.js');
  if (process.env.STYLUS_ML_TEST_BUNDLE === '1' && existsSync(dist) && existsSync(path.join(root, 'dist', 'tree-sitter-rust.wasm'))) return Promise.resolve(dist);
  built ??= (async () => {
    // one directory per process: test files run in parallel
    const outDir = mkdtempSync(path.join(tmpdir(), 'stylus-ml-ls-'));
    process.on('exit', () => rmSync(outDir, { recursive: true, force: true }));
    const outfile = path.join(outDir, 'server.js');
    await build({
      entryPoints: [path.join(root, 'language-server', 'server.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      sourcemap: true,
      logLevel: 'warning',
      define: { 'import.meta.url': '__importMetaUrl' },
      banner: { js: 'const __importMetaUrl = require("url").pathToFileURL(__filename).href;' },
    });
    copyFileSync(path.join(root, 'node_modules', 'web-tree-sitter', 'web-tree-sitter.wasm'), path.join(outDir, 'web-tree-sitter.wasm'));
    copyFileSync(path.join(root, 'node_modules', 'tree-sitter-rust', 'tree-sitter-rust.wasm'), path.join(outDir, 'tree-sitter-rust.wasm'));
    return outfile;
  })();
  return built;
}

export interface StartOptions {
  initializationOptions?: unknown;
  /** answer workspace/configuration with this (and advertise the capability) */
  configuration?: Record<string, unknown>;
}

export class LspClient {
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  private validated: ValidatedParams[] = [];
  private waiters: { pred: (v: ValidatedParams) => boolean; resolve: (v: ValidatedParams) => void }[] = [];
  /** every custom/validated, in order */
  readonly onValidated: ((v: ValidatedParams) => void)[] = [];
  configuration: Record<string, unknown>;
  /** the server's InitializeResult.capabilities */
  capabilities: Record<string, unknown> = {};

  private constructor(
    readonly proc: ChildProcess,
    readonly conn: MessageConnection,
    configuration: Record<string, unknown>,
  ) {
    this.configuration = configuration;
    conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.diagnostics.set(p.uri, p);
    });
    conn.onNotification(ValidatedNotification, (p: ValidatedParams) => {
      this.validated.push(p);
      for (const f of this.onValidated) f(p);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(p)) return true;
        w.resolve(p);
        return false;
      });
    });
    conn.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => p.items.map((i) => (i.section ? (this.configuration[i.section] ?? null) : this.configuration)));
    conn.onRequest('client/registerCapability', () => null);
    conn.onRequest('workspace/codeLens/refresh', () => null);
    conn.onNotification('window/logMessage', () => {});
  }

  static async start(opts: StartOptions = {}): Promise<LspClient> {
    const serverJs = await buildServer();
    const proc = fork(serverJs, ['--node-ipc'], { execArgv: [...SERVER_EXEC_ARGV], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const conn = createMessageConnection(new IPCMessageReader(proc), new IPCMessageWriter(proc));
    const c = new LspClient(proc, conn, opts.configuration ?? {});
    conn.listen();
    const init = await conn.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
      processId: process.pid,
      rootUri: null,
      capabilities: {
        workspace: { configuration: opts.configuration !== undefined, didChangeConfiguration: { dynamicRegistration: true } },
        textDocument: { publishDiagnostics: { versionSupport: true }, codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } } } },
      },
      initializationOptions: opts.initializationOptions ?? { diagnostics: { debounceMs: 0 } },
    });
    c.capabilities = init.capabilities;
    await conn.sendNotification('initialized', {});
    return c;
  }

  /** Resolves on the next custom/validated for `uri` at `version` (or later). */
  waitValidated(uri: string, version: number, timeoutMs = 20_000): Promise<ValidatedParams> {
    const done = this.validated.find((v) => v.uri === uri && v.version >= version);
    if (done) {
      this.validated = this.validated.filter((v) => v !== done);
      return Promise.resolve(done);
    }
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${ValidatedNotification.method} for ${uri} v${version} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        pred: (v) => v.uri === uri && v.version >= version,
        resolve: (v) => {
          clearTimeout(t);
          resolve(v);
        },
      });
    });
  }

  /** Forgets earlier validations (before triggering a new one for the same version). */
  clearValidated(): void {
    this.validated = [];
  }

  async open(uri: string, text: string, version = 1): Promise<Diagnostic[]> {
    await this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'rust', version, text } });
    await this.waitValidated(uri, version);
    return this.diagnostics.get(uri)?.diagnostics ?? [];
  }

  async change(uri: string, version: number, changes: ({ range: { start: Pos; end: Pos }; text: string } | { text: string })[], wait = true): Promise<Diagnostic[]> {
    await this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    if (wait) await this.waitValidated(uri, version);
    return this.diagnostics.get(uri)?.diagnostics ?? [];
  }

  codeActions(uri: string, diag: Diagnostic): Promise<CodeAction[]> {
    return this.conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: diag.range, context: { diagnostics: [diag] } });
  }

  hover(uri: string, position: Pos): Promise<Hover | null> {
    return this.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position });
  }

  codeLens(uri: string): Promise<CodeLens[]> {
    return this.conn.sendRequest('textDocument/codeLens', { textDocument: { uri } });
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 3000))]);
      await this.conn.sendNotification('exit');
    } catch {
      // already gone
    }
    this.conn.dispose();
    if (this.proc.exitCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.proc.kill();
          resolve();
        }, 3000);
        this.proc.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

export interface Pos {
  line: number;
  character: number;
}

export function fileUri(p: string): string {
  return pathToFileURL(p).href;
}

/** Applies LSP text edits (all against the same original text). */
export function applyTextEdits(text: string, edits: TextEdit[]): string {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  const off = (p: Pos) => (starts[p.line] ?? text.length) + p.character;
  const sorted = [...edits].sort((a, b) => off(b.range.start) - off(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, off(e.range.start)) + e.newText + out.slice(off(e.range.end));
  return out;
}
