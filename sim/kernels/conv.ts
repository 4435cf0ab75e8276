/**
 * @fileoverview Simulator twin of fpgac::conv2d (hw/fpgac/conv.h): Conv2dLayer on raw integers.
 *
 * out[o][oy][ox] = finish(bias[o] + Σ_{ic,ky,kx} w[o][ic][ky][kx] · in[g·cpg + ic][iy][ix]) with
 * iy = oy·sh − pt + ky·dh, ix = ox·sw − pl + kx·dw, g = o / (oc/group), cpg = c/group; taps outside the input
 * read zero, so they are simply skipped. The C++ sums in acc_t; the IR promises that acc is exact (no
 * quantization, no overflow), and an exact sum does not depend on its order, so the simulator adds in another
 * order (weight by weight over all outputs it meets, padding skipped through precomputed ranges, zero weights
 * skipped) in units of the acc's LSB. Because everything hinges on that promise, the first use of a layer checks
 * it against the actual weights and throws a clear Error if a partial sum could be quantized or overflow (the C++
 * would then differ) or leave the 2^53 range where JS numbers are exact.
 */
import { formatToCpp, fracBits, maxRaw, minRaw, type FixedFormat } from '../fixed.js';
import type { Conv2dLayer } from '../../src/ir/design.js';
import { finishAct, type KernelIO } from './common.js';

/** Per-layer data prepared once: constants in acc units and, per tap, the outputs it reaches inside the input. */
interface ConvPlan {
  readonly inFormat: FixedFormat; // the plan was checked for this input format only
  readonly wt: Float64Array; // weight raws · 2^(accFrac − wFrac − inFrac): each product lands in acc units
  readonly bias: Float64Array; // bias raws in acc units, 0 without a bias
  readonly oy0: Int32Array; readonly oy1: Int32Array; // per ky: output rows oy in [oy0, oy1) read row ky in bounds
  readonly ox0: Int32Array; readonly ox1: Int32Array; // per kx, likewise for output columns
  readonly acc: Float64Array; // one output channel's accumulators, reused (the simulator is single-threaded)
}

const plans = new WeakMap<Conv2dLayer, ConvPlan>();

/**
 * The taps k in [0, k) of output position o whose input index o·s − p + k·d lies in [0, n), as a half-open range
 * [lo, hi) (empty ranges have lo = hi). Shared with the pooling kernel.
 */
export function tapRanges(outLen: number, n: number, k: number, s: number, p: number, d: number): [Int32Array, Int32Array] {
  const lo = new Int32Array(outLen);
  const hi = new Int32Array(outLen);
  for (let o = 0; o < outLen; o++) {
    const start = o * s - p;
    let a = 0;
    while (a < k && start + a * d < 0) a++;
    let b = a;
    while (b < k && start + b * d < n) b++;
    lo[o] = a;
    hi[o] = b;
  }
  return [lo, hi];
}

/** The transpose of tapRanges: for each tap k, the outputs o in [lo, hi) whose input o·s − p + k·d is in [0, n). */
function outputRanges(k: number, outLen: number, n: number, s: number, p: number, d: number): [Int32Array, Int32Array] {
  const lo = new Int32Array(k);
  const hi = new Int32Array(k);
  for (let t = 0; t < k; t++) {
    let a = 0;
    while (a < outLen && a * s - p + t * d < 0) a++;
    let b = a;
    while (b < outLen && b * s - p + t * d < n) b++;
    lo[t] = a;
    hi[t] = b;
  }
  return [lo, hi];
}

/** The signed range an acc format can hold (AP_SAT_SYM excludes the most negative code, as finishNum does). */
export function accRange(f: FixedFormat): [number, number] {
  const hi = maxRaw(f);
  const lo = f.signed && f.o === 'AP_SAT_SYM' && f.width > 1 ? -hi : minRaw(f);
  return [lo, hi];
}

function fail(layer: Conv2dLayer, why: string): never {
  throw new Error(`conv2d layer '${layer.name}': ${why}`);
}

function checkShapes(layer: Conv2dLayer): void {
  const { c, oc, group, kh, kw } = layer;
  if (!(group >= 1 && c % group === 0 && oc % group === 0)) fail(layer, `group ${group} must divide c = ${c} and oc = ${oc}`);
  const nw = oc * (c / group) * kh * kw;
  if (layer.weight.raw.length !== nw) fail(layer, `weight has ${layer.weight.raw.length} values, ${nw} expected`);
  if (layer.bias && layer.bias.raw.length !== oc) fail(layer, `bias has ${layer.bias.raw.length} values, ${oc} expected`);
  for (const k of ['sh', 'sw', 'dh', 'dw'] as const) if (!(layer[k] >= 1)) fail(layer, `${k} must be >= 1`);
}

/**
 * Checks the IR's exactness promise with the real weights: every partial sum (any subset of taps, since padding
 * skips some) lies in [bias + Σ min(0, w·x), bias + Σ max(0, w·x)] over the input format's range, which must fit
 * the acc format, in units the acc can represent exactly.
 */
function checkExact(layer: Conv2dLayer, inF: FixedFormat): void {
  const acc = layer.acc;
  const name = formatToCpp(acc);
  if (acc.width > 52) fail(layer, `accumulator ${name} is wider than 52 bits; the simulator computes in exact JS numbers`);
  const aF = fracBits(acc);
  const wF = fracBits(layer.weight.format);
  if (aF < wF + fracBits(inF)) fail(layer, `accumulator ${name} has fewer fraction bits than a weight·input product (${wF + fracBits(inF)}): the sum would not be exact`);
  if (layer.bias && aF < fracBits(layer.bias.format)) fail(layer, `accumulator ${name} cannot hold the bias exactly`);
  const xLo = minRaw(inF);
  const xHi = maxRaw(inF);
  const [lo, hi] = accRange(acc);
  const perOc = (layer.c / layer.group) * layer.kh * layer.kw;
  const pScale = 2 ** (aF - wF - fracBits(inF));
  for (let o = 0; o < layer.oc; o++) {
    const b = layer.bias ? layer.bias.raw[o] * 2 ** (aF - fracBits(layer.bias.format)) : 0;
    let down = 0;
    let up = 0;
    for (let t = o * perOc; t < (o + 1) * perOc; t++) {
      const w = layer.weight.raw[t];
      down += Math.min(0, w * xLo, w * xHi);
      up += Math.max(0, w * xLo, w * xHi);
    }
    if (b + down * pScale < lo || b + up * pScale > hi) {
      fail(layer, `accumulator ${name} can overflow for output channel ${o}: partial sums reach [${toUnits(b + down * pScale, aF)}, ${toUnits(b + up * pScale, aF)}]`);
    }
  }
}

function toUnits(raw: number, frac: number): string {
  return String(raw * 2 ** -frac);
}

function buildPlan(layer: Conv2dLayer, inF: FixedFormat): ConvPlan {
  checkShapes(layer);
  checkExact(layer, inF);
  const aF = fracBits(layer.acc);
  const pScale = 2 ** (aF - fracBits(layer.weight.format) - fracBits(inF));
  const wt = Float64Array.from(layer.weight.raw, (r) => r * pScale);
  const bias = new Float64Array(layer.oc);
  if (layer.bias) {
    const bScale = 2 ** (aF - fracBits(layer.bias.format));
    for (let o = 0; o < layer.oc; o++) bias[o] = layer.bias.raw[o] * bScale;
  }
  const [oy0, oy1] = outputRanges(layer.kh, layer.oh, layer.h, layer.sh, layer.pt, layer.dh);
  const [ox0, ox1] = outputRanges(layer.kw, layer.ow, layer.w, layer.sw, layer.pl, layer.dw);
  return { inFormat: inF, wt, bias, oy0, oy1, ox0, ox1, acc: new Float64Array(layer.oh * layer.ow) };
}

function planFor(layer: Conv2dLayer, inF: FixedFormat): ConvPlan {
  let plan = plans.get(layer);
  if (!plan || plan.inFormat !== inF) {
    plan = buildPlan(layer, inF);
    plans.set(layer, plan);
  }
  return plan;
}

export function simulateConv2d(layer: Conv2dLayer, io: KernelIO): void {
  const x = io.inputs[0];
  const { c, h, w, oc, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, group } = layer;
  if (x.length !== c * h * w) fail(layer, `input has ${x.length} values, ${c * h * w} expected`);
  if (io.out.length !== oc * oh * ow) fail(layer, `output has ${io.out.length} slots, ${oc * oh * ow} expected`);
  const { wt, bias, oy0, oy1, ox0, ox1, acc } = planFor(layer, io.inFormats[0]);
  const out = io.out;
  const outF = io.outFormat;
  const act = layer.act;
  const aF = fracBits(layer.acc);
  const cpg = c / group;
  const opg = oc / group;
  const plane = h * w;
  const kArea = kh * kw;
  const nOut = oh * ow;
  // Loop order: one output channel's accumulators at a time, scattering each weight over every output it meets;
  // the inner loop walks an input row, and zero weights (pruned networks) cost nothing.
  for (let o = 0; o < oc; o++) {
    acc.fill(bias[o]);
    const inBase = Math.floor(o / opg) * cpg * plane;
    for (let ic = 0; ic < cpg; ic++) {
      const xc = inBase + ic * plane;
      const wc = (o * cpg + ic) * kArea;
      for (let ky = 0; ky < kh; ky++) {
        const ya = oy0[ky];
        const yb = oy1[ky];
        for (let kx = 0; kx < kw; kx++) {
          const wv = wt[wc + ky * kw + kx];
          if (wv === 0) continue;
          const xa = ox0[kx];
          const xb = ox1[kx];
          for (let oy = ya; oy < yb; oy++) {
            const row = xc + (oy * sh - pt + ky * dh) * w - pl + kx * dw;
            const ar = oy * ow;
            for (let ox = xa; ox < xb; ox++) acc[ar + ox] += wv * x[row + ox * sw];
          }
        }
      }
    }
    const ob = o * nOut;
    for (let i = 0; i < nOut; i++) out[ob + i] = finishAct(acc[i], aF, outF, act);
  }
}
