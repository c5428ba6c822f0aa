// Share-of-a-sum facts: `D = sum over i of A[i]` (or of `A[i].abs()`), so every |A[j]| <= D and
// `div_round(A[j] << k, D)` lies in [-2^k, 2^k]. Softmax (`e[a] * 2^k / sum e`) and L1 normalisation
// (`x * 2^k / sum |x|`) divide this way; intervals alone lose the relation between numerator and divisor.
// The facts are syntactic and deliberately narrow: each condition below is what makes D the exact sum.

import { walkExpr, type Expr, type FnItem, type Pat } from '../syntax/ast';

export interface SumFact {
  /** the array whose elements D sums */
  arr: string;
  /** D sums `A[i].abs()` (else `A[i]`, which then needs A >= 0 to bound the share) */
  abs: boolean;
  /** end offset of the summing loop: only divisions after it use the fact */
  after: number;
  /** a lower bound of D known from one term (softmax: the maximum's own term, e^0 = 2^30) */
  floor?: bigint;
}

/** e^-0 in Q.30: `exp_neg_q(0, f)` is `exp_neg30(to_q16(0, f, _))` = `exp_neg30(0)` = EXP2_TABLE[0] = 2^30. */
const EXP_NEG_Q_AT_ZERO = 1n << 30n;

const cache = new WeakMap<FnItem, Map<string, SumFact>>();

const unparen = (e: Expr): Expr => (e.k === 'paren' ? unparen(e.arg) : e);
const isPath = (e: Expr, name?: string): e is Extract<Expr, { k: 'path' }> => e.k === 'path' && e.segs.length === 1 && (name === undefined || e.segs[0] === name);

/** The variable an lvalue or place expression is rooted at (`a[i][j]` → a). */
function root(e: Expr): string | null {
  const x = unparen(e);
  if (isPath(x)) return x.segs[0];
  if (x.k === 'index' || x.k === 'field') return root(x.base);
  return null;
}

interface Scan {
  lets: Map<string, Expr[]>;
  /** the block each let is a statement of */
  letBlock: Map<string, Expr>;
  assigns: Map<string, Extract<Expr, { k: 'assign' }>[]>;
  /** names used other than as an index base (borrowed, reassigned whole, returned) */
  bareUses: Set<string>;
  loops: Extract<Expr, { k: 'for' }>[];
}

const scans = new WeakMap<FnItem, Scan>();

/** Declarations, assignments and loops of a function body (cached per lowered function). */
function scan(fn: FnItem): Scan {
  const hit = scans.get(fn);
  if (hit) return hit;
  const lets = new Map<string, Expr[]>();
  /** the block each let is a statement of */
  const letBlock = new Map<string, Expr>();
  const assigns = new Map<string, Extract<Expr, { k: 'assign' }>[]>();
  const bareUses = new Set<string>();
  const loops: Extract<Expr, { k: 'for' }>[] = [];
  const indexBases = new Set<Expr>();
  walkExpr(fn.body!, (x) => {
    if (x.k === 'block')
      for (const s of x.stmts) {
        if (s.k !== 'let') continue;
        const p = s.pat;
        if (p.k === 'ident') {
          lets.set(p.name, [...(lets.get(p.name) ?? []), s.init ?? { k: 'opaque', children: [], id: -1, s: s.s, e: s.e }]);
          letBlock.set(p.name, x);
        }
        else walkPatNames(p, (n) => lets.set(n, [...(lets.get(n) ?? []), { k: 'opaque', children: [], id: -1, s: s.s, e: s.e }]));
      }
    if (x.k === 'assign') {
      const r = root(x.left);
      if (r) assigns.set(r, [...(assigns.get(r) ?? []), x]);
      else walkExpr(x.left, (y) => isPath(y) && bareUses.add(y.segs[0]));
    }
    if (x.k === 'index') indexBases.add(unparen(x.base));
    if (x.k === 'for') loops.push(x);
  });
  // a path used other than as an index base (passed by reference, reassigned whole, returned)
  walkExpr(fn.body!, (x) => {
    if (isPath(x) && !indexBases.has(x)) bareUses.add(x.segs[0]);
  });
  const out: Scan = { lets, letBlock, assigns, bareUses, loops };
  scans.set(fn, out);
  return out;
}

/**
 * The sum facts of a function, keyed by the divisor's name. D qualifies when: it is declared once with
 * `let mut D = 0` in the block whose statement is the summing loop; its only assignment is `D += A[i]` / `D += A[i].abs()` as a statement directly in the body
 * of `for i in 0..N` with no break/continue/return; A is declared once as `[_; N]`; A appears only as the base
 * of an index; every store to A is before that statement, and inside the loop only as `A[i] = ..`.
 */
export function sumFacts(fn: FnItem): Map<string, SumFact> {
  const hit = cache.get(fn);
  if (hit) return hit;
  const out = new Map<string, SumFact>();
  cache.set(fn, out);
  if (!fn.body) return out;
  const { lets, letBlock, assigns, bareUses, loops } = scan(fn);
  for (const loop of loops) {
    const it = unparen(loop.iter);
    if (loop.pat.k !== 'ident' || it.k !== 'range' || it.inclusive || !it.from || !it.to) continue;
    const from = unparen(it.from);
    const to = unparen(it.to);
    if (from.k !== 'int' || from.value !== 0n || to.k !== 'int') continue;
    const i = loop.pat.name;
    const body = unparen(loop.body);
    if (body.k !== 'block') continue;
    let escapes = false;
    walkExpr(body, (x) => {
      if (x.k === 'break' || x.k === 'continue' || x.k === 'return' || (x.k === 'macro' && x.name !== 'debug_assert')) escapes = true;
    });
    if (escapes) continue;
    const top = [...body.stmts.flatMap((s) => (s.k === 'expr' ? [s.expr] : [])), ...(body.tail ? [body.tail] : [])];
    for (const stmt of top) {
      const a = unparen(stmt);
      if (a.k !== 'assign' || a.op !== '+=' || !isPath(a.left)) continue;
      const d = a.left.segs[0];
      let term = unparen(a.right);
      let abs = false;
      if (term.k === 'method' && term.name === 'abs' && term.args.length === 0) {
        abs = true;
        term = unparen(term.recv);
      }
      // L2: D += A[i] * A[i], then E = isqrt(D) >= |A[j]| (floor(sqrt) is monotone and floor(sqrt(a^2)) = |a|)
      let square = false;
      if (term.k === 'binary' && term.op === '*' && sameIndex(term.left, term.right)) {
        square = true;
        term = unparen(term.left);
      }
      if (term.k !== 'index' || !isPath(unparen(term.base)) || !isPath(unparen(term.index), i)) continue;
      const arr = (unparen(term.base) as Extract<Expr, { k: 'path' }>).segs[0];
      if (arr === d || arr === i || bareUses.has(arr) || borrowed(fn.body, d)) continue;
      // D: declared once as 0, assigned only here
      const dl = lets.get(d);
      // the root of the squares: `let E = isqrt(D)` after the loop (E may shadow D)
      const root = square ? [...lets].find(([, inits]) => inits.some((x) => x.s > loop.e && isIsqrtOf(x, d))) : undefined;
      if (square && !root) continue;
      const shadowed = root?.[0] === d ? 1 : 0;
      if (!dl || dl.length !== 1 + shadowed || unparen(dl[0]).k !== 'int' || (unparen(dl[0]) as { value: bigint }).value !== 0n) continue;
      if ((assigns.get(d) ?? []).length !== 1) continue;
      // ...in the block that runs the loop, so D starts from 0 right before it (not summed across an outer loop)
      const blk = letBlock.get(d);
      if (blk?.k !== 'block' || !blk.stmts.some((st) => st.k === 'expr' && st.expr === loop) && blk.tail !== loop) continue;
      // A: declared once as [_; N] with N the trip count
      const al = lets.get(arr);
      const init = al && al.length === 1 ? unparen(al[0]) : null;
      if (!init || init.k !== 'repeat' || unparen(init.count).k !== 'int' || (unparen(init.count) as { value: bigint }).value !== to.value) continue;
      // stores to A: before the loop, or in it as A[i] = .. before the sum
      const ok = (assigns.get(arr) ?? []).every((s) => {
        if (s.e <= loop.s) return true;
        if (s.s < body.s || s.e > a.s) return false;
        const l = unparen(s.left);
        return s.op === '=' && l.k === 'index' && isPath(unparen(l.base), arr) && isPath(unparen(l.index), i);
      });
      if (!ok) continue;
      if (root) {
        const at = root[1].find((x) => x.s > loop.e && isIsqrtOf(x, d))!;
        out.set(root[0], { arr, abs: true, after: at.e });
        continue;
      }
      const fact: SumFact = { arr, abs, after: loop.e };
      // softmax: A[i] = exp_neg_q(M - X[i] as T, f), the only store to A in the loop, with M the maximum
      // of X: the term of X's maximum is e^0, every other term is >= 0 (runtime-results.ts), so D >= 2^30
      const inLoop = (assigns.get(arr) ?? []).filter((x) => x.s > loop.s);
      const st = inLoop.length === 1 ? unparen(inLoop[0].right) : null;
      if (!abs && st?.k === 'call' && isPath(st.callee, 'exp_neg_q') && st.args.length === 2) {
        const diff = unparen(st.args[0]);
        if (diff.k === 'binary' && diff.op === '-' && isPath(unparen(diff.left))) {
          const m = (unparen(diff.left) as Extract<Expr, { k: 'path' }>).segs[0];
          const xi = indexOf(diff.right);
          if (xi && isPath(unparen(xi.index), i) && maxOver(fn.body, m, lets, assigns, bareUses) === `${xi.arr}:${to.value}`) fact.floor = EXP_NEG_Q_AT_ZERO;
        }
      }
      out.set(d, fact);
    }
  }
  return out;
}

/** `A[i]` twice (the operands of a square). */
function sameIndex(a: Expr, b: Expr): boolean {
  const x = unparen(a);
  const y = unparen(b);
  return x.k === 'index' && y.k === 'index' && isPath(unparen(x.base)) && isPath(unparen(y.base)) && isPath(unparen(x.index)) && isPath(unparen(y.index)) && (unparen(x.base) as { segs: string[] }).segs[0] === (unparen(y.base) as { segs: string[] }).segs[0] && (unparen(x.index) as { segs: string[] }).segs[0] === (unparen(y.index) as { segs: string[] }).segs[0];
}

/** `isqrt(D)` */
function isIsqrtOf(e: Expr, d: string): boolean {
  const x = unparen(e);
  return x.k === 'call' && isPath(x.callee, 'isqrt') && x.args.length === 1 && isPath(unparen(x.args[0]), d);
}

/** `X[i]` or `X[i] as T` (a widening read of an element) */
function indexOf(e: Expr): { arr: string; index: Expr } | null {
  let x = unparen(e);
  if (x.k === 'cast') x = unparen(x.arg);
  if (x.k !== 'index' || !isPath(unparen(x.base))) return null;
  return { arr: (unparen(x.base) as Extract<Expr, { k: 'path' }>).segs[0], index: x.index };
}

/**
 * `X:N` when M is the maximum of X[0..N]: `let mut M = X[0] (as T);` then only `M = M.max(X[a] (as T))` in
 * `for a in 1..N`, X never stored to or borrowed in the function (a parameter, typically). Then M equals
 * some element of X (a cast widening i16 to i64 keeps values, so the difference at that element is 0).
 */
function maxOver(
  body: Expr,
  m: string,
  lets: Map<string, Expr[]>,
  assigns: Map<string, Extract<Expr, { k: 'assign' }>[]>,
  bareUses: Set<string>,
): string | null {
  const ml = lets.get(m);
  const first = ml && ml.length === 1 ? indexOf(ml[0]) : null;
  if (!first || unparen(first.index).k !== 'int' || (unparen(first.index) as { value: bigint }).value !== 0n) return null;
  const x = first.arr;
  if ((assigns.get(x) ?? []).length > 0 || bareUses.has(x) && borrowed(body, x)) return null;
  const ma = assigns.get(m) ?? [];
  if (ma.length !== 1 || ma[0].op !== '=') return null;
  const r = unparen(ma[0].right);
  if (r.k !== 'method' || r.name !== 'max' || r.args.length !== 1 || !isPath(unparen(r.recv), m)) return null;
  const el = indexOf(r.args[0]);
  if (!el || el.arr !== x) return null;
  // the loop that holds the update: for a in 1..N, the update a statement of its body, no early exit
  let n: bigint | null = null;
  walkExpr(body, (l) => {
    if (l.k !== 'for' || l.pat.k !== 'ident' || !(l.s <= ma[0].s && ma[0].e <= l.e)) return;
    const it = unparen(l.iter);
    const b = unparen(l.body);
    if (it.k !== 'range' || it.inclusive || !it.from || !it.to || unparen(it.from).k !== 'int' || (unparen(it.from) as { value: bigint }).value !== 1n || unparen(it.to).k !== 'int') return;
    if (!isPath(unparen(el.index), l.pat.name) || b.k !== 'block' || !b.stmts.some((s) => s.k === 'expr' && s.expr === ma[0])) return;
    let escapes = false;
    walkExpr(b, (y) => {
      if (y.k === 'break' || y.k === 'continue' || y.k === 'return') escapes = true;
    });
    if (!escapes) n = (unparen(it.to) as { value: bigint }).value;
  });
  return n === null ? null : `${x}:${n}`;
}

/**
 * `M - X[i]` (both sides read as i64, or neither cast) with M the maximum of X (see maxOver): never negative.
 * Softmax's `max - x[a] as i64`, the argument of `exp_neg_q`.
 */
export function isMaxMinusElement(fn: FnItem, e: Expr): boolean {
  const d = unparen(e);
  if (!fn.body || d.k !== 'binary' || d.op !== '-' || !isPath(unparen(d.left))) return false;
  const xi = indexOf(d.right);
  const r = unparen(d.right);
  if (!xi || (r.k === 'cast' && !(r.ty.k === 'int' && r.ty.ty === 'i64'))) return false;
  const s = scan(fn);
  const m = (unparen(d.left) as Extract<Expr, { k: 'path' }>).segs[0];
  const init = s.lets.get(m)?.[0] ? unparen(s.lets.get(m)![0]) : null;
  if (init?.k === 'cast' && !(init.ty.k === 'int' && init.ty.ty === 'i64')) return false;
  if ((init?.k === 'cast') !== (r.k === 'cast')) return false;
  return maxOver(fn.body, m, s.lets, s.assigns, s.bareUses)?.startsWith(`${xi.arr}:`) ?? false;
}

/** `&name` / `&mut name` somewhere: the value may change behind a reference. */
function borrowed(body: Expr, name: string): boolean {
  let out = false;
  walkExpr(body, (x) => {
    if (x.k === 'ref' && root(x.arg) === name) out = true;
  });
  return out;
}

function walkPatNames(p: Pat, f: (n: string) => void): void {
  if (p.k === 'ident') f(p.name);
  else if (p.k === 'tuple') p.elems.forEach((q) => walkPatNames(q, f));
  else if (p.k === 'ref') walkPatNames(p.pat, f);
}

/**
 * `for k in K0..K1` with `let K0 = S[e] (as T)` and `let K1 = S[e + 1] (as T)`: the span of entry e of a
 * table of starts (a tree table's leaves: LEAF_START[leaf]..LEAF_START[leaf + 1]). The trip count is then
 * a difference of adjacent entries of S, bounded by the table (loops.ts), not by K1's range minus K0's.
 * K0 and K1 are immutable lets, declared once; e is a plain variable.
 */
export function adjacentSpan(fn: FnItem, iter: Expr): { table: string } | null {
  const it = unparen(iter);
  if (it.k !== 'range' || it.inclusive || !it.from || !it.to || !isPath(unparen(it.from)) || !isPath(unparen(it.to))) return null;
  const s = scan(fn);
  const init = (name: string): { table: string; index: Expr } | null => {
    const l = s.lets.get(name);
    if (!l || l.length !== 1 || (s.assigns.get(name) ?? []).length > 0) return null;
    let x = unparen(l[0]);
    if (x.k === 'cast') x = unparen(x.arg);
    if (x.k !== 'index' || !isPath(unparen(x.base))) return null;
    return { table: (unparen(x.base) as Extract<Expr, { k: 'path' }>).segs[0], index: unparen(x.index) };
  };
  const a = init((unparen(it.from) as Extract<Expr, { k: 'path' }>).segs[0]);
  const b = init((unparen(it.to) as Extract<Expr, { k: 'path' }>).segs[0]);
  if (!a || !b || a.table !== b.table || !isPath(a.index)) return null;
  const e = (a.index as Extract<Expr, { k: 'path' }>).segs[0];
  if ((s.assigns.get(e) ?? []).length > 0) return null;
  const bi = b.index;
  const one = (x: Expr) => unparen(x).k === 'int' && (unparen(x) as { value: bigint }).value === 1n;
  if (bi.k !== 'binary' || bi.op !== '+' || !((isPath(unparen(bi.left), e) && one(bi.right)) || (isPath(unparen(bi.right), e) && one(bi.left)))) return null;
  return { table: a.table };
}
