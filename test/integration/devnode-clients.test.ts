// Acceptance 1 of issue 4: viem and ethers against the embedded node — chain id, balances, a value
// transfer, nonces, receipts, blocks, logs from a solc-compiled contract.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ethers } from 'ethers';
import { createPublicClient, createWalletClient, decodeEventLog, getContract, http, parseEther, type Abi, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { startEmbeddedDevnode, type EmbeddedDevnode } from '../../devnode/index';
import { DEV_ACCOUNT, TEST_ACCOUNTS } from '../../devnode/accounts';
import { devnodeChain } from '../../core/chain/chains';
import { COUNTER_SOL, compileSolidity } from './devnode-helpers';

let node: EmbeddedDevnode;
const counter = compileSolidity(COUNTER_SOL, 'Counter');

before(async () => {
  node = await startEmbeddedDevnode({ port: 0, runtime: null });
});
after(async () => {
  await node.stop();
});

describe('viem', () => {
  test('chain id, funded dev accounts, a transfer, nonces, receipt and block', async () => {
    const chain = devnodeChain(node.url);
    const pub = createPublicClient({ chain, transport: http(node.url) });
    const account = privateKeyToAccount(DEV_ACCOUNT.privateKey);
    const wallet = createWalletClient({ chain, transport: http(node.url), account });
    assert.equal(await pub.getChainId(), 412346);
    assert.equal(await pub.getBalance({ address: DEV_ACCOUNT.address }), parseEther('1000'));
    for (const a of TEST_ACCOUNTS) assert.equal(await pub.getBalance({ address: a.address }), parseEther('1000'));

    const to = '0x000000000000000000000000000000000000bEEF';
    const nonceBefore = await pub.getTransactionCount({ address: account.address });
    const blockBefore = await pub.getBlockNumber();
    const hash = await wallet.sendTransaction({ to, value: parseEther('1.5') });
    const receipt = await pub.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'success');
    assert.equal(receipt.gasUsed, 21000n);
    assert.equal(receipt.from.toLowerCase(), account.address.toLowerCase());
    assert.equal(receipt.blockNumber, blockBefore + 1n, 'automine: one block per transaction');
    assert.equal(await pub.getTransactionCount({ address: account.address }), nonceBefore + 1);
    assert.equal(await pub.getBalance({ address: to }), parseEther('1.5'));
    // the sender paid value + gas at the effective price (base fee 0.1 gwei, no tip)
    assert.equal(receipt.effectiveGasPrice, 100_000_000n);
    const bal = await pub.getBalance({ address: account.address });
    assert.equal(bal, parseEther('1000') - parseEther('1.5') - 21000n * 100_000_000n);

    const block = await pub.getBlock({ blockNumber: receipt.blockNumber, includeTransactions: true });
    assert.equal(block.hash, receipt.blockHash);
    assert.equal(block.transactions.length, 1);
    assert.equal(block.transactions[0].hash, hash);
    assert.equal(block.baseFeePerGas, 100_000_000n);
    const byHash = await pub.getBlock({ blockHash: receipt.blockHash });
    assert.equal(byHash.number, receipt.blockNumber);
    const parent = await pub.getBlock({ blockNumber: receipt.blockNumber - 1n });
    assert.equal(block.parentHash, parent.hash);
    const tx = await pub.getTransaction({ hash });
    assert.equal(tx.value, parseEther('1.5'));
    assert.equal(tx.to?.toLowerCase(), to.toLowerCase());
  });

  test('deploys a solc contract, reads it, and finds its event with eth_getLogs', async () => {
    const chain = devnodeChain(node.url);
    const pub = createPublicClient({ chain, transport: http(node.url) });
    const account = privateKeyToAccount(TEST_ACCOUNTS[0].privateKey);
    const wallet = createWalletClient({ chain, transport: http(node.url), account });
    const abi = counter.abi as Abi;
    const hash = await wallet.deployContract({ abi, bytecode: counter.bytecode });
    const receipt = await pub.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'success');
    const address = receipt.contractAddress as Hex;
    assert.equal(await pub.getCode({ address }), counter.deployed);
    const c = getContract({ address, abi, client: { public: pub, wallet } });
    const h2 = await c.write.increment(['hello']);
    const r2 = await pub.waitForTransactionReceipt({ hash: h2 });
    assert.equal(r2.logs.length, 1);
    const ev = decodeEventLog({ abi, data: r2.logs[0].data, topics: r2.logs[0].topics }) as unknown as { eventName: string; args: Record<string, unknown> };
    assert.equal(ev.eventName, 'Incremented');
    assert.equal(ev.args.newCount, 1n);
    assert.equal(ev.args.note, 'hello');
    assert.equal(await c.read.count(), 1n);
    const logs = await pub.getLogs({ address, fromBlock: 0n, toBlock: 'latest' });
    assert.equal(logs.length, 1);
    assert.equal(logs[0].transactionHash, h2);
    // topic filter by indexed sender: matches ours, not someone else's
    const topicMine = await pub.request({ method: 'eth_getLogs', params: [{ fromBlock: '0x0', toBlock: 'latest', topics: [null, `0x${'0'.repeat(24)}${account.address.slice(2).toLowerCase()}`] }] });
    assert.equal((topicMine as unknown[]).length, 1);
    const topicOther = await pub.request({ method: 'eth_getLogs', params: [{ fromBlock: '0x0', toBlock: 'latest', topics: [null, `0x${'0'.repeat(63)}1`] }] });
    assert.equal((topicOther as unknown[]).length, 0);
    // a revert with a reason comes back as an error carrying it
    await assert.rejects(c.read.fail(), /nope/);
    await assert.rejects(pub.simulateContract({ address, abi, functionName: 'add', args: [101n], account }), /TooBig/);
  });
});

describe('ethers', () => {
  test('provider and wallet: chain id, balances, transfer, nonce, receipt, block, contract logs', async () => {
    const provider = new ethers.JsonRpcProvider(node.url, undefined, { staticNetwork: true, polling: true, pollingInterval: 50 });
    const net = await provider.getNetwork();
    assert.equal(net.chainId, 412346n);
    const wallet = new ethers.Wallet(TEST_ACCOUNTS[1].privateKey, provider);
    assert.equal(await provider.getBalance(wallet.address), ethers.parseEther('1000'));
    const nonce = await provider.getTransactionCount(wallet.address);
    // ethers caches identical provider reads for 250 ms; on an instant-mining chain a NonceManager keeps
    // consecutive transactions from reusing a cached nonce
    const signer = new ethers.NonceManager(wallet);
    const tx = await signer.sendTransaction({ to: TEST_ACCOUNTS[2].address, value: ethers.parseEther('2') });
    const receipt = await tx.wait();
    assert.ok(receipt !== null);
    assert.equal(receipt.status, 1);
    assert.equal(await provider.getTransactionCount(wallet.address, receipt.blockNumber), nonce + 1);
    assert.equal(await provider.getBalance(TEST_ACCOUNTS[2].address), ethers.parseEther('1002'));
    const block = await provider.getBlock(receipt.blockNumber);
    assert.ok(block !== null);
    assert.equal(block.hash, receipt.blockHash);
    assert.ok(block.transactions.includes(tx.hash));

    const factory = new ethers.ContractFactory(counter.abi as ethers.InterfaceAbi, counter.bytecode, signer);
    const contract = await factory.deploy();
    await contract.waitForDeployment();
    const inc = (await (contract as unknown as { increment(n: string): Promise<ethers.ContractTransactionResponse> }).increment('from ethers')) as ethers.ContractTransactionResponse;
    const r = await inc.wait();
    assert.ok(r !== null);
    const parsed = r.logs.map((l) => contract.interface.parseLog(l)).filter((x) => x !== null);
    assert.equal(parsed.length, 1);
    assert.equal(parsed[0]!.name, 'Incremented');
    assert.equal(parsed[0]!.args.note, 'from ethers');
    const events = await contract.queryFilter(contract.filters.Incremented(), 0, r.blockNumber);
    assert.equal(events.length, 1);
    provider.destroy();
  });
});
