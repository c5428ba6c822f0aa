// A small, strict argv parser: `--flag value`, `--flag=value`, boolean `--flag`, positionals.
import { UserError } from '../errors';

export type FlagKind = 'string' | 'boolean' | 'number';

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  flags: Record<string, { kind: FlagKind; help: string }>;
  /** positional argument names, in order; a trailing '?' marks optional */
  positionals: string[];
}

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | boolean | number | undefined>;
}

/** Flags every command accepts. */
export const GLOBAL_FLAGS: CommandSpec['flags'] = {
  json: { kind: 'boolean', help: 'machine-readable output on stdout' },
  verbose: { kind: 'boolean', help: 'stack traces and extra detail on errors' },
  help: { kind: 'boolean', help: 'this help' },
};

export function parseArgs(argv: string[], spec: CommandSpec): ParsedArgs {
  const flags: ParsedArgs['flags'] = {};
  const positionals: string[] = [];
  const all = { ...GLOBAL_FLAGS, ...spec.flags };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '-') {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq > 0 ? eq : undefined);
    const def = all[name];
    if (!def) throw new UserError(`${spec.name}: unknown option --${name} (see stylus-ml ${spec.name} --help)`);
    if (def.kind === 'boolean') {
      if (eq > 0) throw new UserError(`${spec.name}: --${name} takes no value`);
      flags[name] = true;
      continue;
    }
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UserError(`${spec.name}: --${name} needs a value`);
    if (def.kind === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new UserError(`${spec.name}: --${name} expects a number, got '${value}'`);
      flags[name] = n;
    } else flags[name] = value;
  }
  if (flags.help) return { positionals, flags };
  const required = spec.positionals.filter((p) => !p.endsWith('?'));
  if (positionals.length < required.length) throw new UserError(`${spec.name}: missing ${required.slice(positionals.length).map((p) => p.toUpperCase()).join(' ')} (usage: ${spec.usage})`);
  if (positionals.length > spec.positionals.length) throw new UserError(`${spec.name}: unexpected argument '${positionals[spec.positionals.length]}' (usage: ${spec.usage})`);
  return { positionals, flags };
}

export function helpText(spec: CommandSpec): string {
  const lines = [`usage: ${spec.usage}`, '', spec.summary, '', 'options:'];
  for (const [name, f] of Object.entries({ ...spec.flags, ...GLOBAL_FLAGS })) lines.push(`  --${name}${f.kind === 'boolean' ? '' : ` <${f.kind === 'number' ? 'n' : 'value'}>`}`.padEnd(30) + f.help);
  return lines.join('\n');
}
