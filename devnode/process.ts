// Child-process entry of the embedded devnode: `node dist/devnode.js [--port N] [--arbos V] [--debug] [--block-time MS]`.
// Prints exactly `listening on http://127.0.0.1:<port>` once requests are accepted; exits on SIGTERM,
// SIGINT, stdin closing (when stdin is a pipe) or the parent's IPC channel disconnecting.
import { fstatSync } from 'node:fs';
import { SUPPORTED_ARBOS_VERSIONS } from '../nitro/arbos';
import { DEFAULT_PORT } from './config';
import { startEmbeddedDevnode } from './index';

export interface ProcessArgs {
  port: number;
  arbos?: number;
  debug?: boolean;
  blockTimeMs?: number;
}

export function parseDevnodeArgs(argv: string[]): ProcessArgs {
  const out: ProcessArgs = { port: DEFAULT_PORT };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (v: string, what: string, min: number, max: number) => {
      if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new Error(`invalid ${what}: ${v} (expected an integer ${min}..${max})`);
      return Number(v);
    };
    if (a === '--port') out.port = int(next(), 'port', 0, 65535);
    else if (a === '--arbos') {
      const v = int(next(), 'ArbOS version', 1, 1000);
      if (!(SUPPORTED_ARBOS_VERSIONS as readonly number[]).includes(v)) {
        throw new Error(`unsupported ArbOS version ${v}: supported are ${SUPPORTED_ARBOS_VERSIONS.join(', ')}`);
      }
      out.arbos = v;
    } else if (a === '--debug') out.debug = true;
    else if (a === '--block-time') out.blockTimeMs = int(next(), 'block time (ms)', 1, 3_600_000);
    else throw new Error(`unknown option ${a}`);
  }
  return out;
}

/** Only a pipe from a parent means "exit when it closes"; /dev/null or a TTY do not. */
function stdinIsPipe(): boolean {
  try {
    const st = fstatSync(0);
    return st.isFIFO() || st.isSocket();
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  let args: ProcessArgs;
  try {
    args = parseDevnodeArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`devnode: ${(e as Error).message}\n`);
    process.exit(2);
  }
  let node;
  try {
    node = await startEmbeddedDevnode({
      port: args.port,
      arbos: args.arbos,
      debug: args.debug,
      blockTimeMs: args.blockTimeMs,
      onInternalError: (e) => process.stderr.write(`devnode internal error: ${(e as Error)?.stack ?? String(e)}\n`),
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const msg = err.code === 'EADDRINUSE' ? `port ${args.port} is already in use` : err.message;
    process.stderr.write(`devnode: ${msg}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    node.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
  if (stdinIsPipe()) {
    process.stdin.on('end', stop);
    process.stdin.on('close', stop);
    process.stdin.resume();
  }
  process.stdout.write(`listening on ${node.url}\n`);
}

if (require.main === module) void main();
