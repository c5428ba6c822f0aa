// Manifest-aware checks for a generated model.rs: each layer function named in stylus-ml.json is analysed
// with its parameters at the proven input ranges (seeds.ts); when the code as it is now makes a saturation
// reachable or overflows, the bound is broken (bounds.ts); weight literals must fit their recorded storage
// (weights.ts). Edits that keep the bound are not reported.

import path from 'node:path';
import type { Node } from 'web-tree-sitter';
import type { AnalysisContext, Analyzer, FileAnalysis, Finding } from '../analyze';
import { annotationSeeds } from '../annotations';
import { isStylusMlRuntime } from '../crate-files';
import type { Severity } from '../sites';
import type { LineIndex } from '../syntax/parser';
import { boundFindings } from './bounds';
import { bindLayer, MANIFEST_CODES, type LayerBinding } from './layers';
import { fnParams, layerInput, layerOutput, seedParams, type LayerOutput } from './seeds';
import { modelRsPath, type LayerView, type ManifestView, type QTensor } from './view';
import { storageFindings } from './weights';

export { MANIFEST_CODES, type LayerBinding };

export interface DocumentCheckInput {
  root: Node;
  lines: LineIndex;
  /** absolute path of the file (for matching the manifest's model.rs), when on disk */
  filePath?: string | null;
  manifest?: ManifestView | null;
  manifestError?: string | null;
  /** 0-based lines edited since the document was opened (the language server tracks them) */
  dirtyLines?: ReadonlySet<number>;
  extraItems?: AnalysisContext['extraItems'];
  budget?: number;
}

export interface DocumentCheck {
  analysis: FileAnalysis;
  findings: Finding[];
  manifest: ManifestView | null;
  layers: LayerBinding[];
}

/** Steps allowed per layer function in manifest mode: exact sums for layers up to ~100k MACs. */
const MANIFEST_BUDGET = 2_500_000;

/** Pattern rules everywhere, plus the manifest checks when the manifest governs this file. */
export function checkDocument(analyzer: Analyzer, input: DocumentCheckInput): DocumentCheck {
  const { root, lines } = input;
  const fnNames = topLevelFnNames(root, lines.text);
  const governs = input.manifest ? manifestGoverns(input.manifest, input.filePath ?? null, fnNames) : false;
  const manifest = governs ? input.manifest! : null;
  const trusted = isStylusMlRuntime(lines.text);
  const usedInputs = new Map<LayerView, QTensor[]>();
  const ctx: AnalysisContext = { extraItems: input.extraItems, budget: input.budget, trusted };
  // ranges hand-written code states for its parameters (annotations.ts)
  const annotated = trusted ? new Map() : annotationSeeds(analyzer, root, lines.text);
  if (annotated.size > 0) {
    ctx.seeds = annotated;
    ctx.seededBudget = Math.max(input.budget ?? 0, MANIFEST_BUDGET);
  }
  if (manifest) {
    // seeds need the parameters' types (lowering is cached); a layer's inputs are the outputs the code
    // computes now for the layers before it (or the manifest's graph inputs for the first)
    const params = fnParams(analyzer, root, lines.text);
    const byFn = new Map(manifest.layers.map((l) => [l.spec.fn, l]));
    const computed = new Map<number, LayerOutput>();
    ctx.seedsFor = (fn) => {
      const l = byFn.get(fn);
      const ps = params.get(fn);
      if (!l || !ps) return annotated.get(fn);
      const ins = l.inputs.map((_, k) => layerInput(manifest, l, k, computed));
      usedInputs.set(l, ins);
      return seedParams(ps, ins);
    };
    ctx.onUnit = (fn, a) => {
      const l = byFn.get(fn);
      // weights the code does not hold: the next layer starts from the bound proven at generation
      if (l) computed.set(l.spec.index, l.weightsOutside ? { range: l.output.range, elems: null } : layerOutput(a, l));
    };
    ctx.seededBudget = Math.max(input.budget ?? 0, MANIFEST_BUDGET);
  }
  const analysis = analyzer.analyze(root, lines, ctx);
  // the functions of layers whose weights the code does not hold (data contracts, arena buffers written
  // at call time): their arithmetic was proven at generation for those bytes and cannot be re-derived
  // from the code, so what the pattern rules say about them is left out, and one note says why
  const outside = new Set((manifest?.layers ?? []).filter((l) => l.weightsOutside).map((l) => l.spec.fn));
  const findings = analysis.findings.filter((f) => !f.origin.fn || !outside.has(f.origin.fn.split('::')[0]));
  for (const fn of outside) {
    if (fnNames.has(fn)) findings.push(fileFinding(lines, MANIFEST_CODES.weightsOutside, 'information', `\`fn ${fn}\` reads its weights from data contracts or writes them at call time (stylus-ml.json lowering): its bounds are the ones proven at generation, not re-checked from the code`));
  }
  const layers: LayerBinding[] = [];
  if (manifest) {
    for (const l of manifest.layers) {
      const b = bindLayer(analysis, l);
      if (b) layers.push(b);
    }
    for (const b of layers) b.inputs = usedInputs.get(b.layer) ?? b.layer.inputs;
    // a layer whose weights are in data contracts or arena buffers: its bound is the manifest's
    const checked = layers.filter((b) => !b.layer.weightsOutside);
    const bounds = boundFindings(analysis, checked, lines, input.dirtyLines ?? new Set());
    findings.push(...bounds, ...storageFindings(analysis, checked, lines, new Set(bounds.map((f) => `${f.start}:${f.end}`))));
    const isModel = input.filePath ? path.basename(input.filePath) === 'model.rs' || modelRsPath(manifest) === path.resolve(input.filePath) : true;
    if (isModel) {
      for (const l of manifest.layers) {
        if (layers.some((b) => b.layer === l)) continue;
        findings.push(fileFinding(lines, MANIFEST_CODES.missingLayer, 'information', `stylus-ml.json lists layer \`${l.spec.name}\` (${l.spec.onnxOp}) implemented by \`fn ${l.spec.fn}\`, which is not in this file: its bounds are not checked`));
      }
    }
  } else if (input.manifestError && input.filePath && path.basename(input.filePath) === 'model.rs') {
    findings.push(fileFinding(lines, MANIFEST_CODES.unreadable, 'information', `${input.manifestError}: manifest checks are off for this file`));
  }
  findings.sort((a, b) => a.start - b.start || a.code.localeCompare(b.code));
  return { analysis, findings, manifest, layers };
}


function manifestGoverns(m: ManifestView, filePath: string | null, fnNames: Set<string>): boolean {
  const model = modelRsPath(m);
  if (filePath && model && path.resolve(filePath) === model) return true;
  if (filePath && model && path.resolve(filePath) !== model && path.basename(filePath) !== 'model.rs') return false;
  return m.layers.some((l) => fnNames.has(l.spec.fn));
}

function topLevelFnNames(root: Node, text: string): Set<string> {
  const out = new Set<string>();
  for (const n of root.namedChildren) {
    if (n.type === 'function_item') {
      const name = n.childForFieldName('name');
      if (name) out.add(text.slice(name.startIndex, name.endIndex));
    } else if (n.type === 'mod_item' || n.type === 'impl_item') {
      for (const m of n.childForFieldName('body')?.namedChildren ?? []) {
        const name = m.type === 'function_item' ? m.childForFieldName('name') : null;
        if (name) out.add(text.slice(name.startIndex, name.endIndex));
      }
    }
  }
  return out;
}

function fileFinding(lines: LineIndex, code: string, severity: Severity, message: string): Finding {
  const end = lines.starts.length > 1 ? lines.starts[1] - 1 : lines.text.length;
  return { code, rule: 'manifest', severity, message, start: 0, end, range: { start: lines.positionAt(0), end: lines.positionAt(end) }, origin: { item: -1, fn: null, nodeId: -1 } };
}
