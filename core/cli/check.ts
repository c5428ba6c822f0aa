// stylus-ml check FILE.rs|DIR: the language server's fixed-point overflow diagnostics, for CI.
import { UserError } from '../errors';
import { checkExitCode, checkPaths, formatCheckHuman } from '../analysis/check';
import type { Command } from './command';
import { CheckJsonSchema } from '../contracts/cli';

export const checkCommand: Command<typeof CheckJsonSchema> = {
  spec: {
    name: 'check',
    summary: 'Fixed-point overflow diagnostics (the language server’s) for Rust files or a crate, as text or JSON. Exit 1 when any diagnostic is an error or warning.',
    usage: 'stylus-ml check FILE.rs|DIR [--json]',
    flags: {},
    positionals: ['path'],
  },
  output: CheckJsonSchema,
  async run(args) {
    const r = await checkPaths(args.positionals);
    const n = r.diagnostics.length;
    return {
      json: { diagnostics: r.diagnostics },
      text: formatCheckHuman(r),
      error: checkExitCode(r) === 1 ? new UserError(`${n} fixed-point diagnostic${n === 1 ? '' : 's'} in ${args.positionals[0]}`) : undefined,
    };
  },
};
