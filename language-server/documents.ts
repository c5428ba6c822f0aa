// Open Rust documents: text kept parsed by tree-sitter (incrementally), the lines edited since opening
// (the manifest check places "bound broken" findings there), and the latest analysis.

import { fileURLToPath } from 'node:url';
import { RustDocument, type Analyzer, type DocumentCheck, type RustParser, type TextChange } from '../core/analysis';

export interface AnalysisResult {
  version: number;
  check: DocumentCheck;
  /** the text that was analysed (offsets in `check` refer to it) */
  text: string;
  lineStarts: number[];
}

export class OpenDocument {
  readonly doc: RustDocument;
  version: number;
  /** 0-based lines edited since the document was opened (see `editedLines`) */
  readonly dirty = new Set<number>();
  /** the lines of the text as opened, to ignore edits that were undone */
  private readonly original: Set<string>;
  timer: ReturnType<typeof setTimeout> | null = null;
  result: AnalysisResult | null = null;
  /** caches of this document's analysis (lowered items, per-function results) */
  analyzer: Analyzer | null = null;
  readonly path: string | null;

  constructor(
    readonly uri: string,
    parser: RustParser,
    text: string,
    version: number,
  ) {
    this.doc = new RustDocument(parser, text);
    this.original = new Set(text.split('\n').map((l) => l.trim()));
    this.version = version;
    this.path = uriToPath(uri);
  }

  applyChanges(changes: TextChange[], version: number): void {
    for (const ch of changes) this.markDirty(ch);
    this.doc.applyChanges(changes);
    this.version = version;
  }

  /** Shifts the dirty-line set by the change's line delta and marks the lines it touches. */
  private markDirty(ch: TextChange): void {
    if (!ch.range) {
      this.dirty.clear();
      const n = ch.text.split('\n').length;
      for (let i = 0; i < n; i++) this.dirty.add(i);
      return;
    }
    const start = ch.range.start.line;
    const oldEnd = ch.range.end.line;
    const added = ch.text.split('\n').length - 1;
    const delta = added - (oldEnd - start);
    const next = new Set<number>();
    for (const l of this.dirty) {
      if (l < start) next.add(l);
      else if (l > oldEnd) next.add(l + delta);
    }
    for (let l = start; l <= start + added; l++) next.add(l);
    this.dirty.clear();
    for (const l of next) this.dirty.add(l);
  }

  /** Dirty lines whose text differs from every line of the document as opened (undone edits drop out). */
  editedLines(): Set<number> {
    const out = new Set<number>();
    const lines = this.doc.lines;
    for (const l of this.dirty) {
      const s = lines.starts[l];
      if (s === undefined) continue;
      const e = l + 1 < lines.starts.length ? lines.starts[l + 1] - 1 : lines.text.length;
      if (!this.original.has(lines.text.slice(s, e).trim())) out.add(l);
    }
    return out;
  }

  get stale(): boolean {
    return !this.result || this.result.version !== this.version;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.doc.dispose();
  }
}

export function uriToPath(uri: string): string | null {
  if (!uri.startsWith('file:')) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}
