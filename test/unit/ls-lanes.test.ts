// Loops evaluated in lanes (core/analysis/eval/lanes.ts, with its multiply-add pass) give what unrolling
// them gives: on generated dense layers — rows in one loop and rows in chunks of 128 inputs — the same
// findings, the same facts at every node (hovers), the same saturations and the same stored outputs. The
// reference is the same analysis with lanes off (a rule set beyond the overflow rules keeps loops
// unrolled); a whole array's hover is left out (see summary). A narrowed accumulator (the terms then leave i32) is held too: lanes give the loop back.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Analyzer, type FileAnalysis } from '../../core/analysis/analyze';
import { CrateFiles } from '../../core/analysis/crate-files';
import { PATTERN_RULES } from '../../core/analysis/rules';
import type { Rule } from '../../core/analysis/sites';
import { RustDocument } from '../../core/analysis/syntax/parser';
import { generateCrate } from '../../core/codegen/generate';
import { writeCrate } from '../../core/codegen/write';
import { prepareModel } from '../../core/pipeline';
import { mlp } from '../fixtures/onnx-builder';
import { rust } from './ls-harness';

const tmp = mkdtempSync(path.join(tmpdir(), 'ls-lanes-'));
after(() => (process.env.KEEP ? undefined : rmSync(tmp, { recursive: true, force: true })));

/** A rule outside the overflow set that never fires: with it, every loop is unrolled. */
const NEVER: Rule = { ...PATTERN_RULES[0], code: 'SML999', name: 'never', test: () => false } as Rule;

let crates = 0;
function crate(sizes: number[]): string {
  const file = path.join(tmp, `mlp-${sizes.join('-')}.onnx`);
  writeFileSync(file, mlp(sizes, { seed: 3 }));
  const dir = path.join(tmp, `crate-${++crates}`);
  writeCrate(dir, generateCrate(prepareModel(file, { inputRange: '0:1' }), { template: 'minimal', crateDir: dir, vectors: 2 }).files);
  return path.join(dir, 'core', 'src', 'model.rs');
}

/** Everything a unit's analysis yields that a user sees, as comparable text. */
function summary(fa: FileAnalysis): Map<string, { summarised: boolean; hits: string[]; sats: string[]; stored: string[]; at: string[]; facts: string[] }> {
  const out: ReturnType<typeof summary> = new Map();
  for (const it of fa.items) {
    for (const u of it.units) {
      if (u.kind !== 'fn') continue;
      const a = u.analysis;
      const facts: string[] = [];
      for (let id = 0; id < 400_000; id++) {
        // an array's fact is the join of its elements at each visit: lanes visit `acc` in `acc[n]` before
        // the iterations store into it, unrolling after some have (a hover of the whole array, nothing else)
        if (a.facts.arrays.has(id)) continue;
        const v = a.facts.get(id);
        if (v) facts.push(`${id}:${v.ty}:${v.iv.lo}:${v.iv.hi}:${v.tainted ? 't' : ''}`);
      }
      const hits = a.hits.map((h) => `${h.rule.code}@${h.site.node.id}:${h.certain}`).sort();
      const sats = a.saturations.map((s) => `${s.node.id}:${s.pre.lo}:${s.pre.hi}`).sort();
      const stored = [...a.stored].map(([k, v]) => `${k}=${v.iv.lo}:${v.iv.hi}`);
      const at = [...(a.storedAt ?? [])].map(([k, m]) => `${k}=${m ? [...m].map(([i, v]) => `${i}:${v.iv.lo}:${v.iv.hi}`).join(',') : 'null'}`);
      out.set(u.name, { summarised: a.summarised, hits, sats, stored, at, facts });
    }
  }
  return out;
}

/** Equal, or the first difference named (a fact list runs to thousands of nodes). */
function same(fn: string, a: ReturnType<typeof summary> extends Map<string, infer V> ? V : never, b: typeof a): void {
  const fa = a.facts;
  const fb = b.facts;
  for (let i = 0; i < Math.max(fa.length, fb.length); i++) assert.equal(fa[i], fb[i], `fn ${fn}: the fact at node ${fa[i]?.split(':')[0]} (lanes) / ${fb[i]?.split(':')[0]} (unrolled)`);
  assert.deepEqual({ ...a, facts: [] }, { ...b, facts: [] }, `fn ${fn}`);
}

async function both(file: string, text: string) {
  const parser = await rust();
  const doc = new RustDocument(parser, text);
  const extraItems = new CrateFiles(parser).extraItems(file);
  const run = (rules: Rule[]) => {
    const t0 = performance.now();
    const fa = new Analyzer(parser.snippet).analyze(doc.root, doc.lines, { extraItems, rules, budget: 2_500_000 });
    return { fa, ms: performance.now() - t0 };
  };
  const lanes = run(PATTERN_RULES);
  const unrolled = run([...PATTERN_RULES, NEVER]);
  doc.dispose();
  return { lanes, unrolled };
}

describe('loops in lanes give what unrolling gives', () => {
  for (const sizes of [
    [40, 12, 5],
    [300, 24, 6],
  ]) {
    it(`generated MLP ${sizes.join('-')}: findings, facts, saturations and stored outputs equal`, async () => {
      const file = crate(sizes);
      const text = readFileSync(file, 'utf8');
      assert.match(text, /a \+= x\[\d+\] as i64 \* w\[\d+\] as i64;|acc \+= x\[\d+\] as i64 \* w\[\d+\] as i64;/, 'the multiply-add the lanes pass takes');
      const { lanes, unrolled } = await both(file, text);
      const a = summary(lanes.fa);
      const b = summary(unrolled.fa);
      assert.deepEqual([...a.keys()], [...b.keys()]);
      for (const [fn, s] of a) same(fn, s, b.get(fn)!);
      assert.ok([...a.values()].some((s) => s.facts.length > 300), `the layers were evaluated: ${[...a].map(([k, s]) => `${k} ${s.facts.length}`).join(", ")}`);
    });
  }

  it('a narrowed accumulator: the terms leave i32, lanes give the loop back, the findings are the same', async () => {
    const file = crate([300, 24, 6]);
    const text = readFileSync(file, 'utf8').replace(/as i64/g, 'as i32').replace(/0i64/g, '0i32').replace(/\[i64; /g, '[i32; ').replace(/acc: i64/g, 'acc: i32');
    const { lanes, unrolled } = await both(file, text);
    const a = summary(lanes.fa);
    const b = summary(unrolled.fa);
    for (const [fn, s] of a) same(fn, s, b.get(fn)!);
    const codes = lanes.fa.findings.map((f) => f.code);
    assert.ok(codes.length > 0, 'the narrowed sums are flagged');
    assert.deepEqual(codes, unrolled.fa.findings.map((f) => f.code));
  });
});
