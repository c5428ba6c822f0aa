// Routes EVM execution to Stylus and to the ArbOS precompiles by overriding @ethereumjs/evm's
// runInterpreter (recipes/building-blocks.md): Stylus programs (classic `EF F0 00`, and roots `EF F0 02`
// from ArbOS 60: geth core/vm/interpreter.go IsStylusDeployableProgramPrefix) run in the Stylus runtime
// after nitro's CallProgram charges (arbos/programs/programs.go); calls to 0x64…0xff reach the
// precompiles; EIP-3541 is enforced here so that only Stylus code is exempt (geth core/vm/evm.go
// IsStylusComponentPrefix). Also the transaction-level rules nitro applies around execution: the
// per-transaction gas cap (tx_processor.go GasChargingHook), the open-frame counts msg_reentrant reads
// (PushContract), the per-block recent-wasm cache, and transaction filtering (StateDB.FilterTx).
import { EVMError, type EVM, type ExecResult, type Log, type Message } from '@ethereumjs/evm';
import type { MerkleStateManager } from '@ethereumjs/statemanager';
import { Account, Address, bigIntToBytes, setLengthLeft } from '@ethereumjs/util';
import { keccak_256 } from '@noble/hashes/sha3.js';
import type { ActivationOutcome } from '../../nitro/activate';
import { GETH_ARBOS } from '../../nitro/arbos';
import { cachedGas, evmMemoryCost, initGas } from '../../nitro/costs';
import { MEMORY_FILL_OVERFLOW, type CallContext } from '../../nitro/host';
import { executionGasCap, MAX_CODE_SIZE } from '../../nitro/limits';
import { memoryGasCost, TxPages } from '../../nitro/memory';
import type { StylusParams } from '../../nitro/params';
import { isDeployableProgram, isStylusComponent, programWasm } from '../../nitro/program-code';
import type { StylusRuntime, UserOutcome } from '../stylus/api';
import { compilePrecompiles } from '../precompiles';
import { SolError, type CompiledPrecompile } from '../precompiles/framework';
import type { ArbContext } from './arb-context';
import { ArbosState } from './arbos-state';
import { StylusEvmApi } from './evm-api';
import { getActiveProgram, pageLimitEnforced } from './programs';

type InterpreterMessage = Message & { codeAddress: Address; isCreate?: boolean };
type RunInterpreter = (message: Message, opts?: { initialLogs?: Log[] }) => Promise<ExecResult>;

/** Invalid code (precompile marker, as nitro stores at ArbOS precompile addresses). */
export const PRECOMPILE_CODE = Uint8Array.of(0xfe);

const outOfGas = (gasLimit: bigint): ExecResult => ({
  returnValue: new Uint8Array(0),
  executionGasUsed: gasLimit,
  exceptionError: new EVMError(EVMError.errorMessages.OUT_OF_GAS),
});
const errorAllGas = (gasLimit: bigint, message: string): ExecResult => ({
  returnValue: new Uint8Array(0),
  executionGasUsed: gasLimit,
  // ethereumjs types the message as its own enum; nitro-specific texts (ProgramNotActivated…) go through as is
  exceptionError: new EVMError(message as ConstructorParameters<typeof EVMError>[0]),
});

export interface BridgeHooks {
  blockHash(n: bigint): Uint8Array | undefined;
}

/**
 * How a transaction runs (geth core.MessageRunContext): a mined transaction and eth_estimateGas have their
 * execution gas capped (GasChargingHook skips the cap only for eth_call).
 */
export type RunMode = 'commit' | 'estimate' | 'call';

/** The block's recent-wasm cache (geth statedb RecentWasms): an LRU of code hashes, discarded every block. */
class RecentWasms {
  private readonly items = new Map<string, true>();
  /** Insert: true when already present (a hit), else added, dropping the least recently used past `retain`. */
  insert(codeHash: Uint8Array, retain: number): boolean {
    const key = hexOf(codeHash);
    if (this.items.has(key)) {
      this.items.delete(key);
      this.items.set(key, true);
      return true;
    }
    this.items.set(key, true);
    while (this.items.size > Math.max(retain, 0)) this.items.delete(this.items.keys().next().value as string);
    return false;
  }
  clear(): void {
    this.items.clear();
  }
}

export class StylusBridge implements ArbContext {
  readonly arbos: ArbosState;
  readonly pages = new TxPages();
  readonly precompiles: Map<string, CompiledPrecompile<ArbContext>>;
  private original!: RunInterpreter;
  /** open frames (EVM and Stylus, not delegate/callcode) per acting address, for msg_reentrant */
  private readonly openFrames = new Map<string, number>();
  private currentDepth = 0;
  /** cached per transaction: the ArbOS version cannot change inside one */
  private arbosCache: number | null = null;
  private readonly recentWasms = new RecentWasms();
  private mode: RunMode = 'commit';
  private txGasLimit = 0n;
  /** set when the running transaction must not be included (nitro StateDB.FilterTx) */
  txFiltered = false;

  constructor(
    readonly evm: EVM,
    readonly sm: MerkleStateManager,
    readonly chainId: bigint,
    public runtime: StylusRuntime | null,
    private readonly hooks: BridgeHooks,
    /** the chain's debug mode (nitro ChainConfig.DebugMode): off on One and by default here */
    readonly debugMode = false,
  ) {
    this.arbos = new ArbosState(sm);
    this.precompiles = compilePrecompiles();
  }

  install(): void {
    const evm = this.evm as unknown as {
      runInterpreter: RunInterpreter;
      runCall: (opts: { message?: Message; gasLimit?: bigint }) => Promise<unknown>;
      getPrecompile: (a: Address) => unknown;
      _precompiles: Map<string, unknown>;
    };
    this.original = evm.runInterpreter.bind(this.evm);
    evm.runInterpreter = (message, opts) => this.runInterpreter(message as InterpreterMessage, opts);
    // The transaction's own frame (runTx calls runCall without a message) gets at most the execution cap;
    // the gas above it is held back, so the sender is refunded it (GasChargingHook's computeHoldGas).
    const runCall = evm.runCall.bind(this.evm);
    evm.runCall = async (opts) => {
      if (opts.message === undefined && this.mode !== 'call' && opts.gasLimit !== undefined) {
        const intrinsic = this.txGasLimit > opts.gasLimit ? this.txGasLimit - opts.gasLimit : 0n;
        const cap = executionGasCap(await this.arbosVersion(), intrinsic);
        if (opts.gasLimit > cap) opts = { ...opts, gasLimit: cap };
      }
      return runCall(opts);
    };
    // Warm like precompiles (runTx warms every key of evm.precompiles) but executed through runInterpreter.
    const getPrecompile = evm.getPrecompile.bind(this.evm);
    for (const key of this.precompiles.keys()) evm._precompiles.set(key, () => outOfGas(0n));
    evm.getPrecompile = (a: Address) => (this.precompiles.has(a.toString().slice(2).toLowerCase()) ? undefined : getPrecompile(a));
    // EIP-3541 is applied in runInterpreter with the Stylus exemption; ethereumjs's own check is turned off.
    const common = this.evm.common;
    const isActivated = common.isActivatedEIP.bind(common);
    common.isActivatedEIP = (eip: number) => (eip === 3541 ? false : isActivated(eip));
  }

  /**
   * Called before every transaction (and simulated call): nitro resets the page counters in SetTxContext.
   * `gasLimit` is the transaction's, from which the execution cap's intrinsic part is derived.
   */
  beginTx(mode: RunMode = 'commit', gasLimit = 0n): void {
    this.pages.reset();
    this.openFrames.clear();
    this.arbosCache = null;
    this.mode = mode;
    this.txGasLimit = gasLimit;
    this.txFiltered = false;
  }

  /** Called before every block, and before every simulated call (each runs on a fresh StateDB in nitro). */
  beginBlock(): void {
    this.recentWasms.clear();
  }

  private readonly activations = new Map<string, ActivationOutcome>();

  // ---- ArbContext ----
  get journal() {
    return this.evm.journal;
  }
  async activate(wasm: Uint8Array, params: StylusParams, pageLimit: number): Promise<ActivationOutcome> {
    const runtime = this.runtime;
    if (runtime === null) throw new Error('the Stylus runtime is not available');
    // eth_estimateGas re-runs activateProgram many times; compiling once is enough
    const key = `${hexOf(keccak_256(wasm))}:${params.arbosVersion}:${params.stylusVersion}:${params.debugMode}:${pageLimit}`;
    const known = this.activations.get(key);
    if (known !== undefined && known.ok && runtime.hasModule?.(known.program.moduleHash, params) !== false) return known;
    if (known !== undefined && !known.ok) return known;
    const outcome = await runtime.activate(wasm, params, pageLimit);
    if (this.activations.size > 256) this.activations.clear();
    this.activations.set(key, outcome);
    return outcome;
  }

  async arbosVersion(): Promise<number> {
    if (this.arbosCache === null) this.arbosCache = await this.arbos.arbosVersion();
    return this.arbosCache;
  }
  /** forget the cached version after an upgrade */
  invalidateArbosVersion(): void {
    this.arbosCache = null;
  }
  /** Programs.Params: the chain's stored Stylus parameters (owner-settable, upgraded with ArbOS). */
  async params(): Promise<StylusParams> {
    return this.arbos.stylusParams(this.debugMode);
  }
  private get block() {
    return (this.evm as unknown as { _block?: { header: { number: bigint; timestamp: bigint; baseFeePerGas?: bigint; coinbase: Address; gasLimit: bigint } } })._block;
  }
  private get tx() {
    return (this.evm as unknown as { _tx?: { gasPrice: bigint; origin: Address } })._tx;
  }
  blockNumber(): bigint {
    return this.block?.header.number ?? 0n;
  }
  blockTimestamp(): bigint {
    return this.block?.header.timestamp ?? 0n;
  }
  blockHash(n: bigint): Uint8Array | undefined {
    return this.hooks.blockHash(n);
  }
  pagesOpen(): number {
    return this.pages.open;
  }
  depth(): number {
    return this.currentDepth + 1;
  }
  async transfer(from: Address, to: Address, amount: bigint): Promise<void> {
    if (amount === 0n) return;
    const a = (await this.sm.getAccount(from)) ?? new Account();
    if (a.balance < amount) throw new Error(`insufficient balance for transfer from ${from.toString()}`);
    a.balance -= amount;
    await this.evm.journal.putAccount(from, a);
    const b = (await this.sm.getAccount(to)) ?? new Account();
    b.balance += amount;
    await this.evm.journal.putAccount(to, b);
  }

  // ---- routing ----
  private async runInterpreter(message: InterpreterMessage, opts?: { initialLogs?: Log[] }): Promise<ExecResult> {
    const codeAddress = message.codeAddress ?? message.to;
    const pre = message.isCreate === true || codeAddress === undefined ? undefined : this.precompiles.get(codeAddress.toString().slice(2).toLowerCase());
    if (pre !== undefined) return this.runPrecompile(pre, message);
    // PushContract: every interpreter frame but delegate/callcode counts for its address (msg_reentrant)
    const acting = message.to?.toString();
    const counted = acting !== undefined && message.delegatecall !== true && (codeAddress === undefined || codeAddress.equals(message.to!));
    if (counted) this.openFrames.set(acting, (this.openFrames.get(acting) ?? 0) + 1);
    try {
      if (message.isCreate === true) {
        const res = await this.original(message, opts);
        // EIP-3541 with Arbitrum's exemption for Stylus code (geth evm.go initNewContract)
        const out = res.returnValue;
        if (res.exceptionError === undefined && out.length > 0 && out[0] === 0xef && !isStylusComponent(out, await this.arbosVersion())) {
          return { ...res, ...errorAllGas(message.gasLimit, EVMError.errorMessages.INVALID_BYTECODE_RESULT), logs: [] };
        }
        return res;
      }
      if (message.code instanceof Uint8Array && isDeployableProgram(message.code, await this.arbosVersion())) return await this.runStylus(message);
      return await this.original(message, opts);
    } finally {
      if (counted) this.openFrames.set(acting, (this.openFrames.get(acting) ?? 1) - 1);
    }
  }

  private async runPrecompile(pre: CompiledPrecompile<ArbContext>, message: InterpreterMessage): Promise<ExecResult> {
    const depthBefore = this.currentDepth;
    this.currentDepth = message.depth;
    try {
      const out = await pre.call(this, await this.arbosVersion(), message.data, {
        caller: message.caller,
        actingAs: message.to ?? pre.def.address,
        value: message.value,
        isStatic: message.isStatic,
        gasLimit: message.gasLimit,
      });
      const base = {
        selfdestruct: message.selfdestruct ?? new Map(),
        createdAddresses: message.createdAddresses ?? new Set(),
        gasRefund: message.gasRefund,
      };
      if (out.kind === 'success') {
        const logs: Log[] = out.logs.map((l) => [(message.to ?? pre.def.address).bytes, l.topics, l.data]);
        return { ...base, returnValue: out.output, executionGasUsed: out.gasUsed, logs };
      }
      if (out.kind === 'revert') {
        return { ...base, returnValue: out.output, executionGasUsed: out.gasUsed, exceptionError: new EVMError(EVMError.errorMessages.REVERT) };
      }
      return { ...base, ...errorAllGas(message.gasLimit, out.reason) };
    } finally {
      this.currentDepth = depthBefore;
      // an ArbOS upgrade scheduled for "now" changes the version for the rest of the block
      this.invalidateArbosVersion();
    }
  }

  /** CallProgram: active-program checks, init/cached/memory charges, run, outcome mapping. */
  private async runStylus(message: InterpreterMessage): Promise<ExecResult> {
    const startingGas = message.gasLimit;
    const params = await this.params();
    const codeAddress = message.codeAddress ?? message.to!;
    const codeAccount = await this.sm.getAccount(codeAddress);
    const codeHash = codeAccount?.codeHash ?? new Uint8Array(32);
    let program;
    try {
      program = await getActiveProgram(this, codeHash, params);
    } catch (e) {
      // outside ArbWasm the named errors are plain (non-revert) errors: all gas, no data
      if (e instanceof SolError) return errorAllGas(startingGas, e.message);
      throw e;
    }
    const moduleHash = await this.arbos.getModuleHash(codeHash);
    const runtime = this.runtime;
    if (runtime === null) return errorAllGas(startingGas, 'Stylus runtime not available');
    // a module activated before this runtime existed (e.g. a reset runtime) is recompiled, as nitro
    // recompiles a missing asm
    if (runtime.hasModule !== undefined && runtime.load !== undefined && !runtime.hasModule(hexOf(moduleHash), params)) {
      let wasm: Uint8Array;
      try {
        // a root's fragments are read without charges outside activation (getWasm with no charger)
        wasm = await programWasm(message.code as Uint8Array, params, { activating: false, read: (a) => this.sm.getCode(new Address(a)) });
      } catch (e) {
        return errorAllGas(startingGas, (e as Error).message);
      }
      await runtime.load(wasm, params);
    }

    const { open, ever } = this.pages;
    let callCost = memoryGasCost(program.footprint, open, ever, params.freePages, params.pageGas);
    // the block's recent-wasm cache (ArbOS ≥ 60): a program called again in the block pays as if cached
    const recentHit = params.arbosVersion >= GETH_ARBOS.stylusContractLimit && this.recentWasms.insert(codeHash, params.blockCacheSize);
    const cached = program.cached || recentHit;
    if (cached || program.version > 1) callCost += cachedGas(program.cachedCost, params);
    if (!cached) callCost += initGas(program.initCost, params);
    if (callCost > startingGas) return outOfGas(startingGas);
    this.pages.add(program.footprint);
    if (pageLimitEnforced(params.arbosVersion) && this.pages.open > params.pageLimit) {
      this.pages.open = open;
      return outOfGas(startingGas);
    }
    const gas = startingGas - callCost;

    const acting = message.to!;
    const key = acting.toString();
    const header = this.block?.header;
    const tx = this.tx;
    const ctx: CallContext = {
      contractAddress: acting.bytes,
      msgSender: message.caller.bytes,
      msgValue: word(message.value),
      txOrigin: (tx?.origin ?? message.caller).bytes,
      txGasPrice: word(tx?.gasPrice ?? 0n),
      blockBasefee: word(header?.baseFeePerGas ?? 0n),
      blockCoinbase: (header?.coinbase ?? new Address(new Uint8Array(20))).bytes,
      blockGasLimit: header?.gasLimit ?? 0n,
      // ProcessingHook.L1BlockNumber, as EVM NUMBER: the L1 block number ArbOS last recorded
      blockNumber: await this.arbos.l1BlockNumber(),
      blockTimestamp: header?.timestamp ?? 0n,
      chainId: this.chainId,
      reentrant: (this.openFrames.get(key) ?? 0) > 1,
      isStatic: message.isStatic,
      calldata: message.data,
    };
    const api = new StylusEvmApi({
      evm: this.evm,
      address: acting,
      caller: message.caller,
      value: message.value,
      isStatic: message.isStatic,
      depth: message.depth,
      gasRefund: message.gasRefund,
      arbosVersion: params.arbosVersion,
      pages: this.pages,
      freePages: params.freePages,
      pageGas: params.pageGas,
      maxCodeSize: MAX_CODE_SIZE,
      selfdestruct: message.selfdestruct,
      createdAddresses: message.createdAddresses,
    });
    const depthBefore = this.currentDepth;
    this.currentDepth = message.depth;
    let outcome: UserOutcome;
    let gasLeft: bigint;
    try {
      ({ outcome, gasLeft } = await runtime.call(hexOf(moduleHash), ctx, api, gas, params));
    } finally {
      this.currentDepth = depthBefore;
      this.pages.open = open; // SetStylusPagesOpen(open) on exit; `ever` stays
    }
    if (gasLeft > gas) gasLeft = gas;

    const base = {
      selfdestruct: message.selfdestruct ?? new Map(),
      createdAddresses: message.createdAddresses ?? new Set(),
    };
    let ret: Uint8Array = new Uint8Array(0);
    let error: EVMError | undefined;
    switch (outcome.kind) {
      case 'success':
        ret = outcome.output;
        break;
      case 'revert':
        ret = outcome.output;
        error = new EVMError(EVMError.errorMessages.REVERT);
        break;
      case 'failure':
        // Stylus v1/v2 trap on memory.fill > 0xFF: the transaction is filtered out (programs/native.go)
        if (outcome.reason.includes(MEMORY_FILL_OVERFLOW)) this.txFiltered = true;
        error = new EVMError(EVMError.errorMessages.REVERT);
        break;
      case 'outOfInk':
        return { ...base, ...outOfGas(startingGas) };
      case 'outOfStack':
        return { ...base, ...errorAllGas(startingGas, 'max call depth exceeded') };
    }
    // ArbOS ≥ 31: returned data costs at least what EVM memory for it would
    if (ret.length > 0 && params.arbosVersion >= GETH_ARBOS.stylusFixes) {
      const evmCost = evmMemoryCost(ret.length);
      if (startingGas < evmCost) return { ...base, ...outOfGas(startingGas) };
      const maxReturn = startingGas - evmCost;
      if (gasLeft > maxReturn) gasLeft = maxReturn;
    }
    const result: ExecResult = {
      ...base,
      returnValue: ret,
      executionGasUsed: startingGas - gasLeft,
      gasRefund: error === undefined ? api.gasRefund : message.gasRefund,
      logs: error === undefined ? api.logs : [],
    };
    if (error !== undefined) result.exceptionError = error;
    return result;
  }
}

const word = (v: bigint) => setLengthLeft(bigIntToBytes(v), 32);
const hexOf = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`;
