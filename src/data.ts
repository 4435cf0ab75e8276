/**
 * @fileoverview Input and output data files: NumPy .npy (float or int) and ONNX TensorProto .pb.
 *
 * The first axis of a file is the sample axis: a file of N samples runs N inferences. A tensor whose first
 * dimension is 1 (the batch axis: the loader fixes a symbolic batch to 1) holds one sample along it, so its file is
 * [N, ...dims after the first]; any other tensor (a concrete leading dimension is data, as in the ONNX node tests)
 * gets a new leading axis, [N, ...shape], and a file of exactly its shape is one sample. Shapes are checked
 * exactly: an NHWC image for an NCHW model, or a file whose size merely divides, is refused.
 */
import { closeSync, existsSync, lstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { fail } from './diagnostics.js';
import { isFloatType, numel, type DType } from './ir/graph.js';
import type { IntInputType } from './ir/design.js';
import { fixed, type FixedFormat } from '../sim/fixed.js';
import { readNpy, writeNpy, type NpyReadOptions } from './npy.js';
import { loadTensorPb } from './onnx/tensor-pb.js';

/** The dims a file holds per sample of a tensor of this shape (see the file overview). */
export function sampleDims(shape: readonly number[]): number[] {
  return shape.length > 0 && shape[0] === 1 ? shape.slice(1) : [...shape];
}

/** How a file of N samples of this tensor is shaped, for messages: `[N, 16, 16]`. */
export function fileShapeText(shape: readonly number[]): string {
  return `[${['N', ...sampleDims(shape)].join(', ')}]`;
}

export interface SampleData {
  readonly file: string;
  readonly samples: number;
  readonly per: number;
  readonly data: Float64Array;
}

/** `shared`: .npy values in a SharedArrayBuffer, which the simulator's worker threads read without a copy. */
export function readData(file: string, opts: NpyReadOptions = {}): { shape: number[]; data: Float64Array; dtype: DType } {
  try {
    if (file.endsWith('.pb')) {
      const t = loadTensorPb(file);
      return { shape: [...t.shape], data: t.data, dtype: t.dtype };
    }
    const a = readNpy(file, opts);
    return { shape: a.shape, data: a.data, dtype: a.dtype };
  } catch (e) {
    if ((e as Error).name === 'DiagnosticError') throw e;
    fail('FPGAC006', `cannot read input '${file}': ${(e as Error).message}`);
  }
}

/** Bits and signedness of the integer graph-input types (IntInputType in src/ir/design.ts). */
const INT_INPUTS: Readonly<Record<IntInputType, { readonly bits: number; readonly signed: boolean }>> = {
  int8: { bits: 8, signed: true }, uint8: { bits: 8, signed: false }, int16: { bits: 16, signed: true }, uint16: { bits: 16, signed: false },
};

export function isIntInputType(t: string): t is IntInputType {
  return Object.prototype.hasOwnProperty.call(INT_INPUTS, t);
}

/**
 * The exact format of an integer graph input: ap_int<W> / ap_uint<W> as ap_fixed<W, W> (0 fraction bits). Every
 * value of the type is representable, so the input cast never rounds; the modes only matter for a file of another
 * type, which readSamples has checked holds whole numbers in range.
 */
export function intInputFormat(t: IntInputType): FixedFormat {
  const { bits, signed } = INT_INPUTS[t];
  return fixed(bits, bits, { signed, q: 'AP_RND_CONV', o: 'AP_SAT' });
}

/** Whether every value is a whole number the integer type holds. */
function fitsIntType(data: Float64Array, t: IntInputType): boolean {
  const { bits, signed } = INT_INPUTS[t];
  const lo = signed ? -(2 ** (bits - 1)) : 0;
  const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  for (const v of data) if (!(Number.isInteger(v) && v >= lo && v <= hi)) return false;
  return true;
}

/**
 * Splits a data file into samples of a tensor of shape `tensorShape` (batch axis of 1 included), checking the
 * file's shape exactly and its element type against the input's (`dtype`: float inputs take float files; an
 * integer input takes files of its own type, or of any other numeric type holding only whole numbers in its range).
 */
export function readSamples(file: string, tensorShape: readonly number[], inputName: string, dtype: DType = 'float32', opts: NpyReadOptions = {}): SampleData {
  const { shape, data, dtype: got } = readData(file, opts);
  if (isIntInputType(dtype)) {
    if (got !== dtype && !fitsIntType(data, dtype)) {
      fail('FPGAC006', `input '${file}' holds ${got} values that are not all whole numbers in ${dtype}'s range; '${inputName}' takes ${dtype}`, { hint: `convert it, e.g. x.astype(numpy.${dtype})` });
    }
  } else if (isFloatType(dtype) ? !isFloatType(got) : got !== dtype) {
    fail('FPGAC006', `input '${file}' holds ${got} values; '${inputName}' takes ${isFloatType(dtype) ? 'float32 or float64' : dtype}`, { hint: isFloatType(dtype) ? 'convert it, e.g. x.astype(numpy.float32); scaling is up to you' : undefined });
  }
  const dims = sampleDims(tensorShape);
  const per = numel(tensorShape);
  const exactOne = tensorShape[0] !== 1 && shape.length === tensorShape.length && shape.every((d, i) => d === tensorShape[i]);
  const stacked = shape.length === dims.length + 1 && shape[0] >= 1 && shape.slice(1).every((d, i) => d === dims[i]);
  if (!exactOne && !stacked) {
    fail('FPGAC006', `input '${file}' has shape [${shape.join(', ')}]; '${inputName}' takes ${fileShapeText(tensorShape)} (N samples of [${dims.join(', ')}])`);
  }
  return { file, samples: exactOne ? 1 : shape[0], per, data };
}

export function sampleOf(d: SampleData, s: number): Float64Array {
  return d.data.subarray(s * d.per, (s + 1) * d.per);
}

/**
 * Where `sim` may write an output: a new file, or an existing .npy file (an earlier output). Anything else that
 * exists (a model, a folder, a file of another kind) or a file this run reads is refused: the user's files are
 * never overwritten by a mistyped -o.
 */
export function checkOutputFile(file: string, reads: readonly string[] = []): void {
  const abs = path.resolve(file);
  if (reads.some((r) => path.resolve(r) === abs)) fail('FPGAC005', `-o '${file}' is also an input of this run; it would be overwritten`);
  if (!existsSync(abs)) return;
  const st = lstatSync(abs);
  let npy = false;
  if (st.isFile()) {
    const fd = openSync(abs, 'r');
    try {
      const head = Buffer.alloc(6);
      npy = readSync(fd, head, 0, 6, 0) === 6 && head.equals(Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]));
    } finally {
      closeSync(fd);
    }
  }
  if (!npy) fail('FPGAC005', `'${file}' exists and is not a .npy file; fpgac writes outputs only to new files or over .npy files`, { hint: 'give another output path' });
}

/** Writes per-sample outputs stacked on the sample axis: shape [N, ...sampleDims(outShape)]. */
export function writeOutputs(file: string, perSample: readonly Float64Array[], outShape: readonly number[]): void {
  const per = numel(outShape);
  const data = new Float64Array(perSample.length * per);
  perSample.forEach((o, s) => data.set(o, s * per));
  writeOutputData(file, data, perSample.length, outShape);
}

/** As writeOutputs, from every sample's values concatenated. */
export function writeOutputData(file: string, data: Float64Array, samples: number, outShape: readonly number[]): void {
  checkOutputFile(file);
  writeNpy(file, { shape: [samples, ...sampleDims(outShape)], data });
}

/** Output k of several goes next to the first: out.npy, out.1.npy, out.2.npy ... (the testbench's convention). */
export function outputPath(base: string, k: number): string {
  if (k === 0) return base;
  return base.endsWith('.npy') ? `${base.slice(0, -4)}.${k}.npy` : `${base}.${k}.npy`;
}
