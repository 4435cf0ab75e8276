/**
 * @fileoverview planDesign: chooses each layer's parallelism, places every constant and feature-map buffer in
 * on-chip memory, estimates every layer, totals them against the board, and refuses (FPGAC010) a design that does
 * not fit unless overflow is allowed. The result drives the emitter (parallel factors, buffer sharing, storage
 * pragmas) and the reports.
 *
 * Parallelism, by default, is the best throughput within the utilization budget (`--max-utilization`, default 80%
 * of each resource, 70% of the LUTs of a small part: src/plan/totals.ts): starting from one multiplier per layer,
 * the layer that costs the most cycles per inference gets its next parallel factor as long as the whole design
 * stays within the budget (DSP, BRAM18, URAM, LUT, FF) and that layer still costs at least 1% of the latency; a
 * device filled to 100% rarely places and routes. With a target frame rate it stops as soon as the target is met. Layers
 * named in the configuration keep the reuse factor given there.
 */
import type { ComputeLayer, ConstData, Design, Layer } from '../ir/design.js';
import { computeLayers } from '../ir/design.js';
import { numel } from '../ir/graph.js';
import { DiagnosticError, type Diagnostic } from '../diagnostics.js';
import type { Board } from './boards.js';
import type { LayerEstimate, MemoryPlacement, Plan, Schedule, UtilizationBudget } from './types.js';
import { packedUram, placeArray, placeConstant, URAM_BITS } from './memory.js';
import { evaluatePipelined, fullParallel } from './pipelined.js';
import { boardResources, packing, resolveBudget, RESOURCE_NAMES, RESOURCES, totalsOf, withBudget, withinBudget } from './totals.js';
import { scopeBuffers, shareBuffers, type BufferGroup } from './buffers.js';
import { DATAFLOW_MODEL, dataflowTiming, fanoutCopy, fanouts, fanoutLatency, fanoutSource } from './dataflow.js';
import { formatToCpp } from '../../sim/fixed.js';
import { copyLanes, mergeLayout, planLayouts, storedConstants, withSparse, type TensorLayout } from './layout.js';
import { MULTIPLIER_MODEL, PIPELINE_DEPTH, type ComputeEstimate, type Parallel } from './estimate.js';
import { estimateLayer, kindOf, parallelChoices } from '../kinds/index.js';
import { packedEstimate, PACKING_MODEL, type PackMode } from './packing.js';
import { bandBuffer, bandCandidates, bandEstimate, bandRole, producerBand, readerBand, type BandPair } from './bands.js';
import { CONV2D } from '../kinds/conv2d.js';
import { thresholdPairs, type ThresholdPair } from './thresholds.js';
import { imageLayout, imageWordBits, tileGroups, tileWordsOf, STREAM_MODEL, streamableLayers, streamedEstimate, type StreamPlan, type StreamShape } from './stream.js';

export interface PlanOptions {
  readonly clockMHz?: number;
  readonly allowOverflow?: boolean;
  /** Stop adding parallelism once this many inferences per second are reached. */
  readonly targetFps?: number;
  /** Reuse factor per layer (design layer name or ONNX node name), from the configuration file. */
  readonly reuse?: ReadonlyMap<string, number>;
  /** 'auto' (default): pipelined when the whole design unrolled fits the board and no target says less is enough. */
  readonly schedule?: Schedule | 'auto';
  /** Shares of each resource the planner may fill; missing ones take the board's default (defaultBudget). */
  readonly maxUtilization?: Partial<UtilizationBudget>;
  /**
   * Where MAC weights live (`--weights`): 'auto' (default) streams from DDR, largest first, only the layers whose
   * weights would break the on-chip memory budget; 'chip' keeps all on chip; 'ddr' streams every layer that can.
   */
  readonly weightsFrom?: WeightsFrom;
}

export type WeightsFrom = 'auto' | 'chip' | 'ddr';

/**
 * Layers whose kernels can stream their weights — conv2d and dense at the top level, weights of at most 32 bits —
 * largest weight arrays first (ties by name): the order 'auto' streams them in.
 */
function streamOrder(design: Design, board: Board): ComputeLayer[] {
  const weightOf = (l: ComputeLayer) => kindOf(l).report.macWeight(l);
  const bits = (l: ComputeLayer) => { const w = weightOf(l)!; return w.raw.length * w.format.width; };
  return streamableLayers(design, (l) => { const w = weightOf(l); return !!kindOf(l).sequential.stream && !!w && w.format.width <= Math.min(32, imageWordBits(board)); })
    .sort((a, b) => bits(b) - bits(a) || (a.name < b.name ? -1 : 1));
}

/** The first layer of `order` (largest weights first) that is neither streamed yet nor excepted. */
const nextToStream = (order: readonly ComputeLayer[], streamed: ReadonlySet<string>, except: ReadonlySet<string>): ComputeLayer | undefined =>
  order.find((l) => !streamed.has(l.name) && !except.has(l.name));

/**
 * The layers that stream their weights (src/plan/stream.ts). 'auto': none while the design at one multiplier per
 * layer (`first`) keeps within the BRAM and URAM budget; otherwise the largest weight arrays first until it does (or
 * none are left: the fit verdict then says what is over).
 */
function chooseStreamed(order: readonly ComputeLayer[], mode: WeightsFrom, budget: UtilizationBudget, first: Plan, evaluateWith: (s: ReadonlySet<string>) => Plan, keep: ReadonlySet<string>): Set<string> {
  if (mode === 'chip') return new Set();
  if (mode === 'ddr') return new Set(order.filter((l) => !keep.has(l.name)).map((l) => l.name));
  const streamed = new Set<string>();
  let plan = first;
  for (let l = nextToStream(order, streamed, keep); l && memoryOver(plan, budget); l = nextToStream(order, streamed, keep)) {
    streamed.add(l.name);
    plan = evaluateWith(streamed);
  }
  return streamed;
}

const memoryOver = (p: Plan, budget: UtilizationBudget): boolean => p.utilization.bram18 > budget.bram18 || p.utilization.uram > budget.uram;

/**
 * Row bands for the maps that keep the design over the memory budget, largest first, each pair's layers in no other
 * pair and streaming no weights (the band kernel reads them on chip), until it is within the budget.
 */
function chooseBands(candidates: readonly BandPair[], budget: UtilizationBudget, first: Plan, evaluateWith: (b: readonly BandPair[]) => Plan): BandPair[] {
  const chosen: BandPair[] = [];
  let plan = first;
  const used = new Set<string>();
  for (const pair of candidates) {
    if (!memoryOver(plan, budget)) break;
    if ([pair.producer.name, pair.reader.name].some((n) => used.has(n))) continue;
    chosen.push(pair);
    used.add(pair.producer.name).add(pair.reader.name);
    plan = evaluateWith(chosen);
  }
  return chosen;
}

/** The streamed layers without those of the band pairs. */
const withoutBands = (streamed: ReadonlySet<string>, bands: readonly BandPair[]): Set<string> => {
  const s = new Set(streamed);
  for (const b of bands) { s.delete(b.producer.name); s.delete(b.reader.name); }
  return s;
};


export interface PlannedDesign {
  readonly plan: Plan;
  /** Buffer groups per scope: 'top' and each loop region's name. */
  readonly buffers: ReadonlyMap<string, readonly BufferGroup[]>;
  /** Parallel factors per layer name. */
  readonly parallel: ReadonlyMap<string, Parallel>;
  /** Bank partition of every feature map the kernels access in parallel (sequential schedule). */
  readonly layouts?: ReadonlyMap<string, TensorLayout>;
}

export const ESTIMATE_MODEL =
  'Each MAC layer has the multipliers its parallel factors give (dense: pf_in x pf_out per cycle; conv: pf_out ' +
  'output-channel engines x pf_px pixel lanes, each lane its own output rows), working in flat pipelined loops at II=1 (depth 5): a dense layer takes rows x ' +
  '(n_out/pf_out) x (n_in/pf_in) + 5 cycles, a conv (oc/pf_out) x (oh x ow / pf_px x fan-in + 5); with sparse weights ' +
  '(zeros not stored, see src/plan/sparse.ts) a dense layer takes rows x (steps + 5) and a conv oh x ow / pf_px x steps + ' +
  'groups x 5, steps counting the non-zero weights of the fullest lane of each group; matmul k + 5 per output; ' +
  'element-wise kernels, concatenations and pools pf_out lanes (contiguous blocks of elements or channels) at one element per lane ' +
  `and cycle (a table every lane reads is replicated: a block RAM serves two reads a cycle, a LUT ROM one); other kernels one element per cycle. ${MULTIPLIER_MODEL} ` +
  'LUT/FF: ~60 LUT and ~80 FF of control per layer plus, per ' +
  'multiplier, an accumulator-width adder, and flip-flops for its accumulator and one stage of its two operands ' +
  '(DSP-internal pipeline registers are not fabric FFs); LUTRAM is 64x1 bits per LUT. Layers run ' +
  'one after another, so the initiation interval equals the latency. Memories use the primitives\' real shapes ' +
  '(BRAM18 1Kx18 ... 16Kx1, URAM 4Kx72) and the banks the partitioning needs; buffers whose lifetimes do not overlap ' +
  'share one array. A dense or conv layer whose output only a cast into at most 4 bits reads compares its exact ' +
  'accumulator with that cast\'s thresholds instead (one acc-width comparator per threshold and output lane; the cast ' +
  `layer then costs nothing). ${PACKING_MODEL}`;

const ONE: Parallel = { pfIn: 1, pfOut: 1 };

const sameParallel = (a: Parallel, b: Parallel): boolean => a.pfIn === b.pfIn && a.pfOut === b.pfOut && (a.pfPx ?? 1) === (b.pfPx ?? 1);

/**
 * The forms a plan gives some layers beyond their parallel factors: weights from DDR (src/plan/stream.ts), row bands
 * (src/plan/bands.ts) and thresholds after the accumulator (src/plan/thresholds.ts).
 */
export interface PlanForms {
  readonly streamed?: ReadonlySet<string>;
  readonly banded?: readonly BandPair[];
  readonly thresholds?: readonly ThresholdPair[];
}

/**
 * Estimates the design, sequential or dataflow schedule (src/plan/dataflow.ts), with the given parallel factors and
 * forms (no fit check).
 */
export function evaluatePlan(design: Design, board: Board, parallel: ReadonlyMap<string, Parallel>, clockMHz = board.clockMHz, schedule: 'sequential' | 'dataflow' = 'sequential',
  forms: PlanForms = {}, memo?: EstimateMemo): PlannedDesign {
  const { streamed = new Set<string>(), banded = [], thresholds = [] } = forms;
  const dataflow = schedule === 'dataflow';
  const hasUram = board.uram > 0;
  const parOf = (l: ComputeLayer) => parallel.get(l.name) ?? ONE;
  const compute = computeLayers(design.layers);
  const formOf = layerForms(forms);
  // Each layer's estimate in its form; weights from DDR: its tiles at its parallel factors (src/plan/stream.ts).
  const shapes = new Map<string, StreamShape>();
  const packs = new Map<string, PackMode>();
  const est = new Map<string, ComputeEstimate>();
  for (const l of compute) {
    const r = layerEstimate(design, board, clockMHz, l, parOf(l), formOf(l), memo);
    est.set(l.name, r.estimate);
    if (r.shape) shapes.set(l.name, r.shape);
    if (r.pack) packs.set(l.name, r.pack);
  }
  const streamedWeight = (l: ComputeLayer) => (shapes.has(l.name) ? kindOf(l).report.macWeight(l) ?? undefined : undefined);
  const storedBy = new Map(compute.map((l) => [l.name, storedConstants(l, parOf(l), est.get(l.name)!).filter((c) => c.data !== streamedWeight(l))]));
  const stored = (l: ComputeLayer) => storedBy.get(l.name)!;
  const { tensors: tensorLayouts, constants: constLayouts } = planLayouts(design, parOf, (l) => est.get(l.name)!, stored);
  // A fused MAC writes the unary's output array: that array takes the MAC's banks too.
  for (const t of thresholds) {
    const need = tensorLayouts.get(t.mac.output);
    const merged = need ? mergeLayout(tensorLayouts.get(t.unary.output), need.banks, need.layout, numel(design.tensors[t.unary.output].shape)) : undefined;
    if (merged) tensorLayouts.set(t.unary.output, merged);
  }
  const memories: MemoryPlacement[] = [];
  const owner = new Map<MemoryPlacement, string>();
  const extra = new Map<string, { lut: number; ff: number }>();
  const charge = (layer: string, m: MemoryPlacement, lut: number, ff: number) => {
    memories.push(m);
    owner.set(m, layer);
    const e = extra.get(layer) ?? { lut: 0, ff: 0 };
    extra.set(layer, { lut: e.lut + lut, ff: e.ff + ff });
  };
  const seen = new Set<string>();
  for (const l of compute) {
    for (const { data: c, role, reads = 1 } of stored(l)) {
      if (seen.has(c.name)) continue;
      seen.add(c.name);
      const { banks, layout } = constLayouts.get(c.name) ?? { banks: 1, layout: 'cyclic' };
      const placed = constantPlacement(c, role, banks, layout, reads, hasUram);
      charge(l.name, placed.memory, placed.lut, placed.ff);
    }
  }
  // Tile buffers: two per weight type and bank count, shared by the streamed layers (src/plan/stream.ts tileGroups).
  const tiles = tileGroups(compute.filter((l) => shapes.has(l.name)).map((l) => {
    const s = shapes.get(l.name)!;
    return { name: l.name, cpp: formatToCpp(streamedWeight(l)!.format), banks: Math.min(s.banks, s.tileElems), elems: s.tileElems };
  }));
  for (const g of new Set(tiles.values())) {
    const bits = streamedWeight(compute.find((l) => l.name === g.owner)!)!.format.width;
    const p = placeArray(g.words, bits, g.banks, hasUram);
    for (const name of g.buffers) {
      charge(g.owner, {
        name, role: 'weight', kind: p.kind, words: g.words, bits, banks: g.banks, ...(g.banks > 1 ? { layout: 'cyclic' as const } : {}),
        blocks: p.blocks, capacityBits: p.capacityBits,
      }, p.lut, p.ff);
    }
  }
  const buffers = new Map<string, BufferGroup[]>();
  const bankKey = new Map([...tensorLayouts].map(([k, v]) => [k, `${v.layout} ${v.banks}`]));
  // A feature map between dataflow processes is a ping-pong pair: two copies, and no sharing (all live at once).
  const placeFeature = (owner: string, name: string, tensor: string, words: number, bits: number, copies: number, sharedWith: readonly string[] = []) => {
    const t = tensorLayouts.get(tensor);
    const banks = t?.banks ?? 1;
    const p = placeArray(words, bits, banks, hasUram);
    charge(owner, {
      name, role: 'feature', kind: p.kind, words, bits, banks, ...(t ? { layout: t.layout } : {}), blocks: copies * p.blocks, capacityBits: copies * p.capacityBits,
      ...(copies > 1 ? { copies } : {}), ...(sharedWith.length ? { sharedWith } : {}),
    }, copies * p.lut, copies * p.ff);
  };
  const buffersPlaced: number[] = [];
  const bandReads = new Map(banded.map((b) => [b.reader.name, b.producer.inputs]));
  const placeScope = (scope: string, layers: readonly Layer[], params: ReadonlySet<string>) => {
    const top = dataflow && scope === 'top';
    const groups = top
      ? scopeBuffers(layers, params).map((t) => ({ name: t, members: [t], words: numel(design.tensors[t].shape), bits: design.tensors[t].format.width, cpp: formatToCpp(design.tensors[t].format) }))
      : shareBuffers(design, layers, params, bankKey, bandReads, new Map(thresholds.map((t) => [t.unary.output, t.mac.name])));
    buffers.set(scope, groups);
    const producer = new Map(layers.map((l) => [l.output, l.name]));
    for (const g of groups) {
      placeFeature(producer.get(g.name)!, g.name, g.name, g.words, g.bits, top ? 2 : 1, g.members.slice(1));
      // A region's output is also its step function's state parameter, partitioned there: it keeps its banks.
      if (!top && !layers.some((l) => l.kind === 'loop' && l.output === g.name)) buffersPlaced.push(memories.length - 1);
    }
    for (const l of layers) {
      if (l.kind !== 'loop') continue;
      const n = numel(design.tensors[l.stateIn].shape);
      const bits = design.tensors[l.stateIn].format.width;
      // The second state buffer is passed to the same step function as the first: it is partitioned alike.
      const t = tensorLayouts.get(l.stateIn);
      const p = placeArray(n, bits, t?.banks ?? 1, hasUram);
      charge(l.name, { name: `${l.name}_pp`, role: 'feature', kind: p.kind, words: n, bits, banks: t?.banks ?? 1, ...(t ? { layout: t.layout } : {}), blocks: p.blocks, capacityBits: p.capacityBits }, p.lut, p.ff);
      placeScope(l.name, l.body, new Set([l.stateIn, l.stateOut]));
    }
  };
  // A banded map is never stored whole: its band buffer stands in, partitioned as the map would be.
  placeScope('top', design.layers, new Set([...design.inputs, ...design.outputs, ...banded.map((b) => b.map), ...thresholds.map((t) => t.mac.output)]));
  for (const b of banded) {
    placeFeature(b.reader.name, bandBuffer(b.reader.name), b.map, b.producer.oc * b.bandRows * b.producer.ow, design.tensors[b.map].format.width, 1);
    buffersPlaced.push(memories.length - 1);
  }
  const fans = dataflow ? fanouts(design) : [];
  for (const f of fans) {
    const words = numel(design.tensors[f.tensor].shape);
    const bits = design.tensors[f.tensor].format.width;
    for (const c of f.consumers) placeFeature(`${f.tensor}_fanout`, fanoutCopy(f.tensor, c), f.tensor, words, bits, 2);
    if (f.toPort) placeFeature(`${f.tensor}_fanout`, fanoutSource(f.tensor), f.tensor, words, bits, 2);
  }

  if (hasUram) balanceUram(memories, buffersPlaced, owner, board);
  const rows: LayerEstimate[] = [];
  // Blocks per owning layer, summed once (a filter over every memory per layer is quadratic in large designs).
  const blocks = new Map<string, { bram18: number; uram: number }>();
  for (const m of memories) {
    if (m.kind !== 'bram18' && m.kind !== 'uram') continue;
    const b = blocks.get(owner.get(m)!) ?? { bram18: 0, uram: 0 };
    b[m.kind] += m.blocks;
    blocks.set(owner.get(m)!, b);
  }
  const blocksOf = (name: string, kind: 'bram18' | 'uram') => blocks.get(name)?.[kind] ?? 0;
  const latencyOf = (layers: readonly Layer[], runs: number): number => layers.reduce((sum, l) => {
    const e2 = extra.get(l.name) ?? { lut: 0, ff: 0 };
    if (l.kind === 'loop') {
      const copy = numel(design.tensors[l.stateIn].shape) / copyLanes(tensorLayouts, l.stateIn) + PIPELINE_DEPTH;
      const total = copy + l.trips * latencyOf(l.body, runs * l.trips);
      rows.push({ name: l.name, kind: `loop x${l.trips}`, reuse: 1, multipliers: 0, dsp: 0, lut: 60 + e2.lut, ff: 80 + e2.ff, bram18: blocksOf(l.name, 'bram18'), uram: blocksOf(l.name, 'uram'), latency: total, ii: total, runs });
      return sum + total;
    }
    const e = est.get(l.name)!;
    rows.push({
      name: l.name, kind: l.kind, reuse: e.reuse, parallel: { pfIn: parOf(l).pfIn, pfOut: parOf(l).pfOut, ...((parOf(l).pfPx ?? 1) > 1 ? { pfPx: parOf(l).pfPx } : {}) }, multipliers: e.multipliers, dsp: e.dsp, lut: e.lut + e2.lut, ff: e.ff + e2.ff,
      bram18: blocksOf(l.name, 'bram18'), uram: blocksOf(l.name, 'uram'), latency: e.latency, ii: e.latency, runs,
      ...(e.constantSavings ? { constantWeights: e.constantSavings } : {}),
      ...(e.weights ? { weights: e.weights } : {}),
      ...(e.stream ? { stream: e.stream } : {}),
    });
    return sum + e.latency;
  }, 0);
  const sequentialLatency = latencyOf(design.layers, 1);
  const fanStages = new Map<string, number>();
  for (const f of fans) {
    const lat = fanoutLatency(design, f, copyLanes(tensorLayouts, f.tensor));
    fanStages.set(f.tensor, lat);
    const e2 = extra.get(`${f.tensor}_fanout`) ?? { lut: 0, ff: 0 };
    rows.push({ name: `${f.tensor}_fanout`, kind: 'fanout', reuse: 1, multipliers: 0, dsp: 0, lut: 60 + e2.lut, ff: 80 + e2.ff, bram18: blocksOf(`${f.tensor}_fanout`, 'bram18'), uram: blocksOf(`${f.tensor}_fanout`, 'uram'), latency: lat, ii: lat, runs: 1 });
  }
  const rowLatency = new Map(rows.map((r) => [r.name, r.latency]));
  const stageOf = (l: Layer) => rowLatency.get(l.name)!;
  const { latency, ii } = dataflow ? dataflowTiming(design, stageOf, fanStages) : { latency: sequentialLatency, ii: sequentialLatency };
  const image = imageLayout(compute, streamed, (l) => {
    const s = shapes.get(l.name)!;
    return { tiles: s.tiles, tileWords: tileWordsOf(s.tileElems, imageWordBits(board), streamedWeight(l)!.format.width) };
  });
  const plan: Plan = {
    board: boardResources(board), clockMHz, schedule, layers: rows, memories, ...totalsOf(rows, board, latency, ii, clockMHz),
    packingEfficiency: packing(memories), estimateModel: `${ESTIMATE_MODEL}${dataflow ? ` ${DATAFLOW_MODEL}` : ''}${shapes.size ? ` ${STREAM_MODEL}` : ''}`,
    ...(shapes.size ? { weightImage: { words: image.words, wordBits: imageWordBits(board), layers: shapes.size, ddrGBps: board.ddrGBps ?? null, ddrSource: board.ddrSource ?? 'not stated for this board: only the port width bounds the loads' } } : {}),
  };
  // The emitter learns from the parallel factors which layers read sparse weights, and which stream theirs.
  const streamPlan = (l: ComputeLayer): StreamPlan | undefined => {
    const s = shapes.get(l.name);
    const w = streamedWeight(l);
    if (!s || !w) return undefined;
    const wordBits = imageWordBits(board);
    const g = tiles.get(l.name)!;
    return { wordBits, weightBits: w.format.width, tiles: s.tiles, tileElems: s.tileElems, tileWords: tileWordsOf(s.tileElems, wordBits, w.format.width), offset: image.offsets.get(l.name)!, buffers: g.buffers, bufferWords: g.words };
  };
  const planned = new Map(compute.map((l) => {
    const m = packs.get(l.name);
    const p = withSparse(parOf(l), est.get(l.name)!);
    const st = streamPlan(l);
    const { band: b, threshold: t, fused } = formOf(l);
    return [l.name, {
      ...p, ...(m ? { pack: m } : {}), ...(st ? { stream: st } : {}), ...(b ? { band: bandRole(b.pair, b.role) } : {}),
      ...(t ? { thresholds: { thresholds: t.thresholds, levels: t.levels, output: t.unary.output } } : {}), ...(fused ? { fused: true } : {}),
    }];
  }));
  return { plan, buffers, parallel: planned, layouts: tensorLayouts };
}

/** What a plan's forms make of one layer: streamed weights, a band role, thresholds it computes or absorbs. */
interface LayerForm {
  readonly streamed: boolean;
  readonly band?: { readonly pair: BandPair; readonly role: 'producer' | 'reader' };
  readonly threshold?: ThresholdPair;
  readonly fused: boolean;
}

/** Each layer's form under `forms`. */
function layerForms(forms: PlanForms): (l: ComputeLayer) => LayerForm {
  const { streamed = new Set<string>(), banded = [], thresholds = [] } = forms;
  const bandOf = new Map<string, { pair: BandPair; role: 'producer' | 'reader' }>();
  for (const pair of banded) { bandOf.set(pair.producer.name, { pair, role: 'producer' }); bandOf.set(pair.reader.name, { pair, role: 'reader' }); }
  const thrOf = new Map(thresholds.map((t) => [t.mac.name, t]));
  const fused = new Set(thresholds.map((t) => t.unary.name));
  return (l) => ({ streamed: streamed.has(l.name), band: bandOf.get(l.name), threshold: thrOf.get(l.name), fused: fused.has(l.name) });
}

/**
 * Layer estimates of one design on one board and clock, by layer, parallel factors and form: the planner asks for
 * the same few hundreds of them across its greedy steps (one layer changes a step), so each is computed once.
 */
export type EstimateMemo = Map<string, LayerResult>;

interface LayerResult { readonly estimate: ComputeEstimate; readonly shape?: StreamShape; readonly pack?: PackMode }

const ZERO_ESTIMATE: ComputeEstimate = { multipliers: 0, reuse: 1, dsp: 0, lut: 0, ff: 0, latency: 0 };

/**
 * One layer's estimate at parallel factors `p` in its form: row bands (src/plan/bands.ts), thresholds on the
 * accumulator (the absorbed cast then costs nothing), weights from DDR (src/plan/stream.ts) and, on parts that can,
 * two products per DSP slice (src/plan/packing.ts).
 */
function layerEstimate(design: Design, board: Board, clockMHz: number, l: ComputeLayer, p: Parallel, form: LayerForm, memo?: EstimateMemo): LayerResult {
  const key = memo ? `${l.name} ${p.pfIn} ${p.pfOut} ${p.pfPx ?? 1} ${form.streamed ? 1 : 0} ${form.band ? `${form.band.role} ${form.band.pair.producer.name} ${form.band.pair.reader.name}` : ''} ${form.threshold?.unary.name ?? ''} ${form.fused ? 1 : 0}` : '';
  const hit = memo?.get(key);
  if (hit) return hit;
  let e = estimateLayer(design, l, p);
  if (form.band) {
    const geo = form.band.role === 'producer' ? producerBand(form.band.pair) : readerBand(form.band.pair);
    const run = CONV2D.sequential.stream!(geo, p);
    e = bandEstimate(e, form.band.pair, form.band.role, run.tiles * run.computePerTile);
  }
  if (form.fused) e = ZERO_ESTIMATE;
  else if (form.threshold) {
    const t = form.threshold;
    const lanes = p.pfOut * (p.pfPx ?? 1);
    const note = `; output through ${t.thresholds.length} thresholds on the accumulator (absorbs ${t.unary.name})`;
    e = { ...e, lut: e.lut + lanes * t.thresholds.length * t.mac.acc.width, ...(e.weights ? { weights: { ...e.weights, why: e.weights.why + note } } : {}) };
  }
  let shape: StreamShape | undefined;
  if (form.streamed) {
    shape = kindOf(l).sequential.stream?.(l, p);
    const w = kindOf(l).report.macWeight(l);
    if (!shape || !w) throw new Error(`internal error: layer ${l.name} (${l.kind}) cannot stream its weights`);
    e = streamedEstimate(e, shape, w.format.width, w.raw.length, board, clockMHz);
  }
  const pack = kindOf(l).sequential.packing?.(design, l, p, e, board.part);
  const r: LayerResult = { estimate: pack ? packedEstimate(e) : e, ...(shape ? { shape } : {}), ...(pack ? { pack } : {}) };
  memo?.set(key, r);
  return r;
}

/**
 * Feature maps fill BRAM and URAM evenly: the largest single-bank BRAM buffers move to URAM, packed (packedUram),
 * while the URAM's share of the device stays no higher than the BRAM's share was and the URAM lasts. `placeArray`
 * alone keeps a 16-bit map in BRAM, since unpacked a URAM holds it at 16/72 of its bits.
 */
function balanceUram(memories: MemoryPlacement[], candidates: readonly number[], owner: Map<MemoryPlacement, string>, board: Board): void {
  let bram = 0;
  let uram = 0;
  for (const m of memories) { if (m.kind === 'bram18') bram += m.blocks; else if (m.kind === 'uram') uram += m.blocks; }
  const order = candidates.filter((i) => memories[i].kind === 'bram18' && !memories[i].copies).sort((a, b) => memories[b].blocks - memories[a].blocks || a - b);
  for (const i of order) {
    const m = memories[i];
    const packed = packedUram(m.words, m.bits, m.banks, m.layout);
    if (!packed || uram + packed.blocks > board.uram || (uram + packed.blocks) / board.uram > bram / board.bram18) continue;
    const moved: MemoryPlacement = { ...m, kind: 'uram', blocks: packed.blocks, capacityBits: packed.blocks * URAM_BITS, reshape: packed.reshape, layout: packed.layout };
    memories[i] = moved;
    owner.set(moved, owner.get(m)!);
    bram -= m.blocks;
    uram += packed.blocks;
  }
}

const constantPlacements = new WeakMap<ConstData, Map<string, { memory: MemoryPlacement; lut: number; ff: number }>>();

/**
 * Where a constant goes with `banks` of `layout` and `reads` parallel reads of a table; memoized per constant (the
 * planner places every constant at every greedy step, and few of them change). A table read by several lanes at
 * once is replicated (as in the pipelined schedule): a block RAM serves two reads a cycle, a LUT ROM one; registers
 * any number.
 */
function constantPlacement(c: ConstData, role: MemoryPlacement['role'], banks: number, layout: 'cyclic' | 'block', reads: number, hasUram: boolean): { memory: MemoryPlacement; lut: number; ff: number } {
  let byShape = constantPlacements.get(c);
  if (!byShape) constantPlacements.set(c, (byShape = new Map()));
  const key = `${role} ${banks} ${layout} ${reads} ${hasUram}`;
  const hit = byShape.get(key);
  if (hit) return hit;
  const words = numel(c.shape);
  const p = placeConstant(words, c.format.width, banks, layout === 'cyclic', hasUram);
  const shape = p.reshape ? { banks: 1, reshape: p.reshape } : { banks, ...(banks > 1 ? { layout } : {}) };
  const copies = reads <= 1 ? 1 : p.kind === 'bram18' || p.kind === 'uram' ? Math.ceil(reads / 2) : p.kind === 'lutram' ? reads : 1;
  const placed = {
    memory: { name: c.name, role, kind: p.kind, words, bits: c.format.width, ...shape, blocks: p.blocks * copies, capacityBits: p.capacityBits * copies, ...(copies > 1 ? { copies } : {}) },
    lut: p.lut * copies, ff: p.ff,
  };
  byShape.set(key, placed);
  return placed;
}

/** The configured reuse factors as parallel factors; an impossible one is a diagnostic listing the valid ones. */
function configuredParallel(design: Design, reuse: ReadonlyMap<string, number>): { fixed: Map<string, Parallel>; problems: Diagnostic[] } {
  const fixed = new Map<string, Parallel>();
  const problems: Diagnostic[] = [];
  const used = new Set<string>();
  for (const l of computeLayers(design.layers)) {
    const key = [l.name, ...l.sources].find((k) => reuse.has(k));
    if (!key) continue;
    used.add(key);
    const r = reuse.get(key)!;
    const choices = parallelChoices(l);
    const products = (p: Parallel) => estimateLayer(design, l, p).reuse;
    const hit = choices.find((p) => products(p) === r);
    if (hit) fixed.set(l.name, hit);
    else problems.push({ code: 'FPGAC005', node: l.sources[0], op: l.kind, message: `reuse factor ${r} is not possible for layer '${l.name}'`, hint: `possible: ${[...new Set(choices.map(products))].sort((a, b) => a - b).join(', ')}` });
  }
  for (const k of reuse.keys()) if (!used.has(k)) problems.push({ code: 'FPGAC005', message: `the configuration names layer '${k}', which the design does not have` });
  return { fixed, problems };
}

export function planDesign(design: Design, board: Board, opts: PlanOptions = {}): PlannedDesign {
  const clockMHz = opts.clockMHz ?? board.clockMHz;
  const budget = resolveBudget(board, opts.maxUtilization);
  const dataflow = opts.schedule === 'dataflow';
  const weightsFrom = opts.weightsFrom ?? 'auto';
  // Streaming kernels share one m_axi port and keep their tile buffers to themselves: a sequential-schedule form.
  if (weightsFrom === 'ddr' && (opts.schedule === 'dataflow' || opts.schedule === 'pipelined')) {
    throw new DiagnosticError([{ code: 'FPGAC005', message: `--weights ddr needs the sequential schedule, not --schedule ${opts.schedule}`, hint: 'use --schedule sequential (or auto)' }]);
  }
  const { fixed, problems } = configuredParallel(design, opts.reuse ?? new Map());
  if (problems.length) throw new DiagnosticError(problems);
  const one = new Map<string, Parallel>(fixed);
  // The forms below are the sequential schedule's: a pipelined or dataflow schedule asked for keeps every weight and
  // map on chip (refused with FPGAC010 when they do not fit). Thresholds replace a MAC layer's casts wherever exact.
  const sequentialForms = !dataflow && opts.schedule !== 'pipelined';
  const thresholds = sequentialForms ? thresholdPairs(design) : [];
  // A layer the configuration makes fully parallel holds its weights as constants in the logic: never streamed.
  const keepOnChip = new Set(computeLayers(design.layers).filter((l) => fixed.has(l.name) && estimateLayer(design, l, fixed.get(l.name)!).constantSavings).map((l) => l.name));
  const order = sequentialForms ? streamOrder(design, board) : [];
  const bandPool = sequentialForms ? bandCandidates(design) : [];
  const memo: EstimateMemo = new Map();
  const at = (s: ReadonlySet<string>, b: readonly BandPair[]) => evaluatePlan(design, board, one, clockMHz, 'sequential', { streamed: s, banded: b, thresholds }, memo).plan;
  // The design at one multiplier per layer, evaluated once for both choices, and only when either has a choice.
  const first = order.length || bandPool.length ? at(new Set(), []) : undefined;
  const streamed = first && order.length ? chooseStreamed(order, weightsFrom, budget, first, (s) => at(s, []), keepOnChip) : new Set<string>();
  // Feature maps still over the memory budget are computed in row bands (src/plan/bands.ts), largest first; a
  // banded layer's weights stay on chip (the band kernel reads them there), so more of the others may stream.
  const banded: BandPair[] = first && bandPool.length ? chooseBands(bandPool, budget, streamed.size ? at(streamed, []) : first, (b) => at(withoutBands(streamed, b), b)) : [];
  const inBand = new Set(banded.flatMap((b) => [b.producer.name, b.reader.name]));
  for (const n of inBand) streamed.delete(n);
  const notToStream = new Set([...inBand, ...keepOnChip]);
  // Only a design whose maps already needed bands gets more of them when parallelism runs out of memory.
  const moreBands = banded.length ? bandPool : [];
  if (banded.length && weightsFrom === 'auto') {
    for (let l = nextToStream(order, streamed, notToStream); l && memoryOver(at(streamed, banded), budget); l = nextToStream(order, streamed, notToStream)) streamed.add(l.name);
  }
  const evaluate = (p: ReadonlyMap<string, Parallel>) => { const r = evaluatePlan(design, board, p, clockMHz, dataflow ? 'dataflow' : 'sequential', { streamed, banded, thresholds }, memo); return { ...r, plan: withBudget(r.plan, budget) }; };
  const parallel = new Map<string, Parallel>(fixed);
  const layers = computeLayers(design.layers);
  const runsOf = new Map<string, number>();
  const walk = (ls: readonly Layer[], runs: number) => ls.forEach((l) => (l.kind === 'loop' ? walk(l.body, runs * l.trips) : runsOf.set(l.name, runs)));
  walk(design.layers, 1);
  // Dataflow: the top-level process (layer or whole loop region) each layer belongs to; the slowest sets the II.
  const stageOf = new Map<string, string>();
  const inStage = (ls: readonly Layer[], stage: string | undefined) => ls.forEach((l) => (l.kind === 'loop' ? inStage(l.body, stage ?? l.name) : stageOf.set(l.name, stage ?? l.name)));
  inStage(design.layers, undefined);
  let current = evaluate(parallel);
  let rowLatency = new Map(current.plan.layers.map((r) => [r.name, r.latency]));
  const exhausted = new Set<string>(fixed.keys());
  const meets = (throughputFps: number) => opts.targetFps !== undefined && throughputFps >= opts.targetFps;
  // A streamed or banded layer never becomes fully parallel: its weights stay data, not constants in the logic.
  const mustStayData = (l: ComputeLayer, p: Parallel) => (streamed.has(l.name) || inBand.has(l.name)) && !!estimateLayer(design, l, p).constantSavings;
  /**
   * The greedy's next move from factors `par`, row latencies `lat` and total latency `total`: grow the layer that
   * costs the most cycles per inference and can still grow to its next choice, mark a layer that cannot grow, or
   * stop. Dataflow: first the layers of the slowest process; once its layers cannot grow, nothing raises the
   * throughput.
   */
  type Move = { readonly stop: true } | { readonly exhaust: string } | { readonly grow: ComputeLayer; readonly next: Parallel };
  const move = (par: ReadonlyMap<string, Parallel>, lat: ReadonlyMap<string, number>, total: number, done: ReadonlySet<string>): Move => {
    let best: { l: ComputeLayer; cost: number; stage: number } | undefined;
    for (const l of layers) {
      if (done.has(l.name) || parallelChoices(l).length <= 1) continue;
      const c = { l, cost: (lat.get(l.name) ?? 0) * (runsOf.get(l.name) ?? 1), stage: dataflow ? lat.get(stageOf.get(l.name)!) ?? 0 : 0 };
      if (!best || c.stage > best.stage || (c.stage === best.stage && c.cost > best.cost)) best = c;
    }
    if (!best) return { stop: true };
    if (dataflow && best.stage < current.plan.totals.iiCycles) return { stop: true };
    // A layer under 1% of the latency cannot change the throughput noticeably: spending multipliers on it is waste.
    if (best.cost < 0.01 * (dataflow ? best.stage : total)) return { stop: true };
    const { l } = best;
    const choices = parallelChoices(l);
    const i = choices.findIndex((p) => sameParallel(p, par.get(l.name) ?? ONE));
    // A banded layer's band kernel has engines but no pixel lanes: it takes the next choice without them.
    const next = choices.slice(i + 1).find((p) => !inBand.has(l.name) || (p.pfPx ?? 1) === 1);
    if (!next || mustStayData(l, next)) return { exhaust: l.name };
    return { grow: l, next };
  };
  const form = () => layerForms({ streamed, banded, thresholds });
  // Sequential schedule: a run of greedy moves is predicted from the layers' own estimates (a layer's latency does
  // not depend on the others) and the design evaluated once at its end. Within the budget, the run is taken whole and
  // the next one is twice as long; over it, the first half of the run is tried, down to single moves, which go back
  // to runs after two successes. Large designs on large parts take hundreds of moves with room to spare: a few
  // evaluations instead of one each. (Resources grow with the moves almost always, so the run's end stands for its
  // steps; where they do not, the plan taken is still one the budget admits.)
  let run = 1;
  let calm = 0;
  while (withinBudget(current.plan) && !meets(current.plan.totals.throughputFps)) {
    if (!dataflow && run > 1) {
      const par = new Map(parallel);
      const lat = new Map(rowLatency);
      const done = new Set(exhausted);
      const formOf = form();
      let total = current.plan.totals.latencyCycles;
      let grown = 0;
      while (grown < run) {
        const m = move(par, lat, total, done);
        if ('stop' in m) break;
        if ('exhaust' in m) { done.add(m.exhaust); continue; }
        const after = layerEstimate(design, board, clockMHz, m.grow, m.next, formOf(m.grow), memo).estimate.latency;
        total += (after - (lat.get(m.grow.name) ?? 0)) * (runsOf.get(m.grow.name) ?? 1);
        lat.set(m.grow.name, after);
        par.set(m.grow.name, m.next);
        grown++;
        if (meets((clockMHz * 1e6) / Math.max(total, 1))) break;
      }
      if (grown > 1) {
        const tried = evaluate(par);
        if (withinBudget(tried.plan)) {
          for (const [k, v] of par) parallel.set(k, v);
          for (const n of done) exhausted.add(n);
          current = tried;
          rowLatency = new Map(current.plan.layers.map((r) => [r.name, r.latency]));
          run *= 2;
          continue;
        }
        if (grown >= 4) { run = Math.floor(grown / 2); continue; }
      }
      run = 1;
      calm = 0;
    }
    const m = move(parallel, rowLatency, current.plan.totals.latencyCycles, exhausted);
    if ('stop' in m) break;
    if ('exhaust' in m) { exhausted.add(m.exhaust); continue; }
    const { grow: l, next } = m;
    const choices = parallelChoices(l);
    let tried = evaluate(new Map(parallel).set(l.name, next));
    // Out of on-chip memory with weights already streaming ('auto'): the next largest on-chip weights stream too,
    // which frees their memory at the cost of tile buffers and (when loads outlast compute) cycles.
    // Then the next largest map goes to row bands (its layers without pixel lanes, not the one growing).
    while (!withinBudget(tried.plan) && memoryOver(tried.plan, budget)) {
      const more = weightsFrom === 'auto' && streamed.size ? nextToStream(order, streamed, notToStream) : undefined;
      if (more) streamed.add(more.name);
      else {
        const pair = moreBands.find((b) => [b.producer, b.reader].every((x) => !inBand.has(x.name) && x.name !== l.name && (parallel.get(x.name)?.pfPx ?? 1) === 1));
        if (!pair) break;
        banded.push(pair);
        for (const x of [pair.producer, pair.reader]) { inBand.add(x.name); notToStream.add(x.name); streamed.delete(x.name); }
      }
      tried = evaluate(new Map(parallel).set(l.name, next));
    }
    // Pixel lanes bank the feature maps by rows; when such a choice breaks the budget, the next choice with engines
    // only (no more pixel lanes than now) may still fit: one more try before the layer is exhausted.
    let chosen = next;
    if (!withinBudget(tried.plan) && (next.pfPx ?? 1) > (parallel.get(l.name)?.pfPx ?? 1)) {
      const px = parallel.get(l.name)?.pfPx ?? 1;
      const alt = choices.slice(choices.indexOf(next) + 1).find((p) => (p.pfPx ?? 1) <= px);
      if (alt && !mustStayData(l, alt)) {
        tried = evaluate(new Map(parallel).set(l.name, alt));
        chosen = alt;
      }
    }
    if (!withinBudget(tried.plan)) { exhausted.add(l.name); calm = 0; continue; }
    parallel.set(l.name, chosen);
    current = tried;
    rowLatency = new Map(current.plan.layers.map((r) => [r.name, r.latency]));
    if (++calm >= 2) run = 2;
  }
  // Streamed weights keep the sequential schedule (the pipelined one would hold every weight in the logic).
  if (!streamed.size) current = chooseSchedule(design, board, opts, clockMHz, fixed, current, budget);
  if (!current.plan.fits && !opts.allowOverflow) throw new DiagnosticError(fitDiagnostics(current.plan));
  return current;
}

/**
 * The pipelined schedule replaces the sequential plan when asked for, or (auto) when it stays within the budget
 * and either no frame rate was asked for or the sequential plan misses it: at II = 1 it has the best throughput
 * there is.
 */
function chooseSchedule(design: Design, board: Board, opts: PlanOptions, clockMHz: number, fixed: ReadonlyMap<string, Parallel>, sequential: PlannedDesign, budget: UtilizationBudget): PlannedDesign {
  const mode = opts.schedule ?? 'auto';
  if (mode === 'sequential' || mode === 'dataflow') return sequential;
  const full = fullParallel(design);
  const why = design.layers.some((l) => l.kind === 'loop')
    ? 'the design has loop regions, whose steps share one engine'
    : [...fixed].filter(([n, p]) => !sameParallel(p, full.get(n)!)).map(([n]) => `the configuration gives layer '${n}' a reuse factor above 1`)[0];
  if (why) {
    if (mode === 'pipelined') throw new DiagnosticError([{ code: 'FPGAC005', message: `a pipelined schedule is not possible: ${why}`, hint: 'use --schedule sequential or auto' }]);
    return sequential;
  }
  if (mode === 'auto' && opts.targetFps !== undefined && sequential.plan.fits && sequential.plan.totals.throughputFps >= opts.targetFps) return sequential;
  // Auto: the unrolled layers' own DSPs and LUTs are a lower bound of the pipelined totals (memories and pipeline
  // registers only add); over the budget already, the schedule (the costly part of its evaluation) is not needed.
  if (mode === 'auto' && pipelinedOverBudget(design, board, budget)) return sequential;
  const raw = evaluatePipelined(design, board, clockMHz);
  const pipelined = { ...raw, plan: withBudget(raw.plan, budget) };
  return mode === 'pipelined' || withinBudget(pipelined.plan) ? pipelined : sequential;
}

/** True when the fully parallel layers' DSPs or LUTs alone exceed their share of the board. */
function pipelinedOverBudget(design: Design, board: Board, budget: UtilizationBudget): boolean {
  let dsp = 0;
  let lut = 0;
  for (const l of computeLayers(design.layers)) {
    const e = kindOf(l).pipelined.resources(design, l);
    dsp += e.dsp;
    lut += e.lut;
  }
  return dsp > budget.dsp * board.dsp || lut > budget.lut * board.lut;
}

function fitDiagnostics(plan: Plan): Diagnostic[] {
  const device = { dsp: plan.board.dsp, lut: plan.board.lut, ff: plan.board.ff, bram18: plan.board.bram18, uram: plan.board.uram };
  return RESOURCES
    .filter((k) => plan.totals[k] > device[k])
    .map((k) => {
      const top = [...plan.layers].sort((a, b) => b[k] - a[k]).slice(0, 3).map((l) => `${l.name} (${l[k]})`).join(', ');
      return {
        code: 'FPGAC010' as const,
        message: `the design does not fit ${plan.board.part} (${plan.board.name}): ${RESOURCE_NAMES[k]} needs ${plan.totals[k]}, the device has ${device[k]}; largest consumers: ${top}`,
        // Memory the sequential schedule could have freed (weights from DDR, row bands) is worth naming.
        hint: (k === 'bram18' || k === 'uram') && plan.schedule !== 'sequential'
          ? `the ${plan.schedule} schedule keeps every weight and map on chip: --schedule sequential streams weights from DDR and computes large maps in row bands; or a narrower --precision, a bigger --board, or --allow-overflow`
          : 'use a narrower --precision, a bigger --board, or --allow-overflow to build anyway',
      };
    });
}
