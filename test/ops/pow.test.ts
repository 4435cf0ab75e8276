/**
 * Pow on a run-time base with a constant exponent: 2 (exact x·x), an integer ≥ 3 (a chain of exact products), 1 (a
 * copy), 0.5 (Sqrt table), -1 (Reciprocal table); other exponents, products over 52 bits and run-time exponents are
 * refused with FPGAC003. GELU's tanh form spelled out as ops (Pow 3, Tanh, ...) builds and is bit-exact in g++. A LayerNorm written out as separate ops
 * (ReduceMean, Sub, Pow 2, ReduceMean, Add eps, Pow 0.5, Div, Mul, Add), as exporters write it, builds: the float
 * reference equals ONNX Runtime, the fixed-point design stays near it, and make csim equals fpgac sim bit for bit.
 * Expected values come from ONNX Runtime.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { main } from '../../src/cli.js';
import { compileModel } from '../../src/compile.js';
import { runFloat } from '../../src/reference.js';
import { writeNpy } from '../../src/npy.js';
import { simulateSample } from '../../sim/simulate.js';
import { DiagnosticError } from '../../src/diagnostics.js';
import { toleranceRatio } from '../support/models.js';
import { expectCsimEqualsSim } from '../support/csim.js';
import { buildModel, values, type ModelSpec } from '../support/onnx-builder.js';

const quiet = { out: () => {}, err: (s: string) => process.stderr.write(s + '\n') };
let dir = '';
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-pow-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const X = [1, 4, 16];
const n = X.reduce((a, b) => a * b, 1);

/** LayerNorm over the last axis, spelled out: (x − mean) / sqrt(mean((x − mean)^2) + eps) · gamma + beta. */
function layerNorm(): ModelSpec {
  return {
    opset: 17,
    inputs: [{ name: 'x', dims: X }], outputs: [{ name: 'y' }],
    initializers: [
      { name: 'two', dims: [], values: [2] }, { name: 'half', dims: [], values: [0.5] }, { name: 'eps', dims: [], values: [1e-5] },
      { name: 'gamma', dims: [16], values: values(16, 3, 1).map((v) => 1 + v) }, { name: 'beta', dims: [16], values: values(16, 4, 0.5) },
    ],
    nodes: [
      { op: 'ReduceMean', inputs: ['x'], outputs: ['mu'], attrs: { axes: [-1], keepdims: 1 }, name: 'mean' },
      { op: 'Sub', inputs: ['x', 'mu'], outputs: ['d'], name: 'center' },
      { op: 'Pow', inputs: ['d', 'two'], outputs: ['d2'], name: 'square' },
      { op: 'ReduceMean', inputs: ['d2'], outputs: ['var'], attrs: { axes: [-1], keepdims: 1 }, name: 'variance' },
      { op: 'Add', inputs: ['var', 'eps'], outputs: ['ve'], name: 'plus_eps' },
      { op: 'Pow', inputs: ['ve', 'half'], outputs: ['sd'], name: 'root' },
      { op: 'Div', inputs: ['d', 'sd'], outputs: ['z'], name: 'normalize' },
      { op: 'Mul', inputs: ['z', 'gamma'], outputs: ['zg'], name: 'scale' },
      { op: 'Add', inputs: ['zg', 'beta'], outputs: ['y'], name: 'shift' },
    ],
  };
}

/** GELU, tanh form, as exporters write it: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x^3))). */
function geluTanh(): ModelSpec {
  const s = (name: string, v: number) => ({ name, dims: [], values: [v] });
  return {
    opset: 17, inputs: [{ name: 'x', dims: X }], outputs: [{ name: 'y' }],
    initializers: [s('three', 3), s('k', 0.044715), s('c', Math.sqrt(2 / Math.PI)), s('one', 1), s('half', 0.5)],
    nodes: [
      { op: 'Pow', inputs: ['x', 'three'], outputs: ['x3'], name: 'cube' },
      { op: 'Mul', inputs: ['x3', 'k'], outputs: ['kx3'], name: 'k_x3' },
      { op: 'Add', inputs: ['x', 'kx3'], outputs: ['inner'], name: 'inner' },
      { op: 'Mul', inputs: ['inner', 'c'], outputs: ['arg'], name: 'arg' },
      { op: 'Tanh', inputs: ['arg'], outputs: ['t'], name: 'tanh' },
      { op: 'Add', inputs: ['t', 'one'], outputs: ['t1'], name: 'plus_one' },
      { op: 'Mul', inputs: ['x', 't1'], outputs: ['xt'], name: 'x_t' },
      { op: 'Mul', inputs: ['xt', 'half'], outputs: ['y'], name: 'halve' },
    ],
  };
}

const powModel = (e: number[], eDims: number[] = []): ModelSpec => ({
  opset: 13, inputs: [{ name: 'x', dims: X }], outputs: [{ name: 'y' }],
  initializers: [{ name: 'e', dims: eDims, values: e }],
  nodes: [{ op: 'Pow', inputs: ['x', 'e'], outputs: ['y'], name: 'p' }],
});

/**
 * A model written out as ops, on two seeded inputs of magnitude ≤ 3: the float reference within (rtol, atol) of ONNX
 * Runtime, the fixed-point simulator within `worst` of it, and the built project's make csim equal to fpgac sim.
 */
async function expectOpsModel(name: string, spec: ModelSpec, seed: number, rtol: number, atol: number, worst: number): Promise<ReturnType<typeof compileModel>> {
  const file = path.join(dir, `${name}.onnx`);
  buildModel(spec, file);
  const session = await ort.InferenceSession.create(file);
  const samples = [0, 1].map((s) => values(n, seed + s, 3).map(Math.fround));
  const c = compileModel(file);
  for (const x of samples) {
    const want = (await session.run({ x: new ort.Tensor('float32', Float32Array.from(x), X) }))[session.outputNames[0]].data as Float32Array;
    expect(toleranceRatio(runFloat(c.reference, [x]).outputs[0].data, want, rtol, atol)).toBeLessThanOrEqual(1);
    const got = simulateSample(c.design, [x]).outputs[0];
    let w = 0;
    for (let i = 0; i < n; i++) w = Math.max(w, Math.abs(got[i] - want[i]));
    expect(w).toBeLessThan(worst);
  }
  const prj = path.join(dir, `${name}-prj`);
  expect(await main(['node', 'fpgac', 'build', file, '-o', prj], quiet)).toBe(0);
  const input = path.join(dir, `${name}-x.npy`);
  writeNpy(input, { shape: [samples.length, ...X.slice(1)], data: Float64Array.from(samples.flat()) });
  await expectCsimEqualsSim(prj, [input], { work: dir, name });
  return c;
}

describe('Pow of a run-time tensor', () => {
  it('exponents 2, 3, 1, 0.5 and -1 build as x·x, x·x·x, a copy, Sqrt and Reciprocal, near ONNX Runtime', async () => {
    // Positive inputs (Sqrt, Reciprocal) between 1/4 and 4; for the cube inputs of either sign with |x|³ < 32.
    const pos = values(n, 7, 1).map((v) => Math.fround(2 ** (2 * v)));
    const signed = values(n, 8, 3).map(Math.fround);
    for (const [e, kinds, tol] of [[2, ['eltwise'], 2 ** -9], [3, ['eltwise', 'eltwise'], 2 ** -9], [1, ['unary'], 2 ** -10], [0.5, ['octave'], 2 ** -9], [-1, ['octave'], 2 ** -9]] as const) {
      const x = e === 3 ? signed : pos;
      const file = path.join(dir, `pow${e}.onnx`);
      buildModel(powModel([e]), file);
      const session = await ort.InferenceSession.create(file);
      const want = (await session.run({ x: new ort.Tensor('float32', Float32Array.from(x), X) }))[session.outputNames[0]].data as Float32Array;
      const c = compileModel(file);
      expect(c.design.layers.map((l) => l.kind), `exponent ${e}`).toEqual(kinds);
      expect(toleranceRatio(runFloat(c.reference, [x]).outputs[0].data, want, 1e-6, 1e-6), `float, exponent ${e}`).toBeLessThanOrEqual(1);
      // ap_fixed<16,6>: 10 fraction bits; the input's own rounding moves x² by up to |2x|·2^-11.
      const got = simulateSample(c.design, [x]).outputs[0];
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
      expect(worst, `fixed point, exponent ${e}`).toBeLessThanOrEqual(tol * 8);
    }
  });

  it('other exponents, a run-time exponent and a vector exponent are refused with FPGAC003 naming the node', () => {
    const cases: [ModelSpec, RegExp][] = [
      [powModel([2.5]), /exponent 2\.5 on a run-time tensor: only positive integers, 0\.5 and -1 build/],
      [powModel([4]), /exponent 4: the exact product x\^4 of 16-bit values needs 64 bits, at most 52 build/],
      [powModel(new Array(16).fill(2), [16]), /exponent \[16\] on a run-time tensor/],
      [{ opset: 13, inputs: [{ name: 'x', dims: X }, { name: 'e', dims: [1] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Pow', inputs: ['x', 'e'], outputs: ['y'], name: 'p' }] }, /the exponent 'e' is computed at run time/],
    ];
    cases.forEach(([spec, why], k) => {
      const file = path.join(dir, `refused${k}.onnx`);
      buildModel(spec, file);
      try {
        compileModel(file);
        expect.unreachable(`case ${k} compiled`);
      } catch (e) {
        expect(e).toBeInstanceOf(DiagnosticError);
        const d = (e as DiagnosticError).diagnostics[0];
        expect([d.code, d.node, d.op]).toEqual(['FPGAC003', 'p', 'Pow']);
        expect(d.message).toMatch(why);
      }
    });
  });

  it('GELU (tanh form) spelled out with Pow 3: float = ONNX Runtime, fixed point near it, make csim = fpgac sim', async () => {
    // |x| ≤ 3 in ap_fixed<16,6>: a handful of casts of 2^-11 and the Tanh table (< 1 LSB) scaled by |x|/2.
    const c = await expectOpsModel('gelu', geluTanh(), 40, 1e-5, 1e-6, 0.02);
    expect(c.design.layers.filter((l) => l.kind === 'eltwise').length).toBeGreaterThanOrEqual(2);
  }, 300_000);

  it('a LayerNorm spelled out as ops builds: float = ONNX Runtime, fixed point near it, make csim = fpgac sim', async () => {
    // Normalized values of magnitude ≤ ~3 in ap_fixed<16,6> (10 fraction bits) through two tables and three casts.
    await expectOpsModel('layernorm', layerNorm(), 20, 1e-4, 1e-5, 0.05);
  }, 300_000);
});
