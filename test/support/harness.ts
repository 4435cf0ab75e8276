/**
 * Test support: run a Design both ways — the TypeScript simulator and the emitted HLS C++ compiled with g++
 * (host C-simulation, as `make csim` does) — so tests can demand identical bits. Nothing here computes expected
 * values itself: g++ running the emitted code is the independent executor.
 */
import { mkdtempSync, rmSync, existsSync, readdirSync, statSync } from 'node:fs';
import { it, expect } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
import os from 'node:os';
import path from 'node:path';
import { ELT_RANK, computeLayers, type Design, type DTensor, type Layer, type ConstData } from '../../src/ir/design.js';
import { parallelChoices } from '../../src/kinds/index.js';
import { numel } from '../../src/ir/graph.js';
import { renderProject } from '../../src/emit/project.js';
import { writeOutputDir } from '../../src/outdir.js';
import { sampleDims } from '../../src/data.js';
import { simulateSample } from '../../sim/simulate.js';
import { readNpy, writeNpy } from '../../src/npy.js';
import { fixed, fracBits, maxRaw, minRaw, type FixedFormat } from '../../sim/fixed.js';
import type { EmitPlan } from '../../src/emit/block.js';

export const REPO = path.resolve(__dirname, '../..');

/** The project's seeded generator (src/util/random.ts), so every random test is reproducible. */
export { mulberry32 as rng } from '../../src/util/random.js';

/** Largest magnitude a format holds. */
export const maxAbsOf = (f: FixedFormat): number => Math.max(-minRaw(f), maxRaw(f)) * 2 ** -fracBits(f);

/**
 * An accumulator exact for any weights of these formats over `taps` products (and a bias): all fraction bits,
 * integer bits with a margin of two. The kernel tests' layers use it; the compiler sizes its own from the weights.
 */
export function exactAccFor(x: FixedFormat, w: FixedFormat, b: FixedFormat | null, taps: number): FixedFormat {
  const frac = Math.max(fracBits(x) + fracBits(w), b ? fracBits(b) : 0);
  const int = Math.ceil(Math.log2(maxAbsOf(x) * maxAbsOf(w) * taps + (b ? maxAbsOf(b) : 0))) + 2;
  return fixed(int + frac, int);
}

/** Uniform random raws covering a format's whole range (edges included). */
export function randomRaws(f: FixedFormat, n: number, rand: () => number): number[] {
  const lo = f.signed ? -(2 ** (f.width - 1)) : 0;
  const span = 2 ** f.width;
  return Array.from({ length: n }, () => lo + Math.floor(rand() * span));
}

export function constData(name: string, shape: number[], format: FixedFormat, raw: number[]): ConstData {
  if (raw.length !== numel(shape)) throw new Error(`constData ${name}: ${raw.length} values for shape ${shape}`);
  return { name, shape, format, raw };
}

/** A design around the given layers; inputs are the tensors no layer writes, the output is the last layer's. */
export function makeDesign(name: string, tensors: DTensor[], layers: Layer[], outputs?: string[]): Design {
  const written = new Set(layers.map((l) => l.output));
  const read = new Set(layers.flatMap((l) => l.inputs));
  return {
    format: 'fpgac-design', version: 1, name,
    model: { file: 'test.onnx', sha256: '', opset: 13, producer: 'test' },
    precision: 'ap_fixed<16,6>',
    inputs: tensors.filter((t) => read.has(t.name) && !written.has(t.name)).map((t) => t.name),
    outputs: outputs ?? [layers[layers.length - 1].output],
    tensors: Object.fromEntries(tensors.map((t) => [t.name, t])),
    layers,
  };
}

/** Simulator outputs for each sample: samples[s][i] are the doubles of input i. */
export function simulateSamples(design: Design, samples: number[][][]): Float64Array[][] {
  return samples.map((s) => simulateSample(design, s).outputs);
}

export interface CsimOptions {
  /** ap_types include folder; default the project's own host headers. */
  apTypesInclude?: string;
  keep?: boolean;
  /** Parallel factors, sparse weights, buffer sharing as a plan would give them (default: none). */
  plan?: EmitPlan;
}

/**
 * Emits the design, writes the samples as .npy, runs `make csim` (g++) and returns outputs per sample. Async so a
 * long compile never blocks the test worker's event loop (vitest's RPC would time out).
 */
export async function csimSamples(design: Design, samples: number[][][], opts: CsimOptions = {}): Promise<Float64Array[][]> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'fpgac-csim-'));
  try {
    const dir = path.join(root, 'prj');
    writeOutputDir(dir, renderProject(design, { part: 'xczu7ev-ffvc1156-2-e', clockNs: 5, defaultInputs: [], ...(opts.plan ? { plan: opts.plan } : {}) }).files, { version: 'test' });
    const inputs = design.inputs.map((name, i) => {
      const t = design.tensors[name];
      const per = numel(t.shape);
      const data = new Float64Array(samples.length * per);
      samples.forEach((s, k) => data.set(s[i], k * per));
      const file = path.join(root, `in${i}.npy`);
      writeNpy(file, { shape: [samples.length, ...sampleDims(t.shape)], data });
      return file;
    });
    const out = path.join(root, 'out.npy');
    const vars = [`INPUTS=${inputs.join(' ')}`, `OUTPUT=${out}`, 'CXXFLAGS=-std=c++14 -O1'];
    if (opts.apTypesInclude) vars.push(`AP_TYPES_INCLUDE=${opts.apTypesInclude}`);
    await execFileAsync('make', ['-s', '-C', dir, 'csim', ...vars], { maxBuffer: 64 << 20 });
    const results = design.outputs.map((name, k) => {
      const file = k === 0 ? out : out.replace(/\.npy$/, `.${k}.npy`);
      return { arr: readNpy(file), per: numel(design.tensors[name].shape) };
    });
    return samples.map((_, s) => results.map(({ arr, per }) => arr.data.slice(s * per, (s + 1) * per)));
  } finally {
    if (!opts.keep) rmSync(root, { recursive: true, force: true });
  }
}

/** The official Xilinx headers, when a developer points XILINX_AP_INCLUDE at them (never committed). */
export function officialApInclude(): string | undefined {
  const p = process.env.XILINX_AP_INCLUDE;
  return p && existsSync(path.join(p, 'ap_fixed.h')) ? p : undefined;
}

/** Raw-level equality report: the first differing positions, for a readable failure. */
export function firstDifferences(a: Float64Array, b: Float64Array, max = 5): string[] {
  const out: string[] = [];
  if (a.length !== b.length) out.push(`length ${a.length} != ${b.length}`);
  for (let i = 0; i < Math.min(a.length, b.length) && out.length < max; i++) {
    if (!Object.is(a[i], b[i])) out.push(`[${i}] ${a[i]} != ${b[i]}`);
  }
  return out;
}

/** Random input samples (as exact doubles of the input format's grid, plus off-grid values to exercise rounding). */
export function randomSamples(design: Design, count: number, rand: () => number): number[][][] {
  return Array.from({ length: count }, () =>
    design.inputs.map((name) => {
      const t = design.tensors[name];
      const frac = t.format.width - t.format.int;
      return randomRaws(t.format, numel(t.shape), rand).map((r) => (r + rand() * 0.999) * 2 ** -frac);
    }),
  );
}

/**
 * The two g++ parity tests every kernel family runs: against fpgac's own host headers, and against the official
 * Xilinx headers when XILINX_AP_INCLUDE points at them (otherwise skipped, saying why). `check` compiles with the
 * given include folder (undefined: the default) and asserts identical bits.
 */
export function itMatchesGxx(check: (apTypesInclude?: string) => Promise<void>): void {
  it('simulator equals g++ C-simulation bit for bit (fpgac host ap_types headers)', () => check());
  const official = officialApInclude();
  (official ? it : it.skip)(
    `simulator equals g++ C-simulation bit for bit with the official Xilinx headers${official ? '' : ' (skipped: XILINX_AP_INCLUDE not set)'}`,
    () => check(official),
  );
}

/**
 * Asserts two runs of a design (per sample, per output) are identical, listing every differing output (its first
 * differing sample and positions) so one failure shows them all.
 */
export function expectSameOutputs(design: Design, got: Float64Array[][], want: Float64Array[][]): void {
  const bad: string[] = [];
  design.outputs.forEach((name, k) => {
    const s = got.findIndex((outputs, si) => firstDifferences(outputs[k], want[si][k]).length > 0);
    if (s >= 0) bad.push(`${name} (sample ${s}): ${firstDifferences(got[s][k], want[s][k], 3).join(', ')}`);
  });
  expect(bad).toEqual([]);
}

/** The multi-index of flat position o in a C-order array of `shape` (the reference computations' own decoding). */
export function multiIndex(o: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  let r = o;
  for (let k = shape.length - 1; k >= 0; k--) {
    idx[k] = r % shape[k];
    r = Math.floor(r / shape[k]);
  }
  return idx;
}

/**
 * NumPy broadcasting strides of an operand of `shape` inside a rank-ELT_RANK output, 0 on size-1 axes: written here
 * independently of src/ops/broadcast.ts, so element-wise tests do not take their expectations from the code under
 * test.
 */
export function referenceStrides(shape: readonly number[]): number[] {
  const p = [...Array(ELT_RANK - shape.length).fill(1), ...shape];
  const st = new Array<number>(ELT_RANK);
  let s = 1;
  for (let k = ELT_RANK - 1; k >= 0; k--) {
    st[k] = p[k] === 1 ? 0 : s;
    s *= p[k];
  }
  return st;
}

/**
 * A plan giving every layer its second-smallest parallel choice above one (lanes, engines, pf_in), or 1 when it
 * has none, so that kernels run their multi-lane code paths in g++ tests.
 */
export function lanesPlan(design: Design): EmitPlan {
  const parallel = new Map<string, { pfIn: number; pfOut: number }>();
  for (const l of computeLayers(design.layers)) {
    const c = parallelChoices(l).filter((p) => p.pfIn * p.pfOut > 1);
    parallel.set(l.name, c[Math.min(1, c.length - 1)] ?? { pfIn: 1, pfOut: 1 });
  }
  return { tool: 'vitis', schedule: 'sequential', parallel, groups: new Map(), kinds: new Map() };
}

/** Every file under `root`, as paths relative to it, in sorted order (folders walked depth first). */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d).sort()) {
      const p = path.join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(path.relative(root, p));
    }
  };
  walk(root);
  return out;
}
