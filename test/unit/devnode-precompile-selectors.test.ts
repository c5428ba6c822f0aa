// Function and error selectors of the ArbOS precompiles: computed with @noble keccak in the devnode,
// checked against the values read from nitro/cargo-stylus (reference §4, §5) and against viem's
// independent implementation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toFunctionSelector } from 'viem';
import { hexOf, selectorOf } from '../../devnode/precompiles/framework';
import { PRECOMPILE_DEFS } from '../../devnode/precompiles';
import { programErrors } from '../../devnode/evm/programs';

const sel = (s: string) => hexOf(selectorOf(s));

test('keccak selector sanity: transfer(address,uint256) = a9059cbb', () => {
  assert.equal(sel('transfer(address,uint256)'), 'a9059cbb');
});

test('selectors cargo-stylus and nitro-devnode rely on', () => {
  const known: Record<string, string> = {
    'activateProgram(address)': '58c780c2',
    'stylusVersion()': 'a996e0c2',
    'codehashVersion(bytes32)': 'd70c0ca7',
    'cacheProgram(address)': 'e73ac9f2',
    'codehashIsCached(bytes32)': 'a72f179b',
    'becomeChainOwner()': '0e5bbc11',
    'setL1PricePerUnit(uint256)': '2b352fae',
    'addWasmCacheManager(address)': 'ffdca515',
  };
  for (const [sig, want] of Object.entries(known)) assert.equal(sel(sig), want, sig);
});

test('ArbWasm named errors encode with nitro selectors', () => {
  const want: [Uint8Array, string][] = [
    [programErrors.notWasm().data, '27f38212'],
    [programErrors.notActivated().data, '6f809c4e'],
    [programErrors.needsUpgrade(1, 2).data, '637d968f'],
    [programErrors.expired(5n).data, 'c9b12e52'],
    [programErrors.upToDate().data, 'cc944bf2'],
    [programErrors.keepaliveTooSoon(5n).data, '16bd0cf8'],
    [programErrors.insufficientValue(1n, 2n).data, '09781ab7'],
  ];
  for (const [data, s] of want) assert.equal(Buffer.from(data.subarray(0, 4)).toString('hex'), s);
  // arguments are ABI words after the selector
  const up = programErrors.needsUpgrade(2, 3).data;
  assert.equal(up.length, 4 + 64);
  assert.equal(up[35], 2);
  assert.equal(up[67], 3);
});

test('every precompile method selector equals viem toFunctionSelector and is unique per precompile', () => {
  for (const def of PRECOMPILE_DEFS) {
    const seen = new Set<string>();
    for (const m of def.methods) {
      const mine = sel(m.signature);
      assert.equal(`0x${mine}`, toFunctionSelector(`function ${m.signature}`), `${def.name}.${m.signature}`);
      assert.ok(!seen.has(mine), `duplicate selector in ${def.name}`);
      seen.add(mine);
    }
  }
});
