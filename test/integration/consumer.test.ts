// Issue 16: the generated crate's examples/Consumer.sol, compiled with solc beside the crate's IModel.sol,
// deployed on the devnode against the deployed 64→32→10 digits model: its decide() is one EVM → Stylus call
// (predictLabel) whose label is the simulator's, allowed or denied by the set the deployer chose, with a
// Decision event and its gas.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { decodeEventLog, encodeDeployData, encodeFunctionData, type Abi, type Hex } from 'viem';
import { runCli } from '../fixtures/cli';
import { startEmbeddedDevnode, type EmbeddedDevnode } from '../../devnode/index';
import { connect, sendContract, type ChainClient } from '../../core/chain/index';
import { readManifest } from '../../core/manifest/file';
import { readInputFile } from '../../core/io/inputs';
import { onChainInputs, simulatorOutputs } from '../../core/cli/call';
import { planFromManifest } from '../../core/cli/crate-model';
import { DIGITS_TEST, makeDigitsCrate } from './model-crates';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-consumer-'));
let node: EmbeddedDevnode;
let client: ChainClient;
let dir: string;

before(async () => {
  dir = (await makeDigitsCrate(tmp)).dir;
  node = await startEmbeddedDevnode({ port: 0 });
  client = await connect({ mode: 'rpc', rpcUrl: node.url });
  const d = await runCli(['deploy', dir, '--rpc', node.url, '--json']);
  assert.equal(d.code, 0, d.stderr);
});
after(async () => {
  await client.close();
  await node.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** solc over the crate's two files, as a user compiles them (examples/Consumer.sol imports ../IModel.sol). */
function compileConsumer(): { abi: Abi; bytecode: Hex } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require('solc') as { compile(input: string): string };
  const sources = Object.fromEntries(['IModel.sol', 'examples/Consumer.sol'].map((f) => [f, { content: fs.readFileSync(path.join(dir, f), 'utf8') }]));
  const input = { language: 'Solidity', sources, settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: 'cancun', outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } } };
  const out = JSON.parse(solc.compile(JSON.stringify(input))) as { errors?: { severity: string; formattedMessage: string }[]; contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>> };
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  assert.deepEqual(errors.map((e) => e.formattedMessage), [], 'the generated Solidity compiles');
  const c = out.contracts['examples/Consumer.sol'].Consumer;
  return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
}

test("Consumer.sol's transaction emits the label the simulator predicts, allowed or denied; the EVM → Stylus call's gas", async (t) => {
  const m = readManifest(dir);
  const plan = planFromManifest(dir, m);
  const cases = readInputFile(DIGITS_TEST, plan.graph).slice(0, 40);
  const labelOf = (i: number) => {
    const sim = simulatorOutputs(plan, m, cases[i]);
    assert.ok(!('error' in sim));
    const out = sim[m.outputs[0].name];
    return out.indexOf(Math.max(...out));
  };
  const allowed = labelOf(0);
  const denied = cases.findIndex((_, i) => labelOf(i) !== allowed);
  assert.ok(denied > 0, 'a digit of another class among the first 40');

  const { abi, bytecode } = compileConsumer();
  const w = client.walletClient!;
  const model = m.measured!.deploy!.address as Hex;
  const hash = await w.sendTransaction({ account: w.account!, chain: w.chain, data: encodeDeployData({ abi, bytecode, args: [model, [BigInt(allowed)]] }) });
  const consumer = (await client.publicClient.waitForTransactionReceipt({ hash })).contractAddress!;
  assert.equal(await client.publicClient.readContract({ address: consumer, abi, functionName: 'modelHash' }), m.modelHash, 'the consumer read the model hash at deployment');

  const decide = async (i: number) => {
    const data = encodeFunctionData({ abi, functionName: 'decide', args: [onChainInputs(plan, cases[i])[0]] });
    const r = await sendContract(client, { to: consumer, data });
    assert.equal(r.status, 'success');
    const receipt = await client.publicClient.getTransactionReceipt({ hash: r.hash });
    const ev = receipt.logs.filter((l) => l.address.toLowerCase() === consumer.toLowerCase()).map((l) => decodeEventLog({ abi, data: l.data, topics: l.topics }));
    assert.equal(ev.length, 1);
    return { gas: r.gasUsed, args: ev[0].args as unknown as { requester: string; label: bigint; allowed: boolean } };
  };
  const yes = await decide(0);
  assert.equal(yes.args.label, BigInt(allowed), 'the label on chain is the simulator\'s');
  assert.equal(yes.args.allowed, true);
  assert.equal(yes.args.requester.toLowerCase(), client.account!.toLowerCase());
  const no = await decide(denied);
  assert.equal(no.args.label, BigInt(labelOf(denied)));
  assert.equal(no.args.allowed, false);
  assert.equal(await client.publicClient.readContract({ address: consumer, abi, functionName: 'allowedCount' }), 1n);
  assert.equal(await client.publicClient.readContract({ address: consumer, abi, functionName: 'deniedCount' }), 1n);

  // the same label asked of the model directly: what the EVM consumer adds around the Stylus call
  const direct = await sendContract(client, { to: model, data: encodeFunctionData({ abi: [{ type: 'function', name: 'predictLabel', stateMutability: 'view', inputs: [{ name: 'input', type: 'int32[]' }], outputs: [{ name: '', type: 'uint256' }] }], functionName: 'predictLabel', args: [onChainInputs(plan, cases[0])[0]] }) });
  assert.ok(yes.gas > direct.gasUsed);
  t.diagnostic(`Consumer.decide (EVM → Stylus predictLabel, event, counter): ${yes.gas} gas; predictLabel sent directly: ${direct.gasUsed} gas; the consumer adds ${yes.gas - direct.gasUsed}`);
});
