/**
 * @fileoverview `npm run bench:sim`: the bit-exact simulator's speed against native code, per model.
 *
 * Per model (dsodenet-digits on its test inputs, every shared model under hls4ml, qonnx-data, qonnx-zoo,
 * polygraphy and derived-hls4ml-keras, a generated 1024×1024 dense layer and a generated ResNet18): simulator
 * inferences/s and GMAC/s as a batch on one thread, as a batch on os.availableParallelism() threads (worker
 * threads, when this simulator has them; batches of ~0.25 s, cycling the inputs), and one sample at a time
 * (simulateSample); the emitted C++ through the project's own `make csim` (g++, host ap_types; timed as
 * (t(N) − t(1)) / (N − 1), so start-up and file loading do not count); and the ratios. Then the native limit: a plain int16 × int16 → int32 MAC loop (1024×1024
 * matrix-vector) compiled by g++ -O2 on this machine (and -O2 -march=native, for reference), which the simulator's
 * GMAC/s are compared with; and the start-up time of `fpgac sim DIR --input x.npy -o y.npy` over repeated spawns.
 *
 * Environment: FPGAC_BENCH_SHARED (the shared models folder, default ../shared/models beside the package),
 * FPGAC_BENCH_RESNET_SIZE (input size of the ResNet18, default 224), FPGAC_BENCH_CSIM_TIMEOUT (seconds
 * for one `make csim` build or run, default 900), FPGAC_BENCH_ONLY (a substring: only models whose name has it).
 * A report, not a test: always exits 0; missing models, g++ or make show as "n/a".
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildProject } from '../src/build.js';
import { compileModel } from '../src/compile.js';
import type { Design, Layer } from '../src/ir/design.js';
import { numel } from '../src/ir/graph.js';
import { readNpy, writeNpy } from '../src/npy.js';
import { packageRoot } from '../src/paths.js';
import { simulateBatch, simulateSample } from '../sim/simulate.js';
import { denseSpec } from './models.js';
import { writeResNet18 } from './resnet.js';
import { buildModel } from '../test/support/onnx-builder.js';
import { seededGrid } from '../src/util/random.js';
import { csimRate } from './csim-rate.js';

interface Spec { readonly name: string; readonly model: string; readonly inputs?: string }

const MIN_SECONDS = 1;
const CSIM_TIMEOUT_S = Number(process.env.FPGAC_BENCH_CSIM_TIMEOUT ?? 900);
const sharedModels = (root: string): string => process.env.FPGAC_BENCH_SHARED ?? path.resolve(root, '..', 'shared', 'models');
const cpus = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;

/** Seeded inputs in [-1, 1) on the 1/1024 grid, like the build's default data: the same numbers on every run. */
const seeded = (count: number, seed: number): Float64Array => seededGrid(count, seed);

/** Calls `run(k)` until `seconds` have passed after a warm-up (at least one call each); returns units per second. */
function rate(run: (k: number) => number, seconds = MIN_SECONDS, warmMs = 300): number {
  const warm = performance.now();
  let k = 0;
  do k += run(k); while (performance.now() - warm < warmMs);
  let done = 0;
  const t0 = performance.now();
  let t = t0;
  do {
    done += run(k + done);
    t = performance.now();
  } while (t - t0 < seconds * 1000);
  return done / ((t - t0) / 1000);
}

/** Multiply-accumulates per sample: dense, conv2d and matmul layers (loop bodies times their trips). */
function macsOf(design: Design, layers: readonly Layer[] = design.layers, times = 1): number {
  let macs = 0;
  for (const l of layers) {
    if (l.kind === 'loop') macs += macsOf(design, l.body, times * l.trips);
    else if (l.kind === 'dense') macs += times * l.rows * l.nIn * l.nOut;
    else if (l.kind === 'conv2d') macs += times * l.oc * l.oh * l.ow * (l.c / l.group) * l.kh * l.kw;
    else if (l.kind === 'matmul') macs += times * l.batch * l.m * l.k * l.n;
  }
  return macs;
}

function inputData(design: Design, spec: Spec, samples: number): { data: Float64Array[]; samples: number } {
  if (spec.inputs && existsSync(spec.inputs) && design.inputs.length === 1) {
    const a = readNpy(spec.inputs);
    const per = numel(design.tensors[design.inputs[0]].shape);
    return { data: [a.data instanceof Float64Array ? a.data : Float64Array.from(a.data)], samples: Math.floor(a.data.length / per) };
  }
  return { data: design.inputs.map((n, i) => seeded(samples * numel(design.tensors[n].shape), 1 + i)), samples };
}

interface Row {
  readonly name: string; readonly macs: number;
  readonly batch1: number; readonly batchN: number | null; readonly sample: number;
  readonly csim: number | null; readonly csimNote: string;
}

async function threadsSupported(): Promise<boolean> {
  try {
    await import('../sim/batch.js' as string);
    return true;
  } catch {
    return false;
  }
}

async function benchModel(spec: Spec, tmp: string, threads: boolean): Promise<Row> {
  const { design } = compileModel(spec.model);
  const macs = macsOf(design);
  const { data, samples } = inputData(design, spec, macs > 1e8 ? 8 : 64);
  const pers = design.inputs.map((n) => numel(design.tensors[n].shape));
  if (samples === 0) throw new Error('no input samples');
  const sampleOf = (s: number): Float64Array[] => data.map((d, i) => d.subarray((s % samples) * pers[i], (s % samples + 1) * pers[i]));
  const batch1 = rate(() => (simulateBatch(design, data, samples, { threads: 1 }), samples));
  // Threads pay per call (a message per worker): give them ~0.25 s batches. The inputs are in shared memory, as
  // `fpgac sim` reads them: inputs in ordinary memory are copied for the workers at each call, and on this machine
  // first-touching fresh memory (~2.5 ms a MB) can cost more than a small model's arithmetic.
  const big = Math.max(samples, Math.min(1 << 16, Math.ceil(batch1 * 0.25)));
  const bigData = data.map((d, i) => {
    const a = new Float64Array(new SharedArrayBuffer(8 * big * pers[i]));
    for (let s = 0; s < big; s++) a.set(d.subarray((s % samples) * pers[i], (s % samples + 1) * pers[i]), s * pers[i]);
    return a;
  });
  // The first batches start the workers, which then compile their kernels: a second of warm-up, so the figure is
  // the steady rate (as the one-thread figure and make csim's are).
  const batchN = threads && cpus > 1 ? rate(() => (simulateBatch(design, bigData, big, { threads: cpus }), big), MIN_SECONDS, 1000) : null;
  const sample = rate((k) => (simulateSample(design, sampleOf(k)), 1));
  const dir = path.join(tmp, spec.name.replace(/\W+/g, '_'));
  let csim: { rate: number | null; note: string };
  if (design.inputs.length === 0) csim = { rate: null, note: 'make csim not timed: the model has no inputs, so its testbench runs one sample whatever N' };
  else try {
    buildProject(spec.model, dir, { allowOverflow: true });
    csim = csimRate(dir, design, data, samples, MIN_SECONDS, CSIM_TIMEOUT_S);
  } catch (e) {
    csim = { rate: null, note: `build failed: ${(e as Error).message.split('\n')[0]}` };
  }
  rmSync(dir, { recursive: true, force: true });
  return { name: spec.name, macs, batch1, batchN, sample, csim: csim.rate, csimNote: csim.note };
}

/** The native int16 MAC limit: g++ on a 1024×1024 int16 matrix-vector loop (sizes at run time and at compile time). */
function nativeLimit(tmp: string): { o2: number | null; native: number | null; note: string } {
  const src = path.join(tmp, 'mac.cpp');
  writeFileSync(src, `#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>
// y[o] = sum_i w[o][i] * x[i]: int16 operands, int32 accumulators; sizes known at compile time (N) or not (n).
template <int N> __attribute__((noinline)) void fixed_size(const int16_t* w, const int16_t* x, int32_t* y) {
  for (int o = 0; o < N; o++) { int32_t s = 0; for (int i = 0; i < N; i++) s += (int32_t)w[o * N + i] * x[i]; y[o] = s; }
}
__attribute__((noinline)) void any_size(const int16_t* w, const int16_t* x, int32_t* y, int n) {
  for (int o = 0; o < n; o++) { int32_t s = 0; for (int i = 0; i < n; i++) s += (int32_t)w[(size_t)o * n + i] * x[i]; y[o] = s; }
}
int main(int argc, char** argv) {
  const int n = 1024;
  int variant = argc > 1 ? atoi(argv[1]) : 0;
  std::vector<int16_t> w((size_t)n * n), x(n);
  std::vector<int32_t> y(n);
  unsigned s = 1;
  for (auto& v : w) { s = s * 1103515245u + 12345u; v = (int16_t)(((s >> 16) & 0x1ff) - 256); }
  for (auto& v : x) { s = s * 1103515245u + 12345u; v = (int16_t)(((s >> 16) & 0x3fff) - 8192); }
  long long macs = 0, check = 0;
  auto t0 = std::chrono::steady_clock::now();
  double el = 0;
  do {
    for (int r = 0; r < 16; r++) {
      x[r] ^= 1;
      if (variant) any_size(w.data(), x.data(), y.data(), n); else fixed_size<1024>(w.data(), x.data(), y.data());
      check += y[r];
      macs += (long long)n * n;
    }
    el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  } while (el < 1.0);
  printf("%.4f %lld\\n", macs / el / 1e9, check);
}
`);
  const best = (flags: string[]): number | null => {
    const bin = path.join(tmp, `mac${flags.join('')}`.replace(/\W+/g, '_'));
    try {
      execFileSync('g++', [...flags, '-o', bin, src], { stdio: 'ignore' });
      let r = 0;
      for (const v of ['0', '1']) for (let k = 0; k < 3; k++) r = Math.max(r, Number(execFileSync(bin, [v]).toString().split(' ')[0]));
      return r;
    } catch {
      return null;
    }
  };
  return { o2: best(['-O2']), native: best(['-O2', '-march=native']), note: 'best of 3 runs × {sizes at compile time, at run time}' };
}

/**
 * Median and minimum wall time of `runs` spawns of a command, in seconds. fpgac's switches are off unless `env` sets
 * them, and an empty value unsets a variable.
 */
function spawnTimes(cmd: string, args: string[], runs: number, env: Record<string, string> = {}): { median: number; min: number } {
  const ts: number[] = [];
  const e: NodeJS.ProcessEnv = { ...process.env, FPGAC_NO_BUNDLE: '', FPGAC_NO_CODE_CACHE: '', ...env };
  for (const [k, v] of Object.entries(e)) if (v === '') delete e[k];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { stdio: 'ignore', env: e });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
    ts.push((performance.now() - t0) / 1000);
  }
  ts.sort((a, b) => a - b);
  return { median: ts[Math.floor(ts.length / 2)], min: ts[0] };
}

function startup(root: string, tmp: string): string[] {
  const model = path.join(sharedModels(root), 'hls4ml', 'three_layer_keras', 'model.onnx');
  if (!existsSync(model)) return ['start-up: n/a (hls4ml/three_layer_keras missing)'];
  const dir = path.join(tmp, 'startup-prj');
  const bin = path.join(root, 'bin', 'fpgac.js');
  // Built in a child, so that this process stays as small as a shell for the timed spawns.
  const built = spawnSync(process.execPath, [bin, 'build', model, '-o', dir], { encoding: 'utf8' });
  if (built.status !== 0) return [`start-up: n/a (fpgac build failed: ${built.stderr.trim().split('\n')[0]})`];
  const x = path.join(tmp, 'x.npy');
  writeNpy(x, { shape: [1, 16], data: seeded(16, 7) });
  const y = path.join(tmp, 'y.npy');
  const args = [bin, 'sim', dir, '--input', x, '-o', y];
  const ms = (s: number) => `${(1000 * s).toFixed(0)} ms`;
  const line = (env: Record<string, string>) => {
    const node = spawnTimes(process.execPath, ['-e', ''], 15, env);
    const sim = spawnTimes(process.execPath, args, 15, env);
    const noCache = spawnTimes(process.execPath, args, 15, { ...env, FPGAC_NO_CODE_CACHE: '1' });
    const modules = spawnTimes(process.execPath, args, 15, { ...env, FPGAC_NO_BUNDLE: '1' });
    return [
      `  median ${ms(sim.median)}, min ${ms(sim.min)}; a bare \`node -e ''\` median ${ms(node.median)}, so fpgac's own share ${ms(sim.median - node.median)}`,
      `  (without the code cache, FPGAC_NO_CODE_CACHE=1: median ${ms(noCache.median)}; the compiled modules, FPGAC_NO_BUNDLE=1: median ${ms(modules.median)})`,
    ];
  };
  const out = ['start-up of `fpgac sim DIR --input x.npy -o y.npy` (jet MLP, 1 sample), 15 spawns each, in this environment:', ...line({})];
  // Node reads and parses every certificate of NODE_EXTRA_CA_CERTS before running any code (~40 ms here for a
  // system bundle): a cost of the environment, not of fpgac, so the figures are also given without it.
  if (process.env.NODE_EXTRA_CA_CERTS) out.push('without NODE_EXTRA_CA_CERTS (set here; Node loads those certificates at every start):', ...line({ NODE_EXTRA_CA_CERTS: '' }));
  return out;
}

function modelSpecs(root: string, tmp: string, only: string | undefined): Spec[] {
  const shared = sharedModels(root);
  const specs: Spec[] = [{ name: 'dsodenet-digits', model: path.join(root, 'examples', 'dsodenet-digits', 'model.onnx'), inputs: path.join(shared, 'dsodenet-digits', 'test_x.npy') }];
  for (const group of ['hls4ml', 'qonnx-data', 'qonnx-zoo', 'polygraphy', 'derived-hls4ml-keras']) {
    const dir = path.join(shared, group);
    if (!existsSync(dir)) continue;
    for (const m of readdirSync(dir).sort()) {
      const f = path.join(dir, m, 'model.onnx');
      if (statSync(path.join(dir, m)).isDirectory() && existsSync(f)) specs.push({ name: `${group}/${m}`, model: f });
    }
  }
  const dense = path.join(tmp, 'dense1024.onnx');
  buildModel(denseSpec(1024, 1024), dense);
  specs.push({ name: 'dense 1024x1024', model: dense });
  const size = Number(process.env.FPGAC_BENCH_RESNET_SIZE ?? 224);
  const resnet = path.join(tmp, `resnet18_${size}.onnx`);
  writeResNet18(resnet, { size });
  specs.push({ name: `resnet18 ${size}x${size}`, model: resnet });
  return specs.filter((s) => existsSync(s.model) && (!only || s.name.includes(only)));
}

const fmt = (x: number): string => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x === 0 ? '0' : x.toPrecision(3));

async function main(): Promise<void> {
  const root = packageRoot();
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  console.log(`fpgac bench:sim — node ${process.version}, ${cpus} thread(s) available (${cpu}); rates in inferences/s (GMAC/s)`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fpgac-bench-sim-'));
  const threads = await threadsSupported();
  const rows: Row[] = [];
  try {
    // First, while this process is small: every spawn copies the parent's page tables, so a parent grown by the
    // models below would slow each child's start by several ms.
    const startupLines = startup(root, tmp);
    const limit = nativeLimit(tmp);
    for (const s of modelSpecs(root, tmp, process.env.FPGAC_BENCH_ONLY)) {
      try {
        rows.push(await benchModel(s, tmp, threads));
      } catch (e) {
        console.log(`${s.name}: failed: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    const g = (r: number, macs: number) => `${fmt(r)}${macs > 0 ? ` (${(r * macs / 1e9).toFixed(2)})` : ''}`;
    const head = ['model', 'MAC/inf', 'sim batch 1T', `sim batch ${cpus}T`, 'sim sample', 'make csim', 'batch 1T/csim', `batch ${cpus}T/csim`];
    const body = rows.map((r) => [
      r.name, fmt(r.macs), g(r.batch1, r.macs), r.batchN === null ? 'n/a' : g(r.batchN, r.macs), g(r.sample, r.macs),
      r.csim === null ? 'n/a' : fmt(r.csim), r.csim === null ? 'n/a' : `${(r.batch1 / r.csim).toFixed(1)}×`,
      r.csim === null || r.batchN === null ? 'n/a' : `${(r.batchN / r.csim).toFixed(1)}×`,
    ]);
    const widths = head.map((h, k) => Math.max(h.length, ...body.map((b) => b[k].length)));
    const line = (cells: string[]) => cells.map((c, k) => (k === 0 ? c.padEnd(widths[k]) : c.padStart(widths[k]))).join('  ');
    console.log(line(head));
    for (const b of body) console.log(line(b));
    for (const r of rows) if (r.csim === null) console.log(`  ${r.name}: ${r.csimNote}`);
    console.log('  make csim: (t(N) − t(1)) / (N − 1) of the project\'s testbench binary, N grown until that difference is ≥ 1 s');
    const lim = limit.o2;
    console.log(`g++ -O2 int16 MAC limit (1024×1024 int16 matrix-vector, one thread): ${lim === null ? 'n/a' : `${lim.toFixed(2)} GMAC/s`}; -O2 -march=native: ${limit.native === null ? 'n/a' : `${limit.native.toFixed(2)} GMAC/s`} (${limit.note})`);
    if (lim) {
      for (const r of rows.filter((x) => x.name.startsWith('dense 1024') || x.name.startsWith('resnet18'))) {
        const one = (r.batch1 * r.macs) / 1e9;
        const all = r.batchN === null ? null : (r.batchN * r.macs) / 1e9;
        console.log(`  ${r.name}: batch 1T ${one.toFixed(2)} GMAC/s = ${(100 * one / lim).toFixed(0)}% of the limit` +
          `${all === null ? '' : `; ${cpus}T ${all.toFixed(2)} GMAC/s = ${(100 * all / lim).toFixed(0)}% of one core's limit`}`);
      }
    }
    for (const l of startupLines) console.log(l);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const mem = process.memoryUsage();
  console.log(`memory: peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB, heap used ${(mem.heapUsed / 2 ** 20).toFixed(0)} MB`);
}

void main();
