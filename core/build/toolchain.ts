// Which Rust toolchain can build a crate for wasm32: rustup with the wasm32-unknown-unknown target (what
// cargo-stylus users have; builds both templates), else Debian's rustc with its wasm32 standard library
// and wasm-ld (offline machines; the minimal template only, since the sdk template needs crates.io).
// See ../shared/recipes/rust-wasm-offline.md. Debian's rustc is called by its full path so it never
// shadows rustup's.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';

export type ToolchainKind = 'rustup' | 'debian';

export interface Toolchain {
  kind: ToolchainKind;
  /** one line for the user: what is used */
  description: string;
  /** rustup: the cargo to run; debian: rustc and the linker */
  cargo?: string;
  rustc?: string;
  linker?: string;
  /** rustc version, e.g. 1.63.0 */
  version: string;
  /** environment for the compiler processes */
  env: NodeJS.ProcessEnv;
}

export interface ToolchainQuery {
  /** crate folder (its rust-toolchain.toml decides rustup's toolchain) */
  dir: string;
  template: 'sdk' | 'minimal';
  prefer?: 'auto' | ToolchainKind;
  /** paths to look at, for tests */
  debianRustc?: string;
}

export const DEBIAN_RUSTC = '/usr/bin/rustc';
const LINKERS = ['wasm-ld-19', 'wasm-ld-18', 'wasm-ld-17', 'wasm-ld-16', 'wasm-ld-15', 'wasm-ld-14', 'wasm-ld'];

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { ok: boolean; out: string; err: string } {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8', timeout: 60_000 });
  return { ok: r.status === 0, out: (r.stdout ?? '').trim(), err: (r.stderr ?? '').trim() || (r.error ? String(r.error.message) : '') };
}

function versionOf(rustc: string, env?: NodeJS.ProcessEnv, cwd?: string): string | null {
  const r = run(rustc, ['--version'], { env, cwd });
  const m = /rustc (\d+\.\d+\.\d+)/.exec(r.out);
  return r.ok && m ? m[1] : null;
}

/** The pinned channel of rust-toolchain.toml, if any. */
export function pinnedChannel(dir: string): string | null {
  try {
    const text = fs.readFileSync(path.join(dir, 'rust-toolchain.toml'), 'utf8');
    return /^\s*channel\s*=\s*"([^"]+)"/m.exec(text)?.[1] ?? null;
  } catch {
    return null;
  }
}

interface Probe {
  toolchain: Toolchain | null;
  /** why rustup cannot build, with the command that fixes it */
  reason: string;
}

/**
 * rustup: asks rustc (through rustup's proxy, in the crate folder so the pin applies) where the wasm32
 * standard library is. Auto-install is turned off: a missing pinned toolchain is reported, not fetched.
 * STYLUS_ML_RUSTUP_TOOLCHAIN overrides the pin (e.g. `stable`).
 */
function probeRustup(dir: string): Probe {
  const env: NodeJS.ProcessEnv = { ...process.env, RUSTUP_AUTO_INSTALL: '0' };
  if (process.env.STYLUS_ML_RUSTUP_TOOLCHAIN) env.RUSTUP_TOOLCHAIN = process.env.STYLUS_ML_RUSTUP_TOOLCHAIN;
  const rustup = run('rustup', ['--version'], { env });
  if (!rustup.ok) return { toolchain: null, reason: 'rustup is not installed (https://rustup.rs)' };
  const pin = env.RUSTUP_TOOLCHAIN ?? pinnedChannel(dir);
  const lib = run('rustc', ['--print', 'target-libdir', '--target', 'wasm32-unknown-unknown'], { cwd: dir, env });
  if (!lib.ok) {
    if (/is not installed/.test(lib.err)) return { toolchain: null, reason: `rustup: the toolchain ${pin ?? ''} the crate pins is not installed (rustup toolchain install ${pin ?? 'stable'} --target wasm32-unknown-unknown)` };
    return { toolchain: null, reason: `rustup: rustc failed: ${lib.err.split('\n')[0]}` };
  }
  if (!fs.existsSync(lib.out)) {
    return { toolchain: null, reason: `rustup: toolchain ${pin ?? 'default'} has no wasm32-unknown-unknown target (rustup target add wasm32-unknown-unknown${pin ? ` --toolchain ${pin}` : ''})` };
  }
  const version = versionOf('rustc', env, dir) ?? '?';
  return { toolchain: { kind: 'rustup', description: `rustup toolchain ${pin ?? 'default'} (rustc ${version}) with wasm32-unknown-unknown, cargo build like cargo-stylus`, cargo: 'cargo', version, env }, reason: '' };
}

function probeDebian(rustc: string): Probe {
  if (!fs.existsSync(rustc)) return { toolchain: null, reason: `Debian's rustc is not installed (apt-get install rustc libstd-rust-dev-wasm32 lld)` };
  const version = versionOf(rustc);
  if (!version) return { toolchain: null, reason: `${rustc} does not run` };
  const lib = run(rustc, ['--print', 'target-libdir', '--target', 'wasm32-unknown-unknown']);
  if (!lib.ok || !fs.existsSync(lib.out) || fs.readdirSync(lib.out).length === 0) {
    return { toolchain: null, reason: `${rustc} has no wasm32 standard library (apt-get install libstd-rust-dev-wasm32)` };
  }
  const linker = LINKERS.find((l) => run(l, ['--version']).ok);
  if (!linker) return { toolchain: null, reason: 'no wasm-ld linker (apt-get install lld)' };
  return { toolchain: { kind: 'debian', description: `Debian rustc ${version} (${rustc}) with the wasm32 standard library and ${linker}`, rustc, linker, version, env: process.env }, reason: '' };
}

/** What each way of building finds on this machine (for `stylus-ml doctor`): the toolchain, or why not. */
export function probeToolchains(dir: string, debianRustc = DEBIAN_RUSTC): { rustup: Probe; debian: Probe } {
  return { rustup: probeRustup(dir), debian: probeDebian(debianRustc) };
}

/** The toolchain to build with, or a UserError naming what is missing and how to install it. */
export function findToolchain(q: ToolchainQuery): Toolchain {
  const prefer = q.prefer ?? 'auto';
  const tried: string[] = [];
  if (prefer !== 'debian') {
    const r = probeRustup(q.dir);
    if (r.toolchain) return r.toolchain;
    tried.push(r.reason);
  }
  if (prefer !== 'rustup') {
    if (q.template === 'sdk') {
      tried.push('Debian rustc cannot build the sdk template (stylus-sdk comes from crates.io; the minimal template builds offline)');
    } else {
      const r = probeDebian(q.debianRustc ?? DEBIAN_RUSTC);
      if (r.toolchain) return r.toolchain;
      tried.push(r.reason);
    }
  }
  throw new UserError(`no toolchain can build this ${q.template} crate for wasm32: ${tried.join('; ')}`);
}
