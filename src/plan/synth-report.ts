/**
 * @fileoverview Reading Vivado HLS / Vitis HLS C-synthesis reports into a `SynthesisReport`.
 *
 * Two forms, both written by `csynth_design` into `<prj>/<solution>/syn/report/`:
 *
 * - `<top>_csynth.xml`: a `<profile>` document. `UserAssignments` (Part, TargetClockPeriod), `PerformanceEstimates`
 *   (`SummaryOfTimingAnalysis/EstimatedClockPeriod`, `SummaryOfOverallLatency/{Best,Worst}-caseLatency`,
 *   `Interval-{min,max}`) and `AreaEstimates/{Resources,AvailableResources}` with `BRAM_18K`, `DSP48E` (Vivado HLS)
 *   or `DSP` (Vitis HLS), `FF`, `LUT`, `URAM`. Vitis HLS also writes an aggregate `csynth.xml` whose
 *   `RTLDesignHierarchy` and `ModuleInformation` give the sub-module instances; the per-top file has no instance
 *   table, so `readCsynthReport` takes the instances from the `.rpt` beside it.
 * - `<top>_csynth.rpt`: text tables. The tables are read by their headers, not by column position, so the layouts
 *   of 2019.1 (`Latency | Interval` with `min | max`, units in the section title: `+ Timing (ns):`), 2019.2-2020.1
 *   (`Latency (cycles) | Latency (absolute) | Interval | Pipeline`, `5.00 ns` cells) and Vitis 2020.2-2024.x
 *   (same columns, right-aligned cells, `DSP` instead of `DSP48E`, a wide `Pipeline Type`) all parse the same way.
 *   Of the utilization summary, `Total` is used and `Available` (the whole device, not `Available SLR`).
 *
 * A quantity the tool could not determine (`?` in the text report, `undef` in the XML, e.g. latency of a loop with a
 * variable bound) is NaN, which JSON.stringify writes as null. A resource the tool left empty (`-`) is 0.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { SynthesisReport } from './types.js';
import { DiagnosticError } from '../diagnostics.js';

type Resources = SynthesisReport['resources'];
type InstanceRow = SynthesisReport['instances'][number];

const RESOURCE_KEYS = ['bram18', 'dsp', 'ff', 'lut', 'uram'] as const;
type ResourceKey = (typeof RESOURCE_KEYS)[number];

/** Column / tag spellings of each resource across tool versions (compared upper-case). */
const RESOURCE_NAMES: Record<ResourceKey, readonly string[]> = {
  bram18: ['BRAM_18K', 'BRAM18K', 'BRAM'],
  dsp: ['DSP48E', 'DSP', 'DSP48', 'DSP48E1', 'DSP48E2', 'DSP58'],
  ff: ['FF'],
  lut: ['LUT'],
  uram: ['URAM'],
};

function badReport(message: string): never {
  throw new DiagnosticError([{ code: 'FPGAC006', message }]);
}

/** Integer or decimal count; `?`, `undef`, empty → NaN. */
function countOf(s: string | undefined): number {
  if (s === undefined) return NaN;
  const m = /-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(s.replace(/,/g, ''));
  return m ? Number(m[0]) : NaN;
}

/** A resource cell: `-` (none) and `~0` mean 0. */
function resourceOf(s: string | undefined): number {
  if (s === undefined) return 0;
  const t = s.trim();
  if (t === '' || t === '-' || t === '~0') return 0;
  return countOf(t);
}

/** A time in ns: `5.00 ns`, `5.00`, `0.200 us`. */
function nsOf(s: string | undefined): number {
  if (s === undefined) return NaN;
  const v = countOf(s);
  if (/\bus\b/.test(s)) return v * 1e3;
  if (/\bms\b/.test(s)) return v * 1e6;
  if (/\bps\b/.test(s)) return v / 1e3;
  return v;
}

function toolName(family: 'vivado' | 'vitis', version: string): string {
  return `${family === 'vitis' ? 'Vitis HLS' : 'Vivado HLS'}${version ? ' ' + version : ''}`;
}

/** Vitis HLS replaced Vivado HLS from 2020.2 on (both existed in 2020.1). */
function familyFromVersion(version: string): 'vivado' | 'vitis' {
  const m = /^(\d{4})\.(\d+)/.exec(version);
  if (!m) return 'vitis';
  const year = Number(m[1]);
  const minor = Number(m[2]);
  return year > 2020 || (year === 2020 && minor >= 2) ? 'vitis' : 'vivado';
}

// ---------------------------------------------------------------------------------------------------------------
// XML

interface XmlNode {
  readonly name: string;
  readonly attrs: Record<string, string>;
  readonly children: XmlNode[];
  text: string;
}

function decodeEntities(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    switch (e) {
      case 'lt': return '<';
      case 'gt': return '>';
      case 'amp': return '&';
      case 'quot': return '"';
      case 'apos': return "'";
      default: return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    }
  });
}

/**
 * A tolerant tag walk: elements, attributes, text; comments, processing instructions, doctype and CDATA are
 * handled; a closing tag with no matching open element is ignored and elements left open at the end are kept.
 */
function parseXml(text: string): XmlNode {
  const root: XmlNode = { name: '#root', attrs: {}, children: [], text: '' };
  const stack: XmlNode[] = [root];
  const re = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[([\s\S]*?)\]\]>|<![^>]*>|<(\/?)([A-Za-z_][\w.:-]*)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const top = stack[stack.length - 1];
    top.text += decodeEntities(text.slice(last, m.index));
    last = re.lastIndex;
    if (m[1] !== undefined) {
      top.text += m[1];
      continue;
    }
    if (m[3] === undefined) continue; // comment, <?xml?>, <!DOCTYPE>
    const name = m[3];
    if (m[2] === '/') {
      const at = stack.map((n) => n.name).lastIndexOf(name);
      if (at > 0) stack.length = at;
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of m[4].matchAll(/([\w.:-]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) attrs[a[1]] = decodeEntities(a[3] ?? a[4] ?? '');
    const node: XmlNode = { name, attrs, children: [], text: '' };
    top.children.push(node);
    if (m[5] !== '/') stack.push(node);
  }
  stack[stack.length - 1].text += decodeEntities(text.slice(last));
  return root;
}

function child(n: XmlNode | undefined, name: string): XmlNode | undefined {
  return n?.children.find((c) => c.name === name);
}

function at(n: XmlNode | undefined, ...names: string[]): XmlNode | undefined {
  for (const name of names) n = child(n, name);
  return n;
}

function textAt(n: XmlNode | undefined, ...names: string[]): string | undefined {
  const t = at(n, ...names);
  return t ? t.text.trim() : undefined;
}

/** Depth-first search for the first element named `name`. */
function find(n: XmlNode, name: string): XmlNode | undefined {
  for (const c of n.children) {
    if (c.name === name) return c;
    const r = find(c, name);
    if (r) return r;
  }
  return undefined;
}

function xmlResources(n: XmlNode | undefined, prefix = ''): { values: Resources; dspTag?: string } {
  const values = { bram18: 0, dsp: 0, ff: 0, lut: 0, uram: 0 };
  let dspTag: string | undefined;
  if (!n) return { values };
  for (const key of RESOURCE_KEYS) {
    for (const spelling of RESOURCE_NAMES[key]) {
      // Vitis's module blocks spell the device totals AVAIL_BRAM, AVAIL_DSP, ... next to BRAM_18K, DSP, ...
      const c = child(n, prefix + spelling);
      if (c) {
        values[key] = resourceOf(c.text);
        if (key === 'dsp') dspTag = spelling;
        break;
      }
    }
  }
  return { values, dspTag };
}

/** Parses a `<profile>` csynth XML report (per-top `<top>_csynth.xml`, or Vitis's aggregate `csynth.xml`). */
export function parseCsynthXml(text: string): SynthesisReport {
  const doc = parseXml(text);
  const profile = find(doc, 'profile') ?? doc;
  const perf = child(profile, 'PerformanceEstimates');
  const area = child(profile, 'AreaEstimates');
  if (!perf && !area) badReport('not a Vivado/Vitis HLS csynth XML report (no PerformanceEstimates or AreaEstimates)');
  const user = child(profile, 'UserAssignments');
  const version = textAt(profile, 'ReportVersion', 'Version') ?? '';
  const used = xmlResources(child(area, 'Resources'));
  const availNode = child(area, 'AvailableResources');
  const available = availNode ? xmlResources(availNode).values : xmlResources(child(area, 'Resources'), 'AVAIL_').values;
  const vitis = child(user, 'FlowTarget') !== undefined || used.dspTag === 'DSP' || familyFromVersion(version) === 'vitis';
  const latency = child(perf, 'SummaryOfOverallLatency');
  const timing = child(perf, 'SummaryOfTimingAnalysis');
  return {
    tool: toolName(vitis ? 'vitis' : 'vivado', version),
    part: textAt(user, 'Part') ?? '',
    clockNs: countOf(textAt(user, 'TargetClockPeriod') ?? textAt(timing, 'TargetClockPeriod')),
    estimatedClockNs: countOf(textAt(timing, 'EstimatedClockPeriod')),
    latencyMin: countOf(textAt(latency, 'Best-caseLatency')),
    latencyMax: countOf(textAt(latency, 'Worst-caseLatency')),
    intervalMin: countOf(textAt(latency, 'Interval-min') ?? textAt(latency, 'PipelineInitiationInterval')),
    intervalMax: countOf(textAt(latency, 'Interval-max') ?? textAt(latency, 'PipelineInitiationInterval')),
    resources: used.values,
    available,
    instances: xmlInstances(profile, textAt(user, 'TopModelName')),
  };
}

/** Direct sub-module instances of the top (Vitis aggregate csynth.xml), with each module's own estimate. */
function xmlInstances(profile: XmlNode, topName: string | undefined): InstanceRow[] {
  const top = at(profile, 'RTLDesignHierarchy', 'TopModule');
  if (!top) return [];
  const modules = new Map<string, XmlNode>();
  for (const m of child(profile, 'ModuleInformation')?.children ?? []) {
    const name = textAt(m, 'Name');
    if (m.name === 'Module' && name) modules.set(name, m);
  }
  if (topName && textAt(top, 'ModuleName') !== topName) return [];
  const rows: InstanceRow[] = [];
  for (const inst of child(top, 'InstancesList')?.children ?? []) {
    if (inst.name !== 'Instance') continue;
    const module = textAt(inst, 'ModuleName') ?? '';
    const r = xmlResources(at(modules.get(module), 'AreaEstimates', 'Resources')).values;
    rows.push({ name: textAt(inst, 'InstName') ?? module, module, ...r });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------------------
// Text report

interface Table {
  /** Column names: the header rows joined per column, e.g. "Latency (cycles) min", "Instance", "DSP48E". */
  readonly columns: string[];
  /** Body rows in blocks separated by border lines (block 0 is the body, later blocks Total / Available / ...). */
  readonly blocks: string[][][];
}

const BORDER = /^\+[-=]+(\+[-=]+)*\+$/;

function cellsOf(row: string): { text: string; from: number; to: number }[] {
  const cells: { text: string; from: number; to: number }[] = [];
  let start = row.indexOf('|');
  while (start >= 0) {
    const end = row.indexOf('|', start + 1);
    if (end < 0) break;
    cells.push({ text: row.slice(start + 1, end).trim(), from: start, to: end });
    start = end;
  }
  return cells;
}

/** Parses the table whose first border line is `lines[i]`; returns it and the index after it. */
function parseTable(lines: readonly string[], i: number): { table: Table; end: number } {
  const rows: string[] = [];
  let j = i;
  for (; j < lines.length; j++) {
    const t = lines[j].trim();
    if (!t.startsWith('+') && !t.startsWith('|')) break;
    if (t.startsWith('+') && !BORDER.test(t)) break;
    rows.push(t);
  }
  const border = rows[0];
  const stops: number[] = [];
  for (let k = 0; k < border.length; k++) if (border[k] === '+') stops.push(k);
  const ncol = stops.length - 1;
  const headerNames: string[][] = Array.from({ length: ncol }, () => []);
  const blocks: string[][][] = [];
  let section = 0; // 0: before the first border, 1: header, 2+: body blocks
  for (const r of rows) {
    if (BORDER.test(r)) {
      section++;
      if (section >= 2) blocks.push([]);
      continue;
    }
    const cells = cellsOf(r);
    if (section === 1) {
      // A header cell spans every column whose border stops it covers (group headers span several).
      for (let c = 0; c < ncol; c++) {
        const cell = cells.find((x) => x.from <= stops[c] + 1 && x.to >= stops[c + 1] - 1);
        if (cell && cell.text) headerNames[c].push(cell.text);
      }
    } else if (section >= 2) {
      blocks[blocks.length - 1].push(cells.map((x) => x.text));
    }
  }
  return { table: { columns: headerNames.map((h) => h.join(' ')), blocks: blocks.filter((b) => b.length > 0) }, end: j };
}

/** The table that follows line `i` (skipping blank and `* Summary:` lines), or undefined (e.g. `N/A`). */
function tableAfter(lines: readonly string[], i: number): Table | undefined {
  for (let j = i + 1; j < lines.length; j++) {
    const t = lines[j].trim();
    if (t === '' || /^\*\s*Summary\s*:/.test(t)) continue;
    return BORDER.test(t) ? parseTable(lines, j).table : undefined;
  }
  return undefined;
}

function findLine(lines: readonly string[], re: RegExp, from = 0, to = lines.length): number {
  for (let i = from; i < to; i++) if (re.test(lines[i])) return i;
  return -1;
}

function columnIndex(t: Table, test: (name: string) => boolean): number {
  return t.columns.findIndex((c) => test(c.toUpperCase()));
}

function resourceColumns(t: Table): Record<ResourceKey, number> {
  const out = {} as Record<ResourceKey, number>;
  for (const key of RESOURCE_KEYS) out[key] = columnIndex(t, (c) => RESOURCE_NAMES[key].includes(c.replace(/\s+/g, '')));
  return out;
}

function rowResources(row: readonly string[], cols: Record<ResourceKey, number>): Resources {
  const v = (k: ResourceKey) => (cols[k] >= 0 ? resourceOf(row[cols[k]]) : 0);
  return { bram18: v('bram18'), dsp: v('dsp'), ff: v('ff'), lut: v('lut'), uram: v('uram') };
}

/** `== Title` sections: [start, end) line ranges by title. */
function sections(lines: readonly string[]): Map<string, [number, number]> {
  const heads: { title: string; line: number }[] = [];
  lines.forEach((l, i) => {
    const m = /^==\s+(.*?)\s*$/.exec(l);
    if (m && !/^=+$/.test(l.trim())) heads.push({ title: m[1], line: i });
  });
  const out = new Map<string, [number, number]>();
  heads.forEach((h, k) => out.set(h.title, [h.line, k + 1 < heads.length ? heads[k + 1].line : lines.length]));
  return out;
}

function sectionRange(secs: Map<string, [number, number]>, re: RegExp): [number, number] | undefined {
  for (const [title, range] of secs) if (re.test(title)) return range;
  return undefined;
}

/** Parses a text `<top>_csynth.rpt` report (Vivado HLS 2019.x/2020.1, Vitis HLS 2020.2-2024.x). */
export function parseCsynthRpt(text: string): SynthesisReport {
  const lines = text.replace(/\r/g, '').split('\n');
  const secs = sections(lines);
  const perf = sectionRange(secs, /^Performance Estimates/i);
  const util = sectionRange(secs, /^Utilization Estimates/i);
  if (!perf && !util) badReport('not a Vivado/Vitis HLS csynth text report (no Performance or Utilization Estimates section)');
  const header = (key: string) => {
    const i = findLine(lines, new RegExp(`^\\s*\\*\\s*${key}\\s*:`, 'i'));
    return i >= 0 ? lines[i].replace(/^[^:]*:/, '').trim() : '';
  };
  const version = header('Version').split(/\s+/)[0] ?? '';
  const titleLine = lines.find((l) => /^==\s+\S.*Report for/.test(l)) ?? '';
  const family = /Vitis/i.test(titleLine) ? 'vitis' : /Vivado/i.test(titleLine) ? 'vivado' : familyFromVersion(version);

  let clockNs = NaN;
  let estimatedClockNs = NaN;
  let latencyMin = NaN;
  let latencyMax = NaN;
  let intervalMin = NaN;
  let intervalMax = NaN;
  if (perf) {
    const ti = findLine(lines, /^\s*\+\s*Timing\b/, perf[0], perf[1]);
    const timing = ti >= 0 ? tableAfter(lines, ti) : undefined;
    if (timing && timing.blocks[0]?.[0]) {
      // Cells are "5.00 ns" (2019.2+) or bare numbers under a "+ Timing (ns):" title (2019.1): ns either way.
      const row = timing.blocks[0][0];
      clockNs = nsOf(row[columnIndex(timing, (c) => c.startsWith('TARGET'))]);
      estimatedClockNs = nsOf(row[columnIndex(timing, (c) => c.startsWith('ESTIMATED'))]);
    }
    const li = findLine(lines, /^\s*\+\s*Latency\b/, perf[0], perf[1]);
    const latency = li >= 0 ? tableAfter(lines, li) : undefined;
    if (latency && latency.blocks[0]?.[0]) {
      const row = latency.blocks[0][0];
      // "Latency (cycles) min" (2019.2+) or "Latency min" (2019.1); never "Latency (absolute) ...".
      const cyc = (end: string) => columnIndex(latency, (c) => c.startsWith('LATENCY') && !c.includes('ABSOLUTE') && c.endsWith(end));
      const ii = (end: string) => columnIndex(latency, (c) => c.startsWith('INTERVAL') && c.endsWith(end));
      latencyMin = countOf(row[cyc('MIN')]);
      latencyMax = countOf(row[cyc('MAX')]);
      intervalMin = countOf(row[ii('MIN')]);
      intervalMax = countOf(row[ii('MAX')]);
    }
  }

  const zero = { bram18: 0, dsp: 0, ff: 0, lut: 0, uram: 0 };
  let resources: Resources = zero;
  let available: Resources = zero;
  const instances: InstanceRow[] = [];
  if (util) {
    const si = findLine(lines, /^\s*\*\s*Summary\s*:/, util[0], util[1]);
    const summary = si >= 0 ? tableAfter(lines, si) : undefined;
    if (summary) {
      const cols = resourceColumns(summary);
      const rows = summary.blocks.flat();
      const named = (name: string) => rows.find((r) => r[0]?.toUpperCase() === name);
      const total = named('TOTAL');
      const avail = named('AVAILABLE');
      if (total) resources = rowResources(total, cols);
      if (avail) available = rowResources(avail, cols);
    }
    const di = findLine(lines, /^\s*\+\s*Detail\s*:/, util[0], util[1]);
    const ii = di >= 0 ? findLine(lines, /^\s*\*\s*Instance\s*:/, di, util[1]) : -1;
    const table = ii >= 0 ? tableAfter(lines, ii) : undefined;
    if (table && table.blocks.length > 0) {
      const cols = resourceColumns(table);
      const nameCol = Math.max(0, columnIndex(table, (c) => c === 'INSTANCE'));
      const moduleCol = columnIndex(table, (c) => c === 'MODULE');
      for (const row of table.blocks[0]) {
        if (!row[nameCol] || row[nameCol].toUpperCase() === 'TOTAL') continue;
        instances.push({ name: row[nameCol], module: moduleCol >= 0 ? row[moduleCol] ?? '' : '', ...rowResources(row, cols) });
      }
    }
  }

  return {
    tool: toolName(family, version),
    part: header('Target device'),
    clockNs,
    estimatedClockNs,
    latencyMin,
    latencyMax,
    intervalMin,
    intervalMax,
    resources,
    available,
    instances,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Files

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/** `top="..."` of an HLS project's hls.app. */
function topFromHlsApp(prj: string): string | undefined {
  const file = path.join(prj, 'hls.app');
  if (!isFile(file)) return undefined;
  return /<project\b[^>]*\btop="([^"]+)"/.exec(readFileSync(file, 'utf8'))?.[1];
}

/** `top` of an fpgac build directory's source/build.json. */
function topFromBuildJson(dir: string): string | undefined {
  const file = path.join(dir, 'source', 'build.json');
  if (!isFile(file)) return undefined;
  try {
    const top = (JSON.parse(readFileSync(file, 'utf8')) as { top?: unknown }).top;
    return typeof top === 'string' ? top : undefined;
  } catch {
    return undefined;
  }
}

/** HLS project directories: `dir` itself when it holds a solution, else its `*_prj` (or any) subdirectories that do. */
function projectDirs(dir: string): string[] {
  const hasSolution = (p: string) => subdirs(p).some((s) => isDir(path.join(p, s, 'syn', 'report')));
  if (hasSolution(dir)) return [dir];
  const subs = subdirs(dir).map((s) => path.join(dir, s));
  return [...subs.filter((p) => p.endsWith('_prj')), ...subs.filter((p) => !p.endsWith('_prj'))].filter(hasSolution);
}

/**
 * Locates the C-synthesis report of a project: `<prj>/solution1/syn/report/<top>_csynth.xml`, else the `.rpt`.
 * `dir` is the HLS project (`<name>_prj`) or the fpgac build directory that contains it. The top function is `top`
 * when given, else read from the project's hls.app, the build's source/build.json, the `<top>_prj` directory name or
 * Vitis's aggregate csynth.xml. Other solutions than solution1 are searched after it.
 */
export function findCsynthReport(dir: string, top?: string): string | undefined {
  for (const prj of projectDirs(dir)) {
    const solutions = subdirs(prj).filter((s) => isDir(path.join(prj, s, 'syn', 'report')));
    solutions.sort((a, b) => (a === 'solution1' ? -1 : b === 'solution1' ? 1 : a < b ? -1 : a > b ? 1 : 0));
    for (const sol of solutions) {
      const reportDir = path.join(prj, sol, 'syn', 'report');
      const tops = top !== undefined ? [top] : [topFromHlsApp(prj), topFromBuildJson(dir), topFromBuildJson(path.dirname(prj)), /^(.+)_prj$/.exec(path.basename(prj))?.[1]];
      const aggregate = path.join(reportDir, 'csynth.xml');
      if (top === undefined && isFile(aggregate)) tops.push(/<TopModelName>\s*([^<\s]+)\s*<\/TopModelName>/.exec(readFileSync(aggregate, 'utf8'))?.[1]);
      for (const t of tops) {
        if (!t) continue;
        for (const ext of ['xml', 'rpt']) {
          const file = path.join(reportDir, `${t}_csynth.${ext}`);
          if (isFile(file)) return file;
        }
      }
      if (top === undefined) {
        const all = readdirSync(reportDir).filter((f) => /_csynth\.(xml|rpt)$/.test(f));
        const stems = [...new Set(all.map((f) => f.replace(/_csynth\.(xml|rpt)$/, '')))];
        if (stems.length === 1) return path.join(reportDir, all.find((f) => f.endsWith('.xml')) ?? all[0]);
      }
    }
  }
  return undefined;
}

/** Parses a report file by its extension (`.xml` or text). */
export function parseCsynthFile(file: string): SynthesisReport {
  const text = readFileSync(file, 'utf8');
  return /\.xml$/i.test(file) ? parseCsynthXml(text) : parseCsynthRpt(text);
}

/**
 * Reads a report file; for an XML report without an instance table (every per-top csynth.xml), the instances are
 * taken from the `.rpt` of the same name when it is there.
 */
export function readCsynthReport(file: string): SynthesisReport {
  const report = parseCsynthFile(file);
  if (!/\.xml$/i.test(file) || report.instances.length > 0) return report;
  const rpt = file.replace(/\.xml$/i, '.rpt');
  if (!existsSync(rpt)) return report;
  try {
    return { ...report, instances: parseCsynthRpt(readFileSync(rpt, 'utf8')).instances };
  } catch {
    return report;
  }
}
