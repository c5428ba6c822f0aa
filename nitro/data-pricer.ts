// The activation data pricer (arbos/programs/data_pricer.go UpdateModel) with util/arbmath's
// ApproxExpBasisPoints: demand decays by the bytes-per-second credit since the last update, grows by the
// new program's asm bytes, and the price per byte is minPrice · e^(demand / inertia). Every operation is
// the Go source's (saturating casts, uint64 wrap-around), so fees match nitro's to the wei.

import { ARBITRUM_START_TIME } from './arbos';

/** DataPricer's stored fields (uint32 but lastUpdateTime, uint64). */
export interface DataPricerState {
  demand: number;
  bytesPerSecond: number;
  lastUpdateTime: bigint;
  minPrice: number;
  inertia: number;
}

const U32_MAX = 0xffffffff;
const U64_MAX = (1n << 64n) - 1n;

/** initDataPricer: no demand, 1 TB a year of refill, 5 MB = $1 at the floor, expensive at 1 TB. */
export function initialDataPricer(): DataPricerState {
  const hourly = Math.floor(2 ** 40 / (365 * 24)); // InitialHourlyBytes
  return {
    demand: 0,
    bytesPerSecond: Math.floor(hourly / 3600),
    lastUpdateTime: ARBITRUM_START_TIME,
    minPrice: 82928201,
    inertia: 21360419,
  };
}

const satU32 = (x: number) => Math.min(Math.max(x, 0), U32_MAX);
const satU64 = (x: bigint) => (x > U64_MAX ? U64_MAX : x);

/** util/arbmath ApproxExpBasisPoints: b·e^(x/b) by a Horner-evaluated Maclaurin series (b = 10000). */
export function approxExpBasisPoints(value: bigint, accuracy = 12n): bigint {
  const negative = value < 0n;
  const x = negative ? -value : value;
  const b = 10000n;
  let res = b + x / accuracy;
  for (let i = accuracy - 1n; i > 0n; i--) res = b + satU64(res * x) / (i * b);
  return negative ? (b * b) / res : res;
}

/** UpdateModel: the fee in wei for `tempBytes` of new demand at `time`, and the pricer's next state. */
export function dataFee(state: DataPricerState, tempBytes: number, time: bigint): { fee: bigint; next: DataPricerState } {
  const elapsed = (time - state.lastUpdateTime) & U64_MAX; // Go uint64 subtraction
  const passed = elapsed > BigInt(U32_MAX) ? U32_MAX : Number(elapsed);
  const credit = satU32(state.bytesPerSecond * passed);
  let demand = satU32(state.demand - credit);
  demand = satU32(demand + tempBytes);
  const exponent = (10000n * BigInt(demand)) / BigInt(state.inertia);
  const multiplier = approxExpBasisPoints(exponent, 12n);
  const costPerByte = multiplier <= 0n ? 0n : satU64(BigInt(state.minPrice) * multiplier) / 10000n;
  const fee = satU64(costPerByte * BigInt(tempBytes));
  return { fee, next: { ...state, demand, lastUpdateTime: time } };
}
