// What the function being analysed can see: the file's consts and functions (and the crate's).

import type { ConstItem, FnItem } from '../syntax/ast';
import type { Val } from '../domain/values';

export interface Program {
  consts: Map<string, ConstEntry>;
  fns: Map<string, FnEntry>;
  /** a key of everything a function can reach by name (its text, its callees', the consts they use) */
  reachKey?: (fn: string) => string;
}

export interface ConstEntry {
  item: ConstItem;
  /** the source text of the item (for operand names in messages) */
  text: string;
  value?: Val;
  evaluating?: boolean;
  /** the texts of the consts it depends on when `value` was computed (analyze.ts invalidates on change) */
  depKey?: string;
}

export interface FnEntry {
  item: FnItem;
  text: string;
  /**
   * from the stylus-ml runtime (fixed.rs): its preconditions are documented, not asserted, so its own
   * body is not checked with unbounded parameters; problems inside it are reported at the call site,
   * with the argument values the caller passes
   */
  trusted?: boolean;
}
