// stylus-ml: one binary, a subcommand per step of the pipeline.
import { UserError } from '../errors';
import { TOOL_VERSION } from '../version';
import { parseContract } from '../contracts/check';
import { helpText, parseArgs } from './args';
import type { Command } from './command';
import { inspectCommand } from './inspect';
import { simulateCommand } from './simulate';
import { demoCommand } from './demo';
import { checkCommand } from './check';
import { devnodeCommand } from './devnode';
import { deployCommand } from './deploy';
import { callCommand } from './call';
import { newCommand } from './new';
import { buildCommand } from './build';
import { estimateCommand } from './estimate';
import { benchCommand } from './bench';
import { doctorCommand } from './doctor';
import { statusCommand } from './status';
import { activateCommand } from './activate';
import { cacheCommand } from './cache';
import { verifyCommand } from './verify';

export const commands: Command[] = [inspectCommand, simulateCommand, newCommand, buildCommand, estimateCommand, benchCommand, demoCommand, devnodeCommand, deployCommand, callCommand, statusCommand, activateCommand, cacheCommand, verifyCommand, checkCommand, doctorCommand];

function usage(): string {
  return ['usage: stylus-ml <command> [options]', '', 'commands:', ...commands.map((c) => `  ${c.spec.name.padEnd(10)} ${c.spec.summary.split('. ')[0]}`), '', 'stylus-ml <command> --help for its options'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const verbose = rest.includes('--verbose');
  if (!name || name === '--help' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 1;
  }
  if (name === '--version' || name === 'version') {
    process.stdout.write(`${TOOL_VERSION}\n`);
    return 0;
  }
  const cmd = commands.find((c) => c.spec.name === name);
  if (!cmd) {
    process.stderr.write(`stylus-ml: unknown command '${name}'; the commands are ${commands.map((c) => c.spec.name).join(', ')} (stylus-ml --help)\n`);
    return 1;
  }
  try {
    const args = parseArgs(rest, cmd.spec);
    if (args.flags.help) {
      process.stdout.write(helpText(cmd.spec) + '\n');
      return 0;
    }
    const r = await cmd.run(args);
    // a command never prints JSON that breaks its contract: the extension parses it with the same schema
    if (args.flags.json) parseContract(cmd.output, JSON.parse(JSON.stringify(r.json)), `stylus-ml ${cmd.spec.name} --json`);
    process.stdout.write((args.flags.json ? JSON.stringify(r.json, null, 2) : r.text) + '\n');
    if (r.error) {
      process.stderr.write(`stylus-ml: ${r.error.message}\n`);
      return r.error.exitCode;
    }
    return 0;
  } catch (e) {
    if (e instanceof UserError) {
      process.stderr.write(`stylus-ml: ${e.message}\n`);
      if (verbose && e.stack) process.stderr.write(e.stack + '\n');
      return e.exitCode;
    }
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`stylus-ml: internal error: ${msg.split('\n')[0]}${verbose ? '' : ' (run with --verbose for details)'}\n`);
    if (verbose && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
    return 70;
  }
}

