// Reach (issue 17): a bare folder with a hand-written Stylus crate — a Cargo.toml on stylus-sdk, no
// stylus-ml.json, no .onnx — opened in code-server. Opening its lib.rs activates the extension (onLanguage:
// rust), starts the language server, and the unchecked i32 accumulation shows as SML004 in the Problems view
// and as a squiggle; the annotated function next to it stays quiet.
import { strict as assert } from 'node:assert';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { VSCodeSession, closeSession, e2eAvailability, makeWorkspace, packageVsix, repoRoot, waitFor, type Availability } from './harness';

const CRATE = path.join(repoRoot, 'test', 'fixtures', 'stylus-contract');

describe('a hand-written Stylus crate in a bare folder gets overflow diagnostics', { timeout: 600_000 }, () => {
  let avail: Availability;
  let vs: VSCodeSession | undefined;

  before(async () => {
    avail = await e2eAvailability();
    if (!avail.ok) return;
    const vsix = await packageVsix();
    const workspace = makeWorkspace('stylus-crate', {
      'Cargo.toml': { copyFrom: path.join(CRATE, 'Cargo.toml') },
      'src/lib.rs': { copyFrom: path.join(CRATE, 'src', 'lib.rs') },
    });
    vs = await VSCodeSession.start('stylus-crate', { workspace, vsix: [vsix], settings: { 'stylusMl.diagnostics.debounceMs': 0 } });
  });

  after(() => closeSession(vs));

  test('opening src/lib.rs shows SML004 at the unchecked accumulation, and only there', async (t) => {
    if (!avail.ok || !vs) return t.skip(`e2e skipped: ${avail.ok ? 'the session did not start' : avail.reason}`);
    const s = vs;
    await s.step('open lib.rs', async () => {
      await s.openFile('src/lib.rs');
      let rows: string[] = [];
      await waitFor(
        'a stylus-ml problem',
        async () => {
          await s.problems();
          // the rows' text: message, source(code) and position, as the view shows them
          const texts = await s.page.locator('.markers-panel .monaco-list-row').evaluateAll((els) => els.map((e) => (e.textContent ?? '').replace(/\s+/g, ' ')));
          rows = texts.filter((r) => /SML\d{3}/.test(r));
          return rows.length > 0;
        },
        90_000,
        1000,
      ).catch((e: Error) => {
        throw new Error(`${e.message}; Problems view: ${JSON.stringify(rows)}`);
      });
      assert.equal(rows.length, 1, `exactly one stylus-ml problem: ${JSON.stringify(rows)}`);
      assert.match(rows[0], /SML004/);
      assert.match(rows[0], /accumulating `x\[i\] as i32 \* WEIGHTS\[i\] as i32` \[-294912000, 294903000\] over 8 iterations/);
      assert.match(rows[0], /stylus-ml\(?SML004/, "the source and code");
      assert.match(rows[0], /\[Ln 20, Col 9\]/, `at the accumulation: ${rows[0]}`);
      await s.focusTab('lib.rs');
      await s.page.locator('.editor-instance .squiggly-warning').first().waitFor({ state: 'visible' });
      await s.screenshot('stylus-crate-sml004');
    });
  });
});
