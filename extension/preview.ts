// The model preview in the editor: a read-only custom editor for .onnx files and a webview panel for a
// generated crate. Each open preview is a PreviewSession that relays between the webview and the engine.
// State survives hide/show without retainContextWhenHidden: the webview keeps its last model with
// setState, and the panel serializer rebuilds crate previews after a reload.
//
// First render: the model is read when the panel is created, not when the webview has loaded, so it is
// read (in the host for a small model, extension/local-inspect.ts, else by the CLI) while VS Code builds
// the webview; the layer table is posted as soon as it is known and the slower sections (estimate) follow. Messages go only to a loaded webview: one that has not said 'ready'
// (or was hidden, which destroys it) gets the latest model and busy state when it does.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import * as vscode from 'vscode';
import { previewHtml } from '../webview/html';
import {
  MODEL_EDITOR_VIEW_TYPE,
  PREVIEW_VIEW_TYPE,
  defaultOptions,
  parseFromWebview,
  parseWebviewState,
  type FromWebview,
  type PreviewModel,
  type PreviewOptions,
  type SectionId,
  type ToWebview,
} from '../webview/protocol';
import { CoreCommandError, CoreUnavailableError, type CoreClient } from './core-client';
import { crateDirOf, readCrate } from './crates';
import type { DeploymentStore } from './deployments';
import { computePreview, fromCall, type PreviewSource } from './preview-model';
import { boxArgs, loadSettings, saveSettings, type SettingsStore } from './model-settings';
import { openLayerFunction } from './model-rs';
import type { StylusMlSettings } from './settings';
import { withTempFile } from './temp';

export interface PreviewDeps {
  extensionUri: vscode.Uri;
  core: CoreClient;
  settings: () => StylusMlSettings;
  log: vscode.LogOutputChannel;
  deployments: DeploymentStore;
  /** workspace state: each bare model's preview settings */
  state: SettingsStore;
}

export function sourceFor(fsPath: string): PreviewSource {
  if (fsPath.toLowerCase().endsWith('.onnx')) return { kind: 'onnx', path: fsPath, modelPath: fsPath };
  const dir = crateDirOf(fsPath);
  if (!dir) throw new Error(`${fsPath} is not an .onnx model or inside a generated crate (no stylus-ml.json)`);
  const crate = readCrate(dir);
  return { kind: 'crate', path: dir, modelPath: crate.modelPath, manifest: crate.manifest, manifestError: crate.error };
}

/** The settings "Create crate" carries from a bare model's preview into `new`. */
export interface CratePreset {
  box: string[];
  weights?: 'i8' | 'i16' | 'i32';
  optimize?: 'gas' | 'size';
}

export class PreviewSession implements vscode.Disposable {
  private options: PreviewOptions = defaultOptions();
  private lastModel: PreviewModel | null = null;
  /** what the engine is doing now, shown in the page header (null: idle) */
  private busy: string | null = null;
  private generation = 0;
  /** a section to scroll to once the webview has a model (a fresh webview drops earlier messages) */
  private pendingReveal: SectionId | null = null;
  /** a graph node to select once the webview has a model */
  private pendingNode: string | null = null;
  /** the engine processes of the computation in progress: a newer one aborts them */
  private running: AbortController | null = null;
  private readonly subs: vscode.Disposable[] = [];
  private disposed = false;
  /** the webview has loaded and said so (false again while the panel is hidden: its page is gone) */
  ready = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private current: PreviewSource,
    private readonly deps: PreviewDeps,
    onDispose: (s: PreviewSession) => void,
  ) {
    const media = vscode.Uri.joinPath(deps.extensionUri, 'media');
    const dist = vscode.Uri.joinPath(deps.extensionUri, 'dist');
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    panel.iconPath = vscode.Uri.joinPath(media, 'icon.svg');
    // a bare model's settings are remembered per model (a crate's box and formats are its manifest's)
    if (current.kind === 'onnx') this.options = loadSettings(deps.state, current.path);
    this.render();
    this.subs.push(
      panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => {
        this.dispose();
        onDispose(this);
      }),
    );
    // After this call returns, so that VS Code gets the HTML before the host spends time reading the model.
    setImmediate(() => {
      if (!this.disposed) void this.refresh();
    });
  }

  /** Writes the HTML with a fresh nonce: every render gets its own. */
  private render(): void {
    const w = this.panel.webview;
    this.panel.webview.html = previewHtml({
      cspSource: w.cspSource,
      nonce: randomBytes(18).toString('base64'),
      scriptUri: w.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'webview.js')).toString(),
      codiconsUri: w.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'codicon.css')).toString(),
      styleUri: w.asWebviewUri(vscode.Uri.joinPath(this.deps.extensionUri, 'media', 'preview.css')).toString(),
      title: path.basename(this.source.path),
      sourcePath: this.source.path,
    });
  }

  /** Sends to a loaded webview; anything else is replayed from lastModel/busy on its 'ready'. */
  private post(m: ToWebview): void {
    if (!this.disposed && this.ready) void this.panel.webview.postMessage(m);
  }

  private setBusy(what: string | null): void {
    this.busy = what;
    this.post({ type: 'busy', what });
  }

  reveal(section?: SectionId): void {
    this.panel.reveal(undefined, false);
    if (section) {
      this.pendingReveal = section;
      if (this.lastModel) this.post({ type: 'reveal', section });
    }
  }

  /** Selects a graph node (by ONNX node name), e.g. for a layer function in model.rs. */
  revealNode(name: string): void {
    this.panel.reveal(undefined, false);
    this.pendingNode = name;
    if (this.lastModel) this.postModel();
  }

  get source(): PreviewSource {
    return this.current;
  }

  get crateDir(): string | null {
    return this.source.kind === 'crate' ? this.source.path : null;
  }

  /** Recomputes the model from the engine; the latest request wins. */
  async refresh(): Promise<void> {
    const gen = ++this.generation;
    const current = () => gen === this.generation && !this.disposed;
    this.running?.abort();
    const running = new AbortController();
    this.running = running;
    this.setBusy('Reading the model…');
    // a crate's manifest changes under the preview (build sizes, a deployment's measured gas): read it again
    if (this.source.kind === 'crate') {
      const c = readCrate(this.source.path);
      this.current = { ...this.current, modelPath: c.modelPath, manifest: c.manifest, manifestError: c.error };
    }
    const s = this.deps.settings();
    const model = await computePreview(this.deps.core, this.source, this.options, {
      deployment: this.crateDir ? this.deps.deployments.get(this.crateDir) : null,
      estimatesEnabled: s.estimates.enable,
      signal: running.signal,
      onPartial: (partial) => {
        if (!current()) return;
        // busy first: a page showing a model without the indicator is a finished one (tests rely on it)
        this.setBusy(partial.call ? 'Measuring the accuracy…' : 'Estimating the gas cost and measuring the accuracy…');
        this.lastModel = partial;
        this.postModel();
      },
    });
    if (!current()) return;
    this.running = null;
    for (const e of model.errors) this.deps.log.warn(`[preview] ${path.basename(this.source.path)}: ${e.stage}: ${e.message}`);
    this.lastModel = model;
    this.postModel();
    this.setBusy(null);
  }

  private postModel(): void {
    if (!this.lastModel || !this.ready) return;
    this.post({ type: 'model', model: this.lastModel });
    if (this.pendingReveal) this.post({ type: 'reveal', section: this.pendingReveal });
    this.pendingReveal = null;
    if (this.pendingNode) this.post({ type: 'revealNode', name: this.pendingNode });
    this.pendingNode = null;
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
        // The engine started with the panel: send what is known now; the rest follows as it arrives.
        // A reloaded webview (hidden and shown again) gets the last model without recomputing it.
        this.post({ type: 'busy', what: this.busy });
        this.postModel();
        break;
      case 'setOptions':
        this.options = m.options;
        if (this.source.kind === 'onnx') void saveSettings(this.deps.state, this.source.path, m.options);
        void this.refresh();
        break;
      case 'pickCalibration':
        void this.pickCalibration();
        break;
      case 'createCrate':
        void this.createCrate();
        break;
      case 'openNode':
        void this.openNode(m.name);
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

  /** The calibration file of a bare model's box: chosen in VS Code's file dialog, never typed in the page. */
  private async pickCalibration(): Promise<void> {
    if (this.source.kind !== 'onnx') return;
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      filters: { 'Calibration data (JSON)': ['json'] },
      defaultUri: vscode.Uri.file(path.dirname(this.source.path)),
      openLabel: 'Use as calibration data',
      title: `Calibration data for ${path.basename(this.source.path)}: the box is derived from it (--calibration)`,
    });
    const file = picked?.[0]?.fsPath;
    if (!file) return;
    const box = { ...this.options.box, mode: 'calibration' as const, calibration: file, shape: this.options.box?.shape ?? 'auto' };
    this.options = { ...this.options, box };
    await saveSettings(this.deps.state, this.source.path, this.options);
    await this.refresh();
  }

  /** `new` with this preview's settings: the box (the stated default as the spec the estimate reported),
   *  the weights and the goal; the wizard asks only for the template, the policy and the folder. */
  private async createCrate(): Promise<void> {
    if (this.source.kind !== 'onnx') return;
    const inputs = this.lastModel?.summary?.inputs.map((i) => i.name) ?? [];
    const spec = this.lastModel?.box?.spec ?? null;
    const box = boxArgs(this.options.box, inputs, spec);
    if (box.length === 0) {
      void vscode.window.showWarningMessage('The input box is not known yet: wait for the estimate, or set a range.');
      return;
    }
    const preset: CratePreset = {
      box,
      weights: this.options.format === 'auto' ? undefined : this.options.format,
      optimize: this.options.optimize === 'as generated' ? undefined : this.options.optimize,
    };
    await vscode.commands.executeCommand('stylusMl.newCrate', vscode.Uri.file(this.source.path), preset);
  }

  /** A graph node activated in a crate's preview: its layer function in the crate's model file. */
  private async openNode(name: string): Promise<void> {
    if (this.source.kind !== 'crate' || !this.source.manifest) return;
    await openLayerFunction(this.source.path, this.source.manifest, name);
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
    this.running?.abort();
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
    const saved = parseWebviewState(state);
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
