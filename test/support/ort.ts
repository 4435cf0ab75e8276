/**
 * The ONNX Runtime comparison the op tests share: run the model file in ORT (no graph optimizations) on seeded
 * inputs, then require fpgac's float reference within (rtol, atol) of ORT's output and the fixed-point simulator
 * within `worst` (absolute) of it. Expected values are ORT's.
 */
import { expect } from 'vitest';
import * as ort from 'onnxruntime-node';
import type { Compiled } from '../../src/compile.js';
import { runFloat } from '../../src/reference.js';
import { simulateSample } from '../../sim/simulate.js';
import { toleranceRatio } from './models.js';
import { values } from './onnx-builder.js';

export interface NearOrt {
  /** Seeds of the inputs: values(n, seed, 2), one sample each. */
  readonly seeds: readonly number[];
  readonly rtol: number;
  readonly atol: number;
  /** Largest |simulator − ORT| allowed. */
  readonly worst: number;
}

export async function expectNearOrt(file: string, c: Compiled, shape: readonly number[], o: NearOrt): Promise<void> {
  const session = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'disabled' });
  const n = shape.reduce((a, b) => a * b, 1);
  for (const seed of o.seeds) {
    const x = values(n, seed, 2).map(Math.fround);
    const want = (await session.run({ x: new ort.Tensor('float32', Float32Array.from(x), shape as number[]) }))[session.outputNames[0]];
    const ref = runFloat(c.reference, [x]).outputs[0];
    expect(ref.shape).toEqual(want.dims.map(Number));
    expect(toleranceRatio(ref.data, want.data as Float32Array, o.rtol, o.atol), `float, seed ${seed}`).toBeLessThanOrEqual(1);
    const sim = simulateSample(c.design, [x]).outputs[0];
    let worst = 0;
    for (let i = 0; i < sim.length; i++) worst = Math.max(worst, Math.abs(sim[i] - (want.data as Float32Array)[i]));
    expect(worst, `fixed point, seed ${seed}`).toBeLessThan(o.worst);
  }
}
