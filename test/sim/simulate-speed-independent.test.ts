/**
 * The simulator's fast paths (sim/kernels/common.ts Finish, the pointwise / depthwise / merged-eltwise / wrapping
 * dense loops, the per-design plan of sim/simulate.ts) against references written straight from the IR semantics
 * in src/ir/design.ts with BigInt arithmetic and castRawBig — no code shared with the kernels. The g++ kernel tests
 * cover the C++ side; this file reaches the shapes and format corners those designs do not (1×1 stride-1 convs,
 * 3×3 depthwise with odd row counts, every rounding and overflow mode through the fused casts, loops).
 */
import { beforeEach, describe, it, expect } from 'vitest';
import {
  castRawBig, fixed, fracBits, fromDoubleBig, maxRaw, minRaw, O_MODES, Q_MODES, toDouble, type FixedFormat,
} from '../../sim/fixed.js';
import { finishAct, finishFast, finishRun, fusedOf, makeFinish } from '../../sim/kernels/common.js';
import { simulateBatch, simulateSample } from '../../sim/simulate.js';
import {
  ELT_RANK, type Activation, type ConstData, type Conv2dLayer, type DenseLayer, type Design, type DTensor, type EltwiseLayer,
  type Layer, type LoopLayer, type UnaryLayer,
} from '../../src/ir/design.js';
import { constData, makeDesign, randomRaws, randomSamples, referenceStrides, rng } from '../support/harness.js';

// Every test draws its cases from the same seed, so its cases do not depend on which tests ran before it.
let rand = rng(2024);
beforeEach(() => { rand = rng(2024); });
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));

function randomFormat(maxWidth = 20): FixedFormat {
  const signed = rand() < 0.75;
  const o = pick(O_MODES.filter((m) => signed || m !== 'AP_WRAP_SM'));
  const width = int(2, maxWidth);
  return fixed(width, int(-2, width + 2), { signed, q: pick(Q_MODES), o, n: o.startsWith('AP_WRAP') ? int(0, Math.min(3, width)) : 0 });
}

function randomAct(out: FixedFormat): Activation {
  const r = rand();
  if (r < 0.4) return { kind: 'none' };
  if (r < 0.7) return { kind: 'relu' };
  const a = int(minRaw(out) - 4, maxRaw(out) + 4);
  const b = rand() < 0.9 ? int(a, maxRaw(out) + 4) : a - int(1, 5); // sometimes an empty (inverted) clip
  return { kind: 'clip', lo: a, hi: b };
}

/** fpgac::finish in BigInt: relu on the exact value, castRawBig, clip. */
function finishRef(v: bigint, frac: number, out: FixedFormat, act: Activation): number {
  let r = castRawBig(act.kind === 'relu' && v < 0n ? 0n : v, frac, out);
  if (act.kind === 'clip') {
    if (r < BigInt(act.lo)) r = BigInt(act.lo);
    if (r > BigInt(act.hi)) r = BigInt(act.hi);
  }
  return Number(r);
}

const same = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let bad = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (!Object.is(a[i], b[i])) bad++;
  return bad;
};

describe('Finish: the prepared cast equals finishAct and the BigInt model', () => {
  it('every rounding and overflow mode, shift, activation, with ties, bounds and zeros', () => {
    let fast = 0;
    for (let trial = 0; trial < 1500; trial++) {
      const out = randomFormat(trial % 5 === 0 ? 53 : 24);
      const act = randomAct(out);
      const accFrac = fracBits(out) + pick([-3, -1, 0, 1, 2, 5, 10, 20, 52, 53, 60]);
      const maxAbs = 2 ** int(1, 53);
      const f = makeFinish(accFrac, out, act, maxAbs);
      if (f.kind !== 0) fast++;
      const unit = accFrac > fracBits(out) ? 2 ** (accFrac - fracBits(out)) : 1;
      const vs: number[] = [0, -0, 1, -1, maxAbs - 1, -(maxAbs - 1)];
      for (let k = 0; k < 40; k++) {
        const base = Math.floor((rand() * 2 - 1) * Math.min(maxAbs, 2 ** 53) / unit) * unit;
        vs.push(base, base + unit / 2, base - unit / 2, base + 1, Math.floor((rand() * 2 - 1) * (maxAbs - 1)));
      }
      const ok = vs.filter((v) => Number.isSafeInteger(v) && Math.abs(v) < maxAbs);
      const want = ok.map((v) => finishRef(BigInt(v), accFrac, out, act));
      const viaAct = ok.map((v) => finishAct(v, accFrac, out, act));
      const viaFast = ok.map((v) => finishFast(v, f));
      const run = new Float64Array(ok.length);
      finishRun(Float64Array.from(ok), 0, run, 0, ok.length, f);
      const fu = fusedOf(f);
      const viaFused = fu && ok.map((v) => {
        const r = v * fu.scale + fu.m - fu.m;
        return r < fu.lo ? fu.lo : r > fu.hi ? fu.hi : r;
      });
      const where = `${JSON.stringify(out)} ${JSON.stringify(act)} accFrac ${accFrac}`;
      expect(same(viaAct, want), `finishAct ${where}`).toBe(0);
      expect(same(viaFast, want), `finishFast ${where}`).toBe(0);
      expect(same(run, want), `finishRun ${where}`).toBe(0);
      if (viaFused) expect(same(viaFused, want), `fused ${where}`).toBe(0);
    }
    expect(fast).toBeGreaterThan(300); // the fast kinds were really exercised
  });

  it('wide outputs: rounding at the top of the 2^53 range, where the ties-to-even trick no longer applies', () => {
    for (const q of ['AP_RND_CONV', 'AP_RND', 'AP_TRN'] as const) {
      for (const sh of [1, 2, 3]) {
        const out = fixed(53, 5, { q, o: 'AP_SAT' });
        const f = makeFinish(fracBits(out) + sh, out, { kind: 'none' });
        const vs = Array.from({ length: 400 }, () => (rand() < 0.5 ? -1 : 1) * (2 ** 52 + int(0, 2 ** 30) * int(1, 2 ** 21)));
        const want = vs.map((v) => finishRef(BigInt(v), fracBits(out) + sh, out, { kind: 'none' }));
        expect(same(vs.map((v) => finishFast(v, f)), want), `${q} sh ${sh}`).toBe(0);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Layers against BigInt references

const tensor = (name: string, shape: number[], format: FixedFormat): DTensor => ({ name, onnxName: name, shape, format });
const konst = (name: string, shape: number[], f: FixedFormat): ConstData =>
  constData(name, shape, f, randomRaws(f, shape.reduce((p, d) => p * d, 1), rand));
const big = (x: number, shift: number): bigint => BigInt(x) << BigInt(shift);

/** An accumulator exact for any input of `inF` and weights of `wF` over `taps` taps, plus a bias of `bF`. */
function exactAcc(inF: FixedFormat, wF: FixedFormat, taps: number, bF: FixedFormat | null): FixedFormat {
  const frac = Math.max(fracBits(inF) + fracBits(wF), bF ? fracBits(bF) : 0);
  const i = inF.int + wF.int + Math.ceil(Math.log2(taps + 1)) + 3 + (bF ? Math.max(0, bF.int) : 0);
  return fixed(i + frac, i);
}

function convRef(l: Conv2dLayer, x: readonly number[], inF: FixedFormat, out: FixedFormat): number[] {
  const aF = fracBits(l.acc);
  const cpg = l.c / l.group;
  const opg = l.oc / l.group;
  const pS = aF - fracBits(l.weight.format) - fracBits(inF);
  const res: number[] = [];
  for (let o = 0; o < l.oc; o++) {
    for (let oy = 0; oy < l.oh; oy++) {
      for (let ox = 0; ox < l.ow; ox++) {
        let s = l.bias ? big(l.bias.raw[o], aF - fracBits(l.bias.format)) : 0n;
        for (let ic = 0; ic < cpg; ic++) {
          for (let ky = 0; ky < l.kh; ky++) {
            for (let kx = 0; kx < l.kw; kx++) {
              const iy = oy * l.sh - l.pt + ky * l.dh;
              const ix = ox * l.sw - l.pl + kx * l.dw;
              if (iy < 0 || iy >= l.h || ix < 0 || ix >= l.w) continue;
              const wv = l.weight.raw[((o * cpg + ic) * l.kh + ky) * l.kw + kx];
              s += big(wv, 0) * big(x[((Math.floor(o / opg) * cpg + ic) * l.h + iy) * l.w + ix], 0) << BigInt(pS);
            }
          }
        }
        res.push(finishRef(s, aF, out, l.act));
      }
    }
  }
  return res;
}

interface ConvCase { c: number; h: number; w: number; oc: number; k: number; kw?: number; s: number; d: number; p: number; group: number }

function convCase(i: number, cc: ConvCase): { layer: Conv2dLayer; tensors: DTensor[] } {
  const inF = pick([fixed(16, 6, { q: 'AP_RND_CONV', o: 'AP_SAT' }), fixed(8, 3), fixed(10, 4, { signed: false, q: 'AP_RND', o: 'AP_SAT' })]);
  const out = i % 3 === 0 ? fixed(16, 6, { q: 'AP_RND_CONV', o: 'AP_SAT' }) : randomFormat(18);
  const wF = pick([fixed(8, 1), fixed(16, 6, { q: 'AP_RND_CONV', o: 'AP_SAT' }), fixed(6, 0, { signed: false })]);
  const bF = rand() < 0.7 ? fixed(12, 4) : null;
  const oh = Math.floor((cc.h + 2 * cc.p - cc.d * (cc.k - 1) - 1) / cc.s) + 1;
  const kw = cc.kw ?? cc.k;
  const ow = Math.floor((cc.w + 2 * cc.p - cc.d * (kw - 1) - 1) / cc.s) + 1;
  const xin = tensor(`cx${i}`, [1, cc.c, cc.h, cc.w], inF);
  const y = tensor(`cy${i}`, [1, cc.oc, oh, ow], out);
  const zeros = i % 2 ? 0.6 : 0.1; // pruned weights take the sparse pointwise path
  const wraw = randomRaws(wF, cc.oc * (cc.c / cc.group) * cc.k * kw, rand).map((r) => (rand() < zeros ? 0 : r));
  const layer: Conv2dLayer = {
    kind: 'conv2d', name: `conv${i}`, sources: [], inputs: [xin.name], output: y.name, c: cc.c, h: cc.h, w: cc.w, oc: cc.oc, oh, ow,
    kh: cc.k, kw, sh: cc.s, sw: cc.s, pt: cc.p, pl: cc.p, dh: cc.d, dw: cc.d, group: cc.group,
    weight: constData(`cw${i}`, [cc.oc, cc.c / cc.group, cc.k, kw], wF, wraw),
    bias: bF ? konst(`cb${i}`, [cc.oc], bF) : null, acc: exactAcc(inF, wF, (cc.c / cc.group) * cc.k * kw, bF), act: randomAct(out),
  };
  return { layer, tensors: [xin, y] };
}

describe('conv2d fast shapes against a BigInt reference', () => {
  const cases: ConvCase[] = [
    { c: 5, h: 3, w: 7, oc: 7, k: 1, s: 1, d: 1, p: 0, group: 1 }, // pointwise, odd oc, tail positions
    { c: 12, h: 4, w: 5, oc: 8, k: 1, s: 1, d: 1, p: 0, group: 2 }, // pointwise, 8-wide blocks and a tail
    { c: 6, h: 4, w: 4, oc: 9, k: 1, s: 1, d: 1, p: 0, group: 3 }, // grouped pointwise, odd channels per group
    { c: 4, h: 4, w: 5, oc: 4, k: 1, s: 1, d: 1, p: 0, group: 4 }, // 1×1 depthwise: lone channels
    { c: 3, h: 7, w: 6, oc: 3, k: 3, s: 1, d: 1, p: 1, group: 3 }, // 3×3 sliding, odd row count
    { c: 2, h: 8, w: 8, oc: 4, k: 3, s: 1, d: 1, p: 1, group: 2 }, // channel multiplier 2
    { c: 3, h: 9, w: 7, oc: 3, k: 3, s: 2, d: 1, p: 1, group: 3 }, // 3×3 strided
    { c: 2, h: 9, w: 9, oc: 2, k: 3, s: 1, d: 2, p: 2, group: 2 }, // 3×3 dilated
    { c: 2, h: 6, w: 6, oc: 2, k: 5, s: 1, d: 1, p: 2, group: 2 }, // 5×5 depthwise
    { c: 1, h: 6, w: 5, oc: 3, k: 3, s: 1, d: 1, p: 0, group: 1 }, // one input channel, no padding
    { c: 3, h: 5, w: 5, oc: 4, k: 3, s: 1, d: 1, p: 1, group: 1 }, // general scatter
    { c: 2, h: 6, w: 7, oc: 2, k: 3, kw: 2, s: 1, d: 1, p: 1, group: 2 }, // non-square depthwise
    { c: 3, h: 1, w: 9, oc: 3, k: 1, kw: 3, s: 1, d: 1, p: 0, group: 3 }, // 1-D depthwise
  ];
  it('every case, several output formats, bit for bit', () => {
    for (let rep = 0; rep < 6; rep++) {
      cases.forEach((cc, j) => {
        const i = rep * cases.length + j;
        const { layer, tensors } = convCase(i, cc);
        const d = makeDesign(`c${i}`, tensors, [layer]);
        for (const sample of randomSamples(d, 3, rand)) {
          const inF = tensors[0].format;
          const want = convRef(layer, inRaws(sample[0], inF), inF, tensors[1].format);
          const got = simulateSample(d, sample).outputs[0];
          const wantD = want.map((r) => toDouble(r, tensors[1].format));
          expect(same(got, wantD), `case ${j} ${JSON.stringify(tensors[1].format)} ${JSON.stringify(layer.act)}`).toBe(0);
        }
      });
    }
  });
});

/** The input raws the simulator must see: each double converted by the BigInt model (fromDoubleBig). */
function inRaws(xs: readonly number[], f: FixedFormat): number[] {
  return xs.map((v) => Number(fromDoubleBig(v, f)));
}

describe('eltwise merged walks against a BigInt reference', () => {
  const pad = (s: readonly number[]): number[] => [...Array(ELT_RANK - s.length).fill(1), ...s];
  const stridesOf = referenceStrides;
  const shapes: [number[], number[], number[]][] = [
    [[2, 3, 4], [2, 3, 4], [2, 3, 4]], // same shape: one run
    [[2, 3, 4], [1], [2, 3, 4]], // scalar
    [[2, 3, 4], [3, 1], [2, 3, 4]], // per channel
    [[3, 1, 5], [1, 4, 1], [3, 4, 5]], // both broadcast
    [[2, 1, 3, 1, 2], [2, 4, 1, 3, 1], [2, 4, 3, 3, 2]], // rank 5, alternating
    [[1], [4, 1], [4, 1]],
  ];
  it('add, sub, mul over broadcasting patterns and output formats', () => {
    shapes.forEach(([sa, sb, so], j) => {
      for (const op of ['add', 'sub', 'mul'] as const) {
        for (let rep = 0; rep < 4; rep++) {
          const fa = randomFormat(16);
          const fb = j % 2 ? randomFormat(16) : fa;
          const out = rep === 0 ? fixed(16, 6, { q: 'AP_RND_CONV', o: 'AP_SAT' }) : randomFormat(20);
          const A = tensor(`ea${j}${op}${rep}`, sa, fa);
          const bConst = rep % 2 === 1;
          const B = bConst ? null : tensor(`eb${j}${op}${rep}`, sb, fb);
          const bc = bConst ? konst(`ek${j}${op}${rep}`, sb, fb) : null;
          const Y = tensor(`ey${j}${op}${rep}`, so, out);
          const layer: EltwiseLayer = {
            kind: 'eltwise', name: `e${j}${op}${rep}`, sources: [], inputs: B ? [A.name, B.name] : [A.name], output: Y.name, op,
            a: { tensor: A.name }, b: B ? { tensor: B.name } : { constant: bc! }, outShape: pad(so), aStrides: stridesOf(sa),
            bStrides: stridesOf(sb), act: randomAct(out),
          };
          const d = makeDesign(layer.name, [A, ...(B ? [B] : []), Y], [layer]);
          const sample = randomSamples(d, 1, rand)[0];
          const ar = inRaws(sample[0], fa);
          const br = B ? inRaws(sample[1], fb) : bc!.raw;
          const rF = op === 'mul' ? fracBits(fa) + fracBits(fb) : Math.max(fracBits(fa), fracBits(fb));
          const want: number[] = [];
          const d6 = pad(so);
          const [as, bs] = [layer.aStrides, layer.bStrides];
          const idx = [0, 0, 0, 0, 0, 0];
          for (let n = 0; n < d6.reduce((p, q) => p * q, 1); n++) {
            let t = n;
            for (let k = ELT_RANK - 1; k >= 0; k--) {
              idx[k] = t % d6[k];
              t = Math.floor(t / d6[k]);
            }
            const x = BigInt(ar[idx.reduce((s, v, k) => s + v * as[k], 0)]);
            const y = BigInt(br[idx.reduce((s, v, k) => s + v * bs[k], 0)]);
            const v = op === 'mul' ? x * y
              : (x << BigInt(rF - fracBits(fa))) + (op === 'add' ? 1n : -1n) * (y << BigInt(rF - fracBits(fb)));
            want.push(toDouble(finishRef(v, rF, out, layer.act), out));
          }
          let got: Float64Array;
          try {
            got = simulateSample(d, sample).outputs[0];
          } catch (e) {
            expect(String(e)).toMatch(/more than 53/); // a result wider than 53 bits is refused, as before
            continue;
          }
          expect(same(got, want), `${layer.name} ${JSON.stringify(out)} ${JSON.stringify(layer.act)}`).toBe(0);
        }
      }
    });
  });
});

describe('dense with a narrow accumulator (per-step casts) against the C++ order in BigInt', () => {
  it('AP_WRAP (summed once, reduced once) and saturating accumulators', () => {
    for (let rep = 0; rep < 24; rep++) {
      const inF = fixed(12, 4, { q: 'AP_RND_CONV', o: 'AP_SAT' });
      const wF = fixed(10, 2);
      const nIn = int(3, 40);
      const nOut = int(1, 9);
      const accW = int(12, 26);
      const acc = fixed(accW, accW - (fracBits(inF) + fracBits(wF)) + pick([0, 0, 2, -3]), {
        o: rep % 3 === 0 ? 'AP_SAT' : 'AP_WRAP', q: rep % 4 === 0 ? 'AP_RND' : 'AP_TRN',
      });
      const out = randomFormat(16);
      const X = tensor(`dx${rep}`, [1, nIn], inF);
      const Y = tensor(`dy${rep}`, [1, nOut], out);
      const bF = fixed(10, 3);
      const layer: DenseLayer = {
        kind: 'dense', name: `d${rep}`, sources: [], inputs: [X.name], output: Y.name, rows: 1, nIn, nOut,
        weight: konst(`dw${rep}`, [nOut, nIn], wF), bias: konst(`db${rep}`, [nOut], bF), acc, act: randomAct(out),
      };
      const d = makeDesign(layer.name, [X, Y], [layer]);
      const sample = randomSamples(d, 1, rand)[0];
      const xr = inRaws(sample[0], inF);
      const aF = fracBits(acc);
      const pF = fracBits(inF) + fracBits(wF);
      const g = Math.max(aF, pF);
      const want: number[] = [];
      for (let o = 0; o < nOut; o++) {
        let a = castRawBig(BigInt(layer.bias!.raw[o]), fracBits(bF), acc);
        for (let i = 0; i < nIn; i++) {
          const p = BigInt(xr[i]) * BigInt(layer.weight.raw[o * nIn + i]);
          a = castRawBig((a << BigInt(g - aF)) + (p << BigInt(g - pF)), g, acc);
        }
        want.push(toDouble(finishRef(a, aF, out, layer.act), out));
      }
      expect(same(simulateSample(d, sample).outputs[0], want), `${JSON.stringify(acc)}`).toBe(0);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The per-design plan: reuse, batch, trace, loops

const F16 = fixed(16, 6, { q: 'AP_RND_CONV', o: 'AP_SAT' });

function loopDesign(trips: number, unrolled: boolean): Design {
  const x = tensor('x', [1, 4, 3], fixed(12, 5, { q: 'AP_RND', o: 'AP_SAT' })); // cast into the state format on entry
  const h = constData('h', [1], F16, [384]); // 0.375
  const stepLayers = (k: number, sIn: string, sOut: string): [Layer[], DTensor[]] => {
    const t = tensor(`t${k}`, [1, 4, 3], F16);
    const mul: EltwiseLayer = {
      kind: 'eltwise', name: `mul${k}`, sources: [], inputs: [sIn], output: t.name, op: 'mul', a: { tensor: sIn }, b: { constant: h },
      outShape: [1, 1, 1, 1, 4, 3], aStrides: [0, 0, 0, 0, 3, 1], bStrides: [0, 0, 0, 0, 0, 0], act: { kind: 'none' },
    };
    const add: EltwiseLayer = {
      kind: 'eltwise', name: `add${k}`, sources: [], inputs: [sIn, t.name], output: sOut, op: 'add', a: { tensor: sIn }, b: { tensor: t.name },
      outShape: [1, 1, 1, 1, 4, 3], aStrides: [0, 0, 0, 0, 3, 1], bStrides: [0, 0, 0, 0, 3, 1], act: { kind: 'clip', lo: -3000, hi: 9000 },
    };
    return [[mul, add], [t]];
  };
  const y = tensor('y', [1, 4, 3], F16);
  if (unrolled) {
    const layers: Layer[] = [];
    const ts: DTensor[] = [x, y];
    let prev = 's0';
    ts.push(tensor('s0', [1, 4, 3], F16));
    layers.push({ kind: 'unary', name: 'enter', sources: [], inputs: ['x'], output: 's0', n: 12, act: { kind: 'none' } } satisfies UnaryLayer);
    for (let k = 0; k < trips; k++) {
      const next = k === trips - 1 ? 'y' : `s${k + 1}`;
      if (next !== 'y') ts.push(tensor(next, [1, 4, 3], F16));
      const [ls, extra] = stepLayers(k, prev, next);
      layers.push(...ls);
      ts.push(...extra);
      prev = next;
    }
    if (trips === 0) layers.push({ kind: 'unary', name: 'exit', sources: [], inputs: ['s0'], output: 'y', n: 12, act: { kind: 'none' } } satisfies UnaryLayer);
    return makeDesign('unrolled', ts, layers, ['y']);
  }
  const [body, extra] = stepLayers(0, 'sin', 'sout');
  const loop: LoopLayer = { kind: 'loop', name: 'loop', sources: [], inputs: ['x'], output: 'y', trips, stateIn: 'sin', stateOut: 'sout', body };
  return makeDesign('looped', [x, y, tensor('sin', [1, 4, 3], F16), tensor('sout', [1, 4, 3], F16), ...extra], [loop], ['y']);
}

describe('simulateSample plan, simulateBatch and loop layers', () => {
  it('input doubles become the raws of fromDoubleBig (ties, extremes, subnormals, NaN, ±Inf, ±0)', () => {
    const specials = [0, -0, 0.5, -0.5, 1.5, 2.5, -2.5, 1e-300, -1e-300, 5e-324, -5e-324, 2 ** -1022, 1e300, -1e300,
      Infinity, -Infinity, NaN, 2 ** 60 + 2 ** 8, 31.99951171875, -32, 2 ** -11, 3 * 2 ** -11, -(3 * 2 ** -11)];
    for (let rep = 0; rep < 60; rep++) {
      const f = rep < 5 ? [F16, fixed(16, 6, { q: 'AP_TRN', o: 'AP_SAT_SYM' }), fixed(8, 20, { q: 'AP_RND_CONV', o: 'AP_SAT' }),
        fixed(10, -30, { signed: false, q: 'AP_TRN', o: 'AP_SAT' }), fixed(53, 3, { q: 'AP_RND_CONV', o: 'AP_SAT' })][rep] : randomFormat(40);
      const xs = [...specials, ...Array.from({ length: 200 }, () => (rand() * 2 - 1) * 2 ** int(-40, 40)),
        ...Array.from({ length: 50 }, () => (int(-1000, 1000) + 0.5) * 2 ** (f.int - f.width)),
        ...Array.from({ length: 50 }, () => (2 ** 51 + int(0, 2 ** 20) + pick([0, 0.5])) * 2 ** (f.int - f.width))]; // above 2^51
      const X = tensor('qx', [xs.length], f);
      const Y = tensor('qy', [xs.length], f);
      const d = makeDesign('q', [X, Y], [{ kind: 'unary', name: 'id', sources: [], inputs: ['qx'], output: 'qy', n: xs.length, act: { kind: 'none' } }]);
      const got = simulateSample(d, [xs], { trace: true }).trace!.get('qx')!;
      const want = xs.map((x) => toDouble(Number(fromDoubleBig(x, f)), f));
      expect(same(got, want), JSON.stringify(f)).toBe(0);
    }
  });

  it('a loop equals its unrolled steps, for 0 to 4 trips', () => {
    for (let trips = 0; trips <= 4; trips++) {
      const looped = loopDesign(trips, false);
      const unrolled = loopDesign(trips, true);
      for (const s of randomSamples(unrolled, 5, rand)) {
        // makeDesign lists every tensor a layer reads but no layer writes as an input; the loop design's only one is x.
        expect(same(simulateSample(looped, [s[0]]).outputs[0], simulateSample(unrolled, [s[0]]).outputs[0]), `trips ${trips}`).toBe(0);
      }
    }
  });

  it('repeated samples, batches and traces agree with fresh runs', () => {
    const cc = { c: 3, h: 6, w: 6, oc: 4, k: 3, s: 1, d: 1, p: 1, group: 1 };
    const { layer, tensors } = convCase(999, cc);
    const d = makeDesign('plan', tensors, [layer]);
    const samples = randomSamples(d, 7, rand);
    const first = samples.map((s) => simulateSample(d, s).outputs[0]);
    const again = samples.map((s) => simulateSample(d, s, { trace: true }));
    again.forEach((r, k) => {
      expect(same(r.outputs[0], first[k])).toBe(0);
      expect(r.outputs[0]).not.toBe(first[k]); // fresh arrays every time
      expect([...r.trace!.keys()]).toEqual([tensors[0].name, tensors[1].name]);
      expect(same(r.trace!.get(tensors[1].name)!, first[k])).toBe(0);
    });
    const per = samples[0][0].length;
    const all = new Float64Array(samples.length * per);
    samples.forEach((s, k) => all.set(s[0], k * per));
    const batch = simulateBatch(d, [all], samples.length);
    expect(batch).toHaveLength(1);
    expect(same(batch[0], first.flatMap((o) => [...o]))).toBe(0);
    expect(() => simulateBatch(d, [all.subarray(1)], samples.length)).toThrow(/values/);
    expect(() => simulateSample(d, [samples[0][0].slice(1)])).toThrow(/values/);
  });
});
