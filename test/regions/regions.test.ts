/**
 * Neural-ODE regions: weight-tied steps (unrolled or as an ONNX Loop) become one engine whose weights are stored
 * once, whatever the step count; the hardware (g++ C-simulation of the emitted C++) and `fpgac sim` agree bit for
 * bit; steps with different weights stay separate; the Loop's float reference matches ONNX Runtime.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildProject } from '../../src/build.js';
import { compileModel } from '../../src/compile.js';
import { loadModel } from '../../src/onnx/load.js';
import { inferAndFold } from '../../src/passes/infer.js';
import { runFloat } from '../../src/reference.js';
import { DiagnosticError } from '../../src/diagnostics.js';
import { readNpy, writeNpy } from '../../src/npy.js';
import { main } from '../../src/cli.js';
import { values } from '../support/onnx-builder.js';
import { toleranceRatio } from '../support/models.js';
import { odeModel, type OdeOptions } from './ode-models.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-ode-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function model(name: string, o: OdeOptions): string {
  const file = path.join(dir, `${name}.onnx`);
  odeModel(file, o);
  return file;
}

const regionsOf = (file: string) => compileModel(file).canonical.nodes.filter((n) => n.op === 'LoopRegion');
const quiet = { out: () => {}, err: (s: string) => process.stderr.write(s + '\n') };

describe('region detection', () => {
  for (const steps of [2, 4, 8]) {
    it(`${steps} unrolled steps with shared initializers become one region of ${steps} trips`, () => {
      const r = regionsOf(model(`u${steps}`, { steps, form: 'unrolled' }));
      expect(r).toHaveLength(1);
      expect((r[0].params as { trips: number }).trips).toBe(steps);
    });
  }

  it('steps whose initializers are copies with identical contents are merged too', () => {
    const r = regionsOf(model('dup', { steps: 4, form: 'unrolled', duplicate: true }));
    expect(r.map((n) => (n.params as { trips: number }).trips)).toEqual([4]);
  });

  it('steps with different weights are not merged', () => {
    const file = model('diff', { steps: 4, form: 'unrolled', differentWeights: true });
    expect(regionsOf(file)).toHaveLength(0);
    expect(compileModel(file).design.layers.filter((l) => l.kind === 'conv2d')).toHaveLength(9);
  });

  it('an ONNX Loop with a constant trip count becomes a region', () => {
    const r = regionsOf(model('l4', { steps: 4, form: 'loop' }));
    expect(r.map((n) => (n.params as { trips: number }).trips)).toEqual([4]);
  });

  it('a Loop whose trip count is computed at run time gets a clear diagnostic', () => {
    const file = model('dyn', { steps: 4, form: 'loop', dynamicTrips: true });
    try {
      compileModel(file);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DiagnosticError);
      const msgs = (e as DiagnosticError).diagnostics.map((d) => `${d.code} ${d.op} ${d.message}`);
      expect(msgs).toEqual(["FPGAC009 Loop the trip count 'M' is computed at run time; fpgac needs a constant trip count"]);
    }
  });
});

describe('Loop float reference', () => {
  it('matches ONNX Runtime and the unrolled model', async () => {
    const loop = model('ref-loop', { steps: 4, form: 'loop', h: 0.3 });
    const unrolled = model('ref-unrolled', { steps: 4, form: 'unrolled', h: 0.3 });
    const x = Float32Array.from(values(36, 77, 1));
    const s = await ort.InferenceSession.create(loop, { graphOptimizationLevel: 'disabled' });
    const want = (await s.run({ x: new ort.Tensor('float32', x, [1, 1, 6, 6]) }))[s.outputNames[0]].data as Float32Array;
    const fromLoop = runFloat(inferAndFold(loadModel(loop).graph).graph, [x]).outputs[0].data;
    const fromUnrolled = runFloat(inferAndFold(loadModel(unrolled).graph).graph, [x]).outputs[0].data;
    expect(toleranceRatio(fromLoop, want, 1e-5, 1e-6)).toBeLessThanOrEqual(1);
    expect(toleranceRatio(fromUnrolled, fromLoop, 1e-9, 1e-12)).toBeLessThanOrEqual(1);
  });
});

describe('one engine per region: weights stored once, hardware = simulator', () => {
  const variants: [string, OdeOptions][] = [2, 4, 8].flatMap((steps) => [
    [`unrolled-${steps}`, { steps, form: 'unrolled' }] as [string, OdeOptions],
    [`loop-${steps}`, { steps, form: 'loop' }] as [string, OdeOptions],
  ]);
  const storage: Record<string, { stored: number; unrolled: number; headerBytes: number; headers: string[]; counts: number[] }> = {};

  for (const [name, o] of variants) {
    it(`${name}: make csim equals fpgac sim, and the report counts the weights once`, async () => {
      const x = path.join(dir, 'x.npy');
      writeNpy(x, { shape: [5, 1, 6, 6], data: Float64Array.from(values(180, 91, 1.5)) });
      const out = path.join(dir, `prj-${name}`);
      const r = buildProject(model(name, o), out);
      expect(r.report.regions).toHaveLength(1);
      expect(r.report.regions[0].steps).toBe(o.steps);
      const weights = readdirSync(path.join(out, 'firmware', 'weights')).sort();
      storage[name] = {
        stored: r.report.regions[0].weightBitsStored,
        unrolled: r.report.regions[0].weightBitsUnrolled,
        headers: weights,
        headerBytes: weights.reduce((s, f) => s + readFileSync(path.join(out, 'firmware', 'weights', f)).length, 0),
        counts: weights.map((f) => Number(/(\d+) values/.exec(readFileSync(path.join(out, 'firmware', 'weights', f), 'utf8'))![1])).sort((a, b) => a - b),
      };
      expect(storage[name].unrolled).toBe(storage[name].stored * o.steps);
      // The step loop is a loop in the C++, not unrolled copies of the body.
      const top = readFileSync(path.join(out, 'firmware', 'top.cpp'), 'utf8');
      expect(top).toMatch(new RegExp(`for \\(int step = 0; step < ${o.steps}; step\\+\\+\\)`));
      expect(top.match(/fpgac::conv2d</g)).toHaveLength(3); // stem + one depthwise + one pointwise engine
      const csim = path.join(dir, `${name}-csim.npy`);
      await execFileAsync('make', ['-s', '-C', out, 'csim', `INPUTS=${x}`, `OUTPUT=${csim}`, 'CXXFLAGS=-std=c++14 -O1'], { maxBuffer: 64 << 20 });
      const sim = path.join(dir, `${name}-sim.npy`);
      expect(await main(['node', 'fpgac', 'sim', out, '--input', x, '-o', sim], quiet)).toBe(0);
      expect(Array.from(readNpy(csim).data)).toEqual(Array.from(readNpy(sim).data));
    });
  }

  it('weight storage is the same for 2, 4 and 8 steps, unrolled or Loop', () => {
    const names = Object.keys(storage);
    expect(names).toHaveLength(6);
    const first = storage[names[0]];
    for (const n of names) {
      expect(storage[n].stored, n).toBe(first.stored);
      expect(storage[n].counts, n).toEqual(first.counts); // same constants, same sizes
      expect(storage[n].headers, n).toEqual(first.headers);
      expect(storage[n].headerBytes, n).toBe(first.headerBytes);
    }
  });
});
