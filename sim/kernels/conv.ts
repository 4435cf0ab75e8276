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
 *
 * Several loop shapes compute that same exact sum; each starts from the bias and adds taps one at a time, so
 * every partial sum is the bias plus a subset of the taps, inside the checked range and an exact integer below
 * 2^52. Pointwise 1×1 convolutions: eight register sums per pass (two channels × four positions, or for pruned
 * weights one channel × eight positions over its non-zero weights only). Depthwise ones (one input channel per
 * output): a gather over a zero-padded copy of the channel (a padding tap adds w · 0 = ±0, which leaves an exact
 * sum unchanged), unrolled for 3×3. Everything else: the general scatter. Where the output cast allows it
 * (common.ts, Fused), the cast happens in the same pass as the sums. Before all of these: when the layer's raws
 * fit int16 (preconditions in int16.ts), im2col and an int16 matrix product in WebAssembly SIMD (conv-gemm.ts)
 * give the same exact sums; 3×3 depthwise layers at unit column stride have their own int16 engine
 * (depthwise-i16.ts); other depthwise layers and dot products shorter than 8 keep the double kernels.
 */
import { fracBits, type FixedFormat } from '../fixed.js';
import type { Conv2dLayer } from '../../src/ir/design.js';
import { finishRun, fusedOf, makeFinish, RAW, runShifted, type Finish, type Fused, type KernelIO } from './common.js';
import { accRange, macInexact } from '../../src/ir/exact.js';
import { ConvI16, paddedPlane } from './conv-gemm.js';
import { DepthwiseI16 } from './depthwise-i16.js';

/**
 * The layer's sizes as int32 values (`| 0`, after checkShapes found them integers): V8 then speculates integer
 * index arithmetic in the loops. A size that an object holds as a heap double (parsed or computed) would make
 * every index computation a double one, nearly halving the speed of the tightest loops.
 */
interface Geo {
  readonly c: number; readonly h: number; readonly w: number; readonly oc: number; readonly oh: number; readonly ow: number;
  readonly kh: number; readonly kw: number; readonly sh: number; readonly sw: number; readonly pt: number; readonly pl: number;
  readonly dh: number; readonly dw: number; readonly group: number; readonly cpg: number; readonly opg: number;
}

function geoOf(l: Conv2dLayer): Geo {
  return {
    c: l.c | 0, h: l.h | 0, w: l.w | 0, oc: l.oc | 0, oh: l.oh | 0, ow: l.ow | 0, kh: l.kh | 0, kw: l.kw | 0,
    sh: l.sh | 0, sw: l.sw | 0, pt: l.pt | 0, pl: l.pl | 0, dh: l.dh | 0, dw: l.dw | 0, group: l.group | 0,
    cpg: (l.c / l.group) | 0, opg: (l.oc / l.group) | 0,
  };
}

/** Per-layer data prepared once: constants in acc units and, per tap, the outputs it reaches inside the input. */
export interface ConvPlan {
  readonly inFormat: FixedFormat; // the plan was checked for this input format only
  readonly g: Geo;
  readonly wt: Float64Array; // weight raws · 2^(accFrac − wFrac − inFrac): each product lands in acc units
  readonly bias: Float64Array; // bias raws in acc units, 0 without a bias
  readonly oy0: Int32Array; readonly oy1: Int32Array; // per ky: output rows oy in [oy0, oy1) read row ky in bounds
  readonly ox0: Int32Array; readonly ox1: Int32Array; // per kx, likewise for output columns
  readonly acc: Float64Array; // one output channel's accumulators, reused (the simulator is single-threaded)
  readonly acc2: Float64Array; // pointwise: two channels' sums (unfused casts)
  // Sparse pointwise (set when at most 3/4 of the weights are non-zero; else null): per output channel o, its
  // non-zero weights nzW[e] and their input planes' offsets nzX[e] for e in [nzStart[o], nzStart[o + 1]).
  readonly nzStart: Int32Array | null; readonly nzX: Int32Array; readonly nzW: Float64Array;
  readonly shape: 'pointwise' | 'depthwise' | 'general';
  readonly i16: ConvI16 | null; // the int16 matrix-product engine (conv-gemm.ts) when its preconditions hold
  readonly dw16: DepthwiseI16 | null; // the int16 3×3 depthwise engine (depthwise-i16.ts) likewise
  readonly pScale: number; // 2^(accFrac − wFrac − inFrac): a raw product in acc units
  readonly hp: number; readonly wp: number; // depthwise: the padded channel's size
  readonly pad: Float64Array; // depthwise: the padded channel (its border stays 0: only the interior is written)
  readonly offs: Int32Array; // depthwise: per tap ky·kw + kx, its offset ky·dh·wp + kx·dw in the padded channel
  finish: Finish | null; fused: Fused | null; outFormat: FixedFormat | null; // for the output format last seen
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

function fail(layer: Conv2dLayer, why: string): never {
  throw new Error(`conv2d layer '${layer.name}': ${why}`);
}

function checkShapes(layer: Conv2dLayer): void {
  const { c, oc, group, kh, kw } = layer;
  for (const k of ['c', 'h', 'w', 'oc', 'oh', 'ow', 'kh', 'kw', 'sh', 'sw', 'pt', 'pl', 'dh', 'dw', 'group'] as const) {
    if (!(Number.isInteger(layer[k]) && Math.abs(layer[k]) < 2 ** 24)) fail(layer, `${k} = ${layer[k]} is not a plausible integer size`);
  }
  if (!(group >= 1 && c % group === 0 && oc % group === 0)) fail(layer, `group ${group} must divide c = ${c} and oc = ${oc}`);
  const nw = oc * (c / group) * kh * kw;
  if (layer.weight.raw.length !== nw) fail(layer, `weight has ${layer.weight.raw.length} values, ${nw} expected`);
  if (layer.bias && layer.bias.raw.length !== oc) fail(layer, `bias has ${layer.bias.raw.length} values, ${oc} expected`);
  for (const k of ['sh', 'sw', 'dh', 'dw'] as const) if (!(layer[k] >= 1)) fail(layer, `${k} must be >= 1`);
}

/** Checks the IR's exactness promise with the real weights (macInexact, src/ir/exact.ts). */
function checkExact(layer: Conv2dLayer, inF: FixedFormat): void {
  const why = macInexact(layer.acc, inF, layer.weight, (layer.c / layer.group) * layer.kh * layer.kw, layer.bias, 'output channel');
  if (why) fail(layer, why);
}

function buildPlan(layer: Conv2dLayer, inF: FixedFormat): ConvPlan {
  checkShapes(layer);
  checkExact(layer, inF);
  const g = geoOf(layer);
  const { c, h, w, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, group } = g;
  const aF = fracBits(layer.acc);
  const pScale = 2 ** (aF - fracBits(layer.weight.format) - fracBits(inF));
  // A plain loop: Float64Array.from with a mapping function is several times slower on millions of weights.
  const raw = layer.weight.raw;
  const wt = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) wt[i] = raw[i] * pScale;
  const bias = new Float64Array(layer.oc);
  if (layer.bias) {
    const bScale = 2 ** (aF - fracBits(layer.bias.format));
    for (let o = 0; o < layer.oc; o++) bias[o] = layer.bias.raw[o] * bScale;
  }
  const [oy0, oy1] = outputRanges(kh, oh, h, sh, pt, dh);
  const [ox0, ox1] = outputRanges(kw, ow, w, sw, pl, dw);
  // Pointwise: output position p reads input position p of each channel.
  const pointwise = kh === 1 && kw === 1 && sh === 1 && sw === 1 && pt === 0 && pl === 0 && oh === h && ow === w;
  const depthwise = !pointwise && c === group && pt >= 0 && pl >= 0;
  // Padded rows cover every row a tap reads: −pt .. (oh−1)·sh − pt + (kh−1)·dh, shifted by pt; likewise columns.
  const { hp, wp } = depthwise ? paddedPlane(g) : { hp: 0, wp: 0 };
  const offs = new Int32Array(depthwise ? kh * kw : 0);
  for (let t = 0; t < offs.length; t++) offs[t] = Math.floor(t / kw) * dh * wp + (t % kw) * dw;
  return {
    inFormat: inF, g, wt, bias, oy0, oy1, ox0, ox1, acc: new Float64Array(oh * ow), acc2: new Float64Array(pointwise ? 2 * oh * ow : 0),
    ...(pointwise ? sparseOf(g, wt, oh * ow) : { nzStart: null, nzX: new Int32Array(0), nzW: new Float64Array(0) }),
    shape: pointwise ? 'pointwise' : depthwise ? 'depthwise' : 'general', i16: ConvI16.create(layer, inF),
    dw16: depthwise ? DepthwiseI16.create(layer, inF) : null, pScale,
    hp, wp, pad: new Float64Array(hp * wp), offs, finish: null, fused: null, outFormat: null,
  };
}

/**
 * Non-zero weight lists of a pointwise layer, when pruning left at most 3/4 of them: the pair kernel loads 0.75
 * values per multiply-add, the sparse one 1.125, so sparsity pays once a quarter of the weights are zero.
 */
function sparseOf(g: Geo, wt: Float64Array, n: number): { nzStart: Int32Array | null; nzX: Int32Array; nzW: Float64Array } {
  let nz = 0;
  for (let i = 0; i < wt.length; i++) if (wt[i] !== 0) nz++;
  if (nz > 0.75 * wt.length) return { nzStart: null, nzX: new Int32Array(0), nzW: new Float64Array(0) };
  const nzStart = new Int32Array(g.oc + 1);
  const nzX = new Int32Array(nz);
  const nzW = new Float64Array(nz);
  let e = 0;
  for (let o = 0; o < g.oc; o++) {
    nzStart[o] = e;
    const xg = Math.floor(o / g.opg) * g.cpg;
    for (let ic = 0; ic < g.cpg; ic++) {
      const v = wt[o * g.cpg + ic];
      if (v === 0) continue;
      nzX[e] = (xg + ic) * n;
      nzW[e++] = v;
    }
  }
  nzStart[g.oc] = e;
  return { nzStart, nzX, nzW };
}

export function planFor(layer: Conv2dLayer, inF: FixedFormat, outF: FixedFormat): ConvPlan {
  let plan = plans.get(layer);
  if (!plan || plan.inFormat !== inF) {
    plan = buildPlan(layer, inF);
    plans.set(layer, plan);
  }
  if (plan.outFormat !== outF) {
    // checkExact keeps every sum inside the acc format's range: that bounds what finish sees.
    const [lo, hi] = accRange(layer.acc);
    plan.finish = makeFinish(fracBits(layer.acc), outF, layer.act, Math.max(-lo, hi));
    plan.fused = fusedOf(plan.finish);
    plan.outFormat = outF;
  }
  return plan;
}

/**
 * 1×1, stride 1, no padding: out[o][p] = bias[o] + Σ_ic w[o][ic] · x[g·cpg + ic][p], for channel o (weights from
 * wo, bias b) and a second channel (wu, c) at once, four positions at a time: eight independent sums share each
 * weight and input load. Each sum is built ic by ic, so every partial sum is a subset sum (exact). The fused cast
 * f of the sums goes to dst[d0 + p] and dst[d1 + p] (f = RAW: the sums themselves).
 */
function pwPair(x: Float64Array, xg: number, wt: Float64Array, wo: number, wu: number, cpg: number, n: number,
  b: number, c: number, dst: Float64Array, d0: number, d1: number, f: Fused): void {
  const { scale, m, lo, hi } = f;
  const n4 = n - (n % 4);
  const we = wo + cpg;
  for (let p = 0; p < n4; p += 4) {
    let s0 = b, s1 = b, s2 = b, s3 = b, t0 = c, t1 = c, t2 = c, t3 = c;
    for (let wi = wo, wj = wu, xo = xg + p; wi < we; wi++, wj++, xo += n) {
      const v = wt[wi], u = wt[wj];
      const x0 = x[xo], x1 = x[xo + 1], x2 = x[xo + 2], x3 = x[xo + 3];
      s0 += v * x0; s1 += v * x1; s2 += v * x2; s3 += v * x3;
      t0 += u * x0; t1 += u * x1; t2 += u * x2; t3 += u * x3;
    }
    let r = s0 * scale + m - m; dst[d0 + p] = r < lo ? lo : r > hi ? hi : r;
    r = s1 * scale + m - m; dst[d0 + p + 1] = r < lo ? lo : r > hi ? hi : r;
    r = s2 * scale + m - m; dst[d0 + p + 2] = r < lo ? lo : r > hi ? hi : r;
    r = s3 * scale + m - m; dst[d0 + p + 3] = r < lo ? lo : r > hi ? hi : r;
    r = t0 * scale + m - m; dst[d1 + p] = r < lo ? lo : r > hi ? hi : r;
    r = t1 * scale + m - m; dst[d1 + p + 1] = r < lo ? lo : r > hi ? hi : r;
    r = t2 * scale + m - m; dst[d1 + p + 2] = r < lo ? lo : r > hi ? hi : r;
    r = t3 * scale + m - m; dst[d1 + p + 3] = r < lo ? lo : r > hi ? hi : r;
  }
  for (let p = n4; p < n; p++) {
    let s0 = b, t0 = c;
    for (let wi = wo, wj = wu, xo = xg + p; wi < we; wi++, wj++, xo += n) {
      s0 += wt[wi] * x[xo];
      t0 += wt[wj] * x[xo];
    }
    let r = s0 * scale + m - m; dst[d0 + p] = r < lo ? lo : r > hi ? hi : r;
    r = t0 * scale + m - m; dst[d1 + p] = r < lo ? lo : r > hi ? hi : r;
  }
}

/**
 * Pointwise convolution: sparse lists for pruned weights; else output channels in pairs of one group (a lone
 * channel is computed twice, the copy discarded). Casts fused into the sums when the output cast allows it, else
 * sums then finishRun.
 */
/**
 * Sparse 1×1: channel o's sums over its non-zero weights only (a skipped zero weight adds nothing to an exact sum),
 * eight positions at a time, in the order of ic; the fused cast f of each goes to dst[d0 + p].
 */
function pwSparse(x: Float64Array, nzX: Int32Array, nzW: Float64Array, e0: number, e1: number, n: number, b: number,
  dst: Float64Array, d0: number, f: Fused): void {
  const { scale, m, lo, hi } = f;
  const n8 = n - (n % 8);
  for (let p = 0; p < n8; p += 8) {
    let s0 = b, s1 = b, s2 = b, s3 = b, s4 = b, s5 = b, s6 = b, s7 = b;
    for (let e = e0; e < e1; e++) {
      const v = nzW[e];
      const xo = nzX[e] + p;
      s0 += v * x[xo]; s1 += v * x[xo + 1]; s2 += v * x[xo + 2]; s3 += v * x[xo + 3];
      s4 += v * x[xo + 4]; s5 += v * x[xo + 5]; s6 += v * x[xo + 6]; s7 += v * x[xo + 7];
    }
    let r = s0 * scale + m - m; dst[d0 + p] = r < lo ? lo : r > hi ? hi : r;
    r = s1 * scale + m - m; dst[d0 + p + 1] = r < lo ? lo : r > hi ? hi : r;
    r = s2 * scale + m - m; dst[d0 + p + 2] = r < lo ? lo : r > hi ? hi : r;
    r = s3 * scale + m - m; dst[d0 + p + 3] = r < lo ? lo : r > hi ? hi : r;
    r = s4 * scale + m - m; dst[d0 + p + 4] = r < lo ? lo : r > hi ? hi : r;
    r = s5 * scale + m - m; dst[d0 + p + 5] = r < lo ? lo : r > hi ? hi : r;
    r = s6 * scale + m - m; dst[d0 + p + 6] = r < lo ? lo : r > hi ? hi : r;
    r = s7 * scale + m - m; dst[d0 + p + 7] = r < lo ? lo : r > hi ? hi : r;
  }
  for (let p = n8; p < n; p++) {
    let s0 = b;
    for (let e = e0; e < e1; e++) s0 += nzW[e] * x[nzX[e] + p];
    const r = s0 * scale + m - m;
    dst[d0 + p] = r < lo ? lo : r > hi ? hi : r;
  }
}

function pointwise(plan: ConvPlan, x: Float64Array, out: Float64Array): void {
  const { oc, cpg, opg } = plan.g;
  const { wt, bias, acc, acc2, nzStart } = plan;
  const fin = plan.finish!;
  const fused = plan.fused;
  const n = plan.acc.length;
  if (nzStart) {
    for (let o = 0; o < oc; o++) {
      if (fused) pwSparse(x, plan.nzX, plan.nzW, nzStart[o], nzStart[o + 1], n, bias[o], out, o * n, fused);
      else {
        pwSparse(x, plan.nzX, plan.nzW, nzStart[o], nzStart[o + 1], n, bias[o], acc, 0, RAW);
        finishRun(acc, 0, out, o * n, n, fin);
      }
    }
    return;
  }
  for (let o = 0; o < oc; ) {
    const xg = Math.floor(o / opg) * cpg * n;
    const pair = o + 1 < oc && Math.floor((o + 1) / opg) === Math.floor(o / opg);
    const wo = o * cpg;
    const wu = pair ? wo + cpg : wo;
    const c1 = pair ? bias[o + 1] : bias[o];
    if (fused && pair) pwPair(x, xg, wt, wo, wu, cpg, n, bias[o], c1, out, o * n, (o + 1) * n, fused);
    else {
      pwPair(x, xg, wt, wo, wu, cpg, n, bias[o], c1, acc2, 0, n, RAW);
      finishRun(acc2, 0, out, o * n, n, fin);
      if (pair) finishRun(acc2, n, out, (o + 1) * n, n, fin);
    }
    o += pair ? 2 : 1;
  }
}

/**
 * 3×3, unit stride and dilation: the window slides one column per output, so only its new column is loaded, and
 * two output rows share the loads of their two common input rows. Writes the fused cast f of each sum to
 * dst[d0 + oy·ow + ox] (f = RAW: the sums themselves).
 */
function dw3x3Slide(pad: Float64Array, wp: number, oh: number, ow: number, wt: Float64Array, wb: number, b: number,
  dst: Float64Array, d0: number, f: Fused): void {
  const { scale, m, lo, hi } = f;
  const w0 = wt[wb], w1 = wt[wb + 1], w2 = wt[wb + 2], w3 = wt[wb + 3], w4 = wt[wb + 4];
  const w5 = wt[wb + 5], w6 = wt[wb + 6], w7 = wt[wb + 7], w8 = wt[wb + 8];
  for (let oy = 0; oy < oh; oy += 2) {
    const two = oy + 1 < oh;
    const r0 = oy * wp;
    const r1 = r0 + wp;
    const r2 = r1 + wp;
    const r3 = two ? r2 + wp : r2; // a last single row reads row r2 twice and drops the second result
    const ar = d0 + oy * ow;
    const ar2 = two ? ar + ow : ar;
    let a0 = pad[r0], a1 = pad[r1], a2 = pad[r2], a3 = pad[r3];
    let b0 = pad[r0 + 1], b1 = pad[r1 + 1], b2 = pad[r2 + 1], b3 = pad[r3 + 1];
    for (let ox = 0; ox < ow; ox++) {
      const c0 = pad[r0 + ox + 2], c1 = pad[r1 + ox + 2], c2 = pad[r2 + ox + 2], c3 = pad[r3 + ox + 2];
      // Left-to-right additions: every partial sum is a subset sum of the taps, exact (see the file comment).
      const v = b + w0 * a0 + w1 * b0 + w2 * c0 + w3 * a1 + w4 * b1 + w5 * c1 + w6 * a2 + w7 * b2 + w8 * c2;
      const u = b + w0 * a1 + w1 * b1 + w2 * c1 + w3 * a2 + w4 * b2 + w5 * c2 + w6 * a3 + w7 * b3 + w8 * c3;
      const r = u * scale + m - m; // the second row first: for a single last row, the first result wins
      dst[ar2 + ox] = r < lo ? lo : r > hi ? hi : r;
      const q = v * scale + m - m;
      dst[ar + ox] = q < lo ? lo : q > hi ? hi : q;
      a0 = b0; a1 = b1; a2 = b2; a3 = b3;
      b0 = c0; b1 = c1; b2 = c2; b3 = c3;
    }
  }
}

/** 3×3 with any stride and dilation, unrolled like dw3x3Slide but loading all nine taps of each window. */
function dw3x3(g: Geo, pad: Float64Array, wp: number, wt: Float64Array, wb: number, b: number, dst: Float64Array,
  d0: number, f: Fused): void {
  const { oh, ow, sh, sw, dh, dw } = g;
  const { scale, m, lo, hi } = f;
  const w0 = wt[wb], w1 = wt[wb + 1], w2 = wt[wb + 2], w3 = wt[wb + 3], w4 = wt[wb + 4];
  const w5 = wt[wb + 5], w6 = wt[wb + 6], w7 = wt[wb + 7], w8 = wt[wb + 8];
  const dr = dh * wp;
  const d2 = 2 * dw;
  for (let oy = 0; oy < oh; oy++) {
    const r0 = oy * sh * wp;
    const r1 = r0 + dr;
    const r2 = r1 + dr;
    const ar = d0 + oy * ow;
    for (let ox = 0, cx = 0; ox < ow; ox++, cx += sw) {
      const v = b + w0 * pad[r0 + cx] + w1 * pad[r0 + cx + dw] + w2 * pad[r0 + cx + d2] +
        w3 * pad[r1 + cx] + w4 * pad[r1 + cx + dw] + w5 * pad[r1 + cx + d2] +
        w6 * pad[r2 + cx] + w7 * pad[r2 + cx + dw] + w8 * pad[r2 + cx + d2];
      const r = v * scale + m - m;
      dst[ar + ox] = r < lo ? lo : r > hi ? hi : r;
    }
  }
}

/** Any kernel, stride and dilation: s = b + Σ_t w[t] · pad[window origin + offs[t]], into plan.acc. */
function dwAny(plan: ConvPlan, wb: number, b: number): void {
  const { oh, ow, sh, sw } = plan.g;
  const { wt, pad, wp, offs, acc } = plan;
  const taps = offs.length;
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      const base = oy * sh * wp + ox * sw;
      let s = b;
      for (let t = 0; t < taps; t++) s += wt[wb + t] * pad[base + offs[t]];
      acc[oy * ow + ox] = s;
    }
  }
}

/** One input channel per output: each output is a gather of kh·kw taps from the zero-padded channel. */
function depthwise(plan: ConvPlan, x: Float64Array, out: Float64Array): void {
  const { oc, h, w, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, opg } = plan.g;
  const { wt, bias, acc, pad, wp } = plan;
  const fin = plan.finish!;
  const fused = plan.fused;
  const nOut = oh * ow;
  const taps = kh * kw;
  const three = kh === 3 && kw === 3;
  const slide = three && sh === 1 && sw === 1 && dh === 1 && dw === 1;
  for (let o = 0; o < oc; o++) {
    if (o % opg === 0) {
      const xc = Math.floor(o / opg) * h * w;
      for (let iy = 0; iy < h; iy++) {
        const src = xc + iy * w;
        const dst = (iy + pt) * wp + pl;
        for (let ix = 0; ix < w; ix++) pad[dst + ix] = x[src + ix];
      }
    }
    // Fused casts straight into out when the output cast allows it; else the sums into acc, then finishRun.
    const dst = fused ? out : acc;
    const d0 = fused ? o * nOut : 0;
    if (slide) dw3x3Slide(pad, wp, oh, ow, wt, o * 9, bias[o], dst, d0, fused ?? RAW);
    else if (three) dw3x3(plan.g, pad, wp, wt, o * 9, bias[o], dst, d0, fused ?? RAW);
    else dwAny(plan, o * taps, bias[o]);
    if (!fused || !(slide || three)) finishRun(acc, 0, out, o * nOut, nOut, fin);
  }
}

/**
 * Everything else: one output channel's accumulators at a time, scattering each weight over every output it meets;
 * the inner loop walks an input row, and zero weights (pruned networks) cost nothing.
 */
function scatter(plan: ConvPlan, x: Float64Array, out: Float64Array): void {
  const { h, w, oc, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, cpg, opg } = plan.g;
  const { wt, bias, oy0, oy1, ox0, ox1, acc } = plan;
  const fin = plan.finish!;
  const plane = h * w;
  const kArea = kh * kw;
  const nOut = oh * ow;
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
    finishRun(acc, 0, out, o * nOut, nOut, fin);
  }
}

export function simulateConv2d(layer: Conv2dLayer, io: KernelIO): void {
  if (layer.shift) return runShifted(layer, io, simulateConv2d, (i) => Math.floor(i / (layer.oh * layer.ow)));
  const x = io.inputs[0];
  const { c, h, w, oc, oh, ow } = layer;
  if (x.length !== c * h * w) fail(layer, `input has ${x.length} values, ${c * h * w} expected`);
  if (io.out.length !== oc * oh * ow) fail(layer, `output has ${io.out.length} slots, ${oc * oh * ow} expected`);
  const plan = planFor(layer, io.inFormats[0], io.outFormat);
  if (plan.i16) plan.i16.run(x, io.out, plan.bias, plan.pScale, plan.fused, plan.finish!, plan.acc);
  else if (plan.dw16) plan.dw16.run(x, io.out, plan.bias, plan.pScale, plan.fused, plan.finish!, plan.acc);
  else if (plan.shape === 'pointwise') pointwise(plan, x, io.out);
  else if (plan.shape === 'depthwise') depthwise(plan, x, io.out);
  else scatter(plan, x, io.out);
}
