// stylus-ml new MODEL.onnx --out DIR: a Rust Stylus crate from an ONNX model.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { UserError } from '../errors';
import { generateCrate } from '../codegen/generate';
import type { Template } from '../codegen/crate-files';
import type { Optimize } from '../codegen/lowering';
import { writeCrate } from '../codegen/write';
import { prepareModel } from '../pipeline';
import type { Command } from './command';
import { NewJsonSchema } from '../contracts/cli';
import { pickLowering } from '../gas/rank';
import { quantFlags, quantOptions } from './simulate';
import type { LayoutKind } from '../layout/layout';
import { chooseLayout } from '../layout/choose';
import { loweringFor } from '../codegen/lowering';
import { validate, validationText } from '../report/validation';

/** cargo-stylus builds with --locked, so the sdk template needs a Cargo.lock; it needs crates.io. */
function generateLockfile(staging: string, offline: boolean): 'written' | 'missing' {
  const tryOnce = (extra: string[]) =>
    spawnSync('cargo', ['generate-lockfile', '--manifest-path', path.join(staging, 'Cargo.toml'), ...extra], {
      // outside the crate, so its rust-toolchain.toml pin does not make rustup fetch a toolchain
      cwd: path.dirname(staging),
      env: { ...process.env, RUSTUP_AUTO_INSTALL: '0' },
      encoding: 'utf8',
      timeout: 90_000,
    }).status === 0;
  if (tryOnce(['--offline'])) return 'written';
  if (!offline && tryOnce([])) return 'written';
  return 'missing';
}

export const newCommand: Command<typeof NewJsonSchema> = {
  spec: {
    name: 'new',
    summary: 'Generates a Rust Stylus crate from an ONNX model: the integer model (one function per layer), the contract ABI, golden vectors for `cargo test`, IModel.sol, abi.json, README and stylus-ml.json.',
    usage:
      'stylus-ml new MODEL.onnx --out DIR [--template sdk|minimal] [--input-range lo:hi] [--calibration DATA.json [--box auto|per-value|per-tensor] [--box-margin F]] [--validation DATA.json [--labels L.json]] [--input-policy revert|clamp] [--weights i8|i16|i32] [--optimize gas|size] [--layout auto|single|fragments|data] [--force] [--json]',
    flags: {
      out: { kind: 'string', help: 'folder to create (must be empty or new unless --force)' },
      template: { kind: 'string', help: 'sdk (default: stylus-sdk 0.10.9, as cargo stylus new) or minimal (no dependencies, builds offline)' },
      'input-policy': { kind: 'string', help: 'inputs outside the box: revert (default, InputOutOfRange) or clamp' },
      optimize: { kind: 'string', help: 'lowering preset: gas (weights as immediates, branches) or size (rolled loops, tables); default: weights in data, unrolled rows' },
      layout: { kind: 'string', help: 'where the weights go on chain: auto (default: the cheapest predict call that fits), single (one program), fragments (root + fragments, ArbOS >= 60) or data (dense weights in data contracts)' },
      name: { kind: 'string', help: 'Cargo package name (default: the folder name)' },
      vectors: { kind: 'number', help: 'golden vectors for the native test (default 1024)' },
      force: { kind: 'boolean', help: 'overwrite the generated files in a non-empty folder' },
      validation: { kind: 'string', help: 'held-out rows (input format): their figures (box coverage, revert rate, agreement, accuracy, error) go into stylus-ml.json' },
      labels: { kind: 'string', help: 'with --validation: a JSON array of the rows\' labels (class indices)' },
      offline: { kind: 'boolean', help: 'do not contact crates.io (the sdk template\'s Cargo.lock is then left to `cargo generate-lockfile`)' },
      ...quantFlags,
    },
    positionals: ['model'],
  },
  output: NewJsonSchema,
  async run(args) {
    const file = args.positionals[0];
    const out = args.flags.out as string | undefined;
    if (!out) throw new UserError('new: --out DIR is required (the folder to create)');
    const template = ((args.flags.template as string | undefined) ?? 'sdk') as Template;
    if (template !== 'sdk' && template !== 'minimal') throw new UserError(`--template must be sdk or minimal, got '${template}'`);
    const policy = (args.flags['input-policy'] as string | undefined) ?? 'revert';
    if (policy !== 'revert' && policy !== 'clamp') throw new UserError(`--input-policy must be revert or clamp, got '${policy}'`);
    const optimize = args.flags.optimize as string | undefined;
    if (optimize !== undefined && optimize !== 'gas' && optimize !== 'size') throw new UserError(`--optimize must be gas or size, got '${optimize}'`);
    const vectors = args.flags.vectors as number | undefined;
    if (vectors !== undefined && (!Number.isInteger(vectors) || vectors < 2)) throw new UserError('--vectors must be an integer of at least 2');
    const layout = (args.flags.layout as string | undefined) ?? 'auto';
    if (!['auto', 'single', 'fragments', 'data'].includes(layout)) throw new UserError(`--layout must be auto, single, fragments or data, got '${layout}'`);
    const q = quantOptions(args.flags);
    const prepared = prepareModel(file, q);
    // --optimize: the estimator ranks the generator's choices and picks (core/gas/rank.ts); a pick that
    // widens the accumulators comes with its own plan
    const wide: { prepared?: typeof prepared } = {};
    const widen = () => (wide.prepared = prepareModel(file, { ...q, accumulator: 'i64' }, prepared)).plan;
    const picked = optimize ? pickLowering(prepared.plan, optimize as Optimize, {}, widen) : null;
    const chosen = wide.prepared && picked?.plan === wide.prepared.plan ? wide.prepared : prepared;
    const validationFile = args.flags.validation as string | undefined;
    if (args.flags.labels && !validationFile) throw new UserError('new: --labels goes with --validation DATA.json');
    const validation = validationFile ? (await validate(chosen, validationFile, { labels: args.flags.labels as string | undefined, policy })).report : undefined;
    // --layout auto: every layout priced with the chosen lowering, the cheapest call that fits
    const lowering = { ...loweringFor(optimize as Optimize | undefined), ...(picked?.pick.lowering ?? {}) };
    const auto = layout === 'auto' ? chooseLayout(chosen.plan, lowering) : null;
    const crate = generateCrate(chosen, {
      validation,
      template,
      inputPolicy: policy,
      optimize: optimize as Optimize | undefined,
      lowering: picked?.pick.lowering,
      name: args.flags.name as string | undefined,
      vectors,
      crateDir: out,
      layout: auto ? auto.pick : (layout as LayoutKind),
      layoutReason: auto ? auto.reason : `asked with --layout ${layout}`,
    });
    if (auto) crate.notes.push(auto.reason);
    if (picked) crate.notes.push(`--optimize ${optimize}: ${picked.pick.label} (estimated ${picked.pick.executionGas.toLocaleString('en-US')} execution gas, ${picked.pick.compressedBytes.toLocaleString('en-US')} bytes compressed; ${picked.ranked.length} choices ranked)`);
    let lockfile = 'included' as 'written' | 'missing' | 'included';
    const written = writeCrate(out, crate.files, {
      force: !!args.flags.force,
      beforeRename: template === 'sdk' ? (staging) => (lockfile = generateLockfile(staging, !!args.flags.offline)) : undefined,
    });
    const m = crate.manifest;
    const json = {
      dir: written.dir,
      template,
      package: crate.names.package,
      modelHash: m.modelHash,
      selectors: m.selectors,
      files: written.written,
      removed: written.removed,
      goldenVectors: crate.vectors,
      lockfile,
      label: crate.abi.label,
      notes: crate.notes,
      ...(validation ? { validation } : {}),
    };
    const lines = [
      `created ${written.dir} (${template} template, package ${crate.names.package})`,
      `model   ${file}: ${m.layers.length} layers, ${m.totals.params} parameters; box ${prepared.boxNote}`,
      `hash    modelHash() = ${m.modelHash}`,
      `abi     ${crate.abi.functions.map((f) => `${f.signature} 0x${f.selector}`).join(', ')}`,
      `tests   ${crate.vectors} golden vectors: cd ${path.join(out, 'core')} && cargo test`,
      `build   stylus-ml build ${out}`,
      `layout  ${m.layout?.kind ?? 'single'}${m.layout && m.layout.parts.length > 1 ? `: the program and ${m.layout.parts.length - 1} data contract(s) (parts/)` : ''}`,
    ];
    if (lockfile === 'missing') lines.push(`note    no Cargo.lock (crates.io unreachable): run \`cargo generate-lockfile\` in ${out} before \`cargo stylus check\``);
    if (written.removed.length) lines.push(`removed ${written.removed.join(', ')} (left over from the previous generation)`);
    for (const n of crate.notes) lines.push(`note    ${n}`);
    if (validation) lines.push(...validationText(validation));
    return { json, text: lines.join('\n') };
  },
};
