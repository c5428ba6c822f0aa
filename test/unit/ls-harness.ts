// Shared helpers for the language-server unit tests: parse and analyse Rust text with the real
// tree-sitter grammar and analyser.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Analyzer, type Finding } from '../../core/analysis/analyze';
import { checkDocument, type DocumentCheck, type DocumentCheckInput } from '../../core/analysis/manifest/check';
import { loadRustParser, RustDocument, type RustParser } from '../../core/analysis/syntax/parser';

export const fixturesDir = path.resolve(__dirname, '..', 'fixtures', 'ls');
export const readFixture = (name: string) => readFileSync(path.join(fixturesDir, name), 'utf8');

let parser: RustParser | null = null;
export async function rust(): Promise<RustParser> {
  parser ??= await loadRustParser();
  return parser;
}

/** Analyses a Rust text (a fresh analyser unless one is given). */
export async function analyse(text: string, extra: Partial<DocumentCheckInput> = {}, analyzer?: Analyzer): Promise<DocumentCheck & { doc: RustDocument }> {
  const p = await rust();
  const doc = new RustDocument(p, text);
  const a = analyzer ?? new Analyzer(p.snippet);
  return { ...checkDocument(a, { root: doc.root, lines: doc.lines, ...extra }), doc };
}

export async function findings(text: string, extra: Partial<DocumentCheckInput> = {}): Promise<Finding[]> {
  return (await analyse(text, extra)).findings;
}

/** The text a finding covers. */
export const covered = (text: string, f: Finding) => text.slice(f.start, f.end);

/** Wraps statements in a function with the given parameters. */
export const fn = (params: string, body: string, ret = '') => `pub fn f(${params})${ret ? ` -> ${ret}` : ''} {\n${body}\n}\n`;
