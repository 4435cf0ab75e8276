/**
 * ConvTranspose: the float reference against ONNX's node tests (rtol 1e-3) and, for the variants those lack
 * (groups, depthwise, dilation, output_padding, every auto_pad, output_shape, 1-D, bias, fused Relu), against ONNX
 * Runtime on models built here; the same models through the fixed-point design (simulator) stay within the error
 * their format implies; 3-D is refused with FPGAC003. Expected values come from ONNX's test data and ORT.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { writeNpy } from '../../src/npy.js';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel } from '../../src/onnx/load.js';
import { compileModel } from '../../src/compile.js';
import { runFloat } from '../../src/reference.js';
import { simulateSample } from '../../sim/simulate.js';
import { DiagnosticError } from '../../src/diagnostics.js';
import { SHARED_MODELS, runNodeTestFloat, testDataSets, toleranceRatio } from '../support/models.js';
import { expectNearOrt } from '../support/ort.js';
import { buildModel, values, type ModelSpec, type NodeSpec } from '../support/onnx-builder.js';

const NODE_DIR = path.join(SHARED_MODELS, 'onnx-node');

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-convtranspose-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(NODE_DIR))('ConvTranspose: ONNX node tests, float reference', () => {
  const tests = existsSync(NODE_DIR) ? readdirSync(NODE_DIR).filter((d) => d.startsWith('test_convtranspose')).sort() : [];

  it('all 11 are counted: 10 match ONNX (rtol 1e-3), 3-D is refused with FPGAC003', () => {
    expect(tests.length).toBe(11);
    const outcome = tests.map((t) => {
      const m = loadModel(path.join(NODE_DIR, t, 'model.onnx'));
      try {
        for (const ds of testDataSets(path.join('onnx-node', t))) {
          const got = runNodeTestFloat(m.graph, ds);
          if (got[0].shape.join() !== ds.outputs[0].shape.join()) return `${t}: shape [${got[0].shape}] != [${ds.outputs[0].shape}]`;
          const r = toleranceRatio(got[0].data, ds.outputs[0].data, 1e-3, 1e-7);
          if (r > 1) return `${t}: off by ${r.toFixed(1)}x tolerance`;
        }
        return `${t}: pass`;
      } catch (e) {
        if (e instanceof DiagnosticError) return `${t}: ${e.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ')}`;
        throw e;
      }
    });
    expect(outcome).toEqual(tests.map((t) => (t === 'test_convtranspose_3d'
      ? `${t}: FPGAC003 3-D transposed convolutions are not supported (1-D and 2-D are)`
      : `${t}: pass`)));
  });
});

interface Variant {
  name: string;
  x: number[]; // input shape
  w: number[]; // ONNX weight shape [C_in, C_out/group, k...]
  bias?: boolean;
  relu?: boolean;
  /** A BatchNormalization after the ConvTranspose (before the Relu): folded into its weights and bias. */
  bn?: boolean;
  attrs: NodeSpec['attrs'];
}

const VARIANTS: Variant[] = [
  { name: 'stride 2, pads, output_padding, bias, relu', x: [1, 3, 5, 4], w: [3, 4, 3, 3], bias: true, relu: true, attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] } },
  { name: 'groups 2, strides 2x3, dilation 2x1, asymmetric pads', x: [1, 4, 4, 5], w: [4, 3, 3, 2], bias: true, attrs: { group: 2, strides: [2, 3], dilations: [2, 1], pads: [0, 2, 1, 0] } },
  { name: 'depthwise, stride 2, SAME_UPPER', x: [1, 3, 4, 4], w: [3, 1, 3, 3], bias: true, attrs: { group: 3, strides: [2, 2], auto_pad: 'SAME_UPPER' } },
  { name: 'depthwise multiplier 2, SAME_LOWER (odd total padding)', x: [1, 2, 4, 3], w: [2, 2, 3, 3], attrs: { group: 2, strides: [2, 2], auto_pad: 'SAME_LOWER' } },
  { name: 'SAME_UPPER, odd total padding', x: [1, 2, 3, 4], w: [2, 2, 3, 3], attrs: { strides: [2, 2], auto_pad: 'SAME_UPPER' } },
  { name: 'VALID, dilation 3x2, stride 2', x: [1, 2, 3, 3], w: [2, 2, 2, 3], bias: true, attrs: { strides: [2, 2], dilations: [3, 2], auto_pad: 'VALID' } },
  { name: 'output_shape, odd total padding', x: [1, 1, 3, 3], w: [1, 2, 2, 2], attrs: { strides: [2, 2], output_shape: [5, 4] } },
  { name: 'output_shape smaller, stride 3, dilation 2', x: [1, 2, 3, 3], w: [2, 2, 3, 3], bias: true, attrs: { strides: [3, 2], dilations: [2, 2], output_shape: [9, 8] } },
  { name: 'stride 2 kernel 2 (U-Net upsampling)', x: [1, 4, 3, 3], w: [4, 2, 2, 2], bias: true, relu: true, attrs: { strides: [2, 2] } },
  { name: '1-D: stride 3, dilation 2, pads, output_padding, bias', x: [1, 2, 7], w: [2, 3, 4], bias: true, attrs: { strides: [3], dilations: [2], pads: [2, 1], output_padding: [1] } },
  { name: '1-D depthwise, SAME_UPPER', x: [1, 2, 6], w: [2, 1, 3], attrs: { group: 2, strides: [2], auto_pad: 'SAME_UPPER' } },
  // BatchNormalization folded into the ConvTranspose: the per-output-channel scale follows the [C_in, C_out/group]
  // weight layout (groups 2 with 3 outputs each; a depthwise multiplier; no bias of its own).
  { name: 'groups 2 + BatchNormalization + relu (folded)', x: [1, 4, 3, 4], w: [4, 3, 3, 3], bias: true, bn: true, relu: true, attrs: { group: 2, strides: [2, 2], pads: [1, 1, 1, 1] } },
  { name: 'depthwise multiplier 2 + BatchNormalization, no bias (folded)', x: [1, 2, 4, 3], w: [2, 2, 2, 2], bn: true, attrs: { group: 2, strides: [2, 2] } },
  { name: '1-D + BatchNormalization (folded)', x: [1, 3, 5], w: [3, 2, 3], bias: true, bn: true, attrs: { strides: [2] } },
];

function modelOf(v: Variant): ModelSpec {
  const oc = v.w[1] * ((v.attrs?.group as number | undefined) ?? 1);
  const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const inits = [{ name: 'W', dims: v.w, values: values(n(v.w), 7 + v.w.length, 0.8) }];
  if (v.bias) inits.push({ name: 'B', dims: [oc], values: values(oc, 3, 0.5) });
  const nodes: NodeSpec[] = [{ op: 'ConvTranspose', inputs: ['x', 'W', ...(v.bias ? ['B'] : [])], outputs: [v.bn ? 'c' : v.relu ? 't' : 'y'], attrs: v.attrs }];
  if (v.bn) {
    inits.push({ name: 'gamma', dims: [oc], values: values(oc, 11, 0.6).map((g) => 1 + g) }, { name: 'beta', dims: [oc], values: values(oc, 12, 0.5) },
      { name: 'mean', dims: [oc], values: values(oc, 13, 0.3) }, { name: 'var', dims: [oc], values: values(oc, 14, 0.4).map((s) => 0.5 + Math.abs(s)) });
    nodes.push({ op: 'BatchNormalization', inputs: ['c', 'gamma', 'beta', 'mean', 'var'], outputs: [v.relu ? 't' : 'y'] });
  }
  if (v.relu) nodes.push({ op: 'Relu', inputs: ['t'], outputs: ['y'] });
  return { inputs: [{ name: 'x', dims: v.x }], outputs: [{ name: 'y' }], initializers: inits, nodes, opset: 17 };
}

describe('ConvTranspose variants vs ONNX Runtime', () => {
  for (const v of VARIANTS) {
    it(`${v.name}: float reference = ORT (1e-5 relative), fixed point close`, async () => {
      const file = path.join(dir, `${v.name.replace(/[^a-z0-9]+/gi, '_')}.onnx`);
      buildModel(modelOf(v), file);
      const c = compileModel(file, { precision: 'ap_fixed<24,8,AP_RND_CONV,AP_SAT>' });
      if (v.relu || v.bn) expect(c.design.layers.map((l) => l.kind)).toEqual(['convtranspose2d']); // Relu fused, BN folded
      // 12 fraction bits on inputs and weights (no per-channel scaling): each of at most 24 products errs by
      // ~2·2^-13·2 (|x| ≤ 2, |w| ≤ 0.8), the output cast by 2^-17.
      await expectNearOrt(file, c, v.x, { seeds: [100, 101, 102], rtol: 1e-5, atol: 1e-6, worst: 0.01 });
    });
  }
});

describe('ConvTranspose refusals', () => {
  it('SAME_UPPER with a kernel smaller than the stride is refused (ONNX and ORT disagree on the size)', () => {
    const file = path.join(dir, 'same_small_kernel.onnx');
    buildModel(modelOf({ name: 'k<s', x: [1, 2, 3, 3], w: [2, 3, 1, 2], attrs: { strides: [2, 3], auto_pad: 'SAME_UPPER' } }), file);
    expect(() => compileModel(file)).toThrow(/FPGAC003|disagree/);
  });
});

describe('ConvTranspose with calibration (formats from values, per-channel weight precision)', () => {
  it('lowers with per-channel shifts and stays close to ORT', async () => {
    const v: Variant = { name: 'calibrated', x: [1, 3, 4, 4], w: [3, 4, 3, 3], bias: true, relu: true, attrs: { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] } };
    const spec = modelOf(v);
    // Channels of very different scales, so that per-channel precision has something to gain.
    const w = spec.initializers![0].values;
    spec.initializers![0].values = w.map((t, i) => t * [1, 1 / 8, 1 / 64, 1 / 3][Math.floor(i / 9) % 4]);
    const file = path.join(dir, 'calibrated.onnx');
    buildModel(spec, file);
    const n = 3 * 4 * 4;
    const xs = [0, 1, 2, 3].map((s) => values(n, 300 + s, 2).map((t) => Math.fround(t)));
    const cal = path.join(dir, 'calibrated.npy');
    writeNpy(cal, { shape: [xs.length, 3, 4, 4], data: Float64Array.from(xs.flat()) });
    const c = compileModel(file, { calibrate: [cal] });
    const layer = c.design.layers.find((l) => l.kind === 'convtranspose2d');
    expect(layer && 'shift' in layer && layer.shift).toBeTruthy();
    const session = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'disabled' });
    for (const x of xs) {
      const want = (await session.run({ x: new ort.Tensor('float32', Float32Array.from(x), v.x) }))[session.outputNames[0]].data as Float32Array;
      const sim = simulateSample(c.design, [x]).outputs[0];
      const scale = want.reduce((m, t) => Math.max(m, Math.abs(t)), 0);
      // 16-bit formats fitted to the calibrated ranges: about 2^-10 of the output's scale per value.
      for (let i = 0; i < sim.length; i++) expect(Math.abs(sim[i] - want[i])).toBeLessThan(scale * 2 ** -8);
    }
  });
});

describe('ConvTranspose in every opset form (1, 11, 22 share one form)', () => {
  for (const opset of [7, 11, 13, 22]) {
    it(`opset ${opset}: float reference = ORT`, async () => {
      const spec = { ...modelOf(VARIANTS[1]), opset };
      const bytes = buildModel(spec);
      const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
      const file = path.join(dir, `opset${opset}.onnx`);
      buildModel(spec, file);
      const c = compileModel(file);
      const x = values(VARIANTS[1].x.reduce((a, b) => a * b, 1), 9, 2).map((t) => Math.fround(t));
      const want = (await session.run({ x: new ort.Tensor('float32', Float32Array.from(x), VARIANTS[1].x) }))[session.outputNames[0]].data as Float32Array;
      expect(toleranceRatio(runFloat(c.reference, [x]).outputs[0].data, want, 1e-5, 1e-6)).toBeLessThanOrEqual(1);
    });
  }
});
