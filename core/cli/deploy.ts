// stylus-ml deploy DIR [--rpc URL] [--key-file F]: the built program's deployment (43-byte prelude +
// EF F0 00 00 + brotli), activation paid with the data fee, then address, hashes and gas of each step.
// A model of many parts (layout `data`: data contracts, then the program) is deployed part by part
// through the CREATE2 proxy, each part skipped when the chain already holds it, so a deployment that was
// interrupted resumes where it stopped. A model whose predict call could not fit one transaction is
// refused before anything is sent. Records the deployment in stylus-ml.json (`measured.deploy`) once it
// is complete, never before.
import fs from 'node:fs';
import path from 'node:path';
import { keccak256, type Hex } from 'viem';
import { UserError } from '../errors';
import { type Manifest } from '../manifest/schema';
import { writeManifest, readManifest } from '../manifest/file';
import { activateProgram, deployProgram, type DeployResult } from '../chain/index';
import { deployParts, ensureCreate2Proxy, type PartDeployed, type PartProgress, type PartToDeploy } from '../chain/deploy-parts';
import { create2Address, returnCodeInit } from '../layout/create2';
import { stylusInitCode } from '../build/deploy-bytes';
import { PER_TX_GAS_LIMIT } from '../../nitro/limits';
import { chainFlags, openChain, type ChainTarget } from './chain-target';
import { loadProgram, type CrateProgram } from './crate-program';
import type { Command } from './command';
import { DeployDryRunJsonSchema, DeployJsonSchema, type DeployDryRunJson, type DeployJson } from '../contracts/cli';
import { v } from '../contracts/check';
import { planDeployment, type PlannedParts } from '../chain/deploy-plan';
import { readL1Pricing, readL1PricingFile } from '../chain/l1-pricing';
import { announce, num } from './format';

/** The per-transaction gas cap (nitro/limits.ts), as a number. */
const MAX_TX_GAS = Number(PER_TX_GAS_LIMIT);

/** A deployment: `deploy.hash` is null when a resumed multi-part deployment found the program on chain. */
export type ModelDeployResult = Omit<DeployResult, 'deploy'> & { deploy: { hash: Hex | null; gasUsed: bigint }; parts?: PartDeployed[] };

/** `compressedBytes` is the runtime code (EF F0 00 00 + brotli): what MaxCodeSize limits, as `build --json` reports it. */
export function deployJson(r: ModelDeployResult, program: CrateProgram): DeployJson {
  return {
    address: r.address,
    deploy: { hash: r.deploy.hash, gasUsed: Number(r.deploy.gasUsed) },
    activate: { hash: r.activate.hash, gasUsed: Number(r.activate.gasUsed), dataFeeWei: r.activate.dataFeeWei.toString() },
    compressedBytes: program.runtimeCode.length,
    ...(r.parts ? { parts: r.parts.map((p) => ({ kind: p.kind, name: p.name, address: p.address, status: p.status, hash: p.hash, gasUsed: Number(p.gasUsed) })) } : {}),
  };
}

/**
 * Refuses a model whose predict transaction the estimate puts over the per-transaction gas cap: nothing
 * is deployed (the estimate is stylus-ml.json's, from `new`, held to ±5% of the devnode).
 */
export function refuseOverCap(dir: string, m: Manifest): void {
  const est = m.totals.estimatedGas;
  if (!est) return;
  const inputs = m.contract.inputCount;
  // the dearest call: predict(int32[]) with every calldata byte non-zero, plus the intrinsic 21,000
  const worst = Math.ceil(est.max) + 21_000 + 16 * (4 + 64 + 32 * inputs);
  if (worst > MAX_TX_GAS) {
    throw new UserError(
      `${dir}: a predict call would need about ${worst.toLocaleString('en-US')} gas (estimated), over the ${MAX_TX_GAS.toLocaleString('en-US')} gas one Arbitrum transaction may use; nothing was deployed. Reduce the model (fewer or narrower layers), or use --weights i8 and --layout data`,
    );
  }
}

/** The crate's data contracts, read from the files `new` wrote and checked against the manifest. */
export function dataParts(dir: string, m: Manifest): PartToDeploy[] {
  return (m.layout?.parts ?? [])
    .filter((p) => p.kind === 'data')
    .map((p) => {
      if (!p.file || !p.codeHash || !p.address) throw new UserError(`stylus-ml.json: data part ${p.name} has no file, code hash or address; regenerate the crate`);
      const file = path.join(dir, p.file);
      let code: Uint8Array;
      try {
        code = fs.readFileSync(file);
      } catch {
        throw new UserError(`${file}: missing (a data contract of this crate); regenerate the crate with \`stylus-ml new --force\``);
      }
      const initCode = returnCodeInit(code);
      if (keccak256(code) !== p.codeHash || create2Address(initCode) !== p.address.toLowerCase()) {
        throw new UserError(`${file} is not the part stylus-ml.json records (code hash ${keccak256(code)}, expected ${p.codeHash}): the program expects the recorded bytes; regenerate the crate`);
      }
      return { name: p.name, kind: 'data' as const, initCode, address: p.address.toLowerCase() as Hex, codeHash: p.codeHash as Hex, bytes: code.length };
    });
}

/** A fragmented program's fragments, deployed before its root (whose code lists their addresses). */
export function fragmentParts(program: CrateProgram): PartToDeploy[] {
  return program.fragments.map((f) => ({ name: f.name, kind: 'fragment' as const, initCode: f.initCode, address: f.address, codeHash: f.codeHash, bytes: f.code.length }));
}

/** The program as a deterministic part (multi-part layouts): prelude + code through the proxy. */
export function programPart(program: CrateProgram): PartToDeploy {
  const initCode = stylusInitCode(program.runtimeCode);
  return { name: 'program', kind: 'program', initCode, address: create2Address(initCode), codeHash: keccak256(program.runtimeCode), bytes: program.runtimeCode.length };
}

export interface DeployCrateOptions {
  onProgress?: (p: PartProgress) => void;
  signal?: AbortSignal;
}

/** Deploys + activates the crate's program (and its parts) and records it in the manifest (re-read, so a concurrent build's figures survive). */
export async function deployCrate(dir: string, target: ChainTarget, program: CrateProgram, record = true, opts: DeployCrateOptions = {}): Promise<ModelDeployResult> {
  const before = readManifest(dir);
  refuseOverCap(dir, before);
  const kind = before.layout?.kind ?? 'single';
  let r: ModelDeployResult;
  if (kind === 'single') r = await deployProgram(target.client, program.initCode);
  else {
    // from here until the end the record would be stale: drop it first, write the new one when complete
    if (record && before.measured?.deploy) {
      const { deploy: _stale, ...rest } = before.measured;
      writeManifest(dir, { ...before, measured: rest });
    }
    const parts = [...dataParts(dir, before), ...fragmentParts(program), programPart(program)];
    await ensureCreate2Proxy(target.client);
    const deployed = await deployParts(target.client, parts, opts);
    const prog = deployed[deployed.length - 1];
    if (opts.signal?.aborted) throw new UserError('deployment cancelled before activation (the parts stay; run deploy again to activate)');
    const activate = await activateProgram(target.client, prog.address);
    r = { address: prog.address, deploy: { hash: prog.hash, gasUsed: prog.gasUsed }, activate, compressedBytes: program.compressedBytes, parts: deployed };
  }
  if (!record) return r;
  const m: Manifest = readManifest(dir);
  m.measured = {
    ...m.measured,
    deploy: {
      rpc: target.ephemeral ? 'embedded (ephemeral)' : target.client.url,
      chainId: target.client.chainId,
      address: r.address,
      deployGas: Number(r.deploy.gasUsed),
      activationGas: Number(r.activate.gasUsed),
      dataFeeWei: r.activate.dataFeeWei.toString(),
      at: new Date().toISOString(),
      ...(r.parts ? { parts: r.parts.map((p) => ({ name: p.name, address: p.address, status: p.status, hash: p.hash, gasUsed: Number(p.gasUsed) })) } : {}),
    },
  };
  writeManifest(dir, m);
  return r;
}

/** One line per part as it goes (the CLI's progress on stderr). */
export function progressLine(p: PartProgress): string {
  if (p.phase === 'done') return `part ${p.index}/${p.total} ${p.part}: ${p.status === 'present' ? 'already on chain' : 'deployed'}`;
  return `part ${p.index}/${p.total} ${p.part}: ${p.phase === 'checking' ? 'checking' : 'deploying'}…`;
}

const DeployOutputSchema = v.union([DeployJsonSchema, DeployDryRunJsonSchema]);

export const deployCommand: Command<typeof DeployOutputSchema> = {
  spec: {
    name: 'deploy',
    summary: 'Deploys the built crate (43-byte prelude) and activates it with ArbWasm (data fee paid); a model with data contracts deploys part by part and resumes where an interrupted run stopped; prints the address, tx hashes and gas of each step.',
    usage: 'stylus-ml deploy DIR [--rpc URL | --network arbitrum-one|arbitrum-sepolia] [--key-file F] [--progress] [--dry-run [--l1-pricing FILE]] [--json]',
    flags: {
      ...chainFlags,
      progress: { kind: 'boolean', help: 'report each part as a JSON line on stderr ({"progress": {...}}), for editors' },
      'dry-run': { kind: 'boolean', help: 'print every transaction, its gas (execution + L1 data) and the total cost in ETH; send nothing' },
      'l1-pricing': { kind: 'string', help: "with --dry-run: price the L1 data with a recorded ArbGasInfo answer (JSON) instead of the chain's own" },
    },
    positionals: ['dir'],
  },
  output: DeployOutputSchema,
  async run(args) {
    const dir = args.positionals[0];
    const manifest = readManifest(dir);
    if (args.flags['l1-pricing'] !== undefined && !args.flags['dry-run']) throw new UserError('deploy: --l1-pricing goes with --dry-run (a deployment pays the chain\'s own L1 price)');
    refuseOverCap(dir, manifest);
    const program = await loadProgram(dir, manifest);
    const target = await openChain(args.flags);
    const json = args.flags.json === true;
    const onProgress = (p: PartProgress) => {
      if (args.flags.progress) process.stderr.write(JSON.stringify({ progress: p }) + '\n');
      else if (!json && p.phase !== 'checking') process.stderr.write(progressLine(p) + '\n');
    };
    // Ctrl-C (or an editor's cancel, SIGTERM) stops between parts: what is on chain stays, a new run resumes
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      if (args.flags['dry-run']) {
        const multi = (manifest.layout?.kind ?? 'single') === 'single' ? null : { parts: [...dataParts(dir, manifest), ...fragmentParts(program), programPart(program)], fragments: program.fragments };
        return await dryRun(args.flags, target, program, multi);
      }
      const r = await deployCrate(dir, target, program, true, { onProgress, signal: abort.signal });
      if (json && target.ephemeral) process.stderr.write(`stylus-ml: ${target.note}\n`);
      const present = (r.parts ?? []).filter((p) => p.status === 'present').length;
      const lines = [
        `chain     ${target.note}`,
        ...(program.note ? [`program   ${program.note}`] : []),
        `program   ${program.wasmBytes.toLocaleString('en-US')} bytes of wasm, ${program.runtimeCode.length.toLocaleString('en-US')} bytes of code (EF F0 00 00 + brotli; limit 24,576)`,
        ...(r.parts ? [`parts     ${r.parts.length} (${r.parts.length - present} deployed now, ${present} already on chain), through the CREATE2 proxy`] : []),
        `address   ${r.address}`,
        r.deploy.hash === null ? 'deploy    the program was already on chain' : `deploy    tx ${r.deploy.hash}  gas ${r.deploy.gasUsed.toLocaleString('en-US')}`,
        r.activate.hash === null
          ? `activate  already activated (same code hash, current Stylus version): nothing to pay`
          : `activate  tx ${r.activate.hash}  gas ${r.activate.gasUsed.toLocaleString('en-US')}  data fee ${r.activate.dataFeeWei.toLocaleString('en-US')} wei`,
        `recorded  in ${dir}/stylus-ml.json (measured.deploy)`,
      ];
      return { json: deployJson(r, program), text: lines.join('\n') };
    } finally {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      await target.client.close();
    }
  },
};

/** deploy --dry-run: the transactions a deployment would send and what they cost, nothing sent. */
async function dryRun(flags: Record<string, unknown>, target: ChainTarget, program: CrateProgram, multi: PlannedParts | null): Promise<{ json: DeployDryRunJson; text: string }> {
  const chainPricing = await readL1Pricing(target.client);
  const file = flags['l1-pricing'] as string | undefined;
  const pricing = file === undefined ? chainPricing : readL1PricingFile(file);
  if (file !== undefined && target.ephemeral) announce(flags, `stylus-ml: ${target.note}`);
  const plan = await planDeployment(target.client, program, chainPricing, pricing, multi);
  const json: DeployDryRunJson = { dryRun: true, ...plan, network: (flags.network as string | undefined) ?? null, compressedBytes: program.runtimeCode.length };
  const lines = [
    `chain     ${target.note}`,
    `program   ${num(program.wasmBytes)} bytes of wasm, ${num(program.runtimeCode.length)} bytes of code${multi ? `; ${multi.parts.length - 1} other part(s) through the CREATE2 proxy` : ''}`,
    `from      ${plan.from}; the program lands at ${plan.address}`,
    `L1 data   ${plan.l1Pricing.pricePerUnitWei} wei per unit at brotli level ${plan.l1Pricing.brotliLevel}, bought at ${plan.l1Pricing.l2BaseFeeWei} wei per gas (${file === undefined ? "the chain's ArbGasInfo" : `recorded: ${file}`})`,
    '',
    ...plan.transactions.map((t, i) => `tx ${i + 1}  ${t.name}\n      ${num(t.dataBytes)} bytes of data; gas ${num(t.gas)} = ${num(t.executionGas)} execution + ${num(t.l1Gas)} L1 data, at ${Number(BigInt(t.gasPriceWei)) / 1e9} gwei → ${t.costEth} ETH${BigInt(t.paidWei) > 0n ? ' (with the data fee)' : ''}`),
    '',
    `total     ${num(plan.total.gas)} gas, ${plan.total.costEth} ETH`,
    ...plan.notes.map((n) => `note      ${n}`),
    'dry run   nothing sent',
  ];
  return { json, text: lines.join('\n') };
}
