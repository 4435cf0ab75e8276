/**
 * Thresholds after the accumulator (issue 14 part 1, FINN's MVTU idea; src/plan/thresholds.ts, hw/fpgac/common.h
 * finish with `n_thr`): a dense or conv layer whose output only a narrow unary cast reads compares its exact
 * accumulator with constants instead of casting twice.
 * - Which pairs: the composition must be non-decreasing (saturating casts, or casts that cannot overflow; relu, clip,
 *   leaky with a non-negative slope) with at most 16 levels; a wrapping cast that can overflow, a wide output, a MAC
 *   output read twice or a per-channel shift is left alone.
 * - The staircase itself: on functions whose steps are known in closed form, bisection finds exactly those steps.
 * - Bits: eight fused pairs (dense and conv; relu, clip, leaky and none; signed and unsigned 1- to 4-bit outputs;
 *   rounding and truncating casts; a unary with a binary-point shift; engines and input lanes) compiled by g++ equal
 *   the simulator of the unfused design, with both header sets; the fused layers really are fused in the C++.
 * - TFC_2W2A (a W2A2 MLP from the QONNX zoo): its three hidden layers fuse with their 2-bit quantizers and `make
 *   csim` equals `fpgac sim`.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Activation, Conv2dLayer, DenseLayer, Design, DTensor, UnaryLayer } from '../../src/ir/design.js';
import { fixed, parseFormat, type FixedFormat } from '../../sim/fixed.js';
import { constData, csimSamples, exactAccFor, expectSameOutputs, itMatchesGxx, makeDesign, randomRaws, randomSamples, rng, simulateSamples } from '../support/harness.js';
import { evaluatePlan } from '../../src/plan/plan.js';
import { resolveBoard } from '../../src/plan/boards.js';
import { emitPlanOf } from '../../src/emit/block.js';
import { staircase, thresholdPairs } from '../../src/plan/thresholds.js';
import { renderProject } from '../../src/emit/project.js';
import type { Parallel } from '../../src/plan/estimate.js';
import { HAVE_SHARED, SKIP_REASON, modelPath } from '../support/models.js';
import { buildProject } from '../../src/build.js';
import { expectCsimEqualsSim } from '../support/csim.js';

const rand = rng(9090);
const MID = parseFormat('ap_fixed<16,6,AP_RND_CONV,AP_SAT>');
const W4 = parseFormat('ap_fixed<4,1>');
const tensors: DTensor[] = [];
const layers: (DenseLayer | Conv2dLayer | UnaryLayer)[] = [];
const outputs: string[] = [];

function unary(name: string, x: DTensor, out: FixedFormat, act: Activation = { kind: 'none' }, shift = 0): DTensor {
  const y: DTensor = { name: `${name}_y`, onnxName: `${name}_y`, shape: x.shape, format: out };
  layers.push({ kind: 'unary', name, sources: [name], inputs: [x.name], output: y.name, n: x.shape.reduce((a, b) => a * b, 1), act, ...(shift ? { shift } : {}) });
  tensors.push(y);
  return y;
}

/** x[rows, nIn] (4-bit) → dense (act) → MID → unary into `out`: a design output. */
function denseQuant(name: string, rows: number, nIn: number, nOut: number, act: Activation, out: FixedFormat, uact: Activation = { kind: 'none' }, shift = 0, mid = MID): void {
  const xf = parseFormat('ap_ufixed<4,2>');
  const x: DTensor = { name: `${name}_x`, onnxName: `${name}_x`, shape: [rows, nIn], format: xf };
  const bf = fixed(10, 4);
  const m: DTensor = { name: `${name}_m`, onnxName: `${name}_m`, shape: [rows, nOut], format: mid };
  tensors.push(x, m);
  layers.push({
    kind: 'dense', name, sources: [name], inputs: [x.name], output: m.name, rows, nIn, nOut,
    weight: constData(`${name}_w`, [nOut, nIn], W4, randomRaws(W4, nIn * nOut, rand)), bias: constData(`${name}_b`, [nOut], bf, randomRaws(bf, nOut, rand)),
    acc: exactAccFor(xf, W4, bf, nIn), act,
  });
  outputs.push(unary(`${name}_q`, m, out, uact, shift).name);
}

function convQuant(name: string, out: FixedFormat, act: Activation): void {
  const xf = parseFormat('ap_fixed<4,2>');
  const x: DTensor = { name: `${name}_x`, onnxName: `${name}_x`, shape: [1, 3, 6, 6], format: xf };
  const m: DTensor = { name: `${name}_m`, onnxName: `${name}_m`, shape: [1, 4, 6, 6], format: MID };
  tensors.push(x, m);
  layers.push({
    kind: 'conv2d', name, sources: [name], inputs: [x.name], output: m.name, c: 3, h: 6, w: 6, oc: 4, oh: 6, ow: 6, kh: 3, kw: 3,
    sh: 1, sw: 1, pt: 1, pl: 1, dh: 1, dw: 1, group: 1, weight: constData(`${name}_w`, [4, 3, 3, 3], W4, randomRaws(W4, 108, rand)), bias: null,
    acc: exactAccFor(xf, W4, null, 27), act,
  });
  outputs.push(unary(`${name}_q`, m, out).name);
}

denseQuant('d_relu_u2', 2, 12, 6, { kind: 'relu' }, parseFormat('ap_ufixed<2,2,AP_RND_CONV,AP_SAT>'));
denseQuant('d_none_s2', 1, 20, 8, { kind: 'none' }, parseFormat('ap_fixed<2,2,AP_RND_CONV,AP_SAT>'));
denseQuant('d_clip_u3', 3, 10, 5, { kind: 'clip', lo: -200, hi: 900 }, parseFormat('ap_ufixed<3,1,AP_TRN,AP_SAT>'));
denseQuant('d_leaky_s4', 1, 16, 4, { kind: 'leaky', alpha: { raw: 3, format: fixed(8, 0) } }, parseFormat('ap_fixed<4,3,AP_RND,AP_SAT>'), { kind: 'relu' });
denseQuant('d_shift_s1', 2, 8, 6, { kind: 'none' }, parseFormat('ap_fixed<1,1,AP_TRN,AP_SAT>'), { kind: 'none' }, -2);
denseQuant('d_lanes_u4', 1, 24, 8, { kind: 'relu' }, parseFormat('ap_ufixed<4,4,AP_RND_CONV,AP_SAT>'));
convQuant('c_relu_u2', parseFormat('ap_ufixed<2,1,AP_RND_CONV,AP_SAT>'), { kind: 'relu' });
convQuant('c_none_s3', parseFormat('ap_fixed<3,2,AP_RND_ZERO,AP_SAT_SYM>'), { kind: 'none' });
// Left alone: a wrapping cast that can overflow (not monotone), and an 8-bit output (too many levels to compare).
denseQuant('x_wrap', 1, 12, 4, { kind: 'none' }, parseFormat('ap_fixed<3,1,AP_TRN,AP_WRAP>'));
denseQuant('x_wide', 1, 12, 4, { kind: 'none' }, parseFormat('ap_fixed<8,4,AP_RND,AP_SAT>'));

const design: Design = makeDesign('thr_test', tensors, layers, outputs);
const pairs = thresholdPairs(design);
const factors = new Map<string, Parallel>([['d_lanes_u4', { pfIn: 4, pfOut: 1 }], ['c_relu_u2', { pfIn: 1, pfOut: 2, pfPx: 2 }], ['d_none_s2', { pfIn: 20, pfOut: 2 }]]);
const planned = () => evaluatePlan(design, resolveBoard('zcu104'), factors, 200, 'sequential', { thresholds: pairs });
const samples = randomSamples(design, 6, rng(17));

describe('thresholds after the accumulator', () => {
  it('fuses every non-decreasing narrow pair and leaves a wrapping cast and an 8-bit output alone', () => {
    expect(pairs.map((p) => p.mac.name).sort()).toEqual(['c_none_s3', 'c_relu_u2', 'd_clip_u3', 'd_lanes_u4', 'd_leaky_s4', 'd_none_s2', 'd_relu_u2', 'd_shift_s1']);
    for (const p of pairs) {
      const bits = design.tensors[p.unary.output].format.width;
      expect(p.levels.length).toBeLessThanOrEqual(2 ** bits);
      expect(p.thresholds.length).toBe(p.levels.length - 1);
      for (let k = 1; k < p.thresholds.length; k++) expect(p.thresholds[k]).toBeGreaterThan(p.thresholds[k - 1]);
    }
  });

  it('bisection finds the steps of staircases known in closed form', () => {
    // floor(x / 7) clamped to [-2, 3] over [-100, 100]: steps at -7, 0, 7, 14, 21.
    expect(staircase((x) => Math.max(-2, Math.min(3, Math.floor(x / 7))), -100, 100)).toEqual({ thresholds: [-7, 0, 7, 14, 21], levels: [-2, -1, 0, 1, 2, 3] });
    // A step function with uneven steps and a flat end.
    const steps = [-50, -49, 10, 77];
    expect(staircase((x) => steps.filter((s) => x >= s).length, -60, 90)).toEqual({ thresholds: steps, levels: [0, 1, 2, 3, 4] });
  });

  it('the fused layers compare in the C++: configs carry the thresholds, the MAC writes the unary\'s output, the unary emits no call', () => {
    const files = renderProject(design, { part: 'xczu7ev-ffvc1156-2-e', clockNs: 5, defaultInputs: [], plan: emitPlanOf(planned(), 'vitis') }).files;
    const top = String(files.get('firmware/top.cpp'));
    const params = String(files.get('firmware/parameters.h'));
    for (const p of pairs) {
      const struct = params.slice(params.indexOf(`struct cfg_${p.mac.name} {`), params.indexOf('\n};', params.indexOf(`struct cfg_${p.mac.name} {`)));
      expect(struct).toContain(`static const int n_thr = ${p.thresholds.length};`);
      expect(top).toMatch(new RegExp(`fpgac::(dense|conv2d)<cfg_${p.mac.name}>\\(\\w+, ${p.unary.output}[,)]`));
      expect(top).not.toContain(`fpgac::unary<cfg_${p.unary.name}>`);
    }
    expect(top).toContain('fpgac::unary<cfg_x_wrap_q>');
    expect(top).toContain('fpgac::unary<cfg_x_wide_q>');
  });

  itMatchesGxx(async (inc) => expectSameOutputs(design, await csimSamples(design, samples, { apTypesInclude: inc, plan: emitPlanOf(planned(), 'vitis') }), simulateSamples(design, samples)));
});

describe.skipIf(!HAVE_SHARED)(`TFC_2W2A on PYNQ-Z2 ${HAVE_SHARED ? '' : `(skipped: ${SKIP_REASON})`}`, () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-thr-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('the three hidden layers fuse with their 2-bit quantizers; make csim equals fpgac sim', async () => {
    const out = path.join(dir, 'tfc');
    const r = buildProject(modelPath('qonnx-zoo/TFC_2W2A'), out, { board: 'pynq-z2', interface: 'memory' });
    const fused = thresholdPairs(r.compiled.design);
    expect(fused.length).toBe(3);
    expect(readFileSync(path.join(out, 'firmware', 'parameters.h'), 'utf8').match(/static const int n_thr = /g)?.length).toBe(3);
    expect(r.report.plan!.totals.dsp).toBeLessThanOrEqual(0.1 * r.board.dsp);
    await expectCsimEqualsSim(out, [path.join(out, 'tb_data', 'input_0.npy')], { work: dir, name: 'tfc' });
  });
});
