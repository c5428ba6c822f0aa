// EvmApi over @ethereumjs/evm: what a running Stylus program asks of the chain, priced as nitro's
// arbos/programs/api.go (Go side) plus the requestor's storage cache (crates/arbutil/src/evm/req.rs,
// storage.rs). Geth's Wasm*Cost helpers (core/vm/operations_acl_arbitrum.go) are reproduced here.
import type { EVM, Log, SelfdestructMap } from '@ethereumjs/evm';
import { Message } from '@ethereumjs/evm';
import { Account, Address, bigIntToBytes, bytesToBigInt, equalsBytes, setLengthLeft, unpadBytes } from '@ethereumjs/util';
import type { CallKind } from '../../nitro/host';
import { MAX_CODE_SIZE } from '../../nitro/limits';
import { memoryGasCost, type TxPages } from '../../nitro/memory';
import { COLD_ACCOUNT_GAS, COLD_SLOAD_GAS, EXTCODE_COST, evmApiGas } from '../../nitro/pricing';
import type { Bytes32, CallResult, CreateResult, EvmApi } from '../stylus/api';

const WARM_READ = 100n;
const SSTORE_SET = 20000n;
const SSTORE_RESET_MINUS_COLD = 2900n;
const CLEARS_REFUND = 4800n; // EIP-3529
const CALL_NEW_ACCOUNT = 25000n;
const CALL_VALUE = 9000n;
const CALL_STIPEND = 2300n;
const CREATE_GAS = 32000n;
const KECCAK_WORD = 6n;
const STACK_LIMIT = 1024;
const ZERO32 = new Uint8Array(32);

interface CacheWord {
  value: Bytes32;
  /** value known to be in state, null when written without reading */
  known: Bytes32 | null;
}

/** One program frame's view of the chain. */
export interface FrameInfo {
  evm: EVM;
  /** acting address (storage, logs, balance) */
  address: Address;
  caller: Address;
  value: bigint;
  isStatic: boolean;
  depth: number;
  gasRefund: bigint;
  arbosVersion: number;
  pages: TxPages;
  freePages: number;
  pageGas: number;
  maxCodeSize: number;
  selfdestruct?: SelfdestructMap;
  createdAddresses?: Set<`0x${string}`>;
}

export class StylusEvmApi implements EvmApi {
  /** logs of this frame and of successful sub-calls, in order */
  readonly logs: Log[] = [];
  gasRefund: bigint;
  private readonly cache = new Map<string, CacheWord>();
  private reads = 0;
  private writes = 0;
  private lastCode: { address: string; code: Uint8Array } | null = null;

  constructor(private readonly f: FrameInfo) {
    this.gasRefund = f.gasRefund;
  }

  private get journal() {
    return this.f.evm.journal;
  }
  private get sm() {
    return this.f.evm.stateManager;
  }

  private readGas(): bigint {
    this.reads++;
    return this.reads <= 32 ? 0n : this.reads <= 128 ? 2n : 10n;
  }
  private writeGas(): bigint {
    this.writes++;
    return this.writes <= 8 ? 0n : this.writes <= 64 ? 7n : 10n;
  }

  /** WasmStateLoadCost: EIP-2929 slot access */
  private slotAccessCost(key: Bytes32): bigint {
    const addr = this.f.address.bytes;
    if (this.journal.isWarmedStorage(addr, key)) return WARM_READ;
    this.journal.addWarmedStorage(addr, key);
    return COLD_SLOAD_GAS;
  }
  /** WasmAccountTouchCost */
  private accountTouchCost(address: Address, withCode: boolean): bigint {
    let cost = withCode ? (EXTCODE_COST * BigInt(this.f.maxCodeSize)) / BigInt(MAX_CODE_SIZE) : 0n; // ÷ params.DefaultMaxCodeSize
    if (this.journal.isWarmedAddress(address.bytes)) cost += WARM_READ;
    else {
      this.journal.addWarmedAddress(address.bytes);
      cost += COLD_ACCOUNT_GAS;
    }
    return cost;
  }

  /** `apiGas` is what the runtime charges per miss (nitro's evm_api_gas_to_use); default by ArbOS version. */
  async getBytes32(key: Bytes32, apiGas?: bigint): Promise<{ value: Bytes32; gasCost: bigint }> {
    let cost = this.readGas();
    const k = hexKey(key);
    const hit = this.cache.get(k);
    if (hit !== undefined) return { value: hit.value, gasCost: cost };
    cost += this.slotAccessCost(key) + (apiGas ?? evmApiGas(this.f.arbosVersion));
    const value = setLengthLeft(await this.sm.getStorage(this.f.address, key), 32);
    this.cache.set(k, { value, known: value });
    return { value, gasCost: cost };
  }

  async cacheBytes32(key: Bytes32, value: Bytes32): Promise<{ gasCost: bigint }> {
    const cost = this.writeGas();
    const k = hexKey(key);
    const hit = this.cache.get(k);
    if (hit !== undefined) hit.value = value.slice();
    else this.cache.set(k, { value: value.slice(), known: null });
    return { gasCost: cost };
  }

  async flushCache(clear: boolean, gasLeft: bigint): Promise<{ gasCost: bigint; outOfGas: boolean; writeProtection: boolean }> {
    const dirty: [Bytes32, Bytes32][] = [];
    for (const [k, w] of this.cache) {
      if (w.known === null || !equalsBytes(w.known, w.value)) {
        dirty.push([Buffer.from(k, 'hex'), w.value]);
        w.known = w.value;
      }
    }
    if (clear) this.cache.clear();
    if (dirty.length === 0) return { gasCost: 0n, outOfGas: false, writeProtection: false };
    // setTrieSlots (api.go): each slot at its SSTORE price until the gas runs out
    let left = gasLeft;
    let outOfGas = false;
    for (const [key, value] of dirty) {
      if (this.f.isStatic) return { gasCost: gasLeft - left, outOfGas: false, writeProtection: true };
      const cost = await this.sstoreCost(key, value);
      if (cost > left) {
        left = 0n;
        outOfGas = true;
        break;
      }
      left -= cost;
      await this.sm.putStorage(this.f.address, key, unpadBytes(value));
    }
    if (left === 0n) outOfGas = true;
    return { gasCost: gasLeft - left, outOfGas, writeProtection: false };
  }

  /** WasmStateStoreCost = geth's EIP-2929/3529 SSTORE gas, refunds kept on the frame. */
  private async sstoreCost(key: Bytes32, value: Bytes32): Promise<bigint> {
    const addr = this.f.address;
    let cost = 0n;
    if (!this.journal.isWarmedStorage(addr.bytes, key)) {
      cost = COLD_SLOAD_GAS;
      this.journal.addWarmedStorage(addr.bytes, key);
    }
    const current = bytesToBigInt(await this.sm.getStorage(addr, key));
    const original = bytesToBigInt(await this.sm.originalStorageCache.get(addr, key));
    const v = bytesToBigInt(value);
    if (current === v) return cost + WARM_READ;
    if (original === current) {
      if (original === 0n) return cost + SSTORE_SET;
      if (v === 0n) this.gasRefund += CLEARS_REFUND;
      return cost + SSTORE_RESET_MINUS_COLD;
    }
    if (original !== 0n) {
      if (current === 0n) this.gasRefund -= CLEARS_REFUND;
      else if (v === 0n) this.gasRefund += CLEARS_REFUND;
    }
    if (original === v) {
      this.gasRefund += original === 0n ? SSTORE_SET - WARM_READ : SSTORE_RESET_MINUS_COLD - WARM_READ;
    }
    return cost + WARM_READ;
  }

  async getTransientBytes32(key: Bytes32): Promise<Bytes32> {
    return setLengthLeft(this.f.evm.transientStorage.get(this.f.address, key), 32);
  }
  async setTransientBytes32(key: Bytes32, value: Bytes32): Promise<{ writeProtection: boolean }> {
    if (this.f.isStatic) return { writeProtection: true };
    this.f.evm.transientStorage.put(this.f.address, key, value.slice());
    return { writeProtection: false };
  }

  /**
   * doCall (api.go). `gas` is what the program asked for (gas_req, already capped to its gas left);
   * `gasLeft` is the program's gas left — when the runtime does not pass it, gas_req stands in.
   */
  async contractCall(kind: CallKind, to: Uint8Array, calldata: Uint8Array, gas: bigint, value: bigint, gasLeft?: bigint): Promise<CallResult> {
    const budget = gasLeft ?? gas;
    const gasReq = gas < budget ? gas : budget;
    const target = new Address(to.slice());
    const fail = (gasCost: bigint): CallResult => ({ status: 2, returnData: new Uint8Array(0), gasCost });
    if (this.f.isStatic && value !== 0n) return fail(0n);

    // WasmCallCost: warm access, cold surcharge, new account, value transfer — each checked against the budget
    let base = WARM_READ;
    if (budget < base) return fail(budget);
    if (!this.journal.isWarmedAddress(target.bytes)) {
      this.journal.addWarmedAddress(target.bytes);
      base += COLD_ACCOUNT_GAS - WARM_READ;
      if (budget < base) return fail(budget);
    }
    if (value !== 0n) {
      const acct = await this.sm.getAccount(target);
      if (acct === undefined || acct.isEmpty()) {
        base += CALL_NEW_ACCOUNT;
        if (budget < base) return fail(budget);
      }
      base += CALL_VALUE;
      if (budget < base) return fail(budget);
    }
    const startGas = ((budget > base ? budget - base : 0n) * 63n) / 64n;
    let callGas = startGas < gasReq ? startGas : gasReq;
    if (value !== 0n) callGas += CALL_STIPEND;

    // geth evm.Call: depth and balance failures return the gas untouched
    if (this.f.depth + 1 > STACK_LIMIT) return fail(base);
    if (kind === 'call' && value !== 0n) {
      const me = (await this.sm.getAccount(this.f.address)) ?? new Account();
      if (me.balance < value) return fail(base);
    }
    const msg = new Message({
      caller: kind === 'delegatecall' ? this.f.caller : this.f.address,
      to: kind === 'delegatecall' ? this.f.address : target,
      codeAddress: target,
      value: kind === 'delegatecall' ? this.f.value : kind === 'staticcall' ? 0n : value,
      data: calldata.slice(),
      gasLimit: callGas,
      depth: this.f.depth + 1,
      isStatic: kind === 'staticcall' ? true : this.f.isStatic,
      delegatecall: kind === 'delegatecall',
      gasRefund: this.gasRefund,
      selfdestruct: this.f.selfdestruct === undefined ? undefined : new Map(this.f.selfdestruct),
      createdAddresses: this.f.createdAddresses === undefined ? undefined : new Set(this.f.createdAddresses),
    });
    const res = await this.f.evm.runCall({ message: msg });
    const r = res.execResult;
    const used = r.executionGasUsed > callGas ? callGas : r.executionGasUsed;
    const err = r.exceptionError;
    if (err === undefined) {
      if (r.logs) this.logs.push(...r.logs);
      this.gasRefund = r.gasRefund ?? 0n;
      if (r.selfdestruct && this.f.selfdestruct) for (const [k, v] of r.selfdestruct) this.f.selfdestruct.set(k, v);
      if (r.createdAddresses && this.f.createdAddresses) for (const a of r.createdAddresses) this.f.createdAddresses.add(a);
    }
    const returnData = err === undefined || err.error === 'revert' ? r.returnValue : new Uint8Array(0);
    return { status: err === undefined ? 0 : 2, returnData, gasCost: base + used };
  }

  /** create (api.go): static context or a base-gas shortfall fail the whole program (`error`). */
  async create(code: Uint8Array, endowment: bigint, salt: Bytes32 | null, gas: bigint): Promise<CreateResult> {
    const zero = new Uint8Array(20);
    if (this.f.isStatic) return { address: zero, returnData: new Uint8Array(0), gasCost: 0n, error: 'write protection' };
    let base = CREATE_GAS;
    if (salt !== null) base += KECCAK_WORD * BigInt(Math.ceil(code.length / 32));
    if (gas < base) return { address: zero, returnData: new Uint8Array(0), gasCost: gas, error: 'out of gas' };
    const startGas = gas;
    let g = gas - base;
    const one64th = g / 64n;
    g -= one64th;
    const me = (await this.sm.getAccount(this.f.address)) ?? new Account();
    // geth evm.create: depth / balance / nonce failures hand the gas back
    if (this.f.depth + 1 > STACK_LIMIT || me.balance < endowment || me.nonce >= (1n << 64n) - 1n) {
      return { address: zero, returnData: new Uint8Array(0), gasCost: startGas - (g + one64th) };
    }
    me.nonce += 1n;
    await this.journal.putAccount(this.f.address, me);
    const msg = new Message({
      caller: this.f.address,
      gasLimit: g,
      value: endowment,
      data: code.slice(),
      salt: salt === null ? undefined : salt.slice(),
      depth: this.f.depth + 1,
      gasRefund: this.gasRefund,
      selfdestruct: this.f.selfdestruct === undefined ? undefined : new Map(this.f.selfdestruct),
      createdAddresses: this.f.createdAddresses === undefined ? undefined : new Set(this.f.createdAddresses),
    });
    const res = await this.f.evm.runCall({ message: msg });
    const r = res.execResult;
    const used = r.executionGasUsed > g ? g : r.executionGasUsed;
    const returnGas = g - used;
    const err = r.exceptionError;
    if (err === undefined) {
      if (r.logs) this.logs.push(...r.logs);
      this.gasRefund = r.gasRefund ?? 0n;
      if (r.createdAddresses && this.f.createdAddresses) for (const a of r.createdAddresses) this.f.createdAddresses.add(a);
    }
    return {
      address: err === undefined && res.createdAddress ? res.createdAddress.bytes : zero,
      // return data only in the revert case (opCreate)
      returnData: err !== undefined && err.error === 'revert' ? r.returnValue : new Uint8Array(0),
      gasCost: startGas - (returnGas + one64th),
    };
  }

  async emitLog(data: Uint8Array, topics: Bytes32[]): Promise<{ writeProtection: boolean }> {
    if (this.f.isStatic) return { writeProtection: true };
    this.logs.push([this.f.address.bytes, topics.map((t) => t.slice()), data.slice()]);
    return { writeProtection: false };
  }

  async accountBalance(address: Uint8Array): Promise<{ balance: Bytes32; gasCost: bigint }> {
    const a = new Address(address.slice());
    const gasCost = this.accountTouchCost(a, false);
    const acct = await this.sm.getAccount(a);
    return { balance: setLengthLeft(bigIntToBytes(acct?.balance ?? 0n), 32), gasCost };
  }

  /** api.go accountCode: below the (worst-case) access cost the code comes back empty, still charged. */
  async accountCode(address: Uint8Array, gasLeft?: bigint): Promise<{ code: Uint8Array; gasCost: bigint }> {
    const key = Buffer.from(address).toString('hex');
    // the requestor remembers the last code it fetched (req.rs account_code)
    if (this.lastCode !== null && this.lastCode.address === key) return { code: this.lastCode.code, gasCost: 0n };
    const a = new Address(address.slice());
    const gasCost = this.accountTouchCost(a, true);
    const code = gasLeft !== undefined && gasLeft < gasCost ? new Uint8Array(0) : await this.sm.getCode(a);
    if (code.length > 0 || this.f.arbosVersion < 40) this.lastCode = { address: key, code };
    return { code, gasCost };
  }

  async accountCodehash(address: Uint8Array): Promise<{ hash: Bytes32; gasCost: bigint }> {
    const a = new Address(address.slice());
    const gasCost = this.accountTouchCost(a, false);
    const acct = await this.sm.getAccount(a);
    // geth GetCodeHash: zero for missing or empty accounts
    const hash = acct === undefined || acct.isEmpty() ? ZERO32 : acct.codeHash;
    return { hash, gasCost };
  }

  async addPages(pages: number): Promise<{ gasCost: bigint }> {
    const { open, ever } = this.f.pages.add(pages);
    return { gasCost: memoryGasCost(pages, open, ever, this.f.freePages, this.f.pageGas) };
  }
}

const hexKey = (b: Uint8Array) => Buffer.from(b).toString('hex');
