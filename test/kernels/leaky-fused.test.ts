// A leaky activation fused into conv2d, convtranspose2d, dense, eltwise and unary layers (Activation 'leaky' in src/ir/design.ts):
// the simulator (finishAct in sim/kernels/common.ts) against g++ running fpgac::finish, bit for bit; against the
// same layer written to its exact accumulator followed by a separate `pwl` leaky layer with the same slope (the
// semantics stated next to the Activation type); and against a float formula written here.
// One design holds every variant (one g++ compile).
import { describe, it, expect } from 'vitest';
import type { Activation, Conv2dLayer, ConvTranspose2dLayer, DTensor, DenseLayer, EltwiseLayer, Layer, PwlLayer, UnaryLayer } from '../../src/ir/design.js';
import { fixed, fracBits, fromDouble, maxRaw, parseFormat, toDouble, type FixedFormat } from '../../sim/fixed.js';
import { leakyAlphaFormat, lowerAct } from '../../src/ops/act.js';
import {
  constData, csimSamples, expectSameOutputs, itMatchesGxx, lanesPlan, makeDesign, randomRaws, randomSamples, rng,
  simulateSamples,
} from '../support/harness.js';
import { exactAccFor } from '../support/harness.js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { compileModel } from '../../src/compile.js';
import { runFloat } from '../../src/reference.js';
import { simulateSample } from '../../sim/simulate.js';
import { buildModel, values } from '../support/onnx-builder.js';
import { toleranceRatio } from '../support/models.js';

const DEF = parseFormat('ap_fixed<16,6,AP_RND_CONV,AP_SAT>');
const W8 = parseFormat('ap_fixed<8,0>');
const B12 = parseFormat('ap_fixed<12,4>');
const rand = rng(777);

const tensor = (name: string, shape: number[], format: FixedFormat): DTensor => ({ name, onnxName: name, shape, format });
const leaky = (alpha: number, out: FixedFormat): Activation => lowerAct({ kind: 'leaky', alpha }, out);

const x = tensor('x', [1, 4, 7, 8], DEF);
const v = tensor('v', [1, 3, 10], DEF);
const e = tensor('e', [1, 2, 3, 5], parseFormat('ap_fixed<10,4,AP_RND,AP_SAT>'));
const tensors: DTensor[] = [x, v, e];
const layers: Layer[] = [];
const out = (name: string, shape: number[], f: FixedFormat): DTensor => {
  const t = tensor(name, shape, f);
  tensors.push(t);
  return t;
};

/** A 3x3 "same" convolution of x (or 1x1 with shifts) with the given activation and output. */
function conv(name: string, oc: number, k: number, o: DTensor, act: Activation, opts: { group?: number; shift?: number[]; weightsOf?: Conv2dLayer } = {}): Conv2dLayer {
  const [, c, h, w] = x.shape;
  const group = opts.group ?? 1;
  const p = (k - 1) / 2;
  const wShape = [oc, c / group, k, k];
  const weight = opts.weightsOf?.weight ?? constData(`${name}_w`, wShape, W8, randomRaws(W8, wShape.reduce((a, b) => a * b, 1), rand));
  const bias = opts.weightsOf?.bias ?? constData(`${name}_b`, [oc], B12, randomRaws(B12, oc, rand));
  const acc = exactAccFor(x.format, W8, B12, (c / group) * k * k);
  const l: Conv2dLayer = {
    kind: 'conv2d', name, sources: [name], inputs: [x.name], output: o.name, c, h, w, oc, oh: h, ow: w, kh: k, kw: k,
    sh: 1, sw: 1, pt: p, pl: p, dh: 1, dw: 1, group, weight, bias, acc, act,
    ...(opts.shift ? { shift: { k: constData(`${name}_sh`, [oc], fixed(6, 6, { signed: false }), opts.shift), accs: fixed(acc.width + Math.max(...opts.shift), acc.int) } } : {}),
  };
  layers.push(l);
  return l;
}

const O8W = parseFormat('ap_fixed<8,3,AP_TRN,AP_WRAP>');
const OU8 = parseFormat('ap_ufixed<8,3,AP_RND,AP_SAT>');

// Plain conv, α = 0.1 (not dyadic: rounded into leakyAlphaFormat), default rounding/saturating output.
const plainOut = out('y_plain', [1, 6, 7, 8], DEF);
const plain = conv('lk_plain', 6, 3, plainOut, leaky(0.1, DEF));
// The same weights written to the exact accumulator, then a separate pwl leaky layer with the same slope scalar.
const accT = out('y_acc', [1, 6, 7, 8], plain.acc);
conv('lk_acc', 6, 3, accT, { kind: 'none' }, { weightsOf: plain });
const pwlOut = out('y_pwl', [1, 6, 7, 8], DEF);
const pwl: PwlLayer = {
  kind: 'pwl', fn: 'leaky', name: 'lk_pwl', sources: [], inputs: [accT.name], output: pwlOut.name, n: 6 * 7 * 8,
  slope: null, inner: 1, a: (plain.act as Extract<Activation, { kind: 'leaky' }>).alpha, b: null,
};
layers.push(pwl);
// Depthwise, dyadic α = 0.25 (held exactly), 8-bit wrapping output (wraps on both sides).
conv('lk_dw', 4, 3, out('y_dw', [1, 4, 7, 8], O8W), leaky(0.25, O8W), { group: 4 });
// Per-output-channel shifts before the activation, unsigned output (the negative side saturates to 0).
conv('lk_shift', 5, 1, out('y_shift', [1, 5, 7, 8], OU8), leaky(0.3, OU8), { shift: [0, 2, 6, 1, 3] });
// A slope above 1 and a negative one (ONNX allows any α).
conv('lk_big', 3, 1, out('y_big', [1, 3, 7, 8], DEF), leaky(1.7, DEF));
conv('lk_neg', 3, 1, out('y_neg', [1, 3, 7, 8], DEF), leaky(-0.05, DEF));

// A transposed convolution (stride 2, kernel 3, pads 1: 7×8 → 13×15) with the leaky fused, 8-bit saturating output.
{
  const wT = constData('lk_ct_w', [3, 4, 3, 3], W8, randomRaws(W8, 108, rand));
  const o = out('y_ct', [1, 3, 13, 15], parseFormat('ap_fixed<8,3,AP_RND_CONV,AP_SAT>'));
  const ct: ConvTranspose2dLayer = {
    kind: 'convtranspose2d', name: 'lk_ct', sources: [], inputs: [x.name], output: o.name, c: 4, h: 7, w: 8, oc: 3, oh: 13, ow: 15,
    kh: 3, kw: 3, sh: 2, sw: 2, pt: 1, pl: 1, dh: 1, dw: 1, group: 1, weight: wT, bias: constData('lk_ct_b', [3], B12, randomRaws(B12, 3, rand)),
    acc: exactAccFor(x.format, W8, B12, 4 * 9), act: leaky(0.15, o.format),
  };
  layers.push(ct);
}

/** A dense layer over v's rows. */
function dense(name: string, nOut: number, o: DTensor, act: Activation): DenseLayer {
  const nIn = 10;
  const weight = constData(`${name}_w`, [nOut, nIn], W8, randomRaws(W8, nOut * nIn, rand));
  const bias = constData(`${name}_b`, [nOut], B12, randomRaws(B12, nOut, rand));
  const l: DenseLayer = {
    kind: 'dense', name, sources: [], inputs: [v.name], output: o.name, rows: 3, nIn, nOut, weight, bias,
    acc: exactAccFor(v.format, W8, B12, nIn), act,
  };
  layers.push(l);
  return l;
}
dense('fc_leaky', 7, out('y_fc', [1, 3, 7], DEF), leaky(0.01, DEF));
dense('fc_leaky_wrap', 5, out('y_fc_wrap', [1, 3, 5], O8W), leaky(0.2, O8W));

// Element-wise add of e and a per-channel constant, leaky, narrow output.
const cst = constData('elt_c', [2, 1, 1], e.format, randomRaws(e.format, 2, rand));
const O6 = parseFormat('ap_fixed<6,3,AP_RND_CONV,AP_SAT>');
const elt: EltwiseLayer = {
  kind: 'eltwise', name: 'elt_leaky', sources: [], inputs: [e.name], output: 'y_elt', op: 'add',
  a: { tensor: e.name }, b: { constant: cst }, outShape: [1, 1, 1, 2, 3, 5], aStrides: [0, 0, 0, 15, 5, 1], bStrides: [0, 0, 0, 1, 0, 0],
  act: leaky(0.125, O6),
};
out('y_elt', [1, 2, 3, 5], O6);
layers.push(elt);
// A unary layer (a Mul by 2^-3 lowered as a free shift) with the leaky fused, rounding into a narrow output.
const un: UnaryLayer = {
  kind: 'unary', name: 'un_leaky', sources: [], inputs: [e.name], output: 'y_un', n: 30, shift: -3,
  act: leaky(0.3, parseFormat('ap_fixed<7,2,AP_RND,AP_SAT>')),
};
out('y_un', [1, 2, 3, 5], parseFormat('ap_fixed<7,2,AP_RND,AP_SAT>'));
layers.push(un);

const design = makeDesign('leaky_fused', tensors, layers, tensors.slice(3).map((t) => t.name));
const samples = randomSamples(design, 5, rng(4242));
let simCache: Float64Array[][] | undefined;
const simOut = (): Float64Array[][] => (simCache ??= simulateSamples(design, samples));
const outIndex = (name: string) => tensors.slice(3).findIndex((t) => t.name === name);

describe('leaky activation fused into a layer', () => {
  it('equals the exact accumulator followed by a separate pwl leaky layer with the same slope', () => {
    for (const s of simOut()) expect([...s[outIndex('y_plain')]]).toEqual([...s[outIndex('y_pwl')]]);
  });

  it('is within half an output LSB (+ the slope rounding) of a float leaky of the exact sum', () => {
    const lsb = 2 ** -fracBits(DEF);
    const top = toDouble(maxRaw(DEF), DEF);
    const alphaErr = 2 ** -(fracBits(leakyAlphaFormat(0.1, DEF)) + 1);
    simOut().forEach((s) => {
      const acc = s[outIndex('y_acc')];
      const got = s[outIndex('y_plain')];
      let negatives = 0;
      acc.forEach((a, i) => {
        const accV = a; // simulateSamples gives values
        const want = Math.min(top, Math.max(-32, accV >= 0 ? accV : 0.1 * accV));
        if (accV < 0) negatives++;
        expect(Math.abs(got[i] - want), `[${i}] acc ${accV}`).toBeLessThanOrEqual(lsb / 2 + Math.abs(accV) * alphaErr + 1e-12);
      });
      expect(negatives).toBeGreaterThan(10);
    });
  });

  it('the slope format keeps the rounding of α below 1/32 output LSB where the output is not saturated', () => {
    for (const [alpha, f] of [[0.1, DEF], [0.01, DEF], [0.3, OU8], [1 / 3, O6], [0.2, O8W]] as const) {
      const af = leakyAlphaFormat(alpha, f);
      const err = Math.abs(toDouble(fromDouble(alpha, af), af) - alpha);
      expect(err * 2 ** f.int / alpha, `${alpha}`).toBeLessThanOrEqual(2 ** -fracBits(f) / 32);
    }
    expect(lowerAct({ kind: 'leaky', alpha: 0 }, DEF)).toEqual({ kind: 'relu' });
    expect(fracBits(leakyAlphaFormat(0.25, DEF))).toBe(2); // dyadic: exact in 2 fraction bits
  });

  itMatchesGxx(async (inc) => expectSameOutputs(design, await csimSamples(design, samples, { apTypesInclude: inc }), simOut()));

  it('with several engines, g++ still gives the simulator\'s bits', async () => {
    expectSameOutputs(design, await csimSamples(design, samples, { plan: lanesPlan(design) }), simOut());
  });
});

// End to end: Conv → LeakyRelu and Conv → PRelu (one slope) each become ONE conv2d layer; the float reference and
// the fixed-point simulation are checked against ONNX Runtime.
describe('Conv + LeakyRelu / PRelu(scalar slope) models', () => {
  it('fuse into conv2d layers and match ONNX Runtime within the format\'s tolerance', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-leaky-'));
    try {
      const model = path.join(tmp, 'leaky.onnx');
      const w = (name: string, dims: number[], seed: number, scale: number) => ({ name, dims, values: values(dims.reduce((a, b) => a * b, 1), seed, scale) });
      buildModel({
        opset: 13,
        inputs: [{ name: 'x', dims: [1, 3, 9, 10] }],
        outputs: [{ name: 'y' }],
        nodes: [
          { name: 'c1', op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['a'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
          { name: 'l1', op: 'LeakyRelu', inputs: ['a'], outputs: ['b'], attrs: { alpha: { float: 0.1 } } },
          { name: 'c2', op: 'Conv', inputs: ['b', 'w2', 'b2'], outputs: ['c'], attrs: { kernel_shape: [1, 1] } },
          { name: 'p2', op: 'PRelu', inputs: ['c', 's2'], outputs: ['y'] },
        ],
        initializers: [w('w1', [8, 3, 3, 3], 1, 0.5), w('b1', [8], 2, 0.2), w('w2', [5, 8, 1, 1], 3, 0.5), w('b2', [5], 4, 0.2),
          { name: 's2', dims: [1], values: [0.3] }],
      }, model);
      const c = compileModel(model);
      expect(c.design.layers.map((l) => l.kind)).toEqual(['conv2d', 'conv2d']);
      expect(c.design.layers.map((l) => (l as Conv2dLayer).act.kind)).toEqual(['leaky', 'leaky']);
      const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'disabled' });
      let worst = 0;
      for (const seed of [11, 12]) {
        const x = Float32Array.from(values(3 * 9 * 10, seed, 2));
        const want = (await session.run({ x: new ort.Tensor('float32', x, [1, 3, 9, 10]) })).y.data as Float32Array;
        const ref = runFloat(c.reference, [x]).outputs[0];
        expect(toleranceRatio(ref.data, want, 1e-5, 1e-6)).toBeLessThanOrEqual(1);
        const fixedOut = simulateSample(c.design, [x]).outputs[0];
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(fixedOut[i] - want[i]));
        expect([...want].some((v) => v < 0)).toBe(true); // the negative (leaky) side is exercised
      }
      // ap_fixed<16,6>: inputs, weights and the hidden map rounded to 2^-11, two layers: a few hundredths at most.
      console.log(`conv+leaky: worst |fixed - ORT| = ${worst}`);
      expect(worst).toBeLessThan(0.02);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
