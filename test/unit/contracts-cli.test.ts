// The CLI's --json contracts (core/contracts/cli.ts): real outputs parse; a wrong document is refused
// naming the field; the extension's client refuses a CLI whose output breaks the contract.
import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ContractError, parseContract } from '../../core/contracts/check';
import { CheckJsonSchema, EstimateJsonSchema, InspectJsonSchema, SimulateJsonSchema } from '../../core/contracts/cli';
import { CoreClient, CoreCommandError } from '../../extension/core-client';
import { ProcessRegistry } from '../../extension/process-registry';
import { runCli } from '../fixtures/cli';

const root = path.resolve(__dirname, '..', '..');
const sample = path.join(root, 'samples', 'iris-forest.onnx');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-contracts-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function cliJson(args: string[]): Promise<unknown> {
  const r = await runCli([...args, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe('CLI --json contracts', () => {
  test('what the CLI prints parses with its schema (inspect, simulate, estimate, check)', async () => {
    parseContract(InspectJsonSchema, await cliJson(['inspect', sample]), 'inspect');
    parseContract(SimulateJsonSchema, await cliJson(['simulate', sample, '--input', path.join(root, 'samples', 'iris-inputs.json'), '--input-range', '0:8']), 'simulate');
    parseContract(EstimateJsonSchema, await cliJson(['estimate', sample, '--input-range', '0:8']), 'estimate');
    const rs = path.join(tmp, 'ok.rs');
    writeFileSync(rs, 'pub fn f(a: i32, b: i32) -> i64 { (a as i64) * (b as i64) }\n');
    parseContract(CheckJsonSchema, await cliJson(['check', rs]), 'check');
  });

  test('a wrong document is refused naming the field: missing, wrong type, wrong value', async () => {
    const good = (await cliJson(['estimate', sample, '--input-range', '0:8'])) as Record<string, unknown>;
    const refuse = (doc: unknown, re: RegExp) => assert.throws(() => parseContract(EstimateJsonSchema, doc, 'stylus-ml estimate --json'), (e: unknown) => e instanceof ContractError && re.test(e.message));
    const { call: _call, ...noCall } = good;
    refuse(noCall, /^stylus-ml estimate --json: call: missing/);
    refuse({ ...good, deploy: { ...(good.deploy as object), dataFeeWei: 12 } }, /deploy\.dataFeeWei: Invalid type: Expected string but received 12/);
    refuse({ ...good, function: 'predictFast' }, /function: Invalid type: Expected \("predict" \| "predictPacked" \| "predictBatch"\)/);
  });

  test('the extension refuses a CLI whose --json breaks the contract, naming the field (never renders it)', async () => {
    // a stand-in for a CLI of another version: prints an estimate whose deploy figures are missing
    const fake = path.join(tmp, 'old-cli.js');
    const good = (await cliJson(['estimate', sample, '--input-range', '0:8'])) as Record<string, unknown>;
    writeFileSync(fake, `process.stdout.write(${JSON.stringify(JSON.stringify({ ...good, deploy: undefined }))});\n`);
    chmodSync(fake, 0o755);
    const reg = new ProcessRegistry();
    try {
      const core = new CoreClient({ cliPath: fake, nodePath: process.execPath, registry: reg });
      await assert.rejects(core.estimate(sample), (e: unknown) => e instanceof CoreCommandError && /stylus-ml estimate --json: deploy: missing .*the stylus-ml CLI and the extension disagree/.test(e.message));
    } finally {
      await reg.disposeAll();
    }
  });

  test('the CLI itself never prints a document that breaks its contract', async () => {
    // every subcommand declares its contract; main.ts checks --json output against it before printing
    const { commands } = await import('../../core/cli/main');
    for (const c of commands) assert.ok(c.output, `${c.spec.name} declares its --json contract`);
  });
});
