/**
 * The CLI contract (DESIGN.md §3): exit codes, one diagnostic line per problem with no stack trace, every
 * unsupported op listed, no half-written build directory, byte-identical rebuilds. Runs the compiled binary
 * (bin/fpgac.js, built by `npm test`'s tsc step) as a user would.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildModel, values } from './support/onnx-builder.js';
import { listFiles, REPO } from './support/harness.js';
import { writeNpy, readNpy } from '../src/npy.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'fpgac-cli-')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fpgac(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'fpgac.js'), ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function tinyModel(file: string): void {
  buildModel({
    inputs: [{ name: 'x', dims: ['N', 8] }], outputs: [{ name: 'y' }],
    initializers: [{ name: 'W', dims: [8, 4], values: values(32, 5) }, { name: 'b', dims: [4], values: values(4, 6) }],
    nodes: [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['h'] }, { op: 'Add', inputs: ['h', 'b'], outputs: ['z'] }, { op: 'Relu', inputs: ['z'], outputs: ['y'] }],
  }, file);
}

describe('fpgac CLI', () => {
  it('lists every unsupported op on its own line, exits 2, no stack trace, no output directory', () => {
    const file = path.join(dir, 'bad.onnx');
    buildModel({
      inputs: [{ name: 'x', dims: [1, 4] }], outputs: [{ name: 'y' }],
      nodes: [
        { op: 'Sin', inputs: ['x'], outputs: ['a'], name: 'act_sin' },
        { op: 'Erf', inputs: ['a'], outputs: ['b'], name: 'act_erf' },
        { op: 'Relu', inputs: ['b'], outputs: ['y'] },
      ],
    }, file);
    const out = path.join(dir, 'bad-out');
    const r = fpgac('build', file, '-o', out);
    expect(r.code).toBe(2);
    const lines = r.err.trim().split('\n');
    expect(lines).toEqual([
      "error FPGAC002: node 'act_sin' (op Sin): unsupported op",
      "error FPGAC002: node 'act_erf' (op Erf): unsupported op",
    ]);
    expect(r.err).not.toMatch(/\bat .*\.js:\d+/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('fpgac-tmp'))).toEqual([]);
  });

  it('leaves an existing directory untouched when a build fails', () => {
    const out = path.join(dir, 'keep');
    mkdirSync(out);
    writeFileSync(path.join(out, 'mine.txt'), 'x');
    const r = fpgac('build', path.join(dir, 'missing.onnx'), '-o', out);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error FPGAC001: model file .* not found/);
    expect(readdirSync(out)).toEqual(['mine.txt']);
  });

  it('rejects bad options with exit 2 and a one-line message', () => {
    const file = path.join(dir, 'tiny.onnx');
    tinyModel(file);
    const p = fpgac('build', file, '-o', path.join(dir, 'p'), '--precision', 'ap_fixed<16');
    expect(p.code).toBe(2);
    expect(p.err.trim().split('\n')).toHaveLength(1);
    expect(p.err).toMatch(/FPGAC005: --precision/);
    const b = fpgac('build', file, '-o', path.join(dir, 'q'), '--board', 'zcu999');
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/unknown board 'zcu999' \(hint: known boards: zcu104/);
    expect(fpgac('build', file, '--no-such-flag').code).toBe(2);
  });

  it('builds byte-identical directories from the same inputs', () => {
    const file = path.join(dir, 'tiny.onnx');
    tinyModel(file);
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    expect(fpgac('build', file, '-o', a).code).toBe(0);
    expect(fpgac('build', file, '-o', b).code).toBe(0);
    const files = listFiles(a);
    expect(files).toEqual(listFiles(b));
    expect(files).toEqual(expect.arrayContaining(['Makefile', 'build_prj.tcl', 'design.json', 'report.json', 'report.md', 'firmware/top.cpp', 'firmware/top.h', 'firmware/defines.h', 'firmware/parameters.h', 'tb/tb.cpp', 'tb_data/input_0.npy', 'tb_data/sim_output.npy', 'tb/ap_types/ap_fixed.h']));
    for (const f of files) expect(readFileSync(path.join(a, f)).equals(readFileSync(path.join(b, f))), f).toBe(true);
  });

  it('sim of a build folder: a batch on 2 threads writes the bytes and saturation warning of 1 thread and of the sample-at-a-time --trace run; --threads 0 is refused', () => {
    const file = path.join(dir, 'tiny-sat.onnx');
    tinyModel(file);
    const prj = path.join(dir, 'tiny-sat');
    // A narrow format that inputs of up to ±8 drive to its rails.
    expect(fpgac('build', file, '-o', prj, '--precision', 'ap_fixed<8,3>').code).toBe(0);
    const n = 3001;
    const x = path.join(dir, 'x-many.npy');
    writeNpy(x, { shape: [n, 8], data: Float64Array.from({ length: n * 8 }, (_, i) => 8 * Math.sin(i * 0.37)) }, 'float32');
    const runs = [['--threads', '2'], ['--threads', '1'], ['--trace', path.join(dir, 'tiny-sat-trace')]].map((extra, k) => {
      const y = path.join(dir, `y-many-${k}.npy`);
      const r = fpgac('sim', prj, '--input', x, '-o', y, ...extra);
      expect(r.code, r.err).toBe(0);
      return { r, bytes: readFileSync(y) };
    });
    expect(runs[0].r.out).toMatch(/of 3001 sample\(s\) .* on 2 threads\)$/m);
    expect(runs[1].r.out).not.toMatch(/threads/);
    expect(runs[0].r.err).toMatch(/^fpgac: warning: \d+ value\(s\) saturated/m);
    for (const k of [1, 2]) {
      expect(runs[0].bytes.equals(runs[k].bytes), `run ${k}`).toBe(true);
      expect(runs[0].r.err, `run ${k}`).toBe(runs[k].r.err);
    }
    const bad = fpgac('sim', prj, '--input', x, '-o', path.join(dir, 'y-bad.npy'), '--threads', '0');
    expect(bad.code).toBe(2);
    expect(bad.err.trim()).toBe("error FPGAC005: --threads '0': expected a whole number from 1 to 256");
  });

  it('sim reports a wrong input shape with exit 2', () => {
    const file = path.join(dir, 'tiny.onnx');
    tinyModel(file);
    const x = path.join(dir, 'x7.npy');
    writeNpy(x, { shape: [2, 7], data: new Float64Array(14) });
    const r = fpgac('sim', file, '--input', x, '-o', path.join(dir, 'y.npy'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error FPGAC006: input '.*x7\.npy' has shape \[2, 7\]; 'x' takes \[N, 8\] \(N samples of \[8\]\)$/m);
  });

  it('sim --float matches the float math of the model, sim (fixed) is within the format resolution', () => {
    const file = path.join(dir, 'tiny.onnx');
    tinyModel(file);
    const x = path.join(dir, 'x8.npy');
    const xs = Float64Array.from(values(24, 9));
    writeNpy(x, { shape: [3, 8], data: xs });
    expect(fpgac('sim', file, '--float', '--input', x, '-o', path.join(dir, 'f.npy')).code).toBe(0);
    expect(fpgac('sim', file, '--input', x, '-o', path.join(dir, 'q.npy'), '--trace', path.join(dir, 'trace')).code).toBe(0);
    const w = values(32, 5);
    const b = values(4, 6);
    const f = readNpy(path.join(dir, 'f.npy'));
    const q = readNpy(path.join(dir, 'q.npy'));
    expect(f.shape).toEqual([3, 4]);
    for (let s = 0; s < 3; s++)
      for (let o = 0; o < 4; o++) {
        let acc = b[o];
        for (let i = 0; i < 8; i++) acc += xs[s * 8 + i] * w[i * 4 + o];
        const want = Math.max(0, acc);
        expect(f.data[s * 4 + o]).toBeCloseTo(want, 12);
        expect(Math.abs(q.data[s * 4 + o] - want)).toBeLessThan(2 ** -8);
      }
    expect(readdirSync(path.join(dir, 'trace')).length).toBeGreaterThan(0);
  });

  it('warns when a layer\'s weights all round to zero, and calibration (formats from the values) removes it', () => {
    const file = path.join(dir, 'tiny-weights.onnx');
    // Weights of about 1e-4: below ap_fixed<16,6>'s step 2^-10, as in hls4ml's dense_big_keras.
    buildModel({
      inputs: [{ name: 'x', dims: ['N', 8] }], outputs: [{ name: 'y' }],
      initializers: [{ name: 'W', dims: [8, 4], values: values(32, 5).map((v) => v / 2048 + (v >= 0 ? 1e-6 : -1e-6)) }, { name: 'b', dims: [4], values: values(4, 6) }],
      nodes: [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['h'] }, { op: 'Add', inputs: ['h', 'b'], outputs: ['y'] }],
    }, file);
    const plain = fpgac('build', file, '-o', path.join(dir, 'tw'));
    expect(plain.code).toBe(0);
    const warnings = plain.err.trim().split('\n');
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^fpgac: warning: layer '\w+' \(node '\w+'\): all 32 weights are 0 in ap_fixed<16,6,AP_RND_CONV,AP_SAT>.*--calibrate/);
    // The model-wide form: a design that "fits" because its weights vanished is never reported without it.
    expect(warnings[1]).toMatch(/^fpgac: warning: 32 of the 32 non-zero weights of its MAC layers \(100\.0%\) round to 0/);
    expect(readFileSync(path.join(dir, 'tw', 'report.md'), 'utf8')).toContain('## Warnings');
    const x = path.join(dir, 'tw-x.npy');
    writeNpy(x, { shape: [4, 8], data: Float64Array.from(values(32, 11)) });
    const calibrated = fpgac('build', file, '--calibrate', x, '-o', path.join(dir, 'tw-cal'));
    expect(calibrated.code).toBe(0);
    expect(calibrated.err).toBe('');
  });

  it('inspect prints ops, parameters, zero weights and unsupported ops', () => {
    const r = fpgac('inspect', path.join(REPO, 'examples', 'dsodenet-digits', 'model.onnx'), '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.supported).toBe(true);
    // MANIFEST.md counts 3,066 parameters in the PyTorch model; its two BatchNorms (64 affine parameters) were
    // folded into the convolutions at export, so the ONNX file holds 3,002 (all 1,353 zeros are still there).
    expect(j.params).toBe(3002);
    expect(j.zeroParams).toBe(1353);
    expect(j.ops.Conv).toBe(19); // stem 1 + 2 per Euler step x 4 steps x 2 blocks + 2 downsampling
    expect(j.sharedWeights.length).toBeGreaterThan(0);
    const bad = path.join(dir, 'bad.onnx');
    const t = fpgac('inspect', bad);
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/supported: no — 2 problem/);
  });

  it('build with no model builds the bundled example and says where things are', () => {
    const out = path.join(dir, 'example');
    const r = fpgac('build', '-o', out);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/build_prj\.tcl/);
    expect(r.out).toMatch(/report\.md/);
    expect(existsSync(path.join(out, 'report.json'))).toBe(true);
  });
});

describe('external data', () => {
  it('build keeps the external data next to source/model.onnx, so sim DIR --float works', () => {
    const file = path.join(dir, 'ext.onnx');
    buildModel({
      inputs: [{ name: 'x', dims: ['N', 4] }], outputs: [{ name: 'y' }],
      initializers: [{ name: 'W', dims: [4, 2], values: values(8, 21), storage: 'external' }],
      nodes: [{ op: 'MatMul', inputs: ['x', 'W'], outputs: ['y'] }],
    }, file);
    const out = path.join(dir, 'ext-prj');
    expect(fpgac('build', file, '-o', out).code).toBe(0);
    expect(existsSync(path.join(out, 'source', 'ext.onnx.data'))).toBe(true);
    const x = path.join(dir, 'ext-x.npy');
    writeNpy(x, { shape: [1, 4], data: Float64Array.from([1, 2, 3, 4]) });
    const r = fpgac('sim', out, '--float', '--input', x, '-o', path.join(dir, 'ext-y.npy'));
    expect(r.code).toBe(0);
    const w = values(8, 21);
    const y = readNpy(path.join(dir, 'ext-y.npy')).data;
    expect(y[0]).toBeCloseTo(1 * w[0] + 2 * w[2] + 3 * w[4] + 4 * w[6], 6);
  });
});
