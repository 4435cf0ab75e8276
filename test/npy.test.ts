import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeNpy, parseNpy, readNpy, writeNpy, type NpyDtype } from '../src/npy.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------------------------------------
// Independent test-side writer for arbitrary dtypes/versions/byte orders/layouts. It pads like
// pre-1.24 numpy (no growth spaces), so the reader is also exercised on that header variant.

const KIND: Record<NpyDtype, string> = {
  float32: 'f4', float64: 'f8', int8: 'i1', uint8: 'u1', int16: 'i2', uint16: 'u2',
  int32: 'i4', uint32: 'u4', int64: 'i8', uint64: 'u8', bool: 'b1',
};
type Setter = (dv: DataView, o: number, v: number, le: boolean) => void;
const SET: Record<string, Setter> = {
  f4: (dv, o, v, le) => dv.setFloat32(o, v, le), f8: (dv, o, v, le) => dv.setFloat64(o, v, le),
  i1: (dv, o, v) => dv.setInt8(o, v), u1: (dv, o, v) => dv.setUint8(o, v), b1: (dv, o, v) => dv.setUint8(o, v),
  i2: (dv, o, v, le) => dv.setInt16(o, v, le), u2: (dv, o, v, le) => dv.setUint16(o, v, le),
  i4: (dv, o, v, le) => dv.setInt32(o, v, le), u4: (dv, o, v, le) => dv.setUint32(o, v, le),
  i8: (dv, o, v, le) => dv.setBigInt64(o, BigInt(v), le), u8: (dv, o, v, le) => dv.setBigUint64(o, BigInt(v), le),
};

function rawNpy(header: string, data: Uint8Array, version = 1): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const body = header + ' '.repeat(63 - ((prefix + header.length) % 64)) + '\n';
  const out = new Uint8Array(prefix + body.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, body.length, true);
  else dv.setUint32(8, body.length, true);
  out.set(new TextEncoder().encode(body), prefix);
  out.set(data, prefix + body.length);
  return out;
}

/** `values` are in C order; with fortran=true they are stored first-axis-fastest. */
function makeNpy(descr: string, shape: number[], values: number[], opts: { version?: number; fortran?: boolean } = {}): Uint8Array {
  const size = Number(descr.slice(2));
  const le = descr[0] !== '>';
  const data = new Uint8Array(values.length * size);
  const dv = new DataView(data.buffer);
  for (let j = 0; j < values.length; j++) {
    let src = j;
    if (opts.fortran) {
      // Decompose the Fortran flat index j into a multi-index, then re-linearise in C order.
      let rem = j;
      src = 0;
      const idx = shape.map((d) => { const i = rem % d; rem = Math.floor(rem / d); return i; });
      for (let k = 0; k < shape.length; k++) src = src * shape[k]! + idx[k]!;
    }
    SET[descr.slice(1)]!(dv, j * size, values[src]!, le);
  }
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const header = `{'descr': '${descr}', 'fortran_order': ${opts.fortran ? 'True' : 'False'}, 'shape': ${tuple}, }`;
  return rawNpy(header, data, opts.version ?? 1);
}

const SAMPLES: Record<NpyDtype, number[]> = {
  float32: [1.5, -0.25, 3.4028234663852886e38, -Infinity, NaN, Math.fround(1e-45)],
  float64: [0.1, -0, 1e308, 5e-324, Infinity, NaN],
  int8: [-128, 127, 0, -1, 1, 42],
  uint8: [0, 255, 1, 128, 7, 200],
  int16: [-32768, 32767, -1, 0, 300, -300],
  uint16: [0, 65535, 1, 256, 32768, 12345],
  int32: [-2147483648, 2147483647, -1, 0, 65536, -65537],
  uint32: [0, 4294967295, 2147483648, 1, 16777217, 99],
  int64: [-(2 ** 53), 2 ** 53, -1, 0, 2 ** 32, -(2 ** 40) + 3],
  uint64: [0, 2 ** 53, 1, 2 ** 32 + 1, 255, 2 ** 52 + 1],
  bool: [0, 1, 1, 0, 0, 1],
};

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));
const hex = (h: string): number[] => h.match(/../g)!.map((b) => parseInt(b, 16));
const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

// Malformed inputs, shared by the TS and the C++ tests: [label, bytes, expected message].
const f64 = (shape: number[], values: number[]): Uint8Array => makeNpy('<f8', shape, values);
const good = f64([2, 2], [1, 2, 3, 4]);
const MALFORMED: [string, Uint8Array, RegExp][] = [
  ['tiny', good.slice(0, 5), /too short/],
  ['bad magic', Uint8Array.from(good, (b, i) => (i === 1 ? 0x58 : b)), /bad magic/],
  ['version 4.0', Uint8Array.from(good, (b, i) => (i === 6 ? 4 : b)), /unsupported format version 4\.0/],
  ['truncated header', good.slice(0, 40), /truncated header/],
  ['truncated data', good.slice(0, good.length - 1), /truncated data: expected 32 bytes/],
  ['trailing bytes', Uint8Array.from([...good, 0, 0]), /2 unexpected trailing bytes/],
  ['complex descr', rawNpy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)), /unsupported descr '<c8'/],
  ['unicode descr', rawNpy("{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(12)), /unsupported descr '<U3'/],
  ['half float', rawNpy("{'descr': '<f2', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(2)), /unsupported descr '<f2'/],
  ['structured', rawNpy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4)), /structured/],
  ["'|' on f8", rawNpy("{'descr': '|f8', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)), /byte order/],
  ['missing key', rawNpy("{'descr': '<f8', 'shape': (1,), }", new Uint8Array(8)), /fortran_order/],
  ['garbage dict', rawNpy("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (1,), }", new Uint8Array(8)), /header: unsupported value/],
  ['bad shape', rawNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", new Uint8Array(8)), /non-negative integer/],
  ['int64 > 2^53', makeNpy('<i8', [1], [2 ** 53 + 2]), /int64 value 9007199254740994 exceeds 2\^53/],
  ['uint64 > 2^53', makeNpy('>u8', [1], [2 ** 60]), /uint64 value 1152921504606846976 exceeds 2\^53/],
];

// ---------------------------------------------------------------------------------------------

describe('parseNpy round trips', () => {
  for (const dtype of Object.keys(KIND) as NpyDtype[]) {
    it(`${dtype}: every version, byte order and layout`, () => {
      const kind = KIND[dtype];
      const orders = kind.endsWith('1') ? ['|', '<', '>'] : ['<', '>'];
      for (const version of [1, 2, 3]) {
        for (const order of orders) {
          for (const fortran of [false, true]) {
            for (const shape of [[2, 3], [3, 2], [6], [1, 3, 2]]) {
              const got = parseNpy(makeNpy(order + kind, shape, SAMPLES[dtype], { version, fortran }));
              expect(got.dtype).toBe(dtype);
              expect(got.shape).toEqual(shape);
              expect(Array.from(got.data)).toEqual(SAMPLES[dtype]);
            }
          }
          // 0-d array: shape () holds exactly one element.
          const scalar = parseNpy(makeNpy(order + kind, [], [SAMPLES[dtype][1]!], { version }));
          expect(scalar.shape).toEqual([]);
          expect(Array.from(scalar.data)).toEqual([SAMPLES[dtype][1]]);
        }
      }
    });
  }

  it('little-endian floats decode the same from bytes that are not aligned for their items (read element by element), and into shared memory when asked', () => {
    for (const kind of ['<f4', '<f8']) {
      const bytes = makeNpy(kind, [2, 3], SAMPLES[kind === '<f4' ? 'float32' : 'float64']);
      const shifted = new Uint8Array(bytes.length + 1).subarray(1); // byteOffset 1: no typed view of its items
      shifted.set(bytes);
      const aligned = parseNpy(bytes);
      const unaligned = parseNpy(shifted);
      const shared = parseNpy(bytes, 'x', { shared: true });
      expect(Array.from(unaligned.data), kind).toEqual(Array.from(aligned.data));
      expect(Array.from(shared.data), kind).toEqual(Array.from(aligned.data));
      expect(shared.data.buffer instanceof SharedArrayBuffer).toBe(true);
      expect(aligned.data.buffer instanceof SharedArrayBuffer).toBe(false);
    }
  });

  it('reorders a hand-written Fortran-order 2x3 array to C order', () => {
    // [[1,2,3],[4,5,6]] is stored column-major: 1 4 2 5 3 6 (as little-endian int16).
    const data = Uint8Array.from([1, 0, 4, 0, 2, 0, 5, 0, 3, 0, 6, 0]);
    const got = parseNpy(rawNpy("{'descr': '<i2', 'fortran_order': True, 'shape': (2, 3), }", data));
    expect(Array.from(got.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads files written by numpy itself', () => {
    // np.save(np.array([1, -2, 300], dtype='>i2'))
    const a = parseNpy(b64('k05VTVBZAQB2AHsnZGVzY3InOiAnPmkyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAf/+ASw='));
    expect(a).toEqual({ dtype: 'int16', shape: [3], data: Float64Array.from([1, -2, 300]) });
    // write_array(asfortranarray([[1,2,3],[4,5,6]], '>f4'), version=(3, 0))
    const b = parseNpy(b64('k05VTVBZAwB0AAAAeydkZXNjcic6ICc+ZjQnLCAnZm9ydHJhbl9vcmRlcic6IFRydWUsICdzaGFwZSc6ICgyLCAzKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo/gAAAQIAAAEAAAABAoAAAQEAAAEDAAAA='));
    expect(b).toEqual({ dtype: 'float32', shape: [2, 3], data: Float64Array.from([1, 2, 3, 4, 5, 6]) });
    // write_array([[2**53, 7]], '<u8', version=(2, 0))
    const c = parseNpy(b64('k05VTVBZAgB0AAAAeydkZXNjcic6ICc8dTgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMSwgMiksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAgAAcAAAAAAAAA'));
    expect(c).toEqual({ dtype: 'uint64', shape: [1, 2], data: Float64Array.from([2 ** 53, 7]) });
  });

  it('accepts header variants other writers produce (Python 2 longs, double quotes, compact spacing)', () => {
    const data = new Uint8Array(new Float64Array([1, 2]).buffer);
    const got = parseNpy(rawNpy('{"descr":"<f8","fortran_order":False,"shape":(2L,)}', data));
    expect(Array.from(got.data)).toEqual([1, 2]);
  });

  it('treats any non-zero bool byte as true', () => {
    const got = parseNpy(rawNpy("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", Uint8Array.from([0, 2, 255])));
    expect(Array.from(got.data)).toEqual([0, 1, 1]);
  });

  it('handles empty arrays', () => {
    for (const shape of [[0], [2, 0, 3]]) {
      expect(parseNpy(makeNpy('>i4', shape, [], { fortran: true }))).toEqual({ dtype: 'int32', shape, data: new Float64Array(0) });
    }
  });
});

describe('malformed input', () => {
  for (const [label, bytes, msg] of MALFORMED) {
    it(`rejects ${label}`, () => {
      expect(() => parseNpy(bytes, 'weights/x.npy')).toThrow(msg);
      expect(() => parseNpy(bytes, 'weights/x.npy')).toThrow(/^npy: weights\/x\.npy: /);
    });
  }
});

describe('encodeNpy byte layout', () => {
  const header = (dict: string, spaces: number): number[] =>
    [0x93, ...ascii('NUMPY'), 1, 0, 0x76, 0x00, ...ascii(dict), ...new Array<number>(spaces).fill(0x20), 0x0a];

  it('matches numpy.save for a 2-d float64 array', () => {
    // 10 (prefix) + 59 (dict) + 58 spaces (20 growth + 38 alignment) + 1 ('\n') = 128.
    const bytes = encodeNpy({ shape: [3, 4], data: new Array<number>(12).fill(0) });
    expect(Array.from(bytes)).toEqual([...header("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }", 58), ...new Array<number>(96).fill(0)]);
  });

  it('writes 1-d shapes as (n,) with little-endian float64/float32 data', () => {
    // 10 + 57 + 60 spaces (20 growth + 40 alignment) + 1 = 128; data 1, -2, 0.5.
    const h = header("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", 60);
    expect(Array.from(encodeNpy({ shape: [3], data: [1, -2, 0.5] }))).toEqual(
      [...h, ...hex('000000000000f03f' + '00000000000000c0' + '000000000000e03f')]);
    const h4 = header("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 60);
    expect(Array.from(encodeNpy({ shape: [3], data: [1, -2, 0.5] }, 'float32'))).toEqual(
      [...h4, ...hex('0000803f' + '000000c0' + '0000003f')]);
  });

  it('writes 0-d arrays with shape () and no growth padding', () => {
    // 10 + 55 + 62 + 1 = 128.
    const h = header("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 62);
    expect(Array.from(encodeNpy({ shape: [], data: [3.5] }))).toEqual([...h, ...hex('0000000000000c40')]);
  });

  it('adds a full 64 spaces when the header is already aligned, as numpy does', () => {
    // Shape (1,)*13 + (100,): dict is 96 chars + 20 growth spaces; 10 + 117 = 127, +64 +1 = 192.
    const shape = [...new Array<number>(13).fill(1), 100];
    const bytes = encodeNpy({ shape, data: new Array<number>(100).fill(0) });
    expect([bytes[8], bytes[9]]).toEqual([182, 0]);
    expect(bytes[191]).toBe(0x0a);
    expect(Array.from(bytes.slice(127, 191)).every((b) => b === 0x20)).toBe(true);
    expect(bytes.length).toBe(192 + 800);
  });

  it('rejects inconsistent shape/data', () => {
    expect(() => encodeNpy({ shape: [2, 3], data: [1, 2] })).toThrow(/holds 6 elements but data has 2/);
    expect(() => encodeNpy({ shape: [-1], data: [] })).toThrow(/invalid shape dimension -1/);
  });
});

describe('file round trip', () => {
  let dir = '';
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'fpgac-npy-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writeNpy/readNpy preserve float64 and round float32', () => {
    const data = [Math.PI, -1e-300, 0, 1e20];
    writeNpy(join(dir, 'a.npy'), { shape: [2, 2], data });
    expect(readNpy(join(dir, 'a.npy'))).toEqual({ dtype: 'float64', shape: [2, 2], data: Float64Array.from(data) });
    writeNpy(join(dir, 'b.npy'), { shape: [4], data }, 'float32');
    expect(readNpy(join(dir, 'b.npy'))).toEqual({ dtype: 'float32', shape: [4], data: Float64Array.from(data, Math.fround) });
  });

  it('names the file in errors', () => {
    const p = join(dir, 'broken.npy');
    writeFileSync(p, good.slice(0, 60));
    expect(() => readNpy(p)).toThrow(`npy: ${p}: truncated`);
  });
});

// ---------------------------------------------------------------------------------------------
// C++ header: load TS-written files of many dtypes, save back as float64, compare with TS.

const hasGxx = spawnSync('g++', ['--version']).status === 0;

const CPP_MAIN = `#include "fpgac/npy.h"
#include <iostream>
size_t element_count(const std::string& path);  // defined in other.cpp (checks inline linkage)
int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--expect-error") {
    try { fpgac::npy_load(argv[2]); } catch (const std::runtime_error& e) { std::cout << e.what(); return 0; }
    return 2;
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    try {
      fpgac::NpyArray a = fpgac::npy_load(argv[i]);
      if (element_count(argv[i]) != a.data.size()) return 3;
      fpgac::npy_save(argv[i + 1], a.shape, a.data);
    } catch (const std::exception& e) { std::cerr << e.what() << "\\n"; return 1; }
  }
  return 0;
}
`;
const CPP_OTHER = `#include "fpgac/npy.h"
size_t element_count(const std::string& path) { return fpgac::npy_load(path).data.size(); }
`;

describe.skipIf(!hasGxx)('hw/fpgac/npy.h (g++)', () => {
  let dir = '';
  let exe = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fpgac-npy-cpp-'));
    writeFileSync(join(dir, 'main.cpp'), CPP_MAIN);
    writeFileSync(join(dir, 'other.cpp'), CPP_OTHER);
    exe = join(dir, 'npytool');
    const cc = spawnSync('g++', ['-std=c++14', '-Wall', '-Wextra', '-Werror', '-pedantic', '-O1', '-I', join(ROOT, 'hw'),
      join(dir, 'main.cpp'), join(dir, 'other.cpp'), '-o', exe], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`g++ failed:\n${cc.stderr}`);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads every dtype/version/byte order and saves float64 byte-identical to encodeNpy', () => {
    const cases: [string, Uint8Array][] = [
      ['f8', encodeNpy({ shape: [3, 4], data: Array.from({ length: 12 }, (_, i) => i / 7 - 0.5) })],
      ['f4', encodeNpy({ shape: [5], data: [0.1, -2, 1e30, 1e-40, -0] }, 'float32')],
      ['scalar', encodeNpy({ shape: [], data: [Math.E] })],
      ['aligned', encodeNpy({ shape: [...new Array<number>(13).fill(1), 100], data: Array.from({ length: 100 }, (_, i) => i) })],
      ['long-axis', encodeNpy({ shape: [123456], data: new Float64Array(123456).map((_, i) => i % 97) })],
      ['empty', makeNpy('<i1', [2, 0], [])],
      ['bool0d', makeNpy('|b1', [], [1], { version: 3 })],
      ['f64-nonfinite', makeNpy('>f8', [6], SAMPLES.float64, { version: 2 })],
    ];
    for (const dtype of Object.keys(KIND) as NpyDtype[]) {
      for (const order of ['<', '>']) {
        cases.push([`${dtype}${order === '<' ? 'le' : 'be'}`, makeNpy(order + KIND[dtype], [2, 3], SAMPLES[dtype], { version: order === '<' ? 1 : 2 })]);
        cases.push([`${dtype}${order === '<' ? 'le' : 'be'}F`, makeNpy(order + KIND[dtype], [3, 1, 2], SAMPLES[dtype], { version: 3, fortran: true })]);
      }
    }
    const args: string[] = [];
    for (const [name, bytes] of cases) {
      writeFileSync(join(dir, `${name}.in.npy`), bytes);
      args.push(join(dir, `${name}.in.npy`), join(dir, `${name}.out.npy`));
    }
    const run = spawnSync(exe, args, { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    for (const [name, bytes] of cases) {
      const src = parseNpy(bytes, name);
      const out = readFileSync(join(dir, `${name}.out.npy`));
      expect(Buffer.compare(out, Buffer.from(encodeNpy(src))), name).toBe(0);
      expect(Array.from(readNpy(join(dir, `${name}.out.npy`)).data), name).toEqual(Array.from(src.data));
    }
  });

  it('rejects the same malformed inputs with the same messages', () => {
    for (const [label, bytes, msg] of MALFORMED) {
      const p = join(dir, `bad-${label.replace(/\W+/g, '_')}.npy`);
      writeFileSync(p, bytes);
      const run = spawnSync(exe, ['--expect-error', p], { encoding: 'utf8' });
      expect(run.status, label).toBe(0);
      expect(run.stdout, label).toMatch(msg);
      expect(run.stdout.startsWith(`npy: ${p}: `), label).toBe(true);
    }
    const missing = spawnSync(exe, ['--expect-error', join(dir, 'nope.npy')], { encoding: 'utf8' });
    expect(missing.stdout).toMatch(/nope\.npy: cannot open/);
  });
});
