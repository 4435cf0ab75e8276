// Clip with runtime bounds (opset ≥ 11 inputs computed by the graph): the float reference against ONNX Runtime,
// the lowering to exact eltwise max/min layers, the fixed-point result against a float formula, and the simulator
// against g++ bit for bit.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { compileModel } from '../../src/compile.js';
import { runFloat } from '../../src/reference.js';
import { simulateSample } from '../../sim/simulate.js';
import { fracBits } from '../../sim/fixed.js';
import type { EltwiseLayer } from '../../src/ir/design.js';
import { buildModel, values, type ModelSpec } from '../support/onnx-builder.js';
import { toleranceRatio } from '../support/models.js';
import { csimSamples, expectSameOutputs, simulateSamples } from '../support/harness.js';

const SHAPE = [1, 3, 4, 5];
const N = 60;

/** y = Clip(x, lo, hi) with lo = 0.5·min(x) and hi = 0.5·max(x) (rank-0 scalars, as ONNX Runtime requires); z: only hi. */
const MODEL: ModelSpec = {
  opset: 13,
  inputs: [{ name: 'x', dims: SHAPE }],
  outputs: [{ name: 'y' }, { name: 'z' }, { name: 'u' }],
  nodes: [
    { name: 'rmin', op: 'ReduceMin', inputs: ['x'], outputs: ['mn'], attrs: { keepdims: 0 } },
    { name: 'rmax', op: 'ReduceMax', inputs: ['x'], outputs: ['mx'], attrs: { keepdims: 0 } },
    { name: 'lo', op: 'Mul', inputs: ['mn', 'half'], outputs: ['lo'] },
    { name: 'hi', op: 'Mul', inputs: ['mx', 'half'], outputs: ['hi'] },
    { name: 'clip', op: 'Clip', inputs: ['x', 'lo', 'hi'], outputs: ['y'] },
    { name: 'clip_hi', op: 'Clip', inputs: ['x', '', 'hi'], outputs: ['z'] },
    // A constant min with a runtime max.
    { name: 'clip_mixed', op: 'Clip', inputs: ['x', 'cmin', 'hi'], outputs: ['u'] },
  ],
  initializers: [{ name: 'half', dims: [], values: [0.5] }, { name: 'cmin', dims: [], values: [-0.25] }],
};

const clipRef = (x: ArrayLike<number>, lo: number, hi: number) => Array.from(x, (v) => Math.min(Math.max(v, lo), hi));

describe('Clip with runtime min/max', () => {
  it('matches ONNX Runtime, lowers to eltwise max/min, and g++ gives the simulator\'s bits', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-clip-'));
    try {
      const model = path.join(tmp, 'clip.onnx');
      buildModel(MODEL, model);
      const c = compileModel(model);
      const elt = c.design.layers.filter((l): l is EltwiseLayer => l.kind === 'eltwise' && (l.op === 'max' || l.op === 'min'));
      expect(elt.map((l) => `${l.name}:${l.op}`).sort()).toEqual(['clip:min', 'clip_hi:min', 'clip_max:max', 'clip_mixed:min', 'clip_mixed_max:max'].sort());
      const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'disabled' });
      const samples: number[][][] = [];
      for (const seed of [5, 6]) {
        const x = Float32Array.from(values(N, seed, 3));
        const r = await session.run({ x: new ort.Tensor('float32', x, SHAPE) });
        const ref = runFloat(c.reference, [x]).outputs;
        ['y', 'z', 'u'].forEach((k, i) => expect(toleranceRatio(ref[i].data, r[k].data as Float32Array, 1e-6, 1e-7)).toBeLessThanOrEqual(1));
        // Fixed point against the formula on the quantized input (the bounds are exact halves of input values).
        const xq = Array.from(simulateSample(c.design, [x], { trace: true }).trace!.get(c.design.inputs[0])!);
        const lo = 0.5 * Math.min(...xq), hi = 0.5 * Math.max(...xq);
        const out = simulateSample(c.design, [x]).outputs;
        const lsb = 2 ** -fracBits(c.design.tensors[c.design.outputs[0]].format);
        const want = [clipRef(xq, lo, hi), clipRef(xq, -Infinity, hi), clipRef(xq, -0.25, hi)];
        want.forEach((w, i) => w.forEach((v, j) => expect(Math.abs(out[i][j] - v), `output ${i} [${j}]`).toBeLessThanOrEqual(lsb / 2)));
        samples.push([Array.from(x)]);
      }
      expectSameOutputs(c.design, await csimSamples(c.design, samples), simulateSamples(c.design, samples));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('refuses a bound that is not a scalar', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-clip-'));
    try {
      const model = path.join(tmp, 'clip-bad.onnx');
      buildModel({
        opset: 13, inputs: [{ name: 'x', dims: SHAPE }, { name: 'lo', dims: [3] }], outputs: [{ name: 'y' }],
        nodes: [{ name: 'clip', op: 'Clip', inputs: ['x', 'lo'], outputs: ['y'] }],
      }, model);
      expect(() => compileModel(model)).toThrow(/FPGAC003.*clip.*min bound must be a scalar/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
