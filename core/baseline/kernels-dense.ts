// Dense kernels (matmul, conv2d) in inline Yul: the multiply-accumulate loops are where an EVM baseline
// spends its gas, so weights are a packed `bytes` literal read with mload + shr + signextend, inputs and
// outputs are addressed by pointer, and rescale/saturate are sar/sgt/slt. Pools and affine are plain
// Solidity loops. Semantics: simulate.ts's kernels of the same names, accumulating in int256 (the plan
// proves i32/i64 accumulators never wrap, and the simulator's arithmetic is unbounded).
import { UserError } from '../errors';
import { header, type KernelCtx } from './kernel';
import { bytesLit, packSigned, yul, yulReadSigned } from './literals';
import { rescaleSol, rescaleYul, satSol, satYul } from './runtime-sol';

/** Inner products unrolled up to this many terms per loop body (code size per layer ∝ this). */
const UNROLL = 32;

/** Yul statements: acc += w · x for an immediate weight w (skipped when 0; sub for negatives). */
function immTerm(w: number, x: string): string | null {
  if (w === 0) return null;
  const a = Math.abs(w);
  const prod = a === 1 ? x : `mul(${a}, ${x})`;
  return `acc := ${w > 0 ? 'add' : 'sub'}(acc, ${prod})`;
}

/**
 * Yul statements: acc += w[wq + k] · x[xo + k] for k in [0, n), unrolled, packed weights of width wb.
 * One mload serves 32/wb weights; each is shifted down and sign-extended from the loaded word.
 */
function packedTerms(n: number, wb: number, xOff: (k: number) => number = (k) => 32 * k, xo = 'xo'): string[] {
  const out: string[] = [];
  const per = 32 / wb;
  for (let k0 = 0; k0 < n; k0 += per) {
    out.push(`{`);
    out.push(`    let ww := mload(${k0 ? `add(wq, ${k0 * wb})` : 'wq'})`);
    for (let k = k0; k < Math.min(n, k0 + per); k++) {
      const sh = 256 - 8 * wb * (k - k0 + 1);
      const raw = sh ? `shr(${sh}, ww)` : 'ww';
      const wv = wb === 32 ? raw : `signextend(${wb - 1}, ${raw})`;
      const xAt = xOff(k) ? `add(${xo}, ${xOff(k)})` : xo;
      out.push(`    acc := add(acc, mul(${wv}, mload(${xAt})))`);
    }
    out.push(`}`);
  }
  return out;
}

function finish(k: KernelCtx, shift: number, store: string, pad: string): string[] {
  return [`${pad}acc := ${rescaleYul('acc', shift)}`, ...satYul('acc', k.st).map((s) => pad + s), `${pad}mstore(${store}, acc)`];
}

export function matmulKernel(k: KernelCtx): string[] {
  const { qn } = k;
  const p = qn.params;
  const op = qn.node.op;
  if (p.op !== 'matmul' || op.op !== 'matmul') throw new Error('internal: matmulKernel');
  const { M, K, N } = op;
  const Wq = p.W.q;
  const perBatchWeights = N * K;
  const imm = perBatchWeights * op.batches <= k.immediateBudget;
  const biasPerOut = p.bias !== null && p.bias.length === N;
  // immediates carry a per-output bias inline; every other bias is a packed table
  const B = p.bias && !(imm && biasPerOut) ? packSigned(p.bias, `${qn.node.origin.name} bias`) : null;
  const W = imm ? null : packSigned(Wq, `${qn.node.origin.name} weights`);
  const L = header(k, `${op.batches} x [${M}x${K}] . [${K}x${N}], shift ${p.shift}, weights ${imm ? 'as immediates' : 'packed'}`);
  if (W) L.push(`        bytes memory w = ${bytesLit(W.hex)};`);
  if (B) L.push(`        bytes memory bs = ${bytesLit(B.hex)};`);
  L.push('        assembly {');
  L.push('            let xp := add(x, 0x20)');
  L.push('            let yp := add(y, 0x20)');
  if (W) L.push('            let wp := add(w, 0x20)');
  if (B) L.push('            let bp := add(bs, 0x20)');
  for (let b = 0; b < op.batches; b++) {
    L.push(`            for { let m := 0 } lt(m, ${M}) { m := add(m, 1) } {`);
    L.push(`                let xo := add(xp, shl(5, add(${op.aOffsets[b]}, mul(m, ${K}))))`);
    L.push(`                let yo := add(yp, shl(5, mul(add(${b * M}, m), ${N})))`);
    if (imm) {
      for (let j = 0; j < N; j++) {
        const init = p.bias === null ? '0' : biasPerOut ? yul(p.bias[j], 'bias') : yulReadSigned('bp', `add(mul(add(${b * M}, m), ${N}), ${j})`, B!.width);
        L.push('                {');
        L.push(`                    let acc := ${init}`);
        for (let kk = 0; kk < K; kk++) {
          const t = immTerm(Wq[op.wOffsets[b] + j * K + kk], kk ? `mload(add(xo, ${32 * kk}))` : 'mload(xo)');
          if (t) L.push(`                    ${t}`);
        }
        L.push(...finish(k, p.shift, j ? `add(yo, ${32 * j})` : 'yo', '                    '));
        L.push('                }');
      }
    } else {
      const bias = B;
      L.push(`                for { let j := 0 } lt(j, ${N}) { j := add(j, 1) } {`);
      L.push(`                    let acc := ${bias === null ? '0' : yulReadSigned('bp', biasPerOut ? 'j' : `add(mul(add(${b * M}, m), ${N}), j)`, bias.width)}`);
      L.push(`                    let wq := add(wp, mul(add(${op.wOffsets[b]}, mul(j, ${K})), ${W!.width}))`);
      const chunks = Math.floor(K / UNROLL);
      const rest = K - chunks * UNROLL;
      L.push('                    let xq := xo');
      if (chunks > 0) {
        L.push(`                    for { let c := 0 } lt(c, ${chunks}) { c := add(c, 1) } {`);
        L.push('                        let xo_ := xq');
        L.push(...packedTerms(UNROLL, W!.width, undefined, 'xo_').map((t) => `                        ${t}`));
        L.push(`                        wq := add(wq, ${UNROLL * W!.width})`);
        L.push(`                        xq := add(xq, ${32 * UNROLL})`);
        L.push('                    }');
      }
      if (rest > 0) L.push(...packedTerms(rest, W!.width, undefined, 'xq').map((t) => `                    ${t}`));
      L.push(...finish(k, p.shift, 'add(yo, shl(5, j))', '                    '));
      L.push('                }');
    }
    L.push('            }');
  }
  L.push('        }');
  L.push('    }');
  return L;
}

export function conv2dKernel(k: KernelCtx): string[] {
  const { qn } = k;
  const p = qn.params;
  const op = qn.node.op;
  if (p.op !== 'conv2d' || op.op !== 'conv2d') throw new Error('internal: conv2dKernel');
  const [Nb, C, H, Wd] = k.inShapes[0];
  const [, OC, OH, OW] = k.outShape;
  const [kh, kw] = op.kernel;
  const [pt, pl, pb, pr] = op.pads;
  const [s0, s1] = op.strides;
  const [d0, d1] = op.dilations;
  // Padding becomes a zero-filled copy of the input: a padded position adds w·0, exactly what the
  // simulator's skipped term adds. Every window must then lie inside the padded input.
  const Hp = H + pt + pb;
  const Wp = Wd + pl + pr;
  if ((OH - 1) * s0 + (kh - 1) * d0 >= Hp || (OW - 1) * s1 + (kw - 1) * d1 >= Wp) {
    throw new UserError(`EVM baseline: conv2d \`${qn.node.origin.name}\` has windows beyond its padding; this op's geometry is not supported by the EVM baseline`);
  }
  const Wq = p.W.q;
  const taps = C * kh * kw;
  const imm = Wq.length <= k.immediateBudget;
  const unrollTaps = taps <= 4 * UNROLL;
  const W = imm ? null : packSigned(Wq, `${qn.node.origin.name} weights`);
  const B = p.bias ? packSigned(p.bias, `${qn.node.origin.name} bias`) : null;
  // byte offset of tap (c, i, j) from the window's top-left element in the padded input
  const tapOff = (t: number) => {
    const c = Math.floor(t / (kh * kw));
    const i = Math.floor(t / kw) % kh;
    const j = t % kw;
    return 32 * ((c * Hp + i * d0) * Wp + j * d1);
  };
  const L = header(k, `${C}->${OC} channels, kernel ${kh}x${kw}, shift ${p.shift}, weights ${imm ? 'as immediates' : 'packed'}`);
  if (W) L.push(`        bytes memory w = ${bytesLit(W.hex)};`);
  if (B && !imm) L.push(`        bytes memory bs = ${bytesLit(B.hex)};`);
  const padded = pt || pl || pb || pr;
  if (padded) {
    L.push(`        int256[] memory xpd = new int256[](${Nb * C * Hp * Wp});`);
    L.push('        assembly {');
    L.push('            let src := add(x, 0x20)');
    L.push('            let dst := add(xpd, 0x20)');
    L.push(`            for { let q := 0 } lt(q, ${Nb * C}) { q := add(q, 1) } {`);
    L.push(`                for { let ih := 0 } lt(ih, ${H}) { ih := add(ih, 1) } {`);
    L.push(`                    let s := add(src, shl(5, mul(add(mul(q, ${H}), ih), ${Wd})))`);
    L.push(`                    let d := add(dst, shl(5, add(mul(add(mul(q, ${Hp}), add(ih, ${pt})), ${Wp}), ${pl})))`);
    L.push(`                    for { let iw := 0 } lt(iw, ${Wd}) { iw := add(iw, 1) } { mstore(add(d, shl(5, iw)), mload(add(s, shl(5, iw)))) }`);
    L.push('                }');
    L.push('            }');
    L.push('        }');
  } else {
    L.push('        int256[] memory xpd = x;');
  }
  L.push('        assembly {');
  L.push('            let xp := add(xpd, 0x20)');
  L.push('            let yp := add(y, 0x20)');
  if (W) L.push('            let wp := add(w, 0x20)');
  if (B && !imm) L.push('            let bp := add(bs, 0x20)');
  L.push(`            for { let nb := 0 } lt(nb, ${Nb}) { nb := add(nb, 1) } {`);
  // window origin of output (oh, ow) in image nb: xp + 32·((nb·C·Hp + oh·s0)·Wp + ow·s1)
  const windowLoops = (body: string[], ocExpr: string) => [
    `                for { let oh := 0 } lt(oh, ${OH}) { oh := add(oh, 1) } {`,
    `                    let xr := add(xp, shl(5, mul(add(mul(nb, ${C * Hp}), mul(oh, ${s0})), ${Wp})))`,
    `                    let yr := add(yp, shl(5, mul(add(mul(add(mul(nb, ${OC}), ${ocExpr}), ${OH}), oh), ${OW})))`,
    `                    for { let ow := 0 } lt(ow, ${OW}) { ow := add(ow, 1) } {`,
    `                        let xo := add(xr, shl(5, mul(ow, ${s1})))`,
    ...body.map((l) => `                        ${l}`),
    ...finish(k, p.shift, 'add(yr, shl(5, ow))', '                        '),
    '                    }',
    '                }',
  ];
  if (imm) {
    for (let oc = 0; oc < OC; oc++) {
      const body = [`let acc := ${B ? yul(p.bias![oc], 'bias') : '0'}`];
      for (let t = 0; t < taps; t++) {
        const off = tapOff(t);
        const term = immTerm(Wq[oc * taps + t], off ? `mload(add(xo, ${off}))` : 'mload(xo)');
        if (term) body.push(term);
      }
      L.push('                {', ...windowLoops(body, String(oc)).map((l) => `    ${l}`), '                }');
    }
  } else {
    L.push(`                for { let oc := 0 } lt(oc, ${OC}) { oc := add(oc, 1) } {`);
    const body = [`let acc := ${B ? yulReadSigned('bp', 'oc', B.width) : '0'}`, `let wq := add(wp, mul(oc, ${taps * W!.width}))`];
    if (unrollTaps) {
      body.push(...packedTerms(taps, W!.width, tapOff));
    } else {
      body.push(
        `for { let c := 0 } lt(c, ${C}) { c := add(c, 1) } {`,
        `    for { let i := 0 } lt(i, ${kh}) { i := add(i, 1) } {`,
        `        let row := add(xo, shl(5, mul(add(mul(c, ${Hp}), mul(i, ${d0})), ${Wp})))`,
        `        for { let j := 0 } lt(j, ${kw}) { j := add(j, 1) } {`,
        `            acc := add(acc, mul(${W!.width === 32 ? 'mload(wq)' : `signextend(${W!.width - 1}, shr(${256 - 8 * W!.width}, mload(wq)))`}, mload(add(row, shl(5, mul(j, ${d1}))))))`,
        `            wq := add(wq, ${W!.width})`,
        '        }',
        '    }',
        '}',
      );
    }
    L.push(...windowLoops(body, 'oc').map((l) => `    ${l}`));
    L.push('                }');
  }
  L.push('            }');
  L.push('        }');
  L.push('    }');
  return L;
}

export function poolKernel(k: KernelCtx): string[] {
  const { qn } = k;
  const op = qn.node.op;
  if (op.op !== 'maxpool2d' && op.op !== 'avgpool2d') throw new Error('internal: poolKernel');
  const [Nb, C, H, Wd] = k.inShapes[0];
  const [, , OH, OW] = k.outShape;
  const [kh, kw] = op.kernel;
  const dil = op.op === 'maxpool2d' ? op.dilations : [1, 1];
  const max = op.op === 'maxpool2d';
  const inside = op.pads[0] === 0 && op.pads[1] === 0 && (OH - 1) * op.strides[0] + (kh - 1) * dil[0] < H && (OW - 1) * op.strides[1] + (kw - 1) * dil[1] < Wd;
  if (inside) {
    // every window lies inside the image: unrolled taps at constant offsets, divisor kh·kw
    const L = header(k, `${kh}x${kw} window, strides ${op.strides.join('x')}, windows inside the image`);
    const taps: number[] = [];
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) taps.push(32 * (i * dil[0] * Wd + j * dil[1]));
    L.push('        assembly {');
    L.push('            let xp := add(x, 0x20)');
    L.push('            let yp := add(y, 0x20)');
    L.push(`            for { let q := 0 } lt(q, ${Nb * C}) { q := add(q, 1) } {`);
    L.push(`                for { let oh := 0 } lt(oh, ${OH}) { oh := add(oh, 1) } {`);
    L.push(`                    let xr := add(xp, shl(5, mul(add(mul(q, ${H}), mul(oh, ${op.strides[0]})), ${Wd})))`);
    L.push(`                    let yr := add(yp, shl(5, mul(add(mul(q, ${OH}), oh), ${OW})))`);
    L.push(`                    for { let ow := 0 } lt(ow, ${OW}) { ow := add(ow, 1) } {`);
    L.push(`                        let xo := add(xr, shl(5, mul(ow, ${op.strides[1]})))`);
    L.push('                        let a := mload(xo)');
    for (const off of taps.slice(1)) {
      if (max) L.push(`                        { let v := mload(add(xo, ${off})) if sgt(v, a) { a := v } }`);
      else L.push(`                        a := add(a, mload(add(xo, ${off})))`);
    }
    if (!max) {
      const d = kh * kw;
      L.push(`                        let n := add(shl(1, a), ${d})`);
      L.push(`                        a := sdiv(n, ${2 * d})`);
      L.push(`                        if and(slt(n, 0), iszero(iszero(smod(n, ${2 * d})))) { a := sub(a, 1) }`);
    }
    L.push('                        mstore(add(yr, shl(5, ow)), a)');
    L.push('                    }');
    L.push('                }');
    L.push('            }');
    L.push('        }');
    L.push('    }');
    return L;
  }
  const L = header(k, `${kh}x${kw} window, strides ${op.strides.join('x')}`);
  L.push('        unchecked {');
  L.push(`            for (uint256 q = 0; q < ${Nb * C}; q++) {`);
  L.push(`                for (int256 oh = 0; oh < ${OH}; oh++) {`);
  L.push(`                    for (int256 ow = 0; ow < ${OW}; ow++) {`);
  L.push(max ? '                        int256 best = type(int256).min;' : '                        int256 sum = 0;');
  if (!max) L.push('                        int256 count = 0;');
  L.push(`                        for (int256 i = 0; i < ${kh}; i++) {`);
  L.push(`                            int256 ih = oh * ${op.strides[0]} - ${op.pads[0]} + i * ${dil[0]};`);
  L.push(`                            for (int256 j = 0; j < ${kw}; j++) {`);
  L.push(`                                int256 iw = ow * ${op.strides[1]} - ${op.pads[1]} + j * ${dil[1]};`);
  L.push(`                                if (ih < 0 || ih >= ${H} || iw < 0 || iw >= ${Wd}) {`);
  if (!max && op.op === 'avgpool2d' && op.countIncludePad) {
    L.push(`                                    if (ih >= ${-op.pads[0]} && ih < ${H + op.pads[2]} && iw >= ${-op.pads[1]} && iw < ${Wd + op.pads[3]}) count++;`);
  }
  L.push('                                    continue;');
  L.push('                                }');
  L.push(`                                int256 v = x[(q * ${H} + uint256(ih)) * ${Wd} + uint256(iw)];`);
  L.push(max ? '                                if (v > best) best = v;' : '                                sum += v;');
  if (!max) L.push('                                count++;');
  L.push('                            }');
  L.push('                        }');
  L.push(`                        y[(q * ${OH} + uint256(oh)) * ${OW} + uint256(ow)] = ${max ? 'best' : '_divRound(sum, count)'};`);
  L.push('                    }');
  L.push('                }');
  L.push('            }');
  L.push('        }');
  L.push('    }');
  return L;
}

export function affineKernel(k: KernelCtx): string[] {
  const { qn } = k;
  const p = qn.params;
  const op = qn.node.op;
  if (p.op !== 'affine' || op.op !== 'affine') throw new Error('internal: affineKernel');
  const S = packSigned(p.scale.q, `${qn.node.origin.name} scale`);
  const O = packSigned(p.offset, `${qn.node.origin.name} offset`);
  const { mid, inner } = op.broadcast;
  const L = header(k, `x * scale + offset, shift ${p.shift}`);
  L.push(`        bytes memory s = ${bytesLit(S.hex)};`);
  L.push(`        bytes memory o = ${bytesLit(O.hex)};`);
  L.push('        unchecked {');
  L.push(`            for (uint256 i = 0; i < ${k.size}; i++) {`);
  L.push(`                uint256 c = (i / ${inner}) % ${mid};`);
  L.push(`                y[i] = ${satSol(rescaleSol(`(x[i] * _rd(s, c, ${S.width}) + _rd(o, c, ${O.width}))`, p.shift), k.st)};`);
  L.push('            }');
  L.push('        }');
  L.push('    }');
  return L;
}

