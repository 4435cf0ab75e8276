/**
 * @fileoverview Accumulator formats that provably never overflow. The bound comes from the actual weight
 * values: for each output, |acc| ≤ Σ|w|·max|x| + |b|, which is never larger than the worst case from widths and
 * fan-in and usually several bits smaller (pruned and small weights), so the adders are no wider than needed.
 */
import { fixed, fracBits, rawsOf, type FixedFormat } from '../../sim/fixed.js';
import { paramFormat, type QuantOptions } from './context.js';
import { capFraction } from './range.js';

/** Largest |value| of a format, as a raw of that format. */
export function maxAbsRaw(f: FixedFormat): number {
  return f.signed ? 2 ** (f.width - 1) : 2 ** f.width - 1;
}

/** Smallest signed format with fraction `frac` holding every raw in [-bound, bound]. */
export function signedFormatFor(boundRaw: number, frac: number): FixedFormat {
  const bits = boundRaw <= 0 ? 1 : Math.ceil(Math.log2(boundRaw + 1)) + 1;
  // log2 of a double may be off by one ulp around powers of two: verify and correct.
  let w = bits;
  while (2 ** (w - 1) - 1 < boundRaw) w++;
  while (w > 1 && 2 ** (w - 2) - 1 >= boundRaw) w--;
  return fixed(w, w - frac, { signed: true });
}

/**
 * Accumulator for Σ w·x + b over groups of weights (one group per output): `wRaws[g]` are the raws of output
 * g's weights, `bRaws[g]` its bias raw (or 0).
 */
export function macAccFormat(
  groups: readonly (readonly number[])[],
  w: FixedFormat,
  x: FixedFormat,
  biasRaws: readonly number[] | null,
  b: FixedFormat | null,
): FixedFormat {
  return accFormatBy(groups.length, (i) => { let s = 0; for (const r of groups[i]) s += Math.abs(r); return s; }, w, x, biasRaws, b);
}

/** macAccFormat over C-order raws, `groupSize` to an output (no per-output copies: layers of millions of weights). */
export function flatAccFormat(raws: ArrayLike<number>, groupSize: number, w: FixedFormat, x: FixedFormat, biasRaws: ArrayLike<number> | null, b: FixedFormat | null): FixedFormat {
  return accFormatBy(raws.length / groupSize, (o) => {
    let s = 0;
    for (let t = o * groupSize; t < (o + 1) * groupSize; t++) s += Math.abs(raws[t]);
    return s;
  }, w, x, biasRaws, b);
}

/** The accumulator for `outputs` sums, output i's Σ|w| raws given by `absSum(i)`. */
function accFormatBy(outputs: number, absSum: (i: number) => number, w: FixedFormat, x: FixedFormat, biasRaws: ArrayLike<number> | null, b: FixedFormat | null): FixedFormat {
  const fProd = fracBits(w) + fracBits(x);
  const frac = b ? Math.max(fProd, fracBits(b)) : fProd;
  const xMax = maxAbsRaw(x);
  let bound = 0;
  for (let i = 0; i < outputs; i++) {
    let v = absSum(i) * xMax * 2 ** (frac - fProd);
    if (biasRaws && b) v += Math.abs(biasRaws[i]) * 2 ** (frac - fracBits(b));
    bound = Math.max(bound, v);
  }
  return signedFormatFor(bound, frac);
}

/** Accumulator for a sum of `terms` products of two formats (no constant knowledge: width-based bound). */
export function productSumFormat(a: FixedFormat, b: FixedFormat, terms: number): FixedFormat {
  const frac = fracBits(a) + fracBits(b);
  return signedFormatFor(maxAbsRaw(a) * maxAbsRaw(b) * terms, frac);
}

/** Accumulator for a sum of `terms` values of one format. */
export function sumFormat(x: FixedFormat, terms: number): FixedFormat {
  return signedFormatFor(maxAbsRaw(x) * terms, fracBits(x));
}

/** Widest exact accumulator the simulator (exact JS numbers) and therefore a design may use. */
export const MAX_ACC_WIDTH = 52;

/**
 * Formats of a multiply-accumulate's weights and bias and its exact accumulator: `paramFormat` for each (a bias
 * never finer than the products), and, when constants take formats from their values, weights coarsened by
 * whole bits until the accumulator fits MAX_ACC_WIDTH (full-range raws at wide precisions can otherwise need more
 * than 52 bits; with fixed formats nothing changes). `groupSize` weights feed each output, in order.
 */
export function macFormats(
  opts: QuantOptions,
  w: ArrayLike<number>,
  b: ArrayLike<number> | undefined,
  x: FixedFormat,
  groupSize: number,
): { weight: FixedFormat; bias: FixedFormat | null; acc: FixedFormat; weightRaws: number[] } {
  let wf = paramFormat(opts, 'weight', w);
  for (;;) {
    const bf = b ? paramFormat(opts, 'bias', b, fracBits(wf) + fracBits(x)) : null;
    const raws = rawsOf(w, wf);
    const acc = flatAccFormat(raws, groupSize, wf, x, b && bf ? rawsOf(b, bf) : null, bf);
    const excess = acc.width - MAX_ACC_WIDTH;
    // The weights' raws come along, so that lowering does not convert millions of weights a second time.
    if (excess <= 0 || !opts.constantsFromValues || wf.int > wf.width + 64) return { weight: wf, bias: bf, acc, weightRaws: raws };
    wf = capFraction(wf, fracBits(wf) - excess);
  }
}
