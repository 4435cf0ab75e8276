/**
 * Opsets 1 to 25 (issue 12), the parts ONNX Runtime cannot check: forms before opset 7 (legacy broadcasting along
 * `axis`, Gemm's `broadcast`, `is_test`, `consumed_inputs`, per-activation BatchNormalization, Cast by type name,
 * Concat's default axis) against float references written here from the ONNX operator changelog; forms a node may
 * not use in its opset, refused with a coded diagnostic naming the node and op; and the opset range itself (1 to
 * 25 accepted, a newer one a warning, the build going on).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileModel } from '../../src/compile.js';
import { decodeModel } from '../../src/onnx/load.js';
import { runFloat } from '../../src/reference.js';
import { formatDiagnostic } from '../../src/diagnostics.js';
import { main } from '../../src/cli.js';
import { buildModel, type ModelSpec } from '../support/onnx-builder.js';
import { expectClose, expectMatchesOrt, expectRefused, f32, fpgacFloat, i64, inputsOf, oneNode } from '../support/opsets.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-opsets-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Row-major multi-index of flat index `k` in `shape`. */
function unravel(k: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = k % shape[d];
    k = Math.floor(k / shape[d]);
  }
  return idx;
}

/** Legacy broadcasting as the changelog describes it: B's dims line up with A's from `axis`; size-1 dims of B repeat. */
function legacyBinary(a: number[], aShape: number[], b: number[], bShape: number[], axis: number, f: (x: number, y: number) => number): number[] {
  return a.map((x, k) => {
    const idx = unravel(k, aShape);
    let j = 0;
    bShape.forEach((d, i) => { j = j * d + (d === 1 ? 0 : idx[axis + i]); });
    return f(x, b[j]);
  });
}

/** fpgac's float reference of `spec` on its seeded inputs, with those inputs. */
function run(spec: ModelSpec) {
  const inputs = inputsOf(spec);
  return { inputs, out: fpgacFloat(spec, inputs) };
}

describe('legacy broadcasting (Add, Sub, Mul, Div, Pow before opset 7)', () => {
  const ops: Record<string, (x: number, y: number) => number> = { Add: (x, y) => x + y, Sub: (x, y) => x - y, Mul: (x, y) => x * y, Div: (x, y) => x / y, Pow: (x, y) => x ** y };
  const cases: { op: string; opset: number; b: number[]; bShape: number[]; axis?: number }[] = [
    { op: 'Add', opset: 6, b: [0.5, -1, 2, 0.25, 1, -2, 3, 0.75, -0.5, 1.5, 2.5, -3], bShape: [3, 4], axis: 1 },
    { op: 'Mul', opset: 6, b: [2, -3], bShape: [2], axis: 0 },
    { op: 'Sub', opset: 1, b: [1, 2, 3, 4, 5], bShape: [5] },
    { op: 'Div', opset: 5, b: Array.from({ length: 20 }, (_, i) => 1 + i / 4), bShape: [4, 5], axis: 2 },
    { op: 'Pow', opset: 6, b: [2, 3, 1], bShape: [3], axis: 1 },
    { op: 'Add', opset: 6, b: [0.5, -1, 2], bShape: [3, 1], axis: 1 },
    { op: 'Add', opset: 6, b: [1.25], bShape: [] },
    { op: 'Mul', opset: 3, b: [-2, 0.5, 3], bShape: [3], axis: -3 },
  ];
  const aShape = [2, 3, 4, 5];
  for (const c of cases) {
    for (const bIsInput of [false, true]) {
      it(`${c.op} at opset ${c.opset}: B [${c.bShape}]${c.axis !== undefined ? ` from axis ${c.axis}` : ''} (${bIsInput ? 'a graph input' : 'constant'}) = the changelog's broadcasting`, () => {
        const spec: ModelSpec = {
          opset: c.opset, inputs: [{ name: 'a', dims: aShape }, ...(bIsInput ? [{ name: 'b', dims: c.bShape }] : [])], outputs: [{ name: 'y' }],
          initializers: bIsInput ? [] : [f32('b', c.b, c.bShape)],
          nodes: [{ name: 'n', op: c.op, inputs: ['a', 'b'], outputs: ['y'], attrs: { broadcast: 1, ...(c.axis !== undefined ? { axis: c.axis } : {}), ...(c.opset === 1 ? { consumed_inputs: [0, 0] } : {}) } }],
        };
        const a = inputsOf(spec)[0];
        const inputs = bIsInput ? [a, c.b] : [a];
        const axis = c.axis === undefined ? aShape.length - c.bShape.length : c.axis < 0 ? c.axis + aShape.length : c.axis;
        const want = legacyBinary(a, aShape, c.b, c.bShape, axis, ops[c.op]);
        expectClose(fpgacFloat(spec, inputs)[0], { shape: aShape, data: want }, c.op);
      });
    }
  }

  it('an opset-6 model with an axis Add compiles (the upgraded graph survives the passes) and its reference is the legacy sum', () => {
    const spec: ModelSpec = {
      opset: 6, inputs: [{ name: 'x', dims: [1, 2, 3, 3] }], outputs: [{ name: 'y' }],
      initializers: [f32('w', Array.from({ length: 32 }, (_, i) => ((i * 7) % 11) / 8 - 0.6), [4, 2, 2, 2]), f32('bias', [0.5, -0.25, 1, -1], [4])],
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { kernel_shape: [2, 2] } },
        { op: 'Add', inputs: ['c', 'bias'], outputs: ['s'], attrs: { broadcast: 1, axis: 1 } },
        { op: 'Relu', inputs: ['s'], outputs: ['y'] },
      ],
    };
    const file = path.join(dir, 'legacy-add.onnx');
    buildModel(spec, file);
    const c = compileModel(file);
    expect(c.design.layers.length).toBeGreaterThan(0);
    const x = inputsOf(spec)[0];
    const conv = runFloat(c.reference, [x]).outputs[0];
    // The reference's output against conv-by-hand + legacy bias + relu.
    const w = spec.initializers![0].values;
    const want: number[] = [];
    for (let o = 0; o < 4; o++)
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 2; j++) {
          let s = 0;
          for (let ci = 0; ci < 2; ci++) for (let ky = 0; ky < 2; ky++) for (let kx = 0; kx < 2; kx++) s += x[ci * 9 + (i + ky) * 3 + j + kx] * w[((o * 2 + ci) * 2 + ky) * 2 + kx];
          want.push(Math.max(0, s + [0.5, -0.25, 1, -1][o]));
        }
    expectClose(conv, { shape: [1, 4, 2, 2], data: want }, 'Conv + legacy Add + Relu');
  });
});

describe('other forms before opset 7', () => {
  it('Gemm at opset 6 with broadcast 1: C [N] broadcast over rows', () => {
    const spec = oneNode(6, [2, 3], { op: 'Gemm', inputs: ['x', 'b', 'c'], outputs: ['y'], attrs: { broadcast: 1, alpha: { float: 2 }, beta: { float: 0.5 } } }, {
      initializers: [f32('b', [1, -1, 0.5, 2, 0.25, -0.5], [3, 2]), f32('c', [10, -20], [2])],
    });
    const { inputs: [x], out } = run(spec);
    const b = [1, -1, 0.5, 2, 0.25, -0.5];
    const want = [0, 1].flatMap((i) => [0, 1].map((j) => 2 * [0, 1, 2].reduce((s, k) => s + x[i * 3 + k] * b[k * 2 + j], 0) + 0.5 * [10, -20][j]));
    expectClose(out[0], { shape: [2, 2], data: want }, 'Gemm-6');
  });

  it('Gemm at opset 1 without broadcast: C [M, N]', () => {
    const spec = oneNode(1, [2, 3], { op: 'Gemm', inputs: ['x', 'b', 'c'], outputs: ['y'], attrs: { transB: 1 } }, {
      initializers: [f32('b', [1, -1, 0.5, 2, 0.25, -0.5], [2, 3]), f32('c', [1, 2, 3, 4], [2, 2])],
    });
    const { inputs: [x], out } = run(spec);
    const b = [1, -1, 0.5, 2, 0.25, -0.5];
    const want = [0, 1].flatMap((i) => [0, 1].map((j) => [0, 1, 2].reduce((s, k) => s + x[i * 3 + k] * b[j * 3 + k], 0) + [1, 2, 3, 4][i * 2 + j]));
    expectClose(out[0], { shape: [2, 2], data: want }, 'Gemm-1');
  });

  it('Clip at opset 1 (attributes, consumed_inputs) and Relu at opset 1', () => {
    const clip = run(oneNode(1, [4, 5], { op: 'Clip', inputs: ['x'], outputs: ['y'], attrs: { min: { float: -0.5 }, max: { float: 0.5 }, consumed_inputs: [0] } }));
    expectClose(clip.out[0], { shape: [4, 5], data: clip.inputs[0].map((v) => Math.min(0.5, Math.max(-0.5, v))) }, 'Clip-1');
    const relu = run(oneNode(1, [4, 5], { op: 'Relu', inputs: ['x'], outputs: ['y'], attrs: { consumed_inputs: [0] } }));
    expectClose(relu.out[0], { shape: [4, 5], data: relu.inputs[0].map((v) => Math.max(0, v)) }, 'Relu-1');
  });

  const g = [1.5, 0.5, -1];
  const beta = [0.25, -0.5, 1];
  const mean = [0.1, -0.2, 0.3];
  const variance = [0.5, 2, 1];
  const bnStats = (dims: number[], scaleOf: (i: number) => number) => [g, beta, mean, variance].map((v, k) => f32(['g', 'b', 'm', 'v'][k], Array.from({ length: dims.reduce((p, d) => p * d, 1) }, (_, i) => v[i % 3] * scaleOf(i)), dims));

  for (const opset of [1, 6]) {
    it(`BatchNormalization at opset ${opset} with is_test 1 (consumed_inputs, momentum ignored)`, () => {
      const attrs = { is_test: 1, epsilon: { float: 0.01 }, momentum: { float: 0.5 }, ...(opset === 1 ? { consumed_inputs: [0, 0, 0, 1, 1] } : {}) };
      const { inputs: [x], out } = run(oneNode(opset, [1, 3, 2, 2], { op: 'BatchNormalization', inputs: ['x', 'g', 'b', 'm', 'v'], outputs: ['y'], attrs }, { initializers: bnStats([3], () => 1) }));
      const want = x.map((v, k) => { const c = Math.floor(k / 4); return g[c] * (v - mean[c]) / Math.sqrt(variance[c] + 0.01) + beta[c]; });
      expectClose(out[0], { shape: [1, 3, 2, 2], data: want }, `BatchNormalization-${opset}`);
    });
  }

  for (const opset of [6, 7, 8]) {
    it(`BatchNormalization at opset ${opset} with spatial 0: statistics per activation [C, H, W]`, () => {
      const spec = oneNode(opset, [2, 3, 2, 2], { op: 'BatchNormalization', inputs: ['x', 'g', 'b', 'm', 'v'], outputs: ['y'], attrs: { spatial: 0, ...(opset < 7 ? { is_test: 1 } : {}) } }, {
        initializers: bnStats([3, 2, 2], (i) => 1 + i / 16),
      });
      const stats = spec.initializers!.map((t) => t.values);
      const { inputs: [x], out } = run(spec);
      const want = x.map((v, k) => { const a = k % 12; return stats[0][a] * (v - stats[2][a]) / Math.sqrt(stats[3][a] + 1e-5) + stats[1][a]; });
      expectClose(out[0], { shape: [2, 3, 2, 2], data: want }, `BatchNormalization-${opset} spatial 0`);
    });
  }

  for (const opset of [1, 6]) {
    it(`Dropout at opset ${opset} with is_test 1 is the identity`, () => {
      const { inputs: [x], out } = run(oneNode(opset, [2, 3], { op: 'Dropout', inputs: ['x'], outputs: ['y'], attrs: { is_test: 1, ratio: { float: 0.4 }, ...(opset === 1 ? { consumed_inputs: [0] } : {}) } }));
      expectClose(out[0], { shape: [2, 3], data: x }, `Dropout-${opset}`);
    });
  }

  it('Cast at opsets 1 and 5: the target by type name', () => {
    for (const [opset, to] of [[1, 'DOUBLE'], [5, 'double']] as const) {
      const { inputs: [x], out } = run(oneNode(opset, [2, 3], { op: 'Cast', inputs: ['x'], outputs: ['y'], attrs: { to } }));
      expect(out[0].dtype).toBe('float64');
      expectClose(out[0], { shape: [2, 3], data: x }, `Cast-${opset} ${to}`);
    }
    const { inputs: [x], out } = run(oneNode(1, [2, 3], { op: 'Cast', inputs: ['x'], outputs: ['y'], attrs: { to: 'INT32' } }));
    expect(out[0].dtype).toBe('int32');
    expect(Array.from(out[0].data)).toEqual(x.map(Math.trunc));
  });

  for (const opset of [1, 3]) {
    it(`Concat at opset ${opset} without axis concatenates along axis 1`, () => {
      const spec: ModelSpec = { opset, inputs: [{ name: 'a', dims: [2, 3] }, { name: 'b', dims: [2, 2] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Concat', inputs: ['a', 'b'], outputs: ['y'] }] };
      const { inputs: [a, b], out } = run(spec);
      expectClose(out[0], { shape: [2, 5], data: [...a.slice(0, 3), ...b.slice(0, 2), ...a.slice(3), ...b.slice(2)] }, `Concat-${opset}`);
    });
  }
});

describe('forms a node may not use in its opset are refused, naming node and op', () => {
  const cases: [string, ModelSpec, 'FPGAC002' | 'FPGAC003' | 'FPGAC004', string, RegExp][] = [
    ['Clip min attribute at opset 11', oneNode(11, [2], { op: 'Clip', inputs: ['x'], outputs: ['y'], attrs: { min: { float: 0 } } }), 'FPGAC003', 'Clip', /only before opset 11/],
    ['Clip bound inputs at opset 10', oneNode(10, [2], { op: 'Clip', inputs: ['x', 'lo'], outputs: ['y'] }, { initializers: [f32('lo', [0], [])] }), 'FPGAC003', 'Clip', /inputs from opset 11/],
    ['Squeeze axes attribute at opset 13', oneNode(13, [2, 1], { op: 'Squeeze', inputs: ['x'], outputs: ['y'], attrs: { axes: [1] } }), 'FPGAC003', 'Squeeze', /attribute only before opset 13/],
    ['Unsqueeze axes input at opset 12', oneNode(12, [2], { op: 'Unsqueeze', inputs: ['x', 'a'], outputs: ['y'] }, { initializers: [i64('a', [0])] }), 'FPGAC003', 'Unsqueeze', /input from opset 13/],
    ['Unsqueeze without axes at opset 13', oneNode(13, [2], { op: 'Unsqueeze', inputs: ['x'], outputs: ['y'] }), 'FPGAC003', 'Unsqueeze', /axes are required/],
    ['Slice inputs at opset 9', oneNode(9, [4], { op: 'Slice', inputs: ['x', 's', 'e'], outputs: ['y'] }, { initializers: [i64('s', [0]), i64('e', [2])] }), 'FPGAC003', 'Slice', /inputs from opset 10/],
    ['Slice attributes at opset 10', oneNode(10, [4], { op: 'Slice', inputs: ['x'], outputs: ['y'], attrs: { starts: [0], ends: [2] } }), 'FPGAC003', 'Slice', /attributes only before opset 10/],
    ['Slice without ends at opset 1', oneNode(1, [4], { op: 'Slice', inputs: ['x'], outputs: ['y'], attrs: { starts: [0] } }), 'FPGAC003', 'Slice', /required before opset 10/],
    ['Reshape shape input at opset 4', oneNode(4, [4], { op: 'Reshape', inputs: ['x', 's'], outputs: ['y'] }, { initializers: [i64('s', [2, 2])] }), 'FPGAC003', 'Reshape', /input from opset 5/],
    ['Reshape shape attribute at opset 5', oneNode(5, [4], { op: 'Reshape', inputs: ['x', 's'], outputs: ['y'], attrs: { shape: [2, 2] } }, { initializers: [i64('s', [2, 2])] }), 'FPGAC003', 'Reshape', /attribute only before opset 5/],
    ['Reshape without shape input at opset 13', oneNode(13, [4], { op: 'Reshape', inputs: ['x'], outputs: ['y'] }), 'FPGAC003', 'Reshape', /shape input is required/],
    ['Reshape allowzero at opset 13', oneNode(13, [4], { op: 'Reshape', inputs: ['x', 's'], outputs: ['y'], attrs: { allowzero: 1 } }, { initializers: [i64('s', [2, 2])] }), 'FPGAC003', 'Reshape', /allowzero exists from opset 14/],
    ['Concat without axis at opset 4', { opset: 4, inputs: [{ name: 'a', dims: [2] }], outputs: [{ name: 'y' }], nodes: [{ name: 'n', op: 'Concat', inputs: ['a', 'a'], outputs: ['y'] }] }, 'FPGAC003', 'Concat', /required from opset 4/],
    ['Add axis attribute at opset 7', { opset: 7, inputs: [{ name: 'a', dims: [2, 3] }], outputs: [{ name: 'y' }], initializers: [f32('b', [1, 2])], nodes: [{ name: 'n', op: 'Add', inputs: ['a', 'b'], outputs: ['y'], attrs: { broadcast: 1, axis: 0 } }] }, 'FPGAC003', 'Add', /only before opset 7/],
    ['Add at opset 6 broadcasting A', { opset: 6, inputs: [{ name: 'a', dims: [3] }], outputs: [{ name: 'y' }], initializers: [f32('b', [1, 2, 3, 4, 5, 6], [2, 3])], nodes: [{ name: 'n', op: 'Add', inputs: ['a', 'b'], outputs: ['y'], attrs: { broadcast: 1 } }] }, 'FPGAC004', 'Add', /broadcasts B onto A only/],
    ['Mul at opset 6 with an axis B does not fit', { opset: 6, inputs: [{ name: 'a', dims: [2, 3] }], outputs: [{ name: 'y' }], initializers: [f32('b', [1, 2, 3])], nodes: [{ name: 'n', op: 'Mul', inputs: ['a', 'b'], outputs: ['y'], attrs: { broadcast: 1, axis: 0 } }] }, 'FPGAC004', 'Mul', /does not fit/],
    ['Gemm at opset 6 broadcasting C without broadcast 1', oneNode(6, [2, 3], { op: 'Gemm', inputs: ['x', 'b', 'c'], outputs: ['y'] }, { initializers: [f32('b', [1, 2, 3, 4, 5, 6], [3, 2]), f32('c', [1, 2])] }), 'FPGAC004', 'Gemm', /broadcast = 1/],
    ['BatchNormalization at opset 6 without is_test', oneNode(6, [1, 2, 2], { op: 'BatchNormalization', inputs: ['x', 'g', 'b', 'm', 'v'], outputs: ['y'] }, { initializers: ['g', 'b', 'm', 'v'].map((n) => f32(n, [1, 1])) }), 'FPGAC003', 'BatchNormalization', /training mode/],
    ['BatchNormalization spatial 0 with statistics of another size', oneNode(7, [1, 2, 2], { op: 'BatchNormalization', inputs: ['x', 'g', 'b', 'm', 'v'], outputs: ['y'], attrs: { spatial: 0 } }, { initializers: ['g', 'b', 'm', 'v'].map((n) => f32(n, [1, 1, 1])) }), 'FPGAC004', 'BatchNormalization', /spatial = 0/],
    ['Dropout at opset 6 without is_test', oneNode(6, [2], { op: 'Dropout', inputs: ['x'], outputs: ['y'] }), 'FPGAC003', 'Dropout', /training mode/],
    ['Dropout training_mode true', oneNode(12, [2], { op: 'Dropout', inputs: ['x', '', 't'], outputs: ['y'] }, { initializers: [{ name: 't', dims: [], values: [1], type: 9 }] }), 'FPGAC003', 'Dropout', /training_mode true/],
    ['Dropout training_mode at run time', { opset: 13, inputs: [{ name: 'x', dims: [2] }, { name: 't', dims: [], type: 9 }], outputs: [{ name: 'y' }], nodes: [{ name: 'n', op: 'Dropout', inputs: ['x', '', 't'], outputs: ['y'] }] }, 'FPGAC003', 'Dropout', /must be a constant false/],
    ['Dropout ratio input at opset 10', oneNode(10, [2], { op: 'Dropout', inputs: ['x', 'r'], outputs: ['y'] }, { initializers: [f32('r', [0.5], [])] }), 'FPGAC003', 'Dropout', /inputs from opset 12/],
    ['Cast to a number at opset 5', oneNode(5, [2], { op: 'Cast', inputs: ['x'], outputs: ['y'], attrs: { to: 11 } }), 'FPGAC003', 'Cast', /data type name/],
    ['Cast to a name at opset 6', oneNode(6, [2], { op: 'Cast', inputs: ['x'], outputs: ['y'], attrs: { to: 'DOUBLE' } }), 'FPGAC003', 'Cast', /data type number/],
    ['Cast to an unknown name at opset 1', oneNode(1, [2], { op: 'Cast', inputs: ['x'], outputs: ['y'], attrs: { to: 'FLOAT128' } }), 'FPGAC003', 'Cast', /FLOAT128/],
    ['Shape start at opset 13', oneNode(13, [2, 3], { op: 'Shape', inputs: ['x'], outputs: ['y'], attrs: { start: 1 } }), 'FPGAC003', 'Shape', /from opset 15/],
    ['QuantizeLinear at opset 9', oneNode(9, [2], { op: 'QuantizeLinear', inputs: ['x', 's'], outputs: ['y'] }, { initializers: [f32('s', [0.5], [])] }), 'FPGAC002', 'QuantizeLinear', /exists from opset 10/],
  ];
  it.each(cases)('%s', (_label, spec, code, op, pattern) => expectRefused(spec, code, 'n', op, pattern));
});

describe('opset range', () => {
  const model = (opset: number): ModelSpec => ({
    opset, inputs: [{ name: 'x', dims: [1, 2, 3] }], outputs: [{ name: 'y' }],
    nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['r'] }, { op: 'Flatten', inputs: ['r'], outputs: ['y'] }],
  });

  it('every opset from 1 to 25 compiles without a warning', () => {
    for (let opset = 1; opset <= 25; opset++) {
      const file = path.join(dir, `range-${opset}.onnx`);
      buildModel(model(opset), file);
      const c = compileModel(file);
      expect(c.loaded.warnings, `opset ${opset}`).toEqual([]);
      expect(c.design.layers.length, `opset ${opset}`).toBeGreaterThan(0);
    }
  });

  it('an opset above 25 is a warning (FPGAC014) and the model compiles', () => {
    for (const opset of [26, 40]) {
      const file = path.join(dir, `range-${opset}.onnx`);
      buildModel(model(opset), file);
      const c = compileModel(file);
      expect(c.loaded.warnings.map((w) => [w.code, w.severity])).toEqual([['FPGAC014', 'warning']]);
      expect(formatDiagnostic(c.loaded.warnings[0])).toMatch(new RegExp(`^warning FPGAC014: the model imports ai.onnx opset ${opset}, newer than 25`));
      const x = inputsOf(model(opset))[0];
      expect(Array.from(runFloat(c.reference, [x]).outputs[0].data)).toEqual(x.map((v) => Math.max(0, v)));
    }
  });

  it('fpgac build prints the opset warning and still builds', async () => {
    const file = path.join(dir, 'range-build.onnx');
    buildModel(model(27), file);
    const err: string[] = [];
    const code = await main(['node', 'fpgac', 'build', file, '-o', path.join(dir, 'range-build-out')], { out: () => {}, err: (s) => err.push(s) });
    expect(code).toBe(0);
    expect(err.filter((l) => l.includes('FPGAC014'))).toEqual([expect.stringMatching(/^fpgac: warning: FPGAC014: the model imports ai.onnx opset 27/)]);
  });

  it('opset 0 is refused (FPGAC001)', () => {
    expect(() => decodeModel(buildModel(model(0)), dir)).toThrow(/FPGAC001.*opset 0; opsets start at 1/);
  });
});

describe('per-activation BatchNormalization against ONNX Runtime', () => {
  it('spatial 0 at opset 7', async () => {
    await expectMatchesOrt(oneNode(7, [2, 3, 2], { op: 'BatchNormalization', inputs: ['x', 'g', 'b', 'm', 'v'], outputs: ['y'], attrs: { spatial: 0 } }, {
      initializers: ['g', 'b', 'm', 'v'].map((n, k) => f32(n, Array.from({ length: 6 }, (_, i) => (k === 3 ? 0.5 : 0) + ((i * (k + 2)) % 5) / 4), [3, 2])),
    }), 'BatchNormalization-7 spatial 0');
  });
});
