// The editing machinery behind the quick fixes: a function's AST indexed with parent links, and an editor
// that collects insertions and replacements as plain text edits (absolute offsets; the server maps them
// to LSP). Each rule writes its own fixes with it (rules/*.ts); the widening fix follows a value to
// where it is consumed: operands and accumulators are widened (`i64::from(x)`, `x as i64`,
// `let mut acc: i64`), and where the wider value meets a narrower slot (an argument, a return, an array
// element) it is narrowed back with a saturating clamp, so the edited code compiles and stays
// overflow-free.

import { losslessFrom, smallestSignedHolding, type IntTy } from '../domain/inttypes';
import { childExprs as childrenOf, elemTy, tyOf, unparen, type Expr, type FnItem, type Pat, type Stmt } from '../syntax/ast';

export interface TextEditAbs {
  start: number;
  end: number;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEditAbs[];
  preferred?: boolean;
  /** a client command instead of (or after) the edits */
  command?: { title: string; command: string; arguments: unknown[] };
}

/** Thrown by an edit that cannot be made safely: the fix is not offered. */
export class CannotFix extends Error {}

interface Insert {
  pos: number;
  text: string;
  /** 2: opening (outer first), 1: closing (inner first) */
  kind: 1 | 2;
  /** length of the wrapped span: orders nested wraps at one position */
  span: number;
}

/** A function's AST with parent links and declarations, for edits. */
export class FnEnv {
  readonly byId = new Map<number, Expr>();
  readonly parent = new Map<Expr, Expr | Stmt | FnItem>();
  readonly lets: { stmt: Extract<Stmt, { k: 'let' }>; pat: Extract<Pat, { k: 'ident' }> }[] = [];
  readonly fn: FnItem;
  /** absolute offset that node offsets are relative to */
  readonly base: number;

  constructor(
    readonly text: string,
    /** absolute offset of the item the function's node offsets are relative to */
    base: number,
    fn: FnItem,
  ) {
    this.fn = fn;
    this.base = base;
    if (this.fn.body) this.index(this.fn.body, this.fn);
  }

  private index(e: Expr, parent: Expr | Stmt | FnItem): void {
    this.byId.set(e.id, e);
    this.parent.set(e, parent);
    if (e.k === 'block') {
      for (const s of e.stmts) {
        if (s.k === 'let') {
          if (s.pat.k === 'ident') this.lets.push({ stmt: s, pat: s.pat });
          if (s.init) this.index(s.init, s);
          if (s.else) this.index(s.else, s);
        } else if (s.k === 'expr') this.index(s.expr, e);
      }
      if (e.tail) this.index(e.tail, e);
      return;
    }
    for (const c of childrenOf(e)) this.index(c, e);
  }

  attempt(title: string, f: (ed: Editor) => void): Fix | null {
    const ed = new Editor(this);
    try {
      f(ed);
    } catch (e) {
      if (e instanceof CannotFix) return null;
      throw e;
    }
    const edits = ed.finish();
    return edits.length > 0 ? { title, edits } : null;
  }
}

export class Editor {
  private inserts: Insert[] = [];
  private replaces: TextEditAbs[] = [];
  private widened = new Set<Expr>();
  private widenedVars = new Set<string>();

  constructor(private readonly env: FnEnv) {}

  /** Source text of a node (parenthesised when `atom` and it is not already an atom). */
  src(e: Expr, atom: boolean): string {
    const t = this.env.text.slice(this.env.base + e.s, this.env.base + e.e);
    if (!atom) return t;
    return isAtom(e) ? t : `(${t})`;
  }

  insert(rel: number, text: string, kind: 1 | 2, span: number): void {
    this.inserts.push({ pos: this.env.base + rel, text, kind, span });
  }

  wrap(e: Expr, pre: string, post: string): void {
    this.insert(e.s, pre, 2, e.e - e.s);
    this.insert(e.e, post, 1, e.e - e.s);
  }

  replace(e: { s: number; e: number }, text: string): void {
    this.replaces.push({ start: this.env.base + e.s, end: this.env.base + e.e, newText: text });
  }

  /** `a * b` → `a.method(b)` (+ suffix). */
  toMethod(e: Expr, method: string, suffix = ''): void {
    if (e.k !== 'binary') throw new CannotFix('not a binary operation');
    this.replace(e, `${this.src(e.left, true)}.${method}(${this.src(e.right, false)})${suffix}`);
  }

  /** `a *= b` → `a = a.method(b)`. */
  compoundToMethod(e: Expr, method: string): void {
    if (e.k !== 'assign') throw new CannotFix('not an assignment');
    const l = this.src(e.left, false);
    this.replace(e, `${l} = ${this.src(e.left, true)}.${method}(${this.src(e.right, false)})`);
  }

  /** `a.wrapping_mul(b)` → `a.saturating_mul(b)`; `i32::wrapping_mul(a, b)` likewise. */
  renameMethod(e: Expr, name: string, suffix = ''): void {
    if (e.k === 'method') this.replaces.push({ start: this.env.base + e.nameS, end: this.env.base + e.nameE, newText: name });
    else if (e.k === 'call' && e.callee.k === 'path') {
      const segs = e.callee.segs.slice(0, -1);
      this.replace(e.callee, [...segs, name].join('::'));
    } else throw new CannotFix('not a method call');
    if (suffix) this.insert(e.e, suffix, 1, e.e - e.s);
  }

  /** Makes both operands of a binary operation `W`. */
  widenOperands(e: Expr, w: IntTy): void {
    if (e.k !== 'binary') throw new CannotFix('not a binary operation');
    this.widenOperand(e.left, w);
    this.widenOperand(e.right, w);
  }

  /** Makes one expression's value `W` (a literal adapts by itself). */
  widenOperand(e: Expr, w: IntTy): void {
    const x = unparen(e);
    if (this.widened.has(x)) return;
    this.widened.add(x);
    if (isFlexible(x)) return;
    if (x.k === 'int' && x.suffix) {
      this.replace(x, `${x.value}${w}`);
      return;
    }
    if (x.k === 'cast') {
      // `x as i32` → `x as i64`: the same value whenever the old cast did not wrap
      this.replaces.push({ start: this.env.base + x.tyS, end: this.env.base + x.tyE, newText: w });
      return;
    }
    if (x.k === 'binary' && ['+', '-', '*', '/', '%'].includes(x.op)) {
      // compute the whole sub-expression in W
      this.widenOperand(x.left, w);
      this.widenOperand(x.right, w);
      return;
    }
    if (x.k === 'unary' && x.op === '-') {
      this.widenOperand(x.arg, w);
      return;
    }
    if (x.k === 'path' && x.segs.length === 1 && this.isLocal(x.segs[0])) {
      const t = this.varTy(x.segs[0]);
      if (t === w) return;
    }
    const t = this.tyOfExpr(x);
    if (t === w) return;
    if (t && losslessFrom(t, w)) this.wrap(x, `${w}::from(`, ')');
    else if (isAtom(x)) this.wrap(x, '(', ` as ${w})`);
    else this.wrap(x, '((', `) as ${w})`);
  }

  /** The value of `e` changed from `from` to `w`: adapt the code that consumes it. */
  propagate(e: Expr, from: IntTy, w: IntTy): void {
    this.widened.add(unparen(e));
    const p = this.env.parent.get(e);
    if (!p) throw new CannotFix('no parent');
    if ('k' in p && p.k === 'fn') return this.narrowBack(e, from, w);
    if (p.k === 'let') {
      if (p.init !== e || p.pat.k !== 'ident') return this.narrowBack(e, from, w);
      return this.widenLet(p, w, false);
    }
    if (p.k === 'expr' || p.k === 'item') return;
    switch (p.k) {
      case 'paren':
        return this.propagate(p, from, w);
      case 'binary': {
        if (['==', '!=', '<', '<=', '>', '>='].includes(p.op)) {
          this.widenOperand(p.left === e ? p.right : p.left, w);
          return;
        }
        if (p.op === '<<' || p.op === '>>') {
          if (p.right === e) return; // a shift amount may be any integer type
          return this.propagate(p, from, w);
        }
        if (p.op === '&&' || p.op === '||') return;
        this.widenOperand(p.left === e ? p.right : p.left, w);
        return this.propagate(p, from, w);
      }
      case 'cast':
        return;
      case 'method': {
        if (p.recv !== e) return this.narrowBack(e, from, w);
        if (['clamp', 'min', 'max', 'abs', 'pow'].includes(p.name) || /^saturating_/.test(p.name)) {
          if (p.name !== 'pow') for (const a of p.args) this.widenOperand(a, w);
          return this.propagate(p, from, w);
        }
        return this.narrowBack(e, from, w);
      }
      case 'assign': {
        if (p.right !== e) return;
        const root = unparen(p.left);
        if (root.k === 'path' && root.segs.length === 1 && this.isLocal(root.segs[0]) && p.op !== '<<=' && p.op !== '>>=') return this.widenVar(root.segs[0], w);
        return this.narrowBack(e, from, w);
      }
      case 'block':
        // a block's value leaves through its tail; blocks themselves are never wrapped (fn/if/loop bodies)
        if (p.tail !== e) return;
        return this.narrowBack(e, from, w);
      case 'unary':
        if (p.op === '-') return this.propagate(p, from, w);
        return this.narrowBack(e, from, w);
      default:
        return this.narrowBack(e, from, w);
    }
  }

  /** Where a widened value meets a slot of the old type: saturate back explicitly. */
  private narrowBack(e: Expr, to: IntTy, w: IntTy): void {
    const x = e;
    const atom = isAtom(x);
    if (!atom) this.insert(x.s, '(', 2, x.e - x.s);
    this.insert(x.e, `${atom ? '' : ')'}.clamp(${to}::MIN as ${w}, ${to}::MAX as ${w}) as ${to}`, 1, x.e - x.s);
  }

  private isLocal(name: string): boolean {
    return this.env.lets.some((l) => l.pat.name === name);
  }

  private varTy(name: string): IntTy | null {
    const l = this.env.lets.find((x) => x.pat.name === name);
    if (!l) return null;
    if (l.stmt.ty) return tyOf(l.stmt.ty);
    const init = l.stmt.init ? unparen(l.stmt.init) : null;
    if (init?.k === 'int') return init.suffix;
    if (init?.k === 'cast' && init.ty.k === 'int') return init.ty.ty;
    return null;
  }

  /** The declared/obvious integer type of an expression (casts, suffixes, typed locals and params). */
  private tyOfExpr(e: Expr): IntTy | null {
    const x = unparen(e);
    if (x.k === 'cast' && x.ty.k === 'int') return x.ty.ty;
    if (x.k === 'int') return x.suffix;
    if (x.k === 'path' && x.segs.length === 1) {
      const v = this.varTy(x.segs[0]);
      if (v) return v;
      const p = this.env.fn.params.find((q) => q.pat.k === 'ident' && q.pat.name === x.segs[0]);
      if (p) return tyOf(p.ty);
    }
    if (x.k === 'index') {
      const b = unparen(x.base);
      if (b.k === 'path' && b.segs.length === 1) {
        const p = this.env.fn.params.find((q) => q.pat.k === 'ident' && q.pat.name === b.segs[0]);
        if (p) return elemTy(p.ty);
      }
    }
    return null;
  }

  /** Changes a local's type to `w`: its declaration, the values assigned to it, and its uses. */
  widenVar(name: string, w: IntTy): void {
    if (this.widenedVars.has(name)) return;
    const decls = this.env.lets.filter((l) => l.pat.name === name);
    if (decls.length !== 1) throw new CannotFix(decls.length === 0 ? 'not a local' : 'shadowed local');
    this.widenedVars.add(name);
    const from = this.varTy(name) ?? 'i32';
    this.widenLet(decls[0].stmt, w, true);
    for (const e of this.env.byId.values()) {
      if (e.k !== 'path' || e.segs.length !== 1 || e.segs[0] !== name) continue;
      const p = this.env.parent.get(e);
      if (p && 'k' in p && p.k === 'assign' && unparen(p.left) === e) {
        if (p.op === '<<=' || p.op === '>>=') continue;
        this.widenAssigned(p.right, w);
        continue;
      }
      if (p && 'k' in p && p.k === 'assign' && p.right === e) {
        // `other = name`: handled through propagate
      }
      this.propagateUse(e, from, w);
    }
  }

  private propagateUse(e: Expr, from: IntTy, w: IntTy): void {
    const p = this.env.parent.get(e);
    // `acc += t` reads acc too; the assignment itself was handled
    if (p && 'k' in p && p.k === 'assign' && unparen(p.left) === e) return;
    this.propagate(e, from, w);
  }

  /** A value assigned into a widened variable: `acc += x * w` → `acc += i64::from(x) * i64::from(w)`. */
  private widenAssigned(v: Expr, w: IntTy): void {
    const x = unparen(v);
    if (x.k === 'binary' && (x.op === '*' || x.op === '+' || x.op === '-')) {
      this.widenOperands(x, w);
      return;
    }
    this.widenOperand(v, w);
  }

  private widenLet(s: Extract<Stmt, { k: 'let' }>, w: IntTy, fromVar: boolean): void {
    if (s.pat.k !== 'ident') throw new CannotFix('pattern');
    const name = s.pat.name;
    if (!fromVar) return this.widenVar(name, w);
    if (s.ty) {
      if (s.ty.k !== 'int') throw new CannotFix('non-integer type');
      const tyText = this.env.text.slice(this.env.base + s.s, this.env.base + s.e);
      const m = /:\s*([iu](?:8|16|32|64|128|size))\b/.exec(tyText);
      if (!m) throw new CannotFix('type annotation not found');
      const at = s.s + m.index + m[0].indexOf(m[1]);
      this.replace({ s: at, e: at + m[1].length }, w);
      if (s.init) this.widenOperand(s.init, w);
      return;
    }
    this.insert(s.pat.e, `: ${w}`, 1, 0);
    if (s.init) {
      const init = unparen(s.init);
      if (init.k === 'int' && init.suffix) this.replace(init, `${init.value}`);
      else this.widenAssigned(s.init, w);
    }
  }

  finish(): TextEditAbs[] {
    // one edit per position; nested wraps: openings of outer spans first, closings of inner spans first
    const ins = [...this.inserts].sort((a, b) => a.pos - b.pos || b.kind - a.kind || (a.kind === 2 ? b.span - a.span : a.span - b.span));
    const edits: TextEditAbs[] = [];
    const reps = dedupe(this.replaces).sort((a, b) => a.start - b.start);
    for (let i = 1; i < reps.length; i++) if (reps[i].start < reps[i - 1].end) throw new CannotFix('overlapping edits');
    const merged = new Map<number, string>();
    for (const x of ins) merged.set(x.pos, (merged.get(x.pos) ?? '') + x.text);
    for (const [pos, text] of merged) {
      // an insertion at a replacement's edge joins it (LSP edits must not overlap)
      const r = reps.find((q) => q.end === pos || q.start === pos);
      if (r && r.end === pos && r.start !== pos) r.newText += text;
      else if (r && r.start === pos) r.newText = text + r.newText;
      else if (reps.some((q) => q.start < pos && pos < q.end)) throw new CannotFix('insertion inside a replacement');
      else edits.push({ start: pos, end: pos, newText: text });
    }
    edits.push(...reps);
    return edits.sort((a, b) => a.start - b.start || a.end - b.end);
  }
}

function dedupe(xs: TextEditAbs[]): TextEditAbs[] {
  const m = new Map<string, TextEditAbs>();
  for (const x of xs) m.set(`${x.start}:${x.end}`, { ...x });
  return [...m.values()];
}

/** An expression that needs no parentheses before `.method()` or `as`. */
export function isAtom(e: Expr): boolean {
  return e.k === 'path' || e.k === 'paren' || e.k === 'index' || e.k === 'field' || e.k === 'call' || e.k === 'method' || (e.k === 'int' && e.value >= 0n);
}

function isFlexible(e: Expr): boolean {
  const x = unparen(e);
  if (x.k === 'int') return x.suffix === null;
  if (x.k === 'unary') return x.op === '-' && isFlexible(x.arg);
  if (x.k === 'binary' && ['+', '-', '*', '/', '%'].includes(x.op)) return isFlexible(x.left) && isFlexible(x.right);
  return false;
}

/** The next wider signed type (i32 → i64). */
export function nextWider(ty: IntTy): IntTy {
  const order: IntTy[] = ['i8', 'i16', 'i32', 'i64', 'i128'];
  const i = order.indexOf(ty.replace('u', 'i').replace('size', '32') as IntTy);
  return order[Math.min(order.length - 1, Math.max(0, i + 1))];
}

/** The type a widening fix computes in: the narrowest signed type above `ty` holding [lo, hi]. */
export function widerFor(ty: IntTy, lo: bigint, hi: bigint): IntTy {
  return smallestSignedHolding(lo, hi, nextWider(ty)) ?? 'i128';
}

/** Applies absolute edits to a text (for tests and the CLI). */
export function applyEdits(text: string, edits: TextEditAbs[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start || b.end - a.end)) out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  return out;
}

/** The fixes that could be made (attempts that threw CannotFix are dropped). */
export function offered(xs: (Fix | null)[]): Fix[] {
  return xs.filter((x): x is Fix => x !== null);
}
