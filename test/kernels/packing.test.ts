/**
 * Two products in one DSP48E2 (src/plan/packing.ts, hw/fpgac/common.h product_pair; issue 14 part 1).
 * 1. The arithmetic: compiled with g++, product_pair gives exactly the two plain ap_fixed products for every raw of
 *    the shared operand, every raw of the first packed operand, and a spread of the second (the extremes included),
 *    for format pairs at the edge of the packing rule (8 x 8, 10 x 8, unsigned operands), with both header sets.
 * 2. The kernels: convs planned with packed engine pairs and packed pixel pairs, and a dense layer with packed output
 *    pairs, give the simulator's bits in g++.
 * 3. The plan: on a DSP48E2 part an 8-bit conv with an even number of engines packs and takes half the DSPs of the
 *    same plan unpacked; a DSP48E1 part (PYNQ-Z2) and 16-bit operands never pack. Expected DSPs are the multipliers
 *    the parallel factors give, halved, counted here.
 */
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fixed, parseFormat, type FixedFormat, formatToCpp, minRaw, maxRaw } from '../../sim/fixed.js';
import type { Conv2dLayer, DenseLayer, Design, DTensor } from '../../src/ir/design.js';
import { constData, csimSamples, expectSameOutputs, itMatchesGxx, makeDesign, officialApInclude, randomRaws, randomSamples, REPO, rng, simulateSamples } from '../support/harness.js';
import type { EmitPlan } from '../../src/emit/block.js';
import { convPacking, densePacking, hasDsp48e2, packable } from '../../src/plan/packing.js';
import { evaluatePlan } from '../../src/plan/plan.js';
import { resolveBoard } from '../../src/plan/boards.js';
import { estimateLayer } from '../../src/kinds/index.js';

/** [shared s, packed a] pairs at the rule's edges. */
const PAIRS: [string, string][] = [
  ['ap_fixed<8,3>', 'ap_fixed<8,1>'],
  ['ap_fixed<10,4>', 'ap_fixed<8,2>'], // 10 + 8 = 18 signed bits
  ['ap_ufixed<8,4>', 'ap_fixed<8,1>'], // unsigned s reads as 9 signed bits
  ['ap_fixed<9,2>', 'ap_ufixed<7,3>'], // unsigned a reads as 8
  ['ap_fixed<10,3>', 'ap_ufixed<8,1>'], // unsigned 8-bit a: 511 * 255 and -512 * 255 still within 18
  ['ap_fixed<8,8>', 'ap_fixed<4,2>'],
];

function harness(): string {
  const cases = PAIRS.map(([s, a], i) => {
    const sf = parseFormat(s);
    const af = parseFormat(a);
    return `  { typedef ${formatToCpp(sf)} S; typedef ${formatToCpp(af)} A; typedef decltype(A() * S()) P;
    long bad = 0, n = 0;
    for (long sr = ${minRaw(sf)}; sr <= ${maxRaw(sf)}; sr++) for (long r1 = ${minRaw(af)}; r1 <= ${maxRaw(af)}; r1++) {
      const long seconds[] = {${minRaw(af)}, ${minRaw(af)} + 1, -1, 0, 1, ${maxRaw(af)} - 1, ${maxRaw(af)}, r1, ${maxRaw(af)} - r1 + ${minRaw(af)}};
      for (long r2 : seconds) {
        if (r2 < ${minRaw(af)} || r2 > ${maxRaw(af)}) continue;
        S s; s.range(S::width - 1, 0) = sr; A a1; a1.range(A::width - 1, 0) = r1; A a2; a2.range(A::width - 1, 0) = r2;
        P p1, p2;
        fpgac::product_pair<${sf.signed}, ${af.signed}>(s, a1, a2, p1, p2);
        n++;
        if (p1 != a1 * s || p2 != a2 * s) bad++;
      }
    }
    std::printf("case ${i} %ld %ld\\n", n, bad); }`;
  }).join('\n');
  return `#include "fpgac/common.h"\n#include <cstdio>\nint main() {\n${cases}\n  return 0;\n}\n`;
}

function runHarness(include: string): { n: number; bad: number }[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-pack-'));
  try {
    writeFileSync(path.join(dir, 'pack.cpp'), harness());
    execFileSync('g++', ['-std=c++14', '-O1', '-w', '-I', include, '-I', path.join(REPO, 'hw'), path.join(dir, 'pack.cpp'), '-o', path.join(dir, 'pack')]);
    const out = execFileSync(path.join(dir, 'pack'), { encoding: 'utf8' });
    return out.trim().split('\n').map((l) => { const [, , n, bad] = l.split(' '); return { n: Number(n), bad: Number(bad) }; });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('packed products: the arithmetic', () => {
  it('the packing rule admits every pair tested here and refuses wider ones', () => {
    for (const [s, a] of PAIRS) expect(packable(parseFormat(s), parseFormat(a)), `${s} x ${a}`).toBe(true);
    expect(packable(parseFormat('ap_fixed<11,4>'), parseFormat('ap_fixed<8,1>'))).toBe(false); // -1024 * -128 = 2^17
    expect(packable(parseFormat('ap_fixed<8,3>'), parseFormat('ap_fixed<9,1>'))).toBe(false); // -256 * 2^18 - 256 < -2^26
    expect(packable(parseFormat('ap_fixed<8,3>'), parseFormat('ap_ufixed<9,1>'))).toBe(false); // 511 * 2^18 > 2^26
    expect(packable(parseFormat('ap_fixed<19,3>'), parseFormat('ap_fixed<2,1>'))).toBe(false); // s over 18 bits
  });

  const includes = [['fpgac host headers', path.join(REPO, 'hw', 'include')], ...(officialApInclude() ? [['official Xilinx headers', officialApInclude()!]] : [])];
  for (const [name, inc] of includes) {
    it(`product_pair equals the two plain products on every case (${name})`, () => {
      const res = runHarness(inc);
      expect(res.length).toBe(PAIRS.length);
      for (const [i, r] of res.entries()) {
        expect(r.n, `case ${i} ran`).toBeGreaterThan(1000);
        expect(r.bad, `case ${i}: ${PAIRS[i].join(' x ')}`).toBe(0);
      }
    });
  }
});

const rand = rng(1414);
const X8 = parseFormat('ap_fixed<8,3,AP_RND_CONV,AP_SAT>');
const XU = parseFormat('ap_ufixed<8,4,AP_RND_CONV,AP_SAT>');
const W8 = parseFormat('ap_fixed<8,1>');

function conv(name: string, input: DTensor, oc: number, group: number, out: FixedFormat): { layer: Conv2dLayer; y: DTensor } {
  const [, c, h, w] = input.shape;
  const n = oc * (c / group) * 9;
  const y: DTensor = { name: `${name}_y`, onnxName: `${name}_y`, shape: [1, oc, h, w], format: out };
  const layer: Conv2dLayer = {
    kind: 'conv2d', name, sources: [name], inputs: [input.name], output: y.name, c, h, w, oc, oh: h, ow: w, kh: 3, kw: 3,
    sh: 1, sw: 1, pt: 1, pl: 1, dh: 1, dw: 1, group,
    // Weights drawn over the whole range, the extremes included, no zeros (so no sparse path).
    weight: constData(`${name}_w`, [oc, c / group, 3, 3], W8, randomRaws(W8, n, rand).map((r, i) => (i % 17 === 0 ? -128 : i % 19 === 0 ? 127 : r || 1))),
    bias: constData(`${name}_b`, [oc], fixed(12, 4), randomRaws(fixed(12, 4), oc, rand)), acc: fixed(32, 12), act: { kind: 'relu' },
  };
  return { layer, y };
}

const x: DTensor = { name: 'x', onnxName: 'x', shape: [1, 3, 6, 8], format: X8 };
const xu: DTensor = { name: 'xu', onnxName: 'xu', shape: [1, 4, 6, 5], format: XU };
const layers = [
  conv('eng', x, 6, 1, parseFormat('ap_fixed<16,6,AP_RND_CONV,AP_SAT>')), // engines share x: packed in pairs
  conv('pix', xu, 4, 4, parseFormat('ap_fixed<10,4,AP_RND,AP_SAT>')), // depthwise: pixel lanes share the weight
  conv('engu', xu, 4, 1, parseFormat('ap_fixed<16,6,AP_RND_CONV,AP_SAT>')), // unsigned shared operand
];
// A dense layer with 4 outputs in parallel (every input read each cycle): output pairs share the input.
const xd: DTensor = { name: 'xd', onnxName: 'xd', shape: [2, 12], format: X8 };
const yd: DTensor = { name: 'fc_y', onnxName: 'fc_y', shape: [2, 8], format: parseFormat('ap_fixed<16,6,AP_RND_CONV,AP_SAT>') };
const fc: DenseLayer = {
  kind: 'dense', name: 'fc', sources: ['fc'], inputs: ['xd'], output: 'fc_y', rows: 2, nIn: 12, nOut: 8,
  weight: constData('fc_w', [8, 12], W8, randomRaws(W8, 96, rand).map((r, i) => (i % 5 === 0 ? -128 : r || 1))),
  bias: constData('fc_b', [8], fixed(12, 4), randomRaws(fixed(12, 4), 8, rand)), acc: fixed(32, 12), act: { kind: 'none' },
};
const design: Design = makeDesign('pack_test', [x, xu, xd, ...layers.map((l) => l.y), yd], [...layers.map((l) => l.layer), fc], [...layers.map((l) => l.y.name), 'fc_y']);
const plan: EmitPlan = {
  tool: 'vitis', schedule: 'sequential', groups: new Map(), kinds: new Map(),
  parallel: new Map([
    ['eng', { pfIn: 1, pfOut: 6, pfPx: 2, pack: 'engines' as const }],
    ['pix', { pfIn: 1, pfOut: 2, pfPx: 6, pack: 'pixels' as const }],
    ['engu', { pfIn: 1, pfOut: 2, pack: 'engines' as const }],
    ['fc', { pfIn: 12, pfOut: 4, pack: 'engines' as const }],
  ]),
};

describe('packed products: conv kernels', () => {
  const samples = randomSamples(design, 5, rng(7));
  const sim = simulateSamples(design, samples);
  itMatchesGxx(async (inc) => expectSameOutputs(design, await csimSamples(design, samples, { apTypesInclude: inc, plan }), sim));
});

describe('packed products: the plan', () => {
  const zcu = resolveBoard('zcu104');
  const pynq = resolveBoard('pynq-z2');
  it('DSP48E2 parts pack, DSP48E1 parts do not', () => {
    expect(hasDsp48e2(zcu.part)).toBe(true);
    expect(hasDsp48e2(resolveBoard('u250').part)).toBe(true);
    expect(hasDsp48e2(pynq.part)).toBe(false);
  });

  it('an 8-bit conv with 6 engines x 2 lanes packs engine pairs: 12 multipliers in 6 DSPs; unpacked on PYNQ-Z2', () => {
    const par = { pfIn: 1, pfOut: 6, pfPx: 2 };
    const planned = evaluatePlan(design, zcu, new Map([['eng', par]]));
    const row = planned.plan.layers.find((r) => r.name === 'eng')!;
    expect(row.multipliers).toBe(6 * 2);
    expect(row.dsp).toBe((6 * 2) / 2);
    expect(planned.parallel.get('eng')?.pack).toBe('engines');
    const e7 = evaluatePlan(design, pynq, new Map([['eng', par]])).plan.layers.find((r) => r.name === 'eng')!;
    expect(e7.dsp).toBe(6 * 2);
  });

  it('a depthwise 8-bit conv packs pixel pairs, a dense layer output pairs; odd engines, input lanes, fully parallel layers and 16-bit operands do not pack', () => {
    const e = (l: Conv2dLayer, p: { pfIn: number; pfOut: number; pfPx?: number }) => convPacking(design.tensors[l.inputs[0]].format, l, p, estimateLayer(design, l, p), zcu.part);
    expect(e(layers[1].layer, { pfIn: 1, pfOut: 2, pfPx: 6 })).toBe('pixels');
    expect(e(layers[1].layer, { pfIn: 1, pfOut: 2, pfPx: 3 })).toBeUndefined(); // no lane pairs, and depthwise engines read different inputs
    expect(e(layers[2].layer, { pfIn: 1, pfOut: 2 })).toBe('engines'); // the unsigned input shared by two engines
    expect(e(layers[0].layer, { pfIn: 1, pfOut: 3 })).toBeUndefined();
    const d = (p: { pfIn: number; pfOut: number }) => densePacking(X8, fc, p, estimateLayer(design, fc, p), zcu.part);
    expect(d({ pfIn: 12, pfOut: 2 })).toBe('engines');
    expect(d({ pfIn: 4, pfOut: 1 })).toBeUndefined(); // lanes read different inputs
    expect(d({ pfIn: 12, pfOut: 8 })).toBeUndefined(); // fully parallel: constant products fold instead
    const wide: Conv2dLayer = { ...layers[0].layer, weight: { ...layers[0].layer.weight, format: parseFormat('ap_fixed<16,6>') } };
    expect(e(wide, { pfIn: 1, pfOut: 6 })).toBeUndefined();
  });
});
