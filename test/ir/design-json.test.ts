// design.json (src/ir/design-json.ts, read by src/design-file.ts): file version 2 holds long raw arrays as base64 of
// little-endian integers, the narrowest of 8, 16 and 32 bits that holds them; short or wider arrays stay lists.
// What is read back must be the design that was written, bit for bit; version-1 files (plain lists) still read;
// a damaged encoding is FPGAC001 naming the problem.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixed, maxRaw, minRaw, type FixedFormat } from '../../sim/fixed.js';
import type { DTensor, EltwiseLayer, Layer } from '../../src/ir/design.js';
import { designJson } from '../../src/ir/design-json.js';
import { readDesignFile } from '../../src/design-file.js';
import { DiagnosticError } from '../../src/diagnostics.js';
import { constData, makeDesign, randomRaws, referenceStrides, rng } from '../support/harness.js';

// [format, length]: widths on both sides of each encoding's edge, and a short array.
const CASES: [FixedFormat, number][] = [
  [fixed(8, 3), 300], [fixed(9, 3), 300], [fixed(16, 6), 500], [fixed(17, 6), 200], [fixed(32, 10), 100],
  [fixed(40, 12), 100], [fixed(4, 2, { signed: false }), 130], [fixed(16, 6), 10],
];
const rand = rng(77);
const constants = CASES.map(([f, n], k) => {
  const raw = randomRaws(f, n, rand);
  raw[0] = minRaw(f);
  raw[1] = maxRaw(f);
  return constData(`c_${k}`, [n], f, raw);
});
const one = (n: number, k: number): DTensor => ({ name: `one_${k}`, onnxName: `one ${k}`, shape: [n], format: fixed(1, 1, { signed: false }) });
const tensors: DTensor[] = [];
const layers: Layer[] = constants.map((c, k): EltwiseLayer => {
  const n = c.raw.length;
  tensors.push(one(n, k), { name: `out_${k}`, onnxName: `out ${k}`, shape: [n], format: c.format });
  return {
    kind: 'eltwise', name: `mul_${k}`, sources: [`node ${k}`], inputs: [`one_${k}`], output: `out_${k}`, op: 'mul',
    a: { constant: c }, b: { tensor: `one_${k}` }, outShape: [1, 1, 1, 1, 1, n], aStrides: referenceStrides([n]), bStrides: referenceStrides([n]),
    act: { kind: 'none' },
  };
});
const design = makeDesign('json_test', tensors, layers, layers.map((l) => l.output));

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function folder(text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-json-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'design.json'), text);
  return dir;
}

/** The parsed file's `raw` of constant k, as written. */
const rawInFile = (text: string, k: number): unknown => (JSON.parse(text).layers[k] as { a: { constant: { raw: unknown } } }).a.constant.raw;

describe('design.json', () => {
  const text = designJson(design);

  it('reads back the design that was written, every raw equal', () => {
    expect(readDesignFile(folder(text))).toEqual(design);
  });

  it('encodes arrays of 64 or more raws in the narrowest of i8, i16, i32 holding them; shorter or wider ones stay lists', () => {
    const want = ['i8', 'i16', 'i16', 'i32', 'i32', 'list', 'i8', 'list'];
    const got = constants.map((_, k) => { const r = rawInFile(text, k); return Array.isArray(r) ? 'list' : Object.keys(r as object)[0]; });
    expect(got).toEqual(want);
    expect(JSON.parse(text).version).toBe(2);
  });

  it('an encoded array is base64 of little-endian two\'s-complement integers (decoded here with Buffer)', () => {
    const b = Buffer.from((rawInFile(text, 2) as { i16: string }).i16, 'base64');
    expect(Array.from({ length: b.length / 2 }, (_, i) => b.readInt16LE(2 * i))).toEqual(constants[2].raw);
    const w = Buffer.from((rawInFile(text, 3) as { i32: string }).i32, 'base64');
    expect(Array.from({ length: w.length / 4 }, (_, i) => w.readInt32LE(4 * i))).toEqual(constants[3].raw);
  });

  it('a version-1 file (plain lists) still reads', () => {
    expect(readDesignFile(folder(JSON.stringify(design)))).toEqual(design);
  });

  const damaged: [string, (t: string) => string, RegExp][] = [
    ['an i16 string of an odd number of bytes', (t) => t.replace(/"i16":"([^"]*)"/, (_, s: string) => `"i16":"${Buffer.concat([Buffer.from(s, 'base64'), Buffer.from([1])]).toString('base64')}"`), /i16 raws are \d+ bytes, not whole elements/],
    ['an unknown element type', (t) => t.replace('"i16":', '"i64":'), /neither a list nor one base64 string/],
    ['a string that is not base64', (t) => t.replace(/"i8":"[^"]*"/, '"i8":"not base64!"'), /neither a list nor one base64 string/],
    ['a version this fpgac does not know', (t) => t.replace('"version":2', '"version":3'), /version 3; this fpgac reads versions 1 and 2/],
  ];
  for (const [what, damage, message] of damaged) {
    it(`refuses ${what} with FPGAC001`, () => {
      const dir = folder(damage(text));
      expect(readFileSync(path.join(dir, 'design.json'), 'utf8')).not.toBe(text);
      let err: unknown;
      try { readDesignFile(dir); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(DiagnosticError);
      const d = (err as DiagnosticError).diagnostics[0];
      expect(d.code).toBe('FPGAC001');
      expect(d.message).toMatch(message);
    });
  }
});
