/**
 * @fileoverview Two narrow products in one DSP slice (issue 14 part 1). A DSP48E2 (UltraScale, UltraScale+)
 * multiplies a 27-bit pre-adder result by an 18-bit operand; two products that share one operand s fit one slice as
 * s · (a1 + a2 · 2^18) when a2 · 2^18 + a1 fits 27 signed bits (a1, a2 at most 8 signed or 8 unsigned bits) and
 * s · a1 fits 18 signed bits (so the low 18 bits of the result are s · a1 exactly, and the rest is s · a2 after undoing the
 * borrow of a negative low part). The kernel writes that arithmetic out (hw/fpgac/common.h product_pair), so the
 * bits are the plain products' on any tool; HLS maps the packed multiply to one DSP.
 *
 * In a conv, engines of one group read the same input tap (pairs of engines share s = x), and the pixel lanes of
 * an engine share its weight (pairs of lanes share s = w). A 7-series DSP48E1 (PYNQ-Z2) has a 25-bit pre-adder:
 * not packed. The rule works on the formats' raw ranges, so unsigned operands are judged by their real range.
 */
import { maxRaw, minRaw, type FixedFormat } from '../../sim/fixed.js';
import type { Conv2dLayer, DenseLayer, Design } from '../ir/design.js';
import type { ComputeEstimate, Parallel } from './estimate.js';

/** 'engines': pairs of engines (conv) or outputs (dense) share their input; 'pixels': pairs of pixel lanes share a weight. */
export type PackMode = 'engines' | 'pixels';

/** Parts whose DSP slices are DSP48E2 (27 x 18 multiplier behind a 27-bit pre-adder). */
export function hasDsp48e2(part: string): boolean {
  return /^xc(zu|ku|vu|au|k26|u\d)/i.test(part);
}

/**
 * Whether s · a1 and s · a2 (a1, a2 of format a) can share one DSP48E2, from the raws' ranges: every a2 · 2^18 + a1
 * within 27 signed bits, s within 18, and every s · a1 within 18 (signed 8-bit a and s up to 10 bits, unsigned
 * 8-bit a with s up to 10 bits, ...).
 */
export function packable(s: FixedFormat, a: FixedFormat): boolean {
  const [aLo, aHi, sLo, sHi] = [minRaw(a), maxRaw(a), minRaw(s), maxRaw(s)];
  const within = (v: number, bits: number) => v >= -(2 ** (bits - 1)) && v <= 2 ** (bits - 1) - 1;
  const products = [aLo * sLo, aLo * sHi, aHi * sLo, aHi * sHi];
  return within(aLo * 2 ** 18 + aLo, 27) && within(aHi * 2 ** 18 + aHi, 27) && within(sLo, 18) && within(sHi, 18) && products.every((v) => within(v, 18));
}

/** LUTs per packed pair beyond the two accumulators: the high product's borrow correction (a 27-bit add). */
export const PACKED_PAIR_LUT = 27;

/** The packing a conv layer's kernel uses at factors `par` on `part`, if any (dense weights in DSPs only). */
export function convPacking(x: FixedFormat, l: Conv2dLayer, par: Parallel, e: ComputeEstimate, part: string): PackMode | undefined {
  if (!hasDsp48e2(part) || e.sparse || e.dsp === 0 || e.dsp !== e.multipliers) return undefined;
  if (l.group === 1 && par.pfOut % 2 === 0 && packable(x, l.weight.format)) return 'engines';
  if ((par.pfPx ?? 1) % 2 === 0 && packable(l.weight.format, x)) return 'pixels';
  return undefined;
}

/** The estimate with two products a slice. */
export function packedEstimate(e: ComputeEstimate): ComputeEstimate {
  const pairs = e.multipliers / 2;
  return { ...e, dsp: pairs, lut: e.lut + pairs * PACKED_PAIR_LUT };
}

/**
 * A dense layer with outputs in parallel (pf_out >= 2, hence every input read each cycle) packs pairs of outputs
 * sharing an input; a fully parallel one keeps its constant products (zeros and powers of two fold away).
 */
export function densePacking(x: FixedFormat, l: DenseLayer, par: Parallel, e: ComputeEstimate, part: string): PackMode | undefined {
  if (!hasDsp48e2(part) || e.sparse || e.dsp === 0 || e.dsp !== e.multipliers) return undefined;
  if (par.pfIn * par.pfOut === l.nIn * l.nOut) return undefined;
  return par.pfOut % 2 === 0 && packable(x, l.weight.format) ? 'engines' : undefined;
}

/**
 * The kernel config fields of a MAC layer's packing (hw/fpgac/conv.h, dense.h): `pack` 0 none, 1 pairs sharing
 * the input, 2 pairs of pixel lanes sharing the weight; the signedness of the shared operand s and of the packed
 * a1, a2 (product_pair reads raws through them: the official headers have no signedness trait).
 */
export function packConfig(design: Design, l: Conv2dLayer | DenseLayer, mode: PackMode | undefined): Record<string, number | boolean> {
  const x = design.tensors[l.inputs[0]].format;
  const w = l.weight.format;
  if (!mode) return { pack: 0, pack_s_signed: false, pack_a_signed: false };
  return mode === 'engines' ? { pack: 1, pack_s_signed: x.signed, pack_a_signed: w.signed } : { pack: 2, pack_s_signed: w.signed, pack_a_signed: x.signed };
}

export const PACKING_MODEL =
  'On UltraScale and UltraScale+ parts (DSP48E2), a conv or a dense layer with parallel outputs whose products are narrow enough (a2 * 2^18 + a1 within ' +
  '27 signed bits, the shared operand and each product within 18) computes two products sharing an operand in one ' +
  `DSP slice (pairs of engines or outputs sharing an input, or pairs of pixel lanes sharing a weight), plus ~${PACKED_PAIR_LUT} LUTs a pair.`;
