/**
 * @fileoverview report.json / report.md: per layer the op, ONNX sources, shapes, parameters, zero weights,
 * formats and MACs, plus model totals and the pass log.
 */
import { rateText } from './util/rate.js';
import { formatToCpp, fracBits } from '../sim/fixed.js';
import type { ComputeLayer, ConstData, Design, Layer, LoopLayer } from './ir/design.js';
import { computeLayers } from './ir/design.js';
import { KINDS, kindOf, layerConstants } from './kinds/index.js';
import type { KindDef } from './kinds/types.js';

/** A layer's parameters: its weight and bias constants (tables and per-channel shifts are not parameters). */
const paramsOf = (l: ComputeLayer): ConstData[] => layerConstants(l).filter((e) => e.role === 'weight' || e.role === 'bias').map((e) => e.data);
import { numel } from './ir/graph.js';
import type { LayerEstimate, Plan } from './plan/types.js';
import { markdownText as md } from './util/escape.js';
import { DEFAULT_UTILIZATION, overBudget, RESOURCE_NAMES, RESOURCES, SMALL_PART_LUT_UTILIZATION, SMALL_PART_LUTS } from './plan/totals.js';

export interface LayerReport {
  readonly name: string;
  readonly kind: string;
  readonly sources: readonly string[];
  readonly inputShapes: readonly (readonly number[])[];
  readonly outputShape: readonly number[];
  readonly params: number;
  readonly zeroParams: number;
  readonly macs: number;
  readonly formats: Readonly<Record<string, string>>;
  readonly activation?: string;
  /** The loop region this layer is the engine of, and how many times it runs per inference. */
  readonly region?: string;
  readonly runs: number;
}

export interface RegionReport {
  readonly name: string;
  readonly steps: number;
  readonly origin: readonly string[];
  readonly bodyLayers: number;
  /** Bits of the constants the region's engine stores (once, whatever the step count). */
  readonly weightBitsStored: number;
  /** Bits an unrolled design (one copy per step, as hls4ml and FINN build) would store. */
  readonly weightBitsUnrolled: number;
  readonly macsPerInference: number;
}

export interface Report {
  readonly tool: string;
  readonly model: Design['model'];
  readonly top: string;
  readonly precision: string;
  readonly passes: readonly string[];
  readonly layers: readonly LayerReport[];
  readonly regions: readonly RegionReport[];
  /** The hardware plan (memory placement, parallelism, estimates), when one was made. */
  readonly plan?: Plan;
  /** The IP's interface: ports, words per sample, transfer and end-to-end time (src/deploy/transfer.ts). */
  readonly interface?: import('./deploy/transfer.js').InterfaceReport;
  /** With --fpga-from/--fpga-to: what the CPU runs around the fabric, and the tensors crossing (src/deploy/split-build.ts). */
  readonly split?: import('./deploy/split-build.js').SplitReport;
  /** More than half of the non-zero MAC weights round to 0: the plan's fit line says so (a "fit" may be why). */
  readonly flushedWeights?: { readonly flushed: number; readonly nonzero: number };
  /** Things the user should know that do not stop the build (printed by the CLI, listed in report.md). */
  readonly warnings?: readonly string[];
  /** `--precision auto`: widths tried, the chosen one, and its cost against the default precision. */
  readonly precisionSearch?: {
    readonly minAgreement: number;
    readonly chosen: { readonly width: number; readonly precision: string; readonly agreement: number };
    readonly tried: readonly { readonly width: number; readonly precision: string; readonly agreement: number }[];
    readonly defaultPrecision: string;
    readonly chosenCost: Readonly<Record<string, number>>;
    readonly defaultCost: Readonly<Record<string, number>>;
  };
  readonly totals: { readonly params: number; readonly zeroParams: number; readonly uniqueWeightBits: number; readonly macs: number; readonly layers: number };
}

const macsOf = (l: ComputeLayer): number => kindOf(l).macs(l);

/**
 * MAC layers whose weights are all zero in their format: the layer then outputs its bias only. A pruned model
 * rarely means that; weights below the format's step usually do (hls4ml's dense_big_keras at ap_fixed<16,6>).
 */
export function zeroWeightWarnings(design: Design): string[] {
  return computeLayers(design.layers).flatMap((l) => {
    const weight = kindOf(l).report.macWeight(l);
    if (!weight || weight.raw.some((r) => r !== 0)) return [];
    const f = weight.format;
    return [`layer '${l.name}' (node '${l.sources[0] ?? l.name}'): all ${weight.raw.length} weights are 0 in ${formatToCpp(f)}, so it outputs its bias only; weights smaller than half the format's step 2^${-fracBits(f)} round to 0: use --calibrate (weight formats from their values) or a --precision with more fraction bits`];
  });
}

/**
 * A model most of whose non-zero weights round to 0 in their formats computes little of what it was trained to:
 * the plan may "fit" only because the weights vanished. Counted over the MAC layers against the float weights of
 * the canonical graph (the node each layer comes from; exact zeros of a pruned model are not counted).
 */
export function flushedWeightWarnings(design: Design, floatWeights: (layerSource: string) => ArrayLike<number> | undefined): string[] {
  const c = flushedWeights(design, floatWeights);
  if (!c) return [];
  const { flushed, nonzero } = c;
  return [`${flushed} of the ${nonzero} non-zero weights of its MAC layers (${(100 * flushed / nonzero).toFixed(1)}%) round to 0 in their formats, so the design computes little of the trained model, whatever the resource estimate says: use --calibrate (weight formats from their values) or a --precision with more fraction bits, and check with fpgac verify`];
}

/** The counts behind flushedWeightWarnings: set when more than half of the non-zero MAC weights round to 0. */
export function flushedWeights(design: Design, floatWeights: (layerSource: string) => ArrayLike<number> | undefined): { flushed: number; nonzero: number } | undefined {
  let nonzero = 0;
  let flushed = 0;
  for (const l of computeLayers(design.layers)) {
    const weight = kindOf(l).report.macWeight(l);
    if (!weight) continue;
    const w = floatWeights(l.sources[0] ?? '');
    if (!w || w.length !== weight.raw.length) continue;
    for (let i = 0; i < w.length; i++) {
      if (w[i] === 0) continue;
      nonzero++;
      if (weight.raw[i] === 0) flushed++;
    }
  }
  return !nonzero || flushed <= nonzero / 2 ? undefined : { flushed, nonzero };
}

export function buildReport(design: Design, passes: readonly string[], tool: string): Report {
  const regionOf = new Map<ComputeLayer, LoopLayer>();
  const visit = (ls: readonly Layer[]) => ls.forEach((l) => {
    if (l.kind === 'loop') { computeLayers(l.body).forEach((b) => regionOf.set(b, l)); visit(l.body); }
  });
  visit(design.layers);
  const runsOf = (l: ComputeLayer) => regionOf.get(l)?.trips ?? 1;
  const layers = computeLayers(design.layers).map((l): LayerReport => {
    const consts = paramsOf(l);
    const params = consts.reduce((s, c) => s + c.raw.length, 0);
    const zeroParams = consts.reduce((s, c) => s + c.raw.filter((r) => r === 0).length, 0);
    const formats: Record<string, string> = {
      input: formatToCpp(design.tensors[l.inputs[0]]?.format ?? design.tensors[l.output].format),
      output: formatToCpp(design.tensors[l.output].format),
    };
    for (const [role, f] of Object.entries(kindOf(l).report.formats(l))) formats[role] = formatToCpp(f);
    return {
      name: l.name, kind: kindOf(l).report.label(l), sources: l.sources,
      inputShapes: l.inputs.map((i) => design.tensors[i].shape), outputShape: design.tensors[l.output].shape,
      params, zeroParams, macs: macsOf(l) * runsOf(l), formats,
      ...('act' in l && l.act.kind !== 'none' ? { activation: l.act.kind } : {}),
      ...(regionOf.has(l) ? { region: regionOf.get(l)!.name } : {}),
      runs: runsOf(l),
    };
  });
  const unique = new Map<string, ConstData>();
  // Each shared constant once; parameters only (weights, biases), not tables or shifts.
  computeLayers(design.layers).forEach((l) => paramsOf(l).forEach((c) => unique.set(c.name, c)));
  const regions: RegionReport[] = [];
  const collect = (ls: readonly Layer[]) => ls.forEach((l) => {
    if (l.kind !== 'loop') return;
    const body = computeLayers(l.body);
    const consts = new Map(body.flatMap((b) => layerConstants(b).map((e) => e.data)).map((c) => [c.name, c]));
    const bits = [...consts.values()].reduce((s, c) => s + c.raw.length * c.format.width, 0);
    regions.push({ name: l.name, steps: l.trips, origin: l.sources, bodyLayers: body.length, weightBitsStored: bits, weightBitsUnrolled: bits * l.trips, macsPerInference: body.reduce((s, b) => s + macsOf(b), 0) * l.trips });
    collect(l.body);
  });
  collect(design.layers);
  const warnings = zeroWeightWarnings(design);
  return {
    tool, model: design.model, top: design.name, precision: design.precision, passes,
    layers, regions, ...(warnings.length ? { warnings } : {}),
    totals: {
      params: [...unique.values()].reduce((s, c) => s + c.raw.length, 0),
      zeroParams: [...unique.values()].reduce((s, c) => s + c.raw.filter((r) => r === 0).length, 0),
      uniqueWeightBits: [...new Map(computeLayers(design.layers).flatMap(layerConstants).map((e) => [e.data.name, e.data])).values()].reduce((s, c) => s + c.raw.length * c.format.width, 0),
      macs: layers.reduce((s, l) => s + l.macs, 0),
      layers: layers.length,
    },
  };
}

/**
 * report.md. Every text that can come from the model or the command line (file name, producer, node and layer
 * names, warnings, pass summaries, the part) goes through `markdownText`; formats and the top function name are
 * generated (a C type, a validated identifier) and sit in code spans, where backslash escapes would show.
 */
export function renderReportMd(r: Report): string {
  const lines = [
    `# fpgac report: ${md(r.model.file)}`,
    '',
    `Top function \`${r.top}\`, default precision \`${r.precision}\`, opset ${r.model.opset}, producer ${md(r.model.producer || 'unknown')}.`,
    '',
    `Totals: ${r.totals.layers} layers, ${r.totals.params} parameters (${r.totals.zeroParams} zero, ${pct(r.totals.zeroParams, r.totals.params)}), ${r.totals.macs} MACs per inference, ${r.totals.uniqueWeightBits} bits of stored constants (each shared constant counted once).`,
    '',
    ...(r.warnings?.length ? ['## Warnings', '', ...r.warnings.map((w) => `- ${md(w)}`), ''] : []),
    '| # | layer | kind | ONNX nodes | input | output | params | zero | MACs | output format | accumulator |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.layers.map((l, i) => `| ${i} | ${md(l.name)}${l.region ? ` (in ${md(l.region)}, x${l.runs})` : ''} | ${l.kind}${l.activation ? `+${l.activation}` : ''} | ${l.sources.map(md).join(', ')} | ${l.inputShapes.map((s) => s.join('x')).join(', ')} | ${l.outputShape.join('x')} | ${l.params} | ${l.zeroParams} | ${l.macs} | \`${l.formats.output}\` | ${l.formats.accumulator ? `\`${l.formats.accumulator}\`` : ''} |`),
    '',
    ...(r.regions.length ? [
      '## Loop regions (one engine each, weights stored once)',
      '',
      '| region | steps | body layers | weight bits stored | unrolled design would store | MACs per inference |',
      '|---|---|---|---|---|---|',
      ...r.regions.map((g) => `| ${md(g.name)} | ${g.steps} | ${g.bodyLayers} | ${g.weightBitsStored} | ${g.weightBitsUnrolled} | ${g.macsPerInference} |`),
      '',
    ] : []),
    ...(r.precisionSearch ? [
      `## Precision search`,
      '',
      `Chosen: \`${r.precisionSearch.chosen.precision}\` (calibrated per tensor), the narrowest width keeping top-1 agreement with the float model at ${(100 * r.precisionSearch.chosen.agreement).toFixed(2)}% ≥ ${(100 * r.precisionSearch.minAgreement).toFixed(1)}% on the calibration data. Tried: ${r.precisionSearch.tried.map((t) => `${t.width} bits ${(100 * t.agreement).toFixed(1)}%`).join(', ')}.`,
      '',
      `Cost against \`${r.precisionSearch.defaultPrecision}\` (same calibration and planning): DSP ${r.precisionSearch.chosenCost.dsp} vs ${r.precisionSearch.defaultCost.dsp}, BRAM18 ${r.precisionSearch.chosenCost.bram18} vs ${r.precisionSearch.defaultCost.bram18}, URAM ${r.precisionSearch.chosenCost.uram} vs ${r.precisionSearch.defaultCost.uram}, LUT ${r.precisionSearch.chosenCost.lut} vs ${r.precisionSearch.defaultCost.lut}, latency ${r.precisionSearch.chosenCost.latencyCycles} vs ${r.precisionSearch.defaultCost.latencyCycles} cycles.`,
      '',
    ] : []),
    ...(r.plan ? planMd(r.plan, r.flushedWeights) : []),
    ...(r.interface ? interfaceMd(r.interface) : []),
    ...(r.split ? splitMd(r.split) : []),
    '## Passes',
    '',
    ...r.passes.map((p) => `- ${md(p)}`),
    '',
  ];
  return lines.join('\n');
}

/** The CPU/FPGA split: the parts and the tensors crossing between them. */
function splitMd(sp: NonNullable<Report['split']>): string[] {
  return [
    '## CPU / FPGA split',
    '',
    `The FPGA runs ${sp.fabricNodes} node(s) from ${sp.from.map((n) => `'${md(n)}'`).join(', ')} to ${sp.to.map((n) => `'${md(n)}'`).join(', ')}; the CPU runs ${sp.headNodes} before (\`host/head.onnx\`) and ${sp.tailNodes} after (\`host/tail.onnx\`) with ONNX Runtime. ${sp.bytesIn} bytes per sample go to the FPGA, ${sp.bytesOut} come back.`,
    '',
    '| tensor | from | to | shape | type | bytes per sample |',
    '|---|---|---|---|---|---|',
    ...sp.cuts.map((c) => `| ${md(c.name)} | ${c.from} | ${c.to} | ${c.shape.join('x')} | ${c.dtype} | ${c.bytesPerSample} |`),
    '',
    ...sp.notes.map((n) => `- ${md(n)}`),
    ...(sp.notes.length ? [''] : []),
  ];
}

/** The interface section: ports, words, and what moving them costs against the core's compute. */
function interfaceMd(i: NonNullable<Report['interface']>): string[] {
  if (i.kind === 'memory') return ['## Interface', '', 'memory: the core\'s array ports, for a design that moves the data itself.', ''];
  const us = (v: number) => (v < 1 ? `${(1000 * v).toFixed(0)} ns` : `${v.toFixed(2)} us`);
  return [
    '## Interface',
    '',
    `${i.kind === 'axis' ? 'AXI4-Stream (one word per cycle, TLAST on each sample\'s last word) with an s_axilite `batch` register' : 'm_axi (bursts, a bundle per port) with pointers and `batch` in s_axilite'}; ${i.busBits}-bit words (docs/deploy.md).`,
    '',
    '| port | tensor | format | values | field bits | per word | words per sample | bytes per sample |',
    '|---|---|---|---|---|---|---|---|',
    ...i.ports.map((q) => `| ${q.port} | ${md(q.onnxName)} | \`${q.format}\` | ${q.elements} | ${q.fieldBits} | ${q.perWord} | ${q.wordsPerSample} | ${q.bytesPerSample} |`),
    '',
    `Per sample: transfer ${i.transferCycles} cycles (${us(i.transferUs)}), the core's latency ${i.computeLatency} cycles; end to end ${i.endToEndCycles} cycles = ${us(i.endToEndUs)}, ${rateText(i.endToEndFps)} samples/s (the core alone accepts one every ${i.computeII} cycles: ${rateText(i.computeFps)}/s). Model: ${md(i.model)}.`,
    '',
    'Not run here: Vivado synthesis, implementation and a board. `make bitstream` (Vitis HLS export, then Vivado with `build_bd.tcl`) makes the bitstream; `driver/fpgac_driver.py --check` on the board compares its outputs with these bits.',
    '',
  ];
}

function pct(a: number, b: number): string {
  return b ? `${((100 * a) / b).toFixed(1)}%` : '0%';
}

export { numel };

const sumOf = (ls: readonly { constantWeights?: { zeros: number; powersOfTwo: number; general: number } }[], k: 'zeros' | 'powersOfTwo' | 'general') =>
  ls.reduce((n, l) => n + (l.constantWeights?.[k] ?? 0), 0);

/** The dataflow process with the largest interval (a top-level layer, loop region or fan-out). */
function slowest(p: Plan): string {
  const top = p.layers.filter((l) => l.runs === 1);
  const s = top.reduce((a, b) => (b.ii > a.ii ? b : a), top[0]);
  return s ? `${md(s.name)}, ${s.ii} cycles` : 'none';
}

/** A layer's parallel factors as the report shows them: pf_in x pf_out for dense, one number otherwise. */
function parallelText(l: LayerEstimate): string {
  if (!l.parallel) return '';
  const def = (KINDS as Readonly<Record<string, KindDef<ComputeLayer>>>)[l.kind];
  return def ? def.report.parallelText(l.parallel) : String(l.parallel.pfOut);
}

/** Per MAC layer: constant-folded, sparse or dense weights, the counts, and why (the plan's choice). */
function weightStorageMd(p: Plan): string[] {
  const ws = p.layers.filter((l) => l.weights);
  if (!ws.length) return [];
  const n = (k: 'weights' | 'zeros' | 'stored') => ws.reduce((s, l) => s + l.weights![k], 0);
  return [
    `Weight storage: ${n('zeros')} of ${n('weights')} MAC weights are zero; ${n('stored')} values are stored. Fully parallel layers fold their weights into the logic (zero products vanish); time-shared layers with zeros store only non-zero weights (sparse) when that saves cycles at the same multipliers.`,
    '',
    '| layer | weights | storage | zeros | values stored | why |',
    '|---|---|---|---|---|---|',
    ...ws.map((l) => `| ${md(l.name)} | ${l.weights!.weights} | ${l.weights!.storage} | ${l.weights!.zeros} | ${l.weights!.stored} | ${md(l.weights!.why)} |`),
    '',
    ...weightImageMd(p),
  ];
}

/** Weights from DDR: the image, the bandwidth assumed, and the layers whose loads outlast their compute. */
function weightImageMd(p: Plan): string[] {
  const wi = p.weightImage;
  if (!wi) return [];
  const bound = p.layers.filter((l) => l.stream?.ddrBound);
  const mb = (wi.words * wi.wordBits) / 8 / 2 ** 20;
  return [
    `Weights from DDR: ${wi.layers} layer(s) read their weights from the weight image (\`tb_data/weights.bin\`, ${wi.words} words of ${wi.wordBits} bits = ${mb.toFixed(2)} MiB; the driver loads it into DDR) over the \`wimg\` m_axi port, a tile per burst into two on-chip buffers. The estimate takes at most one ${wi.wordBits}-bit word a cycle and ${wi.ddrGBps === null ? 'no DDR limit (none stated for this board)' : `at most ${wi.ddrGBps} GB/s of DDR (${md(wi.ddrSource)})`}. ${bound.length ? `DDR-bound (a tile loads slower than it computes): ${bound.map((l) => `${md(l.name)} (${l.stream!.loadCycles} > ${l.stream!.computeCycles} cycles a tile)`).join(', ')}.` : 'No layer is DDR-bound: every tile computes at least as long as the next one loads.'}`,
    '',
  ];
}

/** The fit verdict in words: within the budget, over it but within the device, or over the device. */
export function fitText(p: Plan, flushed?: Report['flushedWeights']): string {
  const verdict = !p.fits ? 'DOES NOT FIT'
    : p.verdict === 'over-budget' ? `fits the device but exceeds the utilization budget (${overBudget(p).join('; ')}): place and route may fail`
    : p.budget ? 'fits within the utilization budget' : 'fits';
  // A design can "fit" only because most of its weights vanished: never say so without saying that.
  const why = flushed && p.fits ? ` — but ${flushed.flushed} of ${flushed.nonzero} non-zero weights (${(100 * flushed.flushed / flushed.nonzero).toFixed(1)}%) round to 0, so it computes little of the model (see Warnings)` : '';
  return verdict + why;
}

/** The budget per resource, what is used and the margin left (share of the device, and in units). */
function budgetMd(p: Plan): string[] {
  if (!p.budget || !p.margin) return [];
  const u = (x: number) => `${(100 * x).toFixed(1)}%`;
  const rows = RESOURCES.filter((r) => p.board[r] > 0).map((r) => {
    const left = Math.floor(p.budget![r] * p.board[r]) - p.totals[r];
    return `| ${RESOURCE_NAMES[r]} | ${p.board[r]} | ${u(p.budget![r])} (${Math.floor(p.budget![r] * p.board[r])}) | ${p.totals[r]} (${u(p.utilization[r])}) | ${u(p.margin![r])} (${left}) |`;
  });
  return [
    `Utilization budget (\`--max-utilization\`; default ${100 * DEFAULT_UTILIZATION}% of each resource, ${100 * SMALL_PART_LUT_UTILIZATION}% of the LUTs on parts under ${SMALL_PART_LUTS.toLocaleString('en-US')} LUTs): the planner adds parallelism only within it.`,
    '',
    '| resource | device | budget | estimate | margin left |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ];
}

function planMd(p: Plan, flushed?: Report['flushedWeights']): string[] {
  const u = (x: number) => `${(100 * x).toFixed(1)}%`;
  const t = p.totals;
  const savings = p.layers.filter((l) => l.constantWeights);
  return [
    `## Hardware plan: ${md(p.board.name)} (${md(p.board.part)}) at ${p.clockMHz} MHz — ${md(fitText(p, flushed))}`,
    '',
    ...budgetMd(p),
    `Estimate: ${t.dsp} DSP (${u(p.utilization.dsp)}), ${t.bram18} BRAM18 (${u(p.utilization.bram18)}), ${t.uram} URAM (${u(p.utilization.uram)}), ${t.lut} LUT (${u(p.utilization.lut)}), ${t.ff} FF (${u(p.utilization.ff)}). Latency ${t.latencyCycles} cycles = ${t.latencyUs.toFixed(2)} us, II ${t.iiCycles} cycles, ${rateText(t.throughputFps)} inferences/s. Weight packing efficiency (block memories): ${u(p.packingEfficiency)}.`,
    '',
    p.schedule === 'pipelined'
      ? `Schedule: pipelined — the top function is one pipeline at II = 1 (every layer fully parallel); latency from the ${p.timing!.family} delay model with ${p.timing!.budgetNs.toFixed(3)} ns of logic a cycle (${100 * p.timing!.uncertainty}% clock uncertainty).`
      : p.schedule === 'dataflow'
        ? `Schedule: dataflow — every top-level layer and loop region is a process of one DATAFLOW region, connected by ping-pong buffers; the slowest process (${slowest(p)}) sets the II, and back-to-back samples overlap.`
        : 'Schedule: sequential — layers run one after another, each a pipelined loop at its parallel factors.',
    '',
    `Board figures: ${md(p.board.source)}.`,
    '',
    `Model: ${p.estimateModel}`,
    '',
    '| layer | kind | parallel | multipliers | reuse | DSP | BRAM18 | URAM | LUT | FF | latency | runs |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...p.layers.map((l) => `| ${md(l.name)} | ${l.kind} | ${parallelText(l)} | ${l.multipliers} | ${l.reuse} | ${l.dsp} | ${l.bram18} | ${l.uram} | ${l.lut} | ${l.ff} | ${l.latency} | ${l.runs} |`),
    '',
    ...(savings.length ? [
      `Constant weights in fully parallel layers: ${sumOf(savings, 'zeros') + sumOf(savings, 'powersOfTwo')} of ${sumOf(savings, 'zeros') + sumOf(savings, 'powersOfTwo') + sumOf(savings, 'general')} products need no DSP (a zero weight drops the product, a ±2^k weight makes it a shift), so these layers need ${savings.reduce((n, l) => n + l.dsp, 0)} DSP instead of ${savings.reduce((n, l) => n + (l.constantWeights!.general ? l.dsp / l.constantWeights!.general : 1) * (l.constantWeights!.zeros + l.constantWeights!.powersOfTwo + l.constantWeights!.general), 0)}. ` + savings.map((l) => `${md(l.name)}: ${l.constantWeights!.zeros} zero and ${l.constantWeights!.powersOfTwo} power-of-two weights need no DSP (${l.constantWeights!.general} multipliers remain)`).join('; ') + '.',
      '',
    ] : []),
    ...weightStorageMd(p),
    '| memory | role | kind | words x bits | banks | blocks | shared with |',
    '|---|---|---|---|---|---|---|',
    ...p.memories.map((m) => `| ${md(m.name)} | ${m.role} | ${m.kind} | ${m.words} x ${m.bits} | ${m.reshape ? `1 (reshaped: ${m.reshape} per word)` : `${m.banks}${m.layout && m.banks > 1 ? ` ${m.layout}` : ''}`} | ${m.blocks}${m.copies ? ` (${m.copies} copies)` : ''} | ${m.sharedWith?.map(md).join(', ') ?? ''} |`),
    '',
    ...(p.synthesis ? [
      `HLS synthesis (${p.synthesis.tool}, ${md(p.synthesis.part)}): latency ${p.synthesis.latencyMin}-${p.synthesis.latencyMax} cycles, interval ${p.synthesis.intervalMin}-${p.synthesis.intervalMax}; ${p.synthesis.resources.dsp} DSP, ${p.synthesis.resources.bram18} BRAM18, ${p.synthesis.resources.uram} URAM, ${p.synthesis.resources.lut} LUT, ${p.synthesis.resources.ff} FF; estimated clock ${p.synthesis.estimatedClockNs} ns.`,
      '',
    ] : []),
  ];
}
