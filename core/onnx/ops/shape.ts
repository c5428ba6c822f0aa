// Shape-only ops: Flatten, Reshape, Squeeze, Unsqueeze, Identity, Dropout, Cast, Constant.
// None of them moves data; on constants they fold.
import type { Shape } from '../../ir/graph';
import { DataType, dataTypeName, tensorDims, tensorValues } from '../model';
import { isConst, notLowerable, prod, shapeOf, type LowerContext } from './context';

/** Output is input 0 with `shape`: folds constants, aliases tensors. */
function reshapeTo(ctx: LowerContext, shape: Shape): void {
  const x = ctx.operand(0);
  if (!x) notLowerable('missing input');
  if (prod(shape) !== prod(shapeOf(x))) notLowerable(`cannot reshape ${JSON.stringify(shapeOf(x))} to ${JSON.stringify(shape)}`);
  if (isConst(x)) ctx.defineConst({ ...x.const, shape });
  else ctx.alias(x.tensor.id, shape);
}

function normAxis(axis: number, rank: number, where: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a > rank) notLowerable(`${where}: axis ${axis} out of range for rank ${rank}`);
  return a;
}

export function lowerFlatten(ctx: LowerContext): void {
  const x = ctx.operand(0);
  if (!x) notLowerable('missing input');
  const s = shapeOf(x);
  const axis = normAxis(ctx.attrs.int('axis', 1), s.length, 'Flatten');
  reshapeTo(ctx, [prod(s.slice(0, axis)), prod(s.slice(axis))]);
}

export function lowerReshape(ctx: LowerContext): void {
  const x = ctx.operand(0);
  if (!x) notLowerable('missing input');
  const inShape = shapeOf(x);
  const spec = ctx.opset < 5 ? ctx.attrs.ints('shape') : Array.from(ctx.constInput(1, 'the Reshape target shape must be a constant').data);
  const allowZero = ctx.opset >= 14 && ctx.attrs.int('allowzero', 0) === 1;
  const out = spec.map((d, i) => (d === 0 && !allowZero ? inShape[i] : d));
  const minus = out.indexOf(-1);
  if (minus >= 0) {
    const known = prod(out.filter((d) => d !== -1));
    out[minus] = known === 0 ? 0 : prod(inShape) / known;
    if (!Number.isInteger(out[minus])) notLowerable(`cannot reshape ${JSON.stringify(inShape)} to ${JSON.stringify(spec)}`);
  }
  reshapeTo(ctx, out);
}

function axesOf(ctx: LowerContext, inputIndex: number): number[] | null {
  if (ctx.opset < 13) return ctx.attrs.has('axes') ? ctx.attrs.ints('axes') : null;
  return ctx.operand(inputIndex) ? Array.from(ctx.constInput(inputIndex, 'axes must be a constant').data) : null;
}

export function lowerSqueeze(ctx: LowerContext): void {
  const x = ctx.operand(0);
  if (!x) notLowerable('missing input');
  const s = shapeOf(x);
  const axes = axesOf(ctx, 1);
  const drop = new Set((axes ?? s.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)).map((a) => (a < 0 ? a + s.length : a)));
  for (const a of drop) if (s[a] !== 1) notLowerable(`Squeeze axis ${a} has size ${s[a]}, not 1`);
  reshapeTo(ctx, s.filter((_, i) => !drop.has(i)));
}

export function lowerUnsqueeze(ctx: LowerContext): void {
  const x = ctx.operand(0);
  if (!x) notLowerable('missing input');
  const s = shapeOf(x);
  const axes = axesOf(ctx, 1);
  if (!axes) notLowerable('Unsqueeze needs axes');
  const rank = s.length + axes.length;
  const ins = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(ins.has(i) ? 1 : s[j++]);
  reshapeTo(ctx, out);
}

export function lowerIdentity(ctx: LowerContext): void {
  const x = ctx.operand(0);
  if (!x) notLowerable('missing input');
  reshapeTo(ctx, shapeOf(x));
}

export function lowerDropout(ctx: LowerContext): void {
  // Inference: identity. The optional mask output is all true, which nothing downstream may use.
  if (ctx.outputCount() > 1) notLowerable('Dropout with a mask output is not supported at inference');
  if (ctx.opset >= 12 && ctx.operand(2) && isConst(ctx.operand(2)) && (ctx.operand(2) as { const: { data: Float64Array } }).const.data[0] !== 0) {
    notLowerable('Dropout in training mode');
  }
  lowerIdentity(ctx);
}

const INT_TYPES = new Set<number>([DataType.INT8, DataType.INT16, DataType.INT32, DataType.INT64, DataType.UINT8, DataType.UINT16, DataType.UINT32, DataType.UINT64, DataType.BOOL]);
const REAL_TYPES = new Set<number>([DataType.FLOAT, DataType.DOUBLE, DataType.FLOAT16, DataType.BFLOAT16]);

export function lowerCast(ctx: LowerContext): void {
  // Cast-1 names the type as a string ("FLOAT"); later versions use the TensorProto enum
  const to = ctx.opset < 6 && ctx.attrs.isString('to') ? (DataType as unknown as Record<string, number>)[ctx.attrs.string('to').toUpperCase()] ?? -1 : ctx.attrs.int('to');
  const x = ctx.operand(0);
  if (!x) notLowerable('missing input');
  if (!INT_TYPES.has(to) && !REAL_TYPES.has(to)) notLowerable(`Cast to ${dataTypeName(to)} is not supported`);
  const toInt = INT_TYPES.has(to);
  if (isConst(x)) {
    ctx.defineConst({ shape: x.const.shape, data: toInt ? x.const.data.map(Math.trunc) : x.const.data, kind: toInt ? 'int' : 'real' });
    return;
  }
  if (toInt && x.tensor.kind === 'real') {
    ctx.emit({ op: 'castInt' }, [x.tensor.id], x.tensor.shape, 'int');
    return;
  }
  // real→real and int→int keep the values; int→real changes nothing in fixed point
  ctx.alias(x.tensor.id, x.tensor.shape);
}

export function lowerConstant(ctx: LowerContext): void {
  const t = ctx.attrs.tensor('value');
  if (t) {
    const type = t.dataType ?? 0;
    ctx.defineConst({ shape: tensorDims(t), data: tensorValues(t, ctx.where), kind: REAL_TYPES.has(type) ? 'real' : 'int', dtype: type });
    return;
  }
  if (ctx.attrs.has('value_float')) return ctx.defineConst({ shape: [], data: Float64Array.of(ctx.attrs.float('value_float')), kind: 'real' });
  if (ctx.attrs.has('value_floats')) {
    const v = ctx.attrs.floats('value_floats');
    return ctx.defineConst({ shape: [v.length], data: Float64Array.from(v), kind: 'real' });
  }
  if (ctx.attrs.has('value_int')) return ctx.defineConst({ shape: [], data: Float64Array.of(ctx.attrs.int('value_int')), kind: 'int' });
  if (ctx.attrs.has('value_ints')) {
    const v = ctx.attrs.ints('value_ints');
    return ctx.defineConst({ shape: [v.length], data: Float64Array.from(v), kind: 'int' });
  }
  notLowerable(`Constant with ${ctx.attrs.names().join(', ') || 'no value'} is not supported`);
}
