// Acceptance 4 of issue 4: malformed and heavy input is answered with JSON-RPC errors, the node stays
// up and no state is lost.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startEmbeddedDevnode, type EmbeddedDevnode } from '../../devnode/index';
import { DEV_ACCOUNT } from '../../devnode/accounts';
import { rpc, rpcRaw } from './devnode-helpers';
import http from 'node:http';

let node: EmbeddedDevnode;
before(async () => {
  node = await startEmbeddedDevnode({ port: 0, runtime: null });
});
after(async () => {
  await node.stop();
});

type Err = { jsonrpc: string; id: unknown; error: { code: number; message: string } };

async function stillUp(): Promise<void> {
  const r = await rpc(node.url, 'eth_chainId');
  assert.equal(r.result, '0x64aba');
}

test('invalid JSON is a -32700 parse error with id null', async () => {
  for (const body of ['{', 'not json', '{"jsonrpc":"2.0",', '']) {
    const r = await rpcRaw(node.url, body);
    assert.equal(r.status, 200);
    const e = r.json as Err;
    assert.equal(e.error.code, -32700, `body ${JSON.stringify(body)}`);
    assert.equal(e.id, null);
  }
  await stillUp();
});

test('malformed requests are -32600; unknown methods -32601', async () => {
  const cases: [string, number][] = [
    ['[]', -32600],
    ['42', -32600],
    ['{"jsonrpc":"1.0","id":1,"method":"eth_chainId"}', -32600],
    ['{"jsonrpc":"2.0","id":1}', -32600],
    ['{"jsonrpc":"2.0","id":{"a":1},"method":"eth_chainId"}', -32600],
    ['{"jsonrpc":"2.0","id":7,"method":"eth_doesNotExist","params":[]}', -32601],
    ['{"jsonrpc":"2.0","id":7,"method":"constructor","params":[]}', -32601],
    ['{"jsonrpc":"2.0","id":7,"method":"__proto__","params":[]}', -32601],
  ];
  for (const [body, code] of cases) {
    const r = await rpcRaw(node.url, body);
    assert.equal((r.json as Err).error.code, code, body);
  }
  const unknown = await rpc(node.url, 'eth_doesNotExist');
  assert.match(unknown.error!.message, /eth_doesNotExist does not exist/);
  await stillUp();
});

test('wrong parameter types are -32602 naming the parameter', async () => {
  const cases: [string, unknown[], RegExp][] = [
    ['eth_getBalance', ['0x1234', 'latest'], /address/],
    ['eth_getBalance', [42, 'latest'], /address/],
    ['eth_getBalance', [DEV_ACCOUNT.address, 'yesterday'], /block number/],
    ['eth_getCode', [{}], /address/],
    ['eth_getStorageAt', [DEV_ACCOUNT.address, 'zz'], /storage slot/],
    ['eth_call', ['0x'], /transaction object/],
    ['eth_call', [{ to: DEV_ACCOUNT.address, data: '0xabc' }], /odd length/],
    ['eth_call', [{ to: DEV_ACCOUNT.address, gas: 'lots' }], /gas/],
    ['eth_sendRawTransaction', [123], /transaction data/],
    ['eth_getTransactionReceipt', ['0x12'], /transaction hash/],
    ['eth_getBlockByNumber', ['latest', 'yes'], /boolean/],
    ['eth_getLogs', ['all'], /filter/],
    ['eth_feeHistory', ['0x0', 'latest', []], /blockCount/],
  ];
  for (const [method, params, re] of cases) {
    const r = await rpc(node.url, method, params);
    assert.equal(r.error?.code, -32602, `${method} ${JSON.stringify(params)}: ${JSON.stringify(r)}`);
    assert.match(r.error!.message, re);
  }
  // params that are not an array
  const r = await rpcRaw(node.url, '{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":{"a":1}}');
  assert.equal((r.json as Err).error.code, -32602);
  await stillUp();
});

test('a 20 MB body is answered with a size error and the node stays up', async () => {
  const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_call', params: [{ data: `0x${'ab'.repeat(10 * 1024 * 1024)}` }] });
  assert.ok(big.length > 20 * 1024 * 1024);
  const r = await rpcRaw(node.url, big);
  assert.equal(r.status, 413);
  const e = r.json as Err;
  assert.equal(e.error.code, -32600);
  assert.match(e.error.message, /request body too large: \d+ bytes, limit 5242880 bytes/);
  await stillUp();
});

test('a batch of 1,000 calls gets 1,000 answers in order, errors included', async () => {
  const batch = Array.from({ length: 1000 }, (_, i) =>
    i % 10 === 9
      ? { jsonrpc: '2.0', id: i, method: 'eth_nope', params: [] }
      : { jsonrpc: '2.0', id: i, method: i % 2 === 0 ? 'eth_blockNumber' : 'eth_getBalance', params: i % 2 === 0 ? [] : [DEV_ACCOUNT.address, 'latest'] },
  );
  const r = await rpcRaw(node.url, JSON.stringify(batch));
  const out = r.json as { id: number; result?: string; error?: { code: number } }[];
  assert.equal(out.length, 1000);
  out.forEach((x, i) => {
    assert.equal(x.id, i);
    if (i % 10 === 9) assert.equal(x.error?.code, -32601);
    else assert.ok(typeof x.result === 'string');
  });
  // notifications (no id) get no answer; a batch of only notifications gets an empty body
  const n = await rpcRaw(node.url, JSON.stringify([{ jsonrpc: '2.0', method: 'eth_blockNumber' }]));
  assert.equal(n.text, '');
});

test('100 concurrent clients: every request answered, every transaction mined, nothing lost', async () => {
  const startBlock = BigInt((await rpc(node.url, 'eth_blockNumber')).result as string);
  const startNonce = BigInt((await rpc(node.url, 'eth_getTransactionCount', [DEV_ACCOUNT.address, 'latest'])).result as string);
  const targets = Array.from({ length: 100 }, (_, i) => `0x${(0x1000 + i).toString(16).padStart(40, '0')}`);
  const replies = await Promise.all(
    targets.map(async (to, i) => {
      // each client mixes reads with one transfer of (i+1) wei
      const reads = await Promise.all([rpc(node.url, 'eth_chainId'), rpc(node.url, 'eth_getBalance', [to, 'latest'])]);
      const send = await rpc(node.url, 'eth_sendTransaction', [{ from: DEV_ACCOUNT.address, to, value: `0x${(i + 1).toString(16)}` }]);
      return { reads, send };
    }),
  );
  for (const r of replies) {
    for (const x of r.reads) assert.ok(x.result !== undefined, JSON.stringify(x));
    assert.ok(typeof r.send.result === 'string', JSON.stringify(r.send));
  }
  const hashes = replies.map((r) => r.send.result as string);
  assert.equal(new Set(hashes).size, 100);
  for (const h of hashes) {
    const rec = await rpc(node.url, 'eth_getTransactionReceipt', [h]);
    assert.equal((rec.result as { status: string }).status, '0x1');
  }
  for (const [i, to] of targets.entries()) {
    assert.equal(BigInt((await rpc(node.url, 'eth_getBalance', [to, 'latest'])).result as string), BigInt(i + 1));
  }
  const endNonce = BigInt((await rpc(node.url, 'eth_getTransactionCount', [DEV_ACCOUNT.address, 'latest'])).result as string);
  assert.equal(endNonce - startNonce, 100n);
  assert.equal(BigInt((await rpc(node.url, 'eth_blockNumber')).result as string) - startBlock, 100n);
});

test('transactions the pool must refuse are answered with the reason', async () => {
  const r = await rpc(node.url, 'eth_sendRawTransaction', ['0x1234']);
  assert.equal(r.error?.code, -32000);
  assert.match(r.error!.message, /invalid transaction/);
  const notMine = await rpc(node.url, 'eth_sendTransaction', [{ from: '0x000000000000000000000000000000000000dEaD', to: DEV_ACCOUNT.address }]);
  assert.match(notMine.error!.message, /unknown account/);
  await stillUp();
});

/** One JSON-RPC POST with explicit Host and Origin headers, as a browser page would send it. */
function post(url: string, body: unknown, headers: Record<string, string>, method = 'POST'): Promise<{ status: number; headers: http.IncomingHttpHeaders; json: unknown }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: '/', method, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? JSON.parse(text) : null });
      });
    });
    req.on('error', reject);
    req.end(method === 'POST' ? JSON.stringify(body) : undefined);
  });
}

test('DNS rebinding: a request whose Host is not this node is refused before anything runs; loopback names are served; CORS stays open for local dapps', async () => {
  const port = new URL(node.url).port;
  const nonce = async () => (await rpc(node.url, 'eth_getTransactionCount', [DEV_ACCOUNT.address, 'latest'])).result;
  const before = await nonce();
  // a page on attacker.example that made its name resolve to 127.0.0.1 asks the node to sign with the dev key
  const send = { jsonrpc: '2.0', id: 1, method: 'eth_sendTransaction', params: [{ from: DEV_ACCOUNT.address, to: '0x000000000000000000000000000000000000dEaD', value: '0x1' }] };
  const evil = await post(node.url, send, { host: `attacker.example:${port}`, origin: 'http://attacker.example' });
  assert.equal(evil.status, 403);
  assert.match((evil.json as Err).error.message, /host not allowed: "attacker\.example"/);
  assert.equal(await nonce(), before, 'nothing was signed or sent');
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `[::1]:${port}`]) {
    const ok = await post(node.url, { jsonrpc: '2.0', id: 2, method: 'eth_chainId' }, { host, origin: 'http://localhost:3000' });
    assert.equal(ok.status, 200, host);
    assert.equal((ok.json as { result: string }).result, '0x64aba', host);
    assert.equal(ok.headers['access-control-allow-origin'], '*', `CORS for a local dapp (${host})`);
  }
  const preflight = await post(node.url, null, { host: `127.0.0.1:${port}`, origin: 'http://localhost:3000', 'access-control-request-method': 'POST' }, 'OPTIONS');
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers['access-control-allow-origin'], '*');
  assert.equal((await post(node.url, null, { host: 'evil.test' }, 'OPTIONS')).status, 403, 'the preflight too');
});

test('--allow-host adds a name the Host header may carry; others stay refused', async () => {
  const named = await startEmbeddedDevnode({ port: 0, runtime: null, allowHosts: ['devnode.lan'] });
  try {
    const port = new URL(named.url).port;
    assert.equal((await post(named.url, { jsonrpc: '2.0', id: 1, method: 'eth_chainId' }, { host: `devnode.lan:${port}` })).status, 200);
    assert.equal((await post(named.url, { jsonrpc: '2.0', id: 1, method: 'eth_chainId' }, { host: `other.lan:${port}` })).status, 403);
  } finally {
    await named.stop();
  }
});
