/**
 * The utilization budget (`--max-utilization`, issue 14 part 3): the planner fills the budget, not the device; the
 * verdict tells within-budget, over-budget-but-within-the-device (built, with a warning) and over-the-device
 * (FPGAC010); the reports state the budget and the margin; bad values exit 2 with one line. Expected figures come
 * from the board's resources times the budget written here, never from the planner's output.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveBoard } from '../../src/plan/boards.js';
import { planDesign } from '../../src/plan/plan.js';
import { defaultBudget, parseMaxUtilization, SMALL_PART_LUTS } from '../../src/plan/totals.js';
import { compileModel } from '../../src/compile.js';
import { buildProject } from '../../src/build.js';
import { main } from '../../src/cli.js';
import { DiagnosticError } from '../../src/diagnostics.js';
import { buildModel } from '../support/onnx-builder.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-budget-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PYNQ = resolveBoard('pynq-z2'); // 220 DSP, 53,200 LUT: a small part
const ALL = (f: number) => ({ dsp: f, lut: f, ff: f, bram18: f, uram: f });

/**
 * x[1, N] · W[N, M] with weights that are neither 0 nor ±2^k in ap_fixed<16,6> (0.3 + i/1000 steps through
 * values with many set bits), so fully parallel (pipelined schedule) every product needs one DSP48: N·M of them.
 */
function denseModel(file: string, n: number, m: number, scale = 1): string {
  const w = Array.from({ length: n * m }, (_, i) => scale * (i % 2 ? -1 : 1) * (0.3 + ((i * 7) % 400) / 1000));
  buildModel({
    inputs: [{ name: 'x', dims: [1, n] }], outputs: [{ name: 'y' }],
    initializers: [{ name: 'W', dims: [n, m], values: w }],
    nodes: [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['y'] }],
  }, file);
  return file;
}

// 18 x 11 = 198 products = 90% of the PYNQ-Z2's 220 DSPs.
const N = 18;
const M = 11;

describe('the planner fills the budget, not the device', () => {
  const design = () => compileModel(denseModel(path.join(dir, 'd90.onnx'), N, M)).design;

  it('the default budget: 80% each, 70% of LUTs on a part under 100k LUTs', () => {
    expect(defaultBudget(PYNQ)).toEqual({ dsp: 0.8, lut: 0.7, ff: 0.8, bram18: 0.8, uram: 0.8 });
    expect(PYNQ.lut).toBeLessThan(SMALL_PART_LUTS);
    expect(defaultBudget(resolveBoard('zcu104')).lut).toBe(0.8);
  });

  it('a layer whose full parallelism needs 90% of the DSPs stops at ≤ 80%', () => {
    const full = planDesign(design(), PYNQ, { schedule: 'pipelined', allowOverflow: true }).plan;
    expect(full.totals.dsp).toBe(N * M); // the premise: one DSP a product
    expect(full.totals.dsp / PYNQ.dsp).toBeCloseTo(0.9, 2);
    const { plan } = planDesign(design(), PYNQ);
    expect(plan.totals.dsp).toBeLessThanOrEqual(Math.floor(0.8 * PYNQ.dsp));
    expect(plan.schedule).toBe('sequential');
    expect(plan.verdict).toBe('within-budget');
    expect(plan.budget).toEqual(defaultBudget(PYNQ));
    for (const r of ['dsp', 'lut', 'ff', 'bram18', 'uram'] as const) expect(plan.margin![r]).toBeCloseTo(plan.budget![r] - plan.totals[r] / (PYNQ[r] || 1), 9);
  });

  it('--max-utilization 100 restores filling the device: the fully parallel pipeline is chosen', () => {
    const { plan } = planDesign(design(), PYNQ, { maxUtilization: parseMaxUtilization('100') });
    expect(plan.schedule).toBe('pipelined');
    expect(plan.totals.dsp).toBe(N * M);
    expect(plan.verdict).toBe('within-budget');
  });

  it('a per-resource cap bounds the greedy growth', () => {
    const { plan } = planDesign(design(), PYNQ, { maxUtilization: parseMaxUtilization('dsp=50') });
    expect(plan.totals.dsp).toBeLessThanOrEqual(Math.floor(0.5 * PYNQ.dsp));
    expect(plan.budget!.dsp).toBe(0.5);
    expect(plan.budget!.lut).toBe(0.7); // the others keep their defaults
  });

  it('over the budget but within the device: the verdict says so, no FPGAC010', () => {
    const { plan } = planDesign(design(), PYNQ, { schedule: 'pipelined' });
    expect(plan.fits).toBe(true);
    expect(plan.verdict).toBe('over-budget');
    expect(plan.margin!.dsp).toBeCloseTo(0.8 - (N * M) / PYNQ.dsp, 9);
  });

  it('over the device: FPGAC010 naming the device capacity', () => {
    const big = compileModel(denseModel(path.join(dir, 'd120.onnx'), 24, 11)).design; // 264 products (one weight is 0.5, a shift) > 220 DSP
    try {
      planDesign(big, PYNQ, { schedule: 'pipelined' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DiagnosticError);
      expect((e as DiagnosticError).diagnostics[0].message).toMatch(/DSP needs 2[2-6]\d, the device has 220/);
    }
    expect(planDesign(big, PYNQ, { schedule: 'pipelined', allowOverflow: true }).plan.verdict).toBe('over-device');
  });
});

describe('reports and warnings', () => {
  it('an over-budget build warns with the resource and margin; report.md/json/html state budget and margin', () => {
    const out = path.join(dir, 'over');
    const r = buildProject(denseModel(path.join(dir, 'o.onnx'), N, M), out, { board: 'pynq-z2', schedule: 'pipelined' });
    const pctDsp = +(100 * (N * M) / PYNQ.dsp).toFixed(1);
    const w = r.report.warnings!.find((x) => x.includes('budget'))!;
    expect(w).toContain(`DSP ${pctDsp}% of ${PYNQ.part} exceeds the 80% budget by ${+(pctDsp - 80).toFixed(1)}%`);
    expect(w).toMatch(/place and route may fail/);
    const json = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(json.plan.budget.dsp).toBe(0.8);
    expect(json.plan.verdict).toBe('over-budget');
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md).toMatch(/## Hardware plan: .* — fits the device but exceeds the utilization budget/);
    // Budget row: device 220, budget 80% = 176, estimate 198, margin 176 - 198 = -22 DSPs.
    expect(md).toContain(`| DSP | ${PYNQ.dsp} | 80.0% (${Math.floor(0.8 * PYNQ.dsp)}) | ${N * M} (${(100 * N * M / PYNQ.dsp).toFixed(1)}%) | ${(100 * (0.8 - N * M / PYNQ.dsp)).toFixed(1)}% (${Math.floor(0.8 * PYNQ.dsp) - N * M}) |`);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('over budget on pynq-z2');
    expect(html).toMatch(/budget 80\.0%, margin -10\.0% \(-22\)/);
  });

  it('a "fits" verdict owed to weights that round to 0 says so on the fit line', () => {
    const out = path.join(dir, 'flushed');
    // Weights of 1e-4 are below half the step of ap_fixed<16,6> (2^-10): all round to 0.
    buildProject(denseModel(path.join(dir, 'f.onnx'), 8, 4, 1e-3 / 3), out, { board: 'pynq-z2' });
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md).toMatch(/## Hardware plan: .* — fits within the utilization budget — but 32 of 32 non-zero weights \(100\.0%\) round to 0/);
    expect(readFileSync(path.join(out, 'report.html'), 'utf8')).toContain('100.0% of weights round to 0');
  });
});

describe('--max-utilization values', () => {
  it('parses a percentage for all, per resource, and both', () => {
    expect(parseMaxUtilization('75')).toEqual(ALL(0.75));
    expect(parseMaxUtilization('dsp=80,lut=70')).toEqual({ dsp: 0.8, lut: 0.7 });
    expect(parseMaxUtilization('90, LUT=70%, bram=50')).toEqual({ ...ALL(0.9), lut: 0.7, bram18: 0.5 });
    expect(parseMaxUtilization('uram=100,ff=12.5')).toEqual({ uram: 1, ff: 0.125 });
  });

  async function fpgac(...args: string[]): Promise<{ code: number; err: string }> {
    const err: string[] = [];
    const code = await main(['node', 'fpgac', ...args], { out: () => {}, err: (s) => err.push(s) });
    return { code, err: err.join('\n') };
  }

  for (const [spec, why] of [
    ['0', /the value '0' is not a percentage above 0 and at most 100/],
    ['101', /the value '101' is not a percentage/],
    ['dsp=0', /dsp '0' is not a percentage/],
    ['lut=abc', /lut 'abc' is not a percentage/],
    ['bram36=50', /unknown resource 'bram36' \(known: dsp, lut, ff, bram, uram\)/],
    ['', /is empty/],
    ['80,', /empty item/],
  ] as const) {
    it(`'${spec}' exits 2 with one diagnostic line`, async () => {
      const r = await fpgac('build', denseModel(path.join(dir, 'v.onnx'), 4, 2), '-o', path.join(dir, 'never'), '--max-utilization', spec);
      expect(r.code).toBe(2);
      expect(r.err.split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/FPGAC005/);
      expect(r.err).toMatch(why);
    });
  }
});
