// The per-call storage cache the EVM bridge keeps for a program call (nitro storage.rs / req.rs):
// surcharge tiers by access count and the dirty slots a flush must write.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StorageCache } from '../../devnode/stylus/storage-cache';
import { word } from './stylus-harness';

describe('StorageCache', () => {
  it('charges reads 0 gas for the first 32, 2 up to 128, then 10; writes 0 / 7 (to 64) / 10', () => {
    const c = new StorageCache();
    const reads = Array.from({ length: 130 }, () => c.readGas());
    assert.deepEqual([reads[0], reads[31], reads[32], reads[127], reads[128]], [0n, 0n, 2n, 2n, 10n]);
    const writes = Array.from({ length: 66 }, () => c.writeGas());
    assert.deepEqual([writes[7], writes[8], writes[63], writes[64]], [0n, 7n, 7n, 10n]);
  });

  it('flushes only slots that differ from the state, and forgets them on clear', () => {
    const c = new StorageCache();
    c.known(word(1n), word(10n)); // read, unchanged
    c.known(word(2n), word(20n));
    c.write(word(2n), word(21n)); // read then changed
    c.write(word(3n), word(30n)); // blind write: state value unknown
    c.write(word(1n), word(10n)); // rewritten with the same value: not dirty
    assert.deepEqual(c.dirty().map(([k, v]) => [k[31], v[31]]), [[2, 21], [3, 30]]);
    c.flushed(false);
    assert.deepEqual(c.dirty(), []);
    assert.equal(c.get(word(3n))![31], 30);
    c.flushed(true);
    assert.equal(c.get(word(3n)), undefined);
  });
});
