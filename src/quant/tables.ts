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
 * (Fe = 17, rounded to nearest), 1/s in ap_ufixed<19,1> (Fi = 18). Error sources vs the exact softmax of the
 * (already quantized) inputs:
 *   index floor: when Fx > expShift every e_j is overestimated by a factor in [1, e^δ), δ = 2^-expShift; softmax
 *     cancels the common part, leaving |Δp| ≤ p(1−p)·δ ≤ δ/4 (= 2^-11 for expShift 9); 0 when Fx ≤ expShift;
 *   entry rounding 2^-18 each, the floor of 1/s ≤ 2^-18 absolute, and the output cast.
 * Measured with ap_fixed<16,6> inputs (Fx = 10) and a 24-bit output: ≤ 2^-12 (typical logits) to 2^-14 (close
 * logits, long rows); with Fx = 13: ≤ 2^-11.1; with an ap_fixed<16,6,AP_RND_CONV> output: ≤ 2^-10.1 overall.
 * The table has ≈ 12.5 · 2^expShift entries (6390 for expShift 9): expShift 8 halves it but measures 2^-9.5.
 * Integer sizes: s ≤ len · 2^Fe and the numerator 2^(Fe+Fi) = 2^35, so every raw stays below 2^53 for any
 * len < 2^36 (far beyond the 4096 required).
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
  /** Fraction bits of the exp entries (Fe) and of 1/s (Fi). */
  expFrac?: number;
  invFrac?: number;
}

export interface SoftmaxTables {
  readonly expShift: number;
  /** Raws in expFormat: entry i = exp(-i · 2^-expShift) rounded to nearest; entry 0 is exactly 1.0, the last 0. */
  readonly expTable: number[];
  readonly expFormat: FixedFormat;
  readonly invFormat: FixedFormat;
}

/** Fe + Fi: the numerator 2^(Fe+Fi) of 1/s and every product e·inv must stay below 2^53. */
export const SOFTMAX_MAX_FRAC_SUM = 52;

export function softmaxTables(inFormat: FixedFormat, opts: SoftmaxTableOptions = {}): SoftmaxTables {
  const fx = fracBits(inFormat);
  const expShift = opts.expShift ?? Math.min(fx, opts.maxExpShift ?? 9);
  const fe = opts.expFrac ?? 17;
  const fi = opts.invFrac ?? 18;
  if (!Number.isInteger(expShift) || expShift > 16) throw new Error(`softmaxTables: expShift ${expShift} must be an integer ≤ 16`);
  if (!(fe >= 1 && fi >= 1 && fe + fi <= SOFTMAX_MAX_FRAC_SUM)) {
    throw new Error(`softmaxTables: exp fraction ${fe} + inverse fraction ${fi} must be ≤ ${SOFTMAX_MAX_FRAC_SUM}`);
  }
  // One integer bit so that entry 0 (1.0) and 1/s = 1.0 (a single non-zero term) are representable.
  const expFormat = fixed(fe + 1, 1, { signed: false });
  const invFormat = fixed(fi + 1, 1, { signed: false });
  const rounding = fixed(fe + 1, 1, { signed: false, q: 'AP_RND_CONV', o: 'AP_SAT' });
  const expTable: number[] = [];
  // Stop at the first entry that rounds to 0: the kernel clamps larger indices onto it, i.e. exp(-d) ≈ 0 there.
  for (let i = 0; ; i++) {
    const r = fromDouble(Math.exp(-i * 2 ** -expShift), rounding);
    expTable.push(r);
    if (r === 0) break;
    if (expTable.length > 2 ** 20) throw new Error(`softmaxTables: table for expShift ${expShift} is too large`);
  }
  if (expTable[0] !== 2 ** fe) throw new Error(`internal error: exp table entry 0 is not 1.0 in ${formatToCpp(expFormat)}`);
  return { expShift, expTable, expFormat, invFormat };
}
