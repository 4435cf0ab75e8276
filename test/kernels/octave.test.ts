/**
 * The `octave` kernel (hw/fpgac/octave.h: Sqrt, Reciprocal, Log by octave tables): the simulator against g++ running
 * the emitted C++, bit for bit, on one design holding every variant (one compile): signed, unsigned, wide and
 * negative-fraction inputs, saturating, wrapping and truncating outputs, forced knot counts (K = 0, K = U − 1),
 * inputs at 0, at the minimum code and log-uniformly spread over every octave; also through a plan with lanes.
 */
import { describe, it, expect } from 'vitest';
import { parseFormat, type FixedFormat } from '../../sim/fixed.js';
import type { DTensor, Layer, OctaveFn } from '../../src/ir/design.js';
import { octaveTable } from '../../src/quant/octave.js';
import { constData, csimSamples, expectSameOutputs, itMatchesGxx, lanesPlan, makeDesign, randomSamples, rng, simulateSamples } from '../support/harness.js';

const F = parseFormat;
const tensor = (name: string, shape: number[], format: FixedFormat): DTensor => ({ name, onnxName: name, shape, format });

function variantDesign() {
  const fmts: Record<string, FixedFormat> = {
    xa: F('ap_fixed<12,5,AP_RND_CONV,AP_SAT>'), xb: F('ap_ufixed<9,4>'), xc: F('ap_fixed<8,10>'), xd: F('ap_fixed<16,6>'), xe: F('ap_ufixed<20,2>'),
  };
  const sizes: Record<string, number> = { xa: 67, xb: 37, xc: 29, xd: 73, xe: 41 };
  const tensors: DTensor[] = Object.keys(fmts).map((k) => tensor(k, [1, sizes[k]], fmts[k]));
  const layers: Layer[] = [];
  const oct = (name: string, input: string, out: string, fn: OctaveFn, knotBits?: number) => {
    const of = F(out);
    const t = octaveTable(fn, fmts[input], of, { maxEntries: 600, ...(knotBits !== undefined ? { knotBits } : {}) });
    tensors.push(tensor(name, [1, sizes[input]], of));
    layers.push({
      kind: 'octave', fn, name, sources: [name], inputs: [input], output: name, n: sizes[input], magBits: t.magBits, knotBits: t.knotBits, odd: t.odd, under: t.under,
      table: constData(`${name}_table`, [t.table.length], t.format, t.table), delta: constData(`${name}_delta`, [t.delta.length], t.format, t.delta),
    });
  };
  oct('o_sqrt', 'xa', 'ap_fixed<12,4,AP_RND_CONV,AP_SAT>', 'sqrt');
  oct('o_sqrt_u', 'xb', 'ap_ufixed<8,3,AP_TRN,AP_SAT>', 'sqrt');
  oct('o_sqrt_c', 'xc', 'ap_fixed<10,7,AP_RND,AP_SAT>', 'sqrt');
  oct('o_sqrt_e', 'xe', 'ap_fixed<18,2,AP_RND_CONV,AP_SAT>', 'sqrt');
  oct('o_recip', 'xa', 'ap_fixed<14,6,AP_RND_CONV,AP_SAT>', 'reciprocal');
  oct('o_recip_w', 'xd', 'ap_fixed<10,3,AP_TRN,AP_WRAP>', 'reciprocal');
  oct('o_recip_u', 'xb', 'ap_ufixed<10,5,AP_RND,AP_SAT>', 'reciprocal');
  oct('o_recip_k0', 'xd', 'ap_fixed<16,6,AP_RND_CONV,AP_SAT>', 'reciprocal', 0);
  oct('o_recip_kmax', 'xa', 'ap_fixed<16,8,AP_RND_CONV,AP_SAT>', 'reciprocal', 11);
  oct('o_recip_e', 'xe', 'ap_fixed<24,12,AP_RND_CONV,AP_SAT>', 'reciprocal');
  oct('o_log', 'xa', 'ap_fixed<12,4,AP_RND_CONV,AP_SAT>', 'log');
  oct('o_log_w', 'xd', 'ap_fixed<8,2,AP_TRN,AP_WRAP>', 'log');
  oct('o_log_c', 'xc', 'ap_fixed<9,4,AP_RND,AP_SAT>', 'log');
  oct('o_log_e', 'xe', 'ap_fixed<16,5,AP_RND_CONV,AP_SAT>', 'log', 3);
  const d = makeDesign('octave_variants', tensors, layers, layers.map((l) => l.output));
  const rand = rng(31);
  const samples = randomSamples(d, 8, rand);
  // Log-uniform magnitudes (every octave), random signs, and the edge codes 0, the LSB and the minimum.
  for (const s of samples.slice(0, 4)) {
    s.forEach((vals, k) => {
      const f = fmts[d.inputs[k]];
      const frac = f.width - f.int;
      const top = f.signed ? f.width - 1 : f.width;
      for (let i = 0; i < vals.length; i++) {
        const raw = Math.floor(2 ** (rand() * top));
        vals[i] = (f.signed && rand() < 0.4 ? -raw : raw) * 2 ** -frac;
      }
      vals[0] = 0;
      vals[1] = 2 ** -frac;
      vals[2] = f.signed ? -(2 ** (f.width - 1)) * 2 ** -frac : (2 ** f.width - 1) * 2 ** -frac;
    });
  }
  return { d, samples };
}

describe('octave kernel (Sqrt, Reciprocal, Log): simulator vs g++', () => {
  const { d, samples } = variantDesign();
  const sim = simulateSamples(d, samples);

  it('the variants reach the domain ends: 1/0 saturates, log 0 saturates low, negative reciprocals', () => {
    const k = d.outputs.indexOf('o_recip');
    expect(sim[0][k][0]).toBe(32 - 2 ** -8); // 1/0 → the output's maximum
    expect(sim[0][d.outputs.indexOf('o_log')][0]).toBe(-8); // log 0 → the output's minimum
    expect(sim[0][d.outputs.indexOf('o_sqrt')][0]).toBe(0);
    expect(sim.some((s) => s[k].some((v) => v < -1))).toBe(true);
  });

  itMatchesGxx(async (inc) => expectSameOutputs(d, await csimSamples(d, samples, { apTypesInclude: inc }), sim));

  it('with lanes (pf > 1) the bits are the same', async () => {
    const plan = lanesPlan(d);
    // The octave layers really run on several lanes (every lane reading the tables), not only the others.
    expect(d.layers.filter((l) => l.kind === 'octave' && (plan.parallel.get(l.name)?.pfOut ?? 1) > 1).length).toBeGreaterThan(0);
    expectSameOutputs(d, await csimSamples(d, samples, { plan }), sim);
  });
});
