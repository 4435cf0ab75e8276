/**
 * @fileoverview Simulator twin of fpgac::max_pool2d and fpgac::avg_pool2d (hw/fpgac/pool.h): Pool2dLayer on raws.
 *
 * Window of output (ch, oy, ox): taps iy = oy·sh − pt + ky·dh, ix = ox·sw − pl + kx·dw; taps outside the input
 * are padding. Global average pooling is kh = h, kw = w without padding.
 * - max: m = the largest in-bounds input (padding never wins), out = cast(m) into the output format. A window
 *   with no in-bounds tap (impossible for valid ONNX pads) yields 0, as the C++ starts from 0 with no tap seen.
 * - avg: sum = Σ in-bounds inputs, exact in acc; count = kh·kw if countIncludePad (with pb/pr: the taps inside
 *   [−pt, h + pb) × [−pl, w + pr)) else the in-bounds taps (a count of 0 is taken as 1; the sum is then 0 anyway); r = 1/count rounded into the recip format, computed in
 *   both executors as an IEEE double division then the format's double conversion (fromDouble here,
 *   `recip_t r = 1.0 / n` in C++); out = cast(sum · r) with the product exact (formed in BigInt when it can
 *   reach 2^53, so any window size simulates exactly).
 */
import { castRawBig, formatToCpp, fracBits, fromDouble, maxRaw, minRaw, type FixedFormat } from '../fixed.js';
import type { Pool2dLayer } from '../../src/ir/design.js';
import { finishFast, makeFinish, type Finish, type KernelIO } from './common.js';
import { tapRanges } from './conv.js';
import { accRange } from '../../src/ir/exact.js';

interface PoolPlan {
  readonly inFormat: FixedFormat; // the plan was checked for this input format only
  readonly ky0: Int32Array; readonly ky1: Int32Array; // per oy: taps ky in [ky0, ky1) read inside the input
  readonly kx0: Int32Array; readonly kx1: Int32Array; // per ox, likewise
  readonly recip: Float64Array; // avg: raw of 1/n in the recip format for n = 0..kh·kw (n = 0 as 1)
  readonly padH: Int32Array | null; readonly padW: Int32Array | null; // avg with pb/pr: taps inside the pads per oy, ox
  readonly maxAbs: number; // bound on |value| handed to the output cast (max: an input raw; avg: sum · r)
  readonly big: boolean; // avg: sum · r may reach 2^53, so the product and its cast run in BigInt (still exact)
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
 * and multiplies by the recip raw, so it checks that promise. Returns the bound on |sum · r| over the counts that
 * can occur (`counts`): at or above 2^53 the product is formed in BigInt (large windows: a 112x112 global pool
 * of 16-bit inputs needs ~60 bits), below it in doubles.
 */
function checkAvg(layer: Pool2dLayer, inF: FixedFormat, recip: Float64Array, counts: ReadonlySet<number>): number {
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
  // A window of n in-bounds taps sums at most n inputs and multiplies by r(n): bound each reachable n separately.
  let maxAbs = 0;
  const inMax = Math.max(-minRaw(inF), maxRaw(inF));
  for (const n of counts) maxAbs = Math.max(maxAbs, inMax * Math.max(n, 1) * Math.abs(recip[n]));
  return maxAbs;
}

/** The in-bounds tap counts the windows can have (the divisor each uses; countIncludePad: always kh·kw). */
function reachableCounts(layer: Pool2dLayer, ky0: Int32Array, ky1: Int32Array, kx0: Int32Array, kx1: Int32Array, padH: Int32Array | null, padW: Int32Array | null): Set<number> {
  if (padH && padW) return new Set([...padH].flatMap((a) => [...padW].map((b) => a * b)));
  if (layer.countIncludePad) return new Set([layer.kh * layer.kw]);
  const ys = new Set<number>();
  const xs = new Set<number>();
  for (let i = 0; i < ky0.length; i++) ys.add(ky1[i] - ky0[i]);
  for (let i = 0; i < kx0.length; i++) xs.add(kx1[i] - kx0[i]);
  const out = new Set<number>();
  for (const y of ys) for (const x of xs) out.add(y * x);
  return out;
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
  // Taps inside the declared pads: the window over the padded extent [−p, n + p_end), i.e. [0, n + p + p_end).
  const padded = layer.mode === 'avg' && layer.countIncludePad && layer.pb !== undefined && layer.pr !== undefined;
  const spans = (lo: Int32Array, hi: Int32Array) => Int32Array.from(lo, (a, i) => hi[i] - a);
  const padH = padded ? spans(...tapRanges(layer.oh, layer.h + layer.pt + layer.pb!, layer.kh, layer.sh, 0, layer.dh)) : null;
  const padW = padded ? spans(...tapRanges(layer.ow, layer.w + layer.pl + layer.pr!, layer.kw, layer.sw, 0, layer.dw)) : null;
  let maxAbs = layer.mode === 'argmax' ? layer.c * layer.h * layer.w : Math.max(-minRaw(inF), maxRaw(inF));
  if (layer.mode === 'avg') {
    for (let n = 0; n <= taps; n++) recip[n] = fromDouble(1 / Math.max(n, 1), layer.recip);
    maxAbs = checkAvg(layer, inF, recip, reachableCounts(layer, ky0, ky1, kx0, kx1, padH, padW));
  }
  const l = layer;
  const big = layer.mode === 'avg' && maxAbs >= 2 ** 53;
  return {
    inFormat: inF, ky0, ky1, kx0, kx1, recip, padH, padW, maxAbs: big ? 2 ** 53 : maxAbs, big, fin: null, outF: null,
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
    const frac = layer.mode === 'max' ? fracBits(inF) : layer.mode === 'argmax' ? 0 : fracBits(inF) + fracBits(layer.recip);
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

/** Index of the first largest in-bounds tap (window order ky, kx), flat in the input (or H/W swapped), cast. */
function argmaxPool(plan: PoolPlan, x: Float64Array, out: Float64Array, colMajor: boolean): void {
  const { c, h, w, oh, ow, sh, sw, pt, pl, dh, dw } = plan;
  const { ky0, ky1, kx0, kx1 } = plan;
  const fin = plan.fin!;
  for (let ch = 0; ch < c; ch++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let m = -Infinity;
        let arg = 0;
        for (let ky = ky0[oy]; ky < ky1[oy]; ky++) {
          const iy = oy * sh - pt + ky * dh;
          for (let kx = kx0[ox]; kx < kx1[ox]; kx++) {
            const ix = ox * sw - pl + kx * dw;
            const v = x[(ch * h + iy) * w + ix];
            if (v > m) {
              m = v;
              arg = colMajor ? (ch * w + ix) * h + iy : (ch * h + iy) * w + ix;
            }
          }
        }
        out[(ch * oh + oy) * ow + ox] = finishFast(arg, fin);
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
  const { padH, padW } = plan;
  const big = plan.big;
  const frac = fin.accFrac;
  const outF = fin.out;
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
        const n = padH && padW ? Math.max(padH[oy] * padW[ox], 1) : full >= 0 ? full : (yb - ya) * (xb - xa);
        // sum is exact (|sum| < 2^52, checkAvg); the product is exact in doubles unless plan.big.
        out[(ch * oh + oy) * ow + ox] = big ? Number(castRawBig(BigInt(sum) * BigInt(recip[n]), frac, outF)) : finishFast(sum * recip[n], fin);
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
  else if (layer.mode === 'argmax') argmaxPool(plan, x, io.out, layer.storageOrder === 1);
  else avgPool(layer, plan, x, io.out);
}
