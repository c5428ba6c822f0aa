// The other Rust files next to a document (e.g. the fixed-point runtime `fixed.rs` beside `model.rs`):
// their functions and consts are visible to the analysis, so calls like `sat_i16(rescale(acc, 7))` are
// evaluated with their real bodies. Open documents take precedence over the files on disk.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Tree } from 'web-tree-sitter';
import { Analyzer, type AnalysisContext } from './analyze';
import type { RustParser } from './syntax/parser';

type Extra = NonNullable<AnalysisContext['extraItems']>;

interface Parsed {
  text: string;
  tree: Tree;
  items: Extra;
}

const MAX_FILES = 32;
const MAX_BYTES = 2_000_000;

/** The stylus-ml fixed-point runtime (fixed.rs) announces itself in its first lines. */
export function isStylusMlRuntime(text: string): boolean {
  return /runtime of stylus-ml/i.test(text.slice(0, 400));
}

export class CrateFiles {
  private parsed = new Map<string, Parsed>();
  private disk = new Map<string, { mtime: number; size: number; text: string }>();
  /** lowering only (it never analyses, so it never evicts what the parsed files hold) */
  private readonly analyzer: Analyzer;

  constructor(private readonly parser: RustParser) {
    this.analyzer = new Analyzer(parser.snippet);
  }

  /** Items of the sibling .rs files of `filePath`; `open` maps absolute paths to unsaved texts. */
  extraItems(filePath: string, open: ReadonlyMap<string, string> = new Map()): Extra {
    const dir = path.dirname(path.resolve(filePath));
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.rs'));
    } catch {
      return [];
    }
    const self = path.resolve(filePath);
    const out: Extra = [];
    for (const n of names.sort().slice(0, MAX_FILES)) {
      const p = path.join(dir, n);
      if (p === self) continue;
      let text = open.get(p);
      if (text === undefined) {
        try {
          // re-read a file only when it changed on disk (this runs on every analysis of the document)
          const st = statSync(p);
          if (st.size > MAX_BYTES) continue;
          const hit = this.disk.get(p);
          if (hit && hit.mtime === st.mtimeMs && hit.size === st.size) text = hit.text;
          else {
            text = readFileSync(p, 'utf8');
            this.disk.set(p, { mtime: st.mtimeMs, size: st.size, text });
          }
        } catch {
          continue;
        }
      }
      out.push(...this.itemsOf(p, text));
    }
    return out;
  }

  private itemsOf(p: string, text: string): Extra {
    const hit = this.parsed.get(p);
    if (hit && hit.text === text) return hit.items;
    hit?.tree.delete();
    const tree = this.parser.parse(text);
    const items: Extra = [];
    const trusted = isStylusMlRuntime(text);
    for (const node of tree.rootNode.namedChildren) {
      if (node.type !== 'function_item' && node.type !== 'const_item' && node.type !== 'static_item' && node.type !== 'mod_item' && node.type !== 'impl_item') continue;
      const t = text.slice(node.startIndex, node.endIndex);
      items.push({ item: this.analyzer.lower(node, t).lowered.item, text: t, trusted });
    }
    this.parsed.set(p, { text, tree, items });
    return items;
  }

  dispose(): void {
    for (const v of this.parsed.values()) v.tree.delete();
    this.parsed.clear();
  }
}
