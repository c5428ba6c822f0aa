// stylus-ml call DIR --input IN.json [--rpc URL] [--send]: quantises the inputs as the simulator does,
// calls the deployed program's `predict` (eth_call, or a transaction with --send), decodes the outputs
// and compares them bit for bit with the simulator run on the plan rebuilt from the manifest.
import fs from 'node:fs';
import path from 'node:path';
import type { Abi, Hex } from 'viem';
import { UserError } from '../errors';
import { readInputFile, type InputCase } from '../io/inputs';
import { type Manifest } from '../manifest/schema';
import { readManifest } from '../manifest/file';
import { InputOutOfRange, quantizeInputs, quantizeReal, runFixed } from '../quant/simulate';
import type { Plan } from '../quant/types';
import { callModel } from '../chain/model-call';
import { checkSelectors, decodeBatch, decodePredict, decodePredictPacked, encodeBatchCall, encodeModelCall, fixedValues, type RawOutputs } from '../chain/predict';
import { chainFlags, openChain, type ChainTarget } from './chain-target';
import { loadProgram, type CrateProgram } from './crate-program';
import { planFromManifest } from './crate-model';
import { deployCrate } from './deploy';
import type { Command } from './command';
import { CallJsonSchema } from '../contracts/cli';

export interface CallCaseJson {
  outputs: Record<string, { shape: number[]; fixed: (number | string)[]; fixedRaw: number[] }>;
  gasUsed: number | null;
  /** set when the contract reverted (e.g. an input outside the declared box) */
  error?: string;
  /** the transaction, with --send */
  hash?: string;
  /** this case equals the simulator's (outputs bit for bit, or both revert) */
  matchesSimulator: boolean;
}

export interface CallJson {
  address: string;
  function: 'predict' | 'predictPacked' | 'predictBatch';
  cases: CallCaseJson[];
  matchesSimulator: boolean;
  /** --batch: every case in one predictBatch call, its gas shared by the cases */
  batch?: { cases: number; gasUsed: number | null; gasPerCase: number | null; maxBatch: number; hash?: string; error?: string };
}

/** The integers the contract receives: quantised, not yet checked against the box (the contract does that). */
export function onChainInputs(plan: Plan, c: InputCase): number[][] {
  return plan.graph.inputs.map((inp) => {
    const f = plan.tensors.get(inp.id)!.format;
    return Array.from(c.get(inp.id)!, (v) => (inp.kind === 'int' ? Math.trunc(v) : quantizeReal(f, v)));
  });
}

/** The simulator's raw outputs for a case, or the reason the contract reverts. */
export function simulatorOutputs(plan: Plan, m: Manifest, c: InputCase): RawOutputs | { error: string } {
  let q;
  try {
    q = quantizeInputs(plan, c, m.options.inputPolicy);
  } catch (e) {
    if (e instanceof InputOutOfRange) return { error: e.message };
    throw e;
  }
  const fx = runFixed(plan, q);
  return Object.fromEntries(plan.graph.outputs.map((o) => [o.name, Array.from(fx.get(o.id)!)]));
}

/** The crate's ABI JSON (its custom errors decode reverts): the manifest's `files.abiJson`, else any *abi.json at the root. */
export function crateErrorsAbi(dir: string, m: Manifest): Abi | undefined {
  const named = (m as { files?: { abiJson?: string } }).files?.abiJson;
  let files: string[] = named ? [named] : [];
  try {
    files = [...files, ...fs.readdirSync(dir).filter((f) => /abi\.json$/i.test(f))];
  } catch {
    return undefined;
  }
  for (const f of files) {
    try {
      const j = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as unknown;
      const abi = (Array.isArray(j) ? j : (j as { abi?: unknown }).abi) as Abi | undefined;
      if (Array.isArray(abi)) return abi.filter((x) => x.type === 'error');
    } catch {
      /* not an ABI file */
    }
  }
  return undefined;
}

const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The address to call: the recorded deployment when that chain has this build's code there; on a devnode
 * otherwise the program is deployed now (said so); elsewhere, a clear error.
 */
export async function resolveDeployment(dir: string, m: Manifest, target: ChainTarget, program: CrateProgram): Promise<{ address: Hex; note?: string }> {
  const rec = m.measured?.deploy;
  if (rec && rec.chainId === target.client.chainId && !target.ephemeral) {
    const code = await target.client.publicClient.getCode({ address: rec.address as Hex });
    const want = `0x${Buffer.from(program.runtimeCode).toString('hex')}`;
    if (code && code.toLowerCase() === want) return { address: rec.address as Hex };
    if (!target.isDevnode) throw new UserError(`${rec.address} on chain ${target.client.chainId} ${code && code !== '0x' ? 'runs a different build' : 'has no code'}: run \`stylus-ml deploy ${dir}\` first`);
  } else if (!target.isDevnode) {
    throw new UserError(`${dir} has no deployment on chain ${target.client.chainId}: run \`stylus-ml deploy ${dir} --rpc ${target.client.url}\` first`);
  }
  // a node that ends with this command is no deployment worth recording (it would replace a real one)
  const r = await deployCrate(dir, target, program, !target.ephemeral);
  return { address: r.address, note: `deployed this build to ${r.address} first (no current deployment on this devnode)` };
}

export const callCommand: Command<typeof CallJsonSchema> = {
  spec: {
    name: 'call',
    summary: "Calls the deployed model's predict with inputs quantised as the simulator does (eth_call, or a transaction with --send); prints the outputs, gasUsed and whether they equal the simulator's bit for bit.",
    usage: 'stylus-ml call DIR --input IN.json [--rpc URL] [--key-file F] [--send] [--packed | --batch] [--json]',
    flags: {
      input: { kind: 'string', help: 'inputs: a JSON array for one case, an array of arrays for a batch, or {name: array}' },
      send: { kind: 'boolean', help: 'send a transaction per case (gasUsed from its receipt) instead of eth_call' },
      packed: { kind: 'boolean', help: 'call predictPacked (little-endian packed inputs) instead of predict' },
      batch: { kind: 'boolean', help: "every case in one predictBatch call (packed as predictPacked packs one; at most the manifest's contract.maxBatch)" },
      ...chainFlags,
    },
    positionals: ['dir'],
  },
  output: CallJsonSchema,
  async run(args) {
    const dir = args.positionals[0];
    const inputFile = args.flags.input as string | undefined;
    if (!inputFile) throw new UserError('call: --input IN.json is required');
    const m = readManifest(dir);
    checkSelectors(m);
    const plan = planFromManifest(dir, m);
    const cases = readInputFile(inputFile, plan.graph);
    if (args.flags.batch && args.flags.packed) throw new UserError('call: --batch and --packed exclude each other (a batch is packed)');
    const maxBatch = m.contract.maxBatch;
    if (args.flags.batch) {
      if (maxBatch === undefined) throw new UserError(`${dir}/stylus-ml.json records no batch maximum: the crate predates predictBatch; regenerate it with \`stylus-ml new --force\``);
      if (cases.length > maxBatch) throw new UserError(`call --batch: ${cases.length} cases are more than this contract's maximum of ${maxBatch} per predictBatch call (contract.maxBatch in ${dir}/stylus-ml.json); split the input into batches of at most ${maxBatch}`);
    }
    const program = await loadProgram(dir, m);
    const fn = args.flags.batch ? 'predictBatch' : args.flags.packed ? 'predictPacked' : 'predict';
    const send = args.flags.send === true;
    const errorsAbi = crateErrorsAbi(dir, m);
    const target = await openChain(args.flags);
    try {
      const { address, note } = await resolveDeployment(dir, m, target, program);
      if (fn === 'predictBatch') {
        const json = await callBatch(target, address, m, plan, cases, { send, errorsAbi, maxBatch: maxBatch! });
        if (args.flags.json && (target.ephemeral || note)) process.stderr.write(`stylus-ml: ${[target.ephemeral ? target.note : '', note ?? ''].filter(Boolean).join('; ')}\n`);
        const differ = json.cases.filter((c) => !c.matchesSimulator).length;
        const error = !json.matchesSimulator ? new UserError(differ ? `${differ} of ${json.cases.length} case(s) differ from the simulator` : 'the batch differs from the simulator', { exitCode: 3 }) : undefined;
        return { json, text: callText(json, target, note, send), error };
      }
      const out: CallCaseJson[] = [];
      for (const c of cases) {
        const sim = simulatorOutputs(plan, m, c);
        const data = encodeModelCall(m, fn, onChainInputs(plan, c));
        const r = await callModel(target.client, address, data, { send, errorsAbi });
        const raw = r.data === null ? null : fn === 'predict' ? decodePredict(m, r.data) : decodePredictPacked(m, r.data);
        const outputs: CallCaseJson['outputs'] = {};
        for (const io of m.outputs) if (raw) outputs[io.name] = { shape: io.shape, fixed: fixedValues(io, raw[io.name]), fixedRaw: raw[io.name] };
        const matches = raw === null ? 'error' in sim : !('error' in sim) && m.outputs.every((io) => same(raw[io.name], (sim as RawOutputs)[io.name]));
        out.push({ outputs, gasUsed: r.gasUsed, ...(r.error ? { error: r.error } : {}), ...(r.hash ? { hash: r.hash } : {}), matchesSimulator: matches });
      }
      const json: CallJson = { address, function: fn, cases: out, matchesSimulator: out.every((c) => c.matchesSimulator) };
      if (args.flags.json && (target.ephemeral || note)) process.stderr.write(`stylus-ml: ${[target.ephemeral ? target.note : '', note ?? ''].filter(Boolean).join('; ')}\n`);
      const differ = out.filter((c) => !c.matchesSimulator).length;
      // a mismatch is a failed check: report everything, then exit non-zero
      const error = differ ? new UserError(`${differ} of ${out.length} case(s) differ from the simulator`, { exitCode: 3 }) : undefined;
      return { json, text: callText(json, target, note, send), error };
    } finally {
      await target.client.close();
    }
  },
};

/**
 * Every case in one predictBatch call. The contract reverts the whole call when any case is outside the
 * box (the simulator must say so too); otherwise each case's outputs are compared with the simulator's.
 */
async function callBatch(target: ChainTarget, address: Hex, m: Manifest, plan: Plan, cases: InputCase[], o: { send: boolean; errorsAbi?: Abi; maxBatch: number }): Promise<CallJson> {
  const sims = cases.map((c) => simulatorOutputs(plan, m, c));
  const r = await callModel(target.client, address, encodeBatchCall(m, cases.map((c) => onChainInputs(plan, c))), { send: o.send, errorsAbi: o.errorsAbi });
  const raws = r.data === null ? null : decodeBatch(m, r.data, cases.length);
  const simReverts = sims.some((sim) => 'error' in sim);
  const out: CallCaseJson[] = sims.map((sim, k) => {
    const raw = raws?.[k] ?? null;
    const outputs: CallCaseJson['outputs'] = {};
    for (const io of m.outputs) if (raw) outputs[io.name] = { shape: io.shape, fixed: fixedValues(io, raw[io.name]), fixedRaw: raw[io.name] };
    // the call reverts as a whole: a case agrees when both revert, or when both give the same outputs
    const matches = raw === null ? simReverts : !simReverts && m.outputs.every((io) => same(raw[io.name], (sim as RawOutputs)[io.name]));
    return { outputs, gasUsed: null, ...(r.error ? { error: r.error } : {}), matchesSimulator: matches };
  });
  const gasPerCase = r.gasUsed === null ? null : Math.round(r.gasUsed / cases.length);
  return {
    address,
    function: 'predictBatch',
    cases: out,
    matchesSimulator: out.every((c) => c.matchesSimulator),
    batch: { cases: cases.length, gasUsed: r.gasUsed, gasPerCase, maxBatch: o.maxBatch, ...(r.hash ? { hash: r.hash } : {}), ...(r.error ? { error: r.error } : {}) },
  };
}

function callText(j: CallJson, target: ChainTarget, note: string | undefined, send: boolean): string {
  const lines = [`chain    ${target.note}`, ...(note ? [`deploy   ${note}`] : []), `address  ${j.address}`, `${j.function} by ${send ? 'transaction' : 'eth_call'}`];
  const b = j.batch;
  if (b) {
    const gas = b.gasUsed === null ? '—' : `${b.gasUsed.toLocaleString('en-US')}${send ? ' (receipt)' : ' (eth_estimateGas)'}, ${b.gasPerCase!.toLocaleString('en-US')} per case`;
    lines.push(`batch    ${b.cases} case(s) in one call (at most ${b.maxBatch}): ${b.error ? `reverts with ${b.error}; ` : ''}gas ${gas}${b.hash ? `  tx ${b.hash}` : ''}`);
  }
  j.cases.slice(0, 20).forEach((c, i) => {
    const gas = b ? '' : `gas ${c.gasUsed?.toLocaleString('en-US') ?? '—'}${send ? ' (receipt)' : ' (eth_estimateGas)'}${c.hash ? `  tx ${c.hash}` : ''}  `;
    lines.push('', `case ${i}: ${c.error && !b ? `reverts with ${c.error}; ` : ''}${gas}${c.matchesSimulator ? 'equals the simulator' : 'DIFFERS from the simulator'}`);
    for (const [name, o] of Object.entries(c.outputs)) {
      const shown = o.fixed.slice(0, 16).map((v, k) => `${typeof v === 'number' ? Number(v.toPrecision(6)) : v} (${o.fixedRaw[k]})`);
      lines.push(`  ${name} ${JSON.stringify(o.shape)}: ${shown.join(', ')}${o.fixed.length > 16 ? `, … ${o.fixed.length - 16} more` : ''}`);
    }
  });
  if (j.cases.length > 20) lines.push('', `… ${j.cases.length - 20} more cases (see --json)`);
  lines.push('', `${j.cases.length} case(s): ${j.matchesSimulator ? 'all equal the simulator bit for bit' : `${j.cases.filter((c) => !c.matchesSimulator).length} DIFFER from the simulator`}`);
  return lines.join('\n');
}
