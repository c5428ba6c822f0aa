// stylus-ml.json for a generated crate: the plan-derived parts (core/manifest/schema.ts) plus what the
// generator knows — line ranges of the layer functions, template, options, selectors, files, lowering.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { MANIFEST_FILE, MANIFEST_SCHEMA, type BoxDerivation, type LayerWeight, type Manifest, type Validation } from '../manifest/schema';
import { validateManifest } from '../manifest/file';
import { manifestFromPlan } from '../manifest/from-plan';
import type { Plan } from '../quant/types';
import type { InputPolicy } from '../quant/simulate';
import type { ContractAbi } from './abi';
import { selectorTable } from './abi';
import type { Template } from './crate-files';
import type { Lowering, Optimize } from './lowering';

export interface ManifestInput {
  plan: Plan;
  abi: ContractAbi;
  template: Template;
  tool: string;
  modelFile: string;
  modelBytes: Uint8Array;
  crateDir: string;
  boxNote: string;
  boxDerivation?: BoxDerivation;
  validation?: Validation;
  policy: InputPolicy;
  optimize?: Optimize;
  lowering: Lowering;
  treeLowerings: Record<string, string>;
  modelHash: string;
  lines: { fn: string; lines: [number, number]; weights?: LayerWeight[] }[];
  files: Manifest['files'];
  vectors: number;
  notes: string[];
}

export function crateManifest(m: ManifestInput): Manifest {
  const fromPlan = manifestFromPlan(m.plan);
  fromPlan.layers.forEach((l, i) => {
    if (l.fn !== m.lines[i].fn) throw new Error(`internal: layer ${i} is ${l.fn} in the manifest but ${m.lines[i].fn} in model.rs`);
    l.lines = m.lines[i].lines;
    const w = m.lines[i].weights;
    if (w && w.length > 0) l.weights = w;
  });
  const box = m.plan.options.boxes.values().next().value;
  const manifest: Manifest = {
    schema: MANIFEST_SCHEMA,
    tool: { name: 'stylus-ml', version: m.tool },
    model: {
      path: path.relative(m.crateDir, path.resolve(m.modelFile)) || path.basename(m.modelFile),
      sha256: createHash('sha256').update(m.modelBytes).digest('hex'),
      producer: m.plan.graph.producer,
      opsets: m.plan.graph.opsets,
    },
    template: m.template,
    options: {
      activations: m.plan.options.activations,
      weights: m.plan.options.weights,
      accumulator: m.plan.options.accumulator,
      inputPolicy: m.policy,
      ...(m.optimize ? { optimize: m.optimize } : {}),
      // formats forced with --format, so the plan can be rebuilt from the manifest (core/cli/crate-model.ts)
      ...(m.plan.options.force.size > 0 ? { force: Object.fromEntries([...m.plan.options.force].map(([k, f]) => [k, `${f.storage}:${f.frac}`])) } : {}),
    },
    box: { source: box?.source ?? 'declared', note: m.boxNote, ...(m.boxDerivation ? { derivation: m.boxDerivation } : {}) },
    ...(m.validation ? { validation: m.validation } : {}),
    ...fromPlan,
    modelHash: m.modelHash,
    selectors: selectorTable(m.abi),
    notes: m.notes,
    files: m.files,
    lowering: { ...m.lowering, layers: m.treeLowerings },
    contract: {
      label: m.abi.label,
      inputCount: m.abi.inputCount,
      outputCount: m.abi.outputCount,
      packedInputBytes: m.abi.packedInputBytes,
      packedOutputBytes: m.abi.packedOutputBytes,
      maxBatch: m.abi.maxBatch,
      goldenVectors: m.vectors,
    },
  };
  // the readers' contract: what we write must validate
  validateManifest(JSON.parse(JSON.stringify(manifest)), MANIFEST_FILE);
  return manifest;
}
