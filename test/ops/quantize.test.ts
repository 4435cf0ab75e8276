/**
 * Quantized-model ops (src/ops/quantize.ts): the float references of QuantizeLinear / DequantizeLinear against ONNX
 * Runtime on hand-built models (per tensor and per axis, int8/uint8/int32, exact ties), quantized weights folding to
 * float weights, QONNX Quant / BipolarQuant against a standard-ONNX expansion run in ONNX Runtime and against the
 * rounding table of the QONNX spec, the ONNX node tests of QuantizeLinear / DequantizeLinear; then the hardware
 * side: power-of-two fake quantization compiles to layers whose fixed-point results (simulator and g++) equal the
 * float reference exactly, and every other form is refused with an FPGAC003 diagnostic naming the node.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel } from '../../src/onnx/load.js';
import { inferAndFold } from '../../src/passes/infer.js';
import { runFloat } from '../../src/reference.js';
import { compileModel } from '../../src/compile.js';
import { simulateSample } from '../../sim/simulate.js';
import { formatToCpp } from '../../sim/fixed.js';
import { numel } from '../../src/ir/graph.js';
import { DiagnosticError } from '../../src/diagnostics.js';
import { powerOfTwoExponent, roundHalfEven } from '../../src/ops/quantize.js';
import { buildModel, type InitSpec, type ModelSpec, type NodeSpec } from '../support/onnx-builder.js';
import { SHARED_MODELS, runNodeTestFloat, testDataSets } from '../support/models.js';
import { csimSamples, rng } from '../support/harness.js';

/** The first positions where two arrays differ in value (NaN equals NaN; -0 equals 0: no op here gives it meaning). */
function firstDifferences(a: ArrayLike<number>, b: ArrayLike<number>, max = 5): string[] {
  const out: string[] = [];
  if (a.length !== b.length) out.push(`length ${a.length} != ${b.length}`);
  for (let i = 0; i < Math.min(a.length, b.length) && out.length < max; i++) {
    if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) out.push(`[${i}] ${a[i]} != ${b[i]}`);
  }
  return out;
}

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-quantize-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function write(spec: ModelSpec): string {
  const file = path.join(dir, `m${counter++}.onnx`);
  buildModel(spec, file);
  return file;
}

// ONNX type codes and the matching ort / typed-array constructors.
const T = { float: 1, uint8: 2, int8: 3, int16: 5, int32: 6 } as const;
type OrtType = 'float32' | 'uint8' | 'int8' | 'int32';
const TYPED: Record<OrtType, (d: number[]) => ArrayLike<number>> = {
  float32: (d) => Float32Array.from(d), uint8: (d) => Uint8Array.from(d), int8: (d) => Int8Array.from(d), int32: (d) => Int32Array.from(d),
};

/** Runs the model in ONNX Runtime and in the float reference (imported graph) on the same inputs; returns both. */
async function bothWays(spec: ModelSpec, feeds: { type: OrtType; data: number[] }[]): Promise<{ ours: Float64Array[]; theirs: Float64Array[]; file: string }> {
  const file = write(spec);
  const session = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'disabled' });
  const g = inferAndFold(loadModel(file).graph).graph;
  const ortFeeds: Record<string, ort.Tensor> = {};
  spec.inputs.forEach((vi, i) => {
    ortFeeds[vi.name] = new ort.Tensor(feeds[i].type, TYPED[feeds[i].type](feeds[i].data) as never, vi.dims as number[]);
  });
  const res = await session.run(ortFeeds);
  const theirs = session.outputNames.map((n) => Float64Array.from(res[n].data as ArrayLike<number>));
  // The reference stores every value as a double; the inputs are the exact float32 / integer values ORT saw.
  const ours = runFloat(g, feeds.map((f) => Array.from(TYPED[f.type](f.data)))).outputs.map((t) => t.data);
  return { ours, theirs, file };
}

/** Seeded float32 values in [-range, range]. */
function randomF32(n: number, seed: number, range: number): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Math.fround((r() * 2 - 1) * range));
}

/** Float32 x with fround(x / s) exactly n + 0.5 (ties of the float32 division ORT does), for n in [from, to). */
function ties(s: number, from: number, to: number): number[] {
  const out: number[] = [];
  for (let n = from; n < to; n++) {
    const x = Math.fround((n + 0.5) * s);
    if (Math.fround(x / s) === n + 0.5) out.push(x);
  }
  return out;
}

function qdqSpec(opts: { shape: number[]; scale: number[]; zp?: number[]; zpType: number; axis?: number; opset?: number; dq?: boolean }): ModelSpec {
  const perAxis = opts.scale.length > 1;
  const pdims = perAxis ? [opts.scale.length] : [];
  const inits: InitSpec[] = [{ name: 's', dims: pdims, values: opts.scale }];
  if (opts.zp) inits.push({ name: 'zp', dims: pdims, values: opts.zp, type: opts.zpType });
  const attrs = opts.axis === undefined ? undefined : { axis: opts.axis };
  const nodes: NodeSpec[] = [{ op: 'QuantizeLinear', inputs: ['x', 's', ...(opts.zp ? ['zp'] : [])], outputs: ['q'], attrs }];
  const outputs = [{ name: 'q', type: opts.zpType }];
  if (opts.dq) {
    nodes.push({ op: 'DequantizeLinear', inputs: ['q', 's', ...(opts.zp ? ['zp'] : [])], outputs: ['y'], attrs });
    outputs.push({ name: 'y', type: T.float });
  }
  return { inputs: [{ name: 'x', dims: opts.shape }], outputs, nodes, initializers: inits, opset: opts.opset ?? 13 };
}

describe('QuantizeLinear / DequantizeLinear float reference vs ONNX Runtime', () => {
  it('helpers: round half to even and power-of-two scales', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, -2.5001, 1e300].map((v) => roundHalfEven(v) + 0)).toEqual([0, 2, 2, 0, -2, -2, 2, -3, 1e300]);
    expect([1, 0.5, 2 ** -12, 4, 0.1, 0, -0.5, 3].map(powerOfTwoExponent)).toEqual([0, 1, 12, -2, undefined, undefined, undefined, undefined]);
  });

  for (const [label, zpType, zp, lo, hi] of [['int8', T.int8, -3, -128, 127], ['uint8', T.uint8, 128, 0, 255]] as const) {
    for (const scale of [0.25, Math.fround(0.1), Math.fround(0.0123)]) {
      it(`per tensor, ${label}, scale ${scale}: identical integers, ties included, saturating both ways`, async () => {
        const tieXs = ties(scale, -140, 140);
        expect(tieXs.length, 'exact float32 ties exercised').toBeGreaterThan(100);
        const x = [...tieXs, ...randomF32(300, 7, 200 * scale), 1e9, -1e9, 0, -0];
        const { ours, theirs } = await bothWays(qdqSpec({ shape: [1, x.length], scale: [scale], zp: [zp], zpType, dq: true }), [{ type: 'float32', data: x }]);
        expect(firstDifferences(ours[0], theirs[0])).toEqual([]);
        expect(Math.min(...ours[0])).toBe(lo);
        expect(Math.max(...ours[0])).toBe(hi);
        // DequantizeLinear: (q - zp) · scale in float32, the same floats.
        expect(firstDifferences(ours[1], theirs[1])).toEqual([]);
      });
    }
  }

  it('per axis (axis 1 and axis -1), int8 and uint8, with ties', async () => {
    const scales = [0.5, Math.fround(0.07), 2];
    for (const [zpType, zp, type] of [[T.int8, [0, -5, 7], 'int8'], [T.uint8, [128, 3, 250], 'uint8']] as const) {
      void type;
      for (const axis of [1, -1]) {
        const shape = axis === 1 ? [1, 3, 4, 5] : [1, 4, 5, 3];
        const n = numel(shape);
        const x = randomF32(n, 11 + axis, 40);
        // Make some exact ties in each channel.
        for (let i = 0; i < n; i += 7) {
          const c = axis === 1 ? Math.floor(i / 20) % 3 : i % 3;
          x[i] = Math.fround((Math.round(x[i] / scales[c]) + 0.5) * scales[c]);
        }
        const { ours, theirs } = await bothWays(qdqSpec({ shape, scale: scales, zp: [...zp], zpType, axis, dq: true }), [{ type: 'float32', data: x }]);
        expect(firstDifferences(ours[0], theirs[0]), `q, axis ${axis}`).toEqual([]);
        expect(firstDifferences(ours[1], theirs[1]), `y, axis ${axis}`).toEqual([]);
      }
    }
  });

  it('zero point omitted: uint8 output with zero point 0 (opset 10 form)', async () => {
    const x = randomF32(64, 3, 30);
    const { ours, theirs } = await bothWays(qdqSpec({ shape: [2, 32], scale: [0.125], zpType: T.uint8, opset: 10, dq: true }), [{ type: 'float32', data: x }]);
    expect(firstDifferences(ours[0], theirs[0])).toEqual([]);
    expect(firstDifferences(ours[1], theirs[1])).toEqual([]);
  });

  it('DequantizeLinear of run-time int8 / uint8 / int32 inputs', async () => {
    for (const [type, code, data, zp] of [
      ['int8', T.int8, [-128, -1, 0, 1, 127, 55], -4],
      ['uint8', T.uint8, [0, 1, 128, 200, 255, 17], 128],
      ['int32', T.int32, [-(2 ** 31), -123456789, 0, 1, 2 ** 31 - 1, 99999], 0],
    ] as const) {
      const spec: ModelSpec = {
        inputs: [{ name: 'q', dims: [2, 3], type: code }], outputs: [{ name: 'y' }],
        initializers: [{ name: 's', dims: [], values: [Math.fround(0.0371)] }, { name: 'zp', dims: [], values: [zp], type: code }],
        nodes: [{ op: 'DequantizeLinear', inputs: ['q', 's', 'zp'], outputs: ['y'] }],
      };
      const { ours, theirs } = await bothWays(spec, [{ type: type as OrtType, data: [...data] }]);
      expect(firstDifferences(ours[0], theirs[0]), type).toEqual([]);
    }
  });

  it('int8 weights + per-axis DequantizeLinear (and an int32 bias) fold into float weights at import', async () => {
    const cout = 4;
    const wq = Array.from({ length: cout * 2 * 3 * 3 }, (_, i) => ((i * 37) % 255) - 127);
    const spec: ModelSpec = {
      inputs: [{ name: 'x', dims: [1, 2, 6, 6] }], outputs: [{ name: 'y' }],
      initializers: [
        { name: 'Wq', dims: [cout, 2, 3, 3], values: wq, type: T.int8 },
        { name: 'ws', dims: [cout], values: [0.01, 0.02, 0.004, 0.05].map(Math.fround) },
        { name: 'wz', dims: [cout], values: [0, 0, 0, 0], type: T.int8 },
        { name: 'Bq', dims: [cout], values: [1000, -2000, 30, 0], type: T.int32 },
        { name: 'bs', dims: [cout], values: [0.0001, 0.0002, 0.00004, 0.0005].map(Math.fround) },
      ],
      nodes: [
        { op: 'DequantizeLinear', inputs: ['Wq', 'ws', 'wz'], outputs: ['W'], attrs: { axis: 0 } },
        { op: 'DequantizeLinear', inputs: ['Bq', 'bs'], outputs: ['B'], attrs: { axis: 0 } },
        { op: 'Conv', inputs: ['x', 'W', 'B'], outputs: ['y'], attrs: { pads: [1, 1, 1, 1] } },
      ],
    };
    const x = randomF32(72, 5, 1);
    const { ours, theirs, file } = await bothWays(spec, [{ type: 'float32', data: x }]);
    const g = inferAndFold(loadModel(file).graph).graph;
    expect(g.nodes.map((n) => n.op)).toEqual(['Conv']);
    // The folded weights are the float32 values ORT dequantizes to.
    const W = g.constants.get('W')!;
    expect(W.data[0]).toBe(Math.fround(wq[0] * Math.fround(0.01)));
    for (let i = 0; i < ours[0].length; i++) expect(Math.abs(ours[0][i] - theirs[0][i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(theirs[0][i])));
  });

  it('rejects unsupported forms at import with a diagnostic naming the node', () => {
    const cases: [ModelSpec, RegExp][] = [
      [{
        inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'q', type: T.uint8 }], opset: 21,
        initializers: [{ name: 's', dims: [1, 2], values: [0.5, 0.25] }],
        nodes: [{ op: 'QuantizeLinear', name: 'blocky', inputs: ['x', 's'], outputs: ['q'], attrs: { axis: 1, block_size: 2 } }],
      }, /FPGAC003.*blocky.*block_size 2/],
      [{
        inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'q', type: T.int8 }],
        initializers: [{ name: 's', dims: [3], values: [0.5, 0.25, 1] }, { name: 'z', dims: [3], values: [0, 0, 0], type: T.int8 }],
        nodes: [{ op: 'QuantizeLinear', name: 'badaxis', inputs: ['x', 's', 'z'], outputs: ['q'] }],
      }, /FPGAC004.*badaxis.*neither per-tensor nor per-axis/],
    ];
    for (const [spec, re] of cases) {
      const g = loadModel(write(spec)).graph;
      expect(() => inferAndFold(g)).toThrow(re);
    }
  });
});

// ---- QONNX -------------------------------------------------------------------------------------------------

const QONNX = 'qonnx.custom_op.general';

interface QuantSpec { bits: number; signed: 0 | 1; narrow: 0 | 1; mode?: string; scale: number; zeropt?: number; domain?: string; op?: string }

function quantNode(name: string, input: string, output: string, q: QuantSpec): { node: NodeSpec; inits: ModelSpec['initializers'] } {
  return {
    node: {
      op: q.op ?? 'Quant', domain: q.domain ?? QONNX, name, inputs: [input, `${name}_s`, `${name}_z`, `${name}_b`], outputs: [output],
      attrs: { signed: q.signed, narrow: q.narrow, ...(q.mode ? { rounding_mode: q.mode } : {}) },
    },
    inits: [
      { name: `${name}_s`, dims: [], values: [q.scale] },
      { name: `${name}_z`, dims: [], values: [q.zeropt ?? 0] },
      { name: `${name}_b`, dims: [], values: [q.bits] },
    ],
  };
}

/** The same Quant as standard ONNX (Div, Add, Clip, Round/Floor/Ceil, Sub, Mul), as the stored QONNX references. */
function expandedQuant(n: number, q: QuantSpec): ModelSpec {
  const lo = q.signed ? -(2 ** (q.bits - 1)) + q.narrow : 0;
  const hi = q.signed ? 2 ** (q.bits - 1) - 1 : 2 ** q.bits - 1 - q.narrow;
  const round = { ROUND: 'Round', FLOOR: 'Floor', CEIL: 'Ceil' }[q.mode ?? 'ROUND']!;
  return {
    inputs: [{ name: 'x', dims: [1, n] }], outputs: [{ name: 'y' }], opset: 13,
    initializers: [
      { name: 's', dims: [], values: [q.scale] }, { name: 'z', dims: [], values: [q.zeropt ?? 0] },
      { name: 'lo', dims: [], values: [lo] }, { name: 'hi', dims: [], values: [hi] },
    ],
    nodes: [
      { op: 'Div', inputs: ['x', 's'], outputs: ['a'] }, { op: 'Add', inputs: ['a', 'z'], outputs: ['b'] },
      { op: 'Clip', inputs: ['b', 'lo', 'hi'], outputs: ['c'] }, { op: round, inputs: ['c'], outputs: ['d'] },
      { op: 'Sub', inputs: ['d', 'z'], outputs: ['e'] }, { op: 'Mul', inputs: ['e', 's'], outputs: ['y'] },
    ],
  };
}

function quantModel(n: number, q: QuantSpec): ModelSpec {
  const { node, inits } = quantNode('quant', 'x', 'y', q);
  return { inputs: [{ name: 'x', dims: [1, n] }], outputs: [{ name: 'y' }], nodes: [node], initializers: inits, opset: 13 };
}

describe('QONNX Quant / BipolarQuant float reference', () => {
  const cases: QuantSpec[] = [
    { bits: 8, signed: 1, narrow: 0, scale: Math.fround(0.037), zeropt: 0 },
    { bits: 4, signed: 1, narrow: 1, scale: 0.25 },
    { bits: 6, signed: 0, narrow: 0, scale: 2 ** -6, mode: 'ROUND' },
    { bits: 3, signed: 0, narrow: 1, scale: Math.fround(0.3), zeropt: 2, mode: 'FLOOR' },
    { bits: 5, signed: 1, narrow: 0, scale: Math.fround(0.11), zeropt: -3, mode: 'CEIL' },
    { bits: 2, signed: 1, narrow: 1, scale: 1, domain: 'onnx.brevitas' },
  ];
  for (const q of cases) {
    it(`Quant ${q.signed ? 'signed' : 'unsigned'} ${q.bits}-bit${q.narrow ? ' narrow' : ''} ${q.mode ?? 'ROUND'} scale ${q.scale} zeropt ${q.zeropt ?? 0} equals its standard-ONNX expansion in ONNX Runtime`, async () => {
      const x = [...ties(q.scale, -40, 40), ...randomF32(200, q.bits, q.scale * 2 ** (q.bits + 1)), 1e6, -1e6, 0];
      const file = write(expandedQuant(x.length, q));
      const session = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'disabled' });
      const res = await session.run({ x: new ort.Tensor('float32', Float32Array.from(x), [1, x.length]) });
      const want = Float64Array.from(res.y.data as Float32Array);
      const g = inferAndFold(loadModel(write(quantModel(x.length, q))).graph).graph;
      const got = runFloat(g, [Float32Array.from(x)]).outputs[0].data;
      expect(firstDifferences(got, want)).toEqual([]);
    });
  }

  it('rounding modes follow the table of the QONNX spec (IntQuant: ROUND=HALF_EVEN, CEIL, FLOOR, UP, DOWN, HALF_UP, HALF_DOWN)', () => {
    const xs = [5.5, 2.5, 1.6, 1.1, 1.0, -1.0, -1.1, -1.6, -2.5, -5.5];
    const table: Record<string, number[]> = {
      ROUND: [6, 2, 2, 1, 1, -1, -1, -2, -2, -6],
      HALF_EVEN: [6, 2, 2, 1, 1, -1, -1, -2, -2, -6],
      CEIL: [6, 3, 2, 2, 1, -1, -1, -1, -2, -5],
      FLOOR: [5, 2, 1, 1, 1, -1, -2, -2, -3, -6],
      UP: [6, 3, 2, 2, 1, -1, -2, -2, -3, -6],
      DOWN: [5, 2, 1, 1, 1, -1, -1, -1, -2, -5],
      ROUND_TO_ZERO: [5, 2, 1, 1, 1, -1, -1, -1, -2, -5],
      HALF_UP: [6, 3, 2, 1, 1, -1, -1, -2, -3, -6],
      HALF_DOWN: [5, 2, 2, 1, 1, -1, -1, -2, -2, -5],
    };
    for (const [mode, want] of Object.entries(table)) {
      for (const op of ['Quant', 'IntQuant']) {
        // float64 input so the table's decimals are taken as written.
        const spec = quantModel(xs.length, { bits: 8, signed: 1, narrow: 0, scale: 1, mode: mode.toLowerCase(), op, domain: 'finn.custom_op.general' });
        spec.inputs[0].type = 11;
        const g = inferAndFold(loadModel(write(spec)).graph).graph;
        expect(Array.from(runFloat(g, [xs]).outputs[0].data), `${op} ${mode}`).toEqual(want);
      }
    }
  });

  it('signed 1-bit Quant and BipolarQuant are bipolar: ±scale by the sign (0 counts as positive)', () => {
    const xs = [-3, -0.001, 0, 0.001, 7];
    const { node, inits } = quantNode('q1', 'x', 'y1', { bits: 1, signed: 1, narrow: 0, scale: 0.5 });
    const spec: ModelSpec = {
      inputs: [{ name: 'x', dims: [1, 5] }], outputs: [{ name: 'y1' }, { name: 'y2' }], opset: 13,
      initializers: [...inits!, { name: 'bs', dims: [], values: [0.75] }],
      nodes: [node, { op: 'BipolarQuant', domain: QONNX, inputs: ['x', 'bs'], outputs: ['y2'] }],
    };
    const g = inferAndFold(loadModel(write(spec)).graph).graph;
    const r = runFloat(g, [xs]).outputs;
    expect(Array.from(r[0].data)).toEqual([-0.5, -0.5, 0.5, 0.5, 0.5]);
    expect(Array.from(r[1].data)).toEqual([-0.75, -0.75, 0.75, 0.75, 0.75]);
  });

  it('Quant on weights folds at import; a run-time bit width or an unknown rounding mode is a diagnostic', () => {
    const { node, inits } = quantNode('wq', 'Wf', 'W', { bits: 3, signed: 1, narrow: 1, scale: 0.5 });
    const spec: ModelSpec = {
      inputs: [{ name: 'x', dims: [1, 3] }], outputs: [{ name: 'y' }], opset: 13,
      initializers: [...inits!, { name: 'Wf', dims: [3, 2], values: [0.1, -0.4, 0.76, 1.3, -2, 9] }],
      nodes: [node, { op: 'MatMul', inputs: ['x', 'W'], outputs: ['y'] }],
    };
    const g = inferAndFold(loadModel(write(spec)).graph).graph;
    expect(g.nodes.map((n) => n.op)).toEqual(['MatMul']);
    expect(Array.from(g.constants.get('W')!.data)).toEqual([0, -0.5, 1, 1.5, -1.5, 1.5]);

    const bad = quantModel(4, { bits: 4, signed: 1, narrow: 0, scale: 1, mode: 'STOCHASTIC' });
    bad.nodes[0].name = 'qbad';
    expect(() => inferAndFold(loadModel(write(bad)).graph)).toThrow(/FPGAC003.*qbad.*rounding_mode 'STOCHASTIC'/);
    const rt = quantModel(4, { bits: 4, signed: 1, narrow: 0, scale: 1 });
    rt.inputs.push({ name: 'quant_b', dims: [] });
    rt.initializers = rt.initializers!.filter((i) => i.name !== 'quant_b');
    expect(() => inferAndFold(loadModel(write(rt)).graph)).toThrow(/FPGAC003.*quant.*bit width must be a constant/);
  });
});

// ---- ONNX node tests -------------------------------------------------------------------------------------

const NODE_DIR = path.join(SHARED_MODELS, 'onnx-node');

describe.skipIf(!existsSync(NODE_DIR))('ONNX node tests of QuantizeLinear / DequantizeLinear (float reference)', () => {
  const tests = existsSync(NODE_DIR) ? readdirSync(NODE_DIR).filter((d) => /^test_(de)?quantizelinear/.test(d)).sort() : [];

  /** As the conformance harness: scale and zero point (constantInputs) are frozen to the test's values. */
  function run(test: string): 'pass' | string {
    try {
      const m = loadModel(path.join(NODE_DIR, test, 'model.onnx'));
      for (const ds of testDataSets(path.join('onnx-node', test))) {
        const r = { outputs: runNodeTestFloat(m.graph, ds) };
        for (let k = 0; k < ds.outputs.length; k++) {
          const d = firstDifferences(r.outputs[k].data, ds.outputs[k].data);
          if (d.length) return `mismatch ${d.join(', ')}`;
        }
      }
      return 'pass';
    } catch (e) {
      if (e instanceof DiagnosticError) return e.diagnostics.map((d) => d.code).join(',');
      throw e;
    }
  }

  it('passes every test of a supported type exactly (8-/16-bit, per tensor and per axis); rejects blocked and 4-bit ones', () => {
    const got = Object.fromEntries(tests.map((t) => [t, run(t)]));
    const want = (t: string) => (/blocked/.test(t) ? 'FPGAC003' : /int4/.test(t) ? 'FPGAC007' : 'pass');
    expect(got).toEqual(Object.fromEntries(tests.map((t) => [t, want(t)])));
    expect(Object.values(got).filter((v) => v === 'pass').length).toBeGreaterThanOrEqual(8);
  });
});

// ---- hardware: power-of-two fake quantization is an exact cast ------------------------------------------

/** Values on the ap_fixed<16,6> input grid (2^-10), spanning the range, with every tie of a 2^-k grid. */
function gridInputs(n: number, seed: number): number[] {
  const r = rng(seed);
  const xs: number[] = [];
  for (let i = 0; i < n; i++) xs.push(Math.round((r() * 2 - 1) * 31 * 1024) / 1024);
  // Ties: (m + 0.5) · 2^-k for k = 0..6, both signs.
  for (let k = 0; k <= 6; k++) for (const m of [-3, -2, -1, 0, 1, 2, 5]) xs.push((m + 0.5) * 2 ** -k);
  xs.push(32 - 2 ** -10, -32, 0);
  return xs;
}

describe('power-of-two fake quantization lowers to exact fixed-point layers', () => {
  /** One model, several quantizers reading the same input, one output each. */
  function fakeQuantModel(n: number): { spec: ModelSpec; expectFormats: string[] } {
    const inits: NonNullable<ModelSpec['initializers']> = [
      { name: 's4', dims: [], values: [2 ** -4] }, { name: 'z8', dims: [], values: [0], type: T.int8 },
      { name: 's3', dims: [], values: [2 ** -3] }, { name: 'zu8', dims: [], values: [0], type: T.uint8 },
      { name: 's2', dims: [], values: [2] },
    ];
    const nodes: NodeSpec[] = [
      { op: 'QuantizeLinear', name: 'q_a', inputs: ['x', 's4', 'z8'], outputs: ['qa'] },
      { op: 'DequantizeLinear', name: 'dq_a', inputs: ['qa', 's4', 'z8'], outputs: ['ya'] },
      { op: 'QuantizeLinear', name: 'q_b', inputs: ['x', 's3', 'zu8'], outputs: ['qb'] },
      { op: 'DequantizeLinear', name: 'dq_b', inputs: ['qb', 's3', 'zu8'], outputs: ['yb'] },
      { op: 'QuantizeLinear', name: 'q_c', inputs: ['x', 's2', 'z8'], outputs: ['qc'] },
      { op: 'DequantizeLinear', name: 'dq_c', inputs: ['qc', 's2', 'z8'], outputs: ['yc'] },
    ];
    const quants: [string, QuantSpec, string][] = [
      ['qs4n', { bits: 4, signed: 1, narrow: 1, scale: 2 ** -2 }, 'ap_fixed<4,2,AP_RND_CONV,AP_SAT_SYM>'],
      ['qu3n', { bits: 3, signed: 0, narrow: 1, scale: 2 ** -1 }, 'ap_ufixed<3,2,AP_RND_CONV,AP_SAT>'],
      ['qu6', { bits: 6, signed: 0, narrow: 0, scale: 2 ** -6, domain: 'finn.custom_op.general' }, 'ap_ufixed<6,0,AP_RND_CONV,AP_SAT>'],
      ['qfloor', { bits: 5, signed: 1, narrow: 0, scale: 2 ** -3, mode: 'FLOOR' }, 'ap_fixed<5,2,AP_TRN,AP_SAT>'],
      ['qdown', { bits: 5, signed: 1, narrow: 0, scale: 2 ** -3, mode: 'DOWN' }, 'ap_fixed<5,2,AP_TRN_ZERO,AP_SAT>'],
      ['qhup', { bits: 7, signed: 1, narrow: 0, scale: 2 ** -5, mode: 'HALF_UP', domain: 'onnx.brevitas' }, 'ap_fixed<7,2,AP_RND_INF,AP_SAT>'],
      ['qhdown', { bits: 7, signed: 1, narrow: 0, scale: 2 ** -5, mode: 'HALF_DOWN' }, 'ap_fixed<7,2,AP_RND_ZERO,AP_SAT>'],
      ['qbig', { bits: 8, signed: 1, narrow: 0, scale: 4 }, 'ap_fixed<8,10,AP_RND_CONV,AP_SAT>'],
    ];
    for (const [name, q] of quants) {
      const r = quantNode(name, 'x', `y_${name}`, q);
      nodes.push(r.node);
      inits.push(...r.inits!);
    }
    const outputs = ['ya', 'yb', 'yc', ...quants.map(([name]) => `y_${name}`)].map((name) => ({ name }));
    return {
      spec: { inputs: [{ name: 'x', dims: [1, n] }], outputs, nodes, initializers: inits, opset: 13 },
      expectFormats: ['ap_fixed<8,4,AP_RND_CONV,AP_SAT>', 'ap_ufixed<8,5,AP_RND_CONV,AP_SAT>', 'ap_fixed<8,9,AP_RND_CONV,AP_SAT>', ...quants.map(([, , f]) => f)],
    };
  }

  const xs = gridInputs(400, 21);
  let file: string;
  let design: ReturnType<typeof compileModel>['design'];
  let want: Float64Array[];
  beforeAll(() => {
    const { spec } = fakeQuantModel(xs.length);
    file = path.join(dir, 'fq.onnx');
    buildModel(spec, file);
    const c = compileModel(file);
    design = c.design;
    want = runFloat(c.reference, [xs]).outputs.map((t) => t.data);
  });

  it('QuantizeLinear → the integers q, DequantizeLinear → ap_fixed<b, b−k>, Quant → one cast, with the formats of the definition', () => {
    const { expectFormats } = fakeQuantModel(xs.length);
    expect(design.outputs.map((o) => formatToCpp(design.tensors[o].format))).toEqual(expectFormats);
    const byName = Object.fromEntries(design.layers.map((l) => [l.name, l]));
    // Scaling by 2^±k is a free shift of the binary point (unary `shift`), no multiplier and no constant.
    expect(byName.q_a).toMatchObject({ kind: 'unary', shift: 4, act: { kind: 'none' } });
    expect(byName.dq_a).toMatchObject({ kind: 'unary', shift: -4, act: { kind: 'none' } });
    expect(byName.q_c).toMatchObject({ kind: 'unary', shift: -1 });
    expect(design.layers.every((l) => l.kind === 'unary')).toBe(true);
    expect(formatToCpp(design.tensors[byName.q_a.output].format)).toBe('ap_fixed<8,8,AP_RND_CONV,AP_SAT>');
    expect(formatToCpp(design.tensors[byName.q_b.output].format)).toBe('ap_ufixed<8,8,AP_RND_CONV,AP_SAT>');
    expect(byName.qs4n.kind).toBe('unary');
    expect(byName.qu3n).toMatchObject({ kind: 'unary', act: { kind: 'clip', lo: 0, hi: 6 } });
  });

  it('the simulator reproduces the float reference EXACTLY (ties, saturation, every rounding mode), QuantizeLinear outputs included', () => {
    const sim = simulateSample(design, [xs], { trace: true });
    design.outputs.forEach((o, k) => {
      expect(firstDifferences(sim.outputs[k], want[k]), `${design.tensors[o].onnxName} (${formatToCpp(design.tensors[o].format)})`).toEqual([]);
    });
    // The QuantizeLinear tensor holds the integers q, as the ONNX value does.
    const ref = runFloat(inferAndFold(loadModel(file).graph).graph, [xs], { trace: true }).values!;
    const qa = Object.values(design.tensors).find((t) => t.onnxName === 'qa')!;
    expect(firstDifferences(sim.trace!.get(qa.name)!, ref.get('qa')!.data)).toEqual([]);
    // The inputs really exercise saturation and ties.
    expect(Math.max(...want[0])).toBe(127 / 16);
    expect(Math.min(...want[0])).toBe(-8);
    expect(xs.some((x) => Math.abs(x * 16 - Math.floor(x * 16) - 0.5) === 0)).toBe(true);
  });

  it('g++ running the emitted HLS code gives the same bits', async () => {
    const gxx = await csimSamples(design, [[xs]]);
    const sim = simulateSample(design, [xs]);
    design.outputs.forEach((o, k) => expect(firstDifferences(gxx[0][k], sim.outputs[k]), design.tensors[o].onnxName).toEqual([]));
  });
});

/** The float reference's integer q for one sample. */
function ref0(c: ReturnType<typeof compileModel>, x: number[]): Float64Array {
  return runFloat(c.reference, [x], { trace: true }).values!.get('q')!.data;
}

describe('QuantizeLinear/DequantizeLinear with any scale and zero point: integer requantization', () => {
  // The model: x → Q(s, zp) → q → DQ(s, zp) → y, on 3x4 values. Inputs stay clear of rounding ties (x/s within
  // 2^-20 of k + 1/2), where the 24-bit reciprocal may round differently from ONNX's division.
  const cases: [string, number, number, number][] = [
    ['int8, scale 0.0123, zero point 0', Math.fround(0.0123), 0, T.int8],
    ['uint8, scale 0.0471, zero point 128', Math.fround(0.0471), 128, T.uint8],
    ['int8, scale 0.2, zero point -7 (saturates both ways)', Math.fround(0.2), -7, T.int8],
  ];
  for (const [label, s, zp, type] of cases) {
    it(`${label}: q equals the float reference exactly, y within half an output LSB, and g++ equals the simulator`, async () => {
      const file = write({
        inputs: [{ name: 'x', dims: [1, 3, 4] }], outputs: [{ name: 'y' }], opset: 13,
        nodes: [
          { op: 'QuantizeLinear', name: 'the_q', inputs: ['x', 's', 'z'], outputs: ['q'] },
          { op: 'DequantizeLinear', name: 'the_dq', inputs: ['q', 's', 'z'], outputs: ['y'] },
        ],
        initializers: [{ name: 's', dims: [], values: [s] }, { name: 'z', dims: [], values: [zp], type }],
      });
      const c = compileModel(file);
      const rand = rng(Math.round(s * 1e6));
      const samples: number[][][] = [];
      while (samples.length < 20) {
        // Values on the input grid (what the hardware sees), spread over the quantizer range and inside the
        // input format ap_fixed<16,6> (±32), so only the quantizer saturates.
        const x = Array.from({ length: 12 }, () => Math.round((rand() * 2 - 1) * Math.min(140 * s, 31) * 1024) / 1024);
        if (x.some((v) => Math.abs(Math.abs(v / s - Math.trunc(v / s)) - 0.5) < 2 ** -20)) continue;
        samples.push([x]);
      }
      let saturated = 0;
      for (const [x] of samples) {
        const sim = simulateSample(c.design, [x], { trace: true });
        saturated += Array.from(ref0(c, x)).filter((q) => q === -128 || q === 127).length; // int8 bounds
        const ref = runFloat(c.reference, [x], { trace: true });
        const qT = Object.values(c.design.tensors).find((t) => t.onnxName === 'q')!;
        expect(Array.from(sim.trace!.get(qT.name)!)).toEqual(Array.from(ref.values!.get('q')!.data));
        const y = ref.outputs[0].data;
        sim.outputs[0].forEach((v, i) => expect(Math.abs(v - y[i])).toBeLessThanOrEqual(2 ** -11));
      }
      if (label.includes('saturates')) expect(saturated).toBeGreaterThan(0);
      const csim = await csimSamples(c.design, samples);
      samples.forEach((x, i) => expect(Array.from(csim[i][0])).toEqual(Array.from(simulateSample(c.design, x).outputs[0])));
    });
  }
});

describe('QONNX Quant with any scale and zero point: integer requantization', () => {
  const cases: [string, QuantSpec][] = [
    ['signed 8-bit, scale 0.1', { bits: 8, signed: 1, narrow: 0, scale: Math.fround(0.1) }],
    ['signed 6-bit, scale 0.07, zero point 3, FLOOR', { bits: 6, signed: 1, narrow: 0, scale: Math.fround(0.07), zeropt: 3, mode: 'FLOOR' }],
    ['unsigned narrow 4-bit, scale 0.3', { bits: 4, signed: 0, narrow: 1, scale: Math.fround(0.3) }],
  ];
  for (const [label, q] of cases) {
    it(`${label}: equals the float reference (away from rounding ties), and g++ equals the simulator`, async () => {
      const { node, inits } = quantNode('qa', 'x', 'y', q);
      const file = write({ inputs: [{ name: 'x', dims: [1, 3, 4] }], outputs: [{ name: 'y' }], nodes: [node], initializers: inits, opset: 13 });
      const c = compileModel(file);
      const rand = rng(Math.round(q.scale * 1e6) + q.bits);
      const samples: number[][][] = [];
      while (samples.length < 16) {
        const x = Array.from({ length: 12 }, () => Math.round((rand() * 2 - 1) * Math.min(2 ** q.bits * q.scale, 31) * 1024) / 1024);
        // Keep clear of the points where x/s sits on a rounding boundary (integers for FLOOR, halves otherwise).
        const edge = q.mode === 'FLOOR' ? 0 : 0.5;
        if (x.some((v) => Math.abs(Math.abs(v / q.scale - Math.floor(v / q.scale)) - edge) < 2 ** -18)) continue;
        samples.push([x]);
      }
      for (const [x] of samples) {
        const want = runFloat(c.reference, [x]).outputs[0].data;
        simulateSample(c.design, [x]).outputs[0].forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(2 ** -11));
      }
      const csim = await csimSamples(c.design, samples);
      samples.forEach((x, i) => expect(Array.from(csim[i][0])).toEqual(Array.from(simulateSample(c.design, x).outputs[0])));
    });
  }
});

describe('quantizers that do not map exactly onto ap_fixed are refused, never approximated', () => {
  function compileError(nodes: NodeSpec[], inits: NonNullable<ModelSpec['initializers']>, out = 'y'): string {
    const file = write({ inputs: [{ name: 'x', dims: [1, 3, 4] }], outputs: [{ name: out }], nodes, initializers: inits, opset: 13 });
    try {
      compileModel(file);
    } catch (e) {
      if (e instanceof DiagnosticError) return e.message;
      throw e;
    }
    return 'compiled';
  }
  const qdq = (s: number[], z: number[], type: number = T.int8): [NodeSpec[], NonNullable<ModelSpec['initializers']>] => [
    [
      { op: 'QuantizeLinear', name: 'the_q', inputs: ['x', 's', 'z'], outputs: ['q'] },
      { op: 'DequantizeLinear', name: 'the_dq', inputs: ['q', 's', 'z'], outputs: ['y'] },
    ],
    [{ name: 's', dims: s.length > 1 ? [s.length] : [], values: s }, { name: 'z', dims: z.length > 1 ? [z.length] : [], values: z, type }],
  ];

  it('QONNX Quant on activations with a non-power-of-two scale or a zero point: requantized, not refused', () => {
    const { node, inits } = quantNode('qq', 'x', 'y', { bits: 8, signed: 1, narrow: 0, scale: 0.1 });
    expect(compileError([node], inits!)).toBe('compiled');
    const z = quantNode('qz', 'x', 'y', { bits: 8, signed: 1, narrow: 0, scale: 0.5, zeropt: 3 });
    expect(compileError([z.node], z.inits!)).toBe('compiled');
  });

  it('per-axis activation quantization', () => {
    expect(compileError(...qdq([0.5, 0.25, 1], [0, 0, 0]))).toMatch(/FPGAC003: node 'the_q'.*per-axis quantization of a run-time tensor/);
  });

  it('rounding without an ap_fixed mode', () => {
    const c = quantNode('qc', 'x', 'y', { bits: 4, signed: 1, narrow: 0, scale: 0.5, mode: 'CEIL' });
    expect(compileError([c.node], c.inits!)).toMatch(/FPGAC003: node 'qc'.*rounding_mode CEIL has no ap_fixed quantization mode/);
  });
});

describe('bipolar activations in hardware', () => {
  const bq: NodeSpec = { op: 'BipolarQuant', domain: QONNX, name: 'bq', inputs: ['x', 's'], outputs: ['y'] };
  const b1 = quantNode('qb', 'x', 'y', { bits: 1, signed: 1, narrow: 0, scale: 0.5 });
  const models: [string, NodeSpec[], NonNullable<ModelSpec['initializers']>][] = [
    ['BipolarQuant, scale 0.75', [bq], [{ name: 's', dims: [], values: [0.75] }]],
    ['signed 1-bit Quant, scale 0.5', [b1.node], b1.inits!],
  ];
  for (const [label, nodes, inits] of models) {
    it(`${label}: ±s by the sign (0 positive) exactly as the float reference, and g++ equals the simulator`, async () => {
      const file = write({ inputs: [{ name: 'x', dims: [1, 3, 4] }], outputs: [{ name: 'y' }], nodes, initializers: inits, opset: 13 });
      const c = compileModel(file);
      const rand = rng(11);
      const samples = Array.from({ length: 8 }, (_, s) => [Array.from({ length: 12 }, (_, i) => (s === 0 && i < 3 ? [0, -(2 ** -10), 2 ** -10][i] : Math.round((rand() * 2 - 1) * 31 * 1024) / 1024))]);
      for (const [x] of samples) expect(Array.from(simulateSample(c.design, [x]).outputs[0])).toEqual(Array.from(runFloat(c.reference, [x]).outputs[0].data));
      const csim = await csimSamples(c.design, samples);
      samples.forEach((x, i) => expect(Array.from(csim[i][0])).toEqual(Array.from(simulateSample(c.design, x).outputs[0])));
    });
  }
});
