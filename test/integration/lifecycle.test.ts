// Issue 16, after deployment: a generated model crate deployed on the embedded devnode through the real
// CLI, then `status`, `cache`, `activate` as a user runs them — status before and after caching (and the
// init gas a call saves), expiry after 365 days (calls answer ProgramExpired, status says so, activate
// restores), a keepalive once due, and an ArbOS upgrade (status says needsUpgrade, activate fixes it).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { toHex } from 'viem';
import { runCli } from '../fixtures/cli';
import { startEmbeddedDevnode, type EmbeddedDevnode } from '../../devnode/index';
import { parseContract } from '../../core/contracts/check';
import { ActivateJsonSchema, CacheJsonSchema, CallJsonSchema, StatusJsonSchema } from '../../core/contracts/cli';
import type { ActivateJson as Activate, CacheJson as Cache, CallJson as Call, StatusJson as Status } from '../../core/contracts/cli';
import { rpc } from './devnode-helpers';
import { makeCrate, type ModelCrate } from './model-crates';

const DAY = 86_400;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stylus-ml-lifecycle-'));
let crate: ModelCrate;
const input = path.join(tmp, 'in.json');

before(async () => {
  crate = await makeCrate('mlp', tmp);
  fs.writeFileSync(input, JSON.stringify([[0.5, -0.25, 0.125, 0.75, -0.5, 0.25, 0, -1]]));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function cli<T>(schema: Parameters<typeof parseContract>[0], args: string[], expectCode = 0): Promise<T> {
  const r = await runCli([...args, '--json']);
  assert.equal(r.code, expectCode, `stylus-ml ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return parseContract(schema, JSON.parse(r.stdout), `stylus-ml ${args[0]} --json`) as T;
}

async function callGas(url: string): Promise<{ gas: number; call: Call }> {
  const call = await cli<Call>(CallJsonSchema, ['call', crate.dir, '--input', input, '--rpc', url, '--send']);
  assert.equal(call.matchesSimulator, true, 'the on-chain outputs equal the simulator');
  return { gas: call.cases[0].gasUsed!, call };
}

describe('on ArbOS 61: cache, expiry, re-activation, keepalive', () => {
  let node: EmbeddedDevnode;
  before(async () => {
    node = await startEmbeddedDevnode({ port: 0 });
    const d = await runCli(['deploy', crate.dir, '--rpc', node.url, '--json']);
    assert.equal(d.code, 0, d.stderr);
  });
  after(async () => node.stop());

  test('status before and after `cache`: the bid is the least accepted, a call then saves initGas − cachedInitGas', async () => {
    const s0 = await cli<Status>(StatusJsonSchema, ['status', crate.dir, '--rpc', node.url]);
    assert.equal(s0.activated, true);
    assert.equal(s0.programVersion, 3);
    assert.equal(s0.stylusVersion, 3);
    assert.equal(s0.needsUpgrade, false);
    assert.equal(s0.cached, false);
    assert.equal(s0.isCurrentBuild, true);
    assert.equal(s0.expiresInDays, 364, 'activated this hour: 365 days less part of one');
    assert.equal(s0.keepaliveAfterDays, 31);
    assert.ok(s0.initGas! > s0.cachedInitGas! && s0.cachedInitGas! > 0);
    assert.deepEqual(s0.warnings, ['not cached']);
    const uncached = await callGas(node.url);

    const dry = await cli<Cache>(CacheJsonSchema, ['cache', crate.dir, '--rpc', node.url, '--dry-run']);
    assert.equal(dry.action, 'bid');
    assert.equal(dry.sent, null);
    assert.equal(dry.minBidWei, '0', 'a cache with room accepts a bid of 0 (getMinBid)');
    assert.ok(dry.cost!.gas > 21_000);
    assert.equal(dry.savedPerCallGas, s0.initGas! - s0.cachedInitGas!);
    assert.equal((await cli<Status>(StatusJsonSchema, ['status', crate.dir, '--rpc', node.url])).cached, false, 'a dry run sends nothing');

    const c = await cli<Cache>(CacheJsonSchema, ['cache', crate.dir, '--rpc', node.url]);
    assert.ok(c.sent !== null && c.after !== null);
    assert.equal(c.manager!.toLowerCase(), ((await rpc(node.url, 'devnode_info')).result as { cacheManager: string }).cacheManager.toLowerCase(), 'the CacheManager the devnode installed');
    assert.equal(c.after.cached, true);
    const s1 = await cli<Status>(StatusJsonSchema, ['status', crate.dir, '--rpc', node.url]);
    assert.equal(s1.cached, true);
    assert.deepEqual(s1.warnings, []);
    const cached = await callGas(node.url);
    assert.equal(uncached.gas - cached.gas, s0.initGas! - s0.cachedInitGas!, 'a cached program pays the cached init gas instead of the full one');

    const again = await cli<Cache>(CacheJsonSchema, ['cache', crate.dir, '--rpc', node.url]);
    assert.equal(again.action, 'none', 'caching a cached program sends nothing');
  });

  test('after 365 days the program answers ProgramExpired and status says so; activate restores it', async () => {
    await rpc(node.url, 'evm_increaseTime', [toHex(366 * DAY)]);
    const s = await cli<Status>(StatusJsonSchema, ['status', crate.dir, '--rpc', node.url]);
    assert.equal(s.expired, true);
    assert.equal(s.activated, true);
    assert.equal(s.expiresInDays, 0);
    assert.equal(s.ageDays, 366);
    assert.equal(s.initGas, null, 'programInitGas answers ProgramExpired too');
    assert.match(s.warnings[0], /expired: needs re-activation/);
    const failed = await runCli(['call', crate.dir, '--input', input, '--rpc', node.url, '--json']);
    assert.equal(failed.code, 3);
    assert.match((JSON.parse(failed.stdout) as Call).cases[0].error!, /ProgramExpired\(\d+\)/, 'the chain answers as nitro does for an expired program');

    const dry = await cli<Activate>(ActivateJsonSchema, ['activate', crate.dir, '--rpc', node.url, '--dry-run']);
    assert.equal(dry.action, 'activate');
    assert.match(dry.reason, /expired/);
    assert.ok(BigInt(dry.cost!.paidWei) > 0n, 'the data fee is known before sending');
    assert.ok(BigInt(dry.cost!.valueWei) > BigInt(dry.cost!.paidWei), 'sent with a margin, the excess refunded');
    assert.equal(dry.after, null);
    const r = await runCli(['activate', crate.dir, '--rpc', node.url]);
    assert.equal(r.code, 0, r.stderr);
    const costAt = r.stdout.indexOf('cost ');
    const sentAt = r.stdout.indexOf('sent ');
    assert.ok(costAt >= 0 && sentAt > costAt, `the cost is printed before the transaction is reported:\n${r.stdout}`);
    const s2 = await cli<Status>(StatusJsonSchema, ['status', crate.dir, '--rpc', node.url]);
    assert.equal(s2.expired, false);
    assert.equal(s2.expiresInDays, 364);
    assert.equal(s2.cached, true, 'the cache flag outlives the expiry, as in nitro');
    await callGas(node.url);
  });

  test('a keepalive is refused as not due, then sent once KeepaliveDays have passed', async () => {
    const early = await cli<Activate>(ActivateJsonSchema, ['activate', crate.dir, '--rpc', node.url]);
    assert.equal(early.action, 'none');
    assert.match(early.reason, /keepalive is accepted in 31 days/);
    await rpc(node.url, 'evm_increaseTime', [toHex(40 * DAY)]);
    const k = await cli<Activate>(ActivateJsonSchema, ['activate', crate.dir, '--rpc', node.url]);
    assert.equal(k.action, 'keepalive');
    assert.equal(k.before.expiresInDays, 324);
    assert.equal(k.before.keepaliveAfterDays, 0);
    assert.ok(k.sent !== null && BigInt(k.sent.dataFeeWei) > 0n);
    assert.equal(k.after!.expiresInDays, 364, 'the keepalive restarts the 365 days');
  });
});

describe('an ArbOS upgrade that changes the Stylus version', () => {
  let node: EmbeddedDevnode;
  before(async () => {
    node = await startEmbeddedDevnode({ port: 0, arbos: 50 });
  });
  after(async () => node.stop());

  test('status says needsUpgrade after the upgrade; activate fixes it', async () => {
    const d = await runCli(['deploy', crate.dir, '--rpc', node.url, '--json']);
    assert.equal(d.code, 0, d.stderr);
    const s0 = await cli<Status>(StatusJsonSchema, ['status', crate.dir, '--rpc', node.url]);
    assert.equal(s0.programVersion, 2);
    assert.equal(s0.needsUpgrade, false);
    assert.equal((await rpc(node.url, 'devnode_upgradeArbOS', [toHex(59)])).error, undefined);
    const s1 = await cli<Status>(StatusJsonSchema, ['status', crate.dir, '--rpc', node.url]);
    assert.equal(s1.needsUpgrade, true);
    assert.equal(s1.programVersion, 2);
    assert.equal(s1.stylusVersion, 3);
    assert.match(s1.warnings[0], /needs re-activation \(Stylus version 2 → 3\)/);
    const failed = await runCli(['call', crate.dir, '--input', input, '--rpc', node.url, '--json']);
    assert.match((JSON.parse(failed.stdout) as Call).cases[0].error!, /ProgramNeedsUpgrade\(2, 3\)/);
    const a = await cli<Activate>(ActivateJsonSchema, ['activate', crate.dir, '--rpc', node.url]);
    assert.equal(a.action, 'activate');
    assert.match(a.reason, /Stylus version 2, the chain runs 3/);
    assert.equal(a.after!.needsUpgrade, false);
    assert.equal(a.after!.programVersion, 3);
    await callGas(node.url);
  });
});
