// buildBaseline(plan): generate + compile in one step, falling back to packed weights everywhere when
// the immediates lowering would not fit EIP-170 (the fallback is said in the result, never silent).
import { UserError } from '../errors';
import type { Plan } from '../quant/types';
import { MAX_CODE_SIZE } from '../../nitro/limits';
import { compileBaseline, type CompiledBaseline } from './compile';
import { generateSolidity, type BaselineOptions } from './contract';

export interface BuiltBaseline extends CompiledBaseline {
  source: string;
  /** the immediates budget the code was generated with (0 after the size fallback) */
  immediateBudget: number;
}

export function buildBaseline(plan: Plan, opts: BaselineOptions = {}): BuiltBaseline {
  const budget = opts.immediateBudget ?? 1024;
  const { source, contractName } = generateSolidity(plan, { ...opts, immediateBudget: budget });
  try {
    return { ...compileBaseline(source, contractName), source, immediateBudget: budget };
  } catch (e) {
    if (!(e instanceof UserError) || budget === 0 || !e.message.includes(`${MAX_CODE_SIZE}-byte limit`)) throw e;
    const packed = generateSolidity(plan, { ...opts, immediateBudget: 0 });
    return { ...compileBaseline(packed.source, packed.contractName), source: packed.source, immediateBudget: 0 };
  }
}
