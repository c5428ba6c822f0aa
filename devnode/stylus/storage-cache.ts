// The per-call storage cache nitro keeps on the Rust side of each program call
// (crates/arbutil/src/evm/storage.rs and req.rs): reads and writes are served from it with small
// surcharges, and only dirty slots reach the state at storage_flush_cache. api.ts puts the cache behind
// EvmApi, so the EVM bridge creates one StorageCache per program call and uses it like this:
//   getBytes32:   cost = cache.readGas(); miss ⇒ SLOAD, cost += EIP-2929 cost + evmApiGas; cache.known(key, v)
//   cacheBytes32: cost = cache.writeGas(); cache.write(key, value)
//   flushCache:   for (const [key, value] of cache.dirty()) SSTORE …; cache.flushed(clear)

import type { Bytes32 } from './api';

/** Gas required (not spent) on top of the SLOAD/SSTORE sentries for cache access. */
export const REQUIRED_ACCESS_GAS = 10n;

interface Slot {
  value: Bytes32;
  /** the value in the state, when known */
  known: Bytes32 | null;
}

const keyOf = (b: Bytes32) => Buffer.from(b).toString('hex');
const same = (a: Bytes32, b: Bytes32) => a.length === b.length && a.every((x, i) => x === b[i]);

export class StorageCache {
  private slots = new Map<string, { key: Bytes32; slot: Slot }>();
  private reads = 0;
  private writes = 0;

  /** Surcharge of the next read: free for the first 32, 2 gas up to 128, then 10. */
  readGas(): bigint {
    this.reads++;
    return this.reads <= 32 ? 0n : this.reads <= 128 ? 2n : 10n;
  }

  /** Surcharge of the next write: free for the first 8, 7 gas up to 64, then 10. */
  writeGas(): bigint {
    this.writes++;
    return this.writes <= 8 ? 0n : this.writes <= 64 ? 7n : 10n;
  }

  /** The cached value, or undefined on a miss. */
  get(key: Bytes32): Bytes32 | undefined {
    return this.slots.get(keyOf(key))?.slot.value;
  }

  /** Records a value read from the state. */
  known(key: Bytes32, value: Bytes32): void {
    this.slots.set(keyOf(key), { key, slot: { value, known: value } });
  }

  /** Records a write (state value unknown unless previously read). */
  write(key: Bytes32, value: Bytes32): void {
    const entry = this.slots.get(keyOf(key));
    if (entry) entry.slot.value = value;
    else this.slots.set(keyOf(key), { key, slot: { value, known: null } });
  }

  /** Slots whose value differs from the state's, in insertion order. */
  dirty(): [Bytes32, Bytes32][] {
    const out: [Bytes32, Bytes32][] = [];
    for (const { key, slot } of this.slots.values()) {
      if (slot.known === null || !same(slot.known, slot.value)) out.push([key, slot.value]);
    }
    return out;
  }

  /** After a flush: dirty slots become known; `clear` drops the whole cache. */
  flushed(clear: boolean): void {
    if (clear) {
      this.slots.clear();
      return;
    }
    for (const { slot } of this.slots.values()) slot.known = slot.value;
  }
}
