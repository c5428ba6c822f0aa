// Runtime checks of the documents that cross a boundary between parts (the manifest, the CLI's --json,
// the webview's messages, the language server's arguments): one valibot schema each gives the TypeScript
// type and the check. valibot compiles no code at run time (no eval), so the same schemas run under the
// webview's strict CSP. Errors name the field by its path.
import * as v from 'valibot';

type AnySchema = v.GenericSchema;

/** A document that does not match its contract; `issues` are "path: what" lines, the first in `message`. */
export class ContractError extends Error {
  constructor(
    readonly where: string,
    readonly issues: string[],
  ) {
    super(`${where}: ${issues[0]}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`);
    this.name = 'ContractError';
  }
}

/** One line per issue: `layers[3].lines: expected [start, end] or null, got "x"`. */
export function issueLines(issues: readonly v.BaseIssue<unknown>[]): string[] {
  return issues.map((i) => {
    const path = (i.path ?? [])
      .map((p) => (typeof p.key === 'number' ? `[${p.key}]` : typeof p.key === 'string' ? `.${p.key}` : '[?]'))
      .join('')
      .replace(/^\./, '');
    return `${path || '(document)'}: ${wording(i)}`;
  });
}

/** valibot's wording, made plainer for the two commonest cases (a missing and an unknown field). */
function wording(i: v.BaseIssue<unknown>): string {
  const inObject = i.type === 'object' || i.type === 'strict_object' || i.type === 'loose_object';
  if (inObject && i.kind === 'schema' && i.received === 'undefined' && i.expected?.startsWith('"')) return 'missing';
  if (i.type === 'strict_object' && i.expected === 'never') return 'unknown field';
  return i.message;
}

/** Parses `value` against `schema`; throws a ContractError naming `where` and the fields that differ. */
export function parseContract<S extends AnySchema>(schema: S, value: unknown, where: string): v.InferOutput<S> {
  const r = v.safeParse(schema, value, { abortPipeEarly: true });
  if (r.success) return r.output;
  throw new ContractError(where, issueLines(r.issues));
}

export { v };
