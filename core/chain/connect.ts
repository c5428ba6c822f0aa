// One interface over the three modes: `embedded` (our devnode, started here), `docker` (nitro-devnode
// in Docker, started and set up as its script does), `rpc` (any URL). Returns viem clients bound to the
// signing account: the dev key on devnodes, else a key given by file (or by the extension's
// SecretStorage as `privateKey`). Keys are never printed.
import { createPublicClient, createWalletClient, http, type Chain, type PublicClient, type WalletClient, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { UserError } from '../errors';
import { chainFor, DEVNODE_CHAIN_ID } from './chains';
import { startDocker, type DockerOptions } from './docker';
import { startEmbedded, type InProcessDevnode, type RunningNode } from './embedded';
import { DEV_PRIVATE_KEY, readKeyFile, parsePrivateKey } from './keys';
import { waitForRpc } from './readiness';
import { devnodeSetupPlan, runDevnodeSetup, type SetupResult } from './setup';

export type ChainMode = 'embedded' | 'docker' | 'rpc';

export interface ConnectOptions {
  mode?: ChainMode;
  /** embedded/docker: host port (default 8547; 0 = any free port for embedded) */
  port?: number;
  /** embedded: emulated ArbOS version */
  arbos?: number;
  /** embedded: run inside this process, started by this function (devnode/index.ts startEmbeddedDevnode) */
  inProcess?: InProcessDevnode;
  /** embedded: devnode entry script */
  script?: string;
  /** docker: options of the nitro-devnode container */
  docker?: Omit<DockerOptions, 'port'>;
  /** docker: run the script's setup steps after start (default true) */
  runSetup?: boolean;
  /** docker: StylusDeployer creation code for the last setup step */
  stylusDeployerInitCode?: Hex;
  /** rpc: endpoint URL */
  rpcUrl?: string;
  /** a file holding the signing key (cargo-stylus --private-key-path format) */
  keyFile?: string;
  /** a key handed over in memory (the extension's SecretStorage) */
  privateKey?: string;
}

export interface ChainClient {
  mode: ChainMode;
  url: string;
  chainId: number;
  chain: Chain;
  publicClient: PublicClient;
  /** null when no key is available (read-only rpc use) */
  walletClient: WalletClient | null;
  account: Hex | null;
  /** docker mode: what the setup steps did */
  setup?: SetupResult;
  close(): Promise<void>;
}

function resolveKey(opts: ConnectOptions, chainId: number): Hex | null {
  if (opts.privateKey !== undefined) return parsePrivateKey(opts.privateKey, 'the configured private key');
  if (opts.keyFile !== undefined) return readKeyFile(opts.keyFile);
  return chainId === DEVNODE_CHAIN_ID ? DEV_PRIVATE_KEY : null;
}

export async function clientsFor(mode: ChainMode, url: string, opts: ConnectOptions, node: RunningNode | null): Promise<ChainClient> {
  const probe = createPublicClient({ transport: http(url, { retryCount: 0 }) });
  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch (e) {
    throw new UserError(`cannot reach ${url}: ${(e as Error).message.split('\n')[0]}`);
  }
  const chain = chainFor(chainId, url);
  const publicClient = createPublicClient({ chain, transport: http(url, { retryCount: 1 }) }) as PublicClient;
  const key = resolveKey(opts, chainId);
  const account = key === null ? null : privateKeyToAccount(key);
  const walletClient = account === null ? null : createWalletClient({ chain, transport: http(url, { retryCount: 1 }), account });
  return {
    mode,
    url,
    chainId,
    chain,
    publicClient,
    walletClient,
    account: account?.address ?? null,
    close: async () => {
      await node?.stop();
    },
  };
}

export async function connect(opts: ConnectOptions = {}): Promise<ChainClient> {
  const mode = opts.mode ?? 'embedded';
  if (mode === 'rpc') {
    if (opts.rpcUrl === undefined) throw new UserError('rpc mode needs a URL (--rpc URL)');
    let u: URL;
    try {
      u = new URL(opts.rpcUrl);
    } catch {
      throw new UserError(`invalid RPC URL: ${opts.rpcUrl}`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UserError(`unsupported RPC URL scheme ${u.protocol} (use http or https)`);
    return clientsFor('rpc', opts.rpcUrl, opts, null);
  }
  if (mode === 'embedded') {
    const node = await startEmbedded({ port: opts.port, arbos: opts.arbos, inProcess: opts.inProcess, script: opts.script });
    try {
      return await clientsFor('embedded', node.url, opts, node);
    } catch (e) {
      await node.stop();
      throw e;
    }
  }
  const node = await startDocker({ ...opts.docker, port: opts.port });
  try {
    const client = await clientsFor('docker', node.url, opts, node);
    if (opts.runSetup !== false) await setupDevnode(client, opts.stylusDeployerInitCode);
    return client;
  } catch (e) {
    await node.stop();
    throw e;
  }
}

/** The nitro-devnode script's setup steps, against any devnode (docker or, in tests, embedded). */
export async function setupDevnode(client: ChainClient, stylusDeployerInitCode?: Hex): Promise<SetupResult> {
  if (client.walletClient === null) throw new UserError('devnode setup needs the dev key');
  await waitForRpc(client.url, { timeoutMs: 10_000 });
  client.setup = await runDevnodeSetup(client.publicClient, client.walletClient, devnodeSetupPlan({ stylusDeployerInitCode }));
  return client.setup;
}
