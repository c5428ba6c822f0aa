// model.rs: the whole model as integer Rust. The interface first (Inputs, Outputs, infer), then each
// layer's weights next to its function, one function per IR node named after the ONNX node. Records the
// line range of every layer function for the manifest.
import type { QNode } from '../quant/types';
import type { Plan } from '../quant/types';
import { rustFnName } from '../manifest/from-plan';
import { emitArgmax, emitConcat, emitNormalize, emitSoftmax, emitTranspose } from './reduce';
import { emitAffine, emitBinary, emitBinaryScores, emitConstant, emitQAdd, emitQLut, emitReshape, emitUnary } from './elementwise';
import { emitConv, emitMatmul, emitPool } from './dense';
import { emitDenseImage, type WeightHome } from './dense-pairs';
import { pairsApply } from '../layout/images';
import { emitTrees } from './trees';
import { emitDynamic, emitF32 } from './float32';
import type { LayerCode, LayerCtx } from './layer';
import type { LayerWeight } from '../manifest/schema';
import { MAX_WIDTH } from './layer';
import type { Lowering } from './lowering';
import { commentText, fmtText, rustType, shapeText } from './rust';
import { sizeOf } from '../ir/graph';
import { planArena, type ArenaRequest } from './arena';

export interface ModelRs {
  text: string;
  /** per plan node: the Rust fn and its 1-based inclusive line range */
  /** per layer: its function, the function's line range, and the weight tables it uses */
  layers: { fn: string; lines: [number, number]; weights: LayerWeight[] }[];
  /** Rust field names of the inputs / outputs (in, out structs) */
  inputFields: string[];
  outputFields: string[];
  notes: string[];
  decisions: Record<string, string>;
  /** infer returns Result<(), MissingPart> (weights in data contracts) */
  fallible: boolean;
  /** the dense layers with weights in data contracts, by plan node index */
  homes: Map<number, WeightHome>;
  /** bytes of the arena (planned intermediate tensors and scratch), and without reuse */
  arenaBytes: number;
  arenaUnshared: number;
  /** bytes of the Workspace (inputs, outputs, arena) the contract keeps in static memory */
  workspaceBytes: number;
}

function emitLayer(ctx: LayerCtx, home: WeightHome | undefined): LayerCode {
  const p = ctx.qn.params;
  if ((p.op === 'matmul' || p.op === 'conv2d') && p.dynamic) return emitDynamic(ctx);
  switch (p.op) {
    case 'matmul':
      if (home) return emitDenseImage(ctx, home);
      // i8 weights in a data segment: the pair kernel (two rows per multiply) when rows are unrolled
      if (ctx.lowering.weights === 'data' && ctx.lowering.dense === 'unrolled' && pairsApply(ctx.plan, ctx.qn)) return emitDenseImage(ctx, { kind: 'program' });
      return emitMatmul(ctx);
    case 'conv2d':
      return emitConv(ctx);
    case 'maxpool2d':
    case 'avgpool2d':
      return emitPool(ctx);
    case 'affine':
      return emitAffine(ctx);
    case 'binary':
      return emitBinary(ctx);
    case 'relu':
    case 'leakyRelu':
    case 'clip':
    case 'sigmoid':
    case 'tanh':
    case 'castInt':
    case 'threshold':
      return emitUnary(ctx);
    case 'binaryScores':
      return emitBinaryScores(ctx);
    case 'softmax':
      return emitSoftmax(ctx);
    case 'argmax':
      return emitArgmax(ctx);
    case 'normalize':
      return emitNormalize(ctx);
    case 'transpose':
      return emitTranspose(ctx);
    case 'concat':
      return emitConcat(ctx);
    case 'constant':
      return emitConstant(ctx);
    case 'reshape':
      return emitReshape(ctx);
    case 'trees':
      return emitTrees(ctx);
    case 'qadd':
      return emitQAdd(ctx);
    case 'qlut':
      return emitQLut(ctx);
    case 'f32':
      return emitF32(ctx);
  }
}

const BYTES = { i8: 1, i16: 2, i32: 4 } as const;

/** Bytes of the Workspace struct (inputs, outputs and arena, each padded as rustc lays them out). */
export function workspaceBytes(plan: Plan, arenaBytes: number): number {
  const t = (id: string) => plan.tensors.get(id)!;
  const fields = (ids: string[]) => ids.map((id) => ({ bytes: sizeOf(t(id).shape) * BYTES[t(id).format.storage], align: BYTES[t(id).format.storage] }));
  // a struct of arrays: rustc may reorder fields; its size is the sum rounded up to the largest alignment
  const struct = (fs: { bytes: number; align: number }[]) => {
    const align = Math.max(1, ...fs.map((f) => f.align));
    return { bytes: Math.ceil(fs.reduce((a, f) => a + f.bytes, 0) / align) * align, align };
  };
  const x = struct(fields(plan.graph.inputs.map((i) => i.id)));
  const y = struct(fields(plan.graph.outputs.map((o) => o.id)));
  const arena = { bytes: Math.max(8, Math.ceil(arenaBytes / 8) * 8), align: 8 };
  return struct([x, y, arena]).bytes;
}

/** `f(a, b);` on one line, or one argument per line as rustfmt lays out long calls. */
export function callLines(indentText: string, lead: string, fn: string, args: string[], tail = ';'): string[] {
  const list = args.join(', ');
  const one = `${indentText}${lead}${fn}(${list})${tail}`;
  if (one.length <= MAX_WIDTH && list.length <= 60) return [one];
  return [`${indentText}${lead}${fn}(`, ...args.map((a) => `${indentText}    ${a},`), `${indentText})${tail}`];
}

/** A struct literal as rustfmt writes it (one line when the fields fit in 18 columns). */
function structLiteral(lead: string, name: string, fields: [string, string][], tail: string): string[] {
  const body = fields.map(([k, v]) => `${k}: ${v}`).join(', ');
  const one = `${lead}${name} { ${body} }${tail}`;
  if (body.length <= 18 && one.length <= MAX_WIDTH) return [one];
  return [`${lead}${name} {`, ...fields.map(([k, v]) => `    ${k}: ${v},`), `}${tail}`];
}

/**
 * `homes`: the dense layers whose weights are in data contracts (layout `data`, core/layout/parts.ts), by
 * plan node index; every other layer keeps its weights in the program.
 */
export function generateModelRs(plan: Plan, lowering: Lowering, header: { tool: string; source: string; sha256: string }, homes: Map<number, WeightHome> = new Map()): ModelRs {
  const notes: string[] = [];
  const decisions: Record<string, string> = {};
  const t = (id: string) => plan.tensors.get(id)!;
  const inputFields = plan.graph.inputs.map((_, i) => `in${i}`);
  const outputFields = plan.graph.outputs.map((_, i) => `out${i}`);
  const lines: string[] = [];
  const params = plan.nodes.reduce((a, qn) => a + paramCount(qn), 0);
  lines.push(`//! \`${commentText(header.source)}\` as integer fixed-point Rust, generated by ${header.tool}.`);
  lines.push('//!');
  lines.push(
    plan.graph.float32
      ? `//! ${plan.nodes.length} layers, ${params} parameters. Tensors are float32 values as sign-magnitude keys, computed as onnxruntime computes them (softfloat.rs).`
      : `//! ${plan.nodes.length} layers, ${params} parameters. A value is an integer q standing for q / 2^frac.`,
  );
  lines.push(`//! Model sha256 ${header.sha256}.`);
  lines.push('//! stylus-ml.json records the formats and the bounds proved for this code: regenerate it with');
  lines.push('//! `stylus-ml new` rather than editing it by hand (the language server re-checks edits).');
  lines.push('');
  lines.push('#![allow(clippy::all)]');
  lines.push('#![allow(unused_imports)]');
  lines.push('');
  lines.push('use stylus_ml_runtime::fixed::*;');
  if ([...homes.values()].some((h) => h.kind === 'parts' && h.source === 'contracts')) lines.push('use super::parts::{load, MissingPart};');
  else if (homes.size > 0) lines.push('use super::parts::load;');
  if (plan.graph.float32) lines.push('use stylus_ml_runtime::softfloat::*;');
  lines.push('');
  // the interface
  lines.push('/// The model inputs, quantised (see `formats()` / stylus-ml.json).');
  lines.push('pub struct Inputs {');
  plan.graph.inputs.forEach((inp, i) => {
    const q = t(inp.id);
    lines.push(`    /// \`${commentText(inp.name)}\` ${shapeText(q.shape)}, ${fmtText(q.format)}.`);
    lines.push(`    pub ${inputFields[i]}: [${rustType(q.format.storage)}; ${sizeOf(q.shape)}],`);
  });
  lines.push('}', '');
  lines.push('/// The model outputs, quantised.');
  lines.push('pub struct Outputs {');
  plan.graph.outputs.forEach((o, i) => {
    const q = t(o.id);
    lines.push(`    /// \`${commentText(o.name)}\` ${shapeText(q.shape)}, ${fmtText(q.format)}${o.classLabels ? ' (class index)' : ''}.`);
    lines.push(`    pub ${outputFields[i]}: [${rustType(q.format.storage)}; ${sizeOf(q.shape)}],`);
  });
  lines.push('}', '');
  lines.push('impl Inputs {');
  lines.push(...structLiteral('    pub const ZERO: Inputs = ', 'Inputs', inputFields.map((f, i) => [f, `[0; ${sizeOf(t(plan.graph.inputs[i].id).shape)}]`]), ';').map((l, k) => (k === 0 ? l : `    ${l}`)));
  lines.push('}', '');
  lines.push('impl Outputs {');
  lines.push(...structLiteral('    pub const ZERO: Outputs = ', 'Outputs', outputFields.map((f, i) => [f, `[0; ${sizeOf(t(plan.graph.outputs[i].id).shape)}]`]), ';').map((l, k) => (k === 0 ? l : `    ${l}`)));
  lines.push('}', '');

  // the layers (emitted first so infer can be written knowing each layer's kind)
  const codes: { code: LayerCode; fn: string; qn: QNode }[] = plan.nodes.map((qn, index) => {
    const fn = rustFnName(qn.node.origin.name, index);
    const ctx: LayerCtx = { plan, lowering, qn, index, fn, notes, decisions };
    return { code: emitLayer(ctx, homes.get(index)), fn, qn };
  });

  // infer: wires the layers. Intermediate tensors and the layers' scratch buffers live in the arena, a
  // block of linear memory planned by liveness (arena.ts); `buf` lends a planned range of it to a layer
  // as the array type the layer takes.
  const outputOf = new Map(plan.graph.outputs.map((o, i) => [o.id, outputFields[i]]));
  const aliasOf = new Map<string, string>();
  codes.forEach(({ code, qn }) => {
    if (code.kind === 'alias') aliasOf.set(qn.node.outputs[0], qn.node.inputs[0]);
  });
  const root = (id: string): string => (aliasOf.has(id) && !outputOf.has(id) ? root(aliasOf.get(id)!) : id);
  const lastUse = new Map<string, number>();
  plan.nodes.forEach((qn, index) => {
    for (const id of qn.node.inputs) lastUse.set(root(id), Math.max(lastUse.get(root(id)) ?? -1, index));
  });
  const requests: ArenaRequest[] = [];
  codes.forEach(({ code, qn }, index) => {
    const out = qn.node.outputs[0];
    if (code.kind !== 'alias' && !outputOf.has(out)) {
      const q = t(out);
      requests.push({ id: out, bytes: sizeOf(q.shape) * BYTES[q.format.storage], first: index, last: Math.max(lastUse.get(out) ?? index, index) });
    }
    for (const s of code.scratch ?? []) requests.push({ id: `${index}:${s.name}`, bytes: s.bytes, first: index, last: index });
  });
  const arena = planArena(requests);
  const where = new Map<string, string>();
  plan.graph.inputs.forEach((inp, i) => where.set(inp.id, `&x.${inputFields[i]}`));
  const body: string[] = [];
  const arg = (id: string) => {
    const w = where.get(id);
    if (!w) throw new Error(`internal: tensor ${id} used before it is computed`);
    return w;
  };
  const at = (id: string) => `buf(a, ${arena.offsets.get(id)})`;
  codes.forEach(({ code, fn, qn }, index) => {
    const out = qn.node.outputs[0];
    const field = outputOf.get(out);
    const args = qn.node.inputs.map(arg);
    if (code.kind === 'alias') {
      if (field) body.push(`    y.${field} = *${fn}(${args.join(', ')});`);
      else body.push(`    let t${index} = ${fn}(${args.join(', ')});`);
      where.set(out, field ? `&y.${field}` : `t${index}`);
      return;
    }
    const scratch = (code.scratch ?? []).map((s) => at(`${index}:${s.name}`));
    const tail = code.fallible ? '?;' : ';';
    if (field) {
      body.push(...callLines('    ', '', fn, [...args, `&mut y.${field}`, ...scratch], tail));
      where.set(out, `&y.${field}`);
    } else {
      body.push(...callLines('    ', '', fn, [...args, at(out), ...scratch], tail));
      where.set(out, at(out));
    }
  });
  // outputs no node writes (an input passed through)
  plan.graph.outputs.forEach((o, i) => {
    if (plan.nodes.some((qn) => qn.node.outputs[0] === o.id)) return;
    body.push(`    y.${outputFields[i]} = *${arg(o.id)};`);
  });
  const arenaWords = Math.max(1, Math.ceil(arena.bytes / 8));
  const usesArena = body.some((l) => l.includes('buf(a, '));
  lines.push(`/// Bytes of the arena: ${requests.length} planned buffers (intermediate tensors and layer scratch) reused by`);
  lines.push(`/// liveness, ${arena.bytes} bytes where separate buffers would take ${arena.unshared}.`);
  lines.push(`pub const ARENA_BYTES: usize = ${arena.bytes};`);
  lines.push('');
  lines.push('/// The arena infer() works in, 8-byte aligned. All zero bytes, so a static one costs no data segment.');
  lines.push(`pub struct Arena(pub [u64; ${arenaWords}]);`);
  lines.push('');
  lines.push('/// Everything a call works in: the inputs, the outputs and the arena (the contract keeps one in static memory).');
  lines.push('pub struct Workspace {');
  lines.push('    pub x: Inputs,');
  lines.push('    pub y: Outputs,');
  lines.push('    pub arena: Arena,');
  lines.push('}');
  lines.push('');
  lines.push('impl Workspace {');
  lines.push('    pub const ZERO: Workspace = Workspace {');
  lines.push('        x: Inputs::ZERO,');
  lines.push('        y: Outputs::ZERO,');
  lines.push(`        arena: Arena([0; ${arenaWords}]),`);
  lines.push('    };');
  lines.push('}');
  lines.push('');
  const fallible = codes.some(({ code }) => code.fallible);
  lines.push('/// Runs the model on quantised inputs. Bit for bit the simulator of `stylus-ml simulate`.');
  if (fallible) lines.push('/// Fails when a data contract holding weights is not on this chain (parts.rs).');
  lines.push(`pub fn infer(w: &mut Workspace)${fallible ? ' -> Result<(), MissingPart>' : ''} {`);
  lines.push('    let Workspace { x, y, arena } = w;');
  if (usesArena) {
    lines.push('    let a = arena.0.as_mut_ptr() as *mut u8;');
    lines.push('    // SAFETY: the planner gives buffers that are live at the same time disjoint ranges of the arena');
    lines.push('    // (core/codegen/arena.ts), each inside it and 8-byte aligned, so no two views in use overlap.');
    lines.push('    unsafe {');
    lines.push(...body.map((l) => (l ? `    ${l}` : l)));
    lines.push('    }');
  } else {
    lines.push('    let _ = arena;');
    lines.push(...body);
  }
  if (fallible) lines.push('    Ok(())');
  lines.push('}');

  const layers: ModelRs['layers'] = [];
  for (const { code, fn } of codes) {
    for (const item of code.items) lines.push('', ...item);
    lines.push('');
    const at = code.fn.findIndex((l) => l.startsWith('pub fn '));
    // every layer that computes stays its own wasm function, so a profiler can measure its ink (issue 5);
    // a reshape (`alias`) returns its argument and costs nothing, so it stays inlinable
    const keep = code.kind === 'alias' || (at > 0 && code.fn[at - 1] === '#[inline(never)]');
    const fnLines = keep ? code.fn : [...code.fn.slice(0, at), '#[inline(never)]', ...code.fn.slice(at)];
    const start = lines.length + 1 + fnLines.findIndex((l) => l.startsWith('pub fn '));
    lines.push(...fnLines);
    layers.push({ fn, lines: [start, lines.length], weights: code.weights ?? [] });
  }
  return { text: lines.join('\n') + '\n', layers, inputFields, outputFields, notes, decisions, fallible, homes, arenaBytes: arena.bytes, arenaUnshared: arena.unshared, workspaceBytes: workspaceBytes(plan, arena.bytes) };
}

function paramCount(qn: QNode): number {
  const p = qn.params;
  switch (p.op) {
    case 'matmul':
    case 'conv2d':
      return p.W.q.length + (p.bias?.length ?? 0);
    case 'affine':
      return p.scale.q.length + p.offset.length;
    case 'trees':
      return p.trees.reduce((a, tr) => a + tr.nodes.length + tr.leaves.length, 0);
    default:
      return 0;
  }
}

