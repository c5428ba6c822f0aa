// The model preview in the editor: a read-only custom editor for .onnx files and a webview panel for a
// generated crate. Each open preview is a PreviewSession that relays between the webview and the engine.
// State survives hide/show without retainContextWhenHidden: the webview keeps its last model with
// setState, and the panel serializer rebuilds crate previews after a reload.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import * as vscode from 'vscode';
import { previewHtml } from '../webview/html';
import {
  MODEL_EDITOR_VIEW_TYPE,
  PREVIEW_VIEW_TYPE,
  defaultOptions,
  parseFromWebview,
  type FromWebview,
  type PreviewModel,
  type PreviewOptions,
  type SectionId,
  type ToWebview,
  type WebviewState,
} from '../webview/protocol';
import { CoreCommandError, CoreUnavailableError, type CoreClient } from './core-client';
import { crateDirOf, readCrate } from './crates';
import type { DeploymentStore } from './deployments';
import { computePreview, fromCall, type PreviewSource } from './preview-model';
import type { StylusMlSettings } from './settings';
import { withTempFile } from './temp';

export interface PreviewDeps {
  extensionUri: vscode.Uri;
  core: CoreClient;
  settings: () => StylusMlSettings;
  log: vscode.LogOutputChannel;
  deployments: DeploymentStore;
}

export function sourceFor(fsPath: string): PreviewSource {
  if (fsPath.toLowerCase().endsWith('.onnx')) return { kind: 'onnx', path: fsPath, modelPath: fsPath };
  const dir = crateDirOf(fsPath);
  if (!dir) throw new Error(`${fsPath} is not an .onnx model or inside a generated crate (no stylus-ml.json)`);
  const crate = readCrate(dir);
  return { kind: 'crate', path: dir, modelPath: crate.modelPath, manifest: crate.manifest, manifestError: crate.error };
}

export class PreviewSession implements vscode.Disposable {
  private options: PreviewOptions = defaultOptions();
  private lastModel: PreviewModel | null = null;
  private generation = 0;
  /** a section to scroll to once the webview has a model (a fresh webview drops earlier messages) */
  private pendingReveal: SectionId | null = null;
  private readonly subs: vscode.Disposable[] = [];
  private disposed = false;
  /** the webview has loaded and said so */
  ready = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly source: PreviewSource,
    private readonly deps: PreviewDeps,
    onDispose: (s: PreviewSession) => void,
  ) {
    const media = vscode.Uri.joinPath(deps.extensionUri, 'media');
    const dist = vscode.Uri.joinPath(deps.extensionUri, 'dist');
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    panel.iconPath = vscode.Uri.joinPath(media, 'icon.svg');
    this.render();
    this.subs.push(
      panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidDispose(() => {
        this.dispose();
        onDispose(this);
      }),
    );
  }

  /** Writes the HTML with a fresh nonce: every render gets its own. */
  private render(): void {
    const w = this.panel.webview;
    this.panel.webview.html = previewHtml({
      cspSource: w.cspSource,
      nonce: randomBytes(18).toString('base64'),
      scriptUri: w.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: w.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, 'media', 'preview.css')).toString(),
      title: path.basename(this.source.path),
      sourcePath: this.source.path,
    });
  }

  private post(m: ToWebview): void {
    if (!this.disposed) void this.panel.webview.postMessage(m);
  }

  reveal(section?: SectionId): void {
    this.panel.reveal(undefined, false);
    if (section) {
      this.pendingReveal = section;
      if (this.lastModel) this.post({ type: 'reveal', section });
    }
  }

  get crateDir(): string | null {
    return this.source.kind === 'crate' ? this.source.path : null;
  }

  /** Recomputes the model from the engine; the latest request wins. */
  async refresh(): Promise<void> {
    const gen = ++this.generation;
    this.post({ type: 'busy', what: 'Analysing the model…' });
    const s = this.deps.settings();
    const model = await computePreview(this.deps.core, this.source, this.options, {
      deployment: this.crateDir ? this.deps.deployments.get(this.crateDir) : null,
      estimatesEnabled: s.estimates.enable,
    });
    if (gen !== this.generation || this.disposed) return;
    for (const e of model.errors) this.deps.log.warn(`[preview] ${path.basename(this.source.path)}: ${e.stage}: ${e.message}`);
    this.lastModel = model;
    this.postModel();
    this.post({ type: 'busy', what: null });
  }

  private postModel(): void {
    if (!this.lastModel) return;
    this.post({ type: 'model', model: this.lastModel });
    if (this.pendingReveal) this.post({ type: 'reveal', section: this.pendingReveal });
    this.pendingReveal = null;
  }

  private onMessage(raw: unknown): void {
    let m: FromWebview;
    try {
      m = parseFromWebview(raw);
    } catch (e) {
      this.deps.log.warn(`[preview] ignored a malformed message: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    switch (m.type) {
      case 'ready':
        this.ready = true;
        // A reloaded webview (hidden and shown again) gets the last model without recomputing it.
        if (this.lastModel) this.postModel();
        else void this.refresh();
        break;
      case 'setOptions':
        this.options = m.options;
        void this.refresh();
        break;
      case 'build':
      case 'deploy':
        void this.buildOrDeploy(m.type);
        break;
      case 'try':
        void this.tryIt(m.input);
        break;
      case 'cspViolation':
        this.deps.log.error(`[preview] CSP violation: ${m.directive} blocked ${m.blocked}`);
        break;
    }
  }

  private async buildOrDeploy(what: 'build' | 'deploy'): Promise<void> {
    const dir = this.crateDir;
    if (!dir) {
      const create = 'New Model Crate from ONNX…';
      const pick = await vscode.window.showInformationMessage(`To ${what}, first generate a crate from this model.`, create);
      if (pick === create) await vscode.commands.executeCommand('stylusMl.newCrate', vscode.Uri.file(this.source.path));
      return;
    }
    await vscode.commands.executeCommand(what === 'build' ? 'stylusMl.build' : 'stylusMl.deployDevnode', vscode.Uri.file(dir));
  }

  private async tryIt(input: string): Promise<void> {
    const dir = this.crateDir;
    const deployment = dir ? this.deps.deployments.get(dir) : null;
    if (!dir || !deployment) {
      this.post({ type: 'tryError', message: dir ? 'Deploy the crate first (the Deploy button above).' : 'Generate a crate from this model and deploy it first.' });
      return;
    }
    try {
      JSON.parse(input);
    } catch (e) {
      this.post({ type: 'tryError', message: `The input is not valid JSON: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    this.post({ type: 'busy', what: 'Calling predict on the devnode…' });
    try {
      const result = await withTempFile('input.json', input, (file) => this.deps.core.call(dir, file, deployment.rpcUrl, true));
      this.post({ type: 'tryResult', result: fromCall(result) });
    } catch (e) {
      const message = e instanceof CoreUnavailableError || e instanceof CoreCommandError || e instanceof Error ? e.message : String(e);
      this.post({ type: 'tryError', message });
    } finally {
      this.post({ type: 'busy', what: null });
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.subs.forEach((d) => d.dispose());
  }
}

class ModelDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {}
}

export class PreviewManager implements vscode.CustomReadonlyEditorProvider<ModelDocument>, vscode.WebviewPanelSerializer {
  private readonly sessions = new Set<PreviewSession>();
  private lastActive: PreviewSession | null = null;

  constructor(private readonly deps: PreviewDeps) {}

  register(): vscode.Disposable[] {
    return [
      vscode.window.registerCustomEditorProvider(MODEL_EDITOR_VIEW_TYPE, this, { supportsMultipleEditorsPerDocument: false }),
      vscode.window.registerWebviewPanelSerializer(PREVIEW_VIEW_TYPE, this),
    ];
  }

  openCustomDocument(uri: vscode.Uri): ModelDocument {
    return new ModelDocument(uri);
  }

  resolveCustomEditor(document: ModelDocument, panel: vscode.WebviewPanel): void {
    this.attach(panel, { kind: 'onnx', path: document.uri.fsPath, modelPath: document.uri.fsPath });
  }

  /** Restores a crate preview after a window reload, from the state the webview saved. */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const saved = state as Partial<WebviewState> | undefined;
    const src = saved?.sourcePath ?? saved?.model?.source.path;
    try {
      if (typeof src !== 'string') throw new Error('no saved source');
      this.attach(panel, sourceFor(src));
    } catch (e) {
      this.deps.log.info(`[preview] not restoring a preview: ${e instanceof Error ? e.message : String(e)}`);
      panel.dispose();
    }
  }

  private attach(panel: vscode.WebviewPanel, source: PreviewSource): PreviewSession {
    const session = new PreviewSession(panel, source, this.deps, (s) => {
      this.sessions.delete(s);
      if (this.lastActive === s) this.lastActive = null;
    });
    this.sessions.add(session);
    this.lastActive = session;
    panel.onDidChangeViewState((e) => {
      if (e.webviewPanel.active) this.lastActive = session;
    });
    return session;
  }

  /** Opens (or reveals) the preview of an .onnx file or a crate. */
  async open(fsPath: string, section?: SectionId): Promise<PreviewSession> {
    const source = sourceFor(fsPath);
    const existing = [...this.sessions].find((s) => s.source.path === source.path);
    if (existing) {
      existing.reveal(section);
      return existing;
    }
    if (source.kind === 'onnx') {
      await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(source.path), MODEL_EDITOR_VIEW_TYPE);
      const s = [...this.sessions].find((x) => x.source.path === source.path);
      if (!s) throw new Error(`the preview of ${source.path} did not open`);
      if (section) s.reveal(section);
      return s;
    }
    const panel = vscode.window.createWebviewPanel(PREVIEW_VIEW_TYPE, `Preview: ${path.basename(source.path)}`, vscode.ViewColumn.Active, {
      enableScripts: true,
    });
    const s = this.attach(panel, source);
    if (section) s.reveal(section);
    return s;
  }

  /** Open previews (for the API and tests). */
  list(): { kind: 'onnx' | 'crate'; path: string; ready: boolean }[] {
    return [...this.sessions].map((s) => ({ kind: s.source.kind, path: s.source.path, ready: s.ready }));
  }

  active(): PreviewSession | null {
    return this.lastActive;
  }

  /** Refreshes every preview of this crate (after a build or deploy). */
  async refreshCrate(dir: string): Promise<void> {
    await Promise.all([...this.sessions].filter((s) => s.crateDir === dir).map((s) => s.refresh()));
  }

  async refreshAll(): Promise<void> {
    await Promise.all([...this.sessions].map((s) => s.refresh()));
  }

  dispose(): void {
    for (const s of this.sessions) s.dispose();
    this.sessions.clear();
  }
}
