// stylus-ml build DIR: wasm, nitro validation, compressed size, deployment bytes.
import path from 'node:path';
import { UserError } from '../errors';
import { buildCrate } from '../build/build';
import type { Command } from './command';
import { BuildJsonSchema } from '../contracts/cli';
import { num, table } from './format';
import { MAX_CODE_SIZE } from '../../nitro/limits';

export const buildCommand: Command<typeof BuildJsonSchema> = {
  spec: {
    name: 'build',
    summary: 'Compiles a generated crate to wasm32 (rustup, or Debian rustc for the minimal template), checks it against nitro\'s activation rules, compresses it and writes the deployment bytes; reports the sizes against the limits.',
    usage: 'stylus-ml build DIR [--toolchain auto|rustup|debian] [--wasm-opt] [--arbos N] [--json]',
    flags: {
      toolchain: { kind: 'string', help: 'auto (default: rustup with wasm32, else Debian rustc), rustup or debian' },
      'wasm-opt': { kind: 'boolean', help: 'run Binaryen wasm-opt -Oz after compiling' },
      arbos: { kind: 'number', help: 'ArbOS version to check the activation rules for (default 61, what Arbitrum One runs)' },
    },
    positionals: ['dir'],
  },
  output: BuildJsonSchema,
  async run(args) {
    const dir = args.positionals[0];
    const tc = (args.flags.toolchain as string | undefined) ?? 'auto';
    if (!['auto', 'rustup', 'debian'].includes(tc)) throw new UserError(`--toolchain must be auto, rustup or debian, got '${tc}'`);
    const r = buildCrate(dir, { toolchain: tc as 'auto' | 'rustup' | 'debian', wasmOpt: !!args.flags['wasm-opt'], arbosVersion: args.flags.arbos as number | undefined });
    const json = {
      wasm: r.wasm,
      wasmBytes: r.wasmBytes,
      compressedBytes: r.compressedBytes,
      limitBytes: r.limitBytes,
      toolchain: r.toolchain,
      valid: r.valid,
      violations: r.violations,
      decompressedLimitBytes: r.decompressedLimitBytes,
      brotliBytes: r.brotliBytes,
      rawWasmBytes: r.rawWasmBytes,
      fits: r.fits,
      initCode: r.initCode,
      contributors: r.contributors,
      advice: r.advice,
      wasmOpt: r.wasmOpt,
      layout: r.layout,
      parts: r.parts,
    };
    const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`;
    const show = (p: string) => (path.relative(process.cwd(), p).startsWith('..') ? p : path.relative(process.cwd(), p));
    const lines = [
      `toolchain   ${r.toolchain}`,
      `wasm        ${num(r.wasmBytes)} bytes (${num(r.rawWasmBytes)} from the compiler, custom sections stripped${r.wasmOpt ? `, wasm-opt ${num(r.wasmOpt.before)} -> ${num(r.wasmOpt.after)}` : ''}); limit ${num(r.decompressedLimitBytes)}`,
      `compressed  ${num(r.compressedBytes)} bytes of ${num(r.limitBytes)} (${pct(r.compressedBytes, r.limitBytes)}; brotli 11${r.fragments.length > 0 ? `, in ${r.fragments.length} fragments of at most ${num(MAX_CODE_SIZE)} bytes` : ' + EF F0 00 00'})`,
      `validation  ${r.violations.length === 0 ? 'passes nitro\'s activation rules' : `${r.violations.length} violation(s)`}`,
      ...r.violations.map((v) => `  ${v.rule}: ${v.detail}`),
      `output      ${show(r.wasm)}, ${show(r.initCode)} (init code for a CREATE)`,
      ...(r.fragments.length > 0 ? [`layout      fragments: a root of ${num(r.runtimeCode.length)} bytes and ${r.fragments.length} fragment(s) (ArbOS >= 60), written beside the wasm`] : []),
      ...(r.parts.some((p) => p.kind === 'data')
        ? [`layout      ${r.layout}: the program and ${r.parts.filter((p) => p.kind === 'data').length} data contract(s), ${num(r.parts.reduce((a, p) => a + p.bytes, 0))} bytes of code in all (parts/)`]
        : []),
    ];
    if (!r.fits) {
      lines.push('', 'largest contributors (compressed bytes):');
      lines.push(table(['part', 'bytes', 'compressed'], r.contributors.slice(0, 8).map((c) => [c.what, num(c.bytes), num(c.compressedBytes)]), [false, true, true]));
      lines.push('', 'what to do:', ...r.advice.map((a) => `  - ${a}`));
    }
    const error = !r.valid
      ? new UserError(
          r.fits
            ? `build: the module breaks ${r.violations.length} activation rule(s): ${r.violations.map((v) => v.rule).join(', ')}`
            : `build: the program does not fit: ${num(r.compressedBytes)} bytes compressed (limit ${num(r.limitBytes)}), ${num(r.wasmBytes)} bytes uncompressed (limit ${num(r.decompressedLimitBytes)}); ${r.advice[1] ?? r.advice[0] ?? ''}`,
        )
      : undefined;
    return { json, text: lines.join('\n'), error };
  },
};
