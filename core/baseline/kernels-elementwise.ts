// Elementwise and data-movement kernels: simulate.ts's relu, leakyRelu, clip, sigmoid, tanh, binary,
// castInt, threshold, binaryScores, concat, constant and transpose, as Solidity loops. Index maps that
// depend only on shapes (broadcasting, transposition) are computed here and packed as tables.
import { UserError } from '../errors';
import { broadcastIndexer } from '../ir/evaluate';
import { sizeOf, stridesOf } from '../ir/graph';
import { Q30, SIGMOID_LIMIT } from '../quant/approx';
import { header, type KernelCtx } from './kernel';
import { bytesLit, packSigned, packUnsigned, pow2, sol } from './literals';
import { ONE30, rescaleSol, satSol, toQ16Sol } from './runtime-sol';

function loop(k: KernelCtx, comment: string, body: string[], pre: string[] = []): string[] {
  return [...header(k, comment), ...pre, '        unchecked {', `            for (uint256 i = 0; i < ${k.size}; i++) {`, ...body.map((l) => `                ${l}`), '            }', '        }', '    }'];
}

function unsupported(k: KernelCtx, why: string): never {
  throw new UserError(`EVM baseline: op ${k.qn.params.op} (\`${k.qn.node.origin.name}\`): ${why}; the EVM baseline cannot reproduce it exactly`);
}

/** An index map i -> src(i) as a packed table, or null when it is the identity. */
function indexTable(map: (i: number) => number, size: number, what: string): { hex: string; width: number } | null {
  const idx = Array.from({ length: size }, (_, i) => map(i));
  if (idx.every((v, i) => v === i)) return null;
  const t = packUnsigned(idx, what);
  return { hex: t.hex, width: t.width };
}

function readIndex(table: string, w: number): string {
  return `_ru(${table}, i, ${w})`;
}

export function elementwiseKernel(k: KernelCtx): string[] {
  const p = k.qn.params;
  const op = k.qn.node.op;
  const name = k.qn.node.origin.name;
  switch (p.op) {
    case 'relu':
      // y is zero-filled by `new`: store the positive values only
      return [
        ...header(k, 'max(x, 0)'),
        '        assembly {',
        '            let yp := add(y, 0x20)',
        '            let xp := add(x, 0x20)',
        `            let e := add(xp, ${32 * k.size})`,
        '            for { } lt(xp, e) { xp := add(xp, 0x20) yp := add(yp, 0x20) } {',
        '                let v := mload(xp)',
        '                if sgt(v, 0) { mstore(yp, v) }',
        '            }',
        '        }',
        '    }',
      ];
    case 'leakyRelu':
      return loop(k, `x >= 0 ? x : x * ${p.alpha} / 2^${p.alphaFrac}`, ['int256 v = x[i];', `y[i] = v >= 0 ? v : ${satSol(rescaleSol(`(v * ${sol(p.alpha, 'leakyRelu alpha')})`, p.alphaFrac), k.st)};`]);
    case 'clip':
      return loop(k, `clip to [${p.lo}, ${p.hi}]`, ['int256 v = x[i];', `v = v > int256(${sol(p.lo, 'clip lo')}) ? v : int256(${sol(p.lo)});`, `y[i] = v < int256(${sol(p.hi, 'clip hi')}) ? v : int256(${sol(p.hi)});`]);
    case 'sigmoid':
      return loop(k, `table sigmoid, Q${p.inFrac} -> Q${p.outFrac}`, [`y[i] = ${satSol(rescaleSol(`_sigmoid30(tab, ${toQ16Sol('x[i]', p.inFrac, SIGMOID_LIMIT)})`, Q30 - p.outFrac), k.st)};`], ['        bytes memory tab = SIG_TABLE;']);
    case 'tanh':
      return loop(k, `2 sigmoid(2x) - 1, Q${p.inFrac} -> Q${p.outFrac}`, [`y[i] = ${satSol(rescaleSol(`(2 * _sigmoid30(tab, ${toQ16Sol('x[i]', p.inFrac - 1, SIGMOID_LIMIT)}) - ${ONE30})`, Q30 - p.outFrac), k.st)};`], ['        bytes memory tab = SIG_TABLE;']);
    case 'castInt':
      // simulate.ts truncates without saturating
      if (p.frac <= 0) return loop(k, `integer part (frac ${p.frac})`, [`y[i] = x[i] << ${-p.frac};`]);
      return loop(k, `integer part, truncating ${p.frac} fraction bits`, [`y[i] = _truncFrac(x[i], ${p.frac});`]);
    case 'threshold': {
      if (!Number.isFinite(p.t)) unsupported(k, `threshold ${p.t}`);
      // x > t ⇔ x > floor(t) for integer x
      return loop(k, `x > ${p.t}`, [`y[i] = x[i] > ${sol(Math.floor(p.t))} ? int256(1) : int256(0);`]);
    }
    case 'binaryScores': {
      if (op.op !== 'binaryScores') break;
      const body: string[] = [];
      if (op.mode === 'logistic') {
        body.push(`y[2 * i] = ${satSol(rescaleSol(`_sigmoid30(tab, ${toQ16Sol('(-x[i])', p.inFrac, SIGMOID_LIMIT)})`, Q30 - p.outFrac), k.st)};`);
        body.push(`y[2 * i + 1] = ${satSol(rescaleSol(`_sigmoid30(tab, ${toQ16Sol('x[i]', p.inFrac, SIGMOID_LIMIT)})`, Q30 - p.outFrac), k.st)};`);
      } else {
        if (op.mode === 'complement' && p.outFrac < 0) unsupported(k, `complement scores with outFrac ${p.outFrac} < 0`);
        body.push(`int256 q = ${rescaleSol('x[i]', p.inFrac - p.outFrac)};`);
        body.push(`y[2 * i] = ${satSol(op.mode === 'complement' ? `(${pow2(p.outFrac)} - q)` : '(-q)', k.st)};`);
        body.push(`y[2 * i + 1] = ${satSol('q', k.st)};`);
      }
      const L = header(k, `two-class scores (${op.mode})`);
      if (op.mode === 'logistic') L.push('        bytes memory tab = SIG_TABLE;');
      L.push('        unchecked {', `            for (uint256 i = 0; i < ${k.size / 2}; i++) {`, ...body.map((l) => `                ${l}`), '            }', '        }', '    }');
      return L;
    }
    case 'binary': {
      if (op.op !== 'binary') break;
      if (p.shiftA < 0 || p.shiftB < 0) unsupported(k, `negative operand shifts ${p.shiftA}, ${p.shiftB}`);
      const ta = indexTable(broadcastIndexer(k.inShapes[0], k.outShape), k.size, `${name} a index`);
      const tb = indexTable(broadcastIndexer(k.inShapes[1], k.outShape), k.size, `${name} b index`);
      const pre: string[] = [];
      if (ta) pre.push(`        bytes memory ia = ${bytesLit(ta.hex)};`);
      if (tb) pre.push(`        bytes memory ib = ${bytesLit(tb.hex)};`);
      const a = ta ? `x[${readIndex('ia', ta.width)}]` : 'x[i]';
      const b = tb ? `x1[${readIndex('ib', tb.width)}]` : 'x1[i]';
      const acc = op.fn === 'mul' ? '(a * b)' : `(${p.shiftA ? `(a << ${p.shiftA})` : 'a'} ${op.fn === 'add' ? '+' : '-'} ${p.shiftB ? `(b << ${p.shiftB})` : 'b'})`;
      return loop(k, `${op.fn}, shift ${p.shift}`, [`int256 a = ${a};`, `int256 b = ${b};`, `y[i] = ${satSol(rescaleSol(acc, p.shift), k.st)};`], pre);
    }
    case 'transpose': {
      if (op.op !== 'transpose') break;
      const inStrides = stridesOf(k.inShapes[0]);
      const outStrides = stridesOf(k.outShape);
      const src = (i: number) => {
        let rem = i;
        let s = 0;
        for (let d = 0; d < k.outShape.length; d++) {
          const q = Math.floor(rem / outStrides[d]);
          rem -= q * outStrides[d];
          s += q * inStrides[op.perm[d]];
        }
        return s;
      };
      const t = indexTable(src, k.size, `${name} permutation`);
      if (!t) return loop(k, `perm ${op.perm.join(',')} (identity)`, ['y[i] = x[i];']);
      return loop(k, `perm ${op.perm.join(',')}`, [`y[i] = x[${readIndex('ix', t.width)}];`], [`        bytes memory ix = ${bytesLit(t.hex)};`]);
    }
    case 'constant': {
      const t = packSigned(p.q, `${name} values`);
      return loop(k, `${k.size} constant values`, [`y[i] = _rd(c, i, ${t.width});`], [`        bytes memory c = ${bytesLit(t.hex)};`]);
    }
    case 'concat': {
      if (op.op !== 'concat') break;
      const outer = sizeOf(k.outShape.slice(0, op.axis));
      const parts = k.inShapes.map((s) => sizeOf(s.slice(op.axis)));
      const total = parts.reduce((x, y) => x + y, 0);
      const L = header(k, `along axis ${op.axis}`);
      L.push('        unchecked {');
      L.push(`            for (uint256 o = 0; o < ${outer}; o++) {`);
      let off = 0;
      parts.forEach((part, idx) => {
        const arr = idx === 0 ? 'x' : `x${idx}`;
        L.push(`                for (uint256 i = 0; i < ${part}; i++) y[o * ${total} + ${off} + i] = ${satSol(rescaleSol(`${arr}[o * ${part} + i]`, p.shifts[idx]), k.st)};`);
        off += part;
      });
      L.push('            }', '        }', '    }');
      return L;
    }
    default:
      break;
  }
  throw new Error(`internal: elementwiseKernel for ${p.op}`);
}

