// Compiles a generated crate to wasm32 with the toolchain findToolchain chose. rustup: `cargo build` as
// cargo-stylus runs it (stylus-tools/src/core/build/mod.rs; the rustflags come from .cargo/config.toml).
// Debian: the rustc invocations cargo would make for the minimal template (the core's path dependencies —
// the vendored stylus-ml-runtime — and the core as rlibs, then the contract as a cdylib linked by wasm-ld
// with LTO across them), with the same Stylus flags.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import { pathDependencies, readCargoPackage } from './cargo-toml';
import type { Toolchain } from './toolchain';

export interface CompileInput {
  dir: string;
  template: 'sdk' | 'minimal';
  /** Rust library names of the contract and its core */
  lib: string;
  coreLib: string;
  optLevel: 's' | 'z' | '3';
}

export interface CompileResult {
  wasm: Uint8Array;
  /** where the compiler wrote it */
  path: string;
  command: string[][];
  seconds: number;
}

function exec(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, what: string): void {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 20 * 60_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new UserError(`${what}: could not run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) {
    const errors = (r.stderr ?? '')
      .split('\n')
      .filter((l) => /^(error|warning: unused)|-->/.test(l))
      .slice(0, 12)
      .join('\n');
    throw new UserError(`${what} failed (exit ${r.status}):\n${errors || (r.stderr ?? '').slice(-2000)}`);
  }
}

export function compileCrate(input: CompileInput, tc: Toolchain): CompileResult {
  const t0 = performance.now();
  const commands: string[][] = [];
  let out: string;
  if (tc.kind === 'rustup') {
    const args = ['build', '--lib', '--release', '--target', 'wasm32-unknown-unknown'];
    if (fs.existsSync(path.join(input.dir, 'Cargo.lock'))) args.splice(2, 0, '--locked');
    else if (input.template === 'sdk') throw new UserError(`${input.dir} has no Cargo.lock: run \`cargo generate-lockfile\` there once (it needs crates.io for stylus-sdk); cargo-stylus builds with --locked`);
    commands.push(['cargo', ...args]);
    exec(tc.cargo ?? 'cargo', args, input.dir, tc.env, 'cargo build');
    const targetDir = process.env.CARGO_TARGET_DIR ? path.resolve(input.dir, process.env.CARGO_TARGET_DIR) : path.join(input.dir, 'target');
    out = path.join(targetDir, 'wasm32-unknown-unknown', 'release', `${input.lib}.wasm`);
  } else {
    if (input.template !== 'minimal') throw new UserError('Debian rustc builds only the minimal template');
    const work = path.join(input.dir, 'target', 'stylus-ml', 'debian');
    fs.mkdirSync(work, { recursive: true });
    const common = (edition: string) => ['--edition', edition, '--target', 'wasm32-unknown-unknown', '-C', `opt-level=${input.optLevel}`, '-C', 'panic=abort', '-C', 'codegen-units=1', '-C', 'target-feature=-reference-types,+bulk-memory'];
    const coreDir = path.join(input.dir, 'core');
    const externs: string[] = [];
    for (const depDir of pathDependencies(coreDir)) {
      const dep = readCargoPackage(depDir);
      if (pathDependencies(depDir).length > 0) throw new UserError(`${dep.name} (${depDir}) has path dependencies of its own; Debian rustc builds one level of them (use rustup's cargo)`);
      const rlib = path.join(work, `lib${dep.crate}.rlib`);
      const args = [...common(dep.edition), '--crate-type', 'rlib', '--crate-name', dep.crate, dep.lib, '-o', rlib];
      commands.push([tc.rustc!, ...args]);
      exec(tc.rustc!, args, input.dir, tc.env, `rustc (${dep.name})`);
      externs.push('--extern', `${dep.crate}=${rlib}`);
    }
    const rlib = path.join(work, `lib${input.coreLib}.rlib`);
    const core = [...common(readCargoPackage(coreDir).edition), '--crate-type', 'rlib', '--crate-name', input.coreLib, path.join(coreDir, 'src', 'lib.rs'), ...externs, '-L', work, '-o', rlib];
    commands.push([tc.rustc!, ...core]);
    exec(tc.rustc!, core, input.dir, tc.env, 'rustc (core crate)');
    out = path.join(work, `${input.lib}.wasm`);
    const contract = [
      ...common(readCargoPackage(input.dir).edition),
      '--crate-type', 'cdylib',
      '--crate-name', input.lib,
      '-C', 'lto',
      '-C', `linker=${tc.linker}`,
      '-C', 'link-arg=-zstack-size=32768',
      '--extern', `${input.coreLib}=${rlib}`,
      '-L', work,
      path.join(input.dir, 'src', 'lib.rs'),
      '-o', out,
    ];
    commands.push([tc.rustc!, ...contract]);
    exec(tc.rustc!, contract, input.dir, tc.env, 'rustc (contract)');
  }
  if (!fs.existsSync(out)) throw new UserError(`the build finished but ${out} is missing`);
  return { wasm: new Uint8Array(fs.readFileSync(out)), path: out, command: commands, seconds: (performance.now() - t0) / 1000 };
}
