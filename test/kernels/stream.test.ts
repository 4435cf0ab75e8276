/**
 * Weights from DDR (issue 14 part 4; src/plan/stream.ts, hw/fpgac/stream.h, conv.h / dense.h `*_stream`): every
 * conv2d and dense variant planned to stream its weights — engines, pixel lanes, depthwise and grouped, packed
 * products, per-channel shifts, no bias, low-bit and 16-bit weights, dense layers with input lanes, output lanes and
 * several rows — compiled by g++ with the testbench reading the weight image the build writes, equals the simulator
 * bit for bit (fpgac's host headers, and the official ones when XILINX_AP_INCLUDE is set), on a 128-bit word
 * (ZCU104) and a 64-bit word (PYNQ-Z2). The image itself is checked against its documented layout by decoding it
 * here, independently of the writer.
 */
import { describe, it, expect } from 'vitest';
import type { Conv2dLayer, DenseLayer, Design, DTensor } from '../../src/ir/design.js';
import { fixed, parseFormat, type FixedFormat } from '../../sim/fixed.js';
import { constData, csimSamples, exactAccFor, expectSameOutputs, itMatchesGxx, makeDesign, randomRaws, randomSamples, rng, simulateSamples } from '../support/harness.js';
import { evaluatePlan } from '../../src/plan/plan.js';
import { resolveBoard, type Board } from '../../src/plan/boards.js';
import { emitPlanOf } from '../../src/emit/block.js';
import { weightImage } from '../../src/emit/weight-image.js';
import type { Parallel } from '../../src/plan/estimate.js';

const rand = rng(4242);
const OUT = parseFormat('ap_fixed<16,6,AP_RND_CONV,AP_SAT>');

function conv(name: string, input: DTensor, s: { oc: number; k: number; group?: number; stride?: number; pad?: number; w: FixedFormat; bias?: boolean; shift?: number[] }): { layer: Conv2dLayer; y: DTensor } {
  const [, c, h, w] = input.shape;
  const { group = 1, stride = 1, pad = 0 } = s;
  const kh = h === 1 ? 1 : s.k;
  const oh = Math.floor((h + 2 * (h === 1 ? 0 : pad) - kh) / stride) + 1;
  const ow = Math.floor((w + 2 * pad - s.k) / stride) + 1;
  const n = s.oc * (c / group) * kh * s.k;
  const bf = fixed(12, 4);
  const acc = exactAccFor(input.format, s.w, s.bias === false ? null : bf, (c / group) * kh * s.k);
  const y: DTensor = { name: `${name}_y`, onnxName: `${name}_y`, shape: [1, s.oc, oh, ow], format: OUT };
  const layer: Conv2dLayer = {
    kind: 'conv2d', name, sources: [name], inputs: [input.name], output: y.name, c, h, w, oc: s.oc, oh, ow, kh, kw: s.k,
    sh: h === 1 ? 1 : stride, sw: stride, pt: h === 1 ? 0 : pad, pl: pad, dh: 1, dw: 1, group,
    weight: constData(`${name}_w`, [s.oc, c / group, kh, s.k], s.w, randomRaws(s.w, n, rand)),
    bias: s.bias === false ? null : constData(`${name}_b`, [s.oc], bf, randomRaws(bf, s.oc, rand)), acc, act: { kind: 'relu' },
    ...(s.shift ? { shift: { k: constData(`${name}_sh`, [s.oc], fixed(6, 6, { signed: false }), s.shift), accs: fixed(acc.width + Math.max(...s.shift), acc.int) } } : {}),
  };
  return { layer, y };
}

function dense(name: string, input: DTensor, nOut: number, wf: FixedFormat, shift?: number[]): { layer: DenseLayer; y: DTensor } {
  const [rows, nIn] = input.shape;
  const bf = fixed(12, 4);
  const acc = exactAccFor(input.format, wf, bf, nIn);
  const y: DTensor = { name: `${name}_y`, onnxName: `${name}_y`, shape: [rows, nOut], format: OUT };
  const layer: DenseLayer = {
    kind: 'dense', name, sources: [name], inputs: [input.name], output: y.name, rows, nIn, nOut,
    weight: constData(`${name}_w`, [nOut, nIn], wf, randomRaws(wf, nOut * nIn, rand)), bias: constData(`${name}_b`, [nOut], bf, randomRaws(bf, nOut, rand)),
    acc, act: { kind: 'none' },
    ...(shift ? { shift: { k: constData(`${name}_sh`, [nOut], fixed(6, 6, { signed: false }), shift), accs: fixed(acc.width + Math.max(...shift), acc.int) } } : {}),
  };
  return { layer, y };
}

const X8 = parseFormat('ap_fixed<8,3,AP_RND_CONV,AP_SAT>');
const x: DTensor = { name: 'x', onnxName: 'x', shape: [1, 4, 6, 8], format: parseFormat('ap_fixed<16,6,AP_RND_CONV,AP_SAT>') };
const x8: DTensor = { name: 'x8', onnxName: 'x8', shape: [1, 6, 6, 5], format: X8 };
const x1: DTensor = { name: 'x1', onnxName: 'x1', shape: [1, 3, 1, 12], format: parseFormat('ap_fixed<10,3>') };
const xd: DTensor = { name: 'xd', onnxName: 'xd', shape: [3, 20], format: parseFormat('ap_fixed<12,4>') };
const W16 = parseFormat('ap_fixed<16,1>');
const W8 = parseFormat('ap_fixed<8,1>');
const W3 = parseFormat('ap_fixed<3,1>'); // 42 fields a 128-bit word, 21 a 64-bit one: fields never split a word

/** Each variant with the parallel factors it streams at. */
const variants: { l: { layer: Conv2dLayer | DenseLayer; y: DTensor }; par: Parallel }[] = [
  { l: conv('plain', x, { oc: 6, k: 3, pad: 1, w: W16 }), par: { pfIn: 1, pfOut: 3, pfPx: 2 } },
  { l: conv('engines_nb', x, { oc: 8, k: 3, stride: 2, pad: 1, w: W8, bias: false }), par: { pfIn: 1, pfOut: 4 } },
  { l: conv('dw', x, { oc: 4, k: 3, pad: 1, group: 4, w: W8, shift: [2, 0, 5, 1] }), par: { pfIn: 1, pfOut: 2, pfPx: 3 } },
  { l: conv('grouped', x, { oc: 6, k: 2, group: 2, w: W3 }), par: { pfIn: 1, pfOut: 1 } },
  { l: conv('packed', x8, { oc: 6, k: 3, pad: 1, w: W8 }), par: { pfIn: 1, pfOut: 6, pfPx: 2 } },
  { l: conv('pw_shift', x8, { oc: 5, k: 1, w: W16, shift: [0, 3, 1, 6, 2] }), par: { pfIn: 1, pfOut: 5 } },
  { l: conv('conv1d', x1, { oc: 4, k: 3, pad: 1, stride: 2, w: W8 }), par: { pfIn: 1, pfOut: 2, pfPx: 2 } },
  { l: dense('fc_in', xd, 7, W16), par: { pfIn: 4, pfOut: 1 } },
  { l: dense('fc_out', xd, 8, W8, [1, 0, 2, 3, 0, 4, 1, 2]), par: { pfIn: 20, pfOut: 4 } },
  { l: dense('fc_serial', xd, 5, W3), par: { pfIn: 1, pfOut: 1 } },
];
const design: Design = makeDesign('stream_test', [x, x8, x1, xd, ...variants.map((v) => v.l.y)], variants.map((v) => v.l.layer), variants.map((v) => v.l.y.name));
const factors = new Map(variants.map((v) => [v.l.layer.name, v.par]));
const streamedAll = new Set(variants.map((v) => v.l.layer.name));
const samples = randomSamples(design, 4, rng(5));
let simCache: Float64Array[][] | undefined;
const sim = (): Float64Array[][] => (simCache ??= simulateSamples(design, samples));

function plannedOn(board: Board) {
  return evaluatePlan(design, board, factors, board.clockMHz, 'sequential', { streamed: streamedAll });
}

for (const boardName of ['zcu104', 'pynq-z2']) {
  describe(`weights from DDR, every conv and dense variant streamed (${boardName})`, () => {
    const board = resolveBoard(boardName);
    it(`every layer streams at its factors, words of the board's HP-port width (${board.dmaBits} bits)`, () => {
      const planned = plannedOn(board);
      for (const v of variants) {
        const p = planned.parallel.get(v.l.layer.name)!;
        expect(p.stream, v.l.layer.name).toBeDefined();
        expect(p.stream!.wordBits).toBe(board.dmaBits);
        expect([p.pfIn, p.pfOut, p.pfPx ?? 1]).toEqual([v.par.pfIn, v.par.pfOut, v.par.pfPx ?? 1]);
        expect(planned.plan.layers.find((r) => r.name === v.l.layer.name)!.weights!.storage).toBe('streamed');
      }
      // No weight header is written for a streamed weight: the project reads it from the image.
      expect(planned.plan.memories.some((m) => variants.some((v) => m.name === v.l.layer.weight.name))).toBe(false);
    });
    itMatchesGxx(async (inc) => expectSameOutputs(design, await csimSamples(design, samples, { apTypesInclude: inc, plan: emitPlanOf(plannedOn(board), 'vitis') }), sim()));
  });
}

describe('the weight image follows its documented layout', () => {
  it('decoding every field as hw/fpgac/stream.h documents it gives back each layer\'s weights exactly (ZCU104 and PYNQ-Z2)', () => {
    for (const board of [resolveBoard('zcu104'), resolveBoard('pynq-z2')]) {
      const planned = plannedOn(board);
      const image = weightImage(design, (n) => planned.parallel.get(n) ?? { pfIn: 1, pfOut: 1 })!;
      const W = board.dmaBits!;
      expect(image.wordBits).toBe(W);
      expect(image.bytes.length).toBe((image.words * W) / 8);
      // A bit of the image: word j's bit b is bit b % 8 of byte j·W/8 + b/8 (little-endian words).
      const bit = (j: number, b: number) => (image.bytes[(j * W) / 8 + Math.floor(b / 8)] >> (b % 8)) & 1;
      let word = 0; // layers follow one another in design order, each from the word after the previous one's last
      for (const v of variants) {
        const l = v.l.layer;
        const wf = l.weight.format;
        const per = Math.floor(W / wf.width);
        // A tile is what one step of the kernel's outer loop uses: a conv's channel group of pf_out engines (element
        // e = engine e mod pf_out, fan-in position e div pf_out), a dense layer's block of pf_out rows in order.
        const isConv = l.kind === 'conv2d';
        const fanIn = isConv ? (l.c / l.group) * l.kh * l.kw : l.nIn;
        const outs = isConv ? l.oc : l.nOut;
        const tiles = outs / v.par.pfOut;
        const tileElems = v.par.pfOut * fanIn;
        const tileWords = Math.ceil(tileElems / per);
        const got = new Array<number>(l.weight.raw.length).fill(NaN);
        for (let t = 0; t < tiles; t++) {
          for (let e = 0; e < tileElems; e++) {
            const j = word + t * tileWords + Math.floor(e / per);
            let raw = 0;
            for (let b = 0; b < wf.width; b++) raw += bit(j, (e % per) * wf.width + b) * 2 ** b;
            if (wf.signed && raw >= 2 ** (wf.width - 1)) raw -= 2 ** wf.width;
            const out = isConv ? (e % v.par.pfOut) * tiles + t : t * v.par.pfOut + Math.floor(e / fanIn);
            const k = isConv ? Math.floor(e / v.par.pfOut) : e % fanIn;
            got[out * fanIn + k] = raw;
          }
          // Spare fields of a tile's last word are zero.
          for (let b = (tileElems % per || per) * wf.width; b < W; b++) expect(bit(word + t * tileWords + tileWords - 1, b)).toBe(0);
        }
        expect(got, `${l.name} on ${board.board}`).toEqual(l.weight.raw);
        expect(planned.parallel.get(l.name)!.stream!.offset, `${l.name}: first word`).toBe(word);
        word += tiles * tileWords;
      }
      expect(image.words).toBe(word);
    }
  });
});
