// The vm_hooks (and debug console) imports of a running program, as nitro implements them in
// crates/wasm-libraries/user-host-trait/lib.rs (ink, gas sentries, order of charges and memory access)
// with the Rust-side request logic of crates/arbutil/src/evm/req.rs (return data, last-code cache).
// Chain state is not touched here: a hostio that needs it calls `request`, which the executor answers
// (the devnode's worker blocks its thread until devnode/evm/evm-api.ts has; the profiler answers only
// the memory model). The `call` instruction's 3800 ink is charged by the meter.

import { keccak_256 } from '@noble/hashes/sha3.js';
import { GETH_ARBOS } from './arbos';
import {
  BASE_INK,
  COLD_ACCOUNT_GAS,
  COLD_SLOAD_GAS,
  EVM_API_INK,
  HOSTIO_INK,
  LOG_DATA_GAS,
  LOG_TOPIC_GAS,
  REQUIRED_ACCESS_GAS,
  SSTORE_SENTRY_GAS,
  TLOAD_GAS,
  TSTORE_GAS,
  keccakPrice,
  powPrice,
  readPrice,
  writePrice,
} from './pricing';

/** Read-only context of one call, fixed before the program starts (nitro arbutil EvmData). */
export interface CallContext {
  /** 20 bytes */
  contractAddress: Uint8Array;
  msgSender: Uint8Array;
  /** 32 bytes, big-endian */
  msgValue: Uint8Array;
  txOrigin: Uint8Array;
  txGasPrice: Uint8Array;
  blockBasefee: Uint8Array;
  blockCoinbase: Uint8Array;
  blockGasLimit: bigint;
  /** the L1 block number, as nitro's block_number hostio returns */
  blockNumber: bigint;
  blockTimestamp: bigint;
  chainId: bigint;
  /** more than one open frame for this address */
  reentrant: boolean;
  /** static context: writes fail with WriteProtection */
  isStatic: boolean;
  calldata: Uint8Array;
}

export type CallKind = 'call' | 'delegatecall' | 'staticcall';

const U64_MAX = (1n << 64n) - 1n;
const U256_MOD = 1n << 256n;

/** Out of ink: the meter's status global is set. */
export class OutOfInk extends Error {
  constructor() {
    super('out of ink');
  }
}

/** exit_early unwinds the program with this status. */
export class ExitEarly extends Error {
  constructor(readonly status: number) {
    super(`exit early: ${status}`);
  }
}

/** A host-side failure (bad memory access, logic error): the program fails without data. */
export class HostFailure extends Error {}

/** The trap of a Stylus v1/v2 memory.fill whose value exceeds a byte (programs/memory-fill.ts). */
export const MEMORY_FILL_OVERFLOW = 'memory.fill value exceeds 8 bits';

export type Request = (method: string, args: unknown[]) => unknown;

export interface CallSetup {
  ctx: CallContext;
  inkPrice: bigint;
  arbosVersion: number;
  debug: boolean;
  request: Request;
  log: (text: string) => void;
}

const toBig = (b: Uint8Array) => {
  let x = 0n;
  for (const v of b) x = (x << 8n) | BigInt(v);
  return x;
};

const toBytes32 = (x: bigint) => {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
};

function powMod256(base: bigint, exp: bigint): bigint {
  let result = 1n;
  base %= U256_MOD;
  while (exp > 0n) {
    if (exp & 1n) result = (result * base) % U256_MOD;
    base = (base * base) % U256_MOD;
    exp >>= 1n;
  }
  return result;
}

export class Host {
  private setup!: CallSetup;
  private memory: WebAssembly.Memory | null = null;
  private ink!: WebAssembly.Global;
  private status!: WebAssembly.Global;
  outs: Uint8Array = new Uint8Array(0);
  private returnData: Uint8Array = new Uint8Array(0);
  private lastCode: { address: Uint8Array; code: Uint8Array } | null = null;
  readonly imports: WebAssembly.Imports;

  constructor() {
    this.imports = { vm_hooks: this.vmHooks(), console: this.consoleHooks() };
  }

  /** Prepares for a new program call (fresh instance). */
  begin(setup: CallSetup): void {
    this.setup = setup;
    this.memory = null;
    this.outs = new Uint8Array(0);
    this.returnData = new Uint8Array(0);
    this.lastCode = null;
  }

  attach(memory: WebAssembly.Memory, ink: WebAssembly.Global, status: WebAssembly.Global): void {
    this.memory = memory;
    this.ink = ink;
    this.status = status;
  }

  // ---- metering (nitro meter.rs MeteredMachine / GasMeteredMachine) ----

  private outOfInk(): never {
    this.ink.value = 0n;
    this.status.value = 1;
    throw new OutOfInk();
  }

  private inkReady(): bigint {
    if (this.status.value !== 0) this.outOfInk();
    return BigInt.asUintN(64, this.ink.value as bigint); // the i64 global holds a u64
  }

  private buyInk(ink: bigint): void {
    const left = this.inkReady();
    if (left < ink) this.outOfInk();
    this.ink.value = left - ink;
  }

  private requireInk(ink: bigint): void {
    if (this.inkReady() < ink) this.outOfInk();
  }

  private gasToInk(gas: bigint): bigint {
    const ink = gas * this.setup.inkPrice;
    return ink > U64_MAX ? U64_MAX : ink;
  }

  private gasLeft(): bigint {
    return this.inkReady() / this.setup.inkPrice;
  }

  private buyGas(gas: bigint): void {
    this.buyInk(this.gasToInk(gas));
  }

  private requireGas(gas: bigint): void {
    this.requireInk(this.gasToInk(gas));
  }

  // ---- guest memory ----

  private view(ptr: number, len: number): Uint8Array {
    const mem = this.memory;
    if (!mem) throw new HostFailure('failed to access memory: no memory');
    const p = ptr >>> 0;
    if (p + len > mem.buffer.byteLength) {
      throw new HostFailure(`failed to access memory: ${len} bytes at ${p} out of bounds`);
    }
    return new Uint8Array(mem.buffer, p, len);
  }

  private read(ptr: number, len: number): Uint8Array {
    return this.view(ptr, len >>> 0).slice();
  }

  private write(ptr: number, data: Uint8Array): void {
    this.view(ptr, data.length).set(data);
  }

  private writeU32(ptr: number, v: number): void {
    const b = this.view(ptr, 4);
    new DataView(b.buffer, b.byteOffset, 4).setUint32(0, v >>> 0, true);
  }

  private request<T>(method: string, ...args: unknown[]): T {
    return this.setup.request(method, args) as T;
  }

  // ---- hostios ----

  private vmHooks(): Record<string, (...a: never[]) => unknown> {
    const ctx = () => this.setup.ctx;
    const base = (name: keyof typeof BASE_INK) => this.buyInk(BASE_INK[name]);
    const fixed = (name: keyof typeof BASE_INK, value: () => Uint8Array) => (ptr: number) => {
      base(name);
      this.write(ptr, value());
    };
    const scalar = (name: keyof typeof BASE_INK, value: () => bigint) => () => {
      base(name);
      return value();
    };

    // call_contract, delegate_call_contract and static_call_contract share one price
    const call = (kind: CallKind) =>
      (contract: number, data: number, dataLen: number, value: number | null, gas: bigint, retLen: number): number => {
        base('call_contract');
        this.buyInk(readPrice(dataLen >>> 0));
        this.buyInk(readPrice(dataLen >>> 0)); // read from geth
        const gasLeft = this.gasLeft();
        const asked = BigInt.asUintN(64, gas);
        const gasReq = asked < gasLeft ? asked : gasLeft;
        const to = this.read(contract, 20);
        const input = this.read(data, dataLen);
        const wei = value === null ? 0n : toBig(this.read(value, 32));
        const r = this.request<{ status: number; returnData: Uint8Array; gasCost: bigint }>(
          'contractCall', kind, to, input, gasReq, wei, gasLeft,
        );
        this.buyGas(r.gasCost);
        this.returnData = r.returnData;
        this.writeU32(retLen, r.returnData.length);
        return r.status;
      };

    const create = (salted: boolean) =>
      (code: number, codeLen: number, endowment: number, salt: number | null, contract: number, revertLen: number) => {
        base(salted ? 'create2' : 'create1');
        this.buyInk(readPrice(codeLen >>> 0));
        this.buyInk(readPrice(codeLen >>> 0)); // read from geth
        const initCode = this.read(code, codeLen);
        const wei = toBig(this.read(endowment, 32));
        const saltBytes = salt === null ? null : this.read(salt, 32);
        const gas = this.gasLeft();
        const r = this.request<{ address: Uint8Array; returnData: Uint8Array; gasCost: bigint; error?: string }>(
          'create', initCode, wei, saltBytes, gas,
        );
        if (r.error !== undefined) throw new HostFailure(r.error);
        this.buyGas(r.gasCost);
        this.returnData = r.returnData;
        this.writeU32(revertLen, r.returnData.length);
        this.write(contract, r.address);
      };

    /** req.rs account_code: the last fetched code is reused for free. */
    const fetchCode = (address: Uint8Array): { code: Uint8Array; gasCost: bigint } => {
      const last = this.lastCode;
      if (last && last.address.every((b, i) => b === address[i])) return { code: last.code, gasCost: 0n };
      const r = this.request<{ code: Uint8Array; gasCost: bigint }>('accountCode', address, this.gasLeft());
      // before ArbOS 40 even empty code was cached (ARBOS_VERSION_STYLUS_LAST_CODE_CACHE_FIX)
      if (r.code.length > 0 || this.setup.arbosVersion < GETH_ARBOS.v40) this.lastCode = { address, code: r.code };
      return r;
    };

    const u256 = (ptr: number) => toBig(this.read(ptr, 32));

    return {
      read_args: (ptr: number) => {
        base('read_args');
        const args = ctx().calldata;
        this.buyInk(writePrice(args.length));
        this.write(ptr, args);
      },
      write_result: (ptr: number, len: number) => {
        base('write_result');
        this.buyInk(readPrice(len >>> 0));
        this.buyInk(readPrice(len >>> 0)); // read from geth
        this.outs = this.read(ptr, len);
      },
      exit_early: (status: number) => {
        throw new ExitEarly(status >>> 0);
      },
      storage_load_bytes32: (key: number, dest: number) => {
        base('storage_load_bytes32');
        // before ArbOS 32 nitro used the ink constant as gas here (kept for consensus)
        const evmApiGas = this.setup.arbosVersion < GETH_ARBOS.stylusChargingFixes ? EVM_API_INK : EVM_API_INK / this.setup.inkPrice;
        this.requireGas(COLD_SLOAD_GAS + REQUIRED_ACCESS_GAS + evmApiGas);
        const k = this.read(key, 32);
        const r = this.request<{ value: Uint8Array; gasCost: bigint }>('getBytes32', k, evmApiGas);
        this.buyGas(r.gasCost);
        this.write(dest, r.value);
      },
      storage_cache_bytes32: (key: number, value: number) => {
        base('storage_cache_bytes32');
        this.requireGas(SSTORE_SENTRY_GAS + REQUIRED_ACCESS_GAS);
        const k = this.read(key, 32);
        const v = this.read(value, 32);
        const r = this.request<{ gasCost: bigint }>('cacheBytes32', k, v);
        this.buyGas(r.gasCost);
      },
      storage_flush_cache: (clear: number) => {
        base('storage_flush_cache');
        this.requireGas(SSTORE_SENTRY_GAS);
        const gasLeft = this.gasLeft();
        const r = this.request<{ gasCost: bigint; outOfGas: boolean; writeProtection: boolean }>(
          'flushCache', clear !== 0, gasLeft + 1n,
        );
        if (this.setup.arbosVersion >= GETH_ARBOS.stylusChargingFixes) this.buyGas(r.gasCost);
        if (r.writeProtection) throw new HostFailure('outcome Revert');
        if (r.outOfGas) throw new HostFailure('outcome OutOfInk');
      },
      transient_load_bytes32: (key: number, dest: number) => {
        base('transient_load_bytes32');
        this.buyGas(TLOAD_GAS);
        const k = this.read(key, 32);
        const value = this.request<Uint8Array>('getTransientBytes32', k);
        this.write(dest, value);
      },
      transient_store_bytes32: (key: number, value: number) => {
        base('transient_store_bytes32');
        this.buyGas(TSTORE_GAS);
        const k = this.read(key, 32);
        const v = this.read(value, 32);
        const r = this.request<{ writeProtection: boolean }>('setTransientBytes32', k, v);
        if (r.writeProtection) throw new HostFailure('outcome Revert');
      },
      call_contract: (c: number, d: number, l: number, v: number, g: bigint, r: number) => call('call')(c, d, l, v, g, r),
      delegate_call_contract: (c: number, d: number, l: number, g: bigint, r: number) => call('delegatecall')(c, d, l, null, g, r),
      static_call_contract: (c: number, d: number, l: number, g: bigint, r: number) => call('staticcall')(c, d, l, null, g, r),
      create1: (code: number, len: number, endowment: number, contract: number, revertLen: number) =>
        create(false)(code, len, endowment, null, contract, revertLen),
      create2: (code: number, len: number, endowment: number, salt: number, contract: number, revertLen: number) =>
        create(true)(code, len, endowment, salt, contract, revertLen),
      read_return_data: (dest: number, offset: number, size: number) => {
        base('read_return_data');
        const data = this.returnData;
        const off = offset >>> 0;
        const sz = size >>> 0;
        const max = Math.max(data.length - off, 0);
        this.buyInk(writePrice(Math.min(sz, max))); // pay only for what can be written
        if (max === 0) return 0;
        const slice = data.subarray(off, Math.min(off + sz, 0xffffffff, data.length));
        if (slice.length > 0) this.write(dest, slice);
        return slice.length;
      },
      return_data_size: () => {
        base('return_data_size');
        return this.returnData.length;
      },
      emit_log: (data: number, len: number, topics: number) => {
        base('emit_log');
        const n = topics >>> 0;
        const l = len >>> 0;
        if (n > 4 || l < n * 32) throw new HostFailure('bad topic data');
        this.buyInk(readPrice(l));
        this.buyGas((1n + BigInt(n)) * LOG_TOPIC_GAS + BigInt(l - n * 32) * LOG_DATA_GAS);
        const bytes = this.read(data, l);
        const topicList: Uint8Array[] = [];
        for (let i = 0; i < n; i++) topicList.push(bytes.slice(i * 32, i * 32 + 32));
        const r = this.request<{ writeProtection: boolean }>('emitLog', bytes.slice(n * 32), topicList);
        if (r.writeProtection) throw new HostFailure('write protection');
      },
      account_balance: (address: number, dest: number) => {
        base('account_balance');
        this.requireGas(COLD_ACCOUNT_GAS);
        const a = this.read(address, 20);
        const r = this.request<{ balance: Uint8Array; gasCost: bigint }>('accountBalance', a);
        this.buyGas(r.gasCost);
        this.write(dest, r.balance);
      },
      account_code: (address: number, offset: number, size: number, dest: number) => {
        base('account_code');
        this.requireGas(COLD_ACCOUNT_GAS);
        const a = this.read(address, 20);
        const r = fetchCode(a);
        this.buyGas(r.gasCost);
        this.buyInk(writePrice(r.code.length));
        const off = offset >>> 0;
        const end = Math.min(off + (size >>> 0), r.code.length);
        const slice = off < r.code.length ? r.code.subarray(off, end) : new Uint8Array(0);
        this.write(dest, slice);
        return slice.length;
      },
      account_code_size: (address: number) => {
        base('account_code_size');
        this.requireGas(COLD_ACCOUNT_GAS);
        const a = this.read(address, 20);
        const r = fetchCode(a);
        this.buyGas(r.gasCost);
        return r.code.length;
      },
      account_codehash: (address: number, dest: number) => {
        base('account_codehash');
        this.requireGas(COLD_ACCOUNT_GAS);
        const a = this.read(address, 20);
        const r = this.request<{ hash: Uint8Array; gasCost: bigint }>('accountCodehash', a);
        this.buyGas(r.gasCost);
        this.write(dest, r.hash);
      },
      evm_gas_left: () => {
        base('evm_gas_left');
        return this.gasLeft();
      },
      evm_ink_left: () => {
        base('evm_ink_left');
        return this.inkReady();
      },
      block_basefee: fixed('block_basefee', () => ctx().blockBasefee),
      block_coinbase: fixed('block_coinbase', () => ctx().blockCoinbase),
      block_gas_limit: scalar('block_gas_limit', () => ctx().blockGasLimit),
      block_number: scalar('block_number', () => ctx().blockNumber),
      block_timestamp: scalar('block_timestamp', () => ctx().blockTimestamp),
      chainid: scalar('chainid', () => ctx().chainId),
      contract_address: fixed('contract_address', () => ctx().contractAddress),
      math_div: (value: number, divisor: number) => {
        base('math_div');
        const a = u256(value);
        const b = u256(divisor);
        this.write(value, toBytes32(b === 0n ? 0n : a / b));
      },
      math_mod: (value: number, modulus: number) => {
        base('math_mod');
        const a = u256(value);
        const b = u256(modulus);
        this.write(value, toBytes32(b === 0n ? 0n : a % b));
      },
      math_pow: (value: number, exponent: number) => {
        base('math_pow');
        const a = u256(value);
        const e = this.read(exponent, 32);
        this.buyInk(powPrice(e));
        this.write(value, toBytes32(powMod256(a, toBig(e))));
      },
      math_add_mod: (value: number, addend: number, modulus: number) => {
        base('math_add_mod');
        const a = u256(value);
        const b = u256(addend);
        const c = u256(modulus);
        this.write(value, toBytes32(c === 0n ? 0n : (a + b) % c));
      },
      math_mul_mod: (value: number, multiplier: number, modulus: number) => {
        base('math_mul_mod');
        const a = u256(value);
        const b = u256(multiplier);
        const c = u256(modulus);
        this.write(value, toBytes32(c === 0n ? 0n : (a * b) % c));
      },
      msg_reentrant: () => {
        base('msg_reentrant');
        return ctx().reentrant ? 1 : 0;
      },
      msg_sender: fixed('msg_sender', () => ctx().msgSender),
      msg_value: fixed('msg_value', () => ctx().msgValue),
      native_keccak256: (input: number, len: number, output: number) => {
        this.buyInk(keccakPrice(len >>> 0)); // no hostio base: keccak_price covers it
        const data = this.read(input, len);
        this.write(output, keccak_256(data));
      },
      tx_gas_price: fixed('tx_gas_price', () => ctx().txGasPrice),
      tx_ink_price: () => {
        base('tx_ink_price');
        return Number(this.setup.inkPrice);
      },
      tx_origin: fixed('tx_origin', () => ctx().txOrigin),
      pay_for_memory_grow: (pagesArg: number) => {
        const pages = pagesArg >>> 0;
        // v3.10: from ArbOS 59 a delta beyond u16 buys u64::MAX gas; before, it was truncated to u16
        if (pages > 0xffff && this.setup.arbosVersion >= GETH_ARBOS.stylusV3) this.buyGas(U64_MAX);
        const p16 = pages & 0xffff;
        if (p16 === 0) {
          this.buyInk(HOSTIO_INK);
          return;
        }
        const r = this.request<{ gasCost: bigint }>('addPages', p16);
        this.buyGas(r.gasCost);
      },
    };
  }

  /** Debug-chain console (nitro user-host-trait console_log*, no ink charged). */
  private consoleHooks(): Record<string, (...a: never[]) => unknown> {
    const say = (v: unknown) => this.setup.log(`Stylus says: ${String(v)}`);
    return {
      log_txt: (ptr: number, len: number) => say(new TextDecoder().decode(this.read(ptr, len))),
      log_i32: (v: number) => say(v >>> 0),
      log_i64: (v: bigint) => say(BigInt.asUintN(64, v)),
      log_f32: (v: number) => say(v),
      log_f64: (v: number) => say(v),
      tee_i32: (v: number) => (say(v >>> 0), v),
      tee_i64: (v: bigint) => (say(BigInt.asUintN(64, v)), v),
      tee_f32: (v: number) => (say(v), v),
      tee_f64: (v: number) => (say(v), v),
    };
  }
}
