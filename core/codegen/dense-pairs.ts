// Dense layers whose weights are bytes in memory rather than code: the pair image (core/layout/images.ts:
// i8 weights, two output rows per i64 multiply) from a static array in the program, or either image kind
// streamed part by part from data contracts into a buffer of the arena (layout `data`).
//
// The pair kernel: per chunk of at most 128 inputs, each input widened to i64 once (locals), then for each
// pair of rows an accumulator `a` starts at c = −128·Σx·(1 + 2^32) and, per 8-byte word of the pair,
// adds x_j · ((word >> 8j) & 0x000000ff000000ff) for its four inputs j: the biased weights (w + 128) of
// both rows land in the two 32-bit lanes of one product. After the chunk the lanes hold Σ w·x of each
// row (the −128·Σx takes the bias out); `lane_lo` / `lane_hi` split them and they are added to the i64 sums `acc`.
// A static image in the program takes the bias out per term instead (`(lanes − LANE_BIAS)`, the signed
// pair of weights), which costs an i64.sub per two MACs and lets the overflow analysis re-derive every
// product exactly from the code (a per-chunk correction is a correlation intervals cannot see).
// Lanes cannot carry into each other: per chunk |Σ w·x| ≤ 128 · 128 · 2^15 = 2^29 < 2^31 for i8 weights
// and inputs of at most 16 bits, and no intermediate leaves i64 (|a| < 2^62 + 2^61).
import type { LayerCode, LayerCtx, Scratch } from './layer';
import { docComment, forLoop, indent, narrowOut, paramsOf, rescaleText, tensorOf, writeSignature } from './layer';
import { constName, fmtText, intLit, rustType, staticArray } from './rust';
import { denseImage, PAIR_BIAS, type WeightImage } from '../layout/images';
import { arrayRows } from './rust';

/** The narrowest of i32 / i64 holding every bias (a byte of data costs gas on every call). */
export function biasStorage(bias: ArrayLike<number> | null): 'i32' | 'i64' {
  if (!bias) return 'i32';
  for (let i = 0; i < bias.length; i++) if (bias[i] < -(2 ** 31) || bias[i] >= 2 ** 31) return 'i64';
  return 'i32';
}

/**
 * Where a dense layer's weight image is: a static array in the program; or parts loaded into an arena
 * buffer one at a time — data contracts read with account_code (`contracts`, layout data), or words the
 * program writes from its code (`code`, layout fragments, after the first `staticUnits` kept static).
 */
export type WeightHome = { kind: 'program' } | { kind: 'parts'; first: number; count: number; perPart: number; source: 'contracts' | 'code'; staticUnits: number };

/** Inputs per chunk: the lane bound above and nitro's 348 locals per function. */
export const PAIR_CHUNK = 128;

/** The 8 bytes at `at` as a little-endian i64 literal (the word a little-endian load reads). */
export function wordLit(bytes: Uint8Array, at: number): string {
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]);
  return intLit(BigInt.asIntN(64, v));
}

/** `static NAME: [[i64; words]; units]` holding a pair image, one pair per block of lines. */
function pairStatic(name: string, img: WeightImage, doc: string[]): string[] {
  const out = doc.map((d) => `/// ${d}`);
  out.push('#[rustfmt::skip]');
  out.push(`static ${name}: [[i64; ${img.words}]; ${img.units}] = [`);
  for (let p = 0; p < img.units; p++) {
    out.push('    [');
    out.push(...arrayRows(Array.from({ length: img.words }, (_, g) => wordLit(img.bytes, p * img.unitBytes + 8 * g)), '        ', 4));
    out.push('    ],');
  }
  out.push('];');
  return out;
}

/**
 * The pair kernel's chunks: `over` opens the loop over pairs binding `q` and the pair's words `r`; `at`
 * is the index of pair q's first row in `acc`. `signed`: each term takes the bias out of its own pair of
 * weights (`- LANE_BIAS`, one i64.sub more per term) so every product is the exact signed pair the
 * overflow analysis re-derives from the code; otherwise one correction per chunk, −128·Σx in both lanes
 * (weights from outside the code, whose bounds the analysis does not re-check).
 */
function pairsBody(K: number, over: string[], at: string, signed: boolean): string[] {
  const body: string[] = [];
  for (let k0 = 0; k0 < K; k0 += PAIR_CHUNK) {
    const k1 = Math.min(K, k0 + PAIR_CHUNK);
    body.push(`// inputs ${k0}..${k1}`);
    for (let k = k0; k < k1; k++) body.push(`let x${k - k0} = x[${k}] as i64;`);
    if (!signed) {
      body.push('let mut s = x0;');
      for (let k = k0 + 1; k < k1; k++) body.push(`s += x${k - k0};`);
      body.push(`let c = -${PAIR_BIAS} * s;`, 'let c = c + (c << 32);');
    }
    body.push(...over, `    let mut a = ${signed ? '0' : 'c'};`);
    for (let g = k0 >> 2; g < Math.ceil(k1 / 4); g++) {
      body.push(`    let v = r[${g}];`);
      for (let j = 0; j < 4 && 4 * g + j < k1; j++) {
        const lanes = j === 0 ? '(v & LANE_BYTES)' : `((v >> ${8 * j}) & LANE_BYTES)`;
        body.push(`    a += x${4 * g + j - k0} * ${signed ? `(${lanes} - LANE_BIAS)` : lanes};`);
      }
    }
    body.push(`    acc[${at}] += lane_lo(a);`, `    acc[${at} + 1] += lane_hi(a);`, '}');
  }
  return body;
}

/** The nested `pairs` function: adds the products of `w`'s pairs (pairs q0, q0 + 1, ...) to `acc`. */
function pairsFn(K: number, xType: string, words: number, accLen: number): string[] {
  return [
    `fn pairs(x: &[${xType}; ${K}], w: &[[i64; ${words}]], q0: usize, acc: &mut [i64; ${accLen}]) {`,
    ...indent(pairsBody(K, ['for q in 0..w.len() {', '    let r = &w[q];'], '2 * (q0 + q)', false)),
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
    // `as <type> as i64`: the buffer's bytes come from outside the code; the cast states their range
    for (let k = k0; k < k1; k++) body.push(`    a += x${k - k0} * row[${k}] as ${wType} as i64;`);
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
  const staticUnits = home.kind === 'program' ? img.units : home.staticUnits;
  if (staticUnits > 0) {
    if (!pairs) throw new Error('internal: a row image in the program is the plain data lowering');
    const prefix = staticUnits < img.units ? ` (pairs 0..${staticUnits}; the rest is written by code, parts.rs)` : '';
    items.push(pairStatic(wName, { ...img, units: staticUnits }, [`\`${origin}\` ${weightText}, as pairs of rows${prefix}: per 8-byte word four inputs of row 2p then of row 2p + 1, each stored as w + ${PAIR_BIAS}.`]));
  }
  const biasType = biasStorage(p.bias);
  if (p.bias) items.push(staticArray(bName, biasType, p.bias, [`\`${origin}\` bias at the accumulator's scale (Q.${x.format.frac + p.W.format.frac}).`]));
  const unit = pairs ? `[i64; ${img.words}]` : `[${wType}; ${K}]`;
  const scratch: Scratch[] = [];
  if (home.kind === 'parts') scratch.push({ name: 'w', type: `[${unit}; ${home.perPart}]`, bytes: home.perPart * img.unitBytes });
  scratch.push({ name: 'acc', type: `[i64; ${accLen}]`, bytes: 8 * accLen });
  const body: string[] = [];
  body.push(forLoop('n', N), `    acc[n] = ${p.bias ? (biasType === 'i64' ? `${bName}[n]` : `${bName}[n] as i64`) : '0'};`, '}');
  for (let n = N; n < accLen; n++) body.push(`acc[${n}] = 0;`);
  const call = pairs ? 'pairs' : 'rows';
  if (home.kind === 'parts') body.push(...(pairs ? pairsFn(K, xType, img.words, accLen) : rowsFn(K, xType, wType, accLen)));
  // one program: the static pairs in the body itself, indexed, so each pair's words are constants the
  // overflow check reads; beside code parts the static pairs go through the same `pairs` function (one
  // copy of the kernel: the code is what a fragmented program is short of)
  if (staticUnits > 0 && home.kind === 'program') body.push(...pairsBody(K, [forLoop('q', staticUnits), `    let r = &${wName}[q];`], '2 * q', true));
  else if (staticUnits > 0) body.push(`pairs(x, &${wName}, 0, acc);`);
  const fallible = home.kind === 'parts' && home.source === 'contracts';
  if (home.kind === 'parts') {
    body.push(forLoop('part', home.count));
    body.push(`    load(${home.first} + part, w)${fallible ? '?' : ''};`);
    body.push(`    let u0 = ${staticUnits > 0 ? `${staticUnits} + ` : ''}part * ${home.perPart};`);
    body.push(`    ${call}(x, &w[..(${img.units} - u0).min(${home.perPart})], u0, acc);`);
    body.push('}');
  }
  body.push(forLoop('n', N), `    y[n] = ${narrowOut(ctx, 'acc[n]', p.shift, 'n')};`, '}');
  if (fallible) body.push('Ok(())');
  const unitsText = pairs ? 'pairs of rows' : 'rows';
  const where =
    home.kind === 'program'
      ? 'weights in a data segment as pairs of rows'
      : home.source === 'contracts'
        ? `weights in data contracts ${home.first}..${home.first + home.count} (parts.rs), ${home.perPart} ${unitsText} each, streamed through the arena buffer \`w\``
        : `${staticUnits} ${unitsText} in a data segment, the rest written by code (parts.rs parts ${home.first}..${home.first + home.count}, ${home.perPart} each) into the arena buffer \`w\``;
  ctx.decisions[ctx.fn] = home.kind === 'program' ? 'weights in data, row pairs' : home.source === 'contracts' ? `weights in data contracts, ${pairs ? 'row pairs' : 'rows'}` : 'weights in data and code parts, row pairs';
  const detail = [
    `y[n] = sat(rescale(b[n] + sum_k x[k] * W[n][k])): K = ${K}, N = ${N}; ${weightText}.`,
    `Sums in i64 at Q.${x.format.frac + p.W.format.frac}; ${rescaleText(p.shift)}; ${where}${pairs ? '; two rows per i64 multiply (32-bit lanes: each chunk of 128 inputs sums below 2^29 per row)' : ''}.`,
  ];
  const sig = writeSignature(ctx, undefined, scratch, fallible ? 'Result<(), MissingPart>' : null);
  return { items, fn: [...docComment(ctx, detail), ...sig, ...indent(body), '}'], kind: 'write', scratch, fallible };
}
