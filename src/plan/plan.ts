/**
 * @fileoverview planDesign: places every constant and feature-map buffer in on-chip memory, estimates every
 * layer, totals them against the board, and refuses (FPGAC010) a design that does not fit unless overflow is
 * allowed. The result drives the emitter (buffer sharing, BIND_STORAGE pragmas) and the reports.
 */
import type { ComputeLayer, ConstData, Design, Layer } from '../ir/design.js';
import { computeLayers } from '../ir/design.js';
import { numel } from '../ir/graph.js';
import { DiagnosticError } from '../diagnostics.js';
import type { Board } from './boards.js';
import type { LayerEstimate, MemoryPlacement, Plan } from './types.js';
import { placeArray } from './memory.js';
import { shareBuffers, type BufferGroup } from './buffers.js';
import { estimateLayer, PIPELINE_DEPTH } from './estimate.js';

export interface PlanOptions {
  readonly clockMHz?: number;
  readonly allowOverflow?: boolean;
}

export interface PlannedDesign {
  readonly plan: Plan;
  /** Buffer groups per scope: 'top' and each loop region's name. */
  readonly buffers: ReadonlyMap<string, readonly BufferGroup[]>;
}

export const ESTIMATE_MODEL =
  'Kernels run one multiply-accumulate or one element per cycle in pipelined loops (II=1): a MAC layer has one ' +
  'multiplier (reuse factor = its fan-in) and takes outputs x (fan-in + 5) cycles; a multiplier is ' +
  'ceil(wa/27)*ceil(wb/18) DSP48E2; LUT/FF: ~60 LUT and ~80 FF of control per layer plus accumulator-width adders ' +
  'and 5 pipeline stages of registers; LUTRAM is 64x1 bits per LUT. Layers run one after another, so the ' +
  'initiation interval equals the latency. Memories use the primitives\' real shapes (BRAM18 1Kx18 ... 16Kx1, ' +
  'URAM 4Kx72); buffers whose lifetimes do not overlap share one array.';

function constantsOf(l: ComputeLayer): { c: ConstData; role: 'weight' | 'table' }[] {
  switch (l.kind) {
    case 'conv2d': case 'dense': return [l.weight, ...(l.bias ? [l.bias] : [])].map((c) => ({ c, role: 'weight' as const }));
    case 'eltwise': return [l.a, l.b].flatMap((o) => ('constant' in o ? [{ c: o.constant, role: 'weight' as const }] : []));
    case 'lut': return [{ c: l.table, role: 'table' }];
    case 'softmax': return [{ c: l.expTable, role: 'table' }];
    default: return [];
  }
}

export function planDesign(design: Design, board: Board, opts: PlanOptions = {}): PlannedDesign {
  const clockMHz = opts.clockMHz ?? board.clockMHz;
  const hasUram = board.uram > 0;
  const memories: MemoryPlacement[] = [];
  const memOwner = new Map<MemoryPlacement, string>(); // layer charged with the memory
  const extraLut = new Map<string, number>();
  const extraFf = new Map<string, number>();
  const charge = (layer: string, m: MemoryPlacement, lut: number, ff: number) => {
    memories.push(m);
    memOwner.set(m, layer);
    extraLut.set(layer, (extraLut.get(layer) ?? 0) + lut);
    extraFf.set(layer, (extraFf.get(layer) ?? 0) + ff);
  };
  // Constants: one ROM each (stored once however many layers or steps read it).
  const seen = new Set<string>();
  for (const l of computeLayers(design.layers)) {
    for (const { c, role } of constantsOf(l)) {
      if (seen.has(c.name)) continue;
      seen.add(c.name);
      const p = placeArray(c.raw.length, c.format.width, 1, hasUram, true);
      charge(l.name, { name: c.name, role, kind: p.kind, words: c.raw.length, bits: c.format.width, banks: 1, blocks: p.blocks, capacityBits: p.capacityBits }, p.lut, p.ff);
    }
  }
  // Feature maps, per scope.
  const buffers = new Map<string, BufferGroup[]>();
  const placeScope = (scope: string, layers: readonly Layer[], params: ReadonlySet<string>) => {
    const groups = shareBuffers(design, layers, params);
    buffers.set(scope, groups);
    const producer = new Map(layers.map((l) => [l.output, l.name]));
    for (const g of groups) {
      const p = placeArray(g.words, g.bits, 1, hasUram);
      charge(producer.get(g.name)!, {
        name: g.name, role: 'feature', kind: p.kind, words: g.words, bits: g.bits, banks: 1, blocks: p.blocks, capacityBits: p.capacityBits,
        ...(g.members.length > 1 ? { sharedWith: g.members.slice(1) } : {}),
      }, p.lut, p.ff);
    }
    for (const l of layers) {
      if (l.kind !== 'loop') continue;
      // The region's second ping-pong buffer, then the step function's own buffers.
      const n = numel(design.tensors[l.stateIn].shape);
      const bits = design.tensors[l.stateIn].format.width;
      const p = placeArray(n, bits, 1, hasUram);
      charge(l.name, { name: `${l.name}_pp`, role: 'feature', kind: p.kind, words: n, bits, banks: 1, blocks: p.blocks, capacityBits: p.capacityBits }, p.lut, p.ff);
      placeScope(l.name, l.body, new Set([l.stateIn, l.stateOut]));
    }
  };
  placeScope('top', design.layers, new Set([...design.inputs, ...design.outputs]));

  // Layers: compute estimates, with memories charged to the layer that owns them.
  const layerRows: LayerEstimate[] = [];
  const memOf = (name: string, kind: 'bram18' | 'uram') => memories.filter((m) => memOwner.get(m) === name && m.kind === kind).reduce((s, m) => s + m.blocks, 0);
  const latencyOf = (layers: readonly Layer[], runs: number): number => layers.reduce((sum, l) => {
    if (l.kind === 'loop') {
      const n = numel(design.tensors[l.stateIn].shape);
      const body = latencyOf(l.body, runs * l.trips);
      const copy = n + PIPELINE_DEPTH;
      layerRows.push({ name: l.name, kind: `loop x${l.trips}`, reuse: 1, multipliers: 0, dsp: 0, lut: 60 + (extraLut.get(l.name) ?? 0), ff: 80 + (extraFf.get(l.name) ?? 0), bram18: memOf(l.name, 'bram18'), uram: memOf(l.name, 'uram'), latency: copy + l.trips * body, ii: copy + l.trips * body, runs });
      return sum + copy + l.trips * body;
    }
    const e = estimateLayer(design, l);
    layerRows.push({
      name: l.name, kind: l.kind, reuse: e.reuse, multipliers: e.multipliers, dsp: e.dsp,
      lut: e.lut + (extraLut.get(l.name) ?? 0), ff: e.ff + (extraFf.get(l.name) ?? 0),
      bram18: memOf(l.name, 'bram18'), uram: memOf(l.name, 'uram'), latency: e.latency, ii: e.latency, runs,
    });
    return sum + e.latency;
  }, 0);
  const latency = latencyOf(design.layers, 1);
  const sum = (k: 'dsp' | 'lut' | 'ff' | 'bram18' | 'uram') => layerRows.reduce((s, r) => s + r[k], 0);
  const totals = {
    dsp: sum('dsp'), lut: sum('lut'), ff: sum('ff'), bram18: sum('bram18'), uram: sum('uram'),
    latencyCycles: latency, iiCycles: latency, latencyUs: latency / clockMHz, throughputFps: (clockMHz * 1e6) / Math.max(latency, 1),
  };
  const ratio = (a: number, b: number) => (b > 0 ? a / b : a > 0 ? Infinity : 0);
  const utilization = {
    dsp: ratio(totals.dsp, board.dsp), lut: ratio(totals.lut, board.lut), ff: ratio(totals.ff, board.ff),
    bram18: ratio(totals.bram18, board.bram18), uram: ratio(totals.uram, board.uram),
  };
  const weightMems = memories.filter((m) => m.role !== 'feature');
  const weightBits = weightMems.reduce((s, m) => s + m.words * m.bits, 0);
  const weightCap = weightMems.reduce((s, m) => s + m.capacityBits, 0);
  const fits = Object.values(utilization).every((u) => u <= 1);
  const { board: _b, ...res } = board;
  void _b;
  const plan: Plan = {
    board: res, clockMHz, layers: layerRows, memories, totals, utilization,
    packingEfficiency: weightCap ? weightBits / weightCap : 1, fits, estimateModel: ESTIMATE_MODEL,
  };
  if (!fits && !opts.allowOverflow) throw new DiagnosticError(fitDiagnostics(plan));
  return { plan, buffers };
}

function fitDiagnostics(plan: Plan) {
  const budget = { dsp: plan.board.dsp, lut: plan.board.lut, ff: plan.board.ff, bram18: plan.board.bram18, uram: plan.board.uram };
  const names = { dsp: 'DSP', lut: 'LUT', ff: 'FF', bram18: 'BRAM18', uram: 'URAM' };
  return (Object.keys(budget) as (keyof typeof budget)[])
    .filter((k) => plan.totals[k] > budget[k])
    .map((k) => {
      const top = [...plan.layers].sort((a, b) => b[k] - a[k]).slice(0, 3).map((l) => `${l.name} (${l[k]})`).join(', ');
      return {
        code: 'FPGAC010' as const,
        message: `the design does not fit ${plan.board.part} (${plan.board.name}): ${names[k]} needs ${plan.totals[k]}, the budget is ${budget[k]}; largest consumers: ${top}`,
        hint: 'use a narrower --precision, a bigger --board, or --allow-overflow to build anyway',
      };
    });
}
