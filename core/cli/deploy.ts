// stylus-ml deploy DIR [--rpc URL] [--key-file F]: the built program's deployment (43-byte prelude +
// EF F0 00 00 + brotli), activation paid with the data fee, then address, hashes and gas of each step.
// Records the deployment in stylus-ml.json `measured.deploy`.
import { type Manifest } from '../manifest/schema';
import { writeManifest, readManifest } from '../manifest/file';
import { deployProgram, type DeployResult } from '../chain/index';
import { chainFlags, openChain, type ChainTarget } from './chain-target';
import { loadProgram, type CrateProgram } from './crate-program';
import type { Command } from './command';
import { DeployJsonSchema } from '../contracts/cli';

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

export const deployCommand: Command<typeof DeployJsonSchema> = {
  spec: {
    name: 'deploy',
    summary: 'Deploys the built crate (43-byte prelude) and activates it with ArbWasm (data fee paid); prints the address, tx hashes and gas of each step.',
    usage: 'stylus-ml deploy DIR [--rpc URL] [--key-file F] [--json]',
    flags: { ...chainFlags },
    positionals: ['dir'],
  },
  output: DeployJsonSchema,
  async run(args) {
    const dir = args.positionals[0];
    const manifest = readManifest(dir);
    const program = await loadProgram(dir, manifest);
    const target = await openChain(args.flags);
    try {
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
