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
 */
import { type FixedFormat } from '../../sim/fixed.js';
import { eltwiseIsFlat, type ComputeLayer, type ConstData, type Conv2dLayer, type Design, type DenseLayer } from '../ir/design.js';
import { numel } from '../ir/graph.js';
import { denseAccExact, sparseConv, sparseDense, sparsePointwise, type SparseCode } from './sparse.js';

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
function mac(trips: number, fills: number, p: number, products: number, x: FixedFormat, w: FixedFormat, acc: FixedFormat): ComputeEstimate {
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

/** The parallel factors a layer's kernel accepts, fewest multipliers first (see hw/fpgac/dense.h, conv.h). */
export function parallelChoices(l: ComputeLayer): Parallel[] {
  const divisors = (n: number) => Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
  if (l.kind === 'dense') {
    return [...divisors(l.nIn).map((d) => ({ pfIn: d, pfOut: 1 })), ...divisors(l.nOut).slice(1).map((d) => ({ pfIn: l.nIn, pfOut: d }))];
  }
  if (l.kind === 'conv2d' && (l.group === 1 || (l.group === l.c && l.c === l.oc))) return divisors(l.oc).map((d) => ({ pfIn: 1, pfOut: d }));
  // Element-wise kernels: pf_out lanes, each a contiguous block of elements (hw/fpgac/eltwise.h); pools likewise by channel.
  if (l.kind === 'unary') return divisors(l.n).map((d) => ({ pfIn: 1, pfOut: d }));
  if (l.kind === 'pool2d') return divisors(l.c).map((d) => ({ pfIn: 1, pfOut: d })); // channel lanes
  if (l.kind === 'eltwise' && eltwiseIsFlat(l)) return divisors(numel(l.outShape)).map((d) => ({ pfIn: 1, pfOut: d }));
  return [{ pfIn: 1, pfOut: 1 }];
}

/** An element-wise kernel with `lanes` lanes: each lane its own datapath (~width LUTs and FFs). */
function lanesOf(e: ComputeEstimate, lanes: number, width: number): ComputeEstimate {
  return { ...e, lut: e.lut + (lanes - 1) * width, ff: e.ff + (lanes - 1) * width };
}

function stream(n: number, perElement: number, width: number): ComputeEstimate {
  return { multipliers: 0, reuse: 1, dsp: 0, lut: CONTROL_LUT + width, ff: CONTROL_FF + width, latency: n * perElement + PIPELINE_DEPTH };
}

export function estimateLayer(design: Design, l: ComputeLayer, par: Parallel = { pfIn: 1, pfOut: 1 }): ComputeEstimate {
  const fmt = (t: string) => design.tensors[t].format;
  const out = fmt(l.output);
  switch (l.kind) {
    case 'conv2d': {
      const fanIn = (l.c / l.group) * l.kh * l.kw;
      const groups = l.oc / par.pfOut;
      const e = mac(groups * l.oh * l.ow * fanIn, groups, par.pfOut, fanIn * l.oc, fmt(l.inputs[0]), l.weight.format, l.acc);
      return withStorage(e, l, convSparse(l, par));
    }
    case 'dense': {
      const e = mac(l.rows * (l.nOut / par.pfOut) * (l.nIn / par.pfIn), 1, par.pfIn * par.pfOut, l.nIn * l.nOut, fmt(l.inputs[0]), l.weight.format, l.acc);
      if (par.pfIn * par.pfOut !== l.nIn * l.nOut) return withStorage(e, l, denseSparse(l, par, fmt(l.inputs[0])));
      // Fully parallel: every weight is its own multiplier with a constant operand (the partitioned ROM becomes
      // constants), so HLS drops zero weights and turns ±2^k weights into shifts: only the rest need a DSP.
      const c = constantWeightCounts(l.weight.raw);
      const weights: WeightStorage = { storage: 'constant-folded', weights: l.weight.raw.length, zeros: c.zeros, stored: 0, why: `fully parallel: ${c.zeros} zero products dropped, ${c.powersOfTwo} are shifts` };
      return { ...e, multipliers: c.general, dsp: c.general * dspPerMultiplier(fmt(l.inputs[0]), l.weight.format), constantSavings: c, weights };
    }
    case 'matmul':
      return mac(l.batch * l.m * l.n * l.k, l.batch * l.m * l.n, 1, l.k, fmt(l.inputs[0]), fmt(l.inputs[1]), l.acc);
    case 'eltwise': {
      const lanes = par.pfOut;
      const e = lanesOf(stream(numel(l.outShape) / lanes, 1, out.width), lanes, out.width);
      const mul = l.op === 'mul';
      const fa = 'tensor' in l.a ? fmt(l.a.tensor) : l.a.constant.format;
      const fb = 'tensor' in l.b ? fmt(l.b.tensor) : l.b.constant.format;
      return { ...e, multipliers: mul ? lanes : 0, dsp: mul ? lanes * dspPerMultiplier(fa, fb) : 0 };
    }
    case 'unary':
      return lanesOf(stream(l.n / par.pfOut, 1, out.width), par.pfOut, out.width);
    case 'transpose':
      return stream(numel(design.tensors[l.output].shape), 1, out.width);
    case 'lut':
      return stream(l.n, 1, out.width);
    case 'pool2d': {
      const lanes = par.pfOut;
      const e = lanesOf(stream((l.c / lanes) * l.oh * l.ow, l.kh * l.kw + PIPELINE_DEPTH, l.acc.width), lanes, l.acc.width);
      return l.mode === 'avg' ? { ...e, multipliers: lanes, dsp: lanes * dspPerMultiplier(l.acc, l.recip) } : e;
    }
    case 'softmax': {
      // Three passes over each vector (max, sum, scale); 1/s is a priority encoder, a shift and a table read.
      const e = stream(l.outer * l.inner, 3 * l.len + 3 * PIPELINE_DEPTH + 2, l.recipTable.format.width);
      return { ...e, multipliers: 1, dsp: dspPerMultiplier(l.expTable.format, l.recipTable.format) };
    }
  }
}

/** A sparse alternative: its encoding and latency, or why the layer stays dense. */
type SparseOption = { code: SparseCode; latency: number } | { why: string };

const zeroCounts = new WeakMap<ConstData, number>();

/** Zero weights of a constant (cached: the planner estimates every layer at every trial). */
function zerosOf(c: ConstData): number {
  let z = zeroCounts.get(c);
  if (z === undefined) {
    z = 0;
    for (const r of c.raw) if (r === 0) z++;
    zeroCounts.set(c, z);
  }
  return z;
}

/** Sparse when it stores fewer values and saves cycles at the same multipliers; otherwise dense, saying why. */
function withStorage(e: ComputeEstimate, l: DenseLayer | Conv2dLayer, s: SparseOption): ComputeEstimate {
  const weights = l.weight.raw.length;
  const zeros = zerosOf(l.weight);
  if ('why' in s) return { ...e, weights: { storage: 'dense', weights, zeros, stored: weights, why: s.why } };
  const { code, latency } = s;
  // Sparse must hold fewer bits (values, indices and control together) and take fewer cycles than dense.
  const bits = (c: ConstData) => c.raw.length * c.format.width;
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

function denseSparse(l: DenseLayer, par: Parallel, inF: FixedFormat): SparseOption {
  if (!zerosOf(l.weight)) return { why: 'no zero weights' };
  if (par.pfOut > 1) return { why: 'every input is read each cycle (pf_in = n_in): zeros cost no cycles' };
  if (!denseAccExact(l, inF)) return { why: 'the accumulator is not exact, so the serial order is kept' };
  const code = sparseDense(l, par.pfIn);
  return { code, latency: l.rows * (code.steps + PIPELINE_DEPTH) };
}

function convSparse(l: Conv2dLayer, par: Parallel): SparseOption {
  if (!zerosOf(l.weight)) return { why: 'no zero weights' };
  // One flat pipelined loop per channel group (hw/fpgac/conv.h): pixels x that group's steps.
  const latency = (code: SparseCode) => l.oh * l.ow * code.steps + (l.oc / par.pfOut) * PIPELINE_DEPTH;
  const union = sparseConv(l, par.pfOut);
  if (l.kh * l.kw !== 1 || l.group !== 1) return { code: union, latency: latency(union) };
  // 1x1: gathering the pixel's channels into registers frees each engine's list.
  const own = sparsePointwise(l, par.pfOut);
  return latency(own) < latency(union) ? { code: own, latency: latency(own) } : { code: union, latency: latency(union) };
}
