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
import { recipFracBits } from '../../src/ops/pool.js';

const DEFAULT = parseFormat('ap_fixed<16,6,AP_RND_CONV,AP_SAT>');

interface PoolSpec {
  name: string; input: DTensor; mode: 'max' | 'avg' | 'argmax'; kh: number; kw: number; storageOrder?: 0 | 1;
  sh?: number; sw?: number; dh?: number; dw?: number; pt?: number; pl?: number; pb?: number; pr?: number;
  countIncludePad?: boolean; recip?: FixedFormat; out: FixedFormat;
  /** ceil_mode output sizes; with countIncludePad the layer then counts only taps inside the pads (pb/pr). */
  ceil?: boolean;
}

/** An exact accumulator for kh·kw inputs: the input's fraction bits, integer bits with a margin. */
function accFor(x: FixedFormat, taps: number): FixedFormat {
  const int = x.int + Math.ceil(Math.log2(taps)) + 1;
  return fixed(int + fracBits(x), int);
}

function pool(s: PoolSpec): { layer: Pool2dLayer; out: DTensor } {
  const [, c, h, w] = s.input.shape;
  const { sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0, pb = 0, pr = 0 } = s;
  const round = s.ceil ? Math.ceil : Math.floor;
  const oh = round((h + pt + pb - dh * (s.kh - 1) - 1) / sh) + 1;
  const ow = round((w + pl + pr - dw * (s.kw - 1) - 1) / sw) + 1;
  const out: DTensor = { name: `${s.name}_y`, onnxName: `${s.name}_y`, shape: [1, c, oh, ow], format: s.out };
  const layer: Pool2dLayer = {
    kind: 'pool2d', name: s.name, sources: [s.name], inputs: [s.input.name], output: out.name, mode: s.mode,
    c, h, w, oh, ow, kh: s.kh, kw: s.kw, sh, sw, pt, pl, dh, dw, countIncludePad: s.countIncludePad ?? false,
    ...(s.ceil && s.countIncludePad ? { pb, pr } : {}),
    ...(s.mode === 'argmax' ? { storageOrder: s.storageOrder ?? 0 } : {}),
    acc: accFor(s.input.format, s.kh * s.kw), recip: s.recip ?? parseFormat('ap_ufixed<18,1,AP_RND>'),
  };
  return { layer, out };
}

const x: DTensor = { name: 'x', onnxName: 'x', shape: [1, 3, 7, 9], format: DEFAULT };
const xu: DTensor = { name: 'xu', onnxName: 'xu', shape: [1, 2, 6, 6], format: parseFormat('ap_ufixed<8,3,AP_RND,AP_SAT>') };
const x1: DTensor = { name: 'x1', onnxName: 'x1', shape: [1, 4, 1, 11], format: parseFormat('ap_fixed<12,4,AP_TRN,AP_WRAP>') };
// Large windows (EfficientNet's global pools at 224x224 inputs and beyond): 24-bit inputs make sum · 1/count reach
// ~2^62, past the simulator's doubles, so its BigInt product path runs; the reciprocal is lowerPool's choice.
const xg: DTensor = { name: 'xg', onnxName: 'xg', shape: [1, 2, 112, 112], format: parseFormat('ap_fixed<24,6,AP_RND_CONV,AP_SAT>') };
const xw: DTensor = { name: 'xw', onnxName: 'xw', shape: [1, 2, 64, 64], format: parseFormat('ap_fixed<20,5,AP_RND_CONV,AP_SAT>') };
// Two-bit values: windows often hold equal maxima, so the first-tap rule of argmax shows.
const xt: DTensor = { name: 'xt', onnxName: 'xt', shape: [1, 2, 5, 6], format: parseFormat('ap_ufixed<2,2>') };
const recipFor = (x: FixedFormat, taps: number) => fixed(recipFracBits(x.width, taps) + 1, 1, { signed: false, q: 'AP_RND_CONV', o: 'AP_SAT' });

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
  // ceil_mode windows past the end pads with count_include_pad: the divisor counts only taps inside the pads.
  {
    name: 'avg_ceil_pad', input: x, mode: 'avg', kh: 3, kw: 2, sh: 2, sw: 3, pt: 1, pl: 1, pb: 0, pr: 0, countIncludePad: true, ceil: true,
    recip: recipFor(x.format, 6), out: parseFormat('ap_fixed<16,6,AP_RND_CONV,AP_SAT>'),
  },
  // MaxPool Indices: flat index of the first largest tap, row-major and with H/W swapped; a 5-bit wrap of indices < 60.
  { name: 'argmax_r', input: xt, mode: 'argmax', kh: 2, kw: 3, sh: 1, sw: 2, pt: 1, pl: 1, pb: 0, pr: 1, out: fixed(6, 6, { signed: false }) },
  { name: 'argmax_c', input: xt, mode: 'argmax', kh: 3, kw: 2, sh: 2, sw: 1, dw: 2, pt: 0, pl: 1, out: fixed(6, 6, { signed: false }), storageOrder: 1 },
  { name: 'argmax_w', input: xt, mode: 'argmax', kh: 2, kw: 2, out: parseFormat('ap_uint<5>') },
  { name: 'gap112', input: xg, mode: 'avg', kh: 112, kw: 112, recip: recipFor(xg.format, 112 * 112), out: parseFormat('ap_fixed<18,4,AP_RND_CONV,AP_SAT>') },
  // A 40x40 window, stride 8, padding 7 excluding the padding: counts from 33·33 to 40·40, each its own 1/n.
  {
    name: 'avg_big', input: xw, mode: 'avg', kh: 40, kw: 40, sh: 8, sw: 8, pt: 7, pl: 7, pb: 7, pr: 7,
    recip: recipFor(xw.format, 1600), out: parseFormat('ap_fixed<16,4,AP_RND_CONV,AP_SAT>'),
  },
  {
    name: 'avg1d', input: x1, mode: 'avg', kh: 1, kw: 4, dw: 2, pl: 2, pr: 3, recip: parseFormat('ap_ufixed<12,1,AP_RND>'),
    out: parseFormat('ap_fixed<9,3,AP_RND_CONV,AP_SAT>'),
  },
];

const built = specs.map(pool);
const design: Design = makeDesign('pool_test', [x, xu, x1, xg, xw, xt, ...built.map((b) => b.out)], built.map((b) => b.layer), built.map((b) => b.out.name));
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

  it('large windows stay within 1/2 output LSB + 1/8 input LSB of the float mean (recipFracBits bound)', async () => {
    for (const [name, xt, k] of [['gap112', xg, 3], ['avg_big', xw, 4]] as const) {
      const { layer, out } = built[idx(name)];
      const bound = 2 ** -fracBits(out.format) / 2 + 2 ** -fracBits(xt.format) / 8;
      let worst = 0;
      samples.forEach((s, i) => {
        const ref = floatPool(layer, s[k], xt.format);
        ref.forEach((v, j) => { worst = Math.max(worst, Math.abs(simOut()[i][idx(name)][j] - v)); });
      });
      expect(worst, name).toBeLessThanOrEqual(bound);
      expect(worst, name).toBeGreaterThan(0);
    }
  });

  it('count_include_pad past the pads divides by the taps inside the pads (float reference)', async () => {
    const { layer, out } = built[idx('avg_ceil_pad')];
    const xs = (s: number[][]) => s[0].map((v) => toDouble(fromDouble(v, x.format), x.format));
    let worst = 0;
    samples.forEach((s, i) => {
      const v = xs(s);
      for (let ch = 0; ch < layer.c; ch++) {
        for (let oy = 0; oy < layer.oh; oy++) {
          for (let ox = 0; ox < layer.ow; ox++) {
            let sum = 0;
            let n = 0;
            for (let ky = 0; ky < layer.kh; ky++) {
              for (let kx = 0; kx < layer.kw; kx++) {
                const iy = oy * layer.sh - layer.pt + ky;
                const ix = ox * layer.sw - layer.pl + kx;
                if (iy >= -1 && iy < layer.h && ix >= -1 && ix < layer.w) n++; // pads: top 1, left 1, bottom and right 0
                if (iy >= 0 && iy < layer.h && ix >= 0 && ix < layer.w) sum += v[(ch * layer.h + iy) * layer.w + ix];
              }
            }
            worst = Math.max(worst, Math.abs(simOut()[i][idx('avg_ceil_pad')][(ch * layer.oh + oy) * layer.ow + ox] - sum / n));
          }
        }
      }
    });
    // The last windows run past the pads: rows 5..7 (h = 7), columns 8..9 (w = 9).
    expect([layer.oh, layer.ow]).toEqual([4, 4]);
    expect(worst).toBeLessThanOrEqual(2 ** -fracBits(out.format) / 2 + 2 ** -fracBits(x.format) / 8);
  });

  it('argmax gives the flat index of the first largest tap (independent loop), ties included', async () => {
    let ties = 0;
    for (const name of ['argmax_r', 'argmax_c', 'argmax_w']) {
      const { layer } = built[idx(name)];
      samples.forEach((s, i) => {
        const v = s[5].map((u) => toDouble(fromDouble(u, xt.format), xt.format));
        for (let ch = 0; ch < layer.c; ch++) {
          for (let oy = 0; oy < layer.oh; oy++) {
            for (let ox = 0; ox < layer.ow; ox++) {
              let best = -1;
              let at = -1;
              const seen: number[] = [];
              for (let ky = 0; ky < layer.kh; ky++) {
                for (let kx = 0; kx < layer.kw; kx++) {
                  const iy = oy * layer.sh - layer.pt + ky * layer.dh;
                  const ix = ox * layer.sw - layer.pl + kx * layer.dw;
                  if (iy < 0 || iy >= layer.h || ix < 0 || ix >= layer.w) continue;
                  const val = v[(ch * layer.h + iy) * layer.w + ix];
                  seen.push(val);
                  if (val > best) { best = val; at = layer.storageOrder === 1 ? (ch * layer.w + ix) * layer.h + iy : (ch * layer.h + iy) * layer.w + ix; }
                }
              }
              if (seen.filter((u) => u === best).length > 1) ties++;
              const got = simOut()[i][idx(name)][(ch * layer.oh + oy) * layer.ow + ox];
              expect(got, `${name} sample ${i}`).toBe(name === 'argmax_w' ? at % 32 : at);
            }
          }
        }
      });
    }
    expect(ties).toBeGreaterThan(10);
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
    expect(renderPool2d(built[idx('avg_ceil_pad')].layer, ctx).config).toContain('static const bool count_padded = true;');
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
