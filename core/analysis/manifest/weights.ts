// The weight tables a layer uses (the consts its function names) and the storage check on their
// literals: a weight outside the storage type stylus-ml.json records no longer fits its format.

import type { FileAnalysis, Finding } from '../analyze';
import { fmt, ivOfTy } from '../domain/interval';
import type { IntTy } from '../domain/inttypes';
import type { LineIndex } from '../syntax/parser';
import { childExprs, type Expr, type FnItem, type TypeRef } from '../syntax/ast';
import { MANIFEST_CODES, shortLayer, type LayerBinding } from './layers';

/**
 * Weight literals outside the storage type stylus-ml.json records for the layer's weights (a weight ×100 in an
 * i16 table): the quantised weight no longer fits its format, whatever the bound analysis then sees (the
 * evaluator clamps a literal to its declared type, and rustc rejects it). Reported at the literal, always.
 */
export function storageFindings(fa: FileAnalysis, layers: LayerBinding[], lines: LineIndex, placed: Set<string>): Finding[] {
  const out: Finding[] = [];
  for (const b of layers) {
    const refs = referencedNames(b.unit.node as FnItem);
    for (const w of b.layer.weights) {
      const r = ivOfTy(w.storage);
      const consts = w.rust ? [w.rust] : [...refs].filter((n) => /^[A-Z][A-Z0-9_]*$/.test(n));
      for (const name of consts) {
        const c = findConst(fa, name);
        if (!c || !c.value || !refs.has(name) || !constHoldsStorage(c.ty, w.storage)) continue;
        const span = literalSpan(c.value);
        if (span && span.lo >= r.lo && span.hi <= r.hi) continue;
        const outside = (lit: { value: bigint }) => lit.value < r.lo || lit.value > r.hi;
        forEachIndexedLiteral(c.value, outside, (lit, at) => {
          const start = c.base + lit.s;
          const end = c.base + lit.e;
          const key = `${start}:${end}`;
          if (placed.has(key)) return;
          placed.add(key);
          out.push({
            code: MANIFEST_CODES.bound,
            rule: 'manifest-bound',
            severity: 'error',
            message:
              `weight \`${name}${at.map((i) => `[${i}]`).join('')}\` = ${lit.value} is outside ${w.storage} ${fmt(r)}, the storage stylus-ml.json ` +
              `records for the weights of layer ${shortLayer(b.layer)} (${w.storage} Q.${w.fracBits}): the quantised weight no longer fits its format ` +
              `(rustc rejects the literal); re-run quantisation rather than editing weights`,
            start,
            end,
            range: { start: lines.positionAt(start), end: lines.positionAt(end) },
            origin: { item: fa.items.indexOf(b.item), fn: b.layer.spec.fn, nodeId: -1 },
          });
        });
      }
    }
  }
  return out;
}

const spans = new WeakMap<Expr, { lo: bigint; hi: bigint } | null>();
/** The least and greatest integer literal of a (nested) array literal (cached per array node: an edited table re-scans one row). */
function literalSpan(e: Expr): { lo: bigint; hi: bigint } | null {
  if (e.k === 'int') return { lo: e.value, hi: e.value };
  if (e.k === 'paren' || e.k === 'ref') return literalSpan(e.arg);
  if (e.k !== 'array') return null;
  let s = spans.get(e);
  if (s === undefined) {
    let lo: bigint | null = null;
    let hi: bigint | null = null;
    for (const x of e.elems) {
      const r = x.k === 'int' ? { lo: x.value, hi: x.value } : literalSpan(x);
      if (!r) continue;
      if (lo === null || r.lo < lo) lo = r.lo;
      if (hi === null || r.hi > hi) hi = r.hi;
    }
    s = lo === null || hi === null ? null : { lo, hi };
    spans.set(e, s);
  }
  return s;
}

/** Integer literals of a (nested) array literal that `want` accepts, with their indices. */
function forEachIndexedLiteral(e: Expr, want: (lit: Extract<Expr, { k: 'int' }>) => boolean, f: (lit: Extract<Expr, { k: 'int' }>, at: number[]) => void, at: number[] = []): void {
  if (e.k === 'int') {
    if (want(e)) f(e, at.slice());
  } else if (e.k === 'array') {
    // one index path, extended in place (tables of 50k weights: no array per literal)
    at.push(0);
    for (let i = 0; i < e.elems.length; i++) {
      at[at.length - 1] = i;
      forEachIndexedLiteral(e.elems[i], want, f, at);
    }
    at.pop();
  } else if (e.k === 'paren' || e.k === 'ref') forEachIndexedLiteral(e.arg, want, f, at);
}

const referenced = new WeakMap<FnItem, Set<string>>();
/** Names a function's body mentions (last path segments); cached per lowered function. */
export function referencedNames(fn: FnItem): Set<string> {
  const hit = referenced.get(fn);
  if (hit) return hit;
  const out = new Set<string>();
  const visit = (e: Expr) => {
    if (e.k === 'path') out.add(e.segs[e.segs.length - 1]);
    for (const c of childExprs(e)) visit(c);
  };
  if (fn.body) visit(fn.body);
  referenced.set(fn, out);
  return out;
}

export function constHoldsStorage(t: TypeRef, storage: IntTy): boolean {
  if (t.k === 'int') return t.ty === storage;
  if (t.k === 'array') return constHoldsStorage(t.elem, storage);
  if (t.k === 'ref') return constHoldsStorage(t.inner, storage);
  return false;
}

/** A const by name with the absolute offset its spans are relative to. */
export function findConst(fa: FileAnalysis, name: string): { base: number; s: number; e: number; value: Expr | null; ty: TypeRef } | null {
  for (const it of fa.items) {
    for (const u of it.units) {
      if (u.kind === 'const' && u.name === name) {
        const c = u.node as Extract<typeof u.node, { k: 'const' }>;
        return { base: it.start, s: c.s, e: c.e, value: c.value, ty: c.ty };
      }
    }
  }
  return null;
}

export function forEachIntLiteral(e: Expr, f: (lit: Extract<Expr, { k: 'int' }>) => void): void {
  if (e.k === 'int') return f(e);
  if (e.k === 'array') for (const x of e.elems) forEachIntLiteral(x, f);
  else if (e.k === 'paren' || e.k === 'ref') forEachIntLiteral(e.arg, f);
}
