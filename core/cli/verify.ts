// stylus-ml verify DIR --address ADDR: is the deployment what the crate's ONNX file and options produce?
// Rebuilds the program from nothing with the pinned toolchain (reproduce.ts), then compares byte for byte
// the code at the address with the rebuild, and the program's modelHash() with the plan's. Exit 3 naming
// what differs.
import { zeroAddress, type Hex } from 'viem';
import { UserError } from '../errors';
import { readManifest } from '../manifest/file';
import { compareCode, deployedCode, deployedModelHash } from '../chain/verify';
import { VerifyJsonSchema, type VerifyJson } from '../contracts/cli';
import { chainFlags, deployedAddress, openExistingChain, type ChainTarget } from './chain-target';
import type { Command } from './command';
import { reproduceProgram } from './reproduce';
import { addressFlag } from './status';

export function verifyDifferences(j: Pick<VerifyJson, 'parts' | 'modelHash'>): string[] {
  const out: string[] = [];
  for (const p of j.parts) {
    if (p.equal) continue;
    const what = `the ${p.kind}${p.name !== p.kind ? ` ${p.name}` : ''} at ${p.address}`;
    if (p.deployed === null) out.push(`${what} has no code`);
    else out.push(`${what}: ${p.deployedBytes.toLocaleString('en-US')} bytes deployed, ${p.expectedBytes.toLocaleString('en-US')} rebuilt, first difference at byte ${p.firstDifference}`);
  }
  if (j.modelHash.deployed !== null && j.modelHash.deployed !== j.modelHash.expected) out.push(`modelHash() answers ${j.modelHash.deployed}, the ONNX file and options make ${j.modelHash.expected}`);
  return out;
}

function verifyText(j: VerifyJson, target: ChainTarget): string {
  const lines = [`chain      ${target.note}`, `rebuilt    with ${j.toolchain}`];
  for (const p of j.parts) lines.push(`${p.kind.padEnd(10)} ${p.address} ${p.equal ? 'equal' : 'DIFFERS'} (${p.deployedBytes.toLocaleString('en-US')} bytes deployed, ${p.expectedBytes.toLocaleString('en-US')} rebuilt)`);
  lines.push(`modelHash  ${j.modelHash.deployed === null ? `not readable (${j.modelHash.error})` : j.modelHash.deployed === j.modelHash.expected ? `equal (${j.modelHash.expected})` : `DIFFERS: ${j.modelHash.deployed} deployed, ${j.modelHash.expected} expected`}`);
  for (const n of j.notes) lines.push(`note       ${n}`);
  lines.push(j.matches ? 'verified   the deployment is what the ONNX file and options produce' : `MISMATCH   ${j.differences.join('; ')}`);
  return lines.join('\n');
}

export const verifyCommand: Command<typeof VerifyJsonSchema> = {
  spec: {
    name: 'verify',
    summary: "Rebuilds the program from the crate's ONNX file and recorded options with the pinned toolchain and compares it byte for byte with the deployed code — the program and every part (fragments, data contracts) where stylus-ml.json records them — and modelHash() with the plan's; exit 3 naming what differs.",
    usage: 'stylus-ml verify DIR --address ADDR [--rpc URL] [--json]',
    flags: { rpc: chainFlags.rpc, network: chainFlags.network, ...addressFlag },
    positionals: ['dir'],
  },
  output: VerifyJsonSchema,
  async run(args) {
    const dir = args.positionals[0];
    const m = readManifest(dir);
    const target = await openExistingChain(args.flags, 'verify');
    try {
      const address = deployedAddress(dir, m, target, args.flags);
      const rebuilt = reproduceProgram(dir, m);
      const notes0: string[] = [];
      const parts = [compareCode('program', 'program', address, rebuilt.runtimeCode, await deployedCode(target.client, address))];
      // every other part where the deployment's manifest records it (content addresses: a changed part
      // is compared with the code the program was deployed with)
      const recorded = new Map((m.layout?.parts ?? []).filter((p) => p.kind !== 'program').map((p) => [p.name, p]));
      for (const p of rebuilt.parts) {
        const at = recorded.get(p.name)?.address as Hex | undefined;
        if (!at) {
          notes0.push(`the rebuild has a ${p.kind} ${p.name} that stylus-ml.json does not record`);
          parts.push(compareCode(p.kind, p.name, zeroAddress, p.code, null));
          continue;
        }
        parts.push(compareCode(p.kind, p.name, at, p.code, await deployedCode(target.client, at)));
        recorded.delete(p.name);
      }
      for (const [name, p] of recorded) {
        notes0.push(`stylus-ml.json records a ${p.kind} ${name} the rebuild does not make`);
        if (p.address) parts.push(compareCode(p.kind, name, p.address as Hex, new Uint8Array(0), await deployedCode(target.client, p.address as Hex)));
      }
      const hash = await deployedModelHash(target.client, address);
      const modelHash = { expected: rebuilt.modelHash, deployed: hash.value, ...(hash.error ? { error: hash.error } : {}) };
      const notes = [...rebuilt.notes, ...notes0];
      if (hash.value === null) notes.push(`modelHash() could not be called (${hash.error}); the code comparison covers it`);
      const json: VerifyJson = { matches: false, address, chainId: target.client.chainId, parts, modelHash, toolchain: rebuilt.toolchain, pin: rebuilt.pin, model: rebuilt.model, notes, differences: [] };
      json.differences = verifyDifferences(json);
      json.matches = json.differences.length === 0;
      const error = json.matches ? undefined : new UserError(`verify: the deployment differs from what the ONNX file and options produce: ${json.differences.join('; ')}`, { exitCode: 3 });
      return { json, text: verifyText(json, target), error };
    } finally {
      await target.client.close();
    }
  },
};
