// A program too large for one contract, as ArbOS ≥ 60 takes it and cargo-stylus ≥ 0.10.1 makes it
// (stylus-tools src/core/code/{fragments,contract}.rs): the brotli stream cut into fragments of
// MaxCodeSize − 3 bytes (`EF F0 01` ‖ slice), and a root (`EF F0 02 <dict> <wasm length>` ‖ the fragments'
// addresses). Here every fragment goes through the CREATE2 proxy, so its address is fixed by its content
// before anything is sent: the root can be written at build time and an interrupted deployment resumed.
// nitro/program-code.ts holds the format; this module only lays a built program out in it.
import { keccak256, hexToBytes, type Hex } from 'viem';
import { DICT_NONE, fitsClassic, rootProgramCode, splitIntoFragments } from '../../nitro/program-code';
import { create2Address, returnCodeInit } from '../layout/create2';
import { brotliCompress, stylusDeployBytes, stylusInitCode, type StylusDeployBytes } from './deploy-bytes';

/** One fragment contract: its code, what the proxy runs to deploy it, and where it lands. */
export interface ProgramFragment {
  name: string;
  code: Uint8Array;
  initCode: Uint8Array;
  address: Hex;
  codeHash: Hex;
}

/** A program's deployment bytes: classic (`fragments` empty) or a root whose code lists the fragments. */
export interface ProgramCode extends StylusDeployBytes {
  fragments: ProgramFragment[];
}

/** The name of fragment k (manifest, deploy --json). */
export const fragmentName = (k: number): string => `fragment-${String(k).padStart(2, '0')}`;

/**
 * The deployment bytes of `wasm` for a layout: a classic program when it fits one contract (or the layout
 * is not `fragments`), else a root and its fragments. `runtimeCode` / `initCode` are the root's then.
 */
export function programCode(wasm: Uint8Array, layout: string): ProgramCode {
  if (layout !== 'fragments') return { ...stylusDeployBytes(wasm), fragments: [] };
  const compressed = brotliCompress(wasm);
  if (fitsClassic(compressed.length)) return { ...stylusDeployBytes(wasm), fragments: [] };
  const fragments = splitIntoFragments(compressed).map((code, k) => {
    const initCode = returnCodeInit(code);
    return { name: fragmentName(k), code, initCode, address: create2Address(initCode), codeHash: keccak256(code) };
  });
  const runtimeCode = rootProgramCode({ dictionary: DICT_NONE, decompressedLength: wasm.length, fragments: fragments.map((f) => hexToBytes(f.address)) });
  return { runtimeCode, initCode: stylusInitCode(runtimeCode), compressedBytes: compressed.length, fragments };
}
