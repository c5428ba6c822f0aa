// The other Rust files a document can call into (its siblings, its crate's src/, and the src/ of its path
// dependencies: a generated core's vendored stylus-ml-runtime): their functions and consts are visible to
// the analysis, so calls like `sat_i16(rescale(acc, 7))` are evaluated with their real bodies. Open
// documents take precedence over the files on disk.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { pathDependencies } from '../build/cargo-toml';
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

/** The stylus-ml runtime library's modules (fixed.rs, softfloat.rs, kernels.rs) announce themselves in their first lines. */
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

  /**
   * Items of the .rs files `filePath` can call into: its siblings, its crate's src/ (a test or an example
   * calls the library), and the src/ of the crate's path dependencies (a contract on the vendored
   * stylus-ml-runtime). `open` maps absolute paths to unsaved texts.
   */
  extraItems(filePath: string, open: ReadonlyMap<string, string> = new Map()): Extra {
    const self = path.resolve(filePath);
    const out: Extra = [];
    const seen = new Set<string>([self]);
    for (const dir of this.sourceDirs(self)) {
      let names: string[];
      try {
        names = readdirSync(dir).filter((n) => n.endsWith('.rs'));
      } catch {
        continue;
      }
      out.push(...this.filesIn(dir, names, seen, open));
    }
    return out;
  }

  /** The file's folder, then its crate's src/, then the src/ of each path dependency. */
  private sourceDirs(file: string): string[] {
    const dirs = [path.dirname(file)];
    let d = path.dirname(file);
    for (let i = 0; i < 4; i++) {
      if (existsSync(path.join(d, 'Cargo.toml'))) {
        dirs.push(path.join(d, 'src'));
        // a generated core's `stylus-ml-runtime = { path = "../vendor/stylus-ml-runtime" }`
        for (const dep of pathDependencies(d)) dirs.push(path.join(dep, 'src'));
        break;
      }
      const up = path.dirname(d);
      if (up === d) break;
      d = up;
    }
    return [...new Set(dirs)];
  }

  private filesIn(dir: string, names: string[], seen: Set<string>, open: ReadonlyMap<string, string>): Extra {
    const out: Extra = [];
    for (const n of names.sort().slice(0, MAX_FILES)) {
      const p = path.join(dir, n);
      if (seen.has(p)) continue;
      seen.add(p);
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
