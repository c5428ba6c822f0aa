// Files copied from stylus-templates/ (the Rust runtime and the template files cargo-stylus expects),
// and the tables written from the simulator's constants.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import { EXP2_TABLE, EXP_LIMIT, LOG2E_Q24, SIGMOID_LIMIT, SIGMOID_TABLE } from '../quant/approx';
import { arrayRows } from './rust';

/** stylus-templates/ next to the sources (core/codegen/../../) or the bundle (dist/../). */
export function templatesDir(): string {
  const candidates = [path.join(__dirname, '..', '..', 'stylus-templates'), path.join(__dirname, '..', 'stylus-templates')];
  for (const c of candidates) if (fs.existsSync(path.join(c, 'runtime', 'src', 'fixed.rs'))) return c;
  throw new UserError(`the stylus-templates/ folder is missing from this installation (looked in ${candidates.join(', ')})`);
}

export function readTemplate(rel: string): string {
  return fs.readFileSync(path.join(templatesDir(), rel), 'utf8');
}

/** The file names in a folder of stylus-templates/, sorted. */
export function templateDirFiles(rel: string): string[] {
  return fs
    .readdirSync(path.join(templatesDir(), rel), { withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => d.name)
    .sort();
}

/** Replaces `{{key}}` placeholders; every placeholder must be given. */
export function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => {
    if (!(k in values)) throw new Error(`internal: template placeholder {{${k}}} has no value`);
    return values[k];
  });
}

/** The runtime library's src/tables.rs: the sigmoid and exp tables and limits from core/quant/approx.ts (test/unit/runtime-library.test.ts holds the file equal to this). */
export function tablesRs(): string {
  const L = [
    '//! Tables of the integer nonlinearities, written by stylus-ml from the simulator\'s constants',
    '//! (core/quant/approx.ts); fixed.rs interpolates them. Unused tables are dropped at link time.',
    '',
    '/// sigma(k / 32) for k = 0..=512 (x in [0, 16]), in Q.30.',
    '#[rustfmt::skip]',
    `pub static SIGMOID_TABLE: [i32; ${SIGMOID_TABLE.length}] = [`,
    ...arrayRows(SIGMOID_TABLE, '    ', 8),
    '];',
    '',
    '/// 2^(-k / 64) for k = 0..=64, in Q.30.',
    '#[rustfmt::skip]',
    `pub static EXP2_TABLE: [i32; ${EXP2_TABLE.length}] = [`,
    ...arrayRows(EXP2_TABLE, '    ', 8),
    '];',
    '',
    '/// log2(e) in Q.24.',
    `pub const LOG2E_Q24: i64 = ${LOG2E_Q24};`,
    '/// Sigmoid inputs are clamped to +-SIGMOID_LIMIT (Q.16, just under 16).',
    `pub const SIGMOID_LIMIT: i64 = ${SIGMOID_LIMIT};`,
    '/// exp(-u) is 0 for u above EXP_LIMIT (Q.16, u = 24).',
    `pub const EXP_LIMIT: i64 = ${EXP_LIMIT};`,
  ];
  return L.join('\n') + '\n';
}
