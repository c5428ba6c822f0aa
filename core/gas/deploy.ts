// Deployment before anything is sent: the CREATE transaction (EIP-2028 calldata, EIP-3860 init-code
// words, the 43-byte prelude's execution, 200 gas per byte of code deposited) and ArbWasm.activateProgram
// (nitro precompiles/ArbWasm.go + arbos/programs/programs.go ActivateProgram: the fixed 1,659,168, the
// compile charge of crates/prover/src/programs/mod.rs, ArbOS storage, the event), with its data fee
// from the data pricer (arbos/programs/data_pricer.go).
import { GETH_ARBOS } from '../../nitro/arbos';
import { ACTIVATION_FIXED_GAS, activationCompileGas } from '../../nitro/costs';
import { dataFee, initialDataPricer, type DataPricerState } from '../../nitro/data-pricer';
import type { StylusParams } from '../../nitro/params';
import { STORAGE_READ_COST, STORAGE_WRITE_COST } from '../../nitro/storage';
import { fragmentReadGasCost } from '../../nitro/program-code';
import { TX_BASE_GAS } from './call';
import type { ProgramShape } from './shape';

const CREATE_GAS = 32_000;
const INITCODE_WORD_GAS = 2;
const CODE_DEPOSIT_GAS = 200;
// ArbOS storage prices, as the devnode's precompiles charge them
const STORAGE_READ = Number(STORAGE_READ_COST);
const STORAGE_WRITE = Number(STORAGE_WRITE_COST);

const words = (n: number) => Math.ceil(n / 32);
const memoryGas = (bytes: number) => 3 * words(bytes) + Math.floor(words(bytes) ** 2 / 512);

export interface DeployEstimate {
  /** the program's deployment: a CREATE, or (multi-part layouts) a CREATE2 through the proxy */
  deployGas: number;
  /** the other parts (data contracts or fragments), each through the proxy, in deployment order */
  partsGas?: { name: string; deployGas: number }[];
  activationGas: number;
  dataFeeWei: bigint;
  compressedBytes: number;
  /** the parts of each, for the report */
  parts: { deploy: Record<string, number>; activation: Record<string, number> };
}

/** Gas of the CREATE transaction that puts the compressed program on chain. */
export function deployGas(shape: ProgramShape): { total: number; parts: Record<string, number> } {
  const n = shape.initCodeBytes;
  const runtime = shape.compressedBytes;
  const calldata = 4 * shape.initCodeZeroBytes + 16 * (n - shape.initCodeZeroBytes);
  // PUSH32, DUP1, PUSH1, PUSH1, CODECOPY (3 + 3/word + memory), PUSH1, RETURN
  const prelude = 3 * 6 + 3 * words(runtime) + memoryGas(runtime);
  const parts = {
    intrinsic: TX_BASE_GAS + CREATE_GAS,
    calldata,
    initCodeWords: INITCODE_WORD_GAS * words(n),
    prelude,
    codeDeposit: CODE_DEPOSIT_GAS * runtime,
  };
  return { total: Object.values(parts).reduce((a, b) => a + b, 0), parts };
}

/**
 * Gas of deploying `initCode` through the CREATE2 proxy (core/layout/create2.ts): the transaction's
 * calldata (32-byte salt ‖ init code), the proxy's copy of it into memory, CREATE2 (32,000, keccak of the
 * init code 6/word, EIP-3860 2/word), the init code copying out the code, and 200 per byte deposited.
 * `runtimeBytes` is the code the init code returns; the init code's own prelude is `initCode.length −
 * runtimeBytes` bytes of PUSH/DUP/CODECOPY/RETURN.
 */
export function proxyDeployGas(initCodeBytes: number, initCodeZeroBytes: number, runtimeBytes: number): { total: number; parts: Record<string, number> } {
  const zeros = 32 + initCodeZeroBytes;
  const calldataBytes = 32 + initCodeBytes;
  const w = words(initCodeBytes);
  const parts = {
    intrinsic: TX_BASE_GAS,
    calldata: 4 * zeros + 16 * (calldataBytes - zeros),
    // the proxy: its opcodes (measured once: PUSH/DUP/CALLDATALOAD/ISZERO/JUMPI/MSTORE/RETURN) and the
    // copy of the init code into its memory
    proxy: PROXY_OPCODES_GAS + 3 * w + memoryGas(initCodeBytes),
    create2: CREATE_GAS + 6 * w + INITCODE_WORD_GAS * w,
    // PUSH, DUP1, PUSH, PUSH, CODECOPY (3 + 3/word + memory), PUSH, RETURN
    prelude: 3 * 6 + 3 * words(runtimeBytes) + memoryGas(runtimeBytes),
    codeDeposit: CODE_DEPOSIT_GAS * runtimeBytes,
  };
  return { total: Object.values(parts).reduce((a, b) => a + b, 0), parts };
}

/** The CREATE2 proxy's own opcodes around the copy and the CREATE2 (its 69 bytes of runtime code). */
const PROXY_OPCODES_GAS = 90;

/** calldata gas of activateProgram(address): selector + a word with 12 zero bytes of padding */
const ACTIVATE_CALLDATA_GAS = 4 * 16 + 12 * 4 + 20 * 16;

/** Gas of the ArbWasm.activateProgram transaction. */
export function activationGas(shape: ProgramShape, params: StylusParams): { total: number; parts: Record<string, number> } {
  const compile = Number(activationCompileGas(shape.compile));
  const parts = {
    intrinsic: TX_BASE_GAS,
    calldata: ACTIVATE_CALLDATA_GAS,
    // precompile entry: a non-pure method reads ArbOS state, the argument and result are copied (3/word)
    precompile: STORAGE_READ + 3 * 1 + 3 * 2,
    // Programs.ActivationGas from ArbOS 59: its storage read, then the configured charge
    activationGasParam: params.arbosVersion >= GETH_ARBOS.stylusV3 ? STORAGE_READ + params.activationGas : 0,
    fixed: Number(ACTIVATION_FIXED_GAS),
    compile,
    // Params(), programExists, moduleHashes.Set, data pricer (5 reads, 2 writes), setProgram, NetworkFeeAccount
    storage: 100 + STORAGE_READ + STORAGE_WRITE + 5 * STORAGE_READ + 2 * STORAGE_WRITE + STORAGE_WRITE + STORAGE_READ,
    // ProgramActivated(bytes32 indexed, bytes32, address, uint256, uint16): 2 topics, 4 words of data
    event: 375 + 2 * 375 + 8 * 128,
  };
  return { total: Object.values(parts).reduce((a, b) => a + b, 0), parts };
}

/** The data fee the activation pays (wei), from the pricer's state (a fresh chain's by default). */
export function activationDataFee(shape: ProgramShape, pricer: DataPricerState = initialDataPricer(), time?: bigint): bigint {
  return dataFee(pricer, shape.costs.asmEstimate, time ?? pricer.lastUpdateTime).fee;
}

/** A contract deployed through the CREATE2 proxy: its init code (length, zero bytes) and the code it leaves. */
export interface ProxiedPart {
  name: string;
  initCodeBytes: number;
  initCodeZeroBytes: number;
  codeBytes: number;
}

/** Zero and total bytes of init code, as a ProxiedPart wants them. */
export function proxiedPart(name: string, initCode: Uint8Array, codeBytes: number): ProxiedPart {
  return { name, initCodeBytes: initCode.length, initCodeZeroBytes: initCode.reduce((n, x) => n + (x === 0 ? 1 : 0), 0), codeBytes };
}

/**
 * `parts`: a multi-part layout's other contracts (data contracts, fragments), in deployment order; the
 * program then goes through the proxy too. `root`: a fragmented program's root, deployed in place of the
 * classic code; activation then reads every fragment (cold: nitro's fragmentReadGasCost).
 */
export function deployEstimate(shape: ProgramShape, params: StylusParams, pricer?: DataPricerState, parts?: ProxiedPart[], root?: ProxiedPart): DeployEstimate {
  if (parts && parts.length > 0) {
    const prog = root ?? { name: 'program', initCodeBytes: shape.initCodeBytes, initCodeZeroBytes: shape.initCodeZeroBytes, codeBytes: shape.compressedBytes };
    const d = proxyDeployGas(prog.initCodeBytes, prog.initCodeZeroBytes, prog.codeBytes);
    const a = activationGas(shape, params);
    if (root) {
      a.parts.fragmentReads = parts.reduce((g, p) => g + Number(fragmentReadGasCost(false, p.codeBytes)), 0);
      a.total += a.parts.fragmentReads;
    }
    const partsGas = parts.map((p) => ({ name: p.name, deployGas: proxyDeployGas(p.initCodeBytes, p.initCodeZeroBytes, p.codeBytes).total }));
    return { deployGas: d.total, partsGas, activationGas: a.total, dataFeeWei: activationDataFee(shape, pricer), compressedBytes: shape.compressedBytes, parts: { deploy: d.parts, activation: a.parts } };
  }
  const d = deployGas(shape);
  const a = activationGas(shape, params);
  return { deployGas: d.total, activationGas: a.total, dataFeeWei: activationDataFee(shape, pricer), compressedBytes: shape.compressedBytes, parts: { deploy: d.parts, activation: a.parts } };
}
