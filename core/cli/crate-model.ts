// The simulator's plan for a generated crate, rebuilt from what stylus-ml.json records: the ONNX file,
// the quantisation options and the declared input box. The manifest's modelHash proves the rebuilt plan
// is the integer model the crate was generated from (same weights, formats, shapes).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import type { Manifest } from '../manifest/schema';
import { loadModel } from '../pipeline';
import { modelHash } from '../quant/hash';
import { planQuantisation } from '../quant/plan';
import type { InputBox, Plan, QFormat, Storage } from '../quant/types';
import type { Graph } from '../ir/graph';

/** The model path as recorded: relative to the crate, else to the working directory, else absolute. */
export function modelFileOf(dir: string, m: Manifest): string {
  const p = m.model.path;
  const candidates = path.isAbsolute(p) ? [p] : [path.resolve(dir, p), path.resolve(p)];
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new UserError(`the model ${p} recorded in ${path.join(dir, 'stylus-ml.json')} is not found; the simulator needs it to check the outputs`);
  return found;
}

/** Quantisation options to change when rebuilding a crate's plan (a what-if: the crate itself is not changed). */
export interface PlanOverrides {
  weights?: Storage;
  activations?: 'i16' | 'i32';
  accumulator?: 'auto' | 'i64';
}

export function planFromManifest(dir: string, m: Manifest, overrides: PlanOverrides = {}): Plan {
  const file = modelFileOf(dir, m);
  const loaded = loadModel(file);
  const sha = crypto.createHash('sha256').update(loaded.bytes).digest('hex');
  const recorded = m.model.sha256.replace(/^sha256:/, '').toLowerCase();
  if (recorded && sha !== recorded) throw new UserError(`${file} changed since the crate was generated (sha256 differs); regenerate it with \`stylus-ml new\``);
  const opts = { activations: overrides.activations ?? m.options.activations, weights: overrides.weights ?? m.options.weights, accumulator: overrides.accumulator ?? m.options.accumulator };
  const plan = planForModel(loaded.graph, m, overrides);
  const changed = opts.activations !== m.options.activations || opts.weights !== m.options.weights || opts.accumulator !== m.options.accumulator;
  if (!changed && modelHash(plan) !== m.modelHash) {
    throw new UserError(`the plan rebuilt from ${file} does not reproduce the crate's modelHash ${m.modelHash.slice(0, 10)}…; regenerate the crate with this version of stylus-ml`);
  }
  return plan;
}

/**
 * The plan a model gets with the options and box a manifest records — whatever the model file holds now
 * (`verify` rebuilds from it to see whether the deployed code is what it produces).
 */
export function planForModel(graph: Graph, m: Manifest, overrides: PlanOverrides = {}): Plan {
  const boxes = new Map<string, InputBox>();
  for (const inp of graph.inputs) {
    const mi = m.inputs.find((x) => x.name === inp.name);
    if (!mi) throw new UserError(`stylus-ml.json has no input '${inp.name}'; regenerate the crate`);
    boxes.set(inp.id, { lo: Float64Array.from(mi.box.lo), hi: Float64Array.from(mi.box.hi), source: 'declared' });
  }
  // forced formats, when the generator records them (name → storage:fracBits or {storage, fracBits})
  const forcedRaw = (m.options as { force?: Record<string, string | { storage: Storage; fracBits: number }> }).force;
  let force: Map<string, QFormat> | undefined;
  if (forcedRaw && typeof forcedRaw === 'object') {
    force = new Map();
    for (const [k, v] of Object.entries(forcedRaw)) {
      if (typeof v === 'string') {
        const mm = /^(i8|i16|i32):(-?\d+)$/.exec(v);
        if (mm) force.set(k, { storage: mm[1] as Storage, frac: Number(mm[2]) });
      } else force.set(k, { storage: v.storage, frac: v.fracBits });
    }
  }
  const opts = { activations: overrides.activations ?? m.options.activations, weights: overrides.weights ?? m.options.weights, accumulator: overrides.accumulator ?? m.options.accumulator };
  return planQuantisation(graph, { boxes, ...opts, force });
}
