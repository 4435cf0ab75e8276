// ReduceLayer (sum, mean, max, min, l1, l2, sumsq, argmax, argmin) and the eltwise max / min ops: the simulator
// (sim/kernels/reduce.ts, sim/kernels/eltwise.ts) against g++ running hw/fpgac/reduce.h and hw/fpgac/eltwise.h,
// bit for bit. Every variant is a layer of ONE design (one compile per header set). Independent float checks: L2 is
// the correctly rounded square root, the mean within its stated bound, arg indices and max/min as plain JS computes.
import { describe, it, expect } from 'vitest';
import { fixed, fracBits, fromDouble, parseFormat, toDouble, type FixedFormat } from '../../sim/fixed.js';
import { ELT_RANK, type DTensor, type EltwiseLayer, type Layer, type Operand, type ReduceLayer } from '../../src/ir/design.js';
import { recipFracBits } from '../../src/ops/pool.js';
import { isqrtBig } from '../../sim/kernels/reduce.js';
import { constData, csimSamples, expectSameOutputs, itMatchesGxx, makeDesign, randomRaws, randomSamples, referenceStrides, rng, simulateSamples } from '../support/harness.js';

const DEF = parseFormat('ap_fixed<16,6,AP_RND_CONV,AP_SAT>');
const rand = rng(777);
const t = (name: string, shape: number[], format: FixedFormat): DTensor => ({ name, onnxName: name, shape, format });

// x viewed as [outer 3][len 5][inner 7] (shape [1,3,5,7]); xu: small unsigned values so that ties happen.
const x = t('x', [1, 3, 5, 7], DEF);
const xu = t('xu', [1, 4, 9, 2], parseFormat('ap_ufixed<3,2>'));
const xw = t('xw', [1, 2, 64], parseFormat('ap_fixed<24,4,AP_RND_CONV,AP_SAT>'));

const sumAcc = (f: FixedFormat, len: number) => { const i = f.int + Math.ceil(Math.log2(len)) + 1; return fixed(i + fracBits(f), i); };
const sqAcc = (f: FixedFormat, len: number) => {
  const frac = 2 * fracBits(f);
  const bits = Math.ceil(Math.log2(2 ** (2 * (f.width - (f.signed ? 1 : 0))) * len + 1));
  return fixed(bits, bits - frac, { signed: false });
};

const tensors: DTensor[] = [x, xu, xw];
const layers: Layer[] = [];
const outs: DTensor[] = [];
function red(name: string, input: DTensor, mode: ReduceLayer['mode'], outer: number, len: number, inner: number, out: FixedFormat, selectLast = false): void {
  const o = t(`${name}_y`, [outer, inner], out);
  tensors.push(o);
  outs.push(o);
  const acc = mode === 'l2' || mode === 'sumsq' ? sqAcc(input.format, len) : mode === 'l1' ? fixed(sumAcc(input.format, len).width, sumAcc(input.format, len).int, { signed: false }) : mode === 'sum' || mode === 'mean' ? sumAcc(input.format, len) : input.format;
  layers.push({
    kind: 'reduce', name, sources: [name], inputs: [input.name], output: o.name, mode, outer, len, inner, acc,
    ...(mode === 'mean' ? { recip: fixed(recipFracBits(input.format.width, len) + 1, 1, { signed: false, q: 'AP_RND_CONV', o: 'AP_SAT' }) } : {}),
    ...(mode === 'argmax' || mode === 'argmin' ? { selectLast } : {}),
  });
}
const pad = (s: readonly number[]) => [...Array(ELT_RANK - s.length).fill(1), ...s];
function elt(name: string, op: 'max' | 'min', a: Operand, as: readonly number[], b: Operand, bs: readonly number[], outShape: number[], out: FixedFormat): void {
  const o = t(`${name}_y`, outShape, out);
  tensors.push(o);
  outs.push(o);
  const layer: EltwiseLayer = {
    kind: 'eltwise', name, sources: [], inputs: [...new Set([a, b].flatMap((v) => ('tensor' in v ? [v.tensor] : [])))], output: o.name, op, a, b,
    outShape: pad(outShape), aStrides: referenceStrides(as), bStrides: referenceStrides(bs), act: { kind: 'none' },
  };
  layers.push(layer);
}

red('sum_mid', x, 'sum', 3, 5, 7, parseFormat('ap_fixed<10,4,AP_TRN,AP_WRAP>')); // wraps
red('sum_all', x, 'sum', 1, 105, 1, parseFormat('ap_fixed<20,10,AP_RND,AP_SAT>'));
red('mean_mid', x, 'mean', 3, 5, 7, parseFormat('ap_fixed<16,6,AP_RND_CONV,AP_SAT>'));
red('mean_wide', xw, 'mean', 2, 64, 1, parseFormat('ap_fixed<22,4,AP_RND_CONV,AP_SAT>')); // sum · r past 2^53
red('max_in', x, 'max', 3, 5, 7, parseFormat('ap_fixed<8,3,AP_RND,AP_SAT>'));
red('min_out', x, 'min', 1, 3, 35, DEF);
red('l1', x, 'l1', 15, 7, 1, parseFormat('ap_fixed<12,8,AP_RND_CONV,AP_SAT>'));
red('sumsq', x, 'sumsq', 3, 5, 7, parseFormat('ap_ufixed<16,12,AP_TRN,AP_SAT>'));
red('l2_conv', x, 'l2', 3, 5, 7, parseFormat('ap_ufixed<16,6,AP_RND_CONV,AP_SAT>'));
red('l2_fine', x, 'l2', 3, 5, 7, parseFormat('ap_ufixed<30,6,AP_RND_CONV,AP_SAT>')); // V is 65 bits, q 33
red('l2_trn', x, 'l2', 1, 15, 7, parseFormat('ap_fixed<12,7,AP_TRN,AP_SAT>'));
red('l2_min', xu, 'l2', 4, 9, 2, parseFormat('ap_ufixed<9,3,AP_RND_MIN_INF,AP_SAT>'));
red('l2_sat', x, 'l2', 3, 5, 7, parseFormat('ap_ufixed<6,3,AP_RND,AP_SAT>')); // saturates
red('argmax', xu, 'argmax', 4, 9, 2, fixed(4, 4, { signed: false }));
red('argmax_last', xu, 'argmax', 4, 9, 2, fixed(4, 4, { signed: false }), true);
red('argmin', xu, 'argmin', 1, 36, 2, fixed(6, 6, { signed: false }));
red('argmin_last', x, 'argmin', 3, 5, 7, fixed(3, 3, { signed: false }), true);
// Eltwise max / min: same shape, broadcast against a [1,3,1,7] tensor of another format, against a constant.
const p = t('p', [1, 3, 1, 7], parseFormat('ap_fixed<10,5,AP_RND_INF,AP_SAT>'));
tensors.push(p);
elt('emax', 'max', { tensor: x.name }, x.shape, { tensor: p.name }, p.shape, [1, 3, 5, 7], parseFormat('ap_fixed<9,4,AP_RND,AP_SAT>'));
elt('emin', 'min', { tensor: x.name }, x.shape, { tensor: p.name }, p.shape, [1, 3, 5, 7], DEF);
const k = constData('kc', [1, 1, 5, 1], parseFormat('ap_ufixed<6,3>'), randomRaws(parseFormat('ap_ufixed<6,3>'), 5, rand));
elt('emax_c', 'max', { constant: k }, k.shape, { tensor: x.name }, x.shape, [1, 3, 5, 7], parseFormat('ap_fixed<8,5,AP_TRN,AP_WRAP>'));

const design = makeDesign('reduce_test', tensors, layers, outs.map((o) => o.name));
const samples = randomSamples(design, 5, rand);
let simCache: Float64Array[][] | undefined;
const sim = (): Float64Array[][] => (simCache ??= simulateSamples(design, samples));
const outOf = (s: number, name: string) => sim()[s][outs.findIndex((o) => o.name === `${name}_y`)];
const q = (vals: readonly number[], f: FixedFormat) => vals.map((v) => toDouble(fromDouble(v, f), f));
const inputIndex = (d: DTensor) => design.inputs.indexOf(d.name);
const view = (vals: readonly number[], outer: number, len: number, inner: number, o: number, i: number) => Array.from({ length: len }, (_, kk) => vals[(o * len + kk) * inner + i]);

describe('reduce kernel', () => {
  it('integer square root is the floor of the root', () => {
    for (const v of [0n, 1n, 2n, 3n, 4n, 15n, 16n, 17n, (1n << 100n) - 1n, 1n << 100n, 12345678901234567890123n]) {
      const r = isqrtBig(v);
      expect(r * r <= v && (r + 1n) * (r + 1n) > v, String(v)).toBe(true);
    }
  });

  it('l2 is the correctly rounded root, mean within 1/2 output LSB + 1/8 input LSB, max/min/argmax exact', () => {
    samples.forEach((s, si) => {
      const xs = q(s[inputIndex(x)], x.format);
      const xus = q(s[inputIndex(xu)], xu.format);
      const xws = q(s[inputIndex(xw)], xw.format);
      for (let o = 0; o < 3; o++) {
        for (let i = 0; i < 7; i++) {
          const v = view(xs, 3, 5, 7, o, i);
          const l2 = Math.sqrt(v.reduce((a, b) => a + b * b, 0));
          const lsb = 2 ** -10; // l2_conv: 10 fraction bits; the double root errs by ~2^-50
          expect(Math.abs(outOf(si, 'l2_conv')[o * 7 + i] - l2)).toBeLessThanOrEqual(lsb / 2 + 1e-12);
          expect(Math.abs(outOf(si, 'l2_fine')[o * 7 + i] - l2)).toBeLessThanOrEqual(2 ** -25 + 1e-13);
          expect(outOf(si, 'max_in')[o * 7 + i]).toBe(toDouble(fromDouble(Math.max(...v), parseFormat('ap_fixed<8,3,AP_RND,AP_SAT>')), parseFormat('ap_fixed<8,3,AP_RND,AP_SAT>')));
          const mean = v.reduce((a, b) => a + b, 0) / 5;
          expect(Math.abs(outOf(si, 'mean_mid')[o * 7 + i] - mean)).toBeLessThanOrEqual(2 ** -11 + 2 ** -13);
          const am = v.indexOf(Math.min(...v));
          expect(outOf(si, 'argmin_last')[o * 7 + i]).toBe(v.lastIndexOf(v[am]));
        }
      }
      for (let o = 0; o < 2; o++) {
        const v = view(xws, 2, 64, 1, o, 0);
        const mean = v.reduce((a, b) => a + b, 0) / 64;
        expect(Math.abs(outOf(si, 'mean_wide')[o] - mean)).toBeLessThanOrEqual(2 ** -19 + 2 ** -23);
      }
      for (let o = 0; o < 4; o++) {
        for (let i = 0; i < 2; i++) {
          const v = view(xus, 4, 9, 2, o, i);
          const m = Math.max(...v);
          expect(outOf(si, 'argmax')[o * 2 + i]).toBe(v.indexOf(m));
          expect(outOf(si, 'argmax_last')[o * 2 + i]).toBe(v.lastIndexOf(m));
          // RND_MIN_INF at 6 fraction bits: the largest multiple of 2^-6 at or below... nearest, ties down.
          const r = Math.sqrt(v.reduce((a, b) => a + b * b, 0));
          expect(Math.abs(outOf(si, 'l2_min')[o * 2 + i] - r)).toBeLessThanOrEqual(2 ** -7 + 1e-12);
        }
      }
    });
  });

  it('ties exist for select_last, outputs saturate and wrap', () => {
    const diff = samples.some((_, si) => outOf(si, 'argmax').some((v, j) => v !== outOf(si, 'argmax_last')[j]));
    expect(diff).toBe(true);
    expect(samples.some((_, si) => outOf(si, 'l2_sat').some((v) => v === 8 - 1 / 8))).toBe(true);
  });

  itMatchesGxx(async (inc) => expectSameOutputs(design, await csimSamples(design, samples, { apTypesInclude: inc }), sim()));
});
