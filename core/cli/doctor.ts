// stylus-ml doctor: what this machine has for each part of the workflow, and the command that installs
// what is missing — the walkthrough's "Check Prerequisites" shows the same report.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { probeToolchains } from '../build/toolchain';
import { findWasmOpt } from '../build/wasm-opt';
import { checkDockerEngine } from '../chain/docker';
import { DoctorJsonSchema, type DoctorJson } from '../contracts/cli';
import { TOOL_VERSION } from '../version';
import type { Command } from './command';
import { UserError } from '../errors';

type Check = DoctorJson['checks'][number];

/** The command a probe's reason ends with, in parentheses: "… (rustup target add wasm32-unknown-unknown)". */
const fixIn = (reason: string): string | null => {
  const cmd = /\(([^()]+)\)$/.exec(reason)?.[1];
  return cmd && !cmd.startsWith('http') ? cmd : null;
};

function cargoStylus(): Check {
  const r = spawnSync('cargo', ['stylus', '--version'], { encoding: 'utf8', timeout: 30_000 });
  const version = /cargo-stylus\s+(\S+)/.exec(r.stdout ?? '')?.[1];
  return r.status === 0 && version
    ? { id: 'cargo-stylus', for: 'cargo stylus check/deploy of the sdk template (optional: stylus-ml deploys itself)', ok: true, detail: `cargo-stylus ${version}`, fix: null, required: false }
    : { id: 'cargo-stylus', for: 'cargo stylus check/deploy of the sdk template (optional: stylus-ml deploys itself)', ok: false, detail: 'cargo-stylus is not installed', fix: 'cargo install --force cargo-stylus', required: false };
}

export function doctorReport(): DoctorJson {
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  const { rustup, debian } = probeToolchains(os.tmpdir());
  const wasmOpt = findWasmOpt();
  let docker: string | null = null;
  try {
    checkDockerEngine();
  } catch (e) {
    docker = (e as Error).message;
  }
  const minimal = rustup.toolchain ?? debian.toolchain;
  const checks: Check[] = [
    { id: 'node', for: 'the stylus-ml command line', ok: nodeMajor >= 20, detail: `Node ${process.versions.node}`, fix: nodeMajor >= 20 ? null : 'install Node 20 or later', required: true },
    {
      id: 'wasm32-minimal',
      for: 'building crates of the minimal template (no dependencies)',
      ok: minimal !== null,
      detail: minimal ? minimal.description : `${rustup.reason}; ${debian.reason}`,
      fix: minimal ? null : `${fixIn(rustup.reason) ?? 'install rustup (https://rustup.rs), then: rustup target add wasm32-unknown-unknown'}; or on Debian: apt-get install rustc libstd-rust-dev-wasm32 lld`,
      required: true,
    },
    {
      id: 'wasm32-sdk',
      for: 'building crates of the sdk template (stylus-sdk from crates.io)',
      ok: rustup.toolchain !== null,
      detail: rustup.toolchain ? `${rustup.toolchain.description}; stylus-sdk is fetched from crates.io on the first build` : rustup.reason,
      fix: rustup.toolchain ? null : (fixIn(rustup.reason) ?? 'install rustup (https://rustup.rs), then: rustup target add wasm32-unknown-unknown'),
      required: false,
    },
    cargoStylus(),
    { id: 'wasm-opt', for: 'build --wasm-opt (optional Binaryen pass)', ok: wasmOpt !== null, detail: wasmOpt ? wasmOpt.version : 'wasm-opt is not installed', fix: wasmOpt ? null : 'apt-get install binaryen (or npm install binaryen)', required: false },
    { id: 'docker', for: 'the docker devnode mode (the official nitro-devnode image; the embedded devnode needs nothing)', ok: docker === null, detail: docker ?? 'the Docker engine answers', fix: docker === null ? null : 'install and start Docker, or keep the embedded devnode', required: false },
  ];
  return { version: TOOL_VERSION, ready: checks.every((c) => c.ok || !c.required), checks };
}

export const doctorCommand: Command<typeof DoctorJsonSchema> = {
  spec: {
    name: 'doctor',
    summary: 'Reports what this machine has for building, deploying and the devnode modes, with the command that installs what is missing.',
    usage: 'stylus-ml doctor [--json]',
    flags: {},
    positionals: [],
  },
  output: DoctorJsonSchema,
  async run() {
    const r = doctorReport();
    const lines = [`stylus-ml ${r.version}`, ...r.checks.map((c) => `${c.ok ? 'ok     ' : c.required ? 'MISSING' : 'missing'}  ${c.id.padEnd(15)} ${c.detail}${c.fix ? `\n         ${''.padEnd(15)} fix: ${c.fix}` : ''}`), r.ready ? 'ready: every required part is present' : 'not ready: install what is MISSING above'];
    const missing = r.checks.filter((c) => c.required && !c.ok).map((c) => c.id);
    return { json: r, text: lines.join('\n'), error: r.ready ? undefined : new UserError(`not ready: ${missing.join(', ')} missing (see the fix lines above)`) };
  },
};
