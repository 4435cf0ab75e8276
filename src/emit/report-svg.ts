/**
 * @fileoverview Inline SVG charts for report.html, drawn here (no chart library): horizontal bar charts (linear or
 * log scale), per-resource stacked share bars with a board-utilization gauge, and the memory map of the chip's
 * BRAM18 and URAM blocks. Output is a pure function of the input (no ids from counters, no dates), and every text
 * from the model goes through `htmlText` (src/util/escape.ts).
 */
import type { BoardResources, MemoryPlacement } from '../plan/types.js';
import { htmlText } from '../util/escape.js';

/** 1234567 → "1,234,567" (locale-independent, so bytes never depend on the machine). */
export function fmtInt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const s = String(Math.round(Math.abs(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${s}` : s;
}

/** Compact axis label: 950, 1.2k, 34M. */
export function si(v: number): string {
  if (!Number.isFinite(v)) return '∞';
  const units: [number, string][] = [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [f, u] of units) if (Math.abs(v) >= f) return `${+(v / f).toPrecision(3)}${u}`;
  return String(+v.toPrecision(3));
}

export function pct(x: number): string {
  if (!Number.isFinite(x)) return '∞';
  return `${(100 * x).toFixed(x < 0.001 && x > 0 ? 2 : 1)}%`;
}

/** Color of series i (golden-angle hues: neighbours differ, the same index always gives the same color). */
export function seriesColor(i: number, offset = 0): string {
  const hue = ((i * 137.508 + offset) % 360).toFixed(1);
  return `hsl(${hue},${i % 2 ? 50 : 62}%,${i % 3 === 1 ? 42 : 55}%)`;
}

const W = 960;
const FONT = 'font-size="11"';

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function labelWidth(labels: readonly string[]): number {
  return Math.min(230, Math.max(60, ...labels.map((l) => 12 + 6.2 * Math.min(l.length, 34))));
}

export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly title: string;
  readonly color: string;
}

/** Axis ticks (1/2/5 × 10^k) for a linear scale up to `max`. */
function niceTicks(max: number): number[] {
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let t = 0; t <= max * 1.0001; t += step) ticks.push(+t.toPrecision(12));
  return ticks;
}

/**
 * Horizontal bar chart, one row per bar. Log scale when the positive values span more than two decades (zeros
 * then get no bar); `scale` says which was used.
 */
export function barChart(cls: string, bars: readonly Bar[], unit: string): { svg: string; scale: 'log' | 'linear' } {
  const pos = bars.map((b) => b.value).filter((v) => v > 0);
  const max = pos.length ? Math.max(...pos) : 1;
  const min = pos.length ? Math.min(...pos) : 1;
  const log = max / min > 100;
  const lw = labelWidth(bars.map((b) => b.label));
  const x0 = lw, plotW = W - lw - 80, rowH = 18, top = 22;
  const lo = log ? Math.floor(Math.log10(min)) : 0;
  const hi = log ? Math.max(lo + 1, Math.ceil(Math.log10(max))) : 0;
  const ticks = log ? Array.from({ length: hi - lo + 1 }, (_, k) => 10 ** (lo + k)) : niceTicks(max);
  const tMax = log ? 10 ** hi : Math.max(max, ticks[ticks.length - 1]);
  const x = (v: number) => (log ? (v > 0 ? ((Math.log10(v) - lo) / (hi - lo)) * plotW : 0) : (v / tMax) * plotW);
  const h = top + bars.length * rowH + 6;
  const out = [`<svg class="chart ${cls}" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" role="img" ${FONT}>`];
  for (const t of ticks) {
    const tx = (x0 + x(t)).toFixed(1);
    out.push(`<line class="grid" x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${h - 4}"/><text x="${tx}" y="${top - 8}" text-anchor="middle" fill="#666">${si(t)}</text>`);
  }
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const bw = Math.max(b.value > 0 ? 1 : 0, x(b.value));
    out.push(`<g class="bar"><title>${htmlText(b.title)}</title>` +
      `<text x="${x0 - 6}" y="${y + 12.5}" text-anchor="end">${htmlText(truncate(b.label, 34))}</text>` +
      `<rect x="${x0}" y="${y + 2}" width="${bw.toFixed(1)}" height="${rowH - 4}" fill="${b.color}"/>` +
      `<text x="${(x0 + bw + 4).toFixed(1)}" y="${y + 12.5}" fill="#333">${htmlText(si(b.value))}${unit ? ` ${htmlText(unit)}` : ''}</text></g>`);
  });
  out.push('</svg>');
  return { svg: out.join('\n'), scale: log ? 'log' : 'linear' };
}

export interface ResourceRow {
  readonly label: string;
  readonly used: number;
  readonly available: number;
  /** Per-layer parts (name, amount, color); `used` minus their sum is drawn as "shared / not per layer". */
  readonly parts: readonly { readonly name: string; readonly value: number; readonly color: string }[];
}

/**
 * One row per resource: a bar whose segments are each layer's share of what the design uses, and under it a thin
 * gauge of the board's capacity used (red past 100%).
 */
export function resourceChart(rows: readonly ResourceRow[], board: string): string {
  const lw = 70, barW = W - lw - 250, rowH = 40;
  const h = rows.length * rowH + 8;
  const out = [`<svg class="chart chart-resources" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" role="img" ${FONT}>`];
  rows.forEach((r, i) => {
    const y = 6 + i * rowH;
    const total = Math.max(r.used, r.parts.reduce((s, p) => s + p.value, 0));
    out.push(`<text x="${lw - 8}" y="${y + 13}" text-anchor="end" font-weight="600">${htmlText(r.label)}</text>`);
    out.push(`<rect class="track" x="${lw}" y="${y + 2}" width="${barW}" height="16" fill="#f1f1f1"/>`);
    let acc = 0;
    const seg = (name: string, value: number, fill: string) => {
      if (value <= 0 || total <= 0) return;
      const sx = lw + (acc / total) * barW, sw = (value / total) * barW;
      acc += value;
      out.push(`<rect class="seg" x="${sx.toFixed(2)}" y="${y + 2}" width="${sw.toFixed(2)}" height="16" fill="${fill}" stroke="#fff" stroke-width="0.5"><title>${htmlText(`${name}: ${fmtInt(value)} ${r.label} (${pct(value / total)} of the design's, ${pct(r.available ? value / r.available : 0)} of ${board})`)}</title></rect>`);
    };
    r.parts.forEach((p) => seg(p.name, p.value, p.color));
    seg('memories and logic not attributed to a layer', r.used - acc, 'url(#hatch)');
    const u = r.available ? r.used / r.available : r.used ? Infinity : 0;
    const gw = Math.min(1, u) * barW;
    const gc = u > 1 ? '#c62828' : u > 0.8 ? '#ef8f00' : '#2e7d32';
    out.push(`<rect class="gauge" x="${lw}" y="${y + 22}" width="${barW}" height="6" fill="#e4e4e4"><title>${htmlText(`${board}: ${fmtInt(r.available)} ${r.label}`)}</title></rect>` +
      `<rect class="gauge-fill" x="${lw}" y="${y + 22}" width="${gw.toFixed(2)}" height="6" fill="${gc}"/>`);
    const note = total <= 0 ? 'none used' : '';
    out.push(`<text x="${lw + barW + 10}" y="${y + 13}">${fmtInt(r.used)} / ${fmtInt(r.available)}${r.available ? ` (${pct(u)} of board)` : ' (none on board)'}${note ? ` — ${note}` : ''}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

/** Which BRAM18/URAM cells each memory gets (in plan order), for the memory map. */
export interface MapEntry {
  readonly index: number; // 1-based number shown in the legend and on the map
  readonly mem: MemoryPlacement;
  readonly color: string;
}

function grid(cls: string, title: string, capacity: number, entries: readonly MapEntry[], unit: string, idSuffix: string): string {
  const used = entries.reduce((s, e) => s + e.mem.blocks, 0);
  const cells = Math.max(capacity, used);
  const cols = Math.min(96, Math.max(16, Math.ceil(Math.sqrt(Math.max(capacity, 1) * 3))));
  const cell = Math.max(7, Math.min(18, Math.floor(940 / cols)));
  const rows = Math.ceil(cells / cols);
  const capRows = Math.floor(capacity / cols), capRest = capacity % cols;
  const top = 20, h = top + rows * cell + 4, w = Math.max(cols * cell + 2, 420);
  const out = [`<svg class="chart memmap ${cls}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" ${FONT}>`,
    `<text x="0" y="13" font-weight="600">${htmlText(title)}: ${fmtInt(used)} of ${fmtInt(capacity)} ${unit} allocated${used > capacity ? ` (${fmtInt(used - capacity)} over capacity)` : ''}</text>`,
    `<defs><pattern id="free-${idSuffix}" width="${cell}" height="${cell}" patternUnits="userSpaceOnUse"><rect x="0.5" y="0.5" width="${cell - 1}" height="${cell - 1}" fill="#dcdcdc"/></pattern></defs>`,
    `<g transform="translate(1,${top})">`,
    `<g class="free"><title>${htmlText(`unused ${unit}`)}</title>`];
  if (capRows) out.push(`<rect x="0" y="0" width="${cols * cell}" height="${capRows * cell}" fill="url(#free-${idSuffix})"/>`);
  if (capRest) out.push(`<rect x="0" y="${capRows * cell}" width="${capRest * cell}" height="${cell}" fill="url(#free-${idSuffix})"/>`);
  out.push('</g>');
  let k = 0;
  for (const e of entries) {
    const m = e.mem;
    const tip = `#${e.index} ${m.name} (${m.role}, ${m.kind}): ${fmtInt(m.blocks)} ${unit}, ${fmtInt(m.words)} words × ${m.bits} bits in ${m.banks} bank(s), ${pct(m.capacityBits ? (m.words * m.bits) / m.capacityBits : 0)} filled${m.sharedWith?.length ? `; shared with ${m.sharedWith.join(', ')}` : ''}`;
    out.push(`<g class="mem" data-index="${e.index}"><title>${htmlText(tip)}</title>`);
    for (let b = 0; b < m.blocks; b++, k++) {
      const cx = (k % cols) * cell, cy = Math.floor(k / cols) * cell;
      const over = k >= capacity ? ' stroke="#c62828" stroke-width="1.5"' : '';
      out.push(`<rect class="blk" x="${cx + 0.5}" y="${cy + 0.5}" width="${cell - 1}" height="${cell - 1}" fill="${e.color}"${over}/>`);
      if (b === 0 && cell >= 12) out.push(`<text x="${cx + cell / 2}" y="${cy + cell / 2 + 3}" text-anchor="middle" font-size="${e.index > 99 ? 6 : 8}" fill="#fff">${e.index}</text>`);
    }
    out.push('</g>');
  }
  out.push('</g></svg>');
  return out.join('\n');
}

/**
 * The chip's block RAMs as grids (one cell per BRAM18, one per URAM), cells allocated to each memory colored and
 * numbered, unused cells grey, cells past the board's capacity outlined in red.
 */
export function memoryMap(board: BoardResources, entries: readonly MapEntry[]): string {
  const bram = entries.filter((e) => e.mem.kind === 'bram18' || e.mem.kind === 'bram36');
  const uram = entries.filter((e) => e.mem.kind === 'uram');
  const parts = [grid('memmap-bram', `BRAM18 (${board.part})`, board.bram18, bram, 'BRAM18', 'bram')];
  if (board.uram > 0 || uram.length) parts.push(grid('memmap-uram', 'UltraRAM', board.uram, uram, 'URAM', 'uram'));
  else parts.push(`<p class="note">${htmlText(board.part)} has no UltraRAM.</p>`);
  return parts.join('\n');
}

/** Shared SVG definitions (the hatch used for unattributed resources); put once in the page. */
export const SVG_DEFS = '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#bdbdbd"/><line x1="0" y1="0" x2="0" y2="6" stroke="#8a8a8a" stroke-width="3"/></pattern></defs></svg>';
