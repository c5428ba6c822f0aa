// What one layer's code is made of, and the pieces every emitter shares: the function signature (laid
// out as rustfmt would), the doc comment with shapes, formats and proven interval, the narrowing of an
// accumulator to the output storage.
import type { IrNode } from '../ir/graph';
import { sizeOf } from '../ir/graph';
import type { Plan, QNode, QParams, QTensor } from '../quant/types';
import type { Lowering } from './lowering';
import type { LayerWeight } from '../manifest/schema';
import { realOf } from '../quant/simulate';
import { constName, fmtText, intLit, realText, rustType, satFn, shapeText, staticArray } from './rust';

export interface LayerCtx {
  plan: Plan;
  lowering: Lowering;
  qn: QNode;
  index: number;
  /** the Rust function name (manifest `fn`) */
  fn: string;
  /** notes for the manifest (lowering decisions) */
  notes: string[];
  /** per layer fn: the lowering it got (recorded in the manifest) */
  decisions: Record<string, string>;
}

export interface LayerCode {
  /** consts and statics the function uses, each a block of lines */
  items: string[][];
  /** the function, doc comment included */
  fn: string[];
  /** `write`: fn(inputs..., y: &mut [T; n]); `alias`: fn(x) -> &[T; n] (reshape moves no data) */
  kind: 'write' | 'alias';
  /**
   * Working buffers the function needs beyond its inputs and output (padded copies, accumulator rows):
   * parameters after `y`, planned in the arena for the duration of the layer.
   */
  scratch?: Scratch[];
  /** returns `Result<(), MissingPart>` (it loads weights from data contracts): infer propagates it */
  fallible?: boolean;
  /** the weight tables among `items`, as stylus-ml.json records them (the overflow analysis checks edits of them) */
  weights?: LayerWeight[];
}

/** A scratch parameter: `name: &mut type`, `bytes` of arena. */
export interface Scratch {
  name: string;
  type: string;
  bytes: number;
}

/** A weight table's manifest entry: `<node>.<role>`, its static, storage and fractional bits, the least and greatest value stored. */
export function weightTable(ctx: LayerCtx, role: string, rust: string, storage: LayerWeight['storage'], fracBits: number, values: ArrayLike<number>): LayerWeight {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < lo) lo = values[i];
    if (values[i] > hi) hi = values[i];
  }
  return { name: `${ctx.qn.node.origin.name}.${role}`, rust, storage, fracBits, qRange: values.length ? [lo, hi] : [0, 0] };
}

export const MAX_WIDTH = 100;

export function tensorOf(ctx: LayerCtx, id: string): QTensor {
  const t = ctx.plan.tensors.get(id);
  if (!t) throw new Error(`internal: tensor ${id} has no format`);
  return t;
}

/** `&[i16; 64]` */
export function arrayRef(t: QTensor, mutable = false): string {
  return `&${mutable ? 'mut ' : ''}[${rustType(t.format.storage)}; ${sizeOf(t.shape)}]`;
}

/** The signature, on one line when it fits in 100 columns, else one parameter per line. */
export function signature(fn: string, params: [string, string][], ret: string | null): string[] {
  const list = params.map(([n, t]) => `${n}: ${t}`);
  const tail = ret ? ` -> ${ret} {` : ' {';
  const one = `pub fn ${fn}(${list.join(', ')})${tail}`;
  if (one.length <= MAX_WIDTH) return [one];
  return [`pub fn ${fn}(`, ...list.map((p) => `    ${p},`), `)${tail}`];
}

/** Signature of a layer writing `y`, inputs named by `names` (default x, or x0, x1, ...), then its scratch buffers. */
export function writeSignature(ctx: LayerCtx, names?: string[], scratch: Scratch[] = [], ret: string | null = null): string[] {
  const n = ctx.qn.node;
  const ins = n.inputs.map((id, i) => [names?.[i] ?? (n.inputs.length === 1 ? 'x' : `x${i}`), arrayRef(tensorOf(ctx, id))] as [string, string]);
  return signature(ctx.fn, [...ins, ['y', arrayRef(tensorOf(ctx, n.outputs[0]), true)], ...scratch.map((s) => [s.name, `&mut ${s.type}`] as [string, string])], ret);
}

function hull(t: QTensor): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < t.qlo.length; i++) {
    lo = Math.min(lo, t.qlo[i]);
    hi = Math.max(hi, t.qhi[i]);
  }
  return t.qlo.length ? [lo, hi] : [0, 0];
}

/** Doc comment: ONNX origin, shapes and formats in and out, the op's integer parameters, the proof. */
export function docComment(ctx: LayerCtx, detail: string[]): string[] {
  const n: IrNode = ctx.qn.node;
  const out = tensorOf(ctx, n.outputs[0]);
  const ins = n.inputs.map((id) => {
    const t = tensorOf(ctx, id);
    return `${shapeText(t.shape)} ${fmtText(t.format)}`;
  });
  const [lo, hi] = hull(out);
  const lines = [
    `\`${n.origin.name}\` (ONNX ${n.origin.domain ? `${n.origin.domain}::` : ''}${n.origin.opType}, IR ${n.op.op}): ${ins.join(' + ') || 'no inputs'} -> ${shapeText(out.shape)} ${fmtText(out.format)}.`,
    ...detail,
    `Proven output interval: q in [${lo}, ${hi}], real [${realText(realOf(out.format, lo))}, ${realText(realOf(out.format, hi))}].`,
  ];
  return lines.map((l) => `/// ${l}`);
}

/** The expression narrowing an i64 accumulator expression, rescaled by `shift`, to the output storage. */
export function narrow(ctx: LayerCtx, acc64: string, shift: number): string {
  const st = tensorOf(ctx, ctx.qn.node.outputs[0]).format.storage;
  return `${satFn(st)}(${rescaleExpr(acc64, shift)})`;
}

/**
 * `narrow` for a dense or convolution output in channel `c` (an index expression or number): a
 * pre-quantized layer requantises with its per-channel multiplier (`requant_i8`), others rescale.
 */
export function narrowOut(ctx: LayerCtx, acc64: string, shift: number, c: string | number): string {
  const p = ctx.qn.params;
  const r = p.op === 'matmul' || p.op === 'conv2d' ? p.requant : undefined;
  if (!r) return narrow(ctx, acc64, shift);
  const perChannel = r.m.some((m, i) => m !== r.m[0] || r.s[i] !== r.s[0]);
  if (!perChannel) return `requant_i8(${acc64}, ${r.m[0]}, ${r.s[0]}, ${intLit(r.zp)})`;
  if (typeof c === 'number') return `requant_i8(${acc64}, ${r.m[c]}, ${r.s[c]}, ${intLit(r.zp)})`;
  return `requant_i8(${acc64}, ${constName(ctx.fn, 'M')}[${c}], ${constName(ctx.fn, 'S')}[${c}], ${intLit(r.zp)})`;
}

/** The per-channel multiplier and shift tables `narrowOut` reads, when a layer needs them. */
export function requantItems(ctx: LayerCtx): string[][] {
  const p = ctx.qn.params;
  const r = p.op === 'matmul' || p.op === 'conv2d' ? p.requant : undefined;
  if (!r || !r.m.some((m, i) => m !== r.m[0] || r.s[i] !== r.s[0])) return [];
  return [
    staticArray(constName(ctx.fn, 'M'), 'i64', r.m, [`\`${ctx.qn.node.origin.name}\` requantisation multiplier per output channel (onnxruntime's float32 scale ratio, exactly: M / 2^S).`], 'static'),
    staticArray(constName(ctx.fn, 'S'), 'u32', r.s, ['Its shift per output channel.'], 'static'),
  ];
}

export function rescaleExpr(acc64: string, shift: number): string {
  if (shift > 0) return `rescale(${acc64}, ${shift})`;
  if (shift < 0) return `shift_left(${acc64}, ${-shift})`;
  return acc64;
}

export function rescaleText(shift: number): string {
  return shift > 0 ? `rescale >> ${shift} (round half up)` : shift < 0 ? `shift << ${-shift}` : 'no rescale';
}

export function paramsOf<K extends QParams['op']>(ctx: LayerCtx, op: K): Extract<QParams, { op: K }> {
  if (ctx.qn.params.op !== op) throw new Error(`internal: params ${ctx.qn.params.op} for ${op}`);
  return ctx.qn.params as Extract<QParams, { op: K }>;
}

/** `for name in 0..n {` */
export function forLoop(name: string, n: number): string {
  return `for ${name} in 0..${n} {`;
}

/** Indents lines by `levels` × 4 spaces (blank lines stay blank). */
export function indent(lines: string[], levels = 1): string[] {
  const pad = '    '.repeat(levels);
  return lines.map((l) => (l ? pad + l : l));
}
