// Layer-major batches (sim/layer-major.ts) against the sample-at-a-time path: simulateBatch of whole groups of B
// samples, plus a remainder, gives every sample's outputs bit for bit as simulateSample gives them, on every shared
// model the plan accepts, on the bundled dsODENet (loop regions), on hand-made element-wise layers whose operands
// are a constant, a broadcast tensor and a full tensor, and on convs through the B-sample int16 engine (groups,
// strides, pads, one output channel, wrapping, clipped and leaky outputs, pruned weights, chunks that end inside a
// sample). Saturation counts too (dsODENet's test digits on one and two threads). The kinds that ran whole are
// counted, so a plan
// that quietly stopped batching one of them fails.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileModel } from '../../src/compile.js';
import type { Design } from '../../src/ir/design.js';
import { numel } from '../../src/ir/graph.js';
import { simulateBatch, simulateSample } from '../../sim/simulate.js';
import { batchWorkerCount } from '../../sim/batch.js';
import { readNpy } from '../../src/npy.js';
import { layerMajorPlan } from '../../sim/layer-major.js';
import type { DTensor, EltwiseLayer } from '../../src/ir/design.js';
import { fixed } from '../../sim/fixed.js';
import { constData, makeDesign, randomRaws, randomSamples, referenceStrides, REPO, rng } from '../support/harness.js';
import { convLayer, type ConvSpec } from '../support/conv-spec.js';
import { parseFormat } from '../../sim/fixed.js';
import { HAVE_SHARED, SHARED_MODELS, SKIP_REASON } from '../support/models.js';

/** Kinds of the layers a plan runs whole (loop bodies included). */
function wholeKinds(design: Design): Set<string> {
  const plan = layerMajorPlan(design);
  const kinds = new Set<string>();
  const walk = (steps: NonNullable<ReturnType<typeof layerMajorPlan>>['steps']) => {
    for (const s of steps) {
      if ('loop' in s) walk(s.loop.body);
      else if (s.whole) kinds.add(s.layer.kind);
    }
  };
  if (plan) walk(plan.steps);
  return kinds;
}

/**
 * simulateBatch = simulateSample per sample: every output value (Object.is: -0 and NaN too) and the saturation
 * count of every tensor (the batch's summed over its samples). Returns the total count.
 */
function expectBatchEqualsSamples(design: Design, samples: number, seed: number | Float64Array[], threads = 1): number {
  const per = design.inputs.map((n) => numel(design.tensors[n].shape));
  const inputs = typeof seed === 'number'
    ? ((data) => design.inputs.map((_, i) => Float64Array.from(data.flatMap((s) => s[i]))))(randomSamples(design, samples, rng(seed)))
    : seed;
  const batchSat = new Map<string, number>();
  const batch = simulateBatch(design, inputs, samples, { threads, saturation: batchSat });
  if (threads > 1) expect(batchWorkerCount(), 'worker threads ran').toBe(threads - 1);
  const sampleSat = new Map<string, number>();
  for (let s = 0; s < samples; s++) {
    const one = simulateSample(design, inputs.map((x, i) => x.subarray(s * per[i], (s + 1) * per[i])), { saturation: sampleSat }).outputs;
    one.forEach((o, k) => {
      const got = batch[k].subarray(s * o.length, (s + 1) * o.length);
      let bad = 0;
      for (let j = 0; j < o.length; j++) if (!Object.is(o[j], got[j])) bad++;
      expect(bad, `sample ${s}, output ${k}`).toBe(0);
    });
  }
  expect(Object.fromEntries(batchSat), 'saturation counts').toEqual(Object.fromEntries(sampleSat));
  return [...sampleSat.values()].reduce((a, b) => a + b, 0);
}

const models = (): string[] => {
  if (!HAVE_SHARED) return [];
  const out: string[] = [];
  const visit = (d: string) => {
    if (existsSync(path.join(d, 'model.onnx'))) out.push(path.join(d, 'model.onnx'));
    else for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory() && e.name !== 'onnx-node') visit(path.join(d, e.name));
  };
  visit(SHARED_MODELS);
  return out;
};

describe('layer-major batches = one sample at a time', () => {
  const covered = new Set<string>();

  (HAVE_SHARED ? it : it.skip)(`every shared model the plan accepts (${HAVE_SHARED ? 'shared models' : SKIP_REASON})`, () => {
    let planned = 0;
    for (const file of models()) {
      let design: Design;
      try { design = compileModel(file).design; } catch { continue; } // models fpgac refuses are other tests' business
      const plan = layerMajorPlan(design);
      if (!plan) continue;
      planned++;
      for (const k of wholeKinds(design)) covered.add(k);
      expectBatchEqualsSamples(design, 2 * plan.size + 3, planned);
    }
    expect(planned).toBeGreaterThanOrEqual(8);
  });

  it('the bundled dsODENet (two loop regions, element-wise adds in their bodies)', () => {
    const { design } = compileModel(path.join(REPO, 'examples', 'dsodenet-digits', 'model.onnx'));
    const plan = layerMajorPlan(design);
    expect(plan).not.toBeNull();
    for (const k of wholeKinds(design)) covered.add(k);
    expect(wholeKinds(design).has('eltwise')).toBe(true);
    expectBatchEqualsSamples(design, plan!.size + 2, 99);
  });

  (HAVE_SHARED ? it : it.skip)(`dsODENet's 360 test digits: saturation counts of a batch on one and on two threads = the sum of the samples' (${HAVE_SHARED ? 'shared models' : SKIP_REASON})`, () => {
    const { design } = compileModel(path.join(REPO, 'examples', 'dsodenet-digits', 'model.onnx'));
    const x = readNpy(path.join(SHARED_MODELS, 'dsodenet-digits', 'test_x.npy'));
    const samples = x.shape[0];
    for (const threads of [1, 2]) {
      const total = expectBatchEqualsSamples(design, samples, [x.data], threads);
      // These digits do saturate two tensors of the default-precision design (fpgac sim warns of it).
      expect(total, `${threads} thread(s)`).toBeGreaterThan(0);
    }
  });

  it('element-wise layers with a constant, a broadcast [1, 6] and a full [4, 6] operand, chained', () => {
    const f = fixed(12, 4);
    const t = (name: string, shape: number[]): DTensor => ({ name, onnxName: name, shape, format: f });
    const c = constData('c_k', [4, 6], fixed(8, 2), randomRaws(fixed(8, 2), 24, rng(3)));
    const out6 = [1, 1, 1, 1, 4, 6];
    const mulC: EltwiseLayer = { kind: 'eltwise', name: 'mul_c', sources: [], inputs: ['x'], output: 'y1', op: 'mul', a: { tensor: 'x' }, b: { constant: c },
      outShape: out6, aStrides: referenceStrides([4, 6]), bStrides: referenceStrides([4, 6]), act: { kind: 'relu' } };
    const addB: EltwiseLayer = { kind: 'eltwise', name: 'add_b', sources: [], inputs: ['y1', 'r'], output: 'y2', op: 'add', a: { tensor: 'y1' }, b: { tensor: 'r' },
      outShape: out6, aStrides: referenceStrides([4, 6]), bStrides: referenceStrides([1, 6]), act: { kind: 'none' } };
    const maxX: EltwiseLayer = { kind: 'eltwise', name: 'max_x', sources: [], inputs: ['y2', 'x'], output: 'y3', op: 'max', a: { tensor: 'y2' }, b: { tensor: 'x' },
      outShape: out6, aStrides: referenceStrides([4, 6]), bStrides: referenceStrides([4, 6]), act: { kind: 'none' } };
    const design = makeDesign('elt_batch', [t('x', [4, 6]), t('r', [1, 6]), t('y1', [4, 6]), t('y2', [4, 6]), t('y3', [4, 6])], [mulC, addB, maxX]);
    expect([...wholeKinds(design)]).toEqual(['eltwise']);
    expectBatchEqualsSamples(design, 2 * layerMajorPlan(design)!.size + 5, 7);
  });

  it('convs through the B-sample int16 engine: groups, strides, pads, one output channel, wrap, clip, leaky, pruned weights, chunks ending inside a sample', () => {
    const x: DTensor = { name: 'x', onnxName: 'x', shape: [1, 4, 7, 8], format: parseFormat('ap_fixed<16,6,AP_RND_CONV,AP_SAT>') };
    const w8 = parseFormat('ap_fixed<8,0>');
    const b12 = parseFormat('ap_fixed<12,4>');
    const specs: ConvSpec[] = [
      { name: 'same', input: x, oc: 3, kh: 3, kw: 3, pt: 1, pl: 1, pb: 1, pr: 1, wFormat: w8, bFormat: b12, out: parseFormat('ap_fixed<16,6,AP_RND_CONV,AP_SAT>') },
      { name: 'grouped', input: x, oc: 6, kh: 3, kw: 2, sh: 2, sw: 1, pt: 0, pl: 2, pb: 1, pr: 0, group: 2, wFormat: w8, bFormat: null, out: parseFormat('ap_fixed<8,3,AP_TRN,AP_WRAP>'), act: { kind: 'relu' } },
      { name: 'dilated', input: x, oc: 2, kh: 3, kw: 3, dh: 2, dw: 2, pt: 2, pl: 2, pb: 2, pr: 2, wFormat: w8, bFormat: b12, out: parseFormat('ap_ufixed<8,4,AP_RND,AP_SAT>'), act: { kind: 'clip', lo: 8, hi: 200 } },
      { name: 'single', input: x, oc: 1, kh: 3, kw: 3, pt: 1, pl: 1, pb: 1, pr: 1, wFormat: w8, bFormat: b12, out: parseFormat('ap_fixed<12,5,AP_RND_CONV,AP_SAT>') },
      { name: 'leaky', input: x, oc: 4, kh: 1, kw: 3, sw: 2, pl: 1, pr: 1, wFormat: w8, bFormat: b12, out: parseFormat('ap_fixed<10,4,AP_RND_CONV,AP_SAT>'), act: { kind: 'leaky', alpha: { raw: 13, format: parseFormat('ap_fixed<8,1>') } } },
    ];
    const rand = rng(31);
    for (const spec of specs) {
      const { layer, out } = convLayer(spec, rand);
      // Pruned: every third weight zero.
      const raw = layer.weight.raw.map((r, i) => (i % 3 === 0 ? 0 : r));
      const design = makeDesign(`conv_${spec.name}`, [x, out], [{ ...layer, weight: { ...layer.weight, raw } }]);
      expect([...wholeKinds(design)], spec.name).toEqual(['conv2d']);
      expectBatchEqualsSamples(design, 2 * layerMajorPlan(design)!.size + 3, 11);
    }
  });

  (HAVE_SHARED ? it : it.skip)('between them, conv2d, dense, unary, lut, softmax and eltwise layers ran whole', () => {
    expect([...covered].sort()).toEqual(expect.arrayContaining(['conv2d', 'dense', 'eltwise', 'lut', 'softmax', 'unary']));
  });
});
