/**
 * Test support for test/deploy/driver.test.ts: reference vectors for the host drivers, written by the TypeScript
 * definitions (sim/fixed.ts fromDouble/fromDoubleBig/toDouble, src/deploy/packing.ts packSample/wordsToBytes), for
 * the Python checker (driver_check.py: manifest.json + .bin files) and the C host test (driver_c_test.c: .cbin).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  fixed, fromDouble, fromDoubleBig, maxRawBig, minRawBig, O_MODES, Q_MODES, toDouble, toDoubleBig, type FixedFormat,
  type OMode, type QMode,
} from '../../sim/fixed.js';
import type { Design } from '../../src/ir/design.js';
import { designPacking, packSample, wordsToBytes } from '../../src/deploy/packing.js';
import { driverDescription, type DriverPort } from '../../src/deploy/driver.js';

import { mulberry32 as rng } from '../../src/util/random.js';

export { rng };

const dv = new DataView(new ArrayBuffer(8));
function fromBits(hi: number, lo: number): number {
  dv.setUint32(0, hi >>> 0);
  dv.setUint32(4, lo >>> 0);
  return dv.getFloat64(0);
}
function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  dv.setFloat64(0, x);
  let b = dv.getBigUint64(0);
  b = x > 0 ? b + 1n : b - 1n;
  dv.setBigUint64(0, b);
  return dv.getFloat64(0);
}
const nextDown = (x: number) => -nextUp(-x);

/** The widths every family is tested at: 1..32, and wider ones up to the 64-bit field. */
export const WIDTHS = [...Array.from({ length: 32 }, (_, i) => i + 1), 33, 40, 47, 52, 53, 54, 60, 63, 64];

/** Every format family: per width and signedness, each Q mode with each overflow variant (N = 0, 1, random). */
export function conversionFormats(seed = 7): FixedFormat[] {
  const r = rng(seed);
  const out: FixedFormat[] = [];
  for (const w of WIDTHS) {
    for (const signed of [true, false]) {
      // Integer bits: plain integers, pure fractions, negative integer bits (F > W), more integer bits than bits
      // (negative F), and random ones.
      const ints = [w, 0, 1, -3, w + 3, Math.floor(w / 2), -20, w + 20];
      let pick = 0;
      for (const q of Q_MODES) {
        const variants: { o: OMode; n: number }[] = [
          { o: 'AP_SAT', n: 0 }, { o: 'AP_SAT_ZERO', n: 0 }, { o: 'AP_SAT_SYM', n: 0 }, { o: 'AP_WRAP', n: 0 },
          { o: 'AP_WRAP', n: 1 + Math.floor(r() * w) },
        ];
        if (signed) {
          variants.push({ o: 'AP_WRAP_SM', n: 0 }, { o: 'AP_WRAP_SM', n: 1 });
          if (w >= 2) variants.push({ o: 'AP_WRAP_SM', n: 2 + Math.floor(r() * (w - 1)) });
        }
        for (const { o, n } of variants) {
          const int = pick % 3 === 2 ? Math.floor(r() * (w + 17)) - 8 : ints[pick % ints.length];
          pick++;
          out.push(fixed(w, int, { signed, q: q as QMode, o, n }));
        }
      }
    }
  }
  // Binary points far outside the double range: values read as 2^-1100 .. 2^-2000 LSBs (the doubles' subnormals
  // are in range) or 2^1100 (everything but 0 overflows); raw -> double goes through subnormals and zero.
  for (const w of [1, 8, 16, 32, 53, 64]) {
    for (const signed of [true, false]) {
      for (const frac of [1100, 1500, 2000, -1100]) {
        for (const [q, o, n] of [['AP_RND_CONV', 'AP_SAT', 0], ['AP_TRN', 'AP_WRAP', 0], ['AP_RND_INF', signed ? 'AP_WRAP_SM' : 'AP_WRAP', 1]] as const) {
          out.push(fixed(w, w - frac, { signed, q, o, n }));
        }
      }
    }
  }
  return out;
}

/** Doubles that probe format f: its grid, every tie position, both rails and beyond, and the odd doubles. */
export function probeDoubles(f: FixedFormat, r: () => number): number[] {
  const F = f.width - f.int;
  const lsb = 2 ** -F;
  const xs: number[] = [
    0, -0, Infinity, -Infinity, NaN, -NaN, fromBits(0x7ff00000, 1), fromBits(0xfff80000, 0x1234), fromBits(0x7ff7ffff, 0xffffffff),
    Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE, 2 ** -1022, -(2 ** -1022),
    fromBits(0x000fffff, 0xffffffff), fromBits(0x80080000, 0), fromBits(0x00000001, 0x80000000),
    2 ** 53, 2 ** 63, -(2 ** 63), 2 ** 64, -(2 ** 64), 2 ** 64 - 2 ** 11, -(2 ** 64 - 2 ** 11), 2 ** 63 - 2 ** 10, 1e300, -1e300, 1, -1, 0.5, -0.5,
  ];
  const minR = Number(minRawBig(f));
  const maxR = Number(maxRawBig(f));
  // Multiples k of the LSB around both rails and zero, ties (k + 1/2) and quarter points, and a double either side.
  const ks = new Set<number>();
  for (const c of [minR, maxR, 0, minR - 1, maxR + 1]) for (let d = -3; d <= 3; d++) ks.add(c + d);
  for (let i = 0; i < 12; i++) ks.add(Math.floor(minR + r() * (maxR - minR + 1)));
  for (const k of ks) {
    for (const fr of [0, 0.5, 0.25, 0.75]) {
      const x = (k + fr) * lsb;
      xs.push(x, -x);
      if (fr === 0.5) xs.push(nextUp(x), nextDown(x));
    }
  }
  // Ties with the half bit at every position of the mantissa: k of every bit length, (k + 1/2) · 2^-F.
  for (let b = 0; b <= 52; b++) {
    const k = b === 0 ? 0 : 2 ** (b - 1) + Math.floor(r() * 2 ** (b - 1));
    const x = (k + 0.5) * lsb;
    xs.push(r() < 0.5 ? x : -x);
  }
  // Random mantissas at exponents around the format (from far below its LSB to far above its range), and anywhere.
  for (let i = 0; i < 60; i++) {
    const m = 1 + r() + r() * 2 ** -26;
    const e = Math.floor(-F - 60 + r() * (f.width + 80));
    const x = m * 2 ** e;
    xs.push(r() < 0.5 ? x : -x);
  }
  for (let i = 0; i < 20; i++) {
    const x = fromBits(Math.floor(r() * 2 ** 32), Math.floor(r() * 2 ** 32));
    xs.push(x);
  }
  return xs;
}

/** Raws spread over f's whole range, both rails included. */
function probeRaws(f: FixedFormat, r: () => number): bigint[] {
  const lo = minRawBig(f);
  const hi = maxRawBig(f);
  const span = hi - lo + 1n;
  const out = [lo, hi, 0n, lo + 1n, hi - 1n];
  if (lo < 0n) out.push(-1n);
  for (let i = 0; i < 24; i++) {
    const u = (BigInt(Math.floor(r() * 2 ** 32)) << 32n) | BigInt(Math.floor(r() * 2 ** 32));
    out.push(lo + (u % span));
  }
  return out.filter((v) => v >= lo && v <= hi);
}

export interface ConversionCase { format: FixedFormat; x: Float64Array; raws: bigint[]; tfRaws: bigint[]; tfDoubles: number[] }

/** The reference: fromDouble (number path) up to 53 bits, fromDoubleBig above; toDouble / toDoubleBig. */
export function conversionCases(seed = 11): ConversionCase[] {
  const r = rng(seed);
  return conversionFormats(seed).map((f) => {
    // Stored first, so that the reference converts exactly the bits the drivers read (NaN payloads included).
    const x = Float64Array.from(probeDoubles(f, r));
    const wide = f.width > 53;
    const raws = Array.from(x, (v) => (wide ? fromDoubleBig(v, f) : BigInt(fromDouble(v, f))));
    const tfRaws = [...probeRaws(f, r), ...raws.slice(0, 40)];
    const tfDoubles = tfRaws.map((v) => (wide ? toDoubleBig(v, f) : toDouble(Number(v), f)));
    return { format: f, x, raws, tfRaws, tfDoubles };
  });
}

export interface PackCase { port: DriverPort; busBits: number; samples: number; raws: number[]; bytes: Uint8Array }

/** A one-input design around a tensor of `elements` raws of format f, packed on `busBits` (the real packing). */
export function portFor(f: FixedFormat, elements: number, busBits: number, shape?: number[]): { port: DriverPort; packing: ReturnType<typeof designPacking> } {
  const design = {
    format: 'fpgac-design', version: 1, name: 'fpgac_top', model: { file: 'm.onnx', sha256: '0', opset: 13, producer: 'test' },
    precision: 'x', inputs: ['t'], outputs: [], layers: [],
    tensors: { t: { name: 't', onnxName: 'x', shape: shape ?? [1, elements], format: f } },
  } as unknown as Design;
  const packing = designPacking(design, 'axis', busBits);
  return { port: driverDescription(design, packing).ports[0], packing };
}

export function packCases(seed = 13): PackCase[] {
  const r = rng(seed);
  const out: PackCase[] = [];
  const widthsFor: Record<number, [number, number]> = { 8: [1, 8], 16: [9, 16], 32: [17, 32], 64: [33, 53] };
  for (const field of [8, 16, 32, 64]) {
    for (const bus of [32, 64, 128, 256, 512]) {
      if (field > bus) continue; // packing.ts would cut such raws to the bus (see the driver's refusal)
      for (const signed of [true, false]) {
        const per = bus / field;
        for (const elements of [1, per - 1, per, per + 1, 2 * per + 3, 1 + Math.floor(r() * 70)].filter((e) => e >= 1)) {
          const [w0, w1] = widthsFor[field];
          const w = w0 + Math.floor(r() * (w1 - w0 + 1));
          const f = fixed(w, Math.floor(r() * (w + 1)), { signed, q: 'AP_RND_CONV', o: 'AP_SAT' });
          const { port, packing } = portFor(f, elements, bus);
          const p = packing.ports[0];
          const samples = 1 + Math.floor(r() * 3);
          const lo = Number(minRawBig(f));
          const hi = Number(maxRawBig(f));
          const raws: number[] = [];
          for (let i = 0; i < samples * elements; i++) {
            const pickRail = r();
            raws.push(pickRail < 0.1 ? lo : pickRail < 0.2 ? hi : lo + Math.floor(r() * (hi - lo + 1)));
          }
          const chunks: Uint8Array[] = [];
          for (let s = 0; s < samples; s++) chunks.push(wordsToBytes(packSample(raws.slice(s * elements, (s + 1) * elements), p), bus));
          const bytes = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
          let o = 0;
          for (const c of chunks) { bytes.set(c, o); o += c.length; }
          out.push({ port, busBits: bus, samples, raws, bytes });
        }
      }
    }
  }
  return out;
}

const formatJson = (f: FixedFormat) => ({ width: f.width, int: f.int, signed: f.signed, q: f.q, o: f.o, n: f.n });

/** Writes manifest.json and the .bin files driver_check.py reads, and conv.cbin / pack.cbin for the C test. */
export function writeVectors(dir: string, conv: ConversionCase[], packs: PackCase[]): { values: number; tfValues: number; packBytes: number } {
  const total = conv.reduce((a, c) => a + c.x.length, 0);
  const tfTotal = conv.reduce((a, c) => a + c.tfRaws.length, 0);
  const x = new Float64Array(total);
  const raw = new BigInt64Array(total);
  const tfRaw = new BigInt64Array(tfTotal);
  const tfDbl = new Float64Array(tfTotal);
  const manifest: { conversions: object[]; packing: object[] } = { conversions: [], packing: [] };
  let o = 0;
  let t = 0;
  for (const c of conv) {
    manifest.conversions.push({ format: formatJson(c.format), offset: o, count: c.x.length, tfOffset: t, tfCount: c.tfRaws.length });
    x.set(c.x, o);
    c.raws.forEach((v, i) => { raw[o + i] = BigInt.asIntN(64, v); });
    c.tfRaws.forEach((v, i) => { tfRaw[t + i] = BigInt.asIntN(64, v); tfDbl[t + i] = c.tfDoubles[i]; });
    o += c.x.length;
    t += c.tfRaws.length;
  }
  const packRawTotal = packs.reduce((a, c) => a + c.raws.length, 0);
  const packByteTotal = packs.reduce((a, c) => a + c.bytes.length, 0);
  const pr = new BigInt64Array(packRawTotal);
  const pb = new Uint8Array(packByteTotal);
  let ro = 0;
  let bo = 0;
  for (const c of packs) {
    manifest.packing.push({ port: c.port, busBits: c.busBits, samples: c.samples, rawOffset: ro, byteOffset: bo });
    c.raws.forEach((v, i) => { pr[ro + i] = BigInt(v); });
    pb.set(c.bytes, bo);
    ro += c.raws.length;
    bo += c.bytes.length;
  }
  const le = (a: Float64Array | BigInt64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength); // x86/ARM: little-endian
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  writeFileSync(path.join(dir, 'conv_x.bin'), le(x));
  writeFileSync(path.join(dir, 'conv_raw.bin'), le(raw));
  writeFileSync(path.join(dir, 'tf_raw.bin'), le(tfRaw));
  writeFileSync(path.join(dir, 'tf_dbl.bin'), le(tfDbl));
  writeFileSync(path.join(dir, 'pack_raw.bin'), le(pr));
  writeFileSync(path.join(dir, 'pack_bytes.bin'), pb);

  // C: records of int32 headers and little-endian payloads.
  const qi = (q: QMode) => Q_MODES.indexOf(q);
  const oi = (m: OMode) => O_MODES.indexOf(m);
  const cparts: Uint8Array[] = [];
  for (const c of conv) {
    const f = c.format;
    cparts.push(new Uint8Array(Int32Array.from([f.width, f.int, f.signed ? 1 : 0, qi(f.q), oi(f.o), f.n, c.x.length, c.tfRaws.length]).buffer));
    cparts.push(le(c.x), le(BigInt64Array.from(c.raws.map((v) => BigInt.asIntN(64, v)))));
    cparts.push(le(BigInt64Array.from(c.tfRaws.map((v) => BigInt.asIntN(64, v)))), le(Float64Array.from(c.tfDoubles)));
  }
  writeFileSync(path.join(dir, 'conv.cbin'), Buffer.concat(cparts));
  const pparts: Uint8Array[] = [];
  for (const c of packs) {
    const f = c.port.format;
    pparts.push(new Uint8Array(Int32Array.from([f.width, f.int, f.signed ? 1 : 0, qi(f.q), oi(f.o), f.n, c.port.elements, c.busBits, c.samples, c.port.fieldBits, c.port.wordsPerSample]).buffer));
    pparts.push(le(BigInt64Array.from(c.raws.map((v) => BigInt(v)))), c.bytes);
  }
  writeFileSync(path.join(dir, 'pack.cbin'), Buffer.concat(pparts));
  return { values: total, tfValues: tfTotal, packBytes: packByteTotal };
}
