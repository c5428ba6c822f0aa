// Owns every child process the extension starts (devnode, CLI runs, language server) so that none outlives
// it: hardhat-vscode#525 left 41 workers running after VS Code closed. Children are spawned with argument
// arrays (never a shell) in their own process group, so stopping one also stops what it started (cargo →
// rustc, a devnode's workers). No `vscode` import: unit-tested in plain Node.
import { spawn, fork, type ChildProcess, type SpawnOptions, type ForkOptions } from 'node:child_process';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly label: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly exited: Promise<ExitInfo>;
  readonly hasExited: () => boolean;
}

export interface RunResult extends ExitInfo {
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** written to stdin, which is then closed */
  input?: string;
  timeoutMs?: number;
  /** each complete line of stdout/stderr as it arrives */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  signal?: AbortSignal;
}

const MAX_CAPTURE = 32 * 1024 * 1024;
/** how long run() waits, after the exit, for the child's output streams to close */
const STDIO_CLOSE_WAIT_MS = 2000;

export class ProcessRegistry {
  private readonly live = new Map<number, ManagedProcess>();
  private disposed = false;
  private readonly onExit = () => this.killAllSync();

  constructor(private readonly graceMs = 1500) {
    // Last resort if the host exits without deactivate(): synchronous SIGKILL of every group.
    process.once('exit', this.onExit);
  }

  /** Starts `command` with `args` (no shell) in its own process group. */
  spawn(label: string, command: string, args: readonly string[], options: SpawnOptions = {}): ManagedProcess {
    this.assertOpen();
    const child = spawn(command, [...args], { ...options, shell: false, detached: true, windowsHide: true });
    return this.adopt(label, child);
  }

  /** Forks a Node module with an IPC channel (the language server), in its own process group. */
  fork(label: string, modulePath: string, args: readonly string[], options: ForkOptions = {}): ManagedProcess {
    this.assertOpen();
    const child = fork(modulePath, [...args], { ...options, detached: true });
    return this.adopt(label, child);
  }

  /** Runs a command to completion and captures its output. */
  run(label: string, command: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const p = this.spawn(label, command, args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const collect = (sink: Buffer[], stream: 'stdout' | 'stderr') => {
      let partial = '';
      return (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_CAPTURE) sink.push(chunk);
        if (opts.onLine) {
          const lines = (partial + chunk.toString('utf8')).split(/\r?\n/);
          partial = lines.pop() ?? '';
          for (const l of lines) opts.onLine(l, stream);
        }
      };
    };
    p.child.stdout?.on('data', collect(out, 'stdout'));
    p.child.stderr?.on('data', collect(err, 'stderr'));
    p.child.stdin?.on('error', () => {}); // a child that exits early closes its stdin; not our error
    p.child.stdin?.end(opts.input ?? '');
    let timedOut = false;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          void this.kill(p);
        }, opts.timeoutMs)
      : undefined;
    const onAbort = () => void this.kill(p);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    // 'exit' can come before the last output has been read: wait for the streams to close too (briefly:
    // a grandchild that inherited them may keep them open)
    const closed = new Promise<void>((resolve) => p.child.once('close', () => resolve()));
    const drained = p.exited.then((info) =>
      Promise.race([closed, new Promise<void>((r) => setTimeout(r, STDIO_CLOSE_WAIT_MS).unref?.())]).then(() => info),
    );
    return drained.then((info) => {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      return { ...info, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut };
    });
  }

  list(): { pid: number; label: string }[] {
    return [...this.live.values()].map((p) => ({ pid: p.pid, label: p.label }));
  }

  /** SIGTERM to the process group, SIGKILL after the grace period; resolves when it has exited. */
  async kill(p: ManagedProcess, graceMs = this.graceMs): Promise<ExitInfo> {
    if (p.hasExited()) {
      // The leader is gone but members of its group may remain (e.g. a grandchild that ignored SIGHUP).
      signalGroup(p.pid, 'SIGKILL');
      return p.exited;
    }
    signalGroup(p.pid, 'SIGTERM');
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref?.());
    const result = await Promise.race([p.exited, timer]);
    signalGroup(p.pid, 'SIGKILL');
    return result === 'timeout' ? p.exited : result;
  }

  /** Stops every owned process; called from deactivate(). */
  async disposeAll(): Promise<void> {
    this.disposed = true;
    await Promise.all([...this.live.values()].map((p) => this.kill(p)));
    process.removeListener('exit', this.onExit);
  }

  private killAllSync(): void {
    for (const p of this.live.values()) signalGroup(p.pid, 'SIGKILL');
  }

  private assertOpen(): void {
    if (this.disposed) throw new Error('the extension is shutting down; no new processes');
  }

  private adopt(label: string, child: ChildProcess): ManagedProcess {
    if (child.pid === undefined) {
      // spawn failed synchronously (ENOENT is reported on 'error'); surface it as an exited process.
      let reason = 'could not start';
      const exited = new Promise<ExitInfo>((_resolve, reject) => {
        child.once('error', (e) => {
          reason = e.message;
          reject(new Error(`${label}: ${reason}`));
        });
      });
      exited.catch(() => {});
      return { label, pid: -1, child, exited, hasExited: () => true };
    }
    const pid = child.pid;
    let done = false;
    const exited = new Promise<ExitInfo>((resolve, reject) => {
      child.once('exit', (code, signal) => {
        done = true;
        this.live.delete(pid);
        resolve({ code, signal });
      });
      child.once('error', (e) => {
        if (done) return;
        done = true;
        this.live.delete(pid);
        reject(new Error(`${label}: ${e.message}`));
      });
    });
    exited.catch(() => {});
    const managed: ManagedProcess = { label, pid, child, exited, hasExited: () => done };
    this.live.set(pid, managed);
    return managed;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  if (pid <= 0) return;
  try {
    process.kill(-pid, signal); // the whole group: detached children lead their own
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}
