/**
 * @fileoverview Simulator twin of fpgac::convtranspose2d (hw/fpgac/convtranspose.h): ConvTranspose2dLayer on raw
 * integers.
 *
 * out[o][y][x] = finish(bias[o] + Σ w[o][ic][ky][kx] · in[g·cpg + ic][iy][ix]) over the taps with
 * y = iy·sh − pt + ky·dh and x = ix·sw − pl + kx·dw. The C++ gathers each output's taps phase by phase; this
 * kernel scatters every input pixel times every weight onto the output it reaches. Both compute the same exact sum
 * (the IR promises that acc never quantizes or overflows, and an exact sum does not depend on its order), so the
 * bits agree. The promise is checked on the layer's first use with its real weights, per output channel and tap
 * phase (the taps one output can meet), and a layer that breaks it is refused with a clear Error.
 */
import { fracBits, type FixedFormat } from '../fixed.js';
import type { ConvTranspose2dLayer } from '../../src/ir/design.js';
import { finishRun, makeFinish, runShifted, type Finish, type KernelIO } from './common.js';
import { accRange, macInexact } from '../../src/ir/exact.js';

/**
 * The taps k in [0, kernel) of one axis grouped by phase: entry r lists the taps with k·d ≡ r (mod s). Output y of a
 * transposed convolution with begin pad p meets exactly the taps of phase (y + p) mod s (those for which
 * y + p − k·d is a multiple of the stride), so a phase's taps bound what one output sums.
 */
export function tapPhases(kernel: number, s: number, d: number): number[][] {
  const phases: number[][] = Array.from({ length: s }, () => []);
  for (let k = 0; k < kernel; k++) phases[(k * d) % s].push(k);
  return phases;
}

/**
 * The weights one output of channel o can meet, per (o, phase y, phase x), each group listed as flat weight indices
 * ((o·cpg + ic)·kh + ky)·kw + kx. The accumulator is sized over these groups (src/ops/convtranspose.ts) and the
 * simulator checks it over the same groups.
 */
export function outputTapGroups(l: Pick<ConvTranspose2dLayer, 'c' | 'oc' | 'group' | 'kh' | 'kw' | 'sh' | 'sw' | 'dh' | 'dw'>): number[][] {
  const cpg = l.c / l.group;
  const py = tapPhases(l.kh, l.sh, l.dh).filter((p) => p.length > 0);
  const px = tapPhases(l.kw, l.sw, l.dw).filter((p) => p.length > 0);
  const groups: number[][] = [];
  for (let o = 0; o < l.oc; o++) {
    for (const ys of py) {
      for (const xs of px) {
        const g: number[] = [];
        for (let ic = 0; ic < cpg; ic++) for (const ky of ys) for (const kx of xs) g.push(((o * cpg + ic) * l.kh + ky) * l.kw + kx);
        groups.push(g);
      }
    }
  }
  return groups;
}

interface Plan {
  readonly inFormat: FixedFormat;
  readonly wt: Float64Array; // weight raws in acc units
  readonly bias: Float64Array; // bias raws in acc units
  readonly acc: Float64Array; // one output channel's sums
  finish: Finish | null; outFormat: FixedFormat | null;
}

const plans = new WeakMap<ConvTranspose2dLayer, Plan>();

function fail(layer: ConvTranspose2dLayer, why: string): never {
  throw new Error(`convtranspose2d layer '${layer.name}': ${why}`);
}

function checkShapes(layer: ConvTranspose2dLayer): void {
  for (const k of ['c', 'h', 'w', 'oc', 'oh', 'ow', 'kh', 'kw', 'sh', 'sw', 'pt', 'pl', 'dh', 'dw', 'group'] as const) {
    if (!(Number.isInteger(layer[k]) && Math.abs(layer[k]) < 2 ** 24)) fail(layer, `${k} = ${layer[k]} is not a plausible integer size`);
  }
  for (const k of ['c', 'h', 'w', 'oc', 'oh', 'ow', 'kh', 'kw', 'sh', 'sw', 'dh', 'dw', 'group'] as const) if (!(layer[k] >= 1)) fail(layer, `${k} must be >= 1`);
  const { c, oc, group, kh, kw } = layer;
  if (c % group !== 0 || oc % group !== 0) fail(layer, `group ${group} must divide c = ${c} and oc = ${oc}`);
  const nw = oc * (c / group) * kh * kw;
  if (layer.weight.raw.length !== nw) fail(layer, `weight has ${layer.weight.raw.length} values, ${nw} expected`);
  if (layer.bias && layer.bias.raw.length !== oc) fail(layer, `bias has ${layer.bias.raw.length} values, ${oc} expected`);
}

/** macInexact (src/ir/exact.ts) over the (channel, phase) groups, each padded with zero weights to one length. */
function checkExact(layer: ConvTranspose2dLayer, inF: FixedFormat): void {
  const groups = outputTapGroups(layer);
  const len = groups.reduce((m, g) => Math.max(m, g.length), 0);
  const per = groups.length / layer.oc;
  const raw: number[] = [];
  for (const g of groups) for (let i = 0; i < len; i++) raw.push(i < g.length ? layer.weight.raw[g[i]] : 0);
  const bias = layer.bias ? { raw: groups.map((_, i) => layer.bias!.raw[Math.floor(i / per)]), format: layer.bias.format } : null;
  const why = macInexact(layer.acc, inF, { raw, format: layer.weight.format }, len, bias, 'output channel·tap phase');
  if (why) fail(layer, why);
}

function planFor(layer: ConvTranspose2dLayer, inF: FixedFormat, outF: FixedFormat): Plan {
  let plan = plans.get(layer);
  if (!plan || plan.inFormat !== inF) {
    checkShapes(layer);
    checkExact(layer, inF);
    const aF = fracBits(layer.acc);
    const pScale = 2 ** (aF - fracBits(layer.weight.format) - fracBits(inF));
    const bias = new Float64Array(layer.oc);
    if (layer.bias) for (let o = 0; o < layer.oc; o++) bias[o] = layer.bias.raw[o] * 2 ** (aF - fracBits(layer.bias.format));
    plan = { inFormat: inF, wt: Float64Array.from(layer.weight.raw, (r) => r * pScale), bias, acc: new Float64Array(layer.oh * layer.ow), finish: null, outFormat: null };
    plans.set(layer, plan);
  }
  if (plan.outFormat !== outF) {
    const [lo, hi] = accRange(layer.acc);
    plan.finish = makeFinish(fracBits(layer.acc), outF, layer.act, Math.max(-lo, hi));
    plan.outFormat = outF;
  }
  return plan;
}

/** The inputs i in [0, n) whose output i·s − p + k·d lies in [0, outLen), as a half-open range [lo, hi). */
function inputRange(n: number, outLen: number, s: number, p: number, kd: number): [number, number] {
  const lo = Math.max(0, Math.ceil((p - kd) / s));
  const hi = Math.min(n, Math.floor((outLen - 1 + p - kd) / s) + 1);
  return [lo, Math.max(lo, hi)];
}

export function simulateConvTranspose2d(layer: ConvTranspose2dLayer, io: KernelIO): void {
  if (layer.shift) return runShifted(layer, io, simulateConvTranspose2d, (i) => Math.floor(i / (layer.oh * layer.ow)));
  const x = io.inputs[0];
  const { c, h, w, oc, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, group } = layer;
  if (x.length !== c * h * w) fail(layer, `input has ${x.length} values, ${c * h * w} expected`);
  if (io.out.length !== oc * oh * ow) fail(layer, `output has ${io.out.length} slots, ${oc * oh * ow} expected`);
  const plan = planFor(layer, io.inFormats[0], io.outFormat);
  const { wt, bias, acc } = plan;
  const cpg = c / group;
  const opg = oc / group;
  const nOut = oh * ow;
  for (let o = 0; o < oc; o++) {
    acc.fill(bias[o]);
    const xg = Math.floor(o / opg) * cpg;
    for (let ic = 0; ic < cpg; ic++) {
      const xc = (xg + ic) * h * w;
      for (let ky = 0; ky < kh; ky++) {
        const [iy0, iy1] = inputRange(h, oh, sh, pt, ky * dh);
        for (let kx = 0; kx < kw; kx++) {
          const wv = wt[((o * cpg + ic) * kh + ky) * kw + kx];
          if (wv === 0) continue;
          const [ix0, ix1] = inputRange(w, ow, sw, pl, kx * dw);
          for (let iy = iy0; iy < iy1; iy++) {
            const row = (iy * sh - pt + ky * dh) * ow - pl + kx * dw;
            const src = xc + iy * w;
            for (let ix = ix0; ix < ix1; ix++) acc[row + ix * sw] += wv * x[src + ix];
          }
        }
      }
    }
    finishRun(acc, 0, io.out, o * nOut, nOut, plan.finish!);
  }
}
