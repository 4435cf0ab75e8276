/**
 * @fileoverview Decoding of ONNX TensorProto in every storage form: raw_data (little endian), the typed
 * repeated fields (float_data, int32_data, int64_data, double_data, uint64_data) and external data files
 * next to the model. Values are widened to float64; 64-bit integers beyond 2^53 are rejected because no
 * shape, index or quantized value legitimately needs them and silently rounding them would be worse.
 */
import { readFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DType, Tensor } from '../ir/graph.js';
import { fail } from '../diagnostics.js';

/** Largest tensor fpgac reads (2^28 values: 2 GiB as float64), far beyond any on-chip design. */
export const MAX_ELEMENTS = 2 ** 28;

/** ONNX TensorProto.DataType numbers (onnx.proto). */
const DTYPES: Record<number, DType> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool',
  10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16',
};

export function dtypeFromOnnx(code: number): DType {
  return DTYPES[code] ?? 'other';
}

export function onnxDtypeName(code: number): string {
  const names: Record<number, string> = { 14: 'complex64', 15: 'complex128', 17: 'float8e4m3fn', 18: 'float8e4m3fnuz', 19: 'float8e5m2', 20: 'float8e5m2fnuz', 21: 'uint4', 22: 'int4', 23: 'float4e2m1' };
  return DTYPES[code] ?? names[code] ?? `type ${code}`;
}

/** protobufjs gives int64 fields as Long objects or numbers depending on the installed `long` package. */
export function toNum(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  if (v && typeof (v as { toNumber?: () => number }).toNumber === 'function') {
    const long = v as { toNumber: () => number; high: number };
    const n = long.toNumber();
    if (!Number.isSafeInteger(n)) fail('FPGAC001', `64-bit integer ${n} is outside the exactly representable range`);
    return n;
  }
  return Number(v);
}

export interface TensorProtoLike {
  name?: string | null;
  dims?: unknown[] | null;
  dataType?: number | null;
  rawData?: Uint8Array | null;
  floatData?: number[] | null;
  int32Data?: number[] | null;
  int64Data?: unknown[] | null;
  doubleData?: number[] | null;
  uint64Data?: unknown[] | null;
  stringData?: Uint8Array[] | null;
  externalData?: { key?: string | null; value?: string | null }[] | null;
  dataLocation?: number | null;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function decodeRaw(raw: Uint8Array, dtype: DType, n: number, name: string): Float64Array {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float64Array(n);
  const size: Partial<Record<DType, number>> = { float32: 4, float64: 8, float16: 2, bfloat16: 2, int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8, bool: 1 };
  const sz = size[dtype];
  if (sz === undefined) fail('FPGAC007', `tensor '${name}' has data type ${dtype}, which fpgac does not read`);
  if (raw.byteLength < n * sz) fail('FPGAC001', `tensor '${name}' raw_data holds ${raw.byteLength} bytes, ${n * sz} needed`);
  for (let i = 0; i < n; i++) {
    const o = i * sz;
    switch (dtype) {
      case 'float32': out[i] = dv.getFloat32(o, true); break;
      case 'float64': out[i] = dv.getFloat64(o, true); break;
      case 'float16': out[i] = halfToFloat(dv.getUint16(o, true)); break;
      case 'bfloat16': out[i] = new Float32Array(new Uint32Array([dv.getUint16(o, true) << 16]).buffer)[0]; break;
      case 'int8': out[i] = dv.getInt8(o); break;
      case 'uint8': case 'bool': out[i] = dv.getUint8(o); break;
      case 'int16': out[i] = dv.getInt16(o, true); break;
      case 'uint16': out[i] = dv.getUint16(o, true); break;
      case 'int32': out[i] = dv.getInt32(o, true); break;
      case 'uint32': out[i] = dv.getUint32(o, true); break;
      case 'int64': case 'uint64': {
        const b = dtype === 'int64' ? dv.getBigInt64(o, true) : dv.getBigUint64(o, true);
        // Exporters write INT64_MAX/MIN as "to the end" in Slice; clamp those to safe sentinels.
        if (b > BigInt(Number.MAX_SAFE_INTEGER)) out[i] = Number.MAX_SAFE_INTEGER;
        else if (b < BigInt(Number.MIN_SAFE_INTEGER)) out[i] = Number.MIN_SAFE_INTEGER;
        else out[i] = Number(b);
        break;
      }
      default: fail('FPGAC007', `tensor '${name}' has unsupported data type ${dtype}`);
    }
  }
  return out;
}

function readExternal(t: TensorProtoLike, baseDir: string, name: string): Uint8Array {
  const kv = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const loc = kv.get('location');
  if (!loc) fail('FPGAC001', `tensor '${name}' uses external data without a location`);
  const file = path.resolve(baseDir, loc);
  if (!existsSync(file) || !statSync(file).isFile()) fail('FPGAC001', `tensor '${name}': external data file '${loc}' not found next to the model`);
  const offset = Number(kv.get('offset') ?? 0);
  const buf = readFileSync(file);
  const length = kv.has('length') ? Number(kv.get('length')) : buf.byteLength - offset;
  if (offset + length > buf.byteLength) fail('FPGAC001', `tensor '${name}': external data range ${offset}+${length} exceeds '${loc}' (${buf.byteLength} bytes)`);
  return new Uint8Array(buf.buffer, buf.byteOffset + offset, length);
}

/** Decode a TensorProto. `baseDir` locates external data files. */
export function decodeTensor(t: TensorProtoLike, baseDir: string): Tensor {
  const name = t.name ?? '';
  const code = t.dataType ?? 0;
  const dtype = dtypeFromOnnx(code);
  const shape = (t.dims ?? []).map(toNum);
  const n = shape.reduce((a, b) => a * b, 1);
  // A corrupt or hostile file can claim any size: refuse before allocating.
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0) || !(n <= MAX_ELEMENTS)) {
    fail('FPGAC001', `tensor '${name}' has an invalid shape [${shape.join(', ')}] (${n} elements; at most ${MAX_ELEMENTS} are supported)`);
  }
  if (dtype === 'other' || dtype === 'string') {
    fail('FPGAC007', `tensor '${name}' has data type ${onnxDtypeName(code)}, which fpgac does not support`);
  }
  let data: Float64Array;
  if (t.dataLocation === 1) {
    data = decodeRaw(readExternal(t, baseDir, name), dtype, n, name);
  } else if (t.rawData && t.rawData.byteLength > 0) {
    data = decodeRaw(t.rawData, dtype, n, name);
  } else {
    data = decodeTypedFields(t, dtype, n, name);
  }
  return { dtype, shape, data };
}

function decodeTypedFields(t: TensorProtoLike, dtype: DType, n: number, name: string): Float64Array {
  let src: ArrayLike<number>;
  switch (dtype) {
    case 'float32': src = t.floatData ?? []; break;
    case 'float64': src = t.doubleData ?? []; break;
    case 'int64': src = (t.int64Data ?? []).map(toNum); break;
    case 'uint32': case 'uint64': src = (t.uint64Data ?? []).map(toNum); break;
    case 'float16': src = (t.int32Data ?? []).map(halfToFloat); break;
    case 'bfloat16': src = (t.int32Data ?? []).map((b) => new Float32Array(new Uint32Array([b << 16]).buffer)[0]); break;
    default: src = t.int32Data ?? []; // int8..int32, uint8, uint16, bool are stored in int32_data
  }
  if (src.length !== n) {
    fail('FPGAC001', `tensor '${name}' holds ${src.length} values but its shape [${(t.dims ?? []).map(toNum)}] needs ${n}`);
  }
  return Float64Array.from(src);
}
