/**
 * @fileoverview Constants of the table-based layers (LutLayer for Sigmoid, SoftmaxLayer), built by the compiler
 * once; the simulator and the emitted C++ then read the same raws, so the choices made here affect accuracy but
 * never bit-exactness. Pure functions of formats and options.
 *
 * Sigmoid (defaults): bins of width 2^-idxShift over [-range, range), range = 8, idxShift = clamp(F - 2, 4, 8)
 * where F is the output's fraction bits (2·8·2^idxShift entries: 256..4096). Entry i holds σ at the bin centre.
 * Error vs σ(x), for any x:
 *   inside [-range, range): |σ(x) − σ(centre)| ≤ max σ' · half bin = 1/4 · 2^-(idxShift+1) = 2^-(idxShift+3);
 *   outside: the end entries hold σ(±(range − half bin)), off by ≤ σ(-range + 2^-(idxShift+1)) ≈ 3.4e-4 (< 2^-11);
 *   plus the rounding of the entry to the output format (≤ 1/2 LSB with AP_RND*, < 1 LSB with AP_TRN*).
 * So |err| ≤ max(2^-(idxShift+3), 3.4e-4) + q(out); for F ≤ 10 this is ≤ 2^-(F+1) + q(out) ≤ 1 LSB (rounding).
 * Measured over every ap_fixed<16,6> input (test/kernels/nonlinear.test.ts): ap_fixed<16,6,AP_RND_CONV> output
 * (4096 entries) 2^-10.00, ap_ufixed<8,0,AP_RND> (1024 entries) 2^-8.00, ap_fixed<24,2,AP_RND_CONV> 2^-11.00: the
 * bound is reached (bin edges next to x = 0, where σ' = 1/4, are input codes).
 *
 * Softmax (defaults): expShift = min(Fx, 9) (Fx = the input's fraction bits), exp entries in ap_ufixed<18,1>
 * (Fe = 17, rounded to nearest); 1/s from a table of 2^R entries indexed by the R bits after the sum's leading
 * one, R = clamp(Fo + 1, 6, 11) (Fo = the output's fraction bits), entries floor(2^G / m_low) with G = R + 3.
 * Error sources vs the exact softmax of the (already quantized) inputs:
 *   index floor: when Fx > expShift every e_j is overestimated by a factor in [1, e^δ), δ = 2^-expShift; softmax
 *     cancels the common part, leaving |Δp| ≤ p(1−p)·δ ≤ δ/4 (= 2^-11 for expShift 9); 0 when Fx ≤ expShift;
 *   entry rounding 2^-18 each;
 *   1/s: the table holds 1/m for the lower end of the mantissa's bin [m, m + 2^-R), so p is overestimated by a
 *     factor in [1, 1 + 2^-R) (exact when s is a power of two), plus ≤ 2^-G from the entry's floor: |Δp| < p·2^-R;
 *   the output cast.
 * So |Δp| ≤ δ/4 + 2^-R + 2^-16 + q(out): for an ap_fixed<16,6> output (R = 11) the table errors stay below one
 * LSB. The division this replaces was exact to 2^-18, but took one cycle per quotient bit; the table is one read.
 * The exp table has ≈ 12.5 · 2^expShift entries (6390 for expShift 9, padded with zeros to 8192): expShift 8 halves it but measures 2^-9.5.
 * Integer sizes: s ≤ len · 2^Fe, e·r < 2^(Fe+G+2), so every raw stays below 2^53 for any len < 2^35.
 */
import { fixed, fracBits, fromDouble, formatToCpp, type FixedFormat } from '../../sim/fixed.js';

export interface SigmoidTableOptions {
  /** 2^idxShift bins per unit. */
  idxShift?: number;
  /** The table spans [-range, range); range · 2^idxShift must be an integer. */
  range?: number;
}

export interface SigmoidTable {
  readonly idxShift: number;
  readonly offset: number;
  /** Raws in the output format, entry i = σ((i − offset + 1/2) · 2^-idxShift) rounded with the output's q. */
  readonly table: number[];
  readonly format: FixedFormat;
}

/** Index-resolution default: enough bins that the binning error (2^-(idxShift+3)) is ≤ 1/2 output LSB. */
export function defaultSigmoidShift(out: FixedFormat): number {
  return Math.min(8, Math.max(4, fracBits(out) - 2));
}

/**
 * The format table entries are rounded into: the output's width and quantization, but saturating. σ ∈ (0, 1) and
 * 1.0 does not fit e.g. ap_fixed<8,1>: wrapping it to −1.0 (what AP_WRAP would do) is never wanted.
 */
function entryFormat(out: FixedFormat): FixedFormat {
  return fixed(out.width, out.int, { signed: out.signed, q: out.q, o: 'AP_SAT' });
}

export function sigmoidTable(outFormat: FixedFormat, opts: SigmoidTableOptions = {}): SigmoidTable {
  const idxShift = opts.idxShift ?? defaultSigmoidShift(outFormat);
  const range = opts.range ?? 8;
  if (!Number.isInteger(idxShift) || idxShift < -8 || idxShift > 16) throw new Error(`sigmoidTable: idxShift ${idxShift} must be an integer in -8..16`);
  const offset = range * 2 ** idxShift;
  if (!Number.isInteger(offset) || offset < 1) throw new Error(`sigmoidTable: range ${range} · 2^${idxShift} must be a positive integer`);
  const size = 2 * offset;
  if (size > 2 ** 20) throw new Error(`sigmoidTable: ${size} entries is too many (range ${range}, idxShift ${idxShift})`);
  const ef = entryFormat(outFormat);
  const table: number[] = [];
  for (let i = 0; i < size; i++) {
    const x = (i - offset + 0.5) * 2 ** -idxShift; // exact: a dyadic value
    table.push(fromDouble(1 / (1 + Math.exp(-x)), ef));
  }
  return { idxShift, offset, table, format: outFormat };
}

export interface SoftmaxTableOptions {
  /** 2^expShift table entries per unit of d = max − x. */
  expShift?: number;
  /** Largest expShift chosen by default (the table has ≈ 12.5 · 2^expShift entries). */
  maxExpShift?: number;
  /** Fraction bits of the exp entries (Fe). */
  expFrac?: number;
  /** Fraction bits of the output: sets the reciprocal table's index bits R = clamp(outFrac + 1, 6, 11). */
  outFrac?: number;
  /** Index bits R of the reciprocal table (2^R entries) and fraction bits G of its entries (default R + 3). */
  recipBits?: number;
  recipFrac?: number;
}

export interface SoftmaxTables {
  readonly expShift: number;
  /** Raws in expFormat: entry i = exp(-i · 2^-expShift) rounded to nearest; entry 0 is exactly 1.0, then zeros to a power-of-two length. */
  readonly expTable: number[];
  readonly expFormat: FixedFormat;
  /** Raws in recipFormat: entry i = floor(2^G · 2^R / (2^R + i)), i.e. 1/m for m = 1 + i·2^-R, in (0.5, 1]. */
  readonly recipTable: number[];
  readonly recipFormat: FixedFormat;
}

/** Largest Fe: the sum s (≤ len · 2^Fe) and every product e·r (< 2^(Fe+G+2)) stay exact below 2^53. */
export const SOFTMAX_MAX_EXP_FRAC = 24;

/** The 1/m table for m = 1 + i·2^-bits (i < 2^bits), G fraction bits, rounded down. */
export function reciprocalTable(bits: number, frac: number): number[] {
  const n = 2 ** bits;
  // floor(2^(G+R) / (2^R + i)) in exact integer arithmetic (all operands < 2^53).
  return Array.from({ length: n }, (_, i) => Math.floor(2 ** (frac + bits) / (n + i)));
}

export function softmaxTables(inFormat: FixedFormat, opts: SoftmaxTableOptions = {}): SoftmaxTables {
  const fx = fracBits(inFormat);
  const expShift = opts.expShift ?? Math.min(fx, opts.maxExpShift ?? 9);
  const fe = opts.expFrac ?? 17;
  const rb = opts.recipBits ?? Math.min(11, Math.max(6, (opts.outFrac ?? 10) + 1));
  const g = opts.recipFrac ?? rb + 3;
  if (!Number.isInteger(expShift) || expShift > 16) throw new Error(`softmaxTables: expShift ${expShift} must be an integer ≤ 16`);
  if (!(Number.isInteger(fe) && fe >= 1 && fe <= SOFTMAX_MAX_EXP_FRAC)) throw new Error(`softmaxTables: exp fraction ${fe} must be in 1..${SOFTMAX_MAX_EXP_FRAC}`);
  // The index takes R bits below s's leading one, and s ≥ 2^Fe: R ≤ Fe keeps the shift non-negative.
  if (!(Number.isInteger(rb) && rb >= 1 && rb <= Math.min(fe, 16))) throw new Error(`softmaxTables: reciprocal index bits ${rb} must be in 1..${Math.min(fe, 16)}`);
  if (!(Number.isInteger(g) && g >= 1 && g <= 24)) throw new Error(`softmaxTables: reciprocal fraction ${g} must be in 1..24`);
  // One integer bit so that entry 0 (1.0) and 1/s = 1.0 (a single non-zero term) are representable.
  const expFormat = fixed(fe + 1, 1, { signed: false });
  const recipFormat = fixed(g + 1, 1, { signed: false });
  const rounding = fixed(fe + 1, 1, { signed: false, q: 'AP_RND_CONV', o: 'AP_SAT' });
  const expTable: number[] = [];
  // Stop at the first entry that rounds to 0: the kernel clamps larger indices onto it, i.e. exp(-d) ≈ 0 there.
  for (let i = 0; ; i++) {
    const r = fromDouble(Math.exp(-i * 2 ** -expShift), rounding);
    expTable.push(r);
    if (r === 0) break;
    if (expTable.length > 2 ** 20) throw new Error(`softmaxTables: table for expShift ${expShift} is too large`);
  }
  // Zeros up to a power of two: the same values (indices past the first zero read 0 either way), and the clamp of
  // the index becomes an OR of its high bits instead of a comparator, which shortens a pipelined softmax.
  while (expTable.length & (expTable.length - 1)) expTable.push(0);
  if (expTable[0] !== 2 ** fe) throw new Error(`internal error: exp table entry 0 is not 1.0 in ${formatToCpp(expFormat)}`);
  return { expShift, expTable, expFormat, recipTable: reciprocalTable(rb, g), recipFormat };
}
