// Comparing a deployment with a rebuild, byte for byte: each part's code as the chain holds it against the
// code the rebuild produced (reported by keccak-256, sizes and the first differing byte), and the program's
// modelHash() against the plan's. Calling modelHash() needs the program to be callable: an expired or
// not-yet-upgraded one answers with nitro's error, which is reported instead of a value.
import { decodeFunctionResult, encodeFunctionData, hexToBytes, keccak256, type Hex } from 'viem';
import type { ChainClient } from './connect';
import { describeChainError } from './deploy';
import { MODEL_ABI } from './predict';

export interface PartComparison {
  kind: 'program' | 'fragment' | 'data';
  name: string;
  address: Hex;
  /** keccak-256 of the code the rebuild produced, and of the chain's (null: no code there) */
  expected: Hex;
  deployed: Hex | null;
  expectedBytes: number;
  deployedBytes: number;
  equal: boolean;
  /** offset of the first byte that differs (the shorter length when one is a prefix of the other) */
  firstDifference: number | null;
}

export function compareCode(kind: PartComparison['kind'], name: string, address: Hex, expected: Uint8Array, deployed: Uint8Array | null): PartComparison {
  let first: number | null = null;
  if (deployed !== null) {
    const n = Math.min(expected.length, deployed.length);
    for (let i = 0; i < n && first === null; i++) if (expected[i] !== deployed[i]) first = i;
    if (first === null && expected.length !== deployed.length) first = n;
  }
  return {
    kind,
    name,
    address,
    expected: keccak256(expected),
    deployed: deployed === null ? null : keccak256(deployed),
    expectedBytes: expected.length,
    deployedBytes: deployed?.length ?? 0,
    equal: deployed !== null && first === null,
    firstDifference: deployed === null ? 0 : first,
  };
}

export async function deployedCode(client: ChainClient, address: Hex): Promise<Uint8Array | null> {
  const code = await client.publicClient.getCode({ address });
  return code === undefined || code === '0x' ? null : hexToBytes(code);
}

/** The program's modelHash(), or why it cannot answer. */
export async function deployedModelHash(client: ChainClient, address: Hex): Promise<{ value: Hex | null; error?: string }> {
  try {
    const r = await client.publicClient.call({ to: address, data: encodeFunctionData({ abi: MODEL_ABI, functionName: 'modelHash' }) });
    return { value: decodeFunctionResult({ abi: MODEL_ABI, functionName: 'modelHash', data: r.data ?? '0x' }) };
  } catch (e) {
    return { value: null, error: describeChainError(e) };
  }
}

