// Tree ensembles as tables walked by a Yul loop: branches as immediates would cost less gas per node
// but a forest of a thousand nodes would not fit EIP-170's 24 KB, so every tree lives in packed tables
// (read from code into memory once per call) and the walk costs one mload per node visited.
//
// nodes: fixed records [flag 1][feature 2][le LW][yes 4][no 4]; flag 0 tests x <= le, flag 1 tests
//        membership in the set at byte offset le of `sets` ([count 2][value SW]...).
// refs:  bit 31 set = a leaf at byte offset (ref & 0x7fffffff) of `leaves` ([count 2]([target 2][q QW])...),
//        else a node index. roots: one ref per tree, 4 bytes.
// Semantics: simulate.ts 'trees' (SUM / AVERAGE with divRound / MIN / MAX, then + base, rescale, saturate).
import { UserError } from '../errors';
import type { QTreeRef } from '../quant/types';
import { header, type KernelCtx } from './kernel';
import { beHex, bytesLit, packSigned, signedWidth, yulReadSigned } from './literals';
import { rescaleYul, satYul } from './runtime-sol';

const LEAF = 0x80000000;

export function treesKernel(k: KernelCtx): string[] {
  const p = k.qn.params;
  const op = k.qn.node.op;
  if (p.op !== 'trees' || op.op !== 'trees') throw new Error('internal: treesKernel');
  const name = k.qn.node.origin.name;
  const T = op.nTargets;
  const F = op.nFeatures;
  if (F > 0xffff || T > 0xffff) throw new UserError(`EVM baseline: trees \`${name}\` has ${F} features / ${T} targets; the EVM baseline's tables hold at most 65535`);

  // leaves and sets first: node records point into them
  const leafValues: number[] = [];
  const sets: number[][] = [];
  for (const tree of p.trees) {
    for (const lf of tree.leaves) for (const w of lf) leafValues.push(w.q);
    for (const n of tree.nodes) if (n.le === undefined) sets.push(n.oneOf!);
  }
  const QW = signedWidth(leafValues, `${name} leaf values`);
  const SW = signedWidth(sets.flat(), `${name} set values`);
  if (QW > 30) throw new UserError(`EVM baseline: trees \`${name}\` leaf values are too wide for the EVM baseline's tables`);

  let leafHex = '';
  let setHex = '';
  const leafOffset: number[][] = [];
  for (const tree of p.trees) {
    const offs: number[] = [];
    for (const lf of tree.leaves) {
      offs.push(leafHex.length / 2);
      if (lf.length > 0xffff) throw new UserError(`EVM baseline: trees \`${name}\`: a leaf with ${lf.length} weights`);
      leafHex += beHex(lf.length, 2);
      for (const w of lf) leafHex += beHex(w.target, 2) + beHex(w.q, QW);
    }
    leafOffset.push(offs);
  }
  if (leafHex.length / 2 >= LEAF) throw new UserError(`EVM baseline: trees \`${name}\`: leaf table too large`);

  // node records
  const les: number[] = [];
  const setOffset: number[] = [];
  for (const tree of p.trees)
    for (const n of tree.nodes) {
      if (n.le !== undefined) les.push(n.le);
      else {
        const off = setHex.length / 2;
        setOffset.push(off);
        les.push(off);
        setHex += beHex(n.oneOf!.length, 2);
        for (const v of n.oneOf!) setHex += beHex(v, SW);
      }
    }
  const LW = Math.max(1, signedWidth(les, `${name} thresholds`));
  if (LW > 21) throw new UserError(`EVM baseline: trees \`${name}\` thresholds are too wide for the EVM baseline's tables`);
  const NR = 11 + LW;
  let nodeHex = '';
  let rootHex = '';
  let base = 0;
  let li = 0;
  p.trees.forEach((tree, t) => {
    const ref = (r: QTreeRef) => ('leaf' in r ? LEAF + leafOffset[t][r.leaf] : base + r.node);
    rootHex += beHex(ref(tree.root), 4);
    for (const n of tree.nodes) {
      if (n.feature < 0 || n.feature >= F) throw new UserError(`EVM baseline: trees \`${name}\`: feature ${n.feature} out of range`);
      nodeHex += beHex(n.le === undefined ? 1 : 0, 1) + beHex(n.feature, 2) + beHex(les[li++], LW) + beHex(ref(n.yes), 4) + beHex(ref(n.no), 4);
    }
    base += tree.nodes.length;
  });
  if (base >= LEAF) throw new UserError(`EVM baseline: trees \`${name}\`: too many nodes`);

  const baseT = packSigned(p.base, `${name} base`);
  const hasSets = sets.length > 0;
  const minmax = op.aggregate === 'MIN' || op.aggregate === 'MAX';
  const rows = k.size / T;
  const L = header(k, `${p.trees.length} trees, ${base} nodes, ${op.aggregate}, shift ${p.shift}`);
  L.push(`        bytes memory nodes = ${bytesLit(nodeHex)};`);
  L.push(`        bytes memory leaves = ${bytesLit(leafHex)};`);
  L.push(`        bytes memory roots = ${bytesLit(rootHex)};`);
  if (hasSets) L.push(`        bytes memory sets = ${bytesLit(setHex)};`);
  L.push(`        bytes memory bases = ${bytesLit(baseT.hex)};`);
  L.push(`        int256[] memory acc = new int256[](${T});`);
  if (minmax) L.push(`        int256[] memory has = new int256[](${T});`);
  L.push('        assembly {');
  L.push('            let np := add(nodes, 0x20)');
  L.push('            let lfp := add(leaves, 0x20)');
  L.push('            let rp := add(roots, 0x20)');
  if (hasSets) L.push('            let sp := add(sets, 0x20)');
  L.push('            let bp := add(bases, 0x20)');
  L.push('            let accp := add(acc, 0x20)');
  if (minmax) L.push('            let hasp := add(has, 0x20)');
  L.push(`            for { let r := 0 } lt(r, ${rows}) { r := add(r, 1) } {`);
  L.push(`                for { let t := 0 } lt(t, ${T}) { t := add(t, 1) } {`);
  L.push('                    mstore(add(accp, shl(5, t)), 0)');
  if (minmax) L.push('                    mstore(add(hasp, shl(5, t)), 0)');
  L.push('                }');
  L.push(`                let xr := add(add(x, 0x20), shl(5, mul(r, ${F})))`);
  L.push(`                for { let ti := 0 } lt(ti, ${p.trees.length}) { ti := add(ti, 1) } {`);
  L.push('                    let ref := shr(224, mload(add(rp, shl(2, ti))))');
  L.push(`                    for { } lt(ref, ${LEAF}) { } {`);
  L.push(`                        let word := mload(add(np, mul(ref, ${NR})))`);
  L.push('                        let v := mload(add(xr, shl(5, and(shr(232, word), 0xffff))))');
  L.push(`                        let le := signextend(${LW - 1}, shr(${256 - 8 * (3 + LW)}, word))`);
  if (hasSets) {
    L.push('                        let pass := 0');
    L.push('                        switch byte(0, word)');
    L.push('                        case 0 { pass := iszero(sgt(v, le)) }');
    L.push('                        default {');
    L.push('                            let s := add(sp, le)');
    L.push('                            let cnt := shr(240, mload(s))');
    L.push('                            s := add(s, 2)');
    L.push('                            for { let e := 0 } lt(e, cnt) { e := add(e, 1) } {');
    L.push(`                                if eq(${yulReadSigned('s', 'e', SW)}, v) { pass := 1 }`);
    L.push('                            }');
    L.push('                        }');
  } else {
    L.push('                        let pass := iszero(sgt(v, le))');
  }
  L.push('                        switch pass');
  L.push(`                        case 0 { ref := and(shr(${256 - 8 * (11 + LW)}, word), 0xffffffff) }`);
  L.push(`                        default { ref := and(shr(${256 - 8 * (7 + LW)}, word), 0xffffffff) }`);
  L.push('                    }');
  L.push(`                    let lp := add(lfp, and(ref, 0x7fffffff))`);
  L.push('                    let cnt := shr(240, mload(lp))');
  L.push('                    lp := add(lp, 2)');
  L.push('                    for { let e := 0 } lt(e, cnt) { e := add(e, 1) } {');
  L.push('                        let word := mload(lp)');
  L.push('                        let ap := add(accp, shl(5, shr(240, word)))');
  L.push(`                        let q := signextend(${QW - 1}, shr(${256 - 8 * (2 + QW)}, word))`);
  if (!minmax) {
    L.push('                        mstore(ap, add(mload(ap), q))');
  } else {
    L.push('                        let hp := add(hasp, shl(5, shr(240, word)))');
    L.push('                        switch mload(hp)');
    L.push('                        case 0 {');
    L.push('                            mstore(ap, q)');
    L.push('                            mstore(hp, 1)');
    L.push('                        }');
    L.push(`                        default { if ${op.aggregate === 'MIN' ? 'slt' : 'sgt'}(q, mload(ap)) { mstore(ap, q) } }`);
  }
  L.push(`                        lp := add(lp, ${2 + QW})`);
  L.push('                    }');
  L.push('                }');
  L.push(`                for { let t := 0 } lt(t, ${T}) { t := add(t, 1) } {`);
  L.push('                    let a := mload(add(accp, shl(5, t)))');
  if (op.aggregate === 'AVERAGE') {
    // divRound(a, nTrees), nTrees > 0: floor((2a + d) / 2d)
    const d = p.nTrees;
    if (!(Number.isInteger(d) && d > 0)) throw new UserError(`EVM baseline: trees \`${name}\`: tree count ${d}`);
    L.push(`                    let n := add(shl(1, a), ${d})`);
    L.push(`                    a := sdiv(n, ${2 * d})`);
    L.push(`                    if and(slt(n, 0), iszero(iszero(smod(n, ${2 * d})))) { a := sub(a, 1) }`);
  }
  L.push(`                    a := ${rescaleYul(`add(a, ${yulReadSigned('bp', 't', baseT.width)})`, p.shift)}`);
  L.push(...satYul('a', k.st).map((s) => `                    ${s}`));
  L.push(`                    mstore(add(add(y, 0x20), shl(5, add(mul(r, ${T}), t))), a)`);
  L.push('                }');
  L.push('            }');
  L.push('        }');
  L.push('    }');
  return L;
}

