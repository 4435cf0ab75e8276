/**
 * @fileoverview Small pieces the layer kind definitions share: the layer's own formats and sizes, and the parts
 * most kinds define the same way (no constants, no MACs, no tables, lanes shown as one number).
 */
import type { FixedFormat } from '../../sim/fixed.js';
import type { ComputeLayer, Design, LayerConstant } from '../ir/design.js';
import { numel } from '../ir/graph.js';
import type { ComputeEstimate, Parallel } from '../plan/estimate.js';

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
