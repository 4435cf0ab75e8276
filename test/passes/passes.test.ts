/**
 * Passes on hand-built graphs: each rewrite happens when it is safe, is refused (and said so) when it is not,
 * leaves its input graph untouched, and the rewritten graph computes what ONNX Runtime computes on the original.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel } from '../../src/onnx/load.js';
import { runPipeline } from '../../src/passes/pipeline.js';
import { inferAndFold } from '../../src/passes/infer.js';
import { foldBatchNorm } from '../../src/passes/batchnorm.js';
import { runFloat } from '../../src/reference.js';
import { numel } from '../../src/ir/graph.js';
import { buildModel, values, type ModelSpec } from '../support/onnx-builder.js';
import { toleranceRatio } from '../support/models.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-passes-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
/** Writes the model, runs the pipeline, checks the canonical graph against ONNX Runtime; returns the result. */
async function checkAgainstOrt(spec: ModelSpec) {
  const file = path.join(dir, `m${counter++}.onnx`);
  buildModel(spec, file);
  const loaded = loadModel(file);
  const before = JSON.stringify([...loaded.graph.nodes]);
  const result = runPipeline(loaded.graph);
  expect(JSON.stringify([...loaded.graph.nodes]), 'passes must not mutate their input').toBe(before);
  const session = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'disabled' });
  const feeds: Record<string, ort.Tensor> = {};
  const inputs = loaded.graph.inputs.map((vi, i) => {
    const data = Float32Array.from(values(numel(vi.shape), 100 + i, 2));
    feeds[vi.name] = new ort.Tensor('float32', data, [...vi.shape]);
    return data;
  });
  const want = await session.run(feeds);
  const got = runFloat(result.graph, inputs);
  session.outputNames.forEach((n, k) => {
    expect(toleranceRatio(got.outputs[k].data, want[n].data as Float32Array, 1e-5, 1e-5), `output ${n}`).toBeLessThanOrEqual(1);
  });
  return result;
}

const ops = (r: { graph: { nodes: readonly { op: string }[] } }) => r.graph.nodes.map((n) => n.op);

function bn(name: string, input: string, output: string, c: number, seed: number) {
  return {
    inits: [
      { name: `${name}_g`, dims: [c], values: values(c, seed, 1).map((v) => 1 + v) },
      { name: `${name}_b`, dims: [c], values: values(c, seed + 1) },
      { name: `${name}_m`, dims: [c], values: values(c, seed + 2) },
      { name: `${name}_v`, dims: [c], values: values(c, seed + 3).map((v) => 0.5 + Math.abs(v)) },
    ],
    node: { op: 'BatchNormalization', inputs: [input, `${name}_g`, `${name}_b`, `${name}_m`, `${name}_v`], outputs: [output], name, attrs: { epsilon: { float: 1e-3 } } },
  };
}

describe('foldBatchNorm', () => {
  it('folds BN into the preceding Conv, then fuses the Relu', async () => {
    const b = bn('bn', 'c', 'n', 4, 10);
    const r = await checkAgainstOrt({
      inputs: [{ name: 'x', dims: ['N', 2, 5, 5] }], outputs: [{ name: 'y' }],
      initializers: [{ name: 'W', dims: [4, 2, 3, 3], values: values(72, 2) }, ...b.inits],
      nodes: [{ op: 'Conv', inputs: ['x', 'W'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } }, b.node, { op: 'Relu', inputs: ['n'], outputs: ['y'] }],
    });
    expect(ops(r)).toEqual(['Conv']);
    expect(r.log.find((l) => l.startsWith('foldBatchNorm'))).toBe('foldBatchNorm: 1 folded');
  });

  it('keeps BN as scale+shift when its input has another reader, and says why', async () => {
    const b = bn('bn2', 'c', 'n', 3, 20);
    const r = await checkAgainstOrt({
      inputs: [{ name: 'x', dims: ['N', 3, 4, 4] }], outputs: [{ name: 'y' }],
      initializers: [{ name: 'W', dims: [3, 3, 1, 1], values: values(9, 3) }, ...b.inits],
      nodes: [{ op: 'Conv', inputs: ['x', 'W'], outputs: ['c'] }, b.node, { op: 'Add', inputs: ['n', 'c'], outputs: ['y'] }],
    });
    expect(ops(r)).toEqual(['Conv', 'Mul', 'Add', 'Add']);
    expect(r.log.find((l) => l.startsWith('foldBatchNorm'))).toMatch(/1 kept as scale\+shift \('bn2': input from Conv/);
  });

  it('keeps BN on a graph input as scale+shift', async () => {
    const b = bn('bn3', 'x', 'y', 2, 30);
    const r = await checkAgainstOrt({ inputs: [{ name: 'x', dims: ['N', 2, 3] }], outputs: [{ name: 'y' }], initializers: b.inits, nodes: [b.node] });
    expect(ops(r)).toEqual(['Mul', 'Add']);
  });

  it('is pure: returns a new graph and leaves the old one as it was', () => {
    const b = bn('bn4', 'c', 'y', 2, 40);
    const file = path.join(dir, 'pure.onnx');
    buildModel({ inputs: [{ name: 'x', dims: [1, 2, 3, 3] }], outputs: [{ name: 'y' }], initializers: [{ name: 'W', dims: [2, 2, 1, 1], values: values(4, 4) }, ...b.inits], nodes: [{ op: 'Conv', inputs: ['x', 'W'], outputs: ['c'] }, b.node] }, file);
    const g = inferAndFold(loadModel(file).graph).graph;
    const snapshot = JSON.stringify({ n: g.nodes, c: [...g.constants.keys()] });
    const r = foldBatchNorm(g);
    expect(r.graph).not.toBe(g);
    expect(JSON.stringify({ n: g.nodes, c: [...g.constants.keys()] })).toBe(snapshot);
  });
});

describe('toDense and foldBias', () => {
  type GemmAttrs = { transB?: number; alpha?: { float: number }; beta?: { float: number } };
  const gemmCases: [string, GemmAttrs, number[]][] = [
    ['transB, bias [N]', { transB: 1 }, [3]],
    ['alpha and beta, bias [1,N]', { alpha: { float: 0.5 }, beta: { float: 2 } }, [1, 3]],
    ['scalar C', { transB: 1, beta: { float: -1 } }, []],
  ];
  for (const [label, attrs, cDims] of gemmCases) {
    it(`Gemm with ${label} becomes Dense`, async () => {
      const transB = attrs.transB === 1;
      const r = await checkAgainstOrt({
        inputs: [{ name: 'x', dims: ['N', 5] }], outputs: [{ name: 'y' }],
        initializers: [{ name: 'B', dims: transB ? [3, 5] : [5, 3], values: values(15, 5) }, { name: 'C', dims: cDims, values: values(numel(cDims), 6) }],
        nodes: [{ op: 'Gemm', inputs: ['x', 'B', 'C'], outputs: ['y'], attrs }],
      });
      expect(ops(r)).toEqual(['Dense']);
    });
  }

  it('MatMul + Add(bias) + Relu becomes one Dense with relu', async () => {
    const r = await checkAgainstOrt({
      inputs: [{ name: 'x', dims: ['N', 6] }], outputs: [{ name: 'y' }],
      initializers: [{ name: 'W', dims: [6, 4], values: values(24, 7) }, { name: 'b', dims: [4], values: values(4, 8) }],
      nodes: [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['h'] }, { op: 'Add', inputs: ['b', 'h'], outputs: ['z'] }, { op: 'Relu', inputs: ['z'], outputs: ['y'] }],
    });
    expect(ops(r)).toEqual(['Dense']);
  });

  it('Conv + per-channel Add becomes the conv bias (CNTK style)', async () => {
    const r = await checkAgainstOrt({
      inputs: [{ name: 'x', dims: ['N', 1, 6, 6] }], outputs: [{ name: 'y' }],
      initializers: [{ name: 'W', dims: [3, 1, 3, 3], values: values(27, 9) }, { name: 'b', dims: [3, 1, 1], values: values(3, 10) }],
      nodes: [{ op: 'Conv', inputs: ['x', 'W'], outputs: ['c'], attrs: { auto_pad: 'SAME_UPPER' } }, { op: 'Add', inputs: ['c', 'b'], outputs: ['y'] }],
    });
    expect(ops(r)).toEqual(['Conv']);
  });

  it('does not fold an Add whose constant varies along other axes', async () => {
    const r = await checkAgainstOrt({
      inputs: [{ name: 'x', dims: ['N', 1, 4, 4] }], outputs: [{ name: 'y' }],
      initializers: [{ name: 'W', dims: [2, 1, 1, 1], values: values(2, 11) }, { name: 'b', dims: [2, 4, 4], values: values(32, 12) }],
      nodes: [{ op: 'Conv', inputs: ['x', 'W'], outputs: ['c'] }, { op: 'Add', inputs: ['c', 'b'], outputs: ['y'] }],
    });
    expect(ops(r)).toEqual(['Conv', 'Add']);
  });
});

describe('absorbLayoutTranspose, removeIdentity, fuseActivation', () => {
  it('absorbs the Keras NHWC transpose before Flatten into the Dense weights', async () => {
    const r = await checkAgainstOrt({
      opset: 9,
      inputs: [{ name: 'x', dims: [1, 3, 4, 2] }], outputs: [{ name: 'y' }],
      initializers: [{ name: 'W', dims: [2, 3, 1, 1], values: values(6, 13) }, { name: 'D', dims: [16, 5], values: values(80, 14) }],
      nodes: [
        { op: 'Conv', inputs: ['x', 'W'], outputs: ['c'] },
        { op: 'Transpose', inputs: ['c'], outputs: ['t'], attrs: { perm: [0, 2, 3, 1] } },
        { op: 'Identity', inputs: ['t'], outputs: ['i'] },
        { op: 'Flatten', inputs: ['i'], outputs: ['f'], attrs: { axis: 1 } },
        { op: 'MatMul', inputs: ['f', 'D'], outputs: ['y'] },
      ],
    });
    expect(ops(r)).toEqual(['Conv', 'Flatten', 'Dense']);
  });

  it('removes a Transpose pair that cancels', async () => {
    const r = await checkAgainstOrt({
      inputs: [{ name: 'x', dims: [1, 2, 3, 4] }], outputs: [{ name: 'y' }],
      nodes: [
        { op: 'Transpose', inputs: ['x'], outputs: ['a'], attrs: { perm: [0, 2, 3, 1] } },
        { op: 'Transpose', inputs: ['a'], outputs: ['b'], attrs: { perm: [0, 3, 1, 2] } },
        { op: 'Relu', inputs: ['b'], outputs: ['y'] },
      ],
    });
    expect(ops(r)).toEqual(['Relu']);
  });

  it('fuses Clip (ReLU6, bounds as inputs) into a Conv, but not a Relu whose input is also a graph output', async () => {
    const r = await checkAgainstOrt({
      inputs: [{ name: 'x', dims: ['N', 2, 4, 4] }], outputs: [{ name: 'y' }, { name: 'c2' }, { name: 'z' }],
      initializers: [{ name: 'W', dims: [2, 2, 1, 1], values: values(4, 15, 4) }, { name: 'lo', dims: [], values: [0] }, { name: 'hi', dims: [], values: [6] }],
      nodes: [
        { op: 'Conv', inputs: ['x', 'W'], outputs: ['c'] },
        { op: 'Clip', inputs: ['c', 'lo', 'hi'], outputs: ['y'] },
        { op: 'Conv', inputs: ['x', 'W'], outputs: ['c2'] },
        { op: 'Relu', inputs: ['c2'], outputs: ['z'] },
      ],
    });
    expect(ops(r)).toEqual(['Conv', 'Conv', 'Relu']);
  });
});

describe('pruneChannels', () => {
  it('removes all-zero conv channels whose output is 0, keeps one whose bias makes it a non-zero constant', async () => {
    const w1 = values(4 * 2 * 9, 31);
    for (const o of [1, 3]) for (let i = 0; i < 18; i++) w1[o * 18 + i] = 0; // channels 1 and 3: all-zero weights
    const r = await checkAgainstOrt({
      inputs: [{ name: 'x', dims: ['N', 2, 5, 5] }], outputs: [{ name: 'y' }],
      initializers: [
        { name: 'W1', dims: [4, 2, 3, 3], values: w1 }, { name: 'B1', dims: [4], values: [0.1, 0, -0.2, 0.5] },
        { name: 'W2', dims: [3, 4, 3, 3], values: values(108, 32) },
      ],
      nodes: [
        { op: 'Conv', inputs: ['x', 'W1', 'B1'], outputs: ['c1'], attrs: { pads: [1, 1, 1, 1] } },
        { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
        { op: 'Conv', inputs: ['r1', 'W2'], outputs: ['y'], attrs: { pads: [1, 1, 1, 1] } },
      ],
    });
    // Channel 1 (bias 0) goes; channel 3 (relu(0.5) = 0.5 everywhere, but zero-padded at the borders) stays.
    expect(r.log.find((l) => l.startsWith('pruneChannels'))).toMatch(/'Conv_0': 1 of 4/);
    expect(r.graph.constants.get(r.graph.nodes[0].inputs[1])!.shape[0]).toBe(3);
  });

  it('folds constant dense channels into the bias of the next layer', async () => {
    const w = values(6 * 4, 33);
    for (let i = 0; i < 4; i++) w[i * 6 + 2] = 0; // MatMul W is [in][out]: output column 2 all zero
    const r = await checkAgainstOrt({
      inputs: [{ name: 'x', dims: ['N', 4] }], outputs: [{ name: 'y' }],
      initializers: [
        { name: 'W', dims: [4, 6], values: w }, { name: 'b', dims: [6], values: [0, 0.1, 0.7, -0.3, 0.2, 0] },
        { name: 'V', dims: [6, 3], values: values(18, 34) },
      ],
      nodes: [
        { op: 'MatMul', inputs: ['x', 'W'], outputs: ['h'] }, { op: 'Add', inputs: ['h', 'b'], outputs: ['z'] },
        { op: 'Relu', inputs: ['z'], outputs: ['a'] }, { op: 'MatMul', inputs: ['a', 'V'], outputs: ['y'] },
      ],
    });
    expect(r.log.find((l) => l.startsWith('pruneChannels'))).toMatch(/1 of 6/);
    expect(r.graph.constants.get(r.graph.nodes[0].inputs[1])!.shape).toEqual([5, 4]);
  });
});
