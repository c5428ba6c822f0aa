// Floats in user programs. Nitro links user modules with no floating-point implementations
// (crates/prover/src/machine.rs Module::from_user_binary passes an empty FloatingPointImpls), so lowering
// any f32/f64 arithmetic, comparison or conversion operator fails activation — reachable or not — with
// "No implementation for floating point operation <op> in <module>" (crates/prover/src/wavm.rs, the
// `float!` macro). Loads, stores, constants and reinterprets lower to plain instructions and pass.
// <op> is the Debug form of nitro's FloatInstruction (crates/prover/src/binary.rs), e.g. BinOp(F32, Add).

import { OPS } from '../core/wasm/opcodes';

const UN: Record<string, string> = { abs: 'Abs', neg: 'Neg', ceil: 'Ceil', floor: 'Floor', trunc: 'Trunc', nearest: 'Nearest', sqrt: 'Sqrt' };
const BIN: Record<string, string> = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', min: 'Min', max: 'Max', copysign: 'CopySign' };
const REL: Record<string, string> = { eq: 'Eq', ne: 'Ne', lt: 'Lt', gt: 'Gt', le: 'Le', ge: 'Ge' };

/** nitro's FloatInstruction for a scalar float operator's wasm name, or null for ops that need no float implementation. */
export function floatInstruction(name: string): string | null {
  let m = /^(f32|f64)\.(\w+)$/.exec(name);
  if (m) {
    const t = m[1].toUpperCase();
    const op = m[2];
    if (UN[op]) return `UnOp(${t}, ${UN[op]})`;
    if (BIN[op]) return `BinOp(${t}, ${BIN[op]})`;
    if (REL[op]) return `RelOp(${t}, ${REL[op]})`;
    if (op === 'demote_f64') return 'F32DemoteF64';
    if (op === 'promote_f32') return 'F64PromoteF32';
  }
  m = /^(f32|f64)\.convert_(i32|i64)_([su])$/.exec(name);
  if (m) return `ConvertIntOp(${m[1].toUpperCase()}, ${m[2].toUpperCase()}, ${m[3] === 's'})`;
  // TruncIntOp(int, float, saturating, signed)
  m = /^(i32|i64)\.trunc_(sat_)?(f32|f64)_([su])$/.exec(name);
  if (m) return `TruncIntOp(${m[1].toUpperCase()}, ${m[3].toUpperCase()}, ${m[2] !== undefined}, ${m[4] === 's'})`;
  return null;
}

/** Opcode → FloatInstruction for every scalar operator activation refuses. */
export const FLOAT_INSTRUCTIONS: ReadonlyMap<number, string> = new Map(
  [...OPS.values()].flatMap((info) => {
    const f = info.feature === 'simd' || info.feature === 'relaxed-simd' ? null : floatInstruction(info.name);
    return f === null ? [] : [[info.code, f] as [number, string]];
  }),
);

/** nitro's activation error for the first float operator of a module called `moduleName`. */
export function floatError(instruction: string, moduleName: string): string {
  return `No implementation for floating point operation ${instruction} in ${moduleName}`;
}
