/**
 * report.html: structure (every layer, escaping, charts, self-contained, deterministic) on the example model's
 * report, with and without a hand-made plan; then the page rendered by headless Chromium: the DOM holds the charts
 * and a screenshot (decoded here with node:zlib) is neither blank nor colorless.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { compileModel } from '../../src/compile.js';
import { buildReport, type Report } from '../../src/report.js';
import { renderReportHtml } from '../../src/emit/report-html.js';
import type { BoardResources, LayerEstimate, MemoryPlacement, Plan } from '../../src/plan/types.js';
import { exampleModel } from '../../src/paths.js';

const EVIL = `stem<script>alert("x")</script>&'q'`;
const EVIL_ESC = 'stem&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;q&#39;';

const ZCU104: BoardResources = {
  name: 'zcu104', part: 'xczu7ev-ffvc1156-2-e', clockMHz: 200, lut: 230400, ff: 460800, dsp: 1728, bram18: 624, uram: 96,
  source: 'XCZU7EV product table (DS891)',
};
const PYNQ: BoardResources = { name: 'pynq-z2', part: 'xc7z020clg400-1', clockMHz: 100, lut: 53200, ff: 106400, dsp: 220, bram18: 280, uram: 0, source: 'DS190' };

/**
 * A plausible plan: one multiplier per MAC layer (reuse = fan-in), weights and feature maps in block RAM, and (as
 * the planner writes) one estimate per loop region's engine, which is not a report layer.
 */
function makePlan(r: Report, board: BoardResources, memories: MemoryPlacement[]): Plan {
  const perLayer: LayerEstimate[] = r.layers.map((l) => {
    const outputs = l.outputShape.reduce((a, b) => a * b, 1);
    const fanIn = l.macs ? l.macs / l.runs / outputs : 1;
    const mac = l.macs > 0;
    const latency = outputs * (mac ? fanIn + 5 : 1) + 5;
    return {
      name: l.name, kind: l.kind, reuse: fanIn, multipliers: mac ? 1 : 0, dsp: mac || l.kind === 'eltwise:mul' ? 1 : 0,
      lut: 60 + (mac ? 40 : 12), ff: 80 + (mac ? 150 : 20), bram18: l.params > 256 ? 1 : 0, uram: 0, latency, ii: latency, runs: l.runs,
    };
  });
  const engines: LayerEstimate[] = r.regions.map((g) => ({
    name: g.name, kind: `loop x${g.steps}`, reuse: 1, multipliers: 0, dsp: 0, lut: 1084, ff: 80, bram18: 2, uram: 0, runs: 1,
    latency: perLayer.filter((e) => r.layers.find((l) => l.name === e.name)?.region === g.name).reduce((s, e) => s + e.latency * e.runs, 0) + 12,
    ii: 0,
  })).map((e) => ({ ...e, ii: e.latency }));
  const layers = [...perLayer, ...engines];
  const sum = (k: 'dsp' | 'lut' | 'ff' | 'bram18' | 'uram') => layers.reduce((s, e) => s + e[k], 0);
  const memBlocks = (kinds: string[]) => memories.filter((m) => kinds.includes(m.kind)).reduce((s, m) => s + m.blocks, 0);
  const totals = {
    dsp: sum('dsp'), lut: sum('lut') + 900, ff: sum('ff') + 1200, bram18: memBlocks(['bram18', 'bram36']), uram: memBlocks(['uram']),
    latencyCycles: perLayer.reduce((s, e) => s + e.latency * e.runs, 0), iiCycles: 0, latencyUs: 0, throughputFps: 0,
  };
  const t = { ...totals, iiCycles: totals.latencyCycles, latencyUs: totals.latencyCycles / board.clockMHz, throughputFps: (board.clockMHz * 1e6) / totals.latencyCycles };
  const utilization = { dsp: t.dsp / board.dsp, lut: t.lut / board.lut, ff: t.ff / board.ff, bram18: t.bram18 / board.bram18, uram: board.uram ? t.uram / board.uram : 0 };
  return {
    board, clockMHz: board.clockMHz, schedule: 'sequential', layers, memories, totals: t, utilization, packingEfficiency: 0.41,
    fits: Object.values(utilization).every((u) => u <= 1),
    estimateModel: 'Hand-made test plan: one pipelined multiplier per MAC layer (II = 1), layers run one after another.',
  };
}

const mem = (name: string, role: MemoryPlacement['role'], kind: MemoryPlacement['kind'], words: number, bits: number, banks: number, blocks: number, sharedWith?: string[]): MemoryPlacement => ({
  name, role, kind, words, bits, banks, blocks,
  capacityBits: kind === 'uram' ? blocks * 4096 * 72 : kind === 'bram18' || kind === 'bram36' ? blocks * 18432 : words * bits,
  ...(sharedWith ? { sharedWith } : {}),
});

const MEMORIES: MemoryPlacement[] = [
  mem(`${EVIL}_weight`, 'weight', 'lutram', 144, 16, 1, 0),
  mem('ode2_f_pw_Conv_weight', 'weight', 'bram18', 1024, 16, 1, 1),
  mem('down_down_3_Conv_weight', 'weight', 'bram18', 512, 16, 1, 1),
  mem('fc_Gemm_weight', 'weight', 'registers', 320, 16, 320, 0),
  mem('t_stem_stem_2_Relu_output_0', 'feature', 'bram18', 4096, 16, 4, 8, ['t_ode1_Add_output_0', 't_down_down_5_Relu_output_0']),
  mem('t_ode1_f_act_Relu_output_0', 'feature', 'bram18', 4096, 16, 2, 6),
  mem('t_ode1_f_pw_Conv_output_0', 'feature', 'bram36', 4096, 16, 1, 4),
  mem('t_ode1_Add_3_output_0', 'feature', 'uram', 4096, 16, 1, 1),
  mem('t_ode2_f_act_Relu_output_0', 'feature', 'uram', 4096, 72, 2, 2),
];

let base: Report;
let withPlan: Report;

beforeAll(() => {
  const c = compileModel(exampleModel());
  const r = buildReport(c.design, c.log, 'fpgac test');
  // A hostile name and ONNX source: everything from the model must be escaped.
  base = { ...r, layers: r.layers.map((l, i) => (i === 0 ? { ...l, name: EVIL, sources: [`/evil<b>&"node"`, ...l.sources] } : l)) };
  withPlan = { ...base, plan: makePlan(base, ZCU104, MEMORIES) };
});

function checkSelfContained(html: string): void {
  expect(html).not.toMatch(/http/i);
  expect(html).not.toMatch(/\bsrc=/i);
  expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|@font-face/i);
  expect(html).not.toMatch(/url\((?!#)/); // only references to in-page SVG patterns
}

describe('renderReportHtml', () => {
  it('with a plan: header, every layer with its estimates, escaping, all four charts, self-contained', () => {
    const html = renderReportHtml(withPlan);
    checkSelfContained(html);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('fits zcu104');
    expect(html).toContain('xczu7ev-ffvc1156-2-e');
    expect(html).toContain('200 MHz');
    expect(html).not.toContain('<b>&');
    expect(html).toContain(EVIL_ESC);
    expect(html).toContain('/evil&lt;b&gt;&amp;&quot;node&quot;');
    const rows = [...html.matchAll(/<tr id="layer-(\d+)">(.*?)<\/tr>/gs)];
    expect(rows.length).toBe(base.layers.length);
    base.layers.forEach((l, i) => {
      const cells = rows[i][2];
      if (i > 0) expect(cells).toContain(`>${l.name}<`);
      expect(cells).toContain(l.kind);
      expect(cells).not.toContain('no estimate');
      expect((cells.match(/<td/g) ?? []).length).toBe(9 + 9);
    });
    expect(html).toContain('region_ode1_f_dw_Conv');
    // Each loop region's engine estimate gets its own row, just before the region's first layer, and a cycles bar.
    const engineRows = [...html.matchAll(/<tr class="engine">.*?(region_\w+)<div class="kind">loop x4<\/div>.*?<\/tr>\n<tr id="layer-(\d+)">/gs)];
    expect(engineRows.map((m) => [m[1], +m[2]])).toEqual(base.regions.map((g) => [g.name, base.layers.findIndex((l) => l.region === g.name)]));
    expect(html).toContain('region_ode1_f_dw_Conv (whole loop)');
    for (const cls of ['chart-resources', 'memmap-bram', 'memmap-uram', 'chart-cycles', 'chart-macs']) expect(html).toContain(cls);
    // The memory map: one cell per allocated block, one group (with a hover title) per block memory.
    const blocks = MEMORIES.filter((m) => m.kind !== 'lutram' && m.kind !== 'registers');
    expect((html.match(/class="blk"/g) ?? []).length).toBe(blocks.reduce((s, m) => s + m.blocks, 0));
    expect((html.match(/<g class="mem" data-index="\d+"><title>/g) ?? []).length).toBe(blocks.length);
    expect(html).toContain('20 of 624 BRAM18 allocated'); // 1 + 1 + 8 + 6 + 4; LUTRAM and registers take no block
    expect(html).toContain('3 of 96 URAM allocated');
    expect(html).toContain('(log scale)');
  });

  it('without a plan: table, totals and a MACs chart only', () => {
    const html = renderReportHtml(base);
    checkSelfContained(html);
    expect(html).toContain('no hardware plan');
    expect(html).toContain('chart-macs');
    expect(html).not.toMatch(/chart-resources|memmap|chart-cycles/);
    expect((html.match(/<tr id="layer-/g) ?? []).length).toBe(base.layers.length);
    expect(html).toContain('<th>MACs</th><th>formats</th></tr>'); // no estimate columns
    expect((html.match(/<g class="bar">/g) ?? []).length).toBe(base.layers.length);
  });

  it('a plan that does not fit: red badge, cells past the board outlined, no-URAM part noted, synthesis results', () => {
    const big = [mem('huge_weight', 'weight', 'bram18', 300 * 1024, 16, 1, 300), mem('buf', 'feature', 'bram36', 8192, 16, 1, 8)];
    const plan = makePlan(base, PYNQ, big);
    const synthesis = {
      tool: 'Vivado HLS <2020.1>', part: PYNQ.part, clockNs: 10, estimatedClockNs: 8.75, latencyMin: 1100000, latencyMax: 1200000, intervalMin: 1100001, intervalMax: 1200001,
      resources: { bram18: 310, dsp: 12, ff: 4000, lut: 5000, uram: 0 }, available: { bram18: 280, dsp: 220, ff: 106400, lut: 53200, uram: 0 }, instances: [],
    };
    const html = renderReportHtml({ ...base, plan: { ...plan, synthesis } });
    expect(html).toContain('does not fit pynq-z2');
    expect(html).toContain('(28 over capacity)');
    expect((html.match(/stroke="#c62828"/g) ?? []).length).toBe(28);
    expect(html).toContain('has no UltraRAM');
    expect(html).toContain('HLS synthesis');
    expect(html).toContain('Vivado HLS &lt;2020.1&gt;');
    expect(html).toMatch(/<td>BRAM18<\/td><td class="n">308<\/td><td class="n">310<\/td><td class="n">280<\/td>/);
  });

  it('is deterministic: byte-identical across renders and after a JSON round trip', () => {
    const a = renderReportHtml(withPlan);
    expect(renderReportHtml(withPlan)).toBe(a);
    expect(renderReportHtml(JSON.parse(JSON.stringify(withPlan)) as Report)).toBe(a);
    expect(a).not.toMatch(/\b20\d\d-\d\d-\d\d\b/);
  });
});

/** Decode an 8-bit, non-interlaced PNG (grey, RGB, grey+alpha or RGBA) to RGBA. */
function decodePng(buf: Buffer): { width: number; height: number; rgba: Uint8Array } {
  expect(buf.subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]))).toBe(true);
  let off = 8, width = 0, height = 0, colorType = 0;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off), type = buf.toString('latin1', off + 4, off + 8), data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0); height = data.readUInt32BE(4); colorType = data[9];
      expect(data[8]).toBe(8); // bit depth
      expect(data[12]).toBe(0); // no interlace
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  expect(channels).toBeDefined();
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  expect(raw.length).toBe(height * (stride + 1));
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const cur = raw[y * (stride + 1) + 1 + x];
      const a = x >= channels ? px[y * stride + x - channels] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? px[(y - 1) * stride + x - channels] : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else expect(filter).toBe(0);
      px[y * stride + x] = (cur + pred) & 255;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const s = px.subarray(i * channels, (i + 1) * channels);
    const [r, g, b] = channels >= 3 ? [s[0], s[1], s[2]] : [s[0], s[0], s[0]];
    rgba.set([r, g, b, channels === 4 ? s[3] : channels === 2 ? s[1] : 255], i * 4);
  }
  return { width, height, rgba };
}

function findChromium(): string | undefined {
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  try {
    return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const chromium = findChromium();

describe('report.html in headless Chromium', () => {
  let dir = '';
  let page = '';
  const run = (args: string[]) => {
    const profile = mkdtempSync(path.join(dir, 'profile-'));
    return execFileSync(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--hide-scrollbars', `--user-data-dir=${profile}`, ...args],
    { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  };
  beforeAll(() => {
    if (!chromium) return;
    dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-report-html-'));
    page = path.join(dir, 'report.html');
    writeFileSync(page, renderReportHtml(withPlan));
  });
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  if (!chromium) {
    it.skip('SKIPPED: chromium is not installed (no /usr/bin/chromium or chromium on PATH; .ci/run installs it) — DOM and screenshot checks not run', () => {});
    return;
  }

  it('--dump-dom: the parsed page holds every layer row and the charts\' elements', () => {
    const dom = run(['--dump-dom', `file://${page}`]);
    expect(dom).toContain('</html>');
    expect((dom.match(/<tr id="layer-/g) ?? []).length).toBe(base.layers.length);
    expect(dom).toContain('stem&lt;script&gt;'); // shown as text, not parsed as an element
    expect(dom).not.toMatch(/<script/i);
    for (const cls of ['chart chart-resources', 'chart memmap memmap-bram', 'chart memmap memmap-uram', 'chart chart-cycles', 'chart chart-macs']) {
      expect(dom).toContain(`<svg class="${cls}"`);
    }
    expect((dom.match(/class="blk"/g) ?? []).length).toBe(23);
    expect((dom.match(/class="seg"/g) ?? []).length).toBeGreaterThan(base.layers.length);
    expect((dom.match(/<g class="bar">/g) ?? []).length).toBe(2 * base.layers.length + base.regions.length); // cycles (+ engines) and MACs
  });

  it('--screenshot: the rendered page is not blank and shows the colored charts', () => {
    const png = path.join(dir, 'shot.png');
    run([`--screenshot=${png}`, '--window-size=1280,2000', `file://${page}`]);
    const { width, height, rgba } = decodePng(readFileSync(png));
    expect([width, height]).toEqual([1280, 2000]);
    const colors = new Set<number>();
    let nonWhite = 0, saturated = 0;
    for (let i = 0; i < rgba.length; i += 4) {
      const [r, g, b] = [rgba[i], rgba[i + 1], rgba[i + 2]];
      colors.add((r << 16) | (g << 8) | b);
      if (r < 245 || g < 245 || b < 245) nonWhite++;
      if (Math.max(r, g, b) - Math.min(r, g, b) > 60) saturated++;
    }
    expect(colors.size).toBeGreaterThan(100);
    expect(nonWhite / (width * height)).toBeGreaterThan(0.05);
    expect(saturated).toBeGreaterThan(20_000); // the bars and memory cells, not just black text
  });
});
