/**
 * @fileoverview report.html: the report as one self-contained page (inline CSS and inline SVG charts, no scripts,
 * fonts, images or links to anything), readable offline. Header, totals, the per-layer table, loop regions and
 * passes; with a hardware plan also the estimates per layer, resource shares, the memory map of the chip and
 * cycles per layer. The bytes depend only on the report (no dates, no generated ids), and all text from the model
 * goes through `htmlText` (src/util/escape.ts).
 */
import { rateText } from '../util/rate.js';
import { fitText, type LayerReport, type Report } from '../report.js';
import type { LayerEstimate, Plan } from '../plan/types.js';
import { barChart, fmtInt, memoryMap, pct, resourceChart, seriesColor, si, SVG_DEFS, type MapEntry } from './report-svg.js';
import { htmlText } from '../util/escape.js';

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1d1d1f; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #ddd; }
h3 { font-size: 14px; margin: 16px 0 6px; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12px; }
.sub { color: #555; margin: 0 0 12px; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 10px; font-weight: 600; font-size: 13px; color: #fff; vertical-align: middle; }
.fits { background: #2e7d32; } .nofit { background: #c62828; } .overbudget { background: #ef6c00; } .noplan { background: #757575; }
.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0; }
.meta dt { color: #666; } .meta dd { margin: 0; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 8px 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 8px 12px; min-width: 150px; background: #fafafa; }
.card .k { color: #666; font-size: 12px; } .card .v { font-size: 18px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .d { color: #666; font-size: 12px; }
.card.over { border-color: #c62828; background: #fdecea; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 12px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #e0e0e0; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f3f4f6; position: sticky; top: 0; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafafa; }
td.n { text-align: right; white-space: nowrap; }
td.fmt { white-space: nowrap; }
.kind { color: #666; font-size: 11px; }
.tag { display: inline-block; font-size: 11px; padding: 0 5px; border-radius: 3px; background: #e8eaf6; color: #283593; margin-left: 4px; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; vertical-align: -1px; margin-right: 4px; }
.hatch { background: repeating-linear-gradient(45deg, #bdbdbd 0 3px, #8a8a8a 3px 6px); }
.chart { max-width: 100%; height: auto; display: block; margin: 6px 0 12px; }
.chart text { fill: #222; } .chart .grid { stroke: #e5e5e5; }
.note { color: #555; font-size: 13px; max-width: 960px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; margin: 4px 0 8px; max-width: 960px; }
`;

/**
 * What the table and charts list, in order: the report's layers, and the plan's estimates that are not a layer
 * (a loop region's engine: its control, ping-pong buffers and whole-loop latency), each placed just before the
 * first layer of its region.
 */
interface Row {
  readonly name: string;
  readonly color: string;
  readonly layer?: LayerReport;
  readonly index?: number;
  readonly est?: LayerEstimate;
}

function rowsOf(r: Report): Row[] {
  const est = new Map((r.plan?.layers ?? []).map((e) => [e.name, e]));
  const names = new Set(r.layers.map((l) => l.name));
  const extra = (r.plan?.layers ?? []).filter((e) => !names.has(e.name));
  const color = (e: LayerEstimate) => seriesColor(r.layers.length + extra.indexOf(e));
  const placed = new Set<LayerEstimate>();
  const rows: Row[] = [];
  r.layers.forEach((l, i) => {
    const loop = extra.find((e) => e.name === l.region);
    if (loop && !placed.has(loop)) { placed.add(loop); rows.push({ name: loop.name, color: color(loop), est: loop }); }
    rows.push({ name: l.name, color: seriesColor(i), layer: l, index: i, est: est.get(l.name) });
  });
  extra.filter((e) => !placed.has(e)).forEach((e) => rows.push({ name: e.name, color: color(e), est: e }));
  return rows;
}

const num = (n: number) => `<td class="n">${fmtInt(n)}</td>`;
const shape = (s: readonly number[]) => s.join('×');

/** ap_fixed<16,6,AP_RND_CONV,AP_SAT> → fixed<16,6,RND_CONV,SAT> (the full type is in the cell's tooltip). */
function shortFormat(f: string): string {
  return f.replace(/^ap_(u?fixed|u?int)</, '$1<').replace(/AP_/g, '');
}

/** Formats grouped by value ("in/out/w/b fixed<16,6,RND_CONV,SAT>", "acc fixed<29,9>"), full types in tooltips. */
function formatsCell(l: LayerReport): string {
  const short: Record<string, string> = { input: 'in', output: 'out', weight: 'w', bias: 'b', accumulator: 'acc' };
  const order = ['input', 'output', 'weight', 'bias', 'accumulator'];
  const keys = Object.keys(l.formats).sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || (a < b ? -1 : 1));
  const groups = new Map<string, string[]>();
  for (const k of keys) groups.set(l.formats[k], [...(groups.get(l.formats[k]) ?? []), short[k] ?? k]);
  const lines = [...groups].map(([f, ks]) => `<span title="${htmlText(`${ks.join(', ')}: ${f}`)}">${htmlText(ks.join('/'))} ${htmlText(shortFormat(f))}</span>`);
  return `<td class="fmt mono">${lines.join('<br>')}</td>`;
}

function sourcesCell(src: readonly string[]): string {
  if (!src.length) return '<td></td>';
  const shown = src[0].length > 40 ? `${src[0].slice(0, 39)}…` : src[0];
  // One node per tooltip line: each name escaped on its own (a newline inside a name stays visible as \x0a).
  return `<td class="mono" title="${src.map(htmlText).join('&#10;')}">${htmlText(shown)}${src.length > 1 ? ` <span class="tag">+${src.length - 1}</span>` : ''}</td>`;
}

function card(k: string, v: string, d = '', over = false): string {
  return `<div class="card${over ? ' over' : ''}"><div class="k">${htmlText(k)}</div><div class="v">${htmlText(v)}</div>${d ? `<div class="d">${htmlText(d)}</div>` : ''}</div>`;
}

function header(r: Report): string {
  const p = r.plan;
  const badge = !p ? '<span class="badge noplan">no hardware plan</span>'
    : !p.fits ? `<span class="badge nofit">does not fit ${htmlText(p.board.name)}</span>`
    : p.verdict === 'over-budget' ? `<span class="badge overbudget" title="${htmlText(fitText(p, r.flushedWeights))}">over budget on ${htmlText(p.board.name)}</span>`
    : `<span class="badge fits">fits ${htmlText(p.board.name)}</span>`;
  // A "fit" owed to weights that rounded to 0 is never shown without saying so.
  const flushed = p && r.flushedWeights ? ` <span class="badge nofit" title="${htmlText(fitText(p, r.flushedWeights))}">${pct(r.flushedWeights.flushed / r.flushedWeights.nonzero)} of weights round to 0</span>` : '';
  const meta: [string, string][] = [
    ['model', `${r.model.file} (opset ${r.model.opset}, producer ${r.model.producer || 'unknown'})`],
    ['sha256', r.model.sha256],
    ['top function', r.top],
    ['default precision', r.precision],
  ];
  if (p) {
    meta.push(['board', `${p.board.name} — ${p.board.part} at ${+p.clockMHz.toFixed(3)} MHz`]);
    meta.push(['board resources', `${fmtInt(p.board.lut)} LUT, ${fmtInt(p.board.ff)} FF, ${fmtInt(p.board.dsp)} DSP, ${fmtInt(p.board.bram18)} BRAM18, ${fmtInt(p.board.uram)} URAM (${p.board.source})`]);
  }
  meta.push(['generated by', r.tool]);
  return `<h1>fpgac report: ${htmlText(r.model.file)} ${badge}${flushed}</h1>
<p class="sub">Top <code>${htmlText(r.top)}</code>, precision <code>${htmlText(r.precision)}</code>${p ? `, ${htmlText(p.board.part)} @ ${htmlText(+p.clockMHz.toFixed(3))} MHz` : ''}</p>
<dl class="meta">${meta.map(([k, v]) => `<dt>${htmlText(k)}</dt><dd${k === 'sha256' ? ' class="mono"' : ''}>${htmlText(v)}</dd>`).join('')}</dl>`;
}

function totals(r: Report): string {
  const t = r.totals;
  const cards = [
    card('layers', fmtInt(t.layers), r.regions.length ? `${r.regions.length} loop region(s)` : ''),
    card('parameters', fmtInt(t.params), `${fmtInt(t.zeroParams)} zero (${pct(t.params ? t.zeroParams / t.params : 0)})`),
    card('stored constant bits', fmtInt(t.uniqueWeightBits), 'each shared constant once'),
    card('MACs per inference', fmtInt(t.macs)),
  ];
  const p = r.plan;
  if (p) {
    const res: [string, keyof Plan['utilization'], number][] = [['DSP', 'dsp', p.board.dsp], ['BRAM18', 'bram18', p.board.bram18], ['URAM', 'uram', p.board.uram], ['LUT', 'lut', p.board.lut], ['FF', 'ff', p.board.ff]];
    for (const [label, key, avail] of res) {
      const u = p.utilization[key];
      const b = p.budget?.[key];
      const budget = b === undefined || !avail ? '' : `; budget ${pct(b)}, margin ${pct(b - u)} (${fmtInt(Math.floor(b * avail) - p.totals[key])})`;
      cards.push(card(label, fmtInt(p.totals[key]), `of ${fmtInt(avail)} (${pct(u)})${budget}`, u > (b ?? 1)));
    }
    cards.push(card('latency', `${fmtInt(p.totals.latencyCycles)} cycles`, `${+p.totals.latencyUs.toPrecision(4)} µs at ${+p.clockMHz.toFixed(3)} MHz`));
    cards.push(card('initiation interval', `${fmtInt(p.totals.iiCycles)} cycles`, `${si(+p.totals.throughputFps.toPrecision(4))} inferences/s, ${p.schedule === 'pipelined' ? 'one pipeline' : p.schedule === 'dataflow' ? 'concurrent processes (dataflow)' : 'layers in sequence'}`));
    cards.push(card('weight packing', pct(p.packingEfficiency), 'weight bits / bits of their blocks'));
  }
  return `<h2>Totals</h2>\n<div class="cards">${cards.join('')}</div>`;
}

function layerTable(r: Report, rows: readonly Row[]): string {
  const p = r.plan;
  const head = ['#', 'layer / kind', 'region', 'ONNX nodes', 'input → output', 'params', 'zero', 'MACs',
    ...(p ? ['reuse', 'weights', 'DSP', 'BRAM18', 'URAM', 'LUT', 'FF', 'latency', 'II'] : []), 'formats'];
  // Weight storage (constant-folded, sparse or dense) with the plan's reason on hover.
  const storage = (e: LayerEstimate) => !e.weights ? '<td></td>'
    : `<td title="${htmlText(e.weights.why)}">${e.weights.storage}${e.weights.storage === 'sparse' ? ` ${fmtInt(e.weights.stored)}/${fmtInt(e.weights.weights)}` : ''}</td>`;
  const planCells = (e: LayerEstimate | undefined) => !p ? '' : e
    ? `${num(e.reuse)}${storage(e)}${num(e.dsp)}${num(e.bram18)}${num(e.uram)}${num(e.lut)}${num(e.ff)}<td class="n" title="${htmlText(`${fmtInt(e.latency)} cycles per run × ${e.runs} run(s)`)}">${fmtInt(e.latency)}${e.runs > 1 ? ` ×${e.runs}` : ''}</td>${num(e.ii)}`
    : '<td class="n" colspan="9">no estimate</td>';
  const trs = rows.map(({ name, color, layer: l, index: i, est: e }) => {
    const swatch = `<span class="swatch" style="background:${color}"></span>`;
    if (!l) {
      return `<tr class="engine"><td></td><td>${swatch}${htmlText(name)}<div class="kind">${htmlText(e!.kind)}</div></td>` +
        `<td class="kind" colspan="6">engine of a loop region (or other planned unit that is not a layer): control and its own buffers; its latency spans the whole loop, body layers included</td>${planCells(e)}<td></td></tr>`;
    }
    return `<tr id="layer-${i}"><td class="n">${i}</td><td>${swatch}${htmlText(l.name)}` +
      `<div class="kind">${htmlText(l.kind)}${l.activation ? ` + ${htmlText(l.activation)}` : ''}</div></td>` +
      `<td>${l.region ? `${htmlText(l.region)} <span class="tag">×${l.runs}</span>` : ''}</td>${sourcesCell(l.sources)}` +
      `<td class="n">${l.inputShapes.map((s) => htmlText(shape(s))).join('<br>')} →<br>${htmlText(shape(l.outputShape))}</td>` +
      `${num(l.params)}<td class="n">${l.params ? pct(l.zeroParams / l.params) : ''}</td>${num(l.macs)}${planCells(e)}${formatsCell(l)}</tr>`;
  });
  return `<h2>Layers</h2>
<p class="note">MACs are per inference (a layer in a loop region counts every step). Hover a cell for full ONNX node names and formats.${p ? ' Latency is cycles per run (×runs per inference); reuse is products per multiplier.' : ''}</p>
<div class="scroll"><table class="layers"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead>
<tbody>
${trs.join('\n')}
</tbody></table></div>`;
}

function regionTable(r: Report): string {
  if (!r.regions.length) return '';
  const rows = r.regions.map((g) => `<tr><td>${htmlText(g.name)}</td>${num(g.steps)}${num(g.bodyLayers)}${sourcesCell(g.origin)}${num(g.weightBitsStored)}${num(g.weightBitsUnrolled)}` +
    `<td class="n">${g.weightBitsStored ? `${+(g.weightBitsUnrolled / g.weightBitsStored).toFixed(2)}×` : ''}</td>${num(g.macsPerInference)}</tr>`);
  return `<h2>Loop regions</h2>
<p class="note">Each region is one engine run once per step; its weights are stored once, whatever the step count.</p>
<div class="scroll"><table class="regions"><thead><tr><th>region</th><th>steps</th><th>body layers</th><th>ONNX nodes</th><th>weight bits stored</th><th>unrolled would store</th><th>saving</th><th>MACs per inference</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table></div>`;
}

function macsChart(r: Report): string {
  const { svg, scale } = barChart('chart-macs', r.layers.map((l, i) => ({
    label: l.name, value: l.macs, color: seriesColor(i),
    title: `${l.name} (${l.kind}): ${fmtInt(l.macs)} MACs per inference${l.runs > 1 ? ` (${l.runs} runs)` : ''}`,
  })), 'MACs');
  return `<h3>MACs per layer${scale === 'log' ? ' (log scale)' : ''}</h3>\n${svg}`;
}

function cyclesChart(rows: readonly Row[]): string {
  const bars = rows.map(({ name, color, layer, est: e }) => {
    const cycles = e ? e.latency * e.runs : 0;
    return {
      label: layer ? name : `${name} (whole loop)`, value: cycles, color,
      title: !e ? `${name}: no estimate` : `${name}: ${fmtInt(cycles)} cycles per inference (${fmtInt(e.latency)} per run × ${e.runs}, II ${fmtInt(e.ii)})${layer ? '' : '; spans its body layers'}`,
    };
  });
  const { svg, scale } = barChart('chart-cycles', bars, 'cycles');
  return `<h3>Cycles per layer, per inference${scale === 'log' ? ' (log scale)' : ''}</h3>\n${svg}`;
}

function resources(p: Plan, rows: readonly Row[]): string {
  const keys: [string, 'dsp' | 'bram18' | 'uram' | 'lut' | 'ff'][] = [['DSP', 'dsp'], ['BRAM18', 'bram18'], ['URAM', 'uram'], ['LUT', 'lut'], ['FF', 'ff']];
  const chart = keys.map(([label, k]) => ({
    label, used: p.totals[k], available: p.board[k],
    parts: rows.map(({ name, color, est }) => ({ name, value: est?.[k] ?? 0, color })),
  }));
  const legend = rows.map(({ name, color }) => `<span><span class="swatch" style="background:${color}"></span>${htmlText(name)}</span>`).join('')
    + '<span><span class="swatch hatch"></span>not attributed (shared buffers, top-level control)</span>';
  return `<h3>Resource share per layer</h3>
<p class="note">Each bar is what the design uses of one resource, split by layer; the thin bar under it is the share of the board (${htmlText(p.board.name)}) used.</p>
${resourceChart(chart, p.board.name)}
<div class="legend">${legend}</div>`;
}

function memorySection(p: Plan): string {
  const entries: MapEntry[] = p.memories.map((m, i) => ({ index: i + 1, mem: m, color: seriesColor(i, 200) }));
  const rows = entries.map(({ index, mem: m, color }) => {
    const inMap = m.kind === 'bram18' || m.kind === 'bram36' || m.kind === 'uram';
    return `<tr><td class="n">${index}</td><td><span class="swatch" style="background:${inMap ? color : '#fff;border:1px solid #999'}"></span>${htmlText(m.name)}</td><td>${htmlText(m.role)}</td><td>${htmlText(m.kind)}</td>` +
      `${num(m.words)}${num(m.bits)}${m.reshape ? `<td class="n" title="reshaped: ${m.reshape} elements per word">1 ×${m.reshape}</td>` : num(m.banks)}${num(m.blocks)}<td class="n">${m.capacityBits ? pct((m.words * m.bits) / m.capacityBits) : ''}</td>` +
      `<td>${m.sharedWith?.length ? htmlText(m.sharedWith.join(', ')) : ''}</td></tr>`;
  });
  return `<h3>Memory map</h3>
<p class="note">One cell per block RAM of ${htmlText(p.board.part)}; the cells each memory is allocated are colored and numbered as in the table below (hover for details); grey cells are unused. LUTRAM and register memories use no block and are only listed.</p>
${memoryMap(p.board, entries)}
<div class="scroll"><table class="memories"><thead><tr><th>#</th><th>memory</th><th>role</th><th>kind</th><th>words</th><th>bits</th><th>banks</th><th>blocks</th><th>filled</th><th>shared with</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table></div>`;
}

function synthesis(p: Plan): string {
  const s = p.synthesis;
  if (!s) return '';
  const keys: [string, 'dsp' | 'bram18' | 'uram' | 'lut' | 'ff'][] = [['DSP', 'dsp'], ['BRAM18', 'bram18'], ['URAM', 'uram'], ['LUT', 'lut'], ['FF', 'ff']];
  return `<h2>HLS synthesis</h2>
<p class="note">${htmlText(s.tool)}, ${htmlText(s.part)}: clock ${htmlText(s.clockNs)} ns (estimated ${htmlText(s.estimatedClockNs)} ns), latency ${fmtInt(s.latencyMin)}–${fmtInt(s.latencyMax)} cycles, interval ${fmtInt(s.intervalMin)}–${fmtInt(s.intervalMax)} cycles.</p>
<table class="synthesis"><thead><tr><th>resource</th><th>fpgac estimate</th><th>HLS</th><th>available</th></tr></thead><tbody>
${keys.map(([l, k]) => `<tr><td>${l}</td>${num(p.totals[k])}${num(s.resources[k])}${num(s.available[k])}</tr>`).join('\n')}
</tbody></table>`;
}

/** The IP's interface: ports and words, and transfer against compute per sample. */
function interfaceSection(r: Report): string {
  const i = r.interface;
  if (!i) return '';
  if (i.kind === 'memory') return '<h2>Interface</h2>\n<p class="note">memory: the core\'s array ports.</p>';
  const us = (v: number) => (v < 1 ? `${(1000 * v).toFixed(0)} ns` : `${v.toFixed(2)} µs`);
  const rows = i.ports.map((q) => `<tr><td>${htmlText(q.port)}</td><td class="mono">${htmlText(q.onnxName)}</td><td class="mono">${htmlText(q.format)}</td>${[q.elements, q.fieldBits, q.perWord, q.wordsPerSample, q.bytesPerSample].map((v) => `<td class="n">${v}</td>`).join('')}</tr>`).join('\n');
  return `<h2>Interface</h2>
<p>${htmlText(i.kind)}, ${i.busBits}-bit words. Per sample: transfer ${i.transferCycles} cycles (${us(i.transferUs)}), the core's latency ${i.computeLatency} cycles; end to end ${us(i.endToEndUs)}, ${rateText(i.endToEndFps)} samples/s (the core alone ${rateText(i.computeFps)}/s).</p>
<table><thead><tr><th>port</th><th>tensor</th><th>format</th><th>values</th><th>field bits</th><th>per word</th><th>words/sample</th><th>bytes/sample</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p class="note">${htmlText(i.model)}. Not run here: Vivado and a board (make bitstream; driver/fpgac_driver.py --check on the board).</p>`;
}

export function renderReportHtml(report: Report): string {
  const p = report.plan;
  const rows = rowsOf(report);
  const charts = p
    ? `${resources(p, rows)}\n${memorySection(p)}\n${cyclesChart(rows)}\n${macsChart(report)}`
    : `<p class="note">No hardware plan in this report: resource, memory and latency charts need one.</p>\n${macsChart(report)}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fpgac report: ${htmlText(report.model.file)}</title>
<style>${CSS}</style>
</head>
<body>
${SVG_DEFS}
${header(report)}
${totals(report)}
<h2>Charts</h2>
${charts}
${p ? `<p class="note">${htmlText(p.estimateModel)}</p>` : ''}
${layerTable(report, rows)}
${regionTable(report)}
${p ? synthesis(p) : ''}
${interfaceSection(report)}
<h2>Passes</h2>
<ol class="passes">
${report.passes.map((s) => `<li>${htmlText(s)}</li>`).join('\n')}
</ol>
</body>
</html>
`;
}
