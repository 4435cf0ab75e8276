/**
 * The Python driver chains a split model (issue 11, item 5) as the build folder describes it: `FpgacModel` runs
 * host/head.onnx, hands the cut tensor to the FPGA part by its ONNX name, reshapes what comes back to the tail's
 * shape and runs host/tail.onnx. No board and no onnxruntime for Python here: the CPU parts run in a fake
 * onnxruntime that answers only feeds the test computed with the real ONNX Runtime (onnxruntime-node), and the FPGA
 * part is a stand-in answering only the cut tensor the real head produced, with `fpgac sim`'s outputs for it — so
 * every value the driver passes between the parts is checked, and its result is the real chain's.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildProject } from '../../src/build.js';
import { runSim } from '../../src/commands/sim.js';
import { loadTarget } from '../../src/commands/sim-target.js';
import { readNpy, writeNpy } from '../../src/npy.js';
import { REPO } from '../support/harness.js';

const MODEL = path.join(REPO, 'examples', 'dsodenet-digits', 'model.onnx');
const SAMPLE_X = path.join(REPO, 'examples', 'dsodenet-digits', 'sample_x.npy');
const FAKE_ORT = path.join(__dirname, 'fake_ort');

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-drvsplit-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function pythonWithNumpy(): string {
  for (const exe of ['python3', '/usr/bin/python3']) {
    if (spawnSync(exe, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0) return exe;
  }
  throw new Error('no python3 with numpy: install Debian\'s python3-numpy (apt-get install -y python3-numpy); .ci/run does');
}

async function ortRun(file: string, feeds: Record<string, { data: Float32Array; dims: number[] }>) {
  const s = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'disabled' });
  const r = await s.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.dims)])));
  return { inputs: s.inputNames, outputs: s.outputNames, values: s.outputNames.map((n) => ({ data: r[n].data as Float32Array, dims: [...r[n].dims] })) };
}

describe('the Python driver chains a split model', () => {
  it('FpgacModel: head (ONNX Runtime) → FPGA part by cut name → tail (ONNX Runtime) gives the real chain\'s logits (no board: the parts are faked at their boundaries)', async () => {
    const dir = path.join(tmp, 'out');
    buildProject(MODEL, dir, { fpgaFrom: ['/ode1/f/dw/Conv'], fpgaTo: ['/GlobalAveragePool'], inputs: [SAMPLE_X] });
    const x = readNpy(SAMPLE_X);
    const n = x.shape[0];
    const split = JSON.parse(readFileSync(path.join(dir, 'host', 'split.json'), 'utf8')) as { cuts: { name: string; from: string; to: string }[] };
    const cutOut = split.cuts.find((c) => c.from === 'fabric')!.name;
    const xFile = path.join(tmp, 'x32.npy');
    writeNpy(xFile, { shape: x.shape, data: Float32Array.from(x.data) }, 'float32');
    // The real head, the design on its output, the real tail.
    const head = await ortRun(path.join(dir, 'host', 'head.onnx'), { input: { data: Float32Array.from(x.data), dims: x.shape } });
    const hFile = path.join(tmp, 'h32.npy');
    writeNpy(hFile, { shape: head.values[0].dims, data: head.values[0].data }, 'float32');
    const h64 = path.join(tmp, 'h64.npy');
    writeNpy(h64, { shape: [n, 16, 16, 16], data: Float64Array.from(head.values[0].data) });
    const yFile = path.join(tmp, 'y.npy');
    runSim(loadTarget(dir, {}, false), { inputs: [h64], output: yFile });
    const y = readNpy(yFile);
    const y32 = path.join(tmp, 'y32.npy');
    writeNpy(y32, { shape: [n, 32, 1, 1], data: Float32Array.from(y.data) }, 'float32');
    const tail = await ortRun(path.join(dir, 'host', 'tail.onnx'), { [cutOut]: { data: Float32Array.from(y.data), dims: [n, 32, 1, 1] } });
    const logitsFile = path.join(tmp, 'logits.npy');
    writeNpy(logitsFile, { shape: tail.values[0].dims, data: tail.values[0].data }, 'float32');
    // What the fake onnxruntime knows.
    const table = {
      'head.onnx': { inputs: head.inputs, outputs: head.outputs, runs: [{ feeds: { input: xFile }, outputs: [hFile] }] },
      'tail.onnx': { inputs: tail.inputs, outputs: tail.outputs, runs: [{ feeds: { [cutOut]: y32 }, outputs: [logitsFile] }] },
    };
    const tableFile = path.join(tmp, 'ort.json');
    writeFileSync(tableFile, JSON.stringify(table));
    const out = path.join(tmp, 'driver_logits.npy');
    const script = `
import sys, numpy as np
sys.path.insert(0, ${JSON.stringify(path.join(dir, 'driver'))})
from fpgac_driver import FpgacDesign, FpgacModel
d = FpgacDesign(${JSON.stringify(path.join(dir, 'driver', 'design.json'))})
class Fabric(object):
    inputs = d.inputs
    outputs = d.outputs
    root = d.root
    def run(self, xs):
        assert len(xs) == 1 and xs[0].shape == (${n}, 16, 16, 16), [a.shape for a in xs]
        assert np.array_equal(np.asarray(xs[0], dtype=np.float64), np.load(${JSON.stringify(h64)})), 'the FPGA part was fed something else'
        return [np.load(${JSON.stringify(yFile)})]
m = FpgacModel(Fabric())
assert m.split is not None and m.head is not None and m.tail is not None
values = m.run({'input': np.load(${JSON.stringify(xFile)})})
np.save(${JSON.stringify(out)}, values['logits'])
`;
    const r = spawnSync(pythonWithNumpy(), ['-c', script], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: FAKE_ORT, FPGAC_FAKE_ORT: tableFile, PYTHONDONTWRITEBYTECODE: '1' } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const got = readNpy(out);
    expect(got.shape).toEqual([n, 10]);
    expect(Array.from(got.data)).toEqual(Array.from(tail.values[0].data));
  });
});
