/**
 * `fpgac verify`: per-layer and per-output error of the fixed-point design against the float model. Expected
 * numbers are computed here, independently: the float side by plain JS arithmetic on the model's weights, the fixed
 * side from the simulator's outputs (what `fpgac sim` writes, itself checked bit-exact against g++ elsewhere), and
 * the format ranges from the ap_fixed definition (value range of ap_fixed<16,6> is [-32, 32 - 2^-10]).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildModel, values } from './support/onnx-builder.js';
import { rng } from './support/harness.js';
import { writeNpy } from '../src/npy.js';
import { main } from '../src/cli.js';
import { compileModel } from '../src/compile.js';
import { simulateSample } from '../sim/simulate.js';
import { runFloat } from '../src/reference.js';
import { runVerify, verifyDesign, type VerifyReport } from '../src/commands/verify.js';
import { odeModel, C } from './regions/ode-models.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-verify-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N_IN = 4;
const N_HID = 8;
const N_OUT = 3;

/** x · W1 + b1 → Relu → · W2 + b2, MatMul weights [in][out]; `scale` sets the hidden layer's magnitude. */
function mlp(scale: number) {
  return {
    w1: values(N_IN * N_HID, 11, scale), b1: values(N_HID, 12, 0.5),
    w2: values(N_HID * N_OUT, 13, 0.1), b2: values(N_OUT, 14, 0.5),
  };
}
type Mlp = ReturnType<typeof mlp>;

function writeMlp(file: string, m: Mlp): void {
  buildModel({
    inputs: [{ name: 'x', dims: ['N', N_IN] }], outputs: [{ name: 'y' }],
    initializers: [
      { name: 'W1', dims: [N_IN, N_HID], values: m.w1 }, { name: 'b1', dims: [N_HID], values: m.b1 },
      { name: 'W2', dims: [N_HID, N_OUT], values: m.w2 }, { name: 'b2', dims: [N_OUT], values: m.b2 },
    ],
    nodes: [
      { op: 'MatMul', inputs: ['x', 'W1'], outputs: ['h0'] }, { op: 'Add', inputs: ['h0', 'b1'], outputs: ['h1'] },
      { op: 'Relu', inputs: ['h1'], outputs: ['h'] },
      { op: 'MatMul', inputs: ['h', 'W2'], outputs: ['y0'] }, { op: 'Add', inputs: ['y0', 'b2'], outputs: ['y'] },
    ],
  }, file);
}

/** Float forward pass (float32 weights, as stored in the model, computed in float64). */
function forward(m: Mlp, x: ArrayLike<number>): { h: number[]; y: number[] } {
  const f = (v: number) => Math.fround(v);
  const h = Array.from({ length: N_HID }, (_, j) => {
    let s = f(m.b1[j]);
    for (let i = 0; i < N_IN; i++) s += x[i] * f(m.w1[i * N_HID + j]);
    return Math.max(s, 0);
  });
  const y = Array.from({ length: N_OUT }, (_, k) => {
    let s = f(m.b2[k]);
    for (let j = 0; j < N_HID; j++) s += h[j] * f(m.w2[j * N_OUT + k]);
    return s;
  });
  return { h, y };
}

/** Seeded uniform [-1, 1) samples, float32-exact. */
function uniform(count: number, per: number, seed: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: count * per }, () => Math.fround(r() * 2 - 1));
}

function argmax(v: ArrayLike<number>): number {
  let b = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[b]) b = i;
  return b;
}

/** Expected statistics from float and fixed values: max |e|, SQNR dB, count outside [lo, hi]. */
function expected(fl: number[], fx: number[], lo: number, hi: number) {
  let maxErr = 0;
  let sig = 0;
  let noise = 0;
  let sat = 0;
  fl.forEach((v, i) => {
    maxErr = Math.max(maxErr, Math.abs(fx[i] - v));
    sig += v * v;
    noise += (fx[i] - v) ** 2;
    if (v < lo || v > hi) sat++;
  });
  return { maxErr, sqnr: 10 * Math.log10(sig / noise), sat };
}

const quiet = { out: () => {}, err: () => {} };

/** A version 1.0 .npy of little-endian int64 (written here, not by src/npy.ts, which writes floats only). */
function writeInt64Npy(file: string, v: ArrayLike<number>): void {
  let header = `{'descr': '<i8', 'fortran_order': False, 'shape': (${v.length},), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const buf = Buffer.alloc(10 + header.length + 8 * v.length);
  buf.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  buf.writeUInt16LE(header.length, 8);
  buf.write(header, 10, 'latin1');
  for (let i = 0; i < v.length; i++) buf.writeBigInt64LE(BigInt(v[i]), 10 + header.length + 8 * i);
  writeFileSync(file, buf);
}

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'fpgac', ...args], { out: (s) => { out += s + '\n'; }, err: (s) => { err += s + '\n'; } });
  return { code, out, err };
}

describe('fpgac verify on a hand-built MLP', () => {
  const S = 64;
  let model: string;
  let xFile: string;
  let x: Float64Array;
  const m = mlp(0.6);

  beforeAll(() => {
    model = path.join(dir, 'mlp.onnx');
    writeMlp(model, m);
    x = uniform(S, N_IN, 5);
    xFile = path.join(dir, 'mlp_x.npy');
    writeNpy(xFile, { shape: [S, N_IN], data: x });
  });

  it('max error, SQNR, saturation and top-1 agreement equal the numbers computed from float and fixed outputs', () => {
    const r = runVerify(model, { inputs: [xFile] });
    const { design } = compileModel(model);
    const fl = { h: [] as number[], y: [] as number[] };
    const fx = { h: [] as number[], y: [] as number[] };
    let agree = 0;
    for (let s = 0; s < S; s++) {
      const xs = x.subarray(s * N_IN, (s + 1) * N_IN);
      const f = forward(m, xs);
      const sim = simulateSample(design, [xs], { trace: true });
      fl.h.push(...f.h);
      fl.y.push(...f.y);
      fx.h.push(...sim.trace!.get('t_h')!);
      fx.y.push(...sim.outputs[0]);
      if (argmax(sim.outputs[0]) === argmax(f.y)) agree++;
    }
    const lo = -32;
    const hi = 32 - 2 ** -10;
    expect(r.samples).toBe(S);
    expect(r.layers.map((l) => [l.onnxName, l.kind])).toEqual([['x', 'input'], ['h', 'dense'], ['y', 'dense']]);
    for (const [name, a, b] of [['h', fl.h, fx.h], ['y', fl.y, fx.y]] as const) {
      const want = expected(a, b, lo, hi);
      const got = r.layers.find((l) => l.onnxName === name)!;
      expect(got.elements).toBe(a.length);
      expect(got.maxAbsError).toBeCloseTo(want.maxErr, 9);
      expect(got.sqnrDb!).toBeCloseTo(want.sqnr, 6);
      expect(got.saturated).toBe(want.sat);
      expect(got.format).toBe('ap_fixed<16,6,AP_RND_CONV,AP_SAT>');
    }
    const out = r.outputs[0];
    expect(out.onnxName).toBe('y');
    expect(out.rows).toBe(S);
    expect(out.top1Agreement).toBe(agree / S);
    expect(r.saturatedLayers).toEqual([]);
    // The input's own quantization is a layer too: x is on no 2^-10 grid, so its error is ≤ half an LSB.
    const xin = r.layers[0];
    expect(xin.maxAbsError).toBeGreaterThan(0);
    expect(xin.maxAbsError).toBeLessThanOrEqual(2 ** -11);
  });

  it('CLI: text table and --json, exit 0; a build directory gives the same report as the model', async () => {
    const text = await cli('verify', model, '--input', xFile);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/tensor\s+layer\s+format\s+max\|float\|\s+max\|err\|\s+SQNR dB\s+saturated/);
    expect(text.out).toMatch(/top-1 agreement fixed\/float/);
    expect(text.out).toMatch(/no saturation/);
    const json = await cli('verify', model, '--input', xFile, '--json');
    expect(json.code).toBe(0);
    const r = JSON.parse(json.out) as VerifyReport;
    expect(r.layers.length).toBe(3);
    const prj = path.join(dir, 'mlp-prj');
    expect(await main(['node', 'fpgac', 'build', model, '-o', prj], quiet)).toBe(0);
    const fromDir = await cli('verify', prj, '--input', xFile, '--json');
    expect(fromDir.code).toBe(0);
    expect(JSON.parse(fromDir.out)).toEqual(r);
  });

  it('--reference: integer labels give accuracy, float logits give top-1 agreement and max error', async () => {
    const { design } = compileModel(model);
    const labels = new Float64Array(S);
    const logits = new Float64Array(S * N_OUT);
    let fixedHits = 0;
    let floatHits = 0;
    let fixedAgree = 0;
    let maxErr = 0;
    for (let s = 0; s < S; s++) {
      const xs = x.subarray(s * N_IN, (s + 1) * N_IN);
      const fy = forward(m, xs).y;
      const sy = simulateSample(design, [xs]).outputs[0];
      labels[s] = s % N_OUT; // arbitrary labels: accuracy must be counted against them
      if (argmax(sy) === labels[s]) fixedHits++;
      if (argmax(fy) === labels[s]) floatHits++;
      // A reference that differs from the float model: the float logits with one sample's classes rotated.
      const ref = s === 0 ? [fy[1], fy[2], fy[0]] : fy;
      logits.set(ref, s * N_OUT);
      if (argmax(sy) === argmax(ref)) fixedAgree++;
      ref.forEach((v, k) => { maxErr = Math.max(maxErr, Math.abs(sy[k] - v)); });
    }
    const yFile = path.join(dir, 'labels.npy');
    writeInt64Npy(yFile, labels);
    const yFloat = path.join(dir, 'labels_f.npy');
    writeNpy(yFloat, { shape: [S], data: labels });
    const rFile = path.join(dir, 'logits.npy');
    writeNpy(rFile, { shape: [S, N_OUT], data: logits });
    const a = JSON.parse((await cli('verify', model, '--input', xFile, '--reference', yFile, '--json')).out) as VerifyReport;
    expect(a.outputs[0].reference).toMatchObject({ kind: 'labels', fixedAccuracy: fixedHits / S, floatAccuracy: floatHits / S });
    // Whole numbers in a float file, one per sample, are labels too.
    const a2 = JSON.parse((await cli('verify', model, '--input', xFile, '--reference', yFloat, '--json')).out) as VerifyReport;
    expect(a2.outputs[0].reference).toEqual(a.outputs[0].reference && { ...a.outputs[0].reference, file: 'labels_f.npy' });
    const b = JSON.parse((await cli('verify', model, '--input', xFile, '--reference', rFile, '--json')).out) as VerifyReport;
    expect(b.outputs[0].reference!.kind).toBe('logits');
    expect(b.outputs[0].reference!.fixedTop1Agreement).toBe(fixedAgree / S);
    expect(b.outputs[0].reference!.fixedMaxAbsError).toBeCloseTo(maxErr, 9);
    const text = await cli('verify', model, '--input', xFile, '--reference', yFile);
    expect(text.out).toMatch(/vs labels labels\.npy: fixed accuracy [\d.]+%, float accuracy [\d.]+%/);
  });

  it('bad arguments exit 2 with a diagnostic', async () => {
    const r = await cli('verify', model, '--input', xFile, '--input', xFile);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/FPGAC005/);
    const bad = path.join(dir, 'bad_ref.npy');
    writeNpy(bad, { shape: [5], data: new Float64Array(5) });
    const r2 = await cli('verify', model, '--input', xFile, '--reference', bad);
    expect(r2.code).toBe(2);
    expect(r2.err).toMatch(/FPGAC006/);
    const r3 = await cli('verify', model, '--input', xFile, '--calibrate-margin', '1');
    expect(r3.code).toBe(2);
    expect(r3.err).toMatch(/--calibrate-margin needs --calibrate/);
  });
});

describe('fpgac verify: saturation, and calibration removing it', () => {
  // Hidden activations up to ~100: beyond ap_fixed<16,6> (|x| < 32).
  const m = mlp(40);
  let model: string;
  let calFile: string;
  let xFile: string;
  let heldFile: string;
  let x: Float64Array;

  beforeAll(() => {
    model = path.join(dir, 'big.onnx');
    writeMlp(model, m);
    const cal = uniform(256, N_IN, 21);
    calFile = path.join(dir, 'big_cal.npy');
    writeNpy(calFile, { shape: [256, N_IN], data: cal });
    x = cal.slice(0, 64 * N_IN); // in-sample: calibration guarantees no saturation on these
    xFile = path.join(dir, 'big_x.npy');
    writeNpy(xFile, { shape: [64, N_IN], data: x });
    heldFile = path.join(dir, 'big_held.npy');
    writeNpy(heldFile, { shape: [64, N_IN], data: uniform(64, N_IN, 22) });
  });

  it('the default precision saturates the hidden layer: verify counts the values outside the format and lists the layer', () => {
    let sat = 0;
    let maxH = 0;
    for (let s = 0; s < 64; s++) {
      for (const v of forward(m, x.subarray(s * N_IN, (s + 1) * N_IN)).h) {
        if (v > 32 - 2 ** -10) sat++;
        maxH = Math.max(maxH, v);
      }
    }
    expect(maxH).toBeGreaterThan(64); // the model does what the test needs
    expect(sat).toBeGreaterThan(0);
    const r = runVerify(model, { inputs: [xFile] });
    expect(r.layers.find((l) => l.onnxName === 'h')!.saturated).toBe(sat);
    expect(r.saturatedLayers).toContain('h');
  });

  it('with --calibrate: no saturation, and the output error drops', async () => {
    const plain = runVerify(model, { inputs: [xFile] });
    const cal = JSON.parse((await cli('verify', model, '--input', xFile, '--calibrate', calFile, '--json')).out) as VerifyReport;
    expect(cal.saturatedLayers).toEqual([]);
    expect(cal.layers.every((l) => l.saturated === 0)).toBe(true);
    const [p, c] = [plain.outputs[0], cal.outputs[0]];
    expect(c.maxAbsError).toBeLessThan(p.maxAbsError / 10);
    expect(c.sqnrDb!).toBeGreaterThan(p.sqnrDb! + 20);
    // Held-out inputs with one bit of margin stay unsaturated too.
    const held = JSON.parse((await cli('verify', model, '--input', heldFile, '--calibrate', calFile, '--calibrate-margin', '1', '--json')).out) as VerifyReport;
    expect(held.saturatedLayers).toEqual([]);
    const text = await cli('verify', model, '--input', xFile);
    expect(text.out).toMatch(/saturation in 1 tensor\(s\)[^\n]*\n {2}h \(dense, ap_fixed<16,6,AP_RND_CONV,AP_SAT>\): \d+ of 512 values/);
  });
});

describe('fpgac verify on a loop region', () => {
  it('reports the region output, not its body; body tensors count saturation over every step', () => {
    const file = path.join(dir, 'ode.onnx');
    odeModel(file, { steps: 4, form: 'unrolled', h: 0.5 });
    const S = 8;
    const xs = uniform(S, 36, 3);
    const samples = Array.from({ length: S }, (_, s) => [xs.subarray(s * 36, (s + 1) * 36)]);
    // ap_fixed<8,2> holds [-2, 2 - 2^-6]: narrow enough that some body values saturate.
    const c = compileModel(file, { precision: 'ap_fixed<8,2>' });
    const loop = c.design.layers.find((l) => l.kind === 'loop')!;
    if (loop.kind !== 'loop') throw new Error('no loop layer');
    const r = verifyDesign(c.design, c.canonical, samples);
    expect(r.layers.map((l) => l.onnxName)).toEqual(['x', 's0', 's4', 'g', 'f', 'y']);
    expect(r.layers.find((l) => l.onnxName === 's4')!.kind).toBe('loop');
    // Body tensors (the step-0 names of the unrolled model) and the values they take at steps 0..3 there.
    const steps: Record<string, string[]> = {
      s0: ['s0', 's1', 's2', 's3'], r_0: ['r_0', 'r_1', 'r_2', 'r_3'], p_0: ['p_0', 'p_1', 'p_2', 'p_3'],
      m_0: ['m_0', 'm_1', 'm_2', 'm_3'], s1: ['s1', 's2', 's3', 's4'],
    };
    // m_0 = x·h with h = 2^-2 is a shift (a unary layer), s1 the Euler add.
    expect(r.regionTensors.map((t) => [t.onnxName, t.kind])).toEqual([['s0', 'state'], ['r_0', 'conv2d'], ['p_0', 'conv2d'], ['m_0', 'unary'], ['s1', 'eltwise']]);
    const want = new Map(Object.keys(steps).map((k) => [k, { sat: 0, max: 0 }]));
    for (const [x] of samples) {
      // The unrolled model, run value by value in the float reference of the imported graph (no regions there).
      const env = runFloat(c.reference, [x], { trace: true }).values!;
      for (const [k, names] of Object.entries(steps)) {
        const w = want.get(k)!;
        for (const n of names) for (const v of env.get(n)!.data) {
          if (v < -2 || v > 2 - 2 ** -6) w.sat++;
          w.max = Math.max(w.max, Math.abs(v));
        }
      }
    }
    for (const t of r.regionTensors) {
      expect(t.region).toBe(loop.name);
      expect(t.elements).toBe(C * 36 * 4 * S);
      expect(t.saturated, t.onnxName).toBe(want.get(t.onnxName)!.sat);
      expect(t.floatMaxAbs).toBeCloseTo(want.get(t.onnxName)!.max, 12);
    }
    expect([...want.values()].some((w) => w.sat > 0)).toBe(true);
    expect(r.saturatedLayers.filter((n) => n.startsWith(`${loop.name}/`)).length).toBe([...want.values()].filter((w) => w.sat > 0).length);
  });
});
