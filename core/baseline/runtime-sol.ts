// The fixed-point primitives of ARCHITECTURE.md in Solidity, emitted once into every baseline contract
// (solc drops the ones a model does not call). Each mirrors core/quant/fixed.ts or core/quant/approx.ts
// exactly: `>>` on int256 is an arithmetic shift (floor), `/` truncates toward zero, so floor division
// corrects the quotient for negative numerators. The tables are approx.ts's numbers, packed.
import { EXP2_TABLE, EXP_LIMIT, LOG2E_Q24, Q16, Q30, SIGMOID_LIMIT, SIGMOID_TABLE } from '../quant/approx';
import { storageMax, storageMin, type AccWidth, type Storage } from '../quant/types';
import { packSigned, pow2, sol, yul } from './literals';

/** Solidity expression: rescale(e, s) (round half up right shift; left shift when s < 0). */
export function rescaleSol(e: string, s: number): string {
  if (s > 0) return `((${e} + ${pow2(s - 1)}) >> ${s})`;
  if (s < 0) return `(${e} << ${-s})`;
  return e;
}

/** Yul expression: rescale(e, s). */
export function rescaleYul(e: string, s: number): string {
  if (s > 0) return `sar(${s}, add(${e}, ${pow2(s - 1)}))`;
  if (s < 0) return `shl(${-s}, ${e})`;
  return e;
}

/** Solidity expression: saturate(e, storage). */
export function satSol(e: string, st: Storage | AccWidth): string {
  return `_sat(${e}, ${sol(storageMin(st))}, ${sol(storageMax(st))})`;
}

/** Yul statements saturating variable v in place. */
export function satYul(v: string, st: Storage | AccWidth): string[] {
  return [`if sgt(${v}, ${yul(storageMax(st))}) { ${v} := ${yul(storageMax(st))} }`, `if slt(${v}, ${yul(storageMin(st))}) { ${v} := ${yul(storageMin(st))} }`];
}

/** Solidity expression: approx.ts toQ16(q, inFrac, limit), the clamp done before any left shift. */
export function toQ16Sol(q: string, inFrac: number, limit: number): string {
  if (inFrac >= Q16) return `_clamp(${rescaleSol(q, inFrac - Q16)}, ${limit})`;
  const k = Q16 - inFrac;
  const c = BigInt(Math.ceil(limit / 2 ** k));
  return `_clamp(_clamp(${q}, ${c}) << ${k}, ${limit})`;
}

export const ONE30 = pow2(Q30);

/** Helper functions and tables every kernel may call. */
export function runtimeSol(): string[] {
  const sig = packSigned(SIGMOID_TABLE, 'SIGMOID_TABLE', 4);
  const exp2 = packSigned(EXP2_TABLE, 'EXP2_TABLE', 4);
  return [
    `    // approx.ts SIGMOID_TABLE: sigma(k/32) for k = 0..512 in Q.30, 4 bytes each`,
    `    bytes private constant SIG_TABLE = hex"${sig.hex}";`,
    `    // approx.ts EXP2_TABLE: 2^(-k/64) for k = 0..64 in Q.30, 4 bytes each`,
    `    bytes private constant EXP2_TABLE = hex"${exp2.hex}";`,
    '',
    '    /// Signed element i of a table packed big-endian at w bytes.',
    '    function _rd(bytes memory b, uint256 i, uint256 w) private pure returns (int256 v) {',
    '        assembly {',
    '            v := signextend(sub(w, 1), shr(sub(256, shl(3, w)), mload(add(add(b, 32), mul(i, w)))))',
    '        }',
    '    }',
    '',
    '    /// Unsigned element i of a table packed big-endian at w bytes.',
    '    function _ru(bytes memory b, uint256 i, uint256 w) private pure returns (uint256 v) {',
    '        assembly {',
    '            v := shr(sub(256, shl(3, w)), mload(add(add(b, 32), mul(i, w))))',
    '        }',
    '    }',
    '',
    '    function _sat(int256 v, int256 lo, int256 hi) private pure returns (int256) {',
    '        return v > hi ? hi : v < lo ? lo : v;',
    '    }',
    '',
    '    function _clamp(int256 v, int256 lim) private pure returns (int256) {',
    '        return v > lim ? lim : v < -lim ? -lim : v;',
    '    }',
    '',
    '    /// floor(n / m) for m > 0 (Solidity division truncates toward zero).',
    '    function _floorDiv(int256 n, int256 m) private pure returns (int256 q) {',
    '        unchecked {',
    '            q = n / m;',
    '            if (n % m != 0 && n < 0) q -= 1;',
    '        }',
    '    }',
    '',
    '    /// fixed.ts divRound: a / d rounded half up, d != 0.',
    '    function _divRound(int256 a, int256 d) private pure returns (int256) {',
    '        unchecked {',
    '            if (d < 0) {',
    '                a = -a;',
    '                d = -d;',
    '            }',
    '            return _floorDiv(2 * a + d, 2 * d);',
    '        }',
    '    }',
    '',
    '    /// fixed.ts truncFrac for frac > 0: q * 2^-frac truncated toward zero.',
    '    function _truncFrac(int256 q, uint256 frac) private pure returns (int256) {',
    '        unchecked {',
    '            return q >= 0 ? q >> frac : -((-q) >> frac);',
    '        }',
    '    }',
    '',
    '    /// fixed.ts isqrt: floor(sqrt(n)), 0 for n <= 0 (Newton from above).',
    '    function _isqrt(int256 n) private pure returns (int256) {',
    '        if (n <= 0) return 0;',
    '        unchecked {',
    '            uint256 x = uint256(n);',
    '            uint256 z = x;',
    '            uint256 y = (x >> 1) + 1;',
    '            while (y < z) {',
    '                z = y;',
    '                y = (x / y + y) >> 1;',
    '            }',
    '            return int256(z);',
    '        }',
    '    }',
    '',
    `    /// approx.ts sigmoid30: sigma(x) in Q.30 for x in Q.16 within +-${SIGMOID_LIMIT}; tab = SIG_TABLE.`,
    '    function _sigmoid30(bytes memory tab, int256 x16) private pure returns (int256 v) {',
    '        unchecked {',
    '            int256 a = x16 < 0 ? -x16 : x16;',
    '            uint256 idx = uint256(a >> 11);',
    '            int256 fr = a - int256(idx << 11);',
    '            int256 lo = _rd(tab, idx, 4);',
    '            v = lo + (((_rd(tab, idx + 1, 4) - lo) * fr + 1024) >> 11);',
    `            if (x16 < 0) v = ${ONE30} - v;`,
    '        }',
    '    }',
    '',
    `    /// approx.ts expNeg30: e^-u in Q.30 for u in Q.16, 0 <= u <= ${EXP_LIMIT}; tab = EXP2_TABLE.`,
    '    function _expNeg30(bytes memory tab, int256 u16) private pure returns (int256 v) {',
    '        unchecked {',
    `            int256 t = (u16 * ${LOG2E_Q24} + ${pow2(23)}) >> 24;`,
    '            int256 n = t >> 16;',
    '            int256 r = t - (n << 16);',
    '            uint256 idx = uint256(r >> 10);',
    '            int256 fr = r - int256(idx << 10);',
    '            int256 hi = _rd(tab, idx, 4);',
    '            v = hi - (((hi - _rd(tab, idx + 1, 4)) * fr + 512) >> 10);',
    '            if (n == 0) return v;',
    '            if (n >= 31) return 0;',
    '            return (v + (int256(1) << uint256(n - 1))) >> uint256(n);',
    '        }',
    '    }',
  ];
}
