// Issue 16, real networks without a network: `deploy --dry-run` against the devnode in rpc mode prices
// every transaction exactly as the deployment then spends it, sends nothing, and with a recorded
// ArbGasInfo answer (--l1-pricing) adds the L1 data component computed from the signed transactions'
// bytes; the recording is what a devnode answers (recomputed here); --network refuses an endpoint of
// another chain; a multi-part crate (data contracts, fragments) is priced part by part.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { encodeFunctionData, formatEther, hexToBytes, toHex, type Hex } from 'viem';
import { runCli } from '../fixtures/cli';
import { recordFromDevnode, RECORDING } from '../fixtures/l1/record-arbgasinfo';
import { startEmbeddedDevnode, type EmbeddedDevnode } from '../../devnode/index';
import { DEV_ACCOUNT } from '../../devnode/accounts';
import { parseContract } from '../../core/contracts/check';
import { DeployDryRunJsonSchema, DeployJsonSchema, type DeployDryRunJson } from '../../core/contracts/cli';
import { readL1PricingFile } from '../../core/chain/l1-pricing';
import { ARB_WASM, ARB_WASM_ABI } from '../../core/chain/index';
import { posterGas, posterUnits, signedTxBytes } from '../../core/gas/l1';
import { programFromWasm, wasmCandidates } from '../../core/cli/crate-program';
import { rpc } from './devnode-helpers';
import { makeCrate, makeLayoutCrate, type ModelCrate } from './model-crates';
import { readManifest } from '../../core/manifest/file';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-dry-run-'));
let node: EmbeddedDevnode;
let crate: ModelCrate;

before(async () => {
  crate = await makeCrate('forest', tmp);
  node = await startEmbeddedDevnode({ port: 0 });
});
after(async () => {
  await node.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function dryRun(extra: string[] = []): Promise<DeployDryRunJson> {
  const r = await runCli(['deploy', crate.dir, '--rpc', node.url, '--dry-run', ...extra, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return parseContract(DeployDryRunJsonSchema, JSON.parse(r.stdout), 'deploy --dry-run --json');
}

test('the recorded ArbGasInfo answer is what a devnode answers after setL1PricePerUnit(10 gwei)', async () => {
  assert.deepEqual(await recordFromDevnode(), JSON.parse(fs.readFileSync(RECORDING, 'utf8')));
  const p = readL1PricingFile(RECORDING);
  assert.equal(p.pricePerUnitWei, 10_000_000_000n);
  assert.equal(p.l2BaseFeeWei, 100_000_000n);
  assert.equal(p.brotliLevel, 1);
});

test('deploy --dry-run prints every transaction with the gas the deployment then uses, and sends nothing', async () => {
  const nonce = async () => (await rpc(node.url, 'eth_getTransactionCount', [DEV_ACCOUNT.address, 'latest'])).result;
  const before = await nonce();
  const plan = await dryRun();
  assert.equal(await nonce(), before, 'nothing sent');
  assert.equal((await rpc(node.url, 'eth_getCode', [plan.address, 'latest'])).result, '0x');
  assert.deepEqual(plan.transactions.map((t) => t.to), [null, ARB_WASM]);
  for (const t of plan.transactions) {
    assert.equal(t.l1Gas, 0, 'the devnode charges no L1 data');
    assert.equal(t.gas, t.executionGas);
    assert.equal(BigInt(t.costWei), BigInt(t.gas) * BigInt(t.gasPriceWei) + BigInt(t.paidWei));
  }
  assert.equal(plan.total.costWei, plan.transactions.reduce((a, t) => a + BigInt(t.costWei), 0n).toString());
  assert.equal(plan.total.costEth, formatEther(BigInt(plan.total.costWei)));
  const r = await runCli(['deploy', crate.dir, '--rpc', node.url, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const real = parseContract(DeployJsonSchema, JSON.parse(r.stdout), 'deploy --json');
  assert.equal(real.address.toLowerCase(), plan.address.toLowerCase(), 'the program lands where the plan said');
  assert.equal(real.deploy.gasUsed, plan.transactions[0].gas);
  assert.equal(real.activate.gasUsed, plan.transactions[1].gas);
  assert.equal(real.activate.dataFeeWei, plan.transactions[1].paidWei);
});

test('--l1-pricing: the L1 data component of each signed transaction at the recorded pricing, on top of the execution gas', async () => {
  // a fresh devnode: the code is not activated there yet, so both transactions are planned
  const fresh = await startEmbeddedDevnode({ port: 0 });
  try {
    const r = await runCli(['deploy', crate.dir, '--rpc', fresh.url, '--dry-run', '--l1-pricing', RECORDING, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const plan = parseContract(DeployDryRunJsonSchema, JSON.parse(r.stdout), 'deploy --dry-run --json');
    const p = readL1PricingFile(RECORDING);
    assert.equal(plan.l1Pricing.pricePerUnitWei, '10000000000');
    const program = programFromWasm(wasmCandidates(crate.dir)[0]);
    const data: Hex[] = [toHex(program.initCode), encodeFunctionData({ abi: ARB_WASM_ABI, functionName: 'activateProgram', args: [plan.address as Hex] })];
    plan.transactions.forEach((t, i) => {
      const bytes = signedTxBytes({ to: t.to === null ? undefined : (t.to as Hex), data: hexToBytes(data[i]), value: BigInt(t.valueWei), gas: BigInt(t.executionGas), baseFeeWei: p.l2BaseFeeWei, chainId: p.chainId });
      assert.equal(t.l1Gas, posterGas(posterUnits(bytes, 1), p), `${t.name}: poster units at brotli 1 × 10 gwei / 0.1 gwei`);
      assert.equal(t.gas, t.executionGas + t.l1Gas);
    });
    assert.ok(plan.transactions[0].l1Gas > 16 * crate.compressedBytes * 50, 'the CREATE carries the compressed program: its L1 share dominates at 10 gwei');
    assert.ok(plan.notes.some((n) => /priced with .*arbgasinfo-recorded\.json/.test(n)));
  } finally {
    await fresh.stop();
  }
});

test('--network: the endpoint must be that network; unknown names and misplaced options are refused', async () => {
  const wrong = await runCli(['deploy', crate.dir, '--network', 'arbitrum-sepolia', '--rpc', node.url, '--dry-run']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /--network arbitrum-sepolia is chain 421614, but .* answers chain 412346/);
  const unknown = await runCli(['deploy', crate.dir, '--network', 'arbitrum-mainnet', '--dry-run']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /unknown network; the networks are arbitrum-one, arbitrum-sepolia/);
  const misplaced = await runCli(['deploy', crate.dir, '--rpc', node.url, '--l1-pricing', RECORDING]);
  assert.equal(misplaced.code, 1);
  assert.match(misplaced.stderr, /--l1-pricing goes with --dry-run/);
});

// multi-part layouts: every part the deployment will send through the CREATE2 proxy, then the activation
for (const layout of ['data', 'fragments'] as const) {
  test(`deploy --dry-run of a --layout ${layout} crate lists each part and the activation with the gas the deployment then uses; run again after it, nothing is left to send`, async () => {
    // fragments: a program past one contract (784-32-10 compresses to ~54 KB)
    const { dir } = await makeLayoutCrate(tmp, layout);
    const fresh = await startEmbeddedDevnode({ port: 0 });
    try {
      const nonce = async () => (await rpc(fresh.url, 'eth_getTransactionCount', [DEV_ACCOUNT.address, 'latest'])).result;
      const before = await nonce();
      const r = await runCli(['deploy', dir, '--rpc', fresh.url, '--dry-run', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const plan = parseContract(DeployDryRunJsonSchema, JSON.parse(r.stdout), 'deploy --dry-run --json');
      assert.equal(await nonce(), before, 'nothing sent');
      const parts = readManifest(dir).layout!.parts.filter((p) => p.kind !== 'program');
      const sends = plan.transactions.filter((t) => /^deploy /.test(t.name));
      const wanted = layout === 'data' ? parts.length + 1 : null;
      if (wanted !== null) assert.equal(sends.length, wanted, 'each data contract, then the program');
      else assert.ok(sends.length >= 3 && sends.some((t) => /\(fragment,/.test(t.name)), 'the fragments, then the root');
      assert.match(sends[sends.length - 1].name, /^deploy program \(program,/);
      assert.equal(plan.transactions[plan.transactions.length - 1].to, ARB_WASM);

      const d = await runCli(['deploy', dir, '--rpc', fresh.url, '--json'], { timeoutMs: 300_000 });
      assert.equal(d.code, 0, d.stderr);
      const real = parseContract(DeployJsonSchema, JSON.parse(d.stdout), 'deploy --json');
      assert.equal(real.address.toLowerCase(), plan.address.toLowerCase(), 'the program lands where the plan said');
      const sent = real.parts!.filter((p) => p.status === 'deployed');
      // the plan's gas is the limit each part is sent with: through the proxy's CREATE2 the part uses at
      // most that and no more than 2% less (the 1/64 kept back)
      assert.equal(sent.length, sends.length);
      sent.forEach((p, i) => assert.ok(p.gasUsed <= sends[i].gas && p.gasUsed >= sends[i].gas * 0.98, `${p.name}: used ${p.gasUsed}, planned ${sends[i].gas}`));
      assert.ok(plan.notes.some((x) => /1\/64/.test(x)));
      assert.equal(real.activate.gasUsed, plan.transactions[plan.transactions.length - 1].gas);
      assert.equal(real.activate.dataFeeWei, plan.transactions[plan.transactions.length - 1].paidWei);

      const again = await runCli(['deploy', dir, '--rpc', fresh.url, '--dry-run', '--json']);
      assert.equal(again.code, 0, again.stderr);
      const nothing = parseContract(DeployDryRunJsonSchema, JSON.parse(again.stdout), 'deploy --dry-run --json');
      assert.deepEqual(nothing.transactions, []);
      assert.ok(nothing.notes.some((x) => /program: already on chain/.test(x)) && nothing.notes.some((x) => /already holds an activation/.test(x)), nothing.notes.join('; '));
    } finally {
      await fresh.stop();
    }
  });
}
