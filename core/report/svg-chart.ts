// A small self-contained SVG line chart with logarithmic axes (powers of ten), for the feasibility
// report: no scripts, no external fonts, text escaped, so it renders the same in a browser, on GitHub
// and in VS Code's markdown preview.

export interface Series {
  name: string;
  color: string;
  points: { x: number; y: number; label?: string }[];
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  width?: number;
  height?: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function decades(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
  return out;
}

const tick = (v: number) => (v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : String(v));

export function logLogChart(spec: ChartSpec): string {
  const W = spec.width ?? 720;
  const H = spec.height ?? 420;
  const m = { l: 72, r: 180, t: 40, b: 56 };
  const pts = spec.series.flatMap((s) => s.points).filter((p) => p.x > 0 && p.y > 0);
  if (pts.length === 0) throw new Error(`chart '${spec.title}': no positive points to plot`);
  const xs = decades(Math.min(...pts.map((p) => p.x)), Math.max(...pts.map((p) => p.x)));
  const ys = decades(Math.min(...pts.map((p) => p.y)), Math.max(...pts.map((p) => p.y)));
  const [x0, x1] = [Math.log10(xs[0]), Math.log10(xs[xs.length - 1])];
  const [y0, y1] = [Math.log10(ys[0]), Math.log10(ys[ys.length - 1])];
  const px = (x: number) => m.l + ((Math.log10(x) - x0) / Math.max(x1 - x0, 1e-9)) * (W - m.l - m.r);
  const py = (y: number) => H - m.b - ((Math.log10(y) - y0) / Math.max(y1 - y0, 1e-9)) * (H - m.t - m.b);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2 - m.r / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(spec.title)}</text>`);
  for (const x of xs) {
    out.push(`<line x1="${px(x).toFixed(1)}" y1="${m.t}" x2="${px(x).toFixed(1)}" y2="${H - m.b}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${px(x).toFixed(1)}" y="${H - m.b + 18}" text-anchor="middle">${tick(x)}</text>`);
  }
  for (const y of ys) {
    out.push(`<line x1="${m.l}" y1="${py(y).toFixed(1)}" x2="${W - m.r}" y2="${py(y).toFixed(1)}" stroke="#e3e3e3"/>`);
    out.push(`<text x="${m.l - 8}" y="${(py(y) + 4).toFixed(1)}" text-anchor="end">${tick(y)}</text>`);
  }
  out.push(`<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#555"/>`);
  out.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 14}" text-anchor="middle">${esc(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`);
  spec.series.forEach((s, i) => {
    const p = [...s.points].filter((q) => q.x > 0 && q.y > 0).sort((a, b) => a.x - b.x);
    if (p.length > 1) out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${p.map((q) => `${px(q.x).toFixed(1)},${py(q.y).toFixed(1)}`).join(' ')}"/>`);
    for (const q of p) out.push(`<circle cx="${px(q.x).toFixed(1)}" cy="${py(q.y).toFixed(1)}" r="4" fill="${s.color}"><title>${esc(`${s.name}: ${q.label ?? ''} (${q.x}, ${Math.round(q.y)})`)}</title></circle>`);
    const ly = m.t + 16 + i * 22;
    out.push(`<rect x="${W - m.r + 16}" y="${ly - 9}" width="14" height="14" fill="${s.color}"/>`);
    out.push(`<text x="${W - m.r + 36}" y="${ly + 3}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
