// `stylus-ml check FILE.rs|DIR [--json]`: the language server's diagnostics for CI, without an editor.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import { Analyzer } from './analyze';
import { CrateFiles } from './crate-files';
import { checkDocument } from './manifest/check';
import { ManifestCache } from './manifest/view';
import type { Severity } from './sites';
import { loadRustParser, RustDocument, type ParserOptions } from './syntax/parser';

export interface CheckDiagnostic {
  /** the path as given (files found in a directory: joined to it) */
  file: string;
  /** 1-based */
  line: number;
  /** 1-based, in UTF-16 code units like the editor's columns */
  column: number;
  endLine: number;
  endColumn: number;
  code: string;
  severity: Severity;
  message: string;
}

export interface CheckResult {
  diagnostics: CheckDiagnostic[];
  /** number of .rs files checked */
  files: number;
}

const SKIP_DIRS = new Set(['target', 'node_modules', '.git', 'dist', 'out']);
const MAX_FILE_BYTES = 8_000_000;

/** Checks .rs files and directories (recursively, skipping target/ and dot-directories). */
export async function checkPaths(paths: string[], opts: ParserOptions = {}): Promise<CheckResult> {
  if (paths.length === 0) throw new UserError('check: give a .rs file or a directory');
  const files: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new UserError(`check: ${p} does not exist`);
    }
    if (st.isDirectory()) files.push(...rustFilesIn(p));
    else if (p.endsWith('.rs')) files.push(p);
    else throw new UserError(`check: ${p} is not a .rs file or a directory`);
  }
  const parser = await loadRustParser(opts);
  const analyzer = new Analyzer(parser.snippet);
  const crates = new CrateFiles(parser);
  const manifests = new ManifestCache();
  const diagnostics: CheckDiagnostic[] = [];
  try {
    for (const file of files) {
      if (statSync(file).size > MAX_FILE_BYTES) throw new UserError(`check: ${file} is larger than ${MAX_FILE_BYTES} bytes`);
      const text = readFileSync(file, 'utf8');
      const doc = new RustDocument(parser, text);
      try {
        const abs = path.resolve(file);
        const m = manifests.forFile(abs);
        const result = checkDocument(analyzer, {
          root: doc.root,
          lines: doc.lines,
          filePath: abs,
          manifest: m.view,
          manifestError: m.error,
          extraItems: crates.extraItems(abs),
        });
        for (const f of result.findings) {
          diagnostics.push({
            file,
            line: f.range.start.line + 1,
            column: f.range.start.character + 1,
            endLine: f.range.end.line + 1,
            endColumn: f.range.end.character + 1,
            code: f.code,
            severity: f.severity,
            message: f.message,
          });
        }
      } finally {
        doc.dispose();
      }
    }
  } finally {
    crates.dispose();
  }
  return { diagnostics, files: files.length };
}

function rustFilesIn(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) walk(path.join(d, e.name));
      } else if (e.isFile() && e.name.endsWith('.rs')) out.push(path.join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

/** 1 when any diagnostic is an error or a warning (information does not fail CI). */
export function checkExitCode(r: CheckResult): 0 | 1 {
  return r.diagnostics.some((d) => d.severity === 'error' || d.severity === 'warning') ? 1 : 0;
}

/** `src/model.rs:30:16: warning SML101: ...` lines and a summary, like rustc's short format. */
export function formatCheckHuman(r: CheckResult): string {
  const lines = r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`);
  const count = (s: Severity) => r.diagnostics.filter((d) => d.severity === s).length;
  const parts = [`${count('error')} error(s)`, `${count('warning')} warning(s)`];
  const info = count('information') + count('hint');
  if (info) parts.push(`${info} note(s)`);
  lines.push(`${r.files} file(s) checked: ${parts.join(', ')}`);
  return lines.join('\n') + '\n';
}

/** The `--json` document. */
export function formatCheckJson(r: CheckResult): string {
  return JSON.stringify({ diagnostics: r.diagnostics }, null, 2) + '\n';
}
