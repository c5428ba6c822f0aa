// Runs the repository's stylus-ml CLI bundle (dist/cli.js) the way the extension does, so e2e tests can
// compare what the UI shows with what the CLI prints for the same input.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './harness';

export type CliOutcome<T> = { kind: 'ok'; json: T; exitCode: number } | { kind: 'unavailable'; reason: string } | { kind: 'error'; message: string; exitCode: number | null };

const UNAVAILABLE = /unknown (sub)?command|unknown option|not (yet )?implemented|not available yet/i;

export function cliJson<T>(args: string[], acceptExit: number[] = []): CliOutcome<T> {
  const cli = path.join(repoRoot, 'dist', 'cli.js');
  if (!existsSync(cli)) return { kind: 'unavailable', reason: 'dist/cli.js is missing' };
  const r = spawnSync(process.execPath, [cli, ...args, '--json'], { encoding: 'utf8', timeout: 300_000 });
  // The CLI's one-line reason is its first `stylus-ml: …` line on stderr.
  const lines = r.stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const own = lines.find((l) => l.startsWith('stylus-ml: '));
  const reason = own ? own.slice('stylus-ml: '.length) : (lines.at(-1) ?? `exit ${r.status}`);
  if (r.status !== 0 && !(r.status !== null && acceptExit.includes(r.status))) {
    return UNAVAILABLE.test(r.stderr) ? { kind: 'unavailable', reason } : { kind: 'error', message: reason, exitCode: r.status };
  }
  try {
    return { kind: 'ok', json: JSON.parse(r.stdout) as T, exitCode: r.status ?? 0 };
  } catch {
    return { kind: 'error', message: `no JSON on stdout (${reason})`, exitCode: r.status };
  }
}
