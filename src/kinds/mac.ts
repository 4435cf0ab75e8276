/**
 * @fileoverview What the two MAC kinds with constant weights (conv2d, dense) share: their constants, their report
 * formats, their sparse storage and their fully unrolled cost and critical path. Each kind passes its own sizes.
 */
import type { FixedFormat } from '../../sim/fixed.js';
import type { Conv2dLayer, ConvTranspose2dLayer, DenseLayer, Design, LayerConstant } from '../ir/design.js';
import { storedAs, type Layout, type StoredConstant } from '../plan/banks.js';
import { CONTROL_LUT, constantWeightCounts, multiplierCost, nonZeroTerms, type ComputeEstimate, type ProductBinding } from '../plan/estimate.js';
import { activationOps, castOps, MUL, tree, type FamilyDelays, type TimedOp } from '../plan/timing.js';
import { inFormat, outBits, outFormat, unrolled } from './common.js';

export type MacLayer = Conv2dLayer | DenseLayer | ConvTranspose2dLayer;

/** Weight, bias (if any) and per-channel shifts (if any). */
export function macConstants(l: MacLayer): LayerConstant[] {
  return [
    { data: l.weight, role: 'weight' as const },
    ...(l.bias ? [{ data: l.bias, role: 'bias' as const }] : []),
    ...(l.shift ? [{ data: l.shift.k, role: 'shift' as const }] : []),
  ];
}

export function macFormats(l: MacLayer): Readonly<Record<string, FixedFormat>> {
  return { weight: l.weight.format, ...(l.bias ? { bias: l.bias.format } : {}), accumulator: l.acc };
}

/**
 * The stored constants, each in `banks` of `layout`; a sparse layer stores its encoding instead of the weights:
 * values one bank per lane, indices `indexBanks`, the control array one bank.
 */
export function macStored(l: MacLayer, e: ComputeEstimate, banks: number, layout: Layout, lanes: number, indexBanks: number): StoredConstant[] {
  const all = storedAs(macConstants(l), banks, layout);
  const s = e.sparse;
  if (!s) return all;
  return [
    { data: s.values, role: 'weight', banks: lanes, layout },
    { data: s.index, role: 'weight', banks: indexBanks, layout },
    { data: s.control, role: 'weight', banks: 1, layout },
    ...all.filter((c) => c.data !== l.weight),
  ];
}

/**
 * Fully unrolled: each weight is used `uses` times (once per row or output position), each use its own multiplier
 * unless the weight is 0 or ±2^k; every output's sum is an adder tree over its non-zero terms (and the bias).
 * `binding` 'by-width': narrow products are fabric multipliers (LUTs, no DSP; src/plan/estimate.ts multiplierCost).
 */
export function unrolledMac(design: Design, l: MacLayer, uses: number, perOut: number, binding: ProductBinding): ComputeEstimate {
  const c = constantWeightCounts(l.weight.raw);
  const adders = Math.max(0, nonZeroTerms(l.weight.raw) + (l.bias ? perOut : 0) - perOut);
  const scaled = { zeros: c.zeros * uses, powersOfTwo: c.powersOfTwo * uses, general: c.general * uses };
  const m = multiplierCost(inFormat(design, l), l.weight.format, binding);
  return unrolled({
    multipliers: scaled.general, dsp: scaled.general * m.dsp,
    lut: CONTROL_LUT + uses * adders * l.acc.width + scaled.general * m.lut, constantSavings: scaled,
  });
}

/** Whether a MAC layer's products are fabric multipliers: what the plan costs and the kernels' `lut_mul` say. */
export function lutProducts(design: Design, l: Conv2dLayer | DenseLayer): boolean {
  return multiplierCost(inFormat(design, l), l.weight.format).dsp === 0;
}

/**
 * The critical path unrolled: the multiply (unless every weight is 0 or ±2^k), the adder tree of the longest sum
 * (the most non-zero weights of one output, plus the bias), the activation and the output cast. `lanes` sums run
 * side by side, each of `fanIn` products.
 */
export function macPath(design: Design, l: MacLayer, d: FamilyDelays, fanIn: number, lanes: number, perOut: number): TimedOp[] {
  const c = constantWeightCounts(l.weight.raw);
  let terms = 0;
  for (let o = 0; o < perOut; o++) {
    let nz = 0;
    for (let i = 0; i < fanIn; i++) if (l.weight.raw[o * fanIn + i] !== 0) nz++;
    terms = Math.max(terms, nz + (l.bias ? 1 : 0));
  }
  const prodBits = lanes * fanIn * (inFormat(design, l).width + l.weight.format.width);
  const bits = outBits(design, l);
  return [
    ...(c.general > 0 ? [MUL(d, prodBits)] : []),
    ...tree(d, terms, l.acc.width, lanes, 'add'),
    ...activationOps(d, l.act, lanes * l.acc.width),
    ...castOps(d, outFormat(design, l), bits),
  ];
}
