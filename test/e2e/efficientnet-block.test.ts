/**
 * An EfficientNet-B0-style block end to end, built with onnx-builder: stem Conv (stride 2) + BatchNorm + SiLU
 * (x · Sigmoid(x), a Mul of two runtime tensors), depthwise Conv + BatchNorm + SiLU, squeeze-excite
 * (GlobalAveragePool → 1×1 Conv → SiLU → 1×1 Conv → Sigmoid → Mul broadcast over H, W), 1×1 projection Conv +
 * BatchNorm, residual Add, then GlobalAveragePool over the 56×56 map → Flatten → Gemm. The float reference matches
 * ONNX Runtime; the CLI builds the project; g++ C-simulation (`make csim`) equals `fpgac sim` bit for bit on two
 * inputs of our own (and the testbench checks the build's default inputs itself).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { main } from '../../src/cli.js';
import { expectCsimEqualsSim } from '../support/csim.js';
import { writeNpy } from '../../src/npy.js';
import { loadModel } from '../../src/onnx/load.js';
import { inferAndFold } from '../../src/passes/infer.js';
import { runFloat } from '../../src/reference.js';
import { buildModel, values, type InitSpec, type ModelSpec, type NodeSpec } from '../support/onnx-builder.js';
import { toleranceRatio } from '../support/models.js';

const execFileAsync = promisify(execFile);
const quiet = { out: () => {}, err: (s: string) => process.stderr.write(s + '\n') };

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-effnet-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const C = 16; // block channels
const SE = 4; // squeeze channels
const HW = 112; // input size: the stem's stride 2 gives the 56×56 map
const CLASSES = 10;

const inits: InitSpec[] = [];
const w = (name: string, dims: number[], seed: number, scale: number): string => {
  inits.push({ name, dims, values: values(dims.reduce((a, b) => a * b, 1), seed, scale) });
  return name;
};
/** BatchNorm parameters with variances in [0.5, 1.5) (positive) and small means/biases. */
const bn = (name: string, seed: number): string[] => {
  w(`${name}_g`, [C], seed, 0.5);
  w(`${name}_b`, [C], seed + 1, 0.2);
  w(`${name}_m`, [C], seed + 2, 0.2);
  inits.push({ name: `${name}_v`, dims: [C], values: values(C, seed + 3, 0.5).map((v) => 1 + v) });
  return [`${name}_g`, `${name}_b`, `${name}_m`, `${name}_v`];
};
const silu = (x: string, y: string): NodeSpec[] => [
  { name: `${y}_sig`, op: 'Sigmoid', inputs: [x], outputs: [`${y}_s`] },
  { name: `${y}_mul`, op: 'Mul', inputs: [x, `${y}_s`], outputs: [y] },
];

const nodes: NodeSpec[] = [
  { name: 'stem', op: 'Conv', inputs: ['x', w('stem_w', [C, 3, 3, 3], 1, 0.5)], outputs: ['s0'], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } },
  { name: 'stem_bn', op: 'BatchNormalization', inputs: ['s0', ...bn('bn0', 10)], outputs: ['s1'] },
  ...silu('s1', 's2'),
  { name: 'dw', op: 'Conv', inputs: ['s2', w('dw_w', [C, 1, 3, 3], 2, 0.6)], outputs: ['d0'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], group: C } },
  { name: 'dw_bn', op: 'BatchNormalization', inputs: ['d0', ...bn('bn1', 20)], outputs: ['d1'] },
  ...silu('d1', 'd2'),
  { name: 'se_pool', op: 'GlobalAveragePool', inputs: ['d2'], outputs: ['q0'] },
  { name: 'se_reduce', op: 'Conv', inputs: ['q0', w('se_rw', [SE, C, 1, 1], 3, 0.5), w('se_rb', [SE], 4, 0.2)], outputs: ['q1'], attrs: { kernel_shape: [1, 1] } },
  ...silu('q1', 'q2'),
  { name: 'se_expand', op: 'Conv', inputs: ['q2', w('se_ew', [C, SE, 1, 1], 5, 0.5), w('se_eb', [C], 6, 0.2)], outputs: ['q3'], attrs: { kernel_shape: [1, 1] } },
  { name: 'se_gate', op: 'Sigmoid', inputs: ['q3'], outputs: ['q4'] },
  { name: 'se_scale', op: 'Mul', inputs: ['d2', 'q4'], outputs: ['e0'] },
  { name: 'project', op: 'Conv', inputs: ['e0', w('proj_w', [C, C, 1, 1], 7, 0.4)], outputs: ['p0'], attrs: { kernel_shape: [1, 1] } },
  { name: 'project_bn', op: 'BatchNormalization', inputs: ['p0', ...bn('bn2', 30)], outputs: ['p1'] },
  { name: 'residual', op: 'Add', inputs: ['p1', 's2'], outputs: ['r0'] },
  { name: 'head_pool', op: 'GlobalAveragePool', inputs: ['r0'], outputs: ['h0'] },
  { name: 'flatten', op: 'Flatten', inputs: ['h0'], outputs: ['h1'] },
  { name: 'fc', op: 'Gemm', inputs: ['h1', w('fc_w', [CLASSES, C], 8, 0.5), w('fc_b', [CLASSES], 9, 0.2)], outputs: ['y'], attrs: { transB: 1 } },
];

const MODEL: ModelSpec = { opset: 13, inputs: [{ name: 'x', dims: [1, 3, HW, HW] }], outputs: [{ name: 'y' }], nodes, initializers: inits };

describe('EfficientNet-B0-style block (SiLU, depthwise, squeeze-excite, residual, 56×56 GlobalAveragePool)', () => {
  it('float reference = ONNX Runtime; builds; g++ csim = fpgac sim bit for bit on 2 inputs', async () => {
    const model = path.join(tmp, 'effnet_block.onnx');
    buildModel(MODEL, model);
    const xs = [41, 42].map((seed) => Float32Array.from(values(3 * HW * HW, seed, 1.5)));

    // Float reference vs ONNX Runtime.
    const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'disabled' });
    const ref = inferAndFold(loadModel(model).graph).graph;
    const want: Float32Array[] = [];
    for (const x of xs) {
      const w0 = (await session.run({ x: new ort.Tensor('float32', x, [1, 3, HW, HW]) })).y.data as Float32Array;
      want.push(w0);
      const got = runFloat(ref, [x]).outputs[0];
      expect([...got.shape]).toEqual([1, CLASSES]);
      expect(toleranceRatio(got.data, w0, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
    }

    // Build with the CLI (the testbench data: the build's default inputs).
    const dir = path.join(tmp, 'prj');
    expect(await main(['node', 'fpgac', 'build', model, '-o', dir], quiet)).toBe(0);
    const design = JSON.parse(readFileSync(path.join(dir, 'design.json'), 'utf8')) as { layers: { kind: string; name: string }[] };
    const kinds = design.layers.map((l) => l.kind);
    console.log(`efficientnet block: ${kinds.join(' ')}`);
    expect(kinds.filter((k) => k === 'conv2d').length).toBe(5);

    // g++: make csim on the default inputs checks the simulator's bits itself; then on our two samples.
    await execFileAsync('make', ['-s', '-C', dir, 'csim', 'CXXFLAGS=-std=c++14 -O1'], { maxBuffer: 16 << 20 });
    const inFile = path.join(tmp, 'x.npy');
    writeNpy(inFile, { shape: [2, 3, HW, HW], data: Float64Array.from([...xs[0], ...xs[1]]) });
    const [b] = await expectCsimEqualsSim(dir, [inFile], { work: tmp });
    expect(b.shape).toEqual([2, CLASSES]);

    // How far the default format (ap_fixed<16,6>) lands from ORT (reported; the sigmoid tables dominate).
    let worst = 0;
    want.forEach((w0, s) => w0.forEach((v, i) => { worst = Math.max(worst, Math.abs(b.data[s * CLASSES + i] - v)); }));
    console.log(`efficientnet block: worst |fixed - ORT| = ${worst}`);
    expect(worst).toBeLessThan(0.1);
  });
});
