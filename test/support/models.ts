/**
 * Test support: the shared models folder (../shared/models next to the repo), skipped with a clear message when
 * absent, and loaders for the ONNX test-data format (test_data_set_N/input_i.pb, output_i.pb).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { loadTensorPb } from '../../src/onnx/load.js';
import { freezeInputs, type Graph, type Tensor } from '../../src/ir/graph.js';
import { OPS } from '../../src/ops/registry.js';
import { inferAndFold } from '../../src/passes/infer.js';
import { runFloat } from '../../src/reference.js';
import { REPO } from './harness.js';

export const SHARED_MODELS = path.resolve(REPO, '../shared/models');
export const HAVE_SHARED = existsSync(SHARED_MODELS);
export const SKIP_REASON = `shared models folder not found at ${SHARED_MODELS}`;

export function modelPath(rel: string): string {
  return path.join(SHARED_MODELS, rel, 'model.onnx');
}

export interface TestDataSet {
  readonly dir: string;
  readonly inputs: (Tensor & { name: string })[];
  readonly outputs: (Tensor & { name: string })[];
}

export function testDataSets(modelDir: string): TestDataSet[] {
  const dir = path.join(SHARED_MODELS, modelDir);
  return readdirSync(dir)
    .filter((d) => d.startsWith('test_data_set_'))
    .sort()
    .map((d) => {
      const files = readdirSync(path.join(dir, d)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
      const load = (prefix: string) => files.filter((f) => f.startsWith(prefix)).map((f) => loadTensorPb(path.join(dir, d, f)));
      return { dir: path.join(dir, d), inputs: load('input_'), outputs: load('output_') };
    });
}

/** Max |a-b| / (atol + rtol·|b|) over all elements: ≤ 1 means within tolerance. */
export function toleranceRatio(a: ArrayLike<number>, b: ArrayLike<number>, rtol: number, atol: number): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    if (a[i] === b[i]) continue;
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / (atol + rtol * Math.abs(b[i])));
  }
  return worst;
}

/**
 * Runs an ONNX node test's model with the float reference on one test data set. Inputs an op needs as constants
 * (Reshape's shape, Clip's bounds, quantizer scales: its registry `constantInputs`) are frozen to the test's
 * values, as they would be initializers in a real model; the rest stay run-time inputs.
 */
export function runNodeTestFloat(g: Graph, ds: TestDataSet): Tensor[] {
  const frozen = new Map<string, Tensor>();
  for (const n of g.nodes) {
    for (const k of OPS.get(n.op)?.constantInputs ?? []) {
      const idx = g.inputs.findIndex((i) => i.name === n.inputs[k]);
      if (idx >= 0) frozen.set(n.inputs[k], ds.inputs[idx]);
    }
  }
  const folded = inferAndFold(freezeInputs(g, frozen), { fold: false }).graph;
  const runtime = g.inputs.map((vi, i) => [vi.name, ds.inputs[i]] as const).filter(([n]) => !frozen.has(n));
  return runFloat(folded, runtime.map(([, t]) => t.data)).outputs;
}

/**
 * Why a node test cannot run as stored: the loader reads a graph input's first dimension above 4096 as a
 * placeholder batch of 1 (src/onnx/load.ts), so data of that size does not fit the loaded input (test_mish, [10000]).
 */
export function loaderPlaceholder(inputs: readonly { readonly shape: readonly number[] }[], data: readonly { readonly shape: readonly number[] }[]): string | undefined {
  const k = inputs.findIndex((vi, i) => data[i] && data[i].shape.length >= 2 && data[i].shape[0] > 4096 && vi.shape[0] === 1);
  return k < 0 ? undefined : `loader: input ${k}'s first dimension ${data[k].shape[0]} is read as a placeholder batch (> 4096)`;
}
