// Puts a generated crate on disk so that a failure leaves nothing behind: every file is written into a
// staging folder next to the target first, then the folder is renamed into place. A non-empty target is
// refused unless `force`; with `force` the generated files replace their old versions one by one (the
// user's other files, e.g. target/, stay) and files the previous generation wrote but this one does not
// are removed.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';

export interface WriteResult {
  dir: string;
  written: string[];
  /** files of a previous generation that were removed (force only) */
  removed: string[];
  replaced: boolean;
}

function isEmptyDir(dir: string): boolean {
  return fs.readdirSync(dir).length === 0;
}

/** Files a previous `stylus-ml new` recorded in its manifest (empty when there is none). */
function previousFiles(dir: string): string[] {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'stylus-ml.json'), 'utf8')) as { files?: { generated?: unknown } };
    const list = m.files?.generated;
    return Array.isArray(list) ? list.filter((f): f is string => typeof f === 'string' && !path.isAbsolute(f) && !f.split(/[\\/]/).includes('..')) : [];
  } catch {
    return [];
  }
}

/** Creates `dir`'s missing ancestors; returns the topmost one created (to undo), or null. */
function mkdirs(dir: string): string | null {
  let top: string | null = null;
  let d = dir;
  const missing: string[] = [];
  while (!fs.existsSync(d)) {
    missing.push(d);
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const m of missing.reverse()) {
    fs.mkdirSync(m);
    top ??= m;
  }
  return top;
}

export function writeCrate(dir: string, files: Map<string, string | Uint8Array>, opts: { force?: boolean; beforeRename?: (staging: string) => void } = {}): WriteResult {
  const target = path.resolve(dir);
  let exists = false;
  if (fs.existsSync(target)) {
    if (!fs.statSync(target).isDirectory()) throw new UserError(`${dir} exists and is not a folder; nothing was changed`);
    exists = true;
    if (!isEmptyDir(target) && !opts.force) throw new UserError(`${dir} is not empty; choose an empty or new folder, or pass --force to overwrite the generated files (nothing was changed)`);
  }
  const parent = path.dirname(target);
  const createdParent = mkdirs(parent);
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}.stylus-ml-`));
  const undo = () => {
    fs.rmSync(staging, { recursive: true, force: true });
    if (createdParent) fs.rmSync(createdParent, { recursive: true, force: true });
  };
  try {
    for (const [rel, content] of files) {
      if (path.isAbsolute(rel) || rel.split(/[\\/]/).includes('..')) throw new Error(`internal: generated path ${rel} leaves the crate`);
      const file = path.join(staging, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    }
    opts.beforeRename?.(staging);
  } catch (e) {
    undo();
    throw e;
  }
  const written = [...files.keys()].sort();
  if (!exists || isEmptyDir(target)) {
    try {
      if (exists) fs.rmdirSync(target);
      fs.renameSync(staging, target);
    } catch (e) {
      undo();
      throw new UserError(`could not move the generated crate into ${dir}: ${(e as Error).message} (nothing was changed)`);
    }
    return { dir: target, written, removed: [], replaced: false };
  }
  // --force into a non-empty folder: replace file by file, then drop the previous generation's leftovers
  const stale = previousFiles(target).filter((f) => !files.has(f));
  try {
    for (const rel of written) {
      const to = path.join(target, rel);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.renameSync(path.join(staging, rel), to);
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  const removed: string[] = [];
  for (const rel of stale) {
    const f = path.join(target, rel);
    if (fs.existsSync(f) && fs.statSync(f).isFile()) {
      fs.rmSync(f);
      removed.push(rel);
    }
  }
  return { dir: target, written, removed, replaced: true };
}
