/**
 * @fileoverview The float activation a Relu, Clip, LeakyRelu or one-slope PRelu becomes once fused into its producer (fuseActivation puts it
 * in Conv, Dense and element-wise params): its float reference and its design form. Activation ops and the ops
 * they fuse into both read this module, so neither imports the other.
 */
import type { FixedFormat } from '../../sim/fixed.js';
import { fixed, fracBits, fromDouble } from '../../sim/fixed.js';
import type { Activation } from '../ir/design.js';

export type FloatAct =
  | { readonly kind: 'none' }
  | { readonly kind: 'relu' }
  | { readonly kind: 'clip'; readonly min: number; readonly max: number }
  | { readonly kind: 'leaky'; readonly alpha: number }; // LeakyRelu, or PRelu with one slope

export function applyFloatAct(v: number, act: FloatAct): number {
  if (act.kind === 'relu') return v > 0 ? v : 0;
  if (act.kind === 'clip') return v < act.min ? act.min : v > act.max ? act.max : v;
  if (act.kind === 'leaky') return v >= 0 ? v : act.alpha * v;
  return v;
}

/**
 * The format a fused leaky slope α is rounded into (round half to even): the fewest fraction bits that hold α
 * exactly, up to F = Fo + max(Io, 0) + 4 + max(0, ceil(log2(1/|α|))) (at least 8, at most 32). Why F: the slope
 * matters only where α·x is inside the output's range, |x| ≤ 2^Io / |α|, and there the rounding error
 * |x| · 2^-(F+1) ≤ 2^Io / |α| · 2^-(F+1) ≤ 2^-(Fo+5): 1/32 of an output LSB (more only when the 32-bit cap binds).
 */
export function leakyAlphaFormat(alpha: number, out: FixedFormat): FixedFormat {
  const a = Math.abs(alpha);
  const need = fracBits(out) + Math.max(out.int, 0) + 4 + Math.max(0, Math.ceil(-Math.log2(a)));
  const maxFrac = Math.min(32, Math.max(8, need));
  let frac = 0;
  while (frac < maxFrac && !Number.isInteger(alpha * 2 ** frac)) frac++;
  const int = (a < 1 ? 0 : Math.floor(Math.log2(Math.ceil(a))) + 1) + 1; // magnitude bits and a sign
  return fixed(int + frac, int, { q: 'AP_RND_CONV', o: 'AP_SAT' });
}

/** The design activation for a fused float activation, with clip bounds rounded into the output format. */
export function lowerAct(act: FloatAct, f: FixedFormat): Activation {
  if (act.kind === 'none') return { kind: 'none' };
  if (act.kind === 'relu' || (act.kind === 'leaky' && act.alpha === 0)) return { kind: 'relu' };
  if (act.kind === 'leaky') {
    const format = leakyAlphaFormat(act.alpha, f);
    return { kind: 'leaky', alpha: { raw: fromDouble(act.alpha, format), format } };
  }
  // Round the bounds with the output's quantization but always saturate: a bound outside the range means
  // "no bound on that side", never a wrapped value.
  const sat = { ...f, o: 'AP_SAT' as const };
  return { kind: 'clip', lo: fromDouble(Math.max(act.min, -1e300), sat), hi: fromDouble(Math.min(act.max, 1e300), sat) };
}
