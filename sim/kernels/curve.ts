/**
 * @fileoverview The `curve` layer (CurveLayer in src/ir/design.ts): an interpolated table plus an exact linear part,
 * on raws, mirroring fpgac::curve in hw/fpgac/curve.h. All terms are aligned to F = max(Ft + Fr, Fs + Fx) fraction
 * bits (Ft table, Fr interpolation bits, Fs slopes, Fx input) by exact power-of-two scalings and summed exactly
 * (BigInt when the sum could reach 2^53), then cast once.
 */
import { castRaw, castRawBig, fracBits, maxRaw, minRaw } from '../fixed.js';
import type { CurveLayer } from '../../src/ir/design.js';
import type { KernelIO } from './common.js';

export function simulateCurve(layer: CurveLayer, io: KernelIO): void {
  const x = io.inputs[0];
  const out = io.out;
  const of = io.outFormat;
  const inF = io.inFormats[0];
  const fx = fracBits(inF);
  const T = layer.table.raw;
  const D = layer.delta.raw;
  const last = T.length - 1;
  if (T.length < 1 || D.length !== T.length || D[last] !== 0) throw new Error(`curve ${layer.name}: table and delta must have one length and delta's last entry 0`);
  const sh = layer.idxShift - fx; // t = raw · 2^sh
  const fr = Math.max(-sh, 0); // bits of r
  const unit = 2 ** fr;
  const ft = fracBits(layer.table.format);
  const sl = layer.slopes;
  const fs = sl ? fracBits(sl.format) : 0;
  const F = Math.max(ft + fr, sl ? fs + fx : 0);
  const kt = F - ft; // table entries' alignment
  const kd = F - ft - fr; // delta · r's alignment
  const kp = F - fs - fx; // p's alignment
  const maxT = Math.max(...T.map(Math.abs), ...D.map(Math.abs));
  const maxX = Math.max(-minRaw(inF), maxRaw(inF));
  const maxS = sl ? Math.max(Math.abs(sl.pos), Math.abs(sl.neg)) : 0;
  const fits = maxT * 2 ** kt * 2 + maxS * maxX * 2 ** kp < 2 ** 52;
  for (let i = 0; i < layer.n; i++) {
    const raw = x[i];
    let u: number;
    let r = 0;
    if (sh >= 0) u = raw * 2 ** sh + layer.offset;
    else {
      const q = Math.floor(raw / unit); // exact: a power-of-two division, floor toward −∞
      r = raw - q * unit;
      u = q + layer.offset;
    }
    if (u < 0) { u = 0; r = 0; } else if (u > last) { u = last; r = 0; }
    const s = sl ? (raw >= 0 ? sl.pos : sl.neg) : 0;
    if (fits) out[i] = castRaw(T[u] * 2 ** kt + D[u] * r * 2 ** kd + s * raw * 2 ** kp, F, of);
    else {
      const v = (BigInt(T[u]) << BigInt(kt)) + ((BigInt(D[u]) * BigInt(r)) << BigInt(kd)) + ((BigInt(s) * BigInt(raw)) << BigInt(kp));
      out[i] = Number(castRawBig(v, F, of));
    }
  }
}
