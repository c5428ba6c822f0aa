// compileBaseline(source): the baseline contract through solc from npm — optimizer on (runs 200),
// evmVersion cancun (what the embedded devnode runs), the IR pipeline only when the legacy one runs out
// of stack. Errors come back as one UserError with solc's messages.
import type { Abi, Hex } from 'viem';
import { MAX_CODE_SIZE } from '../../nitro/limits';
import { UserError } from '../errors';

export interface CompiledBaseline {
  contractName: string;
  /** creation code */
  bytecode: Hex;
  /** runtime code */
  deployedBytecode: Hex;
  abi: Abi;
  /** runtime code size in bytes */
  deployedBytes: number;
  viaIR: boolean;
  solcVersion: string;
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string; message: string }[];
  contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>;
}

interface Solc {
  compile(input: string): string;
  version(): string;
}

function solc(): Solc {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('solc') as Solc;
  } catch {
    throw new UserError('the EVM baseline compiles Solidity with the solc npm package, which is not installed here: run `npm install solc` (the bundled extension does not ship it)');
  }
}

function run(source: string, viaIR: boolean): SolcOutput {
  const input = {
    language: 'Solidity',
    sources: { 'Baseline.sol': { content: source } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: 'cancun',
      viaIR,
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  return JSON.parse(solc().compile(JSON.stringify(input))) as SolcOutput;
}

/** Compiles the generated source; `contractName` defaults to the last contract in it. */
export function compileBaseline(source: string, contractName?: string): CompiledBaseline {
  let viaIR = false;
  let out = run(source, false);
  let errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.some((e) => /stack too deep/i.test(e.message))) {
    viaIR = true;
    out = run(source, true);
    errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  }
  if (errors.length) throw new UserError(`solc ${solc().version()} rejected the EVM baseline:\n${errors.map((e) => e.formattedMessage.trim()).join('\n')}`);
  const pick = (o: SolcOutput) => {
    const file = o.contracts?.['Baseline.sol'] ?? {};
    const name = contractName ?? Object.keys(file).pop();
    const c = name === undefined ? undefined : file[name];
    if (!c || name === undefined) throw new UserError(`solc produced no contract${contractName ? ` named ${contractName}` : ''}; contracts: ${Object.keys(file).join(', ') || 'none'}`);
    return { name, c };
  };
  let { name, c } = pick(out);
  const legacyBytes = c.evm.deployedBytecode.object.length / 2;
  if (!viaIR && legacyBytes > MAX_CODE_SIZE && legacyBytes <= 1.25 * MAX_CODE_SIZE) {
    // the IR pipeline copies long literals more compactly: when it could fit, try it before giving up
    const ir = run(source, true);
    if (!(ir.errors ?? []).some((e) => e.severity === 'error')) {
      const alt = pick(ir);
      if (alt.c.evm.deployedBytecode.object.length < c.evm.deployedBytecode.object.length) {
        ({ name, c } = alt);
        viaIR = true;
      }
    }
  }
  const deployed = c.evm.deployedBytecode.object;
  const deployedBytes = deployed.length / 2;
  if (deployedBytes > MAX_CODE_SIZE) {
    throw new UserError(`the EVM baseline compiles to ${deployedBytes} bytes of runtime code, above EIP-170's ${MAX_CODE_SIZE}-byte limit; the model is too large for an EVM contract with weights in code`);
  }
  return { contractName: name, bytecode: `0x${c.evm.bytecode.object}`, deployedBytecode: `0x${deployed}`, abi: c.abi, deployedBytes, viaIR, solcVersion: solc().version() };
}
