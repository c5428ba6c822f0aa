// nitro/program-code.ts: the Stylus code format as pure functions (geth core/state/statedb_arbitrum.go,
// stylus-tools src/core/code/*.rs), for core/build and core/chain to produce root + fragments and for the
// devnode's activation to read them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brotliCompress } from '../../core/build/deploy-bytes';
import { prng } from '../../core/io/prng';
import {
  classicProgramCode,
  fitsClassic,
  fragmentCode,
  fragmentPayload,
  isClassicProgram,
  isDeployableProgram,
  isFragment,
  isRootProgram,
  isStylusComponent,
  MAX_FRAGMENT_PAYLOAD,
  parseClassicProgram,
  parseRootProgram,
  programWasm,
  rootProgramCode,
  splitIntoFragments,
} from '../../nitro/program-code';
import { stylusParamsFor } from '../../nitro/params';

const addr = (n: number) => Uint8Array.from({ length: 20 }, (_, i) => (i === 19 ? n : 0));

describe('Stylus code format', () => {
  it('recognises the three kinds, each needing a byte after its 3-byte discriminant', () => {
    const classic = classicProgramCode(Uint8Array.of(1, 2));
    const fragment = fragmentCode(Uint8Array.of(9));
    const root = rootProgramCode({ dictionary: 0, decompressedLength: 5, fragments: [addr(1)] });
    assert.deepEqual([...classic.subarray(0, 4)], [0xef, 0xf0, 0x00, 0x00]);
    assert.deepEqual([...fragment], [0xef, 0xf0, 0x01, 9]);
    assert.deepEqual([...root.subarray(0, 8)], [0xef, 0xf0, 0x02, 0x00, 0, 0, 0, 5]);
    assert.equal(root.length, 8 + 20);
    assert.deepEqual([isClassicProgram(classic), isFragment(fragment), isRootProgram(root)], [true, true, true]);
    assert.equal(isClassicProgram(Uint8Array.of(0xef, 0xf0, 0x00)), false, 'the prefix alone is not a program');
    assert.throws(() => fragmentCode(new Uint8Array(0)), /at least one byte/);
  });

  it('which code runs as Stylus and which is exempt from EIP-3541, by ArbOS version', () => {
    const classic = classicProgramCode(Uint8Array.of(1));
    const fragment = fragmentCode(Uint8Array.of(1));
    const root = rootProgramCode({ dictionary: 0, decompressedLength: 1, fragments: [addr(1)] });
    for (const v of [31, 50, 59]) {
      assert.deepEqual([isDeployableProgram(classic, v), isDeployableProgram(root, v), isStylusComponent(fragment, v), isStylusComponent(root, v)], [true, false, false, false], `ArbOS ${v}`);
    }
    for (const v of [60, 61]) {
      assert.deepEqual([isDeployableProgram(classic, v), isDeployableProgram(root, v), isDeployableProgram(fragment, v), isStylusComponent(fragment, v)], [true, true, false, true], `ArbOS ${v}`);
    }
    assert.equal(isDeployableProgram(classic, 20), false, 'no Stylus before ArbOS 30');
  });

  it('parses a root back, refusing a short header or a torn address list with nitro\'s errors', () => {
    const r = parseRootProgram(rootProgramCode({ dictionary: 1, decompressedLength: 70_000, fragments: [addr(3), addr(4)] }));
    assert.deepEqual(r, { dictionary: 1, decompressedLength: 70_000, fragments: [addr(3), addr(4)] });
    assert.throws(() => parseRootProgram(Uint8Array.of(0xef, 0xf0, 0x02, 0, 0, 1)), /stylus program root too short: need at least 8 bytes, got 6/);
    assert.throws(() => parseRootProgram(Uint8Array.of(0xef, 0xf0, 0x02, 0, 0, 0, 0, 1, 7)), /address data has invalid length: 1 \(must be multiple of 20\)/);
    assert.deepEqual(parseClassicProgram(classicProgramCode(Uint8Array.of(7), 1)), { dictionary: 1, compressed: Uint8Array.of(7) });
    assert.deepEqual(fragmentPayload(fragmentCode(Uint8Array.of(5, 6))), Uint8Array.of(5, 6));
  });

  it('splits a compressed program as cargo-stylus does: slices of MaxCodeSize − 3 bytes, in order', () => {
    const rand = prng(3);
    const wasm = Uint8Array.from({ length: 70_000 }, () => Math.floor(rand() * 256));
    const compressed = brotliCompress(wasm);
    assert.equal(fitsClassic(compressed.length), false);
    assert.equal(fitsClassic(24_572), true, '24,572 bytes + EF F0 00 00 = 24,576');
    assert.equal(fitsClassic(24_573), false);
    const parts = splitIntoFragments(compressed);
    assert.equal(parts.length, Math.ceil(compressed.length / MAX_FRAGMENT_PAYLOAD));
    assert.ok(parts.every((p) => p.length <= 24_576 && isFragment(p)));
    assert.deepEqual(Buffer.concat(parts.map(fragmentPayload)), Buffer.from(compressed));
  });

  it('reads a root back to the wasm it was made from, without charges outside activation', async () => {
    const rand = prng(4);
    const wasm = Uint8Array.from({ length: 50_000 }, () => Math.floor(rand() * 256));
    const parts = splitIntoFragments(brotliCompress(wasm));
    const code = rootProgramCode({ dictionary: 0, decompressedLength: wasm.length, fragments: parts.map((_, i) => addr(i + 1)) });
    const read = (a: Uint8Array) => parts[a[19] - 1];
    assert.deepEqual(await programWasm(code, stylusParamsFor(61, false), { activating: false, read }), wasm);
    // bounds apply only when activating: a smaller MaxWasmSize still lets an active program be read
    const small = { ...stylusParamsFor(61, false), maxWasmSize: 1000, maxFragmentCount: 1 };
    assert.deepEqual(await programWasm(code, small, { activating: false, read }), wasm);
    await assert.rejects(programWasm(code, small, { activating: true, read }), /greater then MaxWasmSize 1000/);
  });
});
