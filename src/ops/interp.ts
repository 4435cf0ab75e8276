/**
 * @fileoverview Interpolating Resize (linear, cubic, with antialias and exclude_outside) as per-axis tap lists: on
 * output axis d, output index i reads taps t < T_d at input indices idx_d[i][t] with coefficients c_d[i][t]
 * (separable: out = Σ over tap combinations of Π_d c_d · x[idx]); an index whose tf_crop_and_resize coordinate
 * lies outside the input gives the extrapolation value instead. The float reference sums in float64; the
 * lowering quantizes the coefficients into tables and emits one `interp` layer (exact products and sum, one cast).
 *
 * Taps follow ONNX's reference implementation: the window starts at base + start, base = ceil(x) − 1 and
 * ratio = x − base ∈ (0, 1], indices clamped to the input (its edge padding); linear c = [1 − ratio, ratio],
 * cubic Keys' kernel with coefficient A, antialias (downsampling) the kernel stretched by 1/scale and normalized.
 *
 * Coefficient error (stated for the tests, checked in test/ops/movement.test.ts): each coefficient is rounded to F
 * fraction bits and the largest of an index's taps absorbs the rounding of their sum, so the taps still sum exactly
 * to the rounded sum (1 for every mode: constant inputs stay constant) and each coefficient errs by at most
 * T_d·2^-(F+1). An output then errs by at most max|x| · (Π_d (S_d + T_d²·2^-(F+1)) − Π_d S_d), S_d = max_i Σ_t |c_d|,
 * plus half an output LSB for the cast (plus the input's own quantization).
 */
import { fixed, fracBits, fromDouble, type FixedFormat } from '../../sim/fixed.js';
import { ELT_RANK } from '../ir/design.js';
import type { Node, Tensor } from '../ir/graph.js';
import { numel, sourcesOf, stridesOf, tensor } from '../ir/graph.js';
import type { LowerContext } from '../quant/context.js';
import { maxAbsRaw, MAX_ACC_WIDTH, signedFormatFor } from '../quant/acc.js';

/** One axis' taps: for each output index, the input indices (-1: outside, every tap) and their coefficients. */
export interface AxisTaps {
  readonly taps: number;
  readonly idx: readonly number[]; // out · taps entries
  readonly coef: readonly number[];
}

export interface InterpKernel {
  readonly mode: 'linear' | 'cubic';
  readonly cubicA: number;
  readonly excludeOutside: boolean;
  readonly antialias: boolean;
}

function cubicWeight(x: number, a: number): number {
  const t = Math.abs(x);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

/** Coefficients for a window starting `start` taps left of the base, at fractional position ratio ∈ (0, 1]. */
function coefficients(k: InterpKernel, ratio: number, scale: number): { start: number; c: number[] } {
  if (k.antialias && scale < 1) {
    // The kernel stretched by 1/scale: footprint 2·(support/scale), normalized to sum 1.
    const support = k.mode === 'linear' ? 1 : 2;
    const start = Math.floor(-support / scale) + 1;
    const n = 2 - 2 * start;
    const c = Array.from({ length: n }, (_, j) => {
      const x = (start + j - ratio) * scale;
      return k.mode === 'linear' ? Math.min(Math.max(1 - Math.abs(x), 0), 1) : cubicWeight(x, k.cubicA);
    });
    const sum = c.reduce((p, q) => p + q, 0);
    return { start, c: c.map((v) => v / sum) };
  }
  if (k.mode === 'linear') return { start: 0, c: [1 - ratio, ratio] };
  const a = k.cubicA;
  const r = ratio;
  return { start: -1, c: [cubicWeight(r + 1, a), cubicWeight(r, a), cubicWeight(1 - r, a), cubicWeight(2 - r, a)] };
}

/**
 * The taps of one axis of input length n, for source coordinates `coord(x)` of the output indices (undefined:
 * outside the tf_crop_and_resize region).
 */
export function axisTaps(k: InterpKernel, n: number, out: number, scale: number, coord: (x: number) => number | undefined): AxisTaps {
  const idx: number[] = [];
  const coef: number[] = [];
  let taps = 0;
  for (let x = 0; x < out; x++) {
    const c = coord(x);
    const base = c === undefined ? 0 : Math.ceil(c) - 1;
    const w = coefficients(k, c === undefined ? 1 : c - base, scale);
    taps = w.c.length;
    let cs = w.c;
    const raw = cs.map((_, j) => base + w.start + j);
    if (k.excludeOutside) {
      cs = cs.map((v, j) => (raw[j] < 0 || raw[j] >= n ? 0 : v));
      const s = cs.reduce((p, q) => p + q, 0);
      cs = cs.map((v) => v / s);
    }
    raw.forEach((j, t) => {
      idx.push(c === undefined ? -1 : Math.min(Math.max(j, 0), n - 1));
      coef.push(cs[t]);
    });
  }
  return collapsed({ taps, idx, coef });
}

/**
 * An axis where every index's taps read one input element (an input of length 1: all clamp to 0) as one tap whose
 * coefficient is their sum (1 up to float rounding), so the hardware does not multiply by it.
 */
function collapsed(a: AxisTaps): AxisTaps {
  const { taps, idx, coef } = a;
  for (let o = 0; o < idx.length; o += taps) if (idx.slice(o, o + taps).some((j) => j !== idx[o])) return a;
  const sums: number[] = [];
  for (let o = 0; o < coef.length; o += taps) sums.push(coef.slice(o, o + taps).reduce((p, v) => p + v, 0));
  return { taps: 1, idx: idx.filter((_, k) => k % taps === 0), coef: sums };
}

/** The identity taps of an axis that is not resized. */
export const identityTaps = (n: number): AxisTaps => ({ taps: 1, idx: Array.from({ length: n }, (_, i) => i), coef: new Array<number>(n).fill(1) });

/** The float reference: Σ over tap combinations of Π coefficients · x, or `pad` where an axis is outside. */
export function interpData(x: Tensor, axes: readonly AxisTaps[], pad: number): Tensor {
  const shape = axes.map((a) => a.idx.length / a.taps);
  const inStr = stridesOf(x.shape);
  const out = new Float64Array(numel(shape));
  const r = shape.length;
  const i = new Array<number>(r).fill(0);
  const t = new Array<number>(r).fill(0);
  for (let k = 0; k < out.length; k++) {
    if (axes.some((a, d) => a.idx[i[d] * a.taps] < 0)) out[k] = pad;
    else {
      let s = 0;
      t.fill(0);
      for (;;) {
        let w = 1;
        let src = 0;
        for (let d = 0; d < r; d++) {
          const e = i[d] * axes[d].taps + t[d];
          w *= axes[d].coef[e];
          src += axes[d].idx[e] * inStr[d];
        }
        s += w * x.data[src];
        let d = r - 1;
        for (; d >= 0; d--) {
          if (++t[d] < axes[d].taps) break;
          t[d] = 0;
        }
        if (d < 0) break;
      }
      out[k] = s;
    }
    for (let d = r - 1; d >= 0; d--) {
      if (++i[d] < shape[d]) break;
      i[d] = 0;
    }
  }
  return tensor(shape, out, x.dtype);
}

/**
 * Coefficients as raws with `frac` fraction bits; the largest tap of each index absorbs the rounding of the sum,
 * so each index's raws sum to round(Σ c · 2^frac).
 */
export function quantizeTaps(a: AxisTaps, frac: number): number[] {
  const raws: number[] = [];
  const scale = 2 ** frac;
  for (let o = 0; o < a.coef.length; o += a.taps) {
    const c = a.coef.slice(o, o + a.taps);
    const q = c.map((v) => Math.round(v * scale));
    const want = Math.round(c.reduce((p, v) => p + v, 0) * scale);
    let big = 0;
    c.forEach((v, j) => { if (Math.abs(v) > Math.abs(c[big])) big = j; });
    q[big] += want - q.reduce((p, v) => p + v, 0);
    raws.push(...q);
  }
  return raws;
}

/** Bits of a non-negative integer (0 → 0). */
function bitLength(v: number): number {
  let b = 0;
  while (2 ** b <= v) b++;
  return b;
}

/**
 * Lowers an interpolation into one `interp` layer. The coefficient fraction F is the largest (at most 16) for which
 * the exact accumulator, sized from the quantized coefficients themselves, fits MAX_ACC_WIDTH bits; axes whose every
 * coefficient is 1 keep weight tables of format ap_ufixed<1,1>, which add nothing to the products' width.
 */
export function lowerInterp(node: Node, ctx: LowerContext, axes: readonly AxisTaps[], pad: number): void {
  const x = ctx.input(node.inputs[0]);
  if (axes.length > ELT_RANK) ctx.fail(node, `rank ${axes.length} above ${ELT_RANK} is not supported`);
  const out = ctx.output(node.outputs[0], x.format);
  const name = ctx.layerName(node);
  const lead = ELT_RANK - axes.length;
  const all = [...Array.from({ length: lead }, () => identityTaps(1)), ...axes];
  const ones = all.map((a) => a.taps === 1 && a.coef.every((c) => Math.abs(c - 1) < 1e-12));
  const inStr = [...new Array<number>(lead).fill(0), ...stridesOf(x.shape)];
  let plan: { frac: number; raws: (number[] | null)[]; acc: FixedFormat } | undefined;
  for (let frac = 16; frac >= 6 && !plan; frac--) {
    const raws = all.map((a, d) => (ones[d] ? null : quantizeTaps(a, frac)));
    let bound = maxAbsRaw(x.format);
    raws.forEach((r, d) => {
      if (!r) return;
      const taps = all[d].taps;
      let sumMax = 0;
      for (let o = 0; o < r.length; o += taps) sumMax = Math.max(sumMax, r.slice(o, o + taps).reduce((p, v) => p + Math.abs(v), 0));
      bound *= sumMax;
    });
    const acc = signedFormatFor(bound, fracBits(x.format) + frac * raws.filter(Boolean).length);
    if (acc.width <= MAX_ACC_WIDTH) plan = { frac, raws, acc };
  }
  if (!plan) ctx.fail(node, `${ones.filter((o) => !o).length} interpolated axes leave fewer than 6 fraction bits for the coefficients within a ${MAX_ACC_WIDTH}-bit accumulator`);
  const { frac, raws, acc } = plan;
  const index = all.map((a, d) => {
    const offs = a.idx.map((j) => (j < 0 ? -1 : j * inStr[d]));
    const iw = Math.max(2, bitLength(Math.max(...offs)) + 1);
    return ctx.rawData(`${name}_idx${d}`, [offs.length], offs, fixed(iw, iw));
  });
  const weight = all.map((a, d) => {
    const r = raws[d];
    if (!r) return ctx.rawData(`${name}_one`, [a.coef.length], a.coef.map(() => 1), fixed(1, 1, { signed: false }));
    const signed = r.some((v) => v < 0);
    const wbits = Math.max(1, bitLength(Math.max(...r.map(Math.abs)))) + (signed ? 1 : 0);
    return ctx.rawData(`${name}_w${d}`, [r.length], r, fixed(wbits, wbits - frac, { signed }));
  });
  ctx.add({
    kind: 'interp', name, sources: sourcesOf(node), inputs: [x.name], output: out.name,
    outShape: all.map((a) => a.idx.length / a.taps), taps: all.map((a) => a.taps), index, weight,
    pad: fromDouble(pad, out.format), acc,
  });
}
