// QONNX channels-last ops (domain qonnx.custom_op.channels_last): Conv (2-D and 1-D, grouped, strided, asymmetric
// padding), BatchNormalization and MaxPool on NHWC data, checked against an NHWC convolution written here in float; the Transposes import
// adds cancel between consecutive channels-last ops; g++ gives the simulator's bits.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileModel } from '../../src/compile.js';
import { runFloat } from '../../src/reference.js';
import { simulateSample } from '../../sim/simulate.js';
import { buildModel, values, type ModelSpec } from '../support/onnx-builder.js';
import { csimSamples, expectSameOutputs, simulateSamples } from '../support/harness.js';

const CL = 'qonnx.custom_op.channels_last';
const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

interface ConvAttrs { k: number[]; s: number[]; d: number[]; pads: number[]; group: number }

/**
 * Channels-last convolution in float: x [H][W][C] (batch 1; H = 1 for 1-D), weight [OC][kH][kW][C/group], out
 * [OH][OW][OC]. pads = [top, left, bottom, right] (1-D: [left, right]).
 */
function nhwcConv(x: number[], [h, w, c]: number[], wt: number[], oc: number, b: number[], a: ConvAttrs): { y: number[]; shape: number[] } {
  const oneD = a.k.length === 1;
  const [kh, kw] = oneD ? [1, a.k[0]] : a.k;
  const [sh, sw] = oneD ? [1, a.s[0]] : a.s;
  const [dh, dw] = oneD ? [1, a.d[0]] : a.d;
  const [pt, pl, pb, pr] = oneD ? [0, a.pads[0], 0, a.pads[1]] : a.pads;
  const oh = Math.floor((h + pt + pb - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + pl + pr - dw * (kw - 1) - 1) / sw) + 1;
  const cpg = c / a.group;
  const opg = oc / a.group;
  const y: number[] = [];
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      for (let o = 0; o < oc; o++) {
        const g = Math.floor(o / opg);
        let s = b[o];
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            const iy = oy * sh - pt + ky * dh;
            const ix = ox * sw - pl + kx * dw;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            for (let ic = 0; ic < cpg; ic++) s += wt[((o * kh + ky) * kw + kx) * cpg + ic] * x[(iy * w + ix) * c + g * cpg + ic];
          }
        }
        y.push(s);
      }
    }
  }
  return { y, shape: [oh, ow, oc] };
}

/** Channels-last max pool, stride 1, no padding: x [H][W][C]. */
function nhwcMaxPool(x: number[], [h, w, c]: number[], k: number): { y: number[]; shape: number[] } {
  const y: number[] = [];
  for (let oy = 0; oy + k <= h; oy++) {
    for (let ox = 0; ox + k <= w; ox++) {
      for (let ch = 0; ch < c; ch++) {
        let m = -Infinity;
        for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) m = Math.max(m, x[((oy + ky) * w + ox + kx) * c + ch]);
        y.push(m);
      }
    }
  }
  return { y, shape: [h - k + 1, w - k + 1, c] };
}

const A1: ConvAttrs = { k: [3, 3], s: [1, 1], d: [1, 1], pads: [1, 1, 1, 1], group: 1 };
const A2: ConvAttrs = { k: [3, 3], s: [2, 2], d: [1, 1], pads: [0, 1, 1, 0], group: 4 };
const A3: ConvAttrs = { k: [3], s: [2], d: [2], pads: [2, 1], group: 1 };
const convAttrs = (a: ConvAttrs) => ({ kernel_shape: a.k, strides: a.s, dilations: a.d, pads: a.pads, group: a.group });

const W1 = { name: 'w1', dims: [8, 3, 3, 3], values: values(8 * 27, 1, 0.5) };
const B1 = { name: 'b1', dims: [8], values: values(8, 2, 0.2) };
const W2 = { name: 'w2', dims: [8, 3, 3, 2], values: values(8 * 18, 3, 0.5) };
const B2 = { name: 'b2', dims: [8], values: values(8, 4, 0.2) };
const W3 = { name: 'w3', dims: [5, 3, 4], values: values(5 * 12, 5, 0.5) };
const B3 = { name: 'b3', dims: [5], values: values(5, 6, 0.2) };

const G = { name: 'g', dims: [8], values: values(8, 7, 0.5).map((v) => 1 + v) };
const BB = { name: 'bb', dims: [8], values: values(8, 8, 0.3) };
const MU = { name: 'mu', dims: [8], values: values(8, 9, 0.3) };
const VAR = { name: 'var', dims: [8], values: values(8, 10, 0.4).map((v) => 1 + v) };

/** Channels-last BatchNormalization (inference, epsilon 1e-5): per channel, the last axis. */
function nhwcBatchNorm(x: number[], c: number): number[] {
  return x.map((v, i) => {
    const k = i % c;
    return ((v - MU.values[k]) / Math.sqrt(VAR.values[k] + 1e-5)) * G.values[k] + BB.values[k];
  });
}

const MODEL: ModelSpec = {
  opset: 13,
  inputs: [{ name: 'x', dims: [1, 6, 7, 3] }, { name: 'v', dims: [1, 9, 4] }],
  outputs: [{ name: 'y' }, { name: 'z' }],
  nodes: [
    { name: 'c1', op: 'Conv', domain: CL, inputs: ['x', 'w1', 'b1'], outputs: ['f1'], attrs: convAttrs(A1) },
    { name: 'c2', op: 'Conv', domain: CL, inputs: ['f1', 'w2', 'b2'], outputs: ['f2'], attrs: convAttrs(A2) },
    { name: 'bn', op: 'BatchNormalization', domain: CL, inputs: ['f2', 'g', 'bb', 'mu', 'var'], outputs: ['f3'] },
    { name: 'mp', op: 'MaxPool', domain: CL, inputs: ['f3'], outputs: ['y'], attrs: { kernel_shape: [2, 2], strides: [1, 1], pads: [0, 0, 0, 0] } },
    { name: 'c3', op: 'Conv', domain: CL, inputs: ['v', 'w3', 'b3'], outputs: ['z'], attrs: convAttrs(A3) },
  ],
  initializers: [W1, B1, W2, B2, W3, B3, G, BB, MU, VAR],
};

function formula(x: number[], v: number[]): { y: number[]; z: number[] } {
  const f1 = nhwcConv(x, [6, 7, 3], W1.values, 8, B1.values, A1);
  const f2 = nhwcConv(f1.y, f1.shape, W2.values, 8, B2.values, A2);
  const y = nhwcMaxPool(nhwcBatchNorm(f2.y, 8), f2.shape, 2);
  expect(y.shape).toEqual([2, 2, 8]);
  const z = nhwcConv(v, [1, 9, 4], W3.values, 5, B3.values, A3);
  expect(z.shape).toEqual([1, 4, 5]);
  return { y: y.y, z: z.y };
}

describe('QONNX channels-last Conv, BatchNormalization and MaxPool', () => {
  it('equal an NHWC convolution in float, keep only the outer Transposes, and g++ gives the simulator\'s bits', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-cl-'));
    try {
      const model = path.join(tmp, 'cl.onnx');
      buildModel(MODEL, model);
      const c = compileModel(model);
      // The Transposes between c1, c2 and mp undo each other and are gone: one at each input and output.
      expect(c.design.layers.map((l) => l.kind)).toEqual(['transpose', 'conv2d', 'conv2d', 'pool2d', 'transpose', 'transpose', 'conv2d', 'transpose']);
      const samples: number[][][] = [];
      for (const seed of [7, 8]) {
        const x = values(numel([6, 7, 3]), seed, 2);
        const v = values(numel([9, 4]), seed + 10, 2);
        const want = formula(x, v);
        const ref = runFloat(c.reference, [x, v]).outputs;
        expect([...ref[0].shape]).toEqual([1, 2, 2, 8]);
        expect([...ref[1].shape]).toEqual([1, 4, 5]);
        want.y.forEach((w, i) => expect(ref[0].data[i]).toBeCloseTo(w, 9));
        want.z.forEach((w, i) => expect(ref[1].data[i]).toBeCloseTo(w, 9));
        // ap_fixed<16,6>: inputs and the hidden map rounded to 2^-11, two convs deep: within a few hundredths.
        const out = simulateSample(c.design, [x, v]).outputs;
        want.y.forEach((w, i) => expect(Math.abs(out[0][i] - w), `y[${i}]`).toBeLessThan(0.03));
        want.z.forEach((w, i) => expect(Math.abs(out[1][i] - w), `z[${i}]`).toBeLessThan(0.01));
        samples.push([x, v]);
      }
      expectSameOutputs(c.design, await csimSamples(c.design, samples), simulateSamples(c.design, samples));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('refuses a 5-D channels-last Conv with a coded diagnostic', () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-cl-'));
    try {
      const model = path.join(tmp, 'cl5.onnx');
      buildModel({
        opset: 13, inputs: [{ name: 'x', dims: [1, 2, 3, 4, 2] }], outputs: [{ name: 'y' }],
        nodes: [{ name: 'c', op: 'Conv', domain: CL, inputs: ['x', 'w'], outputs: ['y'], attrs: { kernel_shape: [1, 1, 1] } }],
        initializers: [{ name: 'w', dims: [2, 1, 1, 1, 2], values: [1, 2, 3, 4] }],
      }, model);
      expect(() => compileModel(model)).toThrow(/FPGAC003.*'c'.*3-D or 4-D input/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
