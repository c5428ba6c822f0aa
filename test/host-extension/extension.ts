// The in-host suite: runs inside the same extension host as the real Stylus ML extension, against the real
// vscode API, and writes results-<n>.json for test/e2e/host.test.ts. Expects the workspace that
// host.test.ts builds: models/iris-logreg.onnx and crate/stylus-ml.json.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { strict as assert } from 'node:assert';
import path from 'node:path';
import * as vscode from 'vscode';
import type { StylusMlApi } from '../../extension/main';
import { resultsFile, type HostSuiteResults } from './results';
import { Suite, until } from './runner';

const EXTENSION_ID = 'stylus-ml.stylus-ml';

export async function activate(): Promise<void> {
  const dir = vscode.workspace.getConfiguration('stylusMlHostTests').get<string>('resultsDir');
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const activation = readdirSync(dir).filter((f) => /^results-\d+\.json$/.test(f)).length + 1;
  const data: HostSuiteResults['data'] = { extensionHostPid: process.pid };
  const startedAt = new Date().toISOString();
  const tests = await suite(activation, data).run();
  const out: HostSuiteResults = { activation, startedAt, tests, data };
  const file = resultsFile(dir, activation);
  writeFileSync(`${file}.tmp`, JSON.stringify(out, null, 2));
  renameSync(`${file}.tmp`, file); // the outer test never sees a half-written file
}

function folder(): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the suite needs a workspace folder');
  return f.uri;
}

async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

function activeCustomEditor(): vscode.TabInputCustom | null {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom ? input : null;
}

function suite(activation: number, data: HostSuiteResults['data']): Suite {
  const s = new Suite();
  let api!: StylusMlApi;
  let ext!: vscode.Extension<StylusMlApi>;

  s.test('the extension activates and exports its API', async () => {
    const found = vscode.extensions.getExtension<StylusMlApi>(EXTENSION_ID);
    assert.ok(found, `${EXTENSION_ID} is installed`);
    ext = found;
    api = await ext.activate();
    assert.equal(api.apiVersion, 1);
    assert.ok(api.activationMs > 0 && api.activationMs < 5000, `activation took ${api.activationMs} ms`);
    data.activationMs = api.activationMs;
    // the packaged bundle times its own loading (scripts/build.mjs's banner)
    assert.ok(api.codeLoadMs !== null && api.codeLoadMs > 0 && api.codeLoadMs < 5000, `code loading took ${api.codeLoadMs} ms`);
    data.codeLoadMs = api.codeLoadMs;
    await api.ready;
  });

  if (activation > 1) {
    s.test('the crate preview that was open before the reload is restored by the panel serializer', async () => {
      const crate = vscode.Uri.joinPath(folder(), 'crate').fsPath;
      await until('the restored crate preview', () => api.previews().find((p) => p.kind === 'crate' && p.path === crate && p.ready), 20_000);
      await closeAllEditors();
    }, 30_000);
  }

  s.test('it registers exactly the commands package.json contributes, each in category "Stylus ML"', async () => {
    const contributed = (ext.packageJSON.contributes.commands as { command: string; category: string; title: string }[]);
    for (const c of contributed) {
      assert.match(c.command, /^stylusMl\.[a-zA-Z]+$/, `${c.command} is a stylusMl.* id`);
      assert.equal(c.category, 'Stylus ML', `${c.command} has category "Stylus ML"`);
    }
    // VS Code adds <view id>.focus, .open, .removeView, … for each contributed view (stylusMl.deployments)
    const views = Object.values(ext.packageJSON.contributes.views as Record<string, { id: string }[]>).flat().map((v) => `${v.id}.`);
    const registered = (await vscode.commands.getCommands(true)).filter((id) => id.startsWith('stylusMl.') && !views.some((v) => id.startsWith(v))).sort();
    assert.deepEqual(registered, contributed.map((c) => c.command).sort());
  });

  s.test('context keys: the crate and the model in the workspace are found; no devnode runs', async () => {
    const keys = api.contextKeys();
    assert.equal(keys['stylusMl.inProject'], true);
    assert.equal(keys['stylusMl.hasModel'], true);
    assert.equal(keys['stylusMl.devnodeRunning'], false);
    assert.equal(keys['stylusMl.devnodeBusy'], false);
    const cli = path.join(ext.extensionPath, 'dist', 'cli.js');
    assert.equal(keys['stylusMl.coreAvailable'], existsSync(cli));
    data.coreAvailable = existsSync(cli);
  });

  // First activation only: right after a window reload the remote file watcher can start late.
  if (activation === 1) s.test('deleting and restoring stylus-ml.json turns stylusMl.inProject off and on again', async () => {
    const manifest = vscode.Uri.joinPath(folder(), 'crate', 'stylus-ml.json');
    const content = await vscode.workspace.fs.readFile(manifest);
    await vscode.workspace.fs.delete(manifest);
    await until('inProject to become false', () => api.contextKeys()['stylusMl.inProject'] === false);
    assert.equal(api.contextKeys()['stylusMl.hasModel'], true, 'the .onnx file still counts as a model');
    await vscode.workspace.fs.writeFile(manifest, content);
    await until('inProject to become true', () => api.contextKeys()['stylusMl.inProject'] === true);
  });

  s.test('every setting has its documented default, a scope and a description', async () => {
    const props = ext.packageJSON.contributes.configuration.properties as Record<string, { default: unknown; scope?: string; markdownDescription?: string; description?: string }>;
    const cfg = vscode.workspace.getConfiguration();
    for (const [key, schema] of Object.entries(props)) {
      assert.deepEqual(cfg.inspect(key)?.defaultValue, schema.default, `default of ${key}`);
      assert.ok(schema.scope, `${key} has a scope`);
      assert.ok((schema.markdownDescription ?? schema.description ?? '').length > 20, `${key} has a description`);
    }
    // The typed reader returns the effective values (the outer test may set a port in user settings).
    const get = (k: string) => cfg.get(`stylusMl.${k}`);
    assert.deepEqual(api.settings(), {
      devnode: { mode: get('devnode.mode'), port: get('devnode.port'), arbosVersion: get('devnode.arbosVersion'), rpcUrl: get('devnode.rpcUrl') },
      defaultTemplate: get('defaultTemplate'),
      inputPolicy: get('inputPolicy'),
      estimates: { enable: get('estimates.enable') },
      diagnostics: { enable: get('diagnostics.enable'), debounceMs: get('diagnostics.debounceMs') },
      codeLens: { enable: get('codeLens.enable') },
    });
  });

  s.test('a changed setting is read at once; a malformed one falls back to its default', async () => {
    const cfg = () => vscode.workspace.getConfiguration('stylusMl');
    try {
      await cfg().update('devnode.port', 9545, vscode.ConfigurationTarget.Workspace);
      assert.equal(api.settings().devnode.port, 9545);
      await cfg().update('devnode.port', 'not a port', vscode.ConfigurationTarget.Workspace);
      assert.equal(api.settings().devnode.port, 8547, 'a malformed port falls back to the default');
      await cfg().update('devnode.mode', 'teleport', vscode.ConfigurationTarget.Workspace);
      assert.equal(api.settings().devnode.mode, 'embedded');
    } finally {
      await cfg().update('devnode.port', undefined, vscode.ConfigurationTarget.Workspace);
      await cfg().update('devnode.mode', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  s.test('opening an .onnx file opens the Stylus ML model preview (a read-only custom editor)', async () => {
    await closeAllEditors();
    const model = vscode.Uri.joinPath(folder(), 'models', 'iris-logreg.onnx');
    await vscode.commands.executeCommand('vscode.open', model);
    const tab = await until('the custom editor', activeCustomEditor);
    assert.equal(tab.viewType, 'stylusMl.modelPreview');
    assert.equal(tab.uri.fsPath, model.fsPath);
    await closeAllEditors();
  });

  s.test('"Show Gas Report" with a model argument opens that model\'s preview', async () => {
    await closeAllEditors();
    const model = vscode.Uri.joinPath(folder(), 'models', 'iris-logreg.onnx');
    await vscode.commands.executeCommand('stylusMl.showGasReport', model);
    const tab = await until('the preview', activeCustomEditor);
    assert.equal(tab.uri.fsPath, model.fsPath);
    await closeAllEditors();
  });

  s.test('Start Devnode: without the engine it stays stopped and says why; with it, it runs and stops', async () => {
    // Whether the package has a devnode: its own entry, or a devnode command in the CLI's usage.
    const cli = path.join(ext.extensionPath, 'dist', 'cli.js');
    const usage = existsSync(cli) ? spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } }).stdout : '';
    const hasDevnode = existsSync(path.join(ext.extensionPath, 'dist', 'devnode.js')) || /^\s+devnode\s/m.test(usage);
    await vscode.commands.executeCommand('stylusMl.startDevnode');
    const st = api.devnode();
    if (!hasDevnode) {
      assert.equal(st.status, 'stopped');
      assert.match(st.error ?? '', /not available yet/);
      assert.equal(api.contextKeys()['stylusMl.devnodeRunning'], false);
      return;
    }
    assert.equal(st.status, 'running', st.error ?? '');
    assert.equal(api.contextKeys()['stylusMl.devnodeRunning'], true);
    assert.ok(st.pid && api.processes.list().some((p) => p.pid === st.pid), 'the devnode is an owned process');
    await until('a block number', () => api.devnode().blockNumber !== null);
    await vscode.commands.executeCommand('stylusMl.stopDevnode');
    assert.equal(api.devnode().status, 'stopped');
    assert.equal(api.contextKeys()['stylusMl.devnodeRunning'], false);
  }, 45_000);

  s.test('opening a Rust file starts the language server as a process the extension owns (when bundled)', async () => {
    const bundled = existsSync(path.join(ext.extensionPath, 'dist', 'server.js'));
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder(), 'crate', 'src', 'lib.rs'));
    await vscode.window.showTextDocument(doc);
    if (!bundled) {
      await new Promise((r) => setTimeout(r, 1000));
      assert.ok(!api.processes.list().some((p) => p.label === 'language server'), 'no server process without dist/server.js');
      return;
    }
    const server = await until('the language server process', () => api.processes.list().find((p) => p.label === 'language server'), 15_000);
    data.languageServerPid = server.pid;
    await closeAllEditors();
  }, 30_000);

  if (activation === 1) {
    s.test('processes the extension starts are owned and listed (the outer test checks they die on deactivate)', async () => {
      const pidFile = path.join(folder().fsPath, '.grandchild.pid');
      // A child that starts a grandchild: deactivate must stop both (the whole process group).
      const child = api.processes.spawn('sleeper', '/bin/sh', ['-c', `sleep 600 & echo $! > '${pidFile}'; wait`]);
      const grandchild = await until('the grandchild pid', () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) || null : null));
      assert.ok(api.processes.list().some((p) => p.pid === child.pid && p.label === 'sleeper'));
      // A control process the extension does not own: it must outlive the extension host's restart.
      const control = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
      control.unref();
      data.ownedPids = [child.pid, grandchild, ...(data.languageServerPid ? [data.languageServerPid] : [])];
      data.controlPid = control.pid;
    });

    // Left open on purpose: the outer test reloads the window and the next activation checks the restore.
    s.test('"Open Model Preview" on a crate opens a preview panel whose webview loads', async () => {
      const crate = vscode.Uri.joinPath(folder(), 'crate');
      await vscode.commands.executeCommand('stylusMl.openPreview', crate);
      await until('the crate preview to load', () => api.previews().find((p) => p.kind === 'crate' && p.path === crate.fsPath && p.ready), 15_000);
    }, 20_000);
  }
  return s;
}

export function deactivate(): void {}
