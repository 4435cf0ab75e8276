// Pool2dLayer: the simulator (sim/kernels/pool.ts) must equal g++ running hw/fpgac/pool.h bit for bit.
// One design holds every variant as an independent layer (one g++ compile per header set): max and avg, strides,
// dilations, asymmetric padding, countIncludePad both ways, global average pooling, 1-D shapes, unsigned inputs,
// and output / reciprocal formats chosen so that rounding, saturation and wrapping all happen.
import { describe, it, expect } from 'vitest';
import type { Design, DTensor, Pool2dLayer } from '../../src/ir/design.js';
import { fixed, fracBits, fromDouble, maxRaw, parseFormat, toDouble, type FixedFormat } from '../../sim/fixed.js';
import { simulateSample } from '../../sim/simulate.js';
import { renderPool2d } from '../../src/emit/kernels/pool.js';
import { makeRenderContext } from '../../src/emit/project.js';
import { csimSamples, makeDesign, randomSamples, rng, simulateSamples } from '../support/harness.js';
import { expectSameOutputs, itMatchesGxx, lanesPlan } from '../support/harness.js';

const DEFAULT = parseFormat('ap_fixed<16,6,AP_RND_CONV,AP_SAT>');

interface PoolSpec {
  name: string; input: DTensor; mode: 'max' | 'avg'; kh: number; kw: number;
  sh?: number; sw?: number; dh?: number; dw?: number; pt?: number; pl?: number; pb?: number; pr?: number;
  countIncludePad?: boolean; recip?: FixedFormat; out: FixedFormat;
}

/** An exact accumulator for kh·kw inputs: the input's fraction bits, integer bits with a margin. */
function accFor(x: FixedFormat, taps: number): FixedFormat {
  const int = x.int + Math.ceil(Math.log2(taps)) + 1;
  return fixed(int + fracBits(x), int);
}

function pool(s: PoolSpec): { layer: Pool2dLayer; out: DTensor } {
  const [, c, h, w] = s.input.shape;
  const { sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0, pb = 0, pr = 0 } = s;
  const oh = Math.floor((h + pt + pb - dh * (s.kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + pl + pr - dw * (s.kw - 1) - 1) / sw) + 1;
  const out: DTensor = { name: `${s.name}_y`, onnxName: `${s.name}_y`, shape: [1, c, oh, ow], format: s.out };
  const layer: Pool2dLayer = {
    kind: 'pool2d', name: s.name, sources: [s.name], inputs: [s.input.name], output: out.name, mode: s.mode,
    c, h, w, oh, ow, kh: s.kh, kw: s.kw, sh, sw, pt, pl, dh, dw, countIncludePad: s.countIncludePad ?? false,
    acc: accFor(s.input.format, s.kh * s.kw), recip: s.recip ?? parseFormat('ap_ufixed<18,1,AP_RND>'),
  };
  return { layer, out };
}

const x: DTensor = { name: 'x', onnxName: 'x', shape: [1, 3, 7, 9], format: DEFAULT };
const xu: DTensor = { name: 'xu', onnxName: 'xu', shape: [1, 2, 6, 6], format: parseFormat('ap_ufixed<8,3,AP_RND,AP_SAT>') };
const x1: DTensor = { name: 'x1', onnxName: 'x1', shape: [1, 4, 1, 11], format: parseFormat('ap_fixed<12,4,AP_TRN,AP_WRAP>') };

const specs: PoolSpec[] = [
  // 2x2 stride 2 max pooling into the same format (exact: checked against float math).
  { name: 'max2', input: x, mode: 'max', kh: 2, kw: 2, sh: 2, sw: 2, out: DEFAULT },
  // 3x3 max, stride 1, asymmetric padding, dilation 2 across width, cast to a narrow rounding/saturating format.
  {
    name: 'max_pad', input: x, mode: 'max', kh: 3, kw: 3, dw: 2, pt: 1, pl: 2, pb: 0, pr: 1,
    out: parseFormat('ap_fixed<8,3,AP_RND,AP_SAT>'),
  },
  // Max pooling of an unsigned input, wrapped into a signed 6-bit output.
  { name: 'max_u', input: xu, mode: 'max', kh: 3, kw: 2, sh: 2, sw: 3, pt: 1, pb: 1, out: parseFormat('ap_fixed<6,2,AP_TRN,AP_WRAP>') },
  // 2x2 stride 2 average without padding; an exact output and a fine reciprocal: checked against float math.
  { name: 'avg2', input: x, mode: 'avg', kh: 2, kw: 2, sh: 2, sw: 2, recip: parseFormat('ap_ufixed<8,1>'), out: fixed(32, 8) },
  // 3x3 average with padding 1, count_include_pad: always divide by 9 (1/9 truncated to 10 bits), 8-bit wrap.
  {
    name: 'avg_incl', input: x, mode: 'avg', kh: 3, kw: 3, pt: 1, pl: 1, pb: 1, pr: 1, countIncludePad: true,
    recip: parseFormat('ap_ufixed<10,0>'), out: parseFormat('ap_fixed<8,3,AP_TRN,AP_WRAP>'),
  },
  // 3x3 stride 2 average, asymmetric padding, count in-bounds taps only (1/n for n in 4, 6, 9 ...), rounding.
  {
    name: 'avg_excl', input: x, mode: 'avg', kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 2, pt: 1, pl: 2, pb: 1, pr: 0,
    recip: parseFormat('ap_ufixed<9,1,AP_RND_CONV>'), out: parseFormat('ap_fixed<10,5,AP_RND_CONV,AP_SAT>'),
  },
  // Reciprocal format without room for 1.0: 1/1 saturates to its largest value (corner windows have n = 1).
  {
    name: 'avg_sat_r', input: x, mode: 'avg', kh: 2, kw: 2, pt: 1, pl: 1, sh: 2, sw: 2, pb: 1, pr: 0,
    recip: parseFormat('ap_ufixed<6,0,AP_RND,AP_SAT>'), out: parseFormat('ap_fixed<12,5,AP_RND_ZERO,AP_SAT_SYM>'),
  },
  // Global average pooling (kh = h, kw = w): 1/63 rounded into 16 bits.
  { name: 'gap', input: x, mode: 'avg', kh: 7, kw: 9, recip: parseFormat('ap_ufixed<16,0,AP_RND>'), out: DEFAULT },
  // Unsigned global average (36 taps) into an unsigned truncating output.
  { name: 'gap_u', input: xu, mode: 'avg', kh: 6, kw: 6, recip: parseFormat('ap_ufixed<12,0,AP_RND_INF>'), out: parseFormat('ap_ufixed<8,3>') },
  // 1-D: max kw 3 stride 2 padding 1/1, avg kw 4 stride 1 dilation 2 padding 2/3 excluding padding.
  { name: 'max1d', input: x1, mode: 'max', kh: 1, kw: 3, sw: 2, pl: 1, pr: 1, out: parseFormat('ap_fixed<8,4,AP_RND_MIN_INF,AP_SAT>') },
  {
    name: 'avg1d', input: x1, mode: 'avg', kh: 1, kw: 4, dw: 2, pl: 2, pr: 3, recip: parseFormat('ap_ufixed<12,1,AP_RND>'),
    out: parseFormat('ap_fixed<9,3,AP_RND_CONV,AP_SAT>'),
  },
];

const built = specs.map(pool);
const design: Design = makeDesign('pool_test', [x, xu, x1, ...built.map((b) => b.out)], built.map((b) => b.layer), built.map((b) => b.out.name));
const samples = randomSamples(design, 6, rng(4242));
// Computed on first use, so that a simulator crash fails the tests instead of the file's collection.
let simCache: Float64Array[][] | undefined;
const simOut = (): Float64Array[][] => (simCache ??= simulateSamples(design, samples));
const idx = (name: string) => specs.findIndex((s) => s.name === name);

function expectSame(other: Float64Array[][]): void {
  expect(other.length).toBe(simOut().length);
  expectSameOutputs(design, other, simOut());
}

/** Independent float64 pooling of the quantized input: max, or the plain mean of the in-bounds taps. */
function floatPool(l: Pool2dLayer, xin: readonly number[], inF: FixedFormat): number[] {
  const xs = xin.map((v) => toDouble(fromDouble(v, inF), inF));
  const res: number[] = [];
  for (let ch = 0; ch < l.c; ch++) {
    for (let oy = 0; oy < l.oh; oy++) {
      for (let ox = 0; ox < l.ow; ox++) {
        const vals: number[] = [];
        for (let ky = 0; ky < l.kh; ky++) {
          for (let kx = 0; kx < l.kw; kx++) {
            const iy = oy * l.sh - l.pt + ky * l.dh;
            const ix = ox * l.sw - l.pl + kx * l.dw;
            if (iy >= 0 && iy < l.h && ix >= 0 && ix < l.w) vals.push(xs[(ch * l.h + iy) * l.w + ix]);
          }
        }
        res.push(l.mode === 'max' ? Math.max(...vals) : vals.reduce((a, b) => a + b, 0) / vals.length);
      }
    }
  }
  return res;
}

describe('pool2d kernel', () => {
  it('simulator agrees with an independent float computation', async () => {
    for (const name of ['max2', 'avg2', 'max_pad']) {
      const { layer, out } = built[idx(name)];
      const lsb = 2 ** -fracBits(out.format);
      samples.forEach((s, i) => {
        const ref = floatPool(layer, s[0], x.format);
        ref.forEach((v, j) => {
          // max_pad casts into a narrow saturating format: compare with the saturated float value.
          const want = name === 'max_pad' ? Math.min(Math.max(v, -4), toDouble(maxRaw(out.format), out.format)) : v;
          expect(Math.abs(simOut()[i][idx(name)][j] - want), `${name} sample ${i} [${j}]`).toBeLessThanOrEqual(name === 'max2' ? 0 : lsb);
        });
      });
    }
  });

  it('the variants really round, saturate and wrap', async () => {
    const all = (name: string) => simOut().flatMap((o) => [...o[idx(name)]]);
    expect(all('max_pad').filter((v) => v === 4 - 1 / 32).length).toBeGreaterThan(0); // saturated
    expect(all('max_u').some((v) => v < 0)).toBe(true); // unsigned max wrapped negative
    // avg_incl divides by 9 into [-4, 4): windows whose mean lies outside wrapped around.
    const means = samples.flatMap((s) => floatPool(built[idx('avg_incl')].layer, s[0], x.format));
    expect(means.filter((m) => Math.abs(m) > 4.5).length).toBeGreaterThan(0);
    expect(new Set(all('avg_excl')).size).toBeGreaterThan(20);
  });

  it('renders count_all when no window touches padding, even without countIncludePad', async () => {
    const ctx = makeRenderContext(design);
    expect(renderPool2d(built[idx('gap')].layer, ctx).config).toContain('static const bool count_all = true;');
    expect(renderPool2d(built[idx('avg_excl')].layer, ctx).config).toContain('static const bool count_all = false;');
    expect(renderPool2d(built[idx('max2')].layer, ctx).call).toBe('fpgac::max_pool2d<cfg_max2>(x, max2_y);');
  });

  it('rejects an accumulator that cannot hold the window sum exactly', async () => {
    const { layer, out } = built[idx('gap')];
    const d = makeDesign('narrow', [x, out], [{ ...layer, acc: fixed(16, 6) }]);
    expect(() => simulateSample(d, samples[0].slice(0, 1))).toThrow(/gap.*accumulator.*overflow/);
  });

  itMatchesGxx(async (inc) => expectSame(await csimSamples(design, samples, { apTypesInclude: inc })));

  it('with channel lanes (the plan\'s parallel factors), g++ still gives the simulator\'s bits', async () => {
    const plan = lanesPlan(design);
    expect([...plan.parallel.values()].some((p) => p.pfOut > 1)).toBe(true);
    expectSame(await csimSamples(design, samples, { plan }));
  });
});
