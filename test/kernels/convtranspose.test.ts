// ConvTranspose2dLayer: the simulator (sim/kernels/convtranspose.ts) must equal g++ running
// hw/fpgac/convtranspose.h bit for bit. One design holds every variant as an independent layer: groups (1, 2,
// depthwise, depthwise with a channel multiplier), strides with and without dilation sharing a factor (phases
// without taps), negative begin pads (outputs before the first tap), output padding, bias or none, act
// none/relu/clip, per-channel shifts, 1-D shapes, and output formats that round, saturate and wrap.
import { describe, it, expect } from 'vitest';
import type { Activation, ConvTranspose2dLayer, Design, DTensor } from '../../src/ir/design.js';
import { fixed, fromDouble, maxRaw, parseFormat, toDouble, type FixedFormat } from '../../sim/fixed.js';
import { simulateSample } from '../../sim/simulate.js';
import {
  csimSamples, expectSameOutputs, itMatchesGxx, lanesPlan, makeDesign, randomSamples, rng, simulateSamples,
} from '../support/harness.js';
import { convConstants } from '../support/conv-spec.js';

const DEFAULT = parseFormat('ap_fixed<16,6,AP_RND_CONV,AP_SAT>');
const rand = rng(20241203);

interface Spec {
  name: string; input: DTensor; oc: number; kh: number; kw: number;
  sh?: number; sw?: number; dh?: number; dw?: number;
  /** Begin and end pads (ONNX's), output padding added at the end. */
  pt?: number; pl?: number; pb?: number; pr?: number; oph?: number; opw?: number; group?: number;
  wFormat: FixedFormat; bFormat: FixedFormat | null; out: FixedFormat | 'acc'; act?: Activation; shift?: number[];
}

/** The layer and its output tensor; oh/ow as ONNX computes them from stride, kernel, dilation, pads, output padding. */
function layerOf(s: Spec): { layer: ConvTranspose2dLayer; out: DTensor } {
  const [, c, h, w] = s.input.shape;
  const { sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0, pb = 0, pr = 0, oph = 0, opw = 0, group = 1 } = s;
  const oh = sh * (h - 1) + oph + (s.kh - 1) * dh + 1 - pt - pb;
  const ow = sw * (w - 1) + opw + (s.kw - 1) * dw + 1 - pl - pr;
  const { out, ...k } = convConstants(s, oh, ow, rand);
  const layer: ConvTranspose2dLayer = {
    kind: 'convtranspose2d', name: s.name, sources: [s.name], inputs: [s.input.name], output: out.name,
    c, h, w, oc: s.oc, oh, ow, kh: s.kh, kw: s.kw, sh, sw, pt, pl, dh, dw, group, ...k,
  };
  return { layer, out };
}

const x: DTensor = { name: 'x', onnxName: 'x', shape: [1, 4, 5, 6], format: DEFAULT };
const x1: DTensor = { name: 'x1', onnxName: 'x1', shape: [1, 3, 1, 9], format: parseFormat('ap_fixed<10,3,AP_TRN,AP_WRAP>') };
const xu: DTensor = { name: 'xu', onnxName: 'xu', shape: [1, 2, 3, 4], format: parseFormat('ap_ufixed<8,4,AP_RND,AP_SAT>') };
const w8 = parseFormat('ap_fixed<8,0>');
const b12 = parseFormat('ap_fixed<12,4>');

const specs: Spec[] = [
  // Stride 2, kernel 3, pads 1, output padding 1 (the classic 2x upsampling), default output format.
  { name: 'plain', input: x, oc: 5, kh: 3, kw: 3, sh: 2, sw: 2, pt: 1, pl: 1, pb: 1, pr: 1, oph: 1, opw: 1, wFormat: w8, bFormat: b12, out: DEFAULT },
  // The same geometry with the exact accumulator as output: checked against float math below.
  { name: 'exact', input: x, oc: 3, kh: 3, kw: 3, sh: 2, sw: 2, pt: 1, pl: 1, pb: 1, pr: 1, oph: 1, opw: 1, wFormat: w8, bFormat: b12, out: 'acc' },
  // U-Net upsampling: kernel 2, stride 2, no padding, relu.
  { name: 'unet', input: x, oc: 4, kh: 2, kw: 2, sh: 2, sw: 2, wFormat: w8, bFormat: b12, out: DEFAULT, act: { kind: 'relu' } },
  // Two groups, strides 2x3, dilation 2x1, asymmetric pads, no bias, relu, 8-bit wrap.
  {
    name: 'grouped', input: x, oc: 6, kh: 3, kw: 2, sh: 2, sw: 3, dh: 2, dw: 1, pt: 0, pl: 2, pb: 1, pr: 0, group: 2,
    wFormat: w8, bFormat: null, out: parseFormat('ap_fixed<8,3,AP_TRN,AP_WRAP>'), act: { kind: 'relu' },
  },
  // Depthwise, stride 2, "same" pads (0 at the start, 1 at the end), clip in an unsigned rounding/saturating output.
  {
    name: 'depthwise', input: x, oc: 4, kh: 3, kw: 3, sh: 2, sw: 2, pt: 0, pl: 0, pb: 1, pr: 1, group: 4,
    wFormat: w8, bFormat: b12, out: parseFormat('ap_ufixed<8,4,AP_RND,AP_SAT>'), act: { kind: 'clip', lo: 8, hi: 200 },
  },
  // Channel multiplier 2, strides 3x2, dilation 2 with stride 2 (shared factor: odd output columns meet no tap),
  // negative begin pads (outputs before the first tap, bias only), symmetric saturation.
  {
    name: 'multiplier', input: x, oc: 8, kh: 2, kw: 3, sh: 3, sw: 2, dh: 2, dw: 2, pt: -1, pl: -2, pb: 0, pr: 1, group: 4,
    wFormat: parseFormat('ap_ufixed<6,0>'), bFormat: parseFormat('ap_fixed<6,3>'),
    out: parseFormat('ap_fixed<6,2,AP_RND_ZERO,AP_SAT_SYM>'), act: { kind: 'relu' },
  },
  // Stride 4 with dilation 2 and stride 3 with dilation 3: phases without taps, and every tap in one phase.
  { name: 'phases', input: xu, oc: 3, kh: 3, kw: 2, sh: 4, sw: 3, dh: 2, dw: 3, pt: 1, pl: 0, oph: 2, opw: 1, wFormat: parseFormat('ap_fixed<10,1>'), bFormat: null, out: parseFormat('ap_fixed<10,4,AP_RND_MIN_INF,AP_SAT_ZERO>') },
  // Per-output-channel weight precision: accumulators shifted right by 0..5 before relu and the cast.
  { name: 'shifted', input: x, oc: 4, kh: 2, kw: 3, sh: 2, sw: 1, pt: 0, pl: 1, pr: 1, wFormat: w8, bFormat: b12, out: DEFAULT, act: { kind: 'relu' }, shift: [0, 2, 5, 1] },
  // 1-D (h = 1): stride 3, dilation 2, pads 2/1, output padding 1, round-to-infinity.
  { name: 'ct1d', input: x1, oc: 5, kh: 1, kw: 4, sw: 3, dw: 2, pl: 2, pr: 1, opw: 1, wFormat: w8, bFormat: b12, out: parseFormat('ap_fixed<12,3,AP_RND_INF,AP_SAT>') },
  // 1-D depthwise, stride 2, no bias, clip, truncation toward zero with wrap.
  {
    name: 'dw1d', input: x1, oc: 3, kh: 1, kw: 3, sw: 2, pl: 1, group: 3, wFormat: parseFormat('ap_fixed<8,2>'), bFormat: null,
    out: parseFormat('ap_fixed<8,1,AP_TRN_ZERO,AP_WRAP>'), act: { kind: 'clip', lo: -100, hi: 90 },
  },
];

const built = specs.map(layerOf);
const design: Design = makeDesign('convtranspose_test', [x, x1, xu, ...built.map((b) => b.out)], built.map((b) => b.layer), built.map((b) => b.out.name));
const samples = randomSamples(design, 6, rng(7));
let simCache: Float64Array[][] | undefined;
const simOut = (): Float64Array[][] => (simCache ??= simulateSamples(design, samples));

/** Independent float64 transposed convolution of the quantized input, in scatter form (exact: short dyadics). */
function floatConvTranspose(l: ConvTranspose2dLayer, xin: readonly number[], inF: FixedFormat): number[] {
  const xs = xin.map((v) => toDouble(fromDouble(v, inF), inF));
  const wv = l.weight.raw.map((r) => toDouble(r, l.weight.format));
  const res = new Array<number>(l.oc * l.oh * l.ow).fill(0);
  const cpg = l.c / l.group;
  const opg = l.oc / l.group;
  for (let o = 0; o < l.oc; o++) {
    const g = Math.floor(o / opg);
    for (let i = 0; i < l.oh * l.ow; i++) res[o * l.oh * l.ow + i] = l.bias ? toDouble(l.bias.raw[o], l.bias.format) : 0;
    for (let ic = 0; ic < cpg; ic++) {
      for (let iy = 0; iy < l.h; iy++) {
        for (let ix = 0; ix < l.w; ix++) {
          for (let ky = 0; ky < l.kh; ky++) {
            for (let kx = 0; kx < l.kw; kx++) {
              const y = iy * l.sh - l.pt + ky * l.dh;
              const xo = ix * l.sw - l.pl + kx * l.dw;
              if (y < 0 || y >= l.oh || xo < 0 || xo >= l.ow) continue;
              res[(o * l.oh + y) * l.ow + xo] += wv[((o * cpg + ic) * l.kh + ky) * l.kw + kx] * xs[((g * cpg + ic) * l.h + iy) * l.w + ix];
            }
          }
        }
      }
    }
  }
  return res;
}

describe('convtranspose2d kernel', () => {
  it('simulator agrees with an independent float computation (exact output format)', () => {
    const k = specs.findIndex((s) => s.name === 'exact');
    const { layer, out } = built[k];
    samples.forEach((s, i) => {
      const ref = floatConvTranspose(layer, s[0], x.format);
      expect(Array.from(simOut()[i][k])).toEqual(ref.map((v) => toDouble(fromDouble(v, out.format), out.format)));
    });
  });

  it('the variants really round, saturate, wrap, clip, and leave tap-less outputs at the bias', () => {
    const all = (name: string) => simOut().flatMap((o) => [...o[specs.findIndex((s) => s.name === name)]]);
    const plain = all('plain');
    const top = toDouble(maxRaw(DEFAULT), DEFAULT);
    expect(plain.filter((v) => v === top || v === -32).length).toBeGreaterThan(0); // saturated
    expect(plain.filter((v) => Math.abs(v) < 31).length).toBeGreaterThan(plain.length / 4); // rounded in range
    const dw = all('depthwise');
    expect(dw.filter((v) => v === 8 / 16).length).toBeGreaterThan(0); // clipped low
    expect(dw.filter((v) => v === 200 / 16).length).toBeGreaterThan(0); // clipped high
    expect(all('grouped').some((v) => v < 0)).toBe(true); // relu then AP_WRAP: wrapped negative
    // 'phases' has no bias: output rows whose phase meets no tap are exactly 0.
    const k = specs.findIndex((s) => s.name === 'phases');
    const { layer } = built[k];
    const row = (o: number, y: number) => simOut()[0][k].slice((o * layer.oh + y) * layer.ow, (o * layer.oh + y + 1) * layer.ow);
    expect([...row(0, 0)].every((v) => v === 0)).toBe(true); // y + pt = 1: odd, dilation 2 with stride 4 never reaches it
    expect([...row(0, 1)].some((v) => v !== 0)).toBe(true);
  });

  it('rejects an accumulator that cannot hold a phase\'s sum exactly', () => {
    const { layer, out } = built[0];
    const narrow: ConvTranspose2dLayer = { ...layer, acc: fixed(18, 8) };
    const d = makeDesign('narrow', [x, out], [narrow]);
    expect(() => simulateSample(d, samples[0].slice(0, 1))).toThrow(/plain.*accumulator/);
  });

  itMatchesGxx(async (inc) => expectSameOutputs(design, await csimSamples(design, samples, { apTypesInclude: inc }), simOut()));

  it('with several engines (the plan\'s parallel factors), g++ still gives the simulator\'s bits', async () => {
    const plan = lanesPlan(design);
    expect([...plan.parallel.values()].filter((p) => p.pfOut > 1).length).toBeGreaterThan(3);
    expectSameOutputs(design, await csimSamples(design, samples, { plan }), simOut());
  });
});
