// Issue 15 in a real VS Code (code-server + Chromium, the packaged .vsix): the preview as an ML engineer's
// instrument. A bare PyTorch .onnx shows its predict gas at once for the stated default box, equal to
// `stylus-ml estimate MODEL --input-range <that box> --json`; the box set in the preview (a calibration
// file picked in VS Code's dialog, then a range) re-estimates in place, equal to the CLI for the new box,
// the changed figure highlighted; a pinned estimate stands beside a changed setting; the settings come back
// when the model is reopened; Create crate carries them into `new`. The graph shows one box per ONNX node
// and the file's edges (mnist-8 against `inspect --json`), its gas overlay equals `estimate --json` per
// layer, a node of a crate's graph opens its function in model.rs and the command from model.rs reveals
// the node. Every control is reached with the keyboard, and the preview is shot in the light, dark and
// high-contrast themes.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import type { FrameLocator } from 'playwright-core';
import type { Manifest } from '../../core/manifest/schema';
import type { EstimateJson, InspectJson } from '../../core/contracts/cli';
import { corpusAvailable, corpusFile } from '../fixtures/corpus';
import { cliJson } from './cli';
import { VSCodeSession, closeSession, sessionTest, e2eAvailability, freePort, makeWorkspace, packageVsix, repoRoot, waitFor, type Availability } from './harness';

const FIXTURES = path.join(repoRoot, 'test', 'fixtures', 'calibrated');
const MODEL = 'models/torch-cnn-digits.onnx';
const CALIBRATION = 'data/digits-calibration.json';
const MNIST = 'zoo/mnist-8.onnx';
const CRATE = 'digits-stylus';

/** "31,486 gas" → 31486 */
const gasNumber = (text: string | null) => Number((text ?? '').replace(/ (gas|bytes)$/, '').replace(/,/g, ''));
const round2 = (x: number) => Math.round(x * 100) / 100;

describe('preview: gas on any .onnx, the model as a graph, comparisons, themes', { timeout: 900_000 }, () => {
  let avail: Availability;
  let vs: VSCodeSession | undefined;
  let workspace = '';
  const file = (rel: string) => path.join(workspace, rel);

  before(async () => {
    avail = await e2eAvailability();
    if (!avail.ok) return;
    const vsix = await packageVsix();
    workspace = makeWorkspace('preview-graph', {
      [MODEL]: { copyFrom: path.join(FIXTURES, 'torch-cnn-digits.onnx') },
      [CALIBRATION]: { copyFrom: path.join(FIXTURES, 'digits-calibration.json') },
      ...(corpusAvailable() ? { [MNIST]: { copyFrom: corpusFile('zoo/mnist-8/model.onnx') } } : {}),
    });
    vs = await VSCodeSession.start('preview-graph', { workspace, vsix: [vsix], settings: { 'stylusMl.devnode.port': await freePort() } });
  });

  after(() => closeSession(vs));

  const e2e = sessionTest(() => ({ avail, vs }));

  const estimate = (args: string[]): EstimateJson => {
    const r = cliJson<EstimateJson>(['estimate', ...args]);
    assert.equal(r.kind, 'ok', `stylus-ml estimate ${args.join(' ')}: ${JSON.stringify(r)}`);
    return (r as { json: EstimateJson }).json;
  };

  const settled = (frame: FrameLocator) => frame.locator('[data-testid="busy"]').waitFor({ state: 'detached', timeout: 180_000 });
  const shownGas = async (frame: FrameLocator) => gasNumber(await frame.getByTestId('gas-total-typical').textContent());

  /** Picks an option of a vscode-single-select by its visible text (the dropdown's entry, not the hidden <vscode-option>). */
  async function choose(frame: FrameLocator, id: string, text: string): Promise<void> {
    await frame.locator(`#${id}`).click();
    await frame.locator(`#${id}`).getByText(text, { exact: true }).filter({ visible: true }).click();
  }

  /** The gas overlay's value on each graph node, against `estimate --json`'s layers summed by node name. */
  async function gasOverlayMatches(frame: FrameLocator, est: EstimateJson): Promise<number> {
    await choose(frame, 'graph-overlay', 'Gas (share of the call)');
    await waitFor('the gas overlay', async () => (await frame.locator('[data-testid="graph-node"][data-value]').count()) > 0);
    const shown = await frame.locator('[data-testid="graph-node"]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-node'), e.getAttribute('data-value')]));
    const perNode = new Map<string, number>();
    for (const l of est.layers) perNode.set(l.name, round2((perNode.get(l.name) ?? 0) + l.gas));
    for (const [name, value] of shown) {
      const want = perNode.get(name!);
      assert.equal(value === null ? undefined : Number(value), want, `gas overlay of ${name}: estimate --json gives ${want}`);
    }
    assert.equal(shown.filter(([, v]) => v !== null).length, perNode.size, 'every layer of the estimate is on a node');
    return perNode.size;
  }

  e2e('a bare PyTorch .onnx shows its predict gas at once for the stated default box, equal to `stylus-ml estimate --input-range` of that box', async (vs) => {
    await vs.openFile(MODEL);
    const frame = vs.webviewFrame();
    await frame.getByTestId('title').filter({ hasText: 'torch-cnn-digits.onnx' }).waitFor({ state: 'visible', timeout: 60_000 });
    await settled(frame);
    const note = (await frame.getByTestId('box-note').textContent()) ?? '';
    const spec = /--input-range (\S+):/.exec(note)?.[1];
    assert.equal(spec, '-1:1', `the stated default box: ${note}`);
    assert.match(note, /the default box .*real inputs in \[-1, 1\]/);
    const declared = estimate([file(MODEL), '--input-range', spec!]);
    assert.equal(await shownGas(frame), declared.call.totalTxGas.typical, `the preview's predict gas equals stylus-ml estimate --input-range ${spec}`);
    const bare = estimate([file(MODEL)]);
    assert.deepEqual([bare.box.source, bare.box.spec, bare.call.totalTxGas.typical], ['default', spec, declared.call.totalTxGas.typical], 'and `estimate MODEL.onnx` with no box says it uses the same default');
    assert.equal(gasNumber(await frame.getByTestId('compressed-size').textContent().then((t) => t?.split(' of ')[0] ?? null)), declared.deploy.compressedBytes);
    // the accuracy is measured too, on inputs of the same box
    await frame.getByTestId('argmax-agreement').waitFor({ state: 'visible' });
    assert.equal(await frame.locator('body').getAttribute('data-csp-violations'), '0');
    await vs.screenshot('bare-model-default-box');
    // the gas overlay: each node's share is the estimate's layer gas (a node folded into another has none)
    const layers = await gasOverlayMatches(frame, declared);
    assert.ok(layers >= 4, `${layers} nodes with gas`);
    await frame.getByTestId('section-graph').scrollIntoViewIfNeeded();
    await vs.screenshot('graph-gas-overlay');
  });

  e2e('a calibration file picked in VS Code\'s file dialog sets the box by the calibration rules (auto, then per-value), equal to `estimate --calibration`', async (vs) => {
    const frame = vs.webviewFrame();
    await choose(frame, 'box-mode', 'From calibration data…');
    // VS Code's own dialog (code-server's simple file dialog): the page never types a path
    const input = vs.page.locator('.quick-input-widget input').first();
    await input.waitFor({ state: 'visible' });
    await waitFor('the dialog at the model\'s folder', async () => (await input.inputValue()).replace(/\/$/, '') === path.dirname(file(MODEL)));
    await input.fill(file(CALIBRATION));
    await vs.page.locator('.quick-input-widget .monaco-list-row', { hasText: 'digits-calibration.json' }).first().waitFor({ state: 'visible' });
    await vs.page.keyboard.press('Enter');
    // Enter accepts the file; should the dialog still be open, its button does
    const closed = await vs.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 3000 }).then(() => true, () => false);
    if (!closed) await vs.page.locator('.quick-input-widget').getByRole('button', { name: 'Use as calibration data' }).click({ timeout: 5000 }).catch(() => {});
    await frame.getByTestId('box-calibration-file').filter({ hasText: 'digits-calibration.json' }).waitFor({ state: 'visible', timeout: 60_000 });
    await settled(frame);
    const auto = estimate([file(MODEL), '--calibration', file(CALIBRATION), '--box', 'auto']);
    assert.match((await frame.getByTestId('box-note').textContent()) ?? '', /from 200 calibration case\(s\)/);
    assert.equal(await shownGas(frame), auto.call.totalTxGas.typical, 'auto: equal to stylus-ml estimate --calibration --box auto');
    await choose(frame, 'box-shape', 'per-value');
    await frame.getByTestId('box-apply').click();
    const perValue = estimate([file(MODEL), '--calibration', file(CALIBRATION), '--box', 'per-value']);
    await waitFor('the per-value figure', async () => (await shownGas(frame)) === perValue.call.totalTxGas.typical && (await frame.getByTestId('busy').count()) === 0, 120_000, 250);
    await vs.screenshot('calibration-box');
  });

  e2e('changing the range in the preview re-estimates in place: the figure equals the CLI\'s for the new range and is highlighted', async (vs) => {
    const frame = vs.webviewFrame();
    const before = await shownGas(frame);
    await choose(frame, 'box-mode', 'One range for every input value');
    await frame.locator('#box-lo input').fill('0');
    await frame.locator('#box-hi input').fill('16');
    await frame.locator('#box-hi input').press('Enter');
    const want = estimate([file(MODEL), '--input-range', '0:16']);
    assert.notEqual(want.call.totalTxGas.typical, before, 'the new range changes the figure');
    await waitFor('the re-estimated figure', async () => (await shownGas(frame)) === want.call.totalTxGas.typical, 120_000, 250);
    await settled(frame);
    assert.match((await frame.getByTestId('box-note').textContent()) ?? '', /--input-range 0:16/);
    const dbg = await frame.locator(':root').evaluate(() => JSON.stringify({ cls: document.querySelector('[data-testid="gas-total-typical"]')?.className, ann: document.querySelector('[data-testid="announcer"]')?.textContent, n: document.querySelectorAll('[data-testid="gas-total-typical"]').length }));
    assert.ok(await frame.getByTestId('gas-total-typical').evaluate((el) => el.classList.contains('changed')), `the changed figure is highlighted ${dbg}`);
    assert.match((await frame.getByTestId('announcer').textContent()) ?? '', /Predict transaction \(typical\): [\d,]+ gas → [\d,]+ gas/, 'and announced to screen readers');
    await frame.getByTestId('section-gas').scrollIntoViewIfNeeded();
    await vs.screenshot('range-changed-highlighted');
  });

  e2e('pin the estimate, change the weights: the two stand side by side, each equal to the CLI\'s', async (vs) => {
    const frame = vs.webviewFrame();
    await frame.getByTestId('pin').click();
    await choose(frame, 'opt-format', 'i8');
    const i16 = estimate([file(MODEL), '--input-range', '0:16']);
    const i8 = estimate([file(MODEL), '--input-range', '0:16', '--weights', 'i8']);
    await waitFor('the i8 figure', async () => (await shownGas(frame)) === i8.call.totalTxGas.typical, 120_000, 250);
    await settled(frame);
    const row = async (id: string) => frame.getByTestId(`compare-${id}`).locator('td').evaluateAll((tds) => tds.slice(0, 2).map((td) => Number(td.getAttribute('data-value'))));
    assert.deepEqual(await row('gas-total-typical'), [i16.call.totalTxGas.typical, i8.call.totalTxGas.typical]);
    assert.deepEqual(await row('gas-execution-typical'), [i16.call.executionGas.typical, i8.call.executionGas.typical]);
    assert.deepEqual(await row('compressed-size'), [i16.deploy.compressedBytes, i8.deploy.compressedBytes]);
    assert.deepEqual(await row('deploy-gas'), [i16.deploy.deployGas, i8.deploy.deployGas]);
    const headers = await frame.getByTestId('compare-table').locator('thead th').allTextContents();
    assert.match(headers[1], /Pinned: box 0:16, weights auto/);
    assert.match(headers[2], /Current: box 0:16, weights i8/);
    await frame.getByTestId('compare-table').scrollIntoViewIfNeeded();
    await vs.screenshot('compare-i16-i8');
  });

  e2e('the settings are remembered per model: reopened, the preview shows the range and weights chosen', async (vs) => {
    await vs.runCommand('View: Close All Editors');
    await vs.openFile(MODEL);
    const frame = vs.webviewFrame();
    await settled(frame);
    assert.equal(await frame.locator('#box-mode').evaluate((el) => (el as unknown as { value: string }).value), 'range');
    assert.equal(await frame.locator('#box-lo input').inputValue(), '0');
    assert.equal(await frame.locator('#box-hi input').inputValue(), '16');
    assert.equal(await frame.locator('#opt-format').evaluate((el) => (el as unknown as { value: string }).value), 'i8');
    assert.equal(await shownGas(frame), estimate([file(MODEL), '--input-range', '0:16', '--weights', 'i8']).call.totalTxGas.typical);
  });

  e2e('Create crate carries the preview\'s range and weights into `new`', async (vs) => {
    const frame = vs.webviewFrame();
    await frame.getByTestId('create-crate').click();
    const title = vs.page.locator('.quick-input-widget .quick-input-title').first();
    await title.filter({ hasText: '(1/3): template' }).waitFor({ state: 'visible' });
    await vs.answer('minimal');
    await title.filter({ hasText: 'out-of-range inputs' }).waitFor({ state: 'visible' });
    await vs.answer('revert');
    await title.filter({ hasText: 'destination folder' }).waitFor({ state: 'visible' });
    const dialog = vs.page.locator('.quick-input-widget input').first();
    await waitFor('the dialog to show the workspace', async () => (await dialog.inputValue()).replace(/\/$/, '') === workspace);
    await vs.page.keyboard.press('Enter');
    await title.filter({ hasText: 'Crate folder name' }).waitFor({ state: 'visible' });
    await vs.answer(CRATE);
    await waitFor('the crate on disk', () => existsSync(file(`${CRATE}/stylus-ml.json`)), 120_000, 250);
    const m = JSON.parse(readFileSync(file(`${CRATE}/stylus-ml.json`), 'utf8')) as Manifest;
    assert.equal(m.options.weights, 'i8');
    assert.match(m.box.note, /--input-range 0:16/);
    assert.ok(m.inputs[0].box.lo.every((x) => x === 0) && m.inputs[0].box.hi.every((x) => x === 16), 'the box of the preview');
    await vs.page.locator('.tab.active', { hasText: `Preview: ${CRATE}` }).waitFor({ state: 'visible', timeout: 60_000 });
  });

  e2e('in the crate\'s preview, clicking a graph node opens model.rs at the node\'s function; from model.rs the command reveals the node', async (vs) => {
    const m = JSON.parse(readFileSync(file(`${CRATE}/stylus-ml.json`), 'utf8')) as Manifest;
    const frame = vs.webviewFrame();
    await settled(frame);
    const conv = m.layers.find((l) => l.onnxOp === 'Conv')!;
    await frame.locator(`[data-testid="graph-node"][data-node="${conv.name}"]`).click();
    await vs.page.locator('.tab.active', { hasText: 'model.rs' }).waitFor({ state: 'visible', timeout: 30_000 });
    await vs.statusBarItem(`Ln ${conv.lines![0]},`).waitFor({ state: 'visible', timeout: 15_000 });
    await vs.screenshot('node-opens-model-rs');
    // the reverse: the cursor in another layer's function, the command from the palette
    const gemm = m.layers.find((l) => l.onnxOp === 'Gemm')!;
    await vs.page.keyboard.press('Control+G');
    await vs.answer(`:${gemm.lines![0] + 1}`);
    await vs.statusBarItem(`Ln ${gemm.lines![0] + 1},`).waitFor({ state: 'visible' });
    await vs.runCommand('Stylus ML: Reveal Layer in Model Graph');
    await vs.page.locator('.tab.active', { hasText: `Preview: ${CRATE}` }).waitFor({ state: 'visible', timeout: 30_000 });
    const node = vs.webviewFrame().locator(`[data-testid="graph-node"][data-node="${gemm.name}"]`);
    await waitFor('the node selected', () => node.evaluate((el) => el.classList.contains('selected')), 30_000, 200);
    await vs.screenshot('model-rs-reveals-node');
  });

  e2e('mnist-8: one graph node per ONNX node and the file\'s edges, as `inspect --json` gives them', async (vs) => {
    await vs.runCommand('View: Close All Editors');
    await vs.openFile(MNIST);
    const frame = vs.webviewFrame();
    await frame.getByTestId('graph-node').first().waitFor({ state: 'visible', timeout: 60_000 });
    const r = cliJson<InspectJson>(['inspect', file(MNIST)], [2]);
    assert.equal(r.kind, 'ok', JSON.stringify(r));
    const j = (r as { json: InspectJson }).json;
    // edges from the file, counted here: a value produced by a node or a graph input, consumed by a node or a graph output
    const produced = new Set([...j.inputs.map((i) => i.name), ...j.nodes.flatMap((n) => n.outputs)]);
    const edges = j.nodes.reduce((a, n) => a + n.inputs.filter((i) => produced.has(i)).length, 0) + j.outputs.filter((o) => produced.has(o.name)).length;
    assert.equal(await frame.getByTestId('graph-node').count(), j.nodes.length, `${j.nodes.length} nodes`);
    assert.equal(await frame.getByTestId('graph-edge').count(), edges, `${edges} edges`);
    assert.deepEqual(await frame.getByTestId('graph-node').evaluateAll((els) => els.map((e) => e.getAttribute('data-node'))), j.nodes.map((n) => n.name));
    await settled(frame);
    // the gas overlay against the estimate, when the engine can estimate mnist-8 here
    const est = cliJson<EstimateJson>(['estimate', file(MNIST)]);
    if (est.kind === 'ok') await gasOverlayMatches(frame, est.json);
    else assert.ok((await frame.getByTestId('pipeline-error').first().textContent())?.includes(est.kind === 'error' ? est.message : '?'), 'the preview shows why there is no estimate');
    await frame.getByTestId('section-graph').scrollIntoViewIfNeeded();
    await vs.screenshot('mnist-8-graph');
  }, { skip: corpusAvailable() ? false : 'the ONNX corpus (../shared/conformance) is not here' });

  e2e('every control is reached with the keyboard and named for screen readers; the graph moves along its edges with the arrow keys', async (vs) => {
    await vs.runCommand('View: Close All Editors');
    await vs.openFile(MODEL);
    const frame = vs.webviewFrame();
    await settled(frame);
    await frame.getByTestId('title').click();
    // Tab through the page: what takes the focus, in order (the custom elements are their own tab stops)
    const reached: string[] = [];
    for (let i = 0; i < 80; i++) {
      await vs.page.keyboard.press('Tab');
      const id = await frame.locator(':root').evaluate(() => {
        const a = document.activeElement as HTMLElement | null;
        const node = a?.closest('[data-testid="graph-node"]');
        return node ? 'graph-node' : (a?.getAttribute('data-testid') ?? a?.id ?? a?.tagName ?? '');
      });
      reached.push(id);
      if (id === 'pin') break;
    }
    for (const want of ['box-mode', 'box-lo', 'box-hi', 'box-apply', 'opt-format', 'opt-optimize', 'create-crate', 'build', 'deploy', 'graph-overlay', 'graph-zoom-in', 'graph-zoom-out', 'graph-fit', 'graph-node', 'pin']) {
      assert.ok(reached.includes(want), `${want} is reached with Tab: ${reached.join(', ')}`);
    }
    // each has a name a screen reader reads
    const unnamed = await frame.locator('vscode-single-select, vscode-textfield, vscode-button, vscode-toolbar-button, [data-testid="graph-node"]').evaluateAll((els) =>
      els.filter((e) => !(e.getAttribute('label') || e.getAttribute('aria-label') || (e.textContent ?? '').trim())).map((e) => e.outerHTML.slice(0, 80)),
    );
    assert.deepEqual(unnamed, []);
    // in the graph: Home, then down along the edges; Enter selects the node's row in the layer table
    await frame.locator('[data-testid="graph-node"]').first().focus();
    await vs.page.keyboard.press('Home');
    await vs.page.keyboard.press('ArrowDown');
    await vs.page.keyboard.press('Enter');
    const focused = await frame.locator(':root').evaluate(() => document.activeElement?.closest('[data-testid="graph-node"]')?.getAttribute('data-node') ?? null);
    assert.equal(focused, '/Relu', 'Home is the first node (/conv/Conv), ArrowDown its consumer');
    await waitFor('the row selected', () => frame.locator('vscode-table-row[data-node="/Relu"]').evaluate((el) => el.classList.contains('selected') && el.getAttribute('aria-selected') === 'true'));
    const zoom = Number(await frame.getByTestId('graph').getAttribute('data-zoom'));
    await vs.page.keyboard.press('+');
    assert.ok(Number(await frame.getByTestId('graph').getAttribute('data-zoom')) > zoom, '+ zooms in');
    await vs.page.keyboard.press('0');
    await vs.screenshot('keyboard-graph');
  });

  e2e('the preview follows the colour theme: light, dark and high contrast (screenshots)', async (vs) => {
    const themes: [string, string, string][] = [
      ['Light Modern', 'vscode-light', 'theme-light'],
      ['Dark Modern', 'vscode-dark', 'theme-dark'],
      ['Dark High Contrast', 'vscode-high-contrast', 'theme-high-contrast'],
      ['Light High Contrast', 'vscode-high-contrast-light', 'theme-high-contrast-light'],
    ];
    await choose(vs.webviewFrame(), 'graph-overlay', 'Gas (share of the call)');
    for (const [theme, bodyClass, shot] of themes) {
      await vs.runCommand('Preferences: Color Theme');
      await vs.answer(theme);
      const frame = vs.webviewFrame();
      await waitFor(`the ${theme} theme in the webview`, () => frame.locator('body').evaluate((b, c) => b.classList.contains(c), bodyClass), 30_000, 200);
      await frame.getByTestId('section-graph').scrollIntoViewIfNeeded();
      await frame.locator('[data-testid="graph-node"]').nth(1).focus();
      assert.equal(await frame.locator('body').getAttribute('data-csp-violations'), '0');
      await vs.screenshot(shot);
    }
  });
});
