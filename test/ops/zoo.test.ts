/**
 * The activation zoo against ONNX Runtime on models built here, for the variants ONNX's node tests lack or do not
 * cover (Mish beyond its one node test; Celu and Ceil: no node test; PRelu with
 * a per-channel [C,1,1] slope; Gelu tanh at opset 20; attributes other than the defaults): the float reference
 * (rtol 1e-4) and the fixed-point design through the simulator (within the error the format implies). Rejected
 * forms give FPGAC003. Expected values come from ORT.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel } from '../../src/onnx/load.js';
import { runPipeline } from '../../src/passes/pipeline.js';
import { lowerGraph } from '../../src/quant/lower.js';
import { runFloat } from '../../src/reference.js';
import { fixed } from '../../sim/fixed.js';
import { simulateSample } from '../../sim/simulate.js';
import { DiagnosticError } from '../../src/diagnostics.js';
import { buildModel, type NodeSpec } from '../support/onnx-builder.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-zoo-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case { name: string; op: string; attrs?: NodeSpec['attrs']; opset?: number; slope?: { dims: number[]; data: number[] } }

const SHAPE = [1, 3, 4, 5];
const CASES: Case[] = [
  { name: 'mish', op: 'Mish', opset: 18 },
  { name: 'celu', op: 'Celu', attrs: { alpha: { float: 1.5 } }, opset: 12 },
  { name: 'ceil', op: 'Ceil' },
  { name: 'prelu_channel', op: 'PRelu', slope: { dims: [3, 1, 1], data: [0.1, -0.3, 0.25] } },
  { name: 'prelu_row', op: 'PRelu', slope: { dims: [4, 1], data: [0.5, 0.2, -1, 0.05] } },
  { name: 'gelu_tanh', op: 'Gelu', attrs: { approximate: 'tanh' }, opset: 20 },
  { name: 'elu_alpha', op: 'Elu', attrs: { alpha: { float: 0.3 } } },
  { name: 'leaky_alpha', op: 'LeakyRelu', attrs: { alpha: { float: 0.2 } } },
  { name: 'hardswish', op: 'HardSwish', opset: 14 },
  { name: 'softsign', op: 'Softsign' },
  { name: 'exp', op: 'Exp' },
  { name: 'round', op: 'Round', opset: 11 },
];

/** Inputs over [-6, 6) with exact halves (Round's ties) among them. */
const X = Array.from({ length: 60 }, (_, i) => (i % 7 === 0 ? (i - 30) / 2 + 0.5 : Math.sin(i * 1.7) * 6));

function model(c: Case): string {
  const inputs = c.slope ? ['x', 's'] : ['x'];
  const file = path.join(dir, `${c.name}.onnx`);
  writeFileSync(file, buildModel({
    inputs: [{ name: 'x', dims: SHAPE }], outputs: [{ name: 'y', dims: SHAPE }],
    nodes: [{ op: c.op, inputs, outputs: ['y'], ...(c.attrs ? { attrs: c.attrs } : {}) }],
    initializers: c.slope ? [{ name: 's', dims: c.slope.dims, values: c.slope.data }] : [],
    opset: c.opset ?? 13,
  }));
  return file;
}

describe('activation zoo vs ONNX Runtime', () => {
  for (const c of CASES) {
    it(`${c.name}: float reference (rtol 1e-4) and fixed point ap_fixed<18,5> (within 2^-11 + 1e-3·|y|)`, async () => {
      const file = model(c);
      const sess = await ort.InferenceSession.create(file);
      const res = await sess.run({ x: new ort.Tensor('float32', Float32Array.from(X), SHAPE) });
      const want = Array.from(res.y.data as Float32Array);
      const xs = Array.from(Float32Array.from(X));
      const g = runPipeline(loadModel(file).graph).graph;
      const got = runFloat(g, [xs]).outputs[0].data;
      want.forEach((w, i) => expect(Math.abs(got[i] - w), `${c.name}[${i}] x=${xs[i]}`).toBeLessThanOrEqual(1e-4 * Math.abs(w) + 1e-6));
      const f = fixed(18, 6, { q: 'AP_RND_CONV', o: 'AP_SAT' }); // 12 fraction bits; exp(6) = 403 saturates at 32
      const design = lowerGraph(g, { quant: { activation: f, weight: f, bias: f }, topName: 'top', precision: 'test', model: { file, sha256: '', opset: g.opset, producer: '' } });
      const y = simulateSample(design, [xs]).outputs[0];
      // Input rounding (2^-13 · max slope ≤ 2^-13 · 32 for exp), table error < 1/2 LSB, output rounding 1/2 LSB.
      want.forEach((w, i) => {
        const tol = 2 ** -12 + 2 ** -13 * Math.max(1, Math.min(Math.abs(w), 32)) + 1e-3 * Math.abs(w);
        expect(Math.abs(y[i] - Math.min(w, 32 - 2 ** -12)), `${c.name}[${i}] x=${xs[i]}`).toBeLessThanOrEqual(tol);
      });
    });
  }

  it('rejects Gelu approximate=\'erf\' and Celu alpha = 0 with FPGAC003', () => {
    const bad: Case[] = [{ name: 'gelu_bad', op: 'Gelu', attrs: { approximate: 'erf' }, opset: 20 }, { name: 'celu_0', op: 'Celu', attrs: { alpha: { float: 0 } }, opset: 12 }];
    for (const c of bad) {
      let err: unknown;
      try { runPipeline(loadModel(model(c)).graph); } catch (e) { err = e; }
      expect(err, c.name).toBeInstanceOf(DiagnosticError);
      expect((err as DiagnosticError).diagnostics[0].code).toBe('FPGAC003');
    }
  });
});
