// File-level analysis: lowers each top-level item (cached by its text), builds the program's symbol
// tables, analyses every function and const, and turns rule hits into findings with positions.
// Per-function results are cached by a key made of the function's text and the texts of the consts and
// functions it reaches, so an edit inside one function re-analyses only that function.

import { createHash } from 'node:crypto';
import type { Node } from 'web-tree-sitter';
import type { IntVal, Val } from './domain/values';
import { neverInlined } from './eval/calls';
import { Evaluator, type EvalOptions } from './eval/evaluator';
import type { FnAnalysis } from './eval/facts';
import type { ConstEntry, Program } from './eval/program';
import { PATTERN_RULES } from './rules';
import type { Hit, Rule, Severity } from './sites';
import { elemTy, walkExpr, type ConstItem, type Expr, type FnItem, type Item, type LoweredItem, type Pat, type Stmt, type TypeRef } from './syntax/ast';
import { lowerItem, type SnippetParser } from './syntax/lower';
import { relowerTable } from './syntax/tables';
import type { LineIndex, Position } from './syntax/parser';

export interface Finding {
  code: string;
  /** the rule's short name */
  rule: string;
  severity: Severity;
  message: string;
  /** absolute UTF-16 offsets in the document */
  start: number;
  end: number;
  range: { start: Position; end: Position };
  /** where the finding came from, for code actions */
  origin: { item: number; fn: string | null; nodeId: number; hit?: Hit };
}

/** One analysed top-level item. */
export interface ItemResult {
  /** absolute start offset of the item in the current text */
  start: number;
  text: string;
  lowered: LoweredItem;
  /** analyses of the functions (and consts) in this item, by name */
  units: UnitResult[];
}

export interface UnitResult {
  kind: 'fn' | 'const';
  name: string;
  node: FnItem | ConstItem;
  analysis: FnAnalysis;
}

export interface FileAnalysis {
  findings: Finding[];
  items: ItemResult[];
  /** milliseconds spent, for the bench */
  ms: number;
}

/** Extra knowledge about parts of the file (the manifest's proven layer inputs). */
export interface AnalysisContext {
  /** per function name: parameter values to assume */
  seeds?: Map<string, Map<string, Val>>;
  /**
   * parameter values computed while the file is analysed (called when a function's turn comes, in file
   * order, so a layer can be seeded with the outputs of the layers analysed before it)
   */
  seedsFor?: (fn: string) => Map<string, Val> | undefined;
  /** called after each function's analysis */
  onUnit?: (fn: string, analysis: FnAnalysis) => void;
  /** functions and consts from other files of the crate (e.g. the fixed-point runtime) */
  extraItems?: { item: Item; text: string; trusted?: boolean }[];
  /** this file is the stylus-ml runtime: no pattern diagnostics in it (its callers are checked instead) */
  trusted?: boolean;
  rules?: Rule[];
  /** evaluation steps per function before loops are summarised instead of unrolled */
  budget?: number;
  /** the step budget for seeded functions (manifest layers, whose bounds must be exact) */
  seededBudget?: number;
}

interface CacheEntry {
  lowered: LoweredItem;
  refs: Set<string>;
}

/** Keeps caches across analyses of one document (use one Analyzer per document: it evicts what the last run did not use). */
export class Analyzer {
  private lowerCache = new Map<string, CacheEntry>();
  /** the last lowering of each top-level const/static by its declaration (an edited table's previous version) */
  private lastByHead = new Map<string, { text: string; entry: CacheEntry }>();
  /** texts of the items the running analysis has lowered */
  private inUse: ReadonlySet<string> = new Set<string>();
  private unitCache = new Map<string, FnAnalysis>();
  private constCache = new Map<string, ConstEntry>();

  constructor(private readonly snippet: SnippetParser) {}

  /**
   * Lowers a top-level node (cached by text). A weight table edited inside one row is re-lowered from its
   * previous version (syntax/tables.ts), which moves that version's later rows in place: a FileAnalysis
   * holds until the next `analyze` of the same Analyzer.
   */
  lower(node: Node, text: string): CacheEntry {
    let c = this.lowerCache.get(text);
    if (!c) {
      const head = itemHead(text);
      const prev = head ? this.lastByHead.get(head) : undefined;
      // (never an item this run uses: two statics of one name)
      const relowered = prev && prev.text !== text && !this.inUse.has(prev.text) ? relowerTable(prev.entry.lowered, prev.text, text) : null;
      if (relowered && prev) {
        // the table's refs are its type's (rows hold literals only); the previous version is spent
        this.lowerCache.delete(prev.text);
        c = { lowered: relowered, refs: prev.entry.refs };
      } else {
        const lowered = lowerItem(node, this.snippet);
        c = { lowered, refs: collectRefs(lowered.item) };
      }
      this.lowerCache.set(text, c);
      if (head) this.lastByHead.set(head, { text, entry: c });
    }
    return c;
  }

  analyze(root: Node, lines: LineIndex, ctx: AnalysisContext = {}): FileAnalysis {
    const t0 = performance.now();
    const source = lines.text;
    const rules = ctx.trusted ? [] : (ctx.rules ?? PATTERN_RULES);
    const items: ItemResult[] = [];
    const seen = new Set<string>();
    this.inUse = seen;
    for (const node of root.namedChildren) {
      if (node.type === 'line_comment' || node.type === 'block_comment' || node.type === 'attribute_item' || node.type === 'inner_attribute_item') continue;
      const text = source.slice(node.startIndex, node.endIndex);
      const c = this.lower(node, text);
      seen.add(text);
      items.push({ start: node.startIndex, text, lowered: c.lowered, units: [] });
    }
    // program: consts and functions of this file, then of the rest of the crate (this file wins)
    const program: Program = { consts: new Map(), fns: new Map() };
    const usedConsts = new Set<string>();
    // a callee never inlined (a whole layer called from `infer`) contributes its own text to a caller's
    // key, not what it reaches: an edit of its weight table leaves the caller's analysis cached
    const keys = new KeyBuilder(this.lowerCache, (name) => {
      const f = program.fns.get(name);
      return !!f && neverInlined(f);
    });
    const addItem = (it: Item, text: string, base: number, mine: boolean, trusted: boolean) => {
      forEachUnit(it, (u) => {
        const ownText = text.slice(u.s - base, u.e - base);
        if (u.k === 'fn') {
          if (!program.fns.has(u.name) || mine) program.fns.set(u.name, { item: rebase(u, u.s) as FnItem, text: ownText, trusted });
          keys.fnTexts.set(u.name, ownText);
        } else {
          if (!program.consts.has(u.name) || mine) {
            const key = ownText;
            usedConsts.add(key);
            let entry = this.constCache.get(key);
            if (!entry) {
              entry = { item: rebase(u, u.s) as ConstItem, text: ownText };
              this.constCache.set(key, entry);
            }
            program.consts.set(u.name, entry);
          }
          keys.constTexts.set(u.name, ownText);
        }
      });
    };
    for (const x of ctx.extraItems ?? []) addItem(x.item, x.text, x.item.s, false, !!x.trusted);
    for (const it of items) addItem(it.lowered.item, it.text, 0, true, !!ctx.trusted);
    program.reachKey = (name) => keys.fnKey(name, keys.fnTexts.get(name) ?? '');
    // const values depend on other consts: forget cached values whose dependencies changed
    for (const [name, entry] of program.consts) {
      const depKey = keys.constKey(name);
      if (entry.value && entry.depKey !== depKey) entry.value = undefined;
      entry.depKey = depKey;
    }

    const findings: Finding[] = [];
    const usedUnits = new Set<string>();
    items.forEach((it, idx) => {
      forEachUnit(it.lowered.item, (u) => {
        const unitText = it.text.slice(u.s, u.e);
        const seeds = u.k === 'fn' ? (ctx.seedsFor?.(u.name) ?? ctx.seeds?.get(u.name)) : undefined;
        const budget = seeds ? (ctx.seededBudget ?? ctx.budget) : ctx.budget;
        const key = `${u.k}\u0000${unitText}\u0000${u.k === 'fn' ? keys.fnKey(u.name, unitText) : keys.constKey(u.name)}\u0000${seeds ? seedKey(seeds) : ''}\u0000${budget ?? ''}\u0000${rules.map((r) => r.code).join(',')}`;
        usedUnits.add(key);
        let analysis = this.unitCache.get(key);
        if (!analysis) {
          const local = rebase(u, u.s);
          const opts: EvalOptions = { seeds, budget };
          const ev = new Evaluator(program, rules, unitText, opts);
          analysis = u.k === 'fn' ? ev.analyzeFn(local as FnItem) : ev.analyzeConst(local as ConstItem);
          this.unitCache.set(key, analysis);
        }
        // a const's own analysis is its value for the functions that use it (a 50k-weight table is
        // evaluated once), unless a rule fired in it (the quiet evaluation's value is then the one used)
        const entry = u.k === 'const' ? program.consts.get(u.name) : undefined;
        if (entry && entry.value === undefined && entry.text === unitText && analysis.hits.length === 0) entry.value = analysis.result;
        it.units.push({ kind: u.k, name: u.name, node: u, analysis });
        if (u.k === 'fn') ctx.onUnit?.(u.name, analysis);
        for (const h of analysis.hits) {
          const r = h.rule.range ? h.rule.range(h.site as never) : { s: h.site.node.s, e: h.site.node.e };
          const start = it.start + u.s + r.s;
          const end = it.start + u.s + r.e;
          findings.push({
            code: h.rule.code,
            rule: h.rule.name,
            severity: h.certain ? 'error' : 'warning',
            message: h.rule.message(h.site as never),
            start,
            end,
            range: { start: lines.positionAt(start), end: lines.positionAt(end) },
            origin: { item: idx, fn: u.k === 'fn' ? u.name : null, nodeId: h.site.node.id, hit: h },
          });
        }
      });
    });
    findings.sort((a, b) => a.start - b.start || a.code.localeCompare(b.code));
    this.evict(seen, usedUnits, usedConsts);
    return { findings, items, ms: performance.now() - t0 };
  }

  /**
   * Keeps only what the last analysis used (one Analyzer per document): a 50k-weight table edited 40
   * times must not stay in memory 40 times.
   */
  private evict(seen: Set<string>, units: Set<string>, consts: Set<string>): void {
    for (const k of this.lowerCache.keys()) if (!seen.has(k)) this.lowerCache.delete(k);
    for (const [h, v] of this.lastByHead) if (!seen.has(v.text)) this.lastByHead.delete(h);
    for (const k of this.unitCache.keys()) if (!units.has(k)) this.unitCache.delete(k);
    for (const k of this.constCache.keys()) if (!consts.has(k)) this.constCache.delete(k);
  }

}

/** `static NAME: T` / `const NAME: T` of a top-level item (what identifies a table across edits), else null. */
function itemHead(text: string): string | null {
  const m = /^(?:pub(?:\([^)]*\))?\s+)?(?:static|const)\s+(?:mut\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*:/.exec(text);
  return m ? m[1] : null;
}

/** Units (functions and consts), including those inside impl blocks and inline modules. */
function forEachUnit(it: Item, f: (u: FnItem | ConstItem) => void): void {
  if (it.k === 'fn' || it.k === 'const') f(it);
  else if (it.k === 'container') for (const c of it.items) forEachUnit(c, f);
}

/**
 * Makes a unit's offsets relative to its own start (units inside containers are lowered relative to the
 * container). Spans are shifted lazily: the evaluator only reads them for texts, so we shift by copying.
 */
function rebase(u: FnItem | ConstItem, by: number): FnItem | ConstItem {
  if (by === 0) return u;
  return shiftItem(u, by) as FnItem | ConstItem;
}

const shifted = new WeakMap<object, Map<number, object>>();
function shiftItem<T extends object>(x: T, by: number): T {
  let m = shifted.get(x);
  const hit = m?.get(by);
  if (hit) return hit as T;
  const out = deepShift(x, by) as T;
  if (!m) shifted.set(x, (m = new Map()));
  m.set(by, out);
  return out;
}
function deepShift(x: unknown, by: number): unknown {
  if (Array.isArray(x)) return x.map((y) => deepShift(y, by));
  if (x && typeof x === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) {
      if ((k === 's' || k === 'e' || k === 'nameS' || k === 'nameE' || k === 'tyS' || k === 'tyE') && typeof v === 'number') o[k] = v - by;
      else o[k] = deepShift(v, by);
    }
    return o;
  }
  return x;
}

/** Names referenced by an item (last path segments), to key caches on what a unit can see. */
function collectRefs(it: Item): Set<string> {
  const refs = new Set<string>();
  const visitExpr = (e: Expr) =>
    walkExpr(e, (x) => {
      if (x.k === 'path') refs.add(x.segs[x.segs.length - 1]);
      if (x.k === 'block') for (const s of x.stmts) visitStmt(s);
    });
  const visitStmt = (s: Stmt) => {
    if (s.k === 'let' && s.ty) visitType(s.ty);
    if (s.k === 'item') visitItem(s.item);
  };
  const visitType = (t: TypeRef) => {
    if (t.k === 'array') {
      if (t.len) visitExpr(t.len);
      visitType(t.elem);
    } else if (t.k === 'ref') visitType(t.inner);
  };
  const visitItem = (i: Item) => {
    if (i.k === 'fn') {
      for (const p of i.params) visitType(p.ty);
      if (i.body) visitExpr(i.body);
    } else if (i.k === 'const') {
      visitType(i.ty);
      if (i.value) visitExpr(i.value);
    } else if (i.k === 'container') i.items.forEach(visitItem);
  };
  visitItem(it);
  return refs;
}

/** Cache keys: a unit's text plus the texts of everything it can reach by name. */
class KeyBuilder {
  fnTexts = new Map<string, string>();
  constTexts = new Map<string, string>();
  private memo = new Map<string, string>();
  constructor(
    private readonly lowerCache: Map<string, CacheEntry>,
    /** functions whose body a caller never evaluates: their text is part of a key, what they reach is not */
    private readonly opaque: (name: string) => boolean,
  ) {}

  private refsOf(text: string): Set<string> {
    return this.lowerCache.get(text)?.refs ?? refsFromText(text);
  }

  private reach(start: string): string {
    const seen = new Set<string>();
    // what it reaches by name, each with its text: the names sorted, the texts hashed in that order
    // (never joined: a 50k-weight table's text is a megabyte)
    const parts: { name: string; text: string }[] = [];
    const stack = [start];
    while (stack.length) {
      const t = stack.pop()!;
      for (const r of this.refsOf(t)) {
        if (seen.has(r)) continue;
        seen.add(r);
        const ct = this.constTexts.get(r);
        const ft = this.fnTexts.get(r);
        if (ct !== undefined) {
          parts.push({ name: `c:${r}`, text: ct });
          stack.push(ct);
        }
        if (ft !== undefined) {
          parts.push({ name: `f:${r}`, text: ft });
          if (!this.opaque(r)) stack.push(ft);
        }
      }
    }
    parts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const h = createHash('sha1');
    for (const p of parts) h.update(p.name).update('=').update(p.text).update('\u0001');
    return h.digest('base64');
  }

  fnKey(name: string, text: string): string {
    const k = `f:${name}:${text.length}`;
    const m = this.memo.get(k + text);
    if (m) return m;
    const v = this.reach(text);
    this.memo.set(k + text, v);
    return v;
  }

  constKey(name: string): string {
    // one text per const name in an analysis (constTexts): the name is the memo's key
    const k = `c:${name}`;
    const m = this.memo.get(k);
    if (m) return m;
    const v = this.reach(this.constTexts.get(name) ?? '');
    this.memo.set(k, v);
    return v;
  }
}

/** Units inside containers are not in the lower cache by their own text: scan identifiers instead. */
function refsFromText(text: string): Set<string> {
  return new Set(text.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []);
}

function seedKey(seeds: Map<string, Val>): string {
  return JSON.stringify([...seeds.entries()], (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

/** The innermost integer fact at an absolute offset: for hovers. */
export function factAt(fa: FileAnalysis, offset: number): { start: number; end: number; val: IntVal; fn: string; text: string; array: boolean } | null {
  let lo = 0;
  let hi = fa.items.length - 1;
  let idx = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (fa.items[mid].start <= offset) {
      idx = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (idx < 0) return null;
  const it = fa.items[idx];
  const rel = offset - it.start;
  for (const u of it.units) {
    if (rel < u.node.s || rel > u.node.e) continue;
    const urel = rel - u.node.s;
    let best: { s: number; e: number; id: number; node: { id: number } } | null = null;
    // a const's table literals have no entry of their own (eval/evaluator.ts): each is its own value
    const literalTy = u.node.k === 'const' ? elemTy(u.node.ty) : null;
    const factOf = (x: { id: number }): IntVal | undefined => {
      const f = u.analysis.facts.get(x.id);
      if (f || u.node.k !== 'const' || (x as Expr).k !== 'int') return f;
      const lit = x as Extract<Expr, { k: 'int' }>;
      return { t: 'int', ty: lit.suffix ?? literalTy, iv: { lo: lit.value, hi: lit.value } };
    };
    const consider = (x: { s: number; e: number; id: number }) => {
      const s = x.s - u.node.s;
      const e = x.e - u.node.s;
      if (s <= urel && urel <= e && factOf(x) && (!best || e - s < best.e - best.s)) best = { s, e, id: x.id, node: x };
    };
    const visitPat = (p: Pat) => {
      consider(p);
      if (p.k === 'tuple') p.elems.forEach(visitPat);
      if (p.k === 'ref') visitPat(p.pat);
    };
    const visit = (e: Expr) =>
      walkExpr(e, (x) => {
        consider(x);
        if (x.k === 'block') for (const s of x.stmts) if (s.k === 'let') visitPat(s.pat);
        if (x.k === 'for') visitPat(x.pat);
      });
    if (u.node.k === 'fn') {
      for (const p of u.node.params) visitPat(p.pat);
      if (u.node.body) visit(u.node.body);
    } else if (u.node.value) visit(u.node.value);
    if (best) {
      const b = best as { s: number; e: number; id: number; node: { id: number } };
      const start = it.start + u.node.s + b.s;
      const end = it.start + u.node.s + b.e;
      return { start, end, val: factOf(b.node)!, fn: u.name, text: it.text.slice(u.node.s + b.s, u.node.s + b.e), array: u.analysis.facts.arrays.has(b.id) };
    }
  }
  return null;
}
