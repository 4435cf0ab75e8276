/**
 * A small U-Net-style segmenter end to end: Conv+Relu → MaxPool → Conv+Relu → ConvTranspose (stride 2) → Concat
 * with the skip feature map → Conv → per-pixel class scores. The float reference matches ONNX Runtime within 1e-5
 * relative (of each value, or of the output's scale near zero); `fpgac build` succeeds; g++ C-simulation of the emitted project (`make csim`) and `fpgac sim` on the
 * same random inputs write identical arrays; and the fixed-point output stays close to ORT's.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { main } from '../../src/cli.js';
import { compileModel } from '../../src/compile.js';
import { runFloat } from '../../src/reference.js';
import { writeNpy } from '../../src/npy.js';
import { toleranceRatio } from '../support/models.js';
import { expectCsimEqualsSim } from '../support/csim.js';
import { buildModel, values, type ModelSpec } from '../support/onnx-builder.js';

const quiet = { out: () => {}, err: (s: string) => process.stderr.write(s + '\n') };

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-unet-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const X = [1, 2, 8, 8];
const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
const init = (name: string, dims: number[], seed: number, scale: number) => ({ name, dims, values: values(n(dims), seed, scale) });

/** Encoder 2→4 channels at 8×8, 4→8 at 4×4; decoder up to 4 channels at 8×8, concatenated with the skip: 8 → 3 classes. */
const UNET: ModelSpec = {
  inputs: [{ name: 'x', dims: X }], outputs: [{ name: 'y' }], opset: 17,
  initializers: [
    init('w1', [4, 2, 3, 3], 11, 0.6), init('b1', [4], 12, 0.2),
    init('w2', [8, 4, 3, 3], 13, 0.4), init('b2', [8], 14, 0.2),
    init('wt', [8, 4, 2, 2], 15, 0.5), init('bt', [4], 16, 0.2),
    init('w3', [3, 8, 3, 3], 17, 0.3), init('b3', [3], 18, 0.1),
  ],
  nodes: [
    { op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['c1'], attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Relu', inputs: ['c1'], outputs: ['e1'] },
    { op: 'MaxPool', inputs: ['e1'], outputs: ['p1'], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
    { op: 'Conv', inputs: ['p1', 'w2', 'b2'], outputs: ['c2'], attrs: { pads: [1, 1, 1, 1] } },
    { op: 'Relu', inputs: ['c2'], outputs: ['e2'] },
    { op: 'ConvTranspose', inputs: ['e2', 'wt', 'bt'], outputs: ['u1'], attrs: { strides: [2, 2] } },
    { op: 'Concat', inputs: ['u1', 'e1'], outputs: ['cat'], attrs: { axis: 1 } },
    { op: 'Conv', inputs: ['cat', 'w3', 'b3'], outputs: ['y'], attrs: { pads: [1, 1, 1, 1] } },
  ],
};

describe('U-Net-style segmenter with ConvTranspose and a skip connection', () => {
  it('float reference = ONNX Runtime (1e-5 relative); build; make csim = fpgac sim bit for bit; fixed point close', async () => {
    const model = path.join(tmp, 'unet.onnx');
    buildModel(UNET, model);
    const samples = [0, 1, 2].map((s) => values(n(X), 500 + s, 1.5).map(Math.fround));

    // Float reference against ONNX Runtime.
    const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'disabled' });
    const c = compileModel(model);
    expect(c.design.layers.some((l) => l.kind === 'convtranspose2d')).toBe(true);
    const want: Float32Array[] = [];
    for (const x of samples) {
      const res = await session.run({ x: new ort.Tensor('float32', Float32Array.from(x), X) });
      want.push(res[session.outputNames[0]].data as Float32Array);
      const ref = runFloat(c.reference, [x]).outputs[0];
      expect(ref.shape).toEqual([1, 3, 8, 8]);
      // ORT sums in float32, the reference in float64: 1e-5 relative to each value, plus 1e-5 of the output's
      // scale for values near zero (where float32 cancellation over 72-term sums dominates).
      const y = want[want.length - 1];
      const scale = y.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(toleranceRatio(ref.data, y, 1e-5, 1e-5 * scale)).toBeLessThanOrEqual(1);
    }

    // Build, then g++ C-simulation and the simulator on the same inputs.
    const dir = path.join(tmp, 'prj');
    expect(await main(['node', 'fpgac', 'build', model, '-o', dir], quiet)).toBe(0);
    const input = path.join(tmp, 'x.npy');
    writeNpy(input, { shape: [samples.length, ...X.slice(1)], data: Float64Array.from(samples.flat()) });
    const [b] = await expectCsimEqualsSim(dir, [input], { work: tmp });

    // The default precision (ap_fixed<16,6>) keeps the segmentation scores close to ORT's.
    const per = 3 * 8 * 8;
    let worst = 0;
    samples.forEach((_, s) => { for (let i = 0; i < per; i++) worst = Math.max(worst, Math.abs(b.data[s * per + i] - want[s][i])); });
    console.log(`U-Net fixed point (default precision) vs ORT: max |error| ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(0.05);
  }, 300_000);
});
