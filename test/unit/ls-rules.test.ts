// The pattern rules (SML001..SML006) on fixtures: each risky function gets exactly one diagnostic with
// the right code, range and interval message; the safe counterparts and a generated-style crate get none.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyEdits, fixesFor } from '../../core/analysis/fixes';
import { hoverAt } from '../../core/analysis/hover';
import { PATTERN_RULES } from '../../core/analysis/rules';
import { analyse, covered, findings, fn, readFixture } from './ls-harness';

const RISKY: { fn: string; code: string; range: string; message: RegExp }[] = [
  { fn: 'gain', code: 'SML001', range: 'x * w', message: /product of `x` \[-32768, 32767\] and `w` \[-200, 200\] can reach 6553600, which exceeds i16 \[-32768, 32767\]/ },
  { fn: 'narrow', code: 'SML002', range: '(acc >> SHIFT) as i16', message: /\[-72057594037927936, 72057594037927935\] \(i64\) is narrowed to i16 \[-32768, 32767\]/ },
  { fn: 'shift_by', code: 'SML003', range: 'x >> s', message: /shift amount `s` \[0, 4294967295\] can reach 4294967295, not below the 32-bit width of i32/ },
  { fn: 'scale_up', code: 'SML003', range: 'x << 4', message: /left shift of `x` \[-32768, 32767\] by `4` can reach -524288, which exceeds i16 .*negative/ },
  { fn: 'dot784', code: 'SML004', range: 'acc += (x[i] as i32) * (w[i] as i32)', message: /\[-4194176, 4194304\] over 784 iterations into `acc` \(i32\) can reach 3288334336, which exceeds i32/ },
  { fn: 'ratio', code: 'SML005', range: 'a / b', message: /divisor `b` \[-2147483648, 2147483647\] can be zero/ },
  { fn: 'wmul', code: 'SML006', range: 'a.wrapping_mul(b)', message: /`wrapping_mul` on `a` .* can reach 4611686018427387904, which exceeds i32/ },
];

function fnSpan(text: string, name: string): [number, number] {
  const s = text.indexOf(`pub fn ${name}(`);
  assert.ok(s >= 0, `fixture has fn ${name}`);
  return [s, text.indexOf('\n}\n', s) + 2];
}

describe('pattern rules on test/fixtures/ls/risky.rs', async () => {
  const text = readFixture('risky.rs');
  const all = await findings(text);

  for (const r of RISKY) {
    it(`${r.code} in ${r.fn}: exactly one diagnostic at \`${r.range}\``, () => {
      const [s, e] = fnSpan(text, r.fn);
      const mine = all.filter((f) => f.start >= s && f.end <= e);
      assert.equal(mine.length, 1, mine.map((f) => `${f.code} ${f.message}`).join('\n'));
      const f = mine[0];
      assert.equal(f.code, r.code);
      assert.equal(covered(text, f), r.range);
      assert.match(f.message, r.message);
      assert.equal(f.severity, 'warning');
      // positions are consistent with offsets
      const lineStart = text.lastIndexOf('\n', f.start - 1) + 1;
      assert.equal(f.range.start.character, f.start - lineStart);
      assert.equal(f.range.start.line, text.slice(0, f.start).split('\n').length - 1);
    });
  }

  it('reports nothing else in the file', () => {
    assert.equal(all.length, RISKY.length);
  });
});

describe('safe counterparts', () => {
  it('test/fixtures/ls/safe.rs has no diagnostics', async () => {
    const text = readFixture('safe.rs');
    const fs = await findings(text);
    assert.deepEqual(
      fs.map((f) => `${f.range.start.line + 1}: ${f.code} ${covered(text, f)}`),
      [],
    );
  });

  it('the generated-style crate (model.rs + fixed.rs) has no diagnostics', async () => {
    for (const f of ['mlp-crate/src/model.rs', 'mlp-crate/src/fixed.rs']) {
      const fs = await findings(readFixture(f));
      assert.deepEqual(fs.map((x) => x.message), [], f);
    }
  });
});

describe('rule details', () => {
  it('flags a product only when its interval leaves the type (i16 · 200 into i32 is fine, into i16 is not)', async () => {
    const ok = await findings(fn('x: i16', 'let p = x as i32 * 200;\np'), {});
    assert.equal(ok.length, 0);
    const bad = await findings(fn('x: i16', 'let p: i16 = x * 200;\np', 'i16'));
    assert.deepEqual(bad.map((f) => f.code), ['SML001']);
  });

  it('an operation certain to overflow is an error, a possible one a warning', async () => {
    const certain = await findings(fn('', 'let a: i16 = 300;\nlet b: i16 = 200;\na * b', 'i16'));
    assert.equal(certain[0].severity, 'error');
    const possible = await findings(fn('a: i16', 'let b: i16 = 200;\na * b', 'i16'));
    assert.equal(possible[0].severity, 'warning');
  });

  it('one root cause gives one diagnostic: a wrapped product is not reported again when narrowed', async () => {
    const fs = await findings(fn('x: i32, w: i32', 'let p = x * w;\n(p >> 8) as i16', 'i16'));
    assert.deepEqual(fs.map((f) => f.code), ['SML001']);
  });

  it('unsigned index arithmetic and unknown lengths stay quiet', async () => {
    const fs = await findings(fn('v: &[i16], k: usize', 'let n = v.len() * 2 + k;\nlet m = n as u32;\nm as usize', 'usize'));
    assert.equal(fs.length, 0);
  });

  it('a shift of a tainted value is still checked for its amount', async () => {
    const text = fn('acc: i64, s: u32', '(acc + (1 << (s - 1))) >> s', 'i64');
    const fs = await analyse(text);
    assert.deepEqual(
      fs.findings.map((f) => [f.code, covered(text, f)]),
      [
        ['SML003', '(acc + (1 << (s - 1))) >> s'],
        ['SML003', '1 << (s - 1)'],
      ],
    );
  });

  it('accumulation in loops without a known trip count is not reported', async () => {
    const fs = await findings(fn('n: u32', 'let mut i = 0;\nlet mut acc: i32 = 0;\nwhile i < n {\n acc += 5;\n i += 1;\n}\nacc', 'i32'));
    assert.equal(fs.length, 0);
  });

  it('division by a constant zero is an error; by a guarded value, nothing', async () => {
    const zero = await findings(fn('a: i32', 'let d = 0;\na / d', 'i32'));
    assert.deepEqual(zero.map((f) => [f.code, f.severity]), [['SML005', 'error']]);
    const guarded = await findings(fn('a: i32, d: i32', 'if d != 0 { a % d } else { 0 }', 'i32'));
    assert.equal(guarded.length, 0);
  });

  it('wrapping_* that cannot wrap is accepted; saturating and checked forms never report', async () => {
    const fs = await findings(fn('a: i16, b: i16', 'let x = (a as i32).wrapping_add(b as i32);\nlet y = a.saturating_mul(b);\nlet z = a.checked_mul(b).unwrap_or(0);\nx + y as i32 + z as i32', 'i32'));
    assert.equal(fs.length, 0);
  });
});

describe('each rule owns its quick fixes and its hover text', () => {
  it('every pattern rule has both; hovering a flagged operation shows its rule, a fix comes from the rule', async () => {
    for (const r of PATTERN_RULES) {
      assert.ok(r.fixes, `${r.code} has quick fixes`);
      assert.match(r.hover ?? '', new RegExp(`^\\*\\*${r.code} — `), `${r.code} has hover text`);
    }
    const text = fn('x: i16, w: i16', 'let p: i16 = x * w;\np', 'i16');
    const r = await analyse(text);
    assert.deepEqual(r.findings.map((f) => f.code), ['SML001']);
    const at = text.indexOf('x * w') + 2;
    const h = hoverAt(r, at);
    assert.ok(h, 'a hover on the product');
    assert.match(h.markdown, /\*\*SML001 — product overflow\.\*\*/);
    // away from the finding, no rule text
    const quiet = hoverAt(r, text.indexOf('p\n}'));
    assert.doesNotMatch(quiet?.markdown ?? '', /SML001/);
    const fixes = fixesFor({ text, analysis: r.analysis, manifest: null, layers: [] }, r.findings[0]);
    assert.deepEqual(
      fixes.map((f) => f.title),
      ['Multiply in i32 (`i32::from(a) * i32::from(b)`)', 'Use saturating multiplication (`saturating_mul`)', 'Use checked multiplication (`checked_mul`, panics on overflow)'],
    );
    assert.equal(applyEdits(text, fixes[0].edits).includes('i32::from(x) * i32::from(w)'), true, applyEdits(text, fixes[0].edits));
  });
});
