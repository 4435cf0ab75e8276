/**
 * The int16 WebAssembly fast paths (sim/kernels/int16.ts, one dense row or many at once; conv-gemm.ts;
 * sim/wasm/mac.ts) against the double paths they replace, bit for bit, on seeded random designs that straddle every
 * precondition: input widths 15, 16 and 17 bits (signed and unsigned), weight raws at and past the int16 edges,
 * block lengths from 8 values to a whole row, every rounding mode and overflow mode of the output (saturating and
 * wrapping), relu and clip, per-channel shifts, and conv padding, groups, strides, dilations and chunked output
 * positions; the 3×3 depthwise engine (depthwise-i16.ts) likewise. The double paths are themselves checked against
 * g++ (test/kernels) and a BigInt model (simulate-speed-independent.test.ts). Also: the worker thread batch (sim/batch.ts) equals the sequential one, in
 * order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixed, fracBits, maxRaw, minRaw, O_MODES, Q_MODES, type FixedFormat } from '../../sim/fixed.js';
import { simulateBatch, simulateSample } from '../../sim/simulate.js';
import { formatFitsInt16, MIN_DENSE_MACS, setInt16Paths, setMinDenseMacs } from '../../sim/kernels/int16.js';
import { DenseI16, DenseRowsI16 } from '../../sim/kernels/int16.js';
import { ConvI16 } from '../../sim/kernels/conv-gemm.js';
import { DepthwiseI16 } from '../../sim/kernels/depthwise-i16.js';
import { batchWorkerCount, stopBatchWorkers } from '../../sim/batch.js';
import { assembleMac, macModule } from '../../sim/wasm/mac.js';
import { MAC_MODULE_BASE64 } from '../../sim/wasm/mac-module.js';
import type { Activation, ChannelShift, Conv2dLayer, DenseLayer, Design, DTensor } from '../../src/ir/design.js';
import { constData, makeDesign, randomRaws, randomSamples, rng } from '../support/harness.js';

const rand = rng(1613);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
const tensor = (name: string, shape: number[], format: FixedFormat): DTensor => ({ name, onnxName: name, shape, format });

/** Input formats around the int16 edge: 15 and 16 bits fit (signed; unsigned up to 15), 17 bits and ufixed<16> do not. */
const IN_FORMATS: readonly FixedFormat[] = [
  fixed(15, 5, { q: 'AP_RND_CONV', o: 'AP_SAT' }), fixed(16, 6, { q: 'AP_RND_CONV', o: 'AP_SAT' }), fixed(17, 7),
  fixed(15, 4, { signed: false }), fixed(16, 6, { signed: false }), fixed(8, 3),
];

function outFormat(): FixedFormat {
  const signed = rand() < 0.8;
  const o = pick(O_MODES.filter((m) => signed || m !== 'AP_WRAP_SM'));
  const width = int(4, 18);
  return fixed(width, int(0, width), { signed, q: pick(Q_MODES), o, n: o.startsWith('AP_WRAP') ? int(0, Math.min(3, width)) : 0 });
}

function act(out: FixedFormat): Activation {
  const r = rand();
  if (r < 0.4) return { kind: 'none' };
  if (r < 0.75) return { kind: 'relu' };
  const lo = int(minRaw(out), 0);
  return { kind: 'clip', lo, hi: int(lo, maxRaw(out)) };
}

/**
 * Weight raws: a scale picked so the int16 block bound (Σ|w|·max|x| < 2^31 over 8 to all values) lands anywhere
 * from "the whole row is one block" to "no block of 8 fits", plus occasional raws past the int16 range.
 */
function weightRaws(n: number, wF: FixedFormat, inF: FixedFormat): number[] {
  const xMax = Math.max(-minRaw(inF), maxRaw(inF));
  const cap = Math.min(maxRaw(wF), Math.max(1, Math.floor(pick([2 ** 31 / xMax / 8, 2 ** 31 / xMax / 32, 2 ** 31 / xMax / n, 2 ** 31 / xMax / 3, 40]))));
  const raws = Array.from({ length: n }, () => (rand() < 0.15 ? 0 : int(Math.max(minRaw(wF), -cap), cap)));
  const edges = [32767, -32768, 32768, -32769].filter((v) => v >= minRaw(wF) && v <= maxRaw(wF));
  if (rand() < 0.1 && edges.length) raws[int(0, n - 1)] = pick(edges);
  return raws;
}

/** The exact accumulator of a layer with these weights (all fraction bits, integer bits from Σ|w|·max|x|). */
function accFor(inF: FixedFormat, wF: FixedFormat, raws: number[], rows: number, bias: { raw: readonly number[]; format: FixedFormat } | null): FixedFormat {
  const fan = raws.length / rows;
  const xMax = Math.max(-minRaw(inF), maxRaw(inF));
  let worst = 1;
  for (let r = 0; r < rows; r++) {
    let s = bias ? Math.abs(bias.raw[r]) * 2 ** (fracBits(inF) + fracBits(wF) - fracBits(bias.format)) : 0;
    for (let i = r * fan; i < (r + 1) * fan; i++) s += Math.abs(raws[i]) * xMax;
    worst = Math.max(worst, s);
  }
  const frac = Math.max(fracBits(inF) + fracBits(wF), bias ? fracBits(bias.format) : 0);
  const intBits = Math.ceil(Math.log2(worst + 1)) + 2 - (fracBits(inF) + fracBits(wF)); // worst is in product units
  return fixed(intBits + frac, intBits);
}

function shiftOf(n: number, acc: FixedFormat): ChannelShift | undefined {
  if (rand() < 0.75) return undefined;
  const k = Array.from({ length: n }, () => int(0, 3));
  return { k: constData('k', [n], fixed(2, 2, { signed: false }), k), accs: fixed(acc.width + 3, acc.int) };
}

/** Runs the design with the int16 paths on and off (fresh copies, since plans are cached per layer object). */
function bothWays(d: Design, samples: number[][][]): { fast: Float64Array[][]; exact: Float64Array[][] } {
  try {
    setInt16Paths(false);
    const plain = structuredClone(d);
    const exact = samples.map((s) => simulateSample(plain, s).outputs);
    setInt16Paths(true);
    const fast = samples.map((s) => simulateSample(d, s).outputs);
    return { fast, exact };
  } finally {
    setInt16Paths(true);
  }
}

const differing = (a: Float64Array[][], b: Float64Array[][]): number =>
  a.reduce((n, outs, s) => n + outs.reduce((m, o, k) => m + o.reduce((q, v, i) => q + (Object.is(v, b[s][k][i]) ? 0 : 1), 0), 0), 0);

/**
 * The fast and the double path of `d` on `count` samples, expected equal bit for bit; a design both refuse (an
 * accumulator a test sized too wide for exact simulation) is skipped.
 */
function expectBothWaysEqual(d: Design, count: number, label: string): void {
  let r: ReturnType<typeof bothWays>;
  try {
    r = bothWays(d, samplesOf(d, count));
  } catch (e) {
    expect(String(e)).toMatch(/52 bits|2\^53|exact/);
    return;
  }
  expect(differing(r.fast, r.exact), label).toBe(0);
}

function denseCase(i: number, rowChoices: readonly number[] = [1, 1, 1, 3]): { d: Design; layer: DenseLayer; inF: FixedFormat } {
  const inF = pick(IN_FORMATS);
  const wF = pick([fixed(16, 2), fixed(15, 1), fixed(17, 3), fixed(12, 0), fixed(18, 4)]);
  const nIn = pick([1, 3, 8, 15, 16, 17, 40, 64, 130]);
  const nOut = pick([1, 2, 3, 4, 5, 9, 33]);
  const rows = pick(rowChoices);
  const raw = weightRaws(nIn * nOut, wF, inF);
  const bias = rand() < 0.7 ? constData(`b${i}`, [nOut], fixed(14, 5), randomRaws(fixed(14, 5), nOut, rand)) : null;
  const acc = accFor(inF, wF, raw, nOut, bias);
  const out = rand() < 0.3 ? fixed(16, 6, { q: 'AP_RND_CONV', o: 'AP_SAT' }) : outFormat();
  const x = tensor(`x${i}`, [rows, nIn], inF);
  const y = tensor(`y${i}`, [rows, nOut], out);
  const layer: DenseLayer = {
    kind: 'dense', name: `d${i}`, sources: [], inputs: [x.name], output: y.name, rows, nIn, nOut,
    weight: constData(`w${i}`, [nOut, nIn], wF, raw), bias, acc, act: act(out), shift: shiftOf(nOut, acc),
  };
  return { d: makeDesign(`dense${i}`, [x, y], [layer]), layer, inF };
}

interface ConvShape { c: number; hw: [number, number]; oc: number; k: [number, number]; s: [number, number]; d: [number, number]; p: [number, number]; group: number }

const CONV_SHAPES: readonly ConvShape[] = [
  { c: 3, hw: [9, 9], oc: 4, k: [3, 3], s: [1, 1], d: [1, 1], p: [1, 1], group: 1 }, // padded 3×3
  { c: 4, hw: [10, 7], oc: 6, k: [3, 3], s: [2, 2], d: [1, 1], p: [1, 0], group: 1 }, // strided, asymmetric
  { c: 2, hw: [11, 11], oc: 5, k: [3, 3], s: [1, 1], d: [2, 2], p: [2, 2], group: 1 }, // dilated, odd oc
  { c: 6, hw: [6, 6], oc: 6, k: [3, 3], s: [1, 1], d: [1, 1], p: [1, 1], group: 2 }, // groups (cpg 3, opg 3)
  { c: 8, hw: [5, 5], oc: 8, k: [1, 1], s: [1, 1], d: [1, 1], p: [0, 0], group: 1 }, // pointwise, K = 8
  { c: 9, hw: [4, 6], oc: 3, k: [1, 1], s: [2, 2], d: [1, 1], p: [0, 0], group: 1 }, // 1×1 stride 2, K = 9
  { c: 1, hw: [12, 12], oc: 8, k: [5, 5], s: [1, 1], d: [1, 1], p: [2, 2], group: 1 }, // one input channel
  { c: 3, hw: [1, 40], oc: 4, k: [1, 5], s: [1, 2], d: [1, 1], p: [0, 2], group: 1 }, // 1-D
  { c: 16, hw: [30, 30], oc: 10, k: [3, 3], s: [1, 1], d: [1, 1], p: [1, 1], group: 1 }, // several position chunks
  { c: 4, hw: [7, 7], oc: 4, k: [3, 3], s: [1, 1], d: [1, 1], p: [1, 1], group: 4 }, // depthwise: keeps its kernel
  { c: 2, hw: [5, 5], oc: 2, k: [2, 2], s: [1, 1], d: [1, 1], p: [0, 0], group: 1 }, // K = 8, opg 2
];

/** outOf, when given, picks the output format from the accumulator's (else a random one, sometimes RND_CONV/SAT). */
function convCase(i: number, cs: ConvShape, outOf?: (acc: FixedFormat) => FixedFormat): { d: Design; layer: Conv2dLayer; inF: FixedFormat } {
  const inF = pick(IN_FORMATS);
  const wF = pick([fixed(16, 2), fixed(8, 1), fixed(17, 3), fixed(16, 6, { q: 'AP_RND_CONV', o: 'AP_SAT' })]);
  const [h, w] = cs.hw;
  const [kh, kw] = cs.k;
  const oh = Math.floor((h + 2 * cs.p[0] - cs.d[0] * (kh - 1) - 1) / cs.s[0]) + 1;
  const ow = Math.floor((w + 2 * cs.p[1] - cs.d[1] * (kw - 1) - 1) / cs.s[1]) + 1;
  const raw = weightRaws(cs.oc * (cs.c / cs.group) * kh * kw, wF, inF);
  const bias = rand() < 0.7 ? constData(`cb${i}`, [cs.oc], fixed(12, 4), randomRaws(fixed(12, 4), cs.oc, rand)) : null;
  const acc = accFor(inF, wF, raw, cs.oc, bias);
  const out = outOf ? outOf(acc) : rand() < 0.3 ? fixed(16, 6, { q: 'AP_RND_CONV', o: 'AP_SAT' }) : outFormat();
  const x = tensor(`cx${i}`, [1, cs.c, h, w], inF);
  const y = tensor(`cy${i}`, [1, cs.oc, oh, ow], out);
  const layer: Conv2dLayer = {
    kind: 'conv2d', name: `conv${i}`, sources: [], inputs: [x.name], output: y.name, c: cs.c, h, w, oc: cs.oc, oh, ow, kh, kw,
    sh: cs.s[0], sw: cs.s[1], pt: cs.p[0], pl: cs.p[1], dh: cs.d[0], dw: cs.d[1], group: cs.group,
    weight: constData(`cw${i}`, [cs.oc, cs.c / cs.group, kh, kw], wF, raw), bias, acc, act: act(out), shift: shiftOf(cs.oc, acc),
  };
  return { d: makeDesign(`conv${i}`, [x, y], [layer]), layer, inF };
}

/** Samples with the input's extreme raws mixed in (they make the largest block sums). */
function samplesOf(d: Design, n: number): number[][][] {
  const s = randomSamples(d, n, rand);
  const f = d.tensors[d.inputs[0]].format;
  const lsb = 2 ** -fracBits(f);
  s[0][0] = s[0][0].map((_, i) => (i % 2 ? minRaw(f) : maxRaw(f)) * lsb);
  if (n > 1) s[1][0] = s[1][0].map(() => minRaw(f) * lsb);
  return s;
}

describe('the WebAssembly kernel module', () => {
  it('stored bytes (mac-module.ts) are exactly what the assembler produces, and they compile', () => {
    expect(Buffer.from(assembleMac()).toString('base64'), 'regenerate sim/wasm/mac-module.ts (see its header)').toBe(MAC_MODULE_BASE64);
    expect(macModule()).not.toBeNull();
  });
});

describe('int16 fast paths equal the double paths bit for bit', () => {
  // Every dense shape, down to 1×1, takes the int16 engine when its preconditions hold; restored after these tests,
  // since test files share their worker's modules (vitest.config.ts isolate: false).
  let minMacs = MIN_DENSE_MACS;
  beforeAll(() => { minMacs = MIN_DENSE_MACS; setMinDenseMacs(1); });
  afterAll(() => setMinDenseMacs(minMacs));
  it('dense: input widths 15/16/17, weights at the int16 edges, block lengths 8..row, every rounding and overflow mode, relu/clip, per-channel shifts', () => {
    let taken = 0;
    let refused = 0;
    for (let i = 0; i < 240; i++) {
      const { d, layer, inF } = denseCase(i);
      const fast = DenseI16.create(layer.weight.raw, layer.nOut, layer.nIn, inF) !== null;
      if (fast) taken++;
      else refused++;
      expectBothWaysEqual(d, 3, `${layer.name} in ${JSON.stringify(inF)} acc ${JSON.stringify(layer.acc)} fast ${fast}`);
    }
    expect(taken).toBeGreaterThan(60);
    expect(refused).toBeGreaterThan(30);
  });

  it('dense over 4 to 9 rows (the rows engine, one matrix product; odd row counts pad its tiles): the same cases', () => {
    let taken = 0;
    for (let i = 0; i < 160; i++) {
      const { d, layer, inF } = denseCase(1000 + i, [4, 5, 7, 9]);
      if (DenseRowsI16.create(layer.weight.raw, layer.nOut, layer.nIn, layer.rows, inF)) taken++;
      expectBothWaysEqual(d, 2, `${layer.name} rows ${layer.rows}`);
    }
    expect(taken).toBeGreaterThan(40);
  });

  it('conv2d: padding, groups, strides, dilations, 1-D, pointwise, chunked positions, widths 15/16/17, every output mode, per-channel shifts', () => {
    let taken = 0;
    let refused = 0;
    for (let rep = 0; rep < 12; rep++) {
      CONV_SHAPES.forEach((cs, j) => {
        const i = rep * CONV_SHAPES.length + j;
        const { d, layer, inF } = convCase(i, cs);
        const fast = ConvI16.create(layer, inF) !== null;
        if (fast) taken++;
        else refused++;
        expectBothWaysEqual(d, 2, `shape ${j} in ${JSON.stringify(inF)} act ${JSON.stringify(layer.act)} fast ${fast}`);
      });
    }
    expect(taken).toBeGreaterThan(40);
    expect(refused).toBeGreaterThan(20);
  });

  it('3×3 depthwise (its own int16 engine): widths 7 to 17 (partial 8-lane groups), row strides and dilations, asymmetric or no padding, a single output row; column strides, inputs past int16 and weights past the int32 bound refuse it', () => {
    const shapes: ConvShape[] = [
      { c: 5, hw: [7, 7], oc: 5, k: [3, 3], s: [1, 1], d: [1, 1], p: [1, 1], group: 5 },
      { c: 3, hw: [8, 16], oc: 3, k: [3, 3], s: [1, 1], d: [1, 1], p: [1, 1], group: 3 },
      { c: 2, hw: [6, 17], oc: 2, k: [3, 3], s: [1, 1], d: [1, 1], p: [0, 0], group: 2 }, // no padding, ow 15
      { c: 4, hw: [9, 9], oc: 4, k: [3, 3], s: [2, 1], d: [1, 1], p: [1, 1], group: 4 }, // row stride 2
      { c: 2, hw: [11, 10], oc: 2, k: [3, 3], s: [1, 1], d: [2, 1], p: [2, 1], group: 2 }, // row dilation 2
      { c: 3, hw: [3, 12], oc: 3, k: [3, 3], s: [1, 1], d: [1, 1], p: [0, 1], group: 3 }, // one output row
      { c: 4, hw: [8, 8], oc: 4, k: [3, 3], s: [2, 2], d: [1, 1], p: [1, 1], group: 4 }, // column stride: refused
    ];
    let taken = 0;
    let refused = 0;
    let byWeights = 0; // refused with a shape and input format the engine takes: Σ|w|·max|x| or a weight too large
    for (let rep = 0; rep < 14; rep++) {
      shapes.forEach((cs, j) => {
        // Every other round the output keeps all of the accumulator's bits (a fused cast that rounds nothing away,
        // so every bias and sum bit shows); else a random output format.
        const keepAll = rep % 2 === 0 ? (acc: FixedFormat) => fixed(acc.width, acc.int, { q: 'AP_RND_CONV', o: 'AP_SAT' }) : undefined;
        const { d, layer, inF } = convCase(5000 + rep * shapes.length + j, cs, keepAll);
        const fast = DepthwiseI16.create(layer, inF) !== null;
        if (fast) taken++;
        else refused++;
        if (!fast && j < shapes.length - 1 && formatFitsInt16(inF)) byWeights++;
        if (j === shapes.length - 1) expect(fast).toBe(false);
        expectBothWaysEqual(d, 3, `depthwise shape ${j} in ${JSON.stringify(inF)} act ${JSON.stringify(layer.act)} fast ${fast}`);
      });
    }
    expect(taken).toBeGreaterThan(30);
    expect(refused).toBeGreaterThan(20);
    expect(byWeights).toBeGreaterThan(0);
  });

  it('block bound: 8191·2^15 per weight makes 8-value blocks (many i32 flushes, totals past 2^31) and 8193 refuses the path', () => {
    const inF = fixed(16, 6, { q: 'AP_RND_CONV', o: 'AP_SAT' });
    const wF = fixed(16, 2);
    for (const [mag, expectFast] of [[8191, true], [8193, false]] as const) {
      const nIn = 200;
      const nOut = 6;
      const raw = Array.from({ length: nIn * nOut }, (_, i) => (i % 3 === 0 ? -mag : mag));
      const acc = accFor(inF, wF, raw, nOut, null);
      const x = tensor('x', [1, nIn], inF);
      const y = tensor('y', [1, nOut], acc);
      const layer: DenseLayer = {
        kind: 'dense', name: 'd', sources: [], inputs: ['x'], output: 'y', rows: 1, nIn, nOut,
        weight: constData('w', [nOut, nIn], wF, raw), bias: null, acc, act: { kind: 'none' },
      };
      expect(DenseI16.create(raw, nOut, nIn, inF) !== null).toBe(expectFast);
      const d = makeDesign('bound', [x, y], [layer]);
      const lsb = 2 ** -fracBits(inF);
      const extreme = [[Array.from({ length: nIn }, (_, i) => (i % 3 === 0 ? minRaw(inF) : maxRaw(inF)) * lsb)], [Array.from({ length: nIn }, () => minRaw(inF) * lsb)]];
      const r = bothWays(d, [...extreme, ...randomSamples(d, 4, rand)]);
      expect(differing(r.fast, r.exact)).toBe(0);
      expect(Math.abs(r.fast[0][0][0]) * 2 ** fracBits(acc)).toBeGreaterThan(2 ** 31); // the sum left the int32 range
    }
  });
});

describe('simulateBatch on worker threads', () => {
  it('equals the sequential batch in sample order, for 2 and 3 threads, sample counts that do not divide evenly, reused worker inputs (shrinking and growing) and inputs already in shared memory', () => {
    const { d: d1, layer: conv } = convCase(9000, CONV_SHAPES[0]);
    const y = d1.tensors[conv.output];
    const z = tensor('z', [1, 7], fixed(16, 6, { q: 'AP_RND_CONV', o: 'AP_SAT' }));
    const n = y.shape.reduce((a, b) => a * b, 1);
    const raw = randomRaws(fixed(8, 1), 7 * n, rand);
    const dense: DenseLayer = {
      kind: 'dense', name: 'fc', sources: [], inputs: [conv.output], output: 'z', rows: 1, nIn: n, nOut: 7,
      weight: constData('fcw', [7, n], fixed(8, 1), raw), bias: null, acc: accFor(y.format, fixed(8, 1), raw, 7, null), act: { kind: 'none' },
    };
    const d = makeDesign('batch', [...Object.values(d1.tensors), z], [conv, dense], ['z']);
    try {
      for (const [samples, shared] of [[37, false], [2, false], [1, false], [41, false], [23, true]] as const) {
        const per = d.tensors[d.inputs[0]].shape.reduce((a, b) => a * b, 1);
        const all = new Float64Array(shared ? new SharedArrayBuffer(8 * samples * per) : new ArrayBuffer(8 * samples * per));
        randomSamples(d, samples, rand).forEach((s, k) => all.set(s[0], k * per));
        const seq = simulateBatch(d, [all], samples, { threads: 1 });
        expect(batchWorkerCount(), 'a sequential batch after parallel ones reports no workers').toBe(0);
        for (const threads of [2, 3]) {
          const par = simulateBatch(d, [all], samples, { threads });
          expect(differing([par], [seq]), `${samples} samples on ${threads} threads`).toBe(0);
          if (samples >= threads) expect(batchWorkerCount()).toBe(threads - 1); // the workers really ran
          // Written into the caller's arrays when it gives them.
          const into = seq.map((o) => new Float64Array(o.length));
          const got = simulateBatch(d, [all], samples, { threads, into });
          expect(got[0]).toBe(into[0]);
          expect(differing([into], [seq]), `${samples} samples on ${threads} threads, into`).toBe(0);
        }
        expect(() => simulateBatch(d, [all], samples, { threads: 1, into: [new Float64Array(seq[0].length + 1)] })).toThrow(/'into' must hold/);
        // Each sample alone gives the same bits as its place in the batch.
        const one = simulateSample(d, [Array.from(all.subarray(0, per))]).outputs[0];
        expect(differing([[one]], [[seq[0].subarray(0, 7)]])).toBe(0);
      }
    } finally {
      stopBatchWorkers();
    }
  });
});
