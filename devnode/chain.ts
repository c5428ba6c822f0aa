// The embedded chain: one shared MerkleStateManager for @ethereumjs/evm and /vm (recipes/building-blocks.md),
// blocks mined one per transaction (or on an interval), receipts, logs, snapshots and reset. Every
// operation that touches state runs under one lock, so concurrent RPC clients see a serial chain.
import { createBlock, createBlockHeader, genTransactionsTrieRoot, type Block } from '@ethereumjs/block';
import { Hardfork, Mainnet, createCustomCommon, type Common } from '@ethereumjs/common';
import { createEVM, type EVM } from '@ethereumjs/evm';
import { MerklePatriciaTrie } from '@ethereumjs/mpt';
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager';
import { Capability, type TypedTransaction } from '@ethereumjs/tx';
import { Account, Address, KECCAK256_RLP, KECCAK256_RLP_ARRAY, bytesToHex, createAddressFromString } from '@ethereumjs/util';
import { createVM, encodeReceipt, runTx, type RunTxResult, type VM } from '@ethereumjs/vm';
import { ALL_DEV_ACCOUNTS } from './accounts';
import { PRECOMPILE_CODE, StylusBridge } from './evm/stylus-bridge';
import { PRECOMPILE_DEFS } from './precompiles';
import { CACHE_MANAGERS } from './precompiles/common';
import { installCacheManager } from './cache-manager';
import { DEFAULT_ARBOS_VERSION, assertSupportedArbos } from '../nitro/arbos';
import { BASE_FEE, BLOCK_GAS_LIMIT, CHAIN_ID } from './config';
import type { StylusRuntime } from './stylus/api';

/** nitro's block coinbase (the sequencer's "address") */
export const SEQUENCER_COINBASE = createAddressFromString('0xa4b000000000000000000073657175656e636572');

export interface ChainOptions {
  arbosVersion?: number;
  /** the chain's debug mode (start functions, `console` imports, extra exports); off as on Arbitrum One */
  debug?: boolean;
  runtime?: StylusRuntime | null;
  /** interval mining in ms; 0 or undefined = automine one block per transaction */
  blockTimeMs?: number;
}

export interface StoredLog {
  address: Uint8Array;
  topics: Uint8Array[];
  data: Uint8Array;
  logIndex: number;
  transactionIndex: number;
  transactionHash: Uint8Array;
  blockNumber: bigint;
  blockHash: Uint8Array;
}

export interface StoredReceipt {
  status: 0 | 1;
  gasUsed: bigint;
  cumulativeGasUsed: bigint;
  effectiveGasPrice: bigint;
  contractAddress: Address | null;
  logs: StoredLog[];
  logsBloom: Uint8Array;
}

export interface StoredTx {
  tx: TypedTransaction;
  hash: Uint8Array;
  from: Address;
  index: number;
  receipt: StoredReceipt;
}

export interface StoredBlock {
  block: Block;
  hash: Uint8Array;
  number: bigint;
  /** the L1 block number ArbOS held for this block (what NUMBER returned in it) */
  l1BlockNumber: bigint;
  txs: StoredTx[];
}

interface Snapshot {
  stateRoot: Uint8Array;
  blockCount: number;
  timeOffset: bigint;
  pinnedTimestamp: bigint | null;
}

/** Serialises async work: each call waits for the previous one to settle. */
export class Lock {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export class TxRejected extends Error {}

/** What nitro's sequencer answers for a filtered transaction (geth state.ErrArbTxFilter). */
export const TX_FILTERED = 'internal error';

export class Chain {
  readonly lock = new Lock();
  blocks: StoredBlock[] = [];
  readonly txByHash = new Map<string, { block: number; index: number }>();
  pool: TypedTransaction[] = [];
  private snapshots = new Map<number, Snapshot>();
  private nextSnapshotId = 1;
  /** evm_increaseTime offset, seconds */
  timeOffset = 0n;
  /** evm_setNextBlockTimestamp: the next block's time (and the time calls run at until it is mined) */
  pinnedTimestamp: bigint | null = null;
  private miner: ReturnType<typeof setInterval> | null = null;

  private constructor(
    readonly common: Common,
    readonly sm: MerkleStateManager,
    readonly evm: EVM,
    readonly vm: VM,
    readonly bridge: StylusBridge,
    readonly arbosVersion: number,
  ) {}

  static async create(opts: ChainOptions = {}): Promise<Chain> {
    const arbos = opts.arbosVersion ?? DEFAULT_ARBOS_VERSION;
    assertSupportedArbos(arbos);
    const common = createCustomCommon({ chainId: Number(CHAIN_ID), name: 'arb-dev-test' }, Mainnet, {
      hardfork: Hardfork.Cancun,
    });
    // account/storage/code caches spare a trie walk (and its hashing) on every read
    const sm = new MerkleStateManager({ common, caches: new Caches() });
    let chainRef: Chain | null = null;
    const blockchain = {
      async getBlock(n: number) {
        const b = chainRef?.blocks[n];
        if (b === undefined) throw new Error(`unknown block ${n}`);
        return b.block;
      },
      async putBlock() {},
      shallowCopy() {
        return blockchain;
      },
    };
    // NUMBER returns the L1 block number on Arbitrum (geth core/vm/instructions.go opNumber →
    // ProcessingHook.L1BlockNumber), as the block_number hostio does
    const number = {
      opcode: 0x43,
      opcodeName: 'NUMBER',
      baseFee: 2,
      logicFunction: async (runState: { stack: { push(v: bigint): void } }) => {
        runState.stack.push(chainRef === null ? 0n : await chainRef.bridge.arbos.l1BlockNumber());
      },
    };
    const evm = await createEVM({ common, stateManager: sm, blockchain, customOpcodes: [number as never] });
    const vm = await createVM({ common, stateManager: sm, evm, blockchain: blockchain as never });
    const bridge = new StylusBridge(
      evm,
      sm,
      CHAIN_ID,
      opts.runtime ?? null,
      { blockHash: (n) => chainRef?.blocks[Number(n)]?.hash },
      opts.debug ?? false,
    );
    bridge.install();
    const chain = new Chain(common, sm, evm, vm, bridge, arbos);
    chainRef = chain;
    await chain.genesis();
    if (opts.blockTimeMs !== undefined && opts.blockTimeMs > 0) chain.startIntervalMining(opts.blockTimeMs);
    return chain;
  }

  private async genesis(): Promise<void> {
    for (const a of ALL_DEV_ACCOUNTS) {
      await this.sm.putAccount(createAddressFromString(a.address), new Account(0n, a.balance));
    }
    // ArbOS precompiles carry INVALID as code so that EXTCODESIZE sees them, as in nitro
    for (const def of PRECOMPILE_DEFS) {
      await this.sm.putAccount(def.address, new Account(0n, 0n));
      await this.sm.putCode(def.address, PRECOMPILE_CODE);
    }
    // the nitro dev init names the dev account chain owner
    await this.bridge.arbos.initialize(this.arbosVersion, [createAddressFromString(ALL_DEV_ACCOUNTS[0].address)]);
    // the CacheManager nitro-devnode's setup deploys and registers (ArbOwner.addWasmCacheManager)
    this.bridge.beginBlock();
    this.bridge.beginTx('commit');
    await this.bridge.arbos.addToSet(CACHE_MANAGERS, await installCacheManager(this.evm));
    await this.sm.checkpoint();
    await this.sm.commit();
    const stateRoot = await this.sm.getStateRoot();
    const header = createBlockHeader(
      {
        number: 0n,
        timestamp: this.now(),
        gasLimit: BLOCK_GAS_LIMIT,
        baseFeePerGas: BASE_FEE,
        coinbase: SEQUENCER_COINBASE,
        stateRoot,
        difficulty: 1n,
      },
      { common: this.common, skipConsensusFormatValidation: true },
    );
    const block = createBlock({ header }, { common: this.common, skipConsensusFormatValidation: true });
    this.blocks = [{ block, hash: block.hash(), number: 0n, l1BlockNumber: await this.bridge.arbos.l1BlockNumber(), txs: [] }];
  }

  now(): bigint {
    return BigInt(Math.floor(Date.now() / 1000)) + this.timeOffset;
  }
  get head(): StoredBlock {
    return this.blocks[this.blocks.length - 1];
  }

  private blockContextCache: { key: string; block: Block } | null = null;

  /** The header a new block (or a simulated call) runs against; reused while head, time and fee are unchanged. */
  nextBlockContext(baseFee = BASE_FEE): Block {
    const parent = this.head;
    const now = this.now();
    const ts = this.pinnedTimestamp ?? (now > parent.block.header.timestamp ? now : parent.block.header.timestamp);
    const key = `${bytesToHex(parent.hash)}:${ts}:${baseFee}`;
    if (this.blockContextCache?.key === key) return this.blockContextCache.block;
    const block = this.buildBlockContext(parent, ts, baseFee);
    this.blockContextCache = { key, block };
    return block;
  }

  private buildBlockContext(parent: StoredBlock, ts: bigint, baseFee: bigint): Block {
    return createBlock(
      {
        header: {
          number: parent.number + 1n,
          parentHash: parent.hash,
          timestamp: ts,
          gasLimit: BLOCK_GAS_LIMIT,
          baseFeePerGas: baseFee,
          coinbase: SEQUENCER_COINBASE,
          difficulty: 1n,
        },
      },
      { common: this.common, skipConsensusFormatValidation: true },
    );
  }

  // ---------------------------------------------------------------- transactions

  /** Validates like geth's txpool, then mines (automine) or queues it. Returns the tx hash. */
  async submit(tx: TypedTransaction): Promise<Uint8Array> {
    return this.lock.run(() => this.submitLocked(tx));
  }

  /** submit() for callers that already hold the lock (eth_sendTransaction picks its nonce under it). */
  async submitLocked(tx: TypedTransaction): Promise<Uint8Array> {
    await this.validate(tx);
    if (this.miner !== null) {
      this.pool.push(tx);
      return tx.hash();
    }
    await this.mine([tx]);
    return tx.hash();
  }

  /** Next nonce of `from`, counting its queued transactions. Caller holds the lock. */
  async pendingNonce(from: Address): Promise<bigint> {
    const base = (await this.sm.getAccount(from))?.nonce ?? 0n;
    return base + BigInt(this.pool.filter((t) => t.getSenderAddress().equals(from)).length);
  }

  private async validate(tx: TypedTransaction): Promise<void> {
    if (!tx.isSigned()) throw new TxRejected('transaction is not signed');
    const hashHex = bytesToHex(tx.hash());
    if (this.txByHash.has(hashHex) || this.pool.some((p) => bytesToHex(p.hash()) === hashHex)) throw new TxRejected('already known');
    if (tx.supports(Capability.EIP155ReplayProtection) && tx.common.chainId() !== CHAIN_ID) {
      throw new TxRejected(`invalid chain id: have ${tx.common.chainId()}, want ${CHAIN_ID}`);
    }
    if (tx.type === 3) throw new TxRejected('blob transactions are not supported on Arbitrum');
    let from: Address;
    try {
      from = tx.getSenderAddress();
    } catch {
      throw new TxRejected('invalid sender: bad signature');
    }
    const account = (await this.sm.getAccount(from)) ?? new Account();
    const pending = BigInt(this.pool.filter((p) => p.getSenderAddress().equals(from)).length);
    const expected = account.nonce + pending;
    if (tx.nonce < expected) throw new TxRejected(`nonce too low: address ${from.toString()}, tx: ${tx.nonce} state: ${expected}`);
    if (tx.nonce > expected) throw new TxRejected(`nonce too high: address ${from.toString()}, tx: ${tx.nonce} state: ${expected}`);
    const intrinsic = tx.getIntrinsicGas();
    if (tx.gasLimit < intrinsic) throw new TxRejected(`intrinsic gas too low: gas ${tx.gasLimit}, minimum needed ${intrinsic}`);
    if (tx.gasLimit > BLOCK_GAS_LIMIT) throw new TxRejected('exceeds block gas limit');
    const maxFee = 'maxFeePerGas' in tx ? (tx.maxFeePerGas as bigint) : (tx as unknown as { gasPrice: bigint }).gasPrice;
    if (maxFee < BASE_FEE) {
      throw new TxRejected(`max fee per gas less than block base fee: address ${from.toString()}, maxFeePerGas: ${maxFee}, baseFee: ${BASE_FEE}`);
    }
    const cost = tx.gasLimit * maxFee + tx.value;
    if (account.balance < cost) {
      throw new TxRejected(`insufficient funds for gas * price + value: address ${from.toString()} have ${account.balance} want ${cost}`);
    }
  }

  /** Runs `txs` in one new block; invalid ones are dropped. Caller holds the lock. */
  async mine(txs: TypedTransaction[]): Promise<StoredBlock> {
    await this.applyScheduledUpgrade();
    const execBlock = this.nextBlockContext();
    const results: { tx: TypedTransaction; res: RunTxResult }[] = [];
    let gasUsed = 0n;
    this.bridge.beginBlock();
    for (const tx of txs) {
      this.bridge.beginTx('commit', tx.gasLimit);
      await this.sm.checkpoint();
      try {
        const res = await runTx(this.vm, { tx, block: execBlock, skipHardForkValidation: true, blockGasUsed: gasUsed });
        // StateDB.FilterTx: the sequencer drops the transaction ("internal error"), nothing of it stays
        if (this.bridge.txFiltered) throw new TxRejected(TX_FILTERED);
        await this.sm.commit();
        gasUsed += res.totalGasSpent;
        results.push({ tx, res });
      } catch (e) {
        await this.sm.revert();
        if (txs.length === 1) throw e instanceof TxRejected ? e : new TxRejected((e as Error).message);
      }
    }
    const stateRoot = await this.sm.getStateRoot();
    const txTrie = results.length === 0 ? KECCAK256_RLP : await genTransactionsTrieRoot(results.map((r) => r.tx), new MerklePatriciaTrie({ common: this.common }));
    let receiptTrie = KECCAK256_RLP;
    if (results.length > 0) {
      const trie = new MerklePatriciaTrie({ common: this.common });
      for (const [i, r] of results.entries()) await trie.put(rlpIndex(i), encodeReceipt(r.res.receipt, r.tx.type));
      receiptTrie = await trie.root();
    }
    const bloom = new Uint8Array(256);
    for (const r of results) r.res.bloom.bitvector.forEach((b, i) => (bloom[i] |= b));
    const h = execBlock.header;
    const header = createBlockHeader(
      {
        number: h.number,
        parentHash: h.parentHash,
        timestamp: h.timestamp,
        gasLimit: h.gasLimit,
        baseFeePerGas: h.baseFeePerGas,
        coinbase: h.coinbase,
        difficulty: 1n,
        stateRoot,
        transactionsTrie: txTrie,
        receiptTrie,
        logsBloom: bloom,
        gasUsed,
        uncleHash: KECCAK256_RLP_ARRAY,
      },
      { common: this.common, skipConsensusFormatValidation: true },
    );
    const block = createBlock({ header, transactions: results.map((r) => r.tx) }, { common: this.common, skipConsensusFormatValidation: true });
    const blockHash = block.hash();
    let logIndex = 0;
    const stored: StoredTx[] = results.map(({ tx, res }, index) => {
      const txHash = tx.hash();
      const logs: StoredLog[] = res.receipt.logs.map(([address, topics, data]) => ({
        address,
        topics,
        data,
        logIndex: logIndex++,
        transactionIndex: index,
        transactionHash: txHash,
        blockNumber: h.number,
        blockHash,
      }));
      const maxFee = 'maxFeePerGas' in tx ? (tx.maxFeePerGas as bigint) : (tx as unknown as { gasPrice: bigint }).gasPrice;
      const tip = 'maxPriorityFeePerGas' in tx ? (tx.maxPriorityFeePerGas as bigint) : maxFee - BASE_FEE;
      const effectiveGasPrice = maxFee < BASE_FEE + tip ? maxFee : BASE_FEE + tip;
      return {
        tx,
        hash: txHash,
        from: tx.getSenderAddress(),
        index,
        receipt: {
          status: res.execResult.exceptionError === undefined ? 1 : 0,
          gasUsed: res.totalGasSpent,
          cumulativeGasUsed: res.receipt.cumulativeBlockGasUsed,
          effectiveGasPrice,
          contractAddress: tx.to === undefined ? (res.createdAddress ?? null) : null,
          logs,
          logsBloom: res.bloom.bitvector,
        },
      };
    });
    const sb: StoredBlock = { block, hash: blockHash, number: h.number, l1BlockNumber: await this.bridge.arbos.l1BlockNumber(), txs: stored };
    this.blocks.push(sb);
    if (this.pinnedTimestamp !== null) {
      // later blocks go on from the pinned time, as in hardhat and anvil
      this.timeOffset += this.pinnedTimestamp - this.now();
      this.pinnedTimestamp = null;
    }
    for (const t of stored) this.txByHash.set(bytesToHex(t.hash), { block: Number(h.number), index: t.index });
    return sb;
  }

  /**
   * ArbOwner.scheduleArbOSUpgrade takes effect at the first block at or after its timestamp, through
   * ArbOS's upgrade steps (the Stylus parameters change with them: a new Stylus version makes every
   * older program answer ProgramNeedsUpgrade until it is activated again).
   */
  private async applyScheduledUpgrade(): Promise<void> {
    const arbos = this.bridge.arbos;
    const version = await arbos.getU64('upgrade.version');
    if (version === 0n) return;
    const at = await arbos.getU64('upgrade.timestamp');
    if (this.now() < at) return;
    await arbos.upgradeTo(Number(version));
    await arbos.setU64('upgrade.version', 0n);
    await arbos.setU64('upgrade.timestamp', 0n);
    await this.sm.checkpoint();
    await this.sm.commit();
    this.bridge.invalidateArbosVersion();
  }

  /**
   * devnode_upgradeArbOS: what a chain owner's ArbOwner.scheduleArbOSUpgrade(version, 0) does, at once —
   * the next block (mined here, empty) starts with the upgrade. Returns that block.
   */
  async upgradeArbOS(version: number): Promise<StoredBlock> {
    assertSupportedArbos(version);
    return this.lock.run(async () => {
      const current = await this.bridge.arbos.arbosVersion();
      if (version <= current) throw new TxRejected(`ArbOS ${version} is not an upgrade: the chain runs ArbOS ${current}`);
      await this.bridge.arbos.setU64('upgrade.version', BigInt(version));
      await this.bridge.arbos.setU64('upgrade.timestamp', 0n);
      const txs = this.pool;
      this.pool = [];
      return this.mine(txs);
    });
  }

  startIntervalMining(ms: number): void {
    this.stopIntervalMining();
    this.miner = setInterval(() => {
      void this.lock.run(async () => {
        const txs = this.pool;
        this.pool = [];
        await this.mine(txs);
      });
    }, ms);
    this.miner.unref();
  }
  stopIntervalMining(): void {
    if (this.miner !== null) clearInterval(this.miner);
    this.miner = null;
  }
  /** evm_mine: one block with whatever is pending */
  async mineNow(): Promise<StoredBlock> {
    return this.lock.run(async () => {
      const txs = this.pool;
      this.pool = [];
      return this.mine(txs);
    });
  }

  // ---------------------------------------------------------------- state access

  /** Resolves a block tag to a stored block (undefined for an unknown number/hash). */
  blockByTag(tag: string | undefined): StoredBlock | undefined {
    if (tag === undefined || tag === 'latest' || tag === 'pending' || tag === 'safe' || tag === 'finalized') return this.head;
    if (tag === 'earliest') return this.blocks[0];
    const n = Number(BigInt(tag));
    return this.blocks[n];
  }
  blockByHash(hash: string): StoredBlock | undefined {
    const h = hash.toLowerCase();
    return this.blocks.find((b) => bytesToHex(b.hash) === h);
  }

  /** Runs `fn` against the state after block `b`, restoring the head state afterwards. Caller holds the lock. */
  async atBlock<T>(b: StoredBlock, fn: () => Promise<T>): Promise<T> {
    if (b === this.head) return fn();
    const headRoot = await this.sm.getStateRoot();
    await this.sm.setStateRoot(b.block.header.stateRoot);
    try {
      return await fn();
    } finally {
      await this.sm.setStateRoot(headRoot);
    }
  }

  async getAccount(address: Address): Promise<Account> {
    return (await this.sm.getAccount(address)) ?? new Account();
  }

  // ---------------------------------------------------------------- snapshots

  async snapshot(): Promise<number> {
    return this.lock.run(async () => {
      const id = this.nextSnapshotId++;
      this.snapshots.set(id, { stateRoot: await this.sm.getStateRoot(), blockCount: this.blocks.length, timeOffset: this.timeOffset, pinnedTimestamp: this.pinnedTimestamp });
      return id;
    });
  }

  /** evm_revert: back to the snapshot; it and every later one are used up (ganache/anvil semantics). */
  async revert(id: number): Promise<boolean> {
    return this.lock.run(async () => {
      const snap = this.snapshots.get(id);
      if (snap === undefined) return false;
      await this.sm.setStateRoot(snap.stateRoot);
      for (const b of this.blocks.slice(snap.blockCount)) for (const t of b.txs) this.txByHash.delete(bytesToHex(t.hash));
      this.blocks = this.blocks.slice(0, snap.blockCount);
      this.pool = [];
      this.timeOffset = snap.timeOffset;
      this.pinnedTimestamp = snap.pinnedTimestamp;
      for (const k of [...this.snapshots.keys()]) if (k >= id) this.snapshots.delete(k);
      this.bridge.invalidateArbosVersion();
      return true;
    });
  }

  close(): void {
    this.stopIntervalMining();
  }
}

/** RLP encoding of a small non-negative integer (receipt trie keys). */
function rlpIndex(i: number): Uint8Array {
  if (i === 0) return Uint8Array.of(0x80);
  if (i < 0x80) return Uint8Array.of(i);
  const bytes: number[] = [];
  for (let n = i; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Uint8Array.of(0x80 + bytes.length, ...bytes);
}
