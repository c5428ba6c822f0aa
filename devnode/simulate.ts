// eth_call and eth_estimateGas: run a transaction against a block's state inside a checkpoint that is
// always reverted, with geth-style state overrides (balance, nonce, code, state, stateDiff) — the
// overrides cargo-stylus `check` uses to price activateProgram for code not yet deployed.
import { createTx, type TypedTransaction } from '@ethereumjs/tx';
import { Account, Address, hexToBytes, setLengthLeft, unpadBytes } from '@ethereumjs/util';
import { runTx } from '@ethereumjs/vm';
import { BASE_FEE, RPC_GAS_CAP } from './config';
import type { Chain, StoredBlock } from './chain';
import type { RunMode } from './evm/stylus-bridge';

export interface CallRequest {
  from?: Address;
  to?: Address;
  gas?: bigint;
  gasPrice?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
  value?: bigint;
  data?: Uint8Array;
  nonce?: bigint;
  accessList?: { address: string; storageKeys: string[] }[];
}

export interface AccountOverride {
  balance?: bigint;
  nonce?: bigint;
  code?: Uint8Array;
  /** replaces the whole storage */
  state?: Map<string, Uint8Array>;
  /** patches single slots */
  stateDiff?: Map<string, Uint8Array>;
}
export type StateOverrides = Map<string, AccountOverride>;

export interface CallOutcome {
  success: boolean;
  reverted: boolean;
  returnData: Uint8Array;
  gasUsed: bigint;
  /** gas consumed before refunds (what the transaction must be given) */
  gasNeeded: bigint;
  error?: string;
}

async function applyOverrides(chain: Chain, overrides: StateOverrides): Promise<void> {
  for (const [addrHex, o] of overrides) {
    const address = new Address(hexToBytes(addrHex as `0x${string}`));
    const account = (await chain.sm.getAccount(address)) ?? new Account();
    if (o.balance !== undefined) account.balance = o.balance;
    if (o.nonce !== undefined) account.nonce = o.nonce;
    await chain.sm.putAccount(address, account);
    if (o.code !== undefined) await chain.sm.putCode(address, o.code);
    if (o.state !== undefined) {
      await chain.sm.clearStorage(address);
      for (const [k, v] of o.state) await chain.sm.putStorage(address, setLengthLeft(hexToBytes(k as `0x${string}`), 32), unpadBytes(v));
    }
    if (o.stateDiff !== undefined) {
      for (const [k, v] of o.stateDiff) await chain.sm.putStorage(address, setLengthLeft(hexToBytes(k as `0x${string}`), 32), unpadBytes(v));
    }
  }
}

function buildTx(chain: Chain, req: CallRequest, gasLimit: bigint, nonce: bigint): TypedTransaction {
  const common = chain.common;
  const from = req.from ?? new Address(new Uint8Array(20));
  const base = {
    nonce,
    gasLimit,
    to: req.to,
    value: req.value ?? 0n,
    data: req.data ?? new Uint8Array(0),
  };
  const tx =
    req.maxFeePerGas !== undefined || req.maxPriorityFeePerGas !== undefined
      ? createTx(
          {
            ...base,
            type: 2,
            chainId: chain.common.chainId(),
            maxFeePerGas: req.maxFeePerGas ?? BASE_FEE,
            maxPriorityFeePerGas: req.maxPriorityFeePerGas ?? 0n,
            accessList: (req.accessList ?? []) as never,
          },
          { common, freeze: false },
        )
      : createTx({ ...base, type: 0, gasPrice: req.gasPrice ?? 0n }, { common, freeze: false });
  // an unsigned transaction from `from`, as geth's eth_call builds a message without a signature
  (tx as unknown as { getSenderAddress: () => Address }).getSenderAddress = () => from;
  (tx as unknown as { isSigned: () => boolean }).isSigned = () => true;
  (tx as unknown as { hash: () => Uint8Array }).hash = () => new Uint8Array(32);
  return tx;
}

/** One simulated run. Caller holds the chain lock. */
async function runOnce(
  chain: Chain,
  req: CallRequest,
  block: StoredBlock,
  overrides: StateOverrides | undefined,
  gasLimit: bigint,
  mode: RunMode,
): Promise<CallOutcome> {
  return chain.atBlock(block, async () => {
    await chain.sm.checkpoint();
    try {
      if (overrides !== undefined) await applyOverrides(chain, overrides);
      const from = req.from ?? new Address(new Uint8Array(20));
      const nonce = req.nonce ?? ((await chain.sm.getAccount(from))?.nonce ?? 0n);
      const tx = buildTx(chain, req, gasLimit, nonce);
      // geth zeroes the base fee for calls that carry no gas price (core/vm NoBaseFee)
      const priced = (req.gasPrice ?? 0n) > 0n || (req.maxFeePerGas ?? 0n) > 0n;
      const ctx = chain.nextBlockContext(priced ? BASE_FEE : 0n);
      // each simulation runs on a fresh StateDB in nitro: an empty recent-wasm cache
      chain.bridge.beginBlock();
      chain.bridge.beginTx(mode, gasLimit);
      const res = await runTx(chain.vm, {
        tx,
        block: ctx,
        skipNonce: true,
        skipBalance: true,
        skipBlockGasLimitValidation: true,
        skipHardForkValidation: true,
      });
      const err = res.execResult.exceptionError;
      return {
        success: err === undefined,
        reverted: err?.error === 'revert',
        returnData: res.execResult.returnValue,
        gasUsed: res.totalGasSpent,
        gasNeeded: res.totalGasSpent + res.gasRefund,
        error: err?.error,
      };
    } catch (e) {
      return { success: false, reverted: false, returnData: new Uint8Array(0), gasUsed: 0n, gasNeeded: 0n, error: (e as Error).message };
    } finally {
      await chain.sm.revert();
    }
  });
}

function capGas(req: CallRequest): bigint {
  return req.gas === undefined || req.gas > RPC_GAS_CAP ? RPC_GAS_CAP : req.gas;
}

export function call(chain: Chain, req: CallRequest, block: StoredBlock, overrides?: StateOverrides): Promise<CallOutcome> {
  return chain.lock.run(() => runOnce(chain, req, block, overrides, capGas(req), 'call'));
}

/**
 * Binary search for the smallest gas limit that succeeds (geth's eth_estimateGas, eth/gasestimator). The
 * runs are capped as transactions are (nitro's per-transaction gas limit), so a transaction that runs out
 * of gas at the highest limit answers "gas required exceeds allowance (hi)".
 */
export function estimateGas(chain: Chain, req: CallRequest, block: StoredBlock, overrides?: StateOverrides): Promise<CallOutcome> {
  return chain.lock.run(async () => {
    const hi0 = capGas(req);
    const run = (gas: bigint) => runOnce(chain, req, block, overrides, gas, 'estimate');
    const first = await run(hi0);
    if (!first.success) {
      if (!first.reverted && first.error === 'out of gas') return { ...first, error: `gas required exceeds allowance (${hi0})` };
      return first;
    }
    let lo = first.gasUsed - 1n;
    let hi = hi0;
    // most calls succeed with the gas consumed before refunds; try that first
    const guess = first.gasNeeded;
    if (guess < hi) {
      const r = await run(guess);
      if (r.success) hi = guess;
      else lo = guess;
    }
    while (hi - lo > 1n) {
      const mid = (hi + lo) / 2n;
      const r = await run(mid);
      if (r.success) hi = mid;
      else lo = mid;
    }
    return { ...first, gasUsed: hi };
  });
}
