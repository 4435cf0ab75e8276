/**
 * The planner: primitive shapes (block counts worked out by hand from the BRAM18/URAM aspect ratios), buffer
 * sharing by lifetime, the fit check, the targets on real models, and that the emitted pragmas are exactly what
 * the plan says.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bram18Blocks, uramBlocks, placeArray, placeConstant, MAX_RESHAPE_BITS } from '../../src/plan/memory.js';
import { boards, resolveBoard } from '../../src/plan/boards.js';
import { planDesign } from '../../src/plan/plan.js';
import { compileModel } from '../../src/compile.js';
import { computeLayers } from '../../src/ir/design.js';
import { layerConstants } from '../../src/kinds/index.js';
import { buildProject } from '../../src/build.js';
import { DiagnosticError } from '../../src/diagnostics.js';
import { buildModel, values } from '../support/onnx-builder.js';
import { HAVE_SHARED, modelPath, SHARED_MODELS, SKIP_REASON } from '../support/models.js';
import { REPO } from '../support/harness.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-plan-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EXAMPLE = path.join(REPO, 'examples', 'dsodenet-digits', 'model.onnx');

describe('memory primitives', () => {
  it('counts BRAM18 blocks with the best aspect ratio', () => {
    expect(bram18Blocks(1024, 18)).toBe(1); // 1K×18
    expect(bram18Blocks(512, 36)).toBe(1); // 512×36
    expect(bram18Blocks(16384, 1)).toBe(1); // 16K×1
    expect(bram18Blocks(1025, 18)).toBe(2); // one word too deep
    expect(bram18Blocks(4096, 16)).toBe(4); // 4K×4, four wide
    expect(bram18Blocks(2048, 9)).toBe(1); // 2K×9
    expect(bram18Blocks(100, 72)).toBe(2); // two 512×36 side by side
  });

  it('counts URAM blocks as 4K×72', () => {
    expect(uramBlocks(4096, 72)).toBe(1);
    expect(uramBlocks(4097, 72)).toBe(2);
    expect(uramBlocks(8192, 16)).toBe(2);
  });

  it('places tiny arrays in registers, small ones in LUTRAM, deep RAMs in URAM when present, never ROMs in URAM', () => {
    expect(placeArray(16, 16, 1, true).kind).toBe('registers');
    expect(placeArray(256, 16, 1, true).kind).toBe('lutram');
    expect(placeArray(65536, 72, 1, true).kind).toBe('uram');
    expect(placeArray(65536, 72, 1, true, true).kind).toBe('bram18');
    expect(placeArray(65536, 72, 1, false).kind).toBe('bram18');
  });

  it('reshapes a block-RAM constant into wide words when that needs fewer blocks', () => {
    // 10,000 x 16 bits: 1K x 18 blocks hold it 16/18 full (10 blocks); five weights to a word fill 2K x 9 columns.
    expect(placeArray(10000, 16, 1, false, true)).toMatchObject({ kind: 'bram18', blocks: 10 });
    const r = placeConstant(10000, 16, 1, true, false);
    expect(r.blocks).toBe(9);
    expect(r.reshape! * 16).toBeLessThanOrEqual(MAX_RESHAPE_BITS);
    expect(bram18Blocks(Math.ceil(10000 / r.reshape!), 16 * r.reshape!)).toBe(9);
    expect((10000 * 16) / r.capacityBits).toBeGreaterThan(0.94);
    // Four lanes read four consecutive weights a cycle: the word holds a multiple of four.
    const four = placeConstant(10000, 16, 4, true, false);
    expect(four.reshape === undefined || four.reshape % 4 === 0).toBe(true);
    expect(four.blocks).toBeLessThanOrEqual(placeArray(10000, 16, 4, false, true).blocks);
    // Engines reading far-apart elements (block banks) keep their partition; LUTRAM-sized arrays are left alone.
    expect(placeConstant(10000, 16, 4, false, false).reshape).toBeUndefined();
    expect(placeConstant(256, 16, 1, true, false)).toMatchObject({ kind: 'lutram' });
  });
});

describe('board database', () => {
  it('has the seven boards with resources and a source for each figure', () => {
    expect([...boards().keys()].sort()).toEqual(['kv260', 'pynq-z2', 'u250', 'u50', 'ultra96v2', 'zcu102', 'zcu104']);
    for (const b of boards().values()) {
      for (const k of ['lut', 'ff', 'dsp', 'bram18'] as const) expect(b[k], `${b.name}.${k}`).toBeGreaterThan(0);
      expect(b.bram18 % 2, `${b.name}: BRAM36 counted as 2 BRAM18`).toBe(0);
      expect(b.source.length).toBeGreaterThan(20);
    }
    expect(resolveBoard('ZCU104').part).toBe('xczu7ev-ffvc1156-2-e');
    expect(resolveBoard(undefined, 'xck26-sfvc784-2LV-c').name).toBe('kv260');
  });
});

describe('plan of real designs', () => {
  it('dsodenet on ZCU104: everything on chip in ≤ 10% of BRAM+URAM, packing ≥ 90%, planned in under a second', () => {
    const c = compileModel(EXAMPLE);
    const board = resolveBoard('zcu104');
    const t0 = performance.now();
    const { plan } = planDesign(c.design, board);
    const ms = performance.now() - t0;
    expect(ms).toBeLessThan(1000);
    const used = plan.totals.bram18 * 18432 + plan.totals.uram * 294912;
    const avail = board.bram18 * 18432 + board.uram * 294912;
    expect(used / avail).toBeLessThanOrEqual(0.1);
    expect(plan.packingEfficiency).toBeGreaterThanOrEqual(0.9);
    // Every weight is in a memory (none left off chip); the two ODE engines' weights are placed once each: the
    // model's 3,002 parameters (the Euler step h = 0.25 is a shift, not a stored constant), except that a sparse
    // layer's weight array is replaced by its non-zero values (with padding) and their indices.
    const placed = new Map(plan.memories.map((m) => [m.name, m]));
    let params = 0;
    for (const l of computeLayers(c.design.layers)) {
      const e = plan.layers.find((r) => r.name === l.name)!;
      for (const { data } of layerConstants(l)) {
        const sparseWeight = e.weights?.storage === 'sparse' && 'weight' in l && data === l.weight;
        if (!sparseWeight) expect(placed.get(data.name)?.words, data.name).toBe(data.raw.length);
        params += data.raw.length;
      }
      if (e.weights?.storage === 'sparse') {
        const values = plan.memories.find((m) => m.name.startsWith(`${(l as { weight: { name: string } }).weight.name}_`) && m.name.endsWith('_v'))!;
        expect(values.words).toBe(e.weights.stored);
        expect(e.weights.stored).toBeGreaterThanOrEqual(e.weights.weights - e.weights.zeros);
        expect(e.weights.stored).toBeLessThan(e.weights.weights);
      }
    }
    expect(params).toBe(3002);
    // Pruned layers are sparse unless sparse cannot save a cycle: a conv whose engines all run together needs every
    // tap some engine's channel uses, so it saves nothing when those taps are all of them (checked from the weights).
    for (const l of computeLayers(c.design.layers)) {
      if (l.kind !== 'conv2d' && l.kind !== 'dense') continue;
      const e = plan.layers.find((r) => r.name === l.name)!;
      if (!l.weight.raw.includes(0) || e.weights!.storage !== 'dense') continue;
      expect(l.kind, l.name).toBe('conv2d');
      if (l.kind !== 'conv2d') continue;
      const fanIn = l.weight.raw.length / l.oc;
      expect(e.parallel!.pfOut, l.name).toBe(l.oc);
      for (let t = 0; t < fanIn; t++) expect(Array.from({ length: l.oc }, (_, o) => l.weight.raw[o * fanIn + t]).some((r) => r !== 0), `${l.name} tap ${t}`).toBe(true);
    }
    expect(plan.layers.filter((l) => l.weights?.storage === 'sparse').length).toBeGreaterThanOrEqual(3);
    expect(plan.fits).toBe(true);
  });

  it('shares feature buffers whose lifetimes do not overlap', () => {
    const { plan, buffers } = planDesign(compileModel(EXAMPLE).design, resolveBoard('zcu104'));
    // Only buffers partitioned alike can share (here, inside the second ODE block's step function).
    const shared = [...buffers.values()].flat().filter((g) => g.members.length > 1);
    expect(shared.length).toBeGreaterThan(0);
    // Members of a group are never live at once.
    for (const g of shared) expect(new Set(g.members).size).toBe(g.members.length);
    expect(plan.memories.some((m) => m.sharedWith?.length)).toBe(true);
  });

  it('with weights kept on chip (--weights chip), refuses a design that does not fit, naming the resource, need, budget and the largest consumers', () => {
    const file = path.join(dir, 'big.onnx');
    buildModel({
      inputs: [{ name: 'x', dims: ['N', 1024] }], outputs: [{ name: 'y' }],
      initializers: [{ name: 'W', dims: [1024, 1024], values: values(1024 * 1024, 3) }],
      nodes: [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['y'] }],
    }, file);
    const c = compileModel(file);
    try {
      planDesign(c.design, resolveBoard('pynq-z2'), { weightsFrom: 'chip' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DiagnosticError);
      const d = (e as DiagnosticError).diagnostics[0];
      expect(d.code).toBe('FPGAC010');
      expect(d.message).toMatch(/does not fit xc7z020clg400-1 \(pynq-z2\): BRAM18 needs \d+, the device has 280; largest consumers: MatMul_0 \(\d+\)/);
    }
    const { plan } = planDesign(c.design, resolveBoard('pynq-z2'), { allowOverflow: true, weightsFrom: 'chip' });
    expect(plan.fits).toBe(false);
    expect(plan.utilization.bram18).toBeGreaterThan(1);
  });
});

describe('emitted pragmas are the plan', () => {
  for (const tool of ['vitis', 'vivado'] as const) {
    it(`${tool}: one storage pragma per planned memory with the planned kind, and the planned banks or reshape`, () => {
      const out = path.join(dir, `prj-${tool}`);
      const r = buildProject(EXAMPLE, out, { hlsTool: tool });
      const top = readFileSync(path.join(out, 'firmware', 'top.cpp'), 'utf8');
      const pragmas = [...top.matchAll(/#pragma HLS (BIND_STORAGE|RESOURCE|ARRAY_PARTITION|ARRAY_RESHAPE) variable=(\w+) (.*)/g)].map((m) => ({ what: m[1], name: m[2], rest: m[3] }));
      const storage = (x: { what: string; rest: string }) => x.what === 'BIND_STORAGE' || x.what === 'RESOURCE' || x.rest === 'complete';
      for (const m of r.report.plan!.memories) {
        const p = pragmas.filter((x) => x.name === m.name && storage(x));
        expect(p.length, `pragma for ${m.name}`).toBeGreaterThan(0);
        const want = m.kind === 'registers' ? 'complete'
          : tool === 'vitis' ? `impl=${m.kind === 'bram18' ? 'bram' : m.kind}`
          : m.kind === 'uram' ? 'uram' : m.kind === 'lutram' ? 'LUTRAM' : 'BRAM';
        for (const x of p) expect(x.rest, m.name).toContain(want);
        // Every memory: its banks (cyclic or block, as the kernels access it) or its reshape, exactly.
        if (m.kind === 'registers') continue;
        const layout = pragmas.filter((x) => x.name === m.name && !storage(x)).map((x) => `${x.what} ${x.rest}`);
        const expected = m.reshape ? [`ARRAY_RESHAPE ${m.layout ?? 'cyclic'} factor=${m.reshape}`] : m.banks > 1 ? [`ARRAY_PARTITION ${m.layout} factor=${m.banks}`] : [];
        expect(layout, m.name).toEqual(expected);
      }
      // Nothing is pinned that the plan does not know (ports are partitioned as the plan's layout of their tensors,
      // and step functions' state parameters, partitioned like the buffers passed to them).
      const stepParams = [...top.matchAll(/static void \w+_step\(const \w+ (\w+)\[\d+\], \w+ (\w+)\[/g)].flatMap((m) => [m[1], m[2]]);
      const planned = new Set([...r.report.plan!.memories.map((m) => m.name), ...r.compiled.design.inputs, ...r.compiled.design.outputs, ...stepParams]);
      for (const p of pragmas) expect(planned.has(p.name), p.name).toBe(true);
      // dsodenet's banked weights and feature maps really get partition pragmas (sparse weights included), and
      // both buffers of a region's state get the same partition as the step function's parameters.
      expect(pragmas.filter((x) => x.what === 'ARRAY_PARTITION' && Number(/block factor=(\d+)/.exec(x.rest)?.[1] ?? 0) >= 16).length).toBeGreaterThan(10);
      const pp = r.report.plan!.memories.find((m) => m.name === 'region_ode1_f_dw_Conv_pp')!;
      expect(pp.banks).toBeGreaterThan(1);
      expect(top).toContain(`#pragma HLS ARRAY_PARTITION variable=region_ode1_f_dw_Conv_pp block factor=${pp.banks}`);
      expect(top).toMatch(new RegExp(`static void region_ode1_f_dw_Conv_step\\(const \\w+ (\\w+)\\[4096\\], \\w+ (\\w+)\\[4096\\]\\) \\{\\n#pragma HLS INLINE off\\n#pragma HLS ARRAY_PARTITION variable=\\1 block factor=${pp.banks}\\n#pragma HLS ARRAY_PARTITION variable=\\2 block factor=${pp.banks}`));
    });
  }

  it('no kernel header partitions or reshapes a constant argument: that layout is the plan\'s alone', () => {
    for (const h of ['dense.h', 'conv.h']) {
      const text = readFileSync(path.join(REPO, 'hw', 'fpgac', h), 'utf8');
      expect(text).not.toMatch(/#pragma HLS ARRAY_(PARTITION|RESHAPE) variable=(w|wt|sv|si|sl|sn) /);
    }
  });
});

describe.skipIf(!HAVE_SHARED)('plan targets on shared models', () => {
  it('dense_big_keras packing efficiency is reported, and ≥ 90% with its weights in block RAM', () => {
    const m = 'hls4ml/dense_big_keras';
    const { plan } = planDesign(compileModel(modelPath(m)).design, resolveBoard('zcu104'));
    console.log(`dense_big_keras packing efficiency: ${(100 * plan.packingEfficiency).toFixed(1)}%`);
    expect(plan.packingEfficiency).toBeGreaterThanOrEqual(0.9);
    // Calibrated (the default ap_fixed<16,6> rounds most of this model's small weights to zero) and at one frame
    // per second, the four 100 x 100 weight arrays sit in BRAM18: each must fill its blocks ≥ 90%.
    const calib = path.join(SHARED_MODELS, m, 'test_data_set_0', 'input_0.pb');
    const slow = planDesign(compileModel(modelPath(m), { calibrate: [calib] }).design, resolveBoard('zcu104'), { targetFps: 1 }).plan;
    const inBram = slow.memories.filter((x) => x.role === 'weight' && x.kind === 'bram18');
    expect(inBram.length).toBeGreaterThanOrEqual(4);
    for (const x of inBram) expect((x.words * x.bits) / x.capacityBits, x.name).toBeGreaterThanOrEqual(0.9);
    expect(slow.packingEfficiency).toBeGreaterThanOrEqual(0.9);
    console.log(`dense_big_keras calibrated, weights in BRAM18: packing ${(100 * slow.packingEfficiency).toFixed(1)}% (${inBram.map((x) => `${x.name} ${x.blocks} blocks${x.reshape ? `, ${x.reshape} per word` : ''}`).join('; ')})`);
  });
});

if (!(HAVE_SHARED)) describe('plan targets', () => {
  it.skip(`skipped: ${SKIP_REASON}`, () => {});
});

describe('parallelism', () => {
  const dsodenet = () => compileModel(EXAMPLE).design;

  it('by default adds parallelism within the utilization budget, and uses less on a smaller board', () => {
    const big = planDesign(dsodenet(), resolveBoard('zcu104'));
    const small = planDesign(dsodenet(), resolveBoard('pynq-z2'));
    const serial = planDesign(dsodenet(), resolveBoard('zcu104'), { targetFps: 1 });
    expect(serial.plan.totals.dsp).toBeLessThan(big.plan.totals.dsp);
    expect(big.plan.totals.latencyCycles).toBeLessThan(serial.plan.totals.latencyCycles / 5);
    // The default budget: 80% of the PYNQ-Z2's 220 DSPs (and 70% of its LUTs: under 100k LUTs, a small part).
    const pynq = resolveBoard('pynq-z2');
    expect(small.plan.totals.dsp).toBeLessThanOrEqual(Math.floor(0.8 * pynq.dsp));
    expect(small.plan.totals.lut).toBeLessThanOrEqual(0.7 * pynq.lut);
    expect(small.plan.fits).toBe(true);
    expect(small.plan.verdict).toBe('within-budget');
  });

  it('stops at the target frame rate', () => {
    const p = planDesign(dsodenet(), resolveBoard('zcu104'), { targetFps: 500 }).plan;
    expect(p.totals.throughputFps).toBeGreaterThanOrEqual(500);
    expect(p.totals.dsp).toBeLessThan(planDesign(dsodenet(), resolveBoard('zcu104')).plan.totals.dsp);
  });

  it('keeps a configured reuse factor, by layer or ONNX node name', () => {
    const d = dsodenet();
    const p = planDesign(d, resolveBoard('zcu104'), { reuse: new Map([['/fc/Gemm', 40]]) });
    const fc = p.plan.layers.find((l) => l.name === 'fc_Gemm')!;
    expect(fc.reuse).toBe(40);
    expect(fc.multipliers).toBe(8); // 32 inputs x 10 outputs / 40: pf_in = 8
  });

  // fc is 32 inputs x 10 outputs: pf_in divides 32, or pf_in = 32 and pf_out divides 10.
  it('refuses an impossible reuse factor and lists the possible ones, never snapping', () => {
    try {
      planDesign(dsodenet(), resolveBoard('zcu104'), { reuse: new Map([['fc_Gemm', 7], ['nope', 2]]) });
      expect.unreachable();
    } catch (e) {
      const msgs = (e as DiagnosticError).diagnostics.map((d) => `${d.message} (${d.hint ?? ''})`);
      expect(msgs[0]).toMatch(/reuse factor 7 is not possible for layer 'fc_Gemm' \(possible: 1, 2, 5, 10, 20, 40, 80, 160, 320\)/);
      expect(msgs[1]).toMatch(/names layer 'nope'/);
    }
  });
});

describe('table kernels with lanes (curve, octave)', () => {
  it('a Tanh and a Sqrt on a 16x16x16 map get lanes; their tables get enough read ports, and HLS is told so', () => {
    const file = path.join(dir, 'tables.onnx');
    buildModel({
      inputs: [{ name: 'x', dims: [1, 16, 16, 16] }], outputs: [{ name: 'y' }],
      nodes: [
        { op: 'Tanh', inputs: ['x'], outputs: ['t'] },
        { op: 'Abs', inputs: ['t'], outputs: ['a'] },
        { op: 'Sqrt', inputs: ['a'], outputs: ['y'] },
      ],
    }, file);
    const out = path.join(dir, 'tables-prj');
    const r = buildProject(file, out, { board: 'zcu104', schedule: 'sequential' });
    const plan = r.report.plan!;
    const top = readFileSync(path.join(out, 'firmware', 'top.cpp'), 'utf8');
    for (const kind of ['curve', 'octave']) {
      const l = computeLayers(r.compiled.design.layers).find((x) => x.kind === kind)!;
      const lanes = plan.layers.find((x) => x.name === l.name)!.parallel!.pfOut;
      expect(lanes, `${kind} lanes`).toBeGreaterThan(1);
      for (const { data } of layerConstants(l)) {
        const m = plan.memories.find((x) => x.name === data.name)!;
        // Ports a copy offers each cycle: a block RAM two, a LUT ROM one, registers any number.
        const ports = m.kind === 'registers' ? Infinity : m.kind === 'lutram' ? 1 : 2;
        expect((m.copies ?? 1) * ports, `${data.name} (${m.kind})`).toBeGreaterThanOrEqual(lanes);
        if (m.kind !== 'registers') expect(top).toMatch(new RegExp(`BIND_STORAGE variable=${data.name} type=rom_np`));
      }
    }
  });
});
