/**
 * The activation zoo's kernels (`pwl`: hw/fpgac/pwl.h, `curve`: hw/fpgac/curve.h): the simulator against g++
 * running the emitted C++, bit for bit, on one design holding every variant (one compile), with saturating,
 * wrapping and truncating output formats, unsigned and negative-fraction inputs and odd sizes; also through a plan
 * with lanes.
 */
import { describe, it, expect } from 'vitest';
import { parseFormat, type FixedFormat } from '../../sim/fixed.js';
import type { CurveFn, CurveLayer, DTensor, FixedScalar, Layer, PwlFn, PwlLayer } from '../../src/ir/design.js';
import { curveTable } from '../../src/quant/curves.js';
import { constData, csimSamples, expectSameOutputs, itMatchesGxx, lanesPlan, makeDesign, randomSamples, rng, simulateSamples } from '../support/harness.js';

const F = parseFormat;
const tensor = (name: string, shape: number[], format: FixedFormat): DTensor => ({ name, onnxName: name, shape, format });
const sc = (raw: number, f: string): FixedScalar => ({ raw, format: F(f) });

function variantDesign() {
  const xa = F('ap_fixed<12,5,AP_RND_CONV,AP_SAT>');
  const xb = F('ap_ufixed<9,4>'); // unsigned
  const xc = F('ap_fixed<8,10>'); // negative fraction bits: already integers
  const xd = F('ap_fixed<16,3>');
  const tensors: DTensor[] = [tensor('xa', [1, 3, 5, 7], xa), tensor('xb', [1, 37], xb), tensor('xc', [1, 29], xc), tensor('xd', [1, 41], xd)];
  const layers: Layer[] = [];
  const sizes: Record<string, number> = { xa: 105, xb: 37, xc: 29, xd: 41 };
  const fmts: Record<string, FixedFormat> = { xa, xb, xc, xd };
  const pwl = (name: string, input: string, out: string, fn: PwlFn, extra: Partial<PwlLayer> = {}) => {
    tensors.push(tensor(name, [1, sizes[input]], F(out)));
    layers.push({ kind: 'pwl', fn, name, sources: [name], inputs: [input], output: name, n: sizes[input], slope: null, inner: 1, a: null, b: null, ...extra });
  };
  const curve = (name: string, input: string, out: string, fn: CurveFn, opts: Parameters<typeof curveTable>[3] = {}) => {
    const of = F(out);
    const t = curveTable(fn, fmts[input], of, { maxEntries: 300, ...opts });
    tensors.push(tensor(name, [1, sizes[input]], of));
    const l: CurveLayer = {
      kind: 'curve', fn, name, sources: [name], inputs: [input], output: name, n: sizes[input], idxShift: t.idxShift, offset: t.offset,
      table: constData(`${name}_table`, [t.table.length], t.format, t.table), delta: constData(`${name}_delta`, [t.delta.length], t.format, t.delta), slopes: t.slopes,
    };
    layers.push(l);
  };
  // pwl: every function, scalar and per-channel slopes, odd formats.
  pwl('p_leaky', 'xa', 'ap_fixed<10,4,AP_RND,AP_SAT>', 'leaky', { a: sc(13, 'ap_fixed<10,1>') }); // α = 13/512
  pwl('p_leaky_w', 'xa', 'ap_fixed<7,2,AP_TRN,AP_WRAP>', 'leaky', { a: sc(-300, 'ap_fixed<12,3>') }); // negative α, wraps
  pwl('p_prelu', 'xa', 'ap_fixed<14,6,AP_RND_CONV,AP_SAT>', 'leaky', { slope: constData('p_prelu_s', [3], F('ap_fixed<9,2>'), [50, -17, 200]), inner: 35 });
  pwl('p_prelu2', 'xa', 'ap_fixed<9,3,AP_RND_ZERO,AP_SAT_SYM>', 'leaky', { slope: constData('p_prelu2_s', [7], F('ap_fixed<6,1>'), [1, 2, -3, 4, 31, -32, 0]), inner: 1 });
  pwl('p_thr', 'xa', 'ap_fixed<8,3,AP_RND,AP_SAT>', 'thresholded', { a: sc(37, 'ap_fixed<10,3>') });
  pwl('p_thr_neg', 'xb', 'ap_fixed<8,5>', 'thresholded', { a: sc(-5, 'ap_fixed<6,3>') });
  pwl('p_hsig', 'xa', 'ap_ufixed<8,0,AP_RND,AP_SAT>', 'hardsigmoid', { a: sc(3277, 'ap_fixed<16,1>'), b: sc(128, 'ap_fixed<9,1>') });
  pwl('p_hsig2', 'xd', 'ap_fixed<12,2,AP_TRN,AP_WRAP>', 'hardsigmoid', { a: sc(-11, 'ap_fixed<8,3>'), b: sc(3, 'ap_fixed<4,2>') });
  pwl('p_hswish', 'xa', 'ap_fixed<12,4,AP_RND_CONV,AP_SAT>', 'hardswish', { a: sc(10923, 'ap_fixed<18,2>'), b: sc(1, 'ap_fixed<3,1>') });
  pwl('p_hswish2', 'xd', 'ap_fixed<20,4,AP_RND_INF,AP_SAT>', 'hardswish', { a: sc(699051, 'ap_fixed<24,1>'), b: sc(2, 'ap_fixed<4,1>') });
  pwl('p_abs', 'xa', 'ap_ufixed<6,4,AP_RND,AP_SAT>', 'abs');
  pwl('p_abs_w', 'xa', 'ap_fixed<12,5,AP_TRN,AP_WRAP>', 'abs'); // |−16| wraps
  pwl('p_neg', 'xa', 'ap_fixed<12,5,AP_RND,AP_SAT>', 'neg');
  pwl('p_neg_u', 'xb', 'ap_fixed<10,5>', 'neg');
  pwl('p_sign', 'xa', 'ap_fixed<2,1,AP_TRN,AP_SAT>', 'sign'); // +1 saturates to 0.5
  pwl('p_sign2', 'xb', 'ap_fixed<4,2>', 'sign');
  for (const fn of ['floor', 'ceil', 'round'] as const) {
    pwl(`p_${fn}`, 'xa', 'ap_fixed<10,6,AP_RND,AP_SAT>', fn);
    pwl(`p_${fn}_u`, 'xb', 'ap_fixed<4,4,AP_TRN,AP_WRAP>', fn);
    pwl(`p_${fn}_c`, 'xc', 'ap_fixed<9,11>', fn);
    pwl(`p_${fn}_d`, 'xd', 'ap_fixed<5,3,AP_RND_CONV,AP_SAT>', fn);
  }
  // curve: every function, small tables (maxEntries 300 keeps the compile short), forced shifts of both signs.
  curve('c_tanh', 'xa', 'ap_fixed<10,2,AP_RND_CONV,AP_SAT>', 'tanh');
  curve('c_tanh_u', 'xb', 'ap_ufixed<8,1,AP_TRN,AP_SAT>', 'tanh');
  curve('c_softplus', 'xa', 'ap_fixed<12,5,AP_RND,AP_SAT>', 'softplus');
  curve('c_softsign', 'xd', 'ap_fixed<9,1,AP_RND_CONV,AP_SAT>', 'softsign');
  curve('c_mish', 'xa', 'ap_fixed<11,4,AP_TRN,AP_WRAP>', 'mish');
  curve('c_gelu', 'xd', 'ap_fixed<16,4,AP_RND_CONV,AP_SAT>', 'gelu');
  curve('c_gelu_t', 'xa', 'ap_fixed<12,5,AP_RND_CONV,AP_SAT>', 'gelu_tanh', { idxShift: 3 });
  curve('c_elu', 'xa', 'ap_fixed<10,4,AP_RND,AP_SAT>', 'elu', { alpha: 0.7 });
  curve('c_selu', 'xd', 'ap_fixed<14,4,AP_RND_CONV,AP_SAT>', 'selu', { alpha: 1.6732632, gamma: 1.0507010 });
  curve('c_selu_c', 'xc', 'ap_fixed<12,10,AP_RND_CONV,AP_SAT>', 'selu', { alpha: 1.6732632, gamma: 1.0507010 }); // idxShift > Fx
  curve('c_celu', 'xa', 'ap_fixed<10,4,AP_RND,AP_SAT>', 'celu', { alpha: 2 });
  curve('c_exp', 'xa', 'ap_ufixed<10,6,AP_RND_CONV,AP_SAT>', 'exp'); // saturates at 64
  curve('c_exp_w', 'xd', 'ap_fixed<8,3,AP_TRN,AP_WRAP>', 'exp');
  curve('c_exp_b', 'xb', 'ap_fixed<14,8,AP_RND_CONV,AP_SAT>', 'exp', { idxShift: 6 }); // idxShift > Fx: left shift
  const d = makeDesign('zoo_variants', tensors, layers, layers.map((l) => l.output));
  return { d, samples: randomSamples(d, 10, rng(12)) };
}

describe('activation zoo kernels (pwl, curve): simulator vs g++', () => {
  const { d, samples } = variantDesign();
  const sim = simulateSamples(d, samples);

  it('the variants exercise both sides of every function and the saturating ends', () => {
    const k = d.outputs.indexOf('c_exp');
    expect(sim.some((s) => s[k].some((v) => v === 64 - 2 ** -4))).toBe(true); // exp saturated at the output maximum
    const xa = samples.flatMap((s) => s[0]);
    expect(xa.some((v) => v < -12) && xa.some((v) => v > 12)).toBe(true);
  });

  itMatchesGxx(async (inc) => expectSameOutputs(d, await csimSamples(d, samples, { apTypesInclude: inc }), sim));

  it('with lanes (pf > 1) the bits are the same', async () => {
    const plan = lanesPlan(d);
    // The curve layers really run on several lanes (every lane reading the tables), not only the others.
    expect(d.layers.filter((l) => l.kind === 'curve' && (plan.parallel.get(l.name)?.pfOut ?? 1) > 1).length).toBeGreaterThan(0);
    expectSameOutputs(d, await csimSamples(d, samples, { plan }), sim);
  });
});
