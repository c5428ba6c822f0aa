// The shape of a CLI command: a spec for parsing and help, and a run function returning what to print.
import type { CommandSpec, ParsedArgs } from './args';
import type { UserError } from '../errors';
import type { v } from '../contracts/check';

export interface CommandResult<J = unknown> {
  /** printed with --json */
  json: J;
  /** printed otherwise */
  text: string;
  /** a failure to report after printing (e.g. inspect of an unsupported model: report, then exit 2) */
  error?: UserError;
}

export interface Command<S extends v.GenericSchema = v.GenericSchema> {
  spec: CommandSpec;
  /** the contract of what `--json` prints (core/contracts/cli.ts); checked before printing */
  output: S;
  run(args: ParsedArgs): Promise<CommandResult<v.InferOutput<S>>>;
}
