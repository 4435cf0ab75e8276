// Eltwise (add/sub/mul with broadcasting) and unary kernels: the simulator (sim/kernels/eltwise.ts) against g++
// running hw/fpgac/eltwise.h, bit for bit. All variants are layers of ONE design (one compile per header set).
import { describe, it, expect } from 'vitest';
import { fixed, parseFormat, toDouble, type FixedFormat } from '../../sim/fixed.js';
import { ELT_RANK, type Activation, type ConstData, type DTensor, type EltwiseLayer, type Layer, type Operand, type UnaryLayer } from '../../src/ir/design.js';
import {
  constData, csimSamples, makeDesign, randomRaws, randomSamples, rng,
  simulateSamples,
} from '../support/harness.js';
import { expectSameOutputs, itMatchesGxx, lanesPlan, referenceStrides } from '../support/harness.js';

const DEF = parseFormat('ap_fixed<16,6,AP_RND_CONV,AP_SAT>');
const rand = rng(99);

const tensor = (name: string, shape: number[], format: FixedFormat): DTensor => ({ name, onnxName: name, shape, format });
const pad = (shape: readonly number[]): number[] => [...Array(ELT_RANK - shape.length).fill(1), ...shape];

const strides = referenceStrides;

const shapeOf = (o: Operand): readonly number[] => ('tensor' in o ? tensors.get(o.tensor)!.shape : o.constant.shape);

function elt(name: string, op: EltwiseLayer['op'], a: Operand, b: Operand, out: DTensor, act: Activation = { kind: 'none' }): EltwiseLayer {
  const inputs = [a, b].flatMap((o) => ('tensor' in o ? [o.tensor] : []));
  return {
    kind: 'eltwise', name, sources: [], inputs: [...new Set(inputs)], output: out.name, op, a, b,
    outShape: pad(out.shape), aStrides: strides(shapeOf(a)), bStrides: strides(shapeOf(b)), act,
  };
}

function unary(name: string, input: DTensor, out: DTensor, act: Activation, shift?: number): UnaryLayer {
  return { kind: 'unary', name, sources: [], inputs: [input.name], output: out.name, n: out.shape.reduce((p, d) => p * d, 1), act, ...(shift ? { shift } : {}) };
}

const konst = (name: string, shape: number[], f: FixedFormat): ConstData =>
  constData(name, shape, f, randomRaws(f, shape.reduce((p, d) => p * d, 1), rand));

const tensors = new Map<string, DTensor>();
const def = (name: string, shape: number[], f: FixedFormat): DTensor => {
  const t = tensor(name, shape, f);
  tensors.set(name, t);
  return t;
};
const outs: DTensor[] = [];
const out = (name: string, shape: number[], f: FixedFormat): DTensor => {
  const t = def(name, shape, f);
  outs.push(t);
  return t;
};
const T = (t: DTensor): Operand => ({ tensor: t.name });
const K = (c: ConstData): Operand => ({ constant: c });

// Inputs: an image x [1,C=4,H=3,W=5], a second same-shape tensor, and two broadcast-shaped tensors.
const x = def('x', [1, 4, 3, 5], DEF);
const x2 = def('x2', [1, 4, 3, 5], parseFormat('ap_fixed<12,4,AP_RND,AP_SAT>'));
const p = def('p', [1, 4, 1, 5], parseFormat('ap_fixed<10,5,AP_RND_INF,AP_SAT>'));
const q = def('q', [1, 1, 3, 1], parseFormat('ap_ufixed<8,3,AP_RND,AP_SAT>'));
const IMG = [1, 4, 3, 5];

const O8W = parseFormat('ap_fixed<8,3,AP_TRN,AP_WRAP>');
const O8S = parseFormat('ap_fixed<8,4,AP_RND,AP_SAT>');
const WIDE = fixed(40, 16); // holds every sum of x and x2 exactly

const scalar = konst('k_scalar', [1], parseFormat('ap_fixed<8,2>'));
const perChan = konst('k_chan', [4, 1, 1], parseFormat('ap_fixed<10,4>'));
const rowConst = konst('k_row', [3, 5], parseFormat('ap_ufixed<9,3>'));

const layers: Layer[] = [
  elt('add_same', 'add', T(x), T(x2), out('y_add_same', IMG, O8W)),
  elt('add_ref', 'add', T(x), T(x2), out('y_add_ref', IMG, WIDE)),
  elt('mul_scalar', 'mul', T(x), K(scalar), out('y_mul_scalar', IMG, DEF)),
  elt('add_chan', 'add', T(x), K(perChan), out('y_add_chan', IMG, O8S), { kind: 'relu' }),
  // Both sides broadcast: [1,4,1,5] - [1,1,3,1] -> [1,4,3,5]; unsigned right operand, signed exact difference.
  elt('sub_both', 'sub', T(p), T(q), out('y_sub_both', IMG, parseFormat('ap_fixed<9,3,AP_RND_ZERO,AP_SAT_SYM>')), { kind: 'relu' }),
  // Constant on the left: k_row [3,5] - x, clipped in the output's raws.
  elt('sub_left', 'sub', K(rowConst), T(x), out('y_sub_left', IMG, O8S), { kind: 'clip', lo: -40, hi: 70 }),
  // Tensor times tensor with broadcast, into an unsigned saturating-to-zero output.
  elt('mul_tt', 'mul', T(q), T(x2), out('y_mul_tt', IMG, parseFormat('ap_ufixed<8,4,AP_RND_MIN_INF,AP_SAT_ZERO>'))),
  // x * x (one tensor as both operands).
  elt('mul_sq', 'mul', T(x2), T(x2), out('y_mul_sq', IMG, parseFormat('ap_fixed<10,6,AP_RND_CONV,AP_WRAP>'))),
  // Chain: an eltwise reading another layer's output.
  elt('add_chain', 'add', T(tensors.get('y_add_same')!), T(x), out('y_add_chain', IMG, DEF)),
];
const n = 60;
layers.push(
  unary('relu8', x, out('u_relu', IMG, O8S), { kind: 'relu' }),
  unary('clip10', x, out('u_clip', IMG, parseFormat('ap_fixed<10,3,AP_TRN,AP_SAT>')), { kind: 'clip', lo: -100, hi: 300 }),
  unary('recast', x, out('u_recast', IMG, parseFormat('ap_fixed<12,4,AP_RND_INF,AP_WRAP>')), { kind: 'none' }),
  unary('copy', x, out('u_copy', [1, n], DEF), { kind: 'none' }), // Flatten: same type, a copy
  unary('widen', x, out('u_widen', IMG, fixed(24, 10)), { kind: 'none' }), // exact widening
  unary('to_unsigned', x2, out('u_unsigned', IMG, parseFormat('ap_ufixed<6,2,AP_RND,AP_SAT>')), { kind: 'none' }),
  // Multiplication by 2^shift as a free reinterpretation: a quarter (Euler step h = 0.25) rounded into 8 bits,
  // and ×8 with relu into a saturating output.
  unary('quarter', x, out('u_quarter', IMG, parseFormat('ap_fixed<8,2,AP_RND_CONV,AP_SAT>')), { kind: 'none' }, -2),
  unary('times8', x2, out('u_times8', IMG, parseFormat('ap_fixed<12,6,AP_RND,AP_SAT>')), { kind: 'relu' }, 3),
);

const design = makeDesign('eltwise_test', [...tensors.values()], layers, outs.map((t) => t.name));
const samples = randomSamples(design, 12, rng(3));
const sim = simulateSamples(design, samples);

const expectSame = (got: Float64Array[][], want: Float64Array[][]) => expectSameOutputs(design, got, want);

/** Float reference of round-to-nearest at `frac` bits (randomSamples never produces ties), then saturation. */
function roundSat(v: number, frac: number, lo: number, hi: number): number {
  return Math.min(Math.max(Math.round(v * 2 ** frac), lo), hi) / 2 ** frac;
}

describe('eltwise and unary kernels', () => {
  itMatchesGxx(async (inc) => expectSame(sim, await csimSamples(design, samples, { apTypesInclude: inc })));

  it('with lanes (the plan\'s parallel factors, for operands without axis broadcasting), g++ still gives the simulator\'s bits', async () => {
    const plan = lanesPlan(design);
    expect([...plan.parallel.values()].filter((p) => p.pfOut > 1).length).toBeGreaterThan(3);
    expectSame(sim, await csimSamples(design, samples, { plan }));
  });

  it('wide-output add and the per-channel broadcast equal the float computation', async () => {
    const kRef = design.outputs.indexOf('y_add_ref');
    const kChan = design.outputs.indexOf('y_add_chan');
    const kv = perChan.raw.map((r) => toDouble(r, perChan.format));
    samples.forEach((s, si) => {
      const xv = s[0].map((v) => roundSat(v, 10, -32768, 32767));
      const x2v = s[1].map((v) => roundSat(v, 8, -2048, 2047));
      xv.forEach((v, i) => {
        expect(sim[si][kRef][i]).toBe(v + x2v[i]);
        // relu, then AP_RND (nearest, ties up like Math.round) at 4 fraction bits, saturating at raws [-128, 127].
        const c = Math.floor(i / 15);
        const want = roundSat(Math.max(v + kv[c], 0), 4, -128, 127);
        const got = sim[si][kChan][i];
        expect(got).toBe(want);
      });
    });
  });

  it('unary copy and widening keep every value', async () => {
    const kCopy = design.outputs.indexOf('u_copy');
    const kWide = design.outputs.indexOf('u_widen');
    samples.forEach((s, si) => {
      const xv = s[0].map((v) => roundSat(v, 10, -32768, 32767));
      expect(Array.from(sim[si][kCopy])).toEqual(xv);
      expect(Array.from(sim[si][kWide])).toEqual(xv);
    });
  });
});
