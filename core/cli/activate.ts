// stylus-ml activate DIR: brings the deployed program back to callable — activateProgram after an ArbOS
// upgrade changed the Stylus version or after it expired, codehashKeepalive once a keepalive is due — and
// says what that costs before sending it (--dry-run: only says). Prints the status before and after.
import { readManifest } from '../manifest/file';
import { planActivation, sendActivation } from '../chain/activation';
import { describeCost } from '../chain/cost';
import { readProgramStatus } from '../chain/lifecycle';
import { ActivateJsonSchema, type ActivateJson } from '../contracts/cli';
import { chainFlags, deployedAddress, openExistingChain } from './chain-target';
import type { Command } from './command';
import { announce } from './format';
import { addressFlag, isCurrentBuild, statusJson } from './status';

export const dryRunFlag = { 'dry-run': { kind: 'boolean' as const, help: 'show what would be sent and its cost; send nothing' } };

export const activateCommand: Command<typeof ActivateJsonSchema> = {
  spec: {
    name: 'activate',
    summary: 'Re-activates the deployed program after an ArbOS upgrade or expiry (ArbWasm.activateProgram), or keeps it alive when due (codehashKeepalive); shows the cost before sending.',
    usage: 'stylus-ml activate DIR [--rpc URL] [--key-file F] [--address ADDR] [--dry-run] [--json]',
    flags: { ...chainFlags, ...addressFlag, ...dryRunFlag },
    positionals: ['dir'],
  },
  output: ActivateJsonSchema,
  async run(args) {
    const dir = args.positionals[0];
    const m = readManifest(dir);
    const target = await openExistingChain(args.flags, 'activate');
    try {
      const address = deployedAddress(dir, m, target, args.flags);
      const current = await isCurrentBuild(dir, target, address);
      const before = await readProgramStatus(target.client, address);
      const plan = await planActivation(target.client, before);
      const lines = [`chain      ${target.note}`, `address    ${address}`];
      const json: ActivateJson = { address, action: plan.action, reason: plan.reason, cost: null, sent: null, dryRun: args.flags['dry-run'] === true, before: statusJson(before, current), after: null };
      if (plan.action === 'none') {
        lines.push(`nothing to do: ${plan.reason}`);
        return { json, text: lines.join('\n') };
      }
      json.cost = plan.cost;
      const what = plan.action === 'activate' ? `activateProgram (${plan.reason})` : `codehashKeepalive (${plan.reason})`;
      const costLine = `${plan.action.padEnd(10)} ${what}\ncost       ${describeCost(plan.cost, 'data fee')}`;
      if (json.dryRun) {
        lines.push(costLine, 'dry run    nothing sent');
        return { json, text: lines.join('\n') };
      }
      // the cost is on screen before the transaction leaves
      announce(args.flags, [...lines, costLine].join('\n'));
      const sent = await sendActivation(target.client, plan);
      const after = await readProgramStatus(target.client, address);
      json.sent = { hash: sent.hash, gasUsed: sent.gasUsed, dataFeeWei: sent.dataFeeWei.toString() };
      json.after = statusJson(after, current);
      const text = [
        `sent       tx ${sent.hash}  gas ${sent.gasUsed.toLocaleString('en-US')}  data fee ${sent.dataFeeWei.toLocaleString('en-US')} wei`,
        `now        ${after.warnings.filter((w) => w !== 'not cached').join('; ') || `active at Stylus version ${after.programVersion}, expires in ${after.expiresInDays} days`}`,
      ];
      return { json, text: text.join('\n') };
    } finally {
      await target.client.close();
    }
  },
};
