// What every kernel emitter gets and returns: one private pure Solidity function per IR node, taking the
// node's input tensors as int256[] memory arrays (one element per value, the integer q) and returning
// its output tensor. The contract body calls them in plan order.
import { sizeOf } from '../ir/graph';
import type { Plan, QNode, Storage } from '../quant/types';

export interface KernelCtx {
  plan: Plan;
  qn: QNode;
  /** the Solidity function name */
  name: string;
  inShapes: number[][];
  outShape: number[];
  /** output elements */
  size: number;
  /** output storage (saturation bounds) */
  st: Storage;
  /** layers with at most this many weights get them as immediates in unrolled code (see kernels-dense.ts) */
  immediateBudget: number;
}

export function kernelCtx(plan: Plan, qn: QNode, name: string, immediateBudget: number): KernelCtx {
  const shape = (id: string) => plan.graph.tensors.get(id)!.shape;
  const out = qn.node.outputs[0];
  const outShape = shape(out);
  return { plan, qn, name, inShapes: qn.node.inputs.map(shape), outShape, size: sizeOf(outShape), st: plan.tensors.get(out)!.format.storage, immediateBudget };
}

/** The function header: `function NAME(int256[] memory x0, ...) private pure returns (int256[] memory y) {`. */
export function header(k: KernelCtx, comment: string): string[] {
  const args = k.qn.node.inputs.map((_, i) => `int256[] memory x${i === 0 ? '' : i}`).join(', ');
  const o = k.qn.node.origin;
  // node names come from the model file: keep them on one printable comment line
  const safe = (v: string) => v.replace(/[^\x20-\x7e]/g, '?');
  return [`    /// ${safe(o.opType)} \`${safe(o.name)}\` -> ${k.qn.params.op}: ${comment}`, `    function ${k.name}(${args}) private pure returns (int256[] memory y) {`, `        y = new int256[](${k.size});`];
}
