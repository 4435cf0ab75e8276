/**
 * @fileoverview Per-layer resource and latency estimate for the kernels fpgac emits (hw/fpgac/*.h). The model:
 * - a MAC layer has pf_in × pf_out multipliers (dense) or pf_out engines (conv), chosen by the plan, working in a
 *   pipelined inner loop (II = 1); other kernels handle one element per cycle;
 * - latency of a pipelined loop of T iterations and depth D is T + D - 1; dense and conv kernels are one flat
 *   pipelined loop per row (dense) or channel group (conv), so latency = trips + fills × D; matmul re-enters its
 *   inner loop for every output, so latency = outputs × (k + D);
 * - a dense or conv multiplier is built by operand widths (MULTIPLIER_MODEL, multiplierCost): narrow products in
 *   LUTs, the rest as ceil(wa/27)·ceil(wb/18) DSP48E2 slices (1 for ≤ 27×18 operands); its adder ~acc-width
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
import type { PackMode } from './packing.js';
import type { StreamPlan } from './stream.js';
import type { BandRole } from './bands.js';
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
  readonly storage: 'constant-folded' | 'sparse' | 'dense' | 'streamed';
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
  /** Weights from DDR (src/plan/stream.ts): cycles per tile to load and to compute, and which is the longer. */
  readonly stream?: StreamCost;
  readonly multipliers: number;
  readonly reuse: number;
  readonly dsp: number;
  readonly lut: number;
  readonly ff: number;
  readonly latency: number;
}

/** DSP48 slices of one multiplier built in DSPs: a 27×18 signed multiplier per slice, tiled for wider operands. */
export function dspPerMultiplier(a: FixedFormat, b: FixedFormat): number {
  const [wa, wb] = a.width >= b.width ? [a.width, b.width] : [b.width, a.width];
  return Math.ceil(wa / 27) * Math.ceil(wb / 18);
}

/**
 * Low-bit products in fabric. With n = the narrower operand's width and m = the wider one's, a product is built in
 * LUTs (no DSP) when n ≤ 2 (binary, bipolar, ternary or 2-bit operands: the product is a select / add / subtract of
 * the other operand) or when n ≤ 4 and m ≤ 8; every other product is a DSP multiplier. The LUT6 count of one
 * fabric multiplier is (n − 1)·(m + 1), beyond the accumulator adder that every MAC has anyway: a shift-and-add
 * array of n − 1 carry-chain rows, each m + 1 bits wide, where one LUT6 per bit takes two AND-gated
 * partial-product bits (plus the carry) — the first row's partial product rides in the adder's LUT. Per pair:
 *
 *   n × m     LUT6   how
 *   1 × m     0      x·b is 0/x (unsigned) or 0/−x (signed): an AND or an inversion with carry-in, folded into
 *                    the accumulator adder's LUTs (free inputs of each LUT6)
 *   2 × m     m + 1  x·b0 + 2x·b1 (b1 negative when signed): one m + 1-bit carry-chain adder of gated terms
 *   3 × m≤8   2(m+1) two such rows (3×8: 18)
 *   4 × m≤8   3(m+1) three rows (4×4: 15, 4×8: 27)
 *   larger    DSP    ceil(wa/27)·ceil(wb/18) DSP48 slices (dspPerMultiplier), a fabric adder as before
 *
 * Why the cut at 4 × 8: such a product costs at most 27 LUTs, a small share of the LUTs each DSP slice stands for
 * on the listed boards (PYNQ-Z2 53,200 / 220 ≈ 242, ZCU104 ≈ 133), while wider products grow as n·m and a 16-bit
 * one would take hundreds of LUTs: those stay DSPs. Two narrow products that share an operand may share one DSP48E2 in a conv
 * (src/plan/packing.ts, applied by the plan on UltraScale(+) parts; the kernels write the packed arithmetic out);
 * 7-series DSP48E1 (PYNQ-Z2) lacks the 27-bit pre-adder input it relies on.
 * The HLS kernels are told: dense/conv configs carry `lut_mul` and a product function bound to fabric
 * (src/emit/kernels/dense.ts, conv.ts; pragma spelled per tool in src/emit/pragmas.ts mulLutPragma).
 */
export function fabricProduct(a: FixedFormat, b: FixedFormat): boolean {
  const n = Math.min(a.width, b.width);
  const m = Math.max(a.width, b.width);
  return n <= 2 || (n <= 4 && m <= 8);
}

/** One multiplier's cost in DSP slices and LUT6s (the LUTs beyond its accumulator adder). */
export interface MultiplierCost {
  readonly dsp: number;
  readonly lut: number;
}

/** How a kernel's products may be bound: by operand widths (dense, conv: kernels emit the fabric binding) or DSP only. */
export type ProductBinding = 'by-width' | 'dsp';

/** The cost of one multiplier of `a` × `b` operands under `binding` (see fabricProduct for the table). */
export function multiplierCost(a: FixedFormat, b: FixedFormat, binding: ProductBinding = 'by-width'): MultiplierCost {
  if (binding === 'dsp' || !fabricProduct(a, b)) return { dsp: dspPerMultiplier(a, b), lut: 0 };
  const n = Math.min(a.width, b.width);
  const m = Math.max(a.width, b.width);
  return { dsp: 0, lut: (n - 1) * (m + 1) };
}

/** The multiplier model in words, for the reports' estimate-model text. */
export const MULTIPLIER_MODEL =
  'A dense or conv product of n-bit by m-bit operands (n <= m) is built in LUTs when n <= 2 or (n <= 4 and ' +
  'm <= 8): (n-1)*(m+1) LUT6 beyond its accumulator adder (1-bit operands: the adder alone; 2-bit: m+1; 4x8: 27), ' +
  'with HLS told to bind it to fabric; any other multiplier is ceil(wa/27)*ceil(wb/18) DSP48 slices. Two narrow ' +
  'conv products sharing an operand may share one DSP48E2 (see below).';

/**
 * A MAC layer with `p` multipliers: `trips` pipelined loop iterations in all, the pipeline filled `fills` times
 * (once per flat loop: see hw/fpgac/dense.h and conv.h). `binding`: whether the kernel builds narrow products in
 * fabric ('by-width': dense and conv) or every product in DSPs.
 */
export function mac(trips: number, fills: number, p: number, products: number, x: FixedFormat, w: FixedFormat, acc: FixedFormat, binding: ProductBinding = 'dsp'): ComputeEstimate {
  const m = multiplierCost(x, w, binding);
  return {
    multipliers: p, reuse: products / p, dsp: p * m.dsp,
    lut: CONTROL_LUT + p * (acc.width + m.lut), ff: CONTROL_FF + p * (acc.width + x.width + w.width),
    latency: trips + fills * PIPELINE_DEPTH,
  };
}

export interface Parallel {
  readonly pfIn: number;
  readonly pfOut: number;
  /**
   * Output pixels computed side by side by every engine (conv2d only; 1 when absent): lanes over the output rows,
   * or over the columns of a one-row output (hw/fpgac/conv.h).
   */
  readonly pfPx?: number;
  /** Set by the plan (never an input): two products a DSP slice (src/plan/packing.ts). */
  readonly pack?: PackMode;
  /** Set by the plan (never an input): the sparse encoding the estimate chose (see sparse.ts). */
  readonly sparse?: SparseCode;
  /** Set by the plan (never an input): the layer's weights come from DDR (src/plan/stream.ts). */
  readonly stream?: StreamPlan;
  /** Set by the plan (never an input): the layer computes or reads a map in row bands (src/plan/bands.ts). */
  readonly band?: BandRole;
  /**
   * Set by the plan (never an input): the layer's output is compared with thresholds and written to `output`, the
   * unary layer it absorbs (src/plan/thresholds.ts); `fused` marks that unary layer, which emits nothing.
   */
  readonly thresholds?: { readonly thresholds: readonly number[]; readonly levels: readonly number[]; readonly output: string };
  readonly fused?: boolean;
}

/** A streamed layer's cost per tile (src/plan/stream.ts). */
export interface StreamCost {
  readonly tiles: number;
  readonly loadCycles: number;
  readonly computeCycles: number;
  readonly ddrBound: boolean;
}

/** The divisors of n, smallest first: the factors a kernel's loops split into evenly. */
export function divisors(n: number): number[] {
  // Pairs (d, n/d) up to √n: an element-wise layer of a feature map has n in the hundreds of thousands.
  const low: number[] = [];
  const high: number[] = [];
  for (let d = 1; d * d <= n; d++) {
    if (n % d) continue;
    low.push(d);
    if (d * d !== n) high.push(n / d);
  }
  return [...low, ...high.reverse()];
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

/**
 * Why no sparse encoding of a layer with `fanIn` weights per output can hold fewer bits than dense, or null when one
 * might: every non-zero is stored with an index of at least one bit once a lane has two or more inputs to choose
 * from. Checked before building an encoding (the planner would otherwise count lanes for every parallel factor of
 * layers with a few scattered zeros).
 */
export function sparseCannotSave(l: DenseLayer | Conv2dLayer, fanIn: number): string | null {
  if (fanIn < 2) return null;
  const total = l.weight.raw.length;
  const bits = l.weight.format.width;
  const least = (total - zerosOf(l.weight)) * (bits + 1);
  return least >= total * bits ? `sparse cannot hold fewer bits: ${total - zerosOf(l.weight)} non-zero values need at least ${least} bits with their indices, dense ${total * bits}` : null;
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
