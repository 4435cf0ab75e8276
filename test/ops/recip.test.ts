/**
 * Sqrt, Reciprocal, Log (`octave` tables) and Div of two run-time tensors (x · reciprocal(y)): the error over EVERY
 * input code of 16-bit formats against the float function written here, within the bound src/quant/octave.ts
 * states plus the output cast; the domain ends (ONNX's NaN/inf become 0 or the saturated ends); the float
 * reference against ONNX Runtime and the fixed-point design close to it on models built here; integer Div refused.
 * ONNX's node tests hold no Sqrt/Reciprocal/Log (checked); their test_div* are in test/conformance.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { fromDouble, fracBits, maxRaw, minRaw, parseFormat, toDouble, type FixedFormat } from '../../sim/fixed.js';
import type { DTensor, OctaveFn } from '../../src/ir/design.js';
import { octaveTable } from '../../src/quant/octave.js';
import { compileModel } from '../../src/compile.js';
import { runFloat } from '../../src/reference.js';
import { simulateSample } from '../../sim/simulate.js';
import { constData, makeDesign, simulateSamples } from '../support/harness.js';
import { toleranceRatio } from '../support/models.js';
import { expectCsimEqualsSim } from '../support/csim.js';
import { buildModel, values, type ModelSpec } from '../support/onnx-builder.js';
import { main } from '../../src/cli.js';
import { writeNpy } from '../../src/npy.js';

const quiet = { out: () => {}, err: (s: string) => process.stderr.write(s + '\n') };

const F = parseFormat;
const FLOAT: Record<OctaveFn, (x: number) => number> = { sqrt: Math.sqrt, reciprocal: (x) => 1 / x, log: Math.log };

/** Every code of `inF` through one octave layer: worst |out − f(x)| in output LSBs where f is in range, and checks. */
function everyCode(fn: OctaveFn, inF: FixedFormat, outF: FixedFormat) {
  const lo = minRaw(inF);
  const codes = maxRaw(inF) - lo + 1;
  const t = octaveTable(fn, inF, outF);
  const tensors: DTensor[] = [{ name: 'x', onnxName: 'x', shape: [1, codes], format: inF }, { name: 'y', onnxName: 'y', shape: [1, codes], format: outF }];
  const d = makeDesign('every', tensors, [{
    kind: 'octave', fn, name: 'y', sources: ['y'], inputs: ['x'], output: 'y', n: codes, magBits: t.magBits, knotBits: t.knotBits, odd: t.odd, under: t.under,
    table: constData('t', [t.table.length], t.format, t.table), delta: constData('d', [t.delta.length], t.format, t.delta),
  }]);
  const xs = Array.from({ length: codes }, (_, i) => toDouble(lo + i, inF));
  const out = simulateSamples(d, [[xs]])[0][0];
  const lsb = 2 ** -fracBits(outF);
  const [omin, omax] = [toDouble(minRaw(outF), outF), toDouble(maxRaw(outF), outF)];
  let worst = 0;
  let domain = 0;
  for (let i = 0; i < codes; i++) {
    const f = FLOAT[fn](xs[i]);
    if (Number.isNaN(f) || !Number.isFinite(f)) {
      // ONNX: NaN (sqrt, log of negatives) or ±inf (1/0, log 0): 0 for sqrt, the saturated end otherwise.
      const want = fn === 'sqrt' ? 0 : fn === 'log' ? omin : omax;
      if (out[i] !== want) domain++;
      continue;
    }
    if (f > omax || f < omin) { if (out[i] !== (f > omax ? omax : omin)) domain++; continue; }
    worst = Math.max(worst, Math.abs(out[i] - f) / lsb);
  }
  return { worst, domain, bound: t.bound / lsb, K: t.knotBits, entries: t.table.length };
}

describe('octave tables over every input code of 16-bit formats', () => {
  const cases: [OctaveFn, string, string][] = [
    ['sqrt', 'ap_fixed<16,6>', 'ap_fixed<16,6>'],
    ['sqrt', 'ap_ufixed<16,8>', 'ap_fixed<16,5,AP_RND_CONV,AP_SAT>'],
    ['reciprocal', 'ap_fixed<16,6>', 'ap_fixed<16,6,AP_RND_CONV,AP_SAT>'],
    ['reciprocal', 'ap_fixed<16,4>', 'ap_fixed<16,10,AP_RND_CONV,AP_SAT>'],
    ['log', 'ap_fixed<16,6>', 'ap_fixed<16,6,AP_RND_CONV,AP_SAT>'],
    ['log', 'ap_ufixed<16,10>', 'ap_fixed<16,4,AP_RND_CONV,AP_SAT>'],
  ];
  for (const [fn, inS, outS] of cases) {
    it(`${fn}: ${inS} → ${outS}: within the stated bound + 1/2 LSB (rounding cast), domain ends as documented`, () => {
      const r = everyCode(fn, F(inS), F(outS));
      console.log(`${fn} ${inS} → ${outS}: K = ${r.K} (${r.entries} entries), worst ${r.worst.toFixed(3)} LSB, stated ${r.bound.toFixed(3)} + 0.5 LSB`);
      expect(r.domain).toBe(0);
      // AP_TRN (the default ap_fixed<16,6>) truncates: up to 1 LSB for the cast.
      const cast = outS.includes('AP_RND') ? 0.5 : 1;
      expect(r.worst).toBeLessThanOrEqual(r.bound + cast + 1e-9);
      expect(r.bound).toBeLessThan(0.5);
    });
  }
});

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-recip-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const X = [1, 3, 4, 5];
const n = 60;
const PREC = 'ap_fixed<24,10,AP_RND_CONV,AP_SAT>';
const DIV_PREC = 'ap_fixed<16,6,AP_RND_CONV,AP_SAT>';

function unary(op: string): ModelSpec {
  return { inputs: [{ name: 'x', dims: X }], outputs: [{ name: 'y' }], nodes: [{ op, inputs: ['x'], outputs: ['y'] }], opset: 13 };
}

describe('Sqrt, Reciprocal, Log, Div vs ONNX Runtime', () => {
  for (const op of ['Sqrt', 'Reciprocal', 'Log']) {
    it(`${op}: float reference = ORT on its domain; fixed point (${PREC}) within the stated bound of f(quantized x)`, async () => {
      const file = path.join(dir, `${op}.onnx`);
      buildModel(unary(op), file);
      const session = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'disabled' });
      const c = compileModel(file, { precision: PREC });
      expect(c.design.layers.map((l) => l.kind)).toEqual(['octave']);
      // Positive inputs spread over many octaves (1/64 .. 100).
      const x = values(n, 5, 1).map((v) => Math.fround(2 ** (v * 6.6 - 0.0) * (v > 0 ? 1 : 1)));
      const want = (await session.run({ x: new ort.Tensor('float32', Float32Array.from(x), X) }))[session.outputNames[0]].data as Float32Array;
      expect(toleranceRatio(runFloat(c.reference, [x]).outputs[0].data, want, 1e-6, 1e-6)).toBeLessThanOrEqual(1);
      // Against f of the quantized input: the stated bound plus the rounding cast (1/2 LSB). For 1/x on a 24-bit
      // input the 8192-entry cap binds (K = 8): the bound is then 2^-18 of 1/x, up to 2^-9 near the output's maximum.
      const inF = c.design.tensors[c.design.inputs[0]].format;
      const outF = c.design.tensors[c.design.outputs[0]].format;
      const bound = octaveTable(op.toLowerCase() as OctaveFn, inF, outF).bound + 2 ** -15;
      const f = { Sqrt: Math.sqrt, Reciprocal: (v: number) => 1 / v, Log: Math.log }[op]!;
      const sim = simulateSample(c.design, [x]).outputs[0];
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(sim[i] - f(toDouble(fromDouble(x[i], inF), inF))));
      console.log(`${op} ${PREC}: worst ${(worst * 2 ** 14).toFixed(3)} LSB, stated ${(bound * 2 ** 14).toFixed(3)} LSB`);
      expect(worst).toBeLessThanOrEqual(bound);
    });
  }

  it('Div of two run-time tensors (broadcast, negative divisors): float reference = ORT; fixed point within the stated bound', async () => {
    const spec: ModelSpec = {
      inputs: [{ name: 'a', dims: X }, { name: 'b', dims: [1, 1, 4, 5] }], outputs: [{ name: 'y' }],
      nodes: [{ op: 'Div', inputs: ['a', 'b'], outputs: ['y'] }], opset: 14,
    };
    const file = path.join(dir, 'div.onnx');
    buildModel(spec, file);
    const session = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'disabled' });
    const c = compileModel(file, { precision: DIV_PREC });
    expect(c.design.layers.map((l) => l.kind)).toEqual(['octave', 'eltwise']);
    const inF = c.design.tensors[c.design.inputs[0]].format;
    const q = (v: number) => toDouble(fromDouble(v, inF), inF);
    for (let s = 0; s < 3; s++) {
      const a = values(n, 40 + s, 8).map(Math.fround);
      const b = values(20, 50 + s, 1).map((v) => Math.fround(Math.sign(v || 1) * 2 ** (Math.abs(v) * 8 - 5)));
      const want = (await session.run({ a: new ort.Tensor('float32', Float32Array.from(a), X), b: new ort.Tensor('float32', Float32Array.from(b), [1, 1, 4, 5]) }))[session.outputNames[0]].data as Float32Array;
      expect(toleranceRatio(runFloat(c.reference, [a, b]).outputs[0].data, want, 1e-6, 1e-6)).toBeLessThanOrEqual(1);
      const sim = simulateSample(c.design, [a, b]).outputs[0];
      const lsb = 2 ** -10;
      // Stated (elementwise.ts lowerDiv): |x/y|·2^-2K/4 (K = 8 for a 16-bit divisor: 2^-18 relative) + 0.15 LSB,
      // plus the rounding cast 1/2 LSB, where x/y (of the quantized inputs) is in range (|x/y| < 32), saturated beyond.
      let worst = 0;
      for (let i = 0; i < n; i++) {
        const quot = q(a[i]) / q(b[i % 20]);
        if (Math.abs(quot) >= 32) expect(Math.abs(sim[i])).toBeGreaterThan(31.99);
        else worst = Math.max(worst, (Math.abs(sim[i] - quot) - Math.abs(quot) * 2 ** -20) / lsb);
      }
      expect(worst).toBeLessThanOrEqual(0.65);
      if (s === 0) console.log(`Div ap_fixed<16,6> / ap_fixed<16,6>: worst ${worst.toFixed(3)} LSB (stated 0.65 + |x/y|·2^-20)`);
    }
  });

  it('integer Div of run-time tensors is refused with the reason', () => {
    const spec: ModelSpec = {
      inputs: [{ name: 'a', dims: [1, 4], type: 3 }, { name: 'b', dims: [1, 4], type: 3 }], outputs: [{ name: 'y', type: 3 }],
      nodes: [{ op: 'Div', inputs: ['a', 'b'], outputs: ['y'] }], opset: 14,
    };
    const file = path.join(dir, 'div_int8.onnx');
    buildModel(spec, file);
    expect(() => compileModel(file)).toThrow(/integer division/);
  });
});

describe('Sqrt, Div, Reciprocal, Log end to end', () => {
  for (const schedule of ['auto', 'sequential']) {
    it(`build (--schedule ${schedule}); make csim = fpgac sim bit for bit, with 0 and negative inputs`, async () => {
      const X2 = [1, 2, 3, 7];
      const spec: ModelSpec = {
        inputs: [{ name: 'a', dims: X2 }, { name: 'b', dims: X2 }], outputs: [{ name: 'y' }, { name: 'z' }], opset: 13,
        nodes: [
          { op: 'Sqrt', inputs: ['b'], outputs: ['s'] },
          { op: 'Div', inputs: ['a', 's'], outputs: ['q'] },
          { op: 'Reciprocal', inputs: ['q'], outputs: ['y'] },
          { op: 'Log', inputs: ['b'], outputs: ['z'] },
        ],
      };
      const model = path.join(dir, `e2e_${schedule}.onnx`);
      buildModel(spec, model);
      const count = 42;
      const samples = [0, 1].map((s) => [values(count, 900 + s, 8), values(count, 910 + s, 20)].map((v) => v.map(Math.fround)));
      samples[0][1][0] = 0;
      samples[0][0][1] = 0;
      const prj = path.join(dir, `prj_${schedule}`);
      expect(await main(['node', 'fpgac', 'build', model, '-o', prj, '--schedule', schedule], quiet)).toBe(0);
      const inputs = ['a', 'b'].map((name, k) => {
        const file = path.join(dir, `${schedule}_${name}.npy`);
        writeNpy(file, { shape: [samples.length, ...X2.slice(1)], data: Float64Array.from(samples.flatMap((s) => s[k])) });
        return file;
      });
      await expectCsimEqualsSim(prj, inputs, { work: dir, name: schedule, outputs: 2 });
    }, 300_000);
  }
});
