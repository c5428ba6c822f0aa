// stylus-ml deploy DIR [--rpc URL] [--key-file F]: the built program's deployment (43-byte prelude +
// EF F0 00 00 + brotli), activation paid with the data fee, then address, hashes and gas of each step.
// Records the deployment in stylus-ml.json `measured.deploy`.
import { type Manifest } from '../manifest/schema';
import { writeManifest, readManifest } from '../manifest/file';
import { deployProgram, type DeployResult } from '../chain/index';
import { chainFlags, openChain, type ChainTarget } from './chain-target';
import { loadProgram, type CrateProgram } from './crate-program';
import type { Command } from './command';
import { DeployDryRunJsonSchema, DeployJsonSchema, type DeployDryRunJson } from '../contracts/cli';
import { v } from '../contracts/check';
import { UserError } from '../errors';
import { planDeployment } from '../chain/deploy-plan';
import { readL1Pricing, readL1PricingFile } from '../chain/l1-pricing';
import { announce, num } from './format';

export interface DeployJson {
  address: string;
  deploy: { hash: string; gasUsed: number };
  activate: { hash: string | null; gasUsed: number; dataFeeWei: string };
  compressedBytes: number;
}

/** `compressedBytes` is the runtime code (EF F0 00 00 + brotli): what MaxCodeSize limits, as `build --json` reports it. */
export function deployJson(r: DeployResult, program: CrateProgram): DeployJson {
  return {
    address: r.address,
    deploy: { hash: r.deploy.hash, gasUsed: Number(r.deploy.gasUsed) },
    activate: { hash: r.activate.hash, gasUsed: Number(r.activate.gasUsed), dataFeeWei: r.activate.dataFeeWei.toString() },
    compressedBytes: program.runtimeCode.length,
  };
}

/** Deploys + activates the crate's program and records it in the manifest (re-read, so a concurrent build's figures survive). */
export async function deployCrate(dir: string, target: ChainTarget, program: CrateProgram, record = true): Promise<DeployResult> {
  const r = await deployProgram(target.client, program.initCode);
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
    },
  };
  writeManifest(dir, m);
  return r;
}

const DeployOutputSchema = v.union([DeployJsonSchema, DeployDryRunJsonSchema]);

export const deployCommand: Command<typeof DeployOutputSchema> = {
  spec: {
    name: 'deploy',
    summary: 'Deploys the built crate (43-byte prelude) and activates it with ArbWasm (data fee paid); prints the address, tx hashes and gas of each step.',
    usage: 'stylus-ml deploy DIR [--rpc URL | --network arbitrum-one|arbitrum-sepolia] [--key-file F] [--dry-run [--l1-pricing FILE]] [--json]',
    flags: {
      ...chainFlags,
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
    const program = await loadProgram(dir, manifest);
    const target = await openChain(args.flags);
    try {
      if (args.flags['dry-run']) return await dryRun(args.flags, target, program);
      const r = await deployCrate(dir, target, program);
      if (args.flags.json && target.ephemeral) process.stderr.write(`stylus-ml: ${target.note}\n`);
      const lines = [
        `chain     ${target.note}`,
        ...(program.note ? [`program   ${program.note}`] : []),
        `program   ${program.wasmBytes.toLocaleString('en-US')} bytes of wasm, ${program.runtimeCode.length.toLocaleString('en-US')} bytes of code (EF F0 00 00 + brotli; limit 24,576)`,
        `address   ${r.address}`,
        `deploy    tx ${r.deploy.hash}  gas ${r.deploy.gasUsed.toLocaleString('en-US')}`,
        r.activate.hash === null
          ? `activate  already activated (same code hash, current Stylus version): nothing to pay`
          : `activate  tx ${r.activate.hash}  gas ${r.activate.gasUsed.toLocaleString('en-US')}  data fee ${r.activate.dataFeeWei.toLocaleString('en-US')} wei`,
        `recorded  in ${dir}/stylus-ml.json (measured.deploy)`,
      ];
      return { json: deployJson(r, program), text: lines.join('\n') };
    } finally {
      await target.client.close();
    }
  },
};

/** deploy --dry-run: the transactions a deployment would send and what they cost, nothing sent. */
async function dryRun(flags: Record<string, unknown>, target: ChainTarget, program: CrateProgram): Promise<{ json: DeployDryRunJson; text: string }> {
  const chainPricing = await readL1Pricing(target.client);
  const file = flags['l1-pricing'] as string | undefined;
  const pricing = file === undefined ? chainPricing : readL1PricingFile(file);
  if (file !== undefined && target.ephemeral) announce(flags, `stylus-ml: ${target.note}`);
  const plan = await planDeployment(target.client, program, chainPricing, pricing);
  const json: DeployDryRunJson = { dryRun: true, ...plan, network: (flags.network as string | undefined) ?? null, compressedBytes: program.runtimeCode.length };
  const lines = [
    `chain     ${target.note}`,
    `program   ${num(program.wasmBytes)} bytes of wasm, ${num(program.runtimeCode.length)} bytes of code`,
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
