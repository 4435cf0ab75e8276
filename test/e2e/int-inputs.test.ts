/**
 * Integer-typed graph inputs end to end: a uint8 image (Cast → Div by 255 → Conv → Relu, the usual exporter pattern)
 * and an int16 vector (Cast → Mul by a constant scale → Gemm). The inputs become exact ap_uint<8> / ap_int<16>
 * formats; the CLI builds the project; `make csim` (g++) checks the simulator's outputs on the default integer
 * inputs itself, and on a uint8/int16 .npy pair writes what `fpgac sim` writes; the results are close to ONNX Runtime.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { main } from '../../src/cli.js';
import { readNpy } from '../../src/npy.js';
import { buildModel, values, type ModelSpec } from '../support/onnx-builder.js';
import { rng } from '../support/harness.js';
import type { Design } from '../../src/ir/design.js';

const execFileAsync = promisify(execFile);
const quiet = { out: () => {}, err: (s: string) => process.stderr.write(s + '\n') };

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-int-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const UINT8 = 2;
const INT16 = 5;

const MODEL: ModelSpec = {
  opset: 13,
  inputs: [{ name: 'img', dims: [1, 3, 12, 12], type: UINT8 }, { name: 'v', dims: [1, 6], type: INT16 }],
  outputs: [{ name: 'y' }, { name: 'z' }],
  nodes: [
    { name: 'cast', op: 'Cast', inputs: ['img'], outputs: ['imgf'], attrs: { to: 1 } },
    { name: 'scale', op: 'Div', inputs: ['imgf', 'k255'], outputs: ['xn'] },
    { name: 'conv', op: 'Conv', inputs: ['xn', 'w', 'b'], outputs: ['c'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] } },
    { name: 'relu', op: 'Relu', inputs: ['c'], outputs: ['y'] },
    { name: 'castv', op: 'Cast', inputs: ['v'], outputs: ['vf'] , attrs: { to: 1 } },
    { name: 'mulv', op: 'Mul', inputs: ['vf', 'vs'], outputs: ['vn'] },
    { name: 'fc', op: 'Gemm', inputs: ['vn', 'fw', 'fb'], outputs: ['z'], attrs: { transB: 1 } },
  ],
  initializers: [
    { name: 'k255', dims: [], values: [255] },
    { name: 'w', dims: [4, 3, 3, 3], values: values(108, 1, 0.5) },
    { name: 'b', dims: [4], values: values(4, 2, 0.2) },
    { name: 'vs', dims: [], values: [1 / 4096] },
    { name: 'fw', dims: [3, 6], values: values(18, 3, 0.5) },
    { name: 'fb', dims: [3], values: values(3, 4, 0.2) },
  ],
};

/** A .npy (version 1.0) of an integer type, written here so the file is independent of fpgac's writer. */
function intNpy(file: string, descr: '|u1' | '<i2', shape: number[], data: number[]): void {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')},), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  const body = descr === '|u1' ? Buffer.from(Uint8Array.from(data)) : Buffer.from(Int16Array.from(data).buffer);
  writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'), body]));
}

describe('integer graph inputs (uint8 image, int16 vector)', () => {
  it('build exact integer input formats; g++ csim equals fpgac sim bit for bit; close to ONNX Runtime', async () => {
    const model = path.join(tmp, 'int_inputs.onnx');
    buildModel(MODEL, model);
    const dir = path.join(tmp, 'prj');
    expect(await main(['node', 'fpgac', 'build', model, '-o', dir], quiet)).toBe(0);
    const design = JSON.parse(readFileSync(path.join(dir, 'design.json'), 'utf8')) as Design;
    const ins = design.inputs.map((n) => design.tensors[n]);
    expect(ins.map((t) => [t.dtype, t.format.width, t.format.int, t.format.signed])).toEqual([['uint8', 8, 8, false], ['int16', 16, 16, true]]);
    // The default testbench inputs are whole numbers over the types' ranges.
    const tbIn = readNpy(path.join(dir, 'tb_data', 'input_0.npy'));
    expect([...tbIn.data].every((v) => Number.isInteger(v) && v >= 0 && v <= 255)).toBe(true);
    expect(Math.max(...tbIn.data)).toBeGreaterThan(200);

    // g++ on the default data: the testbench compares with the simulator's outputs itself (exit 1 on a difference).
    await execFileAsync('make', ['-s', '-C', dir, 'csim', 'CXXFLAGS=-std=c++14 -O1'], { maxBuffer: 16 << 20 });

    // Two samples of our own, as uint8 / int16 files.
    const r = rng(31);
    const img = Array.from({ length: 2 * 3 * 12 * 12 }, () => Math.floor(r() * 256));
    const v = Array.from({ length: 2 * 6 }, () => Math.floor(r() * 65536) - 32768);
    const imgFile = path.join(tmp, 'img.npy');
    const vFile = path.join(tmp, 'v.npy');
    intNpy(imgFile, '|u1', [2, 3, 12, 12], img);
    intNpy(vFile, '<i2', [2, 6], v);
    const csimOut = path.join(tmp, 'csim.npy');
    await execFileAsync('make', ['-s', '-C', dir, 'csim', `INPUTS=${imgFile} ${vFile}`, `OUTPUT=${csimOut}`, 'CXXFLAGS=-std=c++14 -O1'], { maxBuffer: 16 << 20 });
    const simOut = path.join(tmp, 'sim.npy');
    expect(await main(['node', 'fpgac', 'sim', dir, '--input', imgFile, '--input', vFile, '-o', simOut], quiet)).toBe(0);
    for (const k of ['', '.1']) {
      const a = readNpy(csimOut.replace('.npy', `${k}.npy`));
      const b = readNpy(simOut.replace('.npy', `${k}.npy`));
      expect(a.shape).toEqual(b.shape);
      expect(Array.from(a.data)).toEqual(Array.from(b.data));
    }

    // Against ONNX Runtime: the conv's input is k/255 rounded to the default 10 fraction bits, the Gemm's v/4096.
    const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: 'disabled' });
    const y = readNpy(simOut);
    const z = readNpy(simOut.replace('.npy', '.1.npy'));
    let worst = 0;
    for (let s = 0; s < 2; s++) {
      const res = await session.run({
        img: new ort.Tensor('uint8', Uint8Array.from(img.slice(s * 432, (s + 1) * 432)), [1, 3, 12, 12]),
        v: new ort.Tensor('int16', Int16Array.from(v.slice(s * 6, (s + 1) * 6)), [1, 6]),
      });
      const wy = res.y.data as Float32Array;
      const wz = res.z.data as Float32Array;
      wy.forEach((w, i) => { worst = Math.max(worst, Math.abs(y.data[s * wy.length + i] - w)); });
      wz.forEach((w, i) => { worst = Math.max(worst, Math.abs(z.data[s * wz.length + i] - w)); });
    }
    console.log(`integer inputs: ${design.layers.map((l) => l.kind).join(' ')}; worst |fixed - ORT| = ${worst}`);
    expect(worst).toBeLessThan(0.02);
  });

  it('refuses an input file whose values do not fit the integer type', async () => {
    const model = path.join(tmp, 'int_inputs2.onnx');
    buildModel(MODEL, model);
    const bad = path.join(tmp, 'bad.npy');
    const { writeNpy } = await import('../../src/npy.js');
    writeNpy(bad, { shape: [1, 3, 12, 12], data: Float64Array.from({ length: 432 }, (_, i) => i / 2) });
    const v = path.join(tmp, 'v1.npy');
    intNpy(v, '<i2', [1, 6], [1, 2, 3, 4, 5, 6]);
    const errs: string[] = [];
    const code = await main(['node', 'fpgac', 'sim', model, '--input', bad, '--input', v, '-o', path.join(tmp, 'o.npy')], { out: () => {}, err: (s) => errs.push(s) });
    expect(code).not.toBe(0);
    expect(errs.join('\n')).toMatch(/FPGAC006.*not all whole numbers in uint8's range/);
  });
});
