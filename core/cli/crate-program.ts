// The built program of a generated crate: the module `stylus-ml build` left in target/stylus-ml/ (or
// cargo's output, stripped of custom sections), turned into deployment bytes as cargo-stylus does
// (brotli 11, EF F0 00 00, the 43-byte prelude). Not built, or sources newer than the build: built here.
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import type { Manifest } from '../manifest/schema';
import { programCode, type ProgramFragment } from '../build/fragmented';
import { stripCustomSections } from '../build/wasm-sections';

export interface CrateProgram {
  wasmPath: string;
  wasmBytes: number;
  runtimeCode: Uint8Array;
  initCode: Uint8Array;
  compressedBytes: number;
  /** layout `fragments` past one contract: deployed before the root (`runtimeCode` is the root's) */
  fragments: ProgramFragment[];
  /** set when something worth saying happened (e.g. it was built for this command) */
  note?: string;
}

/** `stylus-ml build` leaves the processed module (stripped, validated) in target/stylus-ml/. */
export const BUILD_OUT = 'target/stylus-ml';
/** cargo's own output (a crate built by `cargo build`): stripped here, as cargo-stylus does. */
const CARGO_OUT = 'target/wasm32-unknown-unknown/release';

/** The built modules of a crate, best first: stylus-ml's output, else cargo's; newest first within each. */
export function wasmCandidates(dir: string): string[] {
  const out: string[] = [];
  for (const sub of [BUILD_OUT, CARGO_OUT]) {
    const d = path.join(dir, sub);
    if (!fs.existsSync(d)) continue;
    const found = fs
      .readdirSync(d)
      .filter((f) => f.endsWith('.wasm'))
      .map((f) => path.join(d, f))
      .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
    out.push(...found);
  }
  return out;
}

/** The program of a built module, laid out as its crate's layout says (a root and fragments when it must). */
export function programFromWasm(wasmPath: string, note?: string, layout = 'single'): CrateProgram {
  const raw = fs.readFileSync(wasmPath);
  let bytes;
  let wasm: Uint8Array;
  try {
    wasm = stripCustomSections(raw);
    bytes = programCode(wasm, layout);
  } catch (e) {
    throw new UserError(`${wasmPath}: ${(e as Error).message}`);
  }
  return { wasmPath, wasmBytes: wasm.length, ...bytes, note };
}

/** Newest modification time of the crate's sources (Rust files, Cargo manifests): a newer source means a stale build. */
function newestSource(dir: string): number {
  let newest = 0;
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.rs')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  walk(path.join(dir, 'src'));
  walk(path.join(dir, 'core', 'src'));
  for (const f of ['Cargo.toml', 'core/Cargo.toml']) if (fs.existsSync(path.join(dir, f))) newest = Math.max(newest, fs.statSync(path.join(dir, f)).mtimeMs);
  return newest;
}

/** The crate's program; built first (with `stylus-ml build`'s code) when there is none or the sources are newer. */
export async function loadProgram(dir: string, m: Manifest): Promise<CrateProgram> {
  const layout = m.layout?.kind ?? 'single';
  const found = wasmCandidates(dir);
  const stale = found.length > 0 && fs.statSync(found[0]).mtimeMs < newestSource(dir);
  if (found.length > 0 && !stale) return programFromWasm(found[0], undefined, layout);
  const { buildCrate } = await import('../build/build');
  let r;
  try {
    r = buildCrate(dir);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${dir} is not built${stale ? ' since its sources changed' : ''} and building it failed: ${e.message}`);
    throw e;
  }
  if (!r.valid) throw new UserError(`${dir}: the built module breaks nitro's activation rules (${r.violations.map((v) => `${v.rule}: ${v.detail}`).join('; ')}); see \`stylus-ml build ${dir}\``);
  return programFromWasm(r.wasm, `${stale ? 'rebuilt (sources newer than the last build)' : 'built first'} with ${r.toolchain}`, layout);
}

/** The crate's built module when it is up to date with its sources, else null (nothing is built here). */
export function currentBuild(dir: string): string | null {
  const found = wasmCandidates(dir);
  if (found.length === 0 || fs.statSync(found[0]).mtimeMs < newestSource(dir)) return null;
  return found[0];
}
