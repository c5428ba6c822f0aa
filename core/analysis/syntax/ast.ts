// A small AST for the subset of Rust the interval analysis understands, lowered from tree-sitter's CST.
// Offsets (s, e) are UTF-16 offsets relative to the start of the top-level item that contains the node,
// so a lowered item stays valid (and cacheable) when text above it moves.

import type { IntTy } from '../domain/inttypes';

export interface Span {
  /** node id, dense within one top-level item */
  id: number;
  s: number;
  e: number;
}

export type BinOp = '+' | '-' | '*' | '/' | '%' | '<<' | '>>' | '&' | '|' | '^' | '&&' | '||' | '==' | '!=' | '<' | '<=' | '>' | '>=';
export type AssignOp = '=' | '+=' | '-=' | '*=' | '/=' | '%=' | '<<=' | '>>=' | '&=' | '|=' | '^=';

export type TypeRef =
  | { k: 'int'; ty: IntTy }
  | { k: 'array'; elem: TypeRef; len: Expr | null }
  | { k: 'ref'; inner: TypeRef }
  | { k: 'other'; text: string };

export type Pat =
  | ({ k: 'ident'; name: string; mutable: boolean } & Span)
  | ({ k: 'tuple'; elems: Pat[] } & Span)
  | ({ k: 'ref'; pat: Pat } & Span)
  | ({ k: 'wild' } & Span)
  | ({ k: 'other' } & Span);

export type Expr = Span &
  (
    | { k: 'int'; value: bigint; suffix: IntTy | null }
    | { k: 'bool'; value: boolean }
    | { k: 'path'; segs: string[] }
    | { k: 'unary'; op: '-' | '!' | '*'; arg: Expr }
    | { k: 'ref'; arg: Expr }
    | { k: 'binary'; op: BinOp; left: Expr; right: Expr }
    | { k: 'assign'; op: AssignOp; left: Expr; right: Expr }
    | { k: 'cast'; arg: Expr; ty: TypeRef; tyS: number; tyE: number }
    | { k: 'call'; callee: Expr; args: Expr[] }
    | { k: 'method'; recv: Expr; name: string; args: Expr[]; nameS: number; nameE: number }
    | { k: 'index'; base: Expr; index: Expr }
    | { k: 'field'; base: Expr; name: string }
    | { k: 'paren'; arg: Expr }
    | { k: 'block'; stmts: Stmt[]; tail: Expr | null }
    | { k: 'if'; cond: Expr; then: Expr; else: Expr | null }
    | { k: 'iflet'; scrutinee: Expr; pat: Pat; then: Expr; else: Expr | null }
    | { k: 'for'; pat: Pat; iter: Expr; body: Expr }
    | { k: 'while'; cond: Expr; body: Expr }
    | { k: 'loop'; body: Expr }
    | { k: 'array'; elems: Expr[] }
    | { k: 'repeat'; elem: Expr; count: Expr }
    | { k: 'tuple'; elems: Expr[] }
    | { k: 'range'; from: Expr | null; to: Expr | null; inclusive: boolean }
    | { k: 'macro'; name: string; args: Expr[] | null }
    | { k: 'return'; arg: Expr | null }
    | { k: 'break'; arg: Expr | null }
    | { k: 'continue' }
    | { k: 'match'; scrutinee: Expr; arms: MatchArm[] }
    | { k: 'try'; arg: Expr }
    /** anything else: children are still analysed, the value is unknown */
    | { k: 'opaque'; children: Expr[] }
  );

export interface MatchArm {
  pat: Pat;
  guard: Expr | null;
  body: Expr;
}

export type Stmt =
  | ({ k: 'let'; pat: Pat; ty: TypeRef | null; init: Expr | null; else: Expr | null } & Span)
  | ({ k: 'expr'; expr: Expr } & Span)
  /** a nested fn/const/static inside a block */
  | ({ k: 'item'; item: Item } & Span);

export interface Param {
  pat: Pat;
  ty: TypeRef;
}

export type Item =
  | ({ k: 'fn'; name: string; nameS: number; nameE: number; params: Param[]; ret: TypeRef | null; body: Expr | null; pub: boolean } & Span)
  | ({ k: 'const'; name: string; nameS: number; nameE: number; ty: TypeRef; value: Expr | null; isStatic: boolean } & Span)
  | ({ k: 'container'; name: string | null; items: Item[] } & Span)
  | ({ k: 'other' } & Span);

/** One lowered top-level item with the number of node ids it uses. */
export interface LoweredItem {
  item: Item;
  nodeCount: number;
  /** byte length of the item text, to check cache hits */
  length: number;
}

/** Visit every direct child expression (not statements' nested items). */
export function childExprs(e: Expr): Expr[] {
  switch (e.k) {
    case 'int':
    case 'bool':
    case 'path':
    case 'continue':
      return [];
    case 'unary':
    case 'ref':
    case 'paren':
    case 'try':
      return [e.arg];
    case 'cast':
      return [e.arg];
    case 'binary':
    case 'assign':
      return [e.left, e.right];
    case 'call':
      return [e.callee, ...e.args];
    case 'method':
      return [e.recv, ...e.args];
    case 'index':
      return [e.base, e.index];
    case 'field':
      return [e.base];
    case 'block': {
      const out: Expr[] = [];
      for (const st of e.stmts) {
        if (st.k === 'let') {
          if (st.init) out.push(st.init);
          if (st.else) out.push(st.else);
        } else if (st.k === 'expr') out.push(st.expr);
      }
      if (e.tail) out.push(e.tail);
      return out;
    }
    case 'if':
      return e.else ? [e.cond, e.then, e.else] : [e.cond, e.then];
    case 'iflet':
      return e.else ? [e.scrutinee, e.then, e.else] : [e.scrutinee, e.then];
    case 'for':
      return [e.iter, e.body];
    case 'while':
      return [e.cond, e.body];
    case 'loop':
      return [e.body];
    case 'array':
    case 'tuple':
      return e.elems;
    case 'repeat':
      return [e.elem, e.count];
    case 'range':
      return [e.from, e.to].filter((x): x is Expr => x !== null);
    case 'macro':
      return e.args ?? [];
    case 'return':
    case 'break':
      return e.arg ? [e.arg] : [];
    case 'match': {
      const out: Expr[] = [e.scrutinee];
      for (const a of e.arms) {
        if (a.guard) out.push(a.guard);
        out.push(a.body);
      }
      return out;
    }
    case 'opaque':
      return e.children;
  }
}

/** Depth-first walk over expressions, including those nested in statements. */
export function walkExpr(e: Expr, f: (x: Expr) => void): void {
  f(e);
  for (const c of childExprs(e)) walkExpr(c, f);
}

export type FnItem = Extract<Item, { k: 'fn' }>;
export type ConstItem = Extract<Item, { k: 'const' }>;

/** `((e))` → `e`. */
export function unparen(e: Expr): Expr {
  let x = e;
  while (x.k === 'paren') x = x.arg;
  return x;
}

/** The variable an lvalue is rooted at (`a[i][j]`, `*a` → a), or null. */
export function lvalueRoot(e: Expr): string | null {
  const x = unparen(e);
  if (x.k === 'path' && x.segs.length === 1) return x.segs[0];
  if (x.k === 'index') return lvalueRoot(x.base);
  if (x.k === 'unary' && x.op === '*') return lvalueRoot(x.arg);
  return null;
}

/** Names a pattern binds. */
export function patNames(p: Pat): string[] {
  switch (p.k) {
    case 'ident':
      return [p.name];
    case 'ref':
      return patNames(p.pat);
    case 'tuple':
      return p.elems.flatMap(patNames);
    default:
      return [];
  }
}

/** The integer type of a type (behind references), or null. */
export function tyOf(t: TypeRef | null | undefined): IntTy | null {
  if (!t) return null;
  if (t.k === 'int') return t.ty;
  if (t.k === 'ref') return tyOf(t.inner);
  return null;
}

/** The integer element type of a (nested) array type, or of an integer type. */
export function elemTy(t: TypeRef): IntTy | null {
  if (t.k === 'int') return t.ty;
  if (t.k === 'ref') return elemTy(t.inner);
  if (t.k === 'array') return elemTy(t.elem);
  return null;
}
