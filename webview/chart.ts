// Horizontal SVG bar chart (one bar per layer). Built with createElementNS; labels are text nodes.
import { s } from './dom';
import { int } from './format';

export interface Bar {
  label: string;
  value: number;
}

const ROW = 22;
const LABEL_W = 180;
const VALUE_W = 90;
const WIDTH = 640;

export function barChart(bars: readonly Bar[], title: string): SVGElement {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const plotW = WIDTH - LABEL_W - VALUE_W;
  const height = bars.length * ROW + 8;
  const svg = s('svg', {
    viewBox: `0 0 ${WIDTH} ${height}`,
    width: '100%',
    role: 'img',
    'aria-label': title,
    class: 'bar-chart',
    'data-testid': 'gas-chart',
  });
  svg.appendChild(s('title', {}, title));
  bars.forEach((b, i) => {
    const y = 4 + i * ROW;
    const w = Math.max(1, Math.round((b.value / max) * plotW));
    const label = b.label.length > 26 ? `${b.label.slice(0, 25)}…` : b.label;
    svg.appendChild(s('text', { x: LABEL_W - 6, y: y + 15, 'text-anchor': 'end', class: 'chart-label' }, label));
    svg.appendChild(s('rect', { x: LABEL_W, y: y + 3, width: w, height: ROW - 8, class: 'chart-bar' }, s('title', {}, `${b.label}: ${int(b.value)} gas`)));
    svg.appendChild(s('text', { x: LABEL_W + w + 6, y: y + 15, class: 'chart-value' }, int(b.value)));
  });
  return svg;
}
