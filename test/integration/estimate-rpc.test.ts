// `stylus-ml estimate … --rpc URL` prices with the chain's live Stylus parameters, read through the views
// of ArbSys/ArbWasm/ArbOwnerPublic, instead of the table: after the chain owner changes the ink price, the
// minimum init gas and the init cost scalar, the estimate follows.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startEmbeddedDevnode, type EmbeddedDevnode } from '../../devnode/index';
import { runCli } from '../fixtures/cli';
import { mlp } from '../fixtures/onnx-builder';
import { owner } from './stylus-chain-helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-estimate-rpc-'));
const model = path.join(tmp, 'mlp.onnx');
let node: EmbeddedDevnode;
before(async () => {
  fs.writeFileSync(model, mlp([8, 6, 3], { seed: 3 }));
  node = await startEmbeddedDevnode({ port: 0 });
});
after(async () => {
  await node?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Json {
  arbosVersion: number;
  stylusParams: { inkPrice: number; minInitGas: number; minCachedInitGas: number; initCostScalar: number };
  call: { breakdown: { init: number; compute: { typical: number } } };
  provenance: Record<string, string>;
}
const estimate = async (...flags: string[]): Promise<Json> => {
  const r = await runCli(['estimate', model, '--input-range', '0:1', '--json', ...flags]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Json;
};

test('estimate --rpc reads the chain’s parameters; the table is used otherwise', async () => {
  const table = await estimate();
  assert.equal(table.arbosVersion, 61, 'the default version is what One runs');
  const same = await estimate('--rpc', node.url);
  assert.deepEqual(same.stylusParams, table.stylusParams, 'a fresh devnode has the table\'s parameters');
  assert.equal(same.call.breakdown.init, table.call.breakdown.init);
  assert.match(same.provenance.params, new RegExp(`the chain at ${node.url.replace(/[.]/g, '\\.')} \\(ArbOS 61`));

  for (const [fn, args] of [['setInkPrice', [20_000]], ['setWasmMinInitGas', [12_800n, 640n]], ['setWasmInitCostScalar', [200n]]] as const) {
    assert.equal((await owner(node.url, fn, args)).status, '0x1', fn);
  }
  const live = await estimate('--rpc', node.url);
  assert.deepEqual(
    [live.stylusParams.inkPrice, live.stylusParams.minInitGas, live.stylusParams.minCachedInitGas, live.stylusParams.initCostScalar],
    [20_000, 100, 20, 100],
  );
  // twice the ink per gas: the same work costs half the gas
  const ratio = live.call.breakdown.compute.typical / table.call.breakdown.compute.typical;
  assert.ok(Math.abs(ratio - 0.5) < 0.01, `compute gas ratio ${ratio}`);
  assert.ok(live.call.breakdown.init > table.call.breakdown.init, 'dearer init: 12,800 minimum and a 200% scalar');

  const both = await runCli(['estimate', model, '--rpc', node.url, '--arbos', '40']);
  assert.notEqual(both.code, 0);
  assert.match(both.stderr, /give --arbos or --rpc, not both/);
  const dead = await runCli(['estimate', model, '--input-range', '0:1', '--rpc', 'http://127.0.0.1:1']);
  assert.notEqual(dead.code, 0);
  assert.match(dead.stderr, /cannot read ArbSys\.arbOSVersion/);
});
