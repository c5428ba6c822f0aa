// Stylus programs on the embedded devnode through the real runtime: deploy with the prelude, activation
// with the data fee (against the reference formula) and its refund, calls in both directions between
// EVM and Stylus, storage flush gas, reverts, out-of-ink, ProgramNotActivated, ProgramNeedsUpgrade after
// an ArbOS upgrade, refusal of invalid wasm at activation, and cargo-stylus's eth_call-with-overrides check.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { concatHex, getContractAddress, decodeErrorResult, decodeEventLog, decodeFunctionResult, encodeFunctionData, parseAbi, toHex, type Abi, type Hex } from 'viem';
import { startEmbeddedDevnode, type EmbeddedDevnode } from '../../devnode/index';
import { stylusDeployBytes } from '../../core/build/deploy-bytes';
import { connect, deployProgram, ARB_WASM, ARB_WASM_ABI, type ChainClient } from '../../core/chain/index';
import { NETWORK_FEE_ACCOUNT } from '../../devnode/evm/arbos-state';
import { dataFee, initialDataPricer } from '../../nitro/data-pricer';
import { CALLER_SOL, COUNTER_SOL, CREATE_WAT, ECHO_WAT, FORWARD_WAT, LOOP_WAT, NO_MEMORY_WAT, REVERT_WAT, STORE_WAT, compileSolidity, rpc, wat } from './devnode-helpers';

const hex = (b: Uint8Array): Hex => toHex(b);

async function deployRaw(client: ChainClient, initCode: Uint8Array): Promise<Hex> {
  const w = client.walletClient!;
  const hash = await w.sendTransaction({ account: w.account!, chain: w.chain, data: hex(initCode) });
  const r = await client.publicClient.waitForTransactionReceipt({ hash });
  assert.equal(r.status, 'success');
  return r.contractAddress!;
}

async function deployEvm(client: ChainClient, bytecode: Hex): Promise<Hex> {
  const w = client.walletClient!;
  const hash = await w.sendTransaction({ account: w.account!, chain: w.chain, data: bytecode });
  return (await client.publicClient.waitForTransactionReceipt({ hash })).contractAddress!;
}

/** the reference's asm estimate for a module (binary.rs): 512000 + funcs·996829/1e3 + type_len·11416/1e3 + wasm_len·62628/1e4 */
function asmEstimate(funcs: number, typeLen: number, wasmLen: number): bigint {
  return 512000n + (BigInt(funcs) * 996829n) / 1000n + (BigInt(typeLen) * 11416n) / 1000n + (BigInt(wasmLen) * 62628n) / 10000n;
}

describe('Stylus on the embedded devnode (ArbOS 61, the default)', () => {
  let node: EmbeddedDevnode;
  let client: ChainClient;
  before(async () => {
    node = await startEmbeddedDevnode({ port: 0 });
    assert.ok(node.chain.bridge.runtime !== null, 'the Stylus runtime is loaded');
    client = await connect({ mode: 'rpc', rpcUrl: node.url });
  });
  after(async () => {
    await client.close();
    await node.stop();
  });

  test('deploy + activate: data fee from the reference formula, excess refunded, fee to the network account', async () => {
    const wasm = await wat(ECHO_WAT);
    const bytes = stylusDeployBytes(wasm);
    const pub = client.publicClient;
    const feeAccount = NETWORK_FEE_ACCOUNT.toString() as Hex;
    const feeBefore = await pub.getBalance({ address: feeAccount });
    const res = await deployProgram(client, bytes.initCode);
    // one local function (i32)->i32: type_len 2
    const asm = asmEstimate(1, 2, wasm.length);
    // the first activation on this chain: the demand is this program's asm bytes alone
    const pricer = initialDataPricer();
    assert.equal(res.activate.dataFeeWei, dataFee(pricer, Number(asm), pricer.lastUpdateTime).fee);
    assert.equal(res.compressedBytes, bytes.compressedBytes);
    assert.equal(await pub.getBalance({ address: feeAccount }), feeBefore + res.activate.dataFeeWei);
    const receipt = await pub.getTransactionReceipt({ hash: res.activate.hash! });
    const tx = await pub.getTransaction({ hash: res.activate.hash! });
    assert.ok(tx.value > res.activate.dataFeeWei, 'paid with a 20% bump');
    // the sender's balance fell by gas + the fee only: the bump came back
    const before = await pub.getBalance({ address: client.account!, blockNumber: receipt.blockNumber - 1n });
    const afterBal = await pub.getBalance({ address: client.account!, blockNumber: receipt.blockNumber });
    assert.equal(before - afterBal, receipt.gasUsed * receipt.effectiveGasPrice + res.activate.dataFeeWei);
    // activation gas: at least the fixed 1,659,168 plus the intrinsic cost
    assert.ok(receipt.gasUsed > 1_659_168n + 21_000n);
    // ProgramActivated(codehash indexed, moduleHash, program, dataFee, version)
    const log = receipt.logs.find((l) => l.address.toLowerCase() === ARB_WASM);
    assert.ok(log !== undefined);
    assert.equal(log.topics[1], hex(keccak_256(bytes.runtimeCode)));
    const version = await pub.readContract({ address: ARB_WASM, abi: ARB_WASM_ABI, functionName: 'programVersion', args: [res.address] });
    assert.equal(version, 3, 'Stylus version 3 at ArbOS 61');
    // the program echoes its calldata
    const { data } = await pub.call({ to: res.address, data: '0xdeadbeef' });
    assert.equal(data, '0xdeadbeef');
    // re-activating the same code is refused as up to date
    await assert.rejects(
      pub.simulateContract({ address: ARB_WASM, abi: ARB_WASM_ABI, functionName: 'activateProgram', args: [res.address], value: 10n ** 17n, account: client.account! }),
      /ProgramUpToDate/,
    );
  });

  test('calling a deployed but not activated program: ProgramNotActivated, all gas consumed', async () => {
    const bytes = stylusDeployBytes(await wat(ECHO_WAT.replace('(i32.const 0)))', '(i32.const 0) drop (i32.const 0)))')));
    const address = await deployRaw(client, bytes.initCode);
    const r = await rpc(node.url, 'eth_call', [{ to: address, data: '0x01' }]);
    assert.equal(r.error?.code, -32000);
    assert.match(r.error!.message, /ProgramNotActivated/);
    const w = client.walletClient!;
    const hash = await w.sendTransaction({ account: w.account!, chain: w.chain, to: address, data: '0x01', gas: 200_000n });
    const receipt = await client.publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'reverted');
    assert.equal(receipt.gasUsed, 200_000n);
    // inside ArbWasm the same condition is an ABI error
    const v = await rpc(node.url, 'eth_call', [{ to: ARB_WASM, data: encodeFunctionData({ abi: ARB_WASM_ABI, functionName: 'programVersion', args: [address] }) }]);
    assert.equal(v.error?.code, 3);
    assert.equal(decodeErrorResult({ abi: ARB_WASM_ABI, data: v.error!.data as Hex }).errorName, 'ProgramNotActivated');
  });

  test('cargo-stylus check: eth_call of activateProgram with code and balance overrides, state untouched', async () => {
    const bytes = stylusDeployBytes(await wat(ECHO_WAT.replace('(memory (export "memory") 1 1)', '(memory (export "memory") 2 2)')));
    const program = '0x00000000000000000000000000000000c0ffee01' as Hex;
    const sender = '0x00000000000000000000000000000000000a11ce' as Hex;
    const data = encodeFunctionData({ abi: ARB_WASM_ABI, functionName: 'activateProgram', args: [program] });
    // the same code deployed for real; the data fee depends on the time since the last activation,
    // so the check and the real activation both run at one pinned time
    const deployed = await deployRaw(client, bytes.initCode);
    const at = (await client.publicClient.getBlock()).timestamp + 10n;
    await rpc(node.url, 'evm_setNextBlockTimestamp', [toHex(at)]);
    const r = await rpc(node.url, 'eth_call', [
      { from: sender, to: ARB_WASM, data, value: toHex(10n ** 18n) },
      'latest',
      { [program]: { code: hex(bytes.runtimeCode) }, [sender]: { balance: toHex(10n ** 24n) } },
    ]);
    assert.ok(typeof r.result === 'string', JSON.stringify(r.error));
    const [version, fee] = decodeFunctionResult({ abi: ARB_WASM_ABI, functionName: 'activateProgram', data: r.result as Hex });
    assert.equal(version, 3);
    assert.ok(fee > 0n);
    // without the overrides there is no code there: nothing was kept
    assert.equal(await client.publicClient.getCode({ address: program }), undefined);
    const codehash = hex(keccak_256(bytes.runtimeCode));
    const v = await rpc(node.url, 'eth_call', [{ to: ARB_WASM, data: encodeFunctionData({ abi: ARB_WASM_ABI, functionName: 'codehashVersion', args: [codehash] }) }]);
    assert.equal(decodeErrorResult({ abi: ARB_WASM_ABI, data: v.error!.data as Hex }).errorName, 'ProgramNotActivated');
    // the estimate equals what a real activation of the same code charges at the same time
    const w = client.walletClient!;
    const hash = await w.sendTransaction({
      account: w.account!,
      chain: w.chain,
      to: ARB_WASM,
      data: encodeFunctionData({ abi: ARB_WASM_ABI, functionName: 'activateProgram', args: [deployed] }),
      value: fee,
    });
    const receipt = await client.publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'success');
    assert.equal((await client.publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp, at);
    const activated = receipt.logs
      .filter((l) => l.address.toLowerCase() === ARB_WASM)
      .map((l) => decodeEventLog({ abi: ARB_WASM_ABI, data: l.data, topics: l.topics }))
      .find((e) => e.eventName === 'ProgramActivated');
    assert.equal(activated?.eventName === 'ProgramActivated' ? activated.args.dataFee : undefined, fee);
    // time goes on from the pinned time
    await rpc(node.url, 'evm_mine', []);
    assert.ok((await client.publicClient.getBlock()).timestamp >= at);
  });

  test('EVM → Stylus and Stylus → EVM calls, with state changes and logs', async () => {
    const echo = await deployProgram(client, stylusDeployBytes(await wat(ECHO_WAT.replace('(i32.const 0)))', '(i32.const 0) (i32.const 0) drop))'))).initCode);
    const callerC = compileSolidity(CALLER_SOL, 'Caller');
    const caller = await deployEvm(client, callerC.bytecode);
    const out = await client.publicClient.readContract({ address: caller, abi: callerC.abi as Abi, functionName: 'callIt', args: [echo.address, '0xcafe01'] });
    assert.equal(out, '0xcafe01');

    const counterC = compileSolidity(COUNTER_SOL, 'Counter');
    const counter = await deployEvm(client, counterC.bytecode);
    const fwd = await deployProgram(client, stylusDeployBytes(await wat(FORWARD_WAT)).initCode);
    const inc = encodeFunctionData({ abi: counterC.abi as Abi, functionName: 'increment', args: ['via stylus'] });
    const w = client.walletClient!;
    const hash = await w.sendTransaction({ account: w.account!, chain: w.chain, to: fwd.address, data: concatHex([counter, inc]) });
    const receipt = await client.publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'success');
    assert.equal(receipt.logs.length, 1, "the EVM callee's event survives in the Stylus caller's transaction");
    assert.equal(receipt.logs[0].address.toLowerCase(), counter.toLowerCase());
    assert.equal(receipt.logs[0].topics[1], `0x${'0'.repeat(24)}${fwd.address.slice(2).toLowerCase()}`, 'msg.sender is the program');
    const count = await client.publicClient.readContract({ address: counter, abi: counterC.abi as Abi, functionName: 'count' });
    assert.equal(count, 1n);
    // a read through the program returns the EVM contract's answer
    const { data } = await client.publicClient.call({ to: fwd.address, data: concatHex([counter, encodeFunctionData({ abi: counterC.abi as Abi, functionName: 'count' })]) });
    assert.equal(BigInt(data!), 1n);
  });

  test('create1 from a program deploys EVM code at the CREATE address; transient storage round-trips', async () => {
    const prog = await deployProgram(client, stylusDeployBytes(await wat(CREATE_WAT)).initCode);
    const counterC = compileSolidity(COUNTER_SOL, 'Counter');
    const w = client.walletClient!;
    const { data } = await client.publicClient.call({ account: client.account!, to: prog.address, data: counterC.bytecode });
    const expected = getContractAddress({ from: prog.address, nonce: 1n });
    assert.equal(data?.toLowerCase(), expected.toLowerCase());
    // explicit gas: an estimate only guarantees the outer call succeeds, and a create that runs short of
    // gas just returns the zero address (as on geth/nitro)
    const hash = await w.sendTransaction({ account: w.account!, chain: w.chain, to: prog.address, data: counterC.bytecode, gas: 3_000_000n });
    assert.equal((await client.publicClient.waitForTransactionReceipt({ hash })).status, 'success');
    assert.equal(await client.publicClient.getCode({ address: expected }), counterC.deployed);
  });

  test('storage: a flushed store of a slot the program loaded costs the warm SSTORE price (0 → non-zero = 20,000 gas)', async () => {
    const prog = await deployProgram(client, stylusDeployBytes(await wat(STORE_WAT)).initCode);
    const slot = `0x${'00'.repeat(31)}07` as Hex;
    const value = `0x${'00'.repeat(31)}2a` as Hex;
    const w = client.walletClient!;
    const send = async (data: Hex) => {
      const hash = await w.sendTransaction({ account: w.account!, chain: w.chain, to: prog.address, data, gas: 1_000_000n });
      return client.publicClient.waitForTransactionReceipt({ hash });
    };
    // same calldata bytes (so same intrinsic gas): only the length decides whether to store
    const readOnly = await send(concatHex([slot, value]).slice(0, 2 + 64 * 2 - 2) as Hex);
    const store = await send(concatHex([slot, value]));
    assert.equal(readOnly.status, 'success');
    assert.equal(store.status, 'success');
    const stored = await client.publicClient.getStorageAt({ address: prog.address, slot });
    assert.equal(stored, value);
    const extraCalldata = 16n; // one more non-zero byte (0x2a) in the storing call; the dropped byte was 0x00 (4)
    const diff = store.gasUsed - readOnly.gasUsed;
    // the load warmed the slot (2,100 paid by both calls): 20,000 for the SSTORE, the calldata
    // difference, and the few instructions of the store branch (ink, a handful of gas)
    assert.ok(diff >= 20_000n + extraCalldata - 4n && diff < 20_000n + extraCalldata + 50n, `store cost ${diff}`);
  });

  test('revert with data, trap-free revert status, and an infinite loop that runs out of gas', async () => {
    const rev = await deployProgram(client, stylusDeployBytes(await wat(REVERT_WAT)).initCode);
    const r = await rpc(node.url, 'eth_call', [{ to: rev.address, data: '0x0badf00d' }]);
    assert.equal(r.error?.code, 3);
    assert.equal(r.error?.data, '0x0badf00d');
    const loop = await deployProgram(client, stylusDeployBytes(await wat(LOOP_WAT)).initCode);
    const w = client.walletClient!;
    const hash = await w.sendTransaction({ account: w.account!, chain: w.chain, to: loop.address, gas: 300_000n });
    const receipt = await client.publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'reverted');
    assert.equal(receipt.gasUsed, 300_000n, 'out of ink consumes all gas');
  });

  test("a wasm that fails validation is refused at activation with nitro's reason, burning the gas", async () => {
    const address = await deployRaw(client, stylusDeployBytes(await wat(NO_MEMORY_WAT)).initCode);
    const data = encodeFunctionData({ abi: ARB_WASM_ABI, functionName: 'activateProgram', args: [address] });
    const r = await rpc(node.url, 'eth_call', [{ from: client.account, to: ARB_WASM, data, value: toHex(10n ** 17n) }]);
    assert.equal(r.error?.code, -32000);
    assert.match(r.error!.message, /program activation failed: .*memory/);
    const w = client.walletClient!;
    const hash = await w.sendTransaction({ account: w.account!, chain: w.chain, to: ARB_WASM, data, value: 10n ** 17n, gas: 3_000_000n });
    const receipt = await client.publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'reverted');
    assert.equal(receipt.gasUsed, 3_000_000n);
  });
});

describe('ArbOS version gates', () => {
  const views = parseAbi([
    'function stylusVersion() view returns (uint16)',
    'function maxStackDepth() view returns (uint32)',
    'function minInitGas() view returns (uint64, uint64)',
    'function activationGas() view returns (uint64)',
    'function arbOSVersion() view returns (uint256)',
    'function inkPrice() view returns (uint32)',
    'function freePages() view returns (uint16)',
    'function pageGas() view returns (uint16)',
    'function pageRamp() view returns (uint64)',
    'function pageLimit() view returns (uint16)',
    'function initCostScalar() view returns (uint64)',
    'function expiryDays() view returns (uint16)',
    'function keepaliveDays() view returns (uint16)',
    'function blockCacheSize() view returns (uint16)',
  ]);
  async function read(url: string, to: Hex, fn: string): Promise<unknown> {
    const r = await rpc(url, 'eth_call', [{ to, data: encodeFunctionData({ abi: views, functionName: fn as 'inkPrice' }) }]);
    if (r.error) return { error: r.error.code };
    const out = decodeFunctionResult({ abi: views, functionName: fn as 'inkPrice', data: r.result as Hex }) as unknown;
    return out;
  }
  const ARB_SYS = '0x0000000000000000000000000000000000000064' as Hex;

  test('parameter views at ArbOS 31, 40, 50 and 59', async () => {
    const expect: Record<number, { stylus: number; depth: number; minInit: unknown; activationGas: unknown }> = {
      31: { stylus: 2, depth: 262144, minInit: { error: 3 }, activationGas: { error: 3 } },
      40: { stylus: 2, depth: 262144, minInit: [8832n, 352n], activationGas: { error: 3 } },
      50: { stylus: 2, depth: 22000, minInit: [8832n, 352n], activationGas: { error: 3 } },
      59: { stylus: 3, depth: 22000, minInit: [8832n, 352n], activationGas: 0n },
    };
    for (const [v, e] of Object.entries(expect)) {
      const n = await startEmbeddedDevnode({ port: 0, arbos: Number(v), runtime: null });
      try {
        assert.equal(await read(n.url, ARB_WASM, 'stylusVersion'), e.stylus, `stylusVersion at ${v}`);
        assert.equal(await read(n.url, ARB_WASM, 'maxStackDepth'), e.depth, `maxStackDepth at ${v}`);
        assert.deepEqual(await read(n.url, ARB_WASM, 'minInitGas'), e.minInit, `minInitGas at ${v}`);
        assert.deepEqual(await read(n.url, ARB_WASM, 'activationGas'), e.activationGas, `activationGas at ${v}`);
        assert.equal(await read(n.url, ARB_SYS, 'arbOSVersion'), 55n + BigInt(v), 'nitro reports 55 + version');
        assert.equal(await read(n.url, ARB_WASM, 'inkPrice'), 10000);
        assert.equal(await read(n.url, ARB_WASM, 'freePages'), 2);
        assert.equal(await read(n.url, ARB_WASM, 'pageGas'), 1000);
        assert.equal(await read(n.url, ARB_WASM, 'pageRamp'), 620674314n);
        assert.equal(await read(n.url, ARB_WASM, 'pageLimit'), 128);
        assert.equal(await read(n.url, ARB_WASM, 'initCostScalar'), 100n);
        assert.equal(await read(n.url, ARB_WASM, 'expiryDays'), 365);
        assert.equal(await read(n.url, ARB_WASM, 'keepaliveDays'), 31);
        assert.equal(await read(n.url, ARB_WASM, 'blockCacheSize'), 32);
      } finally {
        await n.stop();
      }
    }
  });

  test('ProgramNeedsUpgrade after ArbOwner.scheduleArbOSUpgrade(59): the v2 program must be re-activated', async () => {
    const n = await startEmbeddedDevnode({ port: 0, arbos: 40 });
    const c = await connect({ mode: 'rpc', rpcUrl: n.url });
    try {
      const prog = await deployProgram(c, stylusDeployBytes(await wat(ECHO_WAT)).initCode);
      assert.equal((await c.publicClient.call({ to: prog.address, data: '0x01' })).data, '0x01');
      const ownerAbi = parseAbi(['function scheduleArbOSUpgrade(uint64 version, uint64 timestamp)']);
      const w = c.walletClient!;
      const h = await w.sendTransaction({ account: w.account!, chain: w.chain, to: '0x0000000000000000000000000000000000000070', data: encodeFunctionData({ abi: ownerAbi, functionName: 'scheduleArbOSUpgrade', args: [59n, 0n] }) });
      assert.equal((await c.publicClient.waitForTransactionReceipt({ hash: h })).status, 'success');
      // the upgrade applies from the next block
      const h2 = await w.sendTransaction({ account: w.account!, chain: w.chain, to: '0x000000000000000000000000000000000000dEaD', value: 1n });
      await c.publicClient.waitForTransactionReceipt({ hash: h2 });
      assert.equal(await read(n.url, ARB_SYS, 'arbOSVersion'), 55n + 59n);
      assert.equal(await read(n.url, ARB_WASM, 'stylusVersion'), 3);
      const r = await rpc(n.url, 'eth_call', [{ to: prog.address, data: '0x01' }]);
      assert.match(r.error!.message, /ProgramNeedsUpgrade\(2, 3\)/);
      // activation again brings it to version 3
      const again = await deployProgram(c, stylusDeployBytes(await wat(ECHO_WAT)).runtimeCode);
      assert.notEqual(again.activate.hash, null);
      assert.equal((await c.publicClient.call({ to: prog.address, data: '0x02' })).data, '0x02', 'same codehash: the old address works again');
      // non-owners cannot schedule upgrades: the call fails using all its gas
      const notOwner = await rpc(n.url, 'eth_estimateGas', [{ from: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', to: '0x0000000000000000000000000000000000000070', data: encodeFunctionData({ abi: ownerAbi, functionName: 'scheduleArbOSUpgrade', args: [59n, 0n] }) }]);
      assert.equal(notOwner.error?.code, 3);
    } finally {
      await c.close();
      await n.stop();
    }
  });
});

describe('program lifetime', () => {
  test('ProgramExpired after ExpiryDays; keepalive refused while younger than KeepaliveDays', async () => {
    const n = await startEmbeddedDevnode({ port: 0 });
    const c = await connect({ mode: 'rpc', rpcUrl: n.url });
    try {
      const bytes = stylusDeployBytes(await wat(ECHO_WAT));
      const prog = await deployProgram(c, bytes.initCode);
      const keepalive = parseAbi(['function codehashKeepalive(bytes32) payable', 'error ProgramKeepaliveTooSoon(uint64 ageInSeconds)', 'error ProgramExpired(uint64 ageInSeconds)']);
      const codehash = hex(keccak_256(bytes.runtimeCode));
      const tooSoon = await rpc(n.url, 'eth_call', [{ from: c.account, to: ARB_WASM, data: encodeFunctionData({ abi: keepalive, functionName: 'codehashKeepalive', args: [codehash] }), value: toHex(10n ** 17n) }]);
      assert.equal(decodeErrorResult({ abi: keepalive, data: tooSoon.error!.data as Hex }).errorName, 'ProgramKeepaliveTooSoon');
      await rpc(n.url, 'evm_increaseTime', [toHex(366 * 86400)]);
      const r = await rpc(n.url, 'eth_call', [{ to: prog.address, data: '0x01' }]);
      assert.match(r.error!.message, /ProgramExpired/);
    } finally {
      await c.close();
      await n.stop();
    }
  });
});
