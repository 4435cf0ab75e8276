// NumPy .npy reader/writer (format spec: numpy/lib/format.py, versions 1.0/2.0/3.0).
// Used to exchange test vectors between the TypeScript simulator and the HLS
// C++ testbench (hw/fpgac/npy.h mirrors this file; keep the two in sync).
import { readFileSync, writeFileSync } from 'node:fs';

export type NpyDtype =
  | 'float32' | 'float64'
  | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64'
  | 'bool';

/** Values are widened to float64 regardless of the on-disk dtype; `data` is in C (row-major) order. */
export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const ARRAY_ALIGN = 64;
// numpy >= 1.24 appends spare spaces so the header can be rewritten in place when the
// first axis grows; we must reproduce them to be byte-identical with numpy.save.
const GROWTH_AXIS_MAX_DIGITS = 21;

const KIND_SIZE: Record<string, NpyDtype> = {
  f4: 'float32', f8: 'float64',
  i1: 'int8', u1: 'uint8', i2: 'int16', u2: 'uint16',
  i4: 'int32', u4: 'uint32', i8: 'int64', u8: 'uint64',
  b1: 'bool',
};
const ITEMSIZE: Record<NpyDtype, number> = {
  float32: 4, float64: 8, int8: 1, uint8: 1, int16: 2, uint16: 2,
  int32: 4, uint32: 4, int64: 8, uint64: 8, bool: 1,
};

// ---------------------------------------------------------------------------------------------
// Header dict parsing. The header is a Python literal written with repr(); we accept the
// subset numpy (and other writers, e.g. Python 2 with `3L` longs, double quotes) produce.

type PyValue = string | boolean | number[];

class HeaderParser {
  private pos = 0;
  constructor(private readonly s: string, private readonly fail: (m: string) => never) {}

  private ws(): void {
    // Same whitespace set as Python's tokenizer (numpy parses the header with literal_eval).
    while (this.pos < this.s.length && ' \t\n\r\f'.includes(this.s[this.pos]!)) this.pos++;
  }
  private peek(): string {
    this.ws();
    return this.s[this.pos] ?? '';
  }
  private expect(ch: string): void {
    if (this.peek() !== ch) this.fail(`header: expected '${ch}' at offset ${this.pos} in ${JSON.stringify(this.s)}`);
    this.pos++;
  }
  private str(): string {
    const q = this.peek();
    if (q !== "'" && q !== '"') this.fail(`header: expected a string at offset ${this.pos}`);
    const end = this.s.indexOf(q, this.pos + 1);
    if (end < 0) this.fail('header: unterminated string');
    const v = this.s.slice(this.pos + 1, end);
    this.pos = end + 1;
    return v;
  }
  private int(): number {
    this.ws();
    const m = /^(\d+)L?/.exec(this.s.slice(this.pos));
    if (!m) this.fail(`header: expected a non-negative integer in shape at offset ${this.pos}`);
    this.pos += m[0].length;
    const n = Number(m[1]);
    if (!Number.isSafeInteger(n)) this.fail(`header: shape dimension ${m[1]} is too large`);
    return n;
  }
  private value(): PyValue {
    const c = this.peek();
    if (c === "'" || c === '"') return this.str();
    // Lists only occur in structured dtypes' descr, which we do not support.
    if (c === '[') this.fail('unsupported descr: structured/record dtypes are not supported');
    if (c === '(') {
      const close = ')';
      this.pos++;
      const dims: number[] = [];
      while (this.peek() !== close) {
        dims.push(this.int());
        if (this.peek() === ',') this.pos++;
        else if (this.peek() !== close) this.fail(`header: malformed shape tuple at offset ${this.pos}`);
      }
      this.pos++;
      return dims;
    }
    for (const [word, v] of [['True', true], ['False', false]] as const) {
      if (this.s.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    return this.fail(`header: unsupported value at offset ${this.pos} in ${JSON.stringify(this.s)}`);
  }
  dict(): Map<string, PyValue> {
    const out = new Map<string, PyValue>();
    this.expect('{');
    while (this.peek() !== '}') {
      const key = this.str();
      this.expect(':');
      if (out.has(key)) this.fail(`header: duplicate key '${key}'`);
      out.set(key, this.value());
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== '}') this.fail(`header: expected ',' or '}' at offset ${this.pos}`);
    }
    this.pos++;
    if (this.peek() !== '') this.fail('header: trailing characters after the dict');
    return out;
  }
}

// ---------------------------------------------------------------------------------------------

/** Typed-array views read in the host's byte order. */
const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface NpyReadOptions {
  /** Values in a SharedArrayBuffer (worker threads read them in place: sim/batch.ts). */
  readonly shared?: boolean;
}

export function parseNpy(buf: Uint8Array, name = '<buffer>', opts: NpyReadOptions = {}): NpyArray {
  const fail: (msg: string) => never = (msg) => {
    throw new Error(`npy: ${name}: ${msg}`);
  };
  if (buf.length < 10) fail(`file too short (${buf.length} bytes) to be a .npy file`);
  if (!MAGIC.every((b, i) => buf[i] === b)) fail('bad magic: not a NumPy .npy file');
  const major = buf[6]!;
  const minor = buf[7]!;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let headerStart: number;
  let headerLen: number;
  if (major === 1 && minor === 0) {
    headerStart = 10;
    headerLen = dv.getUint16(8, true);
  } else if ((major === 2 || major === 3) && minor === 0) {
    if (buf.length < 12) fail('truncated header length field');
    headerStart = 12;
    headerLen = dv.getUint32(8, true);
  } else {
    return fail(`unsupported format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  }
  if (headerStart + headerLen > buf.length) {
    fail(`truncated header: needs ${headerLen} bytes, only ${buf.length - headerStart} present`);
  }
  // Versions 1.0/2.0 store latin1 headers; 3.0 allows utf8.
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    buf.subarray(headerStart, headerStart + headerLen),
  );
  const dict = new HeaderParser(header, fail).dict();
  const keys = [...dict.keys()].sort().join(',');
  if (keys !== 'descr,fortran_order,shape') fail(`header keys are {${keys}}, expected {descr, fortran_order, shape}`);
  const descr = dict.get('descr');
  const fortran = dict.get('fortran_order');
  const shape = dict.get('shape');
  if (typeof descr !== 'string') return fail('unsupported descr: structured/record dtypes are not supported');
  if (typeof fortran !== 'boolean') return fail("'fortran_order' must be True or False");
  if (!Array.isArray(shape)) return fail("'shape' must be a tuple of integers");

  const m = /^([<>|=]?)([a-z]\d+)$/.exec(descr);
  const dtype = m ? KIND_SIZE[m[2]!] : undefined;
  if (!m || !dtype) return fail(`unsupported descr '${descr}' (supported: f4 f8 i1 u1 i2 u2 i4 u4 i8 u8 b1)`);
  const itemsize = ITEMSIZE[dtype];
  // '|' (not applicable) is only valid for single-byte types; '=' is native, which numpy never
  // writes to disk and would be ambiguous across machines.
  if (m[1] === '=' || (m[1] !== '<' && m[1] !== '>' && itemsize > 1)) {
    fail(`unsupported byte order in descr '${descr}' (expected '<' or '>')`);
  }
  const little = m[1] !== '>';

  let count = 1;
  for (const d of shape) {
    count *= d;
    if (!Number.isSafeInteger(count)) fail(`shape (${shape.join(', ')}) is too large`);
  }
  const dataStart = headerStart + headerLen;
  const expected = count * itemsize;
  const available = buf.length - dataStart;
  if (available < expected) fail(`truncated data: expected ${expected} bytes for shape (${shape.join(', ')}) ${descr}, got ${available}`);
  // numpy tolerates trailing bytes, but in a test-vector pipeline they mean a wrong shape/dtype.
  if (available > expected) fail(`${available - expected} unexpected trailing bytes after the data`);

  const read = elementReader(dtype, dv, little, fail);
  const data = new Float64Array(opts.shared ? new SharedArrayBuffer(8 * count) : new ArrayBuffer(8 * count));
  const at = buf.byteOffset + dataStart;
  const cOrder = !fortran || shape.length < 2;
  if (cOrder && little && HOST_LITTLE && (dtype === 'float32' || dtype === 'float64') && at % ITEMSIZE[dtype] === 0) {
    // The common case (numpy's own little-endian floats, C order): one native conversion of the aligned bytes.
    data.set(dtype === 'float32' ? new Float32Array(buf.buffer, at, count) : new Float64Array(buf.buffer, at, count));
  } else if (cOrder) {
    for (let i = 0; i < count; i++) data[i] = read(dataStart + i * itemsize);
  } else {
    // Fortran order: first axis varies fastest on disk. Walk the C-order output index with an
    // odometer and keep the matching Fortran offset in sync.
    const nd = shape.length;
    const fstride: number[] = new Array<number>(nd);
    for (let k = 0, s = 1; k < nd; k++) { fstride[k] = s; s *= shape[k]!; }
    const idx = new Array<number>(nd).fill(0);
    let f = 0;
    for (let i = 0; i < count; i++) {
      data[i] = read(dataStart + f * itemsize);
      for (let k = nd - 1; k >= 0; k--) {
        idx[k]!++;
        f += fstride[k]!;
        if (idx[k]! < shape[k]!) break;
        f -= idx[k]! * fstride[k]!;
        idx[k] = 0;
      }
    }
  }
  return { dtype, shape: [...shape], data };
}

function elementReader(dtype: NpyDtype, dv: DataView, le: boolean, fail: (m: string) => never): (off: number) => number {
  const LIMIT = 2n ** 53n; // beyond this, float64 cannot represent every integer exactly
  switch (dtype) {
    case 'float32': return (o) => dv.getFloat32(o, le);
    case 'float64': return (o) => dv.getFloat64(o, le);
    case 'int8': return (o) => dv.getInt8(o);
    case 'uint8': return (o) => dv.getUint8(o);
    case 'bool': return (o) => (dv.getUint8(o) !== 0 ? 1 : 0);
    case 'int16': return (o) => dv.getInt16(o, le);
    case 'uint16': return (o) => dv.getUint16(o, le);
    case 'int32': return (o) => dv.getInt32(o, le);
    case 'uint32': return (o) => dv.getUint32(o, le);
    case 'int64':
    case 'uint64': return (o) => {
      const v = dtype === 'int64' ? dv.getBigInt64(o, le) : dv.getBigUint64(o, le);
      if (v > LIMIT || v < -LIMIT) fail(`${dtype} value ${v} exceeds 2^53 and cannot be represented exactly as float64`);
      return Number(v);
    };
  }
}

export function readNpy(path: string, opts: NpyReadOptions = {}): NpyArray {
  return parseNpy(readFileSync(path), path, opts);
}

// ---------------------------------------------------------------------------------------------

/** Header bytes exactly as numpy.save (numpy >= 1.24) writes them for a C-order array. */
function encodeHeader(descr: string, shape: number[]): Uint8Array {
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${tuple}, }`;
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  // numpy picks 1.0 unless the header length overflows uint16 (only for absurd ndim).
  for (const [major, prefix] of [[1, 10], [2, 12]] as const) {
    const hlen = dict.length + 1; // + '\n'
    // Like numpy, a header that is already aligned still gets a full ARRAY_ALIGN of padding.
    const pad = ARRAY_ALIGN - ((prefix + hlen) % ARRAY_ALIGN);
    const total = hlen + pad;
    if (major === 1 && total > 0xffff) continue;
    const out = new Uint8Array(prefix + total);
    out.set(MAGIC, 0);
    out[6] = major;
    out[7] = 0;
    const dv = new DataView(out.buffer);
    if (major === 1) dv.setUint16(8, total, true);
    else dv.setUint32(8, total, true);
    for (let i = 0; i < dict.length; i++) out[prefix + i] = dict.charCodeAt(i); // ASCII only
    out.fill(0x20, prefix + dict.length, out.length - 1);
    out[out.length - 1] = 0x0a;
    return out;
  }
  throw new Error('npy: header too large');
}

export function encodeNpy(
  arr: { shape: number[]; data: ArrayLike<number> },
  dtype: 'float64' | 'float32' = 'float64',
): Uint8Array {
  let count = 1;
  for (const d of arr.shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new Error(`npy: invalid shape dimension ${d} in [${arr.shape.join(', ')}]`);
    count *= d;
  }
  if (count !== arr.data.length) {
    throw new Error(`npy: shape [${arr.shape.join(', ')}] holds ${count} elements but data has ${arr.data.length}`);
  }
  if (dtype !== 'float64' && dtype !== 'float32') throw new Error(`npy: cannot encode dtype '${String(dtype)}'`);
  const itemsize = dtype === 'float64' ? 8 : 4;
  const header = encodeHeader(dtype === 'float64' ? '<f8' : '<f4', arr.shape);
  const out = new Uint8Array(header.length + count * itemsize);
  out.set(header, 0);
  if (HOST_LITTLE) {
    // The header's length is a multiple of 64, so the data is aligned for a typed view: one native conversion.
    (itemsize === 8 ? new Float64Array(out.buffer, header.length, count) : new Float32Array(out.buffer, header.length, count)).set(arr.data);
    return out;
  }
  const dv = new DataView(out.buffer);
  for (let i = 0, o = header.length; i < count; i++, o += itemsize) {
    if (itemsize === 8) dv.setFloat64(o, arr.data[i]!, true);
    else dv.setFloat32(o, arr.data[i]!, true);
  }
  return out;
}

export function writeNpy(
  path: string,
  arr: { shape: number[]; data: ArrayLike<number> },
  dtype: 'float64' | 'float32' = 'float64',
): void {
  writeFileSync(path, encodeNpy(arr, dtype));
}
