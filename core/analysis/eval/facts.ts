// What the analysis of one function yields: rule hits, per-node integer facts (hovers), saturation
// points and shifts (the manifest check), values stored into output parameters, the result.

import type { Interval } from '../domain/interval';
import type { IntTy } from '../domain/inttypes';
import type { IntVal, Val } from '../domain/values';
import type { Hit, SaturateSite } from '../sites';
import type { Expr } from '../syntax/ast';

/** Joined integer values per node id (for hovers): updated in place, no allocation per visit. */
export class Facts {
  private readonly lo: bigint[] = [];
  private readonly hi: bigint[] = [];
  private readonly ty: (IntTy | null)[] = [];
  private readonly tainted: boolean[] = [];
  /** node ids whose value is an array: the entry is the join of its elements */
  readonly arrays = new Set<number>();

  join(id: number, v: IntVal): void {
    const lo = this.lo[id];
    if (lo === undefined) {
      this.lo[id] = v.iv.lo;
      this.hi[id] = v.iv.hi;
      this.ty[id] = v.ty;
      this.tainted[id] = !!v.tainted;
      return;
    }
    if (v.iv.lo < lo) this.lo[id] = v.iv.lo;
    if (v.iv.hi > this.hi[id]) this.hi[id] = v.iv.hi;
    if (this.ty[id] === null) this.ty[id] = v.ty;
    if (v.tainted) this.tainted[id] = true;
  }

  get(id: number): IntVal | undefined {
    const lo = this.lo[id];
    if (lo === undefined) return undefined;
    const out: IntVal = { t: 'int', ty: this.ty[id], iv: { lo, hi: this.hi[id] } };
    if (this.tainted[id]) out.tainted = true;
    return out;
  }

  has(id: number): boolean {
    return this.lo[id] !== undefined;
  }
}

export interface FnAnalysis {
  hits: Hit[];
  facts: Facts;
  /** saturation points seen (for the manifest check), joined per node */
  saturations: SaturateSite[];
  /** every shift evaluated, with its amount joined over visits (the manifest check compares rescales) */
  shifts: ShiftFact[];
  /** values written into parameter arrays (`y[n] = ...` for a `y: &mut [T; n]` output), joined */
  stored: Map<string, IntVal>;
  /** the same per element index, when every store to that parameter had a known index (else null) */
  storedAt?: Map<string, Map<number, IntVal> | null>;
  /** joined value of the function's result */
  result: Val;
  /** true when the step budget forced loop summaries instead of unrolling */
  summarised: boolean;
}

export interface ShiftFact {
  node: Expr;
  op: '<<' | '>>';
  amount: Interval;
  /** the shifted value is a literal (a rounding term like `1 << (s - 1)`) */
  literalLeft: boolean;
  /** the expression giving the amount (an argument, when the shift happens in a called helper) */
  amountNode: Expr;
}
