/**
 * Accuracy of the default curve tables (src/quant/curves.ts) over every input code of ap_fixed<16,6>, against the
 * float functions written here independently, and exactness of the pwl functions over every code of a 12-bit
 * input. The simulator equals g++ (test/kernels/zoo.test.ts), so this is the hardware's accuracy.
 */
import { describe, it, expect } from 'vitest';
import { fracBits, maxRaw, minRaw, parseFormat, toDouble, type FixedFormat } from '../../sim/fixed.js';
import type { CurveFn, DTensor, Layer, PwlFn } from '../../src/ir/design.js';
import { curveTable } from '../../src/quant/curves.js';
import { simulateSample } from '../../sim/simulate.js';
import { constData, makeDesign } from '../support/harness.js';

const F = parseFormat;
const tensor = (name: string, shape: number[], format: FixedFormat): DTensor => ({ name, onnxName: name, shape, format });

function run(inF: FixedFormat, outF: FixedFormat, layer: Layer, xs: number[]): Float64Array {
  const d = makeDesign('one', [tensor('x', [1, xs.length], inF), tensor('y', [1, xs.length], outF)], [layer]);
  return simulateSample(d, [xs]).outputs[0];
}

// Independent float references (Abramowitz–Stegun-free: erf by its Taylor series, enough for |x| ≤ 6).
function erfRef(x: number): number {
  let s = 0;
  let t = x;
  for (let n = 0; n < 400; n++) {
    s += t / (2 * n + 1);
    t *= (-x * x) / (n + 1);
    if (Math.abs(t) < 1e-30) break;
  }
  return (2 / Math.sqrt(Math.PI)) * s;
}
const sp = (x: number) => Math.log(1 + Math.exp(-Math.abs(x))) + Math.max(x, 0);
const REF: Record<CurveFn, (x: number) => number> = {
  tanh: Math.tanh,
  softplus: sp,
  softsign: (x) => x / (1 + Math.abs(x)),
  mish: (x) => x * Math.tanh(sp(x)),
  gelu: (x) => (Math.abs(x) > 6 ? Math.max(x, 0) : 0.5 * x * (1 + erfRef(x / Math.SQRT2))),
  gelu_tanh: (x) => 0.5 * x * (1 + Math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))),
  elu: (x) => (x >= 0 ? x : Math.exp(x) - 1),
  selu: (x) => (x > 0 ? 1.0507 * x : 1.0507 * 1.6733 * (Math.exp(x) - 1)),
  celu: (x) => Math.max(0, x) + Math.min(0, 2 * (Math.exp(x / 2) - 1)),
  exp: Math.exp,
};

describe('curve tables: error over every ap_fixed<16,6> input code', () => {
  const inF = F('ap_fixed<16,6>');
  const xs = Array.from({ length: 2 ** 16 }, (_, i) => toDouble(i - 2 ** 15, inF));
  const cases: [CurveFn, string][] = [
    ['tanh', 'ap_fixed<16,2,AP_RND_CONV,AP_SAT>'], ['softplus', 'ap_fixed<16,6,AP_RND_CONV,AP_SAT>'],
    ['softsign', 'ap_fixed<16,2,AP_RND_CONV,AP_SAT>'], ['mish', 'ap_fixed<16,6,AP_RND_CONV,AP_SAT>'],
    ['gelu', 'ap_fixed<16,6,AP_RND_CONV,AP_SAT>'], ['gelu_tanh', 'ap_fixed<16,6,AP_RND_CONV,AP_SAT>'],
    ['elu', 'ap_fixed<16,6,AP_RND_CONV,AP_SAT>'], ['selu', 'ap_fixed<16,6,AP_RND_CONV,AP_SAT>'],
    ['celu', 'ap_fixed<16,6,AP_RND_CONV,AP_SAT>'], ['exp', 'ap_ufixed<16,6,AP_RND_CONV,AP_SAT>'],
  ];
  for (const [fn, fmt] of cases) {
    it(`${fn} → ${fmt}: within the stated bound plus 1/2 LSB`, () => {
      const outF = F(fmt);
      const opts = fn === 'selu' ? { alpha: 1.6733, gamma: 1.0507 } : fn === 'celu' ? { alpha: 2 } : {};
      const t = curveTable(fn, inF, outF, opts);
      const layer: Layer = {
        kind: 'curve', fn, name: 'c', sources: ['c'], inputs: ['x'], output: 'y', n: xs.length, idxShift: t.idxShift, offset: t.offset,
        table: constData('c_t', [t.table.length], t.format, t.table), delta: constData('c_d', [t.delta.length], t.format, t.delta), slopes: t.slopes,
      };
      const y = run(inF, outF, layer, xs);
      const lsb = 2 ** -fracBits(outF);
      // The output formats saturate: the reference is clamped to the output's range.
      const top = toDouble(maxRaw(outF), outF);
      const bottom = toDouble(minRaw(outF), outF);
      let worst = 0;
      xs.forEach((x, k) => {
        const want = Math.min(top, Math.max(bottom, REF[fn](x)));
        worst = Math.max(worst, Math.abs(y[k] - want));
      });
      console.log(`${fn}: ${t.table.length} knots, idxShift ${t.idxShift}, bound ${(t.bound / lsb).toFixed(3)} LSB, measured ${(worst / lsb).toFixed(3)} LSB`);
      expect(t.table.length).toBeLessThanOrEqual(4097);
      expect(worst).toBeLessThanOrEqual(t.bound + lsb / 2 + 1e-12);
      expect(worst).toBeGreaterThan(lsb / 8); // not vacuous
    });
  }
});

describe('pwl functions are exact: every ap_fixed<12,5> input code, against the float function cast once', () => {
  const inF = F('ap_fixed<12,5>');
  const outF = F('ap_fixed<32,10,AP_RND_CONV,AP_SAT>'); // holds every exact result (hardswish: 16 fraction bits): no rounding
  const xs = Array.from({ length: 2 ** 12 }, (_, i) => toDouble(i - 2 ** 11, inF));
  const round = (v: number) => { const f = Math.floor(v); return v - f > 0.5 || (v - f === 0.5 && f % 2 !== 0) ? f + 1 : f; };
  const cases: [PwlFn, (x: number) => number, Partial<Layer>][] = [
    ['leaky', (x) => (x >= 0 ? x : 0.125 * x), { a: { raw: 1, format: F('ap_fixed<2,-1>') } }],
    ['thresholded', (x) => (x > 1.3 ? x : 0), { a: { raw: Math.floor(1.3 * 128), format: F('ap_fixed<12,5>') } }],
    ['hardsigmoid', (x) => Math.min(1, Math.max(0, 0.25 * x + 0.5)), { a: { raw: 1, format: F('ap_fixed<2,0>') }, b: { raw: 1, format: F('ap_fixed<2,1>') } }],
    ['hardswish', (x) => x * Math.min(1, Math.max(0, 0.25 * x + 0.5)), { a: { raw: 1, format: F('ap_fixed<2,0>') }, b: { raw: 1, format: F('ap_fixed<2,1>') } }],
    ['abs', Math.abs, {}], ['neg', (x) => -x, {}], ['sign', Math.sign, {}],
    ['floor', Math.floor, {}], ['ceil', Math.ceil, {}], ['round', round, {}],
  ];
  for (const [fn, f, extra] of cases) {
    it(fn, () => {
      const layer = { kind: 'pwl', fn, name: 'p', sources: ['p'], inputs: ['x'], output: 'y', n: xs.length, slope: null, inner: 1, a: null, b: null, ...extra } as Layer;
      const y = run(inF, outF, layer, xs);
      expect(Array.from(y).map((v, k) => (v === f(xs[k]) + 0 ? null : [xs[k], v, f(xs[k])])).filter(Boolean).slice(0, 5)).toEqual([]);
    });
  }
});
