// The graph view: the laid-out ONNX graph as SVG (layout.ts), with the chosen overlay under each node's op
// (overlays.ts), zoom, pan and fit, and keyboard access. It lives across the page's re-renders (the page is
// rebuilt on every message): the layout is recomputed only when the graph changes, the overlay texts when
// the figures change, and the zoom, pan and selection stay where the reader left them.
//
// Keyboard (the nodes are one tab stop, a roving tabindex): arrows move to a connected node (down: the
// first consumer, up: the first producer, left/right: the neighbours in the same layer), Home/End the first
// and last, Enter or Space activates (selects the table row; in a crate, opens the function in model.rs),
// + and - zoom, 0 fits. Ctrl+wheel zooms at the pointer, dragging pans.
import { s } from '../dom';
import type { GraphModel, PreviewModel, Overlay } from '../protocol';
import { layoutGraph, type GraphLayout, type GraphNodeBox } from './layout';
import { nodeOverlays } from './overlays';

export interface GraphViewEvents {
  /** a node was selected (click, keyboard) */
  select(name: string): void;
  /** a node was activated (click, Enter) */
  activate(name: string): void;
}

const MIN_K = 0.05;
const MAX_K = 3;
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export class GraphView {
  /** the viewport (an <svg> the page places in its graph section) */
  readonly element: SVGSVGElement;
  private readonly content: SVGGElement;
  private readonly announcer: HTMLElement;
  private layout: GraphLayout | null = null;
  private key = '';
  private graph: GraphModel | null = null;
  private nodeEls = new Map<string, SVGGElement>();
  private k = 1;
  private tx = 0;
  private ty = 0;
  private fitted = false;
  private selectedId: string | null = null;
  private focusId: string | null = null;
  /** ms from a new graph's arrival to its nodes being in the page (the last one drawn) */
  lastRenderMs: number | null = null;

  constructor(private readonly events: GraphViewEvents) {
    this.element = s('svg', { class: 'graph-viewport', 'data-testid': 'graph', role: 'group', 'aria-roledescription': 'model graph', tabindex: -1 }) as SVGSVGElement;
    const defs = s('defs', {}, s('marker', { id: 'graph-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'graph-arrowhead' })));
    this.content = s('g', { class: 'graph-content' }) as SVGGElement;
    this.element.append(defs, this.content);
    this.announcer = document.createElement('div');
    this.announcer.className = 'visually-hidden';
    this.announcer.setAttribute('aria-live', 'polite');
    this.wire();
  }

  /** An element for screen readers: what the selection is (placed next to the viewport by the page). */
  get liveRegion(): HTMLElement {
    return this.announcer;
  }

  /** Draws `g` (laid out again only when it changed) with the overlay's figures from `m`. */
  update(g: GraphModel, m: PreviewModel, overlay: Overlay, selected: string | null): void {
    const key = JSON.stringify(g);
    const t0 = performance.now();
    if (key !== this.key) {
      this.key = key;
      this.graph = g;
      this.layout = layoutGraph(g);
      this.draw();
      this.fitted = false;
      this.lastRenderMs = performance.now() - t0;
      this.element.dataset.renderMs = this.lastRenderMs.toFixed(1);
      // when the frame with the new graph has been painted (epoch ms: the bench compares it with its click)
      requestAnimationFrame(() => setTimeout(() => (this.element.dataset.paintedAt = String(performance.timeOrigin + performance.now()))));
      this.element.dataset.nodes = String(g.nodes.length);
      this.element.dataset.edges = String(this.layout.edges.length);
    }
    this.label(m, overlay);
    this.select(selected === null ? null : this.idOf(selected), false);
  }

  private idOf(name: string): string | null {
    return this.layout?.nodes.find((n) => n.kind === 'node' && n.name === name)?.id ?? null;
  }

  private box(id: string): GraphNodeBox | undefined {
    return this.layout?.nodes.find((n) => n.id === id);
  }

  private draw(): void {
    const L = this.layout!;
    const g = this.graph!;
    this.nodeEls.clear();
    const edges = s('g', { class: 'graph-edges' });
    for (const e of L.edges) {
      const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
      edges.appendChild(s('path', { d, class: 'graph-edge', 'data-testid': 'graph-edge', 'data-from': e.from, 'data-to': e.to, 'marker-end': 'url(#graph-arrow)' }, s('title', {}, e.value)));
    }
    const nodes = s('g', { class: 'graph-nodes' });
    for (const b of L.nodes) {
      const x = b.x - b.w / 2;
      const y = b.y - b.h / 2;
      if (b.kind !== 'node') {
        const io = s(
          'g',
          { class: `graph-terminal ${b.kind}`, 'data-testid': 'graph-io', transform: `translate(${x},${y})` },
          s('rect', { width: b.w, height: b.h, rx: b.h / 2 }),
          s('text', { x: b.w / 2, y: b.h / 2 + 4, 'text-anchor': 'middle' }, clip(`${b.kind} · ${b.name}`, 28)),
          s('title', {}, `graph ${b.kind} ${b.name}${b.kind === 'input' ? ` ${JSON.stringify(g.inputs[b.index].shape)}` : ''}`),
        );
        nodes.appendChild(io);
        continue;
      }
      const n = g.nodes[b.index];
      const el = s(
        'g',
        {
          class: `graph-node${n.supported ? '' : ' unsupported'}`,
          'data-testid': 'graph-node',
          'data-node': n.name,
          'data-index': b.index,
          id: `graph-${b.id}`,
          role: 'button',
          tabindex: -1,
          transform: `translate(${x},${y})`,
        },
        s('rect', { class: 'graph-node-box', width: b.w, height: b.h, rx: 4 }),
        s('text', { class: 'graph-op', x: 10, y: 17 }, clip(n.domain ? `${n.op} (${n.domain})` : n.op, 26)),
        s('text', { class: 'graph-name', x: 10, y: 32 }, clip(n.name, 28)),
        s('text', { class: 'graph-overlay', x: 10, y: 47 }),
        s('rect', { class: 'graph-share', x: 0, y: b.h - 3, width: 0, height: 3 }),
        s('title', {}, n.name),
      ) as SVGGElement;
      this.nodeEls.set(b.id, el);
      nodes.appendChild(el);
    }
    this.content.replaceChildren(edges, nodes);
    const first = L.nodes.find((n) => n.kind === 'node');
    this.setFocusable(this.selectedId ?? first?.id ?? null);
    this.element.setAttribute('aria-label', `Model graph: ${g.nodes.length} nodes, ${L.edges.length} edges. Arrow keys move between connected nodes, Enter opens one, plus and minus zoom, 0 fits.`);
  }

  /** The overlay texts and bars, and each node's accessible name. */
  private label(m: PreviewModel, overlay: Overlay): void {
    const g = this.graph!;
    const o = nodeOverlays(g, m, overlay);
    for (const [id, el] of this.nodeEls) {
      const i = Number(el.dataset.index);
      const n = g.nodes[i];
      const text = el.querySelector('.graph-overlay')!;
      text.textContent = clip(o[i].text, 30);
      if (o[i].value === null) el.removeAttribute('data-value');
      else el.setAttribute('data-value', String(o[i].value));
      const bar = el.querySelector('.graph-share')!;
      const w = this.box(id)!.w;
      bar.setAttribute('width', o[i].share === null ? '0' : (o[i].share! * w).toFixed(1));
      el.setAttribute('aria-label', `${n.op} node ${n.name}${n.supported ? '' : ' (unsupported)'}: ${o[i].text}`);
    }
  }

  // ---- selection and focus -----------------------------------------------------------------------

  private setFocusable(id: string | null): void {
    if (this.focusId && this.nodeEls.get(this.focusId)) this.nodeEls.get(this.focusId)!.setAttribute('tabindex', '-1');
    this.focusId = id;
    if (id) this.nodeEls.get(id)?.setAttribute('tabindex', '0');
  }

  /** Marks a node selected (null: none); `fromUser` also moves the focus to it and tells the page. */
  select(id: string | null, fromUser: boolean, activate = false): void {
    const before = this.selectedId ? this.nodeEls.get(this.selectedId) : undefined;
    before?.classList.remove('selected');
    before?.removeAttribute('aria-current');
    this.selectedId = id && this.nodeEls.has(id) ? id : null;
    const el = this.selectedId ? this.nodeEls.get(this.selectedId)! : null;
    el?.classList.add('selected');
    el?.setAttribute('aria-current', 'true');
    if (!el) return;
    this.setFocusable(this.selectedId);
    if (fromUser) {
      el.focus({ preventScroll: true });
      this.ensureVisible(this.selectedId!);
      this.announcer.textContent = el.getAttribute('aria-label') ?? '';
      const name = el.dataset.node!;
      this.events.select(name);
      if (activate) this.events.activate(name);
    } else if (this.fitted) this.ensureVisible(this.selectedId!);
  }

  /** Scrolls a selected node into the view (on a reveal from model.rs). */
  reveal(name: string): void {
    const id = this.idOf(name);
    if (!id) return;
    this.select(id, false);
    this.ensureVisible(id, true);
    this.nodeEls.get(id)?.focus({ preventScroll: true });
  }

  // ---- zoom, pan, fit ----------------------------------------------------------------------------

  private apply(): void {
    this.content.setAttribute('transform', `translate(${this.tx.toFixed(1)},${this.ty.toFixed(1)}) scale(${this.k.toFixed(4)})`);
    this.element.dataset.zoom = this.k.toFixed(3);
  }

  private viewSize(): { w: number; h: number } {
    const r = this.element.getBoundingClientRect();
    return { w: r.width || 600, h: r.height || 400 };
  }

  /** The whole graph in the view (`readable`: at a legible size, the top of a tall graph, its width fitted). */
  fit(readable = false): void {
    if (!this.layout) return;
    const { w, h } = this.viewSize();
    const L = this.layout;
    let k = Math.min(w / L.width, h / L.height, 1);
    if (readable && k < 0.6) k = Math.min(1, Math.max(0.6, w / L.width));
    this.k = Math.max(MIN_K, k);
    this.tx = (w - L.width * this.k) / 2;
    this.ty = L.height * this.k <= h ? (h - L.height * this.k) / 2 : 0;
    this.fitted = true;
    this.apply();
  }

  /** The first fit, once the viewport has a size (after the page placed it). */
  fitOnce(): void {
    if (!this.fitted && this.element.isConnected && this.element.getBoundingClientRect().width > 0) this.fit(true);
    if (this.selectedId) this.ensureVisible(this.selectedId);
  }

  zoomBy(factor: number, at?: { x: number; y: number }): void {
    const { w, h } = this.viewSize();
    const p = at ?? { x: w / 2, y: h / 2 };
    const k = Math.min(MAX_K, Math.max(MIN_K, this.k * factor));
    this.tx = p.x - ((p.x - this.tx) * k) / this.k;
    this.ty = p.y - ((p.y - this.ty) * k) / this.k;
    this.k = k;
    this.apply();
  }

  private ensureVisible(id: string, center = false): void {
    const b = this.box(id);
    if (!b) return;
    const { w, h } = this.viewSize();
    const x = b.x * this.k + this.tx;
    const y = b.y * this.k + this.ty;
    const mx = (b.w / 2) * this.k + 8;
    const my = (b.h / 2) * this.k + 8;
    if (center || x - mx < 0 || x + mx > w) this.tx += w / 2 - x;
    if (center || y - my < 0 || y + my > h) this.ty += h / 2 - y;
    this.apply();
  }

  // ---- input -------------------------------------------------------------------------------------

  private neighbour(id: string, key: string): string | null {
    const L = this.layout!;
    const boxes = L.nodes.filter((n) => n.kind === 'node');
    const here = this.box(id)!;
    if (key === 'ArrowDown' || key === 'ArrowUp') {
      const down = key === 'ArrowDown';
      const next = L.edges.filter((e) => (down ? e.from : e.to) === id).map((e) => (down ? e.to : e.from)).filter((n) => n.startsWith('n'));
      const pick = next.map((n) => this.box(n)!).sort((a, b) => a.x - b.x)[0];
      if (pick) return pick.id;
      // no edge that way (a chain's end, a constant): the nearest node above or below
      const cands = boxes.filter((b) => (down ? b.y > here.y + 1 : b.y < here.y - 1)).sort((a, b) => Math.abs(a.y - here.y) - Math.abs(b.y - here.y) || Math.abs(a.x - here.x) - Math.abs(b.x - here.x));
      return cands[0]?.id ?? null;
    }
    if (key === 'ArrowLeft' || key === 'ArrowRight') {
      const row = boxes.filter((b) => Math.abs(b.y - here.y) < 1).sort((a, b) => a.x - b.x);
      const i = row.findIndex((b) => b.id === id);
      return row[i + (key === 'ArrowRight' ? 1 : -1)]?.id ?? null;
    }
    if (key === 'Home' || key === 'End') {
      const sorted = [...boxes].sort((a, b) => a.y - b.y || a.x - b.x);
      return (key === 'Home' ? sorted[0] : sorted.at(-1))?.id ?? null;
    }
    return null;
  }

  private wire(): void {
    const el = this.element;
    let drag: { x: number; y: number; tx: number; ty: number; moved: boolean; id: string | null } | null = null;
    el.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      const node = (e.target as Element).closest('.graph-node') as SVGGElement | null;
      drag = { x: e.clientX, y: e.clientY, tx: this.tx, ty: this.ty, moved: false, id: node?.id.replace(/^graph-/, '') ?? null };
      el.setPointerCapture(e.pointerId);
    });
    el.addEventListener('pointermove', (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      drag.moved = true;
      el.classList.add('panning');
      this.tx = drag.tx + dx;
      this.ty = drag.ty + dy;
      this.apply();
    });
    const end = (e: PointerEvent) => {
      if (!drag) return;
      const d = drag;
      drag = null;
      el.classList.remove('panning');
      if (el.hasPointerCapture(e.pointerId)) el.releasePointerCapture(e.pointerId);
      if (!d.moved && d.id && e.type === 'pointerup') this.select(d.id, true, true);
    };
    el.addEventListener('pointerup', end);
    el.addEventListener('pointercancel', end);
    el.addEventListener(
      'wheel',
      (e) => {
        if (!e.ctrlKey && !e.metaKey) return; // a plain wheel scrolls the page
        e.preventDefault();
        const r = el.getBoundingClientRect();
        this.zoomBy(Math.exp(-e.deltaY / 300), { x: e.clientX - r.left, y: e.clientY - r.top });
      },
      { passive: false },
    );
    el.addEventListener('keydown', (e) => {
      const id = this.focusId;
      if (e.key === '+' || e.key === '=') this.zoomBy(1.25);
      else if (e.key === '-' || e.key === '_') this.zoomBy(0.8);
      else if (e.key === '0') this.fit();
      else if ((e.key === 'Enter' || e.key === ' ') && id) this.select(id, true, true);
      else if (id && ['ArrowDown', 'ArrowUp', 'ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key)) {
        const next = this.neighbour(id, e.key);
        if (next) this.select(next, true);
      } else return;
      e.preventDefault();
    });
    // focusing the viewport itself (it is not a tab stop) passes the focus to the current node
    el.addEventListener('focus', () => {
      if (this.focusId) this.nodeEls.get(this.focusId)?.focus({ preventScroll: true });
    });
  }
}
