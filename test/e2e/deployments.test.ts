// Issue 16 in a real VS Code: the Stylus Deployments view. Three crates are deployed from the UI to the
// embedded devnode — one before an ArbOS upgrade (50 → 61, Stylus version 2 → 3), two after — and one of the
// two is cached with the view's Cache action (its cost shown in a modal first). The view then shows each
// deployment as `stylus-ml status` reads it: cached; not cached (warning); needs re-activation (error). The
// Activate action re-activates the third (cost shown first), after which it is active again.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import type { Locator } from 'playwright-core';
import type { StatusJson } from '../../core/contracts/cli';
import { forest, mlp } from '../fixtures/onnx-builder';
import { cliJson } from './cli';
import { VSCodeSession, closeSession, sessionTest, e2eAvailability, freePort, makeWorkspace, packageVsix, waitFor, type Availability } from './harness';

const CACHED = 'alpha-cached';
const UNCACHED = 'beta-uncached';
const UPGRADE = 'gamma-upgrade';

describe('the Deployments view: status per chain, warnings, Activate and Cache', { timeout: 900_000 }, () => {
  let avail: Availability;
  let vs: VSCodeSession | undefined;
  let workspace = '';
  let port = 0;
  const dirs: Record<string, string> = {};

  before(async () => {
    avail = await e2eAvailability();
    if (!avail.ok) return;
    const vsix = await packageVsix();
    workspace = makeWorkspace('deployments', { 'README.md': '# three model crates\n' });
    const models: Record<string, Uint8Array> = {
      [CACHED]: mlp([8, 16, 4], { batch: 1, seed: 11 }),
      [UNCACHED]: forest({ trees: 4, depth: 3, features: 4, classes: 3 }),
      [UPGRADE]: mlp([6, 8, 3], { batch: 1, seed: 12 }),
    };
    for (const [name, bytes] of Object.entries(models)) {
      const model = path.join(workspace, 'models', `${name}.onnx`);
      fs.mkdirSync(path.dirname(model), { recursive: true });
      fs.writeFileSync(model, bytes);
      dirs[name] = path.join(workspace, name);
      const r = cliJson(['new', model, '--out', dirs[name], '--template', 'minimal', '--input-range', '-1:1']);
      assert.equal(r.kind, 'ok', `stylus-ml new ${name}: ${JSON.stringify(r)}`);
    }
    port = await freePort();
    // a chain at ArbOS 50 (Stylus version 2), upgraded during the test
    vs = await VSCodeSession.start('deployments', { workspace, vsix: [vsix], settings: { 'stylusMl.devnode.port': port, 'stylusMl.devnode.arbosVersion': 50 }, viewport: { width: 1600, height: 1000 } });
  });

  after(() => closeSession(vs));

  const e2e = sessionTest(() => ({ avail, vs }));

  const url = () => `http://127.0.0.1:${port}`;
  const rpc = async (method: string, params: unknown[] = []) => {
    const res = await fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
    return (await res.json()) as { result?: unknown; error?: { message: string } };
  };

  async function deployFromUi(vs: VSCodeSession, name: string): Promise<void> {
    await vs.runCommand('Stylus ML: Deploy to Devnode');
    await vs.pick(name);
    const toast = await vs.waitForToast(new RegExp(`Deployed ${name} at 0x[0-9a-fA-F]{40}`), 240_000);
    await toast.locator('.codicon-notifications-clear, .codicon-close').first().click().catch(() => {});
  }

  /** The view's pane and the row of a deployment in it. */
  const pane = (vs: VSCodeSession) => vs.page.locator('.pane').filter({ has: vs.page.locator('.pane-header', { hasText: 'Stylus Deployments' }) }).first();
  const row = (vs: VSCodeSession, name: string): Locator => pane(vs).locator('.monaco-list-row').filter({ hasText: name }).first();

  async function showView(vs: VSCodeSession): Promise<void> {
    for (const title of ['Explorer: Focus on Stylus Deployments View', 'View: Focus on Stylus Deployments View']) {
      if (await vs.runCommand(title).then(() => true, () => false)) break;
    }
    await pane(vs).waitFor({ state: 'visible', timeout: 30_000 });
    // room for every row (the tree renders only the rows in view): the folders' pane collapsed, the side
    // bar widened by dragging its sash, so the descriptions are readable in the screenshots
    const folders = vs.page.locator('.pane-header[aria-expanded="true"]', { hasText: path.basename(workspace) });
    if ((await folders.count()) > 0) await folders.first().click();
    const bar = await vs.page.locator('.part.sidebar').boundingBox();
    if (bar && bar.width < 600) {
      const y = bar.y + bar.height / 2;
      await vs.page.mouse.move(bar.x + bar.width + 1, y);
      await vs.page.mouse.down();
      await vs.page.mouse.move(bar.x + 700, y, { steps: 8 });
      await vs.page.mouse.up();
    }
  }

  /** Clicks a row's inline action, answers the modal that shows the cost, and returns the modal's text. */
  async function inlineAction(vs: VSCodeSession, name: string, action: string, confirm: string): Promise<string> {
    const r = row(vs, name);
    const button = r.locator(`.action-label[aria-label^="${action}"]`);
    // inline actions show only while the row is hovered; a refresh of the tree under a still mouse can
    // replace the row without the new one taking :hover, so move away and hover again until it shows
    await waitFor(`the ${action} button on ${name}`, async () => {
      await vs.page.mouse.move(0, 0);
      await r.hover();
      return button.click({ timeout: 2_000 }).then(() => true, () => false);
    }, 60_000, 500);
    const dialog = vs.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 120_000 });
    const text = (await dialog.textContent()) ?? '';
    await vs.screenshot(`modal-${action.split(' ')[0].toLowerCase()}-${name}`);
    await dialog.locator('.monaco-button', { hasText: new RegExp(`^${confirm}$`) }).click();
    return text;
  }

  const status = (name: string): StatusJson => {
    const address = (JSON.parse(fs.readFileSync(path.join(dirs[name], 'stylus-ml.json'), 'utf8')) as { measured: { deploy: { address: string } } }).measured.deploy.address;
    const r = cliJson<StatusJson>(['status', dirs[name], '--rpc', url(), '--address', address]);
    assert.equal(r.kind, 'ok', JSON.stringify(r));
    return (r as { json: StatusJson }).json;
  };

  e2e('three crates deployed from the UI, one of them before an ArbOS upgrade', async (vs) => {
    await waitFor('the command in the palette', () => vs.runCommand('Stylus ML: Start Devnode').then(() => true, () => false), 120_000, 1_000);
    await vs.statusBarItem(new RegExp(`Devnode embedded :${port} #\\d+`)).waitFor({ state: 'visible', timeout: 60_000 });
    await deployFromUi(vs, UPGRADE);
    // the chain's owner upgrades ArbOS: Stylus version 3 from here on
    assert.equal((await rpc('devnode_upgradeArbOS', ['0x3d'])).error, undefined);
    await deployFromUi(vs, CACHED);
    await deployFromUi(vs, UNCACHED);
    assert.equal(status(UPGRADE).needsUpgrade, true);
    assert.equal(status(CACHED).needsUpgrade, false);
  });

  e2e('Cache from the view: the cost is shown first; afterwards the view shows cached / not cached / needs re-activation, as `stylus-ml status` reads them', async (vs) => {
    await showView(vs);
    await row(vs, CACHED).waitFor({ state: 'visible', timeout: 60_000 });
    const modal = await inlineAction(vs, CACHED, 'Cache Deployment', 'Cache');
    assert.match(modal, /Cost: [\d.]+ ETH \([\d,]+ gas at [\d.]+ gwei\)/, 'the bid transaction is priced before it is sent');
    assert.match(modal, /Every call then pays [\d,]+ gas less/);
    await vs.waitForToast(new RegExp(`Cached ${CACHED}`), 120_000);

    const cached = status(CACHED);
    const uncached = status(UNCACHED);
    const upgrade = status(UPGRADE);
    assert.equal(cached.cached, true);
    assert.deepEqual(uncached.warnings, ['not cached']);
    assert.match(upgrade.warnings[0], /needs re-activation/);
    await waitFor('the view to show all three states', async () => {
      const d = async (n: string) => (await row(vs, n).locator('.label-description').textContent()) ?? '';
      return (await d(CACHED)).endsWith('cached') && !(await d(CACHED)).includes('not') && (await d(UNCACHED)).endsWith('not cached') && (await d(UPGRADE)).includes('needs re-activation');
    }, 60_000, 500);
    // each row: the status' address and headline; warnings as icons, children listing them
    for (const [name, s] of [[CACHED, cached], [UNCACHED, uncached], [UPGRADE, upgrade]] as const) {
      const desc = (await row(vs, name).locator('.label-description').textContent()) ?? '';
      assert.ok(desc.startsWith(s.address.slice(0, 6)), `${name}: ${desc}`);
    }
    assert.equal(await row(vs, UPGRADE).locator('.codicon-error').count(), 1, 'needs re-activation: an error icon');
    assert.equal(await row(vs, UNCACHED).locator('.codicon-warning').count(), 1, 'not cached: a warning icon');
    assert.equal(await row(vs, CACHED).locator('.codicon-pass').count(), 1, 'cached and active: a check');
    assert.ok((await pane(vs).locator('.monaco-list-row', { hasText: 'Devnode (chain 412346)' }).count()) === 1, 'grouped under their chain');
    assert.ok((await pane(vs).locator('.monaco-list-row', { hasText: /needs re-activation \(Stylus version 2 → 3\)/ }).count()) >= 1, 'the warning is spelt out beneath the deployment');
    await vs.screenshot('deployments-cached-uncached-needs-upgrade');
  });

  e2e('Activate from the view re-activates the upgraded-away program (cost shown first); the view shows it active', async (vs) => {
    const modal = await inlineAction(vs, UPGRADE, 'Activate Deployment', 'Activate');
    assert.match(modal, /activated at Stylus version 2, the chain runs 3/);
    assert.match(modal, /Cost: [\d.]+ ETH \([\d,]+ gas at [\d.]+ gwei \+ [\d,]+ wei data fee\)/);
    await vs.waitForToast(new RegExp(`Activated ${UPGRADE}: expires in 364 days`), 120_000);
    const s = status(UPGRADE);
    assert.equal(s.needsUpgrade, false);
    assert.equal(s.programVersion, 3);
    // the row is re-read after the action ("reading…" meanwhile): wait for its new status, not just for the error to go
    const description = async () => (await row(vs, UPGRADE).locator('.label-description').textContent()) ?? '';
    await waitFor('the row to show its new status', async () => (await row(vs, UPGRADE).locator('.codicon-error').count()) === 0 && !/reading/.test(await description()), 60_000, 500);
    assert.match(await description(), /not cached$/);
    await vs.screenshot('deployments-after-activate');
  });

  e2e('Call Predict with three cases sends them in one predictBatch transaction, each equal to the simulator', async (vs) => {
    await vs.runCommand('Stylus ML: Call Predict…');
    await vs.pick(CACHED);
    const cases = [[0.5, -0.25, 0.125, 0.75, -0.5, 0.25, 0, -1], [0, 0, 0, 0, 0, 0, 0, 0], [-1, 1, -1, 1, -1, 1, -1, 1]];
    await vs.answer(JSON.stringify(cases));
    const toast = await vs.waitForToast(/predictBatch: 3 cases in one transaction: [\d,]+ gas, [\d,]+ per case; every case equals the simulator/, 120_000);
    const text = (await toast.textContent()) ?? '';
    // the CLI's own figures for the same cases in one call
    const input = path.join(workspace, 'three.json');
    fs.writeFileSync(input, JSON.stringify(cases));
    const r = cliJson<{ batch: { cases: number; gasPerCase: number } }>(['call', dirs[CACHED], '--input', input, '--rpc', url(), '--batch']);
    assert.equal(r.kind, 'ok', JSON.stringify(r));
    const cli = (r as { json: { batch: { cases: number; gasPerCase: number } } }).json.batch;
    assert.equal(cli.cases, 3);
    const shown = Number(/([\d,]+) per case/.exec(text)![1].replace(/,/g, ''));
    assert.equal(shown, cli.gasPerCase, 'the transaction the UI sent used what eth_estimateGas of the same batch says');
    await vs.screenshot('call-predict-batch');
  });
});
