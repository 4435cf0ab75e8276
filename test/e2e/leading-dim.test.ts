/**
 * Models whose graph input has a concrete first dimension other than 1 (issue 10, item 7): that dimension is data,
 * not a batch. Every ONNX backend node test of an op fpgac supports whose first input is shaped so builds from its
 * own .pb inputs (or is refused with a coded diagnostic, never an internal error); `fpgac sim DIR` on those inputs
 * equals the testbench data the build wrote; and for four of them, g++ C-simulation (`make csim`, which compares
 * with the simulator's outputs bit for bit itself) passes, and its output file equals `fpgac sim`'s.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildProject } from '../../src/build.js';
import { runSim } from '../../src/commands/sim.js';
import { loadTarget } from '../../src/commands/sim-target.js';
import { loadModel } from '../../src/onnx/load.js';
import { lookupOp } from '../../src/ops/registry.js';
import { isFloatType } from '../../src/ir/graph.js';
import { DiagnosticError } from '../../src/diagnostics.js';
import { readNpy } from '../../src/npy.js';
import { SHARED_MODELS } from '../support/models.js';

const execFileAsync = promisify(execFile);
const NODE_DIR = path.join(SHARED_MODELS, 'onnx-node');
/** Built and compiled with g++: one element-wise, one binary, one matrix product, one reduction over an axis. */
const CSIM = ['test_relu', 'test_add', 'test_matmul_2d', 'test_softmax_axis_0'];

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-lead-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Node tests with a float first input whose first dimension is not 1, every op of which fpgac knows. */
function cases(): string[] {
  if (!existsSync(NODE_DIR)) return [];
  return readdirSync(NODE_DIR).filter((t) => t.startsWith('test_')).sort().filter((t) => {
    const m = loadModel(path.join(NODE_DIR, t, 'model.onnx'));
    const x = m.graph.inputs[0];
    return x && x.shape.length > 0 && x.shape[0] !== 1 && m.graph.inputs.every((i) => isFloatType(i.dtype))
      && m.graph.nodes.every((n) => lookupOp(n.op, n.domain));
  });
}

const inputsOf = (test: string) => {
  const d = path.join(NODE_DIR, test, 'test_data_set_0');
  return readdirSync(d).filter((f) => f.startsWith('input_')).sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).map((f) => path.join(d, f));
};

describe.skipIf(!existsSync(NODE_DIR))('graph inputs whose first dimension is data, not a batch', () => {
  const all = cases();
  const built = new Map<string, string>();

  it(`all ${all.length} such node tests of supported ops build or are refused with a diagnostic; sim DIR equals the build's testbench data`, () => {
    const internal: string[] = [];
    let refused = 0;
    for (const t of all) {
      const out = path.join(tmp, t);
      try {
        buildProject(path.join(NODE_DIR, t, 'model.onnx'), out, { inputs: inputsOf(t) });
      } catch (e) {
        if (e instanceof DiagnosticError) { refused++; continue; }
        internal.push(`${t}: ${(e as Error).message}`);
        continue;
      }
      built.set(t, out);
      const simOut = path.join(tmp, `${t}.sim.npy`);
      runSim(loadTarget(out, {}, false), { inputs: inputsOf(t), output: simOut });
      const want = readNpy(path.join(out, 'tb_data', 'sim_output.npy'));
      const got = readNpy(simOut);
      expect(got.shape, t).toEqual(want.shape);
      expect(Array.from(got.data), t).toEqual(Array.from(want.data));
    }
    console.log(`leading-dimension node tests: ${built.size} built, ${refused} refused with a diagnostic, ${internal.length} internal errors`);
    expect(internal).toEqual([]);
    for (const t of CSIM) expect(built.has(t), t).toBe(true);
  });

  for (const t of CSIM) {
    it(`${t}: make csim passes its own bit-for-bit check and writes what fpgac sim writes`, async () => {
      const out = built.get(t);
      expect(out, `${t} was built by the test above`).toBeDefined();
      await execFileAsync('make', ['-s', '-C', out!, 'csim', 'CXXFLAGS=-std=c++14 -O1'], { maxBuffer: 16 << 20 });
      const csim = readNpy(path.join(out!, 'tb_data', 'csim_output.npy'));
      const sim = readNpy(path.join(tmp, `${t}.sim.npy`));
      expect(csim.shape).toEqual(sim.shape);
      expect(Array.from(csim.data)).toEqual(Array.from(sim.data));
    });
  }
});
