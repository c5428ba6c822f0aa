// How an ArbOS precompile is called, after nitro precompiles/precompile.go `Call`: selector lookup
// (unknown or not-yet-active method ⇒ revert burning all gas), purity checks (view methods only when
// acting as the precompile, writes not in static calls, non-payable methods refuse value), the
// argument copy cost (3 gas per word), the method body with ArbOS storage costs, then the result copy
// cost. Named errors are ABI-encoded reverts that keep the remaining gas; other failures burn it all.
import type { Address } from '@ethereumjs/util';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { decodeAbiParameters, encodeAbiParameters, parseAbiParameters, type AbiParameter } from 'viem';
import { STORAGE_READ_COST } from '../../nitro/storage';

export type Purity = 'pure' | 'view' | 'write' | 'payable';

const COPY_GAS = 3n;

export function selectorOf(signature: string): Uint8Array {
  return keccak_256(new TextEncoder().encode(signature)).slice(0, 4);
}
export const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A Solidity custom error, rendered as nitro's SolError ("error Name(args)"). */
export class SolError extends Error {
  constructor(
    readonly signature: string,
    readonly data: Uint8Array,
    rendered: string,
  ) {
    super(rendered);
  }
}
export function solError(signature: string, types: string, args: readonly unknown[]): SolError {
  const params = types === '' ? [] : parseAbiParameters(types);
  const encoded = hexToU8(encodeAbiParameters(params as readonly AbiParameter[], args as never));
  const data = new Uint8Array(4 + encoded.length);
  data.set(selectorOf(signature), 0);
  data.set(encoded, 4);
  const name = signature.slice(0, signature.indexOf('('));
  return new SolError(signature, data, `error ${name}(${args.map(String).join(', ')})`);
}

/** Thrown when the burner runs dry: the precompile fails and its gas is gone. */
export class PrecompileOutOfGas extends Error {
  constructor() {
    super('out of gas');
  }
}
/** Plain revert without data (nitro vm.ErrExecutionReverted from a precompile): remaining gas is kept. */
export class PrecompileRevert extends Error {}
/**
 * Burns all gas and reverts (nitro's BurnOut → ErrOutOfGas, reported as ErrExecutionReverted from
 * ArbOS 11): access denied, unknown method, value to a non-payable method.
 */
export class PrecompileBurnOut extends Error {}
/** A non-revert error that burns all gas: only activation failures (programs.ErrProgramActivation). */
export class PrecompileFatal extends Error {}

export interface PrecompileLog {
  topics: Uint8Array[];
  data: Uint8Array;
}

export interface CallEnv {
  caller: Address;
  /** the address whose storage/balance the call acts on (differs under DELEGATECALL) */
  actingAs: Address;
  value: bigint;
  isStatic: boolean;
  gasLimit: bigint;
  gasUsed: bigint;
  logs: PrecompileLog[];
  burn(gas: bigint): void;
  emit(signature: string, indexed: Uint8Array[], dataTypes: string, dataArgs: readonly unknown[]): void;
}

export interface MethodDef<Ctx> {
  signature: string;
  purity: Purity;
  /** output ABI types, comma separated ('' for none) */
  outputs: string;
  /** lowest/highest ArbOS version the method exists in */
  minArbos?: number;
  maxArbos?: number;
  run(ctx: Ctx, env: CallEnv, args: readonly unknown[]): Promise<readonly unknown[]> | readonly unknown[];
}

export interface PrecompileDef<Ctx> {
  name: string;
  address: Address;
  methods: MethodDef<Ctx>[];
}

export type PrecompileOutcome =
  | { kind: 'success'; output: Uint8Array; gasUsed: bigint; logs: PrecompileLog[] }
  | { kind: 'revert'; output: Uint8Array; gasUsed: bigint }
  | { kind: 'failure'; reason: string };

interface CompiledMethod<Ctx> extends MethodDef<Ctx> {
  inputParams: readonly AbiParameter[];
  outputParams: readonly AbiParameter[];
}

export function hexToU8(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.startsWith('0x') ? hex.slice(2) : hex, 'hex'));
}
const words = (n: number) => BigInt(Math.ceil(n / 32));

export class CompiledPrecompile<Ctx> {
  readonly bySelector = new Map<string, CompiledMethod<Ctx>>();
  constructor(readonly def: PrecompileDef<Ctx>) {
    for (const m of def.methods) {
      const open = m.signature.indexOf('(');
      const inputs = m.signature.slice(open + 1, -1);
      this.bySelector.set(hexOf(selectorOf(m.signature)), {
        ...m,
        inputParams: inputs === '' ? [] : (parseAbiParameters(inputs) as readonly AbiParameter[]),
        outputParams: m.outputs === '' ? [] : (parseAbiParameters(m.outputs) as readonly AbiParameter[]),
      });
    }
  }

  async call(
    ctx: Ctx,
    arbosVersion: number,
    input: Uint8Array,
    env: Omit<CallEnv, 'burn' | 'emit' | 'gasUsed' | 'logs'>,
  ): Promise<PrecompileOutcome> {
    // nitro answers malformed calls with ErrExecutionReverted and no gas left
    const fail = (_reason: string): PrecompileOutcome => ({ kind: 'revert', output: new Uint8Array(0), gasUsed: env.gasLimit });
    if (input.length < 4) return fail('execution reverted');
    const method = this.bySelector.get(hexOf(input.subarray(0, 4)));
    if (method === undefined || arbosVersion < (method.minArbos ?? 0) || arbosVersion > (method.maxArbos ?? Infinity)) {
      return fail('execution reverted');
    }
    const acting = env.actingAs.equals(this.def.address);
    if (method.purity !== 'pure' && !acting) return fail('execution reverted');
    if ((method.purity === 'write' || method.purity === 'payable') && env.isStatic) return fail('execution reverted');
    if (method.purity !== 'payable' && env.value !== 0n) return fail('execution reverted');

    const full: CallEnv = {
      ...env,
      gasUsed: 0n,
      logs: [],
      burn(gas: bigint) {
        if (this.gasLimit - this.gasUsed < gas) {
          this.gasUsed = this.gasLimit;
          throw new PrecompileOutOfGas();
        }
        this.gasUsed += gas;
      },
      emit(signature, indexed, dataTypes, dataArgs) {
        const data =
          dataTypes === ''
            ? new Uint8Array(0)
            : hexToU8(encodeAbiParameters(parseAbiParameters(dataTypes) as readonly AbiParameter[], dataArgs as never));
        const topics = [keccak_256(new TextEncoder().encode(signature)), ...indexed];
        // LogGas + LogTopicGas·(1+indexed) + LogDataGas·len (precompile.go event gascost)
        this.burn(375n + 375n * BigInt(topics.length) + 8n * BigInt(data.length));
        this.logs.push({ topics, data });
      },
    };
    try {
      // OpenArbosState reads the ArbOS version word
      if (method.purity !== 'pure') full.burn(STORAGE_READ_COST);
      full.burn(COPY_GAS * words(input.length - 4));
      let args: readonly unknown[];
      try {
        args = decodeAbiParameters(method.inputParams, input.subarray(4));
      } catch {
        return fail('execution reverted');
      }
      const result = await method.run(ctx, full, args);
      const output = method.outputParams.length === 0 ? new Uint8Array(0) : hexToU8(encodeAbiParameters(method.outputParams, result as never));
      full.burn(COPY_GAS * words(output.length));
      return { kind: 'success', output, gasUsed: full.gasUsed, logs: full.logs };
    } catch (e) {
      if (e instanceof SolError) {
        try {
          full.burn(COPY_GAS * words(e.data.length));
        } catch {
          return { kind: 'revert', output: new Uint8Array(0), gasUsed: env.gasLimit };
        }
        return { kind: 'revert', output: e.data, gasUsed: full.gasUsed };
      }
      if (e instanceof PrecompileRevert) return { kind: 'revert', output: new Uint8Array(0), gasUsed: full.gasUsed };
      // Burn() past the limit burns everything; nitro (ArbOS ≥ 11) then reverts with no gas left
      if (e instanceof PrecompileOutOfGas) return { kind: 'revert', output: new Uint8Array(0), gasUsed: env.gasLimit };
      if (e instanceof PrecompileBurnOut) return fail(e.message);
      if (e instanceof PrecompileFatal) return { kind: 'failure', reason: e.message };
      throw e;
    }
  }
}
