// Kernels that reduce over an axis: softmax (table exp, divRound by the sum), argmax (first or last
// maximum), normalize (L1 / L2 with isqrt / MAX). simulate.ts's arithmetic, in Solidity loops.
import { UserError } from '../errors';
import { EXP_LIMIT } from '../quant/approx';
import { header, type KernelCtx } from './kernel';
import { rescaleSol, satSol, toQ16Sol } from './runtime-sol';

function needsNonNegative(k: KernelCtx, outFrac: number): void {
  if (outFrac < 0) throw new UserError(`EVM baseline: op ${k.qn.params.op} (\`${k.qn.node.origin.name}\`) with output fraction bits ${outFrac} < 0 is not supported by the EVM baseline`);
}

export function reduceKernel(k: KernelCtx): string[] {
  const p = k.qn.params;
  const op = k.qn.node.op;
  if (p.op === 'softmax' && op.op === 'softmax') {
    needsNonNegative(k, p.outFrac);
    const { outer, axisLen, inner } = op;
    const at = (a: string) => `(o * ${axisLen} + ${a}) * ${inner} + inn`;
    const L = header(k, `over ${axisLen}, Q${p.inFrac} -> Q${p.outFrac}`);
    L.push('        bytes memory tab = EXP2_TABLE;');
    L.push(`        int256[] memory e = new int256[](${axisLen});`);
    L.push('        unchecked {');
    L.push(`            for (uint256 o = 0; o < ${outer}; o++) {`);
    L.push(`                for (uint256 inn = 0; inn < ${inner}; inn++) {`);
    L.push(`                    int256 max = x[${at('0')}];`);
    L.push(`                    for (uint256 a = 1; a < ${axisLen}; a++) if (x[${at('a')}] > max) max = x[${at('a')}];`);
    L.push('                    int256 sum = 0;');
    L.push(`                    for (uint256 a = 0; a < ${axisLen}; a++) {`);
    L.push(`                        int256 v = _expNeg30(tab, ${toQ16Sol(`(max - x[${at('a')}])`, p.inFrac, EXP_LIMIT)});`);
    L.push('                        e[a] = v;');
    L.push('                        sum += v;');
    L.push('                    }');
    L.push(`                    for (uint256 a = 0; a < ${axisLen}; a++) y[${at('a')}] = ${satSol(`_divRound(e[a] << ${p.outFrac}, sum)`, k.st)};`);
    L.push('                }');
    L.push('            }');
    L.push('        }');
    L.push('    }');
    return L;
  }
  if (p.op === 'argmax' && op.op === 'argmax') {
    const { outer, axisLen, inner } = op;
    const L = header(k, `over ${axisLen}${op.selectLast ? ', last maximum' : ''}`);
    L.push('        unchecked {');
    L.push(`            for (uint256 o = 0; o < ${outer}; o++) {`);
    L.push(`                for (uint256 inn = 0; inn < ${inner}; inn++) {`);
    L.push('                    uint256 best = 0;');
    L.push(`                    int256 bv = x[o * ${axisLen * inner} + inn];`);
    L.push(`                    for (uint256 a = 1; a < ${axisLen}; a++) {`);
    L.push(`                        int256 v = x[(o * ${axisLen} + a) * ${inner} + inn];`);
    L.push(`                        if (v ${op.selectLast ? '>=' : '>'} bv) {`);
    L.push('                            best = a;');
    L.push('                            bv = v;');
    L.push('                        }');
    L.push('                    }');
    L.push(`                    y[o * ${inner} + inn] = int256(best);`);
    L.push('                }');
    L.push('            }');
    L.push('        }');
    L.push('    }');
    return L;
  }
  if (p.op === 'normalize' && op.op === 'normalize') {
    needsNonNegative(k, p.outFrac);
    const C = k.outShape[k.outShape.length - 1];
    const L = header(k, `${op.norm} over rows of ${C}, pre-shift ${p.preShift}, Q${p.outFrac} out`);
    L.push(`        int256[] memory xs = new int256[](${C});`);
    L.push('        unchecked {');
    L.push(`            for (uint256 r = 0; r < ${k.size / C}; r++) {`);
    L.push('                int256 d = 0;');
    L.push(`                for (uint256 c = 0; c < ${C}; c++) {`);
    L.push(`                    int256 v = ${rescaleSol(`x[r * ${C} + c]`, p.preShift)};`);
    L.push('                    xs[c] = v;');
    if (op.norm === 'L1') L.push('                    d += v < 0 ? -v : v;');
    else if (op.norm === 'L2') L.push('                    d += v * v;');
    else L.push('                    d = c == 0 ? v : (v > d ? v : d);');
    L.push('                }');
    if (op.norm === 'L2') L.push('                d = _isqrt(d);');
    L.push(`                for (uint256 c = 0; c < ${C}; c++) y[r * ${C} + c] = d == 0 ? int256(0) : ${satSol(`_divRound(xs[c] << ${p.outFrac}, d)`, k.st)};`);
    L.push('            }');
    L.push('        }');
    L.push('    }');
    return L;
  }
  throw new Error(`internal: reduceKernel for ${p.op}`);
}
