// What each graph node shows under its op, by the overlay chosen: its output shape, its share of the
// call's gas, its code bytes, its fixed-point format and proven range, or its measured error. The figures
// are the preview model's (the engine's), gathered by ONNX node name: a node lowered to several layers
// sums their gas and bytes and shows its last layer's format; a node folded into a neighbour (a bias Add
// into its Conv, a Reshape of constants) has no layer of its own. No DOM.
import * as fmt from '../format';
import type { GraphModel, Overlay, PreviewModel } from '../protocol';

export const OVERLAY_LABELS: Record<Overlay, string> = {
  ops: 'Ops and shapes',
  gas: 'Gas (share of the call)',
  bytes: 'Code bytes',
  format: 'Format and proven range',
  error: 'Measured error',
};

export interface NodeOverlay {
  text: string;
  /** the exact figure shown (what tests compare), null when there is none */
  value: number | null;
  /** 0..1: how much of the largest figure, drawn as a bar under the text */
  share: number | null;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

function sumBy<T>(rows: readonly T[], name: (r: T) => string, value: (r: T) => number | null): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rows) {
    const v = value(r);
    if (v === null) continue;
    out.set(name(r), round2((out.get(name(r)) ?? 0) + v));
  }
  return out;
}

/** One overlay for every node of the graph, in graph order. */
export function nodeOverlays(g: GraphModel, m: PreviewModel, overlay: Overlay): NodeOverlay[] {
  const costs = m.layerCosts ?? [];
  switch (overlay) {
    case 'ops':
      return g.nodes.map((n) => ({ text: n.outputShapes.map((s) => (s ? fmt.shape(s) : '?')).join(' ') || '—', value: null, share: null }));
    case 'gas': {
      const gas = sumBy(costs, (l) => l.name, (l) => l.gas);
      const total = [...gas.values()].reduce((a, b) => a + b, 0);
      const max = Math.max(0, ...gas.values());
      return g.nodes.map((n) => {
        const v = gas.get(n.name);
        if (v === undefined) return { text: costs.length ? 'no code of its own' : '—', value: null, share: null };
        return { text: `${fmt.int(v)} gas · ${total > 0 ? fmt.percent(v / total) : '—'}`, value: v, share: max > 0 ? v / max : 0 };
      });
    }
    case 'bytes': {
      const bytes = sumBy(costs, (l) => l.name, (l) => l.codeBytes);
      const max = Math.max(0, ...bytes.values());
      return g.nodes.map((n) => {
        const v = bytes.get(n.name);
        return v === undefined ? { text: costs.length ? 'no code of its own' : '—', value: null, share: null } : { text: `${fmt.int(v)} bytes`, value: v, share: max > 0 ? v / max : 0 };
      });
    }
    case 'format': {
      // a crate's table rows are its manifest's layers (formats known); a bare model's come from the estimate
      // (the last layer of a node wins: its output is the node's)
      const byName = new Map<string, string>();
      for (const l of costs) if (l.format) byName.set(l.name, `${l.format} · ${fmt.range(l.range ?? null)}`);
      if (m.source.kind === 'crate') for (const l of m.layers ?? []) if (l.outputFormat) byName.set(l.name, `${fmt.qformat(l.outputFormat)} · ${fmt.range(l.range)}`);
      return g.nodes.map((n) => ({ text: byName.get(n.name) ?? '—', value: null, share: null }));
    }
    case 'error': {
      const rows = m.perLayer?.layers ?? [];
      const err = new Map<string, number>();
      for (const r of rows) if (r.maxAbsError !== null) err.set(r.name, Math.max(err.get(r.name) ?? 0, r.maxAbsError));
      const max = Math.max(0, ...err.values());
      return g.nodes.map((n) => {
        const v = err.get(n.name);
        return v === undefined ? { text: m.perLayer ? 'not measured' : '—', value: null, share: null } : { text: `max |err| ${fmt.real(v)}`, value: v, share: max > 0 ? v / max : 0 };
      });
    }
  }
}

/** Why an overlay shows no figures yet (null when it has some). */
export function overlayNote(m: PreviewModel, overlay: Overlay): string | null {
  if ((overlay === 'gas' || overlay === 'bytes') && !m.layerCosts?.length) return 'The gas figures appear once the estimate is in.';
  if (overlay === 'error' && !m.perLayer) return 'The per-layer error appears once the accuracy has been measured.';
  return null;
}
