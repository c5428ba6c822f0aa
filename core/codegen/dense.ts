// Dense layers (MatMul/Gemm), convolutions and pooling. The dot products are what a model spends its gas
// on: with weights in a data segment, a row's multiply-adds are written out (`dense: unrolled`) so that
// the compiler loads the input row into locals once per layer and each multiply costs one weight load,
// a multiply and an add; with `weights: code` each weight is an immediate and zero weights vanish.
// Indices are constant or affine in loop counters over fixed-size arrays, so the bounds checks fold away.
import type { LayerCode, LayerCtx, Scratch } from './layer';
import type { LayerWeight } from '../manifest/schema';
import { arrayRef, docComment, forLoop, indent, narrowOut, paramsOf, requantItems, rescaleText, signature, tensorOf, weightTable, writeSignature } from './layer';
import { constName, fmtText, intLit, rustType, staticArray, staticMatrix } from './rust';
import type { AccWidth, QWeights } from '../quant/types';

const BYTES = { i8: 1, i16: 2, i32: 4, i64: 8 } as const;

/** `a + b` for index expressions, folding numbers. */
function add(base: string | number, k: number): string {
  if (typeof base === 'number') return String(base + k);
  return k === 0 ? base : `${base} + ${k}`;
}

/** `x[...] as i32` widened to the accumulator (no cast when the types agree). */
function widen(expr: string, from: string, acc: AccWidth): string {
  return from === acc ? expr : `${expr} as ${acc}`;
}

function acc64(acc: AccWidth, expr = 'acc'): string {
  return acc === 'i64' ? expr : `${expr} as i64`;
}

function weightDoc(W: QWeights, dims: number[]): string {
  return `weights ${dims.join('x')} ${fmtText(W.format)} (max quantisation error ${W.maxError.toExponential(2)})`;
}

/**
 * Immediates cost about five operators per weight, all in one function body: past this many weights a
 * layer would pass nitro's 65,536 operators per function, so it keeps its weights in data.
 */
export const MAX_IMMEDIATE_WEIGHTS = 8192;

function immediatesFit(ctx: LayerCtx, weights: number): boolean {
  if (weights <= MAX_IMMEDIATE_WEIGHTS) return true;
  ctx.notes.push(`${ctx.fn}: ${weights} weights are too many for immediates in one function (at most ${MAX_IMMEDIATE_WEIGHTS}); they stay in a data segment`);
  return false;
}

interface Row {
  /** offset of the row in x: a number, or an expression in loop counters */
  xo: string | number;
  /** first weight row (index into the [N*batches][K] matrix) */
  w0: string | number;
  /** first output of the row */
  o0: string | number;
}

export function emitMatmul(ctx: LayerCtx): LayerCode {
  const op = ctx.qn.node.op;
  if (op.op !== 'matmul') throw new Error('internal: not matmul');
  const p = paramsOf(ctx, 'matmul');
  const x = tensorOf(ctx, ctx.qn.node.inputs[0]);
  const { K, N, M, batches } = op;
  const acc = p.acc;
  const xt = rustType(x.format.storage);
  const wt = rustType(p.W.format.storage);
  const W = p.W.q;
  const wName = constName(ctx.fn, 'W');
  const bName = constName(ctx.fn, 'B');
  const items: string[][] = [];
  const rowsOfW = W.length / K;
  const aligned = Number.isInteger(rowsOfW) && op.wOffsets.every((o) => o % K === 0);
  if (!aligned) throw new Error(`internal: matmul '${ctx.qn.node.origin.name}' weight offsets are not whole rows`);
  const code = ctx.lowering.weights === 'code' && immediatesFit(ctx, batches * M * N * K);
  const weights: LayerWeight[] = [];
  if (!code) {
    items.push(staticMatrix(wName, wt, rowsOfW, K, W, [`\`${ctx.qn.node.origin.name}\` ${weightDoc(p.W, [rowsOfW, K])}, one row per output.`]));
    weights.push(weightTable(ctx, 'weight', wName, p.W.format.storage, p.W.format.frac, W));
  }
  const bias = p.bias;
  if (bias && !code) {
    items.push(staticArray(bName, acc, bias, [`\`${ctx.qn.node.origin.name}\` bias at the accumulator's scale (Q.${x.format.frac + p.W.format.frac}).`]));
    weights.push(weightTable(ctx, 'bias', bName, acc, x.format.frac + p.W.format.frac, bias));
  }
  items.push(...requantItems(ctx));

  const biasAt = (o0: string | number, n: string | number): string => {
    if (!bias) return '0';
    if (bias.length === N) return `${bName}[${n}]`;
    return typeof o0 === 'number' && typeof n === 'number' ? `${bName}[${o0 + n}]` : `${bName}[${typeof o0 === 'number' && o0 === 0 ? n : `${o0} + ${n}`}]`;
  };
  ctx.decisions[ctx.fn] = code ? (outputPairs(acc, K) ? 'weights in code, output pairs (two lanes per multiply)' : 'weights in code') : ctx.lowering.dense === 'loop' ? 'weights in data, rolled loop' : `weights in data, unrolled${K > ctx.lowering.chunk ? ` in chunks of ${ctx.lowering.chunk}` : ''}`;
  const body: string[] = [];
  const rows: { row: Row; loop: string | null }[] = [];
  for (let b = 0; b < batches; b++) {
    // immediates are per output, so every row is written out; otherwise rows of a batch share a loop
    if (M === 1 || code) for (let m = 0; m < M; m++) rows.push({ row: { xo: op.aOffsets[b] + m * K, w0: op.wOffsets[b] / K, o0: (b * M + m) * N }, loop: null });
    else {
      const mo = b * M * N;
      rows.push({ row: { xo: op.aOffsets[b] === 0 ? `m * ${K}` : `${op.aOffsets[b]} + m * ${K}`, w0: op.wOffsets[b] / K, o0: mo === 0 ? `m * ${N}` : `${mo} + m * ${N}` }, loop: `m` });
    }
  }
  for (const [rowIndex, { row, loop }] of rows.entries()) {
    const lines = code ? codeRow(ctx, row, xt, acc, rowIndex, rows.length) : ctx.lowering.dense === 'loop' ? loopRow(ctx, row, xt, wt, acc, wName, biasAt) : unrolledRow(ctx, row, xt, wt, acc, wName, biasAt);
    if (loop) body.push(forLoop(loop, M), ...indent(lines), '}');
    else body.push(...lines);
  }
  const detail = [
    `y[n] = sat(rescale(b[n] + sum_k x[k] * W[n][k])): K = ${K}, N = ${N}${batches * M > 1 ? `, ${batches * M} rows` : ''}; ${weightDoc(p.W, [rowsOfW, K])}.`,
    `Accumulator ${acc} at Q.${x.format.frac + p.W.format.frac}; ${rescaleText(p.shift)}; lowering: weights in ${code ? 'code (immediates)' : 'a data segment'}, ${code ? 'straight-line' : ctx.lowering.dense === 'loop' ? 'rolled loop' : K > ctx.lowering.chunk ? `unrolled in chunks of ${ctx.lowering.chunk}` : 'unrolled rows'}.`,
  ];
  // a straight-line layer stays its own function, so two of them never share one body's operator budget
  const own = code && batches * M * N * K > IMMEDIATES_PER_FUNCTION ? ['#[inline(never)]'] : [];
  const scratch: Scratch[] = !code && ctx.lowering.dense !== 'loop' && K > Math.max(1, ctx.lowering.chunk) ? [{ name: 'acc', type: `[${acc}; ${N}]`, bytes: N * BYTES[acc] }] : [];
  return { items, fn: [...docComment(ctx, detail), ...own, ...writeSignature(ctx, undefined, scratch), ...indent(body), '}'], kind: 'write', scratch, weights };
}

function yIndex(o0: string | number, n: string | number): string {
  if (typeof o0 === 'number' && typeof n === 'number') return String(o0 + n);
  if (o0 === 0) return String(n);
  return `${o0} + ${n}`;
}

function wRow(wName: string, w0: string | number): string {
  return `&${wName}[${w0 === 0 ? 'n' : `${w0} + n`}]`;
}

/** One output row, multiply-adds written out, in chunks when K is long. */
function unrolledRow(ctx: LayerCtx, row: Row, xt: string, wt: string, acc: AccWidth, wName: string, biasAt: (o0: string | number, n: string | number) => string): string[] {
  const op = ctx.qn.node.op as Extract<typeof ctx.qn.node.op, { op: 'matmul' }>;
  const { K, N } = op;
  const p = paramsOf(ctx, 'matmul');
  const term = (k: number, target: string) => `${target} += ${widen(`x[${add(row.xo, k)}]`, xt, acc)} * ${widen(`w[${k}]`, wt, acc)};`;
  const chunk = Math.max(1, ctx.lowering.chunk);
  const out: string[] = [];
  if (K <= chunk) {
    out.push(forLoop('n', N));
    out.push(`    let w = ${wRow(wName, row.w0)};`);
    out.push(`    let ${K > 0 ? 'mut ' : ''}acc: ${acc} = ${biasAt(row.o0, 'n')};`);
    for (let k = 0; k < K; k++) out.push(`    ${term(k, 'acc')}`);
    out.push(`    y[${yIndex(row.o0, 'n')}] = ${narrowOut(ctx, acc64(acc), p.shift, 'n')};`);
    out.push('}');
    return out;
  }
  // long rows: per chunk of inputs, one pass over the outputs (the chunk's inputs stay in locals); the
  // running sums live in the arena (the `acc` scratch buffer)
  out.push(forLoop('n', N));
  out.push(`    acc[n] = ${p.bias ? biasAt(row.o0, 'n') : '0'};`);
  out.push('}');
  for (let k0 = 0; k0 < K; k0 += chunk) {
    const k1 = Math.min(K, k0 + chunk);
    out.push(`// inputs ${k0}..${k1}`);
    out.push(forLoop('n', N));
    out.push(`    let w = ${wRow(wName, row.w0)};`);
    out.push('    let mut a = acc[n];');
    for (let k = k0; k < k1; k++) out.push(`    ${term(k, 'a')}`);
    out.push('    acc[n] = a;');
    out.push('}');
  }
  out.push(forLoop('n', N));
  out.push(`    y[${yIndex(row.o0, 'n')}] = ${narrowOut(ctx, acc64(acc, 'acc[n]'), p.shift, 'n')};`);
  out.push('}');
  return out;
}

/** A rolled loop over the row, eight multiply-adds per iteration (one loop test per eight terms). */
function loopRow(ctx: LayerCtx, row: Row, xt: string, wt: string, acc: AccWidth, wName: string, biasAt: (o0: string | number, n: string | number) => string): string[] {
  const op = ctx.qn.node.op as Extract<typeof ctx.qn.node.op, { op: 'matmul' }>;
  const p = paramsOf(ctx, 'matmul');
  const U = 8;
  const blocks = Math.floor(op.K / U);
  const term = (k: string) => `acc += ${widen(`x[${row.xo === 0 ? k : `${row.xo} + ${k}`}]`, xt, acc)} * ${widen(`w[${k}]`, wt, acc)};`;
  const lines = [forLoop('n', op.N), `    let w = ${wRow(wName, row.w0)};`, `    let mut acc: ${acc} = ${biasAt(row.o0, 'n')};`];
  if (blocks > 0) {
    lines.push(`    ${forLoop('c', blocks)}`);
    for (let j = 0; j < U; j++) lines.push(`        ${term(j === 0 ? `${U} * c` : `${U} * c + ${j}`)}`);
    lines.push('    }');
  }
  for (let k = blocks * U; k < op.K; k++) lines.push(`    ${term(String(k))}`);
  lines.push(`    y[${yIndex(row.o0, 'n')}] = ${narrowOut(ctx, acc64(acc), p.shift, 'n')};`, '}');
  return lines;
}

/** Rows at least this long take the output-pair lowering (shorter ones do not repay the lane split). */
export const PAIR_MIN_K = 16;

function outputPairs(acc: AccWidth, K: number): boolean {
  return acc === 'i32' && K >= PAIR_MIN_K;
}

/** Immediates per function body: more makes LLVM keep too many values in locals (nitro allows 348). */
export const IMMEDIATES_PER_FUNCTION = 512;

/**
 * Weights as immediates: one block of multiply-adds per output, zero weights left out. The compiler shares
 * the inputs (and their shifted copies, from multiplications by constants) between outputs in locals, so
 * outputs go in groups of at most IMMEDIATES_PER_FUNCTION weights, each group a function of its own.
 */
function codeRow(ctx: LayerCtx, row: Row, xt: string, acc: AccWidth, rowIndex: number, rows: number): string[] {
  const op = ctx.qn.node.op as Extract<typeof ctx.qn.node.op, { op: 'matmul' }>;
  const p = paramsOf(ctx, 'matmul');
  const { K, N } = op;
  const w0 = row.w0 as number;
  const o0 = row.o0 as number;
  const biasOf = (n: number) => (p.bias && n < N ? p.bias[p.bias.length === N ? n : o0 + n] : 0);
  const bias = (n: number) => (p.bias ? intLit(biasOf(n), acc) : '0');
  // two outputs per i64 multiply where the plan proves every sum fits i32 (the lanes, see swarConv), on
  // rows long enough to pay for splitting the lanes
  const pairs = outputPairs(acc, K);
  const pair = (n: number): string[] => {
    const t: string[] = [];
    for (let k = 0; k < K; k++) {
      const w = lanePair(p.W.q[(w0 + n) * K + k], n + 1 < N ? p.W.q[(w0 + n + 1) * K + k] : 0);
      if (w !== 0n) t.push(`a += ${widen(`x[${add(row.xo, k)}]`, xt, 'i64')} * ${intLit(w)};`);
    }
    return [
      `// outputs ${n} and ${n + 1}`,
      `let ${t.length ? 'mut ' : ''}a: i64 = ${intLit(lanePair(biasOf(n), biasOf(n + 1)))};`,
      ...t,
      'let lo = lane_lo(a);',
      'let hi = lane_hi(a);',
      `y[${yIndex(o0, n)}] = ${narrowOut(ctx, 'lo', p.shift, n)};`,
      ...(n + 1 < N ? [`y[${yIndex(o0, n + 1)}] = ${narrowOut(ctx, 'hi', p.shift, n + 1)};`] : []),
    ];
  };
  const output = (n: number): string[] => {
    const t: string[] = [];
    for (let k = 0; k < K; k++) {
      const w = p.W.q[(w0 + n) * K + k];
      if (w !== 0) t.push(`acc += ${widen(`x[${add(row.xo, k)}]`, xt, acc)} * ${intLit(w, acc)};`);
    }
    return [`// output ${n}`, `let ${t.length ? 'mut ' : ''}acc: ${acc} = ${bias(n)};`, ...t, `y[${yIndex(o0, n)}] = ${narrowOut(ctx, acc64(acc), p.shift, n)};`];
  };
  const step = pairs ? 2 : 1;
  const block = (n: number) => (pairs ? pair(n) : output(n));
  const blocks = (from: number, to: number) => Array.from({ length: Math.ceil((to - from) / step) }, (_, i) => block(from + step * i)).flat();
  const group = Math.max(step, step * Math.floor(IMMEDIATES_PER_FUNCTION / Math.max(K, 1) / step));
  if (group >= N) return blocks(0, N);
  const x = tensorOf(ctx, ctx.qn.node.inputs[0]);
  const y = tensorOf(ctx, ctx.qn.node.outputs[0]);
  const out: string[] = [];
  const calls: string[] = [];
  for (let n0 = 0; n0 < N; n0 += group) {
    const n1 = Math.min(N, n0 + group);
    const name = `${rows > 1 ? `row_${rowIndex}_` : ''}outputs_${n0}_${n1}`;
    out.push('#[inline(never)]', `fn ${name}(x: ${arrayRef(x)}, y: ${arrayRef(y, true)}) {`);
    out.push(...indent(blocks(n0, n1)));
    out.push('}');
    calls.push(`${name}(x, y);`);
  }
  return [...out, ...calls];
}

/** Extent of the padded input so every tap of every output lands inside it. */
export function padded(size: number, out: number, stride: number, kernel: number, dil: number, before: number, after: number): number {
  return Math.max(size + before + after, (out - 1) * stride + (kernel - 1) * dil + 1);
}

/** `(plane * H + row) * W + col`, without the terms that are zero. */
function flatIndex(plane: string | number, H: number, row: string, W: number, col: string): string {
  const r = plane === 0 ? row : `${typeof plane === 'number' ? plane : `(${plane})`} * ${H} + ${row}`;
  return `(${r}) * ${W} + ${col}`;
}

export function tapIndex(v: string, stride: number, off: number): string {
  const base = stride === 1 ? v : `${v} * ${stride}`;
  return off === 0 ? base : `${base} + ${off}`;
}

/**
 * Copies x (NCHW, one image) into the zero- or MIN-padded [C][HP][WP] scratch buffer `xp` so that the
 * taps need no border tests: a tap on padding adds 0 (conv, avg) or never wins (max). The buffer is in
 * the arena, shared with other layers, so its padding is written on every call (when there is any).
 */
export function padCopy(C: number, H: number, W: number, HP: number, WP: number, pt: number, pl: number, fill: string, image: string | null, src = 'x'): string[] {
  const base = image ? `(${image} * ${C} + c)` : 'c';
  const pads = HP > H || WP > W;
  return [
    ...(pads ? [forLoop('c', C), `    ${forLoop('h', HP)}`, `        xp[c][h] = [${fill}; ${WP}];`, '    }', '}'] : []),
    forLoop('c', C),
    `    ${forLoop('h', H)}`,
    `        ${forLoop('w', W)}`,
    `            xp[c][${add('h', pt)}][${add('w', pl)}] = ${src}[(${base} * ${H} + h) * ${W} + w];`,
    '        }',
    '    }',
    '}',
  ];
}

/** The padded copy's scratch parameter. */
export function padScratch(t: string, C: number, HP: number, WP: number, width: number): Scratch {
  return { name: 'xp', type: `[[[${t}; ${WP}]; ${HP}]; ${C}]`, bytes: C * HP * WP * width };
}

export function emitConv(ctx: LayerCtx): LayerCode {
  const op = ctx.qn.node.op;
  if (op.op !== 'conv2d') throw new Error('internal: not conv2d');
  const p = paramsOf(ctx, 'conv2d');
  const x = tensorOf(ctx, ctx.qn.node.inputs[0]);
  const y = tensorOf(ctx, ctx.qn.node.outputs[0]);
  const [Nb, C, H, W] = x.shape;
  const [, OC, OH, OW] = y.shape;
  const [KH, KW] = op.kernel;
  const [SH, SW] = op.strides;
  const [DH, DW] = op.dilations;
  const [PT, PL, PB, PR] = op.pads;
  const HP = padded(H, OH, SH, KH, DH, PT, PB);
  const WP = padded(W, OW, SW, KW, DW, PL, PR);
  const acc = p.acc;
  const xt = rustType(x.format.storage);
  const wt = rustType(p.W.format.storage);
  const wName = constName(ctx.fn, 'W');
  const bName = constName(ctx.fn, 'B');
  const code = ctx.lowering.weights === 'code' && immediatesFit(ctx, OC * C * KH * KW);
  const items: string[][] = [];
  const weights: LayerWeight[] = [];
  if (!code) {
    const doc = [`\`${ctx.qn.node.origin.name}\` ${weightDoc(p.W, [OC, C, KH, KW])}.`];
    items.push(nestedWeights(wName, wt, p.W.q, OC, C, KH, KW, doc));
    weights.push(weightTable(ctx, 'weight', wName, p.W.format.storage, p.W.format.frac, p.W.q));
  }
  if (p.bias && !code) {
    items.push(staticArray(bName, acc, p.bias, [`\`${ctx.qn.node.origin.name}\` bias at the accumulator's scale (Q.${x.format.frac + p.W.format.frac}).`]));
    weights.push(weightTable(ctx, 'bias', bName, acc, x.format.frac + p.W.format.frac, p.bias));
  }
  items.push(...requantItems(ctx));
  // two output channels per i64 multiply where the plan proves every accumulator fits i32 (its lanes)
  const swar = code && acc === 'i32';
  ctx.decisions[ctx.fn] = swar ? 'weights in code, channel pairs (two lanes per multiply)' : code ? 'weights in code' : 'weights in data';
  const body: string[] = [];
  const images = Nb > 1;
  const inner: string[] = [];
  // without padding every tap lies inside x: read it in place, no copy
  const direct = HP === H && WP === W;
  if (!direct) inner.push(...padCopy(C, H, W, HP, WP, PT, PL, `${p.padValue ?? 0}${xt}`, images ? 'nb' : null));
  const src: [string, string] = direct ? ['x', arrayRef(x)] : ['xp', `&[[[${xt}; ${WP}]; ${HP}]; ${C}]`];
  const yBase = (oc: string | number) => `${images ? `(nb * ${OC} + ${oc})` : oc} * ${OH}`;
  const tap = (c: string | number, i: number, j: number) => {
    const row = tapIndex('oh', SH, i * DH);
    const col = tapIndex('ow', SW, j * DW);
    return direct ? `x[${flatIndex(images ? `nb * ${C} + ${c}` : c, H, row, W, col)}]` : `xp[${c}][${row}][${col}]`;
  };
  if (swar) {
    inner.push(...swarConv(ctx, { C, OC, KH, KW, OH, OW, src, images, tap, yBase, yType: arrayRef(y, true) }));
  } else if (!code) {
    inner.push(forLoop('oc', OC));
    inner.push(`    let wk = &${wName}[oc];`);
    inner.push(`    ${forLoop('oh', OH)}`);
    inner.push(`        ${forLoop('ow', OW)}`);
    inner.push(`            let mut acc: ${acc} = ${p.bias ? `${bName}[oc]` : '0'};`);
    inner.push(`            ${forLoop('c', C)}`);
    inner.push('                let wc = &wk[c];');
    for (let i = 0; i < KH; i++) for (let j = 0; j < KW; j++) inner.push(`                acc += ${widen(tap('c', i, j), xt, acc)} * ${widen(`wc[${i}][${j}]`, wt, acc)};`);
    inner.push('            }');
    inner.push(`            y[(${yBase('oc')} + oh) * ${OW} + ow] = ${narrowOut(ctx, acc64(acc), p.shift, 'oc')};`);
    inner.push('        }', '    }', '}');
  } else {
    // immediates: the channels' blocks inside the (oh, ow) loops, in groups of at most
    // IMMEDIATES_PER_FUNCTION weights per function (see codeRow)
    const channel = (oc: number): string[] => {
      const terms: string[] = [];
      for (let c = 0; c < C; c++)
        for (let i = 0; i < KH; i++)
          for (let j = 0; j < KW; j++) {
            const w = p.W.q[((oc * C + c) * KH + i) * KW + j];
            if (w !== 0) terms.push(`acc += ${widen(tap(c, i, j), xt, acc)} * ${intLit(w, acc)};`);
          }
      return [`// output channel ${oc}`, `let ${terms.length ? 'mut ' : ''}acc: ${acc} = ${p.bias ? intLit(p.bias[oc], acc) : '0'};`, ...terms, `y[(${yBase(oc)} + oh) * ${OW} + ow] = ${narrowOut(ctx, acc64(acc), p.shift, oc)};`];
    };
    const loops = (from: number, to: number) => {
      const blocks: string[] = [];
      for (let oc = from; oc < to; oc++) blocks.push(...channel(oc));
      return [forLoop('oh', OH), `    ${forLoop('ow', OW)}`, ...indent(blocks, 2), '    }', '}'];
    };
    const group = Math.max(1, Math.floor(IMMEDIATES_PER_FUNCTION / (C * KH * KW)));
    if (group >= OC) inner.push(...loops(0, OC));
    else {
      const calls: string[] = [];
      for (let a = 0; a < OC; a += group) {
        const b = Math.min(OC, a + group);
        const name = `channels_${a}_${b}`;
        const params: [string, string][] = [src, ...(images ? ([['nb', 'usize']] as [string, string][]) : []), ['y', arrayRef(y, true)]];
        inner.push('#[inline(never)]', ...signature(name, params, null).map((l) => l.replace(/^pub fn /, 'fn ')), ...indent(loops(a, b)), '}');
        calls.push(`${name}(${src[0]}, ${images ? 'nb, ' : ''}y);`);
      }
      inner.push(...calls);
    }
  }
  if (images) body.push(forLoop('nb', Nb), ...indent(inner), '}');
  else body.push(...inner);
  const detail = [
    `Convolution ${KH}x${KW}, strides [${SH}, ${SW}], dilations [${DH}, ${DW}], pads [${PT}, ${PL}, ${PB}, ${PR}] (${direct ? 'taps read in place' : `zero-padded copy ${C}x${HP}x${WP}`}); ${weightDoc(p.W, [OC, C, KH, KW])}.`,
    `Accumulator ${acc} at Q.${x.format.frac + p.W.format.frac}; ${rescaleText(p.shift)}; weights in ${code ? 'code (immediates)' : 'a data segment'}${swar ? ', two output channels per i64 multiply (lanes: the proven accumulator bound is below 2^31)' : ''}.`,
  ];
  const own = code && OC * C * KH * KW > IMMEDIATES_PER_FUNCTION ? ['#[inline(never)]'] : [];
  const scratch = direct ? [] : [padScratch(xt, C, HP, WP, BYTES[x.format.storage])];
  return { items, fn: [...docComment(ctx, detail), ...own, ...writeSignature(ctx, undefined, scratch), ...indent(body), '}'], kind: 'write', scratch, weights };
}

/** Pair terms (two weights each) per function of a lane-paired convolution. */
export const SWAR_TERMS_PER_FUNCTION = 2048;
/** Taps held in locals at once (one input channel's window, split when larger). */
const SWAR_TAPS = 32;

/** `w_a + w_b · 2^32`: two weights in the 32-bit lanes of one i64 (w_b of a missing channel is 0). */
export function lanePair(a: number | bigint, b: number | bigint): bigint {
  return BigInt(a) + (BigInt(b) << 32n);
}

/**
 * A convolution with weights as immediates, two output channels per i64 multiply: each tap (widened to
 * i64 once per position) times `w[2p] + w[2p+1]·2^32` adds both channels' products to one accumulator,
 * whose 32-bit lanes hold the two sums. The lanes are exact because every partial sum of a channel is
 * bounded by the plan's accumulator bound, which is below 2^31 (the i32 accumulator proof), so the high
 * lane is recovered as (acc − lo) >> 32 with lo the sign-extended low lane (fixed.rs `lanes`). Pairs go in
 * groups of at most SWAR_TERMS_PER_FUNCTION terms per function; taps are loaded per input channel.
 */
function swarConv(
  ctx: LayerCtx,
  g: { C: number; OC: number; KH: number; KW: number; OH: number; OW: number; src: [string, string]; images: boolean; tap: (c: number, i: number, j: number) => string; yBase: (oc: number) => string; yType: string },
): string[] {
  const p = paramsOf(ctx, 'conv2d');
  const { C, OC, KH, KW, OH, OW } = g;
  const pairs = Math.ceil(OC / 2);
  const w = (oc: number, c: number, i: number, j: number) => (oc < OC ? p.W.q[((oc * C + c) * KH + i) * KW + j] : 0);
  const b = (oc: number) => (oc < OC && p.bias ? p.bias[oc] : 0);
  const taps: { c: number; i: number; j: number }[] = [];
  for (let c = 0; c < C; c++) for (let i = 0; i < KH; i++) for (let j = 0; j < KW; j++) taps.push({ c, i, j });
  const perPair = Math.max(1, taps.length);
  const group = Math.max(1, Math.floor(SWAR_TERMS_PER_FUNCTION / perPair));
  const positions = (from: number, to: number): string[] => {
    const out: string[] = [];
    for (let q = from; q < to; q++) out.push(`let mut a${q}: i64 = ${intLit(lanePair(b(2 * q), b(2 * q + 1)))};`);
    // one input channel's window at a time (SWAR_TAPS at most) in locals, then each pair's terms
    for (let t0 = 0; t0 < taps.length; ) {
      const c = taps[t0].c;
      let t1 = t0;
      while (t1 < taps.length && taps[t1].c === c && t1 - t0 < SWAR_TAPS) t1++;
      const used = taps.slice(t0, t1).map((t, k) => ({ ...t, k })).filter((t) => Array.from({ length: to - from }, (_, d) => from + d).some((q) => w(2 * q, t.c, t.i, t.j) !== 0 || w(2 * q + 1, t.c, t.i, t.j) !== 0));
      for (const t of used) out.push(`let t${t.k} = ${g.tap(t.c, t.i, t.j)} as i64;`);
      for (let q = from; q < to; q++)
        for (const t of used) {
          const k = lanePair(w(2 * q, t.c, t.i, t.j), w(2 * q + 1, t.c, t.i, t.j));
          if (k !== 0n) out.push(`a${q} += t${t.k} * ${intLit(k)};`);
        }
      t0 = t1;
    }
    for (let q = from; q < to; q++) {
      out.push(`let lo = lane_lo(a${q});`, `let hi = lane_hi(a${q});`);
      out.push(`y[(${g.yBase(2 * q)} + oh) * ${OW} + ow] = ${narrowOut(ctx, 'lo', p.shift, 2 * q)};`);
      if (2 * q + 1 < OC) out.push(`y[(${g.yBase(2 * q + 1)} + oh) * ${OW} + ow] = ${narrowOut(ctx, 'hi', p.shift, 2 * q + 1)};`);
    }
    return [forLoop('oh', OH), `    ${forLoop('ow', OW)}`, ...indent(out, 2), '    }', '}'];
  };
  if (group >= pairs) return positions(0, pairs);
  const out: string[] = [];
  const calls: string[] = [];
  for (let a = 0; a < pairs; a += group) {
    const z = Math.min(pairs, a + group);
    const name = `channels_${2 * a}_${Math.min(OC, 2 * z)}`;
    const params: [string, string][] = [g.src, ...(g.images ? ([['nb', 'usize']] as [string, string][]) : []), ['y', g.yType]];
    out.push('#[inline(never)]', ...signature(name, params, null).map((l) => l.replace(/^pub fn /, 'fn ')), ...indent(positions(a, z)), '}');
    calls.push(`${name}(${g.src[0]}, ${g.images ? 'nb, ' : ''}y);`);
  }
  return [...out, ...calls];
}

/** `static W: [[[[T; KW]; KH]; C]; OC]`, innermost rows on one line each. */
export function nestedWeights(name: string, t: string, q: Int32Array, OC: number, C: number, KH: number, KW: number, doc: string[]): string[] {
  const out = doc.map((d) => `/// ${d}`);
  out.push('#[rustfmt::skip]');
  out.push(`static ${name}: [[[[${t}; ${KW}]; ${KH}]; ${C}]; ${OC}] = [`);
  for (let oc = 0; oc < OC; oc++) {
    out.push('    [');
    for (let c = 0; c < C; c++) {
      const rows = Array.from({ length: KH }, (_, i) => `[${Array.from({ length: KW }, (_, j) => q[((oc * C + c) * KH + i) * KW + j]).join(', ')}]`);
      out.push(`        [${rows.join(', ')}],`);
    }
    out.push('    ],');
  }
  out.push('];');
  return out;
}

export function emitPool(ctx: LayerCtx): LayerCode {
  const op = ctx.qn.node.op;
  if (op.op !== 'maxpool2d' && op.op !== 'avgpool2d') throw new Error('internal: not a pool');
  const x = tensorOf(ctx, ctx.qn.node.inputs[0]);
  const y = tensorOf(ctx, ctx.qn.node.outputs[0]);
  const [Nb, C, H, W] = x.shape;
  const [, , OH, OW] = y.shape;
  const [KH, KW] = op.kernel;
  const [SH, SW] = op.strides;
  const [DH, DW] = op.op === 'maxpool2d' ? op.dilations : [1, 1];
  const [PT, PL, PB, PR] = op.pads;
  const HP = padded(H, OH, SH, KH, DH, PT, PB);
  const WP = padded(W, OW, SW, KW, DW, PL, PR);
  const xt = rustType(x.format.storage);
  const isMax = op.op === 'maxpool2d';
  const items: string[][] = [];
  const body: string[] = [];
  const planes = Nb * C;
  // one plane (image × channel) at a time: x is [Nb*C][H][W]
  // without padding every tap lies inside x: read it in place, no copy
  const direct = HP === H && WP === W;
  if (!direct) body.push(...padCopy(planes, H, W, HP, WP, PT, PL, isMax ? `${xt}::MIN` : `0${xt}`, null));
  const tap = (i: number, j: number) => {
    const row = tapIndex('oh', SH, i * DH);
    const col = tapIndex('ow', SW, j * DW);
    return direct ? `x[${flatIndex('c', H, row, W, col)}]` : `xp[c][${row}][${col}]`;
  };
  if (isMax) {
    body.push(forLoop('c', planes), `    ${forLoop('oh', OH)}`, `        ${forLoop('ow', OW)}`);
    body.push(`            let mut best = ${tap(0, 0)};`);
    for (let i = 0; i < KH; i++) for (let j = 0; j < KW; j++) if (i || j) body.push(`            best = best.max(${tap(i, j)});`);
    body.push(`            y[(c * ${OH} + oh) * ${OW} + ow] = best;`);
    body.push('        }', '    }', '}');
  } else {
    const acc = paramsOf(ctx, 'avgpool2d').acc;
    const counts = (n: number, size: number, stride: number, k: number, before: number, after: number) =>
      Array.from({ length: n }, (_, o) => {
        let inside = 0;
        let pad = 0;
        for (let i = 0; i < k; i++) {
          const v = o * stride - before + i;
          if (v >= 0 && v < size) inside++;
          else if (v >= -before && v < size + after) pad++;
        }
        return op.op === 'avgpool2d' && op.countIncludePad ? inside + pad : inside;
      });
    const rows = counts(OH, H, SH, KH, PT, PB);
    const cols = counts(OW, W, SW, KW, PL, PR);
    const rName = constName(ctx.fn, 'ROWS');
    const cName = constName(ctx.fn, 'COLS');
    const rq = paramsOf(ctx, 'avgpool2d').requant;
    if (!rq) {
      items.push(staticArray(rName, 'i64', rows, [`Rows of each window inside the ${op.countIncludePad ? 'padded ' : ''}input, per output row.`], 'const'));
      items.push(staticArray(cName, 'i64', cols, [`Columns of each window inside the ${op.countIncludePad ? 'padded ' : ''}input, per output column.`], 'const'));
    }
    body.push(forLoop('c', planes), `    ${forLoop('oh', OH)}`, `        ${forLoop('ow', OW)}`);
    body.push(`            let mut sum: ${acc} = 0;`);
    for (let i = 0; i < KH; i++) for (let j = 0; j < KW; j++) body.push(`            sum += ${widen(tap(i, j), xt, acc)};`);
    if (rq) body.push(`            y[(c * ${OH} + oh) * ${OW} + ow] = requant_i8(${acc64(acc, 'sum')} - ${intLit(rq.count * rq.xZero)}, ${rq.m[0]}, ${rq.s[0]}, ${intLit(rq.zp)});`);
    else {
      body.push(`            let rows = ${rName}[oh];`, `            let d = rows * ${cName}[ow];`);
      body.push(`            y[(c * ${OH} + oh) * ${OW} + ow] = div_round(${acc64(acc, 'sum')}, d) as ${rustType(y.format.storage)};`);
    }
    body.push('        }', '    }', '}');
  }
  const detail = [
    `${isMax ? 'Max' : 'Average'} pool ${KH}x${KW}, strides [${SH}, ${SW}]${isMax ? `, dilations [${DH}, ${DW}]` : ''}, pads [${PT}, ${PL}, ${PB}, ${PR}]${isMax ? '' : `, ${op.op === 'avgpool2d' && op.countIncludePad ? 'padding counted' : 'padding not counted'}; divide with round half up`}.`,
  ];
  const scratch = direct ? [] : [padScratch(xt, planes, HP, WP, BYTES[x.format.storage])];
  return { items, fn: [...docComment(ctx, detail), ...writeSignature(ctx, undefined, scratch), ...indent(body), '}'], kind: 'write', scratch };
}
