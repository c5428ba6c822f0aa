// generateSolidity(plan): the EVM baseline contract of a quantised model — the same ABI as the Stylus
// contract (core/codegen/abi.ts: predict, predictLabel, predictPacked, modelHash, formats and the two
// named errors), the same integer semantics (simulate.ts), weights in code as packed `bytes` literals.
// Every tensor is an int256[] in memory holding the integers q; each IR node is one private function.
import { UserError } from '../errors';
import { modelHash } from '../quant/hash';
import type { InputPolicy } from '../quant/simulate';
import type { Plan, QNode } from '../quant/types';
import { contractAbi, type ContractAbi } from '../codegen/abi';
import { kernelCtx } from './kernel';
import { affineKernel, conv2dKernel, matmulKernel, poolKernel } from './kernels-dense';
import { elementwiseKernel } from './kernels-elementwise';
import { reduceKernel } from './kernels-reduce';
import { treesKernel } from './kernels-trees';
import { bytesLit, packSigned, sol, yul, yulReadSigned } from './literals';
import { runtimeSol } from './runtime-sol';

export interface BaselineOptions {
  /** Solidity contract name (default StylusMlBaseline) */
  contractName?: string;
  /** inputs outside the box revert with InputOutOfRange (default) or are clamped, as the Stylus contract */
  policy?: InputPolicy;
  /**
   * Dense layers with at most this many weights are unrolled with the weights as PUSH immediates (least
   * gas, most code); larger ones loop over packed weights. Default 1024; 0 packs every layer.
   */
  immediateBudget?: number;
}

export interface BaselineSource {
  source: string;
  contractName: string;
}

/** Shifts beyond this would mean a broken plan; int256 holds every value below it with room to spare. */
const MAX_SHIFT = 128;

function checkShifts(qn: QNode): void {
  const p = qn.params as unknown as Record<string, unknown>;
  for (const key of ['shift', 'shiftA', 'shiftB', 'alphaFrac', 'preShift', 'inFrac', 'outFrac', 'frac']) {
    const v = p[key];
    if (typeof v === 'number' && Math.abs(v) > MAX_SHIFT) throw new UserError(`EVM baseline: node \`${qn.node.origin.name}\` (${qn.params.op}) has ${key} = ${v}; the baseline supports |shift| <= ${MAX_SHIFT}`);
  }
}

function kernelFor(plan: Plan, qn: QNode, name: string, immediateBudget: number): string[] {
  const k = kernelCtx(plan, qn, name, immediateBudget);
  switch (qn.params.op) {
    case 'matmul':
      return matmulKernel(k);
    case 'conv2d':
      return conv2dKernel(k);
    case 'maxpool2d':
    case 'avgpool2d':
      return poolKernel(k);
    case 'affine':
      return affineKernel(k);
    case 'softmax':
    case 'argmax':
    case 'normalize':
      return reduceKernel(k);
    case 'trees':
      return treesKernel(k);
    case 'binary':
    case 'relu':
    case 'leakyRelu':
    case 'clip':
    case 'sigmoid':
    case 'tanh':
    case 'transpose':
    case 'concat':
    case 'constant':
    case 'castInt':
    case 'binaryScores':
    case 'threshold':
      return elementwiseKernel(k);
    default:
      throw new UserError(`EVM baseline: op ${(qn.params as { op: string }).op} (\`${qn.node.origin.name}\`) is not supported by the EVM baseline generator`);
  }
}

const WIDTH = { i8: 1, i16: 2, i32: 4 } as const;

function admitLines(plan: Plan, abi: ContractAbi, ids: Map<string, number>, policy: InputPolicy, packed: boolean): string[] {
  const L: string[] = [];
  const errSelector = abi.errors.find((e) => e.name === 'InputOutOfRange')!.selector;
  const count = packed ? abi.packedInputBytes : abi.inputCount;
  L.push(`        if (input.length != ${count}) revert InvalidInputLength(${count}, input.length);`);
  L.push(`        t = new int256[][](${ids.size});`);
  let off = 0;
  let byteOff = 0;
  plan.graph.inputs.forEach((inp, k) => {
    const q = plan.tensors.get(inp.id)!;
    const io = abi.inputs[k];
    const uniform = q.qlo.every((v) => v === q.qlo[0]) && q.qhi.every((v) => v === q.qhi[0]);
    L.push('        {');
    L.push(`            int256[] memory a = new int256[](${io.size});`);
    let loE: string;
    let hiE: string;
    let loW = 32;
    let hiW = 32;
    if (!uniform) {
      const lo = packSigned(q.qlo, `${inp.name} box lo`);
      const hi = packSigned(q.qhi, `${inp.name} box hi`);
      L.push(`            bytes memory lo = ${bytesLit(lo.hex)};`);
      L.push(`            bytes memory hi = ${bytesLit(hi.hex)};`);
      loE = `_rd(lo, i, ${lo.width})`;
      hiE = `_rd(hi, i, ${hi.width})`;
      loW = lo.width;
      hiW = hi.width;
    } else {
      loE = sol(q.qlo[0], `${inp.name} box lo`);
      hiE = sol(q.qhi[0], `${inp.name} box hi`);
    }
    if (!packed) {
      // predict's int32[]: words straight from calldata, each checked to be a sign-extended int32 as
      // solc's decoder would (empty revert otherwise, like the Stylus contract)
      const loY = uniform ? yul(q.qlo[0], `${inp.name} box lo`) : yulReadSigned('lop', 'i', loW);
      const hiY = uniform ? yul(q.qhi[0], `${inp.name} box hi`) : yulReadSigned('hip', 'i', hiW);
      L.push('            assembly {');
      L.push(`                let src := add(input.offset, ${32 * off})`);
      L.push('                let dst := add(a, 0x20)');
      if (!uniform) L.push('                let lop := add(lo, 0x20)', '                let hip := add(hi, 0x20)');
      L.push(`                for { let i := 0 } lt(i, ${io.size}) { i := add(i, 1) } {`);
      L.push('                    let v := calldataload(add(src, shl(5, i)))');
      L.push('                    if iszero(eq(v, signextend(3, v))) { revert(0, 0) }');
      L.push(`                    let l := ${loY}`);
      L.push(`                    let h := ${hiY}`);
      if (policy === 'clamp') {
        L.push('                    if slt(v, l) { v := l }', '                    if sgt(v, h) { v := h }');
      } else {
        L.push('                    if or(slt(v, l), sgt(v, h)) {');
        L.push(`                        mstore(0, shl(224, 0x${errSelector}))`);
        L.push(`                        mstore(4, add(${off}, i))`);
        L.push('                        mstore(36, v)');
        L.push('                        revert(0, 68)');
        L.push('                    }');
      }
      L.push('                    mstore(add(dst, shl(5, i)), v)');
      L.push('                }');
      L.push('            }');
    } else {
    L.push('            unchecked {');
    L.push(`                for (uint256 i = 0; i < ${io.size}; i++) {`);
    {
      const w = WIDTH[io.storage];
      L.push(`                    uint256 at = ${byteOff} + ${w} * i;`);
      const parts = Array.from({ length: w }, (_, j) => `(uint256(uint8(input[at + ${j}])) << ${8 * j})`).join(' | ');
      L.push(`                    int256 v = int256(int${8 * w}(uint${8 * w}(${parts})));`);
    }
    if (policy === 'clamp') {
      L.push(`                    int256 l = ${loE};`, `                    int256 h = ${hiE};`, '                    a[i] = v < l ? l : v > h ? h : v;');
    } else {
      L.push(`                    if (v < ${loE} || v > ${hiE}) revert InputOutOfRange(${off} + i, v);`);
      L.push('                    a[i] = v;');
    }
    L.push('                }');
    L.push('            }');
    }
    L.push(`            t[${ids.get(inp.id)}] = a;`);
    L.push('        }');
    off += io.size;
    byteOff += WIDTH[io.storage] * io.size;
  });
  return L;
}

export function generateSolidity(plan: Plan, opts: BaselineOptions = {}): BaselineSource {
  const contractName = opts.contractName ?? 'StylusMlBaseline';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(contractName)) throw new UserError(`EVM baseline: '${contractName}' is not a Solidity identifier`);
  const policy = opts.policy ?? 'revert';
  const abi = contractAbi(plan);

  // tensor id -> slot in the tensor table
  const ids = new Map<string, number>();
  for (const inp of plan.graph.inputs) ids.set(inp.id, ids.size);
  const kernels: string[] = [];
  const infer: string[] = [];
  plan.nodes.forEach((qn, i) => {
    checkShifts(qn);
    const args = qn.node.inputs.map((id) => {
      const s = ids.get(id);
      if (s === undefined) throw new UserError(`EVM baseline: node \`${qn.node.origin.name}\` reads tensor '${id}' that no earlier node produces`);
      return `t[${s}]`;
    });
    const out = qn.node.outputs[0];
    if (!ids.has(out)) ids.set(out, ids.size);
    if (qn.params.op === 'reshape') {
      infer.push(`        t[${ids.get(out)}] = ${args[0]}; // ${qn.node.origin.name}: reshape moves no data`);
      return;
    }
    const name = `_n${i}`;
    kernels.push(...kernelFor(plan, qn, name, opts.immediateBudget ?? 1024), '');
    infer.push(`        t[${ids.get(out)}] = ${name}(${args.join(', ')});`);
  });
  for (const o of plan.graph.outputs) if (!ids.has(o.id)) throw new UserError(`EVM baseline: output '${o.name}' is not computed by any node`);

  const hash = modelHash(plan);
  const formats = Buffer.from(abi.formatsEncoded).toString('hex');
  const L: string[] = [];
  L.push('// SPDX-License-Identifier: MIT');
  L.push('// Generated by stylus-ml: the EVM baseline of a quantised model. Same ABI and the same integer');
  L.push('// fixed-point semantics as the Stylus contract generated from the same plan (bit for bit).');
  L.push('pragma solidity ^0.8.24;');
  L.push('');
  L.push(`contract ${contractName} {`);
  L.push('    /// Input element `index` (flat, over all inputs) is outside the declared box.');
  L.push('    error InputOutOfRange(uint256 index, int256 value);');
  L.push('    /// The input array (elements) or packed bytes have the wrong length.');
  L.push('    error InvalidInputLength(uint256 expected, uint256 got);');
  L.push('');
  L.push(`    bytes32 private constant MODEL_HASH = ${hash};`);
  L.push('');
  L.push('    /// keccak-256 of the quantised model (core/quant/hash.ts).');
  L.push('    function modelHash() external pure returns (bytes32) {');
  L.push('        return MODEL_HASH;');
  L.push('    }');
  L.push('');
  L.push('    /// Storage bits, fractional bits and element counts of each input and output.');
  L.push('    function formats() external pure returns (uint8[] memory, int16[] memory, uint32[] memory, uint8[] memory, int16[] memory, uint32[] memory) {');
  L.push(`        bytes memory f = ${bytesLit(formats)};`);
  L.push('        assembly {');
  L.push('            return(add(f, 32), mload(f))');
  L.push('        }');
  L.push('    }');
  L.push('');
  // outputs, flattened in order
  const outCopy: string[] = [];
  let outOff = 0;
  plan.graph.outputs.forEach((o, k) => {
    const n = abi.outputs[k].size;
    outCopy.push('        {', `            int256[] memory o = t[${ids.get(o.id)}];`, '            assembly {', `                let d := add(out, ${32 * (1 + outOff)})`, '                let s := add(o, 0x20)', `                for { let i := 0 } lt(i, ${n}) { i := add(i, 1) } { mstore(add(d, shl(5, i)), mload(add(s, shl(5, i)))) }`, '            }', '        }');
    outOff += n;
  });
  L.push('    /// Inputs as fixed-point integers (all inputs flattened, in order); outputs likewise.');
  L.push('    function predict(int32[] calldata input) external pure returns (int32[] memory out) {');
  L.push('        int256[][] memory t = _admit(input);');
  L.push('        _infer(t);');
  L.push(`        out = new int32[](${abi.outputCount});`);
  L.push(...outCopy);
  L.push('    }');
  L.push('');
  if (abi.label) {
    const lab = abi.label;
    const id = ids.get(plan.graph.outputs[lab.output].id);
    L.push(`    /// ${lab.kind === 'output' ? `The class index the model's \`${lab.name}\` output holds.` : `argmax of \`${lab.name}\` (first maximum).`}`);
    L.push('    function predictLabel(int32[] calldata input) external pure returns (uint256) {');
    L.push('        int256[][] memory t = _admit(input);');
    L.push('        _infer(t);');
    L.push(`        int256[] memory o = t[${id}];`);
    if (lab.kind === 'output') {
      L.push('        return uint256(o[0]);');
    } else {
      L.push('        uint256 best = 0;');
      L.push('        int256 bv = o[0];');
      L.push(`        for (uint256 a = 1; a < ${lab.classes}; a++) {`);
      L.push('            if (o[a] > bv) {');
      L.push('                best = a;');
      L.push('                bv = o[a];');
      L.push('            }');
      L.push('        }');
      L.push('        return best;');
    }
    L.push('    }');
    L.push('');
  }
  L.push('    /// Inputs packed little-endian at their storage width (cheap calldata); outputs packed the same way.');
  L.push('    function predictPacked(bytes calldata input) external pure returns (bytes memory out) {');
  L.push('        int256[][] memory t = _admitPacked(input);');
  L.push('        _infer(t);');
  L.push(`        out = new bytes(${abi.packedOutputBytes});`);
  {
    let byteOff = 0;
    plan.graph.outputs.forEach((o, k) => {
      const io = abi.outputs[k];
      const w = WIDTH[io.storage];
      L.push('        {', `            int256[] memory o = t[${ids.get(o.id)}];`, `            for (uint256 i = 0; i < ${io.size}; i++) {`, '                uint256 v = uint256(o[i]);');
      for (let j = 0; j < w; j++) L.push(`                out[${byteOff} + ${w} * i + ${j}] = bytes1(uint8(v >> ${8 * j}));`);
      L.push('            }', '        }');
      byteOff += w * io.size;
    });
  }
  L.push('    }');
  L.push('');
  L.push(`    /// The box check (${policy === 'clamp' ? 'clamp' : 'revert'}) and the input tensors.`);
  L.push('    function _admit(int32[] calldata input) private pure returns (int256[][] memory t) {');
  L.push(...admitLines(plan, abi, ids, policy, false));
  L.push('    }');
  L.push('');
  L.push('    function _admitPacked(bytes calldata input) private pure returns (int256[][] memory t) {');
  L.push(...admitLines(plan, abi, ids, policy, true));
  L.push('    }');
  L.push('');
  L.push('    /// Every node in plan order; t holds every tensor.');
  L.push('    function _infer(int256[][] memory t) private pure {');
  L.push(...infer);
  L.push('    }');
  L.push('');
  L.push(...kernels);
  L.push(...runtimeSol());
  L.push('}');
  L.push('');
  return { source: L.join('\n'), contractName };
}
