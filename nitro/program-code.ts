// How a Stylus program is stored as contract code, and how ArbOS reads it back: the one definition of the
// code prefixes, the classic / root / fragment layouts, splitting a compressed program into fragments,
// reassembly, decompression capped at MaxWasmSize, and the gas activation charges per fragment read.
//
// Sources (facts, not code): go-ethereum (nitro's fork) core/state/statedb_arbitrum.go — the prefixes,
// IsStylus{Classic,Root,Fragment}Prefix, IsStylusComponentPrefix / IsStylusDeployableProgramPrefix,
// StripStylusPrefix, StripStylusFragmentPrefix, NewStylusRoot (read at consensus-v60-alpha.1 and merge-v1.17.0,
// identical); nitro v3.10.0 arbos/programs/programs.go getWasmFromContractCode, getWasmFromClassicStylus,
// getWasmFromRootStylus, fragmentReadGasCost, getStylusCompressionDict; stylus-sdk-rs stylus-tools
// src/core/code/{mod,fragments,contract}.rs — how cargo-stylus ≥ 0.10.1 splits and roots a large program.
//
//   classic   EF F0 00 <dict> ‖ brotli stream                       one contract, ≤ MaxCodeSize bytes
//   fragment  EF F0 01 ‖ a slice of the brotli stream               ArbOS ≥ 60, never activated itself
//   root      EF F0 02 <dict> <decompressed length: u32 BE> ‖ 20-byte fragment addresses, in order
//
// Everything here is pure: `core/build` and `core/chain` produce and deploy root + fragments with it, the
// devnode's activation reads them back with it.

import { brotliDecompressSync } from 'node:zlib';
import { GETH_ARBOS } from './arbos';
import { MAX_CODE_SIZE } from './limits';

const MAGIC = 0xef;
const MAGIC_SUFFIX = 0xf0;
/** third byte: the kind of Stylus code */
export const STYLUS_CLASSIC_VERSION = 0x00;
export const STYLUS_FRAGMENT_VERSION = 0x01;
export const STYLUS_ROOT_VERSION = 0x02;

/** `EF F0 00`: classic Stylus code (a fourth byte names the brotli dictionary). */
export const STYLUS_CLASSIC_PREFIX = Uint8Array.of(MAGIC, MAGIC_SUFFIX, STYLUS_CLASSIC_VERSION);
/** `EF F0 01`: a fragment of a larger program (no dictionary byte). */
export const STYLUS_FRAGMENT_PREFIX = Uint8Array.of(MAGIC, MAGIC_SUFFIX, STYLUS_FRAGMENT_VERSION);
/** `EF F0 02`: a root program listing its fragments (a fourth byte names the dictionary). */
export const STYLUS_ROOT_PREFIX = Uint8Array.of(MAGIC, MAGIC_SUFFIX, STYLUS_ROOT_VERSION);

/** Brotli dictionaries a program may be compressed with (getStylusCompressionDict). */
export const DICT_NONE = 0;
/** nitro's StylusProgramDictionary (crates/brotli/src/dicts/stylus-program-11.lz), a raw LZ77 dictionary */
export const DICT_STYLUS_PROGRAM = 1;

/** root header: prefix (3) + dictionary (1) + decompressed length (4) */
export const ROOT_HEADER_LENGTH = 8;
const ADDRESS_LENGTH = 20;

function hasPrefix(code: Uint8Array, prefix: Uint8Array): boolean {
  // geth requires at least one byte after the 3-byte discriminant
  return code.length > prefix.length && code[0] === prefix[0] && code[1] === prefix[1] && code[2] === prefix[2];
}

/** IsStylusClassicProgramPrefix */
export const isClassicProgram = (code: Uint8Array): boolean => hasPrefix(code, STYLUS_CLASSIC_PREFIX);
/** IsStylusFragmentPrefix */
export const isFragment = (code: Uint8Array): boolean => hasPrefix(code, STYLUS_FRAGMENT_PREFIX);
/** IsStylusRootProgramPrefix */
export const isRootProgram = (code: Uint8Array): boolean => hasPrefix(code, STYLUS_ROOT_PREFIX);

/** IsStylusDeployableProgramPrefix: code that runs as a Stylus program (classic, and roots from ArbOS 60). */
export function isDeployableProgram(code: Uint8Array, arbosVersion: number): boolean {
  if (arbosVersion < GETH_ARBOS.stylus) return false;
  if (arbosVersion < GETH_ARBOS.stylusContractLimit) return isClassicProgram(code);
  return isClassicProgram(code) || isRootProgram(code);
}

/**
 * IsStylusComponentPrefix: code exempt from EIP-3541 at deployment and that cannot self-destruct
 * (deployable programs, and fragments from ArbOS 60).
 */
export function isStylusComponent(code: Uint8Array, arbosVersion: number): boolean {
  if (arbosVersion < GETH_ARBOS.stylusContractLimit) return isDeployableProgram(code, arbosVersion);
  return isDeployableProgram(code, arbosVersion) || isFragment(code);
}

// ---------------------------------------------------------------- building code

/** Classic code: `EF F0 00 <dict>` ‖ the compressed program. */
export function classicProgramCode(compressed: Uint8Array, dict = DICT_NONE): Uint8Array {
  const code = new Uint8Array(4 + compressed.length);
  code.set(STYLUS_CLASSIC_PREFIX, 0);
  code[3] = dict;
  code.set(compressed, 4);
  return code;
}

/** A fragment's code: `EF F0 01` ‖ its slice of the compressed program. */
export function fragmentCode(slice: Uint8Array): Uint8Array {
  if (slice.length === 0) throw new Error('a Stylus fragment must hold at least one byte');
  const code = new Uint8Array(STYLUS_FRAGMENT_PREFIX.length + slice.length);
  code.set(STYLUS_FRAGMENT_PREFIX, 0);
  code.set(slice, STYLUS_FRAGMENT_PREFIX.length);
  return code;
}

export interface StylusRoot {
  /** brotli dictionary of the whole compressed program */
  dictionary: number;
  /** exact length of the decompressed wasm (activation refuses any other) */
  decompressedLength: number;
  /** the fragments' addresses, 20 bytes each, in the order their slices concatenate */
  fragments: Uint8Array[];
}

/** A root program's code: `EF F0 02 <dict> <len u32 BE>` ‖ the fragment addresses. */
export function rootProgramCode(root: StylusRoot): Uint8Array {
  if (!Number.isInteger(root.decompressedLength) || root.decompressedLength < 0 || root.decompressedLength > 0xffffffff) {
    throw new Error(`decompressed length ${root.decompressedLength} does not fit a uint32`);
  }
  const code = new Uint8Array(ROOT_HEADER_LENGTH + ADDRESS_LENGTH * root.fragments.length);
  code.set(STYLUS_ROOT_PREFIX, 0);
  code[3] = root.dictionary;
  new DataView(code.buffer).setUint32(4, root.decompressedLength, false);
  root.fragments.forEach((a, i) => {
    if (a.length !== ADDRESS_LENGTH) throw new Error(`fragment address ${i} is ${a.length} bytes, not 20`);
    code.set(a, ROOT_HEADER_LENGTH + ADDRESS_LENGTH * i);
  });
  return code;
}

/** The largest slice one fragment holds: MaxCodeSize minus the fragment prefix (as cargo-stylus splits). */
export const MAX_FRAGMENT_PAYLOAD = MAX_CODE_SIZE - STYLUS_FRAGMENT_PREFIX.length;

/** True when the compressed program fits one classic contract (prefix + dictionary byte + stream ≤ MaxCodeSize). */
export function fitsClassic(compressedLength: number, maxCodeSize = MAX_CODE_SIZE): boolean {
  return compressedLength + STYLUS_CLASSIC_PREFIX.length + 1 <= maxCodeSize;
}

/**
 * Splits a compressed program into fragment codes, each at most `maxCodeSize` bytes with its prefix
 * (stylus-tools CodeFragments::new: consecutive chunks of maxCodeSize − 3 bytes).
 */
export function splitIntoFragments(compressed: Uint8Array, maxCodeSize = MAX_CODE_SIZE): Uint8Array[] {
  const chunk = maxCodeSize - STYLUS_FRAGMENT_PREFIX.length;
  if (chunk <= 0) throw new Error(`maxCodeSize ${maxCodeSize} leaves no room after the fragment prefix`);
  if (compressed.length === 0) throw new Error('nothing to split: the compressed program is empty');
  const out: Uint8Array[] = [];
  for (let at = 0; at < compressed.length; at += chunk) out.push(fragmentCode(compressed.subarray(at, at + chunk)));
  return out;
}

// ---------------------------------------------------------------- reading code

/** StripStylusPrefix: the dictionary byte and the compressed stream of classic code. */
export function parseClassicProgram(code: Uint8Array): { dictionary: number; compressed: Uint8Array } {
  if (!isClassicProgram(code)) throw new StylusCodeError('specified bytecode is not a Stylus program');
  return { dictionary: code[3], compressed: code.subarray(4) };
}

/** StripStylusFragmentPrefix: the slice a fragment holds. */
export function fragmentPayload(code: Uint8Array): Uint8Array {
  if (!isFragment(code)) throw new StylusCodeError('specified bytecode is not a Stylus program fragment');
  return code.subarray(STYLUS_FRAGMENT_PREFIX.length);
}

/** NewStylusRoot: the root's dictionary, decompressed length and fragment addresses (nitro's errors). */
export function parseRootProgram(code: Uint8Array): StylusRoot {
  if (!isRootProgram(code)) throw new StylusCodeError('specified bytecode is not a Stylus program root');
  if (code.length < ROOT_HEADER_LENGTH) {
    throw new StylusCodeError(`stylus program root too short: need at least ${ROOT_HEADER_LENGTH} bytes, got ${code.length}`);
  }
  const addressData = code.subarray(ROOT_HEADER_LENGTH);
  if (addressData.length % ADDRESS_LENGTH !== 0) {
    throw new StylusCodeError(`stylus program root address data has invalid length: ${addressData.length} (must be multiple of ${ADDRESS_LENGTH})`);
  }
  const fragments: Uint8Array[] = [];
  for (let at = 0; at < addressData.length; at += ADDRESS_LENGTH) fragments.push(addressData.slice(at, at + ADDRESS_LENGTH));
  const decompressedLength = new DataView(code.buffer, code.byteOffset, code.byteLength).getUint32(4, false);
  return { dictionary: code[3], decompressedLength, fragments };
}

/** A failure reading Stylus code, with the text nitro's activation reports. */
export class StylusCodeError extends Error {}

/** A loader for brotli dictionary 1 (nitro's StylusProgramDictionary); none is bundled with this project. */
export type DictionaryDecoder = (compressed: Uint8Array, maxSize: number) => Uint8Array;

/**
 * arbcompress.DecompressWithDictionary: brotli decompression that fails instead of producing more than
 * `maxSize` bytes. Dictionary 0 is plain brotli; dictionary 1 needs `decodeDict1`.
 */
export function decompressProgram(compressed: Uint8Array, dictionary: number, maxSize: number, decodeDict1?: DictionaryDecoder): Uint8Array {
  if (dictionary === DICT_STYLUS_PROGRAM) {
    if (decodeDict1 === undefined) {
      throw new StylusCodeError("failed decompression: brotli dictionary 1 (nitro's StylusProgramDictionary) is not available to this node");
    }
    return decodeDict1(compressed, maxSize);
  }
  if (dictionary !== DICT_NONE) throw new StylusCodeError(`unsupported dictionary type: ${dictionary}`);
  try {
    // maxOutputLength makes zlib fail instead of allocating past the cap, as nitro's decompressor does
    const wasm = brotliDecompressSync(compressed, { maxOutputLength: Math.max(1, maxSize) });
    return new Uint8Array(wasm.buffer, wasm.byteOffset, wasm.byteLength);
  } catch (e) {
    const msg = (e as Error).message;
    if (/maxOutputLength|Cannot create a Buffer larger|buffer/i.test(msg) && !/corrupt|invalid/i.test(msg)) {
      throw new StylusCodeError(`failed decompression: wasm larger than MaxWasmSize ${maxSize}`);
    }
    throw new StylusCodeError(`failed decompression: ${msg}`);
  }
}

/** The parameters reading a program depends on (StylusParams). */
export interface ProgramReadParams {
  arbosVersion: number;
  maxWasmSize: number;
  maxFragmentCount: number;
}

/** Where a root's fragments are read from; when activating, the reads are charged (nitro's fragmentReadCharger). */
export interface FragmentSource {
  /** activation: the root's bounds are checked and every fragment read is charged */
  activating: boolean;
  /** `canReadNewFragment`: throws (burning all gas) unless a read of MaxCodeSize bytes is affordable */
  canRead?(address: Uint8Array): void | Promise<void>;
  /** the fragment's code; when activating, charges the read (warm/cold + copy words) and warms the address */
  read(address: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/**
 * getWasmFromContractCode: the decompressed wasm of a program's code. When `fragments.activating`, the
 * activation checks apply (the root's length and fragment-count bounds, fragment read charges).
 */
export async function programWasm(
  code: Uint8Array,
  params: ProgramReadParams,
  fragments: FragmentSource,
  decodeDict1?: DictionaryDecoder,
): Promise<Uint8Array> {
  if (code.length === 0) throw new ProgramNotWasm();
  if (isClassicProgram(code)) {
    const { dictionary, compressed } = parseClassicProgram(code);
    return decompressProgram(compressed, dictionary, params.maxWasmSize, decodeDict1);
  }
  if (params.arbosVersion < GETH_ARBOS.stylusContractLimit) {
    // before ArbOS 60 a plain error, not ProgramNotWasm
    throw new StylusCodeError('specified bytecode is not a Stylus program');
  }
  if (isRootProgram(code)) return rootProgramWasm(code, params, fragments, decodeDict1);
  if (isFragment(code)) {
    throw new StylusCodeError('fragmented stylus programs cannot be activated directly; activate the root program instead');
  }
  throw new ProgramNotWasm();
}

/** getWasmFromRootStylus: reads, charges and concatenates the fragments, then decompresses to the exact length. */
async function rootProgramWasm(code: Uint8Array, params: ProgramReadParams, fragments: FragmentSource, decodeDict1?: DictionaryDecoder): Promise<Uint8Array> {
  const root = parseRootProgram(code);
  if (fragments.activating) {
    if (root.decompressedLength > params.maxWasmSize) {
      throw new StylusCodeError(`invalid wasm: decompressedLength ${root.decompressedLength} is greater then MaxWasmSize ${params.maxWasmSize}`);
    }
    if (root.fragments.length > params.maxFragmentCount) {
      throw new StylusCodeError(`invalid wasm: fragment count exceeds limit of ${params.maxFragmentCount}`);
    }
  }
  if (root.fragments.length === 0) throw new StylusCodeError('invalid wasm: fragment count cannot be zero');
  const parts: Uint8Array[] = [];
  for (const address of root.fragments) {
    await fragments.canRead?.(address);
    parts.push(fragmentPayload(await fragments.read(address)));
  }
  const compressed = concat(parts);
  const wasm = decompressProgram(compressed, root.dictionary, root.decompressedLength, decodeDict1);
  if (wasm.length !== root.decompressedLength) {
    throw new StylusCodeError(`invalid wasm: decompressed length ${wasm.length} does not match expected length ${root.decompressedLength}`);
  }
  return wasm;
}

/** ProgramNotWasm(): the code is empty or not Stylus (an ABI error inside ArbWasm). */
export class ProgramNotWasm extends Error {
  constructor() {
    super('ProgramNotWasm');
  }
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---------------------------------------------------------------- fragment read gas

/** EIP-2929 account access prices and the copy price per word (geth params). */
const WARM_STORAGE_READ_COST = 100n;
const COLD_ACCOUNT_ACCESS_COST = 2600n;
const COPY_GAS = 3n;

/** fragmentReadGasCost: warm 100 or cold 2,600, plus 3 gas per 32-byte word of the fragment's code. */
export function fragmentReadGasCost(warm: boolean, codeSize: number): bigint {
  const words = BigInt(Math.ceil(codeSize / 32));
  return (warm ? WARM_STORAGE_READ_COST : COLD_ACCOUNT_ACCESS_COST) + words * COPY_GAS;
}

/** What activation's gas is burnt through (nitro burn.Burner): the remaining gas, a charge, and BurnOut. */
export interface Burner {
  gasLeft(): bigint;
  /** burns `gas`; throws when more than is left (after burning everything) */
  burn(gas: bigint): void;
  /** burns everything left and throws (ErrOutOfGas) */
  burnOut(): never;
}

/** The EIP-2929 access list activation reads fragments through. */
export interface AccessList {
  isWarm(address: Uint8Array): boolean;
  warm(address: Uint8Array): void;
}

/**
 * nitro's fragmentReadCharger as a FragmentSource for activation: before each fragment, the gas for a
 * MaxCodeSize read at its warmth must be left (canReadNewFragment, else BurnOut without touching state);
 * then the fragment is read, its address warmed, and the actual read charged (chargeForReadingFragment).
 */
export function chargedFragmentSource(
  burner: Burner,
  access: AccessList,
  code: (address: Uint8Array) => Uint8Array | Promise<Uint8Array>,
  maxCodeSize = MAX_CODE_SIZE,
): FragmentSource {
  return {
    activating: true,
    canRead(address) {
      if (burner.gasLeft() < fragmentReadGasCost(access.isWarm(address), maxCodeSize)) burner.burnOut();
    },
    async read(address) {
      const warm = access.isWarm(address);
      if (!warm) access.warm(address);
      const fragment = await code(address);
      burner.burn(fragmentReadGasCost(warm, fragment.length));
      return fragment;
    },
  };
}
