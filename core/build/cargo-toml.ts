// The few facts stylus-ml reads from a Cargo.toml: the package name and edition, the library's source
// file, and the path dependencies (a generated crate's core depends on the vendored stylus-ml-runtime).
// Not a TOML parser: it reads the keys `cargo new` and the templates write, one per line.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';

export interface CargoPackage {
  /** the folder holding Cargo.toml */
  dir: string;
  name: string;
  /** the Rust crate name (`-` → `_`) */
  crate: string;
  edition: string;
  /** the library's root source file (`[lib] path`, else src/lib.rs) */
  lib: string;
}

/** `[section]` → its lines, in file order (keys before any section under ''). */
function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>([['', []]]);
  let cur = '';
  for (const line of text.split('\n')) {
    const h = /^\s*\[([^\]]+)\]\s*(#.*)?$/.exec(line);
    if (h) {
      cur = h[1].trim();
      if (!out.has(cur)) out.set(cur, []);
    } else out.get(cur)!.push(line);
  }
  return out;
}

function key(lines: string[] | undefined, k: string): string | null {
  for (const l of lines ?? []) {
    const m = new RegExp(`^\\s*${k}\\s*=\\s*"([^"]*)"`).exec(l);
    if (m) return m[1];
  }
  return null;
}

export function readCargoPackage(dir: string): CargoPackage {
  const file = path.join(dir, 'Cargo.toml');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`${file} is missing`);
  }
  const s = sections(text);
  const name = key(s.get('package'), 'name');
  if (!name) throw new UserError(`${file}: no package name`);
  return {
    dir,
    name,
    crate: name.replace(/-/g, '_'),
    edition: key(s.get('package'), 'edition') ?? '2015',
    lib: path.join(dir, key(s.get('lib'), 'path') ?? path.join('src', 'lib.rs')),
  };
}

/** The `[dependencies]` given by path (`name = { path = "../vendor/x" }`), as absolute folders. */
export function pathDependencies(dir: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, 'Cargo.toml'), 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const l of sections(text).get('dependencies') ?? []) {
    const m = /^\s*[\w-]+\s*=\s*\{[^}\n]*\bpath\s*=\s*"([^"]+)"/.exec(l);
    if (m) out.push(path.resolve(dir, m[1]));
  }
  return out;
}
