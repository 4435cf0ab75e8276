/**
 * `--schedule dataflow` (issue 14 part 2): every top-level layer and loop region a process of one DATAFLOW region.
 * - Bits: g++ C-simulation of the dataflow project (memory, axis and m_axi wrappers) equals `fpgac sim`, on a
 *   residual network whose feature maps fan out (an input port read twice, a map read by two layers, an output port
 *   some layer also reads) and on dsodenet (loop regions as processes).
 * - Structure: HLS needs one producer and one consumer per channel. In the emitted top every array is named by
 *   exactly two of its calls (input ports and output ports by one), the body holds calls only (no bare loop, which
 *   would not be a process), and the wrappers' sample loops are dataflow regions.
 * - Plan: the interval is no shorter than any process and, on dsodenet, shorter than the sequential schedule's.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli.js';
import { buildProject } from '../../src/build.js';
import { buildModel, values, type ModelSpec } from '../support/onnx-builder.js';
import { expectCsimEqualsSim } from '../support/csim.js';
import { REPO } from '../support/harness.js';
import { writeNpy } from '../../src/npy.js';

const quiet = { out: () => {}, err: (s: string) => process.stderr.write(s + '\n') };
let tmp: string;
beforeAll(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-dataflow-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const w = (name: string, dims: number[], seed: number) => ({ name, dims, values: values(dims.reduce((a, b) => a * b, 1), seed, 0.3) });
const conv = (name: string, x: string, wt: string, y: string) => ({ name, op: 'Conv', inputs: [x, wt], outputs: [y], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } });

// x feeds c1 and the last Add; t1 feeds c2 and the first Add; t3 is output y1 and feeds c3.
const RESIDUAL: ModelSpec = {
  opset: 13,
  inputs: [{ name: 'x', dims: [1, 4, 8, 8] }],
  outputs: [{ name: 't3' }, { name: 'y2' }],
  nodes: [
    conv('c1', 'x', 'w1', 't1a'),
    { name: 'r1', op: 'Relu', inputs: ['t1a'], outputs: ['t1'] },
    conv('c2', 't1', 'w2', 't2'),
    { name: 'add1', op: 'Add', inputs: ['t1', 't2'], outputs: ['t3'] },
    conv('c3', 't3', 'w3', 't4'),
    { name: 'add2', op: 'Add', inputs: ['t4', 'x'], outputs: ['y2'] },
  ],
  initializers: [w('w1', [4, 4, 3, 3], 1), w('w2', [4, 4, 3, 3], 2), w('w3', [4, 4, 3, 3], 3)],
};

/** The top function's body: its declarations and pragmas, then one call per process. */
function topBody(project: string, top: string): string[] {
  const text = readFileSync(path.join(project, 'firmware', 'top.cpp'), 'utf8');
  const start = text.indexOf(`void ${top}(`);
  return text.slice(text.indexOf('{', start) + 1, text.lastIndexOf('}')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('//'));
}

/** Checks single producer / single consumer from the emitted text alone; returns the number of processes. */
function expectCanonicalDataflow(project: string, top: string, ports: { inputs: string[]; outputs: string[] }): number {
  const body = topBody(project, top);
  expect(body).toContain('#pragma HLS DATAFLOW');
  const decls = body.filter((l) => /^\w+ \w+\[\d+\];/.test(l)).map((l) => /^\w+ (\w+)\[/.exec(l)![1]);
  const calls = body.filter((l) => !l.startsWith('#pragma') && !/^\w+ \w+\[\d+\];/.test(l));
  for (const c of calls) expect(c, 'a process is one call').toMatch(/^[\w:]+(<\w+>)?\([\w, ]*\);$/);
  const mentions = (v: string) => calls.filter((c) => c.replace(/^[^(]*\(/, '').split(/[(), ]+/).includes(v)).length;
  for (const v of decls) expect(mentions(v), `channel ${v}: one producer and one consumer`).toBe(2);
  for (const v of [...ports.inputs, ...ports.outputs]) expect(mentions(v), `port ${v}: one process`).toBe(1);
  return calls.length;
}

describe('dataflow schedule', () => {
  it('a residual network with fan-outs: one producer and one consumer per channel; csim equals the simulator (memory, axis, m_axi)', async () => {
    const model = path.join(tmp, 'residual.onnx');
    buildModel(RESIDUAL, model);
    const x = path.join(tmp, 'x.npy');
    writeNpy(x, { shape: [3, 4, 8, 8], data: values(3 * 256, 9, 2) });
    for (const itf of ['memory', 'axis', 'm_axi']) {
      const prj = path.join(tmp, `res-${itf}`);
      expect(await main(['node', 'fpgac', 'build', model, '-o', prj, '--schedule', 'dataflow', '--interface', itf, '--input', x], quiet)).toBe(0);
      const report = JSON.parse(readFileSync(path.join(prj, 'report.json'), 'utf8'));
      expect(report.plan.schedule).toBe('dataflow');
      const design = JSON.parse(readFileSync(path.join(prj, 'design.json'), 'utf8')) as { inputs: string[]; outputs: string[]; tensors: Record<string, { onnxName: string }> };
      const processes = expectCanonicalDataflow(prj, 'fpgac_top', { inputs: design.inputs, outputs: design.outputs });
      // Six layers (the Relu fuses into c1) and three fan-outs (x, t1, t3).
      expect(processes).toBe(5 + 3);
      const fanned = report.plan.layers.filter((l: { kind: string }) => l.kind === 'fanout').map((l: { name: string }) => design.tensors[l.name.replace(/_fanout$/, '')].onnxName).sort();
      expect(fanned).toEqual(['t1', 't3', 'x']);
      if (itf !== 'memory') {
        const wrapper = readFileSync(path.join(prj, 'firmware', `fpgac_top_${itf === 'axis' ? 'axis' : 'maxi'}.cpp`), 'utf8');
        expect(wrapper).toMatch(/samples: for \(unsigned int s = 0; s < batch; s\+\+\) \{\n#pragma HLS LOOP_TRIPCOUNT[^\n]*\n#pragma HLS DATAFLOW/);
      }
      await expectCsimEqualsSim(prj, [x], { work: tmp, name: `res-${itf}`, outputs: 2 });
    }
  });

  const dsodenet = path.join(REPO, 'examples', 'dsodenet-digits', 'model.onnx');
  it.skipIf(!existsSync(dsodenet))('dsodenet: loop regions are processes; II no shorter than any process and shorter than sequential; csim equals the simulator', async () => {
    const seq = buildProject(dsodenet, path.join(tmp, 'ds-seq'), { board: 'zcu104', schedule: 'sequential' }).report.plan!;
    const prj = path.join(tmp, 'ds-df');
    const df = buildProject(dsodenet, prj, { board: 'zcu104', schedule: 'dataflow', interface: 'axis' }).report.plan!;
    expect(df.schedule).toBe('dataflow');
    const top = df.layers.filter((l) => l.runs === 1);
    for (const l of top) expect(df.totals.iiCycles, l.name).toBeGreaterThanOrEqual(l.latency);
    expect(df.totals.iiCycles).toBeLessThan(seq.totals.iiCycles);
    expect(df.totals.latencyCycles).toBeGreaterThanOrEqual(df.totals.iiCycles);
    expect(df.verdict).toBe('within-budget');
    // The regions' step loops live in their own functions: the top holds one call per process.
    const design = JSON.parse(readFileSync(path.join(prj, 'design.json'), 'utf8')) as { inputs: string[]; outputs: string[] };
    expectCanonicalDataflow(prj, 'fpgac_top', { inputs: design.inputs, outputs: design.outputs });
    expect(readFileSync(path.join(prj, 'firmware', 'top.cpp'), 'utf8')).toContain('static void region_ode1_f_dw_Conv_run(');
    await expectCsimEqualsSim(prj, [path.join(prj, 'tb_data', 'input_0.npy')], { work: tmp, name: 'ds-df' });
  });
});
