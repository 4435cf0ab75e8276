/**
 * Calibration (`--calibrate`): every activation keeps the precision's width with the fewest integer bits that do not
 * saturate on the calibration data; constants take formats from their own values; loop-region states one format for
 * every step. Expected formats are derived here from the ap_fixed range definition (largest value of
 * ap_fixed<W,I> = 2^(I-1) − 2^(I-W)) and from float values computed by plain JS or by the unrolled float model;
 * the emitted C++ of calibrated designs is checked bit for bit against the simulator with g++.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildModel, values } from '../support/onnx-builder.js';
import { csimSamples, rng } from '../support/harness.js';
import { odeModel } from '../regions/ode-models.js';
import { writeNpy } from '../../src/npy.js';
import { compileModel } from '../../src/compile.js';
import { runFloat } from '../../src/reference.js';
import { simulateSample } from '../../sim/simulate.js';
import { DiagnosticError } from '../../src/diagnostics.js';
import { fixed, fracBits, maxRaw, type FixedFormat } from '../../sim/fixed.js';
import { formatForRange } from '../../src/quant/calibrate.js';
import { paramFormat } from '../../src/quant/context.js';
import { computeLayers, type ConstData, type Design } from '../../src/ir/design.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-cal-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Largest value of a format, from its raw range. */
const top = (f: FixedFormat) => maxRaw(f) * 2 ** -fracBits(f);

/** The fewest integer bits of a signed W-bit format holding m: 2^(I-1)·(1 − 2^(1-W)) ≥ m. */
function intBitsFor(m: number, width: number): number {
  let i = 1 + Math.ceil(Math.log2(m / (1 - 2 ** (1 - width))));
  // Guard the float log2 at exact powers: the defining inequality decides.
  while (2 ** (i - 1) - 2 ** (i - width) < m) i++;
  while (2 ** (i - 2) - 2 ** (i - 1 - width) >= m) i--;
  return i;
}

describe('formatForRange', () => {
  const base = fixed(16, 6, { q: 'AP_RND_CONV', o: 'AP_SAT' });

  it('hand-checked cases', () => {
    expect(formatForRange(base, 100).int).toBe(8); // 2^7 − 2^-8 ≥ 100 > 2^6 − 2^-9
    expect(formatForRange(base, 1).int).toBe(2); // 1.0 itself needs a second integer bit
    expect(formatForRange(base, 0.9).int).toBe(1);
    expect(formatForRange(base, 0.25).int).toBe(0); // 0.25 > 2^-2 − 2^-17
    expect(formatForRange(base, 0.2).int).toBe(-1);
    expect(formatForRange(base, 1 - 2 ** -15).int).toBe(1); // exactly the top of ap_fixed<16,1>
    expect(formatForRange(base, 100, 2).int).toBe(10);
    expect(formatForRange(base, 0)).toBe(base); // never seen non-zero: the precision's format
    const u = fixed(16, 6, { signed: false });
    expect(formatForRange(u, 1).int).toBe(1);
    expect(formatForRange(u, 0.99).int).toBe(0);
    const f = formatForRange(base, 100);
    expect([f.width, f.signed, f.q, f.o, f.n]).toEqual([16, true, 'AP_RND_CONV', 'AP_SAT', 0]);
  });

  it('is the fewest integer bits without saturation, over random magnitudes and widths', () => {
    const r = rng(3);
    for (let k = 0; k < 2000; k++) {
      const width = 2 + Math.floor(r() * 30);
      const m = 2 ** (r() * 40 - 20);
      const f = formatForRange(fixed(width, 3), m);
      expect(f.width).toBe(width);
      expect(top(f)).toBeGreaterThanOrEqual(m);
      expect(top(fixed(width, f.int - 1))).toBeLessThan(m);
      expect(f.int).toBe(intBitsFor(m, width));
    }
  });

  it('constants: the precision format without calibration; per tensor from the values with it', () => {
    const opts = { activation: base, weight: base, bias: base };
    expect(paramFormat(opts, 'weight', [0.3, -0.01])).toBe(base);
    expect(paramFormat({ ...opts, constantsFromValues: true }, 'weight', [0.3, -0.01]).int).toBe(0);
    expect(paramFormat({ ...opts, constantsFromValues: true }, 'bias', [3, -5]).int).toBe(4);
    // A bias gets no more fraction bits than the cap.
    expect(fracBits(paramFormat({ ...opts, constantsFromValues: true }, 'bias', [0.001], 12))).toBe(12);
  });
});

const N_IN = 4;
const N_HID = 8;
const N_OUT = 3;
const W1 = values(N_IN * N_HID, 11, 40);
const B1 = values(N_HID, 12, 0.5);
const W2 = values(N_HID * N_OUT, 13, 0.1);
const B2 = values(N_OUT, 14, 0.5);

/** x · W1 + b1 → Relu → · W2 + b2: hidden activations up to ~100 for x in [-1, 1]. */
function bigMlp(file: string): void {
  buildModel({
    inputs: [{ name: 'x', dims: ['N', N_IN] }], outputs: [{ name: 'y' }],
    initializers: [
      { name: 'W1', dims: [N_IN, N_HID], values: W1 }, { name: 'b1', dims: [N_HID], values: B1 },
      { name: 'W2', dims: [N_HID, N_OUT], values: W2 }, { name: 'b2', dims: [N_OUT], values: B2 },
    ],
    nodes: [
      { op: 'MatMul', inputs: ['x', 'W1'], outputs: ['h0'] }, { op: 'Add', inputs: ['h0', 'b1'], outputs: ['h1'] },
      { op: 'Relu', inputs: ['h1'], outputs: ['h'] },
      { op: 'MatMul', inputs: ['h', 'W2'], outputs: ['y0'] }, { op: 'Add', inputs: ['y0', 'b2'], outputs: ['y'] },
    ],
  }, file);
}

function forward(x: ArrayLike<number>): { h: number[]; y: number[] } {
  const f = Math.fround;
  const h = Array.from({ length: N_HID }, (_, j) => {
    let s = f(B1[j]);
    for (let i = 0; i < N_IN; i++) s += x[i] * f(W1[i * N_HID + j]);
    return Math.max(s, 0);
  });
  const y = Array.from({ length: N_OUT }, (_, k) => {
    let s = f(B2[k]);
    for (let j = 0; j < N_HID; j++) s += h[j] * f(W2[j * N_OUT + k]);
    return s;
  });
  return { h, y };
}

function uniform(count: number, per: number, seed: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: count * per }, () => Math.fround(r() * 2 - 1));
}

const maxAbs = (v: ArrayLike<number>) => Array.from(v).reduce((m, x) => Math.max(m, Math.abs(x)), 0);

function tensorOf(d: Design, onnxName: string) {
  const t = Object.values(d.tensors).filter((x) => x.onnxName === onnxName);
  expect(t.length, onnxName).toBe(1);
  return t[0];
}

describe('calibrated formats of a model with large activations', () => {
  const S = 200;
  let model: string;
  let cal: string;
  let x: Float64Array;

  beforeAll(() => {
    model = path.join(dir, 'big.onnx');
    bigMlp(model);
    x = uniform(S, N_IN, 9);
    cal = path.join(dir, 'big_cal.npy');
    writeNpy(cal, { shape: [S, N_IN], data: x });
  });

  it('without --calibrate every tensor and constant has the --precision format (the design as before)', () => {
    const { design } = compileModel(model, { precision: 'ap_fixed<12,5>' });
    const p = fixed(12, 5, { q: 'AP_RND_CONV', o: 'AP_SAT' });
    for (const t of Object.values(design.tensors)) expect(t.format).toEqual(p);
    for (const l of computeLayers(design.layers)) {
      if (l.kind !== 'dense') continue;
      expect(l.weight.format).toEqual(p);
      expect(l.bias!.format).toEqual(p);
    }
  });

  it('activations: precision width, fewest integer bits for the calibration range; constants from their values', () => {
    const { design } = compileModel(model, { calibrate: [cal] });
    const max = { x: 0, h: 0, y: 0 };
    for (let s = 0; s < S; s++) {
      const xs = x.subarray(s * N_IN, (s + 1) * N_IN);
      const f = forward(xs);
      max.x = Math.max(max.x, maxAbs(xs));
      max.h = Math.max(max.h, maxAbs(f.h));
      max.y = Math.max(max.y, maxAbs(f.y));
    }
    expect(max.h).toBeGreaterThan(64);
    for (const [name, m] of Object.entries(max)) {
      const t = tensorOf(design, name);
      expect(t.format.width, name).toBe(16);
      expect(t.format.int, name).toBe(intBitsFor(m, 16));
      expect([t.format.q, t.format.o]).toEqual(['AP_RND_CONV', 'AP_SAT']);
    }
    const dense = computeLayers(design.layers).filter((l) => l.kind === 'dense');
    expect(dense.length).toBe(2);
    const check = (c: ConstData, vals: number[], maxFrac: number) => {
      expect(c.format.width).toBe(16);
      const want = intBitsFor(maxAbs(vals.map(Math.fround)), 16);
      expect(c.format.int).toBe(Math.max(want, 16 - maxFrac));
    };
    const [d1, d2] = dense;
    if (d1.kind !== 'dense' || d2.kind !== 'dense') throw new Error('dense expected');
    check(d1.weight, W1, Infinity);
    check(d2.weight, W2, Infinity);
    // Bias: from its values, but never finer than the products it is added to.
    check(d1.bias!, B1, fracBits(d1.weight.format) + fracBits(tensorOf(design, 'x').format));
    check(d2.bias!, B2, fracBits(d2.weight.format) + fracBits(tensorOf(design, 'h').format));
  });

  it('--calibrate-margin adds integer bits to every calibrated activation', () => {
    const a = compileModel(model, { calibrate: [cal] }).design;
    const b = compileModel(model, { calibrate: [cal], calibrateMargin: 2 }).design;
    for (const n of ['x', 'h', 'y']) expect(tensorOf(b, n).format.int).toBe(tensorOf(a, n).format.int + 2);
    expect(() => compileModel(model, { calibrateMargin: 1 })).toThrow(DiagnosticError);
    expect(() => compileModel(model, { calibrate: [cal], calibrateMargin: 0.5 })).toThrow(/--calibrate-margin/);
  });

  it('8-bit calibrated design: the emitted C++ (g++) gives the simulator\'s bits', async () => {
    const { design } = compileModel(model, { precision: 'ap_fixed<8,3>', calibrate: [cal] });
    const samples = Array.from({ length: 32 }, (_, s) => [Array.from(x.subarray(s * N_IN, (s + 1) * N_IN))]);
    const hw = await csimSamples(design, samples);
    samples.forEach((s, k) => expect(Array.from(hw[k][0])).toEqual(Array.from(simulateSample(design, s).outputs[0])));
  });
});

describe('calibrated loop regions', () => {
  for (const form of ['unrolled', 'loop'] as const) {
    it(`${form}: one state format of the precision width for every step, body formats over every step`, () => {
      const file = path.join(dir, `ode-${form}.onnx`);
      odeModel(file, { steps: 4, form, h: 0.5 });
      const S = 16;
      const xs = uniform(S, 36, 4);
      const cal = path.join(dir, `ode-${form}-cal.npy`);
      writeNpy(cal, { shape: [S, 1, 6, 6], data: xs });
      const c = compileModel(file, { precision: 'ap_fixed<12,4>', calibrate: [cal] });
      const loop = c.design.layers.find((l) => l.kind === 'loop');
      if (!loop || loop.kind !== 'loop') throw new Error('no loop layer');
      const fmt = (n: string) => c.design.tensors[n].format;
      expect(fmt(loop.stateIn)).toEqual(fmt(loop.stateOut));
      expect(fmt(loop.output)).toEqual(fmt(loop.stateIn));
      // The states of every step, from the unrolled float model (the same function for both forms).
      const unrolled = path.join(dir, `ode-${form}-ref.onnx`);
      odeModel(unrolled, { steps: 4, form: 'unrolled', h: 0.5 });
      const ref = compileModel(unrolled).reference;
      let state = 0;
      let relu = 0;
      for (let s = 0; s < S; s++) {
        const env = runFloat(ref, [xs.subarray(s * 36, (s + 1) * 36)], { trace: true }).values!;
        for (const n of ['s0', 's1', 's2', 's3', 's4']) state = Math.max(state, maxAbs(env.get(n)!.data));
        for (const n of ['r_0', 'r_1', 'r_2', 'r_3']) relu = Math.max(relu, maxAbs(env.get(n)!.data));
      }
      expect(fmt(loop.stateIn).width).toBe(12);
      expect(fmt(loop.stateIn).int).toBe(intBitsFor(state, 12));
      // The body's first layer (depthwise conv + Relu) holds the Relu values of every step.
      expect(fmt(loop.body[0].output).width).toBe(12);
      expect(fmt(loop.body[0].output).int).toBe(intBitsFor(relu, 12));
    });
  }

  it('calibrated ODE model: the emitted C++ (g++) gives the simulator\'s bits', async () => {
    const file = path.join(dir, 'ode-hw.onnx');
    odeModel(file, { steps: 4, form: 'unrolled', h: 0.5 });
    const xs = uniform(16, 36, 6);
    const cal = path.join(dir, 'ode-hw-cal.npy');
    writeNpy(cal, { shape: [16, 1, 6, 6], data: xs });
    const { design } = compileModel(file, { precision: 'ap_fixed<10,4>', calibrate: [cal] });
    const samples = Array.from({ length: 8 }, (_, s) => [Array.from(xs.subarray(s * 36, (s + 1) * 36))]);
    const hw = await csimSamples(design, samples);
    samples.forEach((s, k) => expect(Array.from(hw[k][0])).toEqual(Array.from(simulateSample(design, s).outputs[0])));
  });
});
