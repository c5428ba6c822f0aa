// Finding generated crates (a folder with `stylus-ml.json`) and reading their manifest with the engine's
// own reader and validator (core/manifest/schema.ts), so the extension never interprets the schema itself.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { MANIFEST_FILE, type Manifest } from '../core/manifest/schema';
import { readManifest } from '../core/manifest/file';

export const MANIFEST = MANIFEST_FILE;

export interface CrateInfo {
  dir: string;
  manifestPath: string;
  /** null when the manifest is missing or invalid; `error` then says why */
  manifest: Manifest | null;
  error: string | null;
  /** absolute path of the source .onnx file the manifest names, when it exists */
  modelPath: string | null;
}

/** The crate folder that contains `p` (a file or folder inside a crate, or the manifest itself). */
export function crateDirOf(p: string): string | null {
  let dir = existsSync(p) && statSync(p).isDirectory() ? p : path.dirname(p);
  for (let i = 0; i < 8; i++) {
    if (existsSync(path.join(dir, MANIFEST))) return dir;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

/** Reads a crate's manifest; an invalid one is reported in `error`, never thrown. */
export function readCrate(dir: string): CrateInfo {
  const manifestPath = path.join(dir, MANIFEST);
  try {
    const manifest = readManifest(dir);
    // The manifest records the model path as written by `stylus-ml new`: relative to the crate, or absolute.
    const model = path.resolve(dir, manifest.model.path);
    return { dir, manifestPath, manifest, error: null, modelPath: existsSync(model) ? model : null };
  } catch (e) {
    return { dir, manifestPath, manifest: null, error: e instanceof Error ? e.message : String(e), modelPath: null };
  }
}
