// Deploying a model of many parts (data contracts, fragments, then the program) so that it can be stopped
// and resumed: every part goes through the CREATE2 proxy at the address its content fixes, and before
// sending anything the chain is asked what is already there — a part whose code at that address hashes
// to the expected code hash is skipped, so no part is ever deployed twice, and an interrupted deployment
// run again deploys only what is missing. Progress is reported per part; an AbortSignal stops between
// parts (what is on chain stays valid).
import { keccak256, type Hex } from 'viem';
import { UserError } from '../errors';
import { CREATE2_PROXY, CREATE2_PROXY_DEPLOYMENT, CREATE2_PROXY_FUNDING, CREATE2_PROXY_SIGNER, proxyCalldata } from '../layout/create2';
import type { ChainClient } from './connect';
import { describeChainError } from './deploy';

export interface PartToDeploy {
  name: string;
  kind: 'program' | 'fragment' | 'data';
  /** what the proxy runs with CREATE2 (salt 0) */
  initCode: Uint8Array;
  address: Hex;
  /** keccak-256 of the code the part must have at `address` */
  codeHash: Hex;
  /** bytes of that code */
  bytes: number;
}

export interface PartDeployed {
  name: string;
  kind: PartToDeploy['kind'];
  address: Hex;
  /** `present`: found on chain with the right code, nothing sent */
  status: 'deployed' | 'present';
  hash: Hex | null;
  gasUsed: bigint;
}

export interface PartProgress {
  /** 1-based position among the parts, and how many there are */
  index: number;
  total: number;
  part: string;
  phase: 'checking' | 'deploying' | 'done';
  status?: PartDeployed['status'];
}

export interface DeployPartsOptions {
  onProgress?: (p: PartProgress) => void;
  signal?: AbortSignal;
}

function wallet(client: ChainClient) {
  if (client.walletClient === null || client.walletClient.account === undefined) throw new UserError(`no signing key for ${client.url}: pass --key-file F`);
  return { w: client.walletClient, account: client.walletClient.account };
}

async function codeAt(client: ChainClient, address: Hex): Promise<Hex> {
  return (await client.publicClient.getCode({ address })) ?? '0x';
}

/** Whether the part is on chain with its content (its code hashes to the expected code hash). */
export async function partPresent(client: ChainClient, part: Pick<PartToDeploy, 'address' | 'codeHash'>): Promise<boolean> {
  const code = await codeAt(client, part.address);
  return code !== '0x' && keccak256(code) === part.codeHash;
}

/**
 * The CREATE2 proxy on this chain: present already (Arbitrum One, Sepolia, nitro-devnode), or installed
 * with its keyless deployment transaction after funding its one-time signer.
 */
export async function ensureCreate2Proxy(client: ChainClient): Promise<{ installed: boolean; hashes: Hex[] }> {
  if ((await codeAt(client, CREATE2_PROXY)) !== '0x') return { installed: false, hashes: [] };
  const { w, account } = wallet(client);
  const hashes: Hex[] = [];
  const balance = await client.publicClient.getBalance({ address: CREATE2_PROXY_SIGNER });
  if (balance < CREATE2_PROXY_FUNDING) {
    const fund = await w.sendTransaction({ account, chain: w.chain, to: CREATE2_PROXY_SIGNER, value: CREATE2_PROXY_FUNDING - balance });
    await client.publicClient.waitForTransactionReceipt({ hash: fund });
    hashes.push(fund);
  }
  let hash: Hex;
  try {
    hash = await client.publicClient.sendRawTransaction({ serializedTransaction: CREATE2_PROXY_DEPLOYMENT });
  } catch (e) {
    throw new UserError(`the CREATE2 proxy ${CREATE2_PROXY} is not on this chain and its keyless deployment transaction was refused (${describeChainError(e)}): deploy the proxy first, or regenerate with --layout single`);
  }
  await client.publicClient.waitForTransactionReceipt({ hash });
  hashes.push(hash);
  if ((await codeAt(client, CREATE2_PROXY)) === '0x') throw new UserError(`the CREATE2 proxy's deployment transaction ${hash} left no code at ${CREATE2_PROXY}`);
  return { installed: true, hashes };
}

/** One part: skipped when present, else sent through the proxy and checked. */
export async function deployPart(client: ChainClient, part: PartToDeploy): Promise<PartDeployed> {
  if (await partPresent(client, part)) return { name: part.name, kind: part.kind, address: part.address, status: 'present', hash: null, gasUsed: 0n };
  const existing = await codeAt(client, part.address);
  if (existing !== '0x') throw new UserError(`${part.name}: ${part.address} holds other code (hash ${keccak256(existing)}, expected ${part.codeHash}); CREATE2 cannot put these bytes there`);
  const { w, account } = wallet(client);
  let hash: Hex;
  try {
    hash = await w.sendTransaction({ account, chain: w.chain, to: CREATE2_PROXY, data: proxyCalldata(part.initCode) });
  } catch (e) {
    throw new UserError(`${part.name}: deploy transaction failed: ${describeChainError(e)}`);
  }
  const r = await client.publicClient.waitForTransactionReceipt({ hash });
  if (r.status !== 'success') throw new UserError(`${part.name}: deploy transaction ${hash} reverted`);
  if (!(await partPresent(client, part))) throw new UserError(`${part.name}: after transaction ${hash} the code at ${part.address} is not the part's (${part.bytes} bytes, hash ${part.codeHash})`);
  return { name: part.name, kind: part.kind, address: part.address, status: 'deployed', hash, gasUsed: r.gasUsed };
}

/** Every part in order, skipping what the chain already holds; stops between parts when `signal` aborts. */
export async function deployParts(client: ChainClient, parts: PartToDeploy[], opts: DeployPartsOptions = {}): Promise<PartDeployed[]> {
  const out: PartDeployed[] = [];
  for (const [i, part] of parts.entries()) {
    if (opts.signal?.aborted) throw new UserError(`deployment cancelled after ${i} of ${parts.length} parts (what is deployed stays; run deploy again to continue)`);
    opts.onProgress?.({ index: i + 1, total: parts.length, part: part.name, phase: 'checking' });
    if (!(await partPresent(client, part))) opts.onProgress?.({ index: i + 1, total: parts.length, part: part.name, phase: 'deploying' });
    const d = await deployPart(client, part);
    out.push(d);
    opts.onProgress?.({ index: i + 1, total: parts.length, part: part.name, phase: 'done', status: d.status });
  }
  return out;
}
