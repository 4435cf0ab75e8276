/**
 * @fileoverview Resources of a layer when the whole design is one pipeline (schedule 'pipelined', II = 1): every
 * loop unrolled, so every product has its own multiplier and every table read its own port.
 * - A product with a constant weight needs a DSP only if the weight is neither 0 (dropped) nor ±2^k (a shift):
 *   the weights are compile-time constants once their arrays are completely partitioned.
 * - Sums are adder trees: one accumulator-width adder (~1 LUT a bit) per non-zero term beyond the first.
 * - Pipeline registers come from the timing schedule (src/plan/timing.ts), not from here.
 * - Tables are read by every lane at once: block-RAM tables are replicated, one copy per two reads (dual-port
 *   ROM, `rom_np` in the emitted pragmas); LUT ROM tables, one copy per read.
 */
import type { Design } from '../ir/design.js';
import { computeLayers } from '../ir/design.js';
import { kindOf, layerConstants, parallelChoices } from '../kinds/index.js';
import type { Board } from './boards.js';
import type { PlannedDesign } from './plan.js';
import type { LayerEstimate, MemoryPlacement, Plan } from './types.js';
import type { Parallel } from './estimate.js';
import { placeArray } from './memory.js';
import { CLOCK_UNCERTAINTY, describeDelays, pipelineSchedule } from './timing.js';
import { MULTIPLIER_MODEL } from './estimate.js';
import { boardResources, packing, totalsOf } from './totals.js';
import { numel } from '../ir/graph.js';

/** Every layer at its largest parallel factors (what the pipelined schedule runs). */
export function fullParallel(design: Design): Map<string, Parallel> {
  // Unrolled, a conv's every output channel has its own engine; pixel lanes (sequential only) do not apply.
  return new Map(computeLayers(design.layers).map((l) => { const c = parallelChoices(l).filter((p) => (p.pfPx ?? 1) === 1); return [l.name, c[c.length - 1]]; }));
}

const PIPELINED_MODEL =
  'The top function is one pipeline at II=1: every layer fully parallel, every loop unrolled, every array ' +
  'partitioned into registers. A product with a constant weight needs a DSP only if the weight is neither 0 nor ' +
  '+-2^k; sums are adder trees (~1 LUT per accumulator bit per adder). Latency: operations chain within a cycle ' +
  `while their delays fit the clock period minus ${100 * CLOCK_UNCERTAINTY}% uncertainty; a DSP multiply and a ` +
  `block-RAM read end in a register. ${describeDelays()} Pipeline flip-flops are the bits alive where a register ` +
  'is inserted. Tables read by many lanes are replicated: one block-RAM copy per two reads, one LUT ROM per read. ' +
  MULTIPLIER_MODEL;

/** The pipelined schedule: every layer fully parallel, the whole design one pipeline at II = 1. */
export function evaluatePipelined(design: Design, board: Board, clockMHz: number): PlannedDesign {
  const hasUram = board.uram > 0;
  const layers = computeLayers(design.layers);
  if (layers.length !== design.layers.length) throw new Error('internal error: a pipelined schedule cannot hold loop regions');
  const memories: MemoryPlacement[] = [];
  const charges = new Map<string, { lut: number; bram18: number }>();
  const charge = (layer: string, m: MemoryPlacement, lut: number) => {
    memories.push(m);
    const e = charges.get(layer) ?? { lut: 0, bram18: 0 };
    charges.set(layer, { lut: e.lut + lut, bram18: e.bram18 + (m.kind === 'bram18' ? m.blocks : 0) });
  };
  const seen = new Set<string>();
  for (const l of layers) {
    for (const { data: c, role } of layerConstants(l)) {
      if (seen.has(c.name)) continue;
      seen.add(c.name);
      const words = c.raw.length;
      const bits = c.format.width;
      if (role !== 'table') {
        // Completely partitioned constants are folded into the logic that reads them: no storage at all.
        charge(l.name, { name: c.name, role: 'weight', kind: 'registers', words, bits, banks: words, blocks: 0, capacityBits: words * bits }, 0);
        continue;
      }
      const reads = Math.max(1, ...layers.map((r) => kindOf(r).pipelined.tableReads(r, c)));
      const p = placeArray(words, bits, 1, hasUram, true);
      const copies = p.kind === 'bram18' ? Math.ceil(reads / 2) : p.kind === 'lutram' ? reads : 1;
      charge(l.name, { name: c.name, role: 'table', kind: p.kind, words, bits, banks: 1, blocks: p.blocks * copies, capacityBits: p.capacityBits * copies, ...(copies > 1 ? { copies } : {}) }, p.lut * copies);
    }
  }
  // Feature maps are wires between layers (their registers are the pipeline's, counted by the schedule); none
  // share an array, which would only add false dependences between pipeline stages.
  const groups = layers.filter((l) => !design.outputs.includes(l.output)).map((l) => {
    const t = design.tensors[l.output];
    return { name: l.output, members: [l.output], words: numel(t.shape), bits: t.format.width, cpp: '' };
  });
  for (const g of groups) memories.push({ name: g.name, role: 'feature', kind: 'registers', words: g.words, bits: g.bits, banks: g.words, blocks: 0, capacityBits: g.words * g.bits });
  const inBram = (name: string) => memories.some((m) => m.name === name && m.kind === 'bram18');
  const timing = pipelineSchedule(design, layers, board.part, clockMHz, (l, d) => kindOf(l).pipelined.path(design, l, d, inBram));
  const rows: LayerEstimate[] = layers.map((l) => {
    const e = kindOf(l).pipelined.resources(design, l);
    const extra = charges.get(l.name) ?? { lut: 0, bram18: 0 };
    const t = timing.perLayer.get(l.name)!;
    return {
      name: l.name, kind: l.kind, reuse: 1, multipliers: e.multipliers, dsp: e.dsp, lut: e.lut + extra.lut, ff: t.ff,
      bram18: extra.bram18, uram: 0, latency: t.cycles, ii: 1, runs: 1, ...(e.constantSavings ? { constantWeights: e.constantSavings } : {}),
    };
  });
  const plan: Plan = {
    board: boardResources(board), clockMHz, schedule: 'pipelined', timing: { family: timing.family, budgetNs: timing.budgetNs, uncertainty: CLOCK_UNCERTAINTY },
    layers: rows, memories, ...totalsOf(rows, board, timing.latency, 1, clockMHz), packingEfficiency: packing(memories), estimateModel: PIPELINED_MODEL,
  };
  return { plan, buffers: new Map([['top', groups]]), parallel: fullParallel(design) };
}
