/**
 * Reductions (ReduceSum/Mean/Max/Min/L1/L2/SumSquare/LogSumExp/Prod, ArgMax/ArgMin), n-ary Max/Min/Sum/Mean and
 * pools (3-D, MaxPool Indices, very large averaging windows) in every opset form, against ONNX Runtime (float
 * reference), then through lowering and the bit-exact simulator against the same float values within each
 * lowering's stated bound, and one lowered design through g++. Expected values are ONNX Runtime's or float math.
 */
import { describe, it, expect } from 'vitest';
import type { ModelSpec, NodeSpec } from '../support/onnx-builder.js';
import { buildModel } from '../support/onnx-builder.js';
import { expectMatchesOrt, expectRefused, i64, inputsOf, oneNode, ortRun } from '../support/opsets.js';
import { decodeModel } from '../../src/onnx/load.js';
import { runPipeline } from '../../src/passes/pipeline.js';
import { lowerGraph } from '../../src/quant/lower.js';
import { simulateSample } from '../../sim/simulate.js';
import { fixed, parseFormat, type FixedFormat } from '../../sim/fixed.js';
import { DiagnosticError } from '../../src/diagnostics.js';
import { runFloat } from '../../src/reference.js';
import type { Design } from '../../src/ir/design.js';
import { csimSamples, expectSameOutputs, simulateSamples } from '../support/harness.js';

function eachOpset(label: string, opsets: number[], make: (opset: number) => ModelSpec): void {
  it.each(opsets)(`${label}, opset %i: = ONNX Runtime`, async (opset) => {
    await expectMatchesOrt(make(opset), `${label} at opset ${opset}`);
  });
}

const REDUCE = ['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceL1', 'ReduceL2', 'ReduceSumSquare', 'ReduceLogSumExp', 'ReduceProd'];
/** The first opset whose axes are an input. */
const inputSince = (op: string) => (op === 'ReduceSum' ? 13 : 18);

/** A reduction of x [2, 3, 4, 5] over `axes` (undefined: default) in the form of `opset`. */
function reduceModel(op: string, opset: number, axes: number[] | undefined, attrs: Record<string, number> = {}): ModelSpec {
  if (opset < inputSince(op)) return oneNode(opset, [2, 3, 4, 5], { op, inputs: ['x'], outputs: ['y'], attrs: { ...attrs, ...(axes ? { axes } : {}) } });
  return oneNode(opset, [2, 3, 4, 5], { op, inputs: axes ? ['x', 'ax'] : ['x'], outputs: ['y'], attrs }, axes ? { initializers: [i64('ax', axes)] } : {});
}

describe('Reduce*: axes attribute before opset 13 (ReduceSum) / 18, input from then on', () => {
  for (const op of REDUCE) {
    const old = inputSince(op) === 13 ? [1, 11] : [1, 13];
    const cur = inputSince(op) === 13 ? [13, 18] : [18];
    eachOpset(`${op} axes [1, -1], keepdims 1`, [...old, ...cur], (o) => reduceModel(op, o, [1, -1]));
    eachOpset(`${op} axes [2], keepdims 0`, [old[1], cur[0]], (o) => reduceModel(op, o, [2], { keepdims: 0 }));
    eachOpset(`${op} default axes (all)`, [old[1], cur[0]], (o) => reduceModel(op, o, undefined, { keepdims: 0 }));
    eachOpset(`${op} axes [0, 2] (not adjacent)`, [old[1], cur[0]], (o) => reduceModel(op, o, [0, 2]));
  }
  eachOpset('ReduceSum noop_with_empty_axes', [13, 18], (o) => reduceModel('ReduceSum', o, undefined, { noop_with_empty_axes: 1 }));
  eachOpset('ReduceL2 noop_with_empty_axes', [18], (o) => reduceModel('ReduceL2', o, undefined, { noop_with_empty_axes: 1 }));
  it('refuses axes given both ways and non-constant axes with a coded diagnostic', () => {
    expectRefused(oneNode(18, [2, 3], { op: 'ReduceMean', inputs: ['x'], outputs: ['y'], attrs: { axes: [1] } }), 'FPGAC003', 'n', 'ReduceMean', /axes is an input/);
    expectRefused(oneNode(13, [2, 3], { op: 'ReduceMean', inputs: ['x'], outputs: ['y'], attrs: { axes: [2] } }), 'FPGAC003', 'n', 'ReduceMean', /out of range/);
  });
});

const argModel = (op: string, opset: number, attrs: Record<string, number>): ModelSpec =>
  oneNode(opset, [3, 4, 5], { op, inputs: ['x'], outputs: ['y'], attrs }, { outputs: [{ name: 'y', type: 7 }] });

describe('ArgMax / ArgMin: axis, keepdims, select_last_index (from opset 12)', () => {
  for (const op of ['ArgMax', 'ArgMin']) {
    eachOpset(`${op} default axis`, [1, 11, 13], (o) => argModel(op, o, {}));
    eachOpset(`${op} axis -1 keepdims 0`, [11, 13], (o) => argModel(op, o, { axis: -1, keepdims: 0 }));
    eachOpset(`${op} axis 1 select_last_index`, [12, 13], (o) => argModel(op, o, { axis: 1, select_last_index: 1 }));
  }
  it('select_last_index picks the last of equal values', async () => {
    const spec: ModelSpec = { ...argModel('ArgMax', 13, { axis: 1, select_last_index: 1 }), inputs: [{ name: 'x', dims: [2, 4] }] };
    const x = [1, 3, 3, 0, 2, 2, 2, 1];
    const want = await ortRun(spec, [x]);
    expect(want[0].data).toEqual([2, 2]);
    expect(Array.from(floatOf(spec, [x])[0])).toEqual([2, 2]);
  });
});

/** Max/Min/Sum/Mean of three inputs of broadcasting shapes (one shape before opset 8). */
function naryModel(op: string, opset: number, n = 3): ModelSpec {
  const shapes = opset < 8 ? [[2, 3, 4], [2, 3, 4], [2, 3, 4]] : [[2, 3, 4], [3, 1], [4]];
  const names = ['a', 'b', 'c'].slice(0, n);
  return { opset, inputs: names.map((name, k) => ({ name, dims: shapes[k] })), outputs: [{ name: 'y' }], nodes: [{ name: 'n', op, inputs: names, outputs: ['y'] }] };
}

describe('Max, Min, Sum, Mean: any number of inputs, broadcasting from opset 8', () => {
  for (const op of ['Max', 'Min', 'Sum', 'Mean']) {
    eachOpset(`${op} of 3 inputs`, [6, 8, 13], (o) => naryModel(op, o));
    eachOpset(`${op} of 1 input`, [8, 13], (o) => naryModel(op, o, 1));
  }
});

describe('pools: 3-D, MaxPool Indices', () => {
  const x5 = [1, 2, 5, 6, 7];
  eachOpset('3-D MaxPool, pads, strides, dilations', [12, 22], (o) => oneNode(o, x5, { op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [2, 3, 2], strides: [2, 1, 2], pads: [1, 0, 1, 0, 1, 1], dilations: [1, 2, 1] } }));
  eachOpset('3-D AveragePool, pads, excluding padding', [11, 22], (o) => oneNode(o, x5, { op: 'AveragePool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [3, 2, 3], strides: [1, 2, 2], pads: [1, 1, 0, 1, 0, 1] } }));
  eachOpset('3-D AveragePool, count_include_pad', [11, 22], (o) => oneNode(o, x5, { op: 'AveragePool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [2, 2, 3], pads: [1, 0, 1, 0, 1, 1], count_include_pad: 1 } }));
  eachOpset('3-D GlobalAveragePool', [13], (o) => oneNode(o, x5, { op: 'GlobalAveragePool', inputs: ['x'], outputs: ['y'] }));
  eachOpset('3-D GlobalMaxPool', [13], (o) => oneNode(o, x5, { op: 'GlobalMaxPool', inputs: ['x'], outputs: ['y'] }));
  for (const so of [0, 1]) {
    eachOpset(`MaxPool Indices, storage_order ${so}`, [12], (o) => oneNode(o, [2, 3, 5, 6], { op: 'MaxPool', inputs: ['x'], outputs: ['y', 'i'], attrs: { kernel_shape: [2, 3], strides: [2, 2], pads: [1, 1, 0, 1], storage_order: so } }, { outputs: [{ name: 'y' }, { name: 'i', type: 7 }] }));
  }
});

function floatOf(spec: ModelSpec, inputs: number[][]): Float64Array[] {
  const g = runPipeline(decodeModel(buildModel(spec), '/nonexistent').graph).graph;
  return runFloat(g, inputs).outputs.map((t) => Float64Array.from(t.data));
}

function lowerSpec(spec: ModelSpec, f: FixedFormat): Design {
  const g = runPipeline(decodeModel(buildModel(spec), '/nonexistent').graph).graph;
  return lowerGraph(g, { quant: { activation: f, weight: f, bias: f }, topName: 'top', precision: 'test', model: { file: 't', sha256: '', opset: g.opset, producer: '' } });
}

/** Every op of one model through lowering: the simulator within `tol` of ONNX Runtime's float outputs. */
async function expectFixedClose(spec: ModelSpec, f: FixedFormat, tol: (k: number) => number): Promise<Design> {
  const inputs = inputsOf(spec);
  const want = await ortRun(spec, inputs);
  const design = lowerSpec(spec, f);
  const got = simulateSample(design, inputs).outputs;
  want.forEach((w, k) => {
    let worst = 0;
    w.data.forEach((v, i) => { worst = Math.max(worst, Math.abs(got[k][i] - v)); });
    expect(worst, `output ${k}`).toBeLessThanOrEqual(tol(k));
  });
  return design;
}

const F16 = parseFormat('ap_fixed<16,6,AP_RND_CONV,AP_SAT>'); // LSB 2^-10; values(·, 2) lie in [-2, 2]
const LSB = 2 ** -10;

/** Many reductions of one input in one model (one g++ compile for all of them). */
function manyReductions(): ModelSpec {
  const nodes: NodeSpec[] = [
    { name: 'sum', op: 'ReduceSum', inputs: ['x', 'a1'], outputs: ['y_sum'], attrs: { keepdims: 0 } },
    { name: 'mean', op: 'ReduceMean', inputs: ['x', 'a13'], outputs: ['y_mean'] },
    { name: 'max', op: 'ReduceMax', inputs: ['x', 'a23'], outputs: ['y_max'] },
    { name: 'min', op: 'ReduceMin', inputs: ['x'], outputs: ['y_min'], attrs: { keepdims: 0 } },
    { name: 'l1', op: 'ReduceL1', inputs: ['x', 'a1'], outputs: ['y_l1'] },
    { name: 'l2', op: 'ReduceL2', inputs: ['x', 'a13'], outputs: ['y_l2'] },
    { name: 'ss', op: 'ReduceSumSquare', inputs: ['x', 'a23'], outputs: ['y_ss'] },
    { name: 'am', op: 'ArgMax', inputs: ['x'], outputs: ['y_am'], attrs: { axis: 2, select_last_index: 1 } },
    { name: 'an', op: 'ArgMin', inputs: ['x'], outputs: ['y_an'], attrs: { axis: 0, keepdims: 0 } },
    { name: 'nmax', op: 'Max', inputs: ['x', 'b', 'c'], outputs: ['y_nmax'] },
    { name: 'nmin', op: 'Min', inputs: ['x', 'b'], outputs: ['y_nmin'] },
    { name: 'nsum', op: 'Sum', inputs: ['x', 'b', 'c'], outputs: ['y_nsum'] },
    { name: 'nmean', op: 'Mean', inputs: ['x', 'b', 'c'], outputs: ['y_nmean'] },
    { name: 'nmean2', op: 'Mean', inputs: ['x', 'b'], outputs: ['y_nmean2'] },
  ];
  const int = new Set(['y_am', 'y_an']);
  return {
    opset: 18,
    inputs: [{ name: 'x', dims: [1, 3, 4, 5] }, { name: 'b', dims: [3, 1, 1] }, { name: 'c', dims: [5] }],
    outputs: nodes.map((n) => ({ name: n.outputs[0], ...(int.has(n.outputs[0]) ? { type: 7 } : {}) })),
    nodes, initializers: [i64('a1', [1]), i64('a13', [1, 3]), i64('a23', [-2, -1])],
  };
}

describe('lowered reductions, n-ary ops and pools: simulator vs ONNX Runtime, and g++', () => {
  it('every reduction and n-ary op within its bound (sums/max exact up to the output cast, mean 1/2 + 1/8 LSB, L2 correctly rounded)', async () => {
    const spec = manyReductions();
    // Exact up to one output rounding (1/2 LSB) plus the inputs' own rounding (1/2 LSB each, times the terms summed).
    const terms = [4, 15, 20, 60, 4, 15, 20, 0, 0, 1, 1, 3, 3, 2];
    await expectFixedClose(spec, F16, (k) => (terms[k] === 0 ? 0 : LSB / 2 + terms[k] * LSB / 2 * (k === 6 ? 4 : 1) + LSB / 8));
  });

  it('the lowered design gives g++ the simulator\'s bits (transpose + reduce + eltwise chains, integer outputs)', async () => {
    const design = lowerSpec(manyReductions(), F16);
    expect(design.layers.some((l) => l.kind === 'transpose')).toBe(true);
    expect(design.layers.filter((l) => l.kind === 'eltwise' && (l.op === 'max' || l.op === 'min')).length).toBe(3);
    const samples = [0, 1, 2].map((s) => inputsOf(manyReductions(), 11 + s));
    expectSameOutputs(design, await csimSamples(design, samples), simulateSamples(design, samples));
  });

  it('GlobalAveragePool over 112x112 and a 63x63 AveragePool build and stay within 1/2 + 1/8 LSB (16- and 24-bit)', async () => {
    for (const f of [F16, parseFormat('ap_fixed<24,6,AP_RND_CONV,AP_SAT>')]) {
      const lsb = 2 ** -(f.width - f.int);
      const gap = oneNode(13, [1, 2, 112, 112], { op: 'GlobalAveragePool', inputs: ['x'], outputs: ['y'] });
      await expectFixedClose(gap, f, () => lsb / 2 + lsb / 8 + lsb / 2); // + the input's own rounding
      const big = oneNode(13, [1, 1, 80, 80], { op: 'AveragePool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [63, 63], strides: [4, 4], pads: [5, 5, 5, 5] } });
      await expectFixedClose(big, f, () => lsb / 2 + lsb / 8 + lsb / 2);
    }
  });

  it('MaxPool Indices lower to a pool2d argmax layer: the values and the indices equal ONNX Runtime\'s', async () => {
    for (const so of [0, 1]) {
      const spec = oneNode(12, [1, 3, 5, 6], { op: 'MaxPool', inputs: ['x'], outputs: ['y', 'i'], attrs: { kernel_shape: [2, 3], strides: [2, 2], pads: [1, 1, 0, 1], storage_order: so } }, { outputs: [{ name: 'y' }, { name: 'i', type: 7 }] });
      const d = await expectFixedClose(spec, F16, (k) => (k === 0 ? LSB / 2 : 0));
      expect(d.layers.map((l) => (l.kind === 'pool2d' ? l.mode : l.kind))).toEqual(['max', 'argmax']);
    }
  });

  it('3-D pools lower to two pool2d layers: max exact, average within 1/2 + 1/8 LSB + the intermediate rounding', async () => {
    const x5 = [1, 2, 5, 6, 7];
    const mp = oneNode(13, x5, { op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [2, 3, 2], strides: [2, 1, 2], pads: [1, 0, 1, 0, 1, 1], dilations: [1, 2, 1] } });
    const d = await expectFixedClose(mp, F16, () => LSB / 2);
    expect(d.layers.filter((l) => l.kind === 'pool2d').length).toBe(2);
    const ap = oneNode(13, x5, { op: 'AveragePool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [3, 2, 3], strides: [1, 2, 2], pads: [1, 1, 0, 1, 0, 1] } });
    await expectFixedClose(ap, F16, () => LSB / 2 + LSB / 2 + LSB / 8 + LSB / 256);
  });

  it('rejects what it cannot lower with a coded diagnostic naming the reason', () => {
    const lse = reduceModel('ReduceLogSumExp', 18, [1]);
    expect(() => lowerSpec(lse, F16)).toThrow(DiagnosticError);
    expect(() => lowerSpec(lse, F16)).toThrow(/only when constant folding removes it/);
    const idx3 = oneNode(12, [1, 1, 4, 4, 4], { op: 'MaxPool', inputs: ['x'], outputs: ['y', 'i'], attrs: { kernel_shape: [2, 2, 2] } }, { outputs: [{ name: 'y' }, { name: 'i', type: 7 }] });
    expect(() => lowerSpec(idx3, F16)).toThrow(/Indices output of a 3-D MaxPool/);
    const wide = fixed(40, 10);
    const huge = reduceModel('ReduceSumSquare', 18, [1]);
    expect(() => lowerSpec(huge, wide)).toThrow(/accumulator/);
  });
});
