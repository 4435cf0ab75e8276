/**
 * @fileoverview Decoding of ONNX TensorProto in every storage form: raw_data (little endian), the typed
 * repeated fields (float_data, int32_data, int64_data, double_data, uint64_data) and external data files
 * next to the model. Values are widened to float64; 64-bit integers beyond 2^53 are rejected because no
 * shape, index or quantized value legitimately needs them and silently rounding them would be worse.
 */
import { closeSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { DType, Tensor } from '../ir/graph.js';
import { fail } from '../diagnostics.js';
import { checkElements, DEFAULT_LIMITS, type ConstantBudget, type Limits } from '../limits.js';

/**
 * Largest tensor a data file (`.pb` inputs and calibration samples, which hold many samples) may hold: 2^28 values,
 * 2 GiB as float64. Model tensors are bounded by `Limits.elements` instead.
 */
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

/** Bytes per element of the types fpgac reads from raw_data and external files. */
/** Bytes of one element of each type fpgac reads. */
export const ELEMENT_BYTES: Partial<Record<DType, number>> = { float32: 4, float64: 8, float16: 2, bfloat16: 2, int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8, bool: 1 };

export function elementBytes(dtype: DType, name: string): number {
  const sz = ELEMENT_BYTES[dtype];
  if (sz === undefined) fail('FPGAC007', `tensor '${name}' has data type ${dtype}, which fpgac does not read`);
  return sz;
}

function decodeRaw(raw: Uint8Array, dtype: DType, n: number, name: string): Float64Array {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const sz = elementBytes(dtype, name);
  if (raw.byteLength !== n * sz) fail('FPGAC001', `tensor '${name}' raw_data holds ${raw.byteLength} bytes, its shape needs ${n * sz}`);
  const out = new Float64Array(n);
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

/**
 * Validates an external-data `location` (the ONNX rule): a relative POSIX path inside the model's folder — not
 * absolute, no `..` component, no NUL, no backslash (which Windows would read as a separator) — that still lies
 * inside the folder once symbolic links are resolved (of the file and of the folder), and names a regular file. Returns the resolved file and the location normalized with '/'
 * separators (what a build may copy under its own folder). Anything else is FPGAC001 naming the tensor.
 */
export function externalLocation(baseDir: string, loc: string, tensorName: string): { file: string; relative: string } {
  const bad = (why: string): never => fail('FPGAC001', `tensor '${tensorName}': external data location '${loc}' ${why}`);
  if (loc.includes('\0')) bad('contains a NUL character');
  if (path.posix.isAbsolute(loc) || path.win32.isAbsolute(loc) || /^[A-Za-z]:/.test(loc)) bad('is absolute; it must be a path relative to the model\'s folder');
  const parts = loc.split(/[\\/]/);
  if (parts.includes('..')) bad("contains a '..' component; it must stay inside the model's folder");
  if (loc.includes('\\')) bad("contains a backslash; a location is a POSIX path with '/' separators");
  const relative = path.posix.normalize(parts.filter((p) => p !== '' && p !== '.').join('/'));
  if (relative === '.' || relative === '') bad('names no file');
  let realBase: string;
  let real: string;
  try {
    realBase = realpathSync(baseDir);
  } catch (e) {
    return bad(`cannot be resolved: the model's folder is unreadable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    real = realpathSync(path.join(baseDir, loc));
  } catch (e) {
    return fail('FPGAC001', `tensor '${tensorName}': external data file '${loc}' not found next to the model (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const rel = path.relative(realBase, real);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) bad("resolves (through a symbolic link) to a file outside the model's folder");
  return { file: real, relative };
}

/** A non-negative safe integer from an external-data `offset`/`length` value. */
function byteCount(v: string, key: string, name: string, loc: string): number {
  const n = /^[0-9]+$/.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isSafeInteger(n)) fail('FPGAC001', `tensor '${name}': external data ${key} '${v}' of '${loc}' is not a non-negative whole number of bytes`);
  return n;
}

/** Reads the `needed` bytes of an external tensor: only that range of the file, never the whole file. */
export function readExternal(t: TensorProtoLike, baseDir: string, name: string, needed: number): Uint8Array {
  const kv = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const loc = kv.get('location');
  if (!loc) fail('FPGAC001', `tensor '${name}' uses external data without a location`);
  const { file } = externalLocation(baseDir, loc, name);
  const offset = kv.has('offset') ? byteCount(kv.get('offset')!, 'offset', name, loc) : 0;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    return fail('FPGAC001', `tensor '${name}': external data file '${loc}' cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) fail('FPGAC001', `tensor '${name}': external data location '${loc}' is not a regular file`);
    const size = st.size;
    const length = kv.has('length') ? byteCount(kv.get('length')!, 'length', name, loc) : size - offset;
    if (offset > size || length < 0 || offset + length > size) fail('FPGAC001', `tensor '${name}': external data range ${offset}+${length} exceeds '${loc}' (${size} bytes)`);
    if (length < needed) fail('FPGAC001', `tensor '${name}': external data holds ${length} bytes, ${needed} needed`);
    const buf = Buffer.alloc(needed);
    let got = 0;
    while (got < needed) {
      const r = readSync(fd, buf, got, needed - got, offset + got);
      if (r <= 0) fail('FPGAC001', `tensor '${name}': external data file '${loc}' ended after ${got} of ${needed} bytes`);
      got += r;
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}

export interface DecodeOptions {
  /** Elements one tensor may hold (default: `DEFAULT_LIMITS.elements`). */
  readonly limits?: Limits;
  /** Charged with the tensor's float64 bytes before its values are allocated. */
  readonly budget?: ConstantBudget;
}

/** Decode a TensorProto. `baseDir` locates external data files. */
export function decodeTensor(t: TensorProtoLike, baseDir: string, opts: DecodeOptions = {}): Tensor {
  const name = t.name ?? '';
  const code = t.dataType ?? 0;
  const dtype = dtypeFromOnnx(code);
  const shape = (t.dims ?? []).map(toNum);
  const n = shape.reduce((a, b) => a * b, 1);
  // A corrupt or hostile file can claim any size: refuse before allocating.
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0) || !Number.isSafeInteger(n)) {
    fail('FPGAC001', `tensor '${name}' has an invalid shape [${shape.join(', ')}] (${n} elements)`);
  }
  checkElements(n, `tensor '${name}' [${shape.join(', ')}]`, opts.limits ?? DEFAULT_LIMITS);
  if (dtype === 'other' || dtype === 'string') {
    fail('FPGAC007', `tensor '${name}' has data type ${onnxDtypeName(code)}, which fpgac does not support`);
  }
  opts.budget?.charge(n, name);
  let data: Float64Array;
  if (t.dataLocation === 1) {
    data = decodeRaw(readExternal(t, baseDir, name, n * elementBytes(dtype, name)), dtype, n, name);
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
