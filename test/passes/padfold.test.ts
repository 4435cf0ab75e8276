/**
 * foldPad: a zero constant Pad before Conv / AveragePool / MaxPool becomes the op's padding where that means the
 * same, and is kept where it would not (non-zero value, channel padding, reflect, MaxPool without a Relu before it,
 * AveragePool not counting its own pads). Either way the pipeline's graph computes what ONNX Runtime computes on
 * the original model, and the folded model builds into the same fixed-point result.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel } from '../../src/onnx/load.js';
import { runPipeline } from '../../src/passes/pipeline.js';
import { runFloat } from '../../src/reference.js';
import { numel } from '../../src/ir/graph.js';
import { buildModel, values, type ModelSpec, type NodeSpec } from '../support/onnx-builder.js';
import { toleranceRatio } from '../support/models.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-padfold-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const i64 = (name: string, vals: number[]) => ({ name, dims: [vals.length], values: vals, type: 7 });

/** x [1,2,5,6] → (Relu) → Pad(pads, value, mode) → op. */
function model(name: string, pads: number[], op: NodeSpec, opts: { relu?: boolean; value?: number; mode?: string; w?: number[] } = {}): ModelSpec {
  const wDims = opts.w ?? [3, 2, 3, 3];
  const nodes: NodeSpec[] = [];
  if (opts.relu) nodes.push({ name: 'relu', op: 'Relu', inputs: ['x'], outputs: ['r'] });
  const padIns = ['r', 'p', ...(opts.value !== undefined ? ['v'] : [])];
  if (!opts.relu) padIns[0] = 'x';
  nodes.push({ name: 'pad', op: 'Pad', inputs: padIns, outputs: ['xp'], attrs: opts.mode ? { mode: opts.mode } : {} });
  nodes.push({ name, ...op, inputs: ['xp', ...op.inputs], outputs: ['y'] });
  return {
    opset: 13, inputs: [{ name: 'x', dims: [1, 2, 5, 6] }], outputs: [{ name: 'y' }], nodes,
    initializers: [i64('p', pads), ...(opts.value !== undefined ? [{ name: 'v', dims: [], values: [opts.value] }] : []), { name: 'w', dims: wDims, values: values(numel(wDims), 3) }],
  };
}

const SPATIAL = [0, 0, 1, 2, 0, 0, 2, 0];
const conv: NodeSpec = { op: 'Conv', inputs: ['w'], outputs: [], attrs: { kernel_shape: [3, 3], pads: [1, 0, 0, 1] } };
const avg = (cip: number, pads = [0, 0, 0, 0]): NodeSpec => ({ op: 'AveragePool', inputs: [], outputs: [], attrs: { kernel_shape: [3, 2], count_include_pad: cip, pads } });
const max: NodeSpec = { op: 'MaxPool', inputs: [], outputs: [], attrs: { kernel_shape: [3, 3], strides: [2, 2] } };

const cases: { name: string; spec: ModelSpec; folds: boolean }[] = [
  { name: 'conv', spec: model('c', SPATIAL, conv), folds: true },
  { name: 'avgpool counting pads', spec: model('a', SPATIAL, avg(1, [1, 0, 0, 1])), folds: true },
  { name: 'avgpool without pads (switched to counting)', spec: model('a', SPATIAL, avg(0)), folds: true },
  { name: 'maxpool after relu', spec: model('m', SPATIAL, max, { relu: true }), folds: true },
  { name: 'avgpool not counting its own pads', spec: model('a', SPATIAL, avg(0, [1, 0, 0, 0])), folds: false },
  { name: 'maxpool without relu', spec: model('m', SPATIAL, max), folds: false },
  { name: 'non-zero value', spec: model('c', SPATIAL, conv, { value: 0.5 }), folds: false },
  { name: 'channel padding', spec: model('c', [0, 1, 0, 0, 0, 0, 0, 0], { ...conv, attrs: { kernel_shape: [1, 1] } }, { w: [2, 3, 1, 1] }), folds: false },
  { name: 'reflect', spec: model('c', SPATIAL, conv, { mode: 'reflect' }), folds: false },
];
describe('foldPad', () => {
  let k = 0;
  for (const c of cases) {
    it(`${c.folds ? 'folds' : 'keeps'} a Pad before ${c.name}, computing what ORT computes`, async () => {
      const file = path.join(dir, `m${k++}.onnx`);
      buildModel(c.spec, file);
      const g = loadModel(file).graph;
      const result = runPipeline(g);
      expect(result.graph.nodes.some((n) => n.op === 'Pad'), 'Pad left in the graph').toBe(!c.folds);
      expect(result.log.some((l) => l.startsWith(`foldPad: ${c.folds ? 1 : 0} `))).toBe(true);
      const session = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'disabled' });
      const x = Float32Array.from(values(numel(g.inputs[0].shape), 9, 2));
      const want = await session.run({ x: new ort.Tensor('float32', x, [...g.inputs[0].shape]) });
      const got = runFloat(result.graph, [x]).outputs[0];
      const w = want[session.outputNames[0]];
      expect([...got.shape]).toEqual(w.dims.map(Number));
      expect(toleranceRatio(got.data, w.data as Float32Array, 1e-5, 1e-6)).toBeLessThanOrEqual(1);
    });
  }
});
