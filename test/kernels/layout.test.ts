// Transpose kernel: the simulator (sim/kernels/layout.ts) against g++ running hw/fpgac/layout.h, bit for bit, plus
// an independent index computation. All variants are layers of ONE design (one compile per header set).
import { describe, it, expect } from 'vitest';
import { fixed, parseFormat, type FixedFormat } from '../../sim/fixed.js';
import { ELT_RANK, type DTensor, type Layer, type TransposeLayer } from '../../src/ir/design.js';
import { csimSamples, makeDesign, multiIndex, randomSamples, rng, simulateSamples } from '../support/harness.js';
import { expectSameOutputs, itMatchesGxx } from '../support/harness.js';

const DEF = parseFormat('ap_fixed<16,6,AP_RND_CONV,AP_SAT>');
const tensor = (name: string, shape: number[], format: FixedFormat): DTensor => ({ name, onnxName: name, shape, format });

/** A transpose of `input` by an unpadded ONNX perm; the output tensor gets the permuted shape. */
function transpose(name: string, input: DTensor, perm: number[], format: FixedFormat): { layer: TransposeLayer; out: DTensor } {
  const lead = ELT_RANK - perm.length;
  const out = tensor(`${name}_out`, perm.map((p) => input.shape[p]), format);
  const layer: TransposeLayer = {
    kind: 'transpose', name, sources: [], inputs: [input.name], output: out.name,
    inShape: [...Array(lead).fill(1), ...input.shape],
    perm: [...Array.from({ length: lead }, (_, k) => k), ...perm.map((p) => p + lead)],
  };
  return { layer, out };
}

const x4 = tensor('x4', [1, 2, 3, 4], DEF);
const x3 = tensor('x3', [1, 3, 5], parseFormat('ap_fixed<10,4,AP_RND,AP_SAT>'));
const x6 = tensor('x6', [1, 2, 3, 2, 2, 3], DEF);

const variants = [
  transpose('nchw_nhwc', x4, [0, 2, 3, 1], DEF), // same type: a copy
  transpose('rev4', x4, [0, 3, 2, 1], parseFormat('ap_fixed<8,3,AP_RND,AP_SAT>')), // rounds and saturates
  transpose('swap_last', x3, [0, 2, 1], parseFormat('ap_fixed<6,2,AP_TRN,AP_WRAP>')), // truncates and wraps
  transpose('rank6', x6, [0, 3, 1, 5, 2, 4], fixed(24, 10)), // exact widening
  transpose('rank6_u', x6, [0, 5, 4, 3, 2, 1], parseFormat('ap_ufixed<8,4,AP_RND_CONV,AP_SAT>')), // unsigned
];
const layers: Layer[] = variants.map((v) => v.layer);
const outs = variants.map((v) => v.out);
const design = makeDesign('layout_test', [x4, x3, x6, ...outs], layers, outs.map((t) => t.name));
const samples = randomSamples(design, 10, rng(5));
const sim = simulateSamples(design, samples);

const expectSame = (got: Float64Array[][], want: Float64Array[][]) => expectSameOutputs(design, got, want);

/** out[idx] = in[idx permuted back], by explicit multi-index arithmetic (independent of the kernels' strides). */
function referenceTranspose(data: readonly number[], shape: readonly number[], perm: readonly number[]): number[] {
  const outShape = perm.map((p) => shape[p]);
  const total = shape.reduce((a, b) => a * b, 1);
  const res: number[] = [];
  for (let o = 0; o < total; o++) {
    const oi = multiIndex(o, outShape);
    const ii: number[] = [];
    perm.forEach((p, k) => (ii[p] = oi[k]));
    res.push(data[ii.reduce((acc, v, k) => acc * shape[k] + v, 0)]);
  }
  return res;
}

describe('transpose kernel', () => {
  itMatchesGxx(async (inc) => expectSame(sim, await csimSamples(design, samples, { apTypesInclude: inc })));

  it('same-type and widening transposes move values exactly where the permutation says', async () => {
    samples.forEach((s, si) => {
      // x4 and x6 are DEF (AP_RND_CONV, saturating, 10 fraction bits); randomSamples never produces ties.
      const q = (v: number) => Math.min(Math.max(Math.round(v * 1024), -32768), 32767) / 1024;
      const x4v = s[0].map(q);
      const x6v = s[2].map(q);
      expect(Array.from(sim[si][0])).toEqual(referenceTranspose(x4v, x4.shape, [0, 2, 3, 1]));
      expect(Array.from(sim[si][3])).toEqual(referenceTranspose(x6v, x6.shape, [0, 3, 1, 5, 2, 4]));
    });
  });
});
