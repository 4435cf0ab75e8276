/**
 * @fileoverview Simulator twin of fpgac::max_pool2d and fpgac::avg_pool2d (hw/fpgac/pool.h): Pool2dLayer on raws.
 *
 * Window of output (ch, oy, ox): taps iy = oy·sh − pt + ky·dh, ix = ox·sw − pl + kx·dw; taps outside the input
 * are padding. Global average pooling is kh = h, kw = w without padding.
 * - max: m = the largest in-bounds input (padding never wins), out = cast(m) into the output format. A window
 *   with no in-bounds tap (impossible for valid ONNX pads) yields 0, as the C++ starts from 0 with no tap seen.
 * - avg: sum = Σ in-bounds inputs, exact in acc; count = kh·kw if countIncludePad else the in-bounds taps (a
 *   count of 0 is taken as 1; the sum is then 0 anyway); r = 1/count rounded into the recip format, computed in
 *   both executors as an IEEE double division then the format's double conversion (fromDouble here,
 *   `recip_t r = 1.0 / n` in C++); out = cast(sum · r) with the product exact.
 */
import { formatToCpp, fracBits, fromDouble, maxRaw, minRaw, type FixedFormat } from '../fixed.js';
import type { Pool2dLayer } from '../../src/ir/design.js';
import { finishFast, makeFinish, type Finish, type KernelIO } from './common.js';
import { tapRanges } from './conv.js';
import { accRange } from './common.js';

interface PoolPlan {
  readonly inFormat: FixedFormat; // the plan was checked for this input format only
  readonly ky0: Int32Array; readonly ky1: Int32Array; // per oy: taps ky in [ky0, ky1) read inside the input
  readonly kx0: Int32Array; readonly kx1: Int32Array; // per ox, likewise
  readonly recip: Float64Array; // avg: raw of 1/n in the recip format for n = 0..kh·kw (n = 0 as 1)
  readonly maxAbs: number; // bound on |value| handed to the output cast (max: an input raw; avg: sum · r)
  fin: Finish | null; outF: FixedFormat | null; // the output cast (castRaw as a Finish) for the format last seen
  // int32 sizes (see conv.ts Geo): integer index arithmetic in the loops.
  readonly c: number; readonly h: number; readonly w: number; readonly oh: number; readonly ow: number;
  readonly sh: number; readonly sw: number; readonly pt: number; readonly pl: number; readonly dh: number; readonly dw: number;
}

const plans = new WeakMap<Pool2dLayer, PoolPlan>();

function fail(layer: Pool2dLayer, why: string): never {
  throw new Error(`pool2d layer '${layer.name}': ${why}`);
}

/**
 * avg: the C++ sums in acc_t, which the IR promises exact; the simulator sums in input units instead (same value)
 * and multiplies by the recip raw, so it checks that promise and that sum·r stays below 2^53.
 */
function checkAvg(layer: Pool2dLayer, inF: FixedFormat, recip: Float64Array): number {
  const acc = layer.acc;
  const name = formatToCpp(acc);
  if (acc.width > 52) fail(layer, `accumulator ${name} is wider than 52 bits; the simulator computes in exact JS numbers`);
  const aF = fracBits(acc);
  if (aF < fracBits(inF)) fail(layer, `accumulator ${name} has fewer fraction bits than the input: the sum would not be exact`);
  if (layer.recip.width > 53) fail(layer, `reciprocal format ${formatToCpp(layer.recip)} is wider than 53 bits`);
  const taps = layer.kh * layer.kw;
  const scale = 2 ** (aF - fracBits(inF));
  const [lo, hi] = accRange(acc);
  if (Math.min(0, minRaw(inF)) * taps * scale < lo || maxRaw(inF) * taps * scale > hi) {
    fail(layer, `accumulator ${name} can overflow summing ${taps} inputs`);
  }
  let rMax = 0;
  for (const r of recip) rMax = Math.max(rMax, Math.abs(r));
  const sumMax = Math.max(-minRaw(inF), maxRaw(inF)) * taps;
  if (sumMax * rMax >= 2 ** 53) fail(layer, `sum · 1/count needs more than 53 bits (reciprocal ${formatToCpp(layer.recip)})`);
  return sumMax * rMax;
}

function buildPlan(layer: Pool2dLayer, inF: FixedFormat): PoolPlan {
  for (const k of ['sh', 'sw', 'dh', 'dw', 'kh', 'kw'] as const) if (!(layer[k] >= 1)) fail(layer, `${k} must be >= 1`);
  for (const k of ['c', 'h', 'w', 'oh', 'ow', 'sh', 'sw', 'pt', 'pl', 'dh', 'dw', 'kh', 'kw'] as const) {
    if (!(Number.isInteger(layer[k]) && Math.abs(layer[k]) < 2 ** 24)) fail(layer, `${k} = ${layer[k]} is not a plausible integer size`);
  }
  const [ky0, ky1] = tapRanges(layer.oh, layer.h, layer.kh, layer.sh, layer.pt, layer.dh);
  const [kx0, kx1] = tapRanges(layer.ow, layer.w, layer.kw, layer.sw, layer.pl, layer.dw);
  const taps = layer.kh * layer.kw;
  const recip = new Float64Array(taps + 1);
  let maxAbs = Math.max(-minRaw(inF), maxRaw(inF));
  if (layer.mode === 'avg') {
    for (let n = 0; n <= taps; n++) recip[n] = fromDouble(1 / Math.max(n, 1), layer.recip);
    maxAbs = checkAvg(layer, inF, recip);
  }
  const l = layer;
  return {
    inFormat: inF, ky0, ky1, kx0, kx1, recip, maxAbs, fin: null, outF: null,
    c: l.c | 0, h: l.h | 0, w: l.w | 0, oh: l.oh | 0, ow: l.ow | 0, sh: l.sh | 0, sw: l.sw | 0, pt: l.pt | 0, pl: l.pl | 0, dh: l.dh | 0, dw: l.dw | 0,
  };
}

function planFor(layer: Pool2dLayer, inF: FixedFormat, outF: FixedFormat): PoolPlan {
  let plan = plans.get(layer);
  if (!plan || plan.inFormat !== inF) {
    plan = buildPlan(layer, inF);
    plans.set(layer, plan);
  }
  if (plan.outF !== outF) {
    // The output cast of both modes is castRaw(v, frac, outF): finishAct without an activation.
    const frac = layer.mode === 'max' ? fracBits(inF) : fracBits(inF) + fracBits(layer.recip);
    plan.fin = makeFinish(frac, outF, { kind: 'none' }, plan.maxAbs);
    plan.outF = outF;
  }
  return plan;
}

function maxPool(plan: PoolPlan, x: Float64Array, out: Float64Array): void {
  const { c, h, w, oh, ow, sh, sw, pt, pl, dh, dw } = plan;
  const { ky0, ky1, kx0, kx1 } = plan;
  const fin = plan.fin!;
  for (let ch = 0; ch < c; ch++) {
    const base = ch * h * w;
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - pt;
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = base + ox * sw - pl;
        let m = -Infinity;
        for (let ky = ky0[oy]; ky < ky1[oy]; ky++) {
          const row = ix0 + (iy0 + ky * dh) * w;
          for (let kx = kx0[ox]; kx < kx1[ox]; kx++) {
            const v = x[row + kx * dw];
            if (v > m) m = v;
          }
        }
        out[(ch * oh + oy) * ow + ox] = m === -Infinity ? 0 : finishFast(m, fin);
      }
    }
  }
}

function avgPool(layer: Pool2dLayer, plan: PoolPlan, x: Float64Array, out: Float64Array): void {
  const { c, h, w, oh, ow, sh, sw, pt, pl, dh, dw } = plan;
  const { ky0, ky1, kx0, kx1, recip } = plan;
  // sum is in input units and r in recip units, so the exact product has their fraction bits added (plan.fin).
  const fin = plan.fin!;
  const full = layer.countIncludePad ? (layer.kh * layer.kw) | 0 : -1;
  for (let ch = 0; ch < c; ch++) {
    const base = ch * h * w;
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - pt;
      const ya = ky0[oy];
      const yb = ky1[oy];
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = base + ox * sw - pl;
        const xa = kx0[ox];
        const xb = kx1[ox];
        let sum = 0;
        for (let ky = ya; ky < yb; ky++) {
          const row = ix0 + (iy0 + ky * dh) * w;
          for (let kx = xa; kx < xb; kx++) sum += x[row + kx * dw];
        }
        const n = full >= 0 ? full : (yb - ya) * (xb - xa);
        out[(ch * oh + oy) * ow + ox] = finishFast(sum * recip[n], fin);
      }
    }
  }
}

export function simulatePool2d(layer: Pool2dLayer, io: KernelIO): void {
  const x = io.inputs[0];
  const { c, h, w, oh, ow } = layer;
  if (x.length !== c * h * w) fail(layer, `input has ${x.length} values, ${c * h * w} expected`);
  if (io.out.length !== c * oh * ow) fail(layer, `output has ${io.out.length} slots, ${c * oh * ow} expected`);
  const plan = planFor(layer, io.inFormats[0], io.outFormat);
  if (layer.mode === 'max') maxPool(plan, x, io.out);
  else avgPool(layer, plan, x, io.out);
}
