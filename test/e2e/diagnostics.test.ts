// Fixed-point diagnostics in a real VS Code (issue 7, acceptance 3): the packaged extension starts the
// language server for a Rust file of a model crate; the overflow risk shows in the Problems view with its
// code and message, the quick fix is applied from the keyboard (Ctrl+.), the file changes as the fix says
// and the diagnostic goes away; `stylusMl.diagnostics.enable: false` clears the view, `true` brings it back.
import { strict as assert } from 'node:assert';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import { VSCodeSession, closeSession, sessionTest, e2eAvailability, makeWorkspace, packageVsix, repoRoot, waitFor, type Availability } from './harness';

const CRATE_FIXTURE = path.join(repoRoot, 'test', 'fixtures', 'ls', 'mlp-crate');

/** A Q8.7 gain stage: an i16 product of fixed-point values, not widened (SML001 at line 5). */
const GAIN_RS = [
  '//! A gain stage next to the generated model: x and w are Q8.7 fixed-point values.',
  '',
  'pub fn gain(x: i16, w: i16) -> i16 {',
  '    let w = w.clamp(-200, 200);',
  '    x * w',
  '}',
  '',
].join('\n');
const RISKY_LINE = '    x * w';
/** What the preferred fix ("Multiply in i32") makes of that line. */
const FIXED_LINE = '    (i32::from(x) * i32::from(w)).clamp(i16::MIN as i32, i16::MAX as i32) as i16';
const FIX_TITLE = 'Multiply in i32 (`i32::from(a) * i32::from(b)`)';
const MESSAGE = 'product of `x` [-32768, 32767] and `w` [-200, 200] can reach 6553600, which exceeds i16 [-32768, 32767]';

interface ProblemRow {
  label: string;
  text: string;
}

describe('diagnostics: stylus-ml overflow warnings and quick fixes in code-server', { timeout: 600_000 }, () => {
  let avail: Availability;
  let vs: VSCodeSession | undefined;
  let workspace = '';
  let gainFile = '';

  before(async () => {
    avail = await e2eAvailability();
    if (!avail.ok) return;
    const vsix = await packageVsix();
    // The crate's stylus-ml.json activates the extension (workspaceContains); gain.rs is a hand-written
    // module next to the generated model.
    workspace = makeWorkspace('diagnostics', {});
    cpSync(CRATE_FIXTURE, path.join(workspace, 'mlp-crate'), { recursive: true });
    gainFile = path.join(workspace, 'mlp-crate', 'src', 'gain.rs');
    writeFileSync(gainFile, GAIN_RS);
    vs = await VSCodeSession.start('diagnostics', { workspace, vsix: [vsix], settings: { 'stylusMl.diagnostics.debounceMs': 0 } });
  });

  after(() => closeSession(vs));

  const e2e = sessionTest(() => ({ avail, vs }));

  /** The Problems view's rows (aria-label and visible text); opens the view when it is not showing. */
  async function problemRows(vs: VSCodeSession): Promise<ProblemRow[]> {
    // vs.problems() waits up to 15 s for a first row; an empty view is an answer here, so open it once.
    if (!(await vs.page.locator('.markers-panel').isVisible())) {
      await vs.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
      await vs.page.locator('.markers-panel').waitFor({ state: 'visible' });
    }
    return vs.page
      .locator('.markers-panel .monaco-list-row')
      .evaluateAll((els) => els.map((e) => ({ label: e.getAttribute('aria-label') ?? '', text: (e.textContent ?? '').replace(/\s+/g, ' ') })));
  }
  const ours = (rows: ProblemRow[]) => rows.filter((r) => /SML\d{3}/.test(r.text));
  /** Polls the Problems view until `pred` holds (the server answers asynchronously). */
  async function waitForProblems(vs: VSCodeSession, what: string, pred: (rows: ProblemRow[]) => boolean, timeoutMs = 60_000): Promise<ProblemRow[]> {
    let last: ProblemRow[] = [];
    try {
      await waitFor(what, async () => pred((last = await problemRows(vs))), timeoutMs, 500);
    } catch (e) {
      throw new Error(`${(e as Error).message}; the Problems view shows ${JSON.stringify(last)}`, { cause: e });
    }
    return last;
  }
  /** The text of the active editor's model, as the editor shows it. */
  async function editorLines(vs: VSCodeSession): Promise<string> {
    return vs.page.locator('.editor-instance .view-lines').first().evaluate((el) => (el as HTMLElement).innerText.replace(/\u00a0/g, ' '));
  }

  e2e('opening a Rust file with an unwidened i16 product shows SML001 in the Problems view', async (vs) => {
    await vs.openFile('mlp-crate/src/gain.rs');
    const rows = await waitForProblems(vs, 'the stylus-ml diagnostic', (r) => ours(r).length > 0);
    const mine = ours(rows);
    assert.equal(mine.length, 1, `exactly one stylus-ml problem: ${JSON.stringify(rows)}`);
    const row = mine[0];
    assert.match(row.text, /SML001/, 'the row shows the code');
    assert.ok(row.text.includes(MESSAGE), `the row shows the intervals and the type's range: ${row.text}`);
    assert.match(row.text, /stylus-ml/, 'the row shows the source');
    assert.match(row.text, /\[Ln 5, Col 5\]/, `the row shows the position of the product: ${row.text}`);
    assert.match(row.label, /warning/i, `a warning (some operand values overflow, not all): ${row.label}`);
    // The Problems view groups by file: the file's row names gain.rs.
    assert.ok(rows.some((r) => r.text.includes('gain.rs')), 'the file row names gain.rs');
    // The squiggle under `x * w` in the editor.
    await vs.page.locator('.editor-instance .squiggly-warning').first().waitFor({ state: 'visible' });
    await vs.screenshot('problems-sml001');
  });

  e2e('F8 shows the diagnostic at the product; Ctrl+. lists the quick fixes; the preferred one widens the product', async (vs) => {
    // Back to the editor; F8 jumps to the problem and shows it inline.
    await vs.focusTab('gain.rs');
    await vs.page.locator('.editor-instance .monaco-editor textarea').first().focus();
    await vs.page.keyboard.press('Control+Home');
    await vs.page.keyboard.press('F8');
    const peek = vs.page.locator('.marker-widget').first();
    await peek.waitFor({ state: 'visible' });
    assert.ok(((await peek.textContent()) ?? '').includes(MESSAGE), 'the inline problem shows the message');
    await vs.screenshot('marker-peek');
    await vs.page.keyboard.press('Escape');
    await peek.waitFor({ state: 'hidden' });

    // The cursor is on the product: Ctrl+. opens the quick-fix menu with the server's actions.
    await vs.page.keyboard.press('Control+.');
    const menu = vs.page.locator('.action-widget').first();
    await menu.waitFor({ state: 'visible' });
    const items = menu.locator('.monaco-list-row.action');
    await items.first().waitFor({ state: 'visible' });
    const titles = (await items.allTextContents()).map((t) => t.trim());
    for (const want of [FIX_TITLE, 'Use saturating multiplication (`saturating_mul`)', 'Use checked multiplication (`checked_mul`, panics on overflow)']) {
      assert.ok(titles.some((t) => t.includes(want)), `the menu offers "${want}": ${JSON.stringify(titles)}`);
    }
    await vs.screenshot('quick-fix-menu');

    // Pick the preferred fix with the keyboard: move the focus to it, then Enter.
    const target = titles.findIndex((t) => t.includes(FIX_TITLE));
    const focused = async () => ((await menu.locator('.monaco-list-row.action.focused').first().textContent().catch(() => '')) ?? '').includes(FIX_TITLE);
    for (let i = 0; i < titles.length && !(await focused()); i++) await vs.page.keyboard.press('ArrowDown');
    assert.ok(await focused(), `the fix (item ${target + 1}) has the keyboard focus`);
    await vs.page.keyboard.press('Enter');
    await menu.waitFor({ state: 'hidden' });

    // The editor shows the widened product; saved, the file on disk has it too.
    await waitFor('the edited line in the editor', async () => (await editorLines(vs)).includes(FIXED_LINE.trim()));
    await vs.page.keyboard.press('Control+S');
    await waitFor('gain.rs saved', () => readFileSync(gainFile, 'utf8') !== GAIN_RS);
    const saved = readFileSync(gainFile, 'utf8');
    assert.equal(saved, GAIN_RS.replace(RISKY_LINE, FIXED_LINE), 'only the product changed, as the fix says');

    const rows = await waitForProblems(vs, 'the diagnostic to go away', (r) => ours(r).length === 0);
    assert.deepEqual(ours(rows), [], 'no stylus-ml problem is left');
    await vs.page.locator('.markers-panel').getByText('No problems have been detected in the workspace.').waitFor({ state: 'visible' });
    await vs.focusTab('gain.rs');
    assert.equal(await vs.page.locator('.editor-instance .squiggly-warning').count(), 0, 'no squiggle is left');
    await vs.screenshot('after-quick-fix');
  });

  e2e('"stylusMl.diagnostics.enable": false clears the diagnostics, true brings them back', async (vs) => {
    // Put the unwidened product back on disk (the editor is saved, so it reloads the file), so there is
    // something to clear.
    writeFileSync(gainFile, GAIN_RS);
    await waitFor('the editor to show the product again', async () => (await editorLines(vs)).includes(RISKY_LINE.trim()));
    await waitForProblems(vs, 'SML001 again after the edit', (r) => ours(r).length === 1);

    // Workspace settings, as the Settings editor writes them (the setting has resource scope).
    const settingsFile = path.join(workspace, '.vscode', 'settings.json');
    mkdirSync(path.dirname(settingsFile), { recursive: true });
    writeFileSync(settingsFile, JSON.stringify({ 'stylusMl.diagnostics.enable': false }, null, 2));
    const off = await waitForProblems(vs, 'the diagnostics to be cleared', (r) => ours(r).length === 0, 30_000);
    assert.deepEqual(ours(off), []);
    await vs.page.locator('.markers-panel').getByText('No problems have been detected in the workspace.').waitFor({ state: 'visible' });
    await vs.page.locator('.editor-instance .squiggly-warning').first().waitFor({ state: 'detached' });
    await vs.screenshot('diagnostics-disabled');

    writeFileSync(settingsFile, JSON.stringify({ 'stylusMl.diagnostics.enable': true }, null, 2));
    const on = await waitForProblems(vs, 'the diagnostics to come back', (r) => ours(r).length === 1, 30_000);
    assert.match(ours(on)[0].text, /SML001/);
    await vs.screenshot('diagnostics-enabled-again');
  });
});
