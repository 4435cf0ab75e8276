/**
 * Data-movement ops (Concat, Split, Slice, Pad, DepthToSpace, SpaceToDepth, Resize nearest, Upsample) in every
 * opset form, on models built here: fpgac's float reference against ONNX Runtime, and the same model compiled to
 * the fixed-point design and simulated. These ops only copy, so with inputs on the format's grid (multiples of
 * 2^-10, 16 fraction bits) the simulator must reproduce ORT's outputs exactly. Forms ORT does not run (Concat-1)
 * are compared with ORT on the equivalent newer form. Refused variants are checked for their coded diagnostics.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileModel } from '../../src/compile.js';
import { simulateSample } from '../../sim/simulate.js';
import { buildModel, type ModelSpec, type NodeSpec } from '../support/onnx-builder.js';
import { expectClose, expectRefused, f32, fpgacFloat, i64, inputsOf, ortRun } from '../support/opsets.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-movement-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  readonly name: string;
  readonly spec: ModelSpec;
  /** An equivalent model ORT runs, when it has no kernel for this form. */
  readonly ortSpec?: ModelSpec;
}

/** One node, runtime inputs `ins` (name → shape), constant initializers, `outs` outputs. */
function model(opset: number, ins: Record<string, number[]>, node: Omit<NodeSpec, 'inputs' | 'outputs'> & { inputs: string[]; outputs?: string[] }, inits: ModelSpec['initializers'] = []): ModelSpec {
  const outputs = node.outputs ?? ['y'];
  return {
    opset,
    inputs: Object.entries(ins).map(([name, dims]) => ({ name, dims })),
    outputs: outputs.map((name) => ({ name })),
    nodes: [{ name: 'n', ...node, outputs }],
    initializers: inits,
  };
}

const X = { x: [1, 3, 4, 5] };
const cases: Case[] = [
  // Concat: opset 1's default axis (1), several runtime inputs, a constant between them, negative axis.
  { name: 'concat-1 default axis', spec: model(1, { a: [1, 2, 3], b: [1, 4, 3] }, { op: 'Concat', inputs: ['a', 'b'] }), ortSpec: model(13, { a: [1, 2, 3], b: [1, 4, 3] }, { op: 'Concat', inputs: ['a', 'b'], attrs: { axis: 1 } }) },
  { name: 'concat-4 axis 2, three inputs', spec: model(4, { a: [1, 2, 3, 2], b: [1, 2, 3, 1], c: [1, 2, 3, 4] }, { op: 'Concat', inputs: ['a', 'b', 'c'], attrs: { axis: 3 } }) },
  { name: 'concat-13 with a constant', spec: model(13, { a: [1, 3, 2, 2], b: [1, 1, 2, 2] }, { op: 'Concat', inputs: ['a', 'k', 'b', 'a'], attrs: { axis: -3 } }, [f32('k', [0.5, -1.25, 2, 0.75, 1, 1, -3, 0.125], [1, 2, 2, 2])]) },
  // Split: attribute (2), equal parts (11), input (13), num_outputs with a smaller last part (18).
  { name: 'split-2 attribute', spec: model(2, X, { op: 'Split', inputs: ['x'], outputs: ['y0', 'y1'], attrs: { axis: 1, split: [1, 2] } }) },
  { name: 'split-11 equal, negative axis', spec: model(11, { x: [1, 2, 6] }, { op: 'Split', inputs: ['x'], outputs: ['y0', 'y1', 'y2'], attrs: { axis: -1 } }) },
  { name: 'split-13 input', spec: model(13, X, { op: 'Split', inputs: ['x', 's'], outputs: ['y0', 'y1'], attrs: { axis: 3 } }, [i64('s', [4, 1])]) },
  { name: 'split-18 num_outputs', spec: model(18, { x: [1, 7, 2] }, { op: 'Split', inputs: ['x'], outputs: ['y0', 'y1', 'y2'], attrs: { axis: 1, num_outputs: 3 } }) },
  // Slice: attributes (1), negative steps (10), clamped and negative starts/ends (13).
  { name: 'slice-1 attributes', spec: model(1, X, { op: 'Slice', inputs: ['x'], attrs: { starts: [1, -3], ends: [3, 100], axes: [1, 3] } }) },
  { name: 'slice-10 negative steps', spec: model(10, X, { op: 'Slice', inputs: ['x', 'st', 'en', 'ax', 'sp'] }, [i64('st', [-1, 4]), i64('en', [-100, 0]), i64('ax', [2, 3]), i64('sp', [-2, -3])]) },
  { name: 'slice-13 clamping', spec: model(13, X, { op: 'Slice', inputs: ['x', 'st', 'en'] }, [i64('st', [0, -10, 1, -2]), i64('en', [1, 10, -1, 1000])]) },
  // Pad: attribute (2, reflect), inputs (11, edge), constant value with cropping (13), axes (18), wrap (19).
  { name: 'pad-2 reflect', spec: model(2, X, { op: 'Pad', inputs: ['x'], attrs: { mode: 'reflect', pads: [0, 0, 2, 3, 0, 0, 3, 4] } }) },
  { name: 'pad-11 edge', spec: model(11, X, { op: 'Pad', inputs: ['x', 'p'], attrs: { mode: 'edge' } }, [i64('p', [0, 1, 2, 0, 0, 2, 1, 3])]) },
  { name: 'pad-13 constant value, negative pads', spec: model(13, X, { op: 'Pad', inputs: ['x', 'p', 'v'] }, [i64('p', [0, 0, -1, 2, 0, 1, 1, -2]), f32('v', [1.5], [])]) },
  { name: 'pad-18 axes', spec: model(18, X, { op: 'Pad', inputs: ['x', 'p', '', 'a'], attrs: { mode: 'reflect' } }, [i64('p', [1, 3, 2, 1]), i64('a', [-1, 2])]) },
  { name: 'pad-19 wrap', spec: model(19, X, { op: 'Pad', inputs: ['x', 'p'], attrs: { mode: 'wrap' } }, [i64('p', [0, 0, 3, 4, 0, 0, 2, 1])]) },
  // DepthToSpace (DCR at 1, CRD at 13), SpaceToDepth.
  { name: 'depthtospace-1 DCR', spec: model(1, { x: [1, 8, 2, 3] }, { op: 'DepthToSpace', inputs: ['x'], attrs: { blocksize: 2 } }), ortSpec: model(13, { x: [1, 8, 2, 3] }, { op: 'DepthToSpace', inputs: ['x'], attrs: { blocksize: 2 } }) },
  { name: 'depthtospace-13 CRD', spec: model(13, { x: [1, 18, 2, 2] }, { op: 'DepthToSpace', inputs: ['x'], attrs: { blocksize: 3, mode: 'CRD' } }) },
  { name: 'spacetodepth-13', spec: model(13, { x: [1, 2, 4, 6] }, { op: 'SpaceToDepth', inputs: ['x'], attrs: { blocksize: 2 } }) },
  // Upsample: attribute (7), input (9).
  { name: 'upsample-7 attribute', spec: model(7, X, { op: 'Upsample', inputs: ['x'], attrs: { scales: { floats: [1, 1, 2, 3] } } }) },
  { name: 'upsample-9 input', spec: model(9, X, { op: 'Upsample', inputs: ['x', 's'] }, [f32('s', [1, 2, 1, 2])]) },
  // Resize nearest: opset 10's scales, every coordinate transformation and nearest mode, sizes, axes, policies.
  { name: 'resize-10 scales', spec: model(10, X, { op: 'Resize', inputs: ['x', 's'] }, [f32('s', [1, 1, 2, 1.5])]) },
  ...(['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric'] as const).flatMap((coord) =>
    (['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'] as const).map((nearest): Case => ({
      name: `resize-11 ${coord} ${nearest}`,
      spec: model(11, X, { op: 'Resize', inputs: ['x', 'r', 's'], attrs: { coordinate_transformation_mode: coord, nearest_mode: nearest } }, [f32('r', []), f32('s', [1, 1, 1.75, coord === 'align_corners' ? 0.8 : 0.7])]),
    }))),
  { name: 'resize-13 sizes', spec: model(13, X, { op: 'Resize', inputs: ['x', '', '', 'z'], attrs: { coordinate_transformation_mode: 'align_corners', nearest_mode: 'round_prefer_ceil' } }, [i64('z', [1, 3, 7, 3])]) },
  { name: 'resize-13 upsample x2 (YOLO)', spec: model(13, X, { op: 'Resize', inputs: ['x', '', 's'], attrs: { coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' } }, [f32('s', [1, 1, 2, 2])]) },
  { name: 'resize-18 axes not_larger', spec: model(18, X, { op: 'Resize', inputs: ['x', '', '', 'z'], attrs: { axes: [3, 2], keep_aspect_ratio_policy: 'not_larger' } }, [i64('z', [9, 7])]) },
  { name: 'resize-18 not_smaller', spec: model(18, X, { op: 'Resize', inputs: ['x', '', '', 'z'], attrs: { keep_aspect_ratio_policy: 'not_smaller', nearest_mode: 'ceil' } }, [i64('z', [1, 3, 3, 8])]) },
  { name: 'resize-19 half_pixel_symmetric', spec: model(19, X, { op: 'Resize', inputs: ['x', '', 's'], attrs: { coordinate_transformation_mode: 'half_pixel_symmetric' } }, [f32('s', [1, 1, 2.5, 0.7])]) },
  { name: 'resize-13 tf_crop_and_resize', spec: model(13, X, { op: 'Resize', inputs: ['x', 'r', '', 'z'], attrs: { coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: -2.5 } }, [f32('r', [0, 0, -0.2, 0.3, 1, 1, 0.9, 1.4]), i64('z', [1, 3, 6, 7])]) },
];

/** Interpolating Resize: the fixed-point output is within the coefficient-rounding bound of ops/interp.ts. */
const interpCases: Case[] = [
  { name: 'resize-10 linear', spec: model(10, X, { op: 'Resize', inputs: ['x', 's'], attrs: { mode: 'linear' } }, [f32('s', [1, 1, 2, 1.5])]) },
  { name: 'resize-13 linear half_pixel', spec: model(13, X, { op: 'Resize', inputs: ['x', '', 's'], attrs: { mode: 'linear' } }, [f32('s', [1, 1, 1.75, 0.7])]) },
  { name: 'resize-13 cubic align_corners sizes', spec: model(13, X, { op: 'Resize', inputs: ['x', '', '', 'z'], attrs: { mode: 'cubic', coordinate_transformation_mode: 'align_corners' } }, [i64('z', [1, 3, 7, 4])]) },
  { name: 'resize-13 cubic A=-0.5 exclude_outside pytorch_half_pixel', spec: model(13, X, { op: 'Resize', inputs: ['x', '', 's'], attrs: { mode: 'cubic', cubic_coeff_a: { float: -0.5 }, exclude_outside: 1, coordinate_transformation_mode: 'pytorch_half_pixel' } }, [f32('s', [1, 1, 2, 1.6])]) },
  { name: 'resize-13 linear tf_crop_and_resize', spec: model(13, X, { op: 'Resize', inputs: ['x', 'r', '', 'z'], attrs: { mode: 'linear', coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: { float: 1.25 } } }, [f32('r', [0, 0, -0.2, 0.3, 1, 1, 0.9, 1.4]), i64('z', [1, 3, 6, 7])]) },
  { name: 'resize-18 linear antialias', spec: model(18, X, { op: 'Resize', inputs: ['x', '', 's'], attrs: { mode: 'linear', antialias: 1 } }, [f32('s', [1, 1, 0.75, 0.6])]) },
  { name: 'resize-18 cubic antialias axes', spec: model(18, X, { op: 'Resize', inputs: ['x', '', '', 'z'], attrs: { mode: 'cubic', antialias: 1, axes: [3, 2] } }, [i64('z', [3, 2])]) },
  { name: 'resize-19 linear half_pixel_symmetric', spec: model(19, X, { op: 'Resize', inputs: ['x', '', 's'], attrs: { mode: 'linear', coordinate_transformation_mode: 'half_pixel_symmetric' } }, [f32('s', [1, 1, 2.5, 0.7])]) },
];

const FMT = 'ap_fixed<24,8,AP_RND_CONV,AP_SAT>';

describe('data-movement ops: float reference vs ONNX Runtime, fixed point exact', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const inputs = inputsOf(c.spec);
      const want = await ortRun(c.ortSpec ?? c.spec, inputs);
      const got = fpgacFloat(c.spec, inputs);
      expect(got.length).toBe(want.length);
      want.forEach((w, k) => expectClose(got[k], w, `${c.name}, output ${k}`));
      // Through the fixed-point design: every input value is on the 2^-16 grid and in range, so a copy is exact.
      const file = path.join(dir, `${c.name.replace(/\W+/g, '_')}.onnx`);
      buildModel(c.spec, file);
      const compiled = compileModel(file, { precision: FMT });
      const sim = simulateSample(compiled.design, inputs).outputs;
      want.forEach((w, k) => expect(Array.from(sim[k]), `${c.name}, fixed output ${k}`).toEqual(w.data));
    });
  }
});

describe('interpolating Resize: float reference vs ONNX Runtime, fixed point within the stated bound', () => {
  for (const c of interpCases) {
    it(c.name, async () => {
      const inputs = inputsOf(c.spec);
      const want = await ortRun(c.spec, inputs);
      expectClose(fpgacFloat(c.spec, inputs)[0], want[0], c.name);
      const file = path.join(dir, `${c.name.replace(/\W+/g, '_')}.onnx`);
      buildModel(c.spec, file);
      const compiled = compileModel(file, { precision: FMT });
      const layer = compiled.design.layers.find((l) => l.kind === 'interp');
      if (!layer || layer.kind !== 'interp') throw new Error('no interp layer');
      // The bound of ops/interp.ts: max|x| · (Π (S_d + T_d²·2^-(F+1)) − Π S_d) + half an output LSB, S_d the
      // largest Σ|c| of an index (from the stored raws), F the coefficients' fraction; ORT's float32 adds ~1e-6.
      let prodS = 1;
      let prodE = 1;
      layer.weight.forEach((w, d) => {
        const F = w.format.width - w.format.int;
        const T = layer.taps[d];
        let S = 0;
        for (let o = 0; o < w.raw.length; o += T) S = Math.max(S, w.raw.slice(o, o + T).reduce((p, v) => p + Math.abs(v), 0) * 2 ** -F);
        prodS *= S;
        prodE *= S + (F ? T * T * 2 ** -(F + 1) : 0);
      });
      const maxX = Math.max(...inputs[0].map(Math.abs));
      const bound = maxX * (prodE - prodS) + 2 ** -17 + 1e-5;
      const sim = simulateSample(compiled.design, inputs).outputs[0];
      let worst = 0;
      sim.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - want[0].data[i]))));
      console.log(`${c.name}: worst |fixed - ORT| ${worst.toExponential(2)}, bound ${bound.toExponential(2)}`);
      expect(worst, `${c.name}: worst ${worst}, bound ${bound}`).toBeLessThanOrEqual(bound);
    });
  }
});

describe('Pad wider than the axis (NumPy repeated reflection and wrapping, as the ONNX reference pads)', () => {
  // np.pad([1, 2, 3], (5, 5), mode), written out by hand.
  const want: Record<string, number[]> = {
    reflect: [2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2],
    wrap: [2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2],
    edge: [1, 1, 1, 1, 1, 1, 2, 3, 3, 3, 3, 3, 3],
  };
  for (const mode of Object.keys(want)) {
    it(`${mode}: float reference and fixed point`, () => {
      const spec = model(19, { x: [3] }, { op: 'Pad', inputs: ['x', 'p'], attrs: { mode } }, [i64('p', [5, 5])]);
      expect(Array.from(fpgacFloat(spec, [[1, 2, 3]])[0].data)).toEqual(want[mode]);
      const file = path.join(dir, `wide_${mode}.onnx`);
      buildModel(spec, file);
      expect(Array.from(simulateSample(compileModel(file, { precision: FMT }).design, [[1, 2, 3]]).outputs[0])).toEqual(want[mode]);
    });
  }
});

describe('data-movement refusals', () => {
  const refused = (spec: ModelSpec, pattern: RegExp, op = spec.nodes[0].op) => expectRefused(spec, 'FPGAC003', 'n', op, pattern);
  it('interpolating Upsample and cubic Resize before opset 11 name the reason', () => {
    refused(model(9, X, { op: 'Upsample', inputs: ['x', 's'], attrs: { mode: 'linear' } }, [f32('s', [1, 1, 2, 2])]), /nearest mode with whole scales only/);
    refused(model(10, X, { op: 'Resize', inputs: ['x', 's'], attrs: { mode: 'cubic' } }, [f32('s', [1, 1, 2, 2])]), /cubic' exists from opset 11/);
  });
  it('run-time pads, slice bounds and scales are refused (they must be constant)', () => {
    refused({ opset: 13, inputs: [{ name: 'x', dims: [1, 3] }, { name: 'p', dims: [4], type: 7 }], outputs: [{ name: 'y' }], nodes: [{ name: 'n', op: 'Pad', inputs: ['x', 'p'], outputs: ['y'] }] }, /pads must be constant/);
  });
  it('opset forms are not mixed', () => {
    refused(model(13, X, { op: 'Split', inputs: ['x'], outputs: ['a', 'b'], attrs: { axis: 1, split: [1, 2] } }), /attribute only before opset 13/);
    refused(model(13, X, { op: 'Split', inputs: ['x'], outputs: ['a', 'b', 'c'], attrs: { num_outputs: 3 } }), /num_outputs exists from opset 18/);
    refused(model(18, X, { op: 'Pad', inputs: ['x', 'p'], attrs: { mode: 'wrap' } }, [i64('p', [0, 0, 1, 1, 0, 0, 1, 1])]), /mode 'wrap' is not supported/);
    refused(model(10, X, { op: 'DepthToSpace', inputs: ['x'], attrs: { blocksize: 2, mode: 'CRD' } }), /CRD exists from opset 11/);
    refused(model(13, X, { op: 'Resize', inputs: ['x', '', 's'], attrs: { coordinate_transformation_mode: 'half_pixel_symmetric' } }, [f32('s', [1, 1, 2, 2])]), /half_pixel_symmetric/);
  });
  it('Resize forms where the ONNX reference and ONNX Runtime disagree are refused with the reason', () => {
    refused(model(11, X, { op: 'Resize', inputs: ['x', 'r', 's'], attrs: { coordinate_transformation_mode: 'tf_half_pixel_for_nn' } }, [f32('r', []), f32('s', [1, 1, 2, 2])]), /tf_half_pixel_for_nn/);
  });
  it('reflect/edge/wrap with cropping pads and non-whole Upsample scales are refused with the reason', () => {
    refused(model(13, X, { op: 'Pad', inputs: ['x', 'p'], attrs: { mode: 'edge' } }, [i64('p', [0, 0, -1, 1, 0, 0, 1, 1])]), /negative pads/);
    refused(model(9, X, { op: 'Upsample', inputs: ['x', 's'] }, [f32('s', [1, 1, 1.5, 2])]), /whole scales/);
  });
});
