/**
 * 3-D Conv (lowered to depth-column gathers, one conv2d over row slabs with the model's weights stored once, a row
 * gather; src/ops/conv3d.ts): the float reference
 * against ONNX Runtime on models built here (strides, pads, dilations, groups, depthwise, bias, fused Relu,
 * auto_pad), the fixed-point design (simulator) close to ORT, the refusals, and one model end to end: `fpgac build`,
 * g++ `make csim` = `fpgac sim` bit for bit. The node tests have no 3-D Conv. Expected values come from ORT and g++.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli.js';
import { compileModel } from '../../src/compile.js';
import { writeNpy } from '../../src/npy.js';
import { expectCsimEqualsSim } from '../support/csim.js';
import { expectNearOrt } from '../support/ort.js';
import { buildModel, values, type ModelSpec, type NodeSpec } from '../support/onnx-builder.js';

const quiet = { out: () => {}, err: (s: string) => process.stderr.write(s + '\n') };

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-conv3d-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Variant {
  name: string;
  x: number[]; // [1, C, D, H, W]
  w: number[]; // [OC, C/group, KD, KH, KW]
  bias?: boolean;
  relu?: boolean;
  attrs: NodeSpec['attrs'];
}

const VARIANTS: Variant[] = [
  { name: 'plain 3x3x3, bias, relu', x: [1, 2, 4, 5, 5], w: [3, 2, 3, 3, 3], bias: true, relu: true, attrs: {} },
  { name: 'pads 1, strides 2x1x2, bias', x: [1, 2, 5, 4, 6], w: [4, 2, 3, 3, 3], bias: true, attrs: { pads: [1, 1, 1, 1, 1, 1], strides: [2, 1, 2] } },
  { name: 'groups 2, dilation 2x1x2, asymmetric pads', x: [1, 4, 6, 5, 5], w: [4, 2, 2, 3, 2], bias: true, attrs: { group: 2, dilations: [2, 1, 2], pads: [0, 1, 2, 2, 0, 1] } },
  { name: 'depthwise, SAME_UPPER, stride 2', x: [1, 3, 5, 5, 4], w: [3, 1, 3, 3, 3], attrs: { group: 3, strides: [2, 2, 2], auto_pad: 'SAME_UPPER' } },
  { name: 'kernel depth 1 (per-slice 2-D conv)', x: [1, 2, 3, 4, 4], w: [2, 2, 1, 3, 3], bias: true, attrs: { pads: [0, 1, 1, 0, 1, 1] } },
  { name: 'kernel depth = input depth (one output depth, no gather)', x: [1, 2, 3, 4, 4], w: [3, 2, 3, 2, 2], relu: true, attrs: {} },
  { name: 'depth pads only, SAME_LOWER', x: [1, 1, 4, 3, 3], w: [2, 1, 2, 2, 2], bias: true, attrs: { auto_pad: 'SAME_LOWER' } },
];

const n = (s: number[]) => s.reduce((a, b) => a * b, 1);

function modelOf(v: Variant): ModelSpec {
  const inits = [{ name: 'W', dims: v.w, values: values(n(v.w), 7 + v.w[2], 0.6) }];
  if (v.bias) inits.push({ name: 'B', dims: [v.w[0]], values: values(v.w[0], 3, 0.5) });
  const nodes: NodeSpec[] = [{ op: 'Conv', inputs: ['x', 'W', ...(v.bias ? ['B'] : [])], outputs: [v.relu ? 't' : 'y'], attrs: v.attrs }];
  if (v.relu) nodes.push({ op: 'Relu', inputs: ['t'], outputs: ['y'] });
  return { inputs: [{ name: 'x', dims: v.x }], outputs: [{ name: 'y' }], initializers: inits, nodes, opset: 17 };
}

describe('3-D Conv variants vs ONNX Runtime', () => {
  for (const v of VARIANTS) {
    it(`${v.name}: float reference = ORT (1e-5 relative), fixed point close`, async () => {
      const file = path.join(dir, `${v.name.replace(/[^a-z0-9]+/gi, '_')}.onnx`);
      buildModel(modelOf(v), file);
      const c = compileModel(file, { precision: 'ap_fixed<24,8,AP_RND_CONV,AP_SAT>' });
      const convs = c.design.layers.filter((l) => l.kind === 'conv2d');
      expect(convs.length).toBe(1);
      expect(c.design.layers.length).toBeLessThanOrEqual(4); // [depth pads,] columns, conv2d, rows
      expect(convs[0].kind === 'conv2d' && convs[0].weight.raw.length).toBe(n(v.w)); // weights stored once
      if (v.relu) expect(convs[0].kind === 'conv2d' && convs[0].act.kind).toBe('relu'); // fused into the one cast
      // 16 fraction bits on inputs and weights: each of at most 54 products errs by ~2·2^-17·2, the cast 2^-17.
      await expectNearOrt(file, c, v.x, { seeds: [100, 101], rtol: 1e-5, atol: 1e-5, worst: 0.005 });
    });
  }
});

describe('3-D Conv in a graph: a zero Pad folded into its pads, BatchNormalization folded into its weights', () => {
  it('float reference = ORT; fixed point close; still one conv2d', async () => {
    const X = [1, 2, 3, 4, 4];
    const spec: ModelSpec = {
      inputs: [{ name: 'x', dims: X }], outputs: [{ name: 'y' }], opset: 17,
      initializers: [
        { name: 'pads', dims: [10], values: [0, 0, 1, 1, 0, 0, 0, 1, 0, 1], type: 7 },
        { name: 'W', dims: [3, 2, 3, 2, 3], values: values(108, 61, 0.6) },
        { name: 'g', dims: [3], values: [1.5, 0.5, -1] }, { name: 'b', dims: [3], values: [0.1, -0.2, 0.3] },
        { name: 'm', dims: [3], values: [0.2, 0, -0.1] }, { name: 'v', dims: [3], values: [1, 2, 0.5] },
      ],
      nodes: [
        { op: 'Pad', inputs: ['x', 'pads'], outputs: ['xp'] },
        { op: 'Conv', inputs: ['xp', 'W'], outputs: ['c'], attrs: { strides: [1, 2, 1] } },
        { op: 'BatchNormalization', inputs: ['c', 'g', 'b', 'm', 'v'], outputs: ['y'] },
      ],
    };
    const file = path.join(dir, 'pad_bn.onnx');
    buildModel(spec, file);
    const c = compileModel(file, { precision: 'ap_fixed<24,8,AP_RND_CONV,AP_SAT>' });
    expect(c.design.layers.filter((l) => l.kind === 'conv2d').length).toBe(1);
    expect(c.design.layers.some((l) => l.kind === 'eltwise')).toBe(false); // BN folded
    await expectNearOrt(file, c, X, { seeds: [77], rtol: 1e-5, atol: 1e-5, worst: 0.01 });
  });
});

describe('3-D Conv refusals', () => {
  it('output depth × kernel depth above 256 is refused with FPGAC003 and the reason', () => {
    const file = path.join(dir, 'deep.onnx');
    buildModel(modelOf({ name: 'deep', x: [1, 1, 200, 2, 2], w: [1, 1, 3, 1, 1], attrs: { pads: [1, 0, 0, 1, 0, 0] } }), file);
    expect(() => compileModel(file)).toThrow(/FPGAC003.*200 × kernel depth 3 = 600 depth taps \(at most 256\)/s);
  });
  it('3-D ConvTranspose stays refused', () => {
    const file = path.join(dir, 'ct3d.onnx');
    buildModel({ inputs: [{ name: 'x', dims: [1, 1, 2, 2, 2] }], outputs: [{ name: 'y' }], opset: 17, initializers: [{ name: 'W', dims: [1, 1, 2, 2, 2], values: values(8, 1, 0.5) }], nodes: [{ op: 'ConvTranspose', inputs: ['x', 'W'], outputs: ['y'] }] }, file);
    expect(() => compileModel(file)).toThrow(/FPGAC003/);
  });
});

describe('3-D Conv end to end', () => {
  it('build; make csim = fpgac sim bit for bit (stride, pads, groups, relu, saturating default format)', async () => {
    const X = [1, 2, 4, 4, 4];
    const spec: ModelSpec = {
      inputs: [{ name: 'x', dims: X }], outputs: [{ name: 'y' }], opset: 17,
      initializers: [
        { name: 'W1', dims: [4, 1, 3, 3, 3], values: values(108, 21, 0.9) }, { name: 'B1', dims: [4], values: values(4, 22, 0.5) },
        { name: 'W2', dims: [3, 4, 2, 1, 2], values: values(48, 23, 0.7) },
      ],
      nodes: [
        { op: 'Conv', inputs: ['x', 'W1', 'B1'], outputs: ['c1'], attrs: { group: 2, pads: [1, 1, 1, 1, 1, 1] } },
        { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
        { op: 'Conv', inputs: ['r1', 'W2'], outputs: ['y'], attrs: { strides: [2, 1, 2], dilations: [1, 1, 2] } },
      ],
    };
    const model = path.join(dir, 'e2e.onnx');
    buildModel(spec, model);
    // Large inputs, so the default ap_fixed<16,6> saturates on some outputs too.
    const samples = [0, 1].map((s) => values(n(X), 700 + s, 12).map(Math.fround));
    const prj = path.join(dir, 'prj');
    expect(await main(['node', 'fpgac', 'build', model, '-o', prj], quiet)).toBe(0);
    const input = path.join(dir, 'x.npy');
    writeNpy(input, { shape: [samples.length, ...X.slice(1)], data: Float64Array.from(samples.flat()) });
    await expectCsimEqualsSim(prj, [input], { work: dir });
  }, 300_000);
});
