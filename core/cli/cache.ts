// stylus-ml cache DIR [--bid WEI]: caches the deployed program through the chain's CacheManager, as
// `cargo stylus cache bid` does — the least accepted bid when no --bid is given, the bid checked by
// eth_call, its cost shown before it is sent — then reads the status back: a cached program's calls pay
// the cached init gas instead of the full one.
import { UserError } from '../errors';
import { readManifest } from '../manifest/file';
import { placeCacheBid, planCacheBid } from '../chain/cache';
import { describeCost } from '../chain/cost';
import { readProgramStatus } from '../chain/lifecycle';
import { CacheJsonSchema, type CacheJson } from '../contracts/cli';
import { dryRunFlag } from './activate';
import { chainFlags, deployedAddress, openExistingChain } from './chain-target';
import type { Command } from './command';
import { announce } from './format';
import { addressFlag, isCurrentBuild, statusJson } from './status';

function parseWei(s: unknown): bigint | undefined {
  if (s === undefined) return undefined;
  if (typeof s !== 'string' || !/^\d+$/.test(s)) throw new UserError(`--bid ${String(s)}: a whole number of wei (e.g. --bid 0 or --bid 1000000000000)`);
  return BigInt(s);
}

const n = (x: number | bigint) => x.toLocaleString('en-US');

export const cacheCommand: Command<typeof CacheJsonSchema> = {
  spec: {
    name: 'cache',
    summary: "Caches the deployed program with a CacheManager bid (as cargo stylus cache bid): the least accepted bid unless --bid is given; shows the cost before sending and the init gas saved per call.",
    usage: 'stylus-ml cache DIR [--bid WEI] [--rpc URL] [--key-file F] [--address ADDR] [--dry-run] [--json]',
    flags: { bid: { kind: 'string', help: 'the bid in wei (default: the least the CacheManager accepts now)' }, ...chainFlags, ...addressFlag, ...dryRunFlag },
    positionals: ['dir'],
  },
  output: CacheJsonSchema,
  async run(args) {
    const dir = args.positionals[0];
    const bid = parseWei(args.flags.bid);
    const m = readManifest(dir);
    const target = await openExistingChain(args.flags, 'cache');
    try {
      const address = deployedAddress(dir, m, target, args.flags);
      const current = await isCurrentBuild(dir, target, address);
      const before = await readProgramStatus(target.client, address);
      const lines = [`chain      ${target.note}`, `address    ${address}`];
      const json: CacheJson = {
        address,
        action: 'none',
        reason: '',
        manager: null,
        minBidWei: null,
        bidWei: null,
        cost: null,
        sent: null,
        dryRun: args.flags['dry-run'] === true,
        savedPerCallGas: before.initGas !== null && before.cachedInitGas !== null ? before.initGas - before.cachedInitGas : null,
        before: statusJson(before, current),
        after: null,
      };
      if (before.cached) {
        json.reason = 'already cached';
        lines.push('nothing to do: the program is already cached');
        return { json, text: lines.join('\n') };
      }
      const plan = await planCacheBid(target.client, before, bid);
      Object.assign(json, { action: 'bid', reason: 'not cached', manager: plan.manager, minBidWei: plan.minBidWei.toString(), bidWei: plan.bidWei.toString(), cost: plan.cost });
      const costLines = [
        `manager    ${plan.manager} (cache ${n(plan.queueSize)} of ${n(plan.cacheSize)} bytes used; least bid accepted now ${n(plan.minBidWei)} wei)`,
        `bid        placeBid(${address}) with ${n(plan.bidWei)} wei`,
        `cost       ${describeCost(plan.cost, 'bid')}`,
        ...(json.savedPerCallGas !== null ? [`saves      ${n(json.savedPerCallGas)} gas on every call (init ${n(before.initGas!)} → ${n(before.cachedInitGas!)})`] : []),
      ];
      if (json.dryRun) {
        lines.push(...costLines, 'dry run    nothing sent');
        return { json, text: lines.join('\n') };
      }
      announce(args.flags, [...lines, ...costLines].join('\n'));
      const sent = await placeCacheBid(target.client, plan, before.codehash);
      const after = await readProgramStatus(target.client, address);
      json.sent = sent;
      json.after = statusJson(after, current);
      return { json, text: `sent       tx ${sent.hash}  gas ${n(sent.gasUsed)}\nnow        cached: a call pays ${n(after.cachedInitGas ?? 0)} gas to start the program` };
    } finally {
      await target.client.close();
    }
  },
};
