// ArbOS state the precompiles and the Stylus bridge share, kept in the storage of nitro's ArbOS state
// account (0xA4B05FFF…) so that it follows the EVM journal: a reverted transaction, an eth_call (cargo
// stylus check simulates activateProgram) or evm_revert undoes it exactly like contract storage.
// The slot layout is ours (keccak of a label), not nitro's; the packed program word is nitro's
// (arbos/programs/programs.go setProgram): version[0:2] initCost[2:4] cachedCost[4:6] footprint[6:8]
// activatedAt[8:11] asmEstimateKb[11:14] cached[14].
import type { MerkleStateManager } from '@ethereumjs/statemanager';
import { Account, Address, bigIntToBytes, bytesToBigInt, concatBytes, setLengthLeft, utf8ToBytes } from '@ethereumjs/util';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { ARBITRUM_START_TIME } from '../../nitro/arbos';
import { dataFee, initialDataPricer } from '../../nitro/data-pricer';
import { decodeStylusParams, encodeStylusParams, stylusParamWords, stylusParamsFor, upgradeStylusParamsTo, type StylusParams } from '../../nitro/params';

export const ARBOS_STATE_ADDRESS = new Address(Uint8Array.from(Buffer.from('a4b05fffffffffffffffffffffffffffffffffff', 'hex')));
/** nitro's network fee account receives activation data fees (ArbWasm payActivationDataFee). */
export const NETWORK_FEE_ACCOUNT = new Address(Uint8Array.from(Buffer.from('a4b0500000000000000000000000000000000000', 'hex')));

export interface ProgramInfo {
  version: number;
  initCost: number;
  cachedCost: number;
  footprint: number;
  /** hours since Arbitrum began */
  activatedAt: number;
  asmEstimateKb: number;
  cached: boolean;
}

const label = (s: string): Uint8Array => keccak_256(utf8ToBytes(s));
const word = (v: bigint): Uint8Array => setLengthLeft(bigIntToBytes(v), 32);
const slotOf = (name: string, key?: Uint8Array): Uint8Array =>
  key === undefined ? label(name) : keccak_256(concatBytes(label(name), key));

export class ArbosState {
  constructor(private readonly sm: MerkleStateManager) {}

  /**
   * Creates the account (nonce 1 keeps it non-empty under EIP-161) and writes the genesis values: the
   * version, the Stylus parameters of a chain created at it, the data pricer, the chain owners. The L1
   * block number stays 0: like nitro-devnode (`nitro --dev`, no parent-chain reader) this chain sees no L1.
   */
  async initialize(arbosVersion: number, owners: Address[]): Promise<void> {
    await this.sm.putAccount(ARBOS_STATE_ADDRESS, new Account(1n, 0n));
    await this.setU64('arbosVersion', BigInt(arbosVersion));
    await this.saveStylusParams(stylusParamsFor(arbosVersion, false));
    await this.setU64('dataPricer.lastUpdate', ARBITRUM_START_TIME);
    for (const o of owners) await this.addToSet('chainOwners', o);
  }

  // --- Stylus parameters, packed as nitro's Programs.Params / StylusParams.Save ---
  /** The stored parameters at the chain's current version (`debugMode` is the chain's, not stored). */
  async stylusParams(debugMode: boolean): Promise<StylusParams> {
    const arbos = await this.arbosVersion();
    const words: Uint8Array[] = [];
    for (let i = 0; i < stylusParamWords(arbos); i++) words.push(await this.get(slotOf('stylusParams', word(BigInt(i)))));
    const activationGas = Number(await this.getU64('activationGas'));
    return decodeStylusParams(words, arbos, { activationGas, debugMode });
  }
  /** StylusParams.Save at the parameters' own ArbOS version (activationGas is stored on its own). */
  async saveStylusParams(p: StylusParams): Promise<void> {
    const words = encodeStylusParams(p);
    for (const [i, w] of words.entries()) await this.put(slotOf('stylusParams', word(BigInt(i))), w);
  }

  /** ArbOS's upgrade loop (arbosstate.go UpgradeArbosVersion): each step's parameter changes, then the new version. */
  async upgradeTo(version: number): Promise<void> {
    const current = await this.arbosVersion();
    if (version <= current) return;
    const params = upgradeStylusParamsTo(await this.stylusParams(false), version);
    await this.saveStylusParams(params);
    await this.setArbosVersion(version);
  }

  /** Blockhashes.L1BlockNumber: what NUMBER and the block_number hostio return. */
  async l1BlockNumber(): Promise<bigint> {
    return this.getU64('l1BlockNumber');
  }

  private async get(slot: Uint8Array): Promise<Uint8Array> {
    return setLengthLeft(await this.sm.getStorage(ARBOS_STATE_ADDRESS, slot), 32);
  }
  private async put(slot: Uint8Array, value: Uint8Array): Promise<void> {
    await this.sm.putStorage(ARBOS_STATE_ADDRESS, slot, value);
  }
  async getU64(name: string): Promise<bigint> {
    return bytesToBigInt(await this.get(slotOf(name)));
  }
  async setU64(name: string, v: bigint): Promise<void> {
    await this.put(slotOf(name), setLengthLeft(bigIntToBytes(v), 32));
  }

  async arbosVersion(): Promise<number> {
    return Number(await this.getU64('arbosVersion'));
  }
  async setArbosVersion(v: number): Promise<void> {
    await this.setU64('arbosVersion', BigInt(v));
  }

  // --- address sets (chain owners, cache managers): membership word + an append-only index list ---
  async isMember(set: string, a: Address): Promise<boolean> {
    return (await this.getU64Slot(slotOf(set, a.bytes))) !== 0n;
  }
  private async getU64Slot(slot: Uint8Array): Promise<bigint> {
    return bytesToBigInt(await this.get(slot));
  }
  async addToSet(set: string, a: Address): Promise<void> {
    if (await this.isMember(set, a)) return;
    const n = await this.getU64(`${set}.size`);
    await this.put(slotOf(`${set}.at`, setLengthLeft(bigIntToBytes(n), 32)), setLengthLeft(a.bytes, 32));
    await this.setU64(`${set}.size`, n + 1n);
    await this.put(slotOf(set, a.bytes), setLengthLeft(bigIntToBytes(n + 1n), 32));
  }
  async removeFromSet(set: string, a: Address): Promise<void> {
    const pos = await this.getU64Slot(slotOf(set, a.bytes));
    if (pos === 0n) return;
    const n = await this.getU64(`${set}.size`);
    // move the last entry into the hole
    const lastSlot = slotOf(`${set}.at`, setLengthLeft(bigIntToBytes(n - 1n), 32));
    const last = (await this.get(lastSlot)).subarray(12);
    await this.put(slotOf(`${set}.at`, setLengthLeft(bigIntToBytes(pos - 1n), 32)), setLengthLeft(last, 32));
    await this.put(slotOf(set, last), setLengthLeft(bigIntToBytes(pos), 32));
    await this.put(lastSlot, new Uint8Array(0));
    await this.put(slotOf(set, a.bytes), new Uint8Array(0));
    await this.setU64(`${set}.size`, n - 1n);
  }
  async members(set: string): Promise<Address[]> {
    const n = await this.getU64(`${set}.size`);
    const out: Address[] = [];
    for (let i = 0n; i < n; i++) {
      const w = await this.get(slotOf(`${set}.at`, setLengthLeft(bigIntToBytes(i), 32)));
      out.push(new Address(w.slice(12)));
    }
    return out;
  }

  // --- programs ---
  async getProgram(codeHash: Uint8Array): Promise<ProgramInfo> {
    const d = await this.get(slotOf('program', codeHash));
    const u = (a: number, b: number) => d.subarray(a, b).reduce((acc, x) => acc * 256 + x, 0);
    return {
      version: u(0, 2),
      initCost: u(2, 4),
      cachedCost: u(4, 6),
      footprint: u(6, 8),
      activatedAt: u(8, 11),
      asmEstimateKb: u(11, 14),
      cached: d[14] !== 0,
    };
  }
  async setProgram(codeHash: Uint8Array, p: ProgramInfo): Promise<void> {
    const d = new Uint8Array(32);
    const w = (v: number, at: number, len: number) => {
      for (let i = len - 1; i >= 0; i--) {
        d[at + i] = v & 0xff;
        v = Math.floor(v / 256);
      }
    };
    w(p.version, 0, 2);
    w(p.initCost, 2, 2);
    w(p.cachedCost, 4, 2);
    w(p.footprint, 6, 2);
    w(p.activatedAt, 8, 3);
    w(p.asmEstimateKb, 11, 3);
    d[14] = p.cached ? 1 : 0;
    await this.put(slotOf('program', codeHash), d);
  }
  async getModuleHash(codeHash: Uint8Array): Promise<Uint8Array> {
    return this.get(slotOf('moduleHash', codeHash));
  }
  async setModuleHash(codeHash: Uint8Array, moduleHash: Uint8Array): Promise<void> {
    await this.put(slotOf('moduleHash', codeHash), moduleHash);
  }

  /**
   * DataPricer.UpdateModel (nitro/data-pricer.ts) over the stored demand and last update time; the
   * pricer's other fields keep their genesis values (no ArbOwner setter changes them here).
   */
  async updateDataPricer(tempBytes: bigint, time: bigint): Promise<bigint> {
    const state = {
      ...initialDataPricer(),
      demand: Number(await this.getU64('dataPricer.demand')),
      lastUpdateTime: await this.getU64('dataPricer.lastUpdate'),
    };
    const { fee, next } = dataFee(state, Number(tempBytes), time);
    await this.setU64('dataPricer.demand', BigInt(next.demand));
    await this.setU64('dataPricer.lastUpdate', next.lastUpdateTime);
    return fee;
  }
}
