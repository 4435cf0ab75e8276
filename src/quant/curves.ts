/**
 * @fileoverview Tables of the `curve` layer (CurveLayer in src/ir/design.ts): a smooth function f = p + g where p
 * is exact and linear on each side of 0 (x, λ·x or nothing) and g is bounded, tabulated at knots every
 * h = 2^-idxShift and linearly interpolated between them. Splitting off p keeps the functions with a linear
 * asymptote exact far from 0 (Softplus, Mish, Gelu → x; Elu, Celu = x and Selu = λx for x ≥ 0): the table only
 * holds the bounded part, held constant beyond its ends. Pure functions of formats.
 *
 * Choices (defaults), with Fo the output's fraction bits and tol = 2^-(Fo+3) (1/8 output LSB):
 *   range [lo, hi]: where g differs from its limit at ±∞ by more than tol/2 (scanned at 1/64 steps up to |x| = 4096),
 *     intersected with the input format's range; exp: [ln(tol/2), ln(max output)]: the last knot (the first at or
 *     above ln(max)) holds e^x ≥ the output's maximum and is held beyond the table, so exp SATURATES at the output
 *     format's largest value through the output cast (a saturating format; a wrapping one wraps, as any cast), and
 *     reads e^lo ≈ tol/2 below the table. The entries are not capped: a capped knot would put a kink inside the last
 *     bin, which interpolation cannot follow (it measured 43 LSB there);
 *   knots: idxShift = the smallest s with M2 · h²/8 ≤ 2·tol (M2 = max |g''| on [lo, hi], 0 excluded: 0 is always a
 *     knot, so a kink there is exact), at most the input's fraction bits (then every input code is a knot and r = 0)
 *     and at most what keeps the table ≤ maxEntries (4096) knots;
 *   entries: rounded to nearest with Ft = Fo + 3 fraction bits (≤ tol/2 each), deltas exact differences of entries.
 * Worst-case error of the layer vs f(x) for an input code x (before the output cast):
 *   interpolation M2·h²/8 (≤ 1/4 LSB when the table size allows the idxShift above), entry rounding 2^-(Ft+1)
 *   (interpolating two rounded entries stays within it), tails tol/2, slope rounding |Δλ|·|x| (Selu only,
 *   λ rounded to Fo + Ix + 4 fraction bits: ≤ 2^-(Fo+5));
 *   so ≤ 1/4 + 1/16 + 1/16 + 1/32 < 1/2 LSB, plus the output cast (≤ 1/2 LSB rounding, < 1 LSB truncating).
 *   curveTable returns the bound it achieves (`bound`); it exceeds 1/2 LSB only when maxEntries forced a coarser
 *   h (wide inputs with a slowly converging g: Softsign on a wide input range; exp with many integer bits, whose
 *   M2 is the output's maximum). Measured over every ap_fixed<16,6> input code: test/kernels/zoo-accuracy.test.ts.
 */
import { fixed, fracBits, maxRaw, minRaw, toDouble, type FixedFormat } from '../../sim/fixed.js';
import type { CurveFn } from '../ir/design.js';

/** erf(x) to about 1e-15 relative: Maclaurin series for |x| < 4, the asymptotic erfc series beyond. */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a < 4) {
    let term = a;
    let sum = a;
    for (let n = 1; n < 200; n++) {
      term *= (-a * a) / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * sum * 2 / Math.sqrt(Math.PI);
  }
  const z = 1 / (2 * a * a);
  const series = 1 - z + 3 * z * z - 15 * z ** 3 + 105 * z ** 4;
  return Math.sign(x) * (1 - (Math.exp(-a * a) / (a * Math.sqrt(Math.PI))) * series);
}

const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

/** The float functions, as ONNX defines them (float64). */
export const CURVE_FLOAT: Readonly<Record<CurveFn, (x: number, alpha: number, gamma: number) => number>> = {
  tanh: (x) => Math.tanh(x),
  softplus: (x) => softplus(x),
  softsign: (x) => x / (1 + Math.abs(x)),
  mish: (x) => x * Math.tanh(softplus(x)),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  gelu_tanh: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  elu: (x, alpha) => (x >= 0 ? x : alpha * Math.expm1(x)),
  selu: (x, alpha, gamma) => (x > 0 ? gamma * x : gamma * alpha * Math.expm1(x)),
  celu: (x, alpha) => Math.max(0, x) + Math.min(0, alpha * Math.expm1(x / alpha)),
  exp: (x) => Math.exp(x),
};

/** The exact part p of each function: its slope for x ≥ 0 and for x < 0 (0 and 0: no p). */
export function curveSlopes(fn: CurveFn, gamma: number): { pos: number; neg: number } {
  if (fn === 'tanh' || fn === 'softsign' || fn === 'exp') return { pos: 0, neg: 0 };
  if (fn === 'selu') return { pos: gamma, neg: 0 };
  return { pos: 1, neg: 0 };
}

export interface CurveOptions {
  readonly alpha?: number;
  readonly gamma?: number;
  /** Largest table (knots). */
  readonly maxEntries?: number;
  /** Force idxShift (tests). */
  readonly idxShift?: number;
}

export interface CurveTable {
  readonly idxShift: number;
  readonly offset: number;
  readonly table: number[]; // raws in format
  readonly delta: number[]; // raws in format
  readonly format: FixedFormat;
  /** The slopes of p, rounded (raws in slopeFormat); null when p = 0. */
  readonly slopes: { readonly pos: number; readonly neg: number; readonly format: FixedFormat } | null;
  /** The worst-case error before the output cast (file overview). */
  readonly bound: number;
}

/** Bits of a non-negative integer. */
const bitLength = (v: number): number => (v < 1 ? 0 : Math.floor(Math.log2(v)) + 1);

/** The slope format: integers exactly, otherwise Fo + Ix + 4 fraction bits (≤ 30). */
function slopeFormat(values: readonly number[], inF: FixedFormat, outF: FixedFormat): FixedFormat {
  const ints = values.every((v) => Number.isInteger(v));
  const frac = ints ? 0 : Math.min(30, Math.max(8, fracBits(outF) + (inF.int) + 4));
  const int = bitLength(Math.ceil(Math.max(...values.map(Math.abs)))) + 1;
  return fixed(int + frac, int, { q: 'AP_RND_CONV', o: 'AP_SAT' });
}

/** max |g''| over [a, b] (central differences, sampled at ≤ 2^15 points); 0 on an empty interval. */
function maxSecond(g: (x: number) => number, a: number, b: number): number {
  if (!(b > a)) return 0;
  const steps = Math.min(2 ** 15, Math.ceil((b - a) * 256));
  const d = Math.min(2 ** -10, (b - a) / 4);
  let m = 0;
  for (let k = 0; k <= steps; k++) {
    const x = Math.min(b - d, Math.max(a + d, a + ((b - a) * k) / steps));
    m = Math.max(m, Math.abs(g(x + d) - 2 * g(x) + g(x - d)) / (d * d));
  }
  return m;
}

/** The last x on one side (dir ±1) where g is more than tol from its limit, scanning out to `limit`. */
function tailEnd(g: (x: number) => number, gInf: number, dir: number, tol: number, limit: number): number {
  let last = 0;
  const step = 1 / 64;
  for (let x = step; x <= limit; x += step) if (Math.abs(g(dir * x) - gInf) > tol) last = x;
  return Math.min(limit, last + step);
}

export function curveTable(fn: CurveFn, inF: FixedFormat, outF: FixedFormat, opts: CurveOptions = {}): CurveTable {
  const alpha = opts.alpha ?? 1;
  const gamma = opts.gamma ?? 1;
  const f = CURVE_FLOAT[fn];
  const sl = curveSlopes(fn, gamma);
  const p = (x: number) => (x >= 0 ? sl.pos * x : sl.neg * x);
  const g = (x: number) => f(x, alpha, gamma) - p(x);
  const fo = fracBits(outF);
  const tol = 2 ** -(fo + 3);
  const xmin = toDouble(minRaw(inF), inF);
  const xmax = toDouble(maxRaw(inF), inF);
  const outMax = toDouble(maxRaw(outF), outF);
  let lo: number;
  let hi: number;
  if (fn === 'exp') {
    lo = Math.log(tol / 2);
    hi = Math.log(outMax); // the knots run to the first one at or above it: e^x ≥ the maximum there
  } else {
    const limit = (dir: number) => Math.min(4096, Math.abs(dir < 0 ? xmin : xmax));
    const gNeg = g(-1e6);
    const gPos = g(1e6);
    lo = -tailEnd(g, gNeg, -1, tol / 2, limit(-1));
    hi = tailEnd(g, gPos, 1, tol / 2, limit(1));
  }
  lo = Math.min(0, Math.max(lo, xmin));
  hi = Math.max(0, Math.min(hi, xmax));
  const m2 = Math.max(maxSecond(g, lo, 0), maxSecond(g, 0, hi));
  const fx = fracBits(inF);
  const knots = (s: number) => Math.ceil(hi * 2 ** s) - Math.floor(lo * 2 ** s) + 1;
  let s = opts.idxShift ?? -8;
  if (opts.idxShift === undefined) {
    while (s < fx && m2 * 2 ** (-2 * s) / 8 > 2 * tol) s++;
    while (s > -8 && knots(s) > (opts.maxEntries ?? 4096)) s--;
  }
  const h = 2 ** -s;
  const offset = -Math.floor(lo * 2 ** s);
  const size = Math.ceil(hi * 2 ** s) + offset + 1;
  const ft = fo + 3;
  const values: number[] = [];
  for (let i = 0; i < size; i++) {
    const v = g((i - offset) * h);
    values.push(v);
  }
  const rawOf = (v: number) => Math.round(v * 2 ** ft) + 0;
  const table = values.map(rawOf);
  const delta = table.map((t, i) => (i + 1 < table.length ? table[i + 1] - t : 0));
  const big = Math.max(1, ...table.map(Math.abs), ...delta.map(Math.abs));
  const int = bitLength(big) - ft + 1;
  const format = fixed(Math.max(ft + int, 2), int, { q: 'AP_RND_CONV', o: 'AP_SAT' });
  let slopes: CurveTable['slopes'] = null;
  let slopeErr = 0;
  if (sl.pos !== 0 || sl.neg !== 0) {
    const sf = slopeFormat([sl.pos, sl.neg], inF, outF);
    const q = (v: number) => Math.round(v * 2 ** fracBits(sf)) + 0;
    slopes = { pos: q(sl.pos), neg: q(sl.neg), format: sf };
    slopeErr = Math.max(Math.abs(slopes.pos * 2 ** -fracBits(sf) - sl.pos), Math.abs(slopes.neg * 2 ** -fracBits(sf) - sl.neg)) * Math.max(-xmin, xmax);
  }
  const interp = s >= fx ? 0 : (m2 * h * h) / 8;
  return { idxShift: s, offset, table, delta, format, slopes, bound: interp + 2 ** -(ft + 1) + tol / 2 + slopeErr };
}
