// In-host integration tests (issue 6, acceptance 2): the suite in test/host-extension runs inside the real
// extension host next to the packaged extension and writes results-<n>.json; this file starts code-server,
// reads and asserts them, then restarts the extension host to check that deactivate() stopped every
// process the extension owned, and only those.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { writeCrateManifest } from '../fixtures/crate-manifest';
import { resultsFile, type HostSuiteResults } from '../host-extension/results';
import { VSCodeSession, e2eAvailability, sessionFor, freePort, isAlive, makeWorkspace, packageHostTestVsix, packageVsix, repoRoot, tempDir, waitFor, type Availability } from './harness';

function readResults(dir: string, n: number): HostSuiteResults {
  return JSON.parse(readFileSync(resultsFile(dir, n), 'utf8')) as HostSuiteResults;
}

function failures(r: HostSuiteResults): string[] {
  return r.tests.filter((t) => !t.ok).map((t) => `${t.name}: ${t.error}`);
}

describe('in-host suite: vscode API inside the extension host', { timeout: 600_000 }, () => {
  let avail: Availability;
  let vs: VSCodeSession | undefined;
  let resultsDir = '';
  let controlPid: number | undefined;

  before(async () => {
    avail = await e2eAvailability();
    if (!avail.ok) return;
    const [vsix, hostVsix] = await Promise.all([packageVsix(), packageHostTestVsix()]);
    const workspace = makeWorkspace('host', {
      'models/iris-logreg.onnx': { copyFrom: path.join(repoRoot, 'samples', 'iris-logreg.onnx') },
      'crate/src/lib.rs': 'pub fn scale(x: i32) -> i32 {\n    x >> 2\n}\n',
    });
    // A crate manifest written by the pipeline itself (until `stylus-ml new` lands, only the manifest).
    writeCrateManifest(path.join(workspace, 'crate'), path.join(workspace, 'models', 'iris-logreg.onnx'), '0:10');
    resultsDir = tempDir('stylus-ml-host-results-');
    vs = await VSCodeSession.start('host', {
      workspace,
      vsix: [vsix, hostVsix],
      settings: { 'stylusMlHostTests.resultsDir': resultsDir, 'stylusMl.devnode.port': await freePort() },
    });
  });

  after(async () => {
    if (controlPid && isAlive(controlPid)) process.kill(controlPid, 'SIGKILL');
    if (!vs) return;
    await vs.close();
    assert.deepEqual(vs.survivors(), [], 'no process of the session outlives it');
  });

  /** A test that needs the session: skipped with the reason when e2e cannot run; screenshot on failure. */
  const e2e = (name: string, fn: (t: TestContext) => Promise<void>) =>
    test(name, async (t) => {
      const session = sessionFor(t, avail, vs);
      if (!session) return;
      await session.step(name.slice(0, 40), () => fn(t));
    });

  e2e('every in-host test passes', async (t) => {
    await waitFor('results-1.json', () => existsSync(resultsFile(resultsDir, 1)), 120_000);
    const r = readResults(resultsDir, 1);
    for (const x of r.tests) t.diagnostic(`${x.ok ? 'ok  ' : 'FAIL'} ${x.name} (${x.ms} ms)`);
    t.diagnostic(`activation took ${r.data.activationMs?.toFixed(1)} ms after ${r.data.codeLoadMs?.toFixed(1)} ms of code loading; engine CLI ${r.data.coreAvailable ? 'present' : 'missing'}`);
    await vs!.screenshot('after-in-host-suite');
    assert.ok(r.tests.length >= 9, `the suite ran (${r.tests.length} tests)`);
    assert.deepEqual(failures(r), []);
  });

  e2e('deactivate() on a window reload stops every process the extension owns (grandchildren included), and only those', async () => {
    const first = readResults(resultsDir, 1);
    const owned = first.data.ownedPids ?? [];
    controlPid = first.data.controlPid;
    assert.ok(owned.length >= 2, 'the suite started a child and a grandchild through the extension');
    if (first.data.languageServerPid) assert.ok(owned.includes(first.data.languageServerPid), 'the language server counts as owned');
    assert.ok(controlPid, 'the suite started a control process outside the extension');
    for (const pid of [...owned, controlPid]) assert.ok(isAlive(pid), `${pid} runs before the restart`);
    vs!.track();

    // The web workbench has no "Restart Extension Host"; a window reload ends the remote extension host
    // (which calls deactivate()) and starts a new one.
    await vs!.runCommand('Developer: Reload Window');
    await waitFor('results-2.json (the suite ran again in the new host)', () => existsSync(resultsFile(resultsDir, 2)), 120_000);
    const second = readResults(resultsDir, 2);
    assert.notEqual(second.data.extensionHostPid, first.data.extensionHostPid, 'a new extension host ran the suite');
    await waitFor('the owned processes to be gone', () => owned.every((p) => !isAlive(p)), 10_000).catch(() => {});
    assert.deepEqual(owned.filter(isAlive), [], 'child, grandchild and language server were stopped by deactivate()');
    assert.ok(isAlive(controlPid), 'the control process (not owned) still runs, so the stop came from the extension');
    assert.ok(second.tests.some((x) => /restored by the panel serializer/.test(x.name)), 'the second run checked the restored preview');
    assert.deepEqual(failures(second), [], 'the suite passes again after the restart (the crate preview was restored)');
    await vs!.screenshot('after-extension-host-restart');
  });
});
