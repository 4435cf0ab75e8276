/**
 * Ops in the form of each opset that defines them (issue 12), against ONNX Runtime: for every op whose attributes
 * or inputs changed between opsets 1 and 25, small models in the old and the new form, wherever ONNX Runtime
 * implements that opset (it starts at 7 for most ops; Softmax, Squeeze, Unsqueeze, Slice, Reshape and Flatten go
 * back to 1). Expected values are ONNX Runtime's. Forms before opset 7 that it does not run are checked against
 * hand-written float references in opsets-legacy.test.ts; refused forms are there too.
 */
import { describe, it } from 'vitest';
import type { ModelSpec } from '../support/onnx-builder.js';
import { expectMatchesOrt, f32, i64, oneNode } from '../support/opsets.js';

/** Runs `make(opset)` against ONNX Runtime for each opset. */
function eachOpset(label: string, opsets: number[], make: (opset: number) => ModelSpec): void {
  it.each(opsets)(`${label}, opset %i: = ONNX Runtime`, async (opset) => {
    await expectMatchesOrt(make(opset), `${label} at opset ${opset}`);
  });
}

describe('Clip: bounds as attributes before opset 11, as inputs from 11', () => {
  eachOpset('min and max attributes', [6, 8, 10], (o) => oneNode(o, [3, 5], { op: 'Clip', inputs: ['x'], outputs: ['y'], attrs: { min: { float: -0.5 }, max: { float: 0.75 } } }));
  eachOpset('max attribute only', [6, 10], (o) => oneNode(o, [3, 5], { op: 'Clip', inputs: ['x'], outputs: ['y'], attrs: { max: { float: 0.25 } } }));
  eachOpset('min and max inputs', [11, 12, 13, 25], (o) => oneNode(o, [3, 5], { op: 'Clip', inputs: ['x', 'lo', 'hi'], outputs: ['y'] }, { initializers: [f32('lo', [-0.5], []), f32('hi', [0.75], [])] }));
  eachOpset('max input only (min omitted)', [11, 13], (o) => oneNode(o, [3, 5], { op: 'Clip', inputs: ['x', '', 'hi'], outputs: ['y'] }, { initializers: [f32('hi', [0.25], [])] }));
});

describe('Softmax: before opset 13 over all dims from axis (default 1), from 13 over one axis (default -1)', () => {
  eachOpset('default axis on [2, 3, 4]', [1, 11, 12, 13, 25], (o) => oneNode(o, [2, 3, 4], { op: 'Softmax', inputs: ['x'], outputs: ['y'] }));
  eachOpset('axis 0 on [2, 3, 4]', [1, 12, 13], (o) => oneNode(o, [2, 3, 4], { op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: 0 } }));
  eachOpset('axis 2 on [2, 3, 4, 2]', [11, 13], (o) => oneNode(o, [2, 3, 4, 2], { op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: 2 } }));
  eachOpset('axis -2 on [2, 3, 4]', [11, 13], (o) => oneNode(o, [2, 3, 4], { op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: -2 } }));
});

describe('Squeeze and Unsqueeze: axes attribute before opset 13, input from 13', () => {
  eachOpset('Squeeze axes attribute', [1, 11, 12], (o) => oneNode(o, [2, 1, 3, 1], { op: 'Squeeze', inputs: ['x'], outputs: ['y'], attrs: { axes: [1] } }));
  eachOpset('Squeeze without axes', [1, 12, 13, 25], (o) => oneNode(o, [2, 1, 3, 1], { op: 'Squeeze', inputs: ['x'], outputs: ['y'] }));
  eachOpset('Squeeze axes input', [13, 21, 25], (o) => oneNode(o, [2, 1, 3, 1], { op: 'Squeeze', inputs: ['x', 'ax'], outputs: ['y'] }, { initializers: [i64('ax', [-1, 1])] }));
  eachOpset('Unsqueeze axes attribute', [1, 11, 12], (o) => oneNode(o, [2, 3], { op: 'Unsqueeze', inputs: ['x'], outputs: ['y'], attrs: { axes: o < 11 ? [0, 3] : [0, -1] } }));
  eachOpset('Unsqueeze axes input', [13, 21, 25], (o) => oneNode(o, [2, 3], { op: 'Unsqueeze', inputs: ['x', 'ax'], outputs: ['y'] }, { initializers: [i64('ax', [0, -1])] }));
});

describe('Slice: starts/ends/axes attributes before opset 10, inputs (with steps) from 10', () => {
  eachOpset('attributes', [1, 9], (o) => oneNode(o, [3, 8], { op: 'Slice', inputs: ['x'], outputs: ['y'], attrs: { starts: [1, -6], ends: [1000, 7], axes: [0, 1] } }));
  eachOpset('attributes without axes', [1, 9], (o) => oneNode(o, [3, 8], { op: 'Slice', inputs: ['x'], outputs: ['y'], attrs: { starts: [0, 2], ends: [2, -1] } }));
  eachOpset('inputs with axes and steps', [10, 11, 13, 25], (o) => oneNode(o, [3, 8], { op: 'Slice', inputs: ['x', 's', 'e', 'a', 'st'], outputs: ['y'] }, {
    initializers: [i64('s', [-1, 1]), i64('e', [-1000, 8]), i64('a', [1, 0]), i64('st', [-2, 1])],
  }));
  eachOpset('inputs, default axes and steps', [10, 13], (o) => oneNode(o, [3, 8], { op: 'Slice', inputs: ['x', 's', 'e'], outputs: ['y'] }, { initializers: [i64('s', [1, 2]), i64('e', [3, 6])] }));
});

describe('Reshape: shape attribute before opset 5, input from 5 (allowzero from 14)', () => {
  eachOpset('shape attribute', [1, 4], (o) => oneNode(o, [2, 3, 4], { op: 'Reshape', inputs: ['x'], outputs: ['y'], attrs: { shape: [0, -1, 2] } }));
  eachOpset('shape input', [5, 13, 14, 25], (o) => oneNode(o, [2, 3, 4], { op: 'Reshape', inputs: ['x', 's'], outputs: ['y'] }, { initializers: [i64('s', [0, -1, 2])] }));
  eachOpset('shape input, allowzero 0', [14, 25], (o) => oneNode(o, [2, 3, 4], { op: 'Reshape', inputs: ['x', 's'], outputs: ['y'], attrs: { allowzero: 0 } }, { initializers: [i64('s', [4, 0, 2])] }));
});

describe('Flatten: axis default 1 in every opset', () => {
  eachOpset('default axis', [1, 9, 11, 13, 25], (o) => oneNode(o, [2, 3, 4], { op: 'Flatten', inputs: ['x'], outputs: ['y'] }));
  eachOpset('axis 0', [1, 13], (o) => oneNode(o, [2, 3, 4], { op: 'Flatten', inputs: ['x'], outputs: ['y'], attrs: { axis: 0 } }));
  eachOpset('axis -1 (from opset 11)', [11, 13], (o) => oneNode(o, [2, 3, 4], { op: 'Flatten', inputs: ['x'], outputs: ['y'], attrs: { axis: -1 } }));
});

describe('Concat: axis required from opset 4', () => {
  eachOpset('axis 1', [4, 11, 13], (o) => ({
    opset: o, inputs: [{ name: 'a', dims: [2, 3] }, { name: 'b', dims: [2, 2] }], outputs: [{ name: 'y' }],
    nodes: [{ op: 'Concat', inputs: ['a', 'b'], outputs: ['y'], attrs: { axis: 1 } }],
  }));
  eachOpset('axis -2 (from opset 11)', [11, 13], (o) => ({
    opset: o, inputs: [{ name: 'a', dims: [2, 3] }, { name: 'b', dims: [1, 3] }], outputs: [{ name: 'y' }],
    nodes: [{ op: 'Concat', inputs: ['a', 'b'], outputs: ['y'], attrs: { axis: -2 } }],
  }));
});

describe('Gemm: C broadcast without the attribute from opset 7, optional from 11', () => {
  const gemm = (o: number, cDims: number[], withC = true): ModelSpec => ({
    opset: o, inputs: [{ name: 'a', dims: [3, 2] }], outputs: [{ name: 'y' }],
    initializers: [f32('b', [0.5, -1, 0.25, 2, 1.5, -0.75, 1, 0.125, -0.5, 0.375, 1.25, -2], [4, 3]), ...(withC ? [f32('c', cDims.length ? Array.from({ length: cDims.reduce((p, d) => p * d, 1) }, (_, i) => i / 4 - 0.5) : [0.3], cDims)] : [])],
    nodes: [{ op: 'Gemm', inputs: withC ? ['a', 'b', 'c'] : ['a', 'b'], outputs: ['y'], attrs: { transA: 1, transB: 1, alpha: { float: 0.5 }, beta: { float: 2 } } }],
  });
  eachOpset('C [N]', [7, 9, 11, 13], (o) => gemm(o, [4]));
  eachOpset('C [M, 1]', [7, 13], (o) => gemm(o, [2, 1]));
  eachOpset('C scalar', [7, 13], (o) => gemm(o, []));
  eachOpset('C [M, N]', [7, 13], (o) => gemm(o, [2, 4]));
  eachOpset('no C', [11, 13], (o) => gemm(o, [], false));
});

describe('Add, Sub, Mul, Div, Pow: NumPy broadcasting from opset 7', () => {
  for (const op of ['Add', 'Sub', 'Mul', 'Div', 'Pow']) {
    eachOpset(`${op} [2, 3, 4] with [3, 1]`, [7, 13, 14], (o) => ({
      opset: o, inputs: [{ name: 'a', dims: [2, 3, 4] }], outputs: [{ name: 'y' }], initializers: [f32('b', [1.5, 2, 0.5], [3, 1])],
      nodes: [{ op, inputs: op === 'Pow' ? ['b', 'a'] : ['a', 'b'], outputs: ['y'] }],
    }));
  }
});

describe('BatchNormalization: spatial before opset 9, training_mode from 14', () => {
  const stats = (c: number) => [f32('g', Array.from({ length: c }, (_, i) => 1 + i / 8), [c]), f32('b', Array.from({ length: c }, (_, i) => i / 4 - 1), [c]),
    f32('m', Array.from({ length: c }, (_, i) => (i % 3) / 2), [c]), f32('v', Array.from({ length: c }, (_, i) => 0.5 + i / 16), [c])];
  eachOpset('per-channel statistics', [7, 9, 14, 15], (o) => oneNode(o, [1, 3, 2, 2], { op: 'BatchNormalization', inputs: ['x', 'g', 'b', 'm', 'v'], outputs: ['y'], attrs: { epsilon: { float: 1e-3 }, momentum: { float: 0.9 } } }, { initializers: stats(3) }));
  eachOpset('spatial 1, rank 2', [7, 8], (o) => oneNode(o, [2, 3], { op: 'BatchNormalization', inputs: ['x', 'g', 'b', 'm', 'v'], outputs: ['y'], attrs: { spatial: 1 } }, { initializers: stats(3) }));
  eachOpset('training_mode 0', [14, 15], (o) => oneNode(o, [1, 3, 2, 2], { op: 'BatchNormalization', inputs: ['x', 'g', 'b', 'm', 'v'], outputs: ['y'], attrs: { training_mode: 0 } }, { initializers: stats(3) }));
});

describe('Dropout: identity in inference; ratio and training_mode inputs from opset 12', () => {
  eachOpset('ratio attribute', [7, 10, 11], (o) => oneNode(o, [2, 3], { op: 'Dropout', inputs: ['x'], outputs: ['y'], attrs: { ratio: { float: 0.3 } } }));
  eachOpset('ratio input', [12, 13, 22], (o) => oneNode(o, [2, 3], { op: 'Dropout', inputs: ['x', 'r'], outputs: ['y'] }, { initializers: [f32('r', [0.3], [])] }));
  eachOpset('training_mode false', [12, 13, 22], (o) => oneNode(o, [2, 3], { op: 'Dropout', inputs: ['x', 'r', 't'], outputs: ['y'] }, {
    initializers: [f32('r', [0.3], []), { name: 't', dims: [], values: [0], type: 9 }],
  }));
});

describe('Cast: target type number from opset 6', () => {
  eachOpset('to DOUBLE', [6, 9, 13, 19, 25], (o) => ({ ...oneNode(o, [2, 3], { op: 'Cast', inputs: ['x'], outputs: ['y'], attrs: { to: 11 } }), outputs: [{ name: 'y', type: 11 }] }));
});
