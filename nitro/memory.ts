// nitro's Stylus memory pricing (arbos/programs/memory.go) and the per-transaction page counters
// (geth core/state/statedb_arbitrum.go AddStylusPages / SetStylusPagesOpen, reset per tx).

const MEMORY_EXPONENTS = [
  1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 5, 6, 7, 8, 9, 11, 12, 14, 17, 19, 22, 25, 29, 33, 38, 43, 50, 57, 65, 75, 85,
  98, 112, 128, 147, 168, 193, 221, 253, 289, 331, 379, 434, 497, 569, 651, 745, 853, 976, 1117, 1279, 1463, 1675, 1917,
  2194, 2511, 2874, 3290, 3765, 4309, 4932, 5645, 6461, 7395, 8464, 9687, 11087, 12689, 14523, 16621, 19024, 21773,
  24919, 28521, 32642, 37359, 42758, 48938, 56010, 64104, 73368, 83971, 96106, 109994, 125890, 144082, 164904, 188735,
  216010, 247226, 282953, 323844, 370643, 424206, 485509, 555672, 635973, 727880, 833067, 953456, 1091243, 1248941,
  1429429, 1636000, 1872423, 2143012, 2452704, 2807151, 3212820, 3677113, 4208502, 4816684, 5512756, 6309419, 7221210,
  8264766, 9459129, 10826093, 12390601, 14181199, 16230562, 18576084, 21260563, 24332984, 27849408, 31873999,
];
const U64_MAX = (1n << 64n) - 1n;
const U16_MAX = 0xffff;

function exp(pages: number): bigint {
  return pages < MEMORY_EXPONENTS.length ? BigInt(MEMORY_EXPONENTS[pages]) : U64_MAX;
}
const satSub16 = (a: number, b: number) => (a > b ? a - b : 0);

/** GasCost(new, open, ever): linear price for newly open pages beyond the free ones + exponential growth of `ever`. */
export function memoryGasCost(newPages: number, open: number, ever: number, freePages = 2, pageGas = 1000): bigint {
  const newOpen = Math.min(open + newPages, U16_MAX);
  const newEver = Math.max(ever, newOpen);
  if (newEver <= freePages) return 0n;
  const adding = satSub16(satSub16(newOpen, freePages), satSub16(open, freePages));
  const linear = BigInt(adding) * BigInt(pageGas);
  const expand = exp(newEver) - exp(ever);
  const total = linear + expand;
  return total > U64_MAX ? U64_MAX : total;
}

/** Per-transaction counters: pages open now and the most ever open in this transaction. */
export class TxPages {
  open = 0;
  ever = 0;
  reset(): void {
    this.open = 0;
    this.ever = 0;
  }
  /** AddStylusPages: returns the counters before the addition. */
  add(pages: number): { open: number; ever: number } {
    const before = { open: this.open, ever: this.ever };
    this.open = Math.min(this.open + pages, U16_MAX);
    this.ever = Math.max(this.ever, this.open);
    return before;
  }
}
