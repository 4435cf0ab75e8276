/**
 * LutLayer (Sigmoid) and SoftmaxLayer: the simulator against g++ running the emitted C++ (bit for bit, one design
 * holding every variant so there is one compile per header set), and the accuracy of the default tables of
 * src/quant/tables.ts against float sigmoid / softmax computed here with Math.exp.
 */
import { describe, it, expect } from 'vitest';
import { fracBits, fromDouble, parseFormat, toDouble, type FixedFormat } from '../../sim/fixed.js';
import type { DTensor, Layer, LutLayer, SoftmaxLayer } from '../../src/ir/design.js';
import { reciprocalTable, sigmoidTable, softmaxTables, type SigmoidTable, type SoftmaxTables } from '../../src/quant/tables.js';
import { simulateSample } from '../../sim/simulate.js';
import {
  constData, csimSamples, firstDifferences, makeDesign, randomRaws, randomSamples, rng,
  simulateSamples,
} from '../support/harness.js';
import { itMatchesGxx } from '../support/harness.js';

const F = parseFormat;
const tensor = (name: string, shape: number[], format: FixedFormat): DTensor => ({ name, onnxName: name, shape, format });

function lut(name: string, input: string, output: string, n: number, t: SigmoidTable): LutLayer {
  return {
    kind: 'lut', fn: 'sigmoid', name, sources: [name], inputs: [input], output, n, idxShift: t.idxShift,
    offset: t.offset, table: constData(`${name}_table`, [t.table.length], t.format, t.table),
  };
}

function softmax(name: string, input: string, output: string, [outer, len, inner]: number[], t: SoftmaxTables): SoftmaxLayer {
  return {
    kind: 'softmax', name, sources: [name], inputs: [input], output, outer, len, inner, expShift: t.expShift,
    expTable: constData(`${name}_exp`, [t.expTable.length], t.expFormat, t.expTable),
    recipTable: constData(`${name}_recip`, [t.recipTable.length], t.recipFormat, t.recipTable),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// One design with every variant: several input tensors, each feeding several layers.

function variantDesign() {
  const rand = rng(7);
  const xa = F('ap_fixed<16,6,AP_RND_CONV,AP_SAT>'); // [-32, 32): saturates the ±8 sigmoid table both ways
  const xb = F('ap_fixed<8,4>'); // Fx = 4 < idxShift: left shift of negative raws
  const xc = F('ap_ufixed<10,4>'); // unsigned input
  const tensors: DTensor[] = [tensor('xa', [1, 96], xa), tensor('xb', [1, 64], xb), tensor('xc', [1, 64], xc)];
  const layers: Layer[] = [];
  const addLut = (name: string, input: string, n: number, out: FixedFormat, t: SigmoidTable) => {
    tensors.push(tensor(name, [1, n], out));
    layers.push(lut(name, input, name, n, t));
  };
  // Table sizes are kept to a few hundred entries (narrow ranges, small shifts): g++ compile time grows fast with
  // the number of ap_fixed constants in a translation unit. The default tables are checked for accuracy below.
  const o1 = F('ap_fixed<16,6,AP_RND_CONV,AP_SAT>');
  addLut('la1', 'xa', 96, o1, sigmoidTable(o1, { range: 1 })); // idxShift 8 (default): shift −2
  const o2 = F('ap_ufixed<8,0,AP_RND,AP_SAT>');
  addLut('la2', 'xa', 96, o2, sigmoidTable(o2, { range: 4 })); // 8-bit unsigned output, idxShift 6: shift −4
  const o3 = F('ap_fixed<10,1,AP_TRN,AP_WRAP>');
  addLut('la3', 'xa', 96, o3, sigmoidTable(o3, { idxShift: 12, range: 1 / 16 })); // shift +2
  addLut('la4', 'xa', 96, o1, sigmoidTable(o1, { idxShift: 10, range: 1 / 8 })); // shift 0
  const o5 = F('ap_fixed<8,1,AP_TRN,AP_WRAP>');
  addLut('lb1', 'xb', 64, o5, sigmoidTable(o5, { range: 4 })); // idxShift 5: shift +1; 1.0 does not fit: saturated
  // Table format differs from the output: the kernel's cast rounds and saturates.
  addLut('lb2', 'xb', 64, F('ap_fixed<6,1,AP_RND,AP_SAT>'), sigmoidTable(F('ap_fixed<18,2,AP_RND_CONV>'), { idxShift: 4 }));
  const o7 = F('ap_fixed<12,2,AP_TRN,AP_SAT>');
  addLut('lc1', 'xc', 64, o7, sigmoidTable(o7, { range: 0.5 })); // unsigned input, idxShift 8: shift +2
  // An arbitrary small table, not symmetric: bins of 2 units (idxShift −1), offset 3, random entries.
  const tf = F('ap_fixed<10,3>');
  addLut('lc2', 'xc', 64, F('ap_fixed<7,2,AP_RND_ZERO,AP_SAT_SYM>'), { idxShift: -1, offset: 3, table: randomRaws(tf, 7, rand), format: tf });

  const addSoftmax = (name: string, input: string, dims: number[], out: FixedFormat, t: SoftmaxLayer['expTable'], expShift: number, recip: SoftmaxLayer['recipTable']) => {
    const shape = tensors.find((x) => x.name === input)!.shape as number[];
    tensors.push(tensor(name, shape, out));
    const [outer, len, inner] = dims;
    layers.push({ kind: 'softmax', name, sources: [name], inputs: [input], output: name, outer, len, inner, expShift, expTable: t, recipTable: recip });
  };
  // Layers reading one input share its table (one weights header, as the compiler would emit it).
  const shared = (name: string, f: FixedFormat, opts: Parameters<typeof softmaxTables>[1]) => {
    const t = softmaxTables(f, opts);
    return [
      constData(`${name}_exp`, [t.expTable.length], t.expFormat, t.expTable), t.expShift,
      constData(`${name}_recip`, [t.recipTable.length], t.recipFormat, t.recipTable),
    ] as const;
  };
  const sa = F('ap_fixed<16,6,AP_RND_CONV,AP_SAT>');
  const sb = F('ap_fixed<12,4,AP_RND,AP_SAT>');
  const sc = F('ap_fixed<6,3>'); // 64 codes over rows of 16: ties for the max are common
  const sd = F('ap_ufixed<8,4>');
  tensors.push(tensor('sa', [1, 4, 10], sa), tensor('sb', [1, 3, 5, 4], sb), tensor('sc', [1, 8, 16], sc), tensor('sd', [1, 2, 7], sd));
  tensors.push(tensor('se', [1, 300], sb));
  const ta = shared('sa', sa, { maxExpShift: 5 }); // shift −5
  const tb = shared('sb', sb, { maxExpShift: 4 }); // shift −4
  const tc = shared('sc', sc, {}); // expShift = Fx = 3: shift 0
  const td = shared('sd', sd, { expShift: 5, recipBits: 6 }); // Fx 4: shift +1; a 64-entry 1/m table
  addSoftmax('sa1', 'sa', [4, 10, 1], F('ap_fixed<16,6,AP_RND_CONV,AP_SAT>'), ...ta);
  addSoftmax('sa2', 'sa', [4, 10, 1], F('ap_ufixed<8,0,AP_RND,AP_SAT>'), ...ta); // 1.0 saturates
  addSoftmax('sb1', 'sb', [3, 5, 4], F('ap_fixed<10,2,AP_TRN,AP_WRAP>'), ...tb); // axis in the middle
  addSoftmax('sb2', 'sb', [15, 4, 1], F('ap_ufixed<12,1,AP_RND_CONV,AP_SAT>'), ...tb); // last axis
  addSoftmax('sc1', 'sc', [8, 16, 1], F('ap_ufixed<16,1,AP_RND_CONV,AP_SAT>'), ...tc); // ties
  addSoftmax('sc2', 'sc', [1, 8, 16], F('ap_fixed<9,2,AP_RND_INF,AP_SAT>'), ...tc); // first axis, inner 16
  addSoftmax('sd1', 'sd', [2, 7, 1], F('ap_fixed<8,1,AP_RND_INF,AP_SAT>'), ...td); // unsigned input
  addSoftmax('se1', 'se', [1, 300, 1], F('ap_ufixed<20,1,AP_RND_CONV,AP_SAT>'), ...tb); // long row
  const d = makeDesign('nonlinear_variants', tensors, layers, layers.map((l) => l.output));
  return { d, samples: randomSamples(d, 12, rand) };
}

function expectSame(design: ReturnType<typeof variantDesign>['d'], sim: Float64Array[][], cs: Float64Array[][]): void {
  expect(cs.length).toBe(sim.length);
  sim.forEach((outs, s) => outs.forEach((o, k) => {
    const diffs = firstDifferences(o, cs[s][k]);
    expect(diffs, `sample ${s}, output ${design.outputs[k]}`).toEqual([]);
  }));
}

describe('nonlinear kernels: simulator vs g++', () => {
  const { d, samples } = variantDesign();
  const sim = simulateSamples(d, samples);

  it('variants cover saturation of the sigmoid table and ties in softmax', async () => {
    const xa = samples.flatMap((s) => Array.from(s[0]));
    expect(xa.some((v) => v < -8) && xa.some((v) => v >= 8)).toBe(true);
    // sc rows (16 values of 64 codes): the max is tied in at least one row.
    const sc = d.inputs.indexOf('sc');
    const tied = samples.some((s) => {
      const q = s[sc].map((v) => fromDouble(v, d.tensors.sc.format));
      for (let r = 0; r < 8; r++) {
        const row = q.slice(r * 16, r * 16 + 16);
        const m = Math.max(...row);
        if (row.filter((v) => v === m).length > 1) return true;
      }
      return false;
    });
    expect(tied).toBe(true);
  });

  itMatchesGxx(async (inc) => expectSame(d, sim, await csimSamples(d, samples, { apTypesInclude: inc })));
});

// ---------------------------------------------------------------------------------------------------------------
// Accuracy against float (sim only: the sim equals g++ above).

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Runs one layer over the given input values and returns the output values. */
function runOne(inF: FixedFormat, outF: FixedFormat, shape: number[], layer: (i: string, o: string) => Layer, xs: number[]): Float64Array {
  const d = makeDesign('one', [tensor('x', shape, inF), tensor('y', shape, outF)], [layer('x', 'y')]);
  return simulateSample(d, [xs]).outputs[0];
}

describe('lut index', () => {
  it('is floor(x · 2^idxShift) + offset, toward −∞ for negative x, clamped at both ends', async () => {
    // Table entry i holds i (ap_fixed<8,8>), so the output is the index itself.
    const f = F('ap_fixed<8,8>');
    const t: SigmoidTable = { idxShift: 1, offset: 6, table: Array.from({ length: 12 }, (_, i) => i), format: f };
    const xs = [-4, -3.25, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 1.75, 2.5, 2.75, 9];
    const y = runOne(F('ap_fixed<12,6>'), f, [1, xs.length], (i, o) => lut('l', i, o, xs.length, t), xs);
    expect(Array.from(y)).toEqual(xs.map((x) => Math.min(11, Math.max(0, Math.floor(x * 2) + 6))));
    expect(Array.from(y)).toEqual([0, 0, 4, 5, 5, 6, 6, 7, 9, 11, 11, 11]);
  });
});

describe('sigmoid table accuracy vs 1/(1+exp(-x))', () => {
  // Every input code of ap_fixed<16,6> (x in [-32, 32)); bound from src/quant/tables.ts:
  // max(2^-(idxShift+3), σ(-8 + half bin)) + the output rounding (1/2 LSB here).
  const inF = F('ap_fixed<16,6>');
  const xs = Array.from({ length: 2 ** 16 }, (_, i) => toDouble(i - 2 ** 15, inF));
  const cases: [string, number][] = [
    ['ap_fixed<16,6,AP_RND_CONV,AP_SAT>', 2 ** -10], // idxShift 8: 2^-11 + 2^-11
    ['ap_ufixed<8,0,AP_RND,AP_SAT>', 2 ** -8], // idxShift 6: 2^-9 + 2^-9
    ['ap_fixed<24,2,AP_RND_CONV,AP_SAT>', 2 ** -11 + 2 ** -23], // idxShift 8: binning / tail only
  ];
  for (const [fmt, bound] of cases) {
    it(`${fmt}: max error ≤ ${bound.toExponential(3)}`, async () => {
      const outF = F(fmt);
      const t = sigmoidTable(outF);
      const y = runOne(inF, outF, [1, xs.length], (i, o) => lut('s', i, o, xs.length, t), xs);
      let worst = 0;
      xs.forEach((x, k) => { worst = Math.max(worst, Math.abs(y[k] - sigmoid(x))); });
      expect(worst).toBeLessThanOrEqual(bound);
      // Not vacuous: the error is of the order of the bound.
      expect(worst).toBeGreaterThan(bound / 8);
    });
  }
});

describe('softmax accuracy vs exp(x_j - m) / Σ exp(x_k - m)', () => {
  const refSoftmax = (row: number[]): number[] => {
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };
  /** Max |error| over `rows` rows of `len` logits drawn by `draw`, quantized to inF, softmax into outF. */
  const maxError = (inF: FixedFormat, outF: FixedFormat, len: number, rows: number, draw: () => number): number => {
    const xs = Array.from({ length: rows * len }, () => toDouble(fromDouble(draw(), inF), inF));
    const y = runOne(inF, outF, [1, rows, len], (i, o) => softmax('s', i, o, [rows, len, 1], softmaxTables(inF, { outFrac: fracBits(outF) })), xs);
    let worst = 0;
    for (let r = 0; r < rows; r++) {
      const p = refSoftmax(xs.slice(r * len, (r + 1) * len));
      p.forEach((v, j) => { worst = Math.max(worst, Math.abs(y[r * len + j] - v)); });
    }
    return worst;
  };
  const rand = rng(11);
  const gauss = (sigma: number) => () => sigma * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const hiOut = F('ap_ufixed<24,1,AP_RND_CONV,AP_SAT>');
  const in16 = F('ap_fixed<16,6,AP_RND_CONV,AP_SAT>');
  const in18 = F('ap_fixed<18,5,AP_RND_CONV,AP_SAT>'); // Fx = 13 > expShift 9: the index drops 4 bits

  // Bounds (src/quant/tables.ts): the index floor drops Fx − 9 bits of d, so the spread of the entries' relative
  // errors is < 2^-9 − 2^-Fx, giving |Δp| ≤ 2^-12 (Fx = 10) or < 2^-11 (Fx = 13); the 1/m table (R = 11 for these
  // outputs) overestimates p by < p · 2^-11; plus ≤ 2^-16 for the rounding of the entries.
  const recip = 2 ** -11;
  it('typical logits (σ = 3), len 10: ≤ 2^-12 + 2^-R + 2^-16 for Fx = 10, ≤ 2^-11 + 2^-R + 2^-16 for Fx = 13', async () => {
    expect(maxError(in16, hiOut, 10, 400, gauss(3))).toBeLessThanOrEqual(2 ** -12 + recip + 2 ** -16);
    expect(maxError(in18, hiOut, 10, 400, gauss(3))).toBeLessThanOrEqual(2 ** -11 + recip + 2 ** -16);
  });

  it('close logits (σ = 0.5), len 64 and len 4096: ≤ 2^-11 + 2^-R + 2^-16', async () => {
    expect(maxError(in18, hiOut, 64, 100, gauss(0.5))).toBeLessThanOrEqual(2 ** -11 + recip + 2 ** -16);
    expect(maxError(in18, hiOut, 4096, 2, gauss(2))).toBeLessThanOrEqual(2 ** -11 + recip + 2 ** -16);
  });

  it('with an ap_fixed<16,6,AP_RND_CONV,AP_SAT> output: ≤ 2^-10 (tables + 1/2 LSB rounding)', async () => {
    const out = F('ap_fixed<16,6,AP_RND_CONV,AP_SAT>');
    expect(maxError(in16, out, 10, 400, gauss(3))).toBeLessThanOrEqual(2 ** -12 + recip + 2 ** -11);
    expect(maxError(in18, out, 10, 400, gauss(1))).toBeLessThanOrEqual(2 ** -11 + recip + 2 ** -11);
  });

  it('1/m table: exact at powers of two, within 2^-R above 1/m elsewhere, and never above 1.0', () => {
    for (const [bits, frac] of [[6, 9], [11, 14]]) {
      const t = reciprocalTable(bits, frac);
      expect(t).toHaveLength(2 ** bits);
      expect(t[0]).toBe(2 ** frac); // m = 1 exactly
      t.forEach((r, i) => {
        const lo = 1 + i * 2 ** -bits;
        const v = r * 2 ** -frac;
        expect(v).toBeLessThanOrEqual(1 / lo); // floor of 1/m_low
        expect(v).toBeGreaterThan(1 / lo - 2 ** -frac);
        // For any m in [lo, lo + 2^-R): 1/m < v · (1 + 2^-R) + 2^-G, i.e. the relative error bound above.
        expect(1 / (lo + 2 ** -bits)).toBeLessThanOrEqual(v * (1 + 2 ** -bits) + 2 ** -frac);
      });
    }
  });

  it('keeps every raw below 2^53 for len 4096 and rejects formats that could not', async () => {
    const t = softmaxTables(in16, { outFrac: 10 });
    expect(fracBits(t.expFormat) + fracBits(t.recipFormat) + 2).toBeLessThanOrEqual(53);
    expect(4096 * 2 ** fracBits(t.expFormat)).toBeLessThan(2 ** 53);
    expect(t.recipTable).toHaveLength(2 ** 11);
    expect(() => softmaxTables(in16, { expFrac: 30 })).toThrow(/exp fraction 30/);
    expect(() => softmaxTables(in16, { expFrac: 8, recipBits: 9 })).toThrow(/index bits 9/);
  });
});
