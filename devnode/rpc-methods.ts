// The JSON-RPC methods of the embedded node. Each handler validates its parameters (-32602 with the
// reason), runs against the chain, and returns geth-shaped JSON.
import { createFeeMarket1559Tx, createLegacyTx, createTxFromRLP, type TypedTransaction } from '@ethereumjs/tx';
import { bigIntToHex, bytesToHex, hexToBytes, intToHex, setLengthLeft } from '@ethereumjs/util';
import { CACHE_MANAGER_ADDRESS } from './cache-manager';
import { ALL_DEV_ACCOUNTS } from './accounts';
import { type Chain, type StoredBlock, TxRejected } from './chain';
import { BASE_FEE, CHAIN_ID, CLIENT_VERSION } from './config';
import { SUPPORTED_ARBOS_VERSIONS } from '../nitro/arbos';
import { formatBlock, formatLog, formatReceipt, formatTx } from './rpc-format';
import * as P from './rpc-params';
import { RpcError, invalidParams } from './rpc-params';
import { call, estimateGas, type CallOutcome } from './simulate';

export interface NodeHandle {
  chain: Chain;
  reset(): Promise<void>;
}

type Handler = (node: NodeHandle, params: unknown[]) => Promise<unknown> | unknown;

const q = (v: bigint | number) => (typeof v === 'number' ? intToHex(v) : bigIntToHex(v));

function resolveBlock(chain: Chain, tag: string | { hash: string }): StoredBlock {
  const b = typeof tag === 'string' ? chain.blockByTag(tag) : chain.blockByHash(tag.hash);
  if (b === undefined) throw new RpcError(-32000, 'header not found');
  return b;
}

/** Reads account state at a block under the lock (historic state via its root). */
function readState<T>(chain: Chain, tag: unknown, fn: () => Promise<T>): Promise<T> {
  const b = resolveBlock(chain, P.blockTag(tag));
  return chain.lock.run(() => chain.atBlock(b, fn));
}

const ERROR_SELECTOR = '08c379a0';
/** geth's revert error: code 3, "execution reverted[: reason]", data = revert bytes */
export function executionError(out: CallOutcome): RpcError {
  if (out.reverted) {
    const hex = Buffer.from(out.returnData).toString('hex');
    let message = 'execution reverted';
    if (hex.startsWith(ERROR_SELECTOR) && out.returnData.length >= 68) {
      try {
        const len = Number(BigInt(`0x${hex.slice(8 + 64, 8 + 128)}`));
        const reason = Buffer.from(out.returnData.subarray(68, 68 + len)).toString('utf8');
        message = `execution reverted: ${reason}`;
      } catch {
        /* keep the plain message */
      }
    }
    return new RpcError(3, message, `0x${hex}`);
  }
  return new RpcError(-32000, out.error ?? 'execution failed');
}

function decodeRawTx(raw: Uint8Array, chain: Chain): TypedTransaction {
  try {
    return createTxFromRLP(raw, { common: chain.common });
  } catch (e) {
    throw new RpcError(-32000, `invalid transaction: ${(e as Error).message.split('\n')[0]}`);
  }
}

async function submit(chain: Chain, tx: TypedTransaction): Promise<string> {
  try {
    return bytesToHex(await chain.submit(tx));
  } catch (e) {
    if (e instanceof TxRejected) throw new RpcError(-32000, e.message);
    throw e;
  }
}

function filterLogs(chain: Chain, f: Record<string, unknown>) {
  let from: StoredBlock, to: StoredBlock;
  if (f.blockHash !== undefined) {
    if (f.fromBlock !== undefined || f.toBlock !== undefined) throw invalidParams('cannot specify both blockHash and fromBlock/toBlock');
    from = to = resolveBlock(chain, { hash: P.hash32(f.blockHash, 'blockHash') });
  } else {
    from = resolveBlock(chain, P.blockTag(f.fromBlock ?? 'latest'));
    to = resolveBlock(chain, P.blockTag(f.toBlock ?? 'latest'));
  }
  const addrs = f.address === undefined || f.address === null ? null : (Array.isArray(f.address) ? f.address : [f.address]).map((a) => P.address(a, 'address').toString());
  const topics = f.topics === undefined || f.topics === null ? [] : f.topics;
  if (!Array.isArray(topics)) throw invalidParams('invalid topics: expected an array');
  if (topics.length > 4) throw invalidParams('too many topics: at most 4');
  const topicSets = topics.map((t, i) =>
    t === null ? null : (Array.isArray(t) ? t : [t]).map((x) => (x === null ? null : P.hash32(x, `topic ${i}`))),
  );
  const out = [];
  for (let n = Number(from.number); n <= Number(to.number); n++) {
    const b = chain.blocks[n];
    for (const t of b.txs) {
      for (const l of t.receipt.logs) {
        if (addrs !== null && !addrs.includes(bytesToHex(l.address))) continue;
        let ok = true;
        topicSets.forEach((set, i) => {
          if (set === null || set.includes(null)) return;
          const topic = l.topics[i];
          if (topic === undefined || !set.includes(bytesToHex(topic))) ok = false;
        });
        if (ok) out.push(formatLog(l));
      }
    }
  }
  return out;
}

function findTx(chain: Chain, hash: string) {
  const at = chain.txByHash.get(hash);
  if (at === undefined) return null;
  const b = chain.blocks[at.block];
  return { b, t: b.txs[at.index] };
}

export const METHODS: Record<string, Handler> = {
  web3_clientVersion: () => CLIENT_VERSION,
  web3_sha3: async (_n, [d]) => {
    const { keccak_256 } = await import('@noble/hashes/sha3.js');
    return bytesToHex(keccak_256(P.data(d, 'data')));
  },
  net_version: () => CHAIN_ID.toString(),
  net_listening: () => true,
  net_peerCount: () => '0x0',
  eth_chainId: () => q(CHAIN_ID),
  eth_syncing: () => false,
  eth_mining: () => true,
  eth_hashrate: () => '0x0',
  eth_protocolVersion: () => '0x41',
  eth_coinbase: (n) => n.chain.head.block.header.coinbase.toString(),
  eth_accounts: () => ALL_DEV_ACCOUNTS.map((a) => a.address.toLowerCase()),
  eth_blockNumber: (n) => q(n.chain.head.number),
  eth_gasPrice: () => q(BASE_FEE),
  eth_maxPriorityFeePerGas: () => '0x0',
  eth_blobBaseFee: () => '0x0',
  eth_feeHistory: (n, [count, newest, percentiles]) => {
    const c = Number(P.quantity(count, 'blockCount'));
    if (c < 1 || c > 1024) throw invalidParams('invalid blockCount: must be 1..1024');
    const last = resolveBlock(n.chain, P.blockTag(newest));
    const first = Math.max(0, Number(last.number) - c + 1);
    const pct = percentiles === undefined || percentiles === null ? [] : percentiles;
    if (!Array.isArray(pct)) throw invalidParams('invalid rewardPercentiles: expected an array');
    const blocks = n.chain.blocks.slice(first, Number(last.number) + 1);
    return {
      oldestBlock: q(first),
      baseFeePerGas: [...blocks.map(() => q(BASE_FEE)), q(BASE_FEE)],
      gasUsedRatio: blocks.map((b) => Number(b.block.header.gasUsed) / Number(b.block.header.gasLimit)),
      reward: pct.length > 0 ? blocks.map(() => pct.map(() => '0x0')) : undefined,
    };
  },
  eth_getBalance: (n, [a, tag]) => {
    const addr = P.address(a, 'address');
    return readState(n.chain, tag, async () => q((await n.chain.getAccount(addr)).balance));
  },
  eth_getTransactionCount: (n, [a, tag]) => {
    const addr = P.address(a, 'address');
    if (tag === 'pending') {
      return n.chain.lock.run(async () => q(await n.chain.pendingNonce(addr)));
    }
    return readState(n.chain, tag, async () => q((await n.chain.getAccount(addr)).nonce));
  },
  eth_getCode: (n, [a, tag]) => {
    const addr = P.address(a, 'address');
    return readState(n.chain, tag, async () => bytesToHex(await n.chain.sm.getCode(addr)));
  },
  eth_getStorageAt: (n, [a, slot, tag]) => {
    const addr = P.address(a, 'address');
    const key = setLengthLeft(hexToBytes(`0x${P.quantity(slot, 'storage slot').toString(16).padStart(2, '0')}` as `0x${string}`), 32);
    return readState(n.chain, tag, async () => bytesToHex(setLengthLeft(await n.chain.sm.getStorage(addr, key), 32)));
  },
  eth_call: async (n, [tx, tag, overrides]) => {
    const req = P.callRequest(tx);
    const b = resolveBlock(n.chain, P.blockTag(tag));
    const out = await call(n.chain, req, b, P.stateOverrides(overrides));
    if (!out.success) throw executionError(out);
    return bytesToHex(out.returnData);
  },
  eth_estimateGas: async (n, [tx, tag, overrides]) => {
    const req = P.callRequest(tx);
    const b = resolveBlock(n.chain, P.blockTag(tag));
    const out = await estimateGas(n.chain, req, b, P.stateOverrides(overrides));
    if (!out.success) throw executionError(out);
    return q(out.gasUsed);
  },
  eth_sendRawTransaction: (n, [raw]) => submit(n.chain, decodeRawTx(P.data(raw, 'transaction data'), n.chain)),
  eth_sendTransaction: async (n, [txObj]) => {
    const req = P.callRequest(txObj);
    if (req.from === undefined) throw invalidParams('missing "from"');
    const from = req.from;
    const acct = ALL_DEV_ACCOUNTS.find((a) => a.address.toLowerCase() === from.toString());
    if (acct === undefined) throw new RpcError(-32000, `unknown account ${from.toString()}: only the dev accounts can sign`);
    const chain = n.chain;
    let gas = req.gas;
    if (gas === undefined) {
      const est = await estimateGas(chain, { ...req, gasPrice: undefined, maxFeePerGas: undefined, maxPriorityFeePerGas: undefined }, chain.head);
      if (!est.success) throw executionError(est);
      gas = est.gasUsed;
    }
    const gasLimit = gas;
    const key = hexToBytes(acct.privateKey);
    const common = chain.common;
    // nonce and submission under one lock: concurrent senders from one account get consecutive nonces
    try {
      const hash = await chain.lock.run(async () => {
        const nonce = req.nonce ?? (await chain.pendingNonce(from));
        const tx =
          req.gasPrice !== undefined
            ? createLegacyTx({ nonce, gasLimit, gasPrice: req.gasPrice, to: req.to, value: req.value ?? 0n, data: req.data }, { common }).sign(key)
            : createFeeMarket1559Tx(
                {
                  chainId: CHAIN_ID,
                  nonce,
                  gasLimit,
                  maxFeePerGas: req.maxFeePerGas ?? BASE_FEE * 2n,
                  maxPriorityFeePerGas: req.maxPriorityFeePerGas ?? 0n,
                  to: req.to,
                  value: req.value ?? 0n,
                  data: req.data,
                  accessList: (req.accessList ?? []) as never,
                },
                { common },
              ).sign(key);
        return chain.submitLocked(tx);
      });
      return bytesToHex(hash);
    } catch (e) {
      if (e instanceof TxRejected) throw new RpcError(-32000, e.message);
      throw e;
    }
  },
  /** signs with a dev account without sending (nonce and gas filled in as eth_sendTransaction does) */
  eth_signTransaction: async (n, [txObj]) => {
    const req = P.callRequest(txObj);
    if (req.from === undefined) throw invalidParams('missing "from"');
    const from = req.from;
    const acct = ALL_DEV_ACCOUNTS.find((a) => a.address.toLowerCase() === from.toString());
    if (acct === undefined) throw new RpcError(-32000, `unknown account ${from.toString()}: only the dev accounts can sign`);
    const chain = n.chain;
    if (req.gas === undefined) throw invalidParams('missing "gas"');
    const nonce = req.nonce ?? (await chain.lock.run(() => chain.pendingNonce(from)));
    const tx = createFeeMarket1559Tx(
      {
        chainId: CHAIN_ID,
        nonce,
        gasLimit: req.gas,
        maxFeePerGas: req.maxFeePerGas ?? req.gasPrice ?? BASE_FEE * 2n,
        maxPriorityFeePerGas: req.maxPriorityFeePerGas ?? 0n,
        to: req.to,
        value: req.value ?? 0n,
        data: req.data,
      },
      { common: chain.common },
    ).sign(hexToBytes(acct.privateKey));
    return bytesToHex(tx.serialize());
  },
  eth_getTransactionByHash: (n, [h]) => {
    const found = findTx(n.chain, P.hash32(h, 'transaction hash'));
    return found === null ? null : formatTx(found.b, found.t);
  },
  eth_getTransactionReceipt: (n, [h]) => {
    const found = findTx(n.chain, P.hash32(h, 'transaction hash'));
    return found === null ? null : formatReceipt(found.b, found.t);
  },
  eth_getTransactionByBlockNumberAndIndex: (n, [tag, i]) => {
    const b = n.chain.blockByTag(P.blockTag(tag) as string);
    const t = b?.txs[Number(P.quantity(i, 'index'))];
    return b === undefined || t === undefined ? null : formatTx(b, t);
  },
  eth_getTransactionByBlockHashAndIndex: (n, [h, i]) => {
    const b = n.chain.blockByHash(P.hash32(h, 'block hash'));
    const t = b?.txs[Number(P.quantity(i, 'index'))];
    return b === undefined || t === undefined ? null : formatTx(b, t);
  },
  eth_getBlockByNumber: (n, [tag, full]) => {
    const t = P.blockTag(tag);
    if (typeof t !== 'string') throw invalidParams('invalid block number');
    if (full !== undefined && typeof full !== 'boolean') throw invalidParams('invalid full-transactions flag: expected a boolean');
    const b = n.chain.blockByTag(t);
    return b === undefined ? null : formatBlock(b, full === true);
  },
  eth_getBlockByHash: (n, [h, full]) => {
    if (full !== undefined && typeof full !== 'boolean') throw invalidParams('invalid full-transactions flag: expected a boolean');
    const b = n.chain.blockByHash(P.hash32(h, 'block hash'));
    return b === undefined ? null : formatBlock(b, full === true);
  },
  eth_getBlockTransactionCountByNumber: (n, [tag]) => {
    const b = n.chain.blockByTag(P.blockTag(tag) as string);
    return b === undefined ? null : q(b.txs.length);
  },
  eth_getBlockTransactionCountByHash: (n, [h]) => {
    const b = n.chain.blockByHash(P.hash32(h, 'block hash'));
    return b === undefined ? null : q(b.txs.length);
  },
  eth_getUncleCountByBlockNumber: () => '0x0',
  eth_getUncleCountByBlockHash: () => '0x0',
  eth_getLogs: (n, [filter]) => {
    if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) throw invalidParams('invalid filter: expected an object');
    return filterLogs(n.chain, filter as Record<string, unknown>);
  },
  evm_snapshot: async (n) => q(await n.chain.snapshot()),
  evm_revert: async (n, [id]) => n.chain.revert(Number(P.quantity(id, 'snapshot id'))),
  evm_mine: async (n) => {
    await n.chain.mineNow();
    return '0x0';
  },
  evm_increaseTime: (n, [s]) => {
    n.chain.timeOffset += P.quantity(s, 'seconds');
    return q(n.chain.timeOffset);
  },
  evm_setNextBlockTimestamp: (n, [t]) => {
    const ts = P.quantity(t, 'timestamp');
    const parent = n.chain.head.block.header.timestamp;
    if (ts <= parent) throw invalidParams(`timestamp ${ts} is not after the latest block's timestamp ${parent}`);
    n.chain.pinnedTimestamp = ts;
    return q(ts);
  },
  evm_setIntervalMining: (n, [ms]) => {
    const v = Number(P.quantity(ms, 'interval'));
    if (v === 0) n.chain.stopIntervalMining();
    else n.chain.startIntervalMining(v);
    return true;
  },
  /** back to genesis with the same options */
  devnode_reset: async (n) => {
    await n.reset();
    return true;
  },
  /** Hardhat/Anvil-compatible names for the same reset */
  hardhat_reset: async (n) => {
    await n.reset();
    return true;
  },
  anvil_reset: async (n) => {
    await n.reset();
    return true;
  },
  devnode_info: async (n) => ({
    chainId: q(CHAIN_ID),
    arbosVersion: await n.chain.lock.run(() => n.chain.bridge.arbos.arbosVersion()),
    debug: n.chain.bridge.debugMode,
    stylusRuntime: n.chain.bridge.runtime !== null,
    accounts: ALL_DEV_ACCOUNTS.map((a) => a.address),
    cacheManager: CACHE_MANAGER_ADDRESS,
  }),
  /** upgrades ArbOS now, as ArbOwner.scheduleArbOSUpgrade(version, 0) and a block would; returns the new version */
  devnode_upgradeArbOS: async (n, [v]) => {
    const version = Number(P.quantity(v, 'ArbOS version'));
    if (!(SUPPORTED_ARBOS_VERSIONS as readonly number[]).includes(version)) {
      throw invalidParams(`unsupported ArbOS version ${version}: supported are ${SUPPORTED_ARBOS_VERSIONS.join(', ')}`);
    }
    try {
      await n.chain.upgradeArbOS(version);
    } catch (e) {
      if (e instanceof TxRejected) throw new RpcError(-32000, e.message);
      throw e;
    }
    return n.chain.lock.run(() => n.chain.bridge.arbos.arbosVersion());
  },
};

export async function dispatch(node: NodeHandle, method: string, params: unknown): Promise<unknown> {
  const h = Object.prototype.hasOwnProperty.call(METHODS, method) ? METHODS[method] : undefined;
  if (h === undefined) throw new RpcError(-32601, `the method ${method} does not exist/is not available`);
  return h(node, P.paramsArray(params));
}
