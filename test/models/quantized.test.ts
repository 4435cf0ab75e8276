/**
 * Quantized models from ../shared/models: the float reference (quantizers constant-folded on weights, evaluated
 * on activations) against the stored reference outputs, and for the QONNX models against ONNX Runtime running
 * their standard-ONNX expansion (`model.expanded.onnx`, how the stored references were made) on more inputs.
 * qkeras_jettagging also compiles: its activation Quants (unsigned 6-bit, scale 2^-6) become exact casts.
 */
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel } from '../../src/onnx/load.js';
import { inferAndFold } from '../../src/passes/infer.js';
import { runPipeline } from '../../src/passes/pipeline.js';
import { runFloat } from '../../src/reference.js';
import { compileModel } from '../../src/compile.js';
import { simulateSample } from '../../sim/simulate.js';
import { formatToCpp } from '../../sim/fixed.js';
import { numel } from '../../src/ir/graph.js';
import { HAVE_SHARED, SHARED_MODELS, SKIP_REASON, modelPath, testDataSets, toleranceRatio } from '../support/models.js';
import { csimSamples, rng } from '../support/harness.js';

/** Tolerance against float32 runtimes: the reference computes in float64 between the quantizers. */
const RTOL = 1e-5;
const ATOL = 1e-6;

function graphs(rel: string) {
  const loaded = loadModel(modelPath(rel));
  return { imported: inferAndFold(loaded.graph).graph, canonical: runPipeline(loaded.graph).graph };
}

function argmax(a: ArrayLike<number>): number {
  let b = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[b]) b = i;
  return b;
}

describe.skipIf(!HAVE_SHARED)('quantized models: float reference vs stored references', () => {
  it('polygraphy/qdq_conv (per-channel uint8 Q/DQ, a constant graph): folds completely and equals the stored output exactly', () => {
    const rel = 'polygraphy/qdq_conv';
    for (const [which, g] of Object.entries(graphs(rel))) {
      expect(g.nodes, which).toEqual([]);
      const [ds] = testDataSets(rel);
      const got = runFloat(g, []).outputs[0];
      expect(got.shape).toEqual(ds.outputs[0].shape);
      expect(Array.from(got.data), which).toEqual(Array.from(ds.outputs[0].data));
    }
  });

  for (const rel of ['qonnx-zoo/qkeras_jettagging', 'qonnx-zoo/TFC_2W2A']) {
    it(`${rel}: weight Quants fold, activation Quants stay; imported and canonical graphs match the stored outputs (rtol ${RTOL}, atol ${ATOL})`, () => {
      for (const [which, g] of Object.entries(graphs(rel))) {
        const quants = g.nodes.filter((n) => n.op === 'Quant');
        expect(quants.length, `${which}: activation quantizers`).toBeGreaterThan(0);
        expect(quants.every((n) => !g.constants.has(n.inputs[0])), `${which}: no Quant left on a constant`).toBe(true);
        for (const ds of testDataSets(rel)) {
          const r = runFloat(g, ds.inputs.map((t) => t.data));
          expect(toleranceRatio(r.outputs[0].data, ds.outputs[0].data, RTOL, ATOL), `${which} ${path.basename(ds.dir)}`).toBeLessThanOrEqual(1);
        }
      }
    });
  }

  for (const [rel, lo, hi] of [['qonnx-zoo/qkeras_jettagging', -1, 1], ['qonnx-zoo/TFC_2W2A', 0, 1]] as const) {
    it(`${rel}: matches ONNX Runtime on the standard-ONNX expansion for 64 random inputs`, async () => {
      const session = await ort.InferenceSession.create(path.join(SHARED_MODELS, rel, 'model.expanded.onnx'), { graphOptimizationLevel: 'disabled', logSeverityLevel: 3 });
      const { imported, canonical } = graphs(rel);
      const vi = imported.inputs[0];
      const rand = rng(1234);
      for (let s = 0; s < 64; s++) {
        const x = Float32Array.from({ length: numel(vi.shape) }, () => lo + (hi - lo) * rand());
        const res = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', x, [...vi.shape]) });
        const want = res[session.outputNames[0]].data as Float32Array;
        for (const [which, g] of [['imported', imported], ['canonical', canonical]] as const) {
          expect(toleranceRatio(runFloat(g, [x]).outputs[0].data, want, RTOL, ATOL), `${which} sample ${s}`).toBeLessThanOrEqual(1);
        }
      }
    });
  }

  it('qonnx-zoo/qkeras_jettagging compiles: each activation Quant is one exact cast to ap_ufixed<6,0>, and the design agrees with the float model', () => {
    const rel = 'qonnx-zoo/qkeras_jettagging';
    const c = compileModel(modelPath(rel));
    const casts = c.design.layers.filter((l) => l.kind === 'unary');
    expect(casts.map((l) => formatToCpp(c.design.tensors[l.output].format))).toEqual(Array(3).fill('ap_ufixed<6,0,AP_RND_CONV,AP_SAT>'));
    const rand = rng(77);
    let agree = 0;
    const samples = [...testDataSets(rel).map((d) => d.inputs[0].data), ...Array.from({ length: 99 }, () => Float64Array.from({ length: 16 }, () => rand() * 2 - 1))];
    for (const x of samples) {
      const fx = simulateSample(c.design, [x]).outputs[0];
      const fl = runFloat(c.reference, [x]).outputs[0].data;
      if (argmax(fx) === argmax(fl)) agree++;
      // Softmax probabilities: the 16-bit default precision of the Dense layers before the 6-bit activations.
      expect(toleranceRatio(fx, fl, 0, 0.05)).toBeLessThanOrEqual(1);
    }
    expect(agree / samples.length).toBeGreaterThanOrEqual(0.97);
  });
});

describe.skipIf(!HAVE_SHARED)('quantized models in hardware', () => {
  it('polygraphy/qdq_conv has no inputs: it builds as a ROM of its folded output, equal to the stored reference', async () => {
    const c = compileModel(modelPath('polygraphy/qdq_conv'));
    expect(c.design.inputs).toEqual([]);
    const want = testDataSets('polygraphy/qdq_conv')[0].outputs[0];
    const got = simulateSample(c.design, []).outputs[0];
    expect(got.length).toBe(want.data.length);
    // The stored output is on the int8 grid (scale 1): exactly representable in the default ap_fixed<16,6>.
    expect(Array.from(got)).toEqual(Array.from(want.data));
    const csim = await csimSamples(c.design, [[]]);
    expect(Array.from(csim[0][0])).toEqual(Array.from(got));
  });

  it('qonnx-zoo/TFC_2W2A compiles (its normalisation Div becomes a Mul) and the fixed-point design picks the stored answer on every data set', () => {
    const c = compileModel(modelPath('qonnx-zoo/TFC_2W2A'));
    expect(c.log.some((l) => /divToMul: [1-9]/.test(l))).toBe(true);
    for (const ds of testDataSets('qonnx-zoo/TFC_2W2A')) {
      const out = simulateSample(c.design, ds.inputs.map((t) => t.data)).outputs[0];
      expect(argmax(out), ds.dir).toBe(argmax(ds.outputs[0].data));
    }
  });
});

if (!(HAVE_SHARED)) describe('quantized models', () => {
  it.skip(`skipped: ${SKIP_REASON}`, () => {});
});
