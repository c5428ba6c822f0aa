// Softmax and ArgMax: reductions over one axis, as (outer, axisLen, inner).
import { notLowerable, prod, type LowerContext } from './context';

function axisOf(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= Math.max(rank, 1)) notLowerable(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

export function lowerSoftmax(ctx: LowerContext): void {
  const x = ctx.tensorInput(0);
  const s = x.shape;
  if (ctx.opset < 13) {
    // opset 1–12: the input is coerced to 2-D at `axis` and normalised over the second dimension
    const axis = axisOf(ctx.attrs.int('axis', 1), s.length);
    ctx.emit({ op: 'softmax', outer: prod(s.slice(0, axis)), axisLen: prod(s.slice(axis)), inner: 1 }, [x.id], s, 'real');
    return;
  }
  const axis = axisOf(ctx.attrs.int('axis', -1), s.length);
  ctx.emit({ op: 'softmax', outer: prod(s.slice(0, axis)), axisLen: s[axis], inner: prod(s.slice(axis + 1)) }, [x.id], s, 'real');
}

export function lowerArgMax(ctx: LowerContext): void {
  const x = ctx.tensorInput(0);
  const s = x.shape;
  const axis = axisOf(ctx.attrs.int('axis', 0), s.length);
  const keep = ctx.attrs.int('keepdims', 1) === 1;
  const selectLast = ctx.opset >= 12 && ctx.attrs.int('select_last_index', 0) === 1;
  const out = keep ? s.map((d, i) => (i === axis ? 1 : d)) : s.filter((_, i) => i !== axis);
  ctx.emit({ op: 'argmax', outer: prod(s.slice(0, axis)), axisLen: s[axis], inner: prod(s.slice(axis + 1)), selectLast }, [x.id], out, 'int');
}
