// core/chain pieces that need no node: chain definitions, deploy-byte normalisation, URL and key checks.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { chainFor, connect, deployProgram, normaliseDeployBytes } from '../../core/chain/index';
import { stylusDeployBytes } from '../../core/build/deploy-bytes';
import { minimalStylusWasm } from '../integration/devnode-helpers';

test("rpc mode uses viem's definitions for Arbitrum One and Sepolia", () => {
  assert.equal(chainFor(42161, 'http://x').name, 'Arbitrum One');
  assert.equal(chainFor(421614, 'http://x').name, 'Arbitrum Sepolia');
  assert.equal(chainFor(412346, 'http://x').id, 412346);
  assert.deepEqual(chainFor(42161, 'http://my-node').rpcUrls.default.http, ['http://my-node']);
});

test('deploy bytes: runtime code or prelude init code, anything else refused', async () => {
  const d = stylusDeployBytes(await minimalStylusWasm());
  assert.deepEqual(normaliseDeployBytes(d.runtimeCode), { runtimeCode: d.runtimeCode, initCode: d.initCode });
  assert.deepEqual(normaliseDeployBytes(d.initCode), { runtimeCode: d.runtimeCode, initCode: d.initCode });
  assert.throws(() => normaliseDeployBytes(new Uint8Array([0x60, 0x00])), /not Stylus deployment bytes/);
});

test('rpc mode: bad URLs, unreachable endpoints and a missing key are clear errors', async () => {
  await assert.rejects(connect({ mode: 'rpc' }), /needs a URL/);
  await assert.rejects(connect({ mode: 'rpc', rpcUrl: 'not a url' }), /invalid RPC URL/);
  await assert.rejects(connect({ mode: 'rpc', rpcUrl: 'ws://127.0.0.1:1' }), /unsupported RPC URL scheme/);
  await assert.rejects(connect({ mode: 'rpc', rpcUrl: 'http://127.0.0.1:1' }), /cannot reach http:\/\/127\.0\.0\.1:1/);
  // an endpoint that says it is Arbitrum One: no dev key is used there
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const { id } = JSON.parse(body) as { id: number };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ jsonrpc: '2.0', id, result: '0xa4b1' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const client = await connect({ mode: 'rpc', rpcUrl: url });
    assert.equal(client.chain.name, 'Arbitrum One');
    assert.equal(client.walletClient, null);
    assert.equal(client.account, null);
    const d = stylusDeployBytes(await minimalStylusWasm());
    await assert.rejects(deployProgram(client, d.initCode), /no signing key .*--key-file/);
    await assert.rejects(connect({ mode: 'rpc', rpcUrl: url, keyFile: '/nonexistent/key' }), /key file \/nonexistent\/key: not found/);
  } finally {
    server.close();
  }
});
