// Conv2dLayer: the simulator (sim/kernels/conv.ts) must equal g++ running hw/fpgac/conv.h bit for bit.
// One design holds every variant as an independent layer (one g++ compile per header set): groups (1, 2, depthwise,
// depthwise with a channel multiplier), strides, dilations, asymmetric padding, bias or none, act none/relu/clip,
// 1-D shapes, and output formats chosen so that rounding, saturation and wrapping all happen.
import { describe, it, expect } from 'vitest';
import type { Conv2dLayer, Design, DTensor } from '../../src/ir/design.js';
import { fixed, fracBits, fromDouble, maxRaw, parseFormat, toDouble, type FixedFormat } from '../../sim/fixed.js';
import { simulateSample } from '../../sim/simulate.js';
import {
  csimSamples, makeDesign, randomSamples, rng,
  simulateSamples,
} from '../support/harness.js';
import { expectSameOutputs, itMatchesGxx, lanesPlan } from '../support/harness.js';
import { convLayer, type ConvSpec } from '../support/conv-spec.js';
import { sparseConv } from '../../src/plan/sparse.js';
import { parallelChoices } from '../../src/kinds/index.js';

const DEFAULT = parseFormat('ap_fixed<16,6,AP_RND_CONV,AP_SAT>');
const rand = rng(20240601);

const x: DTensor = { name: 'x', onnxName: 'x', shape: [1, 4, 7, 8], format: DEFAULT };
const x1: DTensor = { name: 'x1', onnxName: 'x1', shape: [1, 3, 1, 12], format: parseFormat('ap_fixed<10,3,AP_TRN,AP_WRAP>') };
const xu: DTensor = { name: 'xu', onnxName: 'xu', shape: [1, 2, 5, 6], format: parseFormat('ap_ufixed<8,4,AP_RND,AP_SAT>') };
const w8 = parseFormat('ap_fixed<8,0>'); // weights in [-0.5, 0.5): outputs mix in-range values and overflows
const b12 = parseFormat('ap_fixed<12,4>');

const specs: ConvSpec[] = [
  // Plain 3x3 "same" convolution, bias, default output format (AP_RND_CONV, AP_SAT).
  { name: 'plain', input: x, oc: 6, kh: 3, kw: 3, pt: 1, pl: 1, pb: 1, pr: 1, wFormat: w8, bFormat: b12, out: DEFAULT },
  // Per-output-channel weight precision: 1x1 and depthwise, accumulators shifted right by 0..6 before relu/cast.
  { name: 'shifted', input: x, oc: 5, kh: 1, kw: 1, wFormat: w8, bFormat: b12, out: DEFAULT, act: { kind: 'relu' }, shift: [0, 2, 6, 1, 3] },
  { name: 'shifted_dw', input: x, oc: 4, kh: 3, kw: 3, pt: 1, pl: 1, pb: 1, pr: 1, group: 4, wFormat: w8, bFormat: b12, out: parseFormat('ap_fixed<8,2,AP_RND_CONV,AP_SAT>'), shift: [3, 0, 1, 2] },
  // The same shape with an exact output (the acc format): checked against float math below.
  { name: 'exact', input: x, oc: 3, kh: 3, kw: 3, pt: 1, pl: 1, pb: 1, pr: 1, wFormat: w8, bFormat: b12, out: 'acc' },
  // Two groups, strides 2x1, asymmetric padding (top 0, left 2, bottom 1, right 0), no bias, relu, 8-bit wrap.
  {
    name: 'grouped', input: x, oc: 6, kh: 3, kw: 2, sh: 2, sw: 1, pt: 0, pl: 2, pb: 1, pr: 0, group: 2,
    wFormat: w8, bFormat: null, out: parseFormat('ap_fixed<8,3,AP_TRN,AP_WRAP>'), act: { kind: 'relu' },
  },
  // Depthwise, dilation 2, padding 2, clip between raws 8 and 200 of an unsigned rounding/saturating output.
  {
    name: 'depthwise', input: x, oc: 4, kh: 3, kw: 3, dh: 2, dw: 2, pt: 2, pl: 2, pb: 2, pr: 2, group: 4,
    wFormat: w8, bFormat: b12, out: parseFormat('ap_ufixed<8,4,AP_RND,AP_SAT>'), act: { kind: 'clip', lo: 8, hi: 200 },
  },
  // Depthwise with channel multiplier 2, strides 2x3, dilation 1x2, unsigned weights, symmetric saturation.
  {
    name: 'multiplier', input: x, oc: 8, kh: 2, kw: 3, sh: 2, sw: 3, dh: 1, dw: 2, pt: 1, pl: 0, pb: 0, pr: 2, group: 4,
    wFormat: parseFormat('ap_ufixed<6,0>'), bFormat: parseFormat('ap_fixed<6,3>'),
    out: parseFormat('ap_fixed<6,2,AP_RND_ZERO,AP_SAT_SYM>'), act: { kind: 'relu' },
  },
  // Unsigned input, 1x1 kernel with stride 2 (a subsampling projection), round-to-minus-infinity, AP_SAT_ZERO.
  {
    name: 'pointwise', input: xu, oc: 3, kh: 1, kw: 1, sh: 2, sw: 2, wFormat: parseFormat('ap_fixed<10,1>'), bFormat: null,
    out: parseFormat('ap_fixed<10,4,AP_RND_MIN_INF,AP_SAT_ZERO>'),
  },
  // 1-D (h = 1, kh = 1): stride 2, padding 1/1, bias, round-to-infinity.
  {
    name: 'conv1d', input: x1, oc: 5, kh: 1, kw: 3, sw: 2, pl: 1, pr: 1, wFormat: w8, bFormat: b12,
    out: parseFormat('ap_fixed<12,3,AP_RND_INF,AP_SAT>'),
  },
  // 1-D depthwise, dilation 2, left padding 4, no bias, clip, truncation toward zero with wrap.
  {
    name: 'dw1d', input: x1, oc: 3, kh: 1, kw: 5, dw: 2, pl: 4, pr: 1, group: 3, wFormat: parseFormat('ap_fixed<8,2>'),
    bFormat: null, out: parseFormat('ap_fixed<8,1,AP_TRN_ZERO,AP_WRAP>'), act: { kind: 'clip', lo: -100, hi: 90 },
  },
  // Low-bit products, which the plan builds in LUTs (config lut_mul, product bound to fabric): 2-bit weights x 16-bit
  // input, 4-bit weights x unsigned 8-bit input, 1-bit signed weights {-1, 0} depthwise. The bits must not change.
  { name: 'w2', input: x, oc: 4, kh: 3, kw: 3, pt: 1, pl: 1, pb: 1, pr: 1, wFormat: parseFormat('ap_fixed<2,1>'), bFormat: b12, out: DEFAULT, act: { kind: 'relu' } },
  { name: 'w4a8', input: xu, oc: 3, kh: 2, kw: 2, sh: 1, sw: 2, wFormat: parseFormat('ap_fixed<4,2>'), bFormat: null, out: parseFormat('ap_fixed<8,3,AP_RND,AP_SAT>') },
  { name: 'w1_dw', input: x1, oc: 3, kh: 1, kw: 3, pl: 1, pr: 1, group: 3, wFormat: fixed(1, 1), bFormat: b12, out: parseFormat('ap_fixed<8,3,AP_TRN,AP_WRAP>') },
];

const built = specs.map((sp) => convLayer(sp, rand));
const design: Design = makeDesign('conv_test', [x, x1, xu, ...built.map((b) => b.out)], built.map((b) => b.layer), built.map((b) => b.out.name));
const samples = randomSamples(design, 6, rng(99));
// Computed on first use, so that a simulator crash fails the tests instead of the file's collection.
let simCache: Float64Array[][] | undefined;
const simOut = (): Float64Array[][] => (simCache ??= simulateSamples(design, samples));

function expectSame(other: Float64Array[][]): void {
  expect(other.length).toBe(simOut().length);
  expectSameOutputs(design, other, simOut());
}

/** Independent float64 convolution of the quantized input (exact here: every value is a short dyadic). */
function floatConv(layer: Conv2dLayer, xin: readonly number[], inF: FixedFormat): number[] {
  const xs = xin.map((v) => toDouble(fromDouble(v, inF), inF));
  const wv = layer.weight.raw.map((r) => toDouble(r, layer.weight.format));
  const bv = layer.bias ? layer.bias.raw.map((r) => toDouble(r, layer.bias!.format)) : null;
  const cpg = layer.c / layer.group;
  const res: number[] = [];
  for (let o = 0; o < layer.oc; o++) {
    const g = Math.floor(o / (layer.oc / layer.group));
    for (let oy = 0; oy < layer.oh; oy++) {
      for (let ox = 0; ox < layer.ow; ox++) {
        let s = bv ? bv[o] : 0;
        for (let ic = 0; ic < cpg; ic++) {
          for (let ky = 0; ky < layer.kh; ky++) {
            for (let kx = 0; kx < layer.kw; kx++) {
              const iy = oy * layer.sh - layer.pt + ky * layer.dh;
              const ix = ox * layer.sw - layer.pl + kx * layer.dw;
              if (iy < 0 || iy >= layer.h || ix < 0 || ix >= layer.w) continue;
              s += wv[((o * cpg + ic) * layer.kh + ky) * layer.kw + kx] * xs[((g * cpg + ic) * layer.h + iy) * layer.w + ix];
            }
          }
        }
        res.push(s);
      }
    }
  }
  return res;
}

describe('conv2d kernel', () => {
  it('simulator agrees with an independent float computation (exact output format)', async () => {
    const k = specs.findIndex((s) => s.name === 'exact');
    const { layer, out } = built[k];
    const lsb = 2 ** -fracBits(out.format);
    samples.forEach((s, i) => {
      const ref = floatConv(layer, s[0], x.format);
      ref.forEach((v, j) => expect(Math.abs(simOut()[i][k][j] - v), `sample ${i} [${j}]`).toBeLessThanOrEqual(lsb));
    });
  });

  it('the variants really round, saturate and wrap', async () => {
    const all = (name: string) => simOut().flatMap((o) => [...o[specs.findIndex((s) => s.name === name)]]);
    const plain = all('plain');
    const top = toDouble(maxRaw(DEFAULT), DEFAULT);
    expect(plain.filter((v) => v === top || v === -32).length).toBeGreaterThan(0); // saturated
    expect(plain.filter((v) => Math.abs(v) < 31).length).toBeGreaterThan(plain.length / 4); // rounded in range
    const dw = all('depthwise');
    expect(dw.filter((v) => v === 8 / 16).length).toBeGreaterThan(0); // clipped low
    expect(dw.filter((v) => v === 200 / 16).length).toBeGreaterThan(0); // clipped high
    expect(all('grouped').some((v) => v < 0)).toBe(true); // relu then AP_WRAP: wrapped negative
  });

  it('rejects an accumulator that cannot hold the sum exactly', async () => {
    const { layer } = built[0];
    const narrow: Conv2dLayer = { ...layer, acc: fixed(20, 8) };
    const d = makeDesign('narrow', [x, built[0].out], [narrow]);
    expect(() => simulateSample(d, samples[0].slice(0, 1))).toThrow(/plain.*accumulator/);
  });

  itMatchesGxx(async (inc) => expectSame(await csimSamples(design, samples, { apTypesInclude: inc })));

  it('with several engines (the plan\'s parallel factors), g++ still gives the simulator\'s bits', async () => {
    const lanes = lanesPlan(design);
    // A low-bit layer with sparse weights too (conv2d_sparse reads its products through the same fabric binding).
    const w2 = built[specs.findIndex((sp) => sp.name === 'w2')].layer;
    expect(w2.weight.raw.filter((r) => r === 0).length).toBeGreaterThan(0);
    const plan = { ...lanes, parallel: new Map([...lanes.parallel, ['w2', { pfIn: 1, pfOut: 2, sparse: sparseConv(w2, 2) }]]) };
    expect([...plan.parallel.values()].filter((p) => p.pfOut > 1).length).toBeGreaterThan(3);
    expectSame(await csimSamples(design, samples, { plan }));
  });

  it('with pixel lanes (pf_px: engines x output rows, or x columns of 1-D convs), g++ still gives the simulator\'s bits', async () => {
    // Every layer at its most parallel choice that has pixel lanes: engines and lanes together.
    const parallel = new Map(built.map(({ layer }) => [layer.name, parallelChoices(layer).filter((p) => (p.pfPx ?? 1) > 1).at(-1)!]));
    expect([...parallel.values()].every((p) => p !== undefined)).toBe(true);
    expect([...parallel.values()].filter((p) => p.pfOut > 1).length).toBeGreaterThan(3);
    const w2 = built[specs.findIndex((sp) => sp.name === 'w2')].layer;
    parallel.set('w2', { pfIn: 1, pfOut: 2, pfPx: 7, sparse: sparseConv(w2, 2) });
    const plan = { ...lanesPlan(design), parallel };
    expectSame(await csimSamples(design, samples, { plan }));
  });
});
