/**
 * The float reference (what `fpgac sim --float` runs, and what fixed-point results are measured against) on real
 * models, checked against independent sources: the stored ONNX test data (ONNX Runtime or the source project),
 * PyTorch's logits for dsodenet-digits, and ONNX Runtime run here on the same inputs.
 */
import { describe, it, expect } from 'vitest';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel } from '../../src/onnx/load.js';
import { inferAndFold } from '../../src/passes/infer.js';
import { runPipeline } from '../../src/passes/pipeline.js';
import { runFloat } from '../../src/reference.js';
import { readNpy } from '../../src/npy.js';
import { HAVE_SHARED, SHARED_MODELS, SKIP_REASON, modelPath, testDataSets, toleranceRatio } from '../support/models.js';

const WITH_DATA = [
  'hls4ml/three_layer_keras', 'hls4ml/three_layer_pytorch', 'hls4ml/two_layer_keras', 'hls4ml/conv2d_small_keras',
  'hls4ml/conv1d_small_keras', 'hls4ml/dense_big_keras', 'qonnx-data/mnist-conv', 'polygraphy/conv', 'polygraphy/sparse_conv',
  'derived-hls4ml-keras/KERAS_3layer_70pruned_retrained',
];

describe.skipIf(!HAVE_SHARED)('float reference vs stored reference outputs', () => {
  for (const m of WITH_DATA) {
    it(`${m}: imported graph and canonical graph (after passes) both match`, () => {
      const loaded = loadModel(modelPath(m));
      const graphs = { imported: inferAndFold(loaded.graph).graph, canonical: runPipeline(loaded.graph).graph };
      for (const ds of testDataSets(m)) {
        for (const [which, g] of Object.entries(graphs)) {
          const r = runFloat(g, ds.inputs.map((t) => t.data));
          ds.outputs.forEach((want, k) => {
            expect(toleranceRatio(r.outputs[k].data, want.data, 1e-4, 1e-5), `${which} output ${k}`).toBeLessThanOrEqual(1);
          });
        }
      }
    });
  }
});

describe.skipIf(!HAVE_SHARED)('dsodenet-digits float reference', () => {
  const dir = path.join(SHARED_MODELS, 'dsodenet-digits');
  it('matches the PyTorch logits and reaches the stated 97.5% accuracy', () => {
    const g = runPipeline(loadModel(path.join(dir, 'model.onnx')).graph).graph;
    const x = readNpy(path.join(dir, 'test_x.npy'));
    const ref = readNpy(path.join(dir, 'test_ref.npy'));
    const y = readNpy(path.join(dir, 'test_y.npy'));
    const n = x.shape[0];
    const per = x.data.length / n;
    let correct = 0;
    let worst = 0;
    for (let s = 0; s < n; s++) {
      const out = runFloat(g, [x.data.subarray(s * per, (s + 1) * per)]).outputs[0].data;
      worst = Math.max(worst, toleranceRatio(out, ref.data.subarray(s * 10, s * 10 + 10), 1e-4, 1e-4));
      let best = 0;
      for (let k = 1; k < 10; k++) if (out[k] > out[best]) best = k;
      if (best === y.data[s]) correct++;
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(correct / n).toBeCloseTo(0.975, 3);
  });

  it('matches ONNX Runtime run on the same inputs', async () => {
    const file = path.join(dir, 'model.onnx');
    const session = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'disabled' });
    const g = inferAndFold(loadModel(file).graph).graph;
    const x = readNpy(path.join(dir, 'test_x.npy'));
    const per = 256;
    for (let s = 0; s < 24; s++) {
      const sample = x.data.subarray(s * per, (s + 1) * per);
      const res = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(sample), [1, 1, 16, 16]) });
      const want = res[session.outputNames[0]].data as Float32Array;
      expect(toleranceRatio(runFloat(g, [sample]).outputs[0].data, want, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
    }
  });
});

if (!(HAVE_SHARED)) describe('float reference', () => {
  it.skip(`skipped: ${SKIP_REASON}`, () => {});
});
