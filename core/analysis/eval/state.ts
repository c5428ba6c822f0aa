// The abstract state of one path through a function: variable bindings, and whether the path is dead
// (after return/break/panic, or a condition that cannot hold).

import type { Interval } from '../domain/interval';
import type { IntTy } from '../domain/inttypes';
import { joinVal, type Val } from '../domain/values';
import type { TypeRef } from '../syntax/ast';

export interface Binding {
  val: Val;
  /** declared or inferred integer type; null until inferred */
  ty: IntTy | null;
  /** node id of the declaring pattern */
  declId: number;
  /** loop nesting depth at the declaration */
  depth: number;
}

export class State {
  vars: Map<string, Binding>;
  dead = false;
  /** bumped whenever the state is copied: arrays it owned become shared (copy on write) */
  epoch = 0;
  constructor(vars?: Map<string, Binding>) {
    this.vars = vars ?? new Map();
  }
  copy(): State {
    this.epoch++;
    const s = new State(new Map(this.vars));
    s.dead = this.dead;
    return s;
  }
  static join(a: State, b: State): State {
    if (a.dead) return b.copy();
    if (b.dead) return a.copy();
    const out = new State();
    for (const [k, va] of a.vars) {
      const vb = b.vars.get(k);
      if (!vb) continue;
      out.vars.set(k, va === vb ? va : { ...va, val: joinVal(va.val, vb.val), ty: va.ty ?? vb.ty });
    }
    return out;
  }
}

/** Keeps the bindings `st` had; their values come from `from` (the joined branches). */
export function assignState(st: State, from: State): void {
  for (const [k, bv] of st.vars) {
    const nb = from.vars.get(k);
    if (nb) st.vars.set(k, nb);
    else st.vars.set(k, bv);
  }
  st.dead = from.dead;
}

/** `st` becomes the join of two branches; dead when both are. */
export function mergeInto(st: State, a: State, b: State): void {
  assignState(st, State.join(a, b));
  if (a.dead && b.dead) st.dead = true;
}

export interface LoopFrame {
  count: Interval | null;
  breaks: State[];
  continues: State[];
}

export interface FnFrame {
  returns: Val[];
  ret: TypeRef | null;
}
