// What precompiles and the program logic need from the node, implemented by the Stylus bridge.
import type { MerkleStateManager } from '@ethereumjs/statemanager';
import type { Address } from '@ethereumjs/util';
import type { ActivationOutcome } from '../../nitro/activate';
import type { StylusParams } from '../../nitro/params';
import type { StylusRuntime } from '../stylus/api';
import type { ArbosState } from './arbos-state';

export interface ArbContext {
  arbos: ArbosState;
  sm: MerkleStateManager;
  /** the EVM's access list (EIP-2929 warm addresses) */
  journal: { isWarmedAddress(address: Uint8Array): boolean; addWarmedAddress(address: Uint8Array): void };
  chainId: bigint;
  /** null until the Stylus runtime is available */
  runtime: StylusRuntime | null;
  /** runtime.activate, memoised: activation is a pure function of (wasm, params, page limit) */
  activate(wasm: Uint8Array, params: StylusParams, pageLimit: number): Promise<ActivationOutcome>;
  /** Stylus parameters at the current ArbOS version */
  params(): Promise<StylusParams>;
  /** the block being executed */
  blockNumber(): bigint;
  blockTimestamp(): bigint;
  /** hash of an earlier block, undefined when unknown */
  blockHash(n: bigint): Uint8Array | undefined;
  /** Stylus pages open in the current transaction */
  pagesOpen(): number;
  /** moves wei between accounts within the current frame */
  transfer(from: Address, to: Address, amount: bigint): Promise<void>;
  /** true when the transaction being run is the outermost call (ArbSys.isTopLevelCall) */
  depth(): number;
}
