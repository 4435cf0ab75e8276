/**
 * @fileoverview Simulator twin of fpgac::reduce (hw/fpgac/reduce.h): ReduceLayer on raws (semantics in
 * src/ir/design.ts). The input is [outer][len][inner] in C order, the output [outer][inner].
 *
 * Sums run in input units (raws at the input's fraction F, squares at 2F), exact in doubles: the layer's acc is
 * checked to hold every partial sum exactly (as the C++ accumulates in acc_t) and to stay within 52 bits. The mean's
 * product sum · r and the L2 root's integer V may pass 2^53: those run in BigInt, exactly as ap_fixed/ap_uint do.
 */
import { castRaw, castRawBig, formatToCpp, fracBits, fromDouble, maxRaw, minRaw, type FixedFormat } from '../fixed.js';
import type { ReduceLayer } from '../../src/ir/design.js';
import { accRange } from '../../src/ir/exact.js';
import type { KernelIO } from './common.js';

function fail(layer: ReduceLayer, why: string): never {
  throw new Error(`reduce layer '${layer.name}': ${why}`);
}

/** floor(sqrt(v)) for v ≥ 0: Newton's iteration from above (any start ≥ the root converges to the floor). */
export function isqrtBig(v: bigint): bigint {
  if (v < 2n) return v;
  const guess = BigInt(Math.ceil(Math.sqrt(Number(v))));
  let x = guess + (guess >> 20n) + 2n;
  for (;;) {
    const y = (x + v / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** The L2 root's geometry (design.ts ReduceLayer): G, the shift of V = raw · 4^(G − Fa/2), V's and q's widths. */
export function l2Geometry(acc: FixedFormat, out: FixedFormat): { g: number; vShift: number; vWidth: number; qWidth: number } {
  const fa = fracBits(acc);
  if (fa % 2 !== 0 || fa < 0) throw new Error(`l2: accumulator ${formatToCpp(acc)} needs an even, non-negative number of fraction bits`);
  const g = Math.max(fa / 2, fracBits(out) + 2);
  const vShift = 2 * (g - fa / 2);
  const vWidth = acc.width + vShift;
  return { g, vShift, vWidth, qWidth: Math.ceil(vWidth / 2) };
}

/** Which sum a mode forms: of x, |x| or x²; none for max/min/arg modes. */
function sumKind(mode: ReduceLayer['mode']): 'x' | 'abs' | 'sq' | null {
  if (mode === 'sum' || mode === 'mean') return 'x';
  if (mode === 'l1') return 'abs';
  if (mode === 'sumsq' || mode === 'l2') return 'sq';
  return null;
}

/** Checks that acc holds every partial sum of len terms exactly; returns the raw scale from input units to acc. */
function checkAcc(layer: ReduceLayer, inF: FixedFormat, kind: 'x' | 'abs' | 'sq'): number {
  const acc = layer.acc;
  const name = formatToCpp(acc);
  if (acc.width > 52) fail(layer, `accumulator ${name} is wider than 52 bits`);
  const unitFrac = kind === 'sq' ? 2 * fracBits(inF) : fracBits(inF);
  if (fracBits(acc) < unitFrac) fail(layer, `accumulator ${name} has too few fraction bits for an exact sum`);
  const scale = 2 ** (fracBits(acc) - unitFrac);
  const m = Math.max(-minRaw(inF), maxRaw(inF));
  const lo = kind === 'x' ? Math.min(0, minRaw(inF)) * layer.len : 0;
  const hi = (kind === 'sq' ? m * m : kind === 'abs' ? m : maxRaw(inF)) * layer.len;
  const [alo, ahi] = accRange(acc);
  if (lo * scale < alo || hi * scale > ahi) fail(layer, `accumulator ${name} can overflow summing ${layer.len} terms`);
  return scale;
}

export function simulateReduce(layer: ReduceLayer, io: KernelIO): void {
  const x = io.inputs[0];
  const inF = io.inFormats[0];
  const outF = io.outFormat;
  const { outer, len, inner, mode } = layer;
  if (!(len >= 1)) fail(layer, 'len must be >= 1');
  if (x.length !== outer * len * inner) fail(layer, `input has ${x.length} values, ${outer * len * inner} expected`);
  if (io.out.length !== outer * inner) fail(layer, `output has ${io.out.length} slots, ${outer * inner} expected`);
  const kind = sumKind(mode);
  const scale = kind ? checkAcc(layer, inF, kind) : 1;
  const fa = fracBits(layer.acc);
  const fIn = fracBits(inF);
  let r = 0;
  let bigMean = false;
  if (mode === 'mean') {
    if (!layer.recip || layer.recip.width > 53) fail(layer, 'mean needs a reciprocal format of at most 53 bits');
    r = fromDouble(1 / len, layer.recip);
    bigMean = Math.abs(r) * 2 ** (layer.acc.width - 1) >= 2 ** 53;
  }
  const geo = mode === 'l2' ? l2Geometry(layer.acc, outF) : null;
  if (geo && 2 * geo.qWidth > 128) fail(layer, `l2 root needs ${2 * geo.qWidth}-bit integers, more than 128`);
  const out = io.out;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let res: number;
      if (kind) {
        let s = 0;
        for (let k = 0; k < len; k++) {
          const v = x[base + k * inner];
          s += kind === 'x' ? v : kind === 'abs' ? Math.abs(v) : v * v;
        }
        const raw = s * scale; // in acc units, exact (checkAcc)
        if (mode === 'mean') res = bigMean ? Number(castRawBig(BigInt(raw) * BigInt(r), fa + fracBits(layer.recip!), outF)) : castRaw(raw * r, fa + fracBits(layer.recip!), outF);
        else if (geo) {
          const v = BigInt(raw) << BigInt(geo.vShift);
          const q = isqrtBig(v);
          const t = q * q === v ? q : q | 1n; // sticky bit: below the half-LSB position (G ≥ out fraction + 2)
          res = Number(castRawBig(t, geo.g, outF));
        } else res = castRaw(raw, fa, outF);
      } else {
        let m = x[base];
        let arg = 0;
        const isMax = mode === 'max' || mode === 'argmax';
        const last = layer.selectLast === true;
        for (let k = 1; k < len; k++) {
          const v = x[base + k * inner];
          if (isMax ? v > m || (last && v === m) : v < m || (last && v === m)) {
            m = v;
            arg = k;
          }
        }
        res = mode === 'argmax' || mode === 'argmin' ? castRaw(arg, 0, outF) : castRaw(m, fIn, outF);
      }
      out[o * inner + i] = res;
    }
  }
}
