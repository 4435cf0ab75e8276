/**
 * The planner's choice of weights from DDR (issue 14 part 4; src/plan/stream.ts, src/plan/plan.ts chooseStreamed):
 * - 'auto' streams nothing when every weight fits on chip within the budget, and otherwise the largest weight arrays
 *   first: a model with one layer too big for PYNQ-Z2's block RAM and a small one streams the big one only, and
 *   fits; '--weights chip' refuses the same model (FPGAC010); '--weights ddr' streams both.
 * - Every streamed layer's cycles obey bounds that come from the board, not from the model: at least its image
 *   words (one bus word a cycle), at least its bytes at the board's stated DDR bandwidth, at least its products per
 *   multiplier; a layer is DDR-bound exactly when a tile loads slower than it computes, and then it takes at least
 *   tiles × load cycles.
 * - A dense layer reading every input each cycle needs a whole row of weights a cycle, more than a bus word brings:
 *   DDR-bound; the report says so.
 * - Streaming needs the sequential schedule: `--weights ddr` with a pipelined or dataflow schedule is refused.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileModel } from '../../src/compile.js';
import { planDesign } from '../../src/plan/plan.js';
import { resolveBoard } from '../../src/plan/boards.js';
import { DiagnosticError } from '../../src/diagnostics.js';
import { computeLayers, type Design } from '../../src/ir/design.js';
import { kindOf } from '../../src/kinds/index.js';
import { buildModel, values } from '../support/onnx-builder.js';
import { buildProject } from '../../src/build.js';
import { REPO } from '../support/harness.js';
import { mobileNetV2Spec, writeModel } from '../../bench/models.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-stream-plan-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** x[1, n] -> big (n x 1024) -> small (1024 x 10); n = 320: 5.2 Mb at 16 bits, more than all of PYNQ-Z2's block RAM. */
function twoDense(n = 320, hidden = 1024): string {
  const file = path.join(dir, `two-dense-${n}-${hidden}.onnx`);
  buildModel({
    inputs: [{ name: 'x', dims: [1, n] }], outputs: [{ name: 'y' }],
    initializers: [
      { name: 'W1', dims: [n, hidden], values: values(n * hidden, 3, 0.1) },
      { name: 'W2', dims: [hidden, 10], values: values(hidden * 10, 4, 0.1) },
    ],
    nodes: [
      { name: 'big', op: 'MatMul', inputs: ['x', 'W1'], outputs: ['h'] },
      { name: 'small', op: 'MatMul', inputs: ['h', 'W2'], outputs: ['y'] },
    ],
  }, file);
  return file;
}

const layerOf = (d: Design, node: string) => computeLayers(d.layers).find((l) => l.sources.includes(node))!;

describe('which layers stream', () => {
  it('auto: every weight fits on chip, nothing streams (dsodenet on ZCU104)', () => {
    const { plan, parallel } = planDesign(compileModel(path.join(REPO, 'examples', 'dsodenet-digits', 'model.onnx')).design, resolveBoard('zcu104'));
    expect([...parallel.values()].filter((p) => p.stream)).toEqual([]);
    expect(plan.weightImage).toBeUndefined();
  });

  it('auto on PYNQ-Z2: the layer too big for the block RAM streams, the small one stays on chip, and the design fits; chip refuses, ddr streams both', () => {
    const design = compileModel(twoDense()).design;
    const board = resolveBoard('pynq-z2');
    const big = layerOf(design, 'big');
    const small = layerOf(design, 'small');
    // The facts the expectation rests on, from the board and the weights: the big layer alone is over all of the
    // block RAM (280 BRAM18 of 18 Kb), the small one far below it.
    const bitsOf = (l: typeof big) => kindOf(l).report.macWeight(l)!.raw.length * kindOf(l).report.macWeight(l)!.format.width;
    expect(bitsOf(big)).toBeGreaterThan(board.bram18 * 18 * 1024);
    expect(bitsOf(small)).toBeLessThan(0.1 * board.bram18 * 18 * 1024);
    const auto = planDesign(design, board);
    expect(auto.parallel.get(big.name)!.stream).toBeDefined();
    expect(auto.parallel.get(small.name)!.stream).toBeUndefined();
    expect(auto.plan.verdict).toBe('within-budget');
    expect(auto.plan.weightImage?.layers).toBe(1);
    expect(() => planDesign(design, board, { weightsFrom: 'chip' })).toThrow(DiagnosticError);
    const ddr = planDesign(design, board, { weightsFrom: 'ddr' });
    expect(ddr.parallel.get(small.name)!.stream).toBeDefined();
    expect(ddr.plan.weightImage?.layers).toBe(2);
  });

  it('--weights ddr streams every layer but one the configuration makes fully parallel (its weights are constants in the logic)', () => {
    const design = compileModel(twoDense(8, 16)).design;
    const small = layerOf(design, 'small');
    const big = layerOf(design, 'big');
    const { parallel } = planDesign(design, resolveBoard('zcu104'), { weightsFrom: 'ddr', reuse: new Map([['small', 1]]) });
    expect(parallel.get(small.name)!.stream).toBeUndefined();
    expect(parallel.get(big.name)!.stream).toBeDefined();
  });

  it('weights from DDR need the sequential schedule: --weights ddr with pipelined or dataflow is refused, and auto stays sequential', () => {
    const design = compileModel(twoDense()).design;
    for (const schedule of ['pipelined', 'dataflow'] as const) {
      try {
        planDesign(design, resolveBoard('zcu104'), { weightsFrom: 'ddr', schedule });
        expect.unreachable();
      } catch (e) {
        expect((e as DiagnosticError).diagnostics[0].message).toContain(`--weights ddr needs the sequential schedule, not --schedule ${schedule}`);
      }
    }
    // A dataflow schedule keeps every weight on chip: a model too big for that is refused, the hint naming the way out.
    try {
      planDesign(design, resolveBoard('pynq-z2'), { schedule: 'dataflow' });
      expect.unreachable();
    } catch (e) {
      const d = (e as DiagnosticError).diagnostics[0];
      expect(d.code).toBe('FPGAC010');
      expect(d.hint).toContain('--schedule sequential streams weights from DDR');
    }
    // A model small enough to run as one pipeline does so by default; with its weights from DDR it runs sequentially.
    const tiny = compileModel(twoDense(4, 8)).design;
    expect(planDesign(tiny, resolveBoard('u250')).plan.schedule).toBe('pipelined');
    expect(planDesign(tiny, resolveBoard('u250'), { weightsFrom: 'ddr' }).plan.schedule).toBe('sequential');
  });
});

describe('feature maps larger than the chip', () => {
  it('MobileNetV2-224 at 16 bits: its largest map alone is over the BRAM budget; the plan computes it in row bands and keeps within the budget', () => {
    const file = path.join(dir, 'mnv2-224.onnx');
    writeModel(mobileNetV2Spec({ size: 224 }), file);
    const design = compileModel(file).design;
    const board = resolveBoard('zcu104');
    const { plan, parallel } = planDesign(design, board);
    expect(plan.verdict).toBe('within-budget');
    const readers = computeLayers(design.layers).filter((l) => parallel.get(l.name)?.band?.role === 'reader');
    expect(readers.length).toBeGreaterThan(0);
    const biggest = Math.max(...Object.values(design.tensors).map((t) => t.shape.reduce((a, b) => a * b, 1) * t.format.width));
    expect(biggest).toBeGreaterThan(0.8 * board.bram18 * 18 * 1024);
    const banded = new Set(readers.map((l) => parallel.get(l.name)!.band!.map));
    const tensorBits = (t: string) => design.tensors[t].shape.reduce((a, b) => a * b, 1) * design.tensors[t].format.width;
    expect([...banded].some((t) => tensorBits(t) === biggest)).toBe(true);
    for (const t of banded) expect(plan.memories.some((m) => m.name === t || m.sharedWith?.includes(t))).toBe(false);
  });
});

describe('a streamed layer\'s cycles', () => {
  it('respect the port, the DDR bandwidth and the multipliers; DDR-bound exactly when a tile loads slower than it computes', () => {
    for (const [model, board] of [[path.join(REPO, 'examples', 'dsodenet-digits', 'model.onnx'), 'zcu104'], [twoDense(), 'pynq-z2'], [twoDense(), 'zcu104']] as const) {
      const b = resolveBoard(board);
      const design = compileModel(model).design;
      const { plan, parallel } = planDesign(design, b, { weightsFrom: 'ddr' });
      const streamed = computeLayers(design.layers).filter((l) => parallel.get(l.name)?.stream);
      expect(streamed.length).toBeGreaterThan(0);
      for (const l of streamed) {
        const row = plan.layers.find((r) => r.name === l.name)!;
        const s = parallel.get(l.name)!.stream!;
        const w = kindOf(l).report.macWeight(l)!;
        const words = s.tiles * s.tileWords;
        expect(words, `${l.name}: the image holds its weights`).toBeGreaterThanOrEqual(Math.ceil((w.raw.length * w.format.width) / b.dmaBits!));
        expect(row.latency, `${l.name}: one bus word a cycle`).toBeGreaterThanOrEqual(words);
        const ddrBytesPerCycle = (b.ddrGBps! * 1e9) / (plan.clockMHz * 1e6);
        expect(row.latency, `${l.name}: the DDR bandwidth`).toBeGreaterThanOrEqual((words * b.dmaBits!) / 8 / ddrBytesPerCycle);
        expect(row.latency, `${l.name}: the multipliers`).toBeGreaterThanOrEqual(kindOf(l).macs(l) / row.multipliers);
        expect(row.weights!.storage).toBe('streamed');
        expect(row.stream!.ddrBound).toBe(row.stream!.loadCycles > row.stream!.computeCycles);
        if (row.stream!.ddrBound) expect(row.latency).toBeGreaterThanOrEqual(row.stream!.tiles * row.stream!.loadCycles);
      }
    }
  });

  it('a dense layer reading all 320 inputs each cycle needs 320 weights a cycle, more than a 128-bit word brings: DDR-bound, and the report names it', () => {
    const out = path.join(dir, 'prj-fast');
    const r = buildProject(twoDense(), out, { board: 'zcu104', weightsFrom: 'ddr', reuse: new Map([['big', 1024]]) });
    const row = r.report.plan!.layers.find((l) => l.name === layerOf(r.compiled.design, 'big').name)!;
    expect(row.parallel?.pfIn).toBe(320);
    // 320 16-bit weights a cycle = 5120 bits; the port brings 128.
    expect(row.stream!.ddrBound).toBe(true);
    expect(row.stream!.loadCycles).toBeGreaterThanOrEqual((320 * 16) / 128);
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md).toMatch(new RegExp(`DDR-bound \\(a tile loads slower than it computes\\): ${row.name} \\(`));
    expect(md).toContain('tb_data/weights.bin');
  });
});
