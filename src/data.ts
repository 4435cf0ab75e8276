/**
 * @fileoverview Input and output data files: NumPy .npy (float or int) and ONNX TensorProto .pb. The first
 * axis is the batch: a file of N samples runs N inferences.
 */
import { fail } from './diagnostics.js';
import { numel } from './ir/graph.js';
import { readNpy, writeNpy } from './npy.js';
import { loadTensorPb } from './onnx/load.js';

export interface SampleData {
  readonly file: string;
  readonly samples: number;
  readonly per: number;
  readonly data: Float64Array;
}

export function readData(file: string): { shape: number[]; data: Float64Array } {
  try {
    if (file.endsWith('.pb')) {
      const t = loadTensorPb(file);
      return { shape: [...t.shape], data: t.data };
    }
    const a = readNpy(file);
    return { shape: a.shape, data: a.data };
  } catch (e) {
    if ((e as Error).name === 'DiagnosticError') throw e;
    fail('FPGAC006', `cannot read input '${file}': ${(e as Error).message}`);
  }
}

/** Splits a data file into samples of the given per-sample shape (batch axis of 1 included). */
export function readSamples(file: string, sampleShape: readonly number[], inputName: string): SampleData {
  const { shape, data } = readData(file);
  const per = numel(sampleShape);
  if (data.length === 0 || data.length % per !== 0) {
    fail('FPGAC006', `input '${file}' of shape [${shape}] does not hold whole samples of '${inputName}' [${sampleShape}] (${per} values each)`);
  }
  return { file, samples: data.length / per, per, data };
}

export function sampleOf(d: SampleData, s: number): Float64Array {
  return d.data.subarray(s * d.per, (s + 1) * d.per);
}

/** Writes per-sample outputs stacked on a leading batch axis: shape [N, ...shape without its batch axis]. */
export function writeOutputs(file: string, perSample: readonly Float64Array[], outShape: readonly number[]): void {
  const per = numel(outShape);
  const data = new Float64Array(perSample.length * per);
  perSample.forEach((o, s) => data.set(o, s * per));
  writeNpy(file, { shape: [perSample.length, ...outShape.slice(1)], data });
}

/** Output k of several goes next to the first: out.npy, out.1.npy, out.2.npy ... (the testbench's convention). */
export function outputPath(base: string, k: number): string {
  if (k === 0) return base;
  return base.endsWith('.npy') ? `${base.slice(0, -4)}.${k}.npy` : `${base}.${k}.npy`;
}
