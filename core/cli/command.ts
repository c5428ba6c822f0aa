// The shape of a CLI command: a spec for parsing and help, and a run function returning what to print.
import type { CommandSpec, ParsedArgs } from './args';
import type { UserError } from '../errors';

export interface CommandResult {
  /** printed with --json */
  json: unknown;
  /** printed otherwise */
  text: string;
  /** a failure to report after printing (e.g. inspect of an unsupported model: report, then exit 2) */
  error?: UserError;
}

export interface Command {
  spec: CommandSpec;
  run(args: ParsedArgs): Promise<CommandResult>;
}
