// `docker` mode: the official nitro-devnode, started exactly as OffchainLabs/nitro-devnode's
// run-dev-node.sh does (docker run --rm --name nitro-dev -p 8547:8547 <image> --dev --http.addr 0.0.0.0
// --http.api=net,web3,eth,debug [--init.dev-max-code-size N]), readiness on net_version, then the
// script's setup steps (setup.ts).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { UserError } from '../errors';
import { waitForRpc } from './readiness';
import type { RunningNode } from './embedded';

export const DEFAULT_NITRO_NODE_VERSION = 'v3.7.1-926f1ab';
export const CONTAINER_NAME = 'nitro-dev';

export interface DockerOptions {
  /** host port mapped to the container's 8547 (the script uses 8547) */
  port?: number;
  /** --contract-size N of the script: --init.dev-max-code-size N */
  contractSize?: number;
  /** environment with the script's overrides NITRO_NODE_VERSION / TARGET_IMAGE */
  env?: Record<string, string | undefined>;
  dockerBin?: string;
  startTimeoutMs?: number;
}

export function nitroImage(env: Record<string, string | undefined> = {}): string {
  const version = env.NITRO_NODE_VERSION || DEFAULT_NITRO_NODE_VERSION;
  return env.TARGET_IMAGE || `offchainlabs/nitro-node:${version}`;
}

/** The `docker` argument list (without the binary), as the script builds it. Pure. */
export function dockerRunArgs(opts: DockerOptions = {}): string[] {
  const port = opts.port ?? 8547;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UserError(`invalid port ${port}`);
  const args = ['run', '--rm', '--name', CONTAINER_NAME, '-p', `${port}:8547`, nitroImage(opts.env), '--dev', '--http.addr', '0.0.0.0', '--http.api=net,web3,eth,debug'];
  if (opts.contractSize !== undefined) {
    if (!Number.isInteger(opts.contractSize) || opts.contractSize <= 0) throw new UserError(`invalid contract size ${opts.contractSize}`);
    args.push('--init.dev-max-code-size', String(opts.contractSize));
  }
  return args;
}

/** `docker info` must succeed; otherwise say that Docker (the engine) is missing or not running. */
export function checkDockerEngine(dockerBin = 'docker'): void {
  const r = spawnSync(dockerBin, ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 15_000 });
  if (r.error !== undefined) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT'
        ? `Docker is not installed (no '${dockerBin}' on PATH): install Docker or use the embedded devnode (--mode embedded)`
        : `cannot run '${dockerBin} info': ${r.error.message}`,
    );
  }
  if (r.status !== 0) {
    const why = (r.stderr || r.stdout || '').trim().split('\n').pop() ?? '';
    throw new UserError(`the Docker engine is not running ('${dockerBin} info' failed${why ? `: ${why}` : ''}): start Docker or use the embedded devnode`);
  }
}

export async function startDocker(opts: DockerOptions = {}): Promise<RunningNode> {
  const bin = opts.dockerBin ?? 'docker';
  checkDockerEngine(bin);
  const port = opts.port ?? 8547;
  const child: ChildProcess = spawn(bin, dockerRunArgs(opts), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForRpc(url, {
      timeoutMs: opts.startTimeoutMs ?? 120_000,
      abort: () => (child.exitCode !== null ? `docker run exited with code ${child.exitCode}: ${stderr.trim().split('\n').pop() ?? ''}` : null),
    });
  } catch (e) {
    child.kill('SIGTERM');
    throw new UserError(`nitro-devnode did not start: ${(e as Error).message}`);
  }
  return {
    url,
    pid: child.pid,
    stop: async () => {
      spawnSync(bin, ['stop', CONTAINER_NAME], { timeout: 30_000 });
      if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}
