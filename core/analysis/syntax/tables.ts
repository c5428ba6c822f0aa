// Re-lowering a weight table after an edit inside one of its rows, without lowering the other rows again.
// A generated layer's `static W: [[i16; 784]; 64]` is 50k literals; an edit changes one. The rows before
// the edit are kept as they are, the edited row is parsed again (syntax/lower.ts `literalRow`, the path
// the full lowering takes for it), and the rows after it are kept with their offsets moved by the length
// the edit added. Values never change in kept rows, so what is cached by a row's node (its evaluated
// value, its literal span, its numeric lanes) stays valid.

import type { ConstItem, Expr, LoweredItem } from './ast';
import { literalRow } from './lower';

type ArrayExpr = Extract<Expr, { k: 'array' }>;

/** Leaf rows (integer literals only, as the fast path lowers them) and tables of them, to any depth. */
const literalTables = new WeakMap<Expr, boolean>();
function isLiteralTable(e: Expr): boolean {
  const hit = literalTables.get(e);
  if (hit !== undefined) return hit;
  let ok = false;
  if (e.k === 'array' && e.elems.length > 0) {
    const leaf = e.elems[0].k === 'int';
    ok = leaf ? e.elems.length >= ROW_MIN && e.elems.every((x) => x.k === 'int') : e.elems.every((x) => x.k === 'array' && isLiteralTable(x));
  }
  literalTables.set(e, ok);
  return ok;
}

/** The fast path of the full lowering takes arrays of at least this many elements (lower.ts). */
const ROW_MIN = 16;

/** Ids handed out since the last full lowering of an item: past twice its size, lower it afresh. */
const fresh = new WeakMap<LoweredItem, number>();

/**
 * `prev` (the lowering of `prevText`) updated to `text`, when the two differ only inside one leaf row of a
 * top-level const/static table; else null (lower it afresh). Takes ownership of `prev`: its rows after
 * the edit are moved in place, so `prev` must not be used again (the caller drops it from its cache).
 */
export function relowerTable(prev: LoweredItem, prevText: string, text: string): LoweredItem | null {
  const it = prev.item;
  if (it.k !== 'const' || !it.value || !isLiteralTable(it.value)) return null;
  const base = fresh.get(prev) ?? prev.nodeCount;
  if (prev.nodeCount > 2 * base) return null;
  // the edited region: [p, oldEnd) of prevText became [p, p + oldEnd - p + delta) of text
  const max = Math.min(prevText.length, text.length);
  let p = 0;
  while (p < max && prevText.charCodeAt(p) === text.charCodeAt(p)) p++;
  if (p === prevText.length && p === text.length) return null;
  let q = 0;
  while (q < max - p && prevText.charCodeAt(prevText.length - 1 - q) === text.charCodeAt(text.length - 1 - q)) q++;
  const oldEnd = prevText.length - q;
  const delta = text.length - prevText.length;
  let next = prev.nodeCount;
  const id = () => next++;
  const value = splice(it.value as ArrayExpr, p, oldEnd, delta, text, id);
  if (!value) return null;
  const item: ConstItem = { ...it, e: it.e + delta, value };
  const out: LoweredItem = { item, nodeCount: next, length: text.length };
  fresh.set(out, base);
  return out;
}

/**
 * A new array node for `a` with the edit applied: the child holding [p, oldEnd) spliced (a leaf row parsed
 * again from `text`), the children after it moved by `delta` in place. Null when the edit is not inside
 * one child's brackets or the edited row no longer parses as the fast path would lower it.
 */
function splice(a: ArrayExpr, p: number, oldEnd: number, delta: number, text: string, id: () => number): ArrayExpr | null {
  // the child whose brackets hold the edit: its `[` before p and its `]` at or after oldEnd
  let lo = 0;
  let hi = a.elems.length - 1;
  let r = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a.elems[mid].s < p) {
      r = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (r < 0) return null;
  const row = a.elems[r] as ArrayExpr;
  if (oldEnd > row.e - 1) return null;
  let child: ArrayExpr | null;
  if (row.elems[0].k === 'int') {
    const elems = literalRow(text.slice(row.s, row.e + delta), row.s, id);
    if (!elems || elems.length < ROW_MIN) return null;
    child = { id: id(), s: row.s, e: row.e + delta, k: 'array', elems };
    literalTables.set(child, true);
  } else child = splice(row, p, oldEnd, delta, text, id);
  if (!child) return null;
  const elems = a.elems.slice();
  elems[r] = child;
  for (let k = r + 1; k < elems.length; k++) shift(elems[k], delta);
  const out: ArrayExpr = { ...a, e: a.e + delta, elems };
  literalTables.set(out, true);
  return out;
}

/** Moves a literal table's offsets by `d`, in place. */
function shift(e: Expr, d: number): void {
  if (d === 0) return;
  e.s += d;
  e.e += d;
  if (e.k === 'array') for (const x of e.elems) shift(x, d);
}
