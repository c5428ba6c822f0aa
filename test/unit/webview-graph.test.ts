// Issue 15: the graph view's model (one box per ONNX node, edges as in the file, laid out by dagre), its
// overlays (the engine's figures gathered by node name), the comparison of pinned figures, and a bare
// model's settings as engine flags, remembered per model. Pure modules: no browser needed.
import { strict as assert } from 'node:assert';
import path from 'node:path';
import { describe, test } from 'node:test';
import { importModel } from '../../core/onnx/import';
import { inspectReport } from '../../core/report/inspect';
import { residual, cnn } from '../fixtures/onnx-builder';
import { emptyPreviewModel, type GraphModel, type PreviewModel } from '../../webview/protocol';
import { graphEdges, layoutGraph, NODE_H, NODE_W } from '../../webview/graph/layout';
import { nodeOverlays } from '../../webview/graph/overlays';
import { changedFigures, pin } from '../../webview/compare';
import { fromInspect } from '../../extension/preview-model';
import { boxArgs, loadSettings, saveSettings, settingsKey } from '../../extension/model-settings';
import { corpusAvailable, corpusFile } from '../fixtures/corpus';
import { readFileSync } from 'node:fs';

function graphOf(bytes: Uint8Array, file = 'm.onnx'): { model: PreviewModel; graph: GraphModel } {
  const m = emptyPreviewModel({ kind: 'onnx', path: file, displayName: file });
  fromInspect(m, JSON.parse(JSON.stringify(inspectReport(file, importModel(bytes, { file })))));
  return { model: m, graph: m.graph! };
}

const overlap = (a: { x: number; y: number; w: number; h: number }, b: typeof a) => Math.abs(a.x - b.x) < (a.w + b.w) / 2 && Math.abs(a.y - b.y) < (a.h + b.h) / 2;

describe('graph view', () => {
  test('a residual network: one box per node, every skip connection an edge, no boxes overlapping, data flowing down', () => {
    const { graph } = graphOf(residual({ blocks: 3 }));
    const L = layoutGraph(graph);
    assert.equal(L.nodes.filter((n) => n.kind === 'node').length, graph.nodes.length);
    assert.equal(L.nodes.filter((n) => n.kind !== 'node').length, 2, 'one input, one output');
    // edges: input→fc_in, a chain of 4 + 4·3 nodes (15 links), 3 skips, softmax→output
    assert.equal(L.edges.length, 1 + 15 + 3 + 1);
    const skip = L.edges.filter((e) => e.to === `n${graph.nodes.findIndex((n) => n.name === 'block1.add')}`).map((e) => e.value).sort();
    assert.deepEqual(skip, ['block0.add', 'block1.fc_b']);
    for (let i = 0; i < L.nodes.length; i++) for (let j = i + 1; j < L.nodes.length; j++) assert.ok(!overlap(L.nodes[i], L.nodes[j]), `${L.nodes[i].name} and ${L.nodes[j].name} overlap`);
    const at = new Map(L.nodes.map((n) => [n.id, n]));
    for (const e of L.edges) {
      assert.ok(at.get(e.from)!.y < at.get(e.to)!.y, `${e.from} → ${e.to} goes down`);
      assert.ok(e.points.length >= 2);
    }
    assert.ok(new Set(L.nodes.map((n) => Math.round(n.x))).size > 1, 'a block sits beside its skip connection');
    assert.ok(L.width > NODE_W);
    assert.ok(L.height > NODE_H * graph.nodes.length * 0.5);
  });

  test('a classifier\'s two heads (skl2onnx: label → Cast, probabilities → Normalizer → ZipMap) branch from one node to two outputs', () => {
    for (const [sample, chain] of [['iris-logreg.onnx', ['Normalizer', 'ZipMap']], ['iris-forest.onnx', ['ZipMap']]] as const) {
      const file = path.join(__dirname, '..', '..', 'samples', sample);
      const { graph } = graphOf(readFileSync(file), file);
      const L = layoutGraph(graph);
      const head = L.nodes.find((n) => n.kind === 'node' && n.index === 0)!;
      const out = L.edges.filter((e) => e.from === head.id);
      assert.deepEqual(out.map((e) => e.value).sort(), ['label', sample === 'iris-logreg.onnx' ? 'probability_tensor' : 'probabilities'], `${sample}: two edges leave the classifier`);
      const targets = out.map((e) => L.nodes.find((n) => n.id === e.to)!);
      assert.ok(Math.abs(targets[0].x - targets[1].x) >= NODE_W, `${sample}: the two heads side by side`);
      assert.equal(L.edges.filter((e) => e.to.startsWith('out')).length, 2, `${sample}: both graph outputs are reached`);
      const ops = graph.nodes.map((n) => n.op);
      for (const op of chain) assert.ok(ops.includes(op));
    }
  });

  test('mnist-8: 12 nodes and the 13 edges of the file (a Reshape of constants feeds the MatMul)', { skip: !corpusAvailable() && 'no corpus' }, () => {
    const { graph } = graphOf(readFileSync(corpusFile('zoo/mnist-8/model.onnx')), 'mnist-8.onnx');
    assert.equal(graph.nodes.length, 12);
    const edges = graphEdges(graph);
    assert.equal(edges.length, 13);
    const times = graph.nodes.findIndex((n) => n.name === 'Times212');
    assert.deepEqual(edges.filter((e) => e.to === `n${times}`).map((e) => graph.nodes[Number(e.from.slice(1))].name).sort(), ['Times212_reshape0', 'Times212_reshape1']);
    assert.ok(!edges.some((e) => e.value === 'Parameter5'), 'an initializer is no edge');
  });

  test('overlays gather the engine\'s per-layer figures by node name; folded nodes have none', () => {
    const { model, graph } = graphOf(cnn({ seed: 3 }));
    model.layerCosts = [
      { name: 'conv', op: 'conv2d', ink: 1000, gas: 100.25, codeBytes: 600, format: 'i16 Q.12', range: [-2, 2] },
      { name: 'relu', op: 'relu', ink: 100, gas: 10.1, codeBytes: 40, format: 'i16 Q.12', range: [0, 2] },
      { name: 'relu', op: 'relu', ink: 100, gas: 0.2, codeBytes: 2, format: 'i16 Q.11', range: [0, 3] },
      { name: 'fc', op: 'matmul', ink: 500, gas: 50, codeBytes: 900, format: 'i16 Q.9', range: [-9, 9] },
    ];
    const gas = nodeOverlays(graph, model, 'gas');
    const byName = (name: string) => gas[graph.nodes.findIndex((n) => n.name === name)];
    assert.equal(byName('conv').value, 100.25);
    assert.equal(byName('relu').value, 10.3, 'two layers of one node: their sum');
    assert.equal(byName('conv').share, 1);
    assert.match(byName('conv').text, /^100 gas · 62\.4%$/);
    assert.equal(byName('flatten').value, null);
    assert.equal(byName('flatten').text, 'no code of its own');
    assert.equal(nodeOverlays(graph, model, 'bytes')[graph.nodes.findIndex((n) => n.name === 'fc')].value, 900);
    assert.match(nodeOverlays(graph, model, 'format')[graph.nodes.findIndex((n) => n.name === 'relu')].text, /^i16 Q\.11 · \[0, 3\]$/, 'the node\'s last layer');
    assert.equal(nodeOverlays(graph, model, 'error')[0].text, '—', 'no error before the accuracy run');
  });

  test('changed figures: only a figure that differs from the last one seen (partial models skip figures)', () => {
    const m = emptyPreviewModel({ kind: 'onnx', path: '/m.onnx', displayName: 'm' });
    const seen = new Map<string, number>();
    m.call = { executionGas: { min: 1, typical: 10_000, max: 1 }, totalTxGas: { min: 1, typical: 40_000, max: 1 }, breakdown: [], provenance: 'estimate' };
    assert.deepEqual(changedFigures(seen, m), []);
    const partial = { ...m, call: null };
    assert.deepEqual(changedFigures(seen, partial), []);
    const next = structuredClone(m);
    next.call!.totalTxGas.typical = 38_000;
    assert.deepEqual(changedFigures(seen, next), [{ id: 'gas-total-typical', text: 'Predict transaction (typical): 40,000 gas → 38,000 gas' }]);
    const p = pin(next);
    assert.equal(p.totalTxGas, 38_000);
    assert.equal(p.deployGas, null);
    assert.match(p.label, /weights auto/);
  });

  test('a bare model\'s settings: engine flags, remembered per model path', async () => {
    assert.deepEqual(boxArgs(undefined, ['x']), []);
    assert.deepEqual(boxArgs({ mode: 'default' }, ['x'], '-1:1'), ['--input-range', '-1:1']);
    assert.deepEqual(boxArgs({ mode: 'range', range: [0, 16] }, ['x']), ['--input-range', '0:16']);
    assert.deepEqual(boxArgs({ mode: 'per-input', perInput: { a: [0, 1], b: [-2, 2] } }, ['a', 'b']), ['--input-range', 'a=0:1,b=-2:2']);
    assert.deepEqual(boxArgs({ mode: 'per-input', perInput: { a: [0, 1] } }, ['a', 'b'], '-1:1'), ['--input-range', '-1:1'], 'an input without a range: the default');
    assert.deepEqual(boxArgs({ mode: 'calibration', calibration: '/d/cal.json', shape: 'per-value', margin: 0.25 }, ['x']), ['--calibration', '/d/cal.json', '--box', 'per-value', '--box-margin', '0.25']);
    const store = new Map<string, unknown>();
    const memento = { get: <T>(k: string) => store.get(k) as T | undefined, update: async (k: string, v: unknown) => void store.set(k, v) };
    assert.deepEqual(loadSettings(memento, '/w/m.onnx'), { format: 'auto', optimize: 'as generated' });
    const chosen = { format: 'i8' as const, optimize: 'gas' as const, box: { mode: 'range' as const, range: [0, 16] as [number, number] } };
    await saveSettings(memento, '/w/m.onnx', chosen);
    assert.deepEqual(loadSettings(memento, '/w/./m.onnx'), chosen);
    assert.deepEqual(loadSettings(memento, '/w/other.onnx'), { format: 'auto', optimize: 'as generated' }, 'per model');
    store.set(settingsKey('/w/m.onnx'), { format: 'f64' });
    assert.deepEqual(loadSettings(memento, '/w/m.onnx'), { format: 'auto', optimize: 'as generated' }, 'a stored value that no longer parses is dropped');
    assert.equal(path.isAbsolute(settingsKey('m.onnx').split(':').slice(1).join(':')), true);
  });
});
