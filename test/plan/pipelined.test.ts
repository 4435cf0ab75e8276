/**
 * The pipelined schedule: the chaining scheduler on hand-worked operation lists, the choice between schedules,
 * the hls4ml three_layer_keras target (≤ 12 cycles at II = 1 on xcu250 at 200 MHz with hls4ml's ap_fixed<16,6>,
 * i.e. AP_TRN/AP_WRAP), the emitted pragmas, and the kernels' own loop pipelines switched off by the macro.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chain, familyDelays, type TimedOp } from '../../src/plan/timing.js';
import { resolveBoard } from '../../src/plan/boards.js';
import { planDesign } from '../../src/plan/plan.js';
import { compileModel } from '../../src/compile.js';
import { buildProject } from '../../src/build.js';
import { computeLayers } from '../../src/ir/design.js';
import { DiagnosticError } from '../../src/diagnostics.js';
import { HAVE_SHARED, modelPath, SKIP_REASON } from '../support/models.js';
import { REPO } from '../support/harness.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-pipe-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const logic = (ns: number, bits = 8): TimedOp => ({ kind: 'logic', ns, bits });
const reg = (before: number, after: number, bits = 8): TimedOp => ({ kind: 'reg', before, after, bits });

describe('chaining scheduler', () => {
  it('chains logic within the budget and registers what is alive where it runs out', () => {
    // 1 + 1 + 1 = 3 ns fit a 3.5 ns budget; the fourth starts cycle 1 with the 16 bits alive after the third.
    const r = chain([logic(1), logic(1), logic(1, 16), logic(1)], 3.5, { cycle: 0, t: 0 }, 0);
    expect(r.end).toEqual({ cycle: 1, t: 1 });
    expect(r.ff).toBe(16);
  });

  it('ends a registered operation at the next cycle, with its clock-to-out already spent', () => {
    // 2 ns of logic, then a multiply needing 1.9 ns before its register: 3.9 > 3.5 moves it to cycle 1.
    const r = chain([logic(2), reg(1.9, 0.3), logic(1)], 3.5, { cycle: 0, t: 0 }, 0);
    expect(r.end).toEqual({ cycle: 2, t: 1.3 });
    // The register inside the DSP costs no fabric flip-flop; the one before it does.
    expect(r.ff).toBe(8);
  });

  it('uses slower delays for 7-series parts', () => {
    const slow = familyDelays('xc7z020clg400-1');
    const fast = familyDelays('xczu7ev-ffvc1156-2-e');
    expect(slow.addBase + 32 * slow.addPerBit).toBeGreaterThan(fast.addBase + 32 * fast.addPerBit);
    expect(slow.mulIn).toBeGreaterThan(fast.mulIn);
  });
});

const EXAMPLE = path.join(REPO, 'examples', 'dsodenet-digits', 'model.onnx');

describe('schedule choice', () => {
  it('keeps a design with loop regions sequential, and refuses to force it pipelined', () => {
    const d = compileModel(EXAMPLE).design;
    expect(planDesign(d, resolveBoard('u250')).plan.schedule).toBe('sequential');
    expect(() => planDesign(d, resolveBoard('u250'), { schedule: 'pipelined' })).toThrow(DiagnosticError);
    try {
      planDesign(d, resolveBoard('u250'), { schedule: 'pipelined' });
    } catch (e) {
      expect((e as DiagnosticError).diagnostics[0].message).toMatch(/pipelined schedule is not possible: the design has loop regions/);
    }
  });
});

describe.skipIf(!HAVE_SHARED)('three_layer_keras fully parallel on xcu250 at 200 MHz', () => {
  const hls4mlPrecision = 'ap_fixed<16,6,AP_TRN,AP_WRAP>'; // what ap_fixed<16,6> means in hls4ml
  const design = () => compileModel(modelPath('hls4ml/three_layer_keras'), { precision: hls4mlPrecision }).design;

  it('plans one pipeline at II = 1 with latency ≤ 12 cycles', () => {
    const { plan } = planDesign(design(), resolveBoard('u250'), { clockMHz: 200 });
    console.log(`three_layer_keras pipelined: latency ${plan.totals.latencyCycles} cycles, II ${plan.totals.iiCycles}, ${plan.totals.dsp} DSP; per layer ${plan.layers.map((l) => `${l.name.replace('class_keras_layers_core_', '')} ${l.latency}`).join(', ')}`);
    expect(plan.schedule).toBe('pipelined');
    expect(plan.totals.iiCycles).toBe(1);
    expect(plan.totals.throughputFps).toBe(200e6);
    expect(plan.totals.latencyCycles).toBeLessThanOrEqual(12);
    expect(plan.totals.latencyCycles).toBe(plan.layers.reduce((s, l) => s + l.latency, 0));
    expect(plan.fits).toBe(true);
  });

  it('counts a DSP only for weights that are neither 0 nor ±2^k, checked against the design\'s raws', () => {
    const d = design();
    const { plan } = planDesign(d, resolveBoard('u250'), { clockMHz: 200 });
    for (const l of computeLayers(d.layers)) {
      if (l.kind !== 'dense') continue;
      const row = plan.layers.find((r) => r.name === l.name)!;
      const raws = l.weight.raw;
      const zeros = raws.filter((r) => r === 0).length;
      const pow2 = raws.filter((r) => r !== 0 && Number.isInteger(Math.log2(Math.abs(r)))).length;
      expect(row.constantWeights).toEqual({ zeros, powersOfTwo: pow2, general: raws.length - zeros - pow2 });
      expect(row.dsp).toBe(raws.length - zeros - pow2); // 16-bit × 16-bit: one DSP48E2 a product
    }
  });

  it('sequential when asked: II equals the latency, and more cycles', () => {
    const seq = planDesign(design(), resolveBoard('u250'), { clockMHz: 200, schedule: 'sequential' }).plan;
    expect(seq.schedule).toBe('sequential');
    expect(seq.totals.iiCycles).toBe(seq.totals.latencyCycles);
    expect(seq.totals.latencyCycles).toBeGreaterThan(12);
  });

  it('stays sequential on a board where the unrolled design does not fit (ZCU104: 1,728 DSP)', () => {
    const { plan } = planDesign(design(), resolveBoard('zcu104'));
    expect(plan.schedule).toBe('sequential');
    expect(plan.fits).toBe(true);
  });

  it('emits the pipelined top: PIPELINE II=1, reshaped ports, multi-port tables, kernels\' loop pipelines off', () => {
    const out = path.join(dir, 'tlk');
    buildProject(modelPath('hls4ml/three_layer_keras'), out, { board: 'u250', clockMHz: 200, precision: hls4mlPrecision });
    const top = readFileSync(path.join(out, 'firmware', 'top.cpp'), 'utf8');
    const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(report.plan.schedule).toBe('pipelined');
    expect(top).toContain('#pragma HLS PIPELINE II=1');
    expect(top).toMatch(/#pragma HLS ARRAY_RESHAPE variable=in_input_1_0 complete dim=0/);
    for (const m of report.plan.memories.filter((x: { role: string; kind: string }) => x.role === 'table')) {
      expect(top).toContain(`#pragma HLS BIND_STORAGE variable=${m.name} type=rom_np impl=${m.kind === 'bram18' ? 'bram' : 'lutram'}`);
    }
    expect(readFileSync(path.join(out, 'firmware', 'parameters.h'), 'utf8')).toMatch(/#define FPGAC_PIPELINE_TOP 1[\s\S]*#include "fpgac\/dense.h"/);
    expect(readFileSync(path.join(out, 'build_prj.tcl'), 'utf8')).toContain('set_clock_uncertainty 12.5%');
  });
});

if (!HAVE_SHARED) describe('three_layer_keras pipelined', () => {
  it.skip(`skipped: ${SKIP_REASON}`, () => {});
});

describe('kernel headers', () => {
  it('every loop PIPELINE pragma is switched off under FPGAC_PIPELINE_TOP', () => {
    const hw = path.join(REPO, 'hw', 'fpgac');
    for (const f of readdirSync(hw).filter((x) => x.endsWith('.h'))) {
      const lines = readFileSync(path.join(hw, f), 'utf8').split('\n');
      lines.forEach((l, i) => {
        if (/#pragma HLS PIPELINE/.test(l)) expect(lines[i - 1].trim(), `${f}:${i + 1}`).toBe('#ifndef FPGAC_PIPELINE_TOP');
      });
    }
  });
});
