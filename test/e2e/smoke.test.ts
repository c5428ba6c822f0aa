// Smoke test of the packaged extension in a real VS Code (code-server + Chromium): it installs the .vsix,
// runs commands from the palette and reads what the model preview webview shows — the CLI's own numbers.
import { strict as assert } from 'node:assert';
import { after, before, describe } from 'node:test';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Manifest } from '../../core/manifest/schema';
import { qformat, range } from '../../webview/format';
import { writeCrateManifest } from '../fixtures/crate-manifest';
import { cliJson } from './cli';
import { VSCodeSession, closeSession, sessionTest, e2eAvailability, freePort, makeWorkspace, packageVsix, repoRoot, waitFor, type Availability } from './harness';

const SAMPLE = path.join(repoRoot, 'samples', 'iris-logreg.onnx');

interface InspectJson {
  nodes: unknown[];
}
interface EstimateJson {
  call: { totalTxGas: { typical: number } };
  box: { source: string; spec: string | null };
}

describe('smoke: the packaged extension in code-server', { timeout: 600_000 }, () => {
  let avail: Availability;
  let vs: VSCodeSession | undefined;
  let workspace: string;
  let devnodePort = 0;
  let crateManifest: Manifest;

  before(async () => {
    avail = await e2eAvailability();
    if (!avail.ok) return;
    const vsix = await packageVsix();
    workspace = makeWorkspace('smoke', {
      'models/iris-logreg.onnx': { copyFrom: SAMPLE },
      // Not a protobuf at all: the pipeline must reject it with a message, and the preview must show it.
      'models/corrupt.onnx': Buffer.from('this is not an ONNX model\n\u0000\u00ff\u0013garbage'),
      'notes/broken.json': '{ "a": }\n',
    });
    crateManifest = writeCrateManifest(path.join(workspace, 'iris-crate'), path.join(workspace, 'models', 'iris-logreg.onnx'), '0:10');
    devnodePort = await freePort(); // never the default 8547: other devnodes may run on this machine
    vs = await VSCodeSession.start('smoke', { workspace, vsix: [vsix], settings: { 'stylusMl.devnode.port': devnodePort } });
  });

  after(() => closeSession(vs));

  /** A test that needs the session: skipped with the reason when e2e cannot run; screenshot on failure. */
  const e2e = sessionTest(() => ({ avail, vs }));

  e2e('the extension activates in a workspace with an .onnx file and shows the devnode in the status bar', async (vs) => {
    await vs.statusBarItem('Devnode').waitFor({ state: 'visible', timeout: 30_000 });
    assert.match((await vs.statusBarItem('Devnode').textContent()) ?? '', /Devnode off/);
    await vs.screenshot('workbench-ready');
  });

  e2e('"Stylus ML: Show Gas Report" opens the model preview; it shows the model and the gas section', async (vs) => {
    await vs.runCommand('Stylus ML: Show Gas Report');
    await vs.pick('iris-logreg.onnx'); // two models in the workspace: the command asks which
    const frame = vs.webviewFrame();
    await frame.getByTestId('title').waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await frame.getByTestId('title').textContent(), 'iris-logreg.onnx');
    assert.equal(await frame.getByTestId('source-path').textContent(), path.join(workspace, 'models', 'iris-logreg.onnx'));
    // Wait until the extension has answered with the pipeline's results (or its absence).
    await frame.locator('[data-testid="busy"]').waitFor({ state: 'detached', timeout: 60_000 });

    const inspect = cliJson<InspectJson>(['inspect', path.join(workspace, 'models', 'iris-logreg.onnx')], [2]);
    assert.equal(inspect.kind, 'ok', JSON.stringify(inspect));
    if (inspect.kind === 'ok') assert.equal(await frame.getByTestId('layer-count').textContent(), String(inspect.json.nodes.length), 'layer count equals `stylus-ml inspect`');

    // a bare model is estimated at once for the stated default box, as `stylus-ml estimate MODEL.onnx` is
    const estimate = cliJson<EstimateJson>(['estimate', path.join(workspace, 'models', 'iris-logreg.onnx')]);
    assert.equal(estimate.kind, 'ok', JSON.stringify(estimate));
    if (estimate.kind === 'ok') {
      assert.equal(estimate.json.box.source, 'default');
      assert.match((await frame.getByTestId('box-note').textContent()) ?? '', new RegExp(`--input-range ${estimate.json.box.spec}: the default box`));
      assert.equal(Number(((await frame.getByTestId('gas-total-typical').textContent()) ?? '').replace(/[^\d]/g, '')), estimate.json.call.totalTxGas.typical, 'the preview\'s predict gas equals stylus-ml estimate\'s');
    }
    assert.equal(await frame.getByTestId('pipeline-error').count(), 0);
    // "Show Gas Report" scrolls the preview to the gas section.
    const gasTop = await frame.getByTestId('section-gas').evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.top >= -1 && r.top < window.innerHeight / 2;
    });
    assert.ok(gasTop, 'the gas section is at the top of the view');
    assert.equal(await frame.locator('body').getAttribute('data-csp-violations'), '0', 'the page runs under its CSP without violations');
    await vs.screenshot('preview-gas-report');
  });

  e2e('the preview keeps its state (the Try-it input) when it is hidden and shown again', async (vs) => {
    const frame = vs.webviewFrame();
    const input = frame.getByTestId('try-input').locator('textarea');
    await input.fill('[5.1, 3.5]');
    await vs.openFile('notes/broken.json'); // hides the webview (no retainContextWhenHidden)
    await vs.focusTab('iris-logreg.onnx');
    const again = vs.webviewFrame().getByTestId('try-input').locator('textarea');
    await again.waitFor({ state: 'visible' });
    assert.equal(await again.inputValue(), '[5.1, 3.5]');
    await vs.screenshot('preview-state-restored');
  });

  e2e('changing the weight format in the preview goes to the extension and comes back re-rendered', async (vs) => {
    const frame = vs.webviewFrame();
    const select = frame.locator('#opt-format');
    // Mark the current element: only a re-render from a new model (sent by the extension) replaces it.
    await select.evaluate((el) => el.setAttribute('data-stale', '1'));
    await select.click();
    await frame.locator('#opt-format').getByText('i16', { exact: true }).filter({ visible: true }).click(); // the dropdown's entry, not the hidden <vscode-option>
    // The extension recomputes with the new options and sends a new model; the control shows its value.
    await frame.locator('[data-testid="busy"]').waitFor({ state: 'detached', timeout: 60_000 });
    await waitFor('a re-rendered select showing i16', async () =>
      frame.locator('#opt-format').evaluate((el) => !el.hasAttribute('data-stale') && (el as unknown as { value: string }).value === 'i16'),
    );
    await vs.screenshot('preview-options-i16');
  });

  e2e('Build in the preview of a bare .onnx file offers to generate a crate first', async (vs) => {
    await vs.webviewFrame().getByTestId('build').click();
    const toast = await vs.waitForToast('first generate a crate from this model');
    await toast.getByRole('button', { name: 'New Model Crate from ONNX…' }).waitFor({ state: 'visible' });
    await vs.screenshot('build-needs-crate');
    await vs.page.keyboard.press('Escape');
  });

  e2e('"Open Model Preview" on a crate shows each layer\'s formats and proven range from its manifest', async (vs) => {
    // From the crate's manifest in the editor, as a user would (the command acts on the active file).
    await vs.openFile('iris-crate/stylus-ml.json');
    await vs.runCommand('Stylus ML: Open Model Preview');
    await vs.page.locator('.tab.active', { hasText: 'Preview: iris-crate' }).waitFor({ state: 'visible' });
    const frame = vs.webviewFrame();
    const table = frame.getByTestId('layer-table');
    await table.waitFor({ state: 'visible', timeout: 30_000 });
    await frame.locator('[data-testid="busy"]').waitFor({ state: 'detached', timeout: 60_000 });
    const text = (await table.textContent()) ?? '';
    for (const l of crateManifest.layers) {
      assert.ok(text.includes(qformat(l.outputFormat)), `output format of ${l.name} (${qformat(l.outputFormat)}) is shown`);
      assert.ok(text.includes(range(l.interval)), `proven range of ${l.name} (${range(l.interval)}) is shown`);
    }
    await vs.screenshot('crate-preview');
  });

  e2e('a corrupt .onnx file opens the preview with the pipeline\'s error and no crash', async (vs) => {
    await vs.openFile('models/corrupt.onnx');
    const frame = vs.webviewFrame();
    await frame.getByTestId('title').filter({ hasText: 'corrupt.onnx' }).waitFor({ state: 'visible', timeout: 30_000 });
    await frame.locator('[data-testid="busy"]').waitFor({ state: 'detached', timeout: 60_000 });
    const inspect = cliJson<InspectJson>(['inspect', path.join(workspace, 'models', 'corrupt.onnx')], [2]);
    assert.equal(inspect.kind, 'error', 'the CLI rejects the corrupt file');
    const shown = (await frame.getByTestId('pipeline-error').first().textContent()) ?? '';
    assert.ok(inspect.kind === 'error' && shown.includes(inspect.message), `the preview shows the CLI's reason: ${shown}`);
    await vs.screenshot('corrupt-model');
  });

  e2e('the Problems view lists diagnostics (harness check, with the built-in JSON validator)', async (vs) => {
    await vs.openFile('notes/broken.json');
    const rows = await vs.problems();
    assert.ok(rows.some((r) => /value expected/i.test(r)), `a JSON syntax error is listed: ${JSON.stringify(rows)}`);
    await vs.screenshot('problems-view');
  });

  e2e('a malformed stylus-ml.json is underlined as it is edited: the manifest\'s JSON Schema (contributes.jsonValidation) names the bad value and the unknown key', async (vs) => {
    // a second crate whose manifest a user has mistyped: an unknown template and a misspelt option
    const broken = JSON.parse(readFileSync(path.join(workspace, 'iris-crate', 'stylus-ml.json'), 'utf8'));
    broken.template = 'maximal';
    broken.options.weigths = 'i8';
    mkdirSync(path.join(workspace, 'typo-crate'), { recursive: true });
    writeFileSync(path.join(workspace, 'typo-crate', 'stylus-ml.json'), JSON.stringify(broken, null, 2));
    await vs.openFile('typo-crate/stylus-ml.json');
    let rows: string[] = [];
    await waitFor('the schema errors in the Problems view', async () => {
      rows = await vs.problems();
      return rows.some((r) => /Value is not accepted\. Valid values: "sdk", "minimal"/.test(r)) && rows.some((r) => /Property weigths is not allowed/.test(r));
    }, 60_000, 1000);
    // the file rows name each file and its count: the generated crate's manifest (valid) has none
    assert.ok(rows.includes('2 problems in file stylus-ml.json of folder typo-crate'), JSON.stringify(rows));
    assert.ok(!rows.some((r) => /in file stylus-ml\.json of folder iris-crate/.test(r)), `the generated manifest validates: ${JSON.stringify(rows)}`);
    // the squiggle itself, in the editor
    await vs.page.locator('.monaco-editor .squiggly-error, .monaco-editor .squiggly-warning').first().waitFor({ state: 'visible', timeout: 15_000 });
    await vs.screenshot('manifest-schema-squiggles');
  });

  e2e('the walkthrough "Get started with Stylus ML" opens with its five steps', async (vs) => {
    await vs.runCommand('Welcome: Open Walkthrough...');
    await vs.pick('Get started with Stylus ML');
    const page = vs.page.locator('.gettingStartedContainer');
    await page.getByText('Scaffold a crate from the sample model').first().waitFor({ state: 'visible' });
    for (const step of ['Install the prerequisites', 'Preview layers, formats and gas', 'Deploy to the devnode', 'Call predict']) {
      await page.getByText(step).first().waitFor({ state: 'visible' });
    }
    await vs.screenshot('walkthrough');
  });

  e2e('"Stylus ML: Check Prerequisites" (the walkthrough\'s first step) reports what `stylus-ml doctor` finds', async (vs) => {
    const doctor = cliJson<{ ready: boolean; checks: { id: string; detail: string }[] }>(['doctor']);
    assert.equal(doctor.kind, 'ok', JSON.stringify(doctor));
    if (doctor.kind !== 'ok') return;
    await vs.runCommand('Stylus ML: Check Prerequisites');
    const minimal = doctor.json.checks.find((c) => c.id === 'wasm32-minimal')!;
    await vs.waitForToast(`Stylus ML is ready: ${minimal.detail}`);
    await vs.screenshot('check-prerequisites');
  });

  e2e('"Stylus ML: Start Devnode" starts the embedded devnode and the status bar shows its port and block', async (vs) => {
    await vs.runCommand('Stylus ML: Start Devnode');
    await vs.statusBarItem(new RegExp(`Devnode embedded :${devnodePort} #\\d+`)).waitFor({ state: 'visible', timeout: 30_000 });
    await vs.screenshot('start-devnode');
  });
});
