/**
 * Row bands (issue 14 part 4, feature maps that do not fit; src/plan/bands.ts, hw/fpgac/conv.h conv2d_rows and
 * zero_rows): a conv whose map one conv reads is computed band by band into a small buffer the reader consumes at
 * once. The reader's output, and every other output, must be the simulator's bits.
 * - Kernels: six producer → reader pairs in one design — 3×3 stride 1 and stride 2 readers with top/bottom padding,
 *   a dilated reader, a depthwise reader with engines, a 1×1 reader over a producer with engines and a per-channel
 *   shift, readers and producers with and without bias, a reader with thresholds into a 2-bit cast — each banded as
 *   the plan bands it, g++ = simulator with both header sets.
 * - Geometry, from the definitions rather than the code: a band of R reader rows needs the producer rows its windows
 *   span (walked here window by window); the chosen R recomputes at most 15% of the producer's rows and is the
 *   smallest that does.
 * - Liveness: the producer runs inside the reader's loop, so its input must not share an array with the reader's
 *   output (a plan that let them share would overwrite the input while bands still read it).
 */
import { describe, it, expect } from 'vitest';
import type { Conv2dLayer, Design, DTensor, UnaryLayer } from '../../src/ir/design.js';
import { fixed, parseFormat, type FixedFormat } from '../../sim/fixed.js';
import { constData, csimSamples, exactAccFor, expectSameOutputs, itMatchesGxx, makeDesign, randomRaws, randomSamples, rng, simulateSamples } from '../support/harness.js';
import { evaluatePlan } from '../../src/plan/plan.js';
import { resolveBoard } from '../../src/plan/boards.js';
import { emitPlanOf } from '../../src/emit/block.js';
import { bandCandidates, MAX_OVERHEAD } from '../../src/plan/bands.js';
import { thresholdPairs } from '../../src/plan/thresholds.js';
import type { Parallel } from '../../src/plan/estimate.js';

const rand = rng(777);
const OUT = parseFormat('ap_fixed<16,6,AP_RND_CONV,AP_SAT>');
const W8 = parseFormat('ap_fixed<8,1>');

interface Spec { oc: number; k: number; stride?: number; pad?: number; dil?: number; group?: number; bias?: boolean; shift?: boolean }

function conv(name: string, input: DTensor, s: Spec): { layer: Conv2dLayer; y: DTensor } {
  const [, c, h, w] = input.shape;
  const { stride = 1, pad = 0, dil = 1, group = 1 } = s;
  const oh = Math.floor((h + 2 * pad - dil * (s.k - 1) - 1) / stride) + 1;
  const ow = Math.floor((w + 2 * pad - dil * (s.k - 1) - 1) / stride) + 1;
  const fan = (c / group) * s.k * s.k;
  const bf: FixedFormat = fixed(12, 4);
  const acc = exactAccFor(input.format, W8, s.bias === false ? null : bf, fan);
  const shifts = s.shift ? Array.from({ length: s.oc }, (_, i) => i % 4) : undefined;
  const y: DTensor = { name: `${name}_y`, onnxName: `${name}_y`, shape: [1, s.oc, oh, ow], format: OUT };
  const layer: Conv2dLayer = {
    kind: 'conv2d', name, sources: [name], inputs: [input.name], output: y.name, c, h, w, oc: s.oc, oh, ow, kh: s.k, kw: s.k,
    sh: stride, sw: stride, pt: pad, pl: pad, dh: dil, dw: dil, group,
    weight: constData(`${name}_w`, [s.oc, c / group, s.k, s.k], W8, randomRaws(W8, s.oc * fan, rand).map((r) => r || 1)),
    bias: s.bias === false ? null : constData(`${name}_b`, [s.oc], bf, randomRaws(bf, s.oc, rand)), acc, act: { kind: 'relu' },
    ...(shifts ? { shift: { k: constData(`${name}_sh`, [s.oc], fixed(6, 6, { signed: false }), shifts), accs: fixed(acc.width + 3, acc.int) } } : {}),
  };
  return { layer, y };
}

const X = parseFormat('ap_fixed<12,4,AP_RND_CONV,AP_SAT>');
const tensors: DTensor[] = [];
const layers: (Conv2dLayer | UnaryLayer)[] = [];
const outputs: string[] = [];
/**
 * A producer → reader pair; the reader's output is a design output. With `pre`, a 1×1 conv first makes the
 * producer's input an internal buffer, which a wrong liveness rule would let the reader's output overwrite.
 */
function pair(name: string, x: { c: number; h: number; w: number }, p: Spec, r: Spec, pre = false): void {
  const input: DTensor = { name: `${name}_x`, onnxName: `${name}_x`, shape: [1, x.c, x.h, x.w], format: X };
  const first = pre ? conv(`${name}_pre`, input, { oc: x.c, k: 1 }) : undefined;
  const a = conv(`${name}_p`, first ? first.y : input, p);
  const b = conv(`${name}_r`, a.y, r);
  // With `pre`, a 1x1 conv after the reader too, so that the reader's output is an internal buffer as well.
  const last = pre ? conv(`${name}_post`, b.y, { oc: 2, k: 1 }) : undefined;
  tensors.push(input, ...(first ? [first.y] : []), a.y, b.y, ...(last ? [last.y] : []));
  layers.push(...(first ? [first.layer] : []), a.layer, b.layer, ...(last ? [last.layer] : []));
  outputs.push((last ?? b).y.name);
}
// s1's reader output (5 x 32 x 6) has the shape and format of its producer's input (pre: 5 x 32 x 6), so a plan that
// ended the input's life at the producer would hand its array to the reader's output.
pair('s1', { c: 5, h: 32, w: 6 }, { oc: 4, k: 3, pad: 1 }, { oc: 5, k: 3, pad: 1 }, true);
pair('s2', { c: 2, h: 24, w: 7 }, { oc: 6, k: 1, shift: true }, { oc: 6, k: 3, stride: 2, pad: 1, group: 6, bias: false });
pair('dil', { c: 2, h: 64, w: 5 }, { oc: 3, k: 3, pad: 1, bias: false }, { oc: 4, k: 3, pad: 2, dil: 2 });
pair('pw', { c: 4, h: 32, w: 4 }, { oc: 8, k: 3, pad: 1, shift: true }, { oc: 3, k: 1 });
pair('dwe', { c: 4, h: 32, w: 5 }, { oc: 8, k: 1 }, { oc: 8, k: 3, pad: 1, group: 8 });
// A reader whose output only a 2-bit cast reads: thresholds after its accumulator (src/plan/thresholds.ts) inside the
// band loop, writing the cast's array.
pair('thr', { c: 2, h: 32, w: 4 }, { oc: 3, k: 1 }, { oc: 2, k: 3, pad: 1 });
{
  const r = layers[layers.length - 1];
  const q: DTensor = { name: 'thr_q', onnxName: 'thr_q', shape: [1, 2, 32, 4], format: parseFormat('ap_ufixed<2,1,AP_RND_CONV,AP_SAT>') };
  tensors.push(q);
  layers.push({ kind: 'unary', name: 'thr_cast', sources: ['thr_cast'], inputs: [r.output], output: q.name, n: 2 * 32 * 4, act: { kind: 'none' } });
  outputs[outputs.length - 1] = q.name;
}
const design: Design = makeDesign('bands_test', tensors, layers, outputs);
const thresholds = thresholdPairs(design);
// Every conv read by one conv is a candidate (s1_pre → s1_p too); a layer is in one pair at most: the readers '_r'.
const candidates = bandCandidates(design);
const pairs = candidates.filter((p) => p.reader.name.endsWith('_r'));
// Engines on some producers and readers (pixel lanes never: the band kernel has none).
const factors = new Map<string, Parallel>([['s2_p', { pfIn: 1, pfOut: 3 }], ['s2_r', { pfIn: 1, pfOut: 2 }], ['pw_p', { pfIn: 1, pfOut: 4 }], ['dwe_r', { pfIn: 1, pfOut: 4 }], ['dwe_p', { pfIn: 1, pfOut: 2 }]]);
const planned = () => evaluatePlan(design, resolveBoard('zcu104'), factors, 200, 'sequential', { banded: pairs, thresholds });
const samples = randomSamples(design, 3, rng(31));

describe('row bands', () => {
  it('every pair is a candidate, banded with the smallest band that recomputes at most 15% of the producer\'s rows', () => {
    expect(candidates.map((p) => p.reader.name).sort()).toEqual(['dil_r', 'dwe_r', 'pw_r', 's1_p', 's1_post', 's1_r', 's2_r', 'thr_r']);
    expect(thresholds.map((t) => t.mac.name)).toEqual(['thr_r']);
    for (const p of candidates) {
      const r = p.reader;
      // The producer rows a band of output rows reads, found by walking its windows (not by the plan's formula).
      const need = (rows: number) => {
        const read: number[] = [];
        for (let oy = 0; oy < rows; oy++) for (let ky = 0; ky < r.kh; ky++) read.push(oy * r.sh + ky * r.dh);
        return Math.max(...read) - Math.min(...read) + 1;
      };
      const overhead = (rows: number) => ((r.oh / rows) * need(rows)) / p.producer.oh - 1;
      expect(p.bandRows).toBe(need(p.rows));
      expect(r.oh % p.rows).toBe(0);
      expect(p.bands).toBe(r.oh / p.rows);
      expect(overhead(p.rows)).toBeLessThanOrEqual(MAX_OVERHEAD);
      for (let smaller = 1; smaller < p.rows; smaller++) if (r.oh % smaller === 0) expect(overhead(smaller), `${r.name}: ${smaller} rows`).toBeGreaterThan(MAX_OVERHEAD);
    }
  });

  it('the plan stores no banded map, a band buffer of oc x band rows x ow instead, and never lets a producer\'s input share an array with its reader\'s output', () => {
    const { plan, buffers } = planned();
    for (const p of pairs) {
      expect(plan.memories.some((m) => m.name === p.map)).toBe(false);
      expect(plan.memories.find((m) => m.name === `${p.reader.name}_band`)?.words).toBe(p.producer.oc * p.bandRows * p.producer.ow);
      for (const g of buffers.get('top') ?? []) expect(g.members.includes(p.producer.inputs[0]) && g.members.includes(p.reader.output), g.name).toBe(false);
    }
    // The case that matters: s1's producer reads an internal buffer the reader's output could otherwise reuse.
    expect((buffers.get('top') ?? []).some((g) => g.members.includes('s1_pre_y'))).toBe(true);
    expect((buffers.get('top') ?? []).some((g) => g.members.includes('s1_r_y'))).toBe(true);
  });

  itMatchesGxx(async (inc) => expectSameOutputs(design, await csimSamples(design, samples, { apTypesInclude: inc, plan: emitPlanOf(planned(), 'vitis') }), simulateSamples(design, samples)));
});
