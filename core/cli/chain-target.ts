// Which chain `deploy` and `call` talk to: --rpc URL when given; else a devnode already listening on
// 127.0.0.1:8547 (`stylus-ml devnode`, the extension's, nitro-devnode's); else an embedded devnode
// started for this command alone, in this process, on a free port — said so, since its state ends with it.
import type { Hex } from 'viem';
import { UserError } from '../errors';
import type { Manifest } from '../manifest/schema';
import { connect, type ChainClient } from '../chain/index';
import { NETWORKS, checkNetworkChainId, networkPreset } from '../chain/networks';
import { probeNetVersion } from '../chain/readiness';
import { DEVNODE_CHAIN_ID } from '../chain/chains';
import { inProcessDevnode } from './in-process-devnode';

export const DEFAULT_DEVNODE_URL = 'http://127.0.0.1:8547';

export const chainFlags = {
  rpc: { kind: 'string' as const, help: `JSON-RPC URL (default: the devnode on ${DEFAULT_DEVNODE_URL}, else an embedded one for this command; with --network, that network's endpoint)` },
  network: { kind: 'string' as const, help: `a named network: ${Object.keys(NETWORKS).join(' | ')} (viem's chain definition; its public RPC unless --rpc is given)` },
  'key-file': { kind: 'string' as const, help: 'file holding the signing key (required off devnodes; never printed)' },
};

export interface ChainTarget {
  client: ChainClient;
  /** true when the node was started for this command (nothing persists after it) */
  ephemeral: boolean;
  /** how the chain was chosen, for the human output */
  note: string;
  /** a devnode (chain id 412346): redeploying is free and expected */
  isDevnode: boolean;
}

/**
 * A chain that outlives the command: --rpc, else the devnode on 127.0.0.1:8547. For commands about an
 * existing deployment (status, activate, cache, verify), where a devnode started for the command holds none.
 */
export async function openExistingChain(flags: Record<string, unknown>, command: string): Promise<ChainTarget> {
  if (flags.rpc === undefined && flags.network === undefined && (await probeNetVersion(DEFAULT_DEVNODE_URL)) === null) {
    throw new UserError(`${command}: no chain to ask: nothing answers on ${DEFAULT_DEVNODE_URL}; pass --rpc URL or start one with \`stylus-ml devnode\``);
  }
  return openChain(flags);
}

/** The deployment a command acts on: --address, else the one stylus-ml.json records for this chain. */
export function deployedAddress(dir: string, m: Manifest, target: ChainTarget, flags: Record<string, unknown>): Hex {
  const given = flags.address as string | undefined;
  if (given !== undefined) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(given)) throw new UserError(`--address ${given}: not a 20-byte 0x address`);
    return given as Hex;
  }
  const rec = m.measured?.deploy;
  if (rec === undefined) throw new UserError(`${dir}/stylus-ml.json records no deployment: run \`stylus-ml deploy ${dir}\` or pass --address ADDR`);
  if (rec.chainId !== target.client.chainId) {
    throw new UserError(`${dir}/stylus-ml.json records a deployment on chain ${rec.chainId}, not on chain ${target.client.chainId} (${target.client.url}): pass --address ADDR`);
  }
  return rec.address as Hex;
}

export async function openChain(flags: Record<string, unknown>): Promise<ChainTarget> {
  const keyFile = flags['key-file'] as string | undefined;
  if (flags.network !== undefined) {
    const preset = networkPreset(String(flags.network));
    const url = (flags.rpc as string | undefined) ?? preset.rpcUrl;
    const client = await connect({ mode: 'rpc', rpcUrl: url, keyFile });
    try {
      checkNetworkChainId(preset.name, url, client.chainId);
    } catch (e) {
      await client.close();
      throw e;
    }
    return { client, ephemeral: false, note: `${preset.chain.name} (chain ${client.chainId}) at ${url}`, isDevnode: false };
  }
  const rpc = flags.rpc as string | undefined;
  if (rpc !== undefined) {
    const client = await connect({ mode: 'rpc', rpcUrl: rpc, keyFile });
    return { client, ephemeral: false, note: `chain ${client.chainId} at ${rpc}`, isDevnode: client.chainId === DEVNODE_CHAIN_ID };
  }
  if ((await probeNetVersion(DEFAULT_DEVNODE_URL)) !== null) {
    const client = await connect({ mode: 'rpc', rpcUrl: DEFAULT_DEVNODE_URL, keyFile });
    return { client, ephemeral: false, note: `the devnode at ${DEFAULT_DEVNODE_URL} (chain ${client.chainId})`, isDevnode: client.chainId === DEVNODE_CHAIN_ID };
  }
  const client = await connect({ mode: 'embedded', port: 0, inProcess: inProcessDevnode, keyFile });
  return {
    client,
    ephemeral: true,
    note: `no devnode on ${DEFAULT_DEVNODE_URL}: started an embedded devnode for this command (its state ends with it; run \`stylus-ml devnode\` to keep one)`,
    isDevnode: true,
  };
}
