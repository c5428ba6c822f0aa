// Plain-text tables and numbers for human output.

export function table(head: string[], rows: (string | number)[][], alignRight: boolean[] = []): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  return cells
    .map((r) => r.map((v, c) => (alignRight[c] ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join('  ').trimEnd())
    .join('\n');
}

export function num(n: number): string {
  return n.toLocaleString('en-US');
}

export function shape(s: number[] | null): string {
  return s ? `[${s.join(', ')}]` : '?';
}

/** Compact display of a number: integers as is, others to 6 significant digits. */
export function short(v: number | string): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Number.isInteger(v)) return String(v);
  return Number(v.toPrecision(6)).toString();
}

export function sci(v: number | null): string {
  return v === null ? 'unbounded' : v === 0 ? '0' : v.toExponential(2);
}

/**
 * A line the user must see before the command goes on (the cost of a transaction about to be sent):
 * on stdout in human mode, on stderr under --json so that stdout stays one JSON document.
 */
export function announce(flags: Record<string, unknown>, text: string): void {
  (flags.json ? process.stderr : process.stdout).write(`${text}\n`);
}
