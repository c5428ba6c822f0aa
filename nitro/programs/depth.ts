// Depth checker (nitro crates/prover/src/programs/depth.rs). Each function's frame is charged
// `size = worst-case operand-stack height + declared locals + 4` words against the `stylus_stack_left`
// global on entry (if stack_left <= size: stack_left = 0, trap ⇒ OutOfStack) and credited back before
// every `return` (one extra `return` is appended before the final `end`). The worst case is computed on
// the stream this pass receives, i.e. after the meter and dynamic passes injected their code, with
// nitro's own (deliberately simple) stack model below — not the wasm type system.

import { opName } from '../../core/wasm/opcodes';
import type { BlockType, FuncType, Instr } from '../../core/wasm/types';
import { I, InstrumentError, type FuncMiddleware, type Middleware, type ModuleMod } from './middleware';

export const STYLUS_STACK_LEFT = 'stylus_stack_left';

export interface DepthBounds {
  /** max words per frame (nitro max_frame_size = 10 * 1024) */
  maxFrameSize: number;
  /** max simultaneous operand-stack values (nitro max_frame_contention = 4096) */
  maxFrameContention: number;
}

export const BOUNDS_V1: DepthBounds = { maxFrameSize: 10 * 1024, maxFrameContention: 4096 };

type Effect = number; // operand-stack change: 0 none, -1 pop one, -2 pop two, +1 push one

const EFFECT = new Map<number, Effect>();
const each = (effect: Effect, ...ops: number[]) => ops.forEach((op) => EFFECT.set(op, effect));
const span = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
// no change: nop, unreachable, unary numeric ops, br, return, local.tee, memory.grow, loads, conversions
each(0, 0x01, 0x00, 0x45, 0x50, 0x67, 0x68, 0x69, 0x79, 0x7a, 0x7b, 0x0c, 0x0f, 0x22, 0x40);
each(0, ...span(0x28, 0x35), ...span(0xa7, 0xbf), ...span(0xc0, 0xc4), ...span(0x8b, 0x91), ...span(0x99, 0x9f));
each(0, ...span(0xfc0000, 0xfc0007)); // saturating truncations
// push one: local.get, global.get, memory.size, constants
each(1, 0x20, 0x23, 0x3f, 0x41, 0x42, 0x43, 0x44);
// pop one: drop, binary comparisons and arithmetic, br_if, br_table, local.set, global.set
each(-1, 0x1a, 0x0d, 0x0e, 0x21, 0x24);
each(-1, ...span(0x46, 0x4f), ...span(0x51, 0x5a), ...span(0x5b, 0x66));
each(-1, ...span(0x6a, 0x78), ...span(0x7c, 0x8a), ...span(0x92, 0x98), ...span(0xa0, 0xa6));
// pop two: select and stores
each(-2, 0x1b, ...span(0x36, 0x3e));

/** nitro's error text for operators the depth checker refuses (normally caught earlier by validation). */
function unsupported(op: number): string {
  const name = opName(op);
  if ([0x06, 0x07, 0x08, 0x09, 0x0a, 0x1f, 0x18, 0x19].includes(op)) return `exception-handling extension not supported ${name}`;
  if (op === 0x12 || op === 0x13) return `tail-call extension not supported ${name}`;
  if (op === 0x14 || op === 0x15 || op === 0xd4 || op === 0xd5 || op === 0xd6 || op === 0xfc0012) {
    return `typed function references extension not supported ${name}`;
  }
  if (op === 0xd0 || op === 0xd1 || op === 0xd2 || op === 0xd3 || op === 0x1c) return `reference-types extension not supported ${name}`;
  if (op === 0x25 || op === 0x26 || (op >= 0xfc0008 && op <= 0xfc0011)) {
    return `bulk-memory-operations extension not fully supported ${name}`;
  }
  if (op >>> 16 === 0xfe) return `threads extension not supported ${name}`;
  if (op >>> 16 === 0xfd) return `SIMD extension not supported ${name}`;
  return `extension ${name} not supported`;
}

/** nitro `worst_case_depth`: the worst operand-stack height of a (metered) function body. */
export function worstCaseStack(code: Instr[], types: FuncType[], funcType: (i: number) => FuncType | undefined): number {
  let worst = 0;
  let stack = 0;
  const push = (n: number) => {
    stack += n;
    if (stack > worst) worst = stack;
  };
  const pop = (n: number) => {
    stack = Math.max(0, stack - n);
  };
  const insAndOuts = (t: FuncType) => {
    push(t.results.length);
    pop(t.params.length);
  };
  const blockType = (bt: BlockType | undefined) => {
    if (!bt || bt.kind === 'empty') return;
    if (bt.kind === 'value') return push(1);
    const t = types[bt.index];
    if (!t) throw new InstrumentError('malformed', `missing type for func ${bt.index}`);
    insAndOuts(t);
  };
  const scopes: number[] = [stack];
  for (const ins of code) {
    const op = ins.op;
    const effect = EFFECT.get(op);
    if (effect !== undefined) {
      if (effect > 0) push(effect);
      else if (effect < 0) pop(-effect);
      continue;
    }
    switch (op) {
      case 0x02: // block: any result slots count as pre-allocated
      case 0x03: // loop
        blockType(ins.block);
        scopes.push(stack);
        break;
      case 0x04: // if
        pop(1);
        blockType(ins.block);
        scopes.push(stack);
        break;
      case 0x05: // else
        if (scopes.length === 0) throw new InstrumentError('malformed', 'malformed if-else scope');
        stack = scopes[scopes.length - 1];
        break;
      case 0x0b: {
        const s = scopes.pop();
        if (s === undefined) throw new InstrumentError('malformed', 'malformed scoping detected at end of block');
        stack = s;
        break;
      }
      case 0x10: {
        const t = funcType(ins.idx ?? -1);
        if (!t) throw new InstrumentError('malformed', `missing type for func ${ins.idx}`);
        insAndOuts(t);
        break;
      }
      case 0x11: {
        const t = types[ins.idx ?? -1];
        if (!t) throw new InstrumentError('malformed', `missing type for signature ${ins.idx}`);
        insAndOuts(t);
        pop(1); // the table index
        break;
      }
      case 0xfc000a: // memory.copy
      case 0xfc000b: // memory.fill: (i32, i32, i32) -> ()
        pop(3);
        break;
      default:
        throw new InstrumentError('unsupported-op', unsupported(op));
    }
  }
  return worst;
}

export class DepthChecker implements Middleware {
  readonly name = 'depth checker';
  global = -1;
  private types: FuncType[] = [];
  private funcType: (i: number) => FuncType | undefined = () => undefined;

  constructor(private readonly bounds: DepthBounds) {}

  updateModule(m: ModuleMod): void {
    this.global = m.addGlobal(STYLUS_STACK_LEFT, 0x7f, I.i32Const(0));
    this.types = m.module.types;
    // snapshot of every function's type, as nitro's `all_functions()` at this point
    const all = new Map<number, FuncType>();
    let index = 0;
    for (const imp of m.module.imports) if (imp.desc.kind === 'func') all.set(index++, m.signature(imp.desc.type));
    for (const t of m.module.functions) all.set(index++, m.signature(t));
    this.funcType = (i) => all.get(i);
  }

  instrument(funcIndex: number, locals: number): FuncMiddleware {
    const { global, types, funcType, bounds } = this;
    let scopes = 1; // a function starts with an open scope
    let done = false;
    const code: Instr[] = [];
    return {
      feed(op, out) {
        if (done) throw new InstrumentError('malformed', 'finalized too soon');
        if (op.op === 0x02 || op.op === 0x03 || op.op === 0x04) scopes++;
        else if (op.op === 0x0b) scopes--;
        if (scopes < 0) throw new InstrumentError('malformed', 'malformed scoping detected');
        code.push(op);
        if (!(scopes === 0 && op.op === 0x0b)) return;

        const worst = worstCaseStack(code, types, funcType);
        if (worst > bounds.maxFrameContention) {
          throw new InstrumentError(
            'frame-contention',
            `too many values on the stack at once in func ${funcIndex}: ${worst} > ${bounds.maxFrameContention}`,
          );
        }
        const size = worst + locals + 4;
        if (size > bounds.maxFrameSize) {
          throw new InstrumentError('frame-size', `frame too large: ${size} > ${bounds.maxFrameSize}-word limit`);
        }
        out.push(
          I.globalGet(global), // if stack_left <= size: stack_left = 0; trap
          I.i32Const(size),
          I.op(0x4d), // i32.le_u
          I.ifEmpty(),
          I.i32Const(0),
          I.globalSet(global),
          I.op(0x00),
          I.op(0x0b),
          I.globalGet(global), // stack_left -= size
          I.i32Const(size),
          I.op(0x6b), // i32.sub
          I.globalSet(global),
        );
        // an extraneous return before the final end, to match nitro's prover
        const last = code.pop()!;
        code.push({ op: 0x0f }, last);
        for (const ins of code) {
          if (ins.op === 0x0f) out.push(I.globalGet(global), I.i32Const(size), I.op(0x6a), I.globalSet(global));
          out.push(ins);
        }
        done = true;
      },
    };
  }
}
