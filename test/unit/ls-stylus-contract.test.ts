// A hand-written Stylus contract (test/fixtures/stylus-contract: Cargo.toml on stylus-sdk, no stylus-ml.json)
// gets diagnostics from types and annotations alone: the unchecked dot product's i32 accumulator can
// overflow for i16 features; the same code under `// stylus-ml: x in [-256, 256]` cannot.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { annotatedRanges } from '../../core/analysis/annotations';
import { checkPaths } from '../../core/analysis/check';
import { findings, fn } from './ls-harness';

const CRATE = path.resolve(__dirname, '../fixtures/stylus-contract');

describe('a hand-written Stylus contract', () => {
  it('the unchecked accumulation is flagged, the annotated one is not', async () => {
    const r = await checkPaths([CRATE]);
    const lines = readFileSync(path.join(CRATE, 'src/lib.rs'), 'utf8').split('\n');
    assert.deepEqual(
      r.diagnostics.map((d) => [d.code, d.line, lines[d.line - 1].trim()]),
      [['SML004', 20, 'acc += x[i] as i32 * WEIGHTS[i] as i32;']],
    );
    assert.match(r.diagnostics[0].message, /over 8 iterations into `acc` \(i32\) can reach -2293733000/);
  });

  it('annotations: parameter ranges right above a fn (attributes between), per element for arrays, integers', async () => {
    const text = ['// stylus-ml: a in [-10, 10], b in [0, 1_000]', '#[inline]', 'fn f(a: i16, b: &[i32; 4]) {}', '', '// stylus-ml: c in [5, -5]', 'let x = 1;', 'fn g(c: i8) {}'].join('\n');
    const r = annotatedRanges(text);
    assert.deepEqual([...r.keys()], ['f'], 'an annotation applies to the fn that follows it, not past other code');
    assert.deepEqual(Object.fromEntries([...r.get('f')!].map(([k, v]) => [k, [v.lo, v.hi]])), { a: [-10n, 10n], b: [0n, 1000n] });
    // the range is what the analysis assumes: a product of two annotated i16 fits, unannotated it does not
    const body = 'let p: i16 = a * w;\np';
    assert.deepEqual((await findings(fn('a: i16, w: i16', body, 'i16'))).map((f) => f.code), ['SML001']);
    assert.deepEqual(await findings(`// stylus-ml: a in [-100, 100], w in [-300, 300]\n${fn('a: i16, w: i16', body, 'i16')}`), []);
  });
});
