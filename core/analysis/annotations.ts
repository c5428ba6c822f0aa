// Ranges a hand-written crate states for its functions' parameters, in comments right above the function
// (attributes may stand between):
//
//     // stylus-ml: x in [-4096, 4096], w in [-128, 127]
//     pub fn dot(x: &[i16; 64], w: &[i16; 64]) -> i32 { ... }
//
// Integer units (the stored values, whatever their Q-format); for an array parameter the range holds for
// every element. Without one, a parameter is any value of its type. A generated crate's stylus-ml.json
// does the same for its layers (manifest/seeds.ts); annotations are how hand-written code says it.

import type { Node } from 'web-tree-sitter';
import type { Analyzer } from './analyze';
import { meet, type Interval } from './domain/interval';
import { ivOfTy } from './domain/interval';
import { declaredInt, intVal, type Val } from './domain/values';
import type { TypeRef } from './syntax/ast';
import { fnParams } from './manifest/seeds';

const ANNOTATION = /^\s*\/\/[/!]?\s*stylus-ml:\s*(.*)$/;
const RANGE = /([A-Za-z_][A-Za-z0-9_]*)\s+in\s+\[\s*(-?\d[\d_]*)\s*,\s*(-?\d[\d_]*)\s*\]/g;
const FN = /\bfn\s+([A-Za-z_][A-Za-z0-9_]*)\s*[<(]/;

/** Annotated parameter ranges per function name. */
export function annotatedRanges(text: string): Map<string, Map<string, Interval>> {
  const out = new Map<string, Map<string, Interval>>();
  if (!text.includes('stylus-ml:')) return out;
  let pending: Map<string, Interval> | null = null;
  for (const line of text.split('\n')) {
    const a = ANNOTATION.exec(line);
    if (a) {
      pending ??= new Map();
      for (const m of a[1].matchAll(RANGE)) {
        const lo = BigInt(m[2].replace(/_/g, ''));
        const hi = BigInt(m[3].replace(/_/g, ''));
        pending.set(m[1], lo <= hi ? { lo, hi } : { lo: hi, hi: lo });
      }
      continue;
    }
    if (!pending) continue;
    const t = line.trim();
    if (t === '' || t.startsWith('#[') || t.startsWith('//')) continue;
    const f = FN.exec(line);
    if (f) out.set(f[1], pending);
    pending = null;
  }
  return out;
}

/** Parameter values for the annotated functions of a file (the analysis' seeds). */
export function annotationSeeds(analyzer: Analyzer, root: Node, text: string): Map<string, Map<string, Val>> {
  const ranges = annotatedRanges(text);
  const seeds = new Map<string, Map<string, Val>>();
  if (ranges.size === 0) return seeds;
  const params = fnParams(analyzer, root, text);
  for (const [fn, byParam] of ranges) {
    const ps = params.get(fn);
    if (!ps) continue;
    const m = new Map<string, Val>();
    for (const p of ps) {
      if (p.pat.k !== 'ident') continue;
      const iv = byParam.get(p.pat.name);
      const v = iv ? seedOf(p.ty, iv) : null;
      if (v) m.set(p.pat.name, v);
    }
    if (m.size > 0) seeds.set(fn, m);
  }
  return seeds;
}

function seedOf(t: TypeRef, iv: Interval): Val | null {
  if (t.k === 'ref') return seedOf(t.inner, iv);
  if (t.k === 'array') {
    const elem = seedOf(t.elem, iv);
    if (!elem) return null;
    const len = t.len && t.len.k === 'int' ? Number(t.len.value) : null;
    return { t: 'arr', elem, elems: null, len };
  }
  if (t.k !== 'int') return null;
  const m = meet(iv, ivOfTy(t.ty));
  return m ? intVal(t.ty, m) : declaredInt(t.ty);
}
