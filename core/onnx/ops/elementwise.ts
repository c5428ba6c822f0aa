// Add/Sub/Mul/Div, Relu, LeakyRelu, Clip, Sigmoid, Tanh.
import type { ValueKind } from '../../ir/graph';
import { broadcastShapes, compactBroadcast, expandTo, isConst, notLowerable, prod, shapeOf, type ConstValue, type LowerContext } from './context';

type Arith = 'Add' | 'Sub' | 'Mul' | 'Div';

function foldConsts(fn: Arith, a: ConstValue, b: ConstValue, where: string): ConstValue {
  const shape = broadcastShapes(a.shape, b.shape);
  if (!shape) notLowerable(`${where}: shapes ${JSON.stringify(a.shape)} and ${JSON.stringify(b.shape)} do not broadcast`);
  const x = expandTo(a.data, a.shape, shape);
  const y = expandTo(b.data, b.shape, shape);
  const out = new Float64Array(x.length);
  const intDiv = fn === 'Div' && a.kind === 'int' && b.kind === 'int';
  for (let i = 0; i < out.length; i++) {
    out[i] = fn === 'Add' ? x[i] + y[i] : fn === 'Sub' ? x[i] - y[i] : fn === 'Mul' ? x[i] * y[i] : intDiv ? Math.trunc(x[i] / y[i]) : x[i] / y[i];
  }
  return { shape, data: out, kind: a.kind === 'int' && b.kind === 'int' ? 'int' : 'real' };
}

export function lowerArith(fn: Arith) {
  return (ctx: LowerContext): void => {
    const a = ctx.operand(0);
    const b = ctx.operand(1);
    if (!a || !b) notLowerable(`${fn} needs two inputs`);
    if (isConst(a) && isConst(b)) {
      ctx.defineConst(foldConsts(fn, a.const, b.const, ctx.where));
      return;
    }
    const shape = broadcastShapes(shapeOf(a), shapeOf(b));
    if (!shape) notLowerable(`shapes ${JSON.stringify(shapeOf(a))} and ${JSON.stringify(shapeOf(b))} do not broadcast`);
    if (!isConst(a) && !isConst(b)) {
      if (fn === 'Div') notLowerable('division by a runtime tensor is not supported (only by constants)');
      const kind: ValueKind = a.tensor.kind === 'int' && b.tensor.kind === 'int' ? 'int' : 'real';
      ctx.emit({ op: 'binary', fn: fn === 'Add' ? 'add' : fn === 'Sub' ? 'sub' : 'mul' }, [a.tensor.id, b.tensor.id], shape, kind);
      return;
    }
    const constFirst = isConst(a);
    const x = isConst(a) ? (b as { tensor: import('../../ir/graph').TensorInfo }).tensor : a.tensor;
    const c = isConst(a) ? a.const : (b as { const: ConstValue }).const;
    if (prod(shape) !== prod(x.shape) || shape.length < x.shape.length) {
      // the constant broadcasts the tensor to a larger shape: keep it as a constant tensor
      if (fn === 'Div') notLowerable(`division broadcasting ${JSON.stringify(x.shape)} to ${JSON.stringify(shape)} is not supported`);
      const cid = ctx.emitTemp({ op: 'constant', values: Float64Array.from(c.data) }, [], c.shape, c.kind, 'const');
      const ins = constFirst ? [cid, x.id] : [x.id, cid];
      ctx.emit({ op: 'binary', fn: fn === 'Add' ? 'add' : fn === 'Sub' ? 'sub' : 'mul' }, ins, shape, x.kind === 'int' && c.kind === 'int' ? 'int' : 'real');
      return;
    }
    const { values, mid, inner } = compactBroadcast(c.data, c.shape, shape);
    let scale: Float64Array;
    let offset: Float64Array;
    const ones = () => new Float64Array(values.length).fill(1);
    const zeros = () => new Float64Array(values.length);
    switch (fn) {
      case 'Add':
        scale = ones();
        offset = Float64Array.from(values);
        break;
      case 'Sub':
        scale = constFirst ? ones().map(() => -1) : ones();
        offset = constFirst ? Float64Array.from(values) : values.map((v) => -v);
        break;
      case 'Mul':
        scale = Float64Array.from(values);
        offset = zeros();
        break;
      case 'Div': {
        if (constFirst) notLowerable('division of a constant by a runtime tensor is not supported');
        const zero = values.findIndex((v) => v === 0);
        if (zero >= 0) notLowerable(`division by a constant that is zero at element ${zero}`);
        scale = values.map((v) => 1 / v);
        offset = zeros();
        break;
      }
    }
    ctx.emit({ op: 'affine', scale, offset, broadcast: { mid, inner } }, [x.id], x.shape, x.kind === 'int' && c.kind === 'int' && fn !== 'Div' ? 'int' : 'real');
  };
}

function unary(ctx: LowerContext, op: import('../../ir/graph').IrOp): void {
  const x = ctx.tensorInput(0);
  ctx.emit(op, [x.id], x.shape, x.kind);
}

export const lowerRelu = (ctx: LowerContext) => unary(ctx, { op: 'relu' });
export const lowerSigmoid = (ctx: LowerContext) => unary(ctx, { op: 'sigmoid' });
export const lowerTanh = (ctx: LowerContext) => unary(ctx, { op: 'tanh' });
export const lowerLeakyRelu = (ctx: LowerContext) => unary(ctx, { op: 'leakyRelu', alpha: ctx.attrs.float('alpha', 0.01) });

export function lowerClip(ctx: LowerContext): void {
  let min = -Infinity;
  let max = Infinity;
  if (ctx.opset < 11) {
    min = ctx.attrs.float('min', -Infinity);
    max = ctx.attrs.float('max', Infinity);
  } else {
    const lo = ctx.operand(1);
    const hi = ctx.operand(2);
    if (lo) min = ctx.constInput(1, 'Clip min must be a constant').data[0];
    if (hi) max = ctx.constInput(2, 'Clip max must be a constant').data[0];
  }
  const x = ctx.tensorInput(0);
  ctx.emit({ op: 'clip', min, max }, [x.id], x.shape, x.kind);
}
