// tree-sitter-rust through web-tree-sitter (wasm, no native build). The two .wasm files are looked up
// next to this module first (the esbuild bundle in dist/, where scripts/build.mjs copies them), then in
// node_modules (running from source with tsx).

import { existsSync } from 'node:fs';
import path from 'node:path';
import { Edit, Language, Parser, type Node, type Tree } from 'web-tree-sitter';

export interface ParserOptions {
  /** a directory holding web-tree-sitter.wasm and tree-sitter-rust.wasm (overrides the search) */
  wasmDir?: string;
}

function findWasm(file: string, pkg: string, opts: ParserOptions): string {
  const candidates = [
    ...(opts.wasmDir ? [path.join(opts.wasmDir, file)] : []),
    path.join(__dirname, file),
    // running from source (tsx): core/analysis/syntax/ is three levels below the package root
    path.join(__dirname, '..', '..', '..', 'node_modules', pkg, file),
    path.join(process.cwd(), 'node_modules', pkg, file),
  ];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`${file} not found (looked in ${candidates.join(', ')}); run \`npm run build\` or reinstall ${pkg}`);
}

let ready: Promise<RustParser> | null = null;

/** One shared parser; tree-sitter parsing is synchronous, so sharing it between documents is safe. */
export function loadRustParser(opts: ParserOptions = {}): Promise<RustParser> {
  ready ??= (async () => {
    const core = findWasm('web-tree-sitter.wasm', 'web-tree-sitter', opts);
    await Parser.init({ locateFile: () => core });
    const lang = await Language.load(findWasm('tree-sitter-rust.wasm', 'tree-sitter-rust', opts));
    return new RustParser(lang);
  })();
  ready.catch(() => {
    ready = null;
  });
  return ready;
}

export interface Position {
  /** 0-based line */
  line: number;
  /** 0-based UTF-16 column (LSP's default encoding; tree-sitter's web binding uses the same units) */
  character: number;
}

export interface TextChange {
  /** absent: the whole text is replaced */
  range?: { start: Position; end: Position };
  text: string;
}

export class RustParser {
  private readonly parser: Parser;
  private readonly snippetParser: Parser;
  constructor(readonly language: Language) {
    this.parser = new Parser();
    this.parser.setLanguage(language);
    this.snippetParser = new Parser();
    this.snippetParser.setLanguage(language);
  }

  parse(text: string, old?: Tree): Tree {
    const t = this.parser.parse(text, old ?? null);
    if (!t) throw new Error('tree-sitter returned no tree');
    return t;
  }

  /** Parses a short snippet (macro arguments); its tree is freed on the next snippet parse. */
  private lastSnippet: Tree | null = null;
  snippet = (text: string): Node | null => {
    this.lastSnippet?.delete();
    this.lastSnippet = this.snippetParser.parse(text);
    return this.lastSnippet?.rootNode ?? null;
  };
}

/** Offsets of line starts, for offset ↔ position conversion. */
export class LineIndex {
  readonly starts: number[];
  constructor(readonly text: string) {
    const starts = [0];
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    this.starts = starts;
  }
  offsetAt(p: Position): number {
    if (p.line >= this.starts.length) return this.text.length;
    const lineStart = this.starts[Math.max(0, p.line)];
    const lineEnd = p.line + 1 < this.starts.length ? this.starts[p.line + 1] - 1 : this.text.length;
    return Math.min(lineStart + Math.max(0, p.character), lineEnd);
  }
  positionAt(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo] };
  }
}

/** A Rust document kept parsed; edits re-parse incrementally (tree.edit + parse with the old tree). */
export class RustDocument {
  private tree: Tree;
  private index: LineIndex;
  constructor(
    private readonly parser: RustParser,
    private content: string,
  ) {
    this.tree = parser.parse(content);
    this.index = new LineIndex(content);
  }

  get text(): string {
    return this.content;
  }
  get root(): Node {
    return this.tree.rootNode;
  }
  get lines(): LineIndex {
    return this.index;
  }

  /** Applies LSP-style changes in order (each relative to the text after the previous one). */
  applyChanges(changes: TextChange[]): void {
    for (const ch of changes) {
      if (!ch.range) {
        this.replaceAll(ch.text);
        continue;
      }
      const start = this.index.offsetAt(ch.range.start);
      const oldEnd = this.index.offsetAt(ch.range.end);
      const startPos = this.index.positionAt(start);
      const oldEndPos = this.index.positionAt(oldEnd);
      const next = this.content.slice(0, start) + ch.text + this.content.slice(oldEnd);
      const newEnd = start + ch.text.length;
      const nl = ch.text.split('\n');
      const newEndPos =
        nl.length === 1 ? { row: startPos.line, column: startPos.character + ch.text.length } : { row: startPos.line + nl.length - 1, column: nl[nl.length - 1].length };
      this.tree.edit(new Edit({
        startIndex: start,
        oldEndIndex: oldEnd,
        newEndIndex: newEnd,
        startPosition: { row: startPos.line, column: startPos.character },
        oldEndPosition: { row: oldEndPos.line, column: oldEndPos.character },
        newEndPosition: newEndPos,
      }));
      this.content = next;
      this.index = new LineIndex(next);
    }
    const old = this.tree;
    this.tree = this.parser.parse(this.content, old);
    old.delete();
  }

  replaceAll(text: string): void {
    this.tree.delete();
    this.content = text;
    this.tree = this.parser.parse(text);
    this.index = new LineIndex(text);
  }

  dispose(): void {
    this.tree.delete();
  }
}
