// The toolchain a build was made with, precisely enough to make the same bytes again: which way of
// building (rustup's cargo or Debian's rustc + wasm-ld), rustc's release, commit and LLVM, the linker's
// version, and wasm-opt's when it ran. `build` records it in stylus-ml.json (measured.build.pin);
// `verify` refuses to compare a rebuild made with anything else, since another compiler makes other bytes.
import { spawnSync } from 'node:child_process';
import type { ToolchainPin } from '../manifest/schema';
import type { Toolchain } from './toolchain';

function firstLine(cmd: string, args: string[], tc: Toolchain, cwd?: string): string {
  const r = spawnSync(cmd, args, { env: tc.env, cwd, encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? (r.stdout ?? '').trim() : '';
}

/** rustc -vV: "rustc 1.63.0 (commit unknown, LLVM 14.0.6)" */
function rustcIdentity(tc: Toolchain, cwd: string): string {
  const out = firstLine(tc.kind === 'debian' ? tc.rustc! : 'rustc', ['-vV'], tc, cwd);
  const field = (k: string) => new RegExp(`^${k}: (.+)$`, 'm').exec(out)?.[1] ?? '?';
  return `rustc ${field('release')} (commit ${field('commit-hash')}, LLVM ${field('LLVM version')})`;
}

export function toolchainPin(tc: Toolchain, dir: string, wasmOpt: string | null): ToolchainPin {
  return {
    kind: tc.kind,
    rustc: rustcIdentity(tc, dir),
    linker: tc.kind === 'debian' ? firstLine(tc.linker!, ['--version'], tc) : 'rust-lld (bundled with rustc)',
    wasmOpt,
  };
}

/** What differs between the pin a build recorded and the toolchain at hand, in words; empty when none. */
export function pinDifferences(recorded: ToolchainPin, current: ToolchainPin): string[] {
  const out: string[] = [];
  if (recorded.kind !== current.kind) out.push(`built with ${recorded.kind}, this machine builds with ${current.kind}`);
  if (recorded.rustc !== current.rustc) out.push(`compiler ${recorded.rustc} recorded, ${current.rustc} here`);
  if (recorded.linker !== current.linker) out.push(`linker ${recorded.linker} recorded, ${current.linker} here`);
  if ((recorded.wasmOpt ?? null) !== (current.wasmOpt ?? null)) out.push(`wasm-opt ${recorded.wasmOpt ?? 'not run'} recorded, ${current.wasmOpt ?? 'not run'} here`);
  return out;
}
