/**
 * @fileoverview Per-layer resource and latency estimate for the kernels fpgac emits (hw/fpgac/*.h). The model:
 * - a MAC layer has pf_in × pf_out multipliers (dense) or pf_out engines (conv), chosen by the plan, working in a
 *   pipelined inner loop (II = 1); other kernels handle one element per cycle;
 * - latency of a pipelined loop of T iterations and depth D is T + D - 1; dense and conv kernels are one flat
 *   pipelined loop per row (dense) or channel group (conv), so latency = trips + fills × D; matmul re-enters its
 *   inner loop for every output, so latency = outputs × (k + D);
 * - a multiplier takes ceil(wa/27)·ceil(wb/18) DSP48E2 slices (1 for ≤ 27×18 operands), its adder ~acc-width
 *   LUTs, and in fabric flip-flops its accumulator and one register stage of its two operands (the DSP's own
 *   pipeline registers are not fabric FFs: the hls4ml csynth reports in ../shared/hls-reports show 4-13 FF per
 *   DSP for fully parallel layers, which have no accumulators); each layer adds ~60 LUT / ~80 FF of control;
 * - layers run one after another (no dataflow overlap), so the design's II equals its latency.
 *
 * This module holds the model's building blocks; each layer kind's formulas are in its definition (src/kinds/),
 * which the planner calls through the kind table.
 */
import { type FixedFormat } from '../../sim/fixed.js';
import type { ConstData, Conv2dLayer, DenseLayer } from '../ir/design.js';
import type { SparseCode } from './sparse.js';
import { numel } from '../ir/graph.js';

export const PIPELINE_DEPTH = 5;
export const CONTROL_LUT = 60;
const CONTROL_FF = 80;

/** Products with a zero weight, with a ±2^k weight (a shift), and the rest (a real multiplier). */
export interface ConstantWeights {
  readonly zeros: number;
  readonly powersOfTwo: number;
  readonly general: number;
}

export function constantWeightCounts(raws: readonly number[]): ConstantWeights {
  let zeros = 0;
  let pow2 = 0;
  for (const r of raws) {
    const a = Math.abs(r);
    if (a === 0) zeros++;
    else if ((a & (a - 1)) === 0 && a <= 2 ** 30) pow2++;
  }
  return { zeros, powersOfTwo: pow2, general: raws.length - zeros - pow2 };
}

/**
 * How a MAC layer holds its weights: 'constant-folded' (fully parallel: constants in the logic, zero products
 * dropped), 'sparse' (time-shared multipliers reading only non-zero weights, see sparse.ts) or 'dense' (every
 * weight stored and multiplied), with the counts behind the choice.
 */
export interface WeightStorage {
  readonly storage: 'constant-folded' | 'sparse' | 'dense';
  /** Weights of the dense layer, and how many of them are zero. */
  readonly weights: number;
  readonly zeros: number;
  /** Values stored (sparse: non-zeros plus padding zeros that balance lanes; dense: all weights; folded: 0). */
  readonly stored: number;
  /** Why this storage, in a few words (shown in the report). */
  readonly why: string;
}

export interface ComputeEstimate {
  /** Fully parallel layers with constant weights: how many products need no multiplier. */
  readonly constantSavings?: ConstantWeights;
  readonly weights?: WeightStorage;
  /** The sparse encoding the kernel reads, when the layer is sparse. */
  readonly sparse?: SparseCode;
  readonly multipliers: number;
  readonly reuse: number;
  readonly dsp: number;
  readonly lut: number;
  readonly ff: number;
  readonly latency: number;
}

export function dspPerMultiplier(a: FixedFormat, b: FixedFormat): number {
  const [wa, wb] = a.width >= b.width ? [a.width, b.width] : [b.width, a.width];
  return Math.ceil(wa / 27) * Math.ceil(wb / 18);
}

/**
 * A MAC layer with `p` multipliers: `trips` pipelined loop iterations in all, the pipeline filled `fills` times
 * (once per flat loop: see hw/fpgac/dense.h and conv.h).
 */
export function mac(trips: number, fills: number, p: number, products: number, x: FixedFormat, w: FixedFormat, acc: FixedFormat): ComputeEstimate {
  return {
    multipliers: p, reuse: products / p, dsp: p * dspPerMultiplier(x, w),
    lut: CONTROL_LUT + p * acc.width, ff: CONTROL_FF + p * (acc.width + x.width + w.width),
    latency: trips + fills * PIPELINE_DEPTH,
  };
}

export interface Parallel {
  readonly pfIn: number;
  readonly pfOut: number;
  /** Set by the plan (never an input): the sparse encoding the estimate chose (see sparse.ts). */
  readonly sparse?: SparseCode;
}

/** The divisors of n, smallest first: the factors a kernel's loops split into evenly. */
export function divisors(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
}

/** pf_out lanes over n elements (or channels): each lane a contiguous block (hw/fpgac/eltwise.h, pool.h). */
export function laneChoices(n: number): Parallel[] {
  return divisors(n).map((d) => ({ pfIn: 1, pfOut: d }));
}

/** Kernels without parallel factors. */
export const SERIAL: readonly Parallel[] = [{ pfIn: 1, pfOut: 1 }];

/** An element-wise kernel with `lanes` lanes: each lane its own datapath (~width LUTs and FFs). */
export function lanesOf(e: ComputeEstimate, lanes: number, width: number): ComputeEstimate {
  return { ...e, lut: e.lut + (lanes - 1) * width, ff: e.ff + (lanes - 1) * width };
}

/** A kernel that takes `perElement` cycles for each of `n` elements in one pipelined loop. */
export function stream(n: number, perElement: number, width: number): ComputeEstimate {
  return { multipliers: 0, reuse: 1, dsp: 0, lut: CONTROL_LUT + width, ff: CONTROL_FF + width, latency: n * perElement + PIPELINE_DEPTH };
}

/** A sparse alternative: its encoding and latency, or why the layer stays dense. */
export type SparseOption = { code: SparseCode; latency: number } | { why: string };

const zeroCounts = new WeakMap<ConstData, number>();

/** Zero weights of a constant (cached: the planner estimates every layer at every trial). */
export function zerosOf(c: ConstData): number {
  let z = zeroCounts.get(c);
  if (z === undefined) {
    z = 0;
    for (const r of c.raw) if (r === 0) z++;
    zeroCounts.set(c, z);
  }
  return z;
}

/** Sparse when it stores fewer values and saves cycles at the same multipliers; otherwise dense, saying why. */
export function withStorage(e: ComputeEstimate, l: DenseLayer | Conv2dLayer, s: SparseOption): ComputeEstimate {
  const weights = l.weight.raw.length;
  const zeros = zerosOf(l.weight);
  if ('why' in s) return { ...e, weights: { storage: 'dense', weights, zeros, stored: weights, why: s.why } };
  const { code, latency } = s;
  // Sparse must hold fewer bits (values, indices and control together) and take fewer cycles than dense.
  const bits = (c: ConstData) => numel(c.shape) * c.format.width; // the shape: a candidate's raws are never built
  const sparseBits = bits(code.values) + bits(code.index) + bits(code.control);
  if (sparseBits >= bits(l.weight) || latency >= e.latency) {
    // Lanes that run together share their steps: zeros at different places save nothing.
    const why = `sparse saves nothing here: ${latency} cycles and ${sparseBits} bits stored (values and indices), dense ${e.latency} and ${bits(l.weight)}`;
    return { ...e, weights: { storage: 'dense', weights, zeros, stored: weights, why } };
  }
  const pad = code.stored - code.nonzeros;
  const why = `${zeros} zeros not stored; ${pad} padding zeros balance the lanes; ${e.latency} -> ${latency} cycles, ${bits(l.weight)} -> ${sparseBits} bits with indices`;
  return { ...e, latency, sparse: code, weights: { storage: 'sparse', weights, zeros, stored: code.stored, why } };
}

/** Non-zero values of a constant (the terms of a fully unrolled sum). */
export function nonZeroTerms(raw: readonly number[]): number {
  let n = 0;
  for (const r of raw) if (r !== 0) n++;
  return n;
}
