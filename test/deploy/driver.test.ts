/**
 * The host drivers (issue 11, item 3): hw/driver/fpgac_driver.py (PYNQ) and hw/driver/fpgac_driver.c, and the
 * driver/design.json that src/deploy/driver.ts writes for them.
 *
 * - Conversions and packing, in Python (python3 + numpy, every interpreter found) and in C (gcc), against vectors
 *   the TypeScript definitions wrote (vectors.ts): float -> raw equals sim/fixed.ts fromDouble (fromDoubleBig above
 *   53 bits) for every format family, raw -> float equals toDouble bit for bit, pack equals
 *   wordsToBytes(packSample(...)) byte for byte on every field and bus width, unpack(pack(r)) == r.
 * - FpgacOverlay end to end without a board: real builds (src/build.ts buildProject) of the bundled dsodenet example
 *   and of small two-input, two-output dense models; a fake PYNQ (fake_pynq/pynq) whose "hardware" answers each
 *   sample's packed input bytes with the packed output raws `fpgac sim` computed for it. The driver's --check passes
 *   on the build's tb_data, its float outputs equal `fpgac sim`'s bit for bit on inputs full of ties, rails and
 *   special doubles, and a single flipped output bit fails --check.
 * - Weights from DDR: builds whose weights stream (--weights ddr) describe tb_data/weights.bin in design.json; the
 *   Python driver loads it into a buffer the fake IP reads at every start (the bytes must be the file's, the address
 *   in the fpgac_wimg register before the first start), refuses a file of another size, and a build without
 *   streamed weights touches no such register; the C driver reads the file and writes the register pair.
 * No board, Vivado or PYNQ installation is involved anywhere here.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { boards } from '../../src/plan/boards.js';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixed, fromDouble, type FixedFormat } from '../../sim/fixed.js';
import { buildProject } from '../../src/build.js';
import { runSim } from '../../src/commands/sim.js';
import { compileModel } from '../../src/compile.js';
import { outputPath, sampleDims } from '../../src/data.js';
import { designPacking, packSample, wordsToBytes, type InterfaceKind, type PortPacking } from '../../src/deploy/packing.js';
import { DRIVER_C, DRIVER_JSON, DRIVER_PY, driverDescription, driverFiles, type DriverDescription } from '../../src/deploy/driver.js';
import type { Design } from '../../src/ir/design.js';
import { numel } from '../../src/ir/graph.js';
import { readNpy, writeNpy } from '../../src/npy.js';
import { exampleModel } from '../../src/paths.js';
import { buildModel, values } from '../support/onnx-builder.js';
import { conversionCases, packCases, portFor, rng, writeVectors } from './vectors.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FAKE_PYNQ = path.join(HERE, 'fake_pynq');

// ---------------------------------------------------------------------------------------------------------------
// Python with numpy: every distinct interpreter found (CI: Debian's python3 with python3-numpy).

interface Python { exe: string; label: string }
function findPythons(): { found: Python[]; tried: string[] } {
  const candidates = [...new Set([process.env.FPGAC_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c))];
  const found: Python[] = [];
  const seen = new Set<string>();
  const tried: string[] = [];
  for (const exe of candidates) {
    const r = spawnSync(exe, ['-c', 'import sys, numpy; print(sys.executable, sys.version.split()[0], numpy.__version__)'], { encoding: 'utf8' });
    if (r.status !== 0) { tried.push(`${exe}: ${(r.stderr || String(r.error ?? '')).trim().split('\n').pop()}`); continue; }
    const [real, pyv, npv] = r.stdout.trim().split(' ');
    const key = `${real} ${npv}`;
    if (seen.has(key)) continue;
    seen.add(key);
    found.push({ exe, label: `python ${pyv} numpy ${npv}` });
  }
  return { found, tried };
}
const PY = findPythons();
function python(): Python {
  if (!PY.found.length) {
    throw new Error(`the driver tests need python3 with numpy (Debian/Ubuntu: apt-get install -y python3-numpy); tried ${PY.tried.join('; ')}`);
  }
  return PY.found[0];
}

function run(exe: string, args: string[], env: Record<string, string> = {}, cwd?: string): SpawnSyncReturns<string> {
  return spawnSync(exe, args, { encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', ...env }, cwd, maxBuffer: 64 << 20 });
}

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-driver-')); });
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------------------------

describe('driver/design.json (src/deploy/driver.ts)', () => {
  it('describes each port as the packing does (format, field, words and bytes per sample, sample shape), names the IP, bitstream and tb_data files', () => {
    const design = compileModel(exampleModel(), {}).design;
    for (const [kind, bus] of [['axis', 128], ['m_axi', 64]] as const) {
      const packing = designPacking(design, kind, bus);
      const d = driverDescription(design, packing, { version: '9.9', dma: kind === 'axis' ? { in0: 'axi_dma_0', out0: 'axi_dma_0' } : undefined });
      expect(d.format).toBe('fpgac-driver');
      expect(d.ip).toBe(`${design.name}_${kind === 'axis' ? 'axis' : 'maxi'}`);
      expect(d.interface).toBe(kind);
      expect(d.busBits).toBe(bus);
      expect(d.bitstream).toBe(`bitstream/${design.name}.bit`);
      expect(d.tlast).toBe(kind === 'axis' ? 'sample' : null);
      expect(d.weights).toBeNull();
      expect(d.ports.map((p) => p.name)).toEqual(['in0', 'out0']);
      expect(d.ports.map((p) => p.tbData)).toEqual(['tb_data/input_0.npy', 'tb_data/sim_output.npy']);
      d.ports.forEach((p, i) => {
        const q: PortPacking = packing.ports[i];
        const t = design.tensors[q.tensor];
        expect(p).toMatchObject({
          direction: q.direction, index: q.index, onnxName: t.onnxName, shape: t.shape, sampleShape: sampleDims(t.shape), elements: numel(t.shape),
          fieldBits: q.fieldBits, perWord: q.perWord, wordsPerSample: q.wordsPerSample, bytesPerSample: (q.wordsPerSample * bus) / 8,
          fieldDtype: `<i${q.fieldBits / 8}`, dma: kind === 'axis' ? 'axi_dma_0' : null,
        });
        expect(p.format).toEqual({ cpp: q.cpp, width: t.format.width, int: t.format.int, frac: t.format.width - t.format.int, signed: true, q: t.format.q, o: t.format.o, n: t.format.n });
      });
    }
    expect(() => driverDescription(design, designPacking(design, 'memory', 64))).toThrow(/no host driver/);
  });

  it('weights from DDR: the image file, its words, word width, bytes (words x wordBits / 8) and the address register', () => {
    const design = compileModel(exampleModel(), {}).design;
    const d = driverDescription(design, designPacking(design, 'axis', 64), { weights: { words: 37, wordBits: 64 } });
    expect(d.weights).toEqual({ file: 'tb_data/weights.bin', words: 37, wordBits: 64, bytes: 296, register: 'fpgac_wimg' });
    for (const bad of [{ words: 0, wordBits: 64 }, { words: 3, wordBits: 12 }, { words: 1.5, wordBits: 128 }]) {
      expect(() => driverDescription(design, designPacking(design, 'axis', 64), { weights: bad }), JSON.stringify(bad)).toThrow(/internal error: weight image/);
    }
  });

  it('refuses a port whose raws are wider than the bus (a 40-bit format on a 32-bit bus): packing.ts says so with a diagnostic', () => {
    expect(() => portFor(fixed(40, 10), 4, 32)).toThrow(/FPGAC005: input 'x' holds 40-bit values, wider than the 32-bit bus/);
    expect(portFor(fixed(40, 10), 4, 64).port.fieldBits).toBe(64);
  });

  it('driverFiles gives driver/fpgac_driver.py verbatim, design.json, and the C driver', () => {
    const design = compileModel(exampleModel(), {}).design;
    const files = driverFiles(design, designPacking(design, 'axis', 64));
    expect([...files.keys()].sort()).toEqual([...DRIVER_C.targets, DRIVER_JSON, DRIVER_PY.target].sort());
    expect(files.get(DRIVER_PY.target)).toBe(readFileSync(DRIVER_PY.source(), 'utf8'));
    expect(JSON.parse(files.get(DRIVER_JSON)!).ports).toHaveLength(2);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('conversions and packing against the TypeScript reference', () => {
  let vec: string;
  let counts: { values: number; tfValues: number; packBytes: number; formats: number; packs: number };
  beforeAll(() => {
    vec = path.join(tmp, 'vectors');
    mkdirSync(vec);
    const conv = conversionCases();
    const packs = packCases();
    counts = { ...writeVectors(vec, conv, packs), formats: conv.length, packs: packs.length };
  });

  it('python3 with numpy is available (CI installs python3-numpy); fpgac_driver.py is Python 3.8 syntax and imports nothing but numpy and the standard library at load (pynq and onnxruntime lazily)', () => {
    const py = python();
    const code = [
      'import ast, sys',
      'src = open(sys.argv[1]).read()',
      'tree = ast.parse(src, feature_version=(3, 8))',
      'mods = set()',
      'for n in ast.walk(tree):',
      '    if isinstance(n, ast.Import): mods.update(a.name.split(".")[0] for a in n.names)',
      '    elif isinstance(n, ast.ImportFrom): mods.add((n.module or "").split(".")[0])',
      'print(" ".join(sorted(mods)))',
    ].join('\n');
    const r = run(py.exe, ['-c', code, DRIVER_PY.source()]);
    expect(r.stderr).toBe('');
    // pynq only inside FpgacOverlay, onnxruntime only inside FpgacModel for a split model (both lazily), re only
    // inside a helper.
    expect(r.stdout.trim()).toBe('argparse json numpy onnxruntime os pynq re sys time');
    const src = readFileSync(DRIVER_PY.source(), 'utf8');
    expect(src).toMatch(/^ {8}try:\n {12}import pynq {2}# noqa: only on the board$/m);
    expect(src).toMatch(/^ {8}try:\n {12}import onnxruntime {2}# the CPU side: only needed for a split model$/m);
  });

  for (const py of PY.found.length ? PY.found : [{ exe: 'python3', label: 'python3' }]) {
    it(`${py.label}: to_raws == fromDouble for every format family (widths 1..64, signed/unsigned, negative and >W integer bits, all 7 Q modes x SAT/SAT_ZERO/SAT_SYM/WRAP/WRAP N>0/WRAP_SM), to_float == toDouble bit for bit, pack == wordsToBytes(packSample) on fields 8..64 and buses 32..512, unpack(pack(r)) == r`, () => {
      python();
      const r = run(py.exe, [path.join(HERE, 'driver_check.py'), DRIVER_PY.source(), vec]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const got = JSON.parse(r.stdout);
      console.log(`${py.label}: ${got.conversions.values} conversions over ${got.conversions.formats} formats, ${got.toFloat.values} to_float values, ${got.packing.cases} packing cases (${got.packing.bytes} bytes)`);
      expect(got.conversions.mismatches).toEqual([]);
      expect(got.conversions.values).toBe(counts.values);
      expect(got.conversions.formats).toBe(counts.formats);
      expect(got.toFloat.mismatches).toEqual([]);
      expect(got.toFloat.values).toBe(counts.tfValues);
      expect(got.packing.mismatches).toEqual([]);
      expect(got.packing.cases).toBe(counts.packs);
      expect(got.packing.bytes).toBe(counts.packBytes);
      expect(got.refusals).toEqual([]);
    });
  }

  it('the C driver compiles with gcc -Wall -Wextra -Werror (with and without its Linux device part) and its conversions and packing equal the reference', () => {
    const src = path.join(path.dirname(DRIVER_PY.source()));
    const exe = path.join(tmp, 'driver_c_test');
    const flags = ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', '-pedantic', `-I${src}`];
    // The whole driver (device part included) as a library object.
    let r = run('gcc', [...flags, '-c', path.join(src, 'fpgac_driver.c'), '-o', path.join(tmp, 'fpgac_driver.o')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    r = run('gcc', [...flags, '-DFPGAC_NO_DEVICE', path.join(HERE, 'driver_c_test.c'), path.join(src, 'fpgac_driver.c'), '-o', exe, '-lm']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    r = run(exe, [path.join(vec, 'conv.cbin'), path.join(vec, 'pack.cbin')]);
    console.log(`C driver: ${r.stdout.trim().split('\n').pop()}`);
    expect(r.stdout).toMatch(new RegExp(`conversions ${counts.formats} formats ${counts.values} values 0 mismatches; to_double ${counts.tfValues} values 0 mismatches; packing ${counts.packs} cases ${counts.packBytes} bytes 0 mismatches`));
    expect(r.status).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// End to end with a fake PYNQ

interface ModelCase {
  readonly title: string;
  readonly model: () => string;
  readonly precision?: string;
  readonly iface: Exclude<InterfaceKind, 'memory'>;
  readonly bus: number;
  readonly pointerRegisters?: 'single' | 'split';
  /** Smaller than an input sample: the driver splits sends. */
  readonly maxTransfer?: number;
  readonly batchSize: number;
}

function denseModel(): string {
  const file = path.join(tmp, 'dense2.onnx');
  if (!existsSync(file)) {
    buildModel({
      inputs: [{ name: 'x', dims: ['N', 5] }, { name: 'z', dims: ['N', 3] }], outputs: [{ name: 'y' }, { name: 'w' }],
      initializers: [
        { name: 'W', dims: [5, 7], values: values(35, 3, 1.5) }, { name: 'b', dims: [7], values: values(7, 4) },
        { name: 'c', dims: [3], values: values(3, 5, 2) },
      ],
      nodes: [
        { op: 'MatMul', inputs: ['x', 'W'], outputs: ['h'] }, { op: 'Add', inputs: ['h', 'b'], outputs: ['g'] },
        { op: 'Relu', inputs: ['g'], outputs: ['y'] }, { op: 'Mul', inputs: ['z', 'c'], outputs: ['w'] },
      ],
    }, file);
  }
  return file;
}

const CASES: ModelCase[] = [
  { title: 'dsodenet-digits (conv net), axis on a 128-bit bus, DMA transfers shorter than a sample', model: exampleModel, iface: 'axis', bus: 128, maxTransfer: 256, batchSize: 3 },
  { title: 'two-input two-output dense model, ap_fixed<8,3,AP_RND,AP_SAT_SYM>, m_axi on a 512-bit bus, pointers as _1/_2 register pairs', model: denseModel, precision: 'ap_fixed<8,3,AP_RND,AP_SAT_SYM>', iface: 'm_axi', bus: 512, pointerRegisters: 'split', batchSize: 4 },
  { title: 'two-input two-output dense model, ap_fixed<20,7,AP_TRN,AP_WRAP>, axis on a 64-bit bus, one DMA per port pair', model: denseModel, precision: 'ap_fixed<20,7,AP_TRN,AP_WRAP>', iface: 'axis', bus: 64, batchSize: 2 },
];

/** Inputs full of what conversions get wrong: ties at the format's LSB, rails and beyond, specials. */
function edgeInputs(f: FixedFormat, count: number, seed: number): Float64Array {
  const r = rng(seed);
  const lsb = 2 ** -(f.width - f.int);
  const hi = 2 ** (f.int - (f.signed ? 1 : 0));
  const special = [0, -0, NaN, Infinity, -Infinity, 1e300, -1e300, Number.MIN_VALUE, -(2 ** -1030), hi, -hi, hi - lsb / 2, -hi - lsb / 2, hi * 4, -hi * 4];
  return Float64Array.from({ length: count }, (_, i) => {
    if (i < special.length) return special[i];
    const k = Math.floor((r() * 2 - 1) * hi / lsb);
    const pick = r();
    return pick < 0.4 ? (k + 0.5) * lsb : pick < 0.6 ? k * lsb : pick < 0.8 ? (k + r()) * lsb : (r() * 2 - 1) * hi * 1.5;
  });
}

/** The fake hardware's table: per sample, the packed input bytes the simulator's quantization gives -> packed outputs. */
function tableRows(design: Design, ports: readonly PortPacking[], bus: number, inputs: Float64Array[], outputs: Float64Array[], samples: number): { keys: Uint8Array[]; vals: Uint8Array[] } {
  const keys: Uint8Array[] = [];
  const vals: Uint8Array[] = [];
  const ins = ports.filter((p) => p.direction === 'in');
  const outs = ports.filter((p) => p.direction === 'out');
  for (let s = 0; s < samples; s++) {
    for (const p of ins) {
      const x = inputs[p.index].subarray(s * p.elements, (s + 1) * p.elements);
      keys.push(wordsToBytes(packSample(Array.from(x, (v) => fromDouble(v, p.format)), p), bus));
    }
    for (const p of outs) {
      const y = outputs[p.index].subarray(s * p.elements, (s + 1) * p.elements);
      const raws = Array.from(y, (v) => v * 2 ** (p.format.width - p.format.int));
      expect(raws.every(Number.isSafeInteger), `${design.name} output raws`).toBe(true);
      vals.push(wordsToBytes(packSample(raws, p), bus));
    }
  }
  return { keys, vals };
}

const concat = (parts: Uint8Array[]) => Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
const sameBits = (a: Float64Array, b: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('FpgacOverlay end to end (no board: the overlay is faked at the buffer level)', () => {
  CASES.forEach((c, ci) => {
    it(`${c.title}: --selftest passes without PYNQ; --check passes on tb_data; run() equals fpgac sim bit for bit on edge inputs in batches of ${c.batchSize}; a flipped output bit fails --check`, () => {
      python(); // the precondition: python3 with numpy, else a failure saying how to install it
      const build = path.join(tmp, `build${ci}`);
      const result = buildProject(c.model(), build, c.precision ? { precision: c.precision } : {});
      const design = result.compiled.design;
      const packing = designPacking(design, c.iface, c.bus);

      // What goes to the board: driver/ (the driver verbatim and its design.json), bitstream/, tb_data/.
      const board = path.join(tmp, `board${ci}`);
      mkdirSync(path.join(board, 'driver'), { recursive: true });
      mkdirSync(path.join(board, 'bitstream'));
      copyFileSync(DRIVER_PY.source(), path.join(board, DRIVER_PY.target));
      const desc: DriverDescription = driverDescription(design, packing, { version: 'test' });
      writeFileSync(path.join(board, DRIVER_JSON), JSON.stringify(desc, null, 2));
      cpSync(path.join(build, 'tb_data'), path.join(board, 'tb_data'), { recursive: true });
      writeFileSync(path.join(board, 'bitstream', `${design.name}.bit`), 'not a bitstream');
      writeFileSync(path.join(board, 'bitstream', `${design.name}.hwh`), '<hwh/>');
      const driver = path.join(board, 'driver', 'fpgac_driver.py');

      // Edge inputs, and `fpgac sim` on them.
      const samples = 7;
      const edgeFiles = design.inputs.map((name, k) => {
        const t = design.tensors[name];
        const file = path.join(tmp, `edge${ci}_${k}.npy`);
        writeNpy(file, { shape: [samples, ...sampleDims(t.shape)], data: edgeInputs(t.format, samples * numel(t.shape), 100 + 10 * ci + k) });
        return file;
      });
      const simOut = path.join(tmp, `sim${ci}.npy`);
      runSim({ design }, { inputs: edgeFiles, output: simOut });

      // The fake hardware answers tb_data's samples and the edge samples.
      const tbIn = desc.ports.filter((p) => p.direction === 'in').map((p) => readNpy(path.join(board, p.tbData!)).data);
      const tbOut = desc.ports.filter((p) => p.direction === 'out').map((p) => readNpy(path.join(board, p.tbData!)).data);
      const tbSamples = readNpy(path.join(board, desc.ports.find((p) => p.direction === 'out')!.tbData!)).shape[0];
      const a = tableRows(design, packing.ports, c.bus, tbIn, tbOut, tbSamples);
      const b = tableRows(design, packing.ports, c.bus, edgeFiles.map((f) => readNpy(f).data), design.outputs.map((_, k) => readNpy(outputPath(simOut, k)).data), samples);
      const fake = path.join(tmp, `fake${ci}`);
      mkdirSync(fake);
      writeFileSync(path.join(fake, 'in.bin'), concat([...a.keys, ...b.keys]));
      writeFileSync(path.join(fake, 'out.bin'), concat([...a.vals, ...b.vals]));
      const config = (extra: object) => {
        const cfg = {
          interface: c.iface, busBits: c.bus, ip: desc.ip, ipInstance: `${desc.ip}_0`, pointerRegisters: c.pointerRegisters ?? 'single',
          maxTransfer: c.maxTransfer ?? 1 << 26, tableIn: path.join(fake, 'in.bin'), tableOut: path.join(fake, 'out.bin'),
          // The block design's DMAs (src/deploy/blockdesign.ts): axi_dma_<k> serves in<k> and out<k>.
          ports: desc.ports.map((p) => ({ name: p.name, direction: p.direction, bytesPerSample: p.bytesPerSample, dma: c.iface === 'axis' ? `axi_dma_${p.index}` : null })),
          ...extra,
        };
        const file = path.join(fake, `config${readdirSync(fake).length}.json`);
        writeFileSync(file, JSON.stringify(cfg));
        return file;
      };
      const log = path.join(fake, 'log.jsonl');
      const env = (cfg: string) => ({ PYTHONPATH: FAKE_PYNQ, FPGAC_FAKE_CONFIG: cfg, FPGAC_FAKE_LOG: log });
      const events = () => readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; [k: string]: unknown });

      for (const p of PY.found) {
        // --selftest: no PYNQ needed (none on the path), run from another folder.
        let r = run(p.exe, [driver, '--selftest'], {}, tmp);
        expect(r.stderr, p.label).toBe('');
        expect(r.stdout, p.label).toMatch(/selftest passed/);
        expect(r.status, p.label).toBe(0);

        // --check on tb_data.
        rmSync(log, { force: true });
        r = run(p.exe, [driver, '--check', '--batch-size', String(c.batchSize)], env(config({})), tmp);
        expect(r.stderr, p.label).toBe('');
        for (const o of desc.ports.filter((q) => q.direction === 'out')) expect(r.stdout, p.label).toContain(`${o.name} (${o.onnxName}): ${tbSamples}/${tbSamples} samples identical`);
        expect(r.stdout, p.label).toMatch(/check passed/);
        expect(r.status, p.label).toBe(0);
        const starts = events().filter((e) => e.event === 'start').map((e) => e.batch);
        const want = Array.from({ length: Math.ceil(tbSamples / c.batchSize) }, (_, i) => Math.min(c.batchSize, tbSamples - i * c.batchSize));
        expect(starts, p.label).toEqual(want);

        // Data: the driver's outputs == fpgac sim's, bit for bit.
        rmSync(log, { force: true });
        const boardOut = path.join(tmp, `board${ci}_out.npy`);
        r = run(p.exe, [driver, ...edgeFiles.flatMap((f) => ['--input', f]), '-o', boardOut, '--batch-size', String(c.batchSize)], env(config({})), tmp);
        expect(r.stderr, p.label).toBe('');
        expect(r.status, p.label).toBe(0);
        design.outputs.forEach((_, k) => {
          const got = readNpy(outputPath(boardOut, k));
          const want = readNpy(outputPath(simOut, k));
          expect(got.shape, p.label).toEqual(want.shape);
          expect(sameBits(got.data, want.data), `${p.label}: output ${k} equals fpgac sim's bit for bit`).toBe(true);
        });
        if (c.iface === 'axis') {
          // One receive per sample and output (TLAST ends each), sends split to the DMA's maximum length.
          const tr = events().filter((e) => e.event === 'transfer');
          for (const q of desc.ports) {
            const per = q.direction === 'in' && c.maxTransfer && q.bytesPerSample > c.maxTransfer ? Math.ceil(q.bytesPerSample / c.maxTransfer) : 1;
            expect(tr.filter((e) => e.port === q.name).length, `${q.name} transfers`).toBe(samples * per);
          }
        } else {
          expect(events().filter((e) => e.event === 'register' && String(e.name).startsWith('in0')).length).toBeGreaterThan(0);
        }

        // One flipped bit in one output sample: --check fails and says where.
        r = run(p.exe, [driver, '--check'], env(config({ corrupt: { sample: 1, byte: 0 } })), tmp);
        expect(r.stdout, p.label).toMatch(/1\/\d+ samples differ; first: sample 1 element 0/);
        expect(r.stdout, p.label).toMatch(/check FAILED/);
        expect(r.status, p.label).toBe(1);
      }
    });
  });

  it('without PYNQ, --check says so (exit 2); a design.json of another kind is refused; --selftest fails on an expected output off the format grid', () => {
    const py = python();
    const board = path.join(tmp, 'board0');
    expect(existsSync(board), 'built by the first end-to-end test').toBe(true);
    let r = run(py.exe, [path.join(board, 'driver', 'fpgac_driver.py'), '--check'], {}, tmp);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/PYNQ is not installed/);
    const bad = path.join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 'fpgac-design', version: 1 }));
    r = run(py.exe, [path.join(board, 'driver', 'fpgac_driver.py'), '--selftest', '--design', bad], {}, tmp);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not an fpgac driver description/);
    // A quarter LSB added to one expected output.
    const off = path.join(tmp, 'board0-off');
    cpSync(board, off, { recursive: true });
    const desc = JSON.parse(readFileSync(path.join(off, DRIVER_JSON), 'utf8')) as DriverDescription;
    const out = desc.ports.find((p) => p.direction === 'out')!;
    const y = readNpy(path.join(off, out.tbData!));
    y.data[3] += 2 ** -out.format.frac / 4;
    writeNpy(path.join(off, out.tbData!), y);
    r = run(py.exe, [path.join(off, 'driver', 'fpgac_driver.py'), '--selftest'], {}, tmp);
    expect(r.stdout).toMatch(/out0: 1 expected outputs are not on the ap_fixed<16,6,AP_RND_CONV,AP_SAT> grid/);
    expect(r.stdout).toMatch(/selftest FAILED/);
    expect(r.status).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Weights from DDR: the build's own driver/design.json and tb_data/weights.bin, the Python driver against the fake
// PYNQ, the C driver's file reader and register write.

describe('weights from DDR: the drivers load tb_data/weights.bin and write its address (zcu104 builds of dsodenet)', () => {
  const ZCU104_BITS = boards().get('zcu104')!.dmaBits!;
  interface Built { dir: string; design: Design; desc: DriverDescription; image: Buffer | null; report: { plan: { weightImage?: { words: number; wordBits: number } } } }
  const built = new Map<string, Built>();
  function build(iface: 'axis' | 'm_axi', ddr: boolean): Built {
    const key = `${iface}-${ddr}`;
    const have = built.get(key);
    if (have) return have;
    const dir = path.join(tmp, `wbuild-${key}`);
    const result = buildProject(exampleModel(), dir, { board: 'zcu104', interface: iface, ...(ddr ? { weightsFrom: 'ddr' as const } : {}) });
    const image = path.join(dir, 'tb_data', 'weights.bin');
    const b: Built = {
      dir, design: result.compiled.design, desc: JSON.parse(readFileSync(path.join(dir, DRIVER_JSON), 'utf8')) as DriverDescription,
      image: existsSync(image) ? readFileSync(image) : null, report: JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')),
    };
    built.set(key, b);
    return b;
  }

  /** A board folder from the build (its driver/, tb_data/, a fake bitstream) and a fake-PYNQ config answering tb_data. */
  function board(b: Built, name: string, opts: { pointerRegisters: 'single' | 'split'; baseAddress?: number; weights: boolean }) {
    const dir = path.join(tmp, name);
    rmSync(dir, { recursive: true, force: true });
    cpSync(path.join(b.dir, 'driver'), path.join(dir, 'driver'), { recursive: true });
    cpSync(path.join(b.dir, 'tb_data'), path.join(dir, 'tb_data'), { recursive: true });
    mkdirSync(path.join(dir, 'bitstream'));
    writeFileSync(path.join(dir, 'bitstream', `${b.design.name}.bit`), 'not a bitstream');
    writeFileSync(path.join(dir, 'bitstream', `${b.design.name}.hwh`), '<hwh/>');
    const packing = designPacking(b.design, b.desc.interface, b.desc.busBits);
    const tb = (dirn: 'in' | 'out') => b.desc.ports.filter((p) => p.direction === dirn).map((p) => readNpy(path.join(dir, p.tbData!)));
    const outs = tb('out');
    const rows = tableRows(b.design, packing.ports, b.desc.busBits, tb('in').map((n) => n.data), outs.map((n) => n.data), outs[0].shape[0]);
    writeFileSync(path.join(dir, 'in.bin'), concat(rows.keys));
    writeFileSync(path.join(dir, 'out.bin'), concat(rows.vals));
    const dump = path.join(dir, 'ip-read-weights.bin');
    const config = path.join(dir, 'fake.json');
    writeFileSync(config, JSON.stringify({
      interface: b.desc.interface, busBits: b.desc.busBits, ip: b.desc.ip, ipInstance: `${b.desc.ip}_0`, pointerRegisters: opts.pointerRegisters,
      tableIn: path.join(dir, 'in.bin'), tableOut: path.join(dir, 'out.bin'), ...(opts.baseAddress ? { baseAddress: opts.baseAddress } : {}),
      ports: b.desc.ports.map((p) => ({ name: p.name, direction: p.direction, bytesPerSample: p.bytesPerSample, dma: b.desc.interface === 'axis' ? `axi_dma_${p.index}` : null })),
      // The IP of a build with streamed weights has the fpgac_wimg pointer (its HLS port); the other IPs have none.
      weights: opts.weights ? { register: 'fpgac_wimg', bytes: b.image!.length, dump } : null,
    }));
    const log = path.join(dir, 'log.jsonl');
    const env = { PYTHONPATH: FAKE_PYNQ, FPGAC_FAKE_CONFIG: config, FPGAC_FAKE_LOG: log };
    const events = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; [k: string]: unknown }) : []);
    return { dir, driver: path.join(dir, DRIVER_PY.target), dump, log, env, events };
  }

  const setups = [
    { iface: 'axis' as const, pointerRegisters: 'single' as const, baseAddress: undefined },
    // m_axi with PYNQ's split 32-bit register pairs and buffers above 4 GiB (the high word must be written too).
    { iface: 'm_axi' as const, pointerRegisters: 'split' as const, baseAddress: 0x8_0000_0000 },
  ];
  for (const s of setups) {
    it(`${s.iface}: design.json describes the image; the driver loads it into a buffer whose address reaches fpgac_wimg (${s.pointerRegisters}) before the first start; the IP reads exactly weights.bin; a file of another size is refused in one line`, () => {
      python();
      const b = build(s.iface, true);
      // The plan streams weights, the build wrote the image, and design.json says what the file is.
      const wi = b.report.plan.weightImage;
      expect(wi, 'report.json plan.weightImage').toBeDefined();
      expect(b.image, 'tb_data/weights.bin').not.toBeNull();
      const image = b.image!;
      expect(wi!.wordBits).toBe(ZCU104_BITS);
      expect(image.length).toBe((wi!.words * ZCU104_BITS) / 8);
      expect(b.desc.weights).toEqual({ file: 'tb_data/weights.bin', words: wi!.words, wordBits: ZCU104_BITS, bytes: image.length, register: 'fpgac_wimg' });
      // The register is the wrapper's own s_axilite port.
      const wrapper = readFileSync(path.join(b.dir, 'firmware', `${b.desc.ip}.cpp`), 'utf8');
      expect(wrapper).toContain(`#pragma HLS INTERFACE s_axilite port=${b.desc.weights!.register} bundle=control`);

      for (const py of PY.found) {
        const f = board(b, `wboard-${s.iface}`, { ...s, weights: true });
        // --selftest (no board) checks the image's size too.
        let r = run(py.exe, [f.driver, '--selftest'], {}, tmp);
        expect(r.stderr, py.label).toBe('');
        expect(r.stdout, py.label).toContain(`weights (tb_data/weights.bin): ${image.length} bytes, ${wi!.words} words of ${ZCU104_BITS} bits, ok`);
        expect(r.status, py.label).toBe(0);

        r = run(py.exe, [f.driver, '--check', '--batch-size', '3'], f.env, tmp);
        expect(r.stderr, py.label).toBe('');
        expect(r.stdout, py.label).toMatch(/check passed/);
        expect(r.status, py.label).toBe(0);
        const ev = f.events();
        const regWrites = ev.filter((e) => e.event === 'register' && /^fpgac_wimg(_[12])?$/.test(String(e.name)));
        const value = (n: string) => Number(regWrites.filter((e) => e.name === n).at(-1)?.value ?? 0);
        const address = s.pointerRegisters === 'single' ? value('fpgac_wimg') : value('fpgac_wimg_1') + value('fpgac_wimg_2') * 2 ** 32;
        if (s.baseAddress) expect(value('fpgac_wimg_2'), 'high word').toBe(Math.floor(s.baseAddress / 2 ** 32));
        // The address is that of a buffer of exactly the image's size, flushed before the first start.
        const alloc = ev.filter((e) => e.event === 'allocate' && e.address === address);
        expect(alloc.map((e) => e.nbytes), py.label).toEqual([image.length]);
        const firstStart = ev.findIndex((e) => e.event === 'start');
        expect(firstStart, py.label).toBeGreaterThan(0);
        expect(ev.lastIndexOf(regWrites.at(-1)!), 'register written before the first start').toBeLessThan(firstStart);
        expect(ev.findIndex((e) => e.event === 'flush' && e.address === address && e.nbytes === image.length), 'flushed before the first start').toBeLessThan(firstStart);
        expect(ev.findIndex((e) => e.event === 'flush' && e.address === address)).toBeGreaterThan(ev.indexOf(alloc[0]));
        // 8 samples in batches of 3: three starts, each reading the image from the same address.
        const starts = ev.filter((e) => e.event === 'start').length;
        expect(starts).toBe(3);
        expect(ev.filter((e) => e.event === 'weights').map((e) => [e.address, e.nbytes])).toEqual(Array.from({ length: starts }, () => [address, image.length]));
        expect(readFileSync(f.dump).equals(image), `${py.label}: the IP read exactly tb_data/weights.bin`).toBe(true);

        // A file one word short or one word long, or none: one-line error, exit 2, nothing started or written.
        const word = ZCU104_BITS / 8;
        for (const [what, bytes] of [['short', image.subarray(0, image.length - word)], ['long', Buffer.concat([image, Buffer.alloc(word)])], ['missing', null]] as const) {
          const file = path.join(f.dir, 'tb_data', 'weights.bin');
          if (bytes) writeFileSync(file, bytes); else rmSync(file);
          rmSync(f.log, { force: true });
          r = run(py.exe, [f.driver, '--check'], f.env, tmp);
          expect(r.status, `${py.label} ${what}`).toBe(2);
          expect(r.stderr.trim().split('\n'), `${py.label} ${what}`).toHaveLength(1);
          expect(r.stderr, `${py.label} ${what}`).toMatch(bytes
            ? new RegExp(`^error: weight image \\S*weights\\.bin holds ${bytes.length} bytes, expected ${image.length} \\(${wi!.words} words of ${ZCU104_BITS} bits\\)`)
            : /^error: weight image \S*weights\.bin not found/);
          expect(f.events().filter((e) => e.event === 'start' || (e.event === 'register' && String(e.name).startsWith('fpgac_wimg'))), `${py.label} ${what}`).toEqual([]);
          r = run(py.exe, [f.driver, '--selftest'], {}, tmp);
          expect(r.stdout, `${py.label} ${what}`).toMatch(/selftest FAILED/);
          expect(r.status, `${py.label} ${what}`).toBe(1);
        }
      }
    });
  }

  for (const iface of ['axis', 'm_axi'] as const) {
    it(`${iface} without streamed weights: design.json says weights null, no image is written, and the driver allocates no buffer for one nor writes an fpgac_wimg register`, () => {
      python();
      const b = build(iface, false);
      expect(b.report.plan.weightImage).toBeUndefined();
      expect(b.image).toBeNull();
      expect(b.desc.weights).toBeNull();
      for (const py of PY.found) {
        const f = board(b, `wboard-none-${iface}`, { pointerRegisters: 'single', weights: false });
        const r = run(py.exe, [f.driver, '--check', '--batch-size', '3'], f.env, tmp);
        expect(r.stderr, py.label).toBe('');
        expect(r.stdout, py.label).toMatch(/check passed/);
        const ev = f.events();
        expect(ev.filter((e) => e.event === 'register' && /wimg/.test(String(e.name)))).toEqual([]);
        expect(ev.filter((e) => e.event === 'weights')).toEqual([]);
        // One buffer per port (reused across the batches), none besides.
        expect(ev.filter((e) => e.event === 'allocate').length).toBe(b.desc.ports.length);
      }
    });
  }

  it('the C driver reads the image (exactly its size, else -2; no file -1) and writes its address as a low/high register pair at the given offset', () => {
    const b = build('axis', true);
    const image = b.image!;
    const src = path.dirname(DRIVER_PY.source());
    const exe = path.join(tmp, 'driver_c_weights');
    // With the device part: fpgac_set_weights writes through a register window (a plain array here, no device).
    let r = run('gcc', ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', '-pedantic', `-I${src}`, path.join(HERE, 'driver_c_test.c'), path.join(src, 'fpgac_driver.c'), '-o', exe, '-lm']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const file = path.join(b.dir, 'tb_data', 'weights.bin');
    const out = path.join(tmp, 'c-weights.bin');
    // Offset 0x1c and an address above 4 GiB: low word 0x70001000 at 0x1c, high word 0x8 at 0x20.
    r = run(exe, ['--weights', file, String(image.length), out, '0x1c', '0x870001000']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['read 0', 'reg 0x1c 0x70001000', 'reg 0x20 0x00000008']);
    expect(readFileSync(out).equals(image)).toBe(true);
    for (const [bytes, file2, rc] of [[image.length + 16, file, -2], [image.length - 16, file, -2], [image.length, path.join(tmp, 'no-such-image.bin'), -1]] as const) {
      r = run(exe, ['--weights', file2, String(bytes), out, '0x10', '0x1000']);
      expect(r.stdout.split('\n')[0], `${bytes} bytes of ${file2}`).toBe(`read ${rc}`);
    }
  });
});
