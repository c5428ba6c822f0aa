// Acceptance 5 of issue 4: `docker` mode. The command line and setup steps are held against
// nitro-devnode's run-dev-node.sh; the engine check is exercised with a missing and a failing `docker`;
// the readiness probe, the setup steps and the whole deploy path run against the embedded node started
// as if it were the container (a stand-in `docker` executable that runs our devnode for `docker run`).
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { decodeFunctionData, getContractAddress, parseAbi, parseEther, parseTransaction, recoverTransactionAddress, type Hex } from 'viem';
import {
  CONTAINER_NAME,
  checkDockerEngine,
  connect,
  deployProgram,
  devnodeSetupPlan,
  dockerRunArgs,
  nitroImage,
  waitForRpc,
} from '../../core/chain/index';
import { CACHE_MANAGER_INIT_CODE, CREATE2_FACTORY, CREATE2_FACTORY_DEPLOYER, CREATE2_FACTORY_TX } from '../../core/chain/setup';
import { stylusDeployBytes } from '../../core/build/deploy-bytes';
import { COUNTER_SOL, ECHO_WAT, compileSolidity, rpc, wat } from './devnode-helpers';

const root = path.resolve(__dirname, '../..');

test('docker run arguments are the script\'s, with its overrides', () => {
  assert.deepEqual(dockerRunArgs(), [
    'run', '--rm', '--name', 'nitro-dev', '-p', '8547:8547',
    'offchainlabs/nitro-node:v3.7.1-926f1ab',
    '--dev', '--http.addr', '0.0.0.0', '--http.api=net,web3,eth,debug',
  ]);
  assert.deepEqual(dockerRunArgs({ contractSize: 48000 }).slice(-2), ['--init.dev-max-code-size', '48000']);
  assert.equal(nitroImage({ NITRO_NODE_VERSION: 'v3.9.0-abc' }), 'offchainlabs/nitro-node:v3.9.0-abc');
  assert.equal(nitroImage({ NITRO_NODE_VERSION: 'v3.9.0-abc', TARGET_IMAGE: 'my/nitro:dev' }), 'my/nitro:dev');
  assert.equal(dockerRunArgs({ port: 9000 })[5], '9000:8547');
  assert.throws(() => dockerRunArgs({ contractSize: -1 }), /invalid contract size/);
});

test('a missing Docker and a stopped engine are reported as such', () => {
  assert.throws(() => checkDockerEngine('/nonexistent/docker-bin'), /Docker is not installed/);
  const dir = mkdtempSync(path.join(tmpdir(), 'fake-docker-'));
  const bin = path.join(dir, 'docker');
  writeFileSync(bin, '#!/bin/sh\necho "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2\nexit 1\n');
  chmodSync(bin, 0o755);
  assert.throws(() => checkDockerEngine(bin), /Docker engine is not running .*Cannot connect to the Docker daemon/);
});

test('the setup plan is the script\'s steps', async () => {
  const deployer = compileSolidity(COUNTER_SOL, 'Counter').bytecode;
  const plan = devnodeSetupPlan({ stylusDeployerInitCode: deployer });
  assert.deepEqual(plan.map((s) => s.name), [
    'becomeChainOwner',
    'setL1PricePerUnit(0)',
    'fund CREATE2 factory deployer',
    'publish CREATE2 factory',
    'deploy CacheManager',
    'deploy StylusDeployer',
  ]);
  const [own, l1, fund, pub, cm, sd] = plan;
  assert.ok(own.kind === 'call' && own.to === '0x00000000000000000000000000000000000000ff' && own.data === '0x0e5bbc11');
  assert.ok(l1.kind === 'call' && l1.to === '0x0000000000000000000000000000000000000070');
  assert.deepEqual(decodeFunctionData({ abi: parseAbi(['function setL1PricePerUnit(uint256)']), data: (l1 as { data: Hex }).data }).args, [0n]);
  assert.ok(fund.kind === 'call' && fund.to === CREATE2_FACTORY_DEPLOYER && fund.value === parseEther('1'));
  // the presigned factory transaction is sent by the funded deployer and creates the factory
  assert.ok(pub.kind === 'raw');
  assert.equal((await recoverTransactionAddress({ serializedTransaction: CREATE2_FACTORY_TX as never })).toLowerCase(), CREATE2_FACTORY_DEPLOYER);
  assert.equal(getContractAddress({ from: CREATE2_FACTORY_DEPLOYER, nonce: 0n }).toLowerCase(), CREATE2_FACTORY);
  assert.equal(parseTransaction(CREATE2_FACTORY_TX).gasPrice, 100_000_000_000n);
  assert.ok(cm.kind === 'create' && cm.data === CACHE_MANAGER_INIT_CODE);
  assert.ok(sd.kind === 'create2' && sd.expectAt === getContractAddress({ opcode: 'CREATE2', from: CREATE2_FACTORY, salt: `0x${'00'.repeat(32)}`, bytecode: deployer }));
  assert.equal(devnodeSetupPlan().length, 5, 'without the deployer bytecode the last step is left out');
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

test('docker mode end to end against the embedded node standing in for the container', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fake-docker-'));
  const bin = path.join(dir, 'docker');
  const argsFile = path.join(dir, 'args');
  const pidFile = path.join(dir, 'pid');
  // `docker run … -p H:8547 …` runs our devnode on port H; `docker stop nitro-dev` stops it
  writeFileSync(
    bin,
    [
      '#!/bin/sh',
      'case "$1" in',
      '  info) echo 27.0.0; exit 0 ;;',
      `  run) echo "$@" > '${argsFile}'; echo $$ > '${pidFile}'`,
      '       port=$(echo "$@" | sed -n \'s/.*-p \\([0-9]*\\):8547.*/\\1/p\')',
      `       exec '${process.execPath}' --import tsx '${path.join(root, 'devnode/process.ts')}' --port "$port" ;;`,
      `  stop) [ "$2" = "${CONTAINER_NAME}" ] && kill $(cat '${pidFile}'); exit 0 ;;`,
      'esac',
      'exit 1',
    ].join('\n'),
  );
  chmodSync(bin, 0o755);
  const port = await freePort();
  const deployer = compileSolidity(COUNTER_SOL, 'Counter').bytecode;
  const client = await connect({ mode: 'docker', port, docker: { dockerBin: bin, startTimeoutMs: 30_000 }, stylusDeployerInitCode: deployer });
  try {
    assert.equal(readFileSync(argsFile, 'utf8').trim(), dockerRunArgs({ port }).join(' '));
    assert.equal(client.url, `http://127.0.0.1:${port}`);
    assert.equal(await waitForRpc(client.url, { timeoutMs: 1000 }), '412346');
    const setup = client.setup!;
    assert.deepEqual(
      setup.steps.map((s) => s.name),
      ['becomeChainOwner', 'setL1PricePerUnit(0)', 'fund CREATE2 factory deployer', 'publish CREATE2 factory', 'deploy CacheManager', 'addWasmCacheManager', 'deploy StylusDeployer'],
    );
    const code = await client.publicClient.getCode({ address: CREATE2_FACTORY });
    assert.equal(code, '0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf3');
    const wasmCache = parseAbi(['function isCacheManager(address) view returns (bool)', 'function allCacheManagers() view returns (address[])']);
    assert.equal(await client.publicClient.readContract({ address: '0x0000000000000000000000000000000000000072', abi: wasmCache, functionName: 'isCacheManager', args: [setup.cacheManager!] }), true);
    const managerCode = await client.publicClient.getCode({ address: setup.cacheManager! });
    assert.equal((managerCode!.length - 2) / 2, 0x1d1c, 'the script\'s CacheManager code is 7,452 bytes');
    assert.ok(((await client.publicClient.getCode({ address: setup.stylusDeployer! })) ?? '0x').length > 2);
    // running the setup twice is harmless where the script's steps allow it (the factory is kept)
    // the deploy path through this client
    const res = await deployProgram(client, stylusDeployBytes(await wat(ECHO_WAT)).initCode);
    assert.ok(res.activate.dataFeeWei > 0n);
    assert.equal((await client.publicClient.call({ to: res.address, data: '0xabcd' })).data, '0xabcd');
    assert.equal((await rpc(client.url, 'eth_chainId')).result, '0x64aba');
  } finally {
    await client.close();
  }
  // `docker stop` ended the stand-in container
  let down = false;
  for (let i = 0; i < 50 && !down; i++) {
    down = (await rpc(`http://127.0.0.1:${port}`, 'eth_chainId').catch(() => null)) === null;
    if (!down) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(down, 'the node is stopped');
});
