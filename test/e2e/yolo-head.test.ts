/**
 * A tiny YOLO-style head end to end: Conv → (zero Pad folded into) strided Conv → 1x1 Conv → Resize nearest ×2 →
 * Concat with the earlier feature map → Conv, built with onnx-builder, compiled by the CLI (`fpgac build`), then the
 * emitted C++ compiled with g++ (`make csim`, whose testbench checks the simulator's outputs bit for bit itself) and
 * `fpgac sim DIR` write identical arrays. The float reference matches ONNX Runtime and the fixed-point outputs stay
 * within the error the default format implies.
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
import { loadModel } from '../../src/onnx/load.js';
import { inferAndFold } from '../../src/passes/infer.js';
import { runFloat } from '../../src/reference.js';
import { buildModel, values, type ModelSpec } from '../support/onnx-builder.js';
import { toleranceRatio } from '../support/models.js';

const execFileAsync = promisify(execFile);
const quiet = { out: () => {}, err: (s: string) => process.stderr.write(s + '\n') };

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-yolo-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const w = (name: string, dims: number[], seed: number, scale = 0.4) => ({ name, dims, values: values(dims.reduce((a, b) => a * b, 1), seed, scale) });
const leaky = (name: string, x: string, y: string) => ({ name, op: 'LeakyRelu', inputs: [x], outputs: [y], attrs: { alpha: { float: 0.125 } } });

const HEAD: ModelSpec = {
  opset: 13,
  inputs: [{ name: 'x', dims: [1, 3, 16, 16] }],
  outputs: [{ name: 'y' }],
  nodes: [
    { name: 'c1', op: 'Conv', inputs: ['x', 'w1', 'b1'], outputs: ['f1a'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
    leaky('a1', 'f1a', 'f1'),
    // TensorFlow-style "same" padding for a stride-2 conv: an explicit zero Pad, which foldPad moves into the Conv.
    { name: 'p2', op: 'Pad', inputs: ['f1', 'pads'], outputs: ['f1p'] },
    { name: 'c2', op: 'Conv', inputs: ['f1p', 'w2', 'b2'], outputs: ['f2a'], attrs: { kernel_shape: [3, 3], strides: [2, 2] } },
    leaky('a2', 'f2a', 'f2'),
    { name: 'c3', op: 'Conv', inputs: ['f2', 'w3', 'b3'], outputs: ['f3a'], attrs: { kernel_shape: [1, 1] } },
    leaky('a3', 'f3a', 'f3'),
    { name: 'up', op: 'Resize', inputs: ['f3', '', 'scales'], outputs: ['f3u'], attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' } },
    { name: 'cat', op: 'Concat', inputs: ['f3u', 'f1'], outputs: ['f4'], attrs: { axis: 1 } },
    { name: 'c4', op: 'Conv', inputs: ['f4', 'w4', 'b4'], outputs: ['y'], attrs: { kernel_shape: [1, 1] } },
  ],
  initializers: [
    w('w1', [8, 3, 3, 3], 1), w('b1', [8], 2, 0.1),
    { name: 'pads', dims: [8], values: [0, 0, 0, 0, 0, 0, 1, 1], type: 7 },
    w('w2', [16, 8, 3, 3], 3, 0.2), w('b2', [16], 4, 0.1),
    w('w3', [8, 16, 1, 1], 5, 0.3), w('b3', [8], 6, 0.1),
    { name: 'scales', dims: [4], values: [1, 1, 2, 2] },
    w('w4', [6, 16, 1, 1], 7, 0.3), w('b4', [6], 8, 0.1),
  ],
};

describe('tiny YOLO head: Conv, Resize x2, Concat, Conv', () => {
  it('builds through the CLI; make csim (g++) and fpgac sim give identical bits; close to ONNX Runtime', async () => {
    const model = path.join(tmp, 'yolo_head.onnx');
    buildModel(HEAD, model);
    const x = Float32Array.from(values(3 * 16 * 16, 21, 1));

    // The float reference against ORT.
    const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'disabled' });
    const want = (await session.run({ x: new ort.Tensor('float32', x, [1, 3, 16, 16]) })).y.data as Float32Array;
    const ref = runFloat(inferAndFold(loadModel(model).graph).graph, [x]).outputs[0];
    expect([...ref.shape]).toEqual([1, 6, 16, 16]);
    expect(toleranceRatio(ref.data, want, 1e-5, 1e-6)).toBeLessThanOrEqual(1);

    // Build with the CLI; the Pad is folded, the Resize is a gather, the Concat a concat layer.
    const dir = path.join(tmp, 'prj');
    const inFile = path.join(tmp, 'x.npy');
    const { writeNpy } = await import('../../src/npy.js');
    writeNpy(inFile, { shape: [1, 3, 16, 16], data: Float64Array.from(x) });
    expect(await main(['node', 'fpgac', 'build', model, '-o', dir], quiet)).toBe(0);
    const design = JSON.parse(readFileSync(path.join(dir, 'design.json'), 'utf8')) as { layers: { kind: string; sources: string[] }[] };
    const kinds = design.layers.map((l) => l.kind);
    expect(kinds).toContain('gather');
    expect(kinds).toContain('concat');
    expect(design.layers.find((l) => l.sources.includes('c2'))?.sources).toContain('p2');

    // g++: make csim on the build's default data checks the simulator's outputs itself (exit 1 on a difference),
    // and on our input writes what fpgac sim writes.
    await execFileAsync('make', ['-s', '-C', dir, 'csim', 'CXXFLAGS=-std=c++14 -O1'], { maxBuffer: 16 << 20 });
    const [b] = await expectCsimEqualsSim(dir, [inFile], { work: tmp });

    // The default format (ap_fixed<16,6>: 10 fraction bits) through four convs: within 0.05 of ORT.
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(b.data[i] - want[i]));
    console.log(`yolo head: ${kinds.join(' ')}; worst |fixed - ORT| = ${worst}`);
    expect(worst).toBeLessThan(0.05);
  });
});
