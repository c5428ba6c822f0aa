// Dense layers whose weights are bytes in memory rather than code: the pair image (core/layout/images.ts:
// i8 weights, two output rows per i64 multiply) from a static array in the program, or either image kind
// streamed part by part from data contracts into a buffer of the arena (layout `data`).
//
// The pair kernel: per chunk of at most 128 inputs, each input widened to i64 once (locals), then for each
// pair of rows an accumulator `a` starts at c = −128·Σx·(1 + 2^32) and, per 8-byte word of the pair,
// adds x_j · ((word >> 8j) & 0x000000ff000000ff) for its four inputs j: the biased weights (w + 128) of
// both rows land in the two 32-bit lanes of one product. After the chunk the lanes hold Σ w·x of each
// row (the −128·Σx takes the bias out); `lanes` splits them and they are added to the i64 sums `acc`.
// Lanes cannot carry into each other: per chunk |Σ w·x| ≤ 128 · 128 · 2^15 = 2^29 < 2^31 for i8 weights
// and inputs of at most 16 bits, and no intermediate leaves i64 (|a| < 2^62 + 2^61).
import type { LayerCode, LayerCtx, Scratch } from './layer';
import { docComment, forLoop, indent, narrowOut, paramsOf, rescaleText, tensorOf, writeSignature } from './layer';
import { constName, fmtText, rustType, staticArray } from './rust';
import { denseImage, PAIR_BIAS, type WeightImage } from '../layout/images';
import { arrayRows } from './rust';

/** The narrowest of i32 / i64 holding every bias (a byte of data costs gas on every call). */
export function biasStorage(bias: ArrayLike<number> | null): 'i32' | 'i64' {
  if (!bias) return 'i32';
  for (let i = 0; i < bias.length; i++) if (bias[i] < -(2 ** 31) || bias[i] >= 2 ** 31) return 'i64';
  return 'i32';
}

/** Where a dense layer's weight image is: a static array in the program, or data contracts. */
export type WeightHome = { kind: 'program' } | { kind: 'parts'; first: number; count: number; perPart: number };

/** Inputs per chunk: the lane bound above and nitro's 348 locals per function. */
export const PAIR_CHUNK = 128;

function u64Hex(bytes: Uint8Array, at: number): string {
  let s = '';
  for (let i = 7; i >= 0; i--) s += bytes[at + i].toString(16).padStart(2, '0');
  return `0x${s.slice(0, 4)}_${s.slice(4, 8)}_${s.slice(8, 12)}_${s.slice(12)}`;
}

/** `static NAME: [[u64; words]; units]` holding a pair image, one pair per block of lines. */
function pairStatic(name: string, img: WeightImage, doc: string[]): string[] {
  const out = doc.map((d) => `/// ${d}`);
  out.push('#[rustfmt::skip]');
  out.push(`static ${name}: [[u64; ${img.words}]; ${img.units}] = [`);
  for (let p = 0; p < img.units; p++) {
    out.push('    [');
    out.push(...arrayRows(Array.from({ length: img.words }, (_, g) => u64Hex(img.bytes, p * img.unitBytes + 8 * g)), '        ', 4));
    out.push('    ],');
  }
  out.push('];');
  return out;
}

/** The nested `pairs` function: adds the products of `w`'s pairs (pairs q0, q0 + 1, ...) to `acc`. */
function pairsFn(K: number, xType: string, words: number, accLen: number): string[] {
  const body: string[] = [];
  for (let k0 = 0; k0 < K; k0 += PAIR_CHUNK) {
    const k1 = Math.min(K, k0 + PAIR_CHUNK);
    body.push(`// inputs ${k0}..${k1}`);
    for (let k = k0; k < k1; k++) body.push(`let x${k - k0} = x[${k}] as i64;`);
    body.push('let mut s = x0;');
    for (let k = k0 + 1; k < k1; k++) body.push(`s += x${k - k0};`);
    body.push(`let c = -${PAIR_BIAS} * s;`, 'let c = c + (c << 32);');
    body.push('for (q, r) in w.iter().enumerate() {', '    let mut a = c;');
    for (let g = k0 >> 2; g < Math.ceil(k1 / 4); g++) {
      body.push(`    let v = u64::from_le(r[${g}]) as i64;`);
      for (let j = 0; j < 4 && 4 * g + j < k1; j++) body.push(`    a += x${4 * g + j - k0} * ${j === 0 ? '(v & LANE_BYTES)' : `((v >> ${8 * j}) & LANE_BYTES)`};`);
    }
    body.push('    let (lo, hi) = lanes(a);', '    acc[2 * (q0 + q)] += lo;', '    acc[2 * (q0 + q) + 1] += hi;', '}');
  }
  return [
    `fn pairs(x: &[${xType}; ${K}], w: &[[u64; ${words}]], q0: usize, acc: &mut [i64; ${accLen}]) {`,
    ...indent(body),
    '}',
  ];
}

/** The nested `rows` function: adds row r0 + r of `w` times x to acc[r0 + r], for each row of `w`. */
function rowsFn(K: number, xType: string, wType: string, accLen: number): string[] {
  const body: string[] = [];
  for (let k0 = 0; k0 < K; k0 += PAIR_CHUNK) {
    const k1 = Math.min(K, k0 + PAIR_CHUNK);
    body.push(`// inputs ${k0}..${k1}`);
    for (let k = k0; k < k1; k++) body.push(`let x${k - k0} = x[${k}] as i64;`);
    body.push('for (r, row) in w.iter().enumerate() {', '    let mut a = acc[r0 + r];');
    for (let k = k0; k < k1; k++) body.push(`    a += x${k - k0} * ${wType === 'i64' ? `row[${k}]` : `row[${k}] as i64`};`);
    body.push('    acc[r0 + r] = a;', '}');
  }
  return [`fn rows(x: &[${xType}; ${K}], w: &[[${wType}; ${K}]], r0: usize, acc: &mut [i64; ${accLen}]) {`, ...indent(body), '}'];
}

/**
 * A dense layer with its weights as an image in memory: `home` says where (a static array, or data
 * contracts loaded part by part into the scratch buffer `w`).
 */
export function emitDenseImage(ctx: LayerCtx, home: WeightHome): LayerCode {
  const op = ctx.qn.node.op;
  if (op.op !== 'matmul') throw new Error('internal: not matmul');
  const p = paramsOf(ctx, 'matmul');
  const x = tensorOf(ctx, ctx.qn.node.inputs[0]);
  const { K, N } = op;
  const img = denseImage(ctx.plan, ctx.qn);
  const xType = rustType(x.format.storage);
  const wType = rustType(p.W.format.storage);
  const pairs = img.kind === 'pairs';
  const accLen = pairs ? 2 * img.units : N;
  const wName = constName(ctx.fn, 'W');
  const bName = constName(ctx.fn, 'B');
  const items: string[][] = [];
  const origin = ctx.qn.node.origin.name;
  const weightText = `weights ${N}x${K} ${fmtText(p.W.format)} (max quantisation error ${p.W.maxError.toExponential(2)})`;
  if (home.kind === 'program') {
    if (!pairs) throw new Error('internal: a row image in the program is the plain data lowering');
    items.push(pairStatic(wName, img, [`\`${origin}\` ${weightText}, as pairs of rows: per 8-byte word four inputs of row 2p then of row 2p + 1, each stored as w + ${PAIR_BIAS}.`]));
  }
  const biasType = biasStorage(p.bias);
  if (p.bias) items.push(staticArray(bName, biasType, p.bias, [`\`${origin}\` bias at the accumulator's scale (Q.${x.format.frac + p.W.format.frac}).`]));
  const unit = pairs ? `[u64; ${img.words}]` : `[${wType}; ${K}]`;
  const scratch: Scratch[] = [];
  if (home.kind === 'parts') scratch.push({ name: 'w', type: `[${unit}; ${home.perPart}]`, bytes: home.perPart * img.unitBytes });
  scratch.push({ name: 'acc', type: `[i64; ${accLen}]`, bytes: 8 * accLen });
  const body: string[] = [];
  body.push(forLoop('n', N), `    acc[n] = ${p.bias ? (biasType === 'i64' ? `${bName}[n]` : `${bName}[n] as i64`) : '0'};`, '}');
  for (let n = N; n < accLen; n++) body.push(`acc[${n}] = 0;`);
  body.push(...(pairs ? pairsFn(K, xType, img.words, accLen) : rowsFn(K, xType, wType, accLen)));
  const call = pairs ? 'pairs' : 'rows';
  if (home.kind === 'program') body.push(`${call}(x, &${wName}, 0, acc);`);
  else {
    body.push(forLoop('part', home.count));
    body.push(`    load(${home.first} + part, w)?;`);
    body.push(`    let u0 = part * ${home.perPart};`);
    body.push(`    ${call}(x, &w[..(${img.units} - u0).min(${home.perPart})], u0, acc);`);
    body.push('}');
  }
  body.push(forLoop('n', N), `    y[n] = ${narrowOut(ctx, 'acc[n]', p.shift, 'n')};`, '}');
  if (home.kind === 'parts') body.push('Ok(())');
  const where =
    home.kind === 'parts'
      ? `weights in data contracts ${home.first}..${home.first + home.count} (parts.rs), ${home.perPart} ${pairs ? 'pairs of rows' : 'rows'} each, streamed through the arena buffer \`w\``
      : 'weights in a data segment as pairs of rows';
  ctx.decisions[ctx.fn] = home.kind === 'parts' ? `weights in data contracts, ${pairs ? 'row pairs' : 'rows'}` : 'weights in data, row pairs';
  const detail = [
    `y[n] = sat(rescale(b[n] + sum_k x[k] * W[n][k])): K = ${K}, N = ${N}; ${weightText}.`,
    `Sums in i64 at Q.${x.format.frac + p.W.format.frac}; ${rescaleText(p.shift)}; ${where}${pairs ? '; two rows per i64 multiply (32-bit lanes: each chunk of 128 inputs sums below 2^29 per row)' : ''}.`,
  ];
  const sig = writeSignature(ctx, undefined, scratch, home.kind === 'parts' ? 'Result<(), MissingPart>' : null);
  return { items, fn: [...docComment(ctx, detail), ...sig, ...indent(body), '}'], kind: 'write', scratch, fallible: home.kind === 'parts' };
}
