// stylus-ml status DIR [--rpc URL] [--address ADDR]: the deployed program's state on chain — activated,
// at which Stylus version, days to expiry and to the next keepalive, cached, the init gas a call pays —
// from ArbWasm's and ArbWasmCache's views, with what needs doing.
import type { Hex } from 'viem';
import { readManifest } from '../manifest/file';
import { readProgramStatus, type ProgramStatus } from '../chain/lifecycle';
import { StatusJsonSchema, type StatusJson } from '../contracts/cli';
import { chainFlags, deployedAddress, openExistingChain, type ChainTarget } from './chain-target';
import { currentBuild, programFromWasm } from './crate-program';
import type { Command } from './command';

export const addressFlag = { address: { kind: 'string' as const, help: 'the deployment to act on (default: the one stylus-ml.json records for this chain)' } };

/** Whether the code at the address is the crate's current build (null when the crate is not built). */
export async function isCurrentBuild(dir: string, target: ChainTarget, address: Hex): Promise<boolean | null> {
  const wasm = currentBuild(dir);
  if (wasm === null) return null;
  const code = await target.client.publicClient.getCode({ address });
  return code !== undefined && code.toLowerCase() === `0x${Buffer.from(programFromWasm(wasm).runtimeCode).toString('hex')}`;
}

export function statusJson(s: ProgramStatus, current: boolean | null): StatusJson {
  return { ...s, isCurrentBuild: current };
}

const n = (x: number) => x.toLocaleString('en-US');

export function statusText(s: StatusJson, target: ChainTarget): string {
  const lines = [`chain      ${target.note}`, `address    ${s.address}`, `codehash   ${s.codehash}`];
  if (s.isCurrentBuild === false) lines.push(`code       not this crate's current build`);
  if (!s.activated) lines.push(`program    not activated (calls answer ProgramNotActivated): stylus-ml activate`);
  else if (s.needsUpgrade) lines.push(`program    activated at Stylus version ${s.programVersion}, the chain runs ${s.stylusVersion}: calls answer ProgramNeedsUpgrade until \`stylus-ml activate\``);
  else if (s.expired) lines.push(`program    EXPIRED (${s.ageDays} days since activation or keepalive > ${s.expiryDays}): calls answer ProgramExpired until \`stylus-ml activate\``);
  else {
    lines.push(`program    active, Stylus version ${s.programVersion}`);
    lines.push(`expires    in ${s.expiresInDays} days (${s.ageDays} of ${s.expiryDays} days used); keepalive ${s.keepaliveAfterDays === 0 ? 'possible now' : `possible in ${s.keepaliveAfterDays} days`}`);
  }
  if (s.initGas !== null && s.cachedInitGas !== null) {
    lines.push(`cache      ${s.cached ? 'cached' : 'not cached'}: a call pays ${n(s.cached ? s.cachedInitGas : s.initGas)} gas to start the program (${s.cached ? `${n(s.initGas)} uncached` : `${n(s.cachedInitGas)} if cached, ${n(s.initGas - s.cachedInitGas)} less`})`);
  } else lines.push(`cache      ${s.cached ? 'cached' : 'not cached'}`);
  lines.push(`warnings   ${s.warnings.length ? s.warnings.join('; ') : 'none'}`);
  return lines.join('\n');
}

export const statusCommand: Command<typeof StatusJsonSchema> = {
  spec: {
    name: 'status',
    summary: "The deployed program's state from ArbWasm and ArbWasmCache: activated, Stylus version, needs an upgrade, days to expiry and to keepalive, cached, init gas.",
    usage: 'stylus-ml status DIR [--rpc URL] [--address ADDR] [--json]',
    flags: { rpc: chainFlags.rpc, network: chainFlags.network, ...addressFlag },
    positionals: ['dir'],
  },
  output: StatusJsonSchema,
  async run(args) {
    const dir = args.positionals[0];
    const m = readManifest(dir);
    const target = await openExistingChain(args.flags, 'status');
    try {
      const address = deployedAddress(dir, m, target, args.flags);
      const json = statusJson(await readProgramStatus(target.client, address), await isCurrentBuild(dir, target, address));
      return { json, text: statusText(json, target) };
    } finally {
      await target.client.close();
    }
  },
};
