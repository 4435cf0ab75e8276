/**
 * @fileoverview Formats sized from value ranges: the fewest integer bits at a given width that hold a magnitude.
 * Shared by calibration (src/quant/calibrate.ts) and per-tensor constant formats (paramFormat in context.ts);
 * free of graph and op imports so op modules can use it without import cycles.
 */
import { fixed, fracBits, type FixedFormat } from '../../sim/fixed.js';

/** Largest value of a `width`-bit format with `int` integer bits. */
function topValue(width: number, int: number, signed: boolean): number {
  return (signed ? 2 ** (int - 1) : 2 ** int) - 2 ** (int - width);
}

/**
 * The format of `base`'s width, signedness and modes with the fewest integer bits whose largest value is ≥ maxAbs
 * (so no value of magnitude ≤ maxAbs saturates), plus `marginBits`. Returns `base` itself when maxAbs is 0 (or not
 * finite) or when the width cannot hold any magnitude (a 1-bit signed format).
 */
export function formatForRange(base: FixedFormat, maxAbs: number, marginBits = 0): FixedFormat {
  if (!(maxAbs > 0 && Number.isFinite(maxAbs))) return base;
  const { width, signed } = base;
  if (signed && width < 2) return base;
  // top(int) = 2^(int-1)·(1 − 2^(1−W)) (signed) is increasing in int: start from the estimate and correct.
  let int = Math.ceil(Math.log2(maxAbs)) + (signed ? 1 : 0);
  while (topValue(width, int, signed) < maxAbs) int++;
  while (topValue(width, int - 1, signed) >= maxAbs) int--;
  int += marginBits;
  return int === base.int ? base : fixed(width, int, { signed, q: base.q, o: base.o, n: base.n });
}

/** `f` with at most `maxFrac` fraction bits (more integer bits, same width). */
export function capFraction(f: FixedFormat, maxFrac: number): FixedFormat {
  if (fracBits(f) <= maxFrac) return f;
  return fixed(f.width, f.width - maxFrac, { signed: f.signed, q: f.q, o: f.o, n: f.n });
}

/** Largest |v| of an array (0 for an empty one; NaN is ignored). */
export function maxAbsOf(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (a > m) m = a;
  }
  return m;
}

