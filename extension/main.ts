// Extension entry point (bundled as dist/extension.js). Wires the pieces together; each piece lives in its
// own module. Activation is cheap: nothing here waits on the engine, the devnode or the language server.
import * as vscode from 'vscode';
import { Commands, taskProvider } from './commands';
import { ContextKeys } from './context-keys';
import { CoreClient } from './core-client';
import { MANIFEST } from './crates';
import { DeploymentStore } from './deployments';
import { DeploymentsView } from './deployments-view';
import { DevnodeController, type DevnodeState } from './devnode';
import { CONTEXT_KEYS, TASK_TYPE } from './ids';
import { LanguageClientHost } from './language-client';
import { PreviewManager } from './preview';
import { ProcessRegistry, type ManagedProcess } from './process-registry';
import { SETTINGS_SECTION, readSettings, type StylusMlSettings } from './settings';

/** What activate() returns: read by the in-host tests and by other extensions. */
export interface StylusMlApi {
  readonly apiVersion: 1;
  /** wall-clock milliseconds activate() took */
  readonly activationMs: number;
  /** milliseconds from the bundle's first statement to the end of its loading (null when not bundled) */
  readonly codeLoadMs: number | null;
  /** resolves when the workspace scan that sets the context keys has finished */
  readonly ready: Promise<void>;
  contextKeys(): Record<string, boolean>;
  settings(): StylusMlSettings;
  devnode(): DevnodeState;
  /** open model previews: an .onnx file or a crate folder, and whether the webview has loaded */
  previews(): { kind: 'onnx' | 'crate'; path: string; ready: boolean }[];
  processes: {
    list(): { pid: number; label: string }[];
    /** starts a process the extension owns (and stops on deactivate) */
    spawn(label: string, command: string, args: string[]): ManagedProcess;
  };
}

/** set by the bundle's banner (scripts/build.mjs) before any module code runs */
declare const __stylusMlLoadStart: number | undefined;

let registry: ProcessRegistry | null = null;
let languageClient: LanguageClientHost | null = null;

export function activate(context: vscode.ExtensionContext): StylusMlApi {
  const t0 = performance.now();
  const log = vscode.window.createOutputChannel('Stylus ML', { log: true });
  const devnodeLog = vscode.window.createOutputChannel('Stylus ML Devnode');
  const processes = new ProcessRegistry();
  registry = processes;
  const settings = () => readSettings(vscode.workspace.getConfiguration(SETTINGS_SECTION));
  const contextKeys = new ContextKeys();
  for (const key of Object.values(CONTEXT_KEYS)) void contextKeys.set(key, false);

  const core = new CoreClient({
    cliPath: context.asAbsolutePath('dist/cli.js'),
    // VS Code's own runtime; ELECTRON_RUN_AS_NODE makes the desktop build behave as plain Node.
    nodePath: process.execPath,
    env: { ELECTRON_RUN_AS_NODE: '1' },
    registry: processes,
    log: (l) => log.info(l),
  });
  void contextKeys.set(CONTEXT_KEYS.coreAvailable, core.available());

  const devnode = new DevnodeController(processes, core, context.asAbsolutePath('dist/devnode.js'), settings, devnodeLog, contextKeys);
  const deployments = new DeploymentStore(context.workspaceState, contextKeys);
  const deploymentsView = new DeploymentsView(deployments, core, log);
  const previews = new PreviewManager({ extensionUri: context.extensionUri, core, settings, log, deployments, state: context.workspaceState });
  const commands = new Commands({ context, core, devnode, previews, deployments, deploymentsView, settings, log, devnodeLog });
  languageClient = new LanguageClientHost(context.asAbsolutePath('dist/server.js'), processes, log, settings);

  context.subscriptions.push(
    log,
    devnodeLog,
    devnode,
    previews,
    deploymentsView,
    onDevnodeStatus(devnode, () => void deploymentsView.refresh()),
    languageClient,
    ...previews.register(),
    ...commands.register(),
    vscode.tasks.registerTaskProvider(TASK_TYPE, taskProvider(core)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(`${SETTINGS_SECTION}.estimates`)) void previews.refreshAll();
      if (e.affectsConfiguration(`${SETTINGS_SECTION}.devnode`) && devnode.state().status === 'running') {
        const restart = 'Restart Devnode';
        void vscode.window.showInformationMessage('Devnode settings changed; they apply when the devnode restarts.', restart).then((pick) => {
          if (pick === restart) void devnode.stop().then(() => devnode.start());
        });
      }
    }),
  );

  const ready = watchWorkspace(context, contextKeys);
  languageClient.watch();

  const activationMs = performance.now() - t0;
  log.info(
    `activated in ${activationMs.toFixed(1)} ms, code loaded in ${codeLoadMs === null ? '?' : codeLoadMs.toFixed(1)} ms (engine CLI ${core.available() ? 'present' : 'missing'})`,
  );
  return {
    apiVersion: 1,
    activationMs,
    codeLoadMs,
    ready,
    contextKeys: () => contextKeys.snapshot(),
    settings,
    devnode: () => devnode.state(),
    previews: () => previews.list(),
    processes: {
      list: () => processes.list(),
      spawn: (label, command, args) => processes.spawn(label, command, args, { stdio: 'ignore' }),
    },
  };
}

/** Calls `fn` when the devnode's status changes (started, stopped, reset), not on every block it reports. */
function onDevnodeStatus(devnode: DevnodeController, fn: () => void): vscode.Disposable {
  let last = devnode.state().status;
  return devnode.onDidChange((st) => {
    if (st.status !== last) fn();
    last = st.status;
  });
}

/** Keeps stylusMl.inProject / stylusMl.hasModel in step with the workspace's files. */
function watchWorkspace(context: vscode.ExtensionContext, keys: ContextKeys): Promise<void> {
  const exclude = '{**/node_modules/**,**/target/**,**/.git/**}';
  const scan = async () => {
    const [crates, models] = await Promise.all([
      vscode.workspace.findFiles(`**/${MANIFEST}`, exclude, 1),
      vscode.workspace.findFiles('**/*.onnx', exclude, 1),
    ]);
    await keys.set(CONTEXT_KEYS.inProject, crates.length > 0);
    await keys.set(CONTEXT_KEYS.hasModel, crates.length > 0 || models.length > 0);
  };
  let pending: NodeJS.Timeout | undefined;
  const rescan = () => {
    clearTimeout(pending);
    pending = setTimeout(() => void scan(), 300);
  };
  for (const glob of [`**/${MANIFEST}`, '**/*.onnx']) {
    const w = vscode.workspace.createFileSystemWatcher(glob, false, true, false);
    context.subscriptions.push(w, w.onDidCreate(rescan), w.onDidDelete(rescan));
  }
  // Also when the window regains focus: files may have changed while a watcher was not yet running.
  context.subscriptions.push(
    vscode.workspace.onDidChangeWorkspaceFolders(rescan),
    vscode.window.onDidChangeWindowState((w) => w.focused && rescan()),
    { dispose: () => clearTimeout(pending) },
  );
  return scan();
}

/** Stops the language server and every child process before the host goes away. */
export async function deactivate(): Promise<void> {
  await languageClient?.stop();
  await registry?.disposeAll();
  languageClient = null;
  registry = null;
}

// Last statement of the bundle's module code: everything imported above has been evaluated by now.
const codeLoadMs = typeof __stylusMlLoadStart === 'number' ? performance.now() - __stylusMlLoadStart : null;
