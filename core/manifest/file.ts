// Reading and writing stylus-ml.json: every read and every write is checked against the schema, and a
// write goes to a temporary file renamed into place, so a crash never leaves half a manifest behind.
import fs from 'node:fs';
import path from 'node:path';
import { ContractError, parseContract } from '../contracts/check';
import { UserError } from '../errors';
import { MANIFEST_FILE, ManifestSchema, type Manifest } from './schema';

/** Checks a parsed manifest; the error names the file, the field and what to do. */
export function validateManifest(json: unknown, file: string): Manifest {
  try {
    return parseContract(ManifestSchema, json, file);
  } catch (e) {
    if (e instanceof ContractError) throw new UserError(`${e.message}; fix the field or regenerate the crate with \`stylus-ml new --force\``);
    throw e;
  }
}

export function manifestPath(dirOrFile: string): string {
  return dirOrFile.endsWith('.json') ? dirOrFile : path.join(dirOrFile, MANIFEST_FILE);
}

export function readManifest(dirOrFile: string): Manifest {
  const file = manifestPath(dirOrFile);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`${file}: not found; is ${path.dirname(file)} a crate made by \`stylus-ml new\`?`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return validateManifest(json, file);
}

/** The manifest as written: checked, two-space JSON with a final newline. */
export function manifestText(m: Manifest, file = MANIFEST_FILE): string {
  validateManifest(JSON.parse(JSON.stringify(m)), file);
  return JSON.stringify(m, null, 2) + '\n';
}

export function writeManifest(dir: string, m: Manifest): void {
  const file = path.join(dir, MANIFEST_FILE);
  const text = manifestText(m, file);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
