// Sparse weights (src/plan/sparse.ts, fpgac::dense_sparse and fpgac::conv2d_sparse): pruned dense and conv layers at
// several parallel factors, compiled with g++, must give the simulator's bits (the simulator computes the plain
// dense sum, so this also proves the encodings hold exactly the layer's weights). The encodings are also decoded
// here, independently of the kernels, back into the dense weight arrays.
import { describe, it, expect } from 'vitest';
import { fixed, parseFormat, type FixedFormat } from '../../sim/fixed.js';
import type { Activation, ConstData, Conv2dLayer, DenseLayer, DTensor, Layer } from '../../src/ir/design.js';
import { sparseConv, sparseDense, sparsePointwise, denseAccExact } from '../../src/plan/sparse.js';
import { estimateLayer } from '../../src/kinds/index.js';
import type { EmitPlan } from '../../src/emit/block.js';
import type { Parallelism } from '../../src/emit/render.js';
import { constData, csimSamples, exactAccFor, expectSameOutputs, itMatchesGxx, makeDesign, randomRaws, randomSamples, rng, simulateSamples } from '../support/harness.js';

const DEF = parseFormat('ap_fixed<16,6,AP_RND_CONV,AP_SAT>');
const W8 = parseFormat('ap_fixed<8,1>');
const B12 = parseFormat('ap_fixed<12,4>');
const rand = rng(4242);

/** Random raws with about `zeros` of them zero (unstructured pruning); `zeroRows` whole rows of `row` zeroed. */
function pruned(f: FixedFormat, n: number, zeros: number, row = n, zeroRows: number[] = []): number[] {
  return randomRaws(f, n, rand).map((r, i) => (rand() < zeros || zeroRows.includes(Math.floor(i / row)) ? 0 : r));
}

const tensor = (name: string, shape: number[], format: FixedFormat): DTensor => ({ name, onnxName: name, shape, format });
const x = tensor('x', [1, 2, 24], DEF);
const img = tensor('img', [1, 4, 7, 8], DEF);
const wide = tensor('wide', [1, 16, 4, 5], DEF); // 1x1 convs: enough channels for gathering to pay
const outs: DTensor[] = [];
const parallel = new Map<string, Parallelism>();

function dense(name: string, nOut: number, pfIn: number, zeros: number, o: { bias?: boolean; act?: Activation; shift?: number[]; zeroRows?: number[]; out?: FixedFormat } = {}): DenseLayer {
  const weight = constData(`${name}_w`, [nOut, 24], W8, pruned(W8, nOut * 24, zeros, 24, o.zeroRows));
  const bias = o.bias === false ? null : constData(`${name}_b`, [nOut], B12, randomRaws(B12, nOut, rand));
  const acc = exactAccFor(DEF, W8, bias ? B12 : null, 24);
  const out = tensor(`${name}_y`, [1, 2, nOut], o.out ?? DEF);
  outs.push(out);
  const shift = o.shift ? { k: constData(`${name}_sh`, [nOut], fixed(6, 6, { signed: false }), o.shift), accs: fixed(acc.width + Math.max(...o.shift), acc.int) } : undefined;
  const layer: DenseLayer = { kind: 'dense', name, sources: [name], inputs: ['x'], output: out.name, rows: 2, nIn: 24, nOut, weight, bias, acc, act: o.act ?? { kind: 'none' }, ...(shift ? { shift } : {}) };
  parallel.set(name, { pfIn, pfOut: 1, sparse: sparseDense(layer, pfIn) });
  return layer;
}

interface ConvOpts { px?: number; kh: number; kw: number; pad?: number; stride?: number; group?: number; bias?: boolean; act?: Activation; shift?: number[]; zeroRows?: number[]; gather?: boolean; input?: DTensor }
function conv(name: string, oc: number, pfOut: number, zeros: number, o: ConvOpts): Conv2dLayer {
  const input = o.input ?? img;
  const [, c, h, w] = input.shape;
  const { kh, kw, pad = 0, stride = 1, group = 1 } = o;
  const oh = Math.floor((h + 2 * pad - kh) / stride) + 1;
  const ow = Math.floor((w + 2 * pad - kw) / stride) + 1;
  const fanIn = (c / group) * kh * kw;
  const weight = constData(`${name}_w`, [oc, c / group, kh, kw], W8, pruned(W8, oc * fanIn, zeros, fanIn, o.zeroRows));
  const bias = o.bias === false ? null : constData(`${name}_b`, [oc], B12, randomRaws(B12, oc, rand));
  const acc = exactAccFor(DEF, W8, bias ? B12 : null, fanIn);
  const out = tensor(`${name}_y`, [1, oc, oh, ow], DEF);
  outs.push(out);
  const shift = o.shift ? { k: constData(`${name}_sh`, [oc], fixed(6, 6, { signed: false }), o.shift), accs: fixed(acc.width + Math.max(...o.shift), acc.int) } : undefined;
  const layer: Conv2dLayer = {
    kind: 'conv2d', name, sources: [name], inputs: [input.name], output: out.name, c, h, w, oc, oh, ow, kh, kw,
    sh: stride, sw: stride, pt: pad, pl: pad, dh: 1, dw: 1, group, weight, bias, acc, act: o.act ?? { kind: 'none' }, ...(shift ? { shift } : {}),
  };
  parallel.set(name, { pfIn: 1, pfOut, ...(o.px ? { pfPx: o.px } : {}), sparse: o.gather ? sparsePointwise(layer, pfOut) : sparseConv(layer, pfOut) });
  return layer;
}

const layers: Layer[] = [
  dense('sd_relu', 7, 4, 0.7, { act: { kind: 'relu' } }),
  // An all-zero output (bias only), no bias at all, an 8-bit wrapping output, three lanes.
  dense('sd_nobias', 5, 3, 0.6, { bias: false, zeroRows: [2], out: parseFormat('ap_fixed<8,3,AP_TRN,AP_WRAP>') }),
  dense('sd_shift', 6, 2, 0.8, { shift: [0, 3, 1, 5, 2, 0], act: { kind: 'clip', lo: -300, hi: 900 }, zeroRows: [4] }),
  dense('sd_one', 4, 1, 0.5, {}),
  // 3x3 same conv, 3 engines of 6 channels; a 1x1 strided conv on one engine with shifts; depthwise on 4 engines
  // with one all-zero channel; two groups; and a layer whose weights are all zero (no steps at all).
  conv('sc_plain', 6, 3, 0.6, { kh: 3, kw: 3, pad: 1 }),
  conv('sc_point', 5, 1, 0.7, { kh: 1, kw: 1, stride: 2, act: { kind: 'relu' }, shift: [1, 0, 4, 2, 3] }),
  conv('sc_dw', 4, 4, 0.5, { kh: 3, kw: 3, pad: 1, group: 4, zeroRows: [1] }),
  conv('sc_grouped', 6, 1, 0.7, { kh: 3, kw: 2, group: 2, act: { kind: 'relu' } }),
  conv('sc_zero', 2, 2, 1, { kh: 2, kw: 2 }),
  // 1x1 convs with the pixel's channels gathered: every channel its own engine; two groups of three engines with a
  // zero channel, padding 1 (border pixels read no input) and shifts; one engine.
  conv('pw_all', 6, 6, 0.6, { kh: 1, kw: 1, gather: true, act: { kind: 'relu' }, input: wide }),
  conv('pw_pad', 6, 3, 0.5, { kh: 1, kw: 1, pad: 1, gather: true, zeroRows: [4], shift: [2, 0, 1, 3, 0, 5], input: wide }),
  conv('pw_one', 3, 1, 0.7, { kh: 1, kw: 1, stride: 2, bias: false, gather: true, input: wide }),
  // Pixel lanes (pf_px): 7 output rows on 7 lanes x 2 engines; 4 rows of a stride-2 conv on 2 lanes; a gathered 1x1
  // conv with 4 lanes over its rows (each lane loads its own pixel's channels).
  conv('px_plain', 6, 2, 0.6, { kh: 3, kw: 3, pad: 1, px: 7 }),
  conv('px_stride', 4, 4, 0.5, { kh: 3, kw: 3, pad: 1, stride: 2, px: 2, group: 4 }),
  conv('px_gather', 6, 3, 0.6, { kh: 1, kw: 1, gather: true, input: wide, px: 4 }),
];

const design = makeDesign('sparse_test', [x, img, wide, ...outs], layers, outs.map((t) => t.name));
const plan: EmitPlan = { tool: 'vitis', schedule: 'sequential', parallel, groups: new Map(), kinds: new Map() };
const samples = randomSamples(design, 8, rng(31));
const sim = simulateSamples(design, samples);

/** Decodes a dense encoding back to [n_out][n_in] raws, checking every read stays in its lane's bank. */
function decodeDense(l: DenseLayer, pf: number): number[] {
  const s = sparseDense(l, pf);
  const w = new Array(l.nIn * l.nOut).fill(0);
  let o = 0;
  for (let st = 0; st < s.steps; st++) {
    for (let v = 0; v < pf; v++) {
      const i = s.index.raw[st * pf + v] * pf + v;
      expect(i).toBeLessThan(l.nIn);
      const val = s.values.raw[st * pf + v];
      if (val !== 0) {
        expect(w[o * l.nIn + i], `weight (${o}, ${i}) stored twice`).toBe(0);
        w[o * l.nIn + i] = val;
      }
    }
    if (s.control.raw[st] === 1) o++;
  }
  expect(o).toBe(l.nOut);
  return w;
}

function decodePointwise(l: Conv2dLayer, pf: number): number[] {
  const s = sparsePointwise(l, pf);
  const opb = l.oc / pf;
  const width = s.values.shape[1];
  const w = new Array(l.oc * l.c).fill(0);
  for (let u = 0; u < pf; u++) {
    let base = 0;
    for (let o1 = 0; o1 < opb; o1++) {
      for (let k = 0; k < s.control.raw[o1]; k++) {
        const val = s.values.raw[u * width + base + k];
        const ic = s.index.raw[u * width + base + k];
        expect(ic).toBeLessThan(l.c);
        if (val !== 0) w[(u * opb + o1) * l.c + ic] = val;
      }
      base += s.control.raw[o1];
    }
  }
  return w;
}

function decodeConv(l: Conv2dLayer, pf: number): number[] {
  const s = sparseConv(l, pf);
  const fanIn = (l.c / l.group) * l.kh * l.kw;
  const opb = l.oc / pf;
  const taps = s.values.shape[1];
  const w = new Array(l.oc * fanIn).fill(0);
  let base = 0;
  for (let o1 = 0; o1 < opb; o1++) {
    for (let k = 0; k < s.control.raw[o1]; k++) {
      const code = s.index.raw[base + k];
      const kx = code % 2 ** s.kxBits!;
      const ky = Math.floor(code / 2 ** s.kxBits!) % 2 ** s.kyBits!;
      const ic = Math.floor(code / 2 ** (s.kxBits! + s.kyBits!));
      const t = (ic * l.kh + ky) * l.kw + kx;
      for (let u = 0; u < pf; u++) w[(u * opb + o1) * fanIn + t] = s.values.raw[u * taps + base + k];
    }
    base += s.control.raw[o1];
  }
  expect(base).toBe(s.steps);
  return w;
}

/** Steps of a dense layer's sparse loop, from its weights: each output takes its fullest lane's non-zeros (≥ 1). */
function denseSteps(l: DenseLayer, pf: number): number {
  let steps = 0;
  for (let o = 0; o < l.nOut; o++) {
    const row = l.weight.raw.slice(o * l.nIn, (o + 1) * l.nIn);
    steps += Math.max(1, ...Array.from({ length: pf }, (_, v) => row.filter((r, i) => r !== 0 && i % pf === v).length));
  }
  return steps;
}

describe('sparse weights', () => {
  it('the encodings decode to exactly the layer weights, and store no zero a lane does not need', () => {
    for (const l of layers) {
      const p = parallel.get(l.name)!;
      if (l.kind === 'dense') {
        expect(decodeDense(l, p.pfIn)).toEqual(l.weight.raw);
        const s = sparseDense(l, p.pfIn);
        expect(s.nonzeros).toBe(l.weight.raw.filter((r) => r !== 0).length);
        expect(s.steps).toBe(denseSteps(l, p.pfIn));
      } else if (l.kind === 'conv2d') {
        expect(p.sparse!.gather ? decodePointwise(l, p.pfOut) : decodeConv(l, p.pfOut)).toEqual(l.weight.raw);
      }
    }
    // All-zero weights: one zero step per group, in which the kernel writes the biases.
    expect(sparseConv(layers.find((l) => l.name === 'sc_zero') as Conv2dLayer, 2).steps).toBe(1);
  });

  it('the estimate picks sparse for pruned layers (fewer cycles, fewer values) and says why dense otherwise', () => {
    const d = layers.find((l) => l.name === 'sd_relu') as DenseLayer;
    expect(denseAccExact(d, DEF)).toBe(true);
    const e = estimateLayer(design, d, { pfIn: 4, pfOut: 1 });
    expect(e.weights?.storage).toBe('sparse');
    expect(e.latency).toBe(2 * (denseSteps(d, 4) + 5)); // two rows, pipeline depth 5
    expect(e.latency).toBeLessThan(2 * 7 * (24 / 4) + 5); // dense: one flat loop of n_out x n_in / pf_in trips per row
    // The same layer without zeros stays dense; a narrow accumulator keeps the serial order.
    const full = { ...d, weight: { ...d.weight, name: 'full_w', raw: d.weight.raw.map((r) => r || 1) } as ConstData };
    expect(estimateLayer(design, full, { pfIn: 4, pfOut: 1 }).weights).toMatchObject({ storage: 'dense', why: 'no zero weights' });
    const narrow = { ...d, acc: fixed(14, 6) };
    expect(estimateLayer(design, narrow, { pfIn: 4, pfOut: 1 }).weights?.storage).toBe('dense');
    // A pruned 1x1 conv on one engine per channel: the union of taps saves nothing, gathering does.
    const pw = layers.find((l) => l.name === 'pw_all') as Conv2dLayer;
    const pe = estimateLayer(design, pw, { pfIn: 1, pfOut: 6 });
    expect(pe.weights?.storage).toBe('sparse');
    expect(pe.sparse?.gather).toBe(true);
    expect(pe.sparse?.steps).toBe(Math.max(...Array.from({ length: 6 }, (_, o) => pw.weight.raw.slice(o * 16, o * 16 + 16).filter((r) => r !== 0).length)));
    // Fully parallel: constant-folded.
    expect(estimateLayer(design, d, { pfIn: 24, pfOut: 7 }).weights?.storage).toBe('constant-folded');
  });

  itMatchesGxx(async (inc) => expectSameOutputs(design, await csimSamples(design, samples, { apTypesInclude: inc, plan }), sim));
});
