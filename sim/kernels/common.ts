/**
 * @fileoverview Pieces shared by the simulator kernels; each mirrors a function of hw/fpgac/common.h. Besides
 * finishAct (fpgac::finish, through the general castRaw) it holds the same cast prepared once per layer for
 * per-element use in hot loops (Finish): the result bits are castRaw's / finishAct's, only cheaper to compute.
 */
import { castRaw, castRawBig, fracBits, maxRaw, minRaw, type FixedFormat } from '../fixed.js';
import type { Activation, ChannelShift } from '../../src/ir/design.js';

/**
 * Mirrors fpgac::finish: relu or leaky on the exact accumulator, cast to the output format, then clip in output
 * raws. Leaky's product acc · alpha is exact (BigInt when it could reach 2^53) and cast once.
 */
export function finishAct(accRaw: number, accFrac: number, out: FixedFormat, act: Activation): number {
  if (act.kind === 'relu' && accRaw < 0) accRaw = 0;
  if (act.kind === 'leaky' && accRaw < 0) {
    const { raw, format } = act.alpha;
    const frac = accFrac + fracBits(format);
    const p = accRaw * raw;
    if (Math.abs(p) < 2 ** 53) return castRaw(p, frac, out);
    return Number(castRawBig(BigInt(accRaw) * BigInt(raw), frac, out));
  }
  let r = castRaw(accRaw, accFrac, out);
  if (act.kind === 'clip') {
    if (r < act.lo) r = act.lo;
    if (r > act.hi) r = act.hi;
  }
  return r;
}

/** Finish.kind: how the rounded integer r is computed before the clamp to [lo, hi]. */
export const FAST_GENERAL = 0; // finishAct itself (wrapping or zeroing overflow, rare rounding modes, odd shifts)
export const FAST_SHIFT = 1; // sh ≤ 0: r = v · 2^−sh, no quantization
export const FAST_TRN = 2; // AP_TRN: r = floor(v / 2^sh)
export const FAST_RND_CONV = 3; // AP_RND_CONV: floor, +1 above half and on odd ties
export const FAST_RND = 4; // AP_RND: floor, +1 from half up
export const FAST_RNE = 5; // AP_RND_CONV when |v · 2^−sh| ≤ 2^51: r = (y + 1.5·2^52) − 1.5·2^52, no branch

/** 1.5 · 2^52: adding it to |y| ≤ 2^51 lands in [2^52, 2^53], where the doubles are the integers (FAST_RNE). */
export const RNE_MAGIC = 6755399441055744;

const NO_ACT: Activation = Object.freeze({ kind: 'none' });

/**
 * finishAct(v, accFrac, out, act) prepared once, for values v that are safe integers (|v| < 2^53, which every
 * kernel guarantees by its per-layer checks; not re-checked here) bounded by maxAbs. Why it is the same:
 * - kinds ≠ FAST_GENERAL need a saturating target (AP_SAT, AP_SAT_SYM): castRaw's overflow step is then a clamp of
 *   the rounded r to [lo, hi] (lo = −max for AP_SAT_SYM but W = 1), and −1000 ≤ sh ≤ 53: scale = 2^−sh is a
 *   normal double, v · scale is exact (a power-of-two scaling; for sh < 0 at worst ±Infinity, which the clamp
 *   saturates as castRaw does), its floor is castRaw's t = floor(v / 2^sh) and rem = v − t · unit its exact
 *   remainder. A tie's odd test reads r · 0.5 ≠ floor(r · 0.5) (% on doubles is a slow library call).
 * - FAST_RNE: when maxAbs · 2^−sh ≤ 2^51, y = v · 2^−sh plus M = 1.5·2^52 lies in [2^52, 2^53], where doubles are
 *   exactly the integers, so IEEE addition rounds y to an integer with ties to even (M is even: M + k has k's
 *   parity) — AP_RND_CONV's rule — and subtracting M is exact. No data-dependent branch.
 * - relu, saturation and clip collapse into one clamp: the cast is monotone (every rounding mode and saturation
 *   are non-decreasing) and maps 0 to 0, so cast(max(v, 0)) = max(cast(v), 0); and clamping to [a, b] then to
 *   [c, d] is clamping to [max(a, c), min(b, d)] whenever that interval is not empty. An empty one (a clip
 *   outside the format) falls back to finishAct.
 * Every path returns +0, never −0, as castRaw (the + 0 of the last step).
 */
export interface Finish {
  readonly kind: number;
  readonly scale: number; // 2^−sh
  readonly unit: number; // 2^sh when sh > 0 (one output LSB in accumulator units), else 1
  readonly half: number; // unit / 2
  readonly lo: number; readonly hi: number; // the combined clamp
  readonly accFrac: number; readonly out: FixedFormat; readonly act: Activation; // for FAST_GENERAL
  /** A leaky activation: v < 0 takes finishAct (the exact product, then the cast); v ≥ 0 the fast cast. */
  readonly leaky: boolean;
}

export function makeFinish(accFrac: number, out: FixedFormat, act: Activation = NO_ACT, maxAbs = 2 ** 53): Finish {
  const sh = accFrac - fracBits(out);
  let kind = FAST_GENERAL;
  if ((out.o === 'AP_SAT' || out.o === 'AP_SAT_SYM') && out.width <= 53 && Number.isInteger(accFrac) && sh <= 53 && sh >= -1000) {
    if (sh <= 0) kind = FAST_SHIFT;
    else if (out.q === 'AP_TRN') kind = FAST_TRN;
    else if (out.q === 'AP_RND_CONV') kind = maxAbs * 2 ** -sh <= 2 ** 51 ? FAST_RNE : FAST_RND_CONV;
    else if (out.q === 'AP_RND') kind = FAST_RND;
  }
  let hi = maxRaw(out);
  let lo = out.signed && out.o === 'AP_SAT_SYM' && out.width > 1 ? -hi : minRaw(out);
  if (act.kind === 'relu') lo = Math.max(lo, 0);
  if (act.kind === 'clip') {
    lo = Math.max(lo, act.lo);
    hi = Math.min(hi, act.hi);
  }
  if (!(lo <= hi)) kind = FAST_GENERAL;
  const unit = sh > 0 ? 2 ** sh : 1;
  return { kind, scale: 2 ** -sh, unit, half: unit / 2, lo, hi, accFrac, out, act, leaky: act.kind === 'leaky' };
}

/** finishAct(v, f.accFrac, f.out, f.act) (castRaw(v, ...) when f.act is none), for a safe-integer v. */
export function finishFast(v: number, f: Finish): number {
  if (f.leaky && v < 0) return finishAct(v, f.accFrac, f.out, f.act);
  const k = f.kind;
  let r: number;
  if (k === FAST_RNE) r = v * f.scale + RNE_MAGIC - RNE_MAGIC;
  else if (k === FAST_SHIFT) r = v * f.scale;
  else if (k === FAST_TRN) r = Math.floor(v * f.scale);
  else if (k === FAST_RND_CONV) {
    r = Math.floor(v * f.scale);
    const rem = v - r * f.unit;
    if (rem > f.half || (rem === f.half && r * 0.5 !== Math.floor(r * 0.5))) r += 1;
  } else if (k === FAST_RND) {
    r = Math.floor(v * f.scale);
    if (v - r * f.unit >= f.half) r += 1;
  } else return finishAct(v, f.accFrac, f.out, f.act);
  return r < f.lo ? f.lo : r > f.hi ? f.hi : r + 0;
}

/** dst[d0 + i] = finishFast(src[s0 + i], f) for i < n (in place allowed), with the kind dispatched once. */
export function finishRun(src: Float64Array, s0: number, dst: Float64Array, d0: number, n: number, f: Finish): void {
  const fused = fusedOf(f);
  if (fused) {
    const { scale, m, lo, hi } = fused;
    for (let i = 0; i < n; i++) {
      const r = src[s0 + i] * scale + m - m;
      dst[d0 + i] = r < lo ? lo : r > hi ? hi : r;
    }
  } else if (f.kind === FAST_TRN && !f.leaky) {
    const { scale, lo, hi } = f;
    for (let i = 0; i < n; i++) {
      const r = Math.floor(src[s0 + i] * scale);
      dst[d0 + i] = r < lo ? lo : r > hi ? hi : r + 0;
    }
  } else {
    for (let i = 0; i < n; i++) dst[d0 + i] = finishFast(src[s0 + i], f);
  }
}

/**
 * The branch-free form of FAST_RNE and FAST_SHIFT, for kernels that cast where they sum: r = (v · scale + m) − m,
 * then clamp to [lo, hi]. m = RNE_MAGIC is FAST_RNE's rounding; with m = 0 it is FAST_SHIFT's exact v · scale
 * (adding and subtracting 0 changes nothing but −0, which becomes finishAct's +0).
 */
export interface Fused { readonly scale: number; readonly m: number; readonly lo: number; readonly hi: number }

const fusedCache = new WeakMap<Finish, Fused | null>();

export function fusedOf(f: Finish): Fused | null {
  let r = fusedCache.get(f);
  if (r === undefined) {
    r = (f.kind === FAST_RNE || f.kind === FAST_SHIFT) && !f.leaky ? { scale: f.scale, m: f.kind === FAST_RNE ? RNE_MAGIC : 0, lo: f.lo, hi: f.hi } : null;
    fusedCache.set(f, r);
  }
  return r;
}

/** The Fused form of "no cast": (v · 1 + 0) − 0 = v (−0 becomes +0, which every cast reads as 0). */
export const RAW: Fused = { scale: 1, m: 0, lo: -Infinity, hi: Infinity };

/** Everything a kernel needs besides its layer: input raws and formats, the output buffer and format. */
export interface KernelIO {
  readonly inputs: readonly Float64Array[];
  readonly inFormats: readonly FixedFormat[];
  readonly out: Float64Array;
  readonly outFormat: FixedFormat;
}

/** A layer kind's simulator kernel: runs `layer` on raw buffers (each kind's is wired in src/kinds/). */
export type SimKernel<L> = (layer: L, io: KernelIO) => void;

export { fracBits };

/** A layer with per-output-channel shifts (ChannelShift in src/ir/design.ts). */
interface ShiftedLayer {
  readonly act: Activation;
  readonly acc: FixedFormat;
  readonly shift?: ChannelShift;
}

const shiftedInner = new WeakMap<object, { inner: object; tmp: Float64Array }>();

/**
 * Runs a shifted layer as the hardware does: the layer's kernel writes the exact accumulator (output format = acc
 * format, no activation: a lossless cast), then each output is shifted right by its channel's k, activated and cast
 * (finishAct with k more fraction bits). The kernels' fast paths are untouched.
 */
export function runShifted<L extends ShiftedLayer>(layer: L, io: KernelIO, run: (l: L, io: KernelIO) => void, channelOf: (i: number) => number): void {
  let c = shiftedInner.get(layer);
  if (!c || c.tmp.length !== io.out.length) {
    c = { inner: { ...layer, shift: undefined, act: { kind: 'none' } }, tmp: new Float64Array(io.out.length) };
    shiftedInner.set(layer, c);
  }
  run(c.inner as L, { inputs: io.inputs, inFormats: io.inFormats, out: c.tmp, outFormat: layer.acc });
  const k = layer.shift!.k.raw;
  const frac = fracBits(layer.acc);
  for (let i = 0; i < io.out.length; i++) io.out[i] = finishAct(c.tmp[i], frac + k[channelOf(i)], io.outFormat, layer.act);
}
