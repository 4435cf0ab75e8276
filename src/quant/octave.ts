/**
 * @fileoverview Tables of the `octave` layer (OctaveLayer in src/ir/design.ts): Sqrt, Reciprocal and Log, whose
 * curvature grows without bound near 0, tabulated with RELATIVE spacing. A positive input raw R (magnitude for the
 * odd Reciprocal) has its leading one at bit e (octave e: x ∈ [2^(e−Fx), 2^(e+1−Fx))); R is normalized so that
 * the leading one sits at bit U−1 (U magnitude bits), the next K bits are the knot j inside the octave and the bits
 * below the interpolation fraction r ∈ [0, 1). Entry e·2^K + j holds f(2^(e−Fx)·(1 + j/2^K)); the entries are one
 * contiguous run (the knot after an octave's last is the next octave's first), the last one f(2^(U−Fx)).
 *
 * Choices, with Fo the output's fraction bits and tol = 2^-(Fo+3) (1/8 output LSB):
 *   K: the smallest with max_e M2_e·h_e²/8 ≤ 2·tol over the octaves whose values meet the output's range
 *     (h_e = 2^(e−Fx−K) the knot spacing in octave e, M2_e = max |f''| there), at most U−1 (then every input code
 *     is a knot: no interpolation error) and at most what keeps the table ≤ maxEntries (8192) knots;
 *   entries: f rounded to nearest with Ft = Fo + 3 fraction bits (not capped: 1/x reaches 2^Fx, log x −Fx·ln 2),
 *     deltas exact differences. Octaves entirely beyond the output's range saturate through the output cast: a
 *     chord of the convex 1/x lies above it and a chord of the concave log below it, so they saturate on the same
 *     side as f (and the sign is restored after, for negative reciprocals).
 * Worst-case error vs f(x) before the output cast, at inputs whose f is within the output's range:
 *   M2·h²/8 (≤ 1/4 LSB unless the table cap binds) + entry rounding 2^-(Ft+1) (1/16 LSB); octaveTable returns it.
 *   For 1/x that is 2^-2K/4 relative to f per octave (|f''| = 2/x³, h = x·2^-K), for log x 2^-2K/8 absolute, for √x
 *   √x·2^-2K/32. Measured over every code of 16-bit inputs: test/ops/recip.test.ts.
 * Domain (ONNX gives NaN or ±inf there): Sqrt of x < 0 → 0, Log of x ≤ 0 → the output's minimum, Reciprocal of 0 →
 *   the output's maximum; these are the layer's `under` raw (an output raw), so the compiler states them.
 */
import { fixed, fracBits, maxRaw, minRaw, toDouble, type FixedFormat } from '../../sim/fixed.js';
import type { OctaveFn } from '../ir/design.js';

export const OCTAVE_FLOAT: Readonly<Record<OctaveFn, (x: number) => number>> = {
  sqrt: (x) => Math.sqrt(x),
  reciprocal: (x) => 1 / x,
  log: (x) => Math.log(x),
};

export interface OctaveOptions {
  readonly maxEntries?: number;
  /** Force K (tests). */
  readonly knotBits?: number;
}

export interface OctaveTable {
  readonly knotBits: number; // K
  readonly magBits: number; // U
  readonly odd: boolean;
  readonly table: number[];
  readonly delta: number[];
  readonly format: FixedFormat;
  /** The output raw for R ≤ 0 (R = 0 only, when odd). */
  readonly under: number;
  /** Worst-case error before the output cast where f is in the output's range (file overview). */
  readonly bound: number;
}

const bitLength = (v: number): number => (v < 1 ? 0 : Math.floor(Math.log2(v)) + 1);

/** Magnitude bits U of a raw: unsigned W; signed W − 1, or W when the odd function takes negatives (−2^(W−1)). */
export function magnitudeBits(inF: FixedFormat, odd: boolean): number {
  return inF.signed && !odd ? inF.width - 1 : inF.width;
}

/** max |f''| on [a, b] (a > 0) by central differences on a geometric grid. */
function maxSecond(f: (x: number) => number, a: number, b: number): number {
  let m = 0;
  const steps = 64;
  for (let k = 0; k <= steps; k++) {
    const x = a * (b / a) ** (k / steps);
    const d = x * 2 ** -12;
    m = Math.max(m, Math.abs(f(x + d) - 2 * f(x) + f(x - d)) / (d * d));
  }
  return m;
}

export function octaveTable(fn: OctaveFn, inF: FixedFormat, outF: FixedFormat, opts: OctaveOptions = {}): OctaveTable {
  const f = OCTAVE_FLOAT[fn];
  const odd = fn === 'reciprocal';
  const fx = fracBits(inF);
  const U = magnitudeBits(inF, odd);
  const fo = fracBits(outF);
  const tol = 2 ** -(fo + 3);
  const outLo = toDouble(minRaw(outF), outF);
  const outHi = toDouble(maxRaw(outF), outF);
  const octaveLo = (e: number) => 2 ** (e - fx);
  // Octaves whose f meets the output's range (f is monotone on each).
  const live = Array.from({ length: U }, (_, e) => e).filter((e) => {
    const [a, b] = [f(octaveLo(e)), f(octaveLo(e + 1))];
    return Math.max(a, b) >= outLo && Math.min(a, b) <= outHi;
  });
  const m2 = live.map((e) => ({ e, m: maxSecond(f, octaveLo(e), octaveLo(e + 1)) }));
  const interp = (K: number) => (K >= U - 1 ? 0 : Math.max(0, ...m2.map(({ e, m }) => (m * 2 ** (2 * (e - fx - K))) / 8)));
  const cap = opts.maxEntries ?? 8192;
  let K = opts.knotBits ?? 0;
  if (opts.knotBits === undefined) {
    while (K < U - 1 && interp(K) > 2 * tol) K++;
    while (K > 0 && U * 2 ** K + 1 > cap) K--;
  }
  K = Math.min(K, Math.max(U - 1, 0));
  const ft = fo + 3;
  const size = U * 2 ** K + 1;
  const table: number[] = [];
  for (let i = 0; i < size; i++) {
    const e = Math.floor(i / 2 ** K);
    const j = i % 2 ** K;
    table.push(Math.round(f(octaveLo(e) * (1 + j / 2 ** K)) * 2 ** ft) + 0);
  }
  const delta = table.map((t, i) => (i + 1 < table.length ? table[i + 1] - t : 0));
  const big = Math.max(1, ...table.map(Math.abs), ...delta.map(Math.abs));
  const int = bitLength(big) - ft + 1;
  const format = fixed(Math.max(ft + int, 2), int, { q: 'AP_RND_CONV', o: 'AP_SAT' });
  const under = fn === 'sqrt' ? 0 : fn === 'log' ? minRaw(outF) : maxRaw(outF);
  return { knotBits: K, magBits: U, odd, table, delta, format, under, bound: interp(K) + 2 ** -(ft + 1) };
}
