/**
 * QLinearConv and QLinearMatMul in hardware: in a model quantized the way ONNX Runtime does it
 * (float → QuantizeLinear → QLinear op → DequantizeLinear), the design's integer outputs equal ONNX Runtime's
 * exactly (away from rounding ties of the requantization), and g++ running the emitted C++ equals the simulator.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { compileModel } from '../../src/compile.js';
import { simulateSample } from '../../sim/simulate.js';
import { runFloat } from '../../src/reference.js';
import { buildModel, values, type ModelSpec } from '../support/onnx-builder.js';
import { csimSamples, rng } from '../support/harness.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-qlinear-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const U8 = 2;
const I8 = 3;
const I32 = 6;

function ints(n: number, seed: number, lo: number, hi: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => lo + Math.floor(r() * (hi - lo + 1)));
}

const models: [string, ModelSpec, number[]][] = [
  ['QLinearConv, uint8 activations, per-channel int8 weights, bias', {
    inputs: [{ name: 'x', dims: [1, 2, 5, 5] }], outputs: [{ name: 'y' }], opset: 13,
    initializers: [
      { name: 'xs', dims: [], values: [Math.fround(0.02)] }, { name: 'xz', dims: [], values: [128], type: U8 },
      // |w| ≤ 64: on AVX2 CPUs without VNNI, ONNX Runtime's u8·s8 kernel sums product pairs in saturating int16
      // (vpmaddubsw), so 255·100 + 255·100 clips and its answer depends on the machine; 2·255·64 < 2^15 does not.
      { name: 'w', dims: [3, 2, 3, 3], values: ints(54, 1, -64, 64), type: I8 },
      { name: 'ws', dims: [3], values: [0.004, 0.007, 0.0031].map(Math.fround) }, { name: 'wz', dims: [3], values: [0, 0, 0], type: I8 },
      { name: 'b', dims: [3], values: [150, -320, 47], type: I32 },
      { name: 'ys', dims: [], values: [Math.fround(0.05)] }, { name: 'yz', dims: [], values: [120], type: U8 },
    ],
    nodes: [
      { op: 'QuantizeLinear', inputs: ['x', 'xs', 'xz'], outputs: ['xq'] },
      { op: 'QLinearConv', inputs: ['xq', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz', 'b'], outputs: ['yq'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'DequantizeLinear', inputs: ['yq', 'ys', 'yz'], outputs: ['y'] },
    ],
  }, [1, 2, 5, 5]],
  ['QLinearMatMul, uint8 activations and weights with zero points (the form ONNX Runtime implements)', {
    inputs: [{ name: 'x', dims: [1, 6] }], outputs: [{ name: 'y' }], opset: 13,
    initializers: [
      { name: 'xs', dims: [], values: [Math.fround(0.03)] }, { name: 'xz', dims: [], values: [125], type: U8 },
      { name: 'w', dims: [6, 4], values: ints(24, 2, 0, 255), type: U8 },
      { name: 'ws', dims: [], values: [Math.fround(0.011)] }, { name: 'wz', dims: [], values: [131], type: U8 },
      { name: 'ys', dims: [], values: [Math.fround(0.08)] }, { name: 'yz', dims: [], values: [105], type: U8 },
    ],
    nodes: [
      { op: 'QuantizeLinear', inputs: ['x', 'xs', 'xz'], outputs: ['xq'] },
      { op: 'QLinearMatMul', inputs: ['xq', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz'], outputs: ['yq'] },
      { op: 'DequantizeLinear', inputs: ['yq', 'ys', 'yz'], outputs: ['y'] },
    ],
  }, [1, 6]],
];

describe('QLinear operators in hardware', () => {
  for (const [label, spec, shape] of models) {
    it(`${label}: ONNX Runtime = float reference = simulator (integers), g++ = simulator`, async () => {
      const file = path.join(dir, `${label.split(',')[0]}.onnx`);
      buildModel(spec, file);
      const session = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'disabled' });
      const c = compileModel(file);
      const n = shape.reduce((a, b) => a * b, 1);
      const samples: number[][][] = [];
      for (let s = 0; s < 8; s++) samples.push([values(n, 40 + s, 2.4).map((v) => Math.round(v * 1024) / 1024)]);
      for (const [x] of samples) {
        const res = await session.run({ x: new ort.Tensor('float32', Float32Array.from(x), shape) });
        const want = res[session.outputNames[0]].data as Float32Array;
        const ref = runFloat(c.reference, [x]).outputs[0].data;
        expect(Array.from(ref)).toEqual(Array.from(want));
        const yq = Object.values(c.design.tensors).find((t) => t.onnxName === 'yq')!;
        const sim = simulateSample(c.design, [x], { trace: true });
        const refQ = runFloat(c.reference, [x], { trace: true }).values!.get('yq')!.data;
        expect(Array.from(sim.trace!.get(yq.name)!)).toEqual(Array.from(refQ));
      }
      const csim = await csimSamples(c.design, samples);
      samples.forEach((x, i) => expect(Array.from(csim[i][0])).toEqual(Array.from(simulateSample(c.design, x).outputs[0])));
    });
  }
});
