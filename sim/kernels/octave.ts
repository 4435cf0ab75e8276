/**
 * @fileoverview The `octave` layer (OctaveLayer in src/ir/design.ts): Sqrt, Reciprocal, Log from a table whose
 * knots are spaced relatively (per octave of the input), on raws, mirroring fpgac::octave in hw/fpgac/octave.h.
 * v = table[i]·2^Fr + delta[i]·r_raw at Ft + Fr fraction bits (exact; BigInt when it could reach 2^53), then the one
 * cast (negated first for a negative input of an odd function).
 */
import { castRaw, castRawBig, fracBits } from '../fixed.js';
import type { OctaveLayer } from '../../src/ir/design.js';
import type { KernelIO } from './common.js';

/** Index of the leading one of a positive integer below 2^53. */
const leadingOne = (m: number): number => {
  let e = Math.floor(Math.log2(m));
  if (2 ** e > m) e--; // log2 may round up just below a power of two
  else if (2 ** (e + 1) <= m) e++;
  return e;
};

export function simulateOctave(layer: OctaveLayer, io: KernelIO): void {
  const x = io.inputs[0];
  const of = io.outFormat;
  const T = layer.table.raw;
  const D = layer.delta.raw;
  const U = layer.magBits;
  const K = layer.knotBits;
  if (K > U - 1 || T.length !== U * 2 ** K + 1 || D.length !== T.length) throw new Error(`octave ${layer.name}: table of ${T.length} entries for U = ${U}, K = ${K}`);
  const fr = U - 1 - K; // fraction bits of r
  const F = fracBits(layer.table.format) + fr;
  const maxT = Math.max(...T.map(Math.abs), ...D.map(Math.abs));
  const fits = maxT * 2 ** (fr + 1) < 2 ** 52;
  for (let k = 0; k < layer.n; k++) {
    const R = x[k];
    const m = layer.odd ? Math.abs(R) : R;
    if (m <= 0) { io.out[k] = layer.under; continue; }
    const e = leadingOne(m);
    const N = m * 2 ** (U - 1 - e); // exact: below 2^U
    const below = N - 2 ** (U - 1); // the bits under the leading one
    const j = Math.floor(below / 2 ** fr);
    const r = below - j * 2 ** fr;
    const i = e * 2 ** K + j;
    const neg = layer.odd && R < 0;
    if (fits) {
      const v = T[i] * 2 ** fr + D[i] * r;
      io.out[k] = castRaw(neg ? -v : v, F, of);
    } else {
      const v = (BigInt(T[i]) << BigInt(fr)) + BigInt(D[i]) * BigInt(r);
      io.out[k] = Number(castRawBig(neg ? -v : v, F, of));
    }
  }
}
