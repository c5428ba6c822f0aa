// Every `stylusMl.*` command. Each one gathers its inputs from the UI (explorer selection, active editor,
// quick picks), hands the work to the engine through CoreClient, and reports back; none computes anything
// about models itself.
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { Deployment, SectionId } from '../webview/protocol';
import { CoreUnavailableError, type CoreClient } from './core-client';
import { MANIFEST, crateDirOf, readCrate } from './crates';
import { layerAtLine } from './model-rs';
import { v } from '../core/contracts/check';
import { ShowGasReportArgsSchema } from '../core/contracts/commands';
import type { DeploymentStore } from './deployments';
import type { DeploymentNode, DeploymentsView } from './deployments-view';
import { costText } from './deployments-tree';
import { DEVNODE_CHAIN_ID } from '../core/chain/chain-ids';
import type { DevnodeController } from './devnode';
import { COMMAND_IDS, RUSTC_PROBLEM_MATCHER, SAMPLE_MODEL, TASK_TYPE, type CommandId } from './ids';
import { fromCall } from './preview-model';
import type { CratePreset, PreviewManager } from './preview';
import { chainId } from './rpc';
import type { StylusMlSettings } from './settings';
import { withTempFile } from './temp';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  core: CoreClient;
  devnode: DevnodeController;
  previews: PreviewManager;
  deployments: DeploymentStore;
  deploymentsView: DeploymentsView;
  settings: () => StylusMlSettings;
  log: vscode.LogOutputChannel;
  devnodeLog: vscode.OutputChannel;
}

const EXCLUDE = '{**/node_modules/**,**/target/**,**/.git/**}';
const KEY_PREFIX = 'stylusMl.networkKey:';

/** Shown for the few features whose engine part has not landed; each call site names the feature. */
export function notAvailableYet(feature: string, detail?: string): void {
  void vscode.window.showInformationMessage(`${feature} is not available yet${detail ? ` (${detail})` : ''}.`);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class Commands {
  constructor(private readonly d: CommandDeps) {}

  register(): vscode.Disposable[] {
    const handlers: Record<CommandId, (...args: unknown[]) => Promise<unknown>> = {
      'stylusMl.newCrate': (uri, preset) => this.newCrate(asUri(uri), asPreset(preset)),
      'stylusMl.newCrateFromSample': () => this.newCrate(vscode.Uri.joinPath(this.d.context.extensionUri, SAMPLE_MODEL)),
      'stylusMl.openPreview': (uri) => this.openPreview(asUri(uri)),
      'stylusMl.build': (uri) => this.build(asUri(uri)),
      'stylusMl.startDevnode': () => this.startDevnode(),
      'stylusMl.stopDevnode': () => this.d.devnode.stop(),
      'stylusMl.resetDevnode': () => this.resetDevnode(),
      'stylusMl.deployDevnode': (uri) => this.deployDevnode(asUri(uri)),
      'stylusMl.deployNetwork': (uri) => this.deployNetwork(asUri(uri)),
      'stylusMl.callPredict': (uri) => this.callPredict(asUri(uri)),
      // from the palette or a menu: a URI; from a layer's CodeLens: the language server's ShowGasReportArgs
      'stylusMl.showGasReport': (arg) => this.openPreview(asUri(arg) ?? lensManifest(arg), 'gas'),
      'stylusMl.devnodeActions': () => this.devnodeActions(),
      'stylusMl.showOutput': async () => this.d.log.show(),
      'stylusMl.forgetNetworkKeys': () => this.forgetNetworkKeys(),
      'stylusMl.checkPrerequisites': () => this.checkPrerequisites(),
      'stylusMl.refreshDeployments': () => this.d.deploymentsView.refresh(),
      'stylusMl.activateDeployment': (arg) => this.activateDeployment(arg),
      'stylusMl.cacheDeployment': (arg) => this.cacheDeployment(arg),
      // from a layer's CodeLens: its ShowGasReportArgs; from the palette or the editor's menu: the cursor
      'stylusMl.revealInGraph': (arg) => this.revealInGraph(arg),
    };
    return COMMAND_IDS.map((id) => vscode.commands.registerCommand(id, (...args: unknown[]) => this.guard(id, () => handlers[id](...args))));
  }

  /** One place that turns failures into messages: "not available yet" for missing engine parts. */
  private async guard<T>(id: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof CoreUnavailableError) {
        notAvailableYet(e.feature, e.detail);
      } else {
        this.d.log.error(`${id}: ${errorText(e)}`);
        void vscode.window.showErrorMessage(`Stylus ML: ${errorText(e)}`);
      }
      return undefined;
    }
  }

  // ---- choosing what a command acts on --------------------------------------------------------------

  private activeFile(): string | null {
    const session = this.d.previews.active();
    if (session?.panel.active) return session.source.path;
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    if (tab instanceof vscode.TabInputCustom || tab instanceof vscode.TabInputText) {
      if (tab.uri.scheme === 'file') return tab.uri.fsPath;
    }
    return session?.source.path ?? null;
  }

  /** A crate folder: from the argument, the active editor, or the workspace (asking when there are several). */
  private async pickCrate(uri: vscode.Uri | undefined, purpose: string): Promise<string | null> {
    const given = uri?.fsPath ?? this.activeFile();
    const fromGiven = given ? crateDirOf(given) : null;
    if (fromGiven) return fromGiven;
    const found = await vscode.workspace.findFiles(`**/${MANIFEST}`, EXCLUDE, 50);
    const dirs = found.map((u) => path.dirname(u.fsPath)).sort();
    if (dirs.length === 0) {
      const create = 'New Model Crate from ONNX…';
      const pick = await vscode.window.showWarningMessage(`No generated crate (${MANIFEST}) in this workspace to ${purpose}.`, create);
      if (pick === create) await vscode.commands.executeCommand('stylusMl.newCrate');
      return null;
    }
    if (dirs.length === 1) return dirs[0];
    const pick = await vscode.window.showQuickPick(
      dirs.map((dir) => ({ label: path.basename(dir), description: vscode.workspace.asRelativePath(dir), dir })),
      { title: `Crate to ${purpose}`, placeHolder: 'Choose a generated crate' },
    );
    return pick?.dir ?? null;
  }

  /** An .onnx file or a crate, for the preview and the gas report. */
  private async pickModelOrCrate(uri: vscode.Uri | undefined): Promise<string | null> {
    const given = uri?.fsPath ?? this.activeFile();
    if (given && (given.toLowerCase().endsWith('.onnx') || crateDirOf(given))) return given;
    const [models, manifests] = await Promise.all([
      vscode.workspace.findFiles('**/*.onnx', EXCLUDE, 200),
      vscode.workspace.findFiles(`**/${MANIFEST}`, EXCLUDE, 50),
    ]);
    const items = [
      ...manifests.map((u) => ({ label: path.basename(path.dirname(u.fsPath)), description: `crate · ${vscode.workspace.asRelativePath(u)}`, target: path.dirname(u.fsPath) })),
      ...models.map((u) => ({ label: path.basename(u.fsPath), description: `model · ${vscode.workspace.asRelativePath(u)}`, target: u.fsPath })),
    ].sort((a, b) => a.description.localeCompare(b.description));
    if (items.length === 0) {
      void vscode.window.showWarningMessage('No .onnx model or generated crate in this workspace.');
      return null;
    }
    if (items.length === 1) return items[0].target;
    const pick = await vscode.window.showQuickPick(items, { title: 'Model or crate', placeHolder: 'Choose what to preview' });
    return pick?.target ?? null;
  }

  // ---- commands -------------------------------------------------------------------------------------

  private async openPreview(uri: vscode.Uri | undefined, section?: SectionId): Promise<void> {
    const target = await this.pickModelOrCrate(uri);
    if (target) await this.d.previews.open(target, section);
  }

  /** Shows the layer of a crate's model file in the crate preview's graph. */
  private async revealInGraph(arg: unknown): Promise<void> {
    const lens = v.safeParse(ShowGasReportArgsSchema, arg);
    if (lens.success) {
      const session = await this.d.previews.open(path.dirname(lens.output.manifest), 'graph');
      session.revealNode(lens.output.layer);
      return;
    }
    const editor = vscode.window.activeTextEditor;
    const dir = editor ? crateDirOf(editor.document.uri.fsPath) : null;
    const crate = dir ? readCrate(dir) : null;
    if (!editor || !crate?.manifest || path.resolve(dir!, crate.manifest.files.modelRs) !== editor.document.uri.fsPath) {
      void vscode.window.showWarningMessage("Put the cursor in a layer function of a generated crate's model file (model.rs) to reveal its node.");
      return;
    }
    const layer = layerAtLine(crate.manifest, editor.selection.active.line + 1);
    if (!layer) {
      void vscode.window.showWarningMessage('The cursor is not inside a layer function of this model file.');
      return;
    }
    const session = await this.d.previews.open(crate.dir, 'graph');
    session.revealNode(layer.name);
  }

  private async newCrate(uri: vscode.Uri | undefined, preset?: CratePreset): Promise<void> {
    let model = uri?.fsPath.toLowerCase().endsWith('.onnx') ? uri.fsPath : null;
    const active = this.activeFile();
    if (!model && active?.toLowerCase().endsWith('.onnx')) model = active;
    if (!model) {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'ONNX models': ['onnx'] }, openLabel: 'Use this model', title: 'ONNX model to turn into a Stylus crate' });
      model = picked?.[0]?.fsPath ?? null;
    }
    if (!model) return;
    const s = this.d.settings();
    const templates = [
      { label: 'sdk', description: 'stylus-sdk crate, as `cargo stylus new` makes it', detail: 'Needs crates.io to build.' },
      { label: 'minimal', description: 'no dependencies, raw vm_hooks ABI', detail: 'Smallest code and cheapest calls; builds offline.' },
    ].sort(preferred(s.defaultTemplate));
    // from a bare model's preview: its box, weights and goal; the wizard asks for the rest
    const steps = preset ? 3 : 4;
    const template = await vscode.window.showQuickPick(templates, { title: `New Model Crate (1/${steps}): template` });
    if (!template) return;
    const policies = [
      { label: 'revert', description: 'inputs outside the declared box revert with a named error' },
      { label: 'clamp', description: 'inputs outside the declared box are clamped into it' },
    ].sort(preferred(s.inputPolicy));
    const policy = await vscode.window.showQuickPick(policies, { title: `New Model Crate (2/${steps}): out-of-range inputs` });
    if (!policy) return;
    // `stylus-ml new` proves its formats over a declared input box; it cannot guess one.
    const inputRange = preset
      ? null
      : await vscode.window.showInputBox({
          title: 'New Model Crate (3/4): declared input range',
          prompt: 'lo:hi for every input value, or lo:hi,lo:hi,... one per value',
          value: '0:10',
          validateInput: (v) => (/^\s*-?[\d.]+:-?[\d.]+(\s*,\s*-?[\d.]+:-?[\d.]+)*\s*$/.test(v) ? null : 'lo:hi, or lo:hi,lo:hi,... one per input value'),
        });
    if (!preset && !inputRange) return;
    const root = vscode.workspace.workspaceFolders?.[0]?.uri;
    const parent = await vscode.window.showOpenDialog({ canSelectFiles: false, canSelectFolders: true, canSelectMany: false, defaultUri: root, openLabel: 'Create the crate here', title: `New Model Crate (${steps}/${steps}): destination folder` });
    if (!parent?.[0]) return;
    const base = path.basename(model, path.extname(model)).replace(/[^A-Za-z0-9_-]+/g, '-').toLowerCase() || 'model';
    const name = await vscode.window.showInputBox({
      title: 'Crate folder name',
      value: `${base}-stylus`,
      validateInput: (v) => (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(v) ? 'Letters, digits, - and _ only' : existsSync(path.join(parent[0].fsPath, v)) ? 'That folder exists already' : null),
    });
    if (!name) return;
    const dir = path.join(parent[0].fsPath, name);
    const modelPath = model;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Generating ${name} from ${path.basename(modelPath)}…` }, () =>
      this.d.core.newCrate(modelPath, dir, {
        template: template.label as 'sdk' | 'minimal',
        inputPolicy: policy.label as 'revert' | 'clamp',
        ...(preset ? { box: preset.box, weights: preset.weights, optimize: preset.optimize } : { inputRange: inputRange!.replace(/\s+/g, '') }),
      }),
    );
    this.d.log.info(`created crate ${dir} from ${modelPath} (${template.label}, ${policy.label}${preset ? `, ${[...preset.box, ...(preset.weights ? ['--weights', preset.weights] : []), ...(preset.optimize ? ['--optimize', preset.optimize] : [])].join(' ')}` : ''})`);
    await this.afterCreate(dir);
  }

  /** rust-analyzer's new-project flow: open it, open it in a new window, or add it to the workspace. */
  private async afterCreate(dir: string): Promise<void> {
    const uri = vscode.Uri.file(dir);
    if (vscode.workspace.getWorkspaceFolder(uri)) {
      await this.d.previews.open(dir);
      return;
    }
    const open = 'Open';
    const newWindow = 'Open in New Window';
    const add = 'Add to Workspace';
    const pick = await vscode.window.showInformationMessage(`Created ${path.basename(dir)}.`, open, newWindow, add);
    if (pick === open) await vscode.commands.executeCommand('vscode.openFolder', uri, { forceNewWindow: false });
    else if (pick === newWindow) await vscode.commands.executeCommand('vscode.openFolder', uri, { forceNewWindow: true });
    else if (pick === add) vscode.workspace.updateWorkspaceFolders(vscode.workspace.workspaceFolders?.length ?? 0, 0, { uri });
  }

  private async build(uri: vscode.Uri | undefined): Promise<boolean> {
    const dir = await this.pickCrate(uri, 'build');
    if (!dir) return false;
    if (!(await this.buildWithTask(dir))) return false;
    void vscode.window.showInformationMessage(`Built ${path.basename(dir)}.`);
    await this.d.previews.refreshCrate(dir);
    return true;
  }

  /** Builds through the Build task, whatever asked for the build (Build, both deploys): rustc's errors
   *  reach the Problems view through its problem matcher, and a successful run clears the ones an earlier
   *  failed run left (the task system clears its matcher's markers that the new run does not report).
   *  Building through the CLI instead (`stylus-ml deploy` builds a stale crate itself) would leave them. */
  private async buildWithTask(dir: string): Promise<boolean> {
    if (!this.d.core.available()) throw new CoreUnavailableError('Build', 'the stylus-ml CLI bundle is missing');
    const code = await runTask(buildTask(this.d.core, dir));
    if (code === 0) return true;
    const problems = 'Show Problems';
    void vscode.window.showErrorMessage(`Building ${path.basename(dir)} failed (exit ${code ?? 'unknown'}).`, problems).then(async (pick) => {
      if (pick === problems) await vscode.commands.executeCommand('workbench.actions.view.problems');
    });
    return false;
  }

  private async startDevnode(): Promise<void> {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Starting the devnode' }, () => this.d.devnode.start());
  }

  private async resetDevnode(): Promise<void> {
    const url = this.d.devnode.url();
    await this.d.devnode.reset();
    if (url) await this.d.deployments.forgetRpc(url);
    void this.d.deploymentsView.refresh();
  }

  /** The running devnode's URL, offering to start one when none runs. */
  private async devnodeUrlOrStart(): Promise<string | null> {
    const running = this.d.devnode.url();
    if (running) return running;
    const start = 'Start Devnode';
    const pick = await vscode.window.showWarningMessage('No devnode is running. Start one and deploy to it?', start);
    if (pick !== start) return null;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Starting the devnode…' }, () => this.d.devnode.start());
    return this.d.devnode.url();
  }

  private async deployDevnode(uri: vscode.Uri | undefined): Promise<void> {
    const dir = await this.pickCrate(uri, 'deploy');
    if (!dir) return;
    const url = await this.devnodeUrlOrStart();
    if (!url) return;
    if (await this.buildWithTask(dir)) await this.deploy(dir, url);
  }

  private async deploy(dir: string, rpcUrl: string, keyFile?: string): Promise<Deployment> {
    const name = path.basename(dir);
    // a model of many parts reports each one; Cancel stops between parts, and deploying again resumes
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Deploying ${name}`, cancellable: true }, async (progress, token) => {
      const abort = new AbortController();
      const cancel = token.onCancellationRequested(() => abort.abort());
      let done = 0;
      progress.report({ message: 'deploy, then activate…' });
      try {
        return await this.d.core.deploy(dir, rpcUrl, keyFile, {
          signal: abort.signal,
          onProgress: (p) => {
            if (p.phase !== 'done') return progress.report({ message: `part ${p.index} of ${p.total}: ${p.part} (${p.phase})…` });
            const increment = (100 * (p.index - done)) / p.total;
            done = p.index;
            progress.report({ message: `part ${p.index} of ${p.total}: ${p.part} ${p.status === 'present' ? 'already on chain' : 'deployed'}`, increment });
          },
        });
      } catch (e) {
        if (abort.signal.aborted) throw new Error(`Deployment of ${name} cancelled after ${done} part(s); the parts on chain stay, and deploying again continues from there.`, { cause: e });
        throw e;
      } finally {
        cancel.dispose();
      }
    });
    const deployment: Deployment = { address: r.address, rpcUrl, deployTx: r.deploy.hash, activateTx: r.activate.hash };
    await this.d.deployments.set(dir, deployment);
    void this.d.deploymentsView.refresh();
    this.d.log.info(`deployed ${name} at ${r.address} on ${rpcUrl}: deploy ${r.deploy.hash ?? 'already on chain'} (${r.deploy.gasUsed} gas), activate ${r.activate.hash} (${r.activate.gasUsed} gas, data fee ${r.activate.dataFeeWei} wei)${r.parts ? `; ${r.parts.length} parts (${r.parts.filter((p) => p.status === 'present').length} already on chain)` : ''}`);
    await this.d.previews.refreshCrate(dir);
    const call = 'Call Predict…';
    void vscode.window.showInformationMessage(`Deployed ${name} at ${r.address}.`, call).then((pick) => {
      if (pick === call) void vscode.commands.executeCommand('stylusMl.callPredict', vscode.Uri.file(dir));
    });
    return deployment;
  }

  private async deployNetwork(uri: vscode.Uri | undefined): Promise<void> {
    const dir = await this.pickCrate(uri, 'deploy');
    if (!dir) return;
    const configured = this.d.settings().devnode.rpcUrl;
    const items: (vscode.QuickPickItem & { url?: string })[] = [
      ...(configured ? [{ label: configured, description: 'stylusMl.devnode.rpcUrl', url: configured }] : []),
      { label: 'Arbitrum Sepolia', description: 'https://sepolia-rollup.arbitrum.io/rpc', url: 'https://sepolia-rollup.arbitrum.io/rpc' },
      { label: 'Arbitrum One', description: 'https://arb1.arbitrum.io/rpc', url: 'https://arb1.arbitrum.io/rpc' },
      { label: 'Other RPC URL…' },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: 'Deploy to network' });
    if (!pick) return;
    const url =
      pick.url ??
      (await vscode.window.showInputBox({ title: 'RPC URL', placeHolder: 'https://…', validateInput: (v) => (/^https?:\/\/\S+$/.test(v) ? null : 'An http(s) URL') }));
    if (!url) return;
    const id = await chainId(url).catch((e: unknown) => {
      throw new Error(`${url} does not answer eth_chainId: ${errorText(e)}`);
    });
    const key = await this.networkKey(url);
    if (!key) return;
    const confirm = 'Deploy';
    const ok = await vscode.window.showWarningMessage(`Deploy ${path.basename(dir)} to ${url} (chain id ${id})? Deployment and activation spend funds from your key's account.`, { modal: true }, confirm);
    if (ok !== confirm) return;
    if (!(await this.buildWithTask(dir))) return;
    // The key reaches the CLI as a private temporary file, never on the command line.
    await withTempFile('key', key, (file) => this.deploy(dir, url, file));
  }

  /** The deployer key for an RPC origin, from SecretStorage, asking once. */
  private async networkKey(url: string): Promise<string | undefined> {
    const id = KEY_PREFIX + new URL(url).origin;
    const stored = await this.d.context.secrets.get(id);
    if (stored) return stored;
    const key = await vscode.window.showInputBox({
      title: `Private key for ${new URL(url).host}`,
      prompt: 'Stored in VS Code SecretStorage for this RPC origin; never written to settings or logs.',
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (/^(0x)?[0-9a-fA-F]{64}$/.test(v.trim()) ? null : '32 bytes in hex'),
    });
    if (!key) return undefined;
    await this.d.context.secrets.store(id, key.trim());
    const known = this.d.context.globalState.get<string[]>('stylusMl.keyIds', []);
    if (!known.includes(id)) await this.d.context.globalState.update('stylusMl.keyIds', [...known, id]);
    return key.trim();
  }

  /** The walkthrough's first step: `stylus-ml doctor`, written to the output, summed up in a notification. */
  private async checkPrerequisites(): Promise<void> {
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Stylus ML: checking prerequisites…' }, () => this.d.core.doctor());
    this.d.log.info(`prerequisites (stylus-ml ${r.version}):`);
    for (const c of r.checks) this.d.log.info(`  ${c.ok ? 'ok' : c.required ? 'MISSING' : 'missing'}  ${c.id}: ${c.detail}${c.fix ? ` — fix: ${c.fix}` : ''}`);
    const missingRequired = r.checks.filter((c) => c.required && !c.ok);
    const optional = r.checks.filter((c) => !c.required && !c.ok).map((c) => c.id);
    const show = 'Show Report';
    if (missingRequired.length === 0) {
      const msg = `Stylus ML is ready: ${r.checks.find((c) => c.id === 'wasm32-minimal')?.detail ?? 'all required parts found'}.${optional.length ? ` Optional, not found: ${optional.join(', ')}.` : ''}`;
      if ((await vscode.window.showInformationMessage(msg, show)) === show) this.d.log.show();
      return;
    }
    const first = missingRequired[0];
    const copy = 'Copy Install Command';
    const pick = await vscode.window.showWarningMessage(`Stylus ML needs ${missingRequired.map((c) => c.id).join(', ')}: ${first.detail}`, ...(first.fix ? [copy] : []), show);
    if (pick === copy && first.fix) await vscode.env.clipboard.writeText(first.fix);
    if (pick === show) this.d.log.show();
  }

  private async forgetNetworkKeys(): Promise<void> {
    const known = this.d.context.globalState.get<string[]>('stylusMl.keyIds', []);
    await Promise.all(known.map((id) => this.d.context.secrets.delete(id)));
    await this.d.context.globalState.update('stylusMl.keyIds', []);
    void vscode.window.showInformationMessage(`Forgot ${known.length} stored network key${known.length === 1 ? '' : 's'}.`);
  }

  private async callPredict(uri: vscode.Uri | undefined): Promise<void> {
    const all = this.d.deployments.all();
    let dir = uri ? crateDirOf(uri.fsPath) : null;
    if (!dir || !all[dir]) {
      const entries = Object.entries(all);
      if (entries.length === 0) {
        void vscode.window.showWarningMessage('Nothing is deployed yet: run "Stylus ML: Deploy to Devnode" first.');
        return;
      }
      const pick =
        entries.length === 1
          ? { dir: entries[0][0] }
          : await vscode.window.showQuickPick(
              entries.map(([d, dep]) => ({ label: path.basename(d), description: `${dep.address} · ${dep.rpcUrl}`, dir: d })),
              { title: 'Call predict on' },
            );
      if (!pick) return;
      dir = pick.dir;
    }
    const deployment = all[dir];
    const input = await vscode.window.showInputBox({
      title: `predict on ${path.basename(dir)} at ${deployment.address}`,
      prompt: 'Input as JSON: an array of numbers, an object mapping input names to arrays, or an array of such cases (sent in one predictBatch call)',
      validateInput: (v) => {
        try {
          JSON.parse(v);
          return null;
        } catch (e) {
          return `Not valid JSON: ${errorText(e)}`;
        }
      },
    });
    if (input === undefined) return;
    const crate = dir;
    // several cases (an array of arrays or of objects): all in one predictBatch transaction
    const parsed = JSON.parse(input) as unknown;
    const batch = Array.isArray(parsed) && parsed.length > 1 && parsed.every((c) => typeof c === 'object' && c !== null);
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: batch ? 'Calling predictBatch…' : 'Calling predict…' }, () =>
      withTempFile('input.json', input, (file) => this.d.core.call(crate, file, deployment.rpcUrl, true, batch)),
    );
    if (result.batch) {
      const b = result.batch;
      result.cases.forEach((c, k) => this.d.log.info(`predictBatch case ${k}: ${Object.entries(c.outputs).map(([name, o]) => `${name} = [${o.fixed.join(', ')}]`).join('; ')}`));
      const match = result.matchesSimulator ? 'every case equals the simulator' : `${result.cases.filter((c) => !c.matchesSimulator).length} case(s) DIFFER from the simulator`;
      const gas = b.gasUsed === null ? '' : `: ${b.gasUsed.toLocaleString('en-US')} gas, ${b.gasPerCase!.toLocaleString('en-US')} per case`;
      this.d.log.info(`predictBatch on ${deployment.address}: ${b.cases} cases in one transaction${gas}${b.hash ? `; tx ${b.hash}` : ''}${b.error ? `; reverted: ${b.error}` : ''}; ${match}`);
      void vscode.window.showInformationMessage(`predictBatch: ${b.cases} cases in one transaction${gas}${b.error ? ` (reverted: ${b.error})` : ''}; ${match}.`);
      return;
    }
    const r = fromCall(result);
    const outputs = r.outputs.map((o) => `${o.name} = [${o.values.join(', ')}]`).join('; ');
    const match = r.matchesSimulator === null ? '' : r.matchesSimulator ? ', matches the simulator' : ', DIFFERS from the simulator';
    this.d.log.info(`predict on ${deployment.address}: ${outputs}; gasUsed ${r.gasUsed}${r.txHash ? `; tx ${r.txHash}` : ''}${match}`);
    void vscode.window.showInformationMessage(`predict: ${outputs} (gas ${r.gasUsed}${match}).`);
  }

  // ---- the Deployments view's actions ---------------------------------------------------------------

  /** The deployment an action is for: the view's row, a crate's URI, else asked for. */
  private async pickDeployment(arg: unknown, purpose: string): Promise<{ dir: string; deployment: Deployment } | null> {
    const all = this.d.deployments.all();
    const node = arg as DeploymentNode | undefined;
    const fromArg = node?.kind === 'deployment' ? node.row.crateDir : arg instanceof vscode.Uri ? crateDirOf(arg.fsPath) : null;
    if (fromArg && all[fromArg]) return { dir: fromArg, deployment: all[fromArg] };
    const entries = Object.entries(all);
    if (entries.length === 0) {
      void vscode.window.showWarningMessage('Nothing is deployed yet: run "Stylus ML: Deploy to Devnode" first.');
      return null;
    }
    const pick = await vscode.window.showQuickPick(
      entries.map(([dir, d]) => ({ label: path.basename(dir), description: `${d.address} · ${d.rpcUrl}`, dir })),
      { title: `Deployment to ${purpose}` },
    );
    return pick ? { dir: pick.dir, deployment: all[pick.dir] } : null;
  }

  /** Runs `fn` with a key file for a network deployment (SecretStorage), or none on a devnode. */
  private async withDeploymentKey<T>(deployment: Deployment, fn: (keyFile?: string) => Promise<T>): Promise<T | undefined> {
    if ((await chainId(deployment.rpcUrl)) === DEVNODE_CHAIN_ID) return fn(undefined);
    const key = await this.networkKey(deployment.rpcUrl);
    if (!key) return undefined;
    return withTempFile('key', key, (file) => fn(file));
  }

  /** activate (re-activation or keepalive): priced first, shown in a modal, then sent. */
  private async activateDeployment(arg: unknown): Promise<void> {
    const picked = await this.pickDeployment(arg, 'activate');
    if (!picked) return;
    const { dir, deployment: d } = picked;
    const name = path.basename(dir);
    await this.withDeploymentKey(d, async (keyFile) => {
      const plan = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Pricing the activation of ${name}…` }, () => this.d.core.activate(dir, d.rpcUrl, d.address, { dryRun: true, keyFile }));
      if (plan.action === 'none' || !plan.cost) {
        void vscode.window.showInformationMessage(`${name}: nothing to do (${plan.reason}).`);
        return;
      }
      const verb = plan.action === 'activate' ? 'Activate' : 'Keep Alive';
      const ok = await vscode.window.showWarningMessage(`${verb} ${name} at ${d.address}? ${plan.reason}. Cost: ${costText(plan.cost, 'data fee')}.`, { modal: true }, verb);
      if (ok !== verb) return;
      const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `${verb}: ${name}…` }, () => this.d.core.activate(dir, d.rpcUrl, d.address, { dryRun: false, keyFile }));
      this.d.log.info(`${plan.action} ${name} at ${d.address}: tx ${r.sent?.hash} (${r.sent?.gasUsed} gas, data fee ${r.sent?.dataFeeWei} wei)`);
      void vscode.window.showInformationMessage(`${plan.action === 'activate' ? 'Activated' : 'Kept alive'} ${name}: expires in ${r.after?.expiresInDays ?? '?'} days.`);
    });
    await this.d.deploymentsView.refresh();
  }

  /** cache: the CacheManager bid (the least accepted), priced first, shown in a modal, then sent. */
  private async cacheDeployment(arg: unknown): Promise<void> {
    const picked = await this.pickDeployment(arg, 'cache');
    if (!picked) return;
    const { dir, deployment: d } = picked;
    const name = path.basename(dir);
    await this.withDeploymentKey(d, async (keyFile) => {
      const plan = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Pricing a cache bid for ${name}…` }, () => this.d.core.cache(dir, d.rpcUrl, d.address, { dryRun: true, keyFile }));
      if (plan.action === 'none' || !plan.cost) {
        void vscode.window.showInformationMessage(`${name}: nothing to do (${plan.reason}).`);
        return;
      }
      const saves = plan.savedPerCallGas !== null ? ` Every call then pays ${plan.savedPerCallGas.toLocaleString('en-US')} gas less to start the program.` : '';
      const ok = await vscode.window.showWarningMessage(`Cache ${name} at ${d.address} with a bid of ${plan.bidWei} wei (the least the CacheManager accepts now)? Cost: ${costText(plan.cost, 'bid')}.${saves}`, { modal: true }, 'Cache');
      if (ok !== 'Cache') return;
      const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Caching ${name}…` }, () => this.d.core.cache(dir, d.rpcUrl, d.address, { dryRun: false, keyFile }));
      this.d.log.info(`cached ${name} at ${d.address}: tx ${r.sent?.hash} (${r.sent?.gasUsed} gas, bid ${r.bidWei} wei)`);
      void vscode.window.showInformationMessage(`Cached ${name}: a call now starts for ${r.after?.cachedInitGas?.toLocaleString('en-US') ?? '?'} gas.`);
    });
    await this.d.deploymentsView.refresh();
  }

  private async devnodeActions(): Promise<void> {
    const st = this.d.devnode.state();
    const running = st.status === 'running';
    const items: (vscode.QuickPickItem & { run: () => Thenable<unknown> | Promise<unknown> })[] = [
      ...(running
        ? [
            { label: '$(debug-stop) Stop Devnode', run: () => vscode.commands.executeCommand('stylusMl.stopDevnode') },
            { label: '$(debug-restart) Reset Devnode', description: 'a fresh chain', run: () => vscode.commands.executeCommand('stylusMl.resetDevnode') },
            { label: '$(copy) Copy RPC URL', description: st.url ?? '', run: () => vscode.env.clipboard.writeText(st.url ?? '') },
          ]
        : [{ label: '$(play) Start Devnode', description: st.mode, run: () => vscode.commands.executeCommand('stylusMl.startDevnode') }]),
      { label: '$(output) Show Devnode Log', run: async () => this.d.devnodeLog.show() },
      { label: '$(gear) Devnode Settings', run: () => vscode.commands.executeCommand('workbench.action.openSettings', 'stylusMl.devnode') },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: `Devnode: ${st.status} (${st.mode})${st.blockNumber !== null ? `, block ${st.blockNumber}` : ''}` });
    await pick?.run();
  }
}

// ---- tasks ------------------------------------------------------------------------------------------

export interface StylusMlTaskDefinition extends vscode.TaskDefinition {
  command: 'build';
  crate: string;
}

/** `stylus-ml build DIR` as a task, so rustc's errors land in the Problems view via the problem matcher. */
export function buildTask(core: CoreClient, dir: string, definition?: StylusMlTaskDefinition): vscode.Task {
  const def: StylusMlTaskDefinition = definition ?? { type: TASK_TYPE, command: 'build', crate: dir };
  const scope = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(dir)) ?? vscode.TaskScope.Workspace;
  const exec = new vscode.ProcessExecution(core.nodePath, core.cliArgs(['build', dir]), { cwd: dir, env: { ELECTRON_RUN_AS_NODE: '1' } });
  const task = new vscode.Task(def, scope, `build ${path.basename(dir)}`, TASK_TYPE, exec, [RUSTC_PROBLEM_MATCHER]);
  task.group = vscode.TaskGroup.Build;
  task.presentationOptions = { reveal: vscode.TaskRevealKind.Silent, clear: true, showReuseMessage: false };
  return task;
}

export function taskProvider(core: CoreClient): vscode.TaskProvider {
  return {
    async provideTasks() {
      if (!core.available()) return [];
      const found = await vscode.workspace.findFiles(`**/${MANIFEST}`, EXCLUDE, 50);
      return found.map((u) => buildTask(core, path.dirname(u.fsPath)));
    },
    resolveTask(task) {
      const def = task.definition as StylusMlTaskDefinition;
      if (def.command !== 'build' || typeof def.crate !== 'string') return undefined;
      const dir = path.resolve(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', def.crate);
      return buildTask(core, dir, def);
    },
  };
}

/** Runs a task and resolves with its exit code. */
export async function runTask(task: vscode.Task): Promise<number | undefined> {
  const execution = await vscode.tasks.executeTask(task);
  return new Promise((resolve) => {
    const sub = vscode.tasks.onDidEndTaskProcess((e) => {
      if (e.execution === execution) {
        sub.dispose();
        resolve(e.exitCode);
      }
    });
  });
}

/** Sort comparator that puts the configured default first. */
function preferred(label: string) {
  return (a: { label: string }, b: { label: string }) => Number(b.label === label) - Number(a.label === label);
}

/** A preview's crate settings (checked: a command argument can come from anywhere). */
function asPreset(p: unknown): CratePreset | undefined {
  const r = v.safeParse(
    v.object({ box: v.array(v.string()), weights: v.optional(v.picklist(['i8', 'i16', 'i32'])), optimize: v.optional(v.picklist(['gas', 'size'])) }),
    p,
  );
  return r.success && r.output.box.length > 0 ? r.output : undefined;
}

function asUri(v: unknown): vscode.Uri | undefined {
  return v instanceof vscode.Uri ? v : undefined;
}

/** The crate manifest named by a CodeLens's arguments (checked: they come from another process). */
function lensManifest(arg: unknown): vscode.Uri | undefined {
  const r = v.safeParse(ShowGasReportArgsSchema, arg);
  return r.success ? vscode.Uri.file(r.output.manifest) : undefined;
}

