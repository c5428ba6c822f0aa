// The L1 data pricing of a chain, as its precompiles answer: ArbGasInfo.getL1BaseFeeEstimate() (the L1
// price per calldata unit), getPricesInWei() (its last value is the L2 gas price the poster cost is bought
// at) and ArbOwnerPublic.getBrotliCompressionLevel(). The three eth_call answers are decoded by one
// function whether they come from a live chain or from a recording (a JSON file holding the raw answers,
// for pricing on a network this machine cannot reach).
import fs from 'node:fs';
import { decodeFunctionResult, encodeFunctionData, parseAbi, type Hex } from 'viem';
import { UserError } from '../errors';
import type { L1Pricing } from '../gas/l1';
import type { ChainClient } from './connect';
import { describeChainError } from './deploy';

const ARB_GAS_INFO = '0x000000000000000000000000000000000000006c' as const;
const ARB_OWNER_PUBLIC = '0x000000000000000000000000000000000000006b' as const;
const ABI = parseAbi([
  'function getPricesInWei() view returns (uint256, uint256, uint256, uint256, uint256, uint256)',
  'function getL1BaseFeeEstimate() view returns (uint256)',
  'function getBrotliCompressionLevel() view returns (uint64)',
]);

/** The calls, by the names a recording uses for their answers. */
export const L1_PRICING_CALLS = {
  'ArbGasInfo.getPricesInWei()': { to: ARB_GAS_INFO, fn: 'getPricesInWei' },
  'ArbGasInfo.getL1BaseFeeEstimate()': { to: ARB_GAS_INFO, fn: 'getL1BaseFeeEstimate' },
  'ArbOwnerPublic.getBrotliCompressionLevel()': { to: ARB_OWNER_PUBLIC, fn: 'getBrotliCompressionLevel' },
} as const;
type CallName = keyof typeof L1_PRICING_CALLS;

export interface L1PricingRecording {
  /** where the numbers come from, in words */
  source: string;
  chainId: number;
  /** raw eth_call results, by call */
  answers: Record<CallName, Hex>;
}

export interface ChainL1Pricing extends L1Pricing {
  chainId: number;
  brotliLevel: number;
  /** 'chain' or the recording's file and source */
  source: string;
}

export function l1PricingFromAnswers(answers: Record<CallName, Hex>, chainId: number, source: string): ChainL1Pricing {
  const prices = decodeFunctionResult({ abi: ABI, functionName: 'getPricesInWei', data: answers['ArbGasInfo.getPricesInWei()'] });
  const perUnit = decodeFunctionResult({ abi: ABI, functionName: 'getL1BaseFeeEstimate', data: answers['ArbGasInfo.getL1BaseFeeEstimate()'] });
  const level = decodeFunctionResult({ abi: ABI, functionName: 'getBrotliCompressionLevel', data: answers['ArbOwnerPublic.getBrotliCompressionLevel()'] });
  return { pricePerUnitWei: perUnit, l2BaseFeeWei: prices[5], brotliLevel: Number(level), chainId, source };
}

/** The raw answers of a chain (what a recording holds). */
export async function recordL1Pricing(client: ChainClient): Promise<Record<CallName, Hex>> {
  const out = {} as Record<CallName, Hex>;
  for (const [name, c] of Object.entries(L1_PRICING_CALLS) as [CallName, (typeof L1_PRICING_CALLS)[CallName]][]) {
    try {
      out[name] = (await client.publicClient.call({ to: c.to, data: encodeFunctionData({ abi: ABI, functionName: c.fn }) })).data ?? '0x';
    } catch (e) {
      throw new UserError(`${name} on chain ${client.chainId} failed (is it an Arbitrum chain?): ${describeChainError(e)}`);
    }
  }
  return out;
}

export async function readL1Pricing(client: ChainClient): Promise<ChainL1Pricing> {
  return l1PricingFromAnswers(await recordL1Pricing(client), client.chainId, 'chain');
}

export function readL1PricingFile(file: string): ChainL1Pricing {
  let j: L1PricingRecording;
  try {
    j = JSON.parse(fs.readFileSync(file, 'utf8')) as L1PricingRecording;
  } catch (e) {
    throw new UserError(`--l1-pricing ${file}: not readable JSON (${(e as Error).message})`);
  }
  const missing = Object.keys(L1_PRICING_CALLS).filter((k) => typeof j.answers?.[k as CallName] !== 'string');
  if (missing.length || typeof j.chainId !== 'number') throw new UserError(`--l1-pricing ${file}: expected {"source", "chainId", "answers": {${Object.keys(L1_PRICING_CALLS).map((k) => `"${k}"`).join(', ')}}}${missing.length ? `; missing ${missing.join(', ')}` : ''}`);
  try {
    return l1PricingFromAnswers(j.answers, j.chainId, `${file} (${j.source})`);
  } catch (e) {
    throw new UserError(`--l1-pricing ${file}: an answer does not decode (${(e as Error).message.split('\n')[0]})`);
  }
}
