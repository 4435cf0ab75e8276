/**
 * @fileoverview Small pieces the layer kind definitions share: the layer's own formats and sizes, and the parts
 * most kinds define the same way (no constants, no MACs, no tables, lanes shown as one number).
 */
import type { FixedFormat } from '../../sim/fixed.js';
import type { ComputeLayer, ConstData, Design, LayerConstant } from '../ir/design.js';
import { numel } from '../ir/graph.js';
import { laneChoices, lanesOf, stream, type ComputeEstimate, type Parallel } from '../plan/estimate.js';
import { laneBanks, storedAs } from '../plan/banks.js';
import type { SequentialRules } from './types.js';
import { addNs, castOps, MUL, tableRead, type FamilyDelays, type TimedOp } from '../plan/timing.js';

/** Format of input k / of the output. */
export const inFormat = (design: Design, l: ComputeLayer, k = 0): FixedFormat => design.tensors[l.inputs[k]].format;
export const outFormat = (design: Design, l: ComputeLayer): FixedFormat => design.tensors[l.output].format;

/** Elements of the output, and its bits (all of them alive at once when unrolled). */
export const outElements = (design: Design, l: ComputeLayer): number => numel(design.tensors[l.output].shape);
export const outBits = (design: Design, l: ComputeLayer): number => outElements(design, l) * outFormat(design, l).width;

/** An unrolled layer (pipelined schedule): no reuse; flip-flops and cycles come from the timing schedule. */
export function unrolled(e: Pick<ComputeEstimate, 'multipliers' | 'dsp' | 'lut'> & Partial<ComputeEstimate>): ComputeEstimate {
  return { reuse: 1, ff: 0, latency: 0, ...e };
}

export const noConstants = (): LayerConstant[] => [];
export const noMacs = (): number => 0;
export const noTables = (): number => 0;
export const noMacWeight = (): null => null;
export const noFormats = (): Readonly<Record<string, FixedFormat>> => ({});
/** Kernels with lanes (or engines) only: pf_out. */
export const lanesText = (p: Parallel): string => String(p.pfOut);

/**
 * Sequential rules of a per-element table kernel (curve, octave): pf lanes over contiguous blocks of the n elements
 * (block banks), each lane reading every table each cycle (`reads`: the plan replicates them), with `perLane`
 * multipliers and DSPs a lane.
 */
export function tableLaneRules<L extends ComputeLayer & { readonly n: number }>(
  constants: (l: L) => readonly LayerConstant[],
  perLane: (design: Design, l: L) => { readonly multipliers: number; readonly dsp: number },
): SequentialRules<L> {
  return {
    parallelChoices: (l) => laneChoices(l.n),
    estimate(design, l, par) {
      const w = outFormat(design, l).width;
      const m = perLane(design, l);
      return { ...lanesOf(stream(l.n / par.pfOut, 1, w), par.pfOut, w), multipliers: par.pfOut * m.multipliers, dsp: par.pfOut * m.dsp };
    },
    banks: (_l, p) => laneBanks(p),
    stored: (l, p) => storedAs(constants(l), 1, 'cyclic').map((c) => ({ ...c, reads: p.pfOut })),
  };
}

/**
 * The unrolled critical path of a table kernel (curve, octave): its index computation, the table read, the
 * interpolation multiply, the sum with the entry, the output cast.
 */
export function tableKernelPath(design: Design, l: ComputeLayer & { readonly table: ConstData }, d: FamilyDelays, inBram: boolean, index: TimedOp): TimedOp[] {
  return [
    index,
    tableRead(d, l.table.raw.length, inBram, outBits(design, l)),
    MUL(d, outBits(design, l)),
    { kind: 'logic', ns: addNs(d, outFormat(design, l).width + 4), bits: outBits(design, l) },
    ...castOps(d, outFormat(design, l), outBits(design, l)),
  ];
}
