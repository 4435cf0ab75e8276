/**
 * Low-bit arithmetic in the plan (issue 14): products sized by their operand widths. Narrow products (one operand
 * of 1-2 bits, or ≤ 4 × ≤ 8 bits) are fabric multipliers, LUTs and no DSP; the planner charges them so, and the
 * emitted dense/conv configs bind exactly those products to fabric, in the spelling of the HLS tool. Expected values
 * come from the models' formats and the board's resources, and from the issue's rule written out below.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fixed, parseFormat, type FixedFormat } from '../../sim/fixed.js';
import type { Design, DenseLayer, DTensor, Layer } from '../../src/ir/design.js';
import { computeLayers } from '../../src/ir/design.js';
import { mac, multiplierCost, MULTIPLIER_MODEL } from '../../src/plan/estimate.js';
import { planDesign } from '../../src/plan/plan.js';
import { resolveBoard } from '../../src/plan/boards.js';
import { compileModel } from '../../src/compile.js';
import { buildProject } from '../../src/build.js';
import { constData, makeDesign, randomRaws, rng, REPO } from '../support/harness.js';
import { HAVE_SHARED, modelPath, SKIP_REASON } from '../support/models.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-lowbit-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The rule, independently: LUTs when one operand has 1-2 bits, or the two are ≤ 4 and ≤ 8 bits. */
function lutRule(a: number, b: number): boolean {
  const n = Math.min(a, b);
  const m = Math.max(a, b);
  return n <= 2 || (n <= 4 && m <= 8);
}

/** DSP48 slices of a DSP multiplier (27 × 18 per slice), written out here. */
const dspSlices = (a: number, b: number) => Math.ceil(Math.max(a, b) / 27) * Math.ceil(Math.min(a, b) / 18);

const fx = (w: number): FixedFormat => fixed(w, Math.min(w, 1));

const isMac = (l: Layer): l is Extract<Layer, { kind: 'dense' | 'conv2d' }> => l.kind === 'dense' || l.kind === 'conv2d';
const widths = (d: Design, l: Extract<Layer, { kind: 'dense' | 'conv2d' }>) => [d.tensors[l.inputs[0]].format.width, l.weight.format.width] as const;

/** The config structs of parameters.h by layer name (`struct cfg_<layer> { ... };`). */
function configs(text: string): Map<string, string> {
  return new Map([...text.matchAll(/struct cfg_(\w+) \{\n([\s\S]*?)\n\};/g)].map((m) => [m[1], m[2]]));
}

describe('multiplier cost per operand width pair', () => {
  it('narrow products are LUTs, (n-1)(m+1) LUT6 beyond the adder; wider ones are DSP48 slices', () => {
    // 1-bit: a select / conditional negate folded into the accumulator adder.
    expect(multiplierCost(fx(1), fx(16))).toEqual({ dsp: 0, lut: 0 });
    // 2-bit (ternary, bipolar, W2/A2): one carry-chain adder one bit wider than the other operand.
    expect(multiplierCost(fx(2), fx(16))).toEqual({ dsp: 0, lut: 17 });
    expect(multiplierCost(fx(16), fx(2))).toEqual({ dsp: 0, lut: 17 });
    expect(multiplierCost(fx(2), fx(2))).toEqual({ dsp: 0, lut: 3 });
    expect(multiplierCost(fx(2), fx(32))).toEqual({ dsp: 0, lut: 33 });
    // Up to 4 x 8: an array of n-1 rows of m+1 bits.
    expect(multiplierCost(fx(3), fx(8))).toEqual({ dsp: 0, lut: 18 });
    expect(multiplierCost(fx(4), fx(4))).toEqual({ dsp: 0, lut: 15 });
    expect(multiplierCost(fx(8), fx(4))).toEqual({ dsp: 0, lut: 27 });
    // Beyond: DSPs, as before.
    for (const [a, b] of [[5, 8], [4, 9], [8, 8], [16, 16], [16, 6], [30, 18], [40, 20]]) {
      expect(lutRule(a, b), `${a}x${b}`).toBe(false);
      expect(multiplierCost(fx(a), fx(b)), `${a}x${b}`).toEqual({ dsp: dspSlices(a, b), lut: 0 });
    }
    // A kernel that does not bind products to fabric keeps DSPs for every width.
    expect(multiplierCost(fx(2), fx(2), 'dsp')).toEqual({ dsp: 1, lut: 0 });
    expect(MULTIPLIER_MODEL).toContain('(n-1)*(m+1) LUT6');
  });

  it('a MAC layer of LUT products consumes LUTs, not DSPs', () => {
    const acc = fixed(12, 6);
    const lut = mac(1000, 1, 16, 1600, fx(2), fx(2), acc, 'by-width');
    const dsp = mac(1000, 1, 16, 1600, fx(2), fx(2), acc, 'dsp');
    expect(lut.dsp).toBe(0);
    expect(dsp.dsp).toBe(16);
    expect(lut.lut - dsp.lut).toBe(16 * (2 - 1) * (2 + 1));
    expect(lut.latency).toBe(dsp.latency);
    // 16-bit products are unchanged by the binding.
    expect(mac(1000, 1, 16, 1600, fx(16), fx(16), acc, 'by-width')).toEqual(mac(1000, 1, 16, 1600, fx(16), fx(16), acc, 'dsp'));
  });
});

/** A W2A2 MLP (784-64-64-64-10, TFC's shape): 2-bit weights, 2-bit activations between the layers, relu. */
function w2a2Mlp(): Design {
  const rand = rng(14);
  const wf = parseFormat('ap_fixed<2,1>');
  const act = parseFormat('ap_ufixed<2,1,AP_RND,AP_SAT>');
  const sizes = [784, 64, 64, 64, 10];
  const tensors: DTensor[] = sizes.map((n, i) => ({
    name: `a${i}`, onnxName: `a${i}`, shape: [1, n],
    format: i === 0 ? parseFormat('ap_fixed<2,1,AP_RND,AP_SAT>') : i === sizes.length - 1 ? parseFormat('ap_fixed<16,8>') : act,
  }));
  const layers: DenseLayer[] = sizes.slice(1).map((nOut, i) => {
    const nIn = sizes[i];
    // Exact: |x·w| ≤ 1 per product (x ≤ 1.5, |w| ≤ 1), fraction 1 + 1 bits.
    const int = Math.ceil(Math.log2(nIn * 1.5)) + 2;
    return {
      kind: 'dense', name: `fc${i}`, sources: [], inputs: [`a${i}`], output: `a${i + 1}`, rows: 1, nIn, nOut,
      weight: constData(`fc${i}_w`, [nOut, nIn], wf, randomRaws(wf, nOut * nIn, rand)), bias: null,
      acc: fixed(int + 2, int), act: i === sizes.length - 2 ? { kind: 'none' } : { kind: 'relu' },
    };
  });
  return makeDesign('w2a2_mlp', tensors, layers, ['a4']);
}

describe('the planner on low-bit MLPs (PYNQ-Z2)', () => {
  const board = resolveBoard('pynq-z2');

  it('a W2A2 MLP uses no DSP for its products and at most 10% of the DSPs in all', () => {
    const design = w2a2Mlp();
    const { plan } = planDesign(design, board);
    const macs = computeLayers(design.layers).filter(isMac);
    expect(macs.every((l) => lutRule(...widths(design, l)))).toBe(true);
    for (const l of macs) {
      const e = plan.layers.find((x) => x.name === l.name)!;
      expect(e.dsp, l.name).toBe(0);
      // Each multiplier: its accumulator adder plus (2-1)·(2+1) = 3 LUTs.
      expect(e.lut, l.name).toBeGreaterThanOrEqual(e.multipliers * (l.acc.width + 3));
    }
    expect(plan.totals.dsp).toBeLessThanOrEqual(0.1 * board.dsp);
    expect(plan.fits).toBe(true);
    console.log(`W2A2 MLP on ${board.name}: ${plan.schedule}, ${plan.totals.dsp} DSP (${(100 * plan.utilization.dsp).toFixed(1)}%), ${plan.totals.lut} LUT (${(100 * plan.utilization.lut).toFixed(1)}%), ${plan.totals.latencyCycles} cycles`);
  });
});

describe.skipIf(!HAVE_SHARED)('QONNX TFC_2W2A and 16-bit models', () => {
  const board = resolveBoard('pynq-z2');
  const TFC = 'qonnx-zoo/TFC_2W2A';

  it('TFC_2W2A on PYNQ-Z2: its 2-bit-activation products are LUTs, ≤ 10% of the DSPs', () => {
    const design = compileModel(modelPath(TFC)).design;
    const { plan } = planDesign(design, board);
    const macs = computeLayers(design.layers).filter(isMac);
    // The model's four MatMuls read 2-bit activations (its Quant nodes' bit width).
    expect(macs.length).toBe(4);
    for (const l of macs) {
      expect(design.tensors[l.inputs[0]].format.width, l.name).toBe(2);
      expect(lutRule(...widths(design, l)), l.name).toBe(true);
      expect(plan.layers.find((x) => x.name === l.name)!.dsp, l.name).toBe(0);
    }
    expect(plan.totals.dsp).toBeLessThanOrEqual(0.1 * board.dsp);
    console.log(`TFC_2W2A on ${board.name}: ${plan.schedule}, ${plan.totals.dsp} DSP (${(100 * plan.utilization.dsp).toFixed(1)}%), ${plan.totals.lut} LUT (${(100 * plan.utilization.lut).toFixed(1)}%), ${plan.totals.latencyCycles} cycles`);
  });

  for (const tool of ['vitis', 'vivado'] as const) {
    it(`${tool}: the emitted firmware binds products to fabric exactly in the layers the plan made LUT products`, () => {
      const out = path.join(dir, `tfc-${tool}`);
      const r = buildProject(modelPath(TFC), out, { board: 'pynq-z2', hlsTool: tool });
      const design = r.compiled.design;
      const params = readFileSync(path.join(out, 'firmware', 'parameters.h'), 'utf8');
      const cfg = configs(params);
      const want = tool === 'vitis' ? '#pragma HLS BIND_OP variable=p op=mul impl=fabric' : '#pragma HLS RESOURCE variable=p core=Mul_LUT';
      const other = tool === 'vitis' ? /Mul_LUT/ : /BIND_OP/;
      const macs = computeLayers(design.layers).filter(isMac);
      expect(macs.length).toBeGreaterThan(0);
      for (const l of macs) {
        const body = cfg.get(l.name)!;
        expect(body, l.name).toBeDefined();
        const lut = r.report.plan!.layers.find((x) => x.name === l.name)!.dsp === 0;
        expect(lut, l.name).toBe(lutRule(...widths(design, l)));
        expect(body.includes(`static const bool lut_mul = ${lut};`), l.name).toBe(true);
        expect(body.split(want).length - 1, l.name).toBe(lut ? 1 : 0);
      }
      // Nowhere else: no other config, top function or kernel header pins a multiplier.
      expect(params.split(want).length - 1).toBe(macs.filter((l) => lutRule(...widths(design, l))).length);
      expect(params).not.toMatch(other);
      for (const f of ['top.cpp', 'fpgac/dense.h', 'fpgac/common.h']) {
        expect(readFileSync(path.join(out, 'firmware', f), 'utf8'), f).not.toMatch(/BIND_OP|Mul_LUT/);
      }
    });
  }

  it('dsodenet-digits and the hls4ml models plan as before: 16-bit products stay DSPs', () => {
    const models = [path.join(REPO, 'examples', 'dsodenet-digits', 'model.onnx'), ...['two_layer_keras', 'three_layer_keras', 'conv1d_small_keras', 'conv2d_small_keras'].map((m) => modelPath(`hls4ml/${m}`))];
    for (const file of models) {
      const design = compileModel(file).design;
      const { plan } = planDesign(design, resolveBoard('zcu104'));
      const macs = computeLayers(design.layers).filter(isMac);
      expect(macs.length, file).toBeGreaterThan(0);
      for (const l of macs) {
        const [a, b] = widths(design, l);
        expect(lutRule(a, b), `${file} ${l.name}`).toBe(false);
        const e = plan.layers.find((x) => x.name === l.name)!;
        expect(e.dsp, `${file} ${l.name}`).toBe(e.multipliers * dspSlices(a, b));
      }
    }
  });
});

if (!HAVE_SHARED) describe('low-bit shared models', () => it.skip(`skipped: ${SKIP_REASON}`, () => {}));
