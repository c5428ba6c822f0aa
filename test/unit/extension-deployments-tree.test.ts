// The Deployments view's rows (extension/deployments-tree.ts): grouped per chain, each state's severity,
// headline, details and the actions offered (contextValue), from statuses whose warnings are the CLI's own
// (core/chain/lifecycle.ts statusWarnings). The same view runs in code-server in test/e2e/deployments.test.ts.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { deploymentRow, deploymentTree, costText, type EntryStatus } from '../../extension/deployments-tree';
import { statusWarnings } from '../../core/chain/lifecycle';
import type { StatusJson } from '../../core/contracts/cli';

const ADDR = '0x1234567890abcdef1234567890abcdef12345678';
const deployment = (rpcUrl = 'http://127.0.0.1:8547') => ({ address: ADDR, rpcUrl, deployTx: `0x${'1'.repeat(64)}`, activateTx: `0x${'2'.repeat(64)}` });

function status(over: Partial<StatusJson>): EntryStatus {
  const s: StatusJson = {
    address: ADDR, activated: true, programVersion: 3, stylusVersion: 3, needsUpgrade: false, expiresInDays: 364, keepaliveAfterDays: 31, cached: false,
    initGas: 10_134, cachedInitGas: 478, chainId: 412346, codehash: `0x${'a'.repeat(64)}`, expired: false, ageDays: 0, expiryDays: 365, keepaliveDays: 31, warnings: [], isCurrentBuild: true,
    ...over,
  };
  s.warnings = statusWarnings(s);
  return { ok: true, status: s };
}

test('cached and active: ok, Cache not offered; not cached: a warning and Cache offered', () => {
  const cached = deploymentRow('/w/alpha', deployment(), status({ cached: true }));
  assert.equal(cached.severity, 'ok');
  assert.equal(cached.contextValue, 'deployment');
  assert.match(cached.description, /^0x1234…5678 · cached$/);
  assert.ok(cached.details.some((d) => /cached: a call starts for 478 gas \(10,134 uncached\)/.test(d)));
  const uncached = deploymentRow('/w/beta', deployment(), status({}));
  assert.equal(uncached.severity, 'warning');
  assert.deepEqual(uncached.warnings, ['not cached']);
  assert.equal(uncached.contextValue, 'deployment cacheable');
  assert.equal(uncached.details.filter((d) => /^not cached/.test(d)).length, 1, 'said once, with its figures');
});

test('needs re-activation (or expired): an error, Activate offered and Cache not; expiring soon: a warning', () => {
  const upgrade = deploymentRow('/w/gamma', deployment(), status({ programVersion: 2, needsUpgrade: true, initGas: null, cachedInitGas: null }));
  assert.equal(upgrade.severity, 'error');
  assert.equal(upgrade.contextValue, 'deployment activatable');
  assert.match(upgrade.description, /needs re-activation \(Stylus version 2 → 3\)$/);
  assert.deepEqual(upgrade.details, ['Stylus version 2; the chain runs 3'], 'no "not cached" twice');
  const expired = deploymentRow('/w/delta', deployment(), status({ expired: true, ageDays: 366, expiresInDays: 0, keepaliveAfterDays: 0 }));
  assert.equal(expired.severity, 'error');
  assert.equal(expired.contextValue, 'deployment activatable');
  const soon = deploymentRow('/w/eps', deployment(), status({ cached: true, expiresInDays: 12, keepaliveAfterDays: 0 }));
  assert.equal(soon.severity, 'warning');
  assert.deepEqual(soon.warnings, ['expires in < 30 days (12)']);
  assert.equal(soon.contextValue, 'deployment activatable', 'a keepalive is due');
});

test('grouped per RPC URL, labelled with the chain once read; unreadable and pending rows say so', () => {
  const entries = { '/w/b': deployment(), '/w/a': deployment(), '/w/c': deployment('https://sepolia-rollup.arbitrum.io/rpc') };
  const statuses = new Map<string, EntryStatus>([
    ['/w/a', status({ cached: true })],
    ['/w/b', { ok: false, error: 'fetch failed' }],
  ]);
  const tree = deploymentTree(entries, statuses);
  assert.deepEqual(tree.map((g) => g.label), ['Devnode (chain 412346)', 'https://sepolia-rollup.arbitrum.io/rpc']);
  assert.deepEqual(tree[0].rows.map((r) => r.label), ['a', 'b']);
  assert.match(tree[0].rows[1].description, /status unavailable$/);
  assert.equal(tree[1].rows[0].severity, 'unknown');
  assert.match(tree[1].rows[0].description, /reading…$/);
});

test('costText: ETH, gas at the price, and what is paid beside the gas', () => {
  assert.equal(costText({ gas: 1_955_698, gasPriceWei: '100000000', paidWei: '49461794839067', totalEth: '0.000245' }, 'data fee'), '0.000245 ETH (1,955,698 gas at 0.1 gwei + 49,461,794,839,067 wei data fee)');
  assert.equal(costText({ gas: 50_000, gasPriceWei: '100000000', paidWei: '0', totalEth: '0.000005' }, 'bid'), '0.000005 ETH (50,000 gas at 0.1 gwei)');
});
