// Dense and MatMul kernels: the simulator (sim/kernels/dense.ts) against g++ running hw/fpgac/dense.h, bit for bit.
// All variants are independent layers of ONE design (one compile per header set), reading a few shared inputs.
import { describe, it, expect } from 'vitest';
import { fixed, fracBits, parseFormat, toDouble, type FixedFormat } from '../../sim/fixed.js';
import type { Activation, DTensor, DenseLayer, Layer, MatMulLayer } from '../../src/ir/design.js';
import {
  constData, csimSamples, makeDesign, randomRaws, randomSamples, rng,
  simulateSamples,
} from '../support/harness.js';
import { expectSameOutputs, itMatchesGxx, lanesPlan } from '../support/harness.js';
import { sparseDense } from '../../src/plan/sparse.js';

const DEF = parseFormat('ap_fixed<16,6,AP_RND_CONV,AP_SAT>');
const W8 = parseFormat('ap_fixed<8,2>');
const rand = rng(20240601);

const tensor = (name: string, shape: number[], format: FixedFormat): DTensor => ({ name, onnxName: name, shape, format });

/** An accumulator that provably holds bias + n products exactly (what lowering is expected to choose). */
function exactAcc(a: FixedFormat, b: FixedFormat, n: number, bias?: FixedFormat): FixedFormat {
  const frac = Math.max(fracBits(a) + fracBits(b), bias ? fracBits(bias) : 0);
  const int = a.int + b.int + Math.ceil(Math.log2(n + 1)) + 2;
  return fixed(int + frac, int);
}

interface DenseOpts { w?: FixedFormat; bias?: FixedFormat | null; acc?: FixedFormat; act?: Activation; shift?: number[] }

function dense(name: string, input: DTensor, rows: number, nIn: number, nOut: number, out: DTensor, o: DenseOpts = {}): DenseLayer {
  const wf = o.w ?? W8;
  const weight = constData(`${name}_w`, [nOut, nIn], wf, randomRaws(wf, nOut * nIn, rand));
  const bf = o.bias === undefined ? parseFormat('ap_fixed<12,4>') : o.bias;
  const bias = bf ? constData(`${name}_b`, [nOut], bf, randomRaws(bf, nOut, rand)) : null;
  const acc = o.acc ?? exactAcc(input.format, wf, nIn, bf ?? undefined);
  // Per-channel shifts: channel j's accumulator is shifted right by shift[j] before the activation and cast.
  const shift = o.shift ? { k: constData(`${name}_sh`, [nOut], fixed(6, 6, { signed: false }), o.shift), accs: fixed(acc.width + Math.max(...o.shift), acc.int) } : undefined;
  return {
    kind: 'dense', name, sources: [], inputs: [input.name], output: out.name, rows, nIn, nOut, weight, bias,
    acc, act: o.act ?? { kind: 'none' }, ...(shift ? { shift } : {}),
  };
}

function matmul(name: string, a: DTensor, b: DTensor, out: DTensor, dims: { batch: number; m: number; k: number; n: number },
  strides: { a: number; b: number }, acc?: FixedFormat): MatMulLayer {
  return {
    kind: 'matmul', name, sources: [], inputs: [a.name, b.name], output: out.name, ...dims,
    aBatchStride: strides.a, bBatchStride: strides.b, acc: acc ?? exactAcc(a.format, b.format, dims.k),
  };
}

// Inputs: x is a [1, T=3, K=10] sequence (rows > 1, as MatMul with a constant weight lowers), u a short unsigned vector.
const x = tensor('x', [1, 3, 10], DEF);
const u = tensor('u', [1, 6], parseFormat('ap_ufixed<8,4,AP_RND,AP_SAT>'));
const ma = tensor('ma', [1, 2, 3, 4], parseFormat('ap_fixed<10,3,AP_RND,AP_SAT>'));
const mb = tensor('mb', [1, 4, 5], parseFormat('ap_fixed<9,2>'));
const mc = tensor('mc', [1, 2, 4, 5], DEF);
// A 2-bit activation (as QONNX's W2A2 networks carry between layers).
const q2 = tensor('q2', [1, 12], parseFormat('ap_fixed<2,1,AP_RND,AP_SAT>'));

const O8W = parseFormat('ap_fixed<8,3,AP_TRN,AP_WRAP>');
const O8S = parseFormat('ap_fixed<8,3,AP_RND,AP_SAT>');
const OU8 = parseFormat('ap_ufixed<8,2,AP_RND_ZERO,AP_SAT>');
const WIDE = fixed(44, 20); // holds every fc_ref result exactly: a float reference must agree

const outs: DTensor[] = [];
const out = (name: string, shape: number[], f: FixedFormat): DTensor => {
  const t = tensor(name, shape, f);
  outs.push(t);
  return t;
};

const layers: Layer[] = [
  // Exact acc, bias, relu, default output (rounding + saturation on large sums).
  dense('fc_relu', x, 3, 10, 7, out('y_relu', [1, 3, 7], DEF), { act: { kind: 'relu' } }),
  // No bias, 8-bit wrapping output.
  dense('fc_nobias', x, 3, 10, 5, out('y_nobias', [1, 3, 5], O8W), { bias: null }),
  // Clip after the cast (raws of the output format), unsigned output with AP_RND_ZERO.
  dense('fc_clip', x, 3, 10, 4, out('y_clip', [1, 3, 4], OU8), { act: { kind: 'clip', lo: 10, hi: 200 } }),
  // Bias with more fraction bits than the products (the common fraction is the bias's).
  dense('fc_finebias', x, 3, 10, 4, out('y_finebias', [1, 3, 4], parseFormat('ap_fixed<12,5,AP_RND_INF,AP_SAT_SYM>')),
    { bias: parseFormat('ap_fixed<24,4>') }),
  // Too narrow an accumulator: every `acc = acc + x*w` quantizes (AP_TRN) and wraps; the simulator mirrors each step.
  dense('fc_narrow', x, 3, 10, 6, out('y_narrow', [1, 3, 6], O8S), { acc: fixed(14, 5) }),
  // Saturating narrow accumulator, unsigned input.
  dense('fc_satacc', u, 1, 6, 5, out('y_satacc', [1, 5], DEF),
    { acc: parseFormat('ap_fixed<12,4,AP_RND,AP_SAT>'), w: parseFormat('ap_fixed<6,3>'), act: { kind: 'relu' } }),
  // Unsigned input, AP_SAT_SYM output.
  dense('fc_u', u, 1, 6, 8, out('y_u', [1, 8], parseFormat('ap_fixed<10,4,AP_RND_MIN_INF,AP_SAT_SYM>'))),
  // Per-output-channel weight precision: accumulators shifted right by 0..5 before relu / clip and the cast.
  dense('fc_shift', x, 3, 10, 6, out('y_shift', [1, 3, 6], O8S), { shift: [0, 1, 2, 3, 5, 0], act: { kind: 'relu' } }),
  dense('fc_shift_clip', u, 1, 6, 4, out('y_shift_clip', [1, 4], OU8), { shift: [4, 0, 2, 1], act: { kind: 'clip', lo: 3, hi: 90 } }),
  // Wide output: checked against float math below.
  dense('fc_ref', x, 3, 10, 3, out('y_ref', [1, 3, 3], WIDE)),
  // Low-bit products, which the plan builds in LUTs (config lut_mul, product bound to fabric): 2-bit weights x 16-bit
  // input (ternary-like), 1-bit signed weights {-1, 0} x unsigned 8-bit, 4-bit x 8-bit, and 2-bit x 2-bit with a
  // 2-bit relu output. The bits must not change.
  dense('fc_w2', x, 3, 10, 6, out('y_w2', [1, 3, 6], DEF), { w: parseFormat('ap_fixed<2,1>'), act: { kind: 'relu' } }),
  dense('fc_w1', u, 1, 6, 5, out('y_w1', [1, 5], O8S), { w: fixed(1, 1), bias: null }),
  dense('fc_w4a8', u, 1, 6, 4, out('y_w4a8', [1, 4], DEF), { w: parseFormat('ap_fixed<4,2>') }),
  dense('fc_w2a2', q2, 1, 12, 7, out('y_w2a2', [1, 7], parseFormat('ap_ufixed<2,1,AP_RND,AP_SAT>')),
    { w: parseFormat('ap_fixed<2,0>'), bias: parseFormat('ap_fixed<4,1>'), act: { kind: 'relu' } }),
  // MatMul [2,3,4] x [4,5]: B broadcast over the batch.
  matmul('mm_bcast_b', ma, mb, out('z_bb', [1, 2, 3, 5], O8S), { batch: 2, m: 3, k: 4, n: 5 }, { a: 12, b: 0 }),
  // A broadcast (stride 0): every batch reads ma's first [3][4] matrix.
  matmul('mm_bcast_a', ma, mc, out('z_ba', [1, 2, 3, 5], DEF), { batch: 2, m: 3, k: 4, n: 5 }, { a: 0, b: 20 }),
  // Both batched, narrow wrapping accumulator (slow path) and an 8-bit output.
  matmul('mm_narrow', ma, mc, out('z_nar', [1, 2, 3, 5], O8W), { batch: 2, m: 3, k: 4, n: 5 }, { a: 12, b: 20 },
    parseFormat('ap_fixed<16,5,AP_TRN,AP_WRAP>')),
];

const design = makeDesign('dense_test', [x, u, ma, mb, mc, q2, ...outs], layers, outs.map((t) => t.name));
const samples = randomSamples(design, 12, rng(7));
const sim = simulateSamples(design, samples);

const expectSame = (got: Float64Array[][], want: Float64Array[][]) => expectSameOutputs(design, got, want);

describe('dense and matmul kernels', () => {
  itMatchesGxx(async (inc) => expectSame(sim, await csimSamples(design, samples, { apTypesInclude: inc })));

  it('with several multipliers (the plan\'s parallel factors), g++ still gives the simulator\'s bits', async () => {
    const lanes = lanesPlan(design);
    // A low-bit layer with sparse weights too (dense_sparse reads its products through the same fabric binding).
    const w2 = layers.find((l) => l.name === 'fc_w2') as DenseLayer;
    expect(w2.weight.raw.filter((r) => r === 0).length).toBeGreaterThan(0);
    const plan = { ...lanes, parallel: new Map([...lanes.parallel, ['fc_w2', { pfIn: 2, pfOut: 1, sparse: sparseDense(w2, 2) }]]) };
    expect([...plan.parallel.values()].filter((p) => p.pfIn > 1).length).toBeGreaterThan(5);
    expectSame(sim, await csimSamples(design, samples, { plan }));
  });

  it('wide-output dense equals the float computation exactly', async () => {
    const layer = layers.find((l) => l.name === 'fc_ref') as DenseLayer;
    const k = design.outputs.indexOf('y_ref');
    const wv = layer.weight.raw.map((r) => toDouble(r, layer.weight.format));
    const bv = layer.bias!.raw.map((r) => toDouble(r, layer.bias!.format));
    samples.forEach((s, si) => {
      const xq = s[0].map((v) => roundSat(v, 10, -32768, 32767)); // x as the design holds it
      for (let r = 0; r < 3; r++) {
        for (let o = 0; o < 3; o++) {
          let acc = bv[o];
          for (let i = 0; i < 10; i++) acc += xq[r * 10 + i] * wv[o * 10 + i];
          expect(sim[si][k][r * 3 + o]).toBe(acc);
        }
      }
    });
  });

  it('matmul with A broadcast over the batch equals the float computation', async () => {
    // mm_bcast_a reads A's first matrix for every batch: out[t] = DEF(ma[0] @ mc[t]).
    const k = design.outputs.indexOf('z_ba');
    samples.forEach((s, si) => {
      const av = s[2].map((v) => roundSat(v, 7, -512, 511));
      const cv = s[4].map((v) => roundSat(v, 10, -32768, 32767));
      for (let t = 0; t < 2; t++) for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) {
        let acc = 0;
        for (let p = 0; p < 4; p++) acc += av[i * 4 + p] * cv[t * 20 + p * 5 + j];
        expect(sim[si][k][(t * 3 + i) * 5 + j]).toBe(roundSat(acc, 10, -32768, 32767));
      }
    });
  });
});

/**
 * Float reference of round-to-nearest (ties to even: AP_RND_CONV; inputs drawn by randomSamples never tie, so
 * this is AP_RND too) at `frac` fraction bits, then saturation to raws [lo, hi].
 */
function roundSat(v: number, frac: number, lo: number, hi: number): number {
  const s = v * 2 ** frac;
  let r = Math.floor(s);
  const d = s - r;
  if (d > 0.5 || (d === 0.5 && r % 2 !== 0)) r += 1;
  return Math.min(Math.max(r, lo), hi) / 2 ** frac;
}
