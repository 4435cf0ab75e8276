/**
 * @fileoverview The `pwl` layer (PwlLayer in src/ir/design.ts): exact piecewise-linear functions on raws, mirroring
 * fpgac::pwl / fpgac::pwl_leaky in hw/fpgac/pwl.h. Every intermediate is an exact integer (raws aligned by powers of
 * two); products that could reach 2^53 are taken in BigInt, so the one cast sees the exact value.
 */
import { castRaw, castRawBig, fracBits, type FixedFormat } from '../fixed.js';
import type { FixedScalar, PwlLayer } from '../../src/ir/design.js';
import type { KernelIO } from './common.js';

/** cast(a · b with `frac` fraction bits) for safe integers a, b, exact at any size. */
export function castProduct(a: number, b: number, frac: number, out: FixedFormat): number {
  const p = a * b;
  if (Math.abs(p) < 2 ** 53) return castRaw(p, frac, out);
  return Number(castRawBig(BigInt(a) * BigInt(b), frac, out));
}

function scalar(layer: PwlLayer, s: FixedScalar | null, which: string): FixedScalar {
  if (!s) throw new Error(`pwl ${layer.name} (${layer.fn}): missing ${which}`);
  return s;
}

/** h = clamp(a · x + b, 0, 1) as an exact bigint raw with `hf` fraction bits. */
function hardSigmoidRaw(a: FixedScalar, b: FixedScalar, x: number, fx: number, hf: number): bigint {
  const fa = fracBits(a.format);
  const fb = fracBits(b.format);
  const h = (BigInt(a.raw) * BigInt(x) << BigInt(hf - fa - fx)) + (BigInt(b.raw) << BigInt(hf - fb));
  const one = 1n << BigInt(hf);
  return h < 0n ? 0n : h > one ? one : h;
}

/** floor / ceil / round-half-even of a raw with f > 0 fraction bits, as an integer. */
function integerOf(fn: 'floor' | 'ceil' | 'round', raw: number, f: number): number {
  const unit = 2 ** f;
  const q = Math.floor(raw / unit); // exact: a power-of-two division
  const rem = raw - q * unit;
  if (fn === 'floor') return q;
  if (fn === 'ceil') return rem !== 0 ? q + 1 : q;
  const half = unit / 2;
  return rem > half || (rem === half && q % 2 !== 0) ? q + 1 : q;
}

export function simulatePwl(layer: PwlLayer, io: KernelIO): void {
  const x = io.inputs[0];
  const out = io.out;
  const of = io.outFormat;
  const inF = io.inFormats[0];
  const fx = fracBits(inF);
  const n = layer.n;
  switch (layer.fn) {
    case 'leaky': {
      if (layer.slope) {
        const s = layer.slope.raw;
        const fs = fracBits(layer.slope.format);
        const len = s.length;
        for (let i = 0; i < n; i++) out[i] = x[i] >= 0 ? castRaw(x[i], fx, of) : castProduct(s[Math.floor(i / layer.inner) % len], x[i], fs + fx, of);
      } else {
        const a = scalar(layer, layer.a, 'slope');
        const fs = fracBits(a.format);
        for (let i = 0; i < n; i++) out[i] = x[i] >= 0 ? castRaw(x[i], fx, of) : castProduct(a.raw, x[i], fs + fx, of);
      }
      return;
    }
    case 'thresholded': {
      const a = scalar(layer, layer.a, 'threshold');
      const fa = fracBits(a.format);
      const f = Math.max(fa, fx);
      // Compare a and x aligned to f fraction bits (exact integer comparison, BigInt when large).
      const ta = BigInt(a.raw) << BigInt(f - fa);
      for (let i = 0; i < n; i++) out[i] = (BigInt(x[i]) << BigInt(f - fx)) > ta ? castRaw(x[i], fx, of) : castRaw(0, 0, of);
      return;
    }
    case 'hardsigmoid': case 'hardswish': {
      const a = scalar(layer, layer.a, 'alpha');
      const b = scalar(layer, layer.b, 'beta');
      const hf = Math.max(fracBits(a.format) + fx, fracBits(b.format));
      for (let i = 0; i < n; i++) {
        const h = hardSigmoidRaw(a, b, x[i], fx, hf);
        out[i] = Number(castRawBig(layer.fn === 'hardsigmoid' ? h : h * BigInt(x[i]), layer.fn === 'hardsigmoid' ? hf : hf + fx, of));
      }
      return;
    }
    case 'abs': for (let i = 0; i < n; i++) out[i] = castRaw(Math.abs(x[i]), fx, of); return;
    case 'neg': for (let i = 0; i < n; i++) out[i] = castRaw(-x[i] + 0, fx, of); return;
    case 'sign': for (let i = 0; i < n; i++) out[i] = castRaw(x[i] > 0 ? 1 : x[i] < 0 ? -1 : 0, 0, of); return;
    case 'floor': case 'ceil': case 'round': {
      const fn = layer.fn;
      for (let i = 0; i < n; i++) out[i] = fx <= 0 ? castRaw(x[i], fx, of) : castRaw(integerOf(fn, x[i], fx), 0, of);
      return;
    }
  }
}

