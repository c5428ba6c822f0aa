// Bad input in the UI (issue 6, acceptance 3), in a real VS Code: a failed build shows rustc's errors in the
// Problems view (the build task's $stylusMl-rustc problem matcher), and "Deploy to Devnode" with no devnode
// running offers to start one, and after the click the deploy completes. The deploy builds the fixed crate
// through the same Build task, so the failed build's error leaves the Problems view.
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import { runCli } from '../fixtures/cli';
import { VSCodeSession, closeSession, sessionTest, e2eAvailability, freePort, makeWorkspace, packageVsix, repoRoot, waitFor, type Availability } from './harness';

const CRATE = 'iris-min';
/** A Rust type error, put on the first line of `infer`'s body. */
const BROKEN_LINE = '    let _broken: u8 = "no";';
/** infer's signature line, whatever its parameters (the Workspace since the arena, issue 13) */
const INFER_LINE = /^pub fn infer\(.*\) \{\n/m;

describe('failures: a broken build and a deploy with no devnode in code-server', { timeout: 600_000 }, () => {
  let avail: Availability;
  let vs: VSCodeSession | undefined;
  let crateDir = '';
  let infer = '';
  let modelRs = '';
  let original = '';
  let devnodePort = 0;

  before(async () => {
    avail = await e2eAvailability();
    if (!avail.ok) return;
    const vsix = await packageVsix();
    const workspace = makeWorkspace('failures', { 'README.md': '# a project with a model crate\n' });
    crateDir = path.join(workspace, CRATE);
    const made = await runCli(['new', path.join(repoRoot, 'samples', 'iris-logreg.onnx'), '--out', crateDir, '--template', 'minimal', '--input-range', '0:8']);
    assert.equal(made.code, 0, `stylus-ml new: ${made.stderr}`);
    modelRs = path.join(crateDir, 'core', 'src', 'model.rs');
    original = readFileSync(modelRs, 'utf8');
    const found = INFER_LINE.exec(original);
    assert.ok(found, 'the generated model has infer()');
    infer = found[0];
    // A free port nobody listens on: no devnode is reachable at the configured address.
    devnodePort = await freePort();
    vs = await VSCodeSession.start('failures', { workspace, vsix: [vsix], settings: { 'stylusMl.devnode.port': devnodePort } });
  });

  after(() => closeSession(vs));

  /** The rows of the Problems view as shown (the view must be open). */
  const problemRows = (vs: VSCodeSession) =>
    vs.page.locator('.markers-panel .monaco-list-row').evaluateAll((els) => els.map((e) => (e.textContent ?? '').replace(/\s+/g, ' ')));

  const e2e = sessionTest(() => ({ avail, vs }));

  e2e('a failed build shows rustc\'s error in the Problems view', async (vs) => {
    writeFileSync(modelRs, original.replace(infer, `${infer}${BROKEN_LINE}\n`));
    const line = original.slice(0, original.indexOf(infer)).split('\n').length + 1; // 1-based line of BROKEN_LINE
    // The crate's stylus-ml.json activates the extension; its commands appear once the host has loaded it.
    await waitFor('the Build command', () => vs.runCommand('Stylus ML: Build').then(() => true, () => false), 120_000, 1_000);
    await vs.waitForToast(`Building ${CRATE} failed (exit 1).`, 120_000);
    await vs.screenshot('build-failed-toast');

    let rows: string[] = [];
    await waitFor('rustc\'s error in the Problems view', async () => (rows = await problemRows(vs)).some((r) => r.includes('mismatched types')), 30_000, 500).catch(async () => {
      rows = await vs.problems(); // the view may not be showing: open it
      assert.ok(rows.some((r) => r.includes('mismatched types')), `the Problems view shows rustc's error: ${JSON.stringify(rows)}`);
    });
    rows = await problemRows(vs);
    const err = rows.find((r) => r.includes('mismatched types'));
    assert.ok(err, `a row with rustc's message: ${JSON.stringify(rows)}`);
    assert.match(err, /rustc/, `the row names rustc as its source: ${err}`);
    assert.match(err, /E0308/, `the row shows the error code: ${err}`);
    assert.match(err, new RegExp(`\\[Ln ${line}, Col 23\\]`), `the row points at the bad literal (line ${line}): ${err}`);
    assert.ok(rows.some((r) => r.includes('model.rs')), `the file row names model.rs: ${JSON.stringify(rows)}`);
    await vs.screenshot('build-failed-problems');
  });

  e2e('"Deploy to Devnode" with no devnode offers to start one; accepting builds the fixed crate, which clears the stale rustc error, and deploys', async (vs) => {
    writeFileSync(modelRs, original); // the error is fixed; nothing has built the crate since
    await vs.problems();
    assert.ok((await problemRows(vs)).some((r) => r.includes('mismatched types')), 'the failed build\'s error is still listed before the deploy');
    await vs.statusBarItem('Devnode off').waitFor({ state: 'visible', timeout: 10_000 }); // nothing started one yet
    await vs.runCommand('Stylus ML: Deploy to Devnode');
    const offer = 'No devnode is running. Start one and deploy to it?';
    const toast = await vs.waitForToast(offer, 30_000);
    assert.equal(await toast.getByRole('button', { name: 'Start Devnode' }).count(), 1, 'the offer has a Start Devnode button');
    await vs.screenshot('deploy-offers-devnode');
    await vs.clickToastButton(offer, 'Start Devnode');
    await vs.waitForToast(new RegExp(`Deployed ${CRATE} at 0x[0-9a-fA-F]{40}`), 240_000);
    await vs.statusBarItem(new RegExp(`Devnode embedded :${devnodePort}`)).waitFor({ state: 'visible', timeout: 30_000 });
    await vs.screenshot('deployed-after-start');

    // The deploy built through the Build task: its successful run took the stale error out of the view.
    await vs.problems();
    let rows: string[] = [];
    await waitFor('the stale rustc error to leave the Problems view', async () => !(rows = await problemRows(vs)).some((r) => r.includes('mismatched types') || r.includes('model.rs')), 30_000, 500).catch(() => {
      assert.fail(`the Problems view still lists the failed build's error after a successful deploy: ${JSON.stringify(rows)}`);
    });
    assert.match(
      (await vs.page.locator('.markers-panel').first().textContent()) ?? '',
      /No problems have been detected/,
      'the Problems view is showing, and empty',
    );
    await vs.screenshot('deployed-problems-cleared');
  });
});
