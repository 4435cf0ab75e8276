/**
 * @fileoverview ONNX TensorProto `.pb` data files (the ONNX backend test data format), apart from the model loader
 * so that `fpgac sim DIR` starts without loading protobuf: the ONNX schema (onnx-proto, CommonJS) is required only
 * when a `.pb` file is actually read.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type onnxProto from 'onnx-proto';
import type { Tensor } from '../ir/graph.js';
import { fail } from '../diagnostics.js';
import { resolveLimits } from '../limits.js';
import { decodeTensor, MAX_ELEMENTS, type TensorProtoLike } from './tensor.js';

let schema: typeof onnxProto | undefined;
const onnxSchema = (): typeof onnxProto => (schema ??= createRequire(import.meta.url)('onnx-proto') as typeof onnxProto);

/**
 * Decodes a serialized TensorProto file; external data is resolved against (and confined to) the .pb's folder. A
 * data file holds many samples, so it may hold up to MAX_ELEMENTS values, not `Limits.elements`.
 */
export function loadTensorPb(file: string): Tensor & { name: string } {
  let t: TensorProtoLike;
  try {
    t = onnxSchema().onnx.TensorProto.decode(readFileSync(file)) as TensorProtoLike;
  } catch (e) {
    fail('FPGAC006', `'${file}' is not a valid TensorProto file (${(e as Error).message})`);
  }
  const dec = decodeTensor(t, path.dirname(path.resolve(file)), { limits: resolveLimits({ elements: MAX_ELEMENTS }) });
  return { ...dec, name: t.name ?? '' };
}
