// The language server's LSP wiring, separate from process start-up so it can be driven by any
// connection. It only publishes fixed-point diagnostics, quick fixes, hovers on values and gas
// CodeLens: no completion, navigation or formatting (rust-analyzer owns those).

import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  TextDocumentSyncKind,
  type CodeAction,
  type CodeLens,
  type Connection,
  type Diagnostic,
  type DiagnosticSeverity,
  type Hover,
  type InitializeResult,
  type TextEdit,
} from 'vscode-languageserver';
import { Analyzer, checkDocument, CrateFiles, fixesFor, hoverAt, LineIndex, loadRustParser, ManifestCache, type Finding, type RustParser } from '../core/analysis';
import { MANIFEST_FILE, type ManifestLayer } from '../core/manifest/schema';
import { OpenDocument, type AnalysisResult } from './documents';
import {
  DIAGNOSTIC_SOURCE,
  resolveSettings,
  SETTINGS_SECTION,
  SHOW_GAS_REPORT_COMMAND,
  REVEAL_IN_GRAPH_COMMAND,
  ValidatedNotification,
  type InitializationOptions,
  type ShowGasReportArgs,
  type StylusMlSettings,
  type ValidatedParams,
} from './protocol';

export interface ServerOptions {
  /** overrides the wasm lookup (tests) */
  wasmDir?: string;
}

const SEVERITY: Record<Finding['severity'], DiagnosticSeverity> = { error: 1, warning: 2, information: 3, hint: 4 };

export function setupServer(connection: Connection, opts: ServerOptions = {}): void {
  let parser: RustParser | null = null;
  let crateFiles: CrateFiles | null = null;
  const manifests = new ManifestCache();
  const docs = new Map<string, OpenDocument>();
  let initSettings: StylusMlSettings = resolveSettings();
  let settings: StylusMlSettings = initSettings;
  let canPullConfig = false;

  connection.onInitialize(async (params): Promise<InitializeResult> => {
    const init = (params.initializationOptions ?? {}) as InitializationOptions;
    initSettings = resolveSettings(init, init.settings);
    settings = initSettings;
    canPullConfig = !!params.capabilities.workspace?.configuration;
    parser = await loadRustParser({ wasmDir: opts.wasmDir ?? init.wasmDir });
    crateFiles = new CrateFiles(parser);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        hoverProvider: true,
        codeLensProvider: { resolveProvider: false },
      },
      serverInfo: { name: 'stylus-ml-language-server', version: '0.1.0' },
    };
  });

  connection.onInitialized(async () => {
    if (canPullConfig) {
      try {
        await connection.client.register(DidChangeConfigurationNotification.type, { section: SETTINGS_SECTION });
      } catch {
        // the client does not support dynamic registration: it still sends didChangeConfiguration
      }
      await refreshSettings();
    }
  });

  async function refreshSettings(pushed?: unknown): Promise<void> {
    let fromClient: unknown = null;
    const section = pushed && typeof pushed === 'object' ? (pushed as Record<string, unknown>)[SETTINGS_SECTION] : undefined;
    if (section !== undefined) fromClient = section;
    else if (canPullConfig) {
      try {
        fromClient = await connection.workspace.getConfiguration(SETTINGS_SECTION);
      } catch {
        fromClient = null;
      }
    }
    settings = resolveSettings(initSettings, fromClient as Partial<StylusMlSettings> | null);
  }

  connection.onDidChangeConfiguration(async (p) => {
    const before = settings;
    await refreshSettings(p.settings);
    for (const d of docs.values()) schedule(d, 0);
    if (before.codeLens.enable !== settings.codeLens.enable) void connection.sendRequest('workspace/codeLens/refresh').catch(() => {});
  });

  connection.onDidChangeWatchedFiles((p) => {
    if (!p.changes.some((c) => c.uri.endsWith(`/${MANIFEST_FILE}`) || c.uri.endsWith('.rs'))) return;
    manifests.invalidate();
    for (const d of docs.values()) schedule(d, 0);
  });

  connection.onDidOpenTextDocument((p) => {
    if (!parser) return;
    const { uri, text, version, languageId } = p.textDocument;
    if (languageId !== 'rust' && !uri.endsWith('.rs')) return;
    docs.get(uri)?.dispose();
    const d = new OpenDocument(uri, parser, text, version);
    docs.set(uri, d);
    schedule(d, 0);
  });

  connection.onDidChangeTextDocument((p) => {
    const d = docs.get(p.textDocument.uri);
    if (!d) return;
    d.applyChanges(
      p.contentChanges.map((c) => ('range' in c ? { range: c.range, text: c.text } : { text: c.text })),
      p.textDocument.version,
    );
    schedule(d, settings.diagnostics.debounceMs);
  });

  connection.onDidCloseTextDocument((p) => {
    const d = docs.get(p.textDocument.uri);
    if (!d) return;
    d.dispose();
    docs.delete(p.textDocument.uri);
    void connection.sendDiagnostics({ uri: p.textDocument.uri, diagnostics: [] });
  });

  /** Debounce per document; the analysis always uses the latest text, so the latest edit wins. */
  function schedule(d: OpenDocument, delayMs: number): void {
    if (d.timer) clearTimeout(d.timer);
    d.timer = setTimeout(() => {
      d.timer = null;
      if (docs.get(d.uri) === d) void validate(d);
    }, delayMs);
  }

  function analyse(d: OpenDocument): AnalysisResult {
    if (!d.stale && d.result) return d.result;
    d.analyzer ??= new Analyzer(parser!.snippet);
    const a = d.analyzer;
    const m = d.path ? manifests.forFile(d.path) : { view: null, error: null };
    const open = new Map<string, string>();
    for (const o of docs.values()) if (o.path && o !== d) open.set(o.path, o.doc.text);
    const extraItems = d.path && crateFiles ? crateFiles.extraItems(d.path, open) : undefined;
    const check = checkDocument(a, {
      root: d.doc.root,
      lines: d.doc.lines,
      filePath: d.path,
      manifest: m.view,
      manifestError: m.error,
      dirtyLines: d.editedLines(),
      extraItems,
    });
    d.result = { version: d.version, check, text: d.doc.text, lineStarts: d.doc.lines.starts };
    return d.result;
  }

  /** Analyses and publishes; custom/validated is sent after the diagnostics, never before. */
  async function validate(d: OpenDocument): Promise<void> {
    const t0 = performance.now();
    let count = 0;
    let error: string | undefined;
    let publish: Promise<void> | null = null;
    try {
      if (settings.diagnostics.enable) {
        const r = analyse(d);
        const diagnostics = r.check.findings.map(toDiagnostic);
        count = diagnostics.length;
        publish = connection.sendDiagnostics({ uri: d.uri, version: r.version, diagnostics });
      } else {
        publish = connection.sendDiagnostics({ uri: d.uri, version: d.version, diagnostics: [] });
      }
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      connection.console.error(`stylus-ml: analysis of ${d.uri} failed: ${e instanceof Error ? (e.stack ?? e.message) : e}`);
    }
    const params: ValidatedParams = { uri: d.uri, version: d.version, diagnostics: count, ms: Math.round((performance.now() - t0) * 10) / 10 };
    if (error) params.error = error;
    if (publish) await publish.catch(() => {});
    await connection.sendNotification(ValidatedNotification, params).catch(() => {});
  }

  /** The analysis for the current text (runs it now when an edit is still debounced). */
  function current(uri: string): { d: OpenDocument; r: AnalysisResult } | null {
    const d = docs.get(uri);
    if (!d || !parser) return null;
    try {
      return { d, r: analyse(d) };
    } catch (e) {
      connection.console.error(`stylus-ml: analysis of ${uri} failed: ${e instanceof Error ? e.message : e}`);
      return null;
    }
  }

  connection.onCodeAction((p) => {
    const ours = p.context.diagnostics.filter((x) => x.source === DIAGNOSTIC_SOURCE);
    if (ours.length === 0) return [];
    const cur = current(p.textDocument.uri);
    if (!cur) return [];
    const { r } = cur;
    const lines = new LineIndex(r.text);
    const actions: CodeAction[] = [];
    for (const diag of ours) {
      const start = lines.offsetAt(diag.range.start);
      const end = lines.offsetAt(diag.range.end);
      const f = r.check.findings.find((x) => x.code === diag.code && x.start === start && x.end === end);
      if (!f) continue;
      for (const fix of fixesFor({ text: r.text, analysis: r.check.analysis, manifest: r.check.manifest, layers: r.check.layers }, f)) {
        const action: CodeAction = { title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [diag] };
        if (fix.edits.length > 0) {
          const edits: TextEdit[] = fix.edits.map((e) => ({ range: { start: lines.positionAt(e.start), end: lines.positionAt(e.end) }, newText: e.newText }));
          action.edit = { changes: { [p.textDocument.uri]: edits } };
        }
        if (fix.command) action.command = fix.command;
        if (fix.preferred) action.isPreferred = true;
        actions.push(action);
      }
    }
    return actions;
  });

  connection.onHover((p): Hover | null => {
    const cur = current(p.textDocument.uri);
    if (!cur) return null;
    const lines = new LineIndex(cur.r.text);
    const h = hoverAt(cur.r.check, lines.offsetAt(p.position));
    if (!h) return null;
    return { contents: { kind: 'markdown', value: h.markdown }, range: { start: lines.positionAt(h.start), end: lines.positionAt(h.end) } };
  });

  connection.onCodeLens((p): CodeLens[] => {
    if (!settings.codeLens.enable) return [];
    const cur = current(p.textDocument.uri);
    if (!cur || !cur.r.check.manifest) return [];
    const lines = new LineIndex(cur.r.text);
    const m = cur.r.check.manifest;
    const out: CodeLens[] = [];
    for (const b of cur.r.check.layers) {
      const title = gasTitle(b.layer.spec);
      if (!title) continue;
      const args: ShowGasReportArgs = { manifest: m.file, layer: b.layer.spec.name, fn: b.layer.spec.fn };
      out.push({
        range: { start: lines.positionAt(b.nameStart), end: lines.positionAt(b.nameEnd) },
        command: { title, command: SHOW_GAS_REPORT_COMMAND, arguments: [args] },
      });
      out.push({
        range: { start: lines.positionAt(b.nameStart), end: lines.positionAt(b.nameEnd) },
        command: { title: 'Show in graph', command: REVEAL_IN_GRAPH_COMMAND, arguments: [args] },
      });
    }
    return out;
  });

  connection.onShutdown(() => {
    for (const d of docs.values()) d.dispose();
    docs.clear();
    crateFiles?.dispose();
  });
}

function toDiagnostic(f: Finding): Diagnostic {
  return {
    range: f.range,
    severity: SEVERITY[f.severity],
    code: f.code,
    source: DIAGNOSTIC_SOURCE,
    message: f.message,
  };
}

/** "Gemm: ≈ 24.1 gas (estimate, 21.7–28.9)": static figures from stylus-ml.json, labelled as estimates. */
/** A layer's CodeLens title: its analytical gas per call (the spread over the box), else its ink. */
function gasTitle(l: ManifestLayer): string | null {
  if (l.gas) return `${l.onnxOp}: ≈ ${formatNum(l.gas.typical)} gas (estimate, ${formatNum(l.gas.min)}–${formatNum(l.gas.max)})`;
  if (l.ink) return `${l.onnxOp}: ≈ ${formatNum(l.ink.typical)} ink (estimate)`;
  return null;
}

function formatNum(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : String(Number(x.toPrecision(3)));
}
