// Lowers tree-sitter-rust's CST into the analysis AST (ast.ts). Anything the analysis does not model
// becomes an `opaque` node whose children are still lowered, so rules see nested arithmetic.

import type { Node } from 'web-tree-sitter';
import type { AssignOp, BinOp, Expr, Item, LoweredItem, MatchArm, Param, Pat, Stmt, TypeRef } from './ast';
import { isIntTy, type IntTy } from '../domain/inttypes';

/** Parses a Rust snippet (used for macro arguments, which tree-sitter keeps as token trees). */
export type SnippetParser = (text: string) => Node | null;

const BIN_OPS = new Set<string>(['+', '-', '*', '/', '%', '<<', '>>', '&', '|', '^', '&&', '||', '==', '!=', '<', '<=', '>', '>=']);
/** Macros whose arguments are expressions the analysis uses (guards) or diverge. */
const EXPR_MACROS = new Set(['assert', 'debug_assert', 'assert_eq', 'assert_ne', 'debug_assert_eq', 'debug_assert_ne']);
const SUFFIXES: IntTy[] = ['i128', 'u128', 'isize', 'usize', 'i16', 'i32', 'i64', 'u16', 'u32', 'u64', 'i8', 'u8'];

/** Parses a Rust integer literal's text (`0x7f_u8`, `1_000i64`), or null for a malformed one. */
const DECIMAL = /^[0-9]+$/;

export function parseIntLiteral(text: string): { value: bigint; suffix: IntTy | null } | null {
  // the common case first: plain decimal digits (weight tables)
  if (text.length <= 15 && DECIMAL.test(text)) return { value: BigInt(text), suffix: null };
  let t = text.replace(/_/g, '');
  let suffix: IntTy | null = null;
  const isHex = /^0x/i.test(t);
  for (const s of SUFFIXES) {
    // a hex literal may end in digits that look like a suffix only when written with the suffix letters
    if (t.endsWith(s) && t.length > s.length && !(isHex && /^[0-9a-f]+$/i.test(s))) {
      suffix = s;
      t = t.slice(0, -s.length);
      break;
    }
  }
  if (!/^(0x[0-9a-f]+|0o[0-7]+|0b[01]+|[0-9]+)$/i.test(t)) return null;
  try {
    return { value: BigInt(t.toLowerCase()), suffix };
  } catch {
    return null;
  }
}

class Lowerer {
  private nextId = 0;
  constructor(
    private readonly base: number,
    private readonly snippet: SnippetParser,
    /** added to offsets of nodes from a snippet parse, to map them back into the document */
    private shift = 0,
  ) {}

  get count(): number {
    return this.nextId;
  }

  private span(n: Node) {
    return { id: this.nextId++, s: n.startIndex + this.shift - this.base, e: n.endIndex + this.shift - this.base };
  }

  item(n: Node): Item {
    switch (n.type) {
      case 'function_item':
        return this.fn(n);
      case 'const_item':
      case 'static_item': {
        const name = n.childForFieldName('name');
        const ty = n.childForFieldName('type');
        const value = n.childForFieldName('value');
        return {
          k: 'const',
          ...this.span(n),
          name: name?.text ?? '_',
          nameS: (name ?? n).startIndex - this.base,
          nameE: (name ?? n).endIndex - this.base,
          ty: ty ? this.type(ty) : { k: 'other', text: '' },
          value: value ? this.expr(value) : null,
          isStatic: n.type === 'static_item',
        };
      }
      case 'impl_item':
      case 'mod_item':
      case 'trait_item': {
        const body = n.childForFieldName('body');
        const items: Item[] = [];
        const sp = this.span(n);
        if (body) for (const c of body.namedChildren) items.push(this.item(c));
        const name = n.type === 'mod_item' ? (n.childForFieldName('name')?.text ?? null) : null;
        return { k: 'container', ...sp, name, items };
      }
      case 'function_signature_item':
      default:
        return { k: 'other', ...this.span(n) };
    }
  }

  private fn(n: Node): Item {
    const sp = this.span(n);
    const name = n.childForFieldName('name');
    const params: Param[] = [];
    const ps = n.childForFieldName('parameters');
    if (ps) {
      for (const p of ps.namedChildren) {
        if (p.type !== 'parameter') continue;
        const pat = p.childForFieldName('pattern');
        const ty = p.childForFieldName('type');
        params.push({ pat: pat ? this.pat(pat) : { k: 'wild', ...this.span(p) }, ty: ty ? this.type(ty) : { k: 'other', text: '' } });
      }
    }
    const ret = n.childForFieldName('return_type');
    const body = n.childForFieldName('body');
    let pub = false;
    for (const c of n.namedChildren) if (c.type === 'visibility_modifier') pub = true;
    return {
      k: 'fn',
      ...sp,
      name: name?.text ?? '_',
      nameS: (name ?? n).startIndex - this.base,
      nameE: (name ?? n).endIndex - this.base,
      params,
      ret: ret ? this.type(ret) : null,
      body: body ? this.expr(body) : null,
      pub,
    };
  }

  type(n: Node): TypeRef {
    switch (n.type) {
      case 'primitive_type':
        return isIntTy(n.text) ? { k: 'int', ty: n.text } : { k: 'other', text: n.text };
      case 'array_type': {
        const el = n.childForFieldName('element');
        const len = n.childForFieldName('length');
        return { k: 'array', elem: el ? this.type(el) : { k: 'other', text: '' }, len: len ? this.expr(len) : null };
      }
      case 'reference_type': {
        const inner = n.childForFieldName('type');
        return { k: 'ref', inner: inner ? this.type(inner) : { k: 'other', text: '' } };
      }
      default:
        return { k: 'other', text: n.text };
    }
  }

  pat(n: Node): Pat {
    switch (n.type) {
      case 'identifier':
        return { k: 'ident', ...this.span(n), name: n.text, mutable: false };
      case 'mut_pattern': {
        const inner = n.namedChildren.find((c) => c.type !== 'mutable_specifier');
        const p = inner ? this.pat(inner) : ({ k: 'wild', ...this.span(n) } as Pat);
        if (p.k === 'ident') p.mutable = true;
        return p;
      }
      case 'ref_pattern': {
        const inner = n.namedChildren[0];
        return inner ? this.pat(inner) : { k: 'wild', ...this.span(n) };
      }
      case 'reference_pattern': {
        const sp = this.span(n);
        const inner = n.namedChildren.find((c) => c.type !== 'mutable_specifier');
        return { k: 'ref', ...sp, pat: inner ? this.pat(inner) : { k: 'wild', ...this.span(n) } };
      }
      case 'tuple_pattern': {
        const sp = this.span(n);
        return { k: 'tuple', ...sp, elems: n.namedChildren.map((c) => this.pat(c)) };
      }
      case '_':
        return { k: 'wild', ...this.span(n) };
      default:
        return { k: 'other', ...this.span(n) };
    }
  }

  private block(n: Node): Expr {
    const sp = this.span(n);
    const stmts: Stmt[] = [];
    let tail: Expr | null = null;
    const kids = n.namedChildren;
    for (let i = 0; i < kids.length; i++) {
      const c = kids[i];
      switch (c.type) {
        case 'line_comment':
        case 'block_comment':
        case 'empty_statement':
        case 'label':
        case 'attribute_item':
        case 'inner_attribute_item':
          continue;
        case 'let_declaration': {
          const st = this.span(c);
          const pat = c.childForFieldName('pattern');
          const ty = c.childForFieldName('type');
          const value = c.childForFieldName('value');
          const alt = c.childForFieldName('alternative');
          let p: Pat = pat ? this.pat(pat) : { k: 'wild', ...this.span(c) };
          if (p.k === 'ident' && c.namedChildren.some((x) => x.type === 'mutable_specifier')) p = { ...p, mutable: true };
          stmts.push({ k: 'let', ...st, pat: p, ty: ty ? this.type(ty) : null, init: value ? this.expr(value) : null, else: alt ? this.expr(alt) : null });
          continue;
        }
        case 'expression_statement': {
          const inner = c.namedChildren.find((x) => x.type !== 'line_comment' && x.type !== 'block_comment');
          if (!inner) continue;
          // `if`/`match`/blocks without a `;` at the end of a block are its value (tree-sitter still
          // wraps them in an expression_statement)
          const last = !kids.slice(i + 1).some((x) => x.type !== 'line_comment' && x.type !== 'block_comment');
          if (last && c.lastChild?.type !== ';') {
            tail = this.expr(inner);
            continue;
          }
          const st = this.span(c);
          stmts.push({ k: 'expr', ...st, expr: this.expr(inner) });
          continue;
        }
        case 'function_item':
        case 'const_item':
        case 'static_item':
        case 'struct_item':
        case 'enum_item':
        case 'use_declaration':
        case 'impl_item':
        case 'mod_item':
        case 'type_item': {
          const st = this.span(c);
          stmts.push({ k: 'item', ...st, item: this.item(c) });
          continue;
        }
        default: {
          // an expression without a semicolon: the tail if it is the last one, else a statement
          const e = this.expr(c);
          const rest = kids.slice(i + 1).some((x) => x.type !== 'line_comment' && x.type !== 'block_comment');
          if (rest) stmts.push({ k: 'expr', id: e.id, s: e.s, e: e.e, expr: e });
          else tail = e;
        }
      }
    }
    return { ...sp, k: 'block', stmts, tail };
  }

  expr(n: Node): Expr {
    switch (n.type) {
      case 'integer_literal': {
        const sp = this.span(n);
        const lit = parseIntLiteral(n.text);
        return lit ? { ...sp, k: 'int', value: lit.value, suffix: lit.suffix } : { ...sp, k: 'opaque', children: [] };
      }
      case 'boolean_literal':
        return { ...this.span(n), k: 'bool', value: n.text === 'true' };
      case 'identifier':
      case 'self':
      case 'crate':
      case 'super':
        return { ...this.span(n), k: 'path', segs: [n.text] };
      case 'scoped_identifier': {
        const sp = this.span(n);
        return { ...sp, k: 'path', segs: pathSegs(n) };
      }
      case 'unary_expression': {
        const sp = this.span(n);
        const op = n.child(0)?.type;
        const arg = n.namedChildren[0];
        if (!arg) return { ...sp, k: 'opaque', children: [] };
        // fold `-128` into one literal so that i8::MIN-style literals stay in range
        if (op === '-' && arg.type === 'integer_literal') {
          const lit = parseIntLiteral(arg.text);
          this.nextId++;
          if (lit) return { ...sp, k: 'int', value: -lit.value, suffix: lit.suffix };
        }
        return { ...sp, k: 'unary', op: op === '!' ? '!' : op === '*' ? '*' : '-', arg: this.expr(arg) };
      }
      case 'reference_expression': {
        const sp = this.span(n);
        const v = n.childForFieldName('value');
        return v ? { ...sp, k: 'ref', arg: this.expr(v) } : { ...sp, k: 'opaque', children: [] };
      }
      case 'binary_expression': {
        const sp = this.span(n);
        const op = n.childForFieldName('operator')?.type ?? '';
        const l = n.childForFieldName('left');
        const r = n.childForFieldName('right');
        if (!l || !r || !BIN_OPS.has(op)) return { ...sp, k: 'opaque', children: this.kids(n) };
        return { ...sp, k: 'binary', op: op as BinOp, left: this.expr(l), right: this.expr(r) };
      }
      case 'assignment_expression':
      case 'compound_assignment_expr': {
        const sp = this.span(n);
        const op = n.type === 'assignment_expression' ? '=' : (n.childForFieldName('operator')?.type ?? '');
        const l = n.childForFieldName('left');
        const r = n.childForFieldName('right');
        if (!l || !r) return { ...sp, k: 'opaque', children: this.kids(n) };
        return { ...sp, k: 'assign', op: op as AssignOp, left: this.expr(l), right: this.expr(r) };
      }
      case 'type_cast_expression': {
        const sp = this.span(n);
        const v = n.childForFieldName('value');
        const t = n.childForFieldName('type');
        if (!v || !t) return { ...sp, k: 'opaque', children: this.kids(n) };
        return { ...sp, k: 'cast', arg: this.expr(v), ty: this.type(t), tyS: t.startIndex + this.shift - this.base, tyE: t.endIndex + this.shift - this.base };
      }
      case 'call_expression': {
        const sp = this.span(n);
        let f = n.childForFieldName('function');
        const argsNode = n.childForFieldName('arguments');
        const args = argsNode ? argsNode.namedChildren.filter((c) => !isTrivia(c)).map((c) => this.expr(c)) : [];
        if (f?.type === 'generic_function') f = f.childForFieldName('function') ?? f;
        if (f?.type === 'field_expression') {
          const recv = f.childForFieldName('value');
          const field = f.childForFieldName('field');
          if (recv && field) {
            return { ...sp, k: 'method', recv: this.expr(recv), name: field.text, args, nameS: field.startIndex + this.shift - this.base, nameE: field.endIndex + this.shift - this.base };
          }
        }
        if (!f) return { ...sp, k: 'opaque', children: args };
        return { ...sp, k: 'call', callee: this.expr(f), args };
      }
      case 'index_expression': {
        const sp = this.span(n);
        const [b, i] = n.namedChildren;
        if (!b || !i) return { ...sp, k: 'opaque', children: this.kids(n) };
        return { ...sp, k: 'index', base: this.expr(b), index: this.expr(i) };
      }
      case 'field_expression': {
        const sp = this.span(n);
        const v = n.childForFieldName('value');
        const f = n.childForFieldName('field');
        return v ? { ...sp, k: 'field', base: this.expr(v), name: f?.text ?? '' } : { ...sp, k: 'opaque', children: [] };
      }
      case 'parenthesized_expression': {
        const sp = this.span(n);
        const inner = n.namedChildren.find((c) => !isTrivia(c));
        return inner ? { ...sp, k: 'paren', arg: this.expr(inner) } : { ...sp, k: 'opaque', children: [] };
      }
      case 'block':
        return this.block(n);
      case 'unsafe_block':
      case 'async_block':
      case 'const_block': {
        const b = n.namedChildren.find((c) => c.type === 'block');
        return b ? this.block(b) : { ...this.span(n), k: 'opaque', children: [] };
      }
      case 'if_expression':
        return this.ifExpr(n);
      case 'for_expression': {
        const sp = this.span(n);
        const pat = n.childForFieldName('pattern');
        const v = n.childForFieldName('value');
        const body = n.childForFieldName('body');
        if (!pat || !v || !body) return { ...sp, k: 'opaque', children: this.kids(n) };
        return { ...sp, k: 'for', pat: this.pat(pat), iter: this.expr(v), body: this.expr(body) };
      }
      case 'while_expression': {
        const sp = this.span(n);
        const c = n.childForFieldName('condition');
        const body = n.childForFieldName('body');
        if (!c || !body) return { ...sp, k: 'opaque', children: this.kids(n) };
        if (c.type === 'let_condition' || c.type === 'let_chain') return { ...sp, k: 'loop', body: this.expr(body) };
        return { ...sp, k: 'while', cond: this.expr(c), body: this.expr(body) };
      }
      case 'loop_expression': {
        const sp = this.span(n);
        const body = n.childForFieldName('body');
        return body ? { ...sp, k: 'loop', body: this.expr(body) } : { ...sp, k: 'opaque', children: [] };
      }
      case 'array_expression': {
        const sp = this.span(n);
        const len = n.childForFieldName('length');
        if (len) {
          const el = n.namedChildren.find((c) => !isTrivia(c) && c.startIndex !== len.startIndex);
          return el ? { ...sp, k: 'repeat', elem: this.expr(el), count: this.expr(len) } : { ...sp, k: 'opaque', children: [] };
        }
        if (n.namedChildCount >= 16) {
          const fast = this.literalArray(n);
          if (fast) return { ...sp, k: 'array', elems: fast };
        }
        return { ...sp, k: 'array', elems: n.namedChildren.filter((c) => !isTrivia(c)).map((c) => this.expr(c)) };
      }
      case 'tuple_expression':
        return { ...this.span(n), k: 'tuple', elems: n.namedChildren.filter((c) => !isTrivia(c)).map((c) => this.expr(c)) };
      case 'unit_expression':
        return { ...this.span(n), k: 'tuple', elems: [] };
      case 'range_expression': {
        const sp = this.span(n);
        let from: Expr | null = null;
        let to: Expr | null = null;
        let inclusive = false;
        let seenOp = false;
        for (const c of n.children) {
          if (c.type === '..' || c.type === '..=' || c.type === '...') {
            seenOp = true;
            inclusive = c.type !== '..';
          } else if (c.isNamed && !isTrivia(c)) {
            if (seenOp) to = this.expr(c);
            else from = this.expr(c);
          }
        }
        return { ...sp, k: 'range', from, to, inclusive };
      }
      case 'macro_invocation':
        return this.macro(n);
      case 'return_expression': {
        const sp = this.span(n);
        const v = n.namedChildren.find((c) => !isTrivia(c));
        return { ...sp, k: 'return', arg: v ? this.expr(v) : null };
      }
      case 'break_expression': {
        const sp = this.span(n);
        const v = n.namedChildren.find((c) => !isTrivia(c) && c.type !== 'label');
        return { ...sp, k: 'break', arg: v ? this.expr(v) : null };
      }
      case 'continue_expression':
        return { ...this.span(n), k: 'continue' };
      case 'try_expression': {
        const sp = this.span(n);
        const v = n.namedChildren[0];
        return v ? { ...sp, k: 'try', arg: this.expr(v) } : { ...sp, k: 'opaque', children: [] };
      }
      case 'match_expression':
        return this.match(n);
      case 'let_condition':
      case 'let_chain':
      case 'closure_expression':
      case 'struct_expression':
      default:
        return { ...this.span(n), k: 'opaque', children: this.kids(n) };
    }
  }

  private kids(n: Node): Expr[] {
    const out: Expr[] = [];
    for (const c of n.namedChildren) {
      if (isTrivia(c) || !looksLikeExpr(c)) continue;
      out.push(this.expr(c));
    }
    return out;
  }

  private ifExpr(n: Node): Expr {
    const sp = this.span(n);
    const c = n.childForFieldName('condition');
    const cons = n.childForFieldName('consequence');
    const alt = n.childForFieldName('alternative');
    let elseE: Expr | null = null;
    if (alt) {
      const inner = alt.namedChildren.find((x) => x.type === 'block' || x.type === 'if_expression');
      if (inner) elseE = this.expr(inner);
    }
    if (!c || !cons) return { ...sp, k: 'opaque', children: this.kids(n) };
    if (c.type === 'let_condition') {
      const pat = c.childForFieldName('pattern');
      const v = c.childForFieldName('value');
      return {
        ...sp,
        k: 'iflet',
        scrutinee: v ? this.expr(v) : { ...this.span(c), k: 'opaque', children: [] },
        pat: pat ? this.pat(pat) : { k: 'other', ...this.span(c) },
        then: this.expr(cons),
        else: elseE,
      };
    }
    if (c.type === 'let_chain') return { ...sp, k: 'opaque', children: [this.expr(cons), ...(elseE ? [elseE] : [])] };
    return { ...sp, k: 'if', cond: this.expr(c), then: this.expr(cons), else: elseE };
  }

  private match(n: Node): Expr {
    const sp = this.span(n);
    const v = n.childForFieldName('value');
    const body = n.childForFieldName('body');
    const arms: MatchArm[] = [];
    if (body) {
      for (const a of body.namedChildren) {
        if (a.type !== 'match_arm') continue;
        const mp = a.childForFieldName('pattern');
        const val = a.childForFieldName('value');
        const guard = mp?.childForFieldName('condition') ?? null;
        const inner = mp?.namedChildren.find((c) => c.startIndex !== guard?.startIndex) ?? null;
        if (!val) continue;
        arms.push({ pat: inner ? this.pat(inner) : { k: 'wild', ...this.span(a) }, guard: guard ? this.expr(guard) : null, body: this.expr(val) });
      }
    }
    return { ...sp, k: 'match', scrutinee: v ? this.expr(v) : { ...this.span(n), k: 'opaque', children: [] }, arms };
  }

  private macro(n: Node): Expr {
    const sp = this.span(n);
    const m = n.childForFieldName('macro');
    const name = m ? (m.type === 'scoped_identifier' ? pathSegs(m).at(-1)! : m.text) : '';
    if (!EXPR_MACROS.has(name)) return { ...sp, k: 'macro', name, args: null };
    const tt = n.namedChildren.find((c) => c.type === 'token_tree');
    if (!tt) return { ...sp, k: 'macro', name, args: [] };
    // `assert!(a < b, "msg")` → parse `fn __m() { __m(a < b, "msg"); }` and take the call's arguments.
    const prefix = 'fn __m() { __m';
    const root = this.snippet(`${prefix}${tt.text}; }`);
    const call = root?.namedChildren[0]?.childForFieldName('body')?.namedChildren[0]?.namedChildren[0];
    const argsNode = call?.type === 'call_expression' ? call.childForFieldName('arguments') : null;
    if (!argsNode || root?.hasError) return { ...sp, k: 'macro', name, args: [] };
    const saved = this.shift;
    this.shift = tt.startIndex + saved - prefix.length;
    const args = argsNode.namedChildren.filter((c) => !isTrivia(c)).map((c) => this.expr(c));
    this.shift = saved;
    return { ...sp, k: 'macro', name, args };
  }

  /**
   * Fast path for long weight tables: scan `[1, -2, 0x7f, ...]` as text instead of walking thousands of
   * CST nodes. Falls back (null) on anything but integer literals separated by commas and whitespace.
   */
  private literalArray(n: Node): Expr[] | null {
    return literalRow(n.text, n.startIndex + this.shift - this.base, () => this.nextId++);
  }
}

/**
 * An array literal of integer literals (`[1, -2, 0x3i16]`, the text from `[` to `]`) as int nodes at
 * `start` + their offset, without a parse tree: weight tables have 50k of them. Null when the text is
 * anything else (a comment, an expression), which the tree-sitter path then lowers.
 */
export function literalRow(text: string, start: number, nextId: () => number): Expr[] | null {
  const re = /\s*(-?\s*(?:0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|[0-9][0-9_]*)(?:[iu](?:8|16|32|64|128|size))?)\s*(,|\])/y;
  if (text.charCodeAt(0) !== 91) return null; // '['
  re.lastIndex = 1;
  const out: Expr[] = [];
  const end = /\s*\]$/y;
  while (re.lastIndex < text.length) {
    const at = re.lastIndex;
    const m = re.exec(text);
    if (!m) {
      // a trailing comma: `1, 2,\n]`
      end.lastIndex = at;
      return out.length > 0 && end.test(text) ? out : null;
    }
    const tok = m[1];
    const lead = m[0].indexOf(tok);
    const s = start + m.index + lead;
    const neg = tok.startsWith('-');
    const lit = parseIntLiteral(neg ? tok.slice(1).trim() : tok);
    if (!lit) return null;
    out.push({ id: nextId(), s, e: s + tok.length, k: 'int', value: neg ? -lit.value : lit.value, suffix: lit.suffix });
    if (m[2] === ']') return re.lastIndex === text.length ? out : null;
  }
  return null;
}

function isTrivia(n: Node): boolean {
  return n.type === 'line_comment' || n.type === 'block_comment' || n.type === 'attribute_item';
}

const NON_EXPR = /(_pattern|_type|type_identifier|field_identifier|label|visibility_modifier|parameters|type_arguments|mutable_specifier|closure_parameters|lifetime)$/;
function looksLikeExpr(n: Node): boolean {
  return !NON_EXPR.test(n.type);
}

function pathSegs(n: Node): string[] {
  if (n.type === 'scoped_identifier' || n.type === 'scoped_type_identifier') {
    const p = n.childForFieldName('path');
    const name = n.childForFieldName('name');
    return [...(p ? pathSegs(p) : []), name?.text ?? ''];
  }
  if (n.type === 'generic_type') {
    const t = n.childForFieldName('type');
    return t ? pathSegs(t) : [n.text];
  }
  return [n.text];
}

/** Lowers one top-level item; offsets in the result are relative to `node.startIndex`. */
export function lowerItem(node: Node, snippet: SnippetParser): LoweredItem {
  const l = new Lowerer(node.startIndex, snippet);
  const item = l.item(node);
  return { item, nodeCount: l.count, length: node.endIndex - node.startIndex };
}
