// The extension's bridge to the engine, against the real CLI bundle (dist/cli.js, built by `npm test`):
// JSON on success, the CLI's one-line reason on failure, "not available yet" for missing subcommands.
import { InspectJsonSchema } from '../../core/contracts/cli';
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { CoreClient, CoreCommandError, CoreUnavailableError, failureReason } from '../../extension/core-client';
import { ProcessRegistry } from '../../extension/process-registry';

const root = path.resolve(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-core-client-'));
const registry = new ProcessRegistry();
after(async () => {
  await registry.disposeAll();
  rmSync(tmp, { recursive: true, force: true });
});

describe('CoreClient', () => {
  test('failureReason picks the CLI\'s own "stylus-ml: …" line over usage text', () => {
    assert.equal(failureReason("stylus-ml: unknown command 'estimate'\n\nusage: stylus-ml <command>\n  inspect  …\n"), "unknown command 'estimate'");
    assert.equal(failureReason('panic\nlast words\n'), 'last words');
  });

  test('a missing CLI bundle is "not available yet", not a crash', async () => {
    const core = new CoreClient({ cliPath: path.join(tmp, 'none.js'), nodePath: process.execPath, registry });
    assert.equal(core.available(), false);
    await assert.rejects(core.build(tmp), (e: unknown) => e instanceof CoreUnavailableError && /Build is not available yet/.test(e.message));
  });

  describe('with the real CLI', { skip: !existsSync(cli) && 'dist/cli.js is not built (npm run build)' }, () => {
    const core = new CoreClient({ cliPath: cli, nodePath: process.execPath, registry });

    test('inspect returns the sample model\'s graph', async () => {
      const j = await core.inspect(path.join(root, 'samples', 'iris-logreg.onnx'));
      assert.deepEqual(j.nodes.map((n) => n.op), ['LinearClassifier', 'Cast', 'Normalizer', 'ZipMap']);
      assert.equal(j.totals.params, 9);
      assert.deepEqual(j.unsupported, []);
    });

    test('a corrupt model fails with the CLI\'s reason', async () => {
      const bad = path.join(tmp, 'corrupt.onnx');
      writeFileSync(bad, 'not a protobuf \u0000\u00ff');
      await assert.rejects(core.inspect(bad), (e: unknown) => e instanceof CoreCommandError && e.message.includes(bad) && e.stage === 'inspect' && e.exitCode !== 0);
    });

    test('a subcommand the CLI lacks is "not available yet"', async () => {
      await assert.rejects(core.json(InspectJsonSchema, 'Teleportation', ['teleport', 'x']), (e: unknown) => e instanceof CoreUnavailableError && e.feature === 'Teleportation');
    });
  });
});
