/**
 * Test support for the opset tests: fpgac's float reference of an in-memory model, ONNX Runtime's outputs for the
 * same bytes, and the check that a model is refused with a coded diagnostic naming the node and op.
 */
import { expect } from 'vitest';
import * as ort from 'onnxruntime-node';
import { decodeModel } from '../../src/onnx/load.js';
import { inferAndFold } from '../../src/passes/infer.js';
import { runFloat } from '../../src/reference.js';
import { DiagnosticError, type DiagnosticCode } from '../../src/diagnostics.js';
import type { Tensor } from '../../src/ir/graph.js';
import { buildModel, values, type ModelSpec } from './onnx-builder.js';
import { toleranceRatio } from './models.js';

/** One value per graph input of `spec`: seeded, exact in float32. */
export function inputsOf(spec: ModelSpec, seed = 7): number[][] {
  return spec.inputs.map((i, k) => values(i.dims.reduce<number>((a, d) => a * (d as number), 1), seed + k, 2));
}

/** fpgac's float reference (import, constant folding, then the float64 reference) on `inputs`. */
export function fpgacFloat(spec: ModelSpec, inputs: number[][]): Tensor[] {
  const g = inferAndFold(decodeModel(buildModel(spec), '/nonexistent').graph).graph;
  return runFloat(g, inputs).outputs;
}

const ORT_TYPES: Record<number, 'float32' | 'float64' | 'int64'> = { 1: 'float32', 11: 'float64', 7: 'int64' };

/** ONNX Runtime's outputs (all optimizations off, so it runs the nodes as written). */
export async function ortRun(spec: ModelSpec, inputs: number[][]): Promise<{ shape: readonly number[]; data: number[] }[]> {
  const session = await ort.InferenceSession.create(buildModel(spec), { graphOptimizationLevel: 'disabled', logSeverityLevel: 3 });
  const feeds: Record<string, ort.Tensor> = {};
  spec.inputs.forEach((vi, k) => {
    const type = ORT_TYPES[vi.type ?? 1];
    const data = type === 'int64' ? BigInt64Array.from(inputs[k].map((v) => BigInt(v))) : type === 'float64' ? Float64Array.from(inputs[k]) : Float32Array.from(inputs[k]);
    feeds[vi.name] = new ort.Tensor(type, data, vi.dims as number[]);
  });
  const res = await session.run(feeds);
  return session.outputNames.map((n) => ({ shape: res[n].dims, data: Array.from(res[n].data as ArrayLike<number | bigint>, Number) }));
}

/** fpgac's float reference equals `want` in shape and, within float32 rounding, in values. */
export function expectClose(got: Tensor, want: { shape: readonly number[]; data: ArrayLike<number> }, what: string): void {
  expect([...got.shape], `${what}: shape`).toEqual([...want.shape]);
  const ratio = toleranceRatio(got.data, Array.from(want.data), 1e-5, 1e-6);
  expect(ratio, `${what}: got [${Array.from(got.data).slice(0, 8)}...] want [${Array.from(want.data).slice(0, 8)}...]`).toBeLessThanOrEqual(1);
}

/** fpgac's float reference of `spec` equals ONNX Runtime's, output by output. */
export async function expectMatchesOrt(spec: ModelSpec, what: string): Promise<void> {
  const inputs = inputsOf(spec);
  const want = await ortRun(spec, inputs);
  const got = fpgacFloat(spec, inputs);
  want.forEach((w, k) => expectClose(got[k], w, `${what}, output ${k}`));
}

/** Importing `spec` fails with `code`, naming `node` and `op`, and a message matching `pattern`. */
export function expectRefused(spec: ModelSpec, code: DiagnosticCode, node: string, op: string, pattern: RegExp): void {
  let error: unknown;
  try {
    inferAndFold(decodeModel(buildModel(spec), '/nonexistent').graph);
  } catch (e) {
    error = e;
  }
  expect(error, 'a DiagnosticError').toBeInstanceOf(DiagnosticError);
  const d = (error as DiagnosticError).diagnostics;
  expect(d.map((x) => ({ code: x.code, node: x.node, op: x.op }))).toEqual([{ code, node, op }]);
  expect(d[0].message).toMatch(pattern);
}

/** A one-node model: `x` of shape `dims` in, `y` out, extra initializers. */
export function oneNode(opset: number, dims: number[], node: ModelSpec['nodes'][number], extra: Partial<ModelSpec> = {}): ModelSpec {
  return { opset, inputs: [{ name: 'x', dims }], outputs: [{ name: 'y' }], nodes: [{ name: 'n', ...node }], ...extra };
}

/** An int64 initializer. */
export function i64(name: string, vals: number[], dims = [vals.length]) {
  return { name, dims, values: vals, type: 7 };
}

/** A float initializer. */
export function f32(name: string, vals: number[], dims = [vals.length]) {
  return { name, dims, values: vals };
}
