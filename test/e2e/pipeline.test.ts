// The whole user path in a real VS Code (issue 6, acceptance 1): from the command palette scaffold a crate
// from the bundled sample model (minimal template, answered with the keyboard), see it on disk and in the
// preview with its layer count and its gas estimate (equal to `stylus-ml estimate`'s), start the embedded
// devnode, deploy with the preview's Deploy button (after which the preview shows the gas measured on the
// built program, again as `stylus-ml estimate` prints it), and call predict from the Try-it box; the
// on-chain output must equal the fixed-point simulator's, bit for bit.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import type { Manifest } from '../../core/manifest/schema';
import type { PerLayerJson } from '../../core/contracts/cli';
import type { EstimateJson } from '../../extension/core-client';
import { cliJson } from './cli';
import { VSCodeSession, closeSession, sessionTest, e2eAvailability, freePort, makeWorkspace, packageVsix, repoRoot, tempDir, waitFor, type Availability } from './harness';

const SAMPLE = path.join(repoRoot, 'samples', 'iris-logreg.onnx');
const CRATE = 'iris-stylus';
/** The declared input box typed into the wizard, and the simulator's for the same crate. */
const INPUT_RANGE = '0:10';
/** The sample takes two iris features (samples/README.md): the first row's sepal length and width. */
const INPUT = [5.1, 3.5];

/** "31,486 gas" → 31486 */
const gasNumber = (text: string | null) => Number((text ?? '').replace(/ gas$/, '').replace(/,/g, ''));
const typical = (v: number | { typical: number }) => (typeof v === 'number' ? v : v.typical);

interface SimulateJson {
  cases: { outputs: Record<string, { fixed: number[]; fixedRaw: number[] }> }[];
}

describe('pipeline: scaffold, preview, devnode, deploy and try-it from the VS Code UI', { timeout: 600_000 }, () => {
  let avail: Availability;
  let vs: VSCodeSession | undefined;
  let workspace = '';
  let crateDir = '';
  let devnodePort = 0;

  before(async () => {
    avail = await e2eAvailability();
    if (!avail.ok) return;
    const vsix = await packageVsix();
    workspace = makeWorkspace('pipeline', { 'README.md': '# an empty project\n' });
    crateDir = path.join(workspace, CRATE);
    devnodePort = await freePort(); // never the default 8547: other devnodes may run on this machine
    vs = await VSCodeSession.start('pipeline', { workspace, vsix: [vsix], settings: { 'stylusMl.devnode.port': devnodePort } });
  });

  after(() => closeSession(vs));

  const e2e = sessionTest(() => ({ avail, vs }));

  /** The open quick input's title (to know which wizard step is showing). */
  const quickTitle = (vs: VSCodeSession) => vs.page.locator('.quick-input-widget .quick-input-title').first();

  e2e('"New Model Crate from the Sample Model" with the minimal template creates the crate and opens its preview', async (vs) => {
    // The workspace has no model yet, so nothing activates the extension: its commands appear in the palette
    // once the extension host has scanned the installed .vsix, which can take a while on a busy machine.
    await waitFor(
      'the command in the palette',
      () => vs.runCommand('Stylus ML: New Model Crate from the Sample Model').then(() => true, () => false),
      120_000,
      1_000,
    );
    await quickTitle(vs).filter({ hasText: 'template' }).waitFor({ state: 'visible' });
    await vs.screenshot('wizard-template');
    await vs.answer('minimal');
    await quickTitle(vs).filter({ hasText: 'out-of-range inputs' }).waitFor({ state: 'visible' });
    await vs.answer('revert');
    await quickTitle(vs).filter({ hasText: 'declared input range' }).waitFor({ state: 'visible' });
    await vs.answer(INPUT_RANGE);
    // code-server's folder picker is the simple file dialog (a quick input): it starts at the workspace.
    await quickTitle(vs).filter({ hasText: 'destination folder' }).waitFor({ state: 'visible' });
    const dialog = vs.page.locator('.quick-input-widget input').first();
    await waitFor('the dialog to show the workspace', async () => (await dialog.inputValue()).replace(/\/$/, '') === workspace);
    await vs.screenshot('wizard-destination');
    await vs.page.keyboard.press('Enter');
    await quickTitle(vs).filter({ hasText: 'Crate folder name' }).waitFor({ state: 'visible' });
    await vs.answer(CRATE);

    await waitFor('the crate on disk', () => existsSync(path.join(crateDir, 'stylus-ml.json')), 60_000, 250);
    for (const f of ['Cargo.toml', 'src/lib.rs', 'IModel.sol', 'abi.json']) assert.ok(existsSync(path.join(crateDir, f)), `the crate has ${f}`);
    const manifest = JSON.parse(readFileSync(path.join(crateDir, 'stylus-ml.json'), 'utf8')) as Manifest;
    assert.equal(path.basename(manifest.model.path), 'iris-logreg.onnx', 'made from the sample model');

    // The crate shows in the explorer, and its preview opens by itself.
    await vs.page.locator('.explorer-folders-view .monaco-list-row', { hasText: CRATE }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await vs.page.locator('.tab.active', { hasText: `Preview: ${CRATE}` }).waitFor({ state: 'visible', timeout: 30_000 });
    const frame = vs.webviewFrame();
    await frame.getByTestId('layer-count').waitFor({ state: 'visible', timeout: 30_000 });
    await frame.locator('[data-testid="busy"]').waitFor({ state: 'detached', timeout: 60_000 });
    const shown = (await frame.getByTestId('layer-count').textContent()) ?? '';
    assert.equal(shown, String(manifest.layers.length), `the preview's layer count equals the manifest's ${manifest.layers.length} layers`);
    const inspect = cliJson<{ nodes: unknown[] }>(['inspect', SAMPLE], [2]);
    assert.equal(inspect.kind, 'ok', `stylus-ml inspect runs: ${JSON.stringify(inspect)}`);
    assert.equal(shown, String(inspect.kind === 'ok' ? inspect.json.nodes.length : NaN), 'and `stylus-ml inspect`\'s node count');
    await vs.screenshot('crate-preview');
  });

  /** The preview's gas and deployment figures against `stylus-ml estimate <crate> --json`, run now. */
  async function previewMatchesEstimate(vs: VSCodeSession, shot: string): Promise<EstimateJson> {
    const frame = vs.webviewFrame();
    await frame.locator('[data-testid="busy"]').waitFor({ state: 'detached', timeout: 120_000 });
    const est = cliJson<EstimateJson>(['estimate', crateDir]);
    assert.equal(est.kind, 'ok', `stylus-ml estimate runs: ${JSON.stringify(est)}`);
    const j = (est as { json: EstimateJson }).json;
    const measured = j.measured ?? null;
    // The preview shows the measured figures when the crate is built (as fromEstimate maps them).
    const total = measured ? typical(measured.totalTxGas) : j.call.totalTxGas.typical;
    const execution = measured ? typical(measured.executionGas) : j.call.executionGas.typical;
    const gas = frame.getByTestId('gas-total-typical');
    await gas.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(gasNumber(await gas.textContent()), total, `the preview's predict transaction gas (typical) equals stylus-ml estimate's ${total}`);
    assert.equal(gasNumber(await frame.getByTestId('gas-execution-typical').textContent()), execution, `and the execution gas ${execution}`);
    assert.equal(
      await frame.locator('#section-gas .provenance').textContent(),
      measured ? 'Measured on the devnode.' : 'Analytical estimate (no build needed).',
      'the preview says where the figure comes from',
    );
    // per layer: the analytical ink before a build; once built, each layer function's measured ink and its body's bytes
    const rows = await frame.getByTestId('layer-costs').locator('vscode-table-row').evaluateAll((rs) => rs.map((r) => [...r.querySelectorAll('vscode-table-cell')].map((c) => (c.textContent ?? '').trim())));
    const expected = j.layers.map((l) => [measured && l.measuredInk != null ? l.measuredInk : l.ink, measured && l.measuredCodeBytes != null ? l.measuredCodeBytes : l.codeBytes]);
    assert.deepEqual(rows.map((r) => [gasNumber(r[2]), gasNumber(r[4])]), expected, `per-layer ink and code bytes as stylus-ml estimate gives them (${measured ? 'measured' : 'analytical'})`);
    const breakdown = await frame.getByTestId('call-breakdown').locator('vscode-table-row').evaluateAll((rows) => rows.map((r) => (r.textContent ?? '').trim()));
    assert.equal(breakdown.length, Object.keys(j.call.breakdown).length, `one breakdown row per component: ${JSON.stringify(breakdown)}`);
    await frame.getByTestId('section-gas').scrollIntoViewIfNeeded();
    await vs.screenshot(shot);
    return j;
  }

  e2e('the crate preview\'s gas estimate equals `stylus-ml estimate` (analytical, before any build)', async (vs) => {
    const j = await previewMatchesEstimate(vs, 'crate-preview-gas-estimate');
    assert.equal(j.measured, null, 'the crate is not built yet, so the figure is the analytical estimate');
    assert.ok(j.call.totalTxGas.typical > 21_000, 'a predict transaction costs more than the intrinsic gas');
    // the accuracy section: the simulator against onnxruntime on inputs of the crate's box, as the CLI reports it
    const frame = vs.webviewFrame();
    const shown = frame.getByTestId('argmax-agreement');
    await shown.waitFor({ state: 'visible', timeout: 60_000 });
    const sim = cliJson<{ summary: { cases: number; argmaxAgreement: number | null } }>(['simulate', crateDir, '--random', '200']);
    assert.equal(sim.kind, 'ok', `stylus-ml simulate runs: ${JSON.stringify(sim)}`);
    const agreement = (sim as { json: { summary: { argmaxAgreement: number | null } } }).json.summary.argmaxAgreement;
    assert.ok(agreement !== null && agreement >= 0.95);
    assert.ok(Math.abs(parseFloat((await shown.textContent()) ?? '') - agreement * 100) < 0.1, `the preview's argmax agreement equals stylus-ml simulate's ${agreement}`);
    await frame.getByTestId('section-accuracy').scrollIntoViewIfNeeded();
    await vs.screenshot('crate-preview-accuracy');
  });

  e2e('the crate preview\'s per-layer error table equals `stylus-ml simulate --per-layer --json`', async (vs) => {
    const frame = vs.webviewFrame();
    const tableEl = frame.getByTestId('per-layer-table');
    await tableEl.waitFor({ state: 'visible', timeout: 60_000 });
    const sim = cliJson<{ perLayer: PerLayerJson }>(['simulate', crateDir, '--random', '200', '--per-layer']);
    assert.equal(sim.kind, 'ok', `stylus-ml simulate --per-layer runs: ${JSON.stringify(sim)}`);
    const cli = (sim as { json: { perLayer: PerLayerJson } }).json.perLayer;
    // each row: the layer's name, and the exact max / mean error and proven bound the cells carry
    // (no named functions inside: the page has no __name helper for the bundler's names)
    const rows = await tableEl.locator('vscode-table-row').evaluateAll((rs) =>
      rs.map((r) => {
        const cells = [...r.querySelectorAll('vscode-table-cell')];
        const exact = [3, 4, 5].map((i) => cells[i]?.querySelector('[data-value]')?.getAttribute('data-value') ?? null);
        return { name: (cells[0]?.textContent ?? '').trim(), format: (cells[2]?.textContent ?? '').trim(), exact, bars: cells[7]?.querySelectorAll('rect').length ?? 0 };
      }),
    );
    assert.deepEqual(
      rows.map((r) => [r.name, r.format, ...r.exact.map((v) => (v === null ? null : Number(v)))]),
      cli.layers.map((l) => [l.name, l.format, l.maxAbsError, l.meanAbsError, l.errorBound]),
      'every layer, with the CLI\'s max error, mean error and bound',
    );
    assert.ok(rows.every((r) => r.bars === 16), 'a 16-bin histogram per layer');
    const worst = frame.getByTestId('worst-layer');
    if (cli.worst) assert.match((await worst.textContent()) ?? '', new RegExp(`Worst layer: ${cli.worst.name}.*What to do:`, 's'));
    await tableEl.scrollIntoViewIfNeeded();
    await vs.screenshot('crate-preview-per-layer');
  });

  e2e('"Stylus ML: Start Devnode" starts the embedded devnode; the status bar shows its port and block', async (vs) => {
    await vs.runCommand('Stylus ML: Start Devnode');
    await vs.statusBarItem(new RegExp(`Devnode embedded :${devnodePort} #\\d+`)).waitFor({ state: 'visible', timeout: 60_000 });
    await vs.screenshot('devnode-running');
  });

  e2e('the preview\'s Deploy button builds and deploys the crate to the devnode', async (vs) => {
    assert.ok(!existsSync(path.join(crateDir, 'target')), 'the crate is not built yet: Deploy has to build it');
    await vs.focusTab(`Preview: ${CRATE}`);
    await vs.webviewFrame().getByTestId('deploy').click();
    const toast = await vs.waitForToast(new RegExp(`Deployed ${CRATE} at 0x[0-9a-fA-F]{40}`), 240_000);
    assert.ok(existsSync(path.join(crateDir, 'target')), 'Deploy built the crate first');
    await vs.screenshot('deployed');
    await toast.locator('.codicon-notifications-clear, .codicon-close').first().click().catch(() => {});
  });

  e2e('after the deploy the preview shows the gas measured on the built program, equal to `stylus-ml estimate`', async (vs) => {
    await vs.focusTab(`Preview: ${CRATE}`);
    await vs.webviewFrame().getByTestId('deployed-address').waitFor({ state: 'visible', timeout: 60_000 });
    const j = await previewMatchesEstimate(vs, 'crate-preview-gas-measured');
    assert.notEqual(j.measured, null, 'the crate is built now: stylus-ml estimate measures it');
    // the deployment section shows what the deploy and activation transactions used (stylus-ml.json measured.deploy)
    const frame = vs.webviewFrame();
    assert.equal(await frame.getByTestId('deploy-source').textContent(), 'measured on the devnode');
    const recorded = JSON.parse(readFileSync(path.join(crateDir, 'stylus-ml.json'), 'utf8')) as { measured?: { deploy?: { deployGas: number } } };
    assert.ok(recorded.measured?.deploy, 'the deploy was recorded in stylus-ml.json');
    assert.equal(gasNumber(await frame.getByTestId('deploy-gas').textContent()), recorded.measured.deploy.deployGas);
  });

  e2e('Try it: predict on-chain returns exactly the simulator\'s output', async (vs) => {
    await vs.focusTab(`Preview: ${CRATE}`);
    const frame = vs.webviewFrame();
    const input = frame.getByTestId('try-input').locator('textarea');
    await input.fill(JSON.stringify(INPUT));
    await frame.getByTestId('try-call').click();
    const match = frame.getByTestId('try-match');
    await match.waitFor({ state: 'visible', timeout: 120_000 }).catch(async (e: unknown) => {
      const err = await frame.getByTestId('try-error').textContent().catch(() => null);
      throw new Error(`no Try-it result${err ? `: ${err}` : ''}`, { cause: e });
    });

    const inFile = path.join(tempDir('stylus-ml-pipeline-in-'), 'input.json');
    writeFileSync(inFile, JSON.stringify(INPUT));
    const sim = cliJson<SimulateJson>(['simulate', SAMPLE, '--input', inFile, '--input-range', INPUT_RANGE, '--input-policy', 'revert']);
    assert.equal(sim.kind, 'ok', `stylus-ml simulate runs: ${JSON.stringify(sim)}`);
    const outputs = sim.kind === 'ok' ? sim.json.cases[0].outputs : {};
    assert.ok(Object.keys(outputs).length > 0, 'the simulator has outputs');
    for (const [name, o] of Object.entries(outputs)) {
      const text = (await frame.getByTestId(`try-output-${name}`).textContent()) ?? '';
      const raw = /\(raw ([^)]*)\)/.exec(text)?.[1]?.split(',').map((v) => Number(v.trim()));
      assert.deepEqual(raw, o.fixedRaw, `on-chain ${name} (${text}) equals the simulator's raw values ${o.fixedRaw.join(', ')}`);
    }
    assert.equal(await match.textContent(), 'yes, bit for bit', 'the preview reports the match');
    assert.match((await frame.getByTestId('try-tx').textContent()) ?? '', /^0x[0-9a-f]{64}$/, 'a transaction hash');
    assert.ok(Number(((await frame.getByTestId('try-gas').textContent()) ?? '').replace(/[^\d]/g, '')) > 21_000, 'gas used includes the intrinsic cost');
    await frame.getByTestId('try-match').scrollIntoViewIfNeeded();
    await vs.screenshot('try-it-result');
  });
});
