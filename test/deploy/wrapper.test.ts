/**
 * The AXI wrappers (issue 11, docs/deploy.md) in C-simulation with g++: the build's testbench drives the IP as a host
 * would (every sample packed into bus words, one start with batch = N, TLAST checked on every output word), and its
 * outputs equal `fpgac sim`'s bit for bit — `make csim` compares with the simulator's outputs the build wrote and
 * fails on a single bit. The words themselves are checked against the TypeScript reference packer
 * (src/deploy/packing.ts) in both directions, and a wrapper whose TLAST is wrong is caught.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildProject } from '../../src/build.js';
import { readNpy } from '../../src/npy.js';
import { packSample, unpackSample, wordsToBytes, type InterfaceKind, type Packing } from '../../src/deploy/packing.js';
import { fracBits } from '../../sim/fixed.js';
import type { Design } from '../../src/ir/design.js';
import { REPO, officialApInclude } from '../support/harness.js';
import { SHARED_MODELS } from '../support/models.js';
import { readDesignFile } from '../../src/design-file.js';

const execFileAsync = promisify(execFile);
const DSODENET = path.join(REPO, 'examples', 'dsodenet-digits', 'model.onnx');
const TEST_X = path.join(SHARED_MODELS, 'dsodenet-digits', 'test_x.npy');

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-axi-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function csim(dir: string, vars: string[] = []): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await execFileAsync('make', ['-s', '-C', dir, 'csim', ...vars], { maxBuffer: 64 << 20 });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

function design(dir: string): Design {
  return readDesignFile(dir);
}

/** The output raws of every sample of output k, from the simulator's outputs the build wrote (exact doubles). */
function simRaws(dir: string, d: Design, k: number): number[][] {
  const port = d.io!.ports.filter((p) => p.direction === 'out')[k];
  const a = readNpy(path.join(dir, 'tb_data', k === 0 ? 'sim_output.npy' : `sim_output.${k}.npy`));
  const scale = 2 ** fracBits(port.format);
  return Array.from({ length: a.data.length / port.elements }, (_, s) => Array.from(a.data.subarray(s * port.elements, (s + 1) * port.elements), (v) => v * scale));
}

// axis, the default on the ZCU104, runs the same 360 samples in test/full/models.test.ts (default build, make csim; npm run test:full).
describe.skipIf(!existsSync(TEST_X))('dsodenet-digits: all 360 test samples through each interface in one batch', () => {
  for (const kind of ['m_axi', 'memory'] as InterfaceKind[]) {
    it(`${kind}: make csim equals fpgac sim bit for bit on the 360 samples`, async () => {
      const dir = path.join(tmp, `dso-${kind}`);
      buildProject(DSODENET, dir, { interface: kind, inputs: [TEST_X] });
      expect(design(dir).io!.interface).toBe(kind);
      const r = await csim(dir);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/360 samples, every output equal to the expected file bit for bit/);
      if (kind !== 'memory') expect(r.out).toContain(`fpgac csim (${kind})`);
    });
  }
});

describe('other models through the wrappers', () => {
  const models: [string, string, InterfaceKind, string][] = [
    ['hls4ml/three_layer_keras (jet MLP, 16-bit fields)', path.join(SHARED_MODELS, 'hls4ml', 'three_layer_keras', 'model.onnx'), 'axis', 'zcu104'],
    ['hls4ml/conv1d_small_keras on PYNQ-Z2 (64-bit bus)', path.join(SHARED_MODELS, 'hls4ml', 'conv1d_small_keras', 'model.onnx'), 'm_axi', 'pynq-z2'],
  ];
  for (const [label, model, kind, board] of models) {
    it.skipIf(!existsSync(model))(`${label}, ${kind}: make csim equals fpgac sim bit for bit`, async () => {
      const dir = path.join(tmp, label.split(' ')[0].replace('/', '-'));
      buildProject(model, dir, { interface: kind, board, allowOverflow: true });
      const r = await csim(dir);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/every output equal to the expected file bit for bit/);
    });
  }
});

describe('the wrapper\'s words are the reference packer\'s', () => {
  for (const [kind, board, precision] of [['axis', 'zcu104', 'ap_fixed<16,6>'], ['m_axi', 'pynq-z2', 'ap_fixed<12,4>'], ['axis', 'kv260', 'ap_ufixed<7,3>']] as const) {
    it(`${kind} on ${board} with ${precision}: output words equal packSample of the simulator's raws; input words from packSample drive it`, async () => {
      const dir = path.join(tmp, `words-${kind}-${board}`);
      buildProject(DSODENET, dir, { interface: kind, board, precision, allowOverflow: true });
      const d = design(dir);
      const io = d.io as Packing;
      const inPort = io.ports.find((p) => p.direction === 'in')!;
      const outPort = io.ports.find((p) => p.direction === 'out')!;
      // Inputs: the raws of tb_data's inputs in the input format, packed by the reference.
      const x = readNpy(path.join(dir, 'tb_data', 'input_0.npy'));
      const samples = x.data.length / inPort.elements;
      const xs = 2 ** fracBits(inPort.format);
      const inWords = Array.from({ length: samples }, (_, s) => packSample(Array.from(x.data.subarray(s * inPort.elements, (s + 1) * inPort.elements), (v) => Math.round(v * xs)), inPort)).flat();
      const inFile = path.join(tmp, `in-${kind}-${board}.bin`);
      writeFileSync(inFile, wordsToBytes(inWords, io.busBits));
      const outFile = path.join(tmp, `out-${kind}-${board}.bin`);
      const r = await csim(dir, [`CSIM_ARGS=--in-words 0 ${inFile} --out-words 0 ${outFile}`]);
      expect(r.code, r.err).toBe(0);
      const want = simRaws(dir, d, 0);
      const wantBytes = wordsToBytes(want.flatMap((raws) => packSample(raws, outPort)), io.busBits);
      expect(Buffer.from(readFileSync(outFile)).equals(Buffer.from(wantBytes))).toBe(true);
      // And the reference unpacker reads the wrapper's words back into the simulator's raws.
      const bytes = readFileSync(outFile);
      const wordBytes = io.busBits / 8;
      const words = Array.from({ length: bytes.length / wordBytes }, (_, j) => {
        let v = 0n;
        for (let b = wordBytes - 1; b >= 0; b--) v = (v << 8n) | BigInt(bytes[j * wordBytes + b]);
        return v;
      });
      want.forEach((raws, s) => expect(unpackSample(words.slice(s * outPort.wordsPerSample, (s + 1) * outPort.wordsPerSample), outPort)).toEqual(raws));
    });
  }

  it('a wrapper that sets TLAST on the wrong word fails csim with the word and the flag', async () => {
    const dir = path.join(tmp, 'tlast');
    buildProject(DSODENET, dir, { interface: 'axis' });
    const w = path.join(dir, 'firmware', 'fpgac_top_axis.cpp');
    const src = readFileSync(w, 'utf8');
    expect(src).toContain('v.last = (w == 2 - 1);');
    writeFileSync(w, src.replace('v.last = (w == 2 - 1);', 'v.last = (w == 0);'));
    const r = await csim(dir);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/error: out0 word 0: TLAST is 1, expected 0/);
  });
});

describe('wrappers with the official Xilinx headers', () => {
  const official = officialApInclude();
  (official ? it : it.skip)(`axis and m_axi csim equal fpgac sim with the official ap_types headers${official ? '' : ' (skipped: XILINX_AP_INCLUDE not set)'}`, async () => {
    for (const kind of ['axis', 'm_axi'] as const) {
      const dir = path.join(tmp, `official-${kind}`);
      buildProject(DSODENET, dir, { interface: kind });
      const r = await csim(dir, [`AP_TYPES_INCLUDE=${official}`]);
      expect(r.code, r.err).toBe(0);
    }
  });
});

describe('the wrapper\'s pragmas are what the contract and the plan say', () => {
  it('m_axi: one bundle per port, depth = words per sample × the testbench samples, pointers and batch in s_axilite; the local arrays carry the core ports\' partitions', () => {
    // The jet MLP, sequential: its first layer reads 16 inputs a cycle, so the plan partitions the input port.
    const model = path.join(SHARED_MODELS, 'hls4ml', 'three_layer_keras', 'model.onnx');
    if (!existsSync(model)) throw new Error(`shared model missing: ${model}`);
    const dir = path.join(tmp, 'pragmas-maxi');
    const r = buildProject(model, dir, { interface: 'm_axi', board: 'zcu104', schedule: 'sequential' });
    const d = design(dir);
    const src = readFileSync(path.join(dir, 'firmware', 'fpgac_top_maxi.cpp'), 'utf8');
    const tb = readNpy(path.join(dir, 'tb_data', 'input_0.npy')).shape[0];
    for (const p of d.io!.ports) {
      const port = `${p.direction}${p.index}`;
      expect(src).toContain(`#pragma HLS INTERFACE m_axi port=${port} offset=slave bundle=gmem_${port} depth=${p.wordsPerSample * tb} `);
      expect(src).toContain(`#pragma HLS INTERFACE s_axilite port=${port} bundle=control`);
    }
    expect(src).toContain('#pragma HLS INTERFACE s_axilite port=batch bundle=control');
    expect(src).toContain('#pragma HLS INTERFACE s_axilite port=return bundle=control');
    // Each port array the core partitions is partitioned the same way in the wrapper (x0/y0 stand for the ports).
    const top = readFileSync(path.join(dir, 'firmware', 'top.cpp'), 'utf8');
    const corePragma = (v: string) => top.split('\n').filter((l) => new RegExp(`ARRAY_(PARTITION|RESHAPE) variable=${v}\\b`).test(l)).map((l) => l.trim().replace(`variable=${v}`, 'variable=@'));
    const wrapPragma = (v: string) => src.split('\n').filter((l) => new RegExp(`ARRAY_(PARTITION|RESHAPE) variable=${v}\\b`).test(l)).map((l) => l.trim().replace(`variable=${v}`, 'variable=@'));
    expect(corePragma(d.inputs[0]).length, 'the plan partitions the input port').toBeGreaterThan(0);
    expect(wrapPragma('x0')).toEqual(corePragma(d.inputs[0]));
    expect(wrapPragma('y0')).toEqual(corePragma(d.outputs[0]));
    expect(r.report.interface!.kind).toBe('m_axi');
  });

  it('axis: every port an AXI4-Stream, batch and control in s_axilite, and the HLS top (set_top, export) is the wrapper', () => {
    const dir = path.join(tmp, 'pragmas-axis');
    buildProject(DSODENET, dir, { interface: 'axis' });
    const src = readFileSync(path.join(dir, 'firmware', 'fpgac_top_axis.cpp'), 'utf8');
    expect(src).toContain('#pragma HLS INTERFACE axis port=in0');
    expect(src).toContain('#pragma HLS INTERFACE axis port=out0');
    expect(src).not.toContain('m_axi');
    const tcl = readFileSync(path.join(dir, 'build_prj.tcl'), 'utf8');
    expect(tcl).toContain('set_top fpgac_top_axis');
    expect(tcl).toContain('add_files firmware/fpgac_top_axis.cpp -cflags $cflags');
    expect(tcl).toContain('-ipname fpgac_top_axis');
  });
});
