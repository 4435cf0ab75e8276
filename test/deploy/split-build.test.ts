/**
 * `fpgac build --fpga-from/--fpga-to` end to end (issue 11, item 5): the build folder holds host/head.onnx and
 * host/tail.onnx, and the design is the fabric part. Chained as the driver chains them — head in ONNX Runtime, the
 * fabric by `fpgac sim DIR` (its float reference with --float, the bit-exact design without), tail in ONNX Runtime —
 * the float chain equals the whole model in ONNX Runtime, and the fixed-point chain keeps its top-1 answers. The
 * whole-model inputs given with --input reach the fabric's testbench through the head, and csim is bit-exact.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildProject } from '../../src/build.js';
import { runSim } from '../../src/commands/sim.js';
import { loadTarget } from '../../src/commands/sim-target.js';
import { readNpy, writeNpy } from '../../src/npy.js';
import { REPO } from '../support/harness.js';
import { SHARED_MODELS } from '../support/models.js';

const execFileAsync = promisify(execFile);
const MODEL = path.join(REPO, 'examples', 'dsodenet-digits', 'model.onnx');
const TEST_X = path.join(SHARED_MODELS, 'dsodenet-digits', 'test_x.npy');

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-splitbuild-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function ortRun(file: string, feeds: Record<string, { data: Float32Array; dims: number[] }>): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'disabled' });
  const r = await s.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.dims)])));
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.data as Float32Array]));
}

const argmax = (a: ArrayLike<number>, off: number, n: number) => {
  let best = 0;
  for (let i = 1; i < n; i++) if (a[off + i] > a[off + best]) best = i;
  return best;
};

describe.skipIf(!existsSync(TEST_X))('dsodenet split: stem on the CPU, the ODE blocks on the FPGA, the classifier on the CPU', () => {
  it('head.onnx → fabric (fpgac sim DIR) → tail.onnx equals the whole model (float), keeps top-1 (fixed), and csim is bit-exact', async () => {
    const dir = path.join(tmp, 'out');
    const r = buildProject(MODEL, dir, { fpgaFrom: ['/ode1/f/dw/Conv'], fpgaTo: ['/GlobalAveragePool'], inputs: [TEST_X] });
    expect(r.report.split!.cuts.map((c) => [c.name, c.from, c.to, c.bytesPerSample])).toEqual([
      ['/stem/stem.2/Relu_output_0', 'head', 'fabric', 16 * 16 * 16 * 4], ['/GlobalAveragePool_output_0', 'fabric', 'tail', 32 * 4],
    ]);
    const x = readNpy(TEST_X);
    const n = x.shape[0];
    const split = JSON.parse(readFileSync(path.join(dir, 'host', 'split.json'), 'utf8'));
    // Head in ONNX Runtime, all samples at once (its batch axis is symbolic).
    const head = await ortRun(path.join(dir, 'host', 'head.onnx'), { input: { data: Float32Array.from(x.data), dims: x.shape } });
    const cutIn = split.cuts.find((c: { to: string }) => c.to === 'fabric').name as string;
    const h = head[cutIn];
    const hFile = path.join(tmp, 'h.npy');
    writeNpy(hFile, { shape: [n, 16, 16, 16], data: Float64Array.from(h) });
    // The fabric through fpgac: float reference and the bit-exact design.
    const target = loadTarget(dir, {}, true);
    runSim(target, { inputs: [hFile], output: path.join(tmp, 'f-float.npy'), float: true });
    runSim(loadTarget(dir, {}, false), { inputs: [hFile], output: path.join(tmp, 'f-fixed.npy') });
    const cutOut = split.cuts.find((c: { from: string }) => c.from === 'fabric').name as string;
    const tail = async (file: string) => {
      const f = readNpy(file);
      return (await ortRun(path.join(dir, 'host', 'tail.onnx'), { [cutOut]: { data: Float32Array.from(f.data), dims: [n, 32, 1, 1] } })).logits;
    };
    const chainFloat = await tail(path.join(tmp, 'f-float.npy'));
    const chainFixed = await tail(path.join(tmp, 'f-fixed.npy'));
    const whole = (await ortRun(MODEL, { input: { data: Float32Array.from(x.data), dims: x.shape } })).logits;
    let maxErr = 0;
    let same = 0;
    for (let i = 0; i < whole.length; i++) maxErr = Math.max(maxErr, Math.abs(chainFloat[i] - whole[i]));
    for (let s = 0; s < n; s++) if (argmax(chainFixed, s * 10, 10) === argmax(whole, s * 10, 10)) same++;
    expect(maxErr).toBeLessThan(1e-4);
    console.log(`split chain: float max |err| ${maxErr.toExponential(2)} against the whole model; fixed-point top-1 agreement ${same}/${n}`);
    expect(same / n).toBeGreaterThanOrEqual(0.95);
    // The testbench data are the head's outputs for the given inputs, and the C++ agrees bit for bit.
    expect(readNpy(path.join(dir, 'tb_data', 'input_0.npy')).shape).toEqual([n, 16, 16, 16]);
    const m = await execFileAsync('make', ['-s', '-C', dir, 'csim'], { maxBuffer: 16 << 20 });
    expect(m.stdout).toMatch(/360 samples, every output equal to the expected file bit for bit/);
  });

  it('--fpga-from without --fpga-to is refused with one line', () => {
    expect(() => buildProject(MODEL, path.join(tmp, 'bad'), { fpgaFrom: ['/ode1/f/dw/Conv'] })).toThrow(/FPGAC005: --fpga-from and --fpga-to go together/);
  });
});
