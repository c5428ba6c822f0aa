// Parsing of JSON-RPC parameters with errors that say which parameter is wrong (-32602).
import { Address, hexToBytes } from '@ethereumjs/util';
import type { AccountOverride, CallRequest, StateOverrides } from './simulate';

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}
export const invalidParams = (msg: string) => new RpcError(-32602, msg);

const HEX = /^0x[0-9a-fA-F]*$/;

export function paramsArray(params: unknown): unknown[] {
  if (params === undefined || params === null) return [];
  if (!Array.isArray(params)) throw invalidParams('invalid params: expected an array of parameters');
  return params;
}

export function quantity(v: unknown, what: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]+$/.test(v)) throw invalidParams(`invalid ${what}: expected a hex quantity, got ${JSON.stringify(v)}`);
  if (v.length > 66) throw invalidParams(`invalid ${what}: quantity larger than 256 bits`);
  return BigInt(v);
}
export function optQuantity(v: unknown, what: string): bigint | undefined {
  return v === undefined || v === null ? undefined : quantity(v, what);
}

export function data(v: unknown, what: string): Uint8Array {
  if (typeof v !== 'string' || !HEX.test(v)) throw invalidParams(`invalid ${what}: expected 0x-prefixed hex data`);
  if (v.length % 2 !== 0) throw invalidParams(`invalid ${what}: hex string has odd length`);
  return hexToBytes(v as `0x${string}`);
}

export function address(v: unknown, what: string): Address {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(v)) throw invalidParams(`invalid ${what}: expected a 20-byte 0x-prefixed address`);
  return new Address(hexToBytes(v as `0x${string}`));
}

export function hash32(v: unknown, what: string): string {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(v)) throw invalidParams(`invalid ${what}: expected a 32-byte 0x-prefixed hash`);
  return v.toLowerCase();
}

/** A block tag or number; a {blockHash} / {blockNumber} object (EIP-1898) is accepted too. */
export function blockTag(v: unknown): string | { hash: string } {
  if (v === undefined || v === null) return 'latest';
  if (typeof v === 'string') {
    if (['latest', 'pending', 'earliest', 'safe', 'finalized'].includes(v)) return v;
    return `0x${quantity(v, 'block number').toString(16)}`;
  }
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    if (typeof o.blockHash === 'string') return { hash: hash32(o.blockHash, 'blockHash') };
    if (o.blockNumber !== undefined) return blockTag(o.blockNumber);
  }
  throw invalidParams(`invalid block tag: ${JSON.stringify(v)}`);
}

export function callRequest(v: unknown): CallRequest {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidParams('invalid transaction object: expected an object');
  const o = v as Record<string, unknown>;
  const input = o.input ?? o.data;
  if (o.input !== undefined && o.data !== undefined && o.input !== o.data) {
    throw invalidParams('both "data" and "input" are set and not equal');
  }
  return {
    from: o.from === undefined || o.from === null ? undefined : address(o.from, 'from'),
    to: o.to === undefined || o.to === null ? undefined : address(o.to, 'to'),
    gas: optQuantity(o.gas, 'gas'),
    gasPrice: optQuantity(o.gasPrice, 'gasPrice'),
    maxFeePerGas: optQuantity(o.maxFeePerGas, 'maxFeePerGas'),
    maxPriorityFeePerGas: optQuantity(o.maxPriorityFeePerGas, 'maxPriorityFeePerGas'),
    value: optQuantity(o.value, 'value'),
    data: input === undefined || input === null ? undefined : data(input, 'input'),
    nonce: optQuantity(o.nonce, 'nonce'),
    accessList: Array.isArray(o.accessList) ? (o.accessList as CallRequest['accessList']) : undefined,
  };
}

export function stateOverrides(v: unknown): StateOverrides | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidParams('invalid state overrides: expected an object keyed by address');
  const out: StateOverrides = new Map();
  for (const [addr, raw] of Object.entries(v as Record<string, unknown>)) {
    const a = address(addr, 'state override address').toString();
    if (typeof raw !== 'object' || raw === null) throw invalidParams(`invalid state override for ${addr}`);
    const o = raw as Record<string, unknown>;
    if (o.state !== undefined && o.stateDiff !== undefined) throw invalidParams(`account ${addr} has both 'state' and 'stateDiff'`);
    const slots = (m: unknown, what: string) => {
      if (typeof m !== 'object' || m === null) throw invalidParams(`invalid ${what} for ${addr}`);
      const map = new Map<string, Uint8Array>();
      for (const [k, val] of Object.entries(m as Record<string, unknown>)) map.set(hash32(k, `${what} key`), data(val, `${what} value`));
      return map;
    };
    const ov: AccountOverride = {
      balance: optQuantity(o.balance, 'balance override'),
      nonce: optQuantity(o.nonce, 'nonce override'),
      code: o.code === undefined ? undefined : data(o.code, 'code override'),
      state: o.state === undefined ? undefined : slots(o.state, 'state'),
      stateDiff: o.stateDiff === undefined ? undefined : slots(o.stateDiff, 'stateDiff'),
    };
    out.set(a, ov);
  }
  return out;
}
