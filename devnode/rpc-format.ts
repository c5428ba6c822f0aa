// JSON shapes of blocks, transactions, receipts and logs, as geth/nitro return them.
import { bigIntToHex, bytesToHex, intToHex } from '@ethereumjs/util';
import type { StoredBlock, StoredLog, StoredTx } from './chain';

const q = (v: bigint | number) => (typeof v === 'number' ? intToHex(v) : bigIntToHex(v));
const ZERO_HASH = `0x${'00'.repeat(32)}`;

export function formatLog(l: StoredLog, removed = false) {
  return {
    address: bytesToHex(l.address),
    topics: l.topics.map(bytesToHex),
    data: bytesToHex(l.data),
    blockNumber: q(l.blockNumber),
    blockHash: bytesToHex(l.blockHash),
    transactionHash: bytesToHex(l.transactionHash),
    transactionIndex: q(l.transactionIndex),
    logIndex: q(l.logIndex),
    removed,
  };
}

export function formatTx(b: StoredBlock, t: StoredTx) {
  const tx = t.tx;
  const json = tx.toJSON() as Record<string, unknown>;
  const out: Record<string, unknown> = {
    blockHash: bytesToHex(b.hash),
    blockNumber: q(b.number),
    from: t.from.toString(),
    gas: q(tx.gasLimit),
    hash: bytesToHex(t.hash),
    input: bytesToHex(tx.data),
    nonce: q(tx.nonce),
    to: tx.to?.toString() ?? null,
    transactionIndex: q(t.index),
    value: q(tx.value),
    type: q(tx.type),
    v: q(tx.v ?? 0n),
    r: q(tx.r ?? 0n),
    s: q(tx.s ?? 0n),
  };
  if (tx.type === 0) {
    out.gasPrice = json.gasPrice;
    if (tx.supports(1559) === false && (tx.v ?? 0n) > 28n) out.chainId = q(tx.common.chainId());
  } else {
    out.chainId = json.chainId;
    out.accessList = json.accessList ?? [];
    if (tx.type === 1) out.gasPrice = json.gasPrice;
    else {
      out.maxFeePerGas = json.maxFeePerGas;
      out.maxPriorityFeePerGas = json.maxPriorityFeePerGas;
      out.gasPrice = q(t.receipt.effectiveGasPrice);
    }
    out.yParity = q(tx.v ?? 0n);
  }
  return out;
}

export function formatReceipt(b: StoredBlock, t: StoredTx) {
  const r = t.receipt;
  return {
    transactionHash: bytesToHex(t.hash),
    transactionIndex: q(t.index),
    blockHash: bytesToHex(b.hash),
    blockNumber: q(b.number),
    from: t.from.toString(),
    to: t.tx.to?.toString() ?? null,
    cumulativeGasUsed: q(r.cumulativeGasUsed),
    gasUsed: q(r.gasUsed),
    effectiveGasPrice: q(r.effectiveGasPrice),
    contractAddress: r.contractAddress?.toString() ?? null,
    logs: r.logs.map((l) => formatLog(l)),
    logsBloom: bytesToHex(r.logsBloom),
    type: q(t.tx.type),
    status: q(r.status),
    // Arbitrum receipt fields; this node charges no L1 data fee
    gasUsedForL1: '0x0',
    l1BlockNumber: q(b.l1BlockNumber),
  };
}

export function formatBlock(b: StoredBlock, fullTx: boolean) {
  const h = b.block.header;
  return {
    number: q(h.number),
    hash: bytesToHex(b.hash),
    parentHash: bytesToHex(h.parentHash),
    nonce: bytesToHex(h.nonce),
    mixHash: bytesToHex(h.mixHash),
    sha3Uncles: bytesToHex(h.uncleHash),
    logsBloom: bytesToHex(h.logsBloom),
    transactionsRoot: bytesToHex(h.transactionsTrie),
    stateRoot: bytesToHex(h.stateRoot),
    receiptsRoot: bytesToHex(h.receiptTrie),
    miner: h.coinbase.toString(),
    difficulty: q(h.difficulty),
    totalDifficulty: q(h.number + 1n),
    extraData: bytesToHex(h.extraData),
    size: q(b.block.serialize().length),
    gasLimit: q(h.gasLimit),
    gasUsed: q(h.gasUsed),
    timestamp: q(h.timestamp),
    baseFeePerGas: q(h.baseFeePerGas ?? 0n),
    transactions: fullTx ? b.txs.map((t) => formatTx(b, t)) : b.txs.map((t) => bytesToHex(t.hash)),
    uncles: [],
    withdrawals: [],
    withdrawalsRoot: h.withdrawalsRoot ? bytesToHex(h.withdrawalsRoot) : undefined,
    blobGasUsed: q(h.blobGasUsed ?? 0n),
    excessBlobGas: q(h.excessBlobGas ?? 0n),
    parentBeaconBlockRoot: h.parentBeaconBlockRoot ? bytesToHex(h.parentBeaconBlockRoot) : ZERO_HASH,
    l1BlockNumber: q(b.l1BlockNumber),
    sendCount: '0x0',
    sendRoot: ZERO_HASH,
  };
}
