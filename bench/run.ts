/**
 * @fileoverview `npm run bench` (after `npm run build`): throughput of the pieces of fpgac on real models.
 *
 * Per model: `buildProject` time (best of 3), the bit-exact simulator (simulateBatch, warm, ≥ 1 s of work), the
 * float reference (runFloat, warm, ≥ 1 s) and the emitted C++ compiled by the project's own `make csim` (g++,
 * host ap_types headers): its tb binary is timed on N samples and on 1 sample, and the difference is divided by
 * N − 1 so process start-up and file loading do not count. Single-threaded throughout. Models that are not
 * present are skipped; a missing g++/make shows as "n/a". Always exits 0: this is a report, not a test.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildProject } from '../src/build.js';
import { compileModel } from '../src/compile.js';
import type { Design } from '../src/ir/design.js';
import { numel } from '../src/ir/graph.js';
import { readNpy } from '../src/npy.js';
import { packageRoot } from '../src/paths.js';
import { runFloat } from '../src/reference.js';
import { simulateBatch, simulateSample } from '../sim/simulate.js';
import { seededGrid } from '../src/util/random.js';
import { csimRate } from './csim-rate.js';

interface ModelSpec { readonly name: string; readonly model: string; readonly inputs?: string }

interface Row {
  readonly name: string;
  readonly samples: number; // distinct input samples cycled through
  readonly buildS: number; // best of 3
  readonly buildFirstS: number; // the first (cold) build
  readonly simBatch: number; // inferences/s
  readonly simSample: number;
  readonly float: number;
  readonly gpp: number | null;
  readonly gppNote: string;
}

const MIN_SECONDS = 1;

/** Seeded inputs in [-1, 1) on the 1/1024 grid, like the build's default data: the same numbers on every run. */
const seeded = (count: number, seed: number): Float64Array => seededGrid(count, seed);

/** Calls `run(k)` (k counts up) until at least `seconds` have passed, after a warm-up; returns calls per second. */
function rate(run: (k: number) => number, seconds = MIN_SECONDS): number {
  const warm = performance.now();
  let k = 0;
  while (performance.now() - warm < 200) k += run(k); // let the JIT settle
  let done = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < seconds * 1000) {
    done += run(k + done);
    t = performance.now();
  }
  return done / ((t - t0) / 1000);
}

/** The input data: per design input, `samples` samples concatenated. */
function inputData(design: Design, spec: ModelSpec): { data: Float64Array[]; samples: number } {
  if (spec.inputs && existsSync(spec.inputs) && design.inputs.length === 1) {
    const a = readNpy(spec.inputs);
    const per = numel(design.tensors[design.inputs[0]].shape);
    return { data: [a.data instanceof Float64Array ? a.data : Float64Array.from(a.data)], samples: Math.floor(a.data.length / per) };
  }
  const samples = 64;
  return { data: design.inputs.map((n, i) => seeded(samples * numel(design.tensors[n].shape), 1 + i)), samples };
}

function benchModel(spec: ModelSpec, tmp: string): Row {
  const dirs = [0, 1, 2].map((k) => path.join(tmp, `${spec.name}-${k}`));
  const builds = dirs.map((d) => buildProject(spec.model, d).seconds);
  const buildS = Math.min(...builds);
  const compiled = compileModel(spec.model);
  const { design, reference } = compiled;
  const { data, samples } = inputData(design, spec);
  const pers = design.inputs.map((n) => numel(design.tensors[n].shape));
  const sampleOf = (s: number): Float64Array[] => data.map((d, i) => d.subarray((s % samples) * pers[i], (s % samples + 1) * pers[i]));
  // The batch API on all samples at once; per-sample calls for comparison.
  const simBatch = rate(() => {
    simulateBatch(design, data, samples);
    return samples;
  });
  const simSample = rate((k) => {
    simulateSample(design, sampleOf(k));
    return 1;
  });
  const float = rate((k) => {
    runFloat(reference, sampleOf(k));
    return 1;
  });
  const g = csimRate(dirs[0], design, data, samples, MIN_SECONDS, 900);
  return { name: spec.name, samples, buildS, buildFirstS: builds[0], simBatch, simSample, float, gpp: g.rate, gppNote: g.note };
}

const fmt = (x: number): string => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3));

function main(): void {
  const root = packageRoot();
  const shared = path.resolve(root, '..', 'shared', 'models');
  const specs: ModelSpec[] = [
    { name: 'dsodenet-digits', model: path.join(root, 'examples', 'dsodenet-digits', 'model.onnx'), inputs: path.join(shared, 'dsodenet-digits', 'test_x.npy') },
    { name: 'hls4ml/three_layer_keras', model: path.join(shared, 'hls4ml', 'three_layer_keras', 'model.onnx') },
  ].filter((s) => existsSync(s.model));
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  console.log(`fpgac bench: node ${process.version}, ${os.cpus().length} CPU(s) (${cpu}); single-threaded; rates in inferences/s`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-bench-'));
  const rows: Row[] = [];
  try {
    for (const s of specs) {
      try {
        rows.push(benchModel(s, tmp));
      } catch (e) {
        console.log(`${s.name}: failed: ${(e as Error).message}`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const head = ['model', 'samples', 'build best/3 (1st)', 'sim batch', 'sim sample', 'float ref', 'g++ csim', 'sim/g++'];
  const body = rows.map((r) => [
    r.name, String(r.samples), `${r.buildS.toFixed(3)} s (${r.buildFirstS.toFixed(2)})`, fmt(r.simBatch), fmt(r.simSample), fmt(r.float),
    r.gpp === null ? 'n/a' : fmt(r.gpp), r.gpp === null ? 'n/a' : `${(r.simBatch / r.gpp).toFixed(2)}×`,
  ]);
  const widths = head.map((h, k) => Math.max(h.length, ...body.map((b) => b[k].length)));
  const line = (cells: string[]) => cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join('  ');
  console.log(line(head));
  for (const b of body) console.log(line(b));
  for (const r of rows) if (r.gpp === null || r.gppNote) console.log(`  ${r.name}: g++ ${r.gpp === null ? r.gppNote : `timed on ${r.gppNote} minus a 1-sample run`}`);
  const mem = process.memoryUsage();
  console.log(`memory: peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB, current RSS ${(mem.rss / 2 ** 20).toFixed(0)} MB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MB`);
}

main();
