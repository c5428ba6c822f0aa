// What one `predict` transaction costs besides the model's own arithmetic, by nitro's formulas
// (arbos/programs/programs.go CallProgram, memory.go; crates/arbutil/src/pricing.rs hostios) and the
// EVM's (EIP-2028 calldata, 21,000 base). The devnode charges the same terms (devnode/evm/stylus-bridge.ts).
import { cachedGas, initGas } from '../../nitro/costs';
import { memoryGasCost } from '../../nitro/memory';
import type { StylusParams } from '../../nitro/params';
import { BASE_INK, HOSTIO_INK, readPrice, writePrice } from '../../nitro/pricing';
import type { ProgramShape } from './shape';

export const TX_BASE_GAS = 21_000;

export interface Spread {
  min: number;
  typical: number;
  max: number;
}

export const spread = (v: number): Spread => ({ min: v, typical: v, max: v });
/** min / typical (the rounded mean) / max of per-sample figures */
export const spreadOf = (xs: number[]): Spread => ({ min: Math.min(...xs), typical: Math.round(xs.reduce((a, b) => a + b, 0) / xs.length), max: Math.max(...xs) });
export const addSpread = (a: Spread, b: Spread): Spread => ({ min: a.min + b.min, typical: a.typical + b.typical, max: a.max + b.max });
export const mapSpread = (a: Spread, f: (x: number) => number): Spread => ({ min: f(a.min), typical: f(a.typical), max: f(a.max) });

/** EIP-2028: 4 gas per zero byte, 16 per other byte. */
export function calldataGas(data: Uint8Array): number {
  let g = 0;
  for (const b of data) g += b === 0 ? 4 : 16;
  return g;
}

/**
 * Ink of the hostios the minimal template's entrypoint makes on every call: pay_for_memory_grow(0)
 * (the import nitro requires), msg_value (the functions are not payable), read_args, write_result
 * (priced twice: out of the guest and into geth, as nitro does).
 */
export function entryHostioInk(calldataBytes: number, resultBytes: number): number {
  return Number(HOSTIO_INK + BASE_INK.msg_value + BASE_INK.read_args + writePrice(calldataBytes) + BASE_INK.write_result + 2n * readPrice(resultBytes));
}

export interface CallCostInputs {
  shape: ProgramShape;
  params: StylusParams;
  /** calldata of the transaction (selector included) */
  calldata: Spread;
  calldataBytes: number;
  resultBytes: number;
  /** ink of the program's own code (ABI decoding, layers, encoding), hostios excluded */
  codeInk: Spread;
  /** the program is in ArbOS's cache (cached init cost instead of the full one) */
  cached?: boolean;
  /** L1 data component: gas the poster fee buys at the L2 base fee (0 on a devnode; core/gas/l1.ts) */
  l1Gas?: Spread;
  /** ink of reading data contracts (account_code per part, the gas it buys included) */
  partsInk?: number;
}

export interface CallBreakdown {
  intrinsic: number;
  calldata: Spread;
  /** program init: MinInitGas·128 + init cost, or the cached figures */
  init: number;
  /** opening the program's footprint pages */
  memory: number;
  hostio: number;
  /** reading the data contracts that hold weights (account_code), gas */
  dataContracts: number;
  /** ink of the code, as gas */
  compute: Spread;
  /** typical; the spread over the samples is in totalTxGas */
  l1: number;
}

export interface CallCost {
  executionGas: Spread;
  totalTxGas: Spread;
  breakdown: CallBreakdown;
}

/** ink → gas as the runtime converts the ink left back (floor of what is left, so the used part rounds up) */
export const inkToGas = (ink: number, inkPrice: number) => Math.ceil(ink / inkPrice);

export function callCost(c: CallCostInputs): CallCost {
  const p = c.params;
  const costs = c.shape.costs;
  const prog = { initCost: costs.initCost, cachedCost: costs.cachedCost };
  let init = 0n;
  if (c.cached || p.stylusVersion > 1) init += cachedGas(prog.cachedCost, p);
  if (!c.cached) init += initGas(prog.initCost, p);
  // a top-level call opens the footprint from zero pages open
  const memory = Number(memoryGasCost(costs.footprint, 0, 0, p.freePages, p.pageGas));
  const parts = c.partsInk ?? 0;
  const hostio = entryHostioInk(c.calldataBytes, c.resultBytes) + parts;
  const compute = mapSpread(c.codeInk, (ink) => inkToGas(ink + hostio, p.inkPrice) - inkToGas(hostio, p.inkPrice));
  const hostioGas = inkToGas(hostio, p.inkPrice);
  const partsGas = Math.round(parts / p.inkPrice);
  const fixed = Number(init) + memory + hostioGas;
  const executionGas = mapSpread(compute, (g) => g + fixed);
  const l1 = c.l1Gas ?? spread(0);
  const totalTxGas = addSpread(addSpread(addSpread(executionGas, c.calldata), spread(TX_BASE_GAS)), l1);
  return {
    executionGas,
    totalTxGas,
    breakdown: { intrinsic: TX_BASE_GAS, calldata: c.calldata, init: Number(init), memory, hostio: hostioGas - partsGas, dataContracts: partsGas, compute, l1: l1.typical },
  };
}

