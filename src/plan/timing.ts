/**
 * @fileoverview Latency of a design pipelined as one function (schedule 'pipelined': the top function has
 * `PIPELINE II=1`, every loop unrolled, every array partitioned). HLS then schedules the whole data-flow graph as
 * one: operations chain inside a clock cycle while their delays fit the clock budget (period minus the 12.5%
 * uncertainty the project's build_prj.tcl sets), and registers go where the budget runs out. A DSP multiply and a
 * block-RAM read end in a register of their own. This module replays that as-soon-as-possible chaining over each
 * layer's critical path, using per-operation delays of the device family.
 *
 * The delays are this model's assumptions for the -2 speed grade (stated in every report), not figures read from
 * a datasheet. They are calibrated so that a fully parallel dense layer of fan-in ≤ 64 with 16-bit operands takes
 * the 2 cycles at 5 ns that Vivado HLS reports for hls4ml's latency-strategy dense layers (a multiply register,
 * then the adder tree and activation); no HLS run of fpgac's own output has checked them yet.
 *
 * This module holds the operations and the chaining; each layer kind's critical path is in its definition
 * (src/kinds/), which src/plan/pipelined.ts hands to pipelineSchedule.
 */
import type { FixedFormat } from '../../sim/fixed.js';
import type { ComputeLayer, Design } from '../ir/design.js';
import { numel } from '../ir/graph.js';

/** Share of the clock period HLS keeps free for place and route (set in build_prj.tcl). */
export const CLOCK_UNCERTAINTY = 0.125;

export interface FamilyDelays {
  readonly name: string;
  /** A w-bit ripple adder (LUT + carry chain + local routing) takes addBase + addPerBit · w ns. */
  readonly addBase: number;
  readonly addPerBit: number;
  /** ns of a 2:1 multiplexer level after a compare (max, relu, clamp). */
  readonly mux: number;
  /** ns from a DSP's inputs to its product register, and from that register to the fabric. */
  readonly mulIn: number;
  readonly mulOut: number;
  /** ns from address to a block RAM's input register, and clock-to-out of its data. */
  readonly bramIn: number;
  readonly bramOut: number;
  /** ns of a 64-entry LUT ROM read; deeper ROMs add romLevel ns per doubling (a mux level). */
  readonly lutRom: number;
  readonly romLevel: number;
}

const ULTRASCALE_PLUS: FamilyDelays = {
  name: 'UltraScale+ (-2)', addBase: 0.4, addPerBit: 0.0125, mux: 0.25, mulIn: 1.9, mulOut: 0.3, bramIn: 0.5, bramOut: 1.2, lutRom: 0.5, romLevel: 0.3,
};
/** 7-series fabric is taken as this much slower at the same speed grade, for every operation. */
const SEVEN_SERIES_FACTOR = 1.8;
const SEVEN_SERIES: FamilyDelays = {
  ...(Object.fromEntries(Object.entries(ULTRASCALE_PLUS).map(([k, v]) => [k, typeof v === 'number' ? v * SEVEN_SERIES_FACTOR : v])) as unknown as FamilyDelays),
  name: '7-series (-1)',
};

export const addNs = (d: FamilyDelays, w: number) => d.addBase + d.addPerBit * w;

/** The delays as the reports state them. */
export function describeDelays(): string {
  const d = ULTRASCALE_PLUS;
  return `Operation delays are this model's assumptions for the device family (${d.name}: a w-bit add ` +
    `${d.addBase}+${d.addPerBit}w ns, a multiply ${d.mulIn} ns to its register, a LUT ROM read ${d.lutRom} ns + ` +
    `${d.romLevel} ns per doubling past 64 entries; ${SEVEN_SERIES.name} ${SEVEN_SERIES_FACTOR}x slower).`;
}

export function familyDelays(part: string): FamilyDelays {
  return /^xc7[azkv]/i.test(part) ? SEVEN_SERIES : ULTRASCALE_PLUS;
}

/**
 * One operation on a layer's critical path: combinational logic that can chain, or an operation that ends in a
 * register (a DSP multiply, a block-RAM read). `bits` is the width of all values alive after it (what a pipeline
 * register placed right after it must hold).
 */
export type TimedOp =
  | { readonly kind: 'logic'; readonly ns: number; readonly bits: number }
  | { readonly kind: 'reg'; readonly before: number; readonly after: number; readonly bits: number };

/** Where the schedule is: the current cycle and the ns already used in it. */
export interface Clock {
  readonly cycle: number;
  readonly t: number;
}

export interface Scheduled {
  readonly end: Clock;
  /** Flip-flops of the pipeline registers inserted (DSP and BRAM registers are inside the primitives). */
  readonly ff: number;
}

/** As-soon-as-possible chaining of `ops` from `start` within a budget of `budget` ns a cycle. */
export function chain(ops: readonly TimedOp[], budget: number, start: Clock, liveBits: number): Scheduled {
  let { cycle, t } = start;
  let ff = 0;
  let live = liveBits;
  for (const op of ops) {
    const need = op.kind === 'logic' ? op.ns : op.before;
    if (t + need > budget && t > 0) {
      // Register what is alive here and start the next cycle.
      ff += live;
      cycle++;
      t = 0;
    }
    if (op.kind === 'logic') t += op.ns;
    else {
      cycle++;
      t = op.after;
    }
    live = op.bits;
  }
  return { end: { cycle, t }, ff };
}

export const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;
export const log2ceil = (n: number) => (n <= 1 ? 0 : Math.ceil(Math.log2(n)));

/** The output cast: rounding is an adder, saturation a compare and a mux; truncate/wrap are wires. */
export function castOps(d: FamilyDelays, out: FixedFormat, bits: number): TimedOp[] {
  const ops: TimedOp[] = [];
  if (out.q !== 'AP_TRN') ops.push({ kind: 'logic', ns: addNs(d, out.width), bits });
  if (out.o !== 'AP_WRAP') ops.push({ kind: 'logic', ns: addNs(d, out.width) + d.mux, bits });
  return ops;
}

/**
 * A fused activation: a multiplexer level after a compare (clip: one more compare, costed as an 8-bit add; leaky:
 * a constant multiply of the accumulator, costed as two adder levels of its width before the mux).
 */
export function activationOps(d: FamilyDelays, act: { kind: string }, bits: number): TimedOp[] {
  if (act.kind === 'none') return [];
  const extra = act.kind === 'clip' ? addNs(d, 8) : act.kind === 'leaky' ? 2 * addNs(d, Math.min(bits, 64)) : 0;
  return [{ kind: 'logic', ns: d.mux + extra, bits }];
}

/** A balanced tree of 2-input adders (or max units) over `terms` values, in each of `lanes` lanes. */
export function tree(d: FamilyDelays, terms: number, width: number, lanes: number, kind: 'add' | 'max'): TimedOp[] {
  const ops: TimedOp[] = [];
  let n = terms;
  for (let level = 0; level < log2ceil(terms); level++) {
    n = Math.ceil(n / 2);
    ops.push({ kind: 'logic', ns: addNs(d, width) + (kind === 'max' ? d.mux : 0), bits: lanes * n * width });
  }
  return ops;
}

/** A table read: registered in block RAM, combinational from LUT ROM. */
export function tableRead(d: FamilyDelays, entries: number, inBram: boolean, bits: number): TimedOp {
  if (inBram) return { kind: 'reg', before: d.bramIn, after: d.bramOut, bits };
  return { kind: 'logic', ns: d.lutRom + d.romLevel * log2ceil(entries / 64), bits };
}

/** A DSP multiply, ending in its product register. */
export const MUL = (d: FamilyDelays, bits: number): TimedOp => ({ kind: 'reg', before: d.mulIn, after: d.mulOut, bits });

/**
 * Cycles of every layer when the whole design is one pipeline, and the flip-flops of its pipeline registers.
 * `path` is a layer's critical path, fully unrolled, with the family's delays.
 */
export function pipelineSchedule(design: Design, layers: readonly ComputeLayer[], part: string, clockMHz: number, path: (l: ComputeLayer, d: FamilyDelays) => readonly TimedOp[]): { readonly latency: number; readonly perLayer: Map<string, { cycles: number; ff: number }>; readonly family: string; readonly budgetNs: number } {
  const d = familyDelays(part);
  const budget = (1000 / clockMHz) * (1 - CLOCK_UNCERTAINTY);
  const perLayer = new Map<string, { cycles: number; ff: number }>();
  let clock: Clock = { cycle: 0, t: 0 };
  for (const l of layers) {
    const live = l.inputs.reduce((s, t) => s + numel(design.tensors[t].shape) * design.tensors[t].format.width, 0);
    const r = chain(path(l, d), budget, clock, live);
    perLayer.set(l.name, { cycles: r.end.cycle - clock.cycle, ff: r.ff });
    clock = r.end;
  }
  // HLS counts a pipelined function's latency in register boundaries: the inputs are read in the first state and
  // the outputs written in the last, so a design that fits one cycle has latency 0.
  return { latency: clock.cycle, perLayer, family: d.name, budgetNs: budget };
}
