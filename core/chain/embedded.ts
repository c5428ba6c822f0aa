// `embedded` mode: our devnode in a child process (default; what the CLI and the extension use so the
// node never blocks their event loop) or in this process (tests, benchmarks). core/chain does not import
// devnode/: an in-process node is started by the function the caller passes (devnode/index.ts
// startEmbeddedDevnode, handed over by the command-line layer or a test).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';

/** Starts a devnode inside this process: devnode/index.ts `startEmbeddedDevnode` has this shape. */
export type InProcessDevnode = (opts: { port: number; arbos?: number; blockTimeMs?: number }) => Promise<{ url: string; stop(): Promise<void> }>;

export interface EmbeddedOptions {
  port?: number;
  arbos?: number;
  blockTimeMs?: number;
  /** run inside this process instead of a child, started by this function */
  inProcess?: InProcessDevnode;
  /** the devnode entry to run (default: dist/devnode.js next to the running bundle, else devnode/process.ts via tsx) */
  script?: string;
  startTimeoutMs?: number;
}

export interface RunningNode {
  url: string;
  /** child process id, when it runs in a child */
  pid?: number;
  stop(): Promise<void>;
}

const LISTENING = /^listening on (http:\/\/127\.0\.0\.1:\d+)\s*$/m;

/** Where the devnode entry point is, for a bundle in dist/ and for sources run with tsx. */
export function devnodeCommand(script?: string): { command: string; args: string[] } {
  const node = process.execPath;
  if (script !== undefined) {
    return script.endsWith('.ts') ? { command: node, args: ['--import', 'tsx', script] } : { command: node, args: [script] };
  }
  const candidates = [path.join(__dirname, 'devnode.js'), path.resolve(__dirname, '../../dist/devnode.js')];
  for (const c of candidates) if (existsSync(c)) return { command: node, args: [c] };
  const ts = path.resolve(__dirname, '../../devnode/process.ts');
  return { command: node, args: ['--import', 'tsx', ts] };
}

export function devnodeArgs(opts: EmbeddedOptions): string[] {
  const args = ['--port', String(opts.port ?? 8547)];
  if (opts.arbos !== undefined) args.push('--arbos', String(opts.arbos));
  if (opts.blockTimeMs !== undefined) args.push('--block-time', String(opts.blockTimeMs));
  return args;
}

export async function startEmbedded(opts: EmbeddedOptions = {}): Promise<RunningNode> {
  if (opts.inProcess !== undefined) {
    const node = await opts.inProcess({ port: opts.port ?? 8547, arbos: opts.arbos, blockTimeMs: opts.blockTimeMs });
    return { url: node.url, stop: () => node.stop() };
  }
  const { command, args } = devnodeCommand(opts.script);
  const child = spawn(command, [...args, ...devnodeArgs(opts)], { stdio: ['pipe', 'pipe', 'pipe'] });
  return waitForListening(child, opts.startTimeoutMs ?? 20_000);
}

function waitForListening(child: ChildProcess, timeoutMs: number): Promise<RunningNode> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new UserError(`devnode did not start within ${timeoutMs} ms${err ? `: ${err.trim().split('\n').pop()}` : ''}`));
    }, timeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new UserError(`devnode exited with code ${code}${err ? `: ${err.trim().split('\n').pop()}` : ''}`));
    };
    child.once('exit', onExit);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new UserError(`cannot start the devnode: ${e.message}`));
    });
    child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = LISTENING.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      resolve({
        url: m[1],
        pid: child.pid,
        stop: () =>
          new Promise<void>((r) => {
            if (child.exitCode !== null || child.signalCode !== null) return r();
            child.once('exit', () => r());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
